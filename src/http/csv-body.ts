import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/*
 * A CSV request body in UTF-8 (an API import of up to 20 MB) is not gathered on the request
 * thread: the import hands it, a chunk at a time as it arrives, to its worker thread
 * (src/apprentices/import-job.ts), so this thread holds only the chunk in hand. A CSV declared in
 * another character set is decoded by express.text instead.
 */

/** A CSV body: its Content-Type is text/csv. */
export function isCsv(req: IncomingMessage): boolean {
  return /^\s*text\/csv\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** A CSV body in UTF-8: its Content-Type names no character set, or names UTF-8. */
export function isUtf8Csv(req: IncomingMessage): boolean {
  if (!isCsv(req)) return false;
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** The body's length as its Content-Length gives it, when it does. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

/**
 * The request's body as it arrives, refused with 413 (`tooLarge`) as soon as it is known to be
 * larger than `limit` bytes: at once when its Content-Length says so, otherwise when the bytes
 * read pass the limit.
 */
export async function* bodyUpTo(req: IncomingMessage, limit: number, tooLarge: string): AsyncGenerator<Uint8Array> {
  if ((declaredLength(req) ?? 0) > limit) throw new HttpError(413, tooLarge);
  let read = 0;
  const chunks = (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch {
      // The client went away before sending it all: not the app's failure (body-parser's 400 too).
      throw new HttpError(400, 'The request body was not received whole');
    }
    if (next.done) return;
    read += next.value.byteLength;
    if (read > limit) throw new HttpError(413, tooLarge);
    yield next.value;
  }
}

/** A body's chunks gathered into one buffer (an import in place, where there is no worker to hand them to). */
export async function gathered(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}
