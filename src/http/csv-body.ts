import type { IncomingMessage } from 'node:http';
import { pipeline, type Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { HttpError, StalledBodyError } from './errors.js';

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

/** The body's length as its Content-Length gives it, when it does and the body is not compressed. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const length = req.headers['content-length'];
  const compressed = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() !== 'identity';
  return length !== undefined && /^\d+$/.test(length) && !compressed ? Number(length) : undefined;
}

/**
 * The request's body as it arrives, decompressed when its Content-Encoding says so (gzip, deflate
 * or br, as body-parser takes them; another is refused with 415), and refused with 413 (`tooLarge`)
 * as soon as it is known to be larger than `limit` bytes once decompressed: at once when its
 * Content-Length says so, otherwise when the bytes read pass the limit. A refused body's rest is
 * read and dropped, so that a client still sending it gets the answer rather than a reset
 * connection; a client that goes before sending it all gets 400, not counted as the app's failure.
 * A body that stops arriving for `idleMs` gets 408 and its connection closed: a stalled upload
 * does not hold its import's worker thread and turn (import-job.ts) until the server's own
 * request timeout, minutes later.
 */
export async function* bodyUpTo(
  req: IncomingMessage,
  limit: number,
  tooLarge: string,
  idleMs: number,
): AsyncGenerator<Uint8Array> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = DECODERS[encoding];
  if (!decoder && encoding !== 'identity') {
    await dropRest(req);
    throw new HttpError(
      415,
      `The request body’s Content-Encoding “${encoding}” is not taken: send it as gzip, deflate, br or none`,
    );
  }
  if ((declaredLength(req) ?? 0) > limit) {
    await dropRest(req);
    throw new HttpError(413, tooLarge);
  }
  // A pipeline, so that a client gone mid-body ends the decompressor's reading too.
  const source: AsyncIterable<Buffer> = decoder ? pipeline(req, decoder(), () => {}) : req;
  const chunks = source[Symbol.asyncIterator]();
  let read = 0;
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await nextOrStalled(chunks.next(), req, idleMs);
    } catch (error) {
      if (error instanceof StalledBodyError) throw error;
      await dropRest(req);
      // The client went away before sending it all, or sent what does not decompress: not the app's failure.
      throw new HttpError(400, 'The request body was not received whole');
    }
    if (next.done) return;
    read += next.value.byteLength;
    if (read > limit) {
      await dropRest(req);
      throw new HttpError(413, tooLarge);
    }
    yield next.value;
  }
}

const STALLED = Symbol('stalled');

/**
 * The body's next chunk, or StalledBodyError when no byte of it has come for `idleMs`. Bytes
 * count as come when the connection has read them, not when they are handed on: after a long
 * piece of work on this thread, or while a compressed body's bytes are being decompressed, the
 * timer can fall due before bytes already come reach this reader. It is believed only after a
 * turn of the event loop has read what the socket holds, and only if the connection has read
 * nothing meanwhile; otherwise the wait goes on.
 */
async function nextOrStalled<T>(pending: Promise<T>, req: IncomingMessage, idleMs: number): Promise<T> {
  for (;;) {
    const readBefore = req.socket?.bytesRead ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<typeof STALLED>((resolve) => {
      timer = setTimeout(() => setImmediate(resolve, STALLED), idleMs);
    });
    const outcome = await Promise.race([pending, idle]).finally(() => clearTimeout(timer));
    if (outcome !== STALLED) return outcome;
    if ((req.socket?.bytesRead ?? 0) === readBefore)
      throw new StalledBodyError(
        `The request body stopped arriving: nothing came for ${idleMs / 1000} seconds, so nothing was imported. Send it again.`,
      );
  }
}

/**
 * Reads the rest of a refused body and drops it, resolving when the request has ended (or
 * failed): the answer then reaches a client that sends everything before reading, as body-parser
 * does it.
 */
async function dropRest(req: IncomingMessage): Promise<void> {
  req.unpipe();
  // An async iterator reading it listens for 'readable', which keeps it from flowing: let it flow.
  req.removeAllListeners('readable');
  req.resume();
  await finished(req).catch(() => undefined);
}

/** The decompressors of the Content-Encodings a body may have. */
const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/** A body's chunks gathered into one buffer (an import in place, where there is no worker to hand them to). */
export async function gathered(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}
