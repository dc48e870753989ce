import { now, todayIso } from '../support/clock.js';
import { DateTime } from 'luxon';
import { addMonths } from '../../src/calendar.js';
import { appealDeadline } from '../../src/grading/rules.js';
import type { Stream } from 'node:stream';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { pdfText } from '../support/pdf.js';
import type supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { bookingById } from '../../src/bookings/store.js';
import { epaAttempts, epaoSettings, gradings } from '../../src/db/schema.js';
import { epaoSettingsOf, moderate, releaseResults, saveGrading } from '../../src/grading/store.js';
import { paths } from '../../src/paths.js';
import { getPlanForStandard } from '../../src/plans/store.js';
import { $, signedInAgent, testApp, tokenFor, TEST_USERS, type TestContext, type TestUserKey } from '../support/app.js';
import { SETUP } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from '../support/grading.js';

/** Reads a response body as bytes, whatever its content type. */
const bytes = (res: Stream, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

const NOTE = 'The campaign report did not explain how the research approach was chosen';

describe('result PDF and KSB feedback', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let attemptId: number;
  const agents = new Map<TestUserKey, supertest.Agent>();
  const as = async (who: TestUserKey) => {
    if (!agents.has(who)) agents.set(who, await signedInAgent(ctx.app, TEST_USERS[who].email));
    return agents.get(who)!;
  };
  const bearer = (who: TestUserKey) => ({ Authorization: `Bearer ${tokenFor(ctx.db, ctx.users[who].id)}` });
  const pdfUrl = () => paths.resultPdf(a.uln, attemptId);
  const apiUrl = () => `${paths.api.root}/results/${a.uln}/pdf`;
  const download = async (who: TestUserKey, url = pdfUrl()) => (await as(who)).get(url).buffer(true).parse(bytes);
  const release = () => expect(releaseResults(ctx.db, [attemptId], SETUP, now()).ok).to.equal(true);

  beforeEach(async () => {
    agents.clear();
    ctx = await testApp();
    a = acceptedLongAgo(ctx.db, validUlns(1, 730_000_000)[0]!, 'Rhiannon', 'Pryce');
    assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
    const plan = getPlanForStandard(ctx.db, a.standardVersionId)!;
    const assessor = { userId: ctx.users.assessor.id, label: 'assessor' };
    // The project fails on PR1 (K4, S4, S7), with the assessor's note; the discussion meets every criterion.
    for (const [methodId, daysAgo] of [
      ['project', 5],
      ['discussion', 7],
    ] as const) {
      const booking = bookingById(ctx.db, pastBooking(ctx.db, a, ctx.users.assessor.id, methodId, daysAgo))!;
      const decisions = plan.criteria
        .filter((c) => c.method === methodId)
        .map((c) => ({ criterionId: c.id, met: c.id !== 'PR1', evidence: c.id === 'PR1' ? NOTE : '' }));
      const saved = saveGrading(ctx.db, booking, { outcome: 'graded', outcomeReason: null, decisions }, assessor, {
        submit: true,
        now: now(),
      });
      expect(saved.ok, JSON.stringify(saved)).to.equal(true);
    }
    // Both are the assessor's first gradings, so sampled: a quality assurer agrees with them.
    for (const g of ctx.db.select().from(gradings).where(eq(gradings.moderation, 'pending')).all()) {
      expect(
        moderate(
          ctx.db,
          g.id,
          { decision: 'agreed', rationale: 'The evidence supports the decisions', changes: [] },
          { userId: ctx.users.qa.id, label: 'qa' },
          now(),
        ).ok,
      ).to.equal(true);
    }
    attemptId = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!.id;
    epaoSettingsOf(ctx.db);
    ctx.db.update(epaoSettings).set({ epaoName: 'Northgate Assessment Ltd' }).run();
  });

  it('lets an administrator download the result as a PDF at once, with the grade, the name and the EPAO', async () => {
    const res = await download('admin');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/pdf/);
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="?epa-result-\d{10}-attempt-1\.pdf"?$/);
    expect(res.headers['cache-control']).to.contain('no-store');
    const text = await pdfText(res.body as Buffer);
    expect(text).to.contain('Northgate Assessment Ltd');
    expect(text).to.contain('Rhiannon Pryce');
    expect(text).to.contain(`ULN ${a.uln}`);
    expect(text).to.contain('Overall grade Fail');
    expect(text).to.contain('Not released');
    expect(text).to.match(
      /K4: .* Not evidenced The campaign report did not explain how the research approach was chosen/,
    );
  });

  it('shows it to the apprentice’s provider and employer only once released, and never to another provider', async () => {
    expect((await download('provider')).status).to.equal(404);
    expect((await download('employer')).status).to.equal(404);
    release();
    const res = await download('provider');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/pdf/);
    const text = await pdfText(res.body as Buffer);
    expect(text).to.contain('Overall grade Fail');
    expect(text).to.not.contain('Not released');
    // What happens next, from the release today: the appeal deadline, and the resit window after a Fail.
    const released = todayIso();
    const settings = epaoSettingsOf(ctx.db);
    const long = (iso: string) => DateTime.fromISO(iso).toFormat('d LLLL yyyy');
    expect(text).to.contain(`you can appeal until ${long(appealDeadline(released, settings.appealWorkingDays))}`);
    const plan = getPlanForStandard(ctx.db, a.standardVersionId)!;
    expect(text).to.contain(`if the resit starts by ${long(addMonths(released, plan.resit.windowMonths))}`);
    expect((await download('employer')).status).to.equal(200);
    expect((await download('otherProvider')).status).to.equal(404);
    expect((await download('assessor')).status).to.equal(403);
    expect((await download('admin', paths.resultPdf(a.uln, attemptId + 99))).status).to.equal(404);
    expect((await download('admin', `/apprentices/${a.uln}/results/x/result.pdf`)).status).to.equal(404);
  });

  it('sends a visitor who is not signed in to sign in', async () => {
    const res = await (await signedInAgent(ctx.app, undefined)).get(pdfUrl());
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.contain(paths.signIn);
  });

  it('answers the API with the latest released attempt for providers, the latest attempt for administrators, and 403 for assessors and quality assurers', async () => {
    const api = await signedInAgent(ctx.app, undefined);
    const get = (who: TestUserKey) => api.get(apiUrl()).set(bearer(who)).buffer(true).parse(bytes);
    const admin = await get('admin');
    expect(admin.status).to.equal(200);
    expect(admin.headers['content-type']).to.match(/^application\/pdf/);
    expect(admin.headers['content-disposition']).to.match(/^attachment;/);
    expect(await pdfText(admin.body as Buffer)).to.contain('Overall grade Fail');
    expect((await get('provider')).status).to.equal(404);
    release();
    const provider = await get('provider');
    expect(provider.status).to.equal(200);
    expect(await pdfText(provider.body as Buffer)).to.contain('Rhiannon Pryce');
    expect((await get('employer')).status).to.equal(200);
    expect((await get('otherProvider')).status).to.equal(404);
    for (const who of ['assessor', 'qa'] as const)
      expect((await api.get(apiUrl()).set(bearer(who))).status, who).to.equal(403);
    expect((await api.get(apiUrl())).status).to.equal(401);
    expect((await api.get(`${paths.api.root}/results/0000000000/pdf`).set(bearer('admin'))).status).to.equal(404);
  });

  it('describes the API in the OpenAPI document', async () => {
    const doc = await (await signedInAgent(ctx.app, undefined)).get(paths.openapi);
    const entry = doc.body.paths['/results/{uln}/pdf'].get;
    expect(Object.keys(entry.responses['200'].content)).to.deep.equal(['application/pdf']);
    expect(Object.keys(entry.responses)).to.include.members(['401', '403', '404']);
  });

  it('shows the feedback per KSB on the results page, with the note of the criterion not met, and links to the PDF', async () => {
    const check = async (who: TestUserKey) => {
      const page = $((await (await as(who)).get(paths.apprenticeResults(a.uln))).text);
      const table = page(`#ksb-feedback-${attemptId}-project`);
      expect(table.find('caption').text(), who).to.contain(
        'Feedback by KSB: Work-based project with presentation and questioning',
      );
      const k4 = table.find('tr[data-ksb="K4"]');
      expect(k4.find('th').text()).to.contain('The processes that must be followed');
      expect(k4.find('.govuk-tag').text()).to.equal('Not evidenced');
      expect(k4.find('td').last().text()).to.contain(NOTE);
      const k2 = table.find('tr[data-ksb="K2"]');
      expect(k2.find('.govuk-tag').text()).to.equal('Evidenced');
      expect(k2.find('td').last().text().trim()).to.equal('');
      const discussion = page(`#ksb-feedback-${attemptId}-discussion`);
      expect(discussion.find('tbody tr')).to.have.length(
        getPlanForStandard(ctx.db, a.standardVersionId)!.methods.find((m) => m.id === 'discussion')!.ksbs.length,
      );
      expect(
        discussion
          .find('.govuk-tag')
          .map((_i, el) => page(el).text())
          .get(),
      ).to.satisfy((labels: string[]) => labels.every((l) => l === 'Evidenced'));
      const link = page(`a[href="${pdfUrl()}"]`);
      expect(link.text()).to.contain('Download the result (PDF)');
    };
    await check('admin');
    const before = $((await (await as('provider')).get(paths.apprenticeResults(a.uln))).text);
    expect(before('table[id^="ksb-feedback-"]')).to.have.length(0);
    release();
    await check('provider');
  });
});
