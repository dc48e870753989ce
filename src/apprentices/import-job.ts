import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ApprenticeInput } from './schema.js';
import type { Db } from '../db/connection.js';
import type { CurrentUser } from '../users/store.js';
import { parseApprenticeArray, parseApprenticeCsv } from './import.js';
import type { RowProblem } from './store.js';
import { importForUser } from './service.js';

/**
 * An import off the request thread: reading the file, validating every row, checking it against
 * the database and writing it all take seconds at 100,000 rows, and better-sqlite3 is synchronous,
 * so on the request thread every other request would wait. A worker thread does the whole job on
 * its own connection (WAL lets the app's readers go on meanwhile); the request awaits its answer.
 * An in-memory database (the tests' own) has no file to share, so there it runs in place.
 */
export interface ImportJob {
  user: CurrentUser;
  source: string;
  defaults: Partial<Record<keyof ApprenticeInput, string>>;
  input: { kind: 'csv'; text: string } | { kind: 'json'; value: unknown };
}

export type ImportOutcome = { ok: true; count: number } | { ok: false; problems: RowProblem[] };

/** The import itself, the same on either thread. */
export function runImport(db: Db, job: ImportJob): ImportOutcome {
  const parsed =
    job.input.kind === 'csv'
      ? parseApprenticeCsv(job.input.text, job.defaults)
      : parseApprenticeArray(job.input.value, job.defaults);
  return importForUser(db, job.user, parsed, job.source);
}

/** Runs the import in a worker thread when the database is a file, in place otherwise. */
export function importApprentices(db: Db, job: ImportJob): Promise<ImportOutcome> {
  const client = db.$client;
  if (client.memory || !client.name) return Promise.resolve(runImport(db, job));
  return new Promise((resolve, reject) => {
    const worker = startWorker({ ...job, databasePath: client.name });
    worker.once('message', (outcome: ImportOutcome) => resolve(outcome));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`The import worker stopped with code ${code}`));
    });
  });
}

/** The worker from the compiled .js beside this file; from the TypeScript sources (tests, tsx) through tsx's loader. */
function startWorker(workerData: ImportJob & { databasePath: string }): Worker {
  const compiled = new URL('./import-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  const source = pathToFileURL(fileURLToPath(new URL('./import-worker.ts', import.meta.url))).href;
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
