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
try {
  answer(await runImport(db, job, mayWrite));
} finally {
  db.$client.close();
}
