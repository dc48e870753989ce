import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { outbox, users } from '../../src/db/schema.js';
import { $, signedInAgent, testApp, type TestContext, postForm } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * A training provider or an assessor a case is against never sees the case, nor learns of one
 * while it is open or when it is not upheld. An upheld decision against them is told to them, with
 * its reasons (not the allegation, nor who reported it), and stays on "Decisions about you".
 */
describe('decisions told to the provider or assessor a case is against', () => {
  let ctx: TestContext;
  let f: Fixture;

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  const post = postForm;
  const mailTo = (email: string) => ctx.db.select().from(outbox).where(eq(outbox.toEmail, email)).all();
  const decisions = async (agent: supertest.Agent) => {
    const res = await agent.get('/cases/decisions-about-you');
    expect(res.status).to.equal(200);
    return $(res.text);
  };

  it('tells the provider an upheld decision about it, with its reasons, and nothing before', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const before = mailTo(ctx.users.provider.email).length;
    // The only decision about it so far: the fixture's warning about late gateway evidence.
    expect(
      (await decisions(provider))('.govuk-summary-card')
        .map((_i, e) => e.attribs.id)
        .get(),
    ).to.deep.equal([`decision-${f.providerDecision}`]);
    expect($((await provider.get('/cases')).text)('#decisions-about-you').attr('href')).to.equal(
      '/cases/decisions-about-you',
    );

    // The fixture's case against A's provider: investigated, then upheld with a warning.
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = `/cases/${f.case}`;
    await post(admin, page, `${page}/investigator`, { investigatorUserId: String(ctx.users.qa.id) });
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect(mailTo(ctx.users.provider.email)).to.have.length(before);
    const decided = await post(qa, page, `${page}/decision`, {
      outcome: 'upheld',
      sanction: 'warning',
      reason: 'Three portfolios reached gateway without the employer’s signature.',
    });
    expect(decided.status).to.equal(302);

    const told = mailTo(ctx.users.provider.email).slice(before);
    expect(told).to.have.length(1);
    expect(told[0]!.body)
      .to.contain('maladministration case about your organisation')
      .and.to.contain('A warning')
      .and.to.contain('Three portfolios reached gateway without the employer’s signature.')
      .and.not.to.contain('Portfolios arrive unsigned (fixture)'); // the allegation
    const shown = await decisions(provider);
    const card = shown(`#decision-${f.case}`);
    expect(card.find('h2').text()).to.equal('Maladministration: A warning');
    expect(card.text()).to.contain('Three portfolios reached gateway without the employer’s signature.');
    expect(card.text()).to.not.contain('Portfolios arrive unsigned');
    // The other provider is told nothing and sees nothing; the case itself stays closed to the provider.
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    expect((await decisions(other))('.govuk-summary-card')).to.have.length(0);
    expect((await provider.get(page)).status).to.equal(404);
  });

  it('tells an assessor an upheld decision about their assessments; a case not upheld is never told', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const open = async (allegation: string) => {
      const opened = await post(admin, '/cases/new', '/cases/new', {
        kind: 'malpractice',
        against: 'assessor',
        assessorUserId: String(ctx.users.assessor.id),
        allegation,
      });
      const id = Number(/^\/cases\/(\d+)/.exec(opened.headers.location as string)![1]);
      await post(admin, `/cases/${id}`, `/cases/${id}/investigator`, { investigatorUserId: String(ctx.users.qa.id) });
      return id;
    };
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    const email = ctx.db.select().from(users).where(eq(users.id, ctx.users.assessor.id)).get()!.email;
    const before = mailTo(email).length;
    const cleared = await open('Said to have left early');
    await post(qa, `/cases/${cleared}`, `/cases/${cleared}/decision`, { outcome: 'not_upheld', reason: 'Not so' });
    expect(mailTo(email)).to.have.length(before);
    const upheld = await open('Grades entered before the assessment ended');
    await post(qa, `/cases/${upheld}`, `/cases/${upheld}/decision`, {
      outcome: 'upheld',
      sanction: 'warning',
      reason: 'Grades were entered ten minutes early on two days.',
    });
    const toldAssessor = mailTo(email)
      .slice(before)
      .map((n) => n.body);
    expect(toldAssessor).to.have.length(1);
    // An assessor is neither learner nor centre: no appeal, but whom to contact to dispute it.
    expect(toldAssessor[0])
      .to.contain('Decisions about you')
      .and.contain('To dispute it, contact the assessment organisation')
      .and.not.contain('You may appeal');
    const assessor = await signedInAgent(ctx.app, email);
    const shown = await decisions(assessor);
    expect(
      shown('.govuk-summary-card')
        .map((_, el) => shown(el).attr('id'))
        .get(),
    ).to.deep.equal([`decision-${upheld}`]);
    expect(shown('h1').text()).to.equal('Decisions about you');
    // Nobody else has such a page.
    expect((await admin.get('/cases/decisions-about-you')).status).to.equal(403);
  });
});
