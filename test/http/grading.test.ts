import { addExternalReviewer } from '../support/fixture.js';
import { importPlan } from '../../src/plans/store.js';
import { readFileSync } from 'node:fs';
import { now } from '../support/clock.js';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { changeBooking, createBooking } from '../../src/bookings/store.js';
import {
  appeals,
  attemptMethods,
  auditEvents,
  apprentices,
  bookings,
  criterionDecisions,
  epaAttempts,
  epaoSettings,
  gradings,
  moderations,
  outbox,
  users,
} from '../../src/db/schema.js';
import { decideAppeal, epaoSettingsOf, moderate } from '../../src/grading/store.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';
import { SETUP, isoDate, today } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, bookingStatus, pastBooking } from '../support/grading.js';

/*
 * Grading, moderation, results, resits and appeals, through the pages. Every apprentice follows
 * ST0815 v1.0 (demonstration plan: methods `project` and `discussion`; a pass criterion not met
 * fails the method, every criterion met is a Distinction; Pass + Distinction overall is a Pass;
 * resits and retakes capped at Pass). Gateways are accepted 60 days ago, so the project (not
 * before day 28) can have taken place on any of the last 32 days. Each booking of a test falls on
 * its own day at 10:00 London, with the test assessor unless a test says otherwise.
 */

const ULNS = validUlns(30, 810_000_000);

const PROJECT_THEMES = [
  { theme: 'Research and analysis', criteria: ['PR1', 'PR2', 'PRD1'] },
  { theme: 'Stakeholders and organising', criteria: ['PR3', 'PR4'] },
  { theme: 'Campaign planning and delivery', criteria: ['PR5', 'PR6', 'PR7', 'PRD2'] },
  { theme: 'Recruitment and retention', criteria: ['PR8', 'PR9', 'PRD3'] },
  { theme: 'Communication and influence', criteria: ['PR10', 'PR11', 'PR12', 'PRD4'] },
];
const PROJECT_CRITERIA = PROJECT_THEMES.flatMap((t) => t.criteria);
const PROJECT_KSBS = [
  'K2',
  'K3',
  'K4',
  'K5',
  'K6',
  'K7',
  'K8',
  'K11',
  'S3',
  'S4',
  'S5',
  'S6',
  'S7',
  'S8',
  'S12',
  'S16',
  'B5',
  'B6',
];
const FIRST_ASSESSMENTS = 'One of the assessor’s first assessments of this standard';

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

let ctx: TestContext;
let nextDay: number;

beforeEach(async () => {
  ctx = await testApp();
  nextDay = 2;
});

/* ---------- Setting the scene through the stores ---------- */

/** An apprentice whose gateway was accepted 60 days ago, at the test provider and employer; the test assessor is competent for their standard. */
function apprentice(index: number, given: string, family: string): ApprenticeDetail {
  const a = acceptedLongAgo(ctx.db, ULNS[index]!, given, family, 60);
  assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
  return a;
}

/** A confirmed booking that took place on a day of its own (2, 3, 4… days ago). */
function booked(
  a: ApprenticeDetail,
  methodId: 'project' | 'discussion',
  assessorUserId = ctx.users.assessor.id,
): number {
  return pastBooking(ctx.db, a, assessorUserId, methodId, nextDay++);
}

/** Another user with the test users' password (the stored hash is reused). */
function addUser(email: string, name: string, role: 'assessor' | 'quality_assurer'): { id: number; email: string } {
  const { passwordHash } = ctx.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ctx.users.assessor.id))
    .get()!;
  return ctx.db
    .insert(users)
    .values({ email, name, role, passwordHash })
    .returning({ id: users.id, email: users.email })
    .get();
}

/** The EPAO samples nothing: no first assessments, no fails, no boundary cases, no random draw. */
function sampleNothing(): void {
  epaoSettingsOf(ctx.db);
  ctx.db
    .update(epaoSettings)
    .set({ qaFirstN: 0, qaSampleFails: false, qaSampleBoundary: false, qaRandomPercent: 0 })
    .where(eq(epaoSettings.id, 1))
    .run();
}

const as = (key: TestUserKey) => signedInAgent(ctx.app, ctx.users[key].email);

/** The employer agrees on the results page to the resit or retake the provider asked for. */
async function employerAgrees(a: ApprenticeDetail, attemptId: number) {
  const employer = await as('employer');
  const action = attemptAction(a, attemptId, 'agree');
  const page = await employer.get(resultsUrl(a));
  const res = await employer.post(action).type('form').send(formFields(page.text, action));
  expect(res.status, mainText(res.text)).to.equal(303);
}
const gradingOf = (bookingId: number) => ctx.db.select().from(gradings).where(eq(gradings.bookingId, bookingId)).get();
const attemptOf = (a: ApprenticeDetail, number = 1) =>
  ctx.db
    .select()
    .from(epaAttempts)
    .where(and(eq(epaAttempts.apprenticeId, a.id), eq(epaAttempts.number, number)))
    .get();
const auditOf = (action: string, entityId?: number) =>
  ctx.db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.action, action),
        entityId === undefined ? undefined : eq(auditEvents.entityId, String(entityId)),
      ),
    )
    .all();
const decisionsOf = (gradingId: number) =>
  ctx.db.select().from(criterionDecisions).where(eq(criterionDecisions.gradingId, gradingId)).all();

/* ---------- Reading and posting pages like a browser ---------- */

const mainText = (html: string) => $(html)('main').text().replace(/\s+/g, ' ').trim();
const summaryOf = (html: string) => {
  const doc = $(html);
  return doc('.govuk-error-summary li')
    .map((_, li) => ({ text: doc(li).text().trim(), href: doc(li).find('a').attr('href') ?? null }))
    .get();
};

/** The KSB coverage table of a grading page: each KSB and what it says. */
function coverageOn(html: string): Record<string, string> {
  const doc = $(html);
  return Object.fromEntries(
    doc('#ksb-coverage tbody tr')
      .map((_, tr) => [[doc(tr).find('td').eq(0).text(), doc(tr).find('td').eq(1).text()]])
      .get() as [string, string][],
  );
}

/** What a browser sends for a form: its inputs (checked radios and checkboxes only) and textareas; submit buttons are added by the caller. */
function formFields(html: string, action: string): Record<string, string> {
  const doc = $(html);
  const form = doc(`form[action="${action}"]`);
  if (form.length === 0) throw new Error(`No form posting to ${action} on the page`);
  const fields: Record<string, string> = {};
  form.find('input[name]').each((_, el) => {
    const input = doc(el);
    const type = input.attr('type') ?? 'text';
    if ((type === 'radio' || type === 'checkbox') && input.attr('checked') === undefined) return;
    fields[input.attr('name')!] = input.attr('value') ?? '';
  });
  form.find('textarea[name]').each((_, el) => {
    fields[doc(el).attr('name')!] = doc(el).text();
  });
  return fields;
}

/** A page's CSRF token (every signed-in page has one, in the sign-out form at least). */
async function tokenOf(agent: Agent, url = '/'): Promise<string> {
  return csrfFrom((await agent.get(url)).text);
}

interface Marks {
  /** Criteria marked not met (with an evidence note unless listed in `noEvidence`); every other one is met. */
  notMet?: string[];
  /** Criteria left undecided. */
  undecided?: string[];
  noEvidence?: string[];
}

const evidenceFor = (id: string) => `The evidence for ${id} fell short of the standard`;

/** The decisions as form fields, for the criteria shown on a page. */
function criterionFields(ids: string[], marks: Marks): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const id of ids) {
    if (marks.undecided?.includes(id)) continue;
    const met = marks.notMet?.includes(id) ? 'no' : 'yes';
    fields[`c[${id}][met]`] = met;
    fields[`c[${id}][evidence]`] = met === 'no' && !marks.noEvidence?.includes(id) ? evidenceFor(id) : '';
  }
  return fields;
}

const criteriaOn = (html: string) => {
  const doc = $(html);
  return doc('[id^="criterion-"]')
    .map((_, el) => doc(el).attr('id')!.slice('criterion-'.length))
    .get();
};

/** Fills in the grading form of a booking as the assessor would and posts it (submitted and confirmed unless `extra` says otherwise). */
async function postGrading(
  agent: Agent,
  bookingId: number,
  marks: Marks = {},
  extra: Record<string, string | undefined> = { action: 'submit', confirm: 'yes' },
) {
  const url = `/bookings/${bookingId}/grade`;
  const page = await agent.get(url);
  const fields: Record<string, string> = {
    _csrf: csrfFrom(page.text),
    outcome: 'graded',
    outcomeReason: '',
    ...criterionFields(criteriaOn(page.text), marks),
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete fields[key];
    else fields[key] = value;
  }
  return agent.post(url).type('form').send(fields);
}

/** Grades a booking through the form, expecting it to be accepted; returns the grading row. */
async function graded(agent: Agent, bookingId: number, marks: Marks = {}) {
  const res = await postGrading(agent, bookingId, marks);
  expect(res.status, `grading booking ${bookingId}: ${mainText(res.text)}`).to.equal(303);
  return gradingOf(bookingId)!;
}

/** A quality assurer's moderation form, posted with the given decision (and criterion changes on top of the decisions shown). */
async function postModeration(agent: Agent, gradingId: number, fields: Record<string, string>) {
  const url = `/moderation/${gradingId}`;
  const page = await agent.get(url);
  expect(page.status).to.equal(200);
  return agent
    .post(url)
    .type('form')
    .send({ ...formFields(page.text, url), ...fields });
}

async function agreed(agent: Agent, gradingId: number) {
  const res = await postModeration(agent, gradingId, {
    decision: 'agreed',
    rationale: 'Decisions match the evidence seen',
  });
  expect(res.status, mainText(res.text)).to.equal(303);
}

async function release(admin: Agent, attemptId: number) {
  const res = await admin
    .post('/results/release')
    .type('form')
    .send({ attemptIds: String(attemptId), _csrf: await tokenOf(admin, '/results') });
  expect(res.status, mainText(res.text)).to.equal(303);
}

const resultsUrl = (a: ApprenticeDetail) => `/apprentices/${a.uln}/results`;
const attemptAction = (a: ApprenticeDetail, attemptId: number, action: string) =>
  `/apprentices/${a.uln}/results/${attemptId}/${action}`;

/** The overall line of an attempt on the results page: "First attempt (attempt 1): Distinction". */
async function attemptHeading(agent: Agent, a: ApprenticeDetail, number = 1) {
  const res = await agent.get(resultsUrl(a));
  expect(res.status).to.equal(200);
  return $(res.text)(`#attempt-${number} h2`).first().text().replace(/\s+/g, ' ').trim();
}

/* ---------- The grading form ---------- */

describe('grading: the assessor’s form', () => {
  it('shows the criteria by the plan’s themes with KSB coverage, and keeps a draft without completing the booking', async () => {
    const a = apprentice(0, 'Dana', 'Draft');
    const id = booked(a, 'project');
    const assessor = await as('assessor');

    const page = await assessor.get(`/bookings/${id}/grade`);
    expect(page.status).to.equal(200);
    const doc = $(page.text);
    expect(doc('h1').text()).to.equal('Grade: Work-based project with presentation and questioning');
    const themes = doc('fieldset')
      .filter((_, f) => doc(f).find('h2.govuk-fieldset__heading').length > 0)
      .map((_, f) => ({
        theme: doc(f).find('h2.govuk-fieldset__heading').text().trim(),
        criteria: doc(f)
          .find('[id^="criterion-"]')
          .map((_i, c) => doc(c).attr('id')!.slice('criterion-'.length))
          .get(),
      }))
      .get();
    expect(themes).to.deep.equal(PROJECT_THEMES);
    expect(doc('#criterion-PRD1 .govuk-tag').text()).to.equal('Distinction');
    expect(doc('#criterion-PR1 .govuk-tag').text()).to.equal('Pass');
    expect(doc('#criterion-PR1').text()).to.contain('KSBs: K4, S4, S7');
    const before = coverageOn(page.text);
    expect(Object.keys(before)).to.deep.equal(PROJECT_KSBS);
    expect(new Set(Object.values(before))).to.deep.equal(new Set(['Not yet decided']));
    expect(doc('#derived-grade').text()).to.contain('16 criteria still to decide');
    expect(doc('form[action="/bookings/' + id + '/grade"] input[type=radio][value=yes]')).to.have.length(
      PROJECT_CRITERIA.length,
    );

    // PR1 (K4, S4, S7) met; PR2 (K2) not met, with the evidence; everything else undecided.
    const res = await assessor
      .post(`/bookings/${id}/grade`)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        action: 'draft',
        outcome: 'graded',
        outcomeReason: '',
        'c[PR1][met]': 'yes',
        'c[PR1][evidence]': 'Survey of 400 members analysed',
        'c[PR2][met]': 'no',
        'c[PR2][evidence]': 'No analysis of the legal context',
      });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/bookings/${id}/grade?saved=1`);

    const reload = await assessor.get(res.headers.location as string);
    const again = $(reload.text);
    expect(mainText(reload.text)).to.contain('Your draft has been saved.');
    expect(again('#c-PR1-met').attr('checked')).to.not.equal(undefined);
    expect(again('#c-PR1-not-met').attr('checked')).to.equal(undefined);
    expect(again('#c-PR1-evidence').text()).to.equal('Survey of 400 members analysed');
    expect(again('#c-PR2-not-met').attr('checked')).to.not.equal(undefined);
    expect(again('#c-PR2-met').attr('checked')).to.equal(undefined);
    expect(again('#c-PR2-evidence').text()).to.equal('No analysis of the legal context');
    expect(again('#c-PR3-met').attr('checked')).to.equal(undefined);
    expect(again('#c-PR3-not-met').attr('checked')).to.equal(undefined);
    const after = coverageOn(reload.text);
    expect(after).to.include({
      K4: 'Evidenced',
      S4: 'Evidenced',
      K2: 'Not evidenced',
      S7: 'Not yet decided',
      K3: 'Not yet decided',
    });
    expect(again('#derived-grade').text()).to.contain('14 criteria still to decide');

    const grading = gradingOf(id)!;
    expect(grading).to.include({ status: 'draft', grade: null, submittedAt: null, moderation: 'not_sampled' });
    expect(
      decisionsOf(grading.id)
        .filter((d) => d.met !== null)
        .map((d) => [d.criterionId, d.met]),
    ).to.deep.equal([
      ['PR1', true],
      ['PR2', false],
    ]);
    const audit = auditOf('grading.draft_saved', grading.id);
    expect(audit).to.have.length(1);
    expect(audit[0]!.actorUserId).to.equal(ctx.users.assessor.id);
    expect(audit[0]!.after).to.deep.include({ decided: 2 });
    expect(bookingStatus(ctx.db, id)).to.equal('confirmed');
    expect(auditOf('grading.submitted')).to.have.length(0);
  });

  it('shows the grade the decisions give, and why, through “Check the grade”, saving nothing; the confirmation names that grade', async () => {
    const a = apprentice(0, 'Chet', 'Check');
    const id = booked(a, 'project');
    const assessor = await as('assessor');
    const squashed = (html: string, selector: string) => $(html)(selector).text().replace(/\s+/g, ' ').trim();

    const undecided = await postGrading(assessor, id, { undecided: ['PR1', 'PR2'] }, { action: 'check' });
    expect(undecided.status).to.equal(200);
    expect(squashed(undecided.text, '#derived-grade')).to.contain(
      'No grade yet: 2 criteria still to decide (PR1, PR2).',
    );
    expect(squashed(undecided.text, '#confirm-label')).to.equal(
      'I confirm these decisions and the grade they give (needed to submit)',
    );

    const fail = await postGrading(assessor, id, { notMet: ['PR3'] }, { action: 'check' });
    expect(fail.status).to.equal(200);
    expect(squashed(fail.text, '#derived-grade')).to.contain('The plan’s rule gives Fail: PR3 not met.');
    expect(squashed(fail.text, '#confirm-label')).to.equal(
      'I confirm these decisions and the grade they give: Fail (needed to submit)',
    );
    // What was entered stays on the page, and nothing is stored.
    expect($(fail.text)('#c-PR3-not-met').attr('checked')).to.not.equal(undefined);
    expect($(fail.text)('#c-PR1-met').attr('checked')).to.not.equal(undefined);
    expect(gradingOf(id)).to.equal(undefined);
    expect(auditOf('grading.draft_saved')).to.have.length(0);

    const pass = await postGrading(assessor, id, { notMet: ['PRD1'] }, { action: 'check' });
    expect(squashed(pass.text, '#derived-grade')).to.contain(
      'The plan’s rule gives Pass: Every pass criterion met; PRD1 not met.',
    );
    const top = await postGrading(assessor, id, {}, { action: 'check' });
    expect(squashed(top.text, '#derived-grade')).to.contain('The plan’s rule gives Distinction: Every criterion met.');
    expect(bookingStatus(ctx.db, id)).to.equal('confirmed');
  });

  it('refuses to submit an undecided criterion, a “not met” without evidence, or without the confirmation, keeping what was posted', async () => {
    const a = apprentice(0, 'Uma', 'Undecided');
    const id = booked(a, 'project');
    const assessor = await as('assessor');

    // PR3 left undecided; PR2 not met with its note.
    const undecided = await postGrading(assessor, id, { undecided: ['PR3'], notMet: ['PR2'] });
    expect(undecided.status).to.equal(400);
    expect(summaryOf(undecided.text)).to.deep.equal([{ text: 'Decide whether PR3 is met', href: '#c-PR3-met' }]);
    const doc = $(undecided.text);
    expect(doc('#criterion-PR3 .govuk-error-message').text()).to.contain('Decide whether PR3 is met');
    expect(doc('#criterion-PR3').hasClass('govuk-form-group--error')).to.equal(true);
    for (const c of PROJECT_CRITERIA.filter((x) => x !== 'PR3' && x !== 'PR2'))
      expect(doc(`#c-${c}-met`).attr('checked'), c).to.not.equal(undefined);
    expect(doc('#c-PR2-not-met').attr('checked')).to.not.equal(undefined);
    expect(doc('#c-PR2-evidence').text()).to.equal(evidenceFor('PR2'));
    expect(doc('#c-PR3-met').attr('checked')).to.equal(undefined);
    expect(doc('#c-PR3-not-met').attr('checked')).to.equal(undefined);
    expect(doc('input[name="outcome"][value="graded"]').attr('checked')).to.not.equal(undefined);

    const noEvidence = await postGrading(assessor, id, { notMet: ['PR5'], noEvidence: ['PR5'] });
    expect(noEvidence.status).to.equal(400);
    expect(summaryOf(noEvidence.text)).to.deep.equal([
      { text: 'Say what evidence fell short for PR5', href: '#c-PR5-evidence' },
    ]);
    expect($(noEvidence.text)('#criterion-PR5 .govuk-error-message').text()).to.contain(
      'Say what evidence fell short for PR5',
    );
    expect($(noEvidence.text)('#c-PR5-not-met').attr('checked')).to.not.equal(undefined);

    const unconfirmed = await postGrading(assessor, id, {}, { action: 'submit', confirm: undefined });
    expect(unconfirmed.status).to.equal(400);
    expect(summaryOf(unconfirmed.text).map((e) => e.text)).to.deep.equal([
      'Confirm the decisions and the grade they give before submitting',
    ]);
    expect($(unconfirmed.text)('#confirm-error').text()).to.contain(
      'Confirm the decisions and the grade they give before submitting',
    );
    for (const c of PROJECT_CRITERIA)
      expect($(unconfirmed.text)(`#c-${c}-met`).attr('checked'), c).to.not.equal(undefined);

    expect(ctx.db.select().from(gradings).all()).to.deep.equal([]);
    expect(ctx.db.select().from(criterionDecisions).all()).to.deep.equal([]);
    expect(ctx.db.select().from(epaAttempts).all()).to.deep.equal([]);
    expect(bookingStatus(ctx.db, id)).to.equal('confirmed');
  });

  it('submits: every criterion met is a Distinction, the booking is completed and the grading locked; one pass criterion not met is a Fail', async () => {
    const a = apprentice(0, 'Dora', 'Distinction');
    const project = booked(a, 'project');
    const discussion = booked(a, 'discussion');
    const assessor = await as('assessor');

    const res = await postGrading(assessor, project);
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/bookings/${project}/grade`);
    const page = await assessor.get(`/bookings/${project}/grade`);
    const doc = $(page.text);
    expect(doc('#grading-submitted .govuk-panel__title').text().trim()).to.equal('Distinction');
    expect(doc('#grading-submitted').text()).to.contain('Only moderation or an appeal can change it now.');
    expect(doc(`form[action="/bookings/${project}/grade"]`)).to.have.length(0);
    expect(doc('#criterion-PR1').text()).to.contain('Met');

    const grading = gradingOf(project)!;
    expect(grading).to.include({
      status: 'submitted',
      grade: 'Distinction',
      assessorGrade: 'Distinction',
      outcome: 'graded',
    });
    expect(grading.submittedAt).to.be.a('string');
    expect(bookingStatus(ctx.db, project)).to.equal('completed');
    expect(auditOf('grading.submitted', grading.id)).to.have.length(1);
    expect(auditOf('booking.completed', project)).to.have.length(1);
    const decisionsBefore = decisionsOf(grading.id);

    // Locked: neither a draft nor a second submission changes it.
    const draft = await postGrading(assessor, project, { notMet: ['PR1'] }, { action: 'draft' });
    expect(draft.status).to.equal(409);
    expect(summaryOf(draft.text).map((e) => e.text)).to.deep.equal([
      'This grading has been submitted: only moderation or an appeal can change it',
    ]);
    const resubmit = await postGrading(assessor, project, { notMet: ['PR1'] });
    expect(resubmit.status).to.equal(409);
    expect(gradingOf(project)).to.deep.equal(grading);
    expect(decisionsOf(grading.id)).to.deep.equal(decisionsBefore);
    expect(auditOf('grading.draft_saved')).to.have.length(0);
    expect(auditOf('grading.submitted')).to.have.length(1);

    // One pass criterion not met (with its note): a Fail.
    await graded(assessor, discussion, { notMet: ['PD3'] });
    const fail = await assessor.get(`/bookings/${discussion}/grade`);
    expect($(fail.text)('#grading-submitted .govuk-panel__title').text().trim()).to.equal('Fail');
    expect($(fail.text)('#criterion-PD3').text()).to.contain(`Not met: ${evidenceFor('PD3')}`);
    expect(gradingOf(discussion)).to.include({ status: 'submitted', grade: 'Fail', assessorGrade: 'Fail' });
    expect(bookingStatus(ctx.db, discussion)).to.equal('completed');
  });
});

describe('grading: who may grade, and when', () => {
  it('hides another assessor’s booking (404) and refuses other roles (403; a provider, whose markers use this form, 404)', async () => {
    const a = apprentice(0, 'Nora', 'Notyours');
    const id = booked(a, 'project');
    const colin = addUser('assessor2@test.example', 'Colin Other', 'assessor');
    assessorProfile(ctx.db, colin.id, a.standardVersionId);
    const other = await signedInAgent(ctx.app, colin.email);

    const get = await other.get(`/bookings/${id}/grade`);
    expect(get.status).to.equal(404);
    expect(mainText(get.text)).to.contain('There is no such booking in your schedule');
    const post = await other
      .post(`/bookings/${id}/grade`)
      .type('form')
      .send({
        _csrf: await tokenOf(other),
        action: 'submit',
        outcome: 'graded',
        confirm: 'yes',
        ...criterionFields(PROJECT_CRITERIA, {}),
      });
    expect(post.status).to.equal(404);

    // A provider's marker grades their own provider-marked components on this form: anyone else's booking is not there for a provider.
    for (const key of ['admin', 'provider', 'employer', 'qa'] as const) {
      const agent = await as(key);
      const refused = key === 'provider' ? 404 : 403;
      expect((await agent.get(`/bookings/${id}/grade`)).status, `GET as ${key}`).to.equal(refused);
      const denied = await agent
        .post(`/bookings/${id}/grade`)
        .type('form')
        .send({
          _csrf: await tokenOf(agent),
          action: 'submit',
          outcome: 'graded',
          confirm: 'yes',
          ...criterionFields(PROJECT_CRITERIA, {}),
        });
      expect(denied.status, `POST as ${key}`).to.equal(refused);
    }
    expect(ctx.db.select().from(gradings).all()).to.deep.equal([]);
    expect(bookingStatus(ctx.db, id)).to.equal('confirmed');
  });

  it('refuses a booking that has not taken place yet, and one that was never confirmed', async () => {
    const a = apprentice(0, 'Fran', 'Future');
    const assessor = await as('assessor');
    const day = today().plus({ days: 5 });
    const made = createBooking(
      ctx.db,
      a,
      {
        methodId: 'project',
        assessorUserId: ctx.users.assessor.id,
        localStart: `${isoDate(day)}T10:00`,
        mode: 'remote',
        region: null,
        location: null,
        link: 'https://meet.example/epa',
      },
      SETUP,
      { now: now() },
    );
    if (!made.ok) throw new Error(made.refusals.map((r) => r.message).join('; '));
    const confirmed = changeBooking(ctx.db, made.booking.id, 'confirm', null, SETUP, now());
    if (!confirmed.ok) throw new Error(confirmed.message);
    const future = made.booking.id;

    const page = await assessor.get(`/bookings/${future}/grade`);
    expect(page.status).to.equal(200);
    expect($(page.text)('#grading-refused').text()).to.equal('The assessment has not taken place yet');
    expect($(page.text)(`form[action="/bookings/${future}/grade"]`)).to.have.length(0);
    for (const extra of [{ action: 'draft' }, { action: 'submit', confirm: 'yes' }]) {
      const res = await assessor
        .post(`/bookings/${future}/grade`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), outcome: 'graded', ...criterionFields(PROJECT_CRITERIA, {}), ...extra });
      expect(res.status, extra.action).to.equal(409);
      expect(mainText(res.text)).to.contain('The assessment has not taken place yet');
    }
    expect(bookingStatus(ctx.db, future)).to.equal('confirmed');

    // A past booking the assessor never confirmed (held, or expired since).
    const held = createBooking(
      ctx.db,
      a,
      {
        methodId: 'discussion',
        assessorUserId: ctx.users.assessor.id,
        localStart: `${isoDate(today().minus({ days: 3 }))}T10:00`,
        mode: 'remote',
        region: null,
        location: null,
        link: 'https://meet.example/epa',
      },
      SETUP,
      { recordingPast: true, now: today().minus({ days: 5 }).toUTC() },
    );
    if (!held.ok) throw new Error(held.refusals.map((r) => r.message).join('; '));
    const heldPage = await assessor.get(`/bookings/${held.booking.id}/grade`);
    const status = bookingStatus(ctx.db, held.booking.id)!;
    expect(['held', 'expired']).to.include(status);
    expect($(heldPage.text)('#grading-refused').text()).to.equal(
      `This booking is ${status}: only a confirmed assessment is graded`,
    );
    const res = await assessor
      .post(`/bookings/${held.booking.id}/grade`)
      .type('form')
      .send({
        _csrf: csrfFrom(heldPage.text),
        outcome: 'graded',
        action: 'submit',
        confirm: 'yes',
        'c[PD1][met]': 'yes',
      });
    expect(res.status).to.equal(409);

    expect(ctx.db.select().from(gradings).all()).to.deep.equal([]);
    expect(ctx.db.select().from(criterionDecisions).all()).to.deep.equal([]);
    expect(auditOf('grading.draft_saved')).to.have.length(0);
  });
});

/* ---------- The overall grade ---------- */

describe('grading: the overall grade', () => {
  it('combines the method grades by the plan’s table', async () => {
    const assessor = await as('assessor');
    const admin = await as('admin');
    const both = apprentice(0, 'Dee', 'Double');
    const mixed = apprentice(1, 'Pat', 'Mixed');
    const failed = apprentice(2, 'Fay', 'Failed');

    await graded(assessor, booked(both, 'project'));
    expect(await attemptHeading(admin, both)).to.equal('First attempt (attempt 1): not complete');
    await graded(assessor, booked(both, 'discussion'));
    await graded(assessor, booked(mixed, 'project'), { notMet: ['PRD2'] });
    await graded(assessor, booked(mixed, 'discussion'));
    await graded(assessor, booked(failed, 'project'));
    await graded(assessor, booked(failed, 'discussion'), { notMet: ['PD11'] });

    expect(await attemptHeading(admin, both)).to.equal('First attempt (attempt 1): Distinction');
    expect(await attemptHeading(admin, mixed)).to.equal('First attempt (attempt 1): Pass');
    expect(await attemptHeading(admin, failed)).to.equal('First attempt (attempt 1): Fail');
    expect([
      attemptOf(both)!.overallGrade,
      attemptOf(mixed)!.overallGrade,
      attemptOf(failed)!.overallGrade,
    ]).to.deep.equal(['Distinction', 'Pass', 'Fail']);

    const page = $((await admin.get(resultsUrl(mixed))).text);
    const rows = page('#methods-1 tbody tr')
      .map((_, tr) => page(tr).find('td').slice(0, 2).text())
      .get();
    expect(rows).to.have.members([
      'Work-based project with presentation and questioningPass',
      'Professional discussion underpinned by a portfolio of evidenceDistinction',
    ]);
    expect(attemptOf(mixed)!.resultOn).to.equal(isoDate(today()));
  });
});

/* ---------- Sampling and moderation ---------- */

describe('grading: sampling and moderation', () => {
  it('samples the assessor’s first five gradings of a standard, and no more when nothing else is sampled', async () => {
    epaoSettingsOf(ctx.db);
    ctx.db
      .update(epaoSettings)
      .set({ qaSampleFails: false, qaSampleBoundary: false, qaRandomPercent: 0 })
      .where(eq(epaoSettings.id, 1))
      .run();
    const assessor = await as('assessor');
    const ids: number[] = [];
    for (const [i, name] of ['One', 'Two', 'Three'].entries()) {
      const a = apprentice(i, 'Sam', name);
      ids.push(booked(a, 'project'), booked(a, 'discussion'));
    }
    for (const id of ids) await graded(assessor, id);
    const rows = ids.map((id) => gradingOf(id)!);
    expect(rows.map((g) => [g.moderation, g.sampleReason])).to.deep.equal([
      ...Array.from({ length: 5 }, () => ['pending', 'first_assessments']),
      ['not_sampled', null],
    ]);

    const qa = await as('qa');
    const queue = await qa.get('/moderation');
    expect(queue.status).to.equal(200);
    const doc = $(queue.text);
    const listed = doc('#moderation-queue tbody tr')
      .map((_, tr) => ({
        href: doc(tr).find('a').attr('href'),
        reason: doc(tr).find('td').eq(4).text(),
        grade: doc(tr).find('td').eq(3).text(),
      }))
      .get();
    expect(listed.map((r) => r.href)).to.have.members(rows.slice(0, 5).map((g) => `/moderation/${g.id}`));
    expect(listed.every((r) => r.reason === FIRST_ASSESSMENTS && r.grade === 'Distinction')).to.equal(true);
  });

  it('lets a quality assurer agree, or change decisions with a rationale (the grade follows), each recorded and audited', async () => {
    const a = apprentice(0, 'Mo', 'Moderated');
    const assessor = await as('assessor');
    const qa = await as('qa');
    const project = await graded(assessor, booked(a, 'project'));
    const discussion = await graded(assessor, booked(a, 'discussion'));
    expect(attemptOf(a)!.overallGrade).to.equal('Distinction');

    // A decision and a rationale are needed.
    const empty = await postModeration(qa, discussion.id, { rationale: '' });
    expect(empty.status).to.equal(400);
    expect(summaryOf(empty.text).map((e) => e.text)).to.include.members([
      'Choose whether you agree or change decisions',
      'Give your rationale',
    ]);
    expect(gradingOf(discussion.bookingId)!.moderation).to.equal('pending');

    await agreed(qa, discussion.id);
    expect(gradingOf(discussion.bookingId)).to.include({ moderation: 'agreed', grade: 'Distinction' });
    const agreedRows = ctx.db.select().from(moderations).where(eq(moderations.gradingId, discussion.id)).all();
    expect(agreedRows).to.have.length(1);
    expect(agreedRows[0]).to.include({
      moderatorUserId: ctx.users.qa.id,
      decision: 'agreed',
      rationale: 'Decisions match the evidence seen',
      gradeBefore: 'Distinction',
      gradeAfter: 'Distinction',
    });
    const agreedAudit = auditOf('grading.moderation_agreed', discussion.id);
    expect(agreedAudit).to.have.length(1);
    expect(agreedAudit[0]).to.include({ actorUserId: ctx.users.qa.id, reason: 'Decisions match the evidence seen' });

    // "Changed" with nothing changed is refused.
    const unchanged = await postModeration(qa, project.id, { decision: 'changed', rationale: 'Nothing really' });
    expect(unchanged.status).to.be.oneOf([400, 409]);
    expect(summaryOf(unchanged.text).map((e) => e.text)).to.deep.equal([
      'Change at least one criterion decision, or agree with the grading',
    ]);
    expect(gradingOf(project.bookingId)!.moderation).to.equal('pending');

    // Changing: PRD1 (a distinction criterion) was not met after all.
    const changed = await postModeration(qa, project.id, {
      decision: 'changed',
      rationale: 'The research did not reach distinction depth',
      'c[PRD1][met]': 'no',
      'c[PRD1][evidence]': 'No critical evaluation of sources',
    });
    expect(changed.status, mainText(changed.text)).to.equal(303);
    expect(changed.headers.location).to.equal('/moderation');
    expect(gradingOf(project.bookingId)).to.include({
      moderation: 'changed',
      grade: 'Pass',
      assessorGrade: 'Distinction',
    });
    expect(decisionsOf(project.id).find((d) => d.criterionId === 'PRD1')).to.include({
      met: false,
      evidence: 'No critical evaluation of sources',
    });
    expect(decisionsOf(project.id).filter((d) => d.met === false)).to.have.length(1);
    const changedRows = ctx.db.select().from(moderations).where(eq(moderations.gradingId, project.id)).all();
    expect(changedRows).to.have.length(1);
    expect(changedRows[0]).to.include({
      moderatorUserId: ctx.users.qa.id,
      decision: 'changed',
      gradeBefore: 'Distinction',
      gradeAfter: 'Pass',
      rationale: 'The research did not reach distinction depth',
    });
    const changedAudit = auditOf('grading.moderation_changed', project.id);
    expect(changedAudit).to.have.length(1);
    expect(changedAudit[0]!.before).to.deep.include({ grade: 'Distinction' });
    expect(changedAudit[0]!.after).to.deep.include({ grade: 'Pass', attemptResult: 'Pass' });
    expect(attemptOf(a)!.overallGrade).to.equal('Pass');

    const page = await qa.get(`/moderation/${project.id}`);
    expect($(page.text)('#moderation-state').text()).to.equal('changed');
    expect($(page.text)(`form[action="/moderation/${project.id}"]`)).to.have.length(0);
    expect(mainText(page.text)).to.contain('changed on').and.to.contain('The research did not reach distinction depth');
    // Moderated once: a second moderation is refused.
    const again = await qa
      .post(`/moderation/${project.id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), decision: 'agreed', rationale: 'Again' });
    expect(again.status).to.equal(409);
    expect(ctx.db.select().from(moderations).all()).to.have.length(2);
    const queue = await qa.get('/moderation');
    expect($(queue.text)('#moderation-queue').text()).to.contain('Nothing is waiting for moderation.');
  });

  it('never lets the assessor of a grading moderate it', async () => {
    const a = apprentice(0, 'Otto', 'Own');
    const assessor = await as('assessor');
    const grading = await graded(assessor, booked(a, 'project'));
    expect(grading.moderation).to.equal('pending');

    // In the store, whoever calls it.
    const refused = moderate(
      ctx.db,
      grading.id,
      { decision: 'agreed', rationale: 'Fine', changes: [] },
      { userId: ctx.users.assessor.id, label: ctx.users.assessor.email },
      now(),
    );
    expect(refused).to.deep.equal({ ok: false, message: 'You graded this assessment: someone else must moderate it' });

    // Through the pages: the assessor has since become a quality assurer.
    ctx.db.update(users).set({ role: 'quality_assurer' }).where(eq(users.id, ctx.users.assessor.id)).run();
    const page = await assessor.get(`/moderation/${grading.id}`);
    expect(page.status).to.equal(200);
    expect($(page.text)('#own-grading').text()).to.contain(
      'You graded this assessment, so another quality assurer must moderate it.',
    );
    expect($(page.text)(`form[action="/moderation/${grading.id}"]`)).to.have.length(0);
    const post = await assessor
      .post(`/moderation/${grading.id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), decision: 'agreed', rationale: 'My own work is fine' });
    expect(post.status).to.equal(403);
    expect(gradingOf(grading.bookingId)!.moderation).to.equal('pending');
    expect(ctx.db.select().from(moderations).all()).to.deep.equal([]);
    expect(auditOf('grading.moderation_agreed')).to.have.length(0);

    // Another quality assurer sees the form.
    const qa = await as('qa');
    const theirs = await qa.get(`/moderation/${grading.id}`);
    expect($(theirs.text)('#own-grading')).to.have.length(0);
    expect($(theirs.text)(`form[action="/moderation/${grading.id}"]`)).to.have.length(1);
  });
});

/* ---------- Release ---------- */

describe('grading: releasing results', () => {
  it('holds back a result with a sampled grading waiting for moderation, and releases it once moderated', async () => {
    const a = apprentice(0, 'Rhea', 'Released');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const qa = await as('qa');
    const project = await graded(assessor, booked(a, 'project'));
    const discussion = await graded(assessor, booked(a, 'discussion'));
    const attempt = attemptOf(a)!;
    expect(attempt.overallGrade).to.equal('Distinction');

    const list = await admin.get('/results');
    expect(list.status).to.equal(200);
    const row = $(list.text)('#unreleased-results tbody tr').first();
    expect(row.text()).to.contain('Rhea Released').and.to.contain('Waiting for moderation');
    expect(row.find('input[name="attemptIds"]')).to.have.length(0);
    const refused = await admin
      .post('/results/release')
      .type('form')
      .send({ attemptIds: String(attempt.id), _csrf: csrfFrom(list.text) });
    expect(refused.status).to.equal(409);
    expect(mainText(refused.text)).to.contain('has a sampled grading waiting for moderation');
    expect(attemptOf(a)!.releasedAt).to.equal(null);
    expect(auditOf('result.released')).to.have.length(0);
    const own = await admin.get(resultsUrl(a));
    expect(mainText(own.text)).to.contain('Not yet: A sampled grading is waiting for moderation');
    expect($(own.text)(`form[action="${attemptAction(a, attempt.id, 'release')}"]`)).to.have.length(0);

    await agreed(qa, project.id);
    expect(
      (
        await admin
          .post('/results/release')
          .type('form')
          .send({ attemptIds: String(attempt.id), _csrf: await tokenOf(admin) })
      ).status,
    ).to.equal(409);
    await agreed(qa, discussion.id);

    const ready = await admin.get('/results');
    const box = $(ready.text)(`#release-${attempt.id}`);
    expect(box.attr('name')).to.equal('attemptIds');
    const released = await admin
      .post('/results/release')
      .type('form')
      .send({ ...formFields(ready.text, '/results/release'), attemptIds: box.attr('value')! });
    expect(released.status).to.equal(303);
    expect(released.headers.location).to.equal('/results?released=1');
    const after = await admin.get(released.headers.location as string);
    expect(mainText(after.text)).to.contain('1 result released.');
    expect($(after.text)('#unreleased-results').text()).to.contain('No results are waiting to be released.');
    const row2 = attemptOf(a)!;
    expect(row2.releasedAt).to.be.a('string');
    expect(row2.releasedBy).to.equal(ctx.users.admin.id);
    const audit = auditOf('result.released', attempt.id);
    expect(audit).to.have.length(1);
    expect(audit[0]!.after).to.deep.include({ overallGrade: 'Distinction' });
    expect(
      ctx.db
        .select()
        .from(outbox)
        .where(eq(outbox.subject, 'EPA result released'))
        .all()
        .map((m) => m.toEmail),
    ).to.deep.equal([ctx.users.provider.email]);

    // Released once only.
    const twice = await admin
      .post('/results/release')
      .type('form')
      .send({ attemptIds: String(attempt.id), _csrf: await tokenOf(admin) });
    expect(twice.status).to.equal(409);
    expect(auditOf('result.released')).to.have.length(1);
  });

  it('shows the provider and employer nothing before release and the grade after; other providers, assessors and quality assurers see nothing', async () => {
    sampleNothing();
    const a = apprentice(0, 'Vi', 'Visible');
    const assessor = await as('assessor');
    const admin = await as('admin');
    await graded(assessor, booked(a, 'project'));
    await graded(assessor, booked(a, 'discussion'), { notMet: ['PDD1'] });
    const attempt = attemptOf(a)!;
    expect(attempt.overallGrade).to.equal('Pass');

    for (const key of ['provider', 'employer'] as const) {
      const agent = await as(key);
      const res = await agent.get(resultsUrl(a));
      expect(res.status, key).to.equal(200);
      expect($(res.text)('#no-results').text(), key).to.equal('No result has been released yet.');
      expect(mainText(res.text), key).to.not.match(/Distinction|Pass|Fail/);
      expect($(res.text)('[id^="attempt-"]'), key).to.have.length(0);
    }

    // The administrator releases it from the apprentice's results.
    const page = await admin.get(resultsUrl(a));
    expect(await attemptHeading(admin, a)).to.equal('First attempt (attempt 1): Pass');
    const action = attemptAction(a, attempt.id, 'release');
    const res = await admin.post(action).type('form').send(formFields(page.text, action));
    expect(res.status).to.equal(303);
    expect(attemptOf(a)!.releasedAt).to.be.a('string');

    for (const key of ['provider', 'employer'] as const) {
      const agent = await as(key);
      const after = await agent.get(resultsUrl(a));
      expect(after.status).to.equal(200);
      expect($(after.text)('#no-results')).to.have.length(0);
      expect(await attemptHeading(agent, a), key).to.equal('First attempt (attempt 1): Pass');
      expect(mainText(after.text)).to.contain('Distinction');
    }

    const other = await as('otherProvider');
    expect((await other.get(resultsUrl(a))).status).to.equal(404);
    expect(
      (
        await other
          .post(attemptAction(a, attempt.id, 'appeal'))
          .type('form')
          .send({ _csrf: await tokenOf(other), grounds: 'Not ours' })
      ).status,
    ).to.equal(404);
    for (const key of ['assessor', 'qa'] as const) {
      const agent = await as(key);
      expect((await agent.get(resultsUrl(a))).status, key).to.equal(403);
    }
    expect(ctx.db.select().from(appeals).all()).to.deep.equal([]);
  });
});

/* ---------- Resits ---------- */

describe('grading: resits and the cap', () => {
  it('starts a resit of the failed method after a released Fail, books only that method, caps its grade and lifts the cap for exceptional circumstances', async () => {
    sampleNothing();
    const a = apprentice(0, 'Ray', 'Resit');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const provider = await as('provider');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR4'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    expect(first.overallGrade).to.equal('Fail');

    // Before release the provider cannot start anything.
    const early = await provider
      .post(attemptAction(a, first.id, 'further'))
      .type('form')
      .send({ _csrf: await tokenOf(provider), 'kind[project]': 'resit' });
    expect(early.status).to.equal(404);
    await release(admin, first.id);

    const page = await provider.get(resultsUrl(a));
    const action = attemptAction(a, first.id, 'further');
    const offered = $(page.text);
    const radios = offered(`form[action="${action}"] input[type=radio]`)
      .map((_, r) => offered(r).attr('name'))
      .get();
    expect([...new Set(radios)]).to.deep.equal(['kind[project]']);
    const res = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), 'kind[project]': 'resit' });
    expect(res.status, mainText(res.text)).to.equal(303);
    // The provider's request waits for the employer's agreement.
    expect(attemptOf(a, 2)).to.equal(undefined);
    expect($((await provider.get(resultsUrl(a))).text)('.app-further-request').text()).to.contain(
      'Waiting for the employer',
    );
    await employerAgrees(a, first.id);

    const second = attemptOf(a, 2)!;
    expect(second).to.include({ kind: 'resit', overallGrade: null, releasedAt: null });
    expect(second.employerAgreedBy).to.equal(ctx.users.employer.id);
    expect(second.deadline).to.be.a('string');
    const modes = ctx.db.select().from(attemptMethods).where(eq(attemptMethods.attemptId, second.id)).all();
    expect(modes.map((m) => [m.methodId, m.mode, m.carriedGrade]).sort()).to.deep.equal([
      ['discussion', 'carried', 'Distinction'],
      ['project', 'resit', null],
    ]);
    expect(auditOf('attempt.resit_started', second.id)).to.have.length(1);
    expect(await attemptHeading(admin, a, 2)).to.equal('Resit (attempt 2): not complete');

    // The booking queue offers the project only.
    const queue = await admin.get('/bookings');
    const queueDoc = $(queue.text);
    const row = queueDoc('#booking-queue tbody tr').filter((_, tr) => queueDoc(tr).text().includes('Ray Resit'));
    expect(row).to.have.length(1);
    const links = row.find('td').eq(3).find('a');
    expect(links).to.have.length(1);
    expect(links.attr('href')).to.contain('methodId=project');
    expect(links.text()).to.contain('Book Work-based project with presentation and questioning');

    // The resit took place a few days ago (its window backdated so that the project's 28 days have passed).
    ctx.db
      .update(epaAttempts)
      .set({ startedOn: isoDate(today().minus({ days: 40 })) })
      .where(eq(epaAttempts.id, second.id))
      .run();
    const resit = booked(a, 'project');
    expect(
      ctx.db.select({ attempt: bookings.attempt }).from(bookings).where(eq(bookings.id, resit)).get()!.attempt,
    ).to.equal(2);
    const resitGrading = await graded(assessor, resit);
    expect(resitGrading).to.include({ grade: 'Distinction', attemptId: second.id });

    const capped = attemptOf(a, 2)!;
    expect(capped).to.include({ combinedGrade: 'Distinction', overallGrade: 'Pass', capped: true });
    const results = await admin.get(resultsUrl(a));
    expect(await attemptHeading(admin, a, 2)).to.equal('Resit (attempt 2): Pass');
    expect($(results.text)('#attempt-2').text().replace(/\s+/g, ' ')).to.contain(
      'Pass (capped at Pass for a resit or retake; the methods gave Distinction)',
    );
    expect(await attemptHeading(admin, a, 1)).to.equal('First attempt (attempt 1): Fail');

    // Exceptional circumstances, before release: no cap.
    const exceptional = attemptAction(a, second.id, 'exceptional');
    const form = formFields(results.text, exceptional);
    const blank = await admin
      .post(exceptional)
      .type('form')
      .send({ ...form, reason: ' \t ' });
    expect(blank.status).to.equal(400);
    expect(summaryOf(blank.text)).to.deep.equal([
      { text: 'Give the exceptional circumstances', href: `#exceptional-${second.id}` },
    ]);
    expect(attemptOf(a, 2)).to.include({ capped: true });
    const lifted = await admin
      .post(exceptional)
      .type('form')
      .send({ ...form, reason: 'Bereavement during the first attempt' });
    expect(lifted.status, mainText(lifted.text)).to.equal(303);
    expect(attemptOf(a, 2)).to.include({
      overallGrade: 'Distinction',
      capped: false,
      exceptionalReason: 'Bereavement during the first attempt',
      exceptionalBy: ctx.users.admin.id,
    });
    const after = await admin.get(resultsUrl(a));
    expect(await attemptHeading(admin, a, 2)).to.equal('Resit (attempt 2): Distinction');
    expect($(after.text)('#attempt-2').text()).to.not.contain('(capped');
    expect($(after.text)('#attempt-2').text()).to.contain('Accepted: Bereavement during the first attempt');
    const audit = auditOf('attempt.exceptional_circumstances', second.id);
    expect(audit).to.have.length(1);
    expect(audit[0]!.before).to.deep.equal({ overallGrade: 'Pass', capped: true });
    expect(audit[0]!.after).to.deep.equal({ overallGrade: 'Distinction', capped: false });

    // The resit has started: asking again is refused, and the provider is not offered it again.
    const again = await provider
      .post(action)
      .type('form')
      .send({ _csrf: await tokenOf(provider), 'kind[project]': 'resit' });
    expect(again.status).to.equal(409);
    expect(ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).all()).to.have.length(2);
    const mine = await provider.get(resultsUrl(a));
    expect(
      $(mine.text)('[id^="attempt-"]')
        .map((_, el) => el.attribs.id)
        .get(),
    ).to.deep.equal(['attempt-1']);
    expect(
      $(mine.text)(`form[action="${action}"]`),
      'the resit form is still offered on attempt 1 although attempt 2 has started',
    ).to.have.length(0);
    expect(
      $(mine.text)(`form[action="${attemptAction(a, first.id, 'appeal')}"]`),
      'an appeal of attempt 1 is still offered although attempt 2 has started',
    ).to.have.length(0);
  });

  it('runs the resit window from the day the result was released, not the day it was graded', async () => {
    sampleNothing();
    const a = apprentice(0, 'Lena', 'Late');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const provider = await as('provider');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR4'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    // Graded four months ago (longer than the 3-month resit window), released today.
    ctx.db
      .update(epaAttempts)
      .set({ resultOn: isoDate(today().minus({ months: 4 })) })
      .where(eq(epaAttempts.id, first.id))
      .run();
    await release(admin, first.id);
    const action = attemptAction(a, first.id, 'further');
    const page = await provider.get(resultsUrl(a));
    const res = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), 'kind[project]': 'resit' });
    expect(res.status, mainText(res.text)).to.equal(303);
    await employerAgrees(a, first.id);
    expect(attemptOf(a, 2)!.deadline).to.equal(isoDate(today().plus({ months: 3 })));
  });

  it('refuses a resit once 3 months have passed since the release, naming the release date', async () => {
    sampleNothing();
    const a = apprentice(0, 'Otto', 'Overdue');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const provider = await as('provider');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR4'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    await release(admin, first.id);
    const releasedOn = today().minus({ months: 3, days: 1 });
    ctx.db
      .update(epaAttempts)
      .set({ releasedAt: releasedOn.plus({ hours: 12 }).toUTC().toISO()! })
      .where(eq(epaAttempts.id, first.id))
      .run();
    const action = attemptAction(a, first.id, 'further');
    const page = await provider.get(resultsUrl(a));
    const res = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), 'kind[project]': 'resit' });
    expect(res.status).to.equal(409);
    expect(summaryOf(res.text).map((e) => e.text)).to.deep.equal([
      `A resit had to start by ${isoDate(releasedOn.plus({ months: 3 }))} (3 months after the result was released on ${isoDate(releasedOn)})`,
    ]);
    expect(attemptOf(a, 2)).to.equal(undefined);
  });

  it("needs the employer's agreement: a declined request starts nothing, a retake needs its action plan, and the employer's own choice starts at once", async () => {
    sampleNothing();
    const a = apprentice(0, 'Ada', 'Agreement');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const provider = await as('provider');
    const employer = await as('employer');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR4'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    await release(admin, first.id);
    const further = attemptAction(a, first.id, 'further');

    // A retake without its action plan is refused, with what was chosen kept.
    let page = await provider.get(resultsUrl(a));
    const noPlan = await provider
      .post(further)
      .type('form')
      .send({ ...formFields(page.text, further), 'kind[project]': 'retake' });
    expect(noPlan.status).to.equal(409);
    expect(summaryOf(noPlan.text).map((e) => e.text)).to.deep.equal([
      'Give the action plan for the retake: the further learning the apprentice will do before it',
    ]);
    expect($(noPlan.text)('#kind-project-retake').attr('checked')).to.not.equal(undefined);

    const plan = 'Four weeks of supervised campaign planning with the regional organiser';
    expect(
      (
        await provider
          .post(further)
          .type('form')
          .send({ ...formFields(page.text, further), 'kind[project]': 'retake', actionPlan: plan })
      ).status,
    ).to.equal(303);
    // The provider cannot agree to its own request; a second request waits behind the first.
    const agree = attemptAction(a, first.id, 'agree');
    page = await provider.get(resultsUrl(a));
    expect($(page.text)(`form[action="${agree}"]`)).to.have.length(0);
    expect(
      (
        await provider
          .post(agree)
          .type('form')
          .send({ _csrf: csrfFrom(page.text) })
      ).status,
    ).to.equal(403);

    // While the request waits, the employer answers it rather than choosing afresh.
    page = await employer.get(resultsUrl(a));
    expect($(page.text)(`form[action="${further}"]`)).to.have.length(0);
    const meanwhile = await employer
      .post(further)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), 'kind[project]': 'resit' });
    expect(meanwhile.status).to.equal(409);
    expect(summaryOf(meanwhile.text).map((e) => e.text)).to.deep.equal([
      "The provider's request for a resit or retake is waiting: agree to it or decline it",
    ]);

    // The employer declines, with a reason: nothing starts.
    const decline = attemptAction(a, first.id, 'decline');
    page = await employer.get(resultsUrl(a));
    expect($(page.text)('.app-further-request').text()).to.contain(plan);
    const noReason = await employer.post(decline).type('form').send(formFields(page.text, decline));
    expect(noReason.status).to.equal(400);
    const declined = await employer
      .post(decline)
      .type('form')
      .send({ ...formFields(page.text, decline), declineReason: 'The apprentice is on long-term leave until spring' });
    expect(declined.status).to.equal(303);
    expect(attemptOf(a, 2)).to.equal(undefined);
    expect(auditOf('further_attempt.declined', first.id).map((e) => e.reason)).to.deep.equal([
      'The apprentice is on long-term leave until spring',
    ]);

    // The employer chooses a retake itself: its choice is its agreement.
    page = await employer.get(resultsUrl(a));
    const started = await employer
      .post(further)
      .type('form')
      .send({ ...formFields(page.text, further), 'kind[project]': 'retake', actionPlan: plan });
    expect(started.status, mainText(started.text)).to.equal(303);
    expect(attemptOf(a, 2)).to.include({ kind: 'retake', actionPlan: plan, employerAgreedBy: ctx.users.employer.id });
    expect($((await admin.get(resultsUrl(a))).text)('#attempt-2').text()).to.contain(plan);
  });

  it("takes every method again once the plan's time limit for the whole assessment has passed", async () => {
    sampleNothing();
    const plan = JSON.parse(readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as Record<string, unknown>;
    const imported = importPlan(ctx.db, { ...plan, wholeAssessmentMonths: 6 }, SETUP);
    expect(imported.ok).to.equal(true);
    const a = apprentice(0, 'Tom', 'Timelimit');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const provider = await as('provider');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR4'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    const started = today().minus({ months: 6, days: 1 });
    ctx.db
      .update(epaAttempts)
      .set({ startedOn: isoDate(started) })
      .where(eq(epaAttempts.id, first.id))
      .run();
    await release(admin, first.id);
    const action = attemptAction(a, first.id, 'further');
    const page = await provider.get(resultsUrl(a));
    const doc = $(page.text);
    expect(doc(`form[action="${action}"] .govuk-warning-text`).text()).to.contain(
      `ended on ${isoDate(started.plus({ months: 6 }))}`,
    );
    expect(doc(`form[action="${action}"] input[name="kind[discussion]"]`)).to.have.length(2);
    const projectOnly = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), 'kind[project]': 'resit' });
    expect(projectOnly.status).to.equal(409);
    expect(summaryOf(projectOnly.text).map((e) => e.text)).to.deep.equal([
      `The plan's time limit for the whole assessment (6 months) ended on ${isoDate(started.plus({ months: 6 }))}, so every method is taken again: choose resit or retake for Professional discussion underpinned by a portfolio of evidence`,
    ]);
    const both = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), 'kind[project]': 'resit', 'kind[discussion]': 'resit' });
    expect(both.status, mainText(both.text)).to.equal(303);
    await employerAgrees(a, first.id);
    const modes = ctx.db
      .select()
      .from(attemptMethods)
      .where(eq(attemptMethods.attemptId, attemptOf(a, 2)!.id))
      .all()
      .map((m) => [m.methodId, m.mode])
      .sort();
    expect(modes).to.deep.equal([
      ['discussion', 'resit'],
      ['project', 'resit'],
    ]);
  });

  it('lets the provider withdraw a waiting request and ask again', async () => {
    sampleNothing();
    const a = apprentice(0, 'Wes', 'Withdrawn');
    const assessor = await as('assessor');
    const admin = await as('admin');
    const provider = await as('provider');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR4'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    await release(admin, first.id);
    const further = attemptAction(a, first.id, 'further');
    const withdraw = attemptAction(a, first.id, 'withdraw');
    let page = await provider.get(resultsUrl(a));
    await provider
      .post(further)
      .type('form')
      .send({ ...formFields(page.text, further), 'kind[project]': 'resit' });
    page = await provider.get(resultsUrl(a));
    expect($(page.text)(`form[action="${withdraw}"]`)).to.have.length(1);
    expect((await provider.post(withdraw).type('form').send(formFields(page.text, withdraw))).status).to.equal(303);
    page = await provider.get(resultsUrl(a));
    expect($(page.text)('.app-further-request').text()).to.contain('Withdrawn by the provider');
    expect(auditOf('further_attempt.withdrawn', first.id)).to.have.length(1);
    const again = await provider
      .post(further)
      .type('form')
      .send({ ...formFields(page.text, further), 'kind[project]': 'retake', actionPlan: 'Six weeks of casework' });
    expect(again.status, mainText(again.text)).to.equal(303);
    expect(attemptOf(a, 2)).to.equal(undefined);
  });

  it('refuses a resit or retake after a pass', async () => {
    sampleNothing();
    const a = apprentice(0, 'Pip', 'Passed');
    const assessor = await as('assessor');
    const admin = await as('admin');
    await graded(assessor, booked(a, 'project'), { notMet: ['PRD3'] });
    await graded(assessor, booked(a, 'discussion'));
    const first = attemptOf(a)!;
    expect(first.overallGrade).to.equal('Pass');
    await release(admin, first.id);

    const provider = await as('provider');
    const page = await provider.get(resultsUrl(a));
    const action = attemptAction(a, first.id, 'further');
    expect($(page.text)(`form[action="${action}"]`)).to.have.length(0);
    const res = await provider
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(409);
    expect(summaryOf(res.text).map((e) => e.text)).to.deep.equal([
      'The result was Pass: there is no resit or retake to improve a pass',
    ]);
    const named = await provider
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), 'kind[project]': 'resit' });
    expect(named.status).to.equal(409);
    expect(ctx.db.select().from(epaAttempts).all()).to.have.length(1);
    expect(auditOf('attempt.resit_started')).to.have.length(0);
  });
});

/* ---------- Reformed plans: sampled KSBs ---------- */

describe('grading: sampled KSBs of a reformed plan', () => {
  it('records which sampled KSBs the assessment covered, and shows core and sampled KSBs apart', async () => {
    sampleNothing();
    // The apprentice passed gateway on the EPA plan, then moved to the reformed plan beside it.
    const a = apprentice(0, 'Sam', 'Sampled');
    const reformed = importPlan(
      ctx.db,
      JSON.parse(readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8')),
      SETUP,
    );
    expect(reformed.ok).to.equal(true);
    ctx.db.update(apprentices).set({ planId: 'ST0815-1.0-reformed-demo' }).where(eq(apprentices.id, a.id)).run();
    const assessor = await as('assessor');
    const bookingId = booked(a, 'discussion');
    const url = `/bookings/${bookingId}/grade`;
    let page = $((await assessor.get(url)).text);
    expect(
      page('input[name="sampled"]')
        .map((_, i) => page(i).attr('value'))
        .get(),
    ).to.deep.equal(['K12', 'K13', 'K14', 'S15', 'S17']);
    expect(page('#ksb-coverage-sampled').text()).to.contain('Not in this sample');
    expect(page('#ksb-coverage').text()).not.to.contain('K12');

    // A KSB the method cannot sample is refused, with the ticks kept.
    const wrong = await postGrading(assessor, bookingId, {}, { action: 'draft', sampled: 'K11' });
    expect(wrong.status).to.equal(400);
    expect(summaryOf(wrong.text).map((e) => e.text)).to.deep.equal([
      'K11 is not among the sampled KSBs this method can cover (K12, K13, K14, S15, S17)',
    ]);

    const res = await postGrading(assessor, bookingId, {}, { action: 'submit', confirm: 'yes', sampled: 'K13' });
    expect(res.status, mainText(res.text)).to.equal(303);
    expect(gradingOf(bookingId)!.sampledKsbs).to.deep.equal(['K13']);
    page = $((await assessor.get(url)).text);
    expect(page('main').text()).to.contain('Submitted');
  });
});

/* ---------- No-shows and malpractice ---------- */

describe('grading: no-shows and malpractice', () => {
  /** The assessor records that the assessment did not go ahead as planned. */
  async function recordedOutcome(bookingId: number, outcome: 'did_not_attend' | 'malpractice', outcomeReason: string) {
    const res = await postGrading(
      await as('assessor'),
      bookingId,
      {},
      {
        action: 'submit',
        confirm: 'yes',
        outcome,
        outcomeReason,
      },
    );
    expect(res.status, mainText(res.text)).to.equal(303);
    return gradingOf(bookingId)!;
  }

  async function decide(attemptId: number, a: ApprenticeDetail, fields: Record<string, string>) {
    const admin = await as('admin');
    const action = attemptAction(a, attemptId, 'outcome');
    const page = await admin.get(resultsUrl(a));
    return admin
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  it('counts a no-show as a Fail until a good reason is accepted; then it is void, not an attempt, and the method is booked again', async () => {
    sampleNothing();
    const a = apprentice(0, 'Nia', 'Noshow');
    const assessor = await as('assessor');
    await graded(assessor, booked(a, 'discussion'));
    const projectBooking = booked(a, 'project');
    const dna = await recordedOutcome(projectBooking, 'did_not_attend', 'Did not join the video call');
    expect(dna.grade).to.equal('Fail');
    const first = attemptOf(a)!;
    expect(first.overallGrade).to.equal('Fail');

    // Without a reason the decision is refused, the choice kept and the message pointing at the reason; withheld is not a decision for a no-show.
    const noReason = await decide(first.id, a, { gradingId: String(dna.id), decision: 'void' });
    expect(noReason.status).to.equal(400);
    const refusedForm = $(noReason.text);
    expect(refusedForm('.govuk-error-summary a').attr('href')).to.equal(`#decisionReason-${dna.id}`);
    expect(refusedForm(`#decision-${dna.id}-void`).attr('checked')).to.not.equal(undefined);
    const withheld = await decide(first.id, a, {
      gradingId: String(dna.id),
      decision: 'withheld',
      decisionReason: 'Checking',
    });
    expect(withheld.status).to.equal(409);
    expect(summaryOf(withheld.text).map((e) => e.text)).to.deep.equal(['A no-show is either a Fail or void']);

    const voided = await decide(first.id, a, {
      gradingId: String(dna.id),
      decision: 'void',
      decisionReason: 'Hospital admission the night before, letter seen',
    });
    expect(voided.status, mainText(voided.text)).to.equal(303);
    expect(attemptOf(a)!.overallGrade).to.equal(null);
    expect(bookingStatus(ctx.db, projectBooking)).to.equal('void');
    const shown = $((await (await as('admin')).get(resultsUrl(a))).text);
    expect(shown('#methods-1').text()).to.contain('Void: not an attempt, booked again');
    expect(auditOf('grading.outcome_decided', dna.id).map((e) => e.reason)).to.deep.equal([
      'Hospital admission the night before, letter seen',
    ]);

    // The project can be booked and assessed again in the same attempt.
    await graded(assessor, booked(a, 'project'));
    expect(attemptOf(a)).to.include({ number: 1, overallGrade: 'Distinction' });
  });

  it('takes a voided no-show out of moderation, and audits its booking becoming void', async () => {
    const a = apprentice(0, 'Vic', 'Voided');
    const bookingId = booked(a, 'project');
    const dna = await recordedOutcome(bookingId, 'did_not_attend', 'No contact on the day');
    expect(dna.moderation).to.equal('pending'); // a Fail, and one of the assessor's first assessments
    const res = await decide(attemptOf(a)!.id, a, {
      gradingId: String(dna.id),
      decision: 'void',
      decisionReason: 'Bereavement the day before, accepted',
    });
    expect(res.status, mainText(res.text)).to.equal(303);
    expect(gradingOf(bookingId)!.moderation).to.equal('not_sampled');
    const qa = await as('qa');
    expect($((await qa.get('/moderation')).text)('main').text()).not.to.contain('Voided');
    expect(auditOf('booking.voided', bookingId).map((e) => e.reason)).to.deep.equal([
      'Bereavement the day before, accepted',
    ]);
  });

  it('withholds a result with malpractice until the assessment organisation decides, then follows its decision', async () => {
    sampleNothing();
    const a = apprentice(0, 'Max', 'Malpractice');
    const assessor = await as('assessor');
    const admin = await as('admin');
    await graded(assessor, booked(a, 'discussion'));
    const mal = await recordedOutcome(
      booked(a, 'project'),
      'malpractice',
      'Project report copied from another apprentice',
    );
    const first = attemptOf(a)!;
    const refused = await admin
      .post('/results/release')
      .type('form')
      .send({ attemptIds: String(first.id), _csrf: await tokenOf(admin, '/results') });
    expect(mainText(refused.text)).to.contain(
      'is withheld: decide the malpractice (a Fail or void) before releasing it',
    );
    expect(attemptOf(a)!.releasedAt).to.equal(null);
    expect($((await admin.get(resultsUrl(a))).text)('#methods-1').text()).to.contain(
      'Result withheld until the assessment organisation decides',
    );

    const failed = await decide(first.id, a, {
      gradingId: String(mal.id),
      decision: 'fail',
      decisionReason: 'Investigation concluded: the work was not the apprentice’s own',
    });
    expect(failed.status, mainText(failed.text)).to.equal(303);
    await release(admin, first.id);
    expect(attemptOf(a)).to.include({ overallGrade: 'Fail' });
    expect(attemptOf(a)!.releasedAt).to.be.a('string');
  });
});

/* ---------- Appeals ---------- */

describe('grading: appeals', () => {
  /** A Fail (project: PR1 and PRD2 not met; discussion: Pass), moderated (agreed) by the test quality assurer and released, with an appeal lodged by the provider through the page. */
  async function appealedFail() {
    const a = apprentice(0, 'Ada', 'Appellant');
    const assessor = await as('assessor');
    const qa = await as('qa');
    const admin = await as('admin');
    const provider = await as('provider');
    const project = await graded(assessor, booked(a, 'project'), { notMet: ['PR1', 'PRD2'] });
    const discussion = await graded(assessor, booked(a, 'discussion'), { notMet: ['PDD1'] });
    await agreed(qa, project.id);
    await agreed(qa, discussion.id);
    const attempt = attemptOf(a)!;
    expect(attempt.overallGrade).to.equal('Fail');
    await release(admin, attempt.id);

    const action = attemptAction(a, attempt.id, 'appeal');
    // The administrator reviews appeals; only the provider or employer lodges one.
    expect($((await admin.get(resultsUrl(a))).text)(`form[action="${action}"]`)).to.have.length(0);
    const page = await provider.get(resultsUrl(a));
    // Grounds of only spaces: the page again, with the message at the field, and nothing lodged.
    const blank = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), grounds: '   ' });
    expect(blank.status).to.equal(400);
    expect(summaryOf(blank.text)).to.deep.equal([
      { text: 'Give the grounds for the appeal', href: `#grounds-${attempt.id}` },
    ]);
    expect(ctx.db.select().from(appeals).where(eq(appeals.attemptId, attempt.id)).all()).to.have.length(0);
    const lodged = await provider
      .post(action)
      .type('form')
      .send({ ...formFields(page.text, action), grounds: 'The assessor overlooked the survey analysis in appendix B' });
    expect(lodged.status, mainText(lodged.text)).to.equal(303);
    const appeal = ctx.db.select().from(appeals).where(eq(appeals.attemptId, attempt.id)).get()!;
    return { a, project, discussion, attempt, appeal, assessor, qa, admin, provider };
  }

  /** What an upheld appeal that sets PR1 met leaves behind: a Pass, released again, audited, and shown to the provider. */
  async function expectUpheld(x: {
    a: ApprenticeDetail;
    project: { id: number; bookingId: number };
    appeal: { id: number };
    earlier: string;
    provider: Agent;
    reviewer: number;
  }) {
    expect(gradingOf(x.project.bookingId)).to.include({ grade: 'Pass', assessorGrade: 'Fail' });
    expect(decisionsOf(x.project.id).find((d) => d.criterionId === 'PR1')).to.include({
      met: true,
      evidence: 'Survey analysis in appendix B',
    });
    const after = attemptOf(x.a)!;
    expect(after.overallGrade).to.equal('Pass');
    expect(after.releasedAt).to.not.equal(x.earlier);
    expect(Date.parse(after.releasedAt!)).to.be.greaterThan(Date.parse(x.earlier));
    expect(ctx.db.select().from(appeals).where(eq(appeals.id, x.appeal.id)).get()).to.include({
      decision: 'upheld',
      reviewerUserId: x.reviewer,
      reasons: 'Appendix B evidences the analysis',
    });
    const changed = auditOf('grading.appeal_changed', x.project.id);
    expect(changed).to.have.length(1);
    expect(changed[0]!.before).to.deep.include({ grade: 'Fail' });
    expect(changed[0]!.after).to.deep.include({ grade: 'Pass' });
    const upheld = auditOf('appeal.upheld', x.appeal.id);
    expect(upheld).to.have.length(1);
    expect(upheld[0]!.before).to.deep.equal({ overallGrade: 'Fail' });
    expect(upheld[0]!.after).to.deep.include({ overallGrade: 'Pass' });

    expect(await attemptHeading(x.provider, x.a)).to.equal('First attempt (attempt 1): Pass');
    const mine = await x.provider.get(resultsUrl(x.a));
    expect(mainText(mine.text)).to.contain('Upheld: Appendix B evidences the analysis');
  }

  it('lets the provider appeal a released result; the assessor and the moderator of the result may not decide it', async () => {
    const { a, attempt, appeal, assessor, qa, admin, provider } = await appealedFail();
    expect(appeal).to.include({
      lodgedBy: ctx.users.provider.id,
      grounds: 'The assessor overlooked the survey analysis in appendix B',
      decision: null,
      lodgedOn: isoDate(today()),
    });
    expect(auditOf('appeal.lodged', appeal.id)).to.have.length(1);
    const mine = await provider.get(resultsUrl(a));
    expect(mainText(mine.text)).to.contain('Waiting for a decision');
    expect($(mine.text)(`form[action="${attemptAction(a, attempt.id, 'appeal')}"]`)).to.have.length(0);

    const list = await admin.get('/appeals');
    expect(list.status).to.equal(200);
    const link = $(list.text)(`#open-appeals a[href="/appeals/${appeal.id}"]`);
    expect(link.text()).to.equal('Ada Appellant');
    expect($(list.text)('#open-appeals tbody tr').first().text()).to.contain('Fail');

    // The assessor of record, in the store (assessors cannot reach the appeals pages).
    expect((await assessor.get('/appeals')).status).to.equal(403);
    const byAssessor = decideAppeal(
      ctx.db,
      appeal.id,
      { decision: 'upheld', reasons: 'I was wrong', changes: [], panel: [addExternalReviewer(ctx)] },
      { userId: ctx.users.assessor.id, label: ctx.users.assessor.email },
      now(),
    );
    expect(byAssessor).to.deep.equal({
      ok: false,
      message: 'You assessed or moderated this result: an independent reviewer must decide the appeal',
    });

    // The quality assurer who moderated the result.
    const page = await qa.get(`/appeals/${appeal.id}`);
    expect(page.status).to.equal(200);
    expect($(page.text)('#appeal-conflicted').text()).to.contain('You assessed or moderated this result');
    expect($(page.text)(`form[action="/appeals/${appeal.id}"]`)).to.have.length(0);
    const post = await qa
      .post(`/appeals/${appeal.id}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), decision: 'upheld', reasons: 'Agreed with the grounds' });
    expect(post.status).to.equal(409);
    expect(summaryOf(post.text).map((e) => e.text)).to.deep.equal([
      'You assessed or moderated this result: an independent reviewer must decide the appeal',
    ]);

    // Another quality assurer is independent: they see the form.
    const quinn = addUser('qa2@test.example', 'Quinn Independent', 'quality_assurer');
    const other = await signedInAgent(ctx.app, quinn.email);
    const theirs = await other.get(`/appeals/${appeal.id}`);
    expect($(theirs.text)('#appeal-conflicted')).to.have.length(0);
    expect($(theirs.text)(`form[action="/appeals/${appeal.id}"]`)).to.have.length(1);

    expect(ctx.db.select().from(appeals).where(eq(appeals.id, appeal.id)).get()).to.include({
      decision: null,
      reviewerUserId: null,
    });
    expect(attemptOf(a)!.overallGrade).to.equal('Fail');
    expect(auditOf('appeal.upheld')).to.have.length(0);
  });

  it('lets an independent administrator uphold an appeal through its form, changing a criterion: the grade, the result and its release follow', async () => {
    const { a, project, attempt, appeal, admin, provider } = await appealedFail();
    // Released two days ago, so that the re-release is visible.
    const earlier = now().minus({ days: 2 }).toISO();
    ctx.db.update(epaAttempts).set({ releasedAt: earlier }).where(eq(epaAttempts.id, attempt.id)).run();

    const url = `/appeals/${appeal.id}`;
    const page = await admin.get(url);
    expect(page.status).to.equal(200);
    const doc = $(page.text);
    expect(doc('#appeal-grounds').text()).to.equal('The assessor overlooked the survey analysis in appendix B');
    expect(doc(`input[name="g[g${project.id}][PR1][met]"][value="no"]`).attr('checked')).to.not.equal(undefined);
    const fields = {
      ...formFields(page.text, url),
      decision: 'upheld',
      reasons: 'Appendix B evidences the analysis',
      panel: String(addExternalReviewer(ctx)),
      [`g[g${project.id}][PR1][met]`]: 'yes',
      [`g[g${project.id}][PR1][evidence]`]: 'Survey analysis in appendix B',
    };
    // Reasons of only spaces: the form again, the reviewer's criterion decisions kept.
    const blank = await admin
      .post(url)
      .type('form')
      .send({ ...fields, reasons: '  ' });
    expect(blank.status).to.equal(400);
    expect(summaryOf(blank.text)).to.deep.equal([{ text: 'Give the reasons for the decision', href: '#reasons' }]);
    expect($(blank.text)(`input[name="g[g${project.id}][PR1][met]"][value="yes"]`).attr('checked')).to.not.equal(
      undefined,
    );
    const res = await admin.post(url).type('form').send(fields);
    expect(
      res.status,
      `${summaryOf(res.text)
        .map((e) => e.text)
        .join('; ')}`,
    ).to.equal(303);
    expect(res.headers.location).to.equal('/appeals');

    await expectUpheld({ a, project, appeal, earlier, provider, reviewer: ctx.users.admin.id });
  });

  it('upholds the same appeal in the store, to the same effect (what the form should do)', async () => {
    const { a, project, attempt, appeal, provider } = await appealedFail();
    const earlier = now().minus({ days: 2 }).toISO();
    ctx.db.update(epaAttempts).set({ releasedAt: earlier }).where(eq(epaAttempts.id, attempt.id)).run();
    const decided = decideAppeal(
      ctx.db,
      appeal.id,
      {
        decision: 'upheld',
        reasons: 'Appendix B evidences the analysis',
        changes: [
          {
            gradingId: project.id,
            decisions: [{ criterionId: 'PR1', met: true, evidence: 'Survey analysis in appendix B' }],
          },
        ],
        panel: [addExternalReviewer(ctx)],
      },
      { userId: ctx.users.admin.id, label: ctx.users.admin.email },
      now(),
    );
    expect(decided).to.deep.equal({ ok: true });
    await expectUpheld({ a, project, appeal, earlier, provider, reviewer: ctx.users.admin.id });
  });

  it('refuses an appeal lodged after the deadline', async () => {
    sampleNothing();
    const a = apprentice(0, 'Lee', 'Late');
    const assessor = await as('assessor');
    const admin = await as('admin');
    await graded(assessor, booked(a, 'project'), { notMet: ['PR2'] });
    await graded(assessor, booked(a, 'discussion'));
    const attempt = attemptOf(a)!;
    await release(admin, attempt.id);
    ctx.db
      .update(epaAttempts)
      .set({ releasedAt: now().minus({ days: 30 }).toISO() })
      .where(eq(epaAttempts.id, attempt.id))
      .run();

    const provider = await as('provider');
    const page = await provider.get(resultsUrl(a));
    const action = attemptAction(a, attempt.id, 'appeal');
    expect($(page.text)(`form[action="${action}"]`)).to.have.length(0);
    const res = await provider
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), grounds: 'We only just noticed' });
    expect(res.status).to.equal(409);
    expect(
      summaryOf(res.text)
        .map((e) => e.text)
        .join(' '),
    ).to.match(/^Appeals against this result had to be lodged by \d{4}-\d{2}-\d{2}$/);
    expect(ctx.db.select().from(appeals).all()).to.deep.equal([]);
    expect(auditOf('appeal.lodged')).to.have.length(0);
  });
});

/* ---------- Settings ---------- */

describe('grading: the EPAO’s settings', () => {
  it('saves the sampling rules, which the next grading follows', async () => {
    const admin = await as('admin');
    const page = await admin.get('/admin/settings');
    expect(page.status).to.equal(200);
    expect($(page.text)('#qaFirstN').val()).to.equal('5');
    expect($(page.text)('#qaSampleFails').attr('checked')).to.not.equal(undefined);
    const fields = formFields(page.text, '/admin/settings');
    delete fields.qaSampleFails;
    delete fields.qaSampleBoundary;
    const res = await admin
      .post('/admin/settings')
      .type('form')
      .send({
        ...fields,
        qaFirstN: '0',
        qaRandomPercent: '0',
        contactEmail: 'results@northgate.example',
        contactPhone: '0161 496 0000',
      });
    expect(res.status, mainText(res.text)).to.equal(303);
    expect(res.headers.location).to.equal('/admin/settings?saved=1');
    expect(ctx.db.select().from(epaoSettings).get()).to.include({
      qaFirstN: 0,
      qaRandomPercent: 0,
      qaSampleFails: false,
      qaSampleBoundary: false,
      appealWorkingDays: 15,
      maxAttempts: null,
      contactEmail: 'results@northgate.example',
      contactPhone: '0161 496 0000',
    });
    expect(auditOf('settings.saved')).to.have.length(1);
    const saved = await admin.get('/admin/settings?saved=1');
    expect(mainText(saved.text)).to.contain('The settings have been saved.');
    expect($(saved.text)('#qaSampleFails').attr('checked')).to.equal(undefined);

    // A Fail on the assessor's first assessment: not sampled now.
    const a = apprentice(0, 'Ned', 'Notsampled');
    const assessor = await as('assessor');
    const project = await graded(assessor, booked(a, 'project'), { notMet: ['PR6'] });
    const discussion = await graded(assessor, booked(a, 'discussion'));
    expect([project.moderation, project.sampleReason, discussion.moderation]).to.deep.equal([
      'not_sampled',
      null,
      'not_sampled',
    ]);
    const qa = await as('qa');
    expect($((await qa.get('/moderation')).text)('#moderation-queue').text()).to.contain(
      'Nothing is waiting for moderation.',
    );
    await release(admin, attemptOf(a)!.id);
    expect(attemptOf(a)!.releasedAt).to.be.a('string');
  });

  it('shows invalid settings again with the errors and the values, saving nothing', async () => {
    const admin = await as('admin');
    const before = epaoSettingsOf(ctx.db);
    const page = await admin.get('/admin/settings');
    const res = await admin
      .post('/admin/settings')
      .type('form')
      .send({
        ...formFields(page.text, '/admin/settings'),
        qaFirstN: '3',
        qaRandomPercent: '150',
        appealWorkingDays: '0',
        maxAttempts: '4',
        contactEmail: 'results at northgate',
        contactPhone: 'ring us',
      });
    expect(res.status).to.equal(400);
    expect(summaryOf(res.text)).to.deep.equal([
      { text: 'Enter a percentage from 0 to 100', href: '#qaRandomPercent' },
      { text: 'Enter at least 1', href: '#appealWorkingDays' },
      { text: 'Enter an email address in the correct format, like results@example.org', href: '#contactEmail' },
      { text: 'Enter a telephone number, like 0161 496 0000 or +44 161 496 0000', href: '#contactPhone' },
    ]);
    expect($(res.text)('#contactEmail').val()).to.equal('results at northgate');
    const doc = $(res.text);
    expect(doc('#qaRandomPercent').val()).to.equal('150');
    expect(doc('#qaFirstN').val()).to.equal('3');
    expect(doc('#appealWorkingDays').val()).to.equal('0');
    expect(doc('#maxAttempts').val()).to.equal('4');
    expect(doc('#qaSampleFails').attr('checked')).to.not.equal(undefined);
    expect(doc('#qaRandomPercent-error').text()).to.contain('Enter a percentage from 0 to 100');
    expect(ctx.db.select().from(epaoSettings).get()).to.deep.equal(before);
    expect(auditOf('settings.saved')).to.have.length(0);
  });

  it('is for administrators only', async () => {
    const before = epaoSettingsOf(ctx.db);
    for (const key of ['assessor', 'qa', 'provider', 'employer'] as const) {
      const agent = await as(key);
      expect((await agent.get('/admin/settings')).status, key).to.equal(403);
      const res = await agent
        .post('/admin/settings')
        .type('form')
        .send({
          _csrf: await tokenOf(agent),
          qaFirstN: '0',
          qaRandomPercent: '0',
          appealWorkingDays: '15',
          maxAttempts: '',
        });
      expect(res.status, key).to.equal(403);
    }
    expect(ctx.db.select().from(epaoSettings).get()).to.deep.equal(before);
  });
});
