import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Runs a module in a worker thread with `workerData` and resolves with the first message it posts:
 * heavy work (an import, the auto-scheduler's search) off the thread that answers requests, since
 * better-sqlite3 and the search are synchronous. `entry` names the compiled .js module beside the
 * caller; when it is not there (the TypeScript sources, under tsx in the tests), its .ts sibling is
 * run through tsx's loader.
 */
export function runInWorker<T>(entry: URL, workerData: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = start(entry, workerData);
    worker.once('message', (value: T) => resolve(value));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`A worker thread stopped with code ${code}`));
    });
  });
}

function start(entry: URL, workerData: unknown): Worker {
  if (fs.existsSync(fileURLToPath(entry))) return new Worker(entry, { workerData });
  const source = pathToFileURL(fileURLToPath(entry).replace(/\.js$/, '.ts')).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
