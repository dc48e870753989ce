import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { $, csrfFrom, signedInAgent, testApp, type TestContext } from '../support/app.js';
import {
  addExternalReviewer,
  appealedResult,
  buildFixture,
  completedResult,
  openRequest,
  refuseRequest,
  refusedRequest,
  type Fixture,
} from '../support/fixture.js';
import { now, todayIso } from '../support/clock.js';
import { SETUP } from '../support/apprentices.js';
import { validUlns } from '../../src/apprentices/uln.js';
import {
  appealPanel,
  appeals,
  assessmentRequests,
  auditEvents,
  epaoSettings,
  evidenceFiles,
  gradings,
  outbox,
  users,
} from '../../src/db/schema.js';
import { decideAppeal, releaseResults } from '../../src/grading/store.js';
import { addWorkingDays } from '../../src/grading/rules.js';
import { addDays } from '../../src/calendar.js';
import { dateLabel, londonDateOf } from '../../src/dates.js';
import { auditSubject } from '../../src/audit/store.js';

/*
 * Appeals as Ofqual's General Condition I1 has them: a panel with an external member and nobody
 * involved in the result (I1.2), an outcome date from lodging (I1.2), the organisation's choice to
 * refuse appeals against the highest grade, and the other results an upheld appeal may affect (I1.4).
 */

const summaryOf = (html: string) => {
  const doc = $(html);
  return doc('.govuk-error-summary li')
    .map((_, li) => ({ text: doc(li).text().trim(), href: doc(li).find('a').attr('href') ?? null }))
    .get();
};

describe('appeals: the panel, the outcome date, the highest grade and the other results affected', () => {
  let ctx: TestContext;
  let f: Fixture;
  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  const nameOf = (id: number) => ctx.db.select({ name: users.name }).from(users).where(eq(users.id, id)).get()!.name;
  const auditAfter = (action: string, entityId: number | string) =>
    ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.entityId, String(entityId))))
      .all();
  const ulns = validUlns(6, 640_000_000);
  /** The fixture's appeal (A's result), not upheld by the administrator with the external reviewer on the panel. */
  const decideFixtureAppeal = () =>
    expect(
      decideAppeal(
        ctx.db,
        f.appeal,
        { decision: 'not_upheld', reasons: 'Read in full', changes: [], panel: [f.externalReviewer] },
        { userId: ctx.users.admin.id, label: 'admin' },
        now(),
      ).ok,
    ).to.equal(true);

  it('refuses a panel with no external reviewer, or with someone who moderated the result, keeping the form; a panel with one decides, and is shown and audited', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const url = `/appeals/${f.appeal}`;
    const page = await admin.get(url);
    const doc = $(page.text);
    // Offered: every reviewer who may sit, the external marked; not the quality assurer who moderated A's result.
    const offered = doc('input[name="panel"]')
      .map((_, el) =>
        doc(`label[for="${doc(el).attr('id')}"]`)
          .text()
          .trim(),
      )
      .get();
    expect(offered).to.deep.equal([`${nameOf(f.externalReviewer)} (external reviewer)`]);
    expect(doc('#panel-hint').text().trim()).to.equal(
      'You are on the panel. Name at least one external reviewer with you.',
    );
    const form = { _csrf: csrfFrom(page.text), decision: 'not_upheld', reasons: 'The portfolio was read in full' };

    const alone = await admin.post(url).type('form').send(form);
    expect(alone.status).to.equal(400);
    expect(summaryOf(alone.text)).to.deep.equal([
      {
        text: 'Name at least one external reviewer on the panel: an appeal is decided by at least one person who is not an employee of the assessment organisation',
        href: '#panel',
      },
    ]);
    expect($(alone.text)('#reasons').text()).to.equal('The portfolio was read in full');
    expect($(alone.text)('#decision-not-upheld').attr('checked')).to.not.equal(undefined);

    // The quality assurer moderated A's result: sent by hand, they are refused by name.
    const involved = await admin
      .post(url)
      .type('form')
      .send({ ...form, panel: [String(f.qaUser), String(f.externalReviewer)] });
    expect(involved.status).to.equal(400);
    expect(summaryOf(involved.text)[0]!.text).to.equal(
      `${nameOf(f.qaUser)} assessed or moderated this result, so cannot sit on the panel: nobody involved in the decision appealed may decide the appeal`,
    );
    expect(ctx.db.select().from(appeals).where(eq(appeals.id, f.appeal)).get()!.decision).to.equal(null);
    expect(ctx.db.select().from(appealPanel).all()).to.deep.equal([]);

    const decided = await admin
      .post(url)
      .type('form')
      .send({ ...form, panel: String(f.externalReviewer) });
    expect(
      decided.status,
      summaryOf(decided.text)
        .map((e) => e.text)
        .join('; '),
    ).to.equal(303);
    const after = $((await admin.get(url)).text);
    expect(after('#appeal-panel').text().split(', ').sort()).to.deep.equal(
      [nameOf(ctx.users.admin.id), `${nameOf(f.externalReviewer)} (external)`].sort(),
    );
    const [event] = auditAfter('appeal.not_upheld', f.appeal);
    expect((event!.after as { panel: unknown }).panel).to.have.deep.members([
      { userId: ctx.users.admin.id, name: nameOf(ctx.users.admin.id), external: false },
      { userId: f.externalReviewer, name: nameOf(f.externalReviewer), external: true },
    ]);
  });

  it('lets an external reviewer decide on their own', async () => {
    const external = await signedInAgent(
      ctx.app,
      ctx.db.select({ email: users.email }).from(users).where(eq(users.id, f.externalReviewer)).get()!.email,
    );
    const url = `/appeals/${f.appeal}`;
    const page = await external.get(url);
    expect($(page.text)('#panel-hint, p#panel').first().text().trim()).to.equal(
      'You are on the panel, as an external reviewer.',
    );
    const res = await external
      .post(url)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), decision: 'not_upheld', reasons: 'The portfolio was read in full' });
    expect(res.status).to.equal(303);
    expect(ctx.db.select().from(appealPanel).where(eq(appealPanel.appealId, f.appeal)).all()).to.deep.equal([
      { appealId: f.appeal, userId: f.externalReviewer },
    ]);
  });

  it('lets an administrator mark another administrator or quality assurer as an external reviewer, with the reason audited, and nobody else', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const url = `/admin/users/${f.qaUser}`;
    const page = await admin.get(url);
    expect($(page.text)('#external-reviewer').text()).to.equal('An employee of the assessment organisation');
    const marked = await admin
      .post(`${url}/external-reviewer`)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        externalReviewer: 'yes',
        reason: 'Contracted through Independent Review Ltd',
      });
    expect(marked.status).to.equal(303);
    expect(marked.headers.location).to.equal(`${url}?done=external`);
    const shown = $((await admin.get(marked.headers.location!)).text);
    expect(shown('#external-reviewer').text()).to.contain('External reviewer');
    expect(shown('.govuk-notification-banner, .app-flash').text()).to.contain('is marked as an external reviewer');
    const [event] = auditAfter('user.external_reviewer_marked', f.qaUser);
    expect(event).to.include({ reason: 'Contracted through Independent Review Ltd' });
    expect(event!.after).to.deep.equal({ externalReviewer: true });

    // A reason too long: the page again, its summary linking to the reason's box.
    const csrf = csrfFrom(page.text);
    const long = await admin
      .post(`${url}/external-reviewer`)
      .type('form')
      .send({ _csrf: csrf, externalReviewer: 'no', reason: 'x'.repeat(501) });
    expect(long.status).to.equal(400);
    expect(summaryOf(long.text)).to.deep.equal([
      { text: 'The reason must be 500 characters or fewer', href: '#external-reason' },
    ]);
    expect($(long.text)('#external-reason')).to.have.length(1);

    // Not for an assessor (they never sit on a panel), nor for oneself.
    const assessor = await admin
      .post(`/admin/users/${ctx.users.assessor.id}/external-reviewer`)
      .type('form')
      .send({ _csrf: csrf, externalReviewer: 'yes' });
    expect(assessor.status).to.equal(409);
    const self = await admin
      .post(`/admin/users/${ctx.users.admin.id}/external-reviewer`)
      .type('form')
      .send({ _csrf: csrf, externalReviewer: 'yes' });
    expect(self.status).to.equal(403);
    expect(ctx.db.select().from(users).where(eq(users.id, ctx.users.assessor.id)).get()!.externalReviewer).to.equal(
      false,
    );
    expect(ctx.db.select().from(users).where(eq(users.id, ctx.users.admin.id)).get()!.externalReviewer).to.equal(false);
  });

  it('gives an appeal its outcome date, in working days from lodging, with the apprentice’s statement; the list marks it overdue once the date has passed', async () => {
    ctx.db.update(epaoSettings).set({ appealDecisionWorkingDays: 3 }).run();
    const made = completedResult(ctx, ulns[0]!);
    expect(releaseResults(ctx.db, [made.attempt], SETUP, now()).ok).to.equal(true);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const resultsUrl = `/apprentices/${made.apprentice.uln}/results`;
    const action = `${resultsUrl}/${made.attempt}/appeal`;
    const csrf = csrfFrom((await provider.get(resultsUrl)).text);
    const grounds = 'The assessor did not see the portfolio';

    const long = await provider
      .post(action)
      .type('form')
      .send({ _csrf: csrf, grounds, statement: 'x'.repeat(5001) });
    expect(long.status).to.equal(400);
    expect(summaryOf(long.text)).to.deep.equal([
      { text: 'Keep the apprentice’s statement to 5000 characters', href: `#statement-${made.attempt}` },
    ]);
    expect($(long.text)(`#grounds-${made.attempt}`).text()).to.equal(grounds);

    const statement = 'I showed the assessor my survey analysis in appendix B.';
    const lodged = await provider.post(action).type('form').send({ _csrf: csrf, grounds, statement });
    expect(lodged.status).to.equal(303);
    const appeal = ctx.db.select().from(appeals).where(eq(appeals.attemptId, made.attempt)).get()!;
    expect(appeal).to.include({ statement, lodgedOn: todayIso(), dueOn: addWorkingDays(todayIso(), 3) });

    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const row = async () =>
      $((await admin.get('/appeals')).text)(`#open-appeals a[href="/appeals/${appeal.id}"]`).closest('tr');
    expect((await row()).text()).to.contain(dateLabel(appeal.dueOn!));
    expect((await row()).find('.govuk-tag').length).to.equal(0);
    const page = $((await admin.get(`/appeals/${appeal.id}`)).text);
    expect(page('#appeal-statement').text()).to.equal(statement);
    expect(page('#appeal-due').text()).to.equal(dateLabel(appeal.dueOn!));

    // The day after the outcome was due, with no decision: overdue.
    ctx.db
      .update(appeals)
      .set({ dueOn: addDays(todayIso(), -1) })
      .where(eq(appeals.id, appeal.id))
      .run();
    expect((await row()).find('.govuk-tag').text()).to.equal('Overdue');
    // On the day it is due, not yet.
    ctx.db.update(appeals).set({ dueOn: todayIso() }).where(eq(appeals.id, appeal.id)).run();
    expect((await row()).find('.govuk-tag').length).to.equal(0);
  });

  it('refuses an appeal against the plan’s highest grade when the organisation says so, and takes it when it does not', async () => {
    const made = completedResult(ctx, ulns[1]!);
    expect(releaseResults(ctx.db, [made.attempt], SETUP, now()).ok).to.equal(true);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const resultsUrl = `/apprentices/${made.apprentice.uln}/results`;
    const action = `${resultsUrl}/${made.attempt}/appeal`;
    const send = async () =>
      provider
        .post(action)
        .type('form')
        .send({ _csrf: csrfFrom((await provider.get(resultsUrl)).text), grounds: 'A criterion was misread' });

    ctx.db.update(epaoSettings).set({ refuseHighestGradeAppeals: true }).run();
    // Said on the results page, before any form is filled in.
    const shown = $((await provider.get(resultsUrl)).text);
    expect(shown(`#appeal-refused-${made.attempt}`).text()).to.equal(
      'Distinction is the highest grade this assessment plan gives, and the assessment organisation does not take appeals against it: no outcome could raise it.',
    );
    expect(shown(`form[action="${action}"]`)).to.have.length(0);
    const refused = await send();
    expect(refused.status).to.equal(409);
    expect(summaryOf(refused.text)[0]!.text).to.equal(
      'Distinction is the highest grade this assessment plan gives, and the assessment organisation does not take appeals against it: no outcome could raise it',
    );
    expect(ctx.db.select().from(appeals).where(eq(appeals.attemptId, made.attempt)).all()).to.have.length(0);

    ctx.db.update(epaoSettings).set({ refuseHighestGradeAppeals: false }).run();
    expect($((await provider.get(resultsUrl)).text)(`form[action="${action}"]`)).to.have.length(1);
    expect((await send()).status).to.equal(303);
    expect(ctx.db.select().from(appeals).where(eq(appeals.attemptId, made.attempt)).all()).to.have.length(1);
  });

  it('lists, on an upheld appeal, the other results of the same assessor and method in a date range the reviewer can change', async () => {
    const appealed = appealedResult(ctx, ulns[2]!);
    const other = completedResult(ctx, ulns[3]!);
    const assessorOf = (gradingId: number) =>
      ctx.db.select().from(gradings).where(eq(gradings.id, gradingId)).get()!.assessorUserId;
    // The precondition: the same assessor graded both results, and another graded A's (the fixture's).
    expect(assessorOf(other.gradings.project)).to.equal(assessorOf(appealed.gradings.project));
    expect(assessorOf(f.grading)).to.not.equal(assessorOf(appealed.gradings.project));
    const decided = decideAppeal(
      ctx.db,
      appealed.appeal,
      { decision: 'upheld', reasons: 'The portfolio was not seen', changes: [], panel: [addExternalReviewer(ctx)] },
      { userId: ctx.users.admin.id, label: 'admin' },
      now(),
    );
    expect(decided).to.deep.equal({ ok: true });

    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const url = `/appeals/${appealed.appeal}`;
    const rows = (html: string) =>
      $(html)('#affected-results tbody tr')
        .map((_, tr) =>
          $(html)(tr)
            .find('td')
            .map((__, td) => $(html)(td).text().trim())
            .get()
            .slice(0, 2)
            .join(' | '),
        )
        .get();
    const page = await admin.get(url);
    expect(rows(page.text)).to.deep.equal([
      `${other.apprentice.givenNames} ${other.apprentice.familyName} (${other.apprentice.uln}) | project`,
      `${other.apprentice.givenNames} ${other.apprentice.familyName} (${other.apprentice.uln}) | discussion`,
    ]);

    // Dates before the other result's assessments: none.
    const before = await admin.get(url).query({ from: addDays(todayIso(), -400), to: addDays(todayIso(), -300) });
    expect(before.status).to.equal(200);
    expect(rows(before.text)).to.deep.equal(['No other result in these dates.']);

    // A date that is not one: the form again, with what was typed.
    const wrong = await admin.get(url).query({ from: '2026-02-30', to: todayIso() });
    expect(wrong.status).to.equal(400);
    expect(summaryOf(wrong.text)).to.deep.equal([
      { text: 'Enter the first day as YYYY-MM-DD, for example 2026-09-01', href: '#from' },
    ]);
    expect($(wrong.text)('#from').val()).to.equal('2026-02-30');
    expect($(wrong.text)('#affected-results')).to.have.length(0);

    // A quality assurer on the panel reads the list; the results pages are the administrators', so no links.
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    const theirs = await qa.get(url);
    expect(rows(theirs.text)).to.have.length(2);
    expect($(theirs.text)('#affected-results tbody a')).to.have.length(0);
    expect($(page.text)('#affected-results tbody a').first().attr('href')).to.equal(
      `/apprentices/${other.apprentice.uln}/results`,
    );

    // An appeal not upheld lists nothing: the fixture's, decided so.
    decideFixtureAppeal();
    expect($((await admin.get(`/appeals/${f.appeal}`)).text)('#affected')).to.have.length(0);
    // Dates mean nothing there: the page as it is, not an error.
    const dated = await admin.get(`/appeals/${f.appeal}`).query({ from: 'soon', to: todayIso() });
    expect(dated.status).to.equal(200);
    expect(summaryOf(dated.text)).to.deep.equal([]);
  });

  describe('an appeal’s documents', () => {
    const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const PROGRAM = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
    const filesOn = (html: string) =>
      $(html)('#evidence-files a')
        .map((_, a) => $(html)(a).text())
        .get();

    it('lets the provider follow the appeal from the results page and add the apprentice’s statement as a file, refusing a program', async () => {
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      const results = $((await provider.get(`/apprentices/${f.a.uln}/results`)).text);
      const link = results(`a[href="/appeals/${f.appeal}"]`);
      expect(link.text()).to.contain('View the appeal and its documents');
      const page = await provider.get(`/appeals/${f.appeal}`);
      expect(page.status).to.equal(200);
      const doc = $(page.text);
      expect(doc('#appeal-grounds').text()).to.equal('The discussion was cut short');
      expect(doc('#appeal-decision').text()).to.equal('Waiting for the panel’s decision');
      expect(filesOn(page.text)).to.deep.equal(['statement.pdf']);
      // The reviewers' form is not theirs.
      expect(doc('input[name="decision"]')).to.have.length(0);

      const csrf = csrfFrom(page.text);
      const program = await provider
        .post(`/appeals/${f.appeal}/files`)
        .field('_csrf', csrf)
        .attach('evidenceFile', PROGRAM, { filename: 'statement.pdf', contentType: 'application/pdf' });
      expect(program.status).to.equal(422);
      expect(summaryOf(program.text)[0]!.href).to.equal('#evidenceFile');
      expect(filesOn(program.text)).to.deep.equal(['statement.pdf']);

      const uploaded = await provider
        .post(`/appeals/${f.appeal}/files`)
        .field('_csrf', csrf)
        .attach('evidenceFile', PDF, { filename: 'apprentice statement.pdf', contentType: 'application/pdf' });
      expect(uploaded.status, uploaded.text).to.equal(302);
      expect(uploaded.headers.location).to.equal(`/appeals/${f.appeal}?uploaded=1#files`);
      const after = await provider.get(`/appeals/${f.appeal}?uploaded=1`);
      expect($(after.text)('.govuk-notification-banner').text()).to.contain('The document is uploaded.');
      expect(filesOn(after.text)).to.have.members(['statement.pdf', 'apprentice statement.pdf']);
      const [event] = auditAfter('evidence.uploaded', f.a.uln).filter(
        (e) => (e.after as { fileName: string }).fileName === 'apprentice statement.pdf',
      );
      expect((event!.after as { record: string }).record).to.equal(`appeal ${f.appeal}`);
    });

    it('shows the documents to the panel and the employer, but lets neither the employer nor another provider add to them, and nothing changes once decided', async () => {
      const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
      const reviewerPage = await qa.get(`/appeals/${f.appeal}`);
      expect(filesOn(reviewerPage.text)).to.deep.equal(['statement.pdf']);
      // A quality assurer downloads it (a reviewer), but not a gateway item's file.
      expect((await qa.get(`/evidence/${f.appealFile}`)).status).to.equal(200);
      expect((await qa.get(`/evidence/${f.evidenceFile}`)).status).to.equal(404);

      const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
      const theirs = await employer.get(`/appeals/${f.appeal}`);
      expect(filesOn(theirs.text)).to.deep.equal(['statement.pdf']);
      expect($(theirs.text)('input[name="evidenceFile"]')).to.have.length(0);
      const byEmployer = await employer
        .post(`/appeals/${f.appeal}/files`)
        .field('_csrf', csrfFrom(theirs.text))
        .attach('evidenceFile', PDF, { filename: 'employer.pdf', contentType: 'application/pdf' });
      expect(byEmployer.status).to.equal(403);

      const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
      expect((await other.get(`/appeals/${f.appeal}`)).status).to.equal(404);
      expect((await other.get(`/evidence/${f.appealFile}`)).status).to.equal(404);

      decideFixtureAppeal();
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      const decided = await provider.get(`/appeals/${f.appeal}`);
      expect($(decided.text)('#appeal-decision').text()).to.equal('Not upheld: Read in full');
      expect($(decided.text)('input[name="evidenceFile"]')).to.have.length(0);
      const late = await provider
        .post(`/appeals/${f.appeal}/files`)
        .field('_csrf', csrfFrom(decided.text))
        .attach('evidenceFile', PDF, { filename: 'late.pdf', contentType: 'application/pdf' });
      expect(late.status).to.equal(409);
      expect(filesOn((await provider.get(`/appeals/${f.appeal}`)).text)).to.deep.equal(['statement.pdf']);
    });
  });

  describe('an appeal against a refused adjustment or special consideration', () => {
    const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    it('lets the provider appeal a refusal from the request page, with the statement; a panel without its decider upholds it, and the request waits for a decision again', async () => {
      // Asked for with its evidence, then refused.
      const id = openRequest(ctx, f.a.uln);
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      const requestUrl = `/requests/${id}`;
      const uploaded = await provider
        .post(`${requestUrl}/files`)
        .field('_csrf', csrfFrom((await provider.get(requestUrl)).text))
        .attach('evidenceFile', PDF, { filename: 'specialist report.pdf', contentType: 'application/pdf' });
      expect(uploaded.status).to.equal(302);
      const fileId = ctx.db
        .select()
        .from(evidenceFiles)
        .where(eq(evidenceFiles.recordKey, String(id)))
        .get()!.id;
      refuseRequest(ctx, id);
      // A quality assurer reads no request's evidence, until the decision is appealed and they may sit on its panel.
      const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
      expect((await qa.get(`/evidence/${fileId}`)).status).to.equal(404);
      const page = await provider.get(requestUrl);
      const decidedOn = ctx.db.select().from(assessmentRequests).where(eq(assessmentRequests.id, id)).get()!.decidedAt!;
      expect($(page.text)('#appeal + p').text()).to.contain(`Appeal by ${addWorkingDays(londonDateOf(decidedOn), 15)}`);
      const csrf = csrfFrom(page.text);
      const statement = 'I need the extra time to read the questions twice.';

      const blank = await provider
        .post(`${requestUrl}/appeal`)
        .type('form')
        .send({ _csrf: csrf, grounds: ' ', statement });
      expect(blank.status).to.equal(400);
      expect(summaryOf(blank.text)).to.deep.equal([{ text: 'Give the grounds for the appeal', href: '#grounds' }]);
      expect($(blank.text)('#statement').text()).to.equal(statement);

      const lodged = await provider
        .post(`${requestUrl}/appeal`)
        .type('form')
        .send({ _csrf: csrf, grounds: 'The specialist report was not read', statement });
      expect(lodged.status).to.equal(303);
      const appeal = ctx.db.select().from(appeals).where(eq(appeals.requestId, id)).get()!;
      expect(lodged.headers.location).to.equal(`/appeals/${appeal.id}`);
      expect(appeal).to.include({ attemptId: null, statement, grounds: 'The specialist report was not read' });
      const theirs = $((await provider.get(`/appeals/${appeal.id}`)).text);
      expect(theirs('#appeal-subject').text()).to.contain('Reasonable adjustment request: Refused');
      const after = $((await provider.get(requestUrl)).text);
      expect(after('#request-appeal').text()).to.contain('waiting for the panel’s decision');
      expect(after(`form[action="${requestUrl}/appeal"]`)).to.have.length(0);

      // The administrator who refused it may not decide the appeal; the list shows what was appealed.
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const list = $((await admin.get('/appeals')).text);
      expect(list(`#open-appeals a[href="/appeals/${appeal.id}"]`).closest('tr').text()).to.contain(
        'Reasonable adjustment: refused',
      );
      const adminPage = $((await admin.get(`/appeals/${appeal.id}`)).text);
      expect(adminPage('#appeal-conflicted').text()).to.contain('You made the decision appealed');
      expect(adminPage('input[name="decision"]')).to.have.length(0);
      // Nor the employer, whose business the request is not.
      const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
      expect((await employer.get(`/appeals/${appeal.id}`)).status).to.equal(404);

      const qaPage = await qa.get(`/appeals/${appeal.id}`);
      // The panel reads what was asked and its evidence (a quality assurer too, who has no requests pages).
      expect($(qaPage.text)('#appeal-request-details').text()).to.equal('Slow processing (fixture)');
      expect($(qaPage.text)('#appeal-request-files a').text()).to.equal('specialist report.pdf');
      expect((await qa.get(`/evidence/${fileId}`)).status).to.equal(200);
      expect($(qaPage.text)('label[for="decision-upheld"]').text()).to.contain('the refusal is set aside');
      const decided = await qa
        .post(`/appeals/${appeal.id}`)
        .type('form')
        .send({
          _csrf: csrfFrom(qaPage.text),
          decision: 'upheld',
          reasons: 'The report shows the need',
          panel: String(f.externalReviewer),
        });
      expect(
        decided.status,
        summaryOf(decided.text)
          .map((e) => e.text)
          .join('; '),
      ).to.equal(303);
      const reopened = ctx.db.select().from(assessmentRequests).where(eq(assessmentRequests.id, id)).get()!;
      expect(reopened).to.include({ status: 'requested', decidedBy: null, decisionReason: null });
      expect(reopened.decideBy).to.equal(addWorkingDays(todayIso(), 10));
      expect(auditAfter('request.reopened_on_appeal', id)).to.have.length(1);
      const shown = $((await provider.get(requestUrl)).text);
      expect(shown('#request-status').text()).to.equal('Awaiting decision');
      expect(shown('#request-appeal').text()).to.contain('Upheld. The report shows the need');
      const told = ctx.db
        .select()
        .from(outbox)
        .all()
        .filter((m) => m.subject === 'Appeal upheld');
      expect(told.at(-1)!.body).to.contain('the request will be decided again');
      // The message sends no reasons out of the service: they may speak of health.
      expect(told.at(-1)!.body).to.not.contain('The report shows the need');
      // The audit trail names the apprentice for the appeal's entries, and copies no reason of the refusal.
      expect(auditSubject(ctx.db, 'appeal', String(appeal.id)).text).to.contain('Marguerite Quillfeather');
      expect(JSON.stringify(auditAfter('request.reopened_on_appeal', id)[0]!.before)).to.not.contain('fixture');

      // The appeal still shows the refusal appealed, though the request waits for a decision again.
      const qaAfter = $((await qa.get(`/appeals/${appeal.id}`)).text);
      expect(qaAfter('#appeal-subject').text())
        .to.contain('Refused')
        .and.to.contain('The report does not support it (fixture)');
      expect(qaAfter('#appeal-subject').text()).to.contain('(the request now: Awaiting decision)');

      // Refused again: a new decision, which may be appealed in its turn.
      refuseRequest(ctx, id, 'Still not supported');
      const again = await provider.get(requestUrl);
      expect($(again.text)(`form[action="${requestUrl}/appeal"]`)).to.have.length(1);
    });

    it('refuses an appeal against a decision that was not a refusal, a second appeal, and one after the window', async () => {
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      const lodge = async (id: number) =>
        provider
          .post(`/requests/${id}/appeal`)
          .type('form')
          .send({ _csrf: csrfFrom((await provider.get(`/requests/${id}`)).text), grounds: 'Not read' });
      const approved = await lodge(f.decidedRequest);
      expect(approved.status).to.equal(409);
      expect($(approved.text)('main').text()).to.contain('Only a refused request can be appealed');

      const late = refusedRequest(ctx, f.a.uln);
      // Refused 30 days ago: past 15 working days.
      ctx.db
        .update(assessmentRequests)
        .set({ decidedAt: now().minus({ days: 30 }).toUTC().toISO() })
        .where(eq(assessmentRequests.id, late))
        .run();
      const tooLate = await lodge(late);
      expect(tooLate.status).to.equal(409);
      expect($(tooLate.text)('main').text()).to.match(
        /Appeals against this decision had to be lodged by \d{4}-\d{2}-\d{2}/,
      );
      expect(ctx.db.select().from(appeals).where(eq(appeals.requestId, late)).all()).to.have.length(0);

      const once = refusedRequest(ctx, f.a.uln);
      expect((await lodge(once)).status).to.equal(303);
      const twice = await lodge(once);
      expect(twice.status).to.equal(409);
      expect($(twice.text)('main').text()).to.contain('This decision has already been appealed');
    });
  });
});
