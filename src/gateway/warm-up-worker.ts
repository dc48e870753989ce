import { workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.js';
import { answer, mayWrite, wrote } from '../ops/worker.js';
import { warmUp } from './warm-up.js';

/* A worker thread's entry (warm-up.ts starts it): the missing gateway statuses of `on`, on a connection of its own. */
const job = workerData as { databasePath: string; on: string };
const db = openConnection(job.databasePath);
try {
  answer(await warmUp(db, job.on, mayWrite, wrote));
} finally {
  db.$client.close();
}
