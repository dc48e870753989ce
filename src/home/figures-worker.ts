import { workerData } from 'node:worker_threads';
import { openConnection } from '../db/connection.js';
import { answer } from '../ops/worker.js';
import { HOME_FIGURES, type FigureDay, type HomeFigure } from './figures.js';

/* A worker thread's entry (home/service.ts starts it): one of the home page's figures, on a connection of its own. */
const job = workerData as FigureDay & { databasePath: string; figure: HomeFigure };
const db = openConnection(job.databasePath);
try {
  answer(HOME_FIGURES[job.figure](db, job));
} finally {
  db.$client.close();
}
