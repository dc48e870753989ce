import { expect } from 'chai';
import { and, eq, sql } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import {
  appeals,
  apprentices,
  auditEvents,
  bookings,
  cases,
  epaAttempts,
  gradings,
  outbox,
  users,
} from '../../src/db/schema.js';
import { unclaimedClaims } from '../../src/outcomes/claims.js';
import { eraseApprentice } from '../../src/privacy/erasure.js';
import { caseActingOn, resultHeldBy } from '../../src/cases/store.js';
import { decideAppeal, epaoSettingsOf, releaseResults } from '../../src/grading/store.js';
import { addDays } from '../../src/calendar.js';
import { addWorkingDays } from '../../src/grading/rules.js';
import { $, signedInAgent, testApp, type TestContext, postForm } from '../support/app.js';
import { SETUP } from '../support/apprentices.js';
import { now, todayIso } from '../support/clock.js';
import { addQualityAssurer, buildFixture, completedResult, upheldCase, type Fixture } from '../support/fixture.js';
import type { Sanction } from '../../src/cases/rules.js';

/*
 * Appeals against malpractice and maladministration decisions (Ofqual General Condition I1.1): the
 * provider reads the decision on the apprentice's results page (the action taken and its reasons,
 * never the allegation or who raised it) and appeals on the apprentice's behalf; a panel with an
 * external member and nobody from the case decides; upheld, the decision is set aside and what
 * its sanction did to the result is undone.
 */
describe('appeals against decisions after an investigation', () => {
  let ctx: TestContext;
  let f: Fixture;
  const ULNS = validUlns(20, 760_000_000);
  let next = 0;
  /** Investigates and decides every case here: neither the opener nor involved in the result. */
  let investigator: { id: number; email: string };

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    investigator = addQualityAssurer(ctx, 'case.investigator@test.example', 'Ivo Investigator');
  });

  /** A complete result of its own, its project decided upheld with `sanction` after an investigation. */
  function decided(sanction: Sanction) {
    const result = completedResult(ctx, ULNS[next++]!);
    const id = upheldCase(ctx, {
      opener: result.assessor,
      investigator: investigator.id,
      uln: result.apprentice.uln,
      methodId: 'project',
      sanction,
    });
    return { ...result, id, resultsPage: `/apprentices/${result.apprentice.uln}/results` };
  }
  const post = postForm;
  const appealUrl = (d: ReturnType<typeof decided>) => `${d.resultsPage}/decisions/${d.id}/appeal`;
  const caseRow = (id: number) => ctx.db.select().from(cases).where(eq(cases.id, id)).get()!;
  const gradingRow = (id: number) => ctx.db.select().from(gradings).where(eq(gradings.id, id)).get()!;
  const attemptRow = (id: number) => ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, id)).get()!;
  /** The appeal decided by the administrator with the external reviewer on the panel. */
  const uphold = (appealId: number, decision: 'upheld' | 'not_upheld' = 'upheld') =>
    decideAppeal(
      ctx.db,
      appealId,
      { decision, reasons: 'The notes were an approved adjustment', changes: [], panel: [f.externalReviewer] },
      { userId: ctx.users.admin.id, label: 'admin' },
      now(),
    );

  it('tells the provider the decision and its reasons, not the allegation, and takes its appeal on the apprentice’s behalf', async () => {
    const d = decided('fail');
    // The provider is told by email, with the day appeals close.
    const told = ctx.db.select().from(outbox).where(eq(outbox.subject, 'A decision after an investigation')).all();
    expect(told.map((m) => m.toEmail)).to.include(ctx.users.provider.email);
    const mail = told.find((m) => m.body.includes(d.apprentice.uln))!;
    expect(mail.body).to.contain('The assessment graded Fail').and.not.to.contain('Notes brought in');

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const page = $((await provider.get(d.resultsPage)).text);
    const shown = page(`#case-decision-${d.id}`).text().replace(/\s+/g, ' ');
    expect(shown)
      .to.contain('Malpractice: Work-based project with presentation and questioning (attempt 1)')
      .and.contain('The assessment graded Fail')
      .and.contain('The notes were found on the desk (fixture)')
      .and.not.contain('Notes brought in');
    expect(page(`#case-decision-${d.id} form`).attr('action')).to.equal(appealUrl(d));
    // The employer sees the result, not the decision's reasons.
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    expect($((await employer.get(d.resultsPage)).text)('#case-decisions').length).to.equal(0);

    const blank = await post(provider, d.resultsPage, appealUrl(d), { grounds: '', statement: 'In my own words' });
    expect(blank.status).to.equal(400);
    const refused = $(blank.text);
    expect(refused('.govuk-error-summary a').attr('href')).to.equal(`#case-grounds-${d.id}`);
    expect(refused('.govuk-error-summary').text()).to.contain('Give the grounds for the appeal');
    expect(refused(`#case-statement-${d.id}`).val()).to.equal('In my own words');
    expect(
      refused(`#case-grounds-${d.id}`).closest('.govuk-form-group').find('.govuk-error-message').text(),
    ).to.contain('Give the grounds for the appeal');
    expect(ctx.db.select().from(appeals).where(eq(appeals.caseId, d.id)).all()).to.deep.equal([]);

    const lodged = await post(provider, d.resultsPage, appealUrl(d), {
      grounds: 'The notes were allowed',
      statement: 'In my own words',
    });
    expect(lodged.status).to.equal(303);
    const appeal = ctx.db.select().from(appeals).where(eq(appeals.caseId, d.id)).get()!;
    expect(lodged.headers.location).to.equal(`/appeals/${appeal.id}`);
    expect(appeal).to.include({ lodgedBy: ctx.users.provider.id, grounds: 'The notes were allowed', attemptId: null });
    const lodgedPage = $((await provider.get(`/appeals/${appeal.id}`)).text);
    expect(lodgedPage('#appeal-subject').text()).to.contain('The assessment graded Fail');
    expect(lodgedPage('main').text()).not.to.contain('Notes brought in');

    // Once: the results page shows the appeal instead of the form, and a second one is refused.
    const after = $((await provider.get(d.resultsPage)).text);
    expect(after(`#case-decision-${d.id} form`).length).to.equal(0);
    expect(after(`#case-decision-${d.id}`).text()).to.contain('Waiting for a decision');
    const again = await post(provider, d.resultsPage, appealUrl(d), { grounds: 'Again' });
    expect(again.status).to.equal(409);
    expect($(again.text)('.govuk-error-summary').text()).to.contain('This decision has already been appealed');

    // The administrators' list names what is appealed; the panel reads the allegation.
    const adminAgent = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect($((await adminAgent.get('/appeals')).text)('main').text()).to.contain(
      'Decision after an investigation: The assessment graded Fail',
    );
    expect($((await adminAgent.get(`/appeals/${appeal.id}`)).text)('#appeal-case-allegation').text()).to.contain(
      'Notes brought in',
    );
  });

  it('sends what a refused appeal said back to its own form only, not to the page’s other appeal forms', async () => {
    const d = decided('fail');
    const other = upheldCase(ctx, {
      opener: d.assessor,
      investigator: investigator.id,
      uln: d.apprentice.uln,
      methodId: 'discussion',
      sanction: 'warning',
    });
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const refused = $(
      (await post(provider, d.resultsPage, appealUrl(d), { grounds: '', statement: 'In my own words' })).text,
    );
    expect(refused(`#case-statement-${d.id}`).val()).to.equal('In my own words');
    expect(refused(`#case-statement-${other}`).val()).to.equal('');
    expect(refused(`#case-grounds-${other}`).closest('.govuk-form-group').hasClass('govuk-form-group--error')).to.equal(
      false,
    );
    expect(
      refused('textarea[name="statement"]').filter((_, e) => refused(e).val() === 'In my own words'),
    ).to.have.length(1);
  });

  it('undoes a Fail on an upheld appeal: the grading as it was, the result worked out and released again, all audited', async () => {
    const d = decided('fail');
    expect(gradingRow(d.gradings.project)).to.include({ outcome: 'malpractice', grade: 'Fail' });
    expect(releaseResults(ctx.db, [d.attempt], SETUP, now())).to.deep.equal({ ok: true, released: 1 });
    expect(attemptRow(d.attempt).overallGrade).to.equal('Fail');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await post(provider, d.resultsPage, appealUrl(d), { grounds: 'The notes were allowed' });
    const appeal = ctx.db.select().from(appeals).where(eq(appeals.caseId, d.id)).get()!;

    // The investigator who decided the case is not on the panel.
    const qa = await signedInAgent(ctx.app, investigator.email);
    expect($((await qa.get(`/appeals/${appeal.id}`)).text)('#appeal-conflicted').text()).to.contain(
      'You took part in the case or the assessment',
    );

    const adminAgent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const upheld = await post(adminAgent, `/appeals/${appeal.id}`, `/appeals/${appeal.id}`, {
      decision: 'upheld',
      reasons: 'The notes were an approved adjustment',
      panel: String(f.externalReviewer),
    });
    expect(upheld.status, $(upheld.text)('.govuk-error-summary').text()).to.equal(303);
    expect(gradingRow(d.gradings.project)).to.include({
      outcome: 'graded',
      outcomeDecision: null,
      grade: 'Distinction',
    });
    expect(attemptRow(d.attempt).overallGrade).to.equal('Distinction');
    expect(attemptRow(d.attempt).releasedAt).not.to.equal(null);
    expect(caseRow(d.id).setAsideAt).not.to.equal(null);
    expect(caseActingOn(ctx.db, d.bookings.project)).to.equal(undefined);
    const actions = ctx.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.actorUserId, ctx.users.admin.id))
      .all()
      .map((e) => e.action);
    expect(actions).to.include.members(['case.set_aside_on_appeal', 'grading.sanction_undone', 'appeal.upheld']);
    const shown = $((await provider.get(d.resultsPage)).text);
    expect(shown(`#case-decision-${d.id}`).text())
      .to.contain('Set aside on appeal')
      .and.contain('Upheld');
    expect(shown('#attempt-1 h2').text()).to.contain('Distinction');
  });

  it('puts a voided assessment’s booking back, unless its method has been booked again in the attempt', async () => {
    const d = decided('result_void');
    const booking = () => ctx.db.select().from(bookings).where(eq(bookings.id, d.bookings.project)).get()!;
    expect(booking().status).to.equal('void');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await post(provider, d.resultsPage, appealUrl(d), { grounds: 'The notes were allowed' });
    const appeal = ctx.db.select().from(appeals).where(eq(appeals.caseId, d.id)).get()!;
    // Booked again meanwhile (the void made room for it): the appeal cannot put the first back beside it.
    const again = ctx.db
      .insert(bookings)
      .values({ ...booking(), id: undefined, status: 'held', startsAt: now().plus({ days: 20 }).toUTC().toISO() })
      .returning()
      .get();
    const refused = uphold(appeal.id);
    expect(refused.ok).to.equal(false);
    expect(refused.ok ? '' : refused.message).to.contain('booked again since');
    expect(ctx.db.select().from(appeals).where(eq(appeals.id, appeal.id)).get()!.decision).to.equal(null);
    expect(booking().status).to.equal('void');

    ctx.db.update(bookings).set({ status: 'cancelled' }).where(eq(bookings.id, again.id)).run();
    expect(uphold(appeal.id)).to.deep.equal({ ok: true });
    expect(booking().status).to.equal('completed');
    expect(gradingRow(d.gradings.project)).to.include({ outcome: 'graded', outcomeDecision: null });
    expect(attemptRow(d.attempt).overallGrade).to.equal('Distinction');
  });

  it('holds a withheld result no longer once the appeal is upheld, and leaves it held when it is not', async () => {
    const withheld = decided('result_withheld');
    const kept = decided('result_withheld');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    for (const d of [withheld, kept])
      await post(provider, d.resultsPage, appealUrl(d), { grounds: 'Nothing was found against the apprentice' });
    const appealOf = (id: number) => ctx.db.select().from(appeals).where(eq(appeals.caseId, id)).get()!.id;
    expect(uphold(appealOf(withheld.id))).to.deep.equal({ ok: true });
    expect(uphold(appealOf(kept.id), 'not_upheld')).to.deep.equal({ ok: true });
    expect(resultHeldBy(ctx.db, withheld.apprentice.id, 1)).to.equal(undefined);
    expect(resultHeldBy(ctx.db, kept.apprentice.id, 1)?.id).to.equal(kept.id);
    expect(releaseResults(ctx.db, [withheld.attempt], SETUP, now())).to.deep.equal({ ok: true, released: 1 });
    expect(releaseResults(ctx.db, [kept.attempt], SETUP, now())).to.deep.include({ ok: false });
    const mail = ctx.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, ctx.users.provider.email), eq(outbox.subject, 'Appeal not upheld')))
      .all();
    expect(mail.some((m) => m.body.includes(kept.apprentice.uln) && m.body.includes('the decision stands'))).to.equal(
      true,
    );
  });

  it('refuses an appeal after the window, from anyone but the apprentice’s provider, and against a case not upheld', async () => {
    const d = decided('warning');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    // The earliest decision day whose last day to appeal is still today; the day before it is too late.
    const { appealWorkingDays } = epaoSettingsOf(ctx.db);
    let lastChanceDay = todayIso();
    while (addWorkingDays(addDays(lastChanceDay, -1), appealWorkingDays) >= todayIso())
      lastChanceDay = addDays(lastChanceDay, -1);
    const setDecided = (day: string) =>
      ctx.db
        .update(cases)
        .set({ decidedAt: `${day}T12:00:00.000Z` })
        .where(eq(cases.id, d.id))
        .run();
    setDecided(addDays(lastChanceDay, -1));
    const late = await post(provider, d.resultsPage, appealUrl(d), { grounds: 'Late' });
    expect(late.status).to.equal(409);
    expect($(late.text)('.govuk-error-summary').text()).to.contain('Appeals against this decision had to be lodged by');

    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    const adminAgent = await signedInAgent(ctx.app, ctx.users.admin.email);
    setDecided(lastChanceDay);
    expect((await post(other, '/', appealUrl(d), { grounds: 'Not ours' })).status).to.equal(404);
    expect((await post(employer, d.resultsPage, appealUrl(d), { grounds: 'Ours' })).status).to.equal(403);
    expect((await post(adminAgent, d.resultsPage, appealUrl(d), { grounds: 'Ours' })).status).to.equal(403);
    // Another apprentice's decision reached through this apprentice's page is not there either.
    const elsewhere = `/apprentices/${f.a.uln}/results/decisions/${d.id}/appeal`;
    expect((await post(provider, d.resultsPage, elsewhere, { grounds: 'Crossed' })).status).to.equal(404);
    expect(ctx.db.select().from(appeals).where(eq(appeals.caseId, d.id)).all()).to.deep.equal([]);
    expect((await post(provider, d.resultsPage, appealUrl(d), { grounds: 'On the last day' })).status).to.equal(303);

    // A case not upheld took no action: nothing to appeal.
    ctx.db.update(cases).set({ outcome: 'not_upheld', sanction: null }).where(eq(cases.id, f.caseDecision)).run();
    const page = $((await provider.get(`/apprentices/${f.a.uln}/results`)).text);
    expect(page(`#case-decision-${f.caseDecision}`).length).to.equal(0);
    const refused = await post(
      provider,
      `/apprentices/${f.a.uln}/results`,
      `/apprentices/${f.a.uln}/results/decisions/${f.caseDecision}/appeal`,
      {
        grounds: 'Nothing',
      },
    );
    expect(refused.status).to.equal(404);
  });

  it('holds the claim and any resit while the appeal waits, and takes no appeal once a resit has started', async () => {
    // A malpractice warning leaves the Distinction to be released and claimed.
    const warned = decided('warning');
    expect(releaseResults(ctx.db, [warned.attempt], SETUP, now())).to.deep.equal({ ok: true, released: 1 });
    const claimOf = (uln: string) =>
      unclaimedClaims(ctx.db, todayIso(), epaoSettingsOf(ctx.db)).find((c) => c.uln === uln)!;
    // Held only for the appeal window after release, as every result is.
    expect(claimOf(warned.apprentice.uln).heldWhy).to.match(/^The appeal period runs until/);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await post(provider, warned.resultsPage, appealUrl(warned), { grounds: 'The notes were allowed' });
    expect(claimOf(warned.apprentice.uln).heldWhy).to.equal('An appeal is open: a result under appeal is not claimed');

    // A released Fail under appeal is not resat meanwhile.
    const failed = decided('fail');
    releaseResults(ctx.db, [failed.attempt], SETUP, now());
    await post(provider, failed.resultsPage, appealUrl(failed), { grounds: 'The notes were allowed' });
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    const further = `${failed.resultsPage}/${failed.attempt}/further`;
    const resit = await post(employer, failed.resultsPage, further, { 'kind[project]': 'resit' });
    expect(resit.status).to.equal(409);
    expect($(resit.text)('.govuk-error-summary').text()).to.contain(
      'An appeal against a decision after an investigation into this result is open: wait for its decision',
    );

    // A resit started before any appeal: the decision about the first attempt can no longer be appealed.
    const resat = decided('fail');
    releaseResults(ctx.db, [resat.attempt], SETUP, now());
    const started = await post(employer, resat.resultsPage, `${resat.resultsPage}/${resat.attempt}/further`, {
      'kind[project]': 'resit',
    });
    expect(started.status, $(started.text)('.govuk-error-summary').text()).to.equal(303);
    expect($((await provider.get(resat.resultsPage)).text)(`#case-decision-${resat.id} form`).length).to.equal(0);
    const late = await post(provider, resat.resultsPage, appealUrl(resat), { grounds: 'After the resit' });
    expect(late.status).to.equal(409);
    expect($(late.text)('.govuk-error-summary').text()).to.contain('A later attempt has started');
  });

  it('keeps everyone with a part in the case or the assessment off the panel and away from the allegation', async () => {
    const d = decided('fail');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await post(provider, d.resultsPage, appealUrl(d), { grounds: 'The notes were allowed' });
    const appeal = ctx.db.select().from(appeals).where(eq(appeals.caseId, d.id)).get()!;
    // The fixture's quality assurer moderated the assessment (an assessor's first gradings are always sampled).
    const moderator = await signedInAgent(ctx.app, ctx.users.qa.email);
    const page = $((await moderator.get(`/appeals/${appeal.id}`)).text);
    expect(page('#appeal-conflicted').text()).to.contain('You took part in the case or the assessment');
    expect(page('#appeal-case-allegation').length).to.equal(0);
    expect(page('main').text()).not.to.contain('Notes brought in');
    const tried = decideAppeal(
      ctx.db,
      appeal.id,
      { decision: 'upheld', reasons: 'Mine', changes: [], panel: [f.externalReviewer] },
      { userId: ctx.users.qa.id, label: 'qa' },
      now(),
    );
    expect(tried.ok ? '' : tried.message).to.contain('You took part in the case or the assessment');
    // The external reviewer, who had no part in it, reads the allegation.
    const external = ctx.db.select().from(users).where(eq(users.id, f.externalReviewer)).get()!;
    const reviewer = await signedInAgent(ctx.app, external.email);
    expect($((await reviewer.get(`/appeals/${appeal.id}`)).text)('#appeal-case-allegation').text()).to.contain(
      'Notes brought in',
    );
  });

  it('erases the reasons kept from before the sanction with the rest of the apprentice’s record', () => {
    const d = decided('fail');
    ctx.db
      .update(cases)
      .set({ beforeSanction: sql`json_set(before_sanction, '$.outcomeReason', 'Kept under the desk by Appellant')` })
      .where(eq(cases.id, d.id))
      .run();
    releaseResults(ctx.db, [d.attempt], SETUP, now());
    const erased = eraseApprentice(
      ctx.db,
      ctx.db.select().from(apprentices).where(eq(apprentices.id, d.apprentice.id)).get()!,
      SETUP,
      'Asked for erasure',
      now(),
    );
    expect(erased.ok, JSON.stringify(erased)).to.equal(true);
    expect(caseRow(d.id).beforeSanction).to.include({ outcomeReason: '[erased]', outcomeDecisionReason: null });
  });
});
