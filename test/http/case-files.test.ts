import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { auditEvents, cases, evidenceFiles } from '../../src/db/schema.js';
import { assignInvestigator, openCase } from '../../src/cases/service.js';
import { findUser } from '../../src/users/store.js';
import { isoInstant } from '../../src/dates.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';
import { now } from '../support/clock.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * A malpractice or maladministration case's documents in the evidence store: added by those who
 * see the case while it is undecided, and seen by them alone, whether the case is about an
 * apprentice's assessment or about a provider (no apprentice at all).
 */
describe('evidence files: a case’s documents', () => {
  let ctx: TestContext;
  let f: Fixture;
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    // The fixture's own case document is for the other suites.
    ctx.db.delete(evidenceFiles).where(eq(evidenceFiles.recordType, 'case')).run();
  });

  const caseUrl = (id: number) => `/cases/${id}`;
  async function upload(who: TestUserKey, id: number, name: string) {
    const agent = await signedInAgent(ctx.app, ctx.users[who].email);
    const csrf = csrfFrom((await agent.get(caseUrl(id))).text);
    return agent
      .post(`${caseUrl(id)}/files`)
      .field('_csrf', csrf)
      .attach('evidenceFile', PDF, { filename: name, contentType: 'application/pdf' });
  }
  const filesOfCase = (id: number) =>
    ctx.db
      .select()
      .from(evidenceFiles)
      .where(eq(evidenceFiles.recordType, 'case'))
      .all()
      .filter((row) => row.recordKey === String(id));

  it('takes the opener’s document on a case about a provider, and shows it to those who see the case alone', async () => {
    // The fixture's case: opened by the assessor against A's provider, no investigator yet.
    const res = await upload('assessor', f.case, 'unsigned portfolios.pdf');
    expect(res.status, res.text).to.equal(302);
    expect(res.headers.location).to.equal(`${caseUrl(f.case)}?uploaded=1#files`);
    const [file] = filesOfCase(f.case);
    expect(file).to.include({ apprenticeId: null, fileName: 'unsigned portfolios.pdf' });
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'evidence.uploaded')).all().at(-1)!;
    expect(audit).to.include({ entityType: 'case', entityId: String(f.case) });
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = $((await admin.get(caseUrl(f.case))).text);
    expect(page('#evidence-files a').text()).to.equal('unsigned portfolios.pdf');
    expect((await admin.get(`/evidence/${file!.id}`)).status).to.equal(200);
    // The provider it is about, and a quality assurer with no part in it, see neither the case nor its documents.
    for (const who of ['provider', 'qa'] as const) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      expect((await agent.get(caseUrl(f.case))).status, who).to.equal(404);
      expect((await agent.get(`/evidence/${file!.id}`)).status, who).to.equal(404);
    }
    expect((await upload('provider', f.case, 'x.pdf')).status).to.equal(404);
    // Its investigator, once assigned, reads and adds to them.
    const assigned = assignInvestigator(ctx.db, findUser(ctx.db, ctx.users.admin.id)!, String(f.case), {
      investigatorUserId: String(ctx.users.qa.id),
    });
    expect(assigned.ok).to.equal(true);
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect((await qa.get(`/evidence/${file!.id}`)).status).to.equal(200);
    expect((await upload('qa', f.case, 'interview notes.pdf')).status).to.equal(302);
    expect(filesOfCase(f.case)).to.have.length(2);
  });

  it('keeps a case about an assessment’s documents with the apprentice’s record: in subject access without who added them', async () => {
    const opened = openCase(
      ctx.db,
      findUser(ctx.db, ctx.users.provider.id)!,
      {
        kind: 'malpractice',
        against: 'assessment',
        uln: f.d.uln,
        methodId: 'discussion',
        allegation: 'The assessor was seen prompting the apprentice (test)',
      },
      isoInstant(now()),
    );
    expect(opened.ok, JSON.stringify(opened)).to.equal(true);
    const id = opened.ok ? opened.value.id : 0;
    expect((await upload('provider', id, 'witness statement.pdf')).status).to.equal(302);
    const [document] = filesOfCase(id);
    expect(document).to.include({ apprenticeId: f.d.id });
    // The apprentice's employer, who sees their record, does not see the case's documents; nor an assessor with no part in it.
    for (const who of ['employer', 'assessor'] as const)
      expect(
        (await (await signedInAgent(ctx.app, ctx.users[who].email)).get(`/evidence/${document!.id}`)).status,
        who,
      ).to.equal(404);
    // A document changes the case: a decision from a page opened before it is refused.
    const revision = ctx.db.select({ revision: cases.revision }).from(cases).where(eq(cases.id, id)).get()!.revision;
    expect((await upload('provider', id, 'second statement.pdf')).status).to.equal(302);
    expect(ctx.db.select({ revision: cases.revision }).from(cases).where(eq(cases.id, id)).get()!.revision).to.equal(
      revision + 1,
    );
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const form = await admin.get(`/apprentices/${f.d.uln}/personal-data`);
    const exported = await admin
      .post(`/apprentices/${f.d.uln}/personal-data/export`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text) });
    expect(exported.status).to.equal(200);
    const listed = (JSON.parse(exported.text) as { gatewayEvidence: { files: Record<string, unknown>[] } })
      .gatewayEvidence.files;
    expect(listed.find((x) => x.fileName === 'witness statement.pdf')).to.include({
      recordType: 'case',
      uploadedBy: null,
    });
  });

  it('takes nothing once the case is decided, and offers no upload form', async () => {
    ctx.db.update(cases).set({ status: 'decided' }).where(eq(cases.id, f.case)).run();
    const refused = await upload('assessor', f.case, 'late.pdf');
    expect(refused.status).to.equal(409);
    expect(refused.text).to.contain('This case has been decided');
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect($((await admin.get(caseUrl(f.case))).text)('form[enctype="multipart/form-data"]').length).to.equal(0);
    expect(filesOfCase(f.case)).to.have.length(0);
  });
});
