import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { auditSubject } from '../../src/audit/store.js';
import { appeals, auditEvents, cases, evidenceFiles, outbox } from '../../src/db/schema.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, postForm } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * A training provider appeals a decision after an investigation into the provider itself (Ofqual
 * General Condition I1.1(c): "action to be taken against a Learner or a Centre"). It reads the
 * decision under Decisions about your organisation, lodges its grounds there, and follows the
 * appeal on its own page; a panel with an external member and nobody from the case decides it.
 * A decision about an assessor is not appealed here. The fixture's `providerDecision` is a
 * maladministration warning to A's provider, investigated and decided by the administrator.
 */
describe('a training provider’s appeal against a decision about itself', () => {
  let ctx: TestContext;
  let f: Fixture;

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  const DECISIONS = '/cases/decisions-about-you';
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const appealUrl = (id: number) => `${DECISIONS}/${id}/appeal`;
  const card = async (agent: Awaited<ReturnType<typeof signedInAgent>>, id: number) =>
    $((await agent.get(DECISIONS)).text)(`#decision-${id}`);
  const appealOf = (caseId: number) => ctx.db.select().from(appeals).where(eq(appeals.caseId, caseId)).get();

  it('lodges the provider’s grounds from the decision, once, and shows the appeal to the provider', async () => {
    // The provider was told the decision, its reasons and the last day to appeal, and where to do it.
    const told = ctx.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.toEmail, ctx.users.provider.email), eq(outbox.subject, 'A decision after an investigation')))
      .all()
      .find((m) => m.body.includes('Evidence reached the organisation after the gateway (fixture)'))!;
    expect(told.body)
      .to.match(/You may appeal this decision until \d{1,2} \w+ \d{4}/)
      .and.contain('Decisions about your organisation')
      .and.not.contain('Gateway evidence sent late');
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const shown = await card(provider, f.providerDecision);
    expect(shown.find('h2').text()).to.equal('Maladministration: A warning');
    expect(shown.find('form').attr('action')).to.equal(appealUrl(f.providerDecision));
    expect(shown.find('label').text().trim()).to.match(/^Appeal this decision \(by \d{1,2} \w+ \d{4}\): your grounds$/);

    const blank = await postForm(provider, DECISIONS, appealUrl(f.providerDecision), { grounds: ' ' });
    expect(blank.status).to.equal(400);
    const refused = $(blank.text);
    expect(refused('.govuk-error-summary a').attr('href')).to.equal(`#grounds-${f.providerDecision}`);
    expect(refused('.govuk-error-summary').text()).to.contain('Give the grounds for the appeal');
    // The message is by the field too, in the refused decision's own form.
    const field = refused(`#grounds-${f.providerDecision}`).closest('.govuk-form-group');
    expect(field.hasClass('govuk-form-group--error')).to.equal(true);
    expect(field.find('.govuk-error-message').text()).to.contain('Give the grounds for the appeal');
    expect(appealOf(f.providerDecision)).to.equal(undefined);

    const lodged = await postForm(provider, DECISIONS, appealUrl(f.providerDecision), {
      grounds: 'The evidence was sent on the day it was asked for',
      // No apprentice is concerned: a statement sent anyway is not kept.
      statement: 'An apprentice’s words',
    });
    expect(lodged.status).to.equal(303);
    const appeal = appealOf(f.providerDecision)!;
    expect(lodged.headers.location).to.equal(`/appeals/${appeal.id}`);
    expect(appeal).to.include({ lodgedBy: ctx.users.provider.id, attemptId: null, statement: null });

    const page = $((await provider.get(`/appeals/${appeal.id}`)).text);
    expect(page('.govuk-caption-l').text()).to.match(/^.+ \(UKPRN \d{8}\) · Maladministration: A warning$/);
    expect(page('#appeal-subject').text())
      .to.contain('about the training provider')
      .and.contain('A warning')
      .and.contain('Evidence reached the organisation after the gateway (fixture)');
    // The provider reads the decision and its reasons, never the allegation; there is no apprentice to give a statement.
    expect(page('main').text()).not.to.contain('Gateway evidence sent late');
    expect(page('#appeal-statement').length).to.equal(0);
    expect(page('#appeal-grounds').text()).to.equal('The evidence was sent on the day it was asked for');
    expect(page('form[action$="/files"]').attr('action')).to.equal(`/appeals/${appeal.id}/files`);
    expect(page('.govuk-back-link').attr('href')).to.equal(DECISIONS);
    // The provider adds its evidence to its own appeal; the file is nobody's apprentice's, and the panel reads it.
    const uploaded = await provider
      .post(`/appeals/${appeal.id}/files`)
      .field('_csrf', csrfFrom((await provider.get(`/appeals/${appeal.id}`)).text))
      .attach('evidenceFile', PDF, { filename: 'sent on time.pdf', contentType: 'application/pdf' });
    expect(uploaded.status, uploaded.text).to.equal(302);
    const file = ctx.db
      .select()
      .from(evidenceFiles)
      .where(eq(evidenceFiles.recordKey, String(appeal.id)))
      .get()!;
    expect(file).to.include({ recordType: 'appeal', apprenticeId: null, fileName: 'sent on time.pdf' });
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    const href = $((await qa.get(`/appeals/${appeal.id}`)).text)('#evidence-files a').attr('href')!;
    expect((await qa.get(href)).status).to.equal(200);
    expect((await (await signedInAgent(ctx.app, ctx.users.otherProvider.email)).get(href)).status).to.equal(404);
    // The audit log names the provider and links the appeal.
    expect(auditSubject(ctx.db, 'appeal', String(appeal.id))).to.deep.equal({
      text: `UKPRN ${f.a.providerUkprn}`,
      detail: `appeal ${appeal.id}`,
      href: `/appeals/${appeal.id}`,
    });

    // Once: the decision shows its appeal instead of the form, and a second is refused with the reason.
    const after = await card(provider, f.providerDecision);
    expect(after.find('form').length).to.equal(0);
    expect(after.text()).to.contain('Waiting for a decision');
    expect(after.find(`a[href="/appeals/${appeal.id}"]`).length).to.equal(1);
    const again = await postForm(provider, DECISIONS, appealUrl(f.providerDecision), { grounds: 'Again' });
    expect(again.status).to.equal(409);
    expect($(again.text)('.govuk-error-summary').text()).to.contain('This decision has already been appealed');
    expect(ctx.db.select().from(appeals).where(eq(appeals.caseId, f.providerDecision)).all()).to.have.length(1);
  });

  it('keeps the appeal to the provider it is about and the reviewers', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await postForm(provider, DECISIONS, appealUrl(f.providerDecision), { grounds: 'Sent on time' });
    const appeal = appealOf(f.providerDecision)!;
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    // The other provider neither sees the decision nor reaches it or its appeal.
    expect((await card(other, f.providerDecision)).length).to.equal(0);
    expect((await postForm(other, DECISIONS, appealUrl(f.providerDecision), { grounds: 'Ours?' })).status).to.equal(
      404,
    );
    expect((await other.get(`/appeals/${appeal.id}`)).status).to.equal(404);
    // A's employer sees A's appeals, not one about the provider.
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    expect((await employer.get(`/appeals/${appeal.id}`)).status).to.equal(404);
    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    expect((await assessor.get(`/appeals/${appeal.id}`)).status).to.equal(403);
    // A decision about an assessment is appealed from the apprentice's results, not as the provider's own.
    expect(
      (await postForm(provider, DECISIONS, appealUrl(f.caseDecision), { grounds: 'On A’s behalf' })).status,
    ).to.equal(404);
  });

  it('is decided by a panel with nobody from the case: upheld, the warning is set aside and the provider told', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await postForm(provider, DECISIONS, appealUrl(f.providerDecision), { grounds: 'Sent on time' });
    const appeal = appealOf(f.providerDecision)!;

    // The administrators' list names the provider and what is appealed.
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const row = $((await admin.get('/appeals')).text)(`#open-appeals a[href="/appeals/${appeal.id}"]`).closest('tr');
    expect(row.text().replace(/\s+/g, ' '))
      .to.match(/\(UKPRN \d{8}\)/)
      .and.contain('Decision after an investigation into the training provider: A warning');
    // The administrator investigated and decided the case: an independent reviewer must decide the appeal.
    const adminPage = $((await admin.get(`/appeals/${appeal.id}`)).text);
    expect(adminPage('#appeal-conflicted').text()).to.contain('You took part in the case');
    // The quality assurer, who had no part in it, reads the allegation and decides with the external reviewer.
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    const panelPage = $((await qa.get(`/appeals/${appeal.id}`)).text);
    expect(panelPage('#appeal-case-allegation').text()).to.contain('Gateway evidence sent late (fixture)');
    expect(panelPage('label[for="decision-upheld"]').text()).to.contain('its warning to the training provider');
    const before = ctx.db.select().from(outbox).where(eq(outbox.toEmail, ctx.users.provider.email)).all().length;
    const decided = await postForm(qa, `/appeals/${appeal.id}`, `/appeals/${appeal.id}`, {
      decision: 'upheld',
      reasons: 'The evidence was sent on the day it was asked for',
      panel: String(f.externalReviewer),
    });
    expect(decided.status).to.equal(303);

    // The panel's page gives the decision in words.
    expect($((await qa.get(`/appeals/${appeal.id}`)).text)('#appeal-decision').text()).to.equal(
      'Upheld: The evidence was sent on the day it was asked for',
    );
    const c = ctx.db.select().from(cases).where(eq(cases.id, f.providerDecision)).get()!;
    expect(c.setAsideAt).to.be.a('string');
    const audited = ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'case.set_aside_on_appeal'), eq(auditEvents.entityId, String(c.id))))
      .all();
    expect(audited).to.have.length(1);
    const told = ctx.db.select().from(outbox).where(eq(outbox.toEmail, ctx.users.provider.email)).all().slice(before);
    expect(told.map((m) => m.subject)).to.deep.equal(['Appeal upheld']);
    expect(told[0]!.body).to.contain(
      'Your appeal against the decision after an investigation into your organisation was upheld',
    );
    const after = await card(provider, f.providerDecision);
    expect(after.text()).to.contain('Set aside on appeal').and.contain('Upheld');
    expect(after.find('form').length).to.equal(0);
  });

  it('takes no appeal once its window has closed, and none against a decision about an assessor', async () => {
    // Decided long ago: the window of working days from the decision has passed.
    ctx.db.update(cases).set({ decidedAt: '2020-01-06T10:00:00.000Z' }).where(eq(cases.id, f.providerDecision)).run();
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect((await card(provider, f.providerDecision)).find('form').length).to.equal(0);
    const late = await postForm(provider, DECISIONS, appealUrl(f.providerDecision), { grounds: 'Late' });
    expect(late.status).to.equal(409);
    expect($(late.text)('.govuk-error-summary').text()).to.match(/Appeals against this decision had to be lodged by/);
    expect(appealOf(f.providerDecision)).to.equal(undefined);

    // An assessor reads the decisions about them, with no appeal form, and is told whom to contact.
    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    const page = $((await assessor.get(DECISIONS)).text);
    expect(page('form[action*="/appeal"]').length).to.equal(0);
    expect(page('main').text()).to.contain('A decision about an assessor is not appealed through this service');
    expect((await postForm(assessor, DECISIONS, appealUrl(f.providerDecision), { grounds: 'x' })).status).to.equal(403);
  });
});
