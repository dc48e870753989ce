import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type supertest from 'supertest';
import { auditEvents, evidenceFiles, gatewayItemsProvided } from '../../src/db/schema.js';
import { $, csrfFrom, signedInAgent, testApp, TEST_CONFIG, type TestContext } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';

/*
 * The evidence store, as a provider uses it for a gateway item, and as the people who may see the
 * apprentice's record (and nobody else) download what was uploaded. Files are judged by their
 * content; a refused upload leaves no row and no byte behind.
 */
describe('evidence files: a gateway item’s uploads', () => {
  let ctx: TestContext;
  let f: Fixture;
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const PROGRAM = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
  const itemUrl = () => `/apprentices/${f.a.uln}/gateway-items/portfolio`;
  const uploadUrl = () => `${itemUrl()}/files`;
  const incoming = () => path.join(TEST_CONFIG.filesPath, 'incoming');
  const leftovers = () => (fs.existsSync(incoming()) ? fs.readdirSync(incoming()) : []);

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    // A starts with nothing recorded for its items and no file (the fixture's own file is for the other suites).
    ctx.db.delete(gatewayItemsProvided).where(eq(gatewayItemsProvided.apprenticeId, f.a.id)).run();
    ctx.db.delete(evidenceFiles).run();
  });

  async function upload(agent: supertest.Agent, bytes: Buffer | undefined, name: string, page = itemUrl()) {
    const csrf = csrfFrom((await agent.get(page)).text);
    const request = agent.post(uploadUrl()).field('_csrf', csrf);
    return bytes ? request.attach('evidenceFile', bytes, { filename: name, contentType: 'application/pdf' }) : request;
  }

  it('takes a PDF for the portfolio, lists it, records the item as in place, and audits it', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const res = await upload(provider, PDF, 'C:\\Users\\me\\portfolio.pdf');
    expect(res.status, res.text).to.equal(302);
    expect(res.headers.location).to.equal(`${itemUrl()}?uploaded=1#files`);
    const page = $((await provider.get(res.headers.location as string)).text);
    expect(page('.govuk-notification-banner').text()).to.contain('The file is uploaded.');
    expect(page('#evidence-files li').text()).to.match(/^portfolio\.pdf \(\d+ KB, uploaded .+ by /);

    const row = ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.apprenticeId, f.a.id)).get()!;
    expect(row).to.include({
      fileName: 'portfolio.pdf',
      mediaType: 'application/pdf',
      size: PDF.length,
      recordKey: 'portfolio',
    });
    expect(fs.readFileSync(path.join(TEST_CONFIG.filesPath, row.sha256.slice(0, 2), row.sha256))).to.deep.equal(PDF);
    expect(
      ctx.db.select().from(gatewayItemsProvided).where(eq(gatewayItemsProvided.apprenticeId, f.a.id)).get()?.reference,
    ).to.equal('Uploaded to the evidence store: portfolio.pdf');
    // The fixture's own upload first, then this one.
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'evidence.uploaded')).all();
    expect(audit.at(-1)).to.include({ entityId: f.a.uln, actorUserId: ctx.users.provider.id });
    expect(JSON.stringify(audit.at(-1)!.after))
      .to.contain('"fileName":"portfolio.pdf"')
      .and.to.contain(row.sha256);
    expect(leftovers()).to.deep.equal([]);
  });

  it('gives the file, as a download, only to those who can see the apprentice’s record', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    await upload(provider, PDF, 'portfolio.pdf');
    const id = ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.apprenticeId, f.a.id)).get()!.id;
    const url = `/evidence/${id}`;
    for (const who of ['provider', 'employer', 'admin'] as const) {
      const res = await (await signedInAgent(ctx.app, ctx.users[who].email)).get(url).buffer(true);
      expect(res.status, who).to.equal(200);
      expect(res.headers['content-type']).to.equal('application/pdf');
      expect(res.headers['content-disposition']).to.equal('attachment; filename=portfolio.pdf');
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(Buffer.from(res.body as Buffer)).to.deep.equal(PDF);
    }
    expect((await (await signedInAgent(ctx.app, ctx.users.otherProvider.email)).get(url)).status).to.equal(404);
    // A name with quotes and accents is given safely encoded, never as header syntax.
    await upload(provider, Buffer.from('%PDF-1.4 a second file\n'), 'résumé "final".pdf');
    const second = ctx.db.select().from(evidenceFiles).all().at(-1)!;
    const named = await provider.get(`/evidence/${second.id}`);
    expect(named.headers['content-disposition']).to.contain("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf");
    expect((await (await signedInAgent(ctx.app, ctx.users.assessor.email)).get(url)).status).to.equal(404);
    expect((await (await signedInAgent(ctx.app, undefined)).get(url)).status).to.equal(302);
  });

  it('refuses a program, a web page or nothing at all, with the form and a message, and keeps no byte', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const program = await upload(provider, PROGRAM, 'report.pdf');
    expect(program.status).to.equal(422);
    expect($(program.text)('.govuk-error-summary a[href="#evidenceFile"]').text()).to.equal(
      'The selected file is a Windows program, which the evidence store does not take',
    );
    const page = await upload(provider, Buffer.from('<html><script>alert(1)</script></html>'), 'notes.txt');
    expect($(page.text)('#evidenceFile-error').text()).to.contain('a web page or a script');
    const none = await upload(provider, undefined, '');
    expect(none.status).to.equal(400);
    expect($(none.text)('.govuk-error-summary').text()).to.contain('Select a file to upload');
    expect(ctx.db.select().from(evidenceFiles).all()).to.deep.equal([]);
    expect(leftovers()).to.deep.equal([]);
  });

  it('reads no byte for someone who may not add to the record, and keeps none of a form refused for its token', async () => {
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    const csrf = csrfFrom((await other.get('/apprentices')).text);
    const refused = await other
      .post(uploadUrl())
      .field('_csrf', csrf)
      .attach('evidenceFile', Buffer.from('A unique note for this test only.\n'), 'note.txt');
    expect(refused.status).to.equal(404);

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const unique = Buffer.from(`Notes written for the token test, ${Date.now()}.\n`);
    const forged = await provider.post(uploadUrl()).field('_csrf', 'forged').attach('evidenceFile', unique, 'note.txt');
    expect(forged.status).to.equal(403);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(unique).digest('hex');
    // The response has ended: the file it received is gone.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fs.existsSync(path.join(TEST_CONFIG.filesPath, sha.slice(0, 2), sha))).to.equal(false);
    expect(ctx.db.select().from(evidenceFiles).all()).to.deep.equal([]);
  });

  it('applies the EPAO’s size limit for each kind of file, set on the settings page', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const settings = await admin.get('/admin/settings');
    const fields = Object.fromEntries(
      $(settings.text)('form[action="/admin/settings"] input')
        .toArray()
        .map((el) => [$(settings.text)(el).attr('name'), $(settings.text)(el).attr('value') ?? ''])
        .filter(
          ([name, value]) =>
            name &&
            !(name === 'qaSampleFails' || name === 'qaSampleBoundary' || name === 'claimHighestGradeEarly') &&
            value !== undefined,
        ),
    );
    const saved = await admin
      .post('/admin/settings')
      .type('form')
      .send({ ...fields, evidenceDocumentMb: '1' });
    expect(saved.status, $(saved.text)('.govuk-error-summary').text()).to.equal(303);

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const page = $((await provider.get(itemUrl())).text);
    expect(page('#evidenceFile-hint').text()).to.contain(
      'documents up to 1 MB, images up to 50 MB, recordings up to 2 GB',
    );
    // A PDF of 1.5 MB: over the documents' limit, refused with the form, leaving nothing.
    const bigPdf = Buffer.concat([PDF, Buffer.alloc(1.5 * 2 ** 20, 0x20)]);
    const refused = await upload(provider, bigPdf, 'report.pdf');
    expect(refused.status).to.equal(413);
    expect($(refused.text)('.govuk-error-summary').text()).to.contain(
      'The selected file must be smaller than 1 MB: the assessment organisation’s limit for documents',
    );
    expect(ctx.db.select().from(evidenceFiles).all()).to.have.length(0);
    expect(leftovers()).to.deep.equal([]);
    // An image of the same size is under the images' limit.
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(1.5 * 2 ** 20, 1),
    ]);
    expect((await upload(provider, png, 'photo.png')).status).to.equal(302);
  });
});
