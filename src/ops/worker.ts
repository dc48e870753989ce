import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import type { WriteGate } from './write-gate.js';

/**
 * Runs a module in a worker thread with `workerData` and resolves with its answer (`answer`):
 * heavy work (an import, the auto-scheduler's search) off the thread that answers requests, since
 * better-sqlite3 and the search are synchronous. `entry` names the compiled .js module beside the
 * caller; when it is not there (the TypeScript sources, under tsx in the tests), its .ts sibling is
 * run through tsx's loader. A worker that writes asks first (`mayWrite`), and `gate` decides when.
 * The memory in `transferList` (a file's bytes) moves to the worker: this thread can no longer read it.
 */
export function runInWorker<T>(
  entry: URL,
  workerData: unknown,
  gate?: WriteGate,
  transferList: ArrayBuffer[] = [],
  input?: AsyncIterable<Uint8Array>,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = start(entry, workerData, transferList);
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    // The input, a chunk at a time as it comes (a request's body), for the worker's receiveInput.
    // If it fails (too large, the client gone), the worker is stopped and the failure is the answer.
    if (input)
      void (async () => {
        for await (const bytes of input) worker.postMessage({ kind: 'input', bytes });
        worker.postMessage({ kind: 'input-end' });
      })().catch((error: unknown) => {
        settle();
        reject(error instanceof Error ? error : new Error(String(error)));
        void worker.terminate();
      });
    let wrote = () => {};
    worker.on('message', (message: WorkerMessage<T>) => {
      // The answer does not end the worker's hold on the write gate: it may still be writing
      // (see import-worker.ts), so app writes wait for its exit or its "wrote".
      if (message.kind === 'result') resolve(message.value);
      else if (message.kind === 'wrote') wrote();
      else if (!gate) worker.postMessage(WRITE_NOW);
      else {
        // A worker asks again only once it is done with its last write: that hold ends first, or
        // its new one would wait behind it for ever.
        wrote();
        // Until the worker has written (or ended, or failed), writes on this thread wait for it: see write-gate.ts.
        void gate.exclusively(() => {
          const written = new Promise<void>((resolve) => (wrote = resolve));
          worker.postMessage(WRITE_NOW);
          return Promise.race([written, settled]);
        });
      }
    });
    worker.once('error', (error) => {
      settle();
      reject(error);
    });
    worker.once('exit', (code) => {
      settle();
      // After its answer this changes nothing; without one (a failure, or an end with nothing said) it is the answer.
      reject(
        new Error(code === 0 ? 'A worker thread ended without an answer' : `A worker thread stopped with code ${code}`),
      );
    });
  });
}

/**
 * What a worker posts: its one answer, a request to take the write lock (answered with WRITE_NOW),
 * or that it has written and let the lock go (a worker that writes more than once).
 */
type WorkerMessage<T> = { kind: 'result'; value: T } | { kind: 'write' } | { kind: 'wrote' };
const WRITE_NOW = 'write now';

/** In a worker: its answer to the thread that started it. */
export function answer(value: unknown): void {
  parentPort!.postMessage({ kind: 'result', value });
}

/**
 * In a worker that will write again later, or go on after its answer: its writes are done, so the
 * app's own writes may go on (without it, they wait until the worker ends).
 */
export function wrote(): void {
  parentPort!.postMessage({ kind: 'wrote' });
}

/**
 * In a worker started with an input (runInWorker's `input`): its bytes, whole, once all have come.
 * With `size` (a Content-Length), they are copied into one buffer of that size as they come;
 * otherwise gathered and joined at the end.
 */
export function receiveInput(size?: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let whole = size === undefined ? undefined : Buffer.allocUnsafe(size);
    const chunks: Uint8Array[] = [];
    let at = 0;
    const take = (message: { kind?: string; bytes?: Uint8Array }) => {
      if (message.kind === 'input' && message.bytes) {
        if (whole && at + message.bytes.byteLength <= whole.length) {
          whole.set(message.bytes, at);
          at += message.bytes.byteLength;
        } else {
          // More than the size given: gathered from here on.
          if (whole) chunks.push(whole.subarray(0, at));
          whole = undefined;
          chunks.push(message.bytes);
        }
      } else if (message.kind === 'input-end') {
        parentPort!.off('message', take);
        resolve(whole ? whole.subarray(0, at) : Buffer.concat(chunks));
      }
    };
    parentPort!.on('message', take);
  });
}

/** In a worker: waits until the thread that started it lets it write (its write gate). */
export function mayWrite(): Promise<void> {
  return new Promise((resolve) => {
    parentPort!.once('message', () => resolve());
    parentPort!.postMessage({ kind: 'write' });
  });
}

/**
 * A worker's heap may grow to 1 GB, far beyond what any of them holds. Given a limit at all, V8
 * lets a heap grow to about twice what it holds before collecting, rather than four times under
 * the process's default of 4 GB: measured on an import of 100,000 rows, the worker's memory rose
 * 125 MB instead of 150, in the same time.
 */
const WORKER_HEAP_MB = 1_024;
/**
 * The young generation (where new objects start, most to die young: a row's values, its checks)
 * is kept to 8 MB rather than V8's default, which let it grow to about 32: the same import's
 * worker then rose 92 to 95 MB rather than 123, taking about 3% longer (16 MB: 100 to 105 MB in
 * the same time; 4 MB: 90 MB, slower still).
 */
const WORKER_YOUNG_MB = 8;

function start(entry: URL, workerData: unknown, transferList: ArrayBuffer[]): Worker {
  const options = {
    workerData,
    transferList,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
  };
  if (fs.existsSync(fileURLToPath(entry))) return new Worker(entry, options);
  const source = pathToFileURL(fileURLToPath(entry).replace(/\.js$/, '.ts')).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
