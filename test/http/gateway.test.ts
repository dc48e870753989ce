import { now } from '../support/clock.js';
import { expect } from 'chai';
import { eq, like } from 'drizzle-orm';
import supertest from 'supertest';
import { confirmDeclaration, type ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import type { Db } from '../../src/db/connection.js';
import { auditEvents, gatewayCheckDecisions, gatewaySubmissions } from '../../src/db/schema.js';
import { CHECK_CODES as ALL_CHECK_CODES, type CheckCode } from '../../src/gateway/model.js';

/** The checks of an apprentice on the demo plan, an EPA plan: the employer's verification of behaviours is for reformed plans. */
const CHECK_CODES = ALL_CHECK_CODES.filter((c) => c !== 'employer_behaviour_verification');
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import { getPlanForStandard } from '../../src/plans/store.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';
import { SETUP, isoDate, readyApprentice as readyFromSupport } from '../support/apprentices.js';

/* ---------- Apprentices ready for the gateway, built through the stores ---------- */

const ZONE = 'Europe/London';
const today = () => now().setZone(ZONE).startOf('day');
const ULNS = validUlns(20, 600_000_000);

function readyApprentice(db: Db, index: number, given: string, family: string): ApprenticeDetail {
  return readyFromSupport(db, ULNS[index]!, given, family);
}

function submit(db: Db, a: ApprenticeDetail, daysAgo = 0): number {
  const result = submitForGateway(db, a, isoDate(today().minus({ days: daysAgo })), SETUP);
  if (!result.ok) throw new Error(result.message);
  return result.submission.id;
}

function decide(db: Db, submissionId: number, outcome: 'accepted' | 'rejected') {
  const result = decideSubmission(
    db,
    submissionId,
    {
      checks: CHECK_CODES.map((code) => ({
        code,
        accepted: outcome === 'accepted' || code !== 'plan_items',
        reason: outcome === 'accepted' || code !== 'plan_items' ? null : 'Portfolio missing',
      })),
      outcome,
      reason: outcome === 'rejected' ? 'Portfolio missing' : null,
    },
    3,
    isoDate(today()),
    SETUP,
    now(),
  );
  if (!result.ok) throw new Error(result.message);
}

/** The review form with every check accepted; override fields to reject some. */
function reviewFields(
  outcome: 'accepted' | 'rejected' | '',
  reason = '',
  overrides: Partial<Record<CheckCode, { decision?: 'accept' | 'reject'; reason?: string }>> = {},
): Record<string, string> {
  const fields: Record<string, string> = { outcome, reason };
  for (const code of CHECK_CODES) {
    const o = overrides[code] ?? {};
    if (o.decision !== undefined || !(code in overrides)) fields[`checks[${code}][decision]`] = o.decision ?? 'accept';
    fields[`checks[${code}][reason]`] = o.reason ?? '';
  }
  return fields;
}

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

async function page(agent: Agent, url: string) {
  const res = await agent.get(url);
  return { status: res.status, doc: $(res.text), text: res.text };
}

function errorLinks(doc: ReturnType<typeof $>): { href: string; text: string }[] {
  return doc('.govuk-error-summary a')
    .map((_, a) => ({ href: doc(a).attr('href') ?? '', text: doc(a).text().trim() }))
    .get();
}

function queueRows(doc: ReturnType<typeof $>) {
  return doc('#gateway-queue tbody tr')
    .map((_, tr) => {
      const cells = doc(tr).find('td');
      return {
        name: cells.eq(0).find('a').text().trim(),
        attempt: cells.eq(1).text().trim(),
        submitted: cells.eq(2).text().trim(),
        waiting: cells.eq(3).text().trim(),
        href: cells.eq(4).find('a').attr('href') ?? '',
      };
    })
    .get();
}

/** The gateway tables and the audit log without sign-ins. */
function snapshot(db: Db) {
  return {
    submissions: db.$client.prepare('select * from gateway_submissions').all(),
    decisions: db.$client.prepare('select * from gateway_check_decisions').all(),
    audit: db.$client.prepare(`select * from audit_events where action <> 'user.signed_in'`).all(),
  };
}

/* ======================================================================================= */

describe('gateway: the review queue', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('lists only the submissions waiting for a decision, each with its attempt and a review link', async () => {
    const waiting = readyApprentice(ctx.db, 0, 'Wendy', 'Waiting');
    const waitingId = submit(ctx.db, waiting);
    decide(ctx.db, submit(ctx.db, readyApprentice(ctx.db, 1, 'Alan', 'Accepted')), 'accepted');
    decide(ctx.db, submit(ctx.db, readyApprentice(ctx.db, 2, 'Rosa', 'Rejected')), 'rejected');
    readyApprentice(ctx.db, 3, 'Nina', 'NotSubmitted');
    const again = readyApprentice(ctx.db, 4, 'Sean', 'Second');
    decide(ctx.db, submit(ctx.db, again), 'rejected');
    for (const part of ['employer', 'provider', 'apprentice', 'certificate_permission'] as const)
      confirmDeclaration(ctx.db, again, part, SETUP, now()); // a rejection withdraws them
    const againId = submit(ctx.db, again);

    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await page(agent, '/gateway');
    expect(res.status).to.equal(200);
    const rows = queueRows(res.doc);
    expect(rows.map((r) => [r.name, r.attempt, r.href])).to.have.deep.members([
      ['Wendy Waiting', '1', `/gateway/submissions/${waitingId}`],
      ['Sean Second', '2', `/gateway/submissions/${againId}`],
    ]);
    expect(res.text).not.to.contain('Accepted').and.not.to.contain('Rosa').and.not.to.contain('NotSubmitted');
  });

  it('lists the oldest submission first, by the date it was submitted', async () => {
    // Entered out of date order (as the demo data and any back-dated entry are).
    submit(ctx.db, readyApprentice(ctx.db, 0, 'Two', 'DaysAgo'), 2);
    submit(ctx.db, readyApprentice(ctx.db, 1, 'Eleven', 'DaysAgo'), 11);
    submit(ctx.db, readyApprentice(ctx.db, 2, 'Six', 'DaysAgo'), 6);
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const rows = queueRows((await page(agent, '/gateway')).doc);
    expect(rows.map((r) => [r.name, r.submitted, r.waiting])).to.deep.equal([
      ['Eleven DaysAgo', isoDate(today().minus({ days: 11 })), '11'],
      ['Six DaysAgo', isoDate(today().minus({ days: 6 })), '6'],
      ['Two DaysAgo', isoDate(today().minus({ days: 2 })), '2'],
    ]);
  });

  it('says so when nothing is waiting', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await page(agent, '/gateway');
    expect(res.doc('#gateway-queue tbody').text()).to.contain('Nothing is waiting for review');
  });

  it('is for administrators only: others get 403 on the queue, the review page and the decision; visitors are sent to sign in', async () => {
    const a = readyApprentice(ctx.db, 0, 'Pia', 'Pending');
    const id = submit(ctx.db, a);
    const before = snapshot(ctx.db);
    for (const who of ['assessor', 'qa', 'provider', 'otherProvider', 'employer'] as TestUserKey[]) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      expect((await agent.get('/gateway')).status, `${who} GET /gateway`).to.equal(403);
      const review = await page(agent, `/gateway/submissions/${id}`);
      expect(review.status, `${who} GET review`).to.equal(403);
      expect(review.doc('h1').text()).to.equal('You do not have permission to see this page');
      const token = csrfFrom((await agent.get('/')).text);
      const post = await agent
        .post(`/gateway/submissions/${id}`)
        .type('form')
        .send({ ...reviewFields('accepted', 'Looks fine'), _csrf: token });
      expect(post.status, `${who} POST review`).to.equal(403);
    }
    const anonymous = await supertest(ctx.app).get('/gateway');
    expect(anonymous.status).to.equal(302);
    expect(anonymous.headers.location).to.equal('/sign-in?returnTo=%2Fgateway');
    const visitor = supertest.agent(ctx.app);
    const token = csrfFrom((await visitor.get('/sign-in')).text);
    expect(
      (
        await visitor
          .post(`/gateway/submissions/${id}`)
          .type('form')
          .send({ ...reviewFields('accepted'), _csrf: token })
      ).status,
    ).to.equal(401);
    expect(snapshot(ctx.db)).to.deep.equal(before);

    // The provider's own page offers no review link; the administrator's does.
    const provider = await page(await signedInAgent(ctx.app, ctx.users.provider.email), `/apprentices/${a.uln}`);
    expect(provider.doc(`a[href="/gateway/submissions/${id}"]`)).to.have.length(0);
    const admin = await page(await signedInAgent(ctx.app, ctx.users.admin.email), `/apprentices/${a.uln}`);
    expect(admin.doc(`a[href="/gateway/submissions/${id}"]`).text()).to.equal('Review this submission');
  });
});

describe('gateway: reviewing a submission', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let id: number;
  let url: string;
  let admin: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    a = readyApprentice(ctx.db, 0, 'Ravi', 'Review');
    id = submit(ctx.db, a);
    url = `/gateway/submissions/${id}`;
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });

  const status = () => ctx.db.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.id, id)).get()!.status;
  const gatewayAudit = () => ctx.db.select().from(auditEvents).where(like(auditEvents.action, 'gateway.%')).all();

  it('shows every check as it stood at submission, with accept and reject for each', async () => {
    const res = await page(admin, url);
    expect(res.status).to.equal(200);
    expect(res.doc('h1').text()).to.equal('Gateway review: Ravi Review');
    expect(res.doc('.govuk-caption-l').text()).to.equal(`Attempt 1, submitted ${isoDate(today())}`);
    for (const code of CHECK_CODES) {
      const group = res.doc(`#review-${code}`);
      expect(group, code).to.have.length(1);
      expect(
        group
          .find(`input[name="checks[${code}][decision]"]`)
          .map((_, i) => res.doc(i).attr('value'))
          .get(),
      ).to.deep.equal(['accept', 'reject']);
      expect(group.find(`input#checks-${code}-reason`)).to.have.length(1);
    }
    expect(res.doc('#review-practical_period').text()).to.contain('At submission: Met');
    expect(res.doc('#review-english').text()).to.contain('At submission: Not applicable');
    expect(res.doc(`a[href="/apprentices/${a.uln}"]`)).to.have.length(1);
  });

  it('refuses to reject a check without a reason (400), linking the error to that check’s reason', async () => {
    const res = await postForm(
      admin,
      url,
      url,
      reviewFields('rejected', 'Maths certificate not verified', { maths: { decision: 'reject', reason: '  ' } }),
    );
    expect(res.status).to.equal(400);
    const doc = $(res.text);
    expect(errorLinks(doc)).to.deep.equal([
      { href: '#checks-maths-reason', text: 'Say why the check “Maths” is rejected, so the provider can put it right' },
    ]);
    expect(doc('#checks-maths-reason-error').text()).to.contain('Say why the check “Maths” is rejected');
    expect(doc('input#checks-maths-reason').hasClass('govuk-input--error')).to.equal(true);
    // What was entered is kept.
    expect(doc('input#checks-maths-decision-2').attr('checked')).to.not.equal(undefined);
    expect(doc('input#checks-english-decision').attr('checked')).to.not.equal(undefined);
    expect(doc('textarea#reason').text()).to.contain('Maths certificate not verified');
    expect(status()).to.equal('submitted');
    expect(ctx.db.select().from(gatewayCheckDecisions).all()).to.have.length(0);
    expect(gatewayAudit().map((e) => e.action)).to.deep.equal(['gateway.submitted']);
  });

  it('refuses a review that leaves a check undecided, or rejects the gateway without a reason', async () => {
    const undecided = await postForm(admin, url, url, reviewFields('accepted', '', { english: {} }));
    expect(undecided.status).to.equal(400);
    expect(errorLinks($(undecided.text))).to.deep.equal([
      { href: '#checks-english-decision', text: 'Accept or reject the check “English”' },
    ]);
    const noReason = await postForm(admin, url, url, reviewFields('rejected', ''));
    expect(noReason.status).to.equal(400);
    expect(errorLinks($(noReason.text))).to.deep.equal([{ href: '#reason', text: 'Say why the gateway is rejected' }]);
    expect(status()).to.equal('submitted');
  });

  it('refuses to accept the gateway while a check is rejected (400)', async () => {
    const res = await postForm(
      admin,
      url,
      url,
      reviewFields('accepted', 'Fine otherwise', {
        plan_items: { decision: 'reject', reason: 'Portfolio folder is empty' },
      }),
    );
    expect(res.status).to.equal(400);
    expect(errorLinks($(res.text))).to.deep.equal([
      { href: '#outcome', text: 'The gateway cannot be accepted while a check is rejected' },
    ]);
    expect(status()).to.equal('submitted');
    expect(ctx.db.select().from(gatewayCheckDecisions).all()).to.have.length(0);
  });

  it('accepts: the submission is accepted, audited with its reason, and the plan’s EPA period opens today', async () => {
    const months = getPlanForStandard(ctx.db, a.standardVersionId)!.epaPeriodMonths;
    expect(months).to.equal(3);
    const start = isoDate(today());
    const end = isoDate(today().plus({ months }));
    const res = await postForm(
      admin,
      url,
      url,
      reviewFields('accepted', 'All evidence verified against the portfolio'),
    );
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`/apprentices/${a.uln}#submissions`);

    const row = ctx.db.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.id, id)).get()!;
    expect(row).to.include({
      status: 'accepted',
      decidedBy: ctx.users.admin.id,
      decisionReason: 'All evidence verified against the portfolio',
      epaPeriodStart: start,
      epaPeriodEnd: end,
    });
    const decisions = ctx.db
      .select()
      .from(gatewayCheckDecisions)
      .where(eq(gatewayCheckDecisions.submissionId, id))
      .all();
    expect(decisions.map((d) => [d.checkCode, d.accepted])).to.have.deep.members(CHECK_CODES.map((c) => [c, true]));
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'gateway.accepted')).all();
    expect(audit).to.have.length(1);
    expect(audit[0]).to.include({
      entityId: String(id),
      reason: 'All evidence verified against the portfolio',
      actorLabel: ctx.users.admin.email,
    });
    expect(audit[0]!.before).to.deep.equal({ status: 'submitted' });
    expect(audit[0]!.after).to.deep.include({ status: 'accepted', epaPeriodStart: start, epaPeriodEnd: end });

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const view = await page(provider, `/apprentices/${a.uln}`);
    expect(view.doc('#gateway-state').text()).to.equal('Gateway accepted');
    expect(view.doc('#epa-period').text().trim()).to.equal(
      `Gateway accepted. The EPA period runs from ${start} to ${end}.`,
    );
    expect(view.doc('#submission-1 h3').text()).to.contain('accepted');
    expect(view.doc(`form[action="/apprentices/${a.uln}/request-epa"]`)).to.have.length(0);
    const again = await postForm(provider, `/apprentices/${a.uln}`, `/apprentices/${a.uln}/request-epa`, {});
    expect(again.status).to.equal(409);
    const queue = (await page(admin, '/gateway')).doc;
    expect(queue('#gateway-queue tbody tr')).to.have.length(1);
    expect(queue('#gateway-queue tbody').text()).to.contain('Nothing is waiting for review');
  });

  it('rejects with a reason: the provider sees why, puts it right and submits again as attempt 2', async () => {
    const res = await postForm(
      admin,
      url,
      url,
      reviewFields('rejected', 'The portfolio reference points to an empty folder', {
        plan_items: { decision: 'reject', reason: 'Upload the portfolio' },
      }),
    );
    expect(res.status).to.equal(302);
    expect(status()).to.equal('rejected');
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'gateway.rejected')).get()!;
    expect(audit.reason).to.equal('The portfolio reference points to an empty folder');
    const row = ctx.db.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.id, id)).get()!;
    expect(row.epaPeriodStart).to.equal(null);

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const view = await page(provider, `/apprentices/${a.uln}`);
    expect(view.doc('#gateway-state').text()).to.equal('Gateway rejected');
    expect(view.doc('#epa-period')).to.have.length(0);
    const first = view.doc('#submission-1');
    expect(first.find('h3').text()).to.contain('rejected');
    expect(first.text()).to.contain('Reason: The portfolio reference points to an empty folder');
    expect(first.text()).to.contain('Assessment plan gateway items: rejected (Upload the portfolio)');
    expect(first.text()).to.contain('Practical period: accepted');
    // A rejection withdraws the declaration: the resubmission is confirmed afresh.
    expect(view.doc('#check-employer_declaration').text()).to.contain('Not met');
    expect(view.doc(`form[action="/apprentices/${a.uln}/request-epa"]`)).to.have.length(0);
    for (const part of ['provider', 'apprentice'])
      await postForm(provider, `/apprentices/${a.uln}`, `/apprentices/${a.uln}/declaration`, { part });
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    await postForm(employer, `/apprentices/${a.uln}`, `/apprentices/${a.uln}/declaration`, { part: 'employer' });
    const fixed = await page(provider, `/apprentices/${a.uln}`);
    expect(fixed.doc('#gateway-state').text()).to.equal('Ready to request EPA');
    expect(fixed.doc(`form[action="/apprentices/${a.uln}/request-epa"]`)).to.have.length(1);

    const resubmit = await postForm(provider, `/apprentices/${a.uln}`, `/apprentices/${a.uln}/request-epa`, {});
    expect(resubmit.status).to.equal(302);
    const after = await page(provider, `/apprentices/${a.uln}`);
    expect(after.doc('#submission-2 h3').text()).to.contain('Attempt 2').and.to.contain('waiting for the EPAO');
    expect(after.doc('#gateway-state').text()).to.equal('Submitted');
    expect(
      ctx.db
        .select()
        .from(gatewaySubmissions)
        .all()
        .map((s) => [s.attempt, s.status]),
    ).to.deep.equal([
      [1, 'rejected'],
      [2, 'submitted'],
    ]);
    const queue = queueRows((await page(admin, '/gateway')).doc);
    expect(queue.map((r) => [r.name, r.attempt])).to.deep.equal([['Ravi Review', '2']]);
    expect((await page(admin, queue[0]!.href)).doc('.govuk-caption-l').text()).to.contain('Attempt 2');
  });

  it('refuses to decide a submission that is already decided (409), changing nothing', async () => {
    expect((await postForm(admin, url, url, reviewFields('accepted', 'First decision'))).status).to.equal(302);
    const before = snapshot(ctx.db);
    const decided = await page(admin, url);
    expect(decided.doc('form[action="' + url + '"]')).to.have.length(0);
    expect(decided.doc('.govuk-inset-text').text()).to.contain('This submission was accepted: First decision');
    const res = await postForm(
      admin,
      '/gateway',
      url,
      reviewFields('rejected', 'Second thoughts', { maths: { decision: 'reject', reason: 'No' } }),
    );
    expect(res.status).to.equal(409);
    expect($(res.text)('main').text()).to.contain('already accepted');
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('answers 404 for a submission that does not exist', async () => {
    for (const bad of ['999', 'abc', '0']) {
      expect((await admin.get(`/gateway/submissions/${bad}`)).status, `GET ${bad}`).to.equal(404);
      const res = await postForm(admin, '/gateway', `/gateway/submissions/${bad}`, reviewFields('accepted'));
      expect(res.status, `POST ${bad}`).to.equal(404);
    }
    expect(status()).to.equal('submitted');
  });

  it('refuses a decision without the form token (403)', async () => {
    const missing = await admin.post(url).type('form').send(reviewFields('accepted', 'No token'));
    expect(missing.status).to.equal(403);
    const wrong = await admin
      .post(url)
      .type('form')
      .send({ ...reviewFields('accepted', 'Wrong token'), _csrf: 'not-the-token' });
    expect(wrong.status).to.equal(403);
    expect(status()).to.equal('submitted');
    expect(gatewayAudit().map((e) => e.action)).to.deep.equal(['gateway.submitted']);
  });
});
