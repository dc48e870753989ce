import { now, todayIso } from '../support/clock.js';
import { dashboardFigures } from '../../src/outcomes/dashboard.js';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import fs from 'node:fs';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { findApprenticeById } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { bookingById } from '../../src/bookings/store.js';
import { apprentices, epaAttempts, gradings } from '../../src/db/schema.js';
import { releaseResults, saveGrading } from '../../src/grading/store.js';
import { planFileSchema } from '../../src/plans/schema.js';
import { $, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { SETUP } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from '../support/grading.js';

const plan = planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));
const OTHER_PROVIDER = '10078452';
const ULNS = validUlns(10, 730_000_000);

/*
 * Four apprentices, all graded by the test assessor and moderated:
 *   Ann   (our provider)   project Distinction, discussion Distinction → Distinction, released
 *   Ben   (our provider)   project Pass (PRD1 not met) + discussion Pass (PDD1 not met) → Pass, released
 *   Cal   (our provider)   project Fail (PR2 not met), discussion Pass → Fail, released
 *   Dee   (other provider) project Fail (PR2 not met), discussion Fail (PD1 not met) → Fail, NOT released
 * PR2 is the only project pass criterion mapped to K2 (see the demo plan), so K2 falls short in
 * Cal's and Dee's projects: 2 of 4 decisions on PR2 not met overall.
 */
describe('outcome reports: the dashboard and the KSB shortfall', () => {
  let ctx: TestContext;
  const people: Record<string, ApprenticeDetail> = {};

  function graded(
    name: string,
    index: number,
    notMet: { project?: string[]; discussion?: string[] },
    options: { otherProvider?: boolean; release?: boolean } = {},
  ) {
    const a = acceptedLongAgo(ctx.db, ULNS[index]!, name, 'Tester');
    if (options.otherProvider)
      ctx.db.update(apprentices).set({ providerUkprn: OTHER_PROVIDER }).where(eq(apprentices.id, a.id)).run();
    const assessor = { userId: ctx.users.assessor.id, label: 'assessor' };
    for (const [method, daysAgo] of [
      ['project', 5],
      ['discussion', 7],
    ] as const) {
      const id = pastBooking(ctx.db, a, ctx.users.assessor.id, method, daysAgo, `${10 + 2 * index}:00`);
      const decisions = plan.criteria
        .filter((c) => c.method === method)
        .map((c) => ({
          criterionId: c.id,
          met: !(notMet[method] ?? []).includes(c.id),
          evidence: (notMet[method] ?? []).includes(c.id) ? 'Not shown' : '',
        }));
      const result = saveGrading(
        ctx.db,
        bookingById(ctx.db, id)!,
        { outcome: 'graded', outcomeReason: null, decisions },
        assessor,
        { submit: true, now: now() },
      );
      if (!result.ok) throw new Error(result.message);
    }
    ctx.db.update(gradings).set({ moderation: 'agreed' }).run();
    const attempt = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!;
    if (options.release !== false) expect(releaseResults(ctx.db, [attempt.id], SETUP, now()).ok).to.equal(true);
    people[name] = findApprenticeById(ctx.db, a.id)!;
  }

  before(async () => {
    ctx = await testApp();
    const sv = acceptedLongAgo(ctx.db, ULNS[9]!, 'Waiting', 'Tester', 10);
    assessorProfile(ctx.db, ctx.users.assessor.id, sv.standardVersionId);
    graded('Ann', 0, {});
    graded('Ben', 1, { project: ['PRD1'], discussion: ['PDD1'] });
    graded('Cal', 2, { project: ['PR2'] });
    graded('Dee', 3, { project: ['PR2'], discussion: ['PD1'] }, { otherProvider: true, release: false });
  });

  const text = (html: string, selector: string) => $(html)(selector).text().replace(/\s+/g, ' ').trim();
  const tableRows = (html: string, caption: string) => {
    const doc = $(html);
    const table = doc('table').filter((_, t) => doc(t).find('caption').text().trim() === caption);
    return table
      .find('tbody tr')
      .toArray()
      .map((tr) =>
        doc(tr)
          .find('th, td')
          .toArray()
          .map((c) => doc(c).text().trim()),
      );
  };

  it('gives the EPAO every result, by grade, with rates, a chart and its table', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await admin.get('/reports');
    expect(res.status, String(ctx.errors[0])).to.equal(200);
    expect(text(res.text, '#figure-results')).to.equal('4');
    expect(tableRows(res.text, 'Results by grade')).to.deep.equal([
      ['Distinction', '1'],
      ['Pass', '1'],
      ['Fail', '2'],
      ['Withdrawn', '0'],
    ]);
    // 2 passes (Distinction, Pass) of 4 results; 1 Distinction of 4.
    expect(text(res.text, '#figure-pass-rate')).to.equal('50.0%');
    expect(text(res.text, '#figure-distinction-rate')).to.equal('25.0%');
    expect(text(res.text, '#figure-waiting')).to.equal('1');
    const chart = $(res.text)('svg#chart-grades');
    expect(chart.attr('role')).to.equal('img');
    expect(chart.find('title').text()).to.equal('Results by grade');
    expect(chart.find('rect')).to.have.length(4);
  });

  it('works the figures out once until something changes, then again, so a new result counts at once', () => {
    const all = { kind: 'all' } as const;
    const first = dashboardFigures(ctx.db, {}, all, todayIso());
    expect(dashboardFigures(ctx.db, {}, all, todayIso()), 'nothing changed: the same figures').to.equal(first);
    expect(dashboardFigures(ctx.db, { providerUkprn: OTHER_PROVIDER }, all, todayIso())).to.not.equal(first);
    // Cal's Fail becomes a Pass (an appeal, say): the next request counts it.
    const cal = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, people.Cal!.id)).get()!;
    const passes = (f: typeof first) => f.byGrade.find((g) => g.grade === 'Pass')!.count;
    ctx.db.update(epaAttempts).set({ overallGrade: 'Pass' }).where(eq(epaAttempts.id, cal.id)).run();
    expect(passes(dashboardFigures(ctx.db, {}, all, todayIso()))).to.equal(passes(first) + 1);
    // Put back as it was for the tests that follow.
    ctx.db.update(epaAttempts).set({ overallGrade: cal.overallGrade }).where(eq(epaAttempts.id, cal.id)).run();
    expect(dashboardFigures(ctx.db, {}, all, todayIso())).to.deep.equal(first);
  });

  it('holds a provider to its own released results, whatever the filter says', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    for (const url of ['/reports', `/reports?provider=${OTHER_PROVIDER}`]) {
      const res = await provider.get(url);
      expect(res.status, url).to.equal(200);
      expect(text(res.text, '#figure-results'), url).to.equal('3');
      expect(tableRows(res.text, 'Results by grade'), url).to.deep.equal([
        ['Distinction', '1'],
        ['Pass', '1'],
        ['Fail', '1'],
        ['Withdrawn', '0'],
      ]);
    }
    // A provider filter in the address is ignored for a provider, not an error.
    expect((await provider.get('/reports?provider=abc')).status).to.equal(200);
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    // Dee's result is not released: the other provider sees nothing yet.
    expect(text((await other.get('/reports')).text, '#figure-results')).to.equal('0');
  });

  it('shows quality assurers every result, like the EPAO', async () => {
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    const res = await qa.get('/reports');
    expect(res.status).to.equal(200);
    expect(text(res.text, '#figure-results')).to.equal('4');
    const api = await supertest(ctx.app)
      .get('/api/v1/reports/outcomes')
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.qa.id)}`);
    expect(api.body).to.deep.include({ scope: 'all' });
    expect(api.body.figures.results).to.equal(4);
  });

  it('downloads each table as CSV with the same filters and scope', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const csv = await provider.get('/reports/tables/grades.csv');
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.contain('text/csv');
    // For a spreadsheet: the UTF-8 byte-order mark first.
    expect(csv.text).to.equal('\uFEFFGrade,Results\r\nDistinction,1\r\nPass,1\r\nFail,1\r\nWithdrawn,0\r\n');
    for (const name of ['nothing', 'constructor', '__proto__', 'toString'])
      expect((await provider.get(`/reports/tables/${name}.csv`)).status, name).to.equal(404);
  });

  it('ranks KSBs by how often their criteria were not met, per scope', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await admin.get('/reports/ksb-shortfall?standard=ST0815%2F1.0');
    expect(res.status).to.equal(200);
    const rows = tableRows(res.text, 'KSB shortfall');
    // K2 in the project: PR2 decided 4 times, not met twice (Cal and Dee), both Fails.
    // K2 (PR2 and PD2): 8 decisions, 2 not met (Cal's and Dee's PR2) = 25%; in the two Fails 4, 2 = 50%.
    // K1 (PD1 only): 4 decisions, 1 not met (Dee) = 25%; in the Fails 2, 1 = 50%. Tied, so by code: K1, K2.
    expect(rows.slice(0, 2).map((r) => r.slice(0, 7))).to.deep.equal([
      ['K1', '4', '1', '25.0%', '2', '1', '50.0%'],
      ['K2', '8', '2', '25.0%', '4', '2', '50.0%'],
    ]);
    expect(
      rows.slice(2).every((r) => r[2] === '0'),
      'no other KSB fell short',
    ).to.equal(true);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const own = tableRows(
      (await provider.get('/reports/ksb-shortfall?standard=ST0815%2F1.0')).text,
      'KSB shortfall',
    ).find((r) => r[0] === 'K2')!;
    // The provider's own: Ann, Ben and Cal; K2 not met once (Cal).
    expect(own.slice(1, 3)).to.deep.equal(['6', '1']);
    expect(text((await admin.get('/reports/ksb-shortfall')).text, '#choose-standard')).to.contain('Choose a standard');
  });

  it('refuses assessors and employers, sends visitors to sign in, and shows bad filters with the values kept', async () => {
    for (const who of ['assessor', 'employer'] as const) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      for (const url of ['/reports', '/reports/ksb-shortfall', '/reports/tables/grades.csv'])
        expect((await agent.get(url)).status, `${who} ${url}`).to.equal(403);
    }
    expect((await supertest(ctx.app).get('/reports')).status).to.equal(302);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const bad = await admin.get('/reports?from=2025-02-30&employer=transport-workers-union');
    expect(bad.status).to.equal(400);
    expect(text(bad.text, '.govuk-error-summary')).to.contain('The first result date must be a real date');
    expect($(bad.text)('input[name="from"]').val()).to.equal('2025-02-30');
    expect($(bad.text)('a[href="#from"]').text()).to.contain('The first result date');
    expect($(bad.text)('select[name="employer"] option[selected]').val()).to.equal('transport-workers-union');
  });

  it('answers GET /api/v1/reports/outcomes with the same figures and scope', async () => {
    const api = supertest(ctx.app);
    const admin = await api
      .get('/api/v1/reports/outcomes?standard=ST0815/1.0')
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`);
    expect(admin.status).to.equal(200);
    expect(admin.body.figures.results).to.equal(4);
    expect(admin.body.figures.byGrade).to.deep.include({ grade: 'Fail', count: 2 });
    const provider = await api
      .get('/api/v1/reports/outcomes')
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`);
    expect(provider.body.figures.results).to.equal(3);
    expect(provider.body.scope).to.equal('provider');
    expect(
      (
        await api
          .get('/api/v1/reports/outcomes')
          .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.assessor.id)}`)
      ).status,
    ).to.equal(403);
    const bad = await api
      .get('/api/v1/reports/outcomes?from=2025-13-01')
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`);
    expect(bad.status).to.equal(422);
    expect(bad.body.errors[0].path).to.equal('from');
  });
});

describe('outcome reports: waiting for a booking', () => {
  it('counts the apprentices the booking queue lists: one method booked and another not, or an EPA period run out', async () => {
    const ctx = await testApp();
    const [u1, u2, u3, u4] = validUlns(4, 731_000_000) as [string, string, string, string];
    const none = acceptedLongAgo(ctx.db, u1, 'Nora', 'Nothing', 40);
    assessorProfile(ctx.db, ctx.users.assessor.id, none.standardVersionId);
    const half = acceptedLongAgo(ctx.db, u2, 'Hal', 'Half', 40);
    pastBooking(ctx.db, half, ctx.users.assessor.id, 'project', 2);
    acceptedLongAgo(ctx.db, u3, 'Otto', 'Overdue', 120);
    const both = acceptedLongAgo(ctx.db, u4, 'Bea', 'Both', 40);
    pastBooking(ctx.db, both, ctx.users.assessor.id, 'project', 3);
    pastBooking(ctx.db, both, ctx.users.assessor.id, 'discussion', 4);

    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const queue = $((await admin.get('/bookings')).text)('#booking-queue tbody').text();
    for (const name of ['Nora Nothing', 'Hal Half', 'Otto Overdue']) expect(queue).to.contain(name);
    expect(queue).to.not.contain('Bea Both');
    const dashboard = await admin.get('/reports');
    expect($(dashboard.text)('#figure-waiting').text().trim()).to.equal('3');
    // The provider's own dashboard counts its own apprentices in the queue: all of them here.
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect(
      $((await provider.get('/reports')).text)('#figure-waiting')
        .text()
        .trim(),
    ).to.equal('3');
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    expect(
      $((await other.get('/reports')).text)('#figure-waiting')
        .text()
        .trim(),
    ).to.equal('0');
  });
});
