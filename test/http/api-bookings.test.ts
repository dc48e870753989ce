import { expect } from 'chai';
import { DateTime } from 'luxon';
import supertest from 'supertest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { fixedClock } from '../../src/clock.js';
import {
  addApprentices,
  addOffTheJobHours,
  addQualification,
  confirmDeclaration,
  findApprenticeByUln,
  recordPlanItem,
  type ApprenticeDetail,
} from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import type { Db } from '../../src/db/connection.js';
import {
  assessorProfiles,
  assessorRegions,
  assessorStandards,
  assessorUnavailability,
  assessorWorkingHours,
  auditEvents,
  bookings,
  users,
} from '../../src/db/schema.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import { $, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { readFeed } from '../support/calendar.js';

const ULNS = validUlns(3, 810_000_000);
const EPA_START = '2024-12-03'; // a Tuesday, in the past: the app runs on a fixed clock, so nothing here expires
/** The app's clock in these tests: the day before the EPA period opens, whatever day the tests run. */
const CLOCK = fixedClock('2024-12-02T09:00:00Z');
const now = () => CLOCK.now();

/** An apprentice whose gateway was accepted on EPA_START (the EPA period runs three months from then). */
function acceptedApprentice(db: Db, index: number, employerId = 'transport-workers-union'): ApprenticeDetail {
  const start = DateTime.fromISO(EPA_START).minus({ months: 19 });
  const input = {
    uln: ULNS[index]!,
    givenNames: `Test${index}`,
    familyName: 'Booking',
    dateOfBirth: start.minus({ years: 25 }).toISODate()!,
    startDate: start.toISODate()!,
    plannedEndDate: start.plus({ months: 18 }).toISODate()!,
    standardReference: 'ST0815',
    standardVersion: '1.0',
    providerUkprn: '10061234',
    employerId,
    weeklyHours: 37.5,
    bslFirstLanguage: false,
    englishMathsChoice: null,
  };
  if (!addApprentices(db, [{ line: 1, input }], SYSTEM_ACTOR, 'test').ok) throw new Error('setup');
  const a = findApprenticeByUln(db, input.uln)!;
  for (const subject of ['english', 'maths'] as const)
    addQualification(
      db,
      a,
      { subject, type: 'gcse', level: 2, grade: '5', achievedOn: '2015-08-20', certificateReference: 'X' },
      SYSTEM_ACTOR,
    );
  addOffTheJobHours(
    db,
    a,
    { date: start.plus({ days: 10 }).toISODate()!, hours: 500, activity: 'Block release', kind: 'training' },
    SYSTEM_ACTOR,
  );
  for (const item of ['portfolio', 'project-proposal']) recordPlanItem(db, a, item, 'store', SYSTEM_ACTOR);
  for (const part of ['employer', 'provider', 'apprentice', 'certificate_permission'] as const)
    confirmDeclaration(db, a, part, SYSTEM_ACTOR, now());
  const submitted = submitForGateway(db, a, DateTime.fromISO(EPA_START).minus({ days: 2 }).toISODate()!, SYSTEM_ACTOR);
  if (!submitted.ok) throw new Error(submitted.message);
  decideSubmission(
    db,
    submitted.submission.id,
    { checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })), outcome: 'accepted', reason: null },
    3,
    EPA_START,
    SYSTEM_ACTOR,
    now(),
  );
  return a;
}

function makeAssessor(db: Db, userId: number): void {
  db.insert(assessorProfiles).values({ userId, perDay: 2, perWeek: 8 }).run();
  db.insert(assessorStandards).values({ userId, standardVersionId: 1 }).run();
  db.insert(assessorRegions).values({ userId, region: 'london' }).run();
  for (const weekday of [1, 2, 3, 4, 5])
    db.insert(assessorWorkingHours).values({ userId, weekday, start: '09:00', end: '17:00' }).run();
}

describe('JSON API: bookings', () => {
  let ctx: TestContext;
  let api: supertest.Agent;
  const tokens: Record<string, string> = {};
  const as = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });
  const body = (uln: string, localStart: string) => ({
    uln,
    methodId: 'discussion',
    assessorUserId: ctx.users.assessor.id,
    localStart,
    mode: 'remote',
    link: 'https://meet.example.org/x',
  });

  beforeEach(async () => {
    ctx = await testApp({ clock: CLOCK });
    api = supertest.agent(ctx.app);
    for (const who of ['admin', 'assessor', 'provider', 'otherProvider', 'employer', 'qa'] as const)
      tokens[who] = tokenFor(ctx.db, ctx.users[who].id);
    makeAssessor(ctx.db, ctx.users.assessor.id);
  });

  it('books two apprentices with the same assessor at the same time at once: one 201, one 409', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    const b = acceptedApprentice(ctx.db, 1);
    const results = await Promise.all([
      api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2024-12-05T10:00')),
      api.post('/api/v1/bookings').set(as('admin')).send(body(b.uln, '2024-12-05T10:30')),
    ]);
    expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409]);
    const refused = results.find((r) => r.status === 409)!;
    expect(refused.body.errors.map((e: { path: string }) => e.path)).to.include('assessor_double_booked');
    expect(ctx.db.select().from(bookings).all()).to.have.length(1);
  });

  it('stores the London wall-clock time as a UTC instant and keeps the old booking on reschedule', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    const winter = await api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2024-12-05T10:00'));
    expect(winter.body).to.include({
      localStart: '2024-12-05T10:00',
      startsAt: '2024-12-05T10:00:00.000Z',
      status: 'held',
    });
    const moved = await api
      .patch(`/api/v1/bookings/${winter.body.id}`)
      .set(as('admin'))
      .send({ action: 'reschedule', reason: 'Assessor asked', localStart: '2025-02-27T10:00' });
    expect(moved.status).to.equal(200);
    expect(moved.body).to.include({ startsAt: '2025-02-27T10:00:00.000Z', rescheduledFromId: winter.body.id });
    expect(
      ctx.db
        .select()
        .from(bookings)
        .all()
        .map((b) => [b.id, b.status]),
    ).to.deep.equal([
      [winter.body.id, 'cancelled'],
      [moved.body.id, 'held'],
    ]);
  });

  it('lets only the booking’s assessor confirm or decline, and only admins book, cancel or list all', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    const other = acceptedApprentice(ctx.db, 2);
    expect(
      (await api.post('/api/v1/bookings').set(as('provider')).send(body(a.uln, '2024-12-05T10:00'))).status,
    ).to.equal(403);
    const held = await api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2024-12-05T10:00'));
    const id = held.body.id as number;
    expect((await api.patch(`/api/v1/bookings/${id}`).set(as('admin')).send({ action: 'confirm' })).status).to.equal(
      403,
    );
    expect((await api.patch(`/api/v1/bookings/${id}`).set(as('assessor')).send({ action: 'decline' })).status).to.equal(
      422,
    );
    const confirmed = await api.patch(`/api/v1/bookings/${id}`).set(as('assessor')).send({ action: 'confirm' });
    expect(confirmed.body.status).to.equal('confirmed');
    expect(
      (await api.patch(`/api/v1/bookings/${id}`).set(as('assessor')).send({ action: 'cancel', reason: 'x' })).status,
    ).to.equal(403);
    expect((await api.get(`/api/v1/bookings/${id}`).set(as('otherProvider'))).status).to.equal(404);
    expect((await api.get(`/api/v1/bookings/${id}`).set(as('qa'))).status).to.equal(404);
    expect((await api.get(`/api/v1/bookings/${id}`).set(as('employer'))).status).to.equal(200);
    expect((await api.get('/api/v1/bookings').set(as('otherProvider'))).body.bookings).to.deep.equal([]);
    expect(
      (await api.get('/api/v1/bookings').set(as('provider'))).body.bookings.map((b: { id: number }) => b.id),
    ).to.deep.equal([id]);
    expect((await api.get('/api/v1/bookings').set(as('qa'))).status).to.equal(403);
    expect((await api.get('/api/v1/assessors').set(as('provider'))).status).to.equal(403);
    const cancelled = await api
      .patch(`/api/v1/bookings/${id}`)
      .set(as('admin'))
      .send({ action: 'cancel', reason: 'Apprentice unwell' });
    expect(cancelled.body).to.include({ status: 'cancelled', statusReason: 'Apprentice unwell' });
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .all()
      .filter((e) => e.entityType === 'booking')
      .map((e) => [e.action, e.reason]);
    expect(audit).to.deep.equal([
      ['booking.held', null],
      ['booking.confirmed', null],
      ['booking.cancelled', 'Apprentice unwell'],
    ]);
    expect(
      (await api.post('/api/v1/bookings').set(as('admin')).send(body(other.uln, '2024-12-05T10:00'))).status,
    ).to.equal(201);
  });

  it('checks the rules again when the assessor confirms: leave or a conflict since the hold stops it', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    const held = await api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2024-12-05T10:00'));
    ctx.db
      .insert(assessorUnavailability)
      .values({ userId: ctx.users.assessor.id, from: '2024-12-05', to: '2024-12-05', reason: 'Tribunal hearing' })
      .run();
    const refused = await api.patch(`/api/v1/bookings/${held.body.id}`).set(as('assessor')).send({ action: 'confirm' });
    expect(refused.status).to.equal(409);
    expect(refused.body.errors[0].message).to.contain('can no longer be confirmed').and.to.contain('Tribunal hearing');
    expect(ctx.db.select().from(bookings).get()!.status).to.equal('held');
  });

  it('refuses a booking that starts in the past, and a meeting link that is not a web address', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    const past = await api
      .post('/api/v1/bookings')
      .set(as('admin'))
      .send(body(a.uln, now().minus({ days: 1 }).toFormat("yyyy-MM-dd'T'10:00")));
    expect(past.status).to.equal(409);
    expect(past.body.errors.map((e: { path: string }) => e.path)).to.include('in_the_past');
    const script = await api
      .post('/api/v1/bookings')
      .set(as('admin'))
      .send({ ...body(a.uln, '2024-12-05T10:00'), link: 'javascript:alert(1)' });
    expect(script.status).to.equal(422);
  });

  it('shows an assessor’s day and takes their leave and conflicts, for them and administrators only', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    await api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2024-12-05T10:00'));
    const id = ctx.users.assessor.id;
    const day = await api.get(`/api/v1/assessors/${id}/availability?date=2024-12-05`).set(as('assessor'));
    expect(day.status).to.equal(200);
    expect(day.body.workingHours).to.deep.equal({ weekday: 4, start: '09:00', end: '17:00' });
    expect(day.body.bookings.map((b: { localStart: string }) => b.localStart)).to.deep.equal(['2024-12-05T10:00']);
    expect((await api.get(`/api/v1/assessors/${id}/availability?date=2024-12-05`).set(as('provider'))).status).to.equal(
      404,
    );
    expect(
      (await api.get(`/api/v1/assessors/${ctx.users.admin.id}/availability?date=2024-12-05`).set(as('assessor')))
        .status,
    ).to.equal(404);
    expect((await api.get(`/api/v1/assessors/${id}/availability?date=2024-02-30`).set(as('assessor'))).status).to.equal(
      422,
    );

    expect(
      (
        await api
          .post(`/api/v1/assessors/${id}/unavailability`)
          .set(as('assessor'))
          .send({ from: '2024-12-12', to: '2024-12-11', reason: 'Leave' })
      ).status,
    ).to.equal(422);
    expect(
      (
        await api
          .post(`/api/v1/assessors/${id}/unavailability`)
          .set(as('assessor'))
          .send({ from: '2024-12-12', to: '2024-12-13', reason: 'Leave' })
      ).status,
    ).to.equal(201);
    const onLeave = await api
      .post('/api/v1/bookings')
      .set(as('admin'))
      .send(body(acceptedApprentice(ctx.db, 1).uln, '2024-12-12T10:00'));
    expect(onLeave.body.errors.map((e: { path: string }) => e.path)).to.include('assessor_unavailable');

    expect(
      (
        await api
          .post(`/api/v1/assessors/${id}/conflicts`)
          .set(as('assessor'))
          .send({ kind: 'employer', organisationId: 'nobody', from: '2020-01-01', reason: 'x' })
      ).status,
    ).to.equal(422);
    expect(
      (
        await api
          .post(`/api/v1/assessors/${id}/conflicts`)
          .set(as('assessor'))
          .send({ kind: 'employer', organisationId: 'health-care-union', from: '2020-01-01', reason: 'Former steward' })
      ).status,
    ).to.equal(201);
    expect((await api.get(`/api/v1/assessors/${id}/conflicts`).set(as('admin'))).body.conflicts).to.deep.equal([
      { kind: 'employer', organisationId: 'health-care-union', from: '2020-01-01', to: null, reason: 'Former steward' },
    ]);
    expect(
      (
        await api
          .post(`/api/v1/assessors/${id}/conflicts`)
          .set(as('employer'))
          .send({ kind: 'employer', organisationId: 'health-care-union', from: '2020-01-01', reason: 'x' })
      ).status,
    ).to.equal(404);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await api.get('/api/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).to.include.members([
      '/bookings',
      '/bookings/{id}',
      '/assessors',
      '/assessors/{id}/availability',
      '/assessors/{id}/unavailability',
      '/assessors/{id}/conflicts',
    ]);
    expect(doc.body.paths['/bookings'].post.responses).to.have.keys(
      '201',
      '400',
      '401',
      '403',
      '404',
      '409',
      '413',
      '415',
      '422',
    );
    expect(doc.body.paths['/bookings'].post.operationId).to.equal('postBookings');
    expect(doc.body.components.schemas.Booking.properties.status.enum).to.include('held');
  });

  it('refuses with each reason: outside the EPA period, conflicted, outside working hours', async () => {
    const a = acceptedApprentice(ctx.db, 0);
    const late = await api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2025-06-03T10:00'));
    expect(late.status).to.equal(409);
    expect(late.body.errors[0]).to.deep.equal({
      path: 'outside_epa_period',
      message: '2025-06-03 is outside the EPA period (2024-12-03 to 2025-03-03)',
    });
    ctx.db.update(assessorProfiles).set({ ownEmployerId: 'transport-workers-union' }).run();
    const conflicted = await api.post('/api/v1/bookings').set(as('admin')).send(body(a.uln, '2024-12-05T18:00'));
    expect(conflicted.body.errors.map((e: { path: string }) => e.path)).to.deep.equal([
      'assessor_conflicted',
      'outside_working_hours',
    ]);
    expect(
      (
        await api
          .post('/api/v1/bookings')
          .set(as('admin'))
          .send({ ...body(a.uln, '2024-12-05T10:00'), localStart: 'tomorrow' })
      ).status,
    ).to.equal(422);
  });
});

describe('assessor calendar feed', () => {
  it('publishes the assessor’s bookings with stable UIDs, sequences, cancellations and London times, until revoked', async () => {
    const ctx = await testApp({ clock: CLOCK });
    makeAssessor(ctx.db, ctx.users.assessor.id);
    const a = acceptedApprentice(ctx.db, 0);
    const admin = tokenFor(ctx.db, ctx.users.admin.id);
    const api = supertest(ctx.app);
    const held = await api.post('/api/v1/bookings').set('Authorization', `Bearer ${admin}`).send({
      uln: a.uln,
      methodId: 'discussion',
      assessorUserId: ctx.users.assessor.id,
      localStart: '2024-12-05T10:00',
      mode: 'remote',
      link: 'https://meet.example.org/x',
    });
    await api
      .patch(`/api/v1/bookings/${held.body.id}`)
      .set('Authorization', `Bearer ${admin}`)
      .send({ action: 'cancel', reason: 'Unwell' });
    const second = await api.post('/api/v1/bookings').set('Authorization', `Bearer ${admin}`).send({
      uln: a.uln,
      methodId: 'discussion',
      assessorUserId: ctx.users.assessor.id,
      localStart: '2024-12-12T14:30',
      mode: 'remote',
      link: null,
    });

    const assessor = await signedInAgent(ctx.app, ctx.users.assessor.email);
    const page = await postForm(
      assessor,
      `/assessors/${ctx.users.assessor.id}`,
      `/assessors/${ctx.users.assessor.id}/calendar`,
      {},
    );
    const url = $(page.text)('#calendar-url').text();
    expect(url).to.match(/\/calendar\/cal_[A-Za-z0-9_-]+$/);
    const feed = async () => {
      const res = await api.get(new URL(url).pathname);
      expect(res.status).to.equal(200);
      expect(res.type).to.equal('text/calendar');
      return readFeed(res.text).map((e) => [e.uid, e.status, e.sequence, e.start]);
    };
    const uid = (id: number) => `booking-${id}@epa-platform.bookings`;
    expect(await feed()).to.deep.equal([
      [uid(held.body.id), 'CANCELLED', 1, '2024-12-05T10:00:00.000Z'],
      [uid(second.body.id), 'TENTATIVE', 0, '2024-12-12T14:30:00.000Z'],
    ]);

    // Confirmed, then moved twice: one event, its UID kept, its SEQUENCE rising each time.
    const patch = (id: number, change: object) =>
      api.patch(`/api/v1/bookings/${id}`).set('Authorization', `Bearer ${admin}`).send(change);
    const confirmed = await api
      .patch(`/api/v1/bookings/${second.body.id}`)
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.assessor.id)}`)
      .send({ action: 'confirm' });
    expect(confirmed.status).to.equal(200);
    expect((await feed())[1]).to.deep.equal([uid(second.body.id), 'CONFIRMED', 1, '2024-12-12T14:30:00.000Z']);
    const moved = await patch(second.body.id, { action: 'reschedule', reason: 'Room', localStart: '2024-12-13T09:00' });
    expect(moved.status, JSON.stringify(moved.body)).to.equal(200);
    expect((await feed())[1]).to.deep.equal([uid(second.body.id), 'TENTATIVE', 3, '2024-12-13T09:00:00.000Z']);
    expect(await feed()).to.have.length(2);

    // Moved to another assessor: cancelled in this calendar, under the same UID, and in theirs.
    const other = ctx.db
      .insert(users)
      .values({ email: 'assessor2@test.example', name: 'Second Assessor', role: 'assessor', passwordHash: 'x' })
      .returning({ id: users.id })
      .get();
    makeAssessor(ctx.db, other.id);
    const away = await patch(moved.body.id, {
      action: 'reschedule',
      reason: 'Conflict of interest',
      localStart: '2024-12-13T09:00',
      assessorUserId: other.id,
    });
    expect(away.status, JSON.stringify(away.body)).to.equal(200);
    expect((await feed())[1]).to.deep.equal([uid(second.body.id), 'CANCELLED', 5, '2024-12-13T09:00:00.000Z']);
    const theirs = await api
      .post(`/api/v1/assessors/${other.id}/calendar`)
      .set('Authorization', `Bearer ${tokenFor(ctx.db, other.id)}`);
    expect(theirs.status).to.equal(201);
    const theirFeed = readFeed((await api.get(new URL(theirs.body.url as string).pathname)).text);
    expect(theirFeed.map((e) => [e.uid, e.status, e.sequence])).to.deep.equal([[uid(second.body.id), 'TENTATIVE', 5]]);

    await postForm(
      assessor,
      `/assessors/${ctx.users.assessor.id}`,
      `/assessors/${ctx.users.assessor.id}/calendar/revoke`,
      {},
    );
    expect((await api.get(new URL(url).pathname)).status).to.equal(404);
    expect((await api.get('/calendar/cal_made-up')).status).to.equal(404);
  });

  it('is made and revoked through the API by the assessor or an administrator, audited, and by nobody else', async () => {
    const ctx = await testApp({ clock: CLOCK });
    makeAssessor(ctx.db, ctx.users.assessor.id);
    const api = supertest(ctx.app);
    const path = `/api/v1/assessors/${ctx.users.assessor.id}/calendar`;
    const as = (key: 'admin' | 'assessor' | 'provider' | 'qa') => ({
      Authorization: `Bearer ${tokenFor(ctx.db, ctx.users[key].id)}`,
    });
    for (const key of ['provider', 'qa'] as const) {
      expect((await api.post(path).set(as(key))).status).to.equal(404);
      expect((await api.delete(path).set(as(key))).status).to.equal(404);
    }
    expect((await api.post(path)).status).to.equal(401);
    const made = await api.post(path).set(as('assessor'));
    expect(made.status).to.equal(201);
    expect(made.body.url).to.match(/^http:\/\/localhost:3000\/calendar\/cal_[A-Za-z0-9_-]+$/);
    const feedPath = new URL(made.body.url as string).pathname;
    expect(readFeed((await api.get(feedPath)).text)).to.deep.equal([]);
    // A new link replaces the old one.
    const again = await api.post(path).set(as('admin'));
    expect((await api.get(feedPath)).status).to.equal(404);
    expect((await api.delete(path).set(as('admin'))).status).to.equal(204);
    expect((await api.get(new URL(again.body.url as string).pathname)).status).to.equal(404);
    expect(
      ctx.db
        .select({ action: auditEvents.action, actor: auditEvents.actorLabel })
        .from(auditEvents)
        .all()
        .filter((e) => e.action.startsWith('calendar.')),
    ).to.deep.equal([
      { action: 'calendar.issued', actor: ctx.users.assessor.email },
      { action: 'calendar.issued', actor: ctx.users.admin.email },
      { action: 'calendar.revoked', actor: ctx.users.admin.email },
    ]);
  });
});
