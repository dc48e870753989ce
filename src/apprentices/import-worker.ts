import { workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.js';
import { answer, mayWrite, receiveInput } from '../ops/worker.js';
import { runImport, type ImportJob, type WorkerJob } from './import-job.js';

/*
 * A worker thread's entry (import-job.ts starts it): one import, on a connection of its own to
 * the database file, from the text or array to the committed rows or the list of problems.
 */
const given = workerData as WorkerJob;
// A file still to come (an API request's body) is handed over a chunk at a time as it arrives.
const job: ImportJob =
  given.input.kind === 'csv-to-come'
    ? { ...given, input: { kind: 'csv', bytes: await receiveInput(given.input.size) } }
    : { ...given, input: given.input };
const db = openConnection(given.databasePath);
// SQLite copies its log into the database (a checkpoint) at the commit that takes the log past
// 1,000 pages: for an import of 100,000 rows, 0.2 s of its commit. Here the copy follows the
// answer instead (the rows are committed, and readable, either way). The app's writes still wait
// for it, as runInWorker holds the write gate until this worker ends: the first commit of a
// request would otherwise find the log past 1,000 pages and copy it on the request thread.
db.$client.pragma('wal_autocheckpoint = 0');
try {
  answer(await runImport(db, job, mayWrite));
  db.$client.pragma('wal_checkpoint(PASSIVE)');
} finally {
  db.$client.close();
}
