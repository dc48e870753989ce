import { expect } from 'chai';
import supertest from 'supertest';
import { eq } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import { auditEvents } from '../../src/db/schema.js';
import { apprenticeInput } from '../support/apprentices.js';
import { findApprenticeByUln, updateApprentice } from '../../src/apprentices/store.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { $, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';

/* The versions this organisation is approved to assess: recorded by an administrator, audited, and the only ones that take apprentices. */
describe('approval to assess a standard version', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });
  const URL = '/standards/ST0815/1.0/approval';
  const [ULN_A, ULN_B] = validUlns(2, 597_000_000);

  const addByApi = (uln: string) =>
    supertest(ctx.app)
      .post('/api/v1/apprentices')
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
      .send(apprenticeInput(uln, 'Approval', 'Check'));

  it('shows it on the standard’s page, and an administrator withdraws and records it with the evidence, audited', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const approvalRow = async () => {
      const row = $((await admin.get('/standards/ST0815/1.0')).text)('#approval');
      return `${row.find('dt').text()}: ${row.find('.govuk-summary-list__value').text()}`;
    };
    expect(await approvalRow()).to.match(/^Approved to assess: YesEvidence: Loaded with the platform/);

    // No evidence given: the form again, with the choice kept.
    const blank = await postForm(admin, URL, URL, { approved: 'no', source: '  ' });
    expect(blank.status).to.equal(400);
    expect($(blank.text)('.govuk-error-summary').text()).to.contain('Say where the approval is evidenced');
    expect($(blank.text)('input[name="approved"][value="no"]').attr('checked')).to.not.equal(undefined);

    const withdrawn = await postForm(admin, URL, URL, {
      approved: 'no',
      source: 'Removed from the register, 1 Dec 2026',
    });
    expect(withdrawn.status).to.equal(302);
    expect(await approvalRow()).to.contain('No. New apprentices on this version are refused');
    const refused = await addByApi(ULN_A!);
    expect(refused.status).to.equal(422);
    expect(refused.body.errors).to.deep.include({
      path: 'standardVersion',
      message:
        'This organisation is not approved to assess ST0815 version 1.0: an administrator records the approval on the standard’s page',
    });

    const recorded = await postForm(admin, URL, URL, {
      approved: 'yes',
      source: 'Register of end-point assessment organisations, checked 6 Dec 2026',
    });
    expect(recorded.status).to.equal(302);
    expect(await approvalRow()).to.contain(
      'Evidence: Register of end-point assessment organisations, checked 6 Dec 2026',
    );
    expect((await addByApi(ULN_B!)).status).to.equal(201);
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'standard.approval_recorded'))
      .all()
      .map((a) => [a.before, a.after, a.reason]);
    expect(audit).to.deep.equal([
      [{ approved: true }, { approved: false }, 'Removed from the register, 1 Dec 2026'],
      [{ approved: false }, { approved: true }, 'Register of end-point assessment organisations, checked 6 Dec 2026'],
    ]);
  });

  it('is for administrators only', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect((await provider.get(URL)).status).to.equal(403);
    const page = $((await provider.get('/standards/ST0815/1.0')).text);
    expect(page(`#approval a[href="${URL}"]`)).to.have.length(0);
  });

  it('leaves the apprentices already on a version editable once its approval is withdrawn', async () => {
    expect((await addByApi(ULN_A!)).status).to.equal(201);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    await postForm(admin, URL, URL, { approved: 'no', source: 'Removed from the register, 1 Dec 2026' });
    const a = findApprenticeByUln(ctx.db, ULN_A!)!;
    const edited = updateApprentice(
      ctx.db,
      a.id,
      { ...apprenticeInput(ULN_A!, 'Approval', 'Check'), familyName: 'Checked' },
      SYSTEM_ACTOR,
      'Name corrected',
    );
    expect(edited).to.deep.equal({ ok: true });
    expect(findApprenticeByUln(ctx.db, ULN_A!)!.familyName).to.equal('Checked');
  });
});
