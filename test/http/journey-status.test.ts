import { expect } from 'chai';
import supertest from 'supertest';
import { $, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/* The fixture's apprentices (test/support/fixture.ts) stand at different points of the journey. */
describe('the apprentice’s status, on their page and through the API', () => {
  let ctx: TestContext;
  let f: Fixture;
  before(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  it('reads the same on the page and in GET /api/v1/apprentices/{uln}/gateway', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const token = tokenFor(ctx.db, ctx.users.admin.id);
    const expected: [string, string, string][] = [
      [f.a.uln, 'Result released', 'released'],
      [f.b.uln, 'Gateway accepted', 'accepted'],
      [f.c.uln, 'Assessment requested', 'requested'],
      [f.d.uln, 'In moderation', 'in_moderation'],
      [f.e.uln, 'Ready to request assessment', 'ready'],
    ];
    for (const [uln, label, status] of expected) {
      const page = $((await admin.get(`/apprentices/${uln}`)).text);
      expect(page('#journey-status').text(), uln).to.equal(label);
      const api = await supertest(ctx.app)
        .get(`/api/v1/apprentices/${uln}/gateway`)
        .set('Authorization', `Bearer ${token}`);
      expect(api.body.status, uln).to.equal(status);
    }
  });
});

describe('the apprentices list: where each stands, and a filter by it', () => {
  let ctx: TestContext;
  let f: Fixture;
  before(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  /** The list as [name, where they stand] pairs, for a query string. */
  const listed = async (query: string) => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const doc = $((await admin.get(`/apprentices?${query}`)).text);
    return doc('#apprentices tbody tr:has(a)')
      .map((_, tr) => [[doc(tr).find('td').eq(0).find('a').text(), doc(tr).find('td').eq(4).text()]])
      .get() as [string, string][];
  };

  it('shows where each apprentice stands beside their gateway state', async () => {
    const all = await listed('');
    expect(all).to.deep.include([`${f.a.givenNames} ${f.a.familyName}`, 'Result released']);
    expect(all).to.deep.include([`${f.d.givenNames} ${f.d.familyName}`, 'In moderation']);
    expect(all).to.deep.include([`${f.e.givenNames} ${f.e.familyName}`, 'Ready to request assessment']);
  });

  it('filters by it, before and after gateway acceptance, keeping the filter across pages', async () => {
    expect(await listed('status=in_moderation')).to.deep.equal([
      [`${f.d.givenNames} ${f.d.familyName}`, 'In moderation'],
    ]);
    expect(await listed('status=released')).to.deep.equal([[`${f.a.givenNames} ${f.a.familyName}`, 'Result released']]);
    expect(await listed('status=requested')).to.deep.equal([
      [`${f.c.givenNames} ${f.c.familyName}`, 'Assessment requested'],
    ]);
    expect(await listed('status=claimed')).to.deep.equal([]);
    // B waits for bookings in the other provider's records: the administrator sees it as accepted.
    expect((await listed('status=accepted')).map(([name]) => name)).to.include(`${f.b.givenNames} ${f.b.familyName}`);
  });

  it('filters the API’s list by it too, for today, and says where each stands', async () => {
    const token = tokenFor(ctx.db, ctx.users.admin.id);
    const list = (query: string) =>
      supertest(ctx.app).get(`/api/v1/apprentices?${query}`).set('Authorization', `Bearer ${token}`);
    const all = await list('');
    expect(all.status).to.equal(200);
    const statusOf = (body: { apprentices: { uln: string; status: string }[] }, uln: string) =>
      body.apprentices.find((a) => a.uln === uln)?.status;
    expect(statusOf(all.body, f.a.uln)).to.equal('released');
    expect(statusOf(all.body, f.e.uln)).to.equal('ready');
    for (const [status, uln] of [
      ['in_moderation', f.d.uln],
      ['ready', f.e.uln],
      ['requested', f.c.uln],
    ] as const) {
      const filtered = await list(`status=${status}`);
      expect(filtered.status).to.equal(200);
      expect(
        filtered.body.apprentices.map((a: { uln: string }) => a.uln),
        status,
      ).to.deep.equal([uln]);
      expect(filtered.body.total).to.equal(1);
    }
    const unknown = await list('status=graduated');
    expect(unknown.status).to.equal(422);
    const past = await list('status=ready&on=2025-01-01');
    expect(past.status).to.equal(422);
    expect(past.body.errors[0].message).to.equal('A status is known for today only: leave out on');
    const both = await list('status=ready&state=ready');
    expect(both.status).to.equal(422);
    expect(both.body.errors[0].message).to.equal('Filter by status or by state, not both');
  });
});
