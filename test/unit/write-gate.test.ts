import { expect } from 'chai';
import { WriteGate } from '../../src/ops/write-gate.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the write gate between the request thread and a worker that writes', () => {
  it('lets a worker write only once the writing requests in flight have finished', async () => {
    const gate = new WriteGate();
    const events: string[] = [];
    const leave = await gate.enter();
    const worker = gate.exclusively(() => Promise.resolve(void events.push('worker writes')));
    await settle();
    expect(gate.held).to.equal(true);
    expect(events).to.deep.equal([]);
    events.push('request done');
    leave();
    await worker;
    expect(events).to.deep.equal(['request done', 'worker writes']);
    expect(gate.held).to.equal(false);
  });

  it('holds new writing requests until the worker has written, and lets them on after', async () => {
    const gate = new WriteGate();
    const events: string[] = [];
    let finish!: () => void;
    const worker = gate.exclusively(() => new Promise<void>((resolve) => (finish = resolve)));
    await settle();
    const request = gate.enter().then((leave) => {
      events.push('request writes');
      leave();
    });
    await settle();
    expect(events).to.deep.equal([]);
    events.push('worker done');
    finish();
    await Promise.all([worker, request]);
    expect(events).to.deep.equal(['worker done', 'request writes']);
  });

  it('counts a request out once, however often its end is reported', async () => {
    const gate = new WriteGate();
    const first = await gate.enter();
    const second = await gate.enter();
    first();
    first();
    let wrote = false;
    const worker = gate.exclusively(() => Promise.resolve(void (wrote = true)));
    await settle();
    expect(wrote, 'the second request is still in flight').to.equal(false);
    second();
    await worker;
    expect(wrote).to.equal(true);
  });

  it('opens again when the worker’s write fails', async () => {
    const gate = new WriteGate();
    const failed = gate.exclusively(() => Promise.reject(new Error('the worker stopped')));
    await failed.then(
      () => expect.fail('it should have failed'),
      (error: Error) => expect(error.message).to.equal('the worker stopped'),
    );
    expect(gate.held).to.equal(false);
    const leave = await gate.enter();
    leave();
  });

  it('waits for a request still in flight only so long, so a slow client cannot hold a worker back', async () => {
    const gate = new WriteGate();
    const leave = await gate.enter();
    let wrote = false;
    await gate.exclusively(() => Promise.resolve(void (wrote = true)), 30);
    expect(wrote).to.equal(true);
    leave();
    expect(gate.writers).to.equal(0);
  });
});
