import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import { apprentices, auditEvents } from '../../src/db/schema.js';
import { $, csrfFrom, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { apprenticeCsv } from '../support/apprentices.js';
import { writeGate } from '../../src/ops/write-gate.js';
import { importApprentices, importLoad } from '../../src/apprentices/import-job.js';
import { findUser } from '../../src/users/store.js';
import request from 'supertest';
import Database from 'better-sqlite3';

/*
 * On a database file (as in production) an import runs in a worker thread on its own connection
 * (src/apprentices/import-job.ts): the same rules and answers as in place, the rows visible to the
 * app's connection as soon as the request answers. How the app stays responsive meanwhile is
 * measured in `npm run bench`.
 */
const ULNS = validUlns(4, 570_000_000);

describe('an import on a database file runs in a worker thread, with the same answers', () => {
  let dir: string;
  let ctx: TestContext;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-import-'));
    ctx = await testApp({ file: path.join(dir, 'epa.sqlite') });
  });
  afterEach(() => {
    ctx.db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (rows: { uln: string; familyName: string }[]) => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const form = await admin.get('/apprentices/import');
    return admin
      .post('/apprentices/import')
      .field('_csrf', csrfFrom(form.text))
      .attach('csvFile', Buffer.from(apprenticeCsv(rows)), {
        filename: 'apprentices.csv',
        contentType: 'text/csv',
      });
  };
  /** Runs `work` with the app listening on a port of its own (a client of its own, not supertest's). */
  const listening = async (work: (port: number) => Promise<void>, app = ctx.app) => {
    const server = app.listen(0);
    try {
      await work((server.address() as AddressInfo).port);
    } finally {
      server.close();
    }
  };
  const listed = () =>
    ctx.db
      .select({ uln: apprentices.uln })
      .from(apprentices)
      .all()
      .map((a) => a.uln);

  it('writes every row and its audit row, seen at once by the app', async () => {
    const res = await upload([
      { uln: ULNS[0]!, familyName: 'Okafor' },
      { uln: ULNS[1]!, familyName: 'Nwosu' },
    ]);
    expect(res.status).to.equal(200);
    expect($(res.text)('main').text()).to.contain('2 apprentices');
    expect(listed()).to.include.members([ULNS[0], ULNS[1]]);
    // Their gateway status was worked out with them, so no dashboard request has to.
    expect(
      ctx.db.$client
        .prepare(
          'select count(*) from gateway_status_cache c join apprentices a on a.id = c.apprentice_id where a.uln in (?, ?)',
        )
        .pluck()
        .get(ULNS[0], ULNS[1]),
    ).to.equal(2);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentices.imported')).get()!;
    expect(audit.actorLabel).to.equal(ctx.users.admin.email);
    const page = await (await signedInAgent(ctx.app, ctx.users.admin.email)).get(`/apprentices/${ULNS[1]}`);
    expect(page.status).to.equal(200);
  });

  it('refuses a file with a problem, listing it, and writes nothing', async () => {
    const before = listed();
    const res = await upload([
      { uln: ULNS[2]!, familyName: 'Okafor' },
      { uln: ULNS[3]!, familyName: '' },
    ]);
    expect(res.status).to.equal(422);
    expect($(res.text)('main table tbody').text()).to.contain('family_name');
    expect(listed()).to.deep.equal(before);
  });

  it('refuses a ULN already held, found by the worker’s own connection', async () => {
    await upload([{ uln: ULNS[0]!, familyName: 'Okafor' }]);
    const res = await upload([{ uln: ULNS[0]!, familyName: 'Again' }]);
    expect(res.status).to.equal(422);
    expect($(res.text)('main table tbody').text()).to.contain(`An apprentice with ULN ${ULNS[0]} already exists`);
  });

  it('takes the write lock only once the app’s writing requests have finished, and reads go on meanwhile', async () => {
    const gate = writeGate(ctx.db);
    // A writing request in flight on the app's thread, as far as the gate knows.
    const leave = await gate.enter();
    const uploading = upload([{ uln: ULNS[2]!, familyName: 'Okafor' }]);
    while (!gate.held) await new Promise((resolve) => setTimeout(resolve, 5));
    // The worker has read and checked the file, and waits to write; the app still answers.
    const health = await request(ctx.app).get('/health');
    expect(health.status).to.equal(200);
    expect(listed()).not.to.include(ULNS[2]);
    leave();
    const res = await uploading;
    expect(res.status).to.equal(200);
    expect(listed()).to.include(ULNS[2]);
    // The gate opens once the worker ends (after the log's copy into the database, below).
    await gate.exclusively(() => Promise.resolve());
    expect(gate.held).to.equal(false);
  });

  it('copies the log into the database itself after answering, before the app’s writes go on', async () => {
    const res = await upload([{ uln: ULNS[3]!, familyName: 'Okafor' }]);
    expect(res.status).to.equal(200);
    // The next write the gate lets through comes after the worker: the rows are then in the file itself.
    await writeGate(ctx.db).exclusively(() => Promise.resolve());
    const fileAlone = path.join(dir, 'without-its-log.sqlite');
    fs.copyFileSync(path.join(dir, 'epa.sqlite'), fileAlone);
    const copy = new Database(fileAlone, { readonly: true });
    try {
      expect(copy.prepare('select count(*) from apprentices where uln = ?').pluck().get(ULNS[3])).to.equal(1);
    } finally {
      copy.close();
    }
  });

  it('answers an API import the same way, the import request not counted by the write gate its worker asks', async () => {
    const res = await request(ctx.app)
      .post('/api/v1/apprentices/import')
      .set('authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
      .set('content-type', 'text/csv')
      .send(apprenticeCsv([{ uln: ULNS[3]!, familyName: 'Nwosu' }]));
    expect(res.status).to.equal(201);
    expect(res.body).to.deep.include({ imported: 1 });
    expect(listed()).to.include(ULNS[3]);
  });

  it('takes an API import’s CSV as it arrives, without its length, and refuses one past 20 MB with nothing written', async () => {
    await listening(async (port) => {
      const token = tokenFor(ctx.db, ctx.users.admin.id);
      // A body sent in pieces with no Content-Length (chunked), as a client streaming a file does.
      const send = (pieces: string[]) =>
        fetch(`http://127.0.0.1:${port}/api/v1/apprentices/import`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
          body: new ReadableStream({
            start(controller) {
              for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
              controller.close();
            },
          }),
          duplex: 'half',
        });
      const csv = apprenticeCsv([
        { uln: ULNS[0]!, familyName: 'Okafor' },
        { uln: ULNS[1]!, familyName: 'Nwosu' },
      ]);
      const split = csv.indexOf(ULNS[1]!) + 4;
      const res = await send([csv.slice(0, split), csv.slice(split)]);
      expect(res.status).to.equal(201);
      expect(await res.json()).to.deep.equal({ imported: 2 });
      expect(listed()).to.include.members([ULNS[0], ULNS[1]]);
      // Past the limit: refused as soon as the bytes read pass it, and nothing of the file written.
      const before = listed();
      const row = `${apprenticeCsv([{ uln: ULNS[2]!, familyName: 'Large' }]).split('\n')[1]!}\n`;
      const large = await send([csv, ...Array<string>(21).fill(row.repeat(Math.ceil(2 ** 20 / row.length)))]);
      expect(large.status).to.equal(413);
      expect(await large.json()).to.deep.equal({
        errors: [{ path: '', message: 'The request body is larger than 20 MB' }],
      });
      expect(listed()).to.deep.equal(before);
    });
  });

  it('answers a client that sends a whole file past 20 MB before reading, takes a compressed file and refuses an unknown compression', async () => {
    await listening(async (port) => {
      const token = tokenFor(ctx.db, ctx.users.admin.id);
      /** Sends every piece (chunked, no length) and only then reads the answer, as many scripts do. */
      const post = (pieces: Buffer[], headers: Record<string, string> = {}) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const request = http.request(
            {
              port,
              method: 'POST',
              path: '/api/v1/apprentices/import',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', ...headers },
            },
            (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (text: string) => (body += text));
              res.on('end', () => resolve({ status: res.statusCode!, body }));
            },
          );
          request.on('error', reject);
          for (const piece of pieces) request.write(piece);
          request.end();
        });
      const before = listed();
      const mb = Buffer.alloc(2 ** 20, 'x');
      const large = await post([Buffer.from('uln\n'), ...Array<Buffer>(21).fill(mb)]);
      expect(large.status).to.equal(413);
      expect(JSON.parse(large.body)).to.deep.equal({
        errors: [{ path: '', message: 'The request body is larger than 20 MB' }],
      });
      expect(listed()).to.deep.equal(before);
      const csv = apprenticeCsv([{ uln: ULNS[3]!, familyName: 'Squeezed' }]);
      const gzipped = await post([zlib.gzipSync(csv)], { 'content-encoding': 'gzip' });
      expect(gzipped.status).to.equal(201);
      expect(listed()).to.include(ULNS[3]);
      const unknown = await post([Buffer.from(csv)], { 'content-encoding': 'zstd' });
      expect(unknown.status).to.equal(415);
      expect(JSON.parse(unknown.body).errors[0].message).to.contain('Content-Encoding “zstd” is not taken');
    });
  });

  it('stops the import when the client goes before sending the whole file, writing nothing and logging no failure', async () => {
    await listening(async (port) => {
      const before = listed();
      const csv = apprenticeCsv([{ uln: ULNS[0]!, familyName: 'Gone' }]);
      const request = http.request({
        port,
        method: 'POST',
        path: '/api/v1/apprentices/import',
        headers: {
          authorization: `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`,
          'content-type': 'text/csv',
          'content-length': String(csv.length * 10),
        },
      });
      request.on('error', () => {});
      request.write(csv);
      await new Promise((resolve) => setTimeout(resolve, 300));
      request.destroy();
      // The worker has been stopped and nothing was written; the app logged nothing as its own failure.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(listed()).to.deep.equal(before);
      expect(ctx.errors).to.deep.equal([]);
    });
  });

  it('hands the file’s bytes over to the worker rather than copying them', async () => {
    // An upload's buffer, the whole of its own memory (as a large file's is).
    const bytes = new Uint8Array(Buffer.from(apprenticeCsv([{ uln: ULNS[1]!, familyName: 'Achebe' }])));
    const result = await importApprentices(ctx.db, {
      user: findUser(ctx.db, ctx.users.admin.id)!,
      source: 'test',
      defaults: {},
      input: { kind: 'csv', bytes },
      on: '2026-09-01',
    });
    expect(result).to.deep.equal({ ok: true, count: 1 });
    expect(listed()).to.include(ULNS[1]);
    // Moved, not copied: this thread no longer holds the file.
    expect(bytes.byteLength).to.equal(0);
  });

  it('reads a CSV sent in another character set as that set, and refuses one that says UTF-8 but is not', async () => {
    const post = (body: Buffer, contentType: string) =>
      request(ctx.app)
        .post('/api/v1/apprentices/import')
        .set('authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
        .set('content-type', contentType)
        .send(body);
    // Excel's usual "CSV": Windows-1252, where ë is one byte.
    const windows1252 = Buffer.from(apprenticeCsv([{ uln: ULNS[2]!, familyName: 'Brontë' }]), 'latin1');
    const mislabelled = await post(windows1252, 'text/csv; charset=utf-8');
    expect(mislabelled.status).to.equal(422);
    expect(mislabelled.body.errors[0].message).to.contain('not saved as UTF-8');
    const declared = await post(windows1252, 'text/csv; charset=windows-1252');
    expect(declared.status).to.equal(201);
    const stored = ctx.db
      .select({ familyName: apprentices.familyName })
      .from(apprentices)
      .where(eq(apprentices.uln, ULNS[2]!))
      .get();
    expect(stored?.familyName).to.equal('Brontë');
  });

  /**
   * An API import sent with its whole length declared and only `sent` of it written: the request,
   * to be ended or destroyed, and its answer when one comes.
   */
  const postPartly = (port: number, token: string, csv: string, sent = csv.length) => {
    const request = http.request({
      port,
      method: 'POST',
      path: '/api/v1/apprentices/import',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(csv.length) },
    });
    const answer = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
      (resolve, reject) => {
        request.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (text: string) => (body += text));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        });
        request.on('error', reject);
      },
    );
    request.write(csv.slice(0, sent));
    if (sent === csv.length) request.end();
    return { request, answer, rest: () => request.end(csv.slice(sent)) };
  };
  /** Waits until `done()`, looking every 10 ms. */
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('refuses an upload that stops arriving (408, its connection closed), stopping its import and ending its turn', async () => {
    const file = path.join(dir, 'stalled.sqlite');
    const stalled = await testApp({ file, uploadIdleMs: 300 });
    try {
      const rows = () => stalled.db.$client.prepare('select count(*) from apprentices').pluck().get();
      const before = rows();
      await listening(async (port) => {
        const token = tokenFor(stalled.db, stalled.users.admin.id);
        const csv = apprenticeCsv([
          { uln: ULNS[0]!, familyName: 'Stalled' },
          { uln: ULNS[1]!, familyName: 'Stalled' },
        ]);
        const partly = postPartly(port, token, csv, csv.indexOf(ULNS[1]!));
        const answer = await partly.answer;
        expect(answer.status).to.equal(408);
        expect(answer.headers.connection).to.equal('close');
        expect(JSON.parse(answer.body)).to.deep.equal({
          errors: [
            {
              path: '',
              message:
                'The request body stopped arriving: nothing came for 0.3 seconds, so nothing was imported. Send it again.',
            },
          ],
        });
        partly.request.destroy();
        expect(rows()).to.equal(before);
        expect(importLoad()).to.deep.equal({ running: 0, waiting: 0 });
        // The same file sent whole is imported.
        expect((await postPartly(port, token, csv).answer).status).to.equal(201);
        expect(rows()).to.equal(Number(before) + 2);
      }, stalled.app);
      expect(stalled.errors).to.deep.equal([]);
    } finally {
      stalled.db.$client.close();
    }
  });

  it('runs two imports at once and lets four wait; the next, through the API or the page, is refused until a turn is free', async () => {
    const ulns = validUlns(6, 571_000_000);
    await listening(async (port) => {
      const token = tokenFor(ctx.db, ctx.users.admin.id);
      const csvOf = (uln: string) => apprenticeCsv([{ uln, familyName: 'Turn' }]);
      // Two uploads under way (their first bytes sent): each holds a turn and a worker.
      const slow = ulns.slice(0, 2).map((uln) => postPartly(port, token, csvOf(uln), 40));
      try {
        await until(() => importLoad().running === 2);
        const waiting = ulns.slice(2).map((uln) => postPartly(port, token, csvOf(uln)));
        await until(() => importLoad().waiting === 4);
        const refused = await postPartly(port, token, csvOf(ULNS[3]!)).answer;
        expect(refused.status).to.equal(503);
        expect(refused.headers['retry-after']).to.equal('60');
        const message =
          '6 imports are running or waiting, so this one was not started and nothing was imported. Try again in a minute.';
        expect(JSON.parse(refused.body)).to.deep.equal({ errors: [{ path: '', message }] });
        const page = await upload([{ uln: ULNS[3]!, familyName: 'Turn' }]);
        expect(page.status).to.equal(503);
        expect($(page.text)('.govuk-error-summary').text()).to.contain(message);
        expect(listed()).to.not.include(ULNS[3]);
        // The two finish; every one waiting then has its turn.
        for (const upload of slow) upload.rest();
        const answers = await Promise.all([...slow, ...waiting].map((upload) => upload.answer));
        expect(answers.map((a) => a.status)).to.deep.equal([201, 201, 201, 201, 201, 201]);
        expect(listed()).to.include.members(ulns);
        expect(importLoad()).to.deep.equal({ running: 0, waiting: 0 });
      } finally {
        for (const upload of slow) upload.request.destroy();
      }
    });
  });
});
