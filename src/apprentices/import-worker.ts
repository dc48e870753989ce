import { workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.js';
import type { Db } from '../db/connection.js';
import { answer, mayWrite, receiveInput } from '../ops/worker.js';
import { runImport, type ImportJob, type ImportOutcome, type WorkerJob } from './import-job.js';

/*
 * A worker thread's entry (import-job.ts starts it): one import, on a connection of its own to
 * the database file, from the text or array to the committed rows or the list of problems.
 */
const given = workerData as WorkerJob;
const db = openConnection(given.databasePath);
// SQLite copies its log into the database (a checkpoint) at the commit that takes the log past
// 1,000 pages: for an import of 100,000 rows, 0.2 s of its commit. Here the copy follows the
// answer instead (the rows are committed, and readable, either way). The app's writes still wait
// for it, as runInWorker holds the write gate until a worker that asked for it ends: the first
// commit of a request would otherwise find the log past 1,000 pages and copy it on the request
// thread. A refused import wrote nothing and holds no gate, so it leaves the log alone: a copy
// then could meet an erasure's own (privacy/erasure.ts), which must find the copier free.
db.$client.pragma('wal_autocheckpoint = 0');
try {
  const outcome = await importOnce(db);
  answer(outcome);
  if (outcome.ok) db.$client.pragma('wal_checkpoint(PASSIVE)');
} finally {
  db.$client.close();
}

/**
 * The import itself. The file's bytes are this function's alone (workerData's own reference is let
 * go), so that by the log's copy after the answer they can be collected: the import's turn has
 * gone to the next by then (import-job.ts).
 */
async function importOnce(db: Db): Promise<ImportOutcome> {
  const input = given.input;
  given.input = { kind: 'csv-to-come', size: undefined };
  // A file still to come (an API request's body) is handed over a chunk at a time as it arrives.
  const job: ImportJob =
    input.kind === 'csv-to-come'
      ? { ...given, input: { kind: 'csv', bytes: await receiveInput(input.size) } }
      : { ...given, input };
  return runImport(db, job, mayWrite);
}
