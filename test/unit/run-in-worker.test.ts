import { expect } from 'chai';
import { runInWorker } from '../../src/ops/worker.js';
import { WriteGate } from '../../src/ops/write-gate.js';

/* The worker threads' plumbing (src/ops/worker.ts): every run answers, and an input arrives whole. */
describe('running work in a worker thread', () => {
  it('fails, rather than waiting for ever, when the worker ends without an answer', async () => {
    const run = runInWorker(new URL('../support/silent-worker.js', import.meta.url), {});
    await run.then(
      () => expect.fail('a worker that said nothing was taken as an answer'),
      (error: Error) => expect(error.message).to.equal('A worker thread ended without an answer'),
    );
  });

  it('holds the app’s writes back after a writing worker’s answer until the worker ends', async () => {
    const gate = new WriteGate();
    const entry = new URL('../support/writes-after-answer-worker.js', import.meta.url);
    expect(await runInWorker(entry, {}, gate)).to.equal('answered');
    // The worker goes on for 300 ms after its answer: 50 ms on, writes still wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gate.held).to.equal(true);
    await gate.exclusively(() => Promise.resolve());
    expect(gate.held).to.equal(false);
  });

  it('lets a worker that asks for the write gate again have it, its first hold ended', async () => {
    const gate = new WriteGate();
    const entry = new URL('../support/writes-twice-worker.js', import.meta.url);
    const stuck = new Promise((resolve) => setTimeout(() => resolve('stuck behind its own first hold'), 5_000));
    expect(await Promise.race([runInWorker(entry, {}, gate), stuck])).to.equal('wrote twice');
    await gate.exclusively(() => Promise.resolve());
    expect(gate.held).to.equal(false);
  });

  it('hands over an input a chunk at a time, whole, with its size or without, and stops at the input’s failure', async () => {
    async function* pieces(fail = false) {
      yield Buffer.from('Zoë, ');
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield Buffer.from('Ada');
      if (fail) throw new Error('the client went away');
    }
    const entry = new URL('../support/echo-worker.js', import.meta.url);
    const size = Buffer.byteLength('Zoë, Ada');
    expect(await runInWorker(entry, { size }, undefined, [], pieces())).to.equal('Zoë, Ada');
    expect(await runInWorker(entry, {}, undefined, [], pieces())).to.equal('Zoë, Ada');
    // A size smaller than what comes (a wrong length): everything still arrives.
    expect(await runInWorker(entry, { size: 3 }, undefined, [], pieces())).to.equal('Zoë, Ada');
    await runInWorker(entry, {}, undefined, [], pieces(true)).then(
      () => expect.fail('a failed input was taken as whole'),
      (error: Error) => expect(error.message).to.equal('the client went away'),
    );
  });
});
