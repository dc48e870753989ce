import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { auditEvents, evidenceFiles } from '../../src/db/schema.js';
import { testApp, tokenFor, TEST_CONFIG, type TestContext } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * The evidence store through the JSON API, as a provider's system uses it: upload a file to a
 * gateway item (multipart), list the item's files, and download one, in the same scope as the
 * pages. Refusals answer with the API's error shape and leave nothing behind.
 */
describe('JSON API: evidence files', () => {
  let ctx: TestContext;
  let f: Fixture;
  const API = '/api/v1';
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const bearer = (who: keyof TestContext['users']) => ({
    Authorization: `Bearer ${tokenFor(ctx.db, ctx.users[who].id)}`,
  });
  const files = () => `${API}/apprentices/${f.a.uln}/gateway-items/project-proposal/files`;
  const incoming = () => path.join(TEST_CONFIG.filesPath, 'incoming');
  const leftovers = () => (fs.existsSync(incoming()) ? fs.readdirSync(incoming()) : []);

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  it('takes a multipart upload from the provider, lists it and gives it back to those who see the record', async () => {
    const api = supertest(ctx.app);
    const res = await api
      .post(files())
      .set(bearer('provider'))
      .attach('evidenceFile', PDF, { filename: 'proposal.pdf', contentType: 'application/pdf' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ fileName: 'proposal.pdf', size: PDF.length, mediaType: 'application/pdf' });
    expect(res.body.download).to.match(/^\/api\/v1\/evidence\/\d+$/);
    expect(res.headers.location).to.equal(res.body.download);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'evidence.uploaded')).all().at(-1)!;
    expect(JSON.stringify(audit.after)).to.contain('gateway item project-proposal');

    const listed = await api.get(files()).set(bearer('employer'));
    expect(listed.status).to.equal(200);
    expect(listed.body).to.deep.include({ uln: f.a.uln, itemId: 'project-proposal' });
    expect(listed.body.files.map((x: { fileName: string }) => x.fileName)).to.deep.equal(['proposal.pdf']);

    const download = await api.get(res.body.download).set(bearer('employer')).buffer(true);
    expect(download.status).to.equal(200);
    expect(download.headers['content-type']).to.equal('application/pdf');
    expect(download.headers['content-disposition']).to.equal('attachment; filename=proposal.pdf');
    expect(download.headers['x-content-type-options']).to.equal('nosniff');
    expect(Buffer.from(download.body as Buffer)).to.deep.equal(PDF);

    // Outside the scope: another provider, and an assessor (who downloads only their assessments' evidence), are told there is no such file.
    expect((await api.get(res.body.download).set(bearer('otherProvider'))).status).to.equal(404);
    expect((await api.get(res.body.download).set(bearer('assessor'))).status).to.equal(404);
    expect((await api.get(files()).set(bearer('otherProvider'))).status).to.equal(404);
    // A request's evidence goes to its provider, not the employer who sees the apprentice.
    expect((await api.get(`${API}/evidence/${f.requestFile}`).set(bearer('employer'))).status).to.equal(404);
    expect((await api.get(`${API}/evidence/${f.requestFile}`).set(bearer('provider'))).status).to.equal(200);
  });

  it('refuses a program, a missing file, an employer and another provider, writing nothing and leaving nothing behind', async () => {
    const api = supertest(ctx.app);
    const before = ctx.db.select().from(evidenceFiles).all().length;
    const program = await api
      .post(files())
      .set(bearer('provider'))
      .attach('evidenceFile', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]), { filename: 'cv.pdf' });
    expect(program.status).to.equal(422);
    expect(program.body.errors[0]).to.deep.include({ path: 'evidenceFile' });
    expect(program.body.errors[0].message).to.contain('program');

    const none = await api.post(files()).set(bearer('provider')).field('note', 'no file');
    expect(none.status).to.equal(422);
    expect(none.body.errors[0].message).to.equal('Send the file as multipart/form-data, in the field evidenceFile');
    const json = await api.post(files()).set(bearer('provider')).send({ evidenceFile: 'JVBERi0=' });
    expect(json.status).to.equal(422);

    const employer = await api.post(files()).set(bearer('employer')).attach('evidenceFile', PDF, 'p.pdf');
    expect(employer.status).to.equal(403);
    const other = await api.post(files()).set(bearer('otherProvider')).attach('evidenceFile', PDF, 'p.pdf');
    expect(other.status).to.equal(404);
    const anonymous = await api.post(files()).attach('evidenceFile', PDF, 'p.pdf');
    expect(anonymous.status).to.equal(401);

    // A multipart body cut short in the file.
    const cut = await api
      .post(files())
      .set(bearer('provider'))
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send(
        `--XYZ\r\nContent-Disposition: form-data; name="evidenceFile"; filename="a.pdf"\r\n\r\n%PDF-1.4 and then nothing`,
      );
    expect(cut.status).to.equal(400);
    expect(cut.body.errors[0].message).to.contain('incomplete or malformed');

    expect(ctx.db.select().from(evidenceFiles).all()).to.have.length(before);
    expect(leftovers()).to.deep.equal([]);
  });

  it('describes the upload and download in the OpenAPI document', async () => {
    const doc = (await supertest(ctx.app).get(`${API}/openapi.json`)).body;
    const upload = doc.paths['/apprentices/{uln}/gateway-items/{itemId}/files'];
    expect(upload.post.requestBody.content['multipart/form-data'].schema.required).to.deep.equal(['evidenceFile']);
    expect(upload.post.responses).to.include.keys('201', '400', '401', '403', '404', '413', '422');
    expect(upload.get.responses['200'].content['application/json'].schema.required).to.include('files');
    expect(doc.paths['/evidence/{id}'].get.responses['200'].content).to.include.keys(
      'application/pdf',
      'video/mp4',
      'text/plain',
    );
  });
});
