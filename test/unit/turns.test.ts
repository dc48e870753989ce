import { expect } from 'chai';
import { turns } from '../../src/ops/turns.js';

/*
 * Turns at heavy work (src/ops/turns.ts), as the imports take them: so many at once, so many
 * waiting in order, and the next refused at once.
 */
describe('turns at heavy work', () => {
  /** A job that runs until its `finish` is called. */
  const job = (log: string[], name: string) => {
    let finish = (_failed?: boolean) => {};
    const done = new Promise<string>((resolve, reject) => {
      finish = (failed) => (failed ? reject(new Error(`${name} failed`)) : resolve(name));
    });
    return {
      finish,
      work: () => {
        log.push(`start ${name}`);
        return done;
      },
    };
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('runs two at once, lets two wait in order, refuses a fifth, and passes each turn on even when a job fails', async () => {
    const log: string[] = [];
    const gate = turns(2, 2, () => new Error('busy'));
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((name) => job(log, name)) as [
      ReturnType<typeof job>,
      ReturnType<typeof job>,
      ReturnType<typeof job>,
      ReturnType<typeof job>,
      ReturnType<typeof job>,
    ];
    const outcomes = Promise.allSettled([a, b, c, d].map((j) => gate.take(j.work)));
    await settle();
    expect(log).to.deep.equal(['start a', 'start b']);
    expect(gate.load).to.deep.equal({ running: 2, waiting: 2 });
    let refused: unknown;
    await gate.take(e.work).catch((error: unknown) => (refused = error));
    expect((refused as Error).message).to.equal('busy');
    expect(log).to.not.include('start e');
    b.finish(true);
    await settle();
    expect(log).to.deep.equal(['start a', 'start b', 'start c']);
    a.finish();
    await settle();
    expect(log.at(-1)).to.equal('start d');
    expect(gate.load).to.deep.equal({ running: 2, waiting: 0 });
    c.finish();
    d.finish();
    expect((await outcomes).map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(gate.load).to.deep.equal({ running: 0, waiting: 0 });
  });
});
