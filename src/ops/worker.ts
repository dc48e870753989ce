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
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = start(entry, workerData, transferList);
    let settle = () => {};
    const settled = new Promise<void>((resolve) => (settle = resolve));
    let wrote = () => {};
    worker.on('message', (message: WorkerMessage<T>) => {
      if (message.kind === 'result') {
        settle();
        resolve(message.value);
      } else if (message.kind === 'wrote') wrote();
      else if (!gate) worker.postMessage(WRITE_NOW);
      else
        // Until the worker has written (or answered, or failed), writes on this thread wait for it: see write-gate.ts.
        void gate.exclusively(() => {
          const written = new Promise<void>((resolve) => (wrote = resolve));
          worker.postMessage(WRITE_NOW);
          return Promise.race([written, settled]);
        });
    });
    worker.once('error', (error) => {
      settle();
      reject(error);
    });
    worker.once('exit', (code) => {
      settle();
      if (code !== 0) reject(new Error(`A worker thread stopped with code ${code}`));
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

/** In a worker that will write again later: its write is committed, so the app's own writes may go on. */
export function wrote(): void {
  parentPort!.postMessage({ kind: 'wrote' });
}

/** In a worker: waits until the thread that started it lets it write (its write gate). */
export function mayWrite(): Promise<void> {
  return new Promise((resolve) => {
    parentPort!.once('message', () => resolve());
    parentPort!.postMessage({ kind: 'write' });
  });
}

function start(entry: URL, workerData: unknown, transferList: ArrayBuffer[]): Worker {
  if (fs.existsSync(fileURLToPath(entry))) return new Worker(entry, { workerData, transferList });
  const source = pathToFileURL(fileURLToPath(entry).replace(/\.js$/, '.ts')).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData, transferList });
}
