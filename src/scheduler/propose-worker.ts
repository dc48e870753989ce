import { parentPort, workerData } from 'node:worker_threads';
import type { SchedulerInput } from './model.js';
import { proposeSchedule } from './propose.js';

/* A worker thread's entry (scheduler/store.ts starts it): the search for one proposal, off the request thread. */
parentPort!.postMessage(await proposeSchedule(workerData as SchedulerInput));
