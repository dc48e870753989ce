import { answer, mayWrite } from '../../src/ops/worker.js';

/*
 * A worker thread's entry that takes the write gate, answers, and goes on for a moment before it
 * ends, as the import's worker copies the log into the database after its answer
 * (test/unit/run-in-worker.test.ts).
 */
await mayWrite();
answer('answered');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
