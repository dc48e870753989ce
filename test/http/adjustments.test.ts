import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import supertest from 'supertest';
import { DateTime } from 'luxon';
import { addWorkingDays } from '../../src/grading/rules.js';
import { apprentices, assessmentRequests, auditEvents, bookings, evidenceFiles, outbox } from '../../src/db/schema.js';
import { issueCalendarToken } from '../../src/bookings/assessor-store.js';
import { createBooking } from '../../src/bookings/store.js';
import { schedulerInput } from '../../src/scheduler/store.js';
import { erasureBlockers } from '../../src/privacy/erasure.js';
import { recordIdsOf } from '../../src/privacy/records.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, postForm } from '../support/app.js';
import { buildFixture, type Fixture } from '../support/fixture.js';
import { now } from '../support/clock.js';
import { readFeed } from '../support/calendar.js';

/*
 * Reasonable adjustments and special consideration, as the people who use them: a provider asks
 * on the apprentice's behalf (with evidence), the assessment organisation decides by its date, and
 * what was approved reaches the booking, the assessor's schedule and calendar, and the grading
 * page, without the reason. Special consideration's effect shows with the result.
 */
describe('reasonable adjustments and special consideration', () => {
  let ctx: TestContext;
  let f: Fixture;
  const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const REASON = 'Dyslexia assessed in 2024: slower reading (specialist report attached)';

  beforeEach(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
  });

  const as = (who: 'provider' | 'otherProvider' | 'employer' | 'admin' | 'assessor' | 'qa') =>
    signedInAgent(ctx.app, ctx.users[who].email);

  const post = postForm;

  /** B's provider asks for `fields` on B's behalf; answers the request's id. */
  async function askForB(fields: Record<string, string | string[]>): Promise<number> {
    const provider = await as('otherProvider');
    const page = `/apprentices/${f.b.uln}/adjustments/new`;
    const res = await post(provider, page, page, fields);
    expect(res.status, $(res.text)('.govuk-error-summary').text()).to.equal(302);
    return Number(/^\/requests\/(\d+)\?made=1$/.exec(res.headers.location as string)![1]);
  }

  const request = (id: number) => ctx.db.select().from(assessmentRequests).where(eq(assessmentRequests.id, id)).get()!;

  /** A future Tuesday, 10:00 London time, inside B's assessment period. */
  const tuesday = () => {
    let d = now().setZone('Europe/London').startOf('day').plus({ days: 7 });
    while (d.weekday !== 2) d = d.plus({ days: 1 });
    return d.toFormat('yyyy-MM-dd');
  };
  function bookB(mode: 'remote' | 'in_person') {
    return createBooking(
      ctx.db,
      f.b,
      {
        methodId: 'discussion',
        assessorUserId: ctx.users.assessor.id,
        localStart: `${tuesday()}T10:00`,
        mode,
        region: mode === 'in_person' ? 'north_west' : null,
        location: mode === 'in_person' ? 'The union office, Manchester' : null,
        link: mode === 'remote' ? 'https://meet.example/epa-room' : null,
      },
      { userId: ctx.users.admin.id, label: 'admin' },
      { now: now() },
    );
  }

  it('takes a provider’s request with its evidence, and the administrators see it in their list, due in the set working days', async () => {
    const provider = await as('otherProvider');
    const page = `/apprentices/${f.b.uln}/adjustments/new`;

    // Missing answers: the form again, with an error summary and what was typed kept.
    const refused = await post(provider, page, page, { methodId: 'discussion', types: 'extra_time', reason: REASON });
    expect(refused.status).to.equal(400);
    const form = $(refused.text);
    expect(form('.govuk-error-summary a').text()).to.equal('Enter the extra time needed, as a percentage');
    expect(form('.govuk-error-summary a').attr('href')).to.equal('#extraTimePercent');
    expect(form('#reason').val()).to.equal(REASON);
    expect(form('input[name=types][value=extra_time]').attr('checked')).to.not.equal(undefined);
    expect(
      ctx.db.select().from(assessmentRequests).where(eq(assessmentRequests.apprenticeId, f.b.id)).all(),
    ).to.have.length(0);

    const id = await askForB({
      methodId: 'discussion',
      types: ['extra_time', 'rest_breaks'],
      extraTimePercent: '25',
      reason: REASON,
    });
    const made = request(id);
    const today = now().setZone('Europe/London').toISODate()!;
    expect(made).to.include({ kind: 'adjustment', status: 'requested', methodId: 'discussion', extraTimePercent: 25 });
    expect(made.types).to.deep.equal(['extra_time', 'rest_breaks']);
    expect(made.decideBy).to.equal(addWorkingDays(today, 10));

    const shown = $((await provider.get(`/requests/${id}?made=1`)).text);
    expect(shown('.govuk-notification-banner').text()).to.contain('Your request has been sent');
    expect(shown('#request-status').text()).to.equal('Awaiting decision');
    expect(shown('#request-details').text()).to.contain('Extra time (25%), rest breaks').and.to.contain(REASON);
    // A provider does not decide.
    expect(shown('#decision').length).to.equal(0);

    // The evidence, uploaded on the request's page, is the request's own.
    const csrf = csrfFrom((await provider.get(`/requests/${id}`)).text);
    const uploaded = await provider
      .post(`/requests/${id}/files`)
      .field('_csrf', csrf)
      .attach('evidenceFile', PDF, { filename: 'specialist report.pdf', contentType: 'application/pdf' });
    expect(uploaded.status, uploaded.text).to.equal(302);
    expect(uploaded.headers.location).to.equal(`/requests/${id}?uploaded=1#files`);
    const file = ctx.db
      .select()
      .from(evidenceFiles)
      .where(and(eq(evidenceFiles.recordType, 'assessment_request'), eq(evidenceFiles.apprenticeId, f.b.id)))
      .get()!;
    expect(file).to.include({ recordKey: String(id), fileName: 'specialist report.pdf', apprenticeId: f.b.id });
    const withFile = $((await provider.get(`/requests/${id}?uploaded=1`)).text);
    expect(withFile('.govuk-notification-banner').text()).to.contain('The file is uploaded.');
    expect(withFile('#evidence-files a').text()).to.equal('specialist report.pdf');
    expect(withFile('#evidence-files a').attr('href')).to.equal(`/evidence/${file.id}`);

    const admin = await as('admin');
    const list = $((await admin.get('/requests')).text);
    const row = list('#requests tbody tr').filter((_i, tr) => list(tr).text().includes('Bartholomew Zanzibar'));
    expect(row.text()).to.contain('Reasonable adjustment: Extra time (25%), rest breaks');
    expect(row.find('td').eq(4).text()).to.equal(made.decideBy);
    expect(row.find('td').eq(3).text()).to.equal('Today');
    // With the fixture's own request for A, two wait; the first is due on the same day.
    const home = $((await admin.get('/')).text);
    expect(home('#task-requests').text()).to.contain('2').and.to.contain(`first due ${made.decideBy}`);

    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'request.made'), eq(auditEvents.entityId, String(id))))
      .all();
    expect(audit).to.have.length(1);
    expect(audit[0]).to.include({ entityType: 'assessment_request', actorUserId: ctx.users.otherProvider.id });
  });

  it('is seen by the apprentice’s provider and the administrators only: not the employer, another provider or an assessor', async () => {
    const id = await askForB({ methodId: '', types: 'bsl_interpreter', reason: REASON });
    const provider = await as('otherProvider');
    const csrf = csrfFrom((await provider.get(`/requests/${id}`)).text);
    await provider
      .post(`/requests/${id}/files`)
      .field('_csrf', csrf)
      .attach('evidenceFile', PDF, { filename: 'letter.pdf', contentType: 'application/pdf' });
    const file = ctx.db
      .select()
      .from(evidenceFiles)
      .where(and(eq(evidenceFiles.recordType, 'assessment_request'), eq(evidenceFiles.apprenticeId, f.b.id)))
      .get()!;

    expect((await (await as('admin')).get(`/requests/${id}`)).status).to.equal(200);
    expect((await (await as('admin')).get(`/evidence/${file.id}`)).status).to.equal(200);
    // B's employer sees B's record, but not why an adjustment is needed, nor its evidence.
    const employer = await as('employer');
    ctx.db.update(apprentices).set({ employerId: f.a.employerId }).where(eq(apprentices.id, f.b.id)).run();
    expect((await employer.get(`/apprentices/${f.b.uln}`)).status).to.equal(200);
    expect($((await employer.get(`/apprentices/${f.b.uln}`)).text)('#requests').length).to.equal(0);
    expect((await employer.get(`/requests/${id}`)).status).to.equal(403);
    expect((await employer.get(`/evidence/${file.id}`)).status).to.equal(404);
    // A's provider is not B's.
    const other = await as('provider');
    expect((await other.get(`/requests/${id}`)).status).to.equal(404);
    expect((await other.get(`/evidence/${file.id}`)).status).to.equal(404);
    expect((await post(other, '/', `/requests/${id}/withdraw`, {})).status).to.equal(404);
    expect((await (await as('assessor')).get(`/requests/${id}`)).status).to.equal(403);
    // Nobody but an administrator decides.
    const deciding = await post(provider, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'approved',
      reason: 'Self-approved',
    });
    expect(deciding.status).to.equal(403);
    expect(request(id).status).to.equal('requested');
  });

  it('is decided in part with a reason: what was approved lengthens the booking’s slot, and the provider is told', async () => {
    const id = await askForB({
      methodId: 'discussion',
      types: ['extra_time', 'reader_or_scribe'],
      extraTimePercent: '50',
      reason: REASON,
    });
    const admin = await as('admin');
    const page = `/requests/${id}`;
    const revision = String(request(id).revision);

    // "In part" that approves everything, or more than was asked, is refused with the form kept.
    const everything = await post(admin, page, `${page}/decision`, {
      status: 'approved_in_part',
      approvedTypes: ['extra_time', 'reader_or_scribe'],
      approvedExtraTimePercent: '50',
      reason: 'All of it',
      revision,
    });
    expect(everything.status).to.equal(400);
    expect($(everything.text)('.govuk-error-summary').text()).to.contain('That is everything asked for');
    expect($(everything.text)('#reason').val()).to.equal('All of it');
    const more = await post(admin, page, `${page}/decision`, {
      status: 'approved_in_part',
      approvedTypes: 'extra_time',
      approvedExtraTimePercent: '60',
      reason: 'More',
      revision,
    });
    expect($(more.text)('.govuk-error-summary').text()).to.contain('no more extra time than was asked for (50%)');
    expect(request(id).status).to.equal('requested');

    const decided = await post(admin, page, `${page}/decision`, {
      status: 'approved_in_part',
      approvedTypes: 'extra_time',
      approvedExtraTimePercent: '25',
      reason: 'The report supports 25% extra time; a reader is not needed for a discussion',
      revision,
    });
    expect(decided.status, $(decided.text)('.govuk-error-summary').text()).to.equal(302);
    const row = request(id);
    expect(row).to.include({ status: 'approved_in_part', approvedExtraTimePercent: 25, decidedBy: ctx.users.admin.id });
    expect(row.approvedTypes).to.deep.equal(['extra_time']);
    const shown = $((await admin.get(page)).text);
    expect(shown('#request-status').text()).to.equal('Approved in part');
    expect(shown('#approved').text()).to.equal('Extra time (25%)');
    expect(shown('#decision').length).to.equal(0);

    const told = ctx.db.select().from(outbox).where(eq(outbox.toEmail, ctx.users.otherProvider.email)).all().at(-1)!;
    expect(told.subject).to.equal('Reasonable adjustment approved in part: Bartholomew Zanzibar');
    expect(told.body).to.not.contain('Dyslexia');
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'request.decided'), eq(auditEvents.entityId, String(id))))
      .get()!;
    expect(audit).to.include({ entityId: String(id), reason: row.decisionReason });

    // The 75-minute discussion with 25% extra time takes 94 minutes (19 minutes more, rounded up).
    const booked = bookB('remote');
    expect(booked.ok, JSON.stringify(booked)).to.equal(true);
    const b = (booked as { booking: typeof bookings.$inferSelect }).booking;
    const minutes = (Date.parse(b.endsAt) - Date.parse(b.startsAt)) / 60_000;
    expect(minutes).to.equal(94);

    // A second decision on a decided request is refused.
    const again = await post(admin, page, `${page}/decision`, { status: 'refused', reason: 'Changed my mind' });
    expect(again.status).to.equal(409);
  });

  it('leaves an apprentice with approved extra time to the booking form, not the auto-scheduler', async () => {
    const today = now().setZone('Europe/London').toISODate()!;
    expect(schedulerInput(ctx.db, today).input.apprentices.map((a) => a.id)).to.include(f.b.id);
    const id = await askForB({ methodId: 'discussion', types: 'extra_time', extraTimePercent: '25', reason: REASON });
    await post(await as('admin'), `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'approved',
      reason: 'Agreed',
    });
    const { input, notConsidered } = schedulerInput(ctx.db, today);
    expect(input.apprentices.map((a) => a.id)).to.not.include(f.b.id);
    expect(notConsidered.find((n) => n.apprenticeId === f.b.id)?.reason).to.equal(
      'Extra time is approved as a reasonable adjustment: book these assessments with the booking form',
    );
  });

  it('makes an approved remote assessment a rule of the booking', async () => {
    const id = await askForB({ methodId: 'discussion', types: 'remote', reason: 'Cannot travel' });
    const admin = await as('admin');
    const approved = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'approved',
      reason: 'Agreed',
    });
    expect(approved.status).to.equal(302);
    const inPerson = bookB('in_person');
    expect(inPerson.ok).to.equal(false);
    expect((inPerson as { refusals: { message: string }[] }).refusals.map((r) => r.message)).to.include(
      'Professional discussion underpinned by a portfolio of evidence is to be taken remotely for this apprentice',
    );
    expect(bookB('remote').ok).to.equal(true);
  });

  it('shows what was approved, never why, on the booking, the assessor’s schedule and calendar, and the grading page', async () => {
    const booked = bookB('remote');
    expect(booked.ok).to.equal(true);
    const bookingId = (booked as { booking: { id: number } }).booking.id;
    const id = await askForB({
      methodId: '',
      types: ['extra_time', 'bsl_interpreter'],
      extraTimePercent: '25',
      reason: REASON,
    });
    const admin = await as('admin');
    await post(admin, `/requests/${id}`, `/requests/${id}/decision`, { status: 'approved', reason: 'Agreed' });

    const assessor = await as('assessor');
    const bookingPage = $((await assessor.get(`/bookings/${bookingId}`)).text);
    expect(bookingPage('#booking-adjustments').text()).to.equal(
      'Extra time (25%), a British Sign Language interpreter',
    );
    // Booked before the approval at 75 minutes: the page says it is too short.
    expect(bookingPage('#booking-too-short').text()).to.contain('75 minutes long').and.to.contain('needs 94');
    expect(bookingPage('main').text()).to.not.contain('Dyslexia');
    // B's employer may open B's booking, but is not shown the adjustments.
    ctx.db.update(apprentices).set({ employerId: f.a.employerId }).where(eq(apprentices.id, f.b.id)).run();
    const employerPage = $((await (await as('employer')).get(`/bookings/${bookingId}`)).text);
    expect(employerPage('#booking-details').length).to.equal(1);
    expect(employerPage('#booking-adjustments').length).to.equal(0);
    expect(employerPage('main').text()).to.not.contain('interpreter');
    // The assessor was told, and the calendar event changed (SEQUENCE up) with the adjustments in its description.
    expect(ctx.db.select().from(bookings).where(eq(bookings.id, bookingId)).get()!.sequence).to.equal(1);
    const told = ctx.db.select().from(outbox).where(eq(outbox.toEmail, ctx.users.assessor.email)).all().at(-1)!;
    expect(told.subject).to.equal(
      'Reasonable adjustment approved: Professional discussion underpinned by a portfolio of evidence',
    );

    const schedule = $((await assessor.get(`/schedule?from=${tuesday()}`)).text);
    expect(schedule('tbody').text()).to.contain(
      'Reasonable adjustments: Extra time (25%), a British Sign Language interpreter',
    );

    const token = issueCalendarToken(ctx.db, ctx.users.assessor.id, { userId: ctx.users.admin.id, label: 'admin' });
    const feed = await supertest(ctx.app).get(`/calendar/${token}`);
    const event = readFeed(feed.text).find((e) => e.uid === `booking-${bookingId}@epa-platform.bookings`)!;
    expect(event.description).to.equal(
      'Remote assessment: https://meet.example/epa-room\nReasonable adjustments: Extra time (25%), a British Sign Language interpreter',
    );
    expect(event.description).to.not.contain('Dyslexia');

    // On the day (the approval days before), the grading page reminds the assessor.
    const approvedAt = (instant: string) =>
      ctx.db.update(assessmentRequests).set({ decidedAt: instant }).where(eq(assessmentRequests.id, id)).run();
    const startsAt = now().minus({ hours: 2 }).toUTC();
    ctx.db
      .update(bookings)
      .set({ status: 'confirmed', startsAt: startsAt.toISO(), endsAt: now().minus({ hours: 1 }).toUTC().toISO() })
      .where(eq(bookings.id, bookingId))
      .run();
    approvedAt(startsAt.minus({ days: 3 }).toISO());
    const grading = $((await assessor.get(`/bookings/${bookingId}/grade`)).text);
    expect(grading('#grading-adjustments').text()).to.contain(
      'Approved reasonable adjustments: Extra time (25%), a British Sign Language interpreter',
    );
    // Once it has started, the booking page no longer asks for a longer slot: it cannot be rescheduled now.
    const started = $((await assessor.get(`/bookings/${bookingId}`)).text);
    expect(started('#booking-adjustments').text()).to.contain('Extra time (25%)');
    expect(started('#booking-too-short').length).to.equal(0);
    // Approved only once the assessment had started, it did not apply to it: its pages do not claim it.
    approvedAt(startsAt.toISO());
    expect($((await assessor.get(`/bookings/${bookingId}/grade`)).text)('#grading-adjustments').length).to.equal(0);
    expect($((await assessor.get(`/bookings/${bookingId}`)).text)('#booking-adjustments').length).to.equal(0);
    // Nor does a booking cancelled before the approval, though it would have started after it.
    ctx.db
      .update(bookings)
      .set({
        status: 'cancelled',
        startsAt: now().plus({ days: 5 }).toUTC().toISO(),
        endsAt: now().plus({ days: 5, hours: 2 }).toUTC().toISO(),
        updatedAt: now().minus({ days: 1 }).toUTC().toISO(),
      })
      .where(eq(bookings.id, bookingId))
      .run();
    approvedAt(now().minus({ hours: 1 }).toUTC().toISO());
    const cancelled = await (await as('admin')).get(`/bookings/${bookingId}`);
    expect(cancelled.status).to.equal(200);
    expect($(cancelled.text)('#booking-details').length).to.equal(1);
    expect($(cancelled.text)('#booking-adjustments').length).to.equal(0);
  });

  it('takes special consideration after an assessment, and shows its effect with the result', async () => {
    const provider = await as('provider');
    const page = `/apprentices/${f.a.uln}/special-consideration/new`;
    const form = $((await provider.get(page)).text);
    const choices = form('input[name=bookingId]')
      .toArray()
      .map((el) => form(el).attr('value'));
    // The fixture already considered the project: this is about the discussion.
    const discussion = ctx.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.apprenticeId, f.a.id), eq(bookings.methodId, 'discussion')))
      .get()!.id;
    expect(choices).to.include.members([String(f.booking), String(discussion)]);
    // Only assessments that have taken place: a made-up booking is refused with the form kept.
    const wrong = await post(provider, page, page, { bookingId: '999999', reason: 'Fire alarm' });
    expect(wrong.status).to.equal(400);
    expect($(wrong.text)('.govuk-error-summary').text()).to.contain('Select one of the apprentice’s assessments');
    expect($(wrong.text)('#reason').val()).to.equal('Fire alarm');

    const made = await post(provider, page, page, {
      bookingId: String(discussion),
      reason: 'A fire alarm stopped the discussion for 20 minutes',
    });
    expect(made.status).to.equal(302);
    const id = Number(/\/requests\/(\d+)/.exec(made.headers.location as string)![1]);
    expect(request(id)).to.include({ kind: 'special_consideration', bookingId: discussion, methodId: 'discussion' });

    const admin = await as('admin');
    const noEffect = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'approved',
      reason: 'Confirmed by the assessor',
    });
    expect(noEffect.status).to.equal(400);
    expect($(noEffect.text)('.govuk-error-summary').text()).to.contain('Select the effect on the result');
    const decided = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'approved',
      effect: 'grade_reviewed',
      reason: 'Confirmed by the assessor',
    });
    expect(decided.status).to.equal(302);
    const results = $((await provider.get(`/apprentices/${f.a.uln}/results`)).text);
    expect(
      results('.app-consideration')
        .toArray()
        .map((el) => results(el).text()),
    ).to.deep.equal([
      'Special consideration: Considered, with no change to the result',
      'Special consideration: The grade was reviewed with the circumstances in mind',
    ]);
    expect(results('main').text()).to.not.contain('fire alarm');
  });

  it('makes an assessment given special consideration as not counted void, so its method is booked again', async () => {
    // D's discussion took place and is not graded yet; D's project is graded and waits for moderation.
    const provider = await as('provider');
    const page = `/apprentices/${f.d.uln}/special-consideration/new`;
    const made = await post(provider, page, page, {
      bookingId: String(f.gradableBooking),
      reason: 'Taken to hospital during the discussion',
    });
    expect(made.status).to.equal(302);
    const id = Number(/\/requests\/(\d+)/.exec(made.headers.location as string)![1]);
    const admin = await as('admin');
    const decided = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'approved',
      effect: 'not_counted',
      reason: 'Hospital letter seen',
    });
    expect(decided.status, $(decided.text)('.govuk-error-summary').text()).to.equal(302);
    expect(ctx.db.select().from(bookings).where(eq(bookings.id, f.gradableBooking)).get()!.status).to.equal('void');
    const voided = ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'booking.voided'), eq(auditEvents.entityId, String(f.gradableBooking))))
      .get()!;
    expect(voided.reason).to.equal(`Special consideration ${id} approved: not counted as an attempt`);

    // A released result is changed through an appeal instead: A's project.
    const other = await post(
      provider,
      `/apprentices/${f.a.uln}/special-consideration/new`,
      `/apprentices/${f.a.uln}/special-consideration/new`,
      {
        bookingId: String(f.booking),
        reason: 'Unwell',
      },
    );
    const otherId = Number(/\/requests\/(\d+)/.exec(other.headers.location as string)![1]);
    const refused = await post(admin, `/requests/${otherId}`, `/requests/${otherId}/decision`, {
      status: 'approved',
      effect: 'not_counted',
      reason: 'Agreed',
    });
    expect(refused.status).to.equal(400);
    expect($(refused.text)('.govuk-error-summary').text()).to.contain('The result has been released');
    expect(request(otherId).status).to.equal('requested');
  });

  it('refuses a decision made on a page opened before the provider uploaded more evidence', async () => {
    const id = await askForB({ methodId: 'discussion', types: 'rest_breaks', reason: 'Fatigue' });
    const admin = await as('admin');
    const opened = $((await admin.get(`/requests/${id}`)).text);
    const revision = opened('input[name="revision"]').val() as string;
    expect(revision).to.equal(String(request(id).revision));
    const provider = await as('otherProvider');
    const uploaded = await provider
      .post(`/requests/${id}/files`)
      .field('_csrf', csrfFrom((await provider.get(`/requests/${id}`)).text))
      .attach('evidenceFile', PDF, { filename: 'consultant letter.pdf', contentType: 'application/pdf' });
    expect(uploaded.status, uploaded.text).to.equal(302);
    const decided = await admin
      .post(`/requests/${id}/decision`)
      .type('form')
      .send({ status: 'refused', reason: 'Not enough evidence', revision, _csrf: csrfFrom(opened.html()) });
    expect(decided.status).to.equal(409);
    expect(request(id).status).to.equal('requested');
    // Opened again, the page shows the new file and takes the decision.
    const again = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'refused',
      reason: 'Not enough evidence',
      revision: String(request(id).revision),
    });
    expect(again.status).to.equal(302);
    expect(request(id).status).to.equal('refused');
  });

  it('lets the provider withdraw an open request, and refuses a decision on a request changed since the page was opened', async () => {
    const id = await askForB({ methodId: 'discussion', types: 'rest_breaks', reason: 'Fatigue' });
    // An apprentice with a request waiting is not erased: the request could then never be decided.
    expect(erasureBlockers(ctx.db, recordIdsOf(ctx.db, f.b))).to.include(
      'A reasonable adjustment or special consideration request is waiting for a decision.',
    );
    const admin = await as('admin');
    const stale = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'refused',
      reason: 'No',
      revision: '7',
    });
    expect(stale.status).to.equal(409);
    const provider = await as('otherProvider');
    const withdrawn = await post(provider, `/requests/${id}`, `/requests/${id}/withdraw`, {});
    expect(withdrawn.status).to.equal(302);
    expect(request(id).status).to.equal('withdrawn');
    expect(erasureBlockers(ctx.db, recordIdsOf(ctx.db, f.b))).to.not.include(
      'A reasonable adjustment or special consideration request is waiting for a decision.',
    );
    const shown = $((await provider.get(`/requests/${id}`)).text);
    expect(shown('#request-status').text()).to.equal('Withdrawn');
    expect(shown('form[action$="/withdraw"]').length).to.equal(0);
    expect(shown('input[type=file]').length).to.equal(0);
    expect(
      ctx.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'request.withdrawn'), eq(auditEvents.entityId, String(id))))
        .all(),
    ).to.have.length(1);
    const decided = await post(admin, `/requests/${id}`, `/requests/${id}/decision`, {
      status: 'refused',
      reason: 'No',
    });
    expect(decided.status).to.equal(409);
    expect(DateTime.fromISO(request(id).decidedAt!).isValid).to.equal(true);
  });
});
