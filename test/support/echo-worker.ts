import { workerData } from 'node:worker_threads';
import { answer, receiveInput } from '../../src/ops/worker.js';

/* A worker thread's entry that answers with the input it was sent, as text (test/unit/run-in-worker.test.ts). */
answer((await receiveInput((workerData as { size?: number }).size)).toString('utf8'));
