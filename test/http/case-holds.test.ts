import { expect } from 'chai';
import { desc, eq } from 'drizzle-orm';
import supertest from 'supertest';
import { apprentices, auditEvents, caseHolds, epaAttempts, users } from '../../src/db/schema.js';
import { eraseApprentice } from '../../src/privacy/erasure.js';
import { subjectAccessExport } from '../../src/privacy/subject-access.js';
import { findApprenticeByUln } from '../../src/apprentices/store.js';
import { epaoSettingsOf, releaseResults } from '../../src/grading/store.js';
import { unclaimedClaims } from '../../src/outcomes/claims.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, postForm } from '../support/app.js';
import { SETUP, readyApprentice } from '../support/apprentices.js';
import { addQualityAssurer, buildFixture, completedResult, type Fixture } from '../support/fixture.js';
import { now } from '../support/clock.js';

/*
 * A case against an assessor or a training provider holds the results it names: an administrator
 * or its investigator names each (an apprentice's latest attempt, which that assessor assessed or
 * which is one of that provider's apprentices'), and until the case is decided those results are
 * neither released nor claimed. A case against an assessment holds its own result (cases.test.ts).
 */
describe('results held by a case against an assessor or a provider', () => {
  let ctx: TestContext;
  let f: Fixture;
  const ULNS = validUlns(4, 741_000_000);
  let investigator: { id: number; email: string };

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    investigator = addQualityAssurer(ctx, 'holds.investigator@test.example', 'Hana Holds');
  });

  const post = postForm;
  const errorLinks = (html: string) => {
    const doc = $(html);
    return doc('.govuk-error-summary a')
      .map((_, a) => ({ href: doc(a).attr('href'), text: doc(a).text().trim() }))
      .get();
  };
  const lastAudit = () => ctx.db.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1).get()!;
  const claimOf = (uln: string) =>
    unclaimedClaims(ctx.db, now().toISODate(), epaoSettingsOf(ctx.db)).find((c) => c.uln === uln);

  async function openAgainstAssessor(admin: supertest.Agent, assessorUserId: number) {
    const opened = await post(admin, '/cases/new', '/cases/new', {
      kind: 'malpractice',
      against: 'assessor',
      assessorUserId: String(assessorUserId),
      allegation: 'Grades copied between candidates assessed on the same day',
    });
    expect(opened.status, $(opened.text)('.govuk-error-summary').text()).to.equal(302);
    return Number(/^\/cases\/(\d+)/.exec(opened.headers.location as string)![1]);
  }

  it('holds a named result from release and claims until the case is decided, and shows it on the case', async () => {
    const result = completedResult(ctx, ULNS[0]!);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const id = await openAgainstAssessor(admin, result.assessor);
    const page = `/cases/${id}`;
    const toRelease = async () =>
      Number($((await admin.get('/')).text)('#task-release .app-task__count').text() || '0');
    const releasable = await toRelease();
    expect(releasable).to.be.greaterThan(0);
    let shown = $((await admin.get(page)).text);
    expect(shown('#holds').text()).to.equal('Results this case holds');
    expect(shown('#no-holds').text()).to.equal('It holds no results yet.');

    // A blank ULN: the error summary links to the field, and the reason typed is kept.
    const blank = await post(admin, page, `${page}/holds`, { uln: '', holdReason: 'Graded by this assessor' });
    expect(blank.status).to.equal(400);
    expect(errorLinks(blank.text)).to.deep.equal([
      { href: '#hold-uln', text: 'Enter the ULN of the apprentice whose result the case holds' },
    ]);
    expect($(blank.text)('textarea#holdReason').val()).to.equal('Graded by this assessor');
    expect(ctx.db.select().from(caseHolds).all()).to.have.length(0);

    const held = await post(admin, page, `${page}/holds`, {
      uln: result.apprentice.uln,
      holdReason: 'Graded by this assessor on the day alleged\r\nSee the investigation notes',
    });
    expect(held.status).to.equal(302);
    shown = $((await admin.get(page)).text);
    expect(shown('#case-holds').text()).to.equal('Holding 1 result');
    const list = $((await admin.get('/cases')).text);
    expect(list(`#cases tr:has(a[href="${page}"])`).text()).to.contain('Holding 1 result');
    const card = shown('.govuk-summary-card');
    expect(card.find('.govuk-summary-card__title').text()).to.equal(
      `${result.apprentice.givenNames} ${result.apprentice.familyName} (ULN ${result.apprentice.uln})`,
    );
    expect(card.find('dd').first().text()).to.equal('1');
    expect(card.find('.app-pre-line').text()).to.equal(
      'Graded by this assessor on the day alleged\nSee the investigation notes',
    );
    expect(lastAudit()).to.include({ action: 'case.result_held', entityType: 'case', entityId: String(id) });
    expect(lastAudit().reason).to.equal('Graded by this assessor on the day alleged\r\nSee the investigation notes');

    // The home page no longer counts it as ready; the release page shows it held, with nothing to tick; a release is refused.
    expect(await toRelease()).to.equal(releasable - 1);
    const results = $((await admin.get('/results')).text);
    const row = results('tr').filter((_i, tr) => results(tr).text().includes(result.apprentice.uln));
    expect(row.text()).to.contain('Held by a malpractice or maladministration case');
    expect(row.find('input[type=checkbox]')).to.have.length(0);
    expect(releaseResults(ctx.db, [result.attempt], SETUP, now())).to.deep.include({ ok: false });
    // Released before the case: its claim is held too.
    ctx.db
      .update(epaAttempts)
      .set({ releasedAt: now().minus({ days: 40 }).toUTC().toISO() })
      .where(eq(epaAttempts.id, result.attempt))
      .run();
    expect(claimOf(result.apprentice.uln)!.heldWhy).to.equal(
      'A malpractice or maladministration case holds the result: it is not claimed until the case allows',
    );

    // Named twice: refused.
    const again = await post(admin, page, `${page}/holds`, { uln: result.apprentice.uln, holdReason: 'Again' });
    expect(errorLinks(again.text)).to.deep.equal([{ href: '#hold-uln', text: 'This case holds this result already' }]);

    // Its investigator ends the hold, with a reason; a blank one is refused and the form stays open.
    await post(admin, page, `${page}/investigator`, { investigatorUserId: String(investigator.id) });
    const qa = await signedInAgent(ctx.app, investigator.email);
    const holdId = ctx.db.select().from(caseHolds).get()!.id;
    const end = `${page}/holds/${holdId}/end`;
    const noReason = await post(qa, page, end, { endReason: ' ' });
    expect(noReason.status).to.equal(400);
    expect(errorLinks(noReason.text)).to.deep.equal([
      { href: `#end-reason-${holdId}`, text: 'Say why the case no longer holds this result' },
    ]);
    expect($(noReason.text)(`#hold-${holdId} details`).attr('open')).to.equal('open');
    expect((await post(qa, page, end, { endReason: 'The dates do not match: another day' })).status).to.equal(302);
    // Kept, marked as ended: the case shows it was held and why it no longer is, with no form to end it again.
    const endedCard = $((await qa.get(page)).text)(`#hold-${holdId}`);
    expect(endedCard.text()).to.contain('No longer held').and.contain('The dates do not match: another day');
    expect(endedCard.find('form')).to.have.length(0);
    expect((await post(qa, page, end, { endReason: 'Again' })).status).to.equal(404);
    expect(lastAudit()).to.include({ action: 'case.hold_ended', reason: 'The dates do not match: another day' });
    expect(claimOf(result.apprentice.uln)!.heldWhy).to.equal(undefined);

    // Named again, then the case is decided: the hold ends with it, and the page says what it did.
    await post(qa, page, `${page}/holds`, { uln: result.apprentice.uln, holdReason: 'Named again' });
    expect(claimOf(result.apprentice.uln)!.heldWhy).to.be.a('string');
    const decided = await post(qa, page, `${page}/decision`, {
      outcome: 'upheld',
      sanction: 'warning',
      reason: 'Copied grades on two days; retrained',
    });
    expect(decided.status).to.equal(302);
    expect(claimOf(result.apprentice.uln)!.heldWhy).to.equal(undefined);
    shown = $((await admin.get(page)).text);
    expect(shown('#holds').next().text()).to.contain('held these results from release and certificate claims until');
    expect(shown('#case-holds')).to.have.length(0);
    expect(shown('#hold-form')).to.have.length(0);
    expect(shown('.govuk-summary-card details')).to.have.length(0);
  });

  it('holds only a result the case is about, and writes nothing when it refuses', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = `/cases/${f.case}`; // against A's provider
    const refusal = async (uln: string) => {
      const res = await post(admin, page, `${page}/holds`, { uln, holdReason: 'Checking' });
      expect(res.status).to.equal(400);
      expect($(res.text)('input#hold-uln').val()).to.equal(uln);
      return errorLinks(res.text).map((l) => l.text);
    };
    expect(await refusal(f.b.uln)).to.deep.equal([
      'This apprentice is not with the training provider this case is against',
    ]);
    expect(await refusal(ULNS[3]!)).to.deep.equal(['There is no apprentice with this ULN']);
    const unassessed = readyApprentice(ctx.db, ULNS[2]!, 'Nadia', 'Notyet');
    expect(await refusal(unassessed.uln)).to.deep.equal([
      'This apprentice has not been assessed yet: there is no result to hold',
    ]);
    // A case against an assessor: a result another assessor assessed is not its to hold.
    const result = completedResult(ctx, ULNS[1]!);
    const { passwordHash } = ctx.db.select().from(users).where(eq(users.id, ctx.users.assessor.id)).get()!;
    const other = ctx.db
      .insert(users)
      .values({ email: 'holds.other@test.example', name: 'Olu Other', role: 'assessor', passwordHash })
      .returning({ id: users.id })
      .get();
    const id = await openAgainstAssessor(admin, other.id);
    const res = await post(admin, `/cases/${id}`, `/cases/${id}/holds`, {
      uln: result.apprentice.uln,
      holdReason: 'Checking',
    });
    expect(errorLinks(res.text).map((l) => l.text)).to.deep.equal([
      'The assessor this case is against did not assess this apprentice’s latest attempt',
    ]);
    expect(ctx.db.select().from(caseHolds).all()).to.have.length(0);
  });

  it('puts a hold in the apprentice’s subject access export, keeps them from erasure while it holds, and erases its reason', async () => {
    const result = completedResult(ctx, ULNS[0]!);
    expect(releaseResults(ctx.db, [result.attempt], SETUP, now())).to.deep.include({ ok: true });
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const id = await openAgainstAssessor(admin, result.assessor);
    const reason = `Graded by this assessor; ${result.apprentice.givenNames} was told on the day`;
    await post(admin, `/cases/${id}`, `/cases/${id}/holds`, { uln: result.apprentice.uln, holdReason: reason });
    const apprentice = () => ctx.db.select().from(apprentices).where(eq(apprentices.id, result.apprentice.id)).get()!;

    const exported = subjectAccessExport(ctx.db, findApprenticeByUln(ctx.db, result.apprentice.uln)!, now());
    expect(exported.resultsHeldByCases).to.have.length(1);
    expect(exported.resultsHeldByCases[0]).to.include({ attemptNumber: 1, reason, caseKind: 'malpractice' });

    const refused = eraseApprentice(ctx.db, apprentice(), SETUP, 'Asked for erasure', now());
    expect(refused).to.deep.equal({
      ok: false,
      reasons: ['A malpractice or maladministration case against their assessor or provider holds their result.'],
    });
    await post(admin, `/cases/${id}`, `/cases/${id}/investigator`, { investigatorUserId: String(investigator.id) });
    const qa = await signedInAgent(ctx.app, investigator.email);
    await post(qa, `/cases/${id}`, `/cases/${id}/decision`, { outcome: 'not_upheld', reason: 'No evidence' });
    const erased = eraseApprentice(ctx.db, apprentice(), SETUP, 'Asked for erasure', now());
    expect(erased.ok, JSON.stringify(erased)).to.equal(true);
    expect(ctx.db.select().from(caseHolds).get()!.reason).to.equal('[erased]');
  });

  it('lets administrators and the investigator choose, and nobody else', async () => {
    const page = `/cases/${f.case}`;
    const body = { uln: f.a.uln, holdReason: 'Signed off by this provider' };
    // The opener (an assessor) sees the case but not what it holds (the apprentices named need not
    // be theirs to see), and does not choose it.
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect((await post(admin, page, `${page}/holds`, body)).status).to.equal(302);
    const opener = await signedInAgent(ctx.app, ctx.users.assessor.email);
    const seen = await opener.get(page);
    expect(seen.status).to.equal(200);
    expect($(seen.text)('#holds, #hold-form, #case-holds')).to.have.length(0);
    expect(seen.text).to.not.contain(f.a.uln).and.not.contain('Signed off by this provider');
    expect((await post(opener, page, `${page}/holds`, { ...body, uln: f.b.uln })).status).to.equal(403);
    // The provider it is against does not see it at all.
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const csrf = csrfFrom((await provider.get('/cases')).text);
    expect(
      (
        await provider
          .post(`${page}/holds`)
          .type('form')
          .send({ ...body, _csrf: csrf })
      ).status,
    ).to.equal(404);
    // A case against an assessment holds its own result.
    const assessment = await post(admin, `/cases/${f.caseDecision}`, `/cases/${f.caseDecision}/holds`, body);
    expect(assessment.status).to.equal(409);
    expect(ctx.db.select().from(caseHolds).all()).to.have.length(1);
  });
});
