import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { auditEvents, evidenceFiles, qualifications } from '../../src/db/schema.js';
import { addQualification } from '../../src/apprentices/store.js';
import { SETUP } from '../support/apprentices.js';
import { $, csrfFrom, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * An English or maths certificate in the evidence store: uploaded by the apprentice's provider to
 * the qualification it proves, seen by those who see the apprentice's record, and by nobody else;
 * through the pages and the API alike.
 */
describe('evidence files: English and maths certificates', () => {
  let ctx: TestContext;
  let f: Fixture;
  let id: number;
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const pageUrl = () => `/apprentices/${f.a.uln}/qualifications/${id}`;

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    id = addQualification(
      ctx.db,
      f.a,
      {
        subject: 'english',
        type: 'gcse',
        level: 2,
        grade: '6',
        achievedOn: '2019-08-22',
        certificateReference: 'AQA-2231',
      },
      SETUP,
    );
  });

  async function upload(agent: supertest.Agent, url = pageUrl()) {
    const csrf = csrfFrom((await agent.get(pageUrl())).text);
    return agent
      .post(`${url}/files`)
      .field('_csrf', csrf)
      .attach('evidenceFile', PDF, { filename: 'english certificate.pdf', contentType: 'application/pdf' });
  }

  it('takes the certificate from the provider, lists it on its page and the apprentice’s, and audits it', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const before = $((await provider.get(pageUrl())).text);
    expect(before('h1').text()).to.equal('English: GCSE');
    expect(before('#qualification').text()).to.contain('AQA-2231');
    expect(before('#evidence-files').length).to.equal(0);
    const res = await upload(provider);
    expect(res.status, res.text).to.equal(302);
    expect(res.headers.location).to.equal(`${pageUrl()}?uploaded=1#files`);
    const page = $((await provider.get(res.headers.location as string)).text);
    expect(page('.govuk-notification-banner').text()).to.contain('The file is uploaded.');
    expect(page('#evidence-files li').text()).to.match(/^english certificate\.pdf \(\d+ KB, uploaded .+ by /);
    const row = ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.recordType, 'qualification')).get()!;
    expect(row).to.include({ apprenticeId: f.a.id, recordKey: String(id), mediaType: 'application/pdf' });
    const record = $((await provider.get(`/apprentices/${f.a.uln}`)).text);
    const link = record(`#qualifications a[href="${pageUrl()}"]`);
    expect(link.text()).to.equal('1 file for the English GCSE certificate');
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'evidence.uploaded')).all().at(-1)!;
    expect(audit.after).to.include({ record: `English evidence ${id}`, fileName: 'english certificate.pdf' });
  });

  it('shows the employer the certificate without the upload form; refuses everyone outside the record', async () => {
    await upload(await signedInAgent(ctx.app, ctx.users.provider.email));
    const file = ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.recordType, 'qualification')).get()!;
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    const seen = $((await employer.get(pageUrl())).text);
    expect(seen('#evidence-files a').attr('href')).to.equal(`/evidence/${file.id}`);
    expect(seen('form[enctype="multipart/form-data"]').length).to.equal(0);
    expect((await employer.get(`/evidence/${file.id}`)).status).to.equal(200);
    // The employer may not add to the record: refused before a byte is read.
    const csrf = csrfFrom((await employer.get(pageUrl())).text);
    const refused = await employer
      .post(`${pageUrl()}/files`)
      .field('_csrf', csrf)
      .attach('evidenceFile', PDF, { filename: 'x.pdf', contentType: 'application/pdf' });
    expect(refused.status).to.equal(403);
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    expect((await other.get(pageUrl())).status).to.equal(404);
    expect((await other.get(`/evidence/${file.id}`)).status).to.equal(404);
    // Another apprentice's address with this qualification's id finds nothing.
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    // C is the same provider's: its address with A's qualification's id still finds nothing.
    expect((await provider.get(`/apprentices/${f.c.uln}`)).status).to.equal(200);
    expect((await provider.get(`/apprentices/${f.c.uln}/qualifications/${id}`)).status).to.equal(404);
    expect((await provider.get(`/apprentices/${f.a.uln}/qualifications/99999`)).status).to.equal(404);
    const elsewhere = await provider
      .post(`/apprentices/${f.c.uln}/qualifications/${id}/files`)
      .field('_csrf', csrfFrom((await provider.get(pageUrl())).text))
      .attach('evidenceFile', PDF, { filename: 'x.pdf', contentType: 'application/pdf' });
    expect(elsewhere.status).to.equal(404);
    expect(
      ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.recordType, 'qualification')).all(),
    ).to.have.length(1);
    // A file is seen through its own apprentice's record only: a row of another apprentice's under this key is nobody's to download.
    const stray = ctx.db
      .insert(evidenceFiles)
      .values({ ...file, id: undefined, apprenticeId: f.c.id })
      .returning()
      .get();
    expect((await provider.get(`/evidence/${stray.id}`)).status).to.equal(404);
    expect((await provider.get(`/evidence/${file.id}`)).status).to.equal(200);
    // Assessors and quality assurers see no apprentice's English and maths evidence.
    expect(
      (await (await signedInAgent(ctx.app, ctx.users.assessor.email)).get(`/evidence/${file.id}`)).status,
    ).to.equal(404);
    expect((await (await signedInAgent(ctx.app, ctx.users.qa.email)).get(`/evidence/${file.id}`)).status).to.equal(404);
  });

  it('takes the certificate through the API: the qualification’s address comes back when it is added', async () => {
    const api = supertest(ctx.app);
    const token = tokenFor(ctx.db, ctx.users.provider.id);
    const added = await api
      .post(`/api/v1/apprentices/${f.a.uln}/qualifications`)
      .set('authorization', `Bearer ${token}`)
      .send({
        subject: 'maths',
        type: 'functional_skills',
        level: 2,
        grade: 'Pass',
        achievedOn: '2020-06-30',
        certificateReference: 'FS-88',
      });
    expect(added.status, added.text).to.equal(201);
    const maths = ctx.db.select().from(qualifications).where(eq(qualifications.certificateReference, 'FS-88')).get()!;
    const files = `/api/v1/apprentices/${f.a.uln}/qualifications/${maths.id}/files`;
    expect(added.body).to.deep.equal({ uln: f.a.uln, id: maths.id, files });
    const uploaded = await api
      .post(files)
      .set('authorization', `Bearer ${token}`)
      .attach('evidenceFile', PDF, { filename: 'maths.pdf', contentType: 'application/pdf' });
    expect(uploaded.status, uploaded.text).to.equal(201);
    const listed = await api.get(files).set('authorization', `Bearer ${token}`);
    expect(listed.status).to.equal(200);
    expect(listed.body.qualificationId).to.equal(maths.id);
    expect(listed.body.files.map((x: { fileName: string }) => x.fileName)).to.deep.equal(['maths.pdf']);
    const download = await api.get(listed.body.files[0].download).set('authorization', `Bearer ${token}`).buffer(true);
    expect(Buffer.from(download.body as Buffer)).to.deep.equal(PDF);
    // The apprentice's evidence lists both qualifications with their files' addresses (the English one added on the web).
    const all = await api.get(`/api/v1/apprentices/${f.a.uln}/qualifications`).set('authorization', `Bearer ${token}`);
    expect(all.status).to.equal(200);
    expect(
      all.body.qualifications.map((q: { id: number; subject: string; files: string }) => [q.subject, q.files]),
    ).to.include.deep.members([
      ['english', `/api/v1/apprentices/${f.a.uln}/qualifications/${id}/files`],
      ['maths', files],
    ]);
    // Another provider's token finds no such qualification.
    const other = tokenFor(ctx.db, ctx.users.otherProvider.id);
    expect((await api.get(files).set('authorization', `Bearer ${other}`)).status).to.equal(404);
  });
});
