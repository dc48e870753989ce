import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FILE_CLASS_LABELS, classOf, judgeEvidence, megabytesInWords } from './rules.js';

/*
 * The evidence store's files on disk, under FILES_PATH: each named by the SHA-256 of its bytes
 * (`ab/abcdef…`), so the same file uploaded twice is kept once. A file arrives as a stream into a
 * temporary file of its own (owner-only), is hashed and measured on the way, judged by its first
 * bytes, and only then renamed into place: a file refused, too large or cut short leaves nothing
 * behind. Nothing here holds a whole file in memory, so a 2 GB recording costs what a small one does.
 */

/** How much of the start of a file its kind is judged by. */
const HEAD_BYTES = 8192;

export class EvidenceRefused extends Error {
  constructor(
    message: string,
    readonly status: 413 | 422,
  ) {
    super(message);
  }
}

export interface StoredFile {
  sha256: string;
  size: number;
  mediaType: string;
  kind: string;
}

export class EvidenceStorage {
  constructor(readonly root: string) {}

  private incoming(): string {
    return path.join(this.root, 'incoming');
  }

  /** Where a file of this hash lives. */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('Not a SHA-256');
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }

  /**
   * Takes a file as it arrives; refuses one empty or of a kind not taken, or larger than its limit:
   * `maxBytes`, or the limit for its kind, known once its first bytes are judged (so a document over
   * the documents' limit is refused as that limit is passed, not once 2 GB have arrived).
   */
  async receive(stream: Readable, maxBytes: number | ((mediaType: string) => number)): Promise<StoredFile> {
    const ceiling = typeof maxBytes === 'number' ? maxBytes : Infinity;
    let limit = ceiling;
    let limitWords: string | undefined;
    let judged: ReturnType<typeof judgeEvidence> | undefined;
    // The stream may fail while the folder is made: its error is kept for then.
    let early: Error | undefined;
    const keep = (error: Error) => (early ??= error);
    stream.on('error', keep);
    await fs.promises.mkdir(this.incoming(), { recursive: true, mode: 0o700 });
    stream.off('error', keep);
    if (early || stream.destroyed) {
      stream.resume();
      throw early ?? new Error('The upload was cut short');
    }
    const temporary = path.join(this.incoming(), randomBytes(16).toString('hex'));
    const out = fs.createWriteStream(temporary, { flags: 'wx', mode: 0o600 });
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let size = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (error: Error) => {
          if (failed) return;
          failed = true;
          stream.unpipe(out);
          stream.resume();
          out.destroy();
          reject(error);
        };
        // multer's parser says so when a file passes the form's limit (the stream then ends early).
        stream.once('limit', () => fail(tooLarge(limit, limitWords)));
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (headBytes < HEAD_BYTES) {
            head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
            headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
            // Judged as soon as the head is in: a kind not taken is refused at once, and its kind's limit applies from here.
            if (headBytes === HEAD_BYTES) {
              judged = judgeEvidence(Buffer.concat(head));
              if (!judged.ok) return fail(new EvidenceRefused(judged.reason, 422));
              if (typeof maxBytes === 'function') {
                limit = Math.min(ceiling, maxBytes(judged.mediaType));
                limitWords = kindLimitWords(judged.mediaType, limit);
              }
            }
          }
          if (size > limit) return fail(tooLarge(limit, limitWords));
          hash.update(chunk);
        });
        stream.once('error', fail);
        // Closed without its end (the sender went away): cut short.
        stream.once('close', () => {
          if (!stream.readableEnded) fail(new Error('The upload was cut short'));
        });
        out.once('error', fail);
        out.once('finish', () => (failed ? undefined : resolve()));
        stream.pipe(out);
      });
      judged ??= judgeEvidence(Buffer.concat(head));
      if (!judged.ok) throw new EvidenceRefused(judged.reason, 422);
      if (typeof maxBytes === 'function' && size > maxBytes(judged.mediaType)) {
        const kindLimit = maxBytes(judged.mediaType);
        throw tooLarge(kindLimit, kindLimitWords(judged.mediaType, kindLimit));
      }
      const sha256 = hash.digest('hex');
      const final = this.pathOf(sha256);
      await fs.promises.mkdir(path.dirname(final), { recursive: true, mode: 0o700 });
      // The same bytes already stored: keep the one copy.
      if (fs.existsSync(final)) await fs.promises.rm(temporary, { force: true });
      else await fs.promises.rename(temporary, final);
      return { sha256, size, mediaType: judged.mediaType, kind: judged.kind };
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw error;
    }
  }

  /** The file's bytes, as a stream. */
  open(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }

  /** Removes the file of this hash (when no record names it any more). */
  async remove(sha256: string): Promise<void> {
    await fs.promises.rm(this.pathOf(sha256), { force: true });
  }

  /** Files being received or left by a crash mid-upload (none, once every upload has ended). */
  leftovers(): string[] {
    try {
      return fs.readdirSync(this.incoming());
    } catch {
      return [];
    }
  }
}

function tooLarge(maxBytes: number, words?: string): EvidenceRefused {
  return new EvidenceRefused(
    words ?? `The selected file must be smaller than ${megabytesInWords(Math.round(maxBytes / 2 ** 20))}`,
    413,
  );
}

const kindLimitWords = (mediaType: string, limit: number) =>
  `The selected file must be smaller than ${megabytesInWords(Math.round(limit / 2 ** 20))}: the assessment organisation’s limit for ${FILE_CLASS_LABELS[classOf(mediaType)]}`;
