import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import { isoInstant } from '../../src/dates.js';
import { cases, evidenceFiles, users } from '../../src/db/schema.js';
import { attachEvidenceFile } from '../../src/evidence/service.js';
import { findUser } from '../../src/users/store.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, type TestContext } from '../support/app.js';
import { now } from '../support/clock.js';
import { buildFixture, completedResult, refuseRequest, type Fixture } from '../support/fixture.js';
import { makeRequest } from '../../src/adjustments/service.js';

/*
 * External reviewers: quality assurers who are not employees of the assessment organisation, the
 * independent member of appeal panels (Ofqual Condition I1.3). They decide appeals; they do not
 * moderate, and they read a graded assessment's evidence only when an appeal concerns it.
 */
describe('external reviewers', () => {
  let ctx: TestContext;
  let f: Fixture;
  let email: string;

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    email = ctx.db.select().from(users).where(eq(users.id, f.externalReviewer)).get()!.email;
  });

  const navLinks = (html: string) => {
    const doc = $(html);
    return doc('nav[aria-label="Menu"] a')
      .map((_, a) => doc(a).text().trim())
      .get();
  };

  it('are sent to the appeals waiting for a panel, and kept out of moderation', async () => {
    const external = await signedInAgent(ctx.app, email);
    const home = await external.get('/');
    const doc = $(home.text);
    expect(doc('#task-appeals a').attr('href')).to.equal('/appeals');
    expect(doc('#task-moderation')).to.have.length(0);
    expect(navLinks(home.text)).to.include('Appeals').and.not.include('Moderation');
    for (const url of [
      '/moderation',
      '/reports/assessor-consistency',
      `/reports/assessor-consistency/${ctx.users.assessor.id}`,
      `/reports?assessor=${ctx.users.assessor.id}`,
      '/cases',
      '/cases/new',
    ]) {
      const refused = await external.get(url);
      expect(refused.status, url).to.equal(403);
      expect($(refused.text)('main').text()).to.contain('External reviewers sit on appeal panels');
    }
    expect(navLinks(home.text)).to.not.include('Cases').and.not.include('Reports');
    // Nor may they open a case (which would hold a result and show any apprentice's name).
    const opened = await external
      .post('/cases/new')
      .type('form')
      .send({
        kind: 'malpractice',
        against: 'assessment',
        uln: f.a.uln,
        methodId: 'project',
        allegation: 'x',
        _csrf: csrfFrom((await external.get('/')).text),
      });
    expect(opened.status).to.equal(403);
    expect($(opened.text)('main').text()).to.contain('External reviewers sit on appeal panels');
    // Search finds no apprentice for them: none is theirs.
    const search = $((await external.get(`/search?q=${f.a.uln}`)).text);
    expect(search('#search-count').text()).to.contain('No apprentice of yours matches');
    expect(search('#search-results li')).to.have.length(0);

    // The assessment organisation's own quality assurer moderates as before.
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect((await qa.get('/moderation')).status).to.equal(200);
    expect(navLinks((await qa.get('/')).text)).to.include('Moderation');
  });

  it('are not offered, nor taken, as a case’s investigator', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = $((await admin.get(`/cases/${f.case}`)).text);
    const offered = page('#investigatorUserId option')
      .map((_, o) => page(o).attr('value'))
      .get();
    expect(offered).to.include(String(ctx.users.qa.id)).and.not.include(String(f.externalReviewer));
    const csrf = csrfFrom((await admin.get(`/cases/${f.case}`)).text);
    const refused = await admin
      .post(`/cases/${f.case}/investigator`)
      .type('form')
      .send({ investigatorUserId: String(f.externalReviewer), _csrf: csrf });
    expect(refused.status).to.equal(400);
    expect($(refused.text)('.govuk-error-summary').text()).to.contain('An external reviewer sits on appeal panels');
  });

  /** The fixture's assessment document again, as an administrator attaches it to the assessment of booking `bookingId`. */
  const attachCopy = (bookingId: number, originalName: string) => {
    const stored = ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.id, f.bookingFile)).get()!;
    return attachEvidenceFile(
      ctx.db,
      findUser(ctx.db, ctx.users.admin.id)!,
      'booking',
      { id: String(bookingId) },
      { sha256: stored.sha256, size: stored.size, mediaType: stored.mediaType, kind: 'document', originalName },
      isoInstant(now()),
    );
  };

  it('find the assessment’s evidence on an appeal against a decision after an investigation', async () => {
    // The fixture's upheld case about A's discussion: its assessment's recording, then the provider's appeal.
    const bookingId = ctx.db.select().from(cases).where(eq(cases.id, f.caseDecision)).get()!.bookingId!;
    const attached = attachCopy(bookingId, 'notes.pdf');
    const fileId = attached.ok ? attached.value.id : 0;
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const results = `/apprentices/${f.a.uln}/results`;
    const lodged = await postForm(provider, results, `${results}/decisions/${f.caseDecision}/appeal`, {
      grounds: 'The notes were allowed',
    });
    expect(lodged.status).to.equal(303);
    const appealPath = lodged.headers.location as string;
    const external = await signedInAgent(ctx.app, email);
    const page = $((await external.get(appealPath)).text);
    const links = page('[id^="appeal-assessment-files-"] a')
      .map((_, a) => page(a).attr('href'))
      .get();
    expect(links).to.deep.equal([`/evidence/${fileId}`]);
    expect((await external.get(`/evidence/${fileId}`)).status).to.equal(200);
    // The provider reads the appeal as lodged: no evidence list of the panel's.
    expect($((await provider.get(appealPath)).text)('[id^="appeal-assessment-files-"]')).to.have.length(0);
  });

  it('find the assessment’s evidence on an appeal against a refused special consideration', async () => {
    // A graded project of its own, its recording, and a special consideration for it the administrator refused.
    const result = completedResult(ctx, validUlns(1, 744_000_000)[0]!);
    const attached = attachCopy(result.bookings.project, 'fire.pdf');
    const fileId = attached.ok ? attached.value.id : 0;
    const asked = makeRequest(
      ctx.db,
      findUser(ctx.db, ctx.users.provider.id)!,
      result.apprentice.uln,
      'special_consideration',
      { bookingId: String(result.bookings.project), reason: 'A fire alarm cut the presentation short (test)' },
      isoInstant(now()),
    );
    if (!asked.ok) throw new Error(JSON.stringify(asked.problems));
    refuseRequest(ctx, asked.value.id);
    const external = await signedInAgent(ctx.app, email);
    // No appeal concerns it yet: the graded assessment's evidence is not the external reviewer's to read.
    expect((await external.get(`/evidence/${fileId}`)).status).to.equal(404);

    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const requestPage = `/requests/${asked.value.id}`;
    const lodged = await postForm(provider, requestPage, `${requestPage}/appeal`, { grounds: 'The alarm was real' });
    expect(lodged.status).to.equal(303);
    const page = $((await external.get(lodged.headers.location as string)).text);
    expect(page('[id^="appeal-assessment-files-"]').closest('.govuk-summary-list__row').find('dt').text()).to.equal(
      'Evidence: Work-based project with presentation and questioning',
    );
    const links = page('[id^="appeal-assessment-files-"] a')
      .map((_, a) => page(a).attr('href'))
      .get();
    expect(links).to.deep.equal([`/evidence/${fileId}`]);
    expect((await external.get(`/evidence/${fileId}`)).status).to.equal(200);
  });

  it('read the evidence of an assessment an appeal concerns, and of no other graded assessment', async () => {
    const external = await signedInAgent(ctx.app, email);
    // A's project: graded, and its result appealed. The appeal's page lists its evidence for the panel.
    const appeal = $((await external.get(`/appeals/${f.appeal}`)).text);
    const links = appeal('[id^="appeal-assessment-files-"] a')
      .map((_, a) => appeal(a).attr('href'))
      .get();
    expect(links).to.include(`/evidence/${f.bookingFile}`);
    expect((await external.get(`/evidence/${f.bookingFile}`)).status).to.equal(200);

    // Another graded assessment, with the same document, that no appeal concerns.
    const result = completedResult(ctx, validUlns(1, 743_000_000)[0]!);
    const attached = attachCopy(result.bookings.project, 'report.pdf');
    expect(attached.ok).to.equal(true);
    const id = attached.ok ? attached.value.id : 0;
    expect((await external.get(`/evidence/${id}`)).status).to.equal(404);
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect((await qa.get(`/evidence/${id}`)).status).to.equal(200);
  });
});
