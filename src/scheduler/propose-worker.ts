import { workerData } from 'node:worker_threads';
import { answer } from '../ops/worker.js';
import type { SchedulerInput } from './model.js';
import { proposeSchedule } from './propose.js';

/* A worker thread's entry (scheduler/store.ts starts it): the search for one proposal, off the request thread. */
answer(await proposeSchedule(workerData as SchedulerInput));
