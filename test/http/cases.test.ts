import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { auditEvents, cases, epaAttempts, gradings, users } from '../../src/db/schema.js';
import { decideOutcome, releaseResults } from '../../src/grading/store.js';
import { unclaimedClaims, claimHeld } from '../../src/outcomes/claims.js';
import { epaoSettingsOf } from '../../src/grading/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, postForm } from '../support/app.js';
import { SETUP } from '../support/apprentices.js';
import {
  addQualityAssurer,
  buildFixture,
  completedResult,
  OTHER_ASSESSOR_EMAIL,
  type Fixture,
} from '../support/fixture.js';
import { now } from '../support/clock.js';

/*
 * Malpractice and maladministration, as the people who meet them: an assessor reports one from
 * their booking, the administrators see it in their list with its age and assign an investigator
 * with no part in it, who decides with a sanction. While it is open, the result it names is held
 * from release and from certificate claims; nobody it is about sees it.
 */
describe('malpractice and maladministration cases', () => {
  let ctx: TestContext;
  let f: Fixture;
  const ULNS = validUlns(5, 730_000_000);
  const ALLEGATION = 'The apprentice read answers from a second screen during the presentation';

  /** A second quality assurer: the fixture's own moderated these results, so may not investigate them. */
  let investigator: { id: number; email: string };

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    investigator = addQualityAssurer(ctx, 'investigator@test.example', 'Ines Investigator');
  });

  const post = postForm;
  const emailOf = (id: number) => ctx.db.select().from(users).where(eq(users.id, id)).get()!.email;
  const caseRow = (id: number) => ctx.db.select().from(cases).where(eq(cases.id, id)).get()!;

  /** A complete, unreleased result; its assessor reports the project from the booking page. */
  async function reported() {
    const result = completedResult(ctx, ULNS[0]!);
    const assessor = await signedInAgent(ctx.app, emailOf(result.assessor));
    const booking = $((await assessor.get(`/bookings/${result.bookings.project}`)).text);
    const link = booking('#report-case').attr('href')!;
    expect(link).to.equal(`/cases/new?uln=${result.apprentice.uln}&methodId=project`);
    const form = $((await assessor.get(link)).text);
    expect(form('#uln').val()).to.equal(result.apprentice.uln);
    expect(form('#methodId option[selected]').attr('value')).to.equal('project');
    const opened = await post(assessor, link, '/cases/new', {
      kind: 'malpractice',
      against: 'assessment',
      uln: result.apprentice.uln,
      methodId: 'project',
      allegation: ALLEGATION,
    });
    expect(opened.status, $(opened.text)('.govuk-error-summary').text()).to.equal(302);
    const id = Number(/^\/cases\/(\d+)\?opened=1$/.exec(opened.headers.location as string)![1]);
    return { ...result, assessorAgent: assessor, id };
  }

  it('takes a report from the assessor’s booking, lists it for administrators with its age, and holds the result from release', async () => {
    const { id, attempt, apprentice, bookings: booked } = await reported();
    expect(caseRow(id)).to.include({
      kind: 'malpractice',
      against: 'assessment',
      apprenticeId: apprentice.id,
      bookingId: booked.project,
      attemptNumber: 1,
      status: 'open',
    });
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.opened'), eq(auditEvents.entityId, String(id))))
      .get()!;
    expect(JSON.stringify(audit.after)).to.not.contain('second screen');

    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const list = $((await admin.get('/cases')).text);
    // The fixture's own case (against A's provider) is opened earlier: this one is second, oldest first.
    const row = list('#cases tbody tr').eq(1);
    expect(row.text())
      .to.contain(`Malpractice case ${id}`)
      .and.to.contain('Work-based project with presentation and questioning of Appellant')
      .and.to.contain('Result held');
    expect(row.find('td').eq(3).text()).to.equal('Today');
    expect($((await admin.get('/')).text)('#task-cases').text()).to.contain('2');

    // The apprentice's subject access shows the case, never who reported it.
    const page = await admin.get(`/apprentices/${apprentice.uln}/personal-data`);
    const exported = await admin
      .post(`/apprentices/${apprentice.uln}/personal-data/export`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    const data = JSON.parse(exported.text) as { cases: object[]; auditTrail: { entityType: string; actor: unknown }[] };
    expect(data.cases).to.have.length(1);
    expect(data.cases[0]).to.not.have.property('openedBy');
    const caseEntries = data.auditTrail.filter((e) => e.entityType === 'case');
    expect(caseEntries.map((e) => e.actor)).to.deep.equal([null]);
    expect(JSON.stringify(caseEntries)).to.not.contain('openedBy');

    // Held from release while it is open.
    const release = releaseResults(ctx.db, [attempt], SETUP, now());
    expect(release).to.deep.equal({
      ok: false,
      message: `Attempt 1 of apprentice ${apprentice.id} is held by malpractice case ${id}: decide the case before releasing it`,
    });
  });

  it('shows a held result as held on the results page, and refuses to set its assessment aside while the case is open', async () => {
    const { id, apprentice, bookings: booked } = await reported();
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const results = $((await admin.get('/results')).text);
    const row = results('tr').filter((_i, tr) => results(tr).text().includes(apprentice.uln));
    expect(row.text()).to.contain('Held by a malpractice or maladministration case');
    expect(row.find('input[type=checkbox]').length).to.equal(0);

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const page = `/apprentices/${apprentice.uln}/special-consideration/new`;
    const made = await post(provider, page, page, { bookingId: String(booked.project), reason: 'Unwell on the day' });
    const request = Number(/\/requests\/(\d+)/.exec(made.headers.location as string)![1]);
    const refused = await post(admin, `/requests/${request}`, `/requests/${request}/decision`, {
      status: 'approved',
      effect: 'not_counted',
      reason: 'Agreed',
    });
    expect(refused.status).to.equal(400);
    expect($(refused.text)('.govuk-error-summary').text()).to.contain(
      'A malpractice or maladministration case concerns this assessment',
    );
    expect(id).to.be.a('number');
  });

  it('is seen by administrators, its opener and its investigator only, never by those it concerns', async () => {
    const { id } = await reported();
    // The apprentice's provider, their employer, another assessor and a quality assurer not investigating it.
    for (const [who, status] of [
      ['provider', 404],
      ['qa', 404],
      ['otherProvider', 404],
      ['assessor', 404],
      ['employer', 403],
    ] as const) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      expect((await agent.get(`/cases/${id}`)).status, who).to.equal(status);
      if (who !== 'employer')
        expect($((await agent.get('/cases')).text)('#cases').text(), who).to.not.contain(`case ${id}`);
    }
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    // An investigator is an administrator or quality assurer with no part in it: the assessor is not offered.
    const page = $((await admin.get(`/cases/${id}`)).text);
    const offered = page('#investigatorUserId option')
      .toArray()
      .map((o) => page(o).text());
    expect(offered).to.include('Ines Investigator (quality assurer)');
    // The quality assurer who moderated the grading has a part in it.
    expect(
      offered.some((o) => o.startsWith(ctx.db.select().from(users).where(eq(users.id, ctx.users.qa.id)).get()!.name)),
    ).to.equal(false);
    expect(offered.some((o) => o.includes('Appeals Assessor'))).to.equal(false);
    const assessorId = caseRow(id).openedBy!;
    const refused = await post(admin, `/cases/${id}`, `/cases/${id}/investigator`, {
      investigatorUserId: String(assessorId),
    });
    expect(refused.status).to.equal(400);
    expect($(refused.text)('.govuk-error-summary').text()).to.contain(
      'An investigator is an administrator or a quality assurer',
    );

    const assigned = await post(admin, `/cases/${id}`, `/cases/${id}/investigator`, {
      investigatorUserId: String(investigator.id),
    });
    expect(assigned.status).to.equal(302);
    expect(caseRow(id)).to.include({ investigatorUserId: investigator.id, status: 'investigating' });
    const qa = await signedInAgent(ctx.app, investigator.email);
    const shown = $((await qa.get(`/cases/${id}`)).text);
    expect(shown('#case-investigator').text()).to.equal(
      ctx.db.select().from(users).where(eq(users.id, investigator.id)).get()!.name,
    );
    expect(shown('#case-details').text()).to.contain(ALLEGATION);
    expect(shown('form[action$="/decision"]').length).to.equal(1);
    // The provider still does not see it, nor may they decide it.
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect(
      (await post(provider, '/', `/cases/${id}/decision`, { outcome: 'not_upheld', reason: 'x' })).status,
    ).to.equal(404);
  });

  it('is decided by its investigator: upheld with a Fail, the grade follows, and the result may then be released', async () => {
    const result = await reported();
    const { id, attempt, bookings: booked } = result;
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    await post(admin, `/cases/${id}`, `/cases/${id}/investigator`, { investigatorUserId: String(investigator.id) });
    const qa = await signedInAgent(ctx.app, investigator.email);

    const noSanction = await post(qa, `/cases/${id}`, `/cases/${id}/decision`, {
      outcome: 'upheld',
      reason: 'The recording shows a second screen',
    });
    expect(noSanction.status).to.equal(400);
    expect($(noSanction.text)('.govuk-error-summary').text()).to.contain('Select the sanction for an upheld case');
    expect($(noSanction.text)('#reason').val()).to.equal('The recording shows a second screen');

    const decided = await post(qa, `/cases/${id}`, `/cases/${id}/decision`, {
      outcome: 'upheld',
      sanction: 'fail',
      reason: 'The recording shows a second screen',
    });
    expect(decided.status, $(decided.text)('.govuk-error-summary').text()).to.equal(302);
    expect(caseRow(id)).to.include({
      status: 'decided',
      outcome: 'upheld',
      sanction: 'fail',
      decidedBy: investigator.id,
    });
    const graded = ctx.db.select().from(gradings).where(eq(gradings.bookingId, booked.project)).get()!;
    expect(graded).to.include({ outcome: 'malpractice', outcomeDecision: 'fail', assessorGrade: 'Distinction' });
    expect(ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, attempt)).get()!.overallGrade).to.equal('Fail');
    const shown = $((await qa.get(`/cases/${id}`)).text);
    expect(shown('#case-decision').text()).to.equal('Upheld: The assessment graded Fail');
    expect(shown('#case-holds').length).to.equal(0);
    // The assessor who assessed it sees that it was decided, not the case or its reasons.
    const grading = await result.assessorAgent.get(`/bookings/${booked.project}/grade`);
    expect($(grading.text)('main').text())
      .to.contain('Decided by the assessment organisation after an investigation')
      .and.not.to.contain('second screen')
      .and.not.to.contain(`case ${id}`);
    // Nor is it decided again on the results page.
    const again = decideOutcome(ctx.db, result.apprentice, graded.id, 'withheld', 'Second thoughts', SETUP, now());
    expect(again).to.deep.equal({
      ok: false,
      message: `Malpractice case ${id} decided this assessment: it is not decided again here`,
    });
    // A second case on the same assessment cannot Fail what the first voided, nor void it again once failed.
    expect(releaseResults(ctx.db, [attempt], SETUP, now())).to.deep.equal({ ok: true, released: 1 });
    expect(
      ctx.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'case.decided'), eq(auditEvents.entityId, String(id))))
        .all(),
    ).to.have.length(1);
  });

  it('keeps a withheld result from release and claims for good, and refuses a result sanction on a case against a provider', async () => {
    const { id, attempt, apprentice } = await reported();
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    await post(admin, `/cases/${id}`, `/cases/${id}/investigator`, { investigatorUserId: String(investigator.id) });
    const qa = await signedInAgent(ctx.app, investigator.email);
    await post(qa, `/cases/${id}`, `/cases/${id}/decision`, {
      outcome: 'upheld',
      sanction: 'result_withheld',
      reason: 'Under police investigation',
    });
    expect(releaseResults(ctx.db, [attempt], SETUP, now())).to.deep.include({ ok: false });

    // Released before the case (a case opened after release): the claim is held, not sent.
    ctx.db
      .update(epaAttempts)
      .set({ releasedAt: now().minus({ days: 40 }).toUTC().toISO() })
      .where(eq(epaAttempts.id, attempt))
      .run();
    const claim = unclaimedClaims(ctx.db, now().toISODate(), epaoSettingsOf(ctx.db)).find(
      (c) => c.uln === apprentice.uln,
    )!;
    expect(claim.heldWhy).to.equal(
      'A malpractice or maladministration case holds the result: it is not claimed until the case allows',
    );
    expect(
      claimHeld(
        { appealOpen: false, caseOpen: false, highestGrade: false, releasedOn: '2020-01-01' },
        epaoSettingsOf(ctx.db),
        '2026-01-01',
      ),
    ).to.equal(null);

    // A provider case: only a warning.
    const opened = await post(qa, '/cases/new', '/cases/new', {
      kind: 'maladministration',
      against: 'provider',
      providerUkprn: apprentice.providerUkprn,
      allegation: 'Portfolios signed off without being read',
    });
    expect(opened.status, $(opened.text)('.govuk-error-summary').text()).to.equal(302);
    const providerCase = Number(/\/cases\/(\d+)/.exec(opened.headers.location as string)![1]);
    await post(admin, `/cases/${providerCase}`, `/cases/${providerCase}/investigator`, {
      investigatorUserId: String(ctx.users.admin.id),
    });
    const voided = await post(admin, `/cases/${providerCase}`, `/cases/${providerCase}/decision`, {
      outcome: 'upheld',
      sanction: 'result_void',
      reason: 'Confirmed',
    });
    expect(voided.status).to.equal(400);
    expect($(voided.text)('.govuk-error-summary').text()).to.contain(
      'Only a case against an assessment acts on a result',
    );
    const warned = await post(admin, `/cases/${providerCase}`, `/cases/${providerCase}/decision`, {
      outcome: 'upheld',
      sanction: 'warning',
      reason: 'Confirmed',
    });
    expect(warned.status).to.equal(302);
  });

  it('tells an assessor nothing of an apprentice they never assessed, whatever else the form lacks', async () => {
    const second = await signedInAgent(ctx.app, OTHER_ASSESSOR_EMAIL);
    const messages = async (uln: string) => {
      const res = await post(second, '/cases/new', '/cases/new', {
        kind: 'malpractice',
        against: 'assessment',
        uln,
        methodId: '',
        allegation: ALLEGATION,
      });
      return $(res.text)('.govuk-error-summary li')
        .toArray()
        .map((li) => $(res.text)(li).text().trim());
    };
    // A, whom they never assessed, and a ULN nobody has: the same answer.
    expect(await messages(f.a.uln)).to.deep.equal(await messages(ULNS[4]!));
  });

  it('refuses a report about an assessment the reporter cannot see, keeping what was typed', async () => {
    // The other provider reports about A, who is not theirs: told there is no such apprentice.
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    const res = await post(other, '/cases/new', '/cases/new', {
      kind: 'malpractice',
      against: 'assessment',
      uln: f.a.uln,
      methodId: 'project',
      allegation: ALLEGATION,
    });
    expect(res.status).to.equal(400);
    expect($(res.text)('.govuk-error-summary').text()).to.contain('Enter the ULN of an apprentice whose assessment');
    expect($(res.text)('#allegation').val()).to.equal(ALLEGATION);
    // The second assessor never assessed A.
    const second = await signedInAgent(ctx.app, OTHER_ASSESSOR_EMAIL);
    const theirs = await post(second, '/cases/new', '/cases/new', {
      kind: 'malpractice',
      against: 'assessment',
      uln: f.a.uln,
      methodId: 'project',
      allegation: ALLEGATION,
    });
    expect(theirs.status).to.equal(400);
    // Only the fixture's own case about A's discussion.
    expect(
      ctx.db
        .select({ id: cases.id })
        .from(cases)
        .where(eq(cases.against, 'assessment'))
        .all()
        .map((c) => c.id),
    ).to.deep.equal([f.caseDecision]);
  });
});
