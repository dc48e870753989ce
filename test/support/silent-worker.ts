/*
 * A worker thread's entry that ends without answering (test/unit/run-in-worker.test.ts): a worker
 * entry's bug, such as a branch that forgets to answer.
 */
export {};
