import { workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.js';
import { answer, mayWrite } from '../ops/worker.js';
import { runImport, type ImportJob } from './import-job.js';

/*
 * A worker thread's entry (import-job.ts starts it): one import, on a connection of its own to
 * the database file, from the text or array to the committed rows or the list of problems.
 */
const job = workerData as ImportJob & { databasePath: string };
const db = openConnection(job.databasePath);
try {
  answer(await runImport(db, job, mayWrite));
} finally {
  db.$client.close();
}
