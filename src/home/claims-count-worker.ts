import { workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.js';
import { answer } from '../ops/worker.js';
import { countReadyClaims } from './claims-count.js';

/* A worker thread's entry (home/service.ts starts it): the count of results ready to claim, on a connection of its own. */
const job = workerData as { databasePath: string; today: string; nowIso: string };
const db = openConnection(job.databasePath);
try {
  answer(countReadyClaims(db, job.today, job.nowIso));
} finally {
  db.$client.close();
}
