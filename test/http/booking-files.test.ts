import { expect } from 'chai';
import { now } from '../support/clock.js';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { bookings, evidenceFiles } from '../../src/db/schema.js';
import { $, csrfFrom, signedInAgent, testApp, tokenFor, type TestContext, type TestUserKey } from '../support/app.js';
import { buildFixture, OTHER_ASSESSOR_EMAIL, type Fixture } from '../support/fixture.js';
import { bookingById, createBooking } from '../../src/bookings/store.js';
import { SETUP, isoDate, today } from '../support/apprentices.js';

/*
 * An assessment's evidence in the evidence store: the provider hands in the project report, the
 * assessor adds the recording, and those who grade, moderate and oversee it read them; nobody
 * else, and nothing once the assessment is graded (but by an administrator).
 */
describe('evidence files: an assessment’s evidence', () => {
  let ctx: TestContext;
  let f: Fixture;
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(64)]);

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  const bookingUrl = (id: number) => `/bookings/${id}`;
  const emailOf = (who: TestUserKey | 'otherAssessor') =>
    who === 'otherAssessor' ? OTHER_ASSESSOR_EMAIL : ctx.users[who].email;
  async function upload(who: TestUserKey | 'otherAssessor', id: number, bytes: Buffer, name: string) {
    const agent = await signedInAgent(ctx.app, emailOf(who));
    const csrf = csrfFrom((await agent.get(bookingUrl(id))).text);
    return agent
      .post(`${bookingUrl(id)}/files`)
      .field('_csrf', csrf)
      .attach('evidenceFile', bytes, { filename: name, contentType: 'application/octet-stream' });
  }
  const filesOfBooking = (id: number) =>
    ctx.db
      .select()
      .from(evidenceFiles)
      .where(eq(evidenceFiles.recordKey, String(id)))
      .all()
      .filter((row) => row.recordType === 'booking');

  it('takes the provider’s project report and the assessor’s recording before grading, and shows them where the assessment is graded', async () => {
    const id = f.gradableBooking;
    const report = await upload('provider', id, PDF, 'project report.pdf');
    expect(report.status, report.text).to.equal(302);
    expect(report.headers.location).to.equal(`${bookingUrl(id)}?uploaded=1#files`);
    const recording = await upload('assessor', id, MP4, 'discussion.mp4');
    expect(recording.status, recording.text).to.equal(302);
    expect(filesOfBooking(id).map((r) => [r.fileName, r.mediaType])).to.deep.equal([
      ['project report.pdf', 'application/pdf'],
      ['discussion.mp4', 'video/mp4'],
    ]);
    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    const booking = $((await assessor.get(`${bookingUrl(id)}?uploaded=1`)).text);
    expect(booking('.govuk-notification-banner').text()).to.contain('The file is uploaded.');
    expect(
      booking('#evidence-files a')
        .map((_, a) => booking(a).text())
        .get(),
    ).to.deep.equal(['project report.pdf', 'discussion.mp4']);
    // The grading page lists them to read while grading.
    const grading = $((await assessor.get(`${bookingUrl(id)}/grade`)).text);
    expect(grading('#evidence-files a').first().text()).to.equal('project report.pdf');
    const [first] = filesOfBooking(id);
    expect((await assessor.get(`/evidence/${first!.id}`)).status).to.equal(200);
    // The employer sees the booking but not its evidence (a recording may speak of health); another provider,
    // another assessor and a quality assurer (before grading) see nothing.
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    const seen = $((await employer.get(bookingUrl(id))).text);
    expect(seen('h1').text()).to.not.equal('');
    expect(seen('#files').length).to.equal(0);
    for (const who of ['employer', 'otherProvider', 'otherAssessor', 'qa'] as const) {
      const agent = await signedInAgent(ctx.app, emailOf(who));
      expect((await agent.get(`/evidence/${first!.id}`)).status, who).to.equal(404);
    }
    expect((await upload('employer', id, PDF, 'x.pdf')).status).to.equal(403);
    expect((await upload('otherAssessor', id, PDF, 'x.pdf')).status).to.equal(404);
    expect(filesOfBooking(id)).to.have.length(2);
  });

  it('takes nothing more once the assessment is graded, but from an administrator; quality assurers then read it', async () => {
    // A's project: graded, moderated and released.
    for (const who of ['provider', 'assessor'] as const) {
      const refused = await upload(who, f.booking, PDF, 'late report.pdf');
      expect(refused.status, who).to.equal(409);
      expect(refused.text).to.contain('This assessment has been graded');
    }
    // Nor does the grading page offer to add one.
    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    expect($((await assessor.get(`${bookingUrl(f.booking)}/grade`)).text)('a[href$="#files"]').length).to.equal(0);
    const admin = await upload('admin', f.booking, PDF, 'recording transcript.pdf');
    expect(admin.status, admin.text).to.equal(302);
    const [file] = filesOfBooking(f.booking);
    const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
    expect((await qa.get(`/evidence/${file!.id}`)).status).to.equal(200);
    // A booking that did not take place takes no evidence.
    ctx.db.update(bookings).set({ status: 'cancelled' }).where(eq(bookings.id, f.gradableBooking)).run();
    const adminAgent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = $((await adminAgent.get(bookingUrl(f.gradableBooking))).text);
    expect(page('form[enctype="multipart/form-data"]').length).to.equal(0);
    expect(page('#files').text()).to.equal('Files');
    const cancelled = await upload('admin', f.gradableBooking, PDF, 'x.pdf');
    expect(cancelled.status).to.equal(409);
    expect(filesOfBooking(f.gradableBooking)).to.have.length(0);
  });

  it('takes no evidence on a hold that ran out unconfirmed, before the sweep has marked it expired', async () => {
    const holdUntil = (instant: string) =>
      ctx.db
        .update(bookings)
        .set({ status: 'held', holdExpiresAt: instant })
        .where(eq(bookings.id, f.gradableBooking))
        .run();
    // Until the last moment of the hold, its provider may add a file; from that moment, nobody may.
    holdUntil(now().plus({ minutes: 5 }).toUTC().toISO());
    expect((await upload('provider', f.gradableBooking, PDF, 'in time.pdf')).status).to.equal(302);
    holdUntil(now().minus({ seconds: 1 }).toUTC().toISO());
    // Through the API nothing sweeps the holds first: the evidence check itself sees the hold ran out.
    const late = await supertest(ctx.app)
      .post(`/api/v1/bookings/${f.gradableBooking}/files`)
      .set('authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`)
      .attach('evidenceFile', PDF, { filename: 'too late.pdf', contentType: 'application/pdf' });
    expect(late.status, late.text).to.equal(409);
    expect(late.text).to.contain('This assessment did not take place: it takes no evidence');
    expect(bookingById(ctx.db, f.gradableBooking)!.status, 'not swept yet').to.equal('held');
    // On the booking's page (which sweeps first) the administrator is refused too.
    expect((await upload('admin', f.gradableBooking, PDF, 'too late.pdf')).status).to.equal(409);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect(
      $((await admin.get(bookingUrl(f.gradableBooking))).text)('form[enctype="multipart/form-data"]').length,
    ).to.equal(0);
    expect(filesOfBooking(f.gradableBooking).map((file) => file.fileName)).to.deep.equal(['in time.pdf']);
  });

  it('lists and takes an assessment’s files through the API, for its assessor', async () => {
    const api = supertest(ctx.app);
    const token = tokenFor(ctx.db, ctx.users.assessor.id);
    const url = `/api/v1/bookings/${f.gradableBooking}/files`;
    const uploaded = await api
      .post(url)
      .set('authorization', `Bearer ${token}`)
      .attach('evidenceFile', MP4, { filename: 'discussion.mp4', contentType: 'video/mp4' });
    expect(uploaded.status, uploaded.text).to.equal(201);
    const listed = await api.get(url).set('authorization', `Bearer ${token}`);
    expect(listed.status).to.equal(200);
    expect(listed.body).to.deep.include({ uln: f.d.uln, bookingId: f.gradableBooking });
    // Not the employer's, through the API either.
    expect(
      (await api.get(url).set('authorization', `Bearer ${tokenFor(ctx.db, ctx.users.employer.id)}`)).status,
    ).to.equal(403);
    expect(listed.body.files.map((x: { fileName: string }) => x.fileName)).to.deep.equal(['discussion.mp4']);
    const download = await api.get(listed.body.files[0].download).set('authorization', `Bearer ${token}`).buffer(true);
    expect(Buffer.from(download.body as Buffer)).to.deep.equal(MP4);
    const other = tokenFor(ctx.db, f.otherAssessor);
    expect((await api.get(url).set('authorization', `Bearer ${other}`)).status).to.equal(404);
  });

  it('moves the evidence handed in with the assessment when it is rescheduled', async () => {
    expect((await upload('provider', f.gradableBooking, PDF, 'project report.pdf')).status).to.equal(302);
    const old = bookingById(ctx.db, f.gradableBooking)!;
    const day = today().minus({ days: 3 });
    const moved = createBooking(
      ctx.db,
      f.d,
      {
        methodId: old.methodId,
        assessorUserId: old.assessorUserId,
        localStart: `${isoDate(day)}T16:00`,
        mode: 'remote',
        region: null,
        location: null,
        link: 'https://meet.example/epa',
      },
      SETUP,
      { recordingPast: true, now: day.minus({ days: 2 }).toUTC(), replacing: old },
    );
    expect(moved.ok, JSON.stringify(moved)).to.equal(true);
    const next = moved.ok ? moved.booking.id : 0;
    expect(filesOfBooking(f.gradableBooking)).to.have.length(0);
    expect(filesOfBooking(next).map((r) => r.fileName)).to.deep.equal(['project report.pdf']);
    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    expect($((await assessor.get(bookingUrl(next))).text)('#evidence-files a').text()).to.equal('project report.pdf');
  });
});
