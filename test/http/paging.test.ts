import { expect } from 'chai';
import supertest from 'supertest';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { $, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { apprenticeInput, isoDate, SETUP, today } from '../support/apprentices.js';

/*
 * Issue 18: every list is paged, 50 a page, on the pages and in the API. 60 apprentices of the
 * test provider, 55 of them with a gateway submission waiting (the review queue) or accepted
 * (the booking queue): two pages each, the second with the rest.
 */

const COUNT = 60;
const WAITING = 55;

function addSixty(ctx: TestContext, status: 'submitted' | 'accepted'): string[] {
  const ulns = validUlns(COUNT, 400_000_000);
  // Names in list order: Family00, Family01, …
  const rows = ulns.map((uln, i) => ({
    line: i + 1,
    input: apprenticeInput(uln, 'Pat', `Family${String(i).padStart(2, '0')}`),
  }));
  const added = addApprentices(ctx.db, rows, SETUP, 'test');
  if (!added.ok) throw new Error(JSON.stringify(added.problems));
  const c = ctx.db.$client;
  const insert = c.prepare(
    "insert into gateway_submissions (apprentice_id, attempt, status, submitted_on, evaluation, epa_period_start, epa_period_end) values ((select id from apprentices where uln = ?), 1, ?, ?, '{}', ?, ?)",
  );
  const accepted = status === 'accepted';
  ulns.slice(0, WAITING).forEach((uln, i) => {
    // Oldest first: the first apprentice submitted 100 days ago, each next one a day later.
    const on = isoDate(today().minus({ days: 100 - i }));
    insert.run(uln, status, on, accepted ? on : null, accepted ? isoDate(today().plus({ days: i })) : null);
  });
  return ulns;
}

const names = (html: string, table: string) =>
  $(html)(`${table} tbody tr td:first-child a`)
    .map((_, a) => $(html)(a).text().trim())
    .get();

describe('paged lists (issue 18)', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('pages the gateway review queue, oldest first, with links between the pages and a count of all', async () => {
    addSixty(ctx, 'submitted');
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const first = await agent.get('/gateway');
    expect(first.status).to.equal(200);
    expect($(first.text)('main').text()).to.contain('55 in all');
    const firstNames = names(first.text, '#gateway-queue');
    expect(firstNames).to.have.length(50);
    expect(firstNames[0]).to.equal('Pat Family00');
    expect($(first.text)('a[rel=next]').attr('href')).to.equal('/gateway?page=2');
    expect($(first.text)('nav.govuk-pagination').text()).to.contain('Page 1 of 2');

    const second = await agent.get('/gateway?page=2');
    expect(names(second.text, '#gateway-queue')).to.deep.equal(
      ['50', '51', '52', '53', '54'].map((n) => `Pat Family${n}`),
    );
    expect($(second.text)('a[rel=prev]').attr('href')).to.equal('/gateway?page=1');
    expect($(second.text)('a[rel=next]')).to.have.length(0);
    // A page past the end shows the last; one that is not a number shows the first.
    expect(names((await agent.get('/gateway?page=9')).text, '#gateway-queue')).to.have.length(5);
    expect(names((await agent.get('/gateway?page=x')).text, '#gateway-queue')).to.have.length(50);
  });

  it('pages the booking queue, keeping the other lists’ pages in its links', async () => {
    addSixty(ctx, 'accepted');
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const first = await agent.get('/bookings');
    expect(first.status).to.equal(200);
    expect($(first.text)('main').text()).to.contain('longest waiting first: 55 in all');
    expect(names(first.text, '#booking-queue')).to.have.length(50);
    const next = $(first.text)('nav[aria-label="Pages of the booking queue"] a[rel=next]').attr('href')!;
    expect(next).to.equal('/bookings?queuePage=2&duringPage=1&page=1#booking-queue');
    const second = await agent.get(next);
    expect(names(second.text, '#booking-queue')).to.deep.equal(
      ['50', '51', '52', '53', '54'].map((n) => `Pat Family${n}`),
    );
  });

  it('pages the API’s apprentice list and review queue, and refuses a page that is not a whole number', async () => {
    addSixty(ctx, 'submitted');
    const api = supertest(ctx.app);
    const auth = { Authorization: `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}` };

    const list = await api.get('/api/v1/apprentices').set(auth);
    expect(list.status).to.equal(200);
    expect(list.body).to.include({ page: 1, pages: 2, total: COUNT });
    expect(list.body.apprentices).to.have.length(50);
    expect(list.body.apprentices[0]).to.include({ familyName: 'Family00', gatewayState: 'submitted' });
    const rest = await api.get('/api/v1/apprentices?page=2').set(auth);
    expect(rest.body.apprentices.map((a: { familyName: string }) => a.familyName)).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => `Family${50 + i}`),
    );
    expect(rest.body.apprentices.at(-1).gatewayState).to.equal('not_ready');

    // Another day's states are worked out for the page asked for only, in the same order.
    const yesterday = isoDate(today().minus({ days: 1 }));
    const earlier = await api.get(`/api/v1/apprentices?on=${yesterday}&page=2`).set(auth);
    expect(earlier.body).to.include({ on: yesterday, page: 2, pages: 2, total: COUNT });
    expect(earlier.body.apprentices.map((a: { familyName: string }) => a.familyName)).to.deep.equal(
      rest.body.apprentices.map((a: { familyName: string }) => a.familyName),
    );
    // A state filter counts only the apprentices in that state.
    const waiting = await api.get(`/api/v1/apprentices?on=${yesterday}&state=not_ready`).set(auth);
    expect(waiting.body).to.include({ page: 1, pages: 1, total: COUNT - WAITING });

    const queue = await api.get('/api/v1/gateway/submissions?page=2').set(auth);
    expect(queue.body).to.include({ page: 2, pages: 2, total: WAITING });
    expect(queue.body.submissions).to.have.length(5);

    for (const bad of ['0', '-1', '1.5', 'x', '0x2'])
      for (const path of ['/api/v1/apprentices', '/api/v1/gateway/submissions']) {
        const refused = await api.get(`${path}?page=${bad}`).set(auth);
        expect(refused.status, `${path}?page=${bad}`).to.equal(422);
        expect(refused.body.errors[0]).to.deep.equal({
          path: 'page',
          message: 'The page must be a whole number from 1',
        });
      }
  });
});
