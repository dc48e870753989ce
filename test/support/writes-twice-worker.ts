import { answer, mayWrite } from '../../src/ops/worker.js';

/* A worker thread's entry that asks for the write gate twice without saying it wrote in between (test/unit/run-in-worker.test.ts). */
await mayWrite();
await mayWrite();
answer('wrote twice');
