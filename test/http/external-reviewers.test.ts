import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import { isoInstant } from '../../src/dates.js';
import { evidenceFiles, users } from '../../src/db/schema.js';
import { attachEvidenceFile } from '../../src/evidence/service.js';
import { findUser } from '../../src/users/store.js';
import { $, signedInAgent, testApp, type TestContext } from '../support/app.js';
import { now } from '../support/clock.js';
import { buildFixture, completedResult, type Fixture } from '../support/fixture.js';

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
    const moderation = await external.get('/moderation');
    expect(moderation.status).to.equal(403);
    expect($(moderation.text)('main').text()).to.contain('External reviewers sit on appeal panels');

    // The assessment organisation's own quality assurer moderates as before.
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect((await qa.get('/moderation')).status).to.equal(200);
    expect(navLinks((await qa.get('/')).text)).to.include('Moderation');
  });

  it('read the evidence of an assessment an appeal concerns, and of no other graded assessment', async () => {
    const external = await signedInAgent(ctx.app, email);
    // A's project: graded, and its result appealed.
    expect((await external.get(`/evidence/${f.bookingFile}`)).status).to.equal(200);

    // Another graded assessment, with the same document, that no appeal concerns.
    const result = completedResult(ctx, validUlns(1, 743_000_000)[0]!);
    const stored = ctx.db.select().from(evidenceFiles).where(eq(evidenceFiles.id, f.bookingFile)).get()!;
    const attached = attachEvidenceFile(
      ctx.db,
      findUser(ctx.db, ctx.users.admin.id)!,
      'booking',
      { id: String(result.bookings.project) },
      {
        sha256: stored.sha256,
        size: stored.size,
        mediaType: stored.mediaType,
        kind: 'document',
        originalName: 'report.pdf',
      },
      isoInstant(now()),
    );
    expect(attached.ok).to.equal(true);
    const id = attached.ok ? attached.value.id : 0;
    expect((await external.get(`/evidence/${id}`)).status).to.equal(404);
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect((await qa.get(`/evidence/${id}`)).status).to.equal(200);
  });
});
