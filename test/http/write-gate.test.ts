import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { validUlns } from '../../src/apprentices/uln.js';
import { gatewayStatusCache } from '../../src/db/schema.js';
import { writeGate } from '../../src/ops/write-gate.js';
import { readyApprentice, isoDate, today } from '../support/apprentices.js';
import { signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';

/*
 * While an import's worker thread writes (the gate held, as runInWorker holds it), writes on the
 * app's thread wait without stopping anyone else (src/ops/write-gate.ts). Held here by hand, so
 * that the test decides when the "worker" finishes.
 */
const [ULN] = validUlns(1, 580_000_000);

/** Whether `pending` settles within `ms`. */
async function settlesWithin(pending: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void pending.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, ms));
  return settled;
}

describe('requests while a worker thread holds the write lock', () => {
  let ctx: TestContext;
  let admin: Awaited<ReturnType<typeof signedInAgent>>;
  let release = () => {};
  let worker: Promise<void> = Promise.resolve();
  /** Holds the gate as a worker writing would, until release(). */
  const hold = () =>
    (worker = writeGate(ctx.db).exclusively(() => new Promise<void>((resolve) => (release = resolve))));
  beforeEach(async () => {
    ctx = await testApp();
    readyApprentice(ctx.db, ULN!, 'Gate', 'Keeper');
    // Signed in first: a sign-in writes a session, so it too would wait.
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });
  afterEach(async () => {
    release();
    await worker;
  });

  const logHour = () =>
    request(ctx.app)
      .post(`/api/v1/apprentices/${ULN}/off-the-job-hours`)
      .set('authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
      .send({ date: isoDate(today()), hours: 1, activity: 'Reading' })
      .then((res) => res);

  it('holds a write until the worker has written, while reads answer', async () => {
    void hold();
    const write = logHour();
    expect(await settlesWithin(write, 150), 'the write waits').to.equal(false);
    expect((await request(ctx.app).get('/health')).status).to.equal(200);
    expect((await admin.get(`/apprentices/${ULN}`)).status).to.equal(200);
    release();
    expect((await write).status).to.equal(201);
  });

  it('holds the dashboard only when it has statuses to work out and store', async () => {
    expect((await admin.get('/apprentices')).status).to.equal(200);
    void hold();
    // Every status is stored, so the dashboard answers at once.
    expect((await admin.get('/apprentices')).text).to.contain('Keeper');
    // New evidence clears the apprentice's status, so the page has one to store: it waits.
    ctx.db.delete(gatewayStatusCache).run();
    const page = admin.get('/apprentices').then((res) => res);
    expect(await settlesWithin(page, 150), 'the dashboard waits').to.equal(false);
    release();
    const res = await page;
    expect(res.status).to.equal(200);
    expect(res.text).to.contain('Keeper');
  });

  it('stores again the statuses a write cleared once it has answered, so the dashboard never waits for them', async () => {
    expect((await admin.get('/apprentices')).status).to.equal(200);
    // An hour logged clears the apprentice's status (migration 0003's triggers) before the worker writes.
    expect((await logHour()).status).to.equal(201);
    void hold();
    const page = admin.get('/apprentices').then((res) => res);
    expect(await settlesWithin(page, 300), 'the dashboard answers while the worker writes').to.equal(true);
    expect((await page).text).to.contain('Keeper');
    const stored = ctx.db.select().from(gatewayStatusCache).all();
    expect(stored.map((row) => row.evaluatedOn)).to.deep.equal([isoDate(today())]);
  });

  it('counts out a request whose client went away while it waited, so the next worker is not held up', async () => {
    const gate = writeGate(ctx.db);
    void hold();
    const server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify({ date: isoDate(today()), hours: 1, activity: 'Reading' });
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/v1/apprentices/${ULN}/off-the-job-hours`,
        headers: {
          authorization: `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('error', () => undefined);
      req.end(body);
      await new Promise((resolve) => setTimeout(resolve, 100));
      req.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await worker;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(gate.writers, 'the abandoned request is not left counted').to.equal(0);
      expect(gate.held).to.equal(false);
    } finally {
      server.close();
    }
  });
});
