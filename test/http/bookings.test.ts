import { now } from '../support/clock.js';
import { expect } from 'chai';
import { and, eq, inArray, like } from 'drizzle-orm';
import { DateTime } from 'luxon';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import type { Db } from '../../src/db/connection.js';
import {
  assessorProfiles,
  assessorStandards,
  assessorWorkingHours,
  auditEvents,
  bookings,
  outbox,
  plans,
  users,
} from '../../src/db/schema.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import { createBooking } from '../../src/bookings/store.js';
import { $, csrfFrom, signedInAgent, testApp, tokenFor, type TestContext, type TestUserKey } from '../support/app.js';
import { SETUP, isoDate, readyApprentice as readyFromSupport } from '../support/apprentices.js';
import { dateLabel } from '../../src/dates.js';

/*
 * The calendar of these tests. Every apprentice follows ST0815 v1.0 (demonstration plan: EPA period
 * three months; the professional discussion lasts 75 minutes and may take place from the day of
 * gateway acceptance). Gateways are accepted today unless a test says otherwise, and bookings fall
 * on the Tuesday (DAY) at least a week from today, well inside the EPA period and in the future.
 * Assessors work Monday to Friday, 09:00–17:00 London time.
 */

const ZONE = 'Europe/London';
const today = () => now().setZone(ZONE).startOf('day');
const ULNS = validUlns(20, 700_000_000);
const DISCUSSION = 'Professional discussion underpinned by a portfolio of evidence';

/** The first day on or after `from` that falls on `weekday` (1 = Monday). */
function onOrAfter(from: DateTime, weekday: number): DateTime {
  let d = from.startOf('day');
  while (d.weekday !== weekday) d = d.plus({ days: 1 });
  return d;
}
const DAY = () => onOrAfter(today().plus({ days: 7 }), 2);

/* ---------- Apprentices whose gateway is accepted, built through the stores ---------- */

function readyApprentice(db: Db, index: number, given: string, family: string): ApprenticeDetail {
  return readyFromSupport(db, ULNS[index]!, given, family);
}

/** Submits the gateway today and accepts it with the EPA period starting `on`. */
function acceptedApprentice(
  db: Db,
  index: number,
  given: string,
  family: string,
  on: DateTime = today(),
): ApprenticeDetail {
  const a = readyApprentice(db, index, given, family);
  const submitted = submitForGateway(db, a, isoDate(today()), SETUP);
  if (!submitted.ok) throw new Error(submitted.message);
  const decided = decideSubmission(
    db,
    submitted.submission.id,
    { checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })), outcome: 'accepted', reason: null },
    3,
    isoDate(on),
    SETUP,
    now(),
  );
  if (!decided.ok) throw new Error(decided.message);
  return a;
}

/* ---------- Assessors ---------- */

interface Assessors {
  /** The test user `assessor`, renamed Ada Assessor: competent for ST0815, works for another employer. */
  ada: { id: number; email: string };
  /** A second assessor user who works for the apprentices' employer: always conflicted. */
  colin: { id: number; email: string };
}

function addProfile(db: Db, userId: number, standardVersionId: number, ownEmployerId: string | null) {
  db.insert(assessorProfiles).values({ userId, perDay: 4, perWeek: 12, ownEmployerId }).run();
  db.insert(assessorStandards).values({ userId, standardVersionId }).run();
  for (const weekday of [1, 2, 3, 4, 5])
    db.insert(assessorWorkingHours).values({ userId, weekday, start: '09:00', end: '17:00' }).run();
}

function addAssessors(ctx: TestContext, standardVersionId: number): Assessors {
  const { db } = ctx;
  const ada = ctx.users.assessor;
  db.update(users).set({ name: 'Ada Assessor' }).where(eq(users.id, ada.id)).run();
  // Same password as the test users: reuse the stored hash.
  const { passwordHash } = db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ada.id))
    .get()!;
  const colin = db
    .insert(users)
    .values({ email: 'assessor2@test.example', name: 'Colin Conflicted', role: 'assessor', passwordHash })
    .returning({ id: users.id, email: users.email })
    .get();
  addProfile(db, ada.id, standardVersionId, 'health-care-union');
  addProfile(db, colin.id, standardVersionId, 'transport-workers-union');
  return { ada: { id: ada.id, email: ada.email }, colin };
}

/* ---------- Pages and forms ---------- */

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

async function page(agent: Agent | supertest.Agent, url: string) {
  const res = await agent.get(url);
  return { status: res.status, doc: $(res.text), text: res.text };
}

/** A refused booking goes back to the form (303) with every choice kept; this reads the reason shown there. */
async function refusal(agent: Agent, res: { status: number; headers: Record<string, string> }): Promise<string> {
  expect(res.status).to.equal(303);
  const form = await agent.get(res.headers.location!);
  expect(form.status).to.equal(200);
  return $(form.text)('#booking-refused, #booking-blocked').text().replace(/\s+/g, ' ');
}
const mainText = (html: string) => $(html)('main').text().replace(/\s+/g, ' ').trim();

interface Slot {
  date: DateTime;
  time: string;
  methodId?: string;
  mode?: 'remote' | 'in_person';
  link?: string;
}

function slotParams(a: ApprenticeDetail | null, slot: Slot, replace?: number): URLSearchParams {
  const params = new URLSearchParams();
  if (a) params.set('uln', a.uln);
  if (replace !== undefined) params.set('replace', String(replace));
  else params.set('methodId', slot.methodId ?? 'discussion');
  params.set('date[day]', String(slot.date.day));
  params.set('date[month]', String(slot.date.month));
  params.set('date[year]', String(slot.date.year));
  params.set('time', slot.time);
  params.set('mode', slot.mode ?? 'remote');
  params.set('region', '');
  params.set('location', '');
  params.set('link', slot.link ?? 'https://meet.example/epa-room');
  return params;
}

/** The form's second step (GET /bookings/new with a slot): the assessors offered and the reasons others are not. */
async function findAssessors(agent: Agent, a: ApprenticeDetail | null, slot: Slot, replace?: number) {
  const res = await page(agent, `/bookings/new?${slotParams(a, slot, replace).toString()}`);
  const offered = res
    .doc('form[method="post"][action="/bookings"] input[name="assessorUserId"][type="radio"]')
    .map((_, input) => ({
      value: res.doc(input).attr('value') ?? '',
      label: res
        .doc(`label[for="${res.doc(input).attr('id')}"]`)
        .text()
        .trim(),
    }))
    .get();
  const notOffered = res
    .doc('#unavailable-assessors li')
    .map((_, li) => res.doc(li).text().replace(/\s+/g, ' ').trim())
    .get();
  return { ...res, offered, notOffered };
}

/** Chooses an assessor on the form and holds the booking, as a browser would: every field the form carries, plus the choice. */
async function holdThroughForm(
  agent: Agent,
  a: ApprenticeDetail | null,
  slot: Slot,
  assessorUserId: number,
  replace?: number,
) {
  const found = await findAssessors(agent, a, slot, replace);
  expect(found.status, 'the booking form').to.equal(200);
  expect(
    found.offered.map((o) => o.value),
    'assessors offered',
  ).to.include(String(assessorUserId));
  const fields: Record<string, string> = {};
  found.doc('form[method="post"][action="/bookings"] input[type="hidden"]').each((_, input) => {
    fields[found.doc(input).attr('name')!] = found.doc(input).attr('value') ?? '';
  });
  return agent
    .post('/bookings')
    .type('form')
    .send({ ...fields, assessorUserId: String(assessorUserId) });
}

/** The fields of the booking form, for posting directly (no page fetched between). */
function bookingFields(a: ApprenticeDetail, slot: Slot, assessorUserId: number, csrf: string): Record<string, string> {
  return { ...Object.fromEntries(slotParams(a, slot)), assessorUserId: String(assessorUserId), _csrf: csrf };
}

async function tokenOf(agent: Agent | supertest.Agent): Promise<string> {
  const res = await agent.get('/sign-in');
  return csrfFrom(res.status === 200 ? res.text : (await agent.get('/')).text);
}

/** Posts a booking action (confirm, decline, cancel, complete) with a fresh form token. */
async function act(agent: Agent, id: number, action: string, reason?: string) {
  const token = csrfFrom((await agent.get('/')).text);
  return agent
    .post(`/bookings/${id}/${action}`)
    .type('form')
    .send({ _csrf: token, ...(reason === undefined ? {} : { reason }) });
}

const bookingIdFrom = (location: string | undefined): number => {
  const match = /^\/bookings\/(\d+)$/.exec(location ?? '');
  if (!match) throw new Error(`Not a booking page: ${location}`);
  return Number(match[1]);
};

const bookingRow = (db: Db, id: number) => db.select().from(bookings).where(eq(bookings.id, id)).get()!;
const activeBookings = (db: Db) =>
  db
    .select()
    .from(bookings)
    .where(inArray(bookings.status, ['held', 'confirmed', 'completed']))
    .all();
const bookingAudit = (db: Db) => db.select().from(auditEvents).where(like(auditEvents.action, 'booking.%')).all();

/** Everything a refused request must leave alone. */
function snapshot(db: Db) {
  return {
    bookings: db.$client.prepare('select * from bookings').all(),
    outbox: db.$client.prepare('select * from outbox').all(),
    audit: db.$client.prepare(`select * from audit_events where action <> 'user.signed_in'`).all(),
  };
}

/** A booking made directly through the store (setup for tests that are not about making it). */
function hold(ctx: TestContext, a: ApprenticeDetail, assessorUserId: number, slot: Slot): number {
  const result = createBooking(
    ctx.db,
    a,
    {
      methodId: slot.methodId ?? 'discussion',
      assessorUserId,
      localStart: `${isoDate(slot.date)}T${slot.time}`,
      mode: 'remote',
      region: null,
      location: null,
      link: 'https://meet.example/epa-room',
    },
    { userId: ctx.users.admin.id, label: ctx.users.admin.email },
    { now: now() },
  );
  if (!result.ok) throw new Error(result.refusals.map((r) => r.message).join('; '));
  return result.booking.id;
}

/** London wall-clock as the pages show it, e.g. "Tue 1 Dec 2026, 10:00". */
const shown = (d: DateTime, time: string) =>
  `${DateTime.fromISO(`${isoDate(d)}T${time}`, { zone: ZONE }).toFormat('ccc d LLL yyyy')}, ${time}`;

/* ======================================================================================= */

describe('bookings: who may see and do what', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let staff: Assessors;
  let id: number;
  beforeEach(async () => {
    ctx = await testApp();
    a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    staff = addAssessors(ctx, a.standardVersionId);
    id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
  });

  it('keeps the bookings list, the booking form, making a booking and the outbox to administrators (403 for everyone else)', async () => {
    const before = snapshot(ctx.db);
    const formUrl = `/bookings/new?${slotParams(a, { date: DAY(), time: '14:00' }).toString()}`;
    for (const who of ['assessor', 'qa', 'provider', 'otherProvider', 'employer'] as TestUserKey[]) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      for (const url of ['/bookings', `/bookings/new?uln=${a.uln}`, formUrl, '/outbox']) {
        const res = await page(agent, url);
        expect(res.status, `${who} GET ${url}`).to.equal(403);
        expect(res.doc('h1').text(), `${who} GET ${url}`).to.equal('You do not have permission to see this page');
        expect(res.text, `${who} GET ${url}`).not.to.contain('Alice');
      }
      const post = await agent
        .post('/bookings')
        .type('form')
        .send(bookingFields(a, { date: DAY(), time: '14:00' }, staff.ada.id, await tokenOf(agent)));
      expect(post.status, `${who} POST /bookings`).to.equal(403);
    }
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    for (const url of ['/bookings', formUrl, '/outbox'])
      expect((await admin.get(url)).status, `admin GET ${url}`).to.equal(200);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('sends visitors to sign in for every page, and refuses their posts (401)', async () => {
    const visitor = supertest.agent(ctx.app);
    for (const url of ['/bookings', `/bookings/new?uln=${a.uln}`, '/outbox', '/schedule', `/bookings/${id}`]) {
      const res = await visitor.get(url);
      expect(res.status, url).to.equal(302);
      expect(res.headers.location, url).to.equal(`/sign-in?returnTo=${encodeURIComponent(url)}`);
    }
    const token = await tokenOf(visitor);
    const before = snapshot(ctx.db);
    expect(
      (
        await visitor
          .post('/bookings')
          .type('form')
          .send(bookingFields(a, { date: DAY(), time: '14:00' }, staff.ada.id, token))
      ).status,
    ).to.equal(401);
    for (const action of ['confirm', 'cancel']) {
      expect(
        (await visitor.post(`/bookings/${id}/${action}`).type('form').send({ _csrf: token, reason: 'No' })).status,
        action,
      ).to.equal(401);
    }
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('shows the schedule to assessors only', async () => {
    for (const who of ['admin', 'qa', 'provider', 'employer'] as TestUserKey[]) {
      const res = await page(await signedInAgent(ctx.app, ctx.users[who].email), '/schedule');
      expect(res.status, who).to.equal(403);
      expect(res.text, who).not.to.contain('Alice Apprentice');
    }
    const own = await page(await signedInAgent(ctx.app, staff.ada.email), '/schedule');
    expect(own.status).to.equal(200);
    expect(own.doc('#schedule tbody').text()).to.contain('Alice Apprentice');
    const other = await page(await signedInAgent(ctx.app, staff.colin.email), '/schedule');
    expect(other.status).to.equal(200);
    expect(other.doc('#schedule tbody').text())
      .to.contain('No assessments in these 8 weeks.')
      .and.not.to.contain('Alice');
  });

  it('shows the assessor eight weeks at a time, from a week ago, with links to earlier and later weeks', async () => {
    const ada = await signedInAgent(ctx.app, staff.ada.email);
    const own = await page(ada, '/schedule');
    const from = today().minus({ days: 7 });
    expect(own.doc('#window').text()).to.equal(
      `${dateLabel(isoDate(from))} to ${dateLabel(isoDate(from.plus({ days: 55 })))}`,
    );
    expect(own.doc('#schedule caption').text()).to.contain('1 assessment in these 8 weeks');
    const later = await page(ada, own.doc('#window-links a[rel="next"]').attr('href')!);
    expect(later.doc('#window').text()).to.contain(dateLabel(isoDate(from.plus({ days: 56 }))));
    expect(later.doc('#schedule tbody').text()).to.contain('No assessments in these 8 weeks.');
    const back = await page(ada, later.doc('#window-links a[rel="prev"]').attr('href')!);
    expect(back.doc('#schedule tbody').text()).to.contain('Alice Apprentice');
    // A date that is not one is read as no date: the window from a week ago.
    expect((await page(ada, '/schedule?from=2025-02-30')).doc('#window').text()).to.equal(own.doc('#window').text());
  });

  it('shows a booking to administrators, its own assessor and the apprentice’s provider and employer; 404 for anyone else', async () => {
    const url = `/bookings/${id}`;
    for (const email of [ctx.users.admin.email, staff.ada.email, ctx.users.provider.email, ctx.users.employer.email]) {
      const res = await page(await signedInAgent(ctx.app, email), url);
      expect(res.status, email).to.equal(200);
      expect(res.doc('h1').text(), email).to.equal(DISCUSSION);
      expect(res.doc('#booking-details').text(), email)
        .to.contain('Alice Apprentice')
        .and.to.contain(shown(DAY(), '10:00'));
      expect(res.doc('#booking-status').text().trim(), email).to.equal('Held (awaiting assessor)');
    }
    for (const email of [staff.colin.email, ctx.users.otherProvider.email, ctx.users.qa.email]) {
      const res = await page(await signedInAgent(ctx.app, email), url);
      expect(res.status, email).to.equal(404);
      expect(res.text, email).not.to.contain('Alice');
    }
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    for (const bad of ['999', 'abc', '0']) expect((await admin.get(`/bookings/${bad}`)).status, bad).to.equal(404);
  });

  it('offers each person only the actions they may take, and refuses the rest: another assessor’s records 404, an administrator confirming 403', async () => {
    const actions = async (email: string) => {
      const res = await page(await signedInAgent(ctx.app, email), `/bookings/${id}`);
      return (
        res
          // The actions' forms (not the evidence upload's).
          .doc('form[action^="/bookings/"]:not([enctype])')
          .map((_, f) => res.doc(f).attr('action'))
          .get()
      );
    };
    // Its assessor confirms or declines it, and may change where it takes place.
    expect(await actions(staff.ada.email)).to.deep.equal([
      `/bookings/${id}/confirm`,
      `/bookings/${id}/decline`,
      `/bookings/${id}/place`,
    ]);
    expect(await actions(ctx.users.admin.email))
      .to.include(`/bookings/${id}/cancel`)
      .and.not.to.include(`/bookings/${id}/confirm`)
      .and.not.to.include(`/bookings/${id}/decline`);
    expect(await actions(ctx.users.provider.email)).to.deep.equal([]);
    expect(await actions(ctx.users.employer.email)).to.deep.equal([]);

    const before = snapshot(ctx.db);
    const colin = await signedInAgent(ctx.app, staff.colin.email);
    for (const action of ['confirm', 'decline']) {
      const res = await act(colin, id, action, 'Not mine');
      expect(res.status, `another assessor ${action}`).to.equal(404);
      expect(mainText(res.text)).to.contain('There is no such booking in your records');
    }
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect((await act(admin, id, 'confirm')).status, 'admin confirms').to.equal(403);
    expect((await act(admin, id, 'decline', 'Not theirs to decline')).status, 'admin declines').to.equal(403);
    const ada = await signedInAgent(ctx.app, staff.ada.email);
    expect((await act(ada, id, 'cancel', 'Assessors do not cancel')).status, 'assessor cancels').to.equal(403);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect((await act(provider, id, 'cancel', 'Providers do not cancel')).status, 'provider cancels').to.equal(403);
    for (const who of ['otherProvider', 'qa'] as TestUserKey[]) {
      expect(
        (await act(await signedInAgent(ctx.app, ctx.users[who].email), id, 'cancel', 'No')).status,
        `${who} cancels`,
      ).to.equal(404);
    }
    expect((await act(admin, id, 'reopen')).status, 'unknown action').to.equal(404);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('refuses a booking or an action without the form token (403), changing nothing', async () => {
    const before = snapshot(ctx.db);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const fields = bookingFields(a, { date: DAY(), time: '14:00' }, staff.ada.id, 'not-the-token');
    expect((await admin.post('/bookings').type('form').send(fields)).status).to.equal(403);
    const withoutToken = { ...fields };
    delete withoutToken._csrf;
    expect((await admin.post('/bookings').type('form').send(withoutToken)).status).to.equal(403);
    expect((await admin.post(`/bookings/${id}/cancel`).type('form').send({ reason: 'No token' })).status).to.equal(403);
    const ada = await signedInAgent(ctx.app, staff.ada.email);
    expect((await ada.post(`/bookings/${id}/confirm`).type('form').send({})).status).to.equal(403);
    // A token from another session is not this session's token.
    expect(
      (
        await ada
          .post(`/bookings/${id}/confirm`)
          .type('form')
          .send({ _csrf: await tokenOf(admin) })
      ).status,
    ).to.equal(403);
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(bookingRow(ctx.db, id).status).to.equal('held');
  });
});

describe('bookings: the booking form offers only valid assessors', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let staff: Assessors;
  let admin: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    staff = addAssessors(ctx, a.standardVersionId);
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });

  it('first asks when and how, offering the methods of the plan and showing the EPA period', async () => {
    const res = await page(admin, `/bookings/new?uln=${a.uln}`);
    expect(res.status).to.equal(200);
    expect(res.doc('h1').text()).to.equal('Book an assessment');
    expect(res.doc('.govuk-caption-l').text()).to.contain('Alice Apprentice').and.to.contain(a.uln);
    expect(mainText(res.text)).to.contain(
      `EPA period: ${isoDate(today())} to ${isoDate(today().plus({ months: 3 }))}.`,
    );
    expect(
      res
        .doc('input[name="methodId"]')
        .map((_, i) => res.doc(i).attr('value'))
        .get(),
    ).to.have.members(['project', 'discussion']);
    expect(res.doc('#assessors')).to.have.length(0);
    expect(res.doc('input[name="assessorUserId"]')).to.have.length(0);
    expect((await admin.get('/bookings/new?uln=0000000000')).status).to.equal(404);
  });

  it('within working hours inside the EPA period offers the competent assessor and not the conflicted one, saying why', async () => {
    const res = await findAssessors(admin, a, { date: DAY(), time: '10:00' });
    expect(res.status).to.equal(200);
    expect(res.doc('#assessors').text()).to.equal(`Assessors for ${DISCUSSION} on ${isoDate(DAY())} at 10:00`);
    expect(res.offered).to.deep.equal([{ value: String(staff.ada.id), label: 'Ada Assessor' }]);
    expect(res.doc('#no-assessors')).to.have.length(0);
    expect(res.doc('#unavailable-assessors summary').text().trim()).to.equal('Why other assessors are not offered (1)');
    expect(res.notOffered).to.deep.equal(['Colin Conflicted: Colin Conflicted works for the apprentice’s employer']);
  });

  it('outside working hours offers nobody and says so, with each assessor’s reason', async () => {
    const res = await findAssessors(admin, a, { date: DAY(), time: '16:30' }); // 75 minutes: ends 17:45
    expect(res.status).to.equal(200);
    expect(res.offered).to.deep.equal([]);
    expect(res.doc('form[method="post"][action="/bookings"]')).to.have.length(0);
    expect(res.doc('#no-assessors').text()).to.equal(
      'No assessor can take this booking at that time. Try another time or day.',
    );
    const weekday = DAY().toFormat('cccc');
    expect(res.notOffered).to.have.length(2);
    expect(res.notOffered.find((t) => t.startsWith('Ada Assessor:'))).to.equal(
      `Ada Assessor: 16:30–17:45 on ${weekday} is outside Ada Assessor’s working hours`,
    );
    expect(res.notOffered.find((t) => t.startsWith('Colin Conflicted:')))
      .to.contain('works for the apprentice’s employer')
      .and.to.contain('is outside Colin Conflicted’s working hours');
    // And a posted booking at that time is refused even if the form is bypassed.
    const post = await admin
      .post('/bookings')
      .type('form')
      .send(bookingFields(a, { date: DAY(), time: '16:30' }, staff.ada.id, await tokenOf(admin)));
    expect(await refusal(admin, post)).to.contain('outside Ada Assessor’s working hours');
    expect(ctx.db.select().from(bookings).all()).to.have.length(0);
  });

  it('refuses a conflicted assessor even when posted directly (back to the form, with the reason)', async () => {
    const post = await admin
      .post('/bookings')
      .type('form')
      .send(bookingFields(a, { date: DAY(), time: '10:00' }, staff.colin.id, await tokenOf(admin)));
    expect(await refusal(admin, post)).to.contain(
      'The booking was not made: Colin Conflicted works for the apprentice’s employer.',
    );
    expect(ctx.db.select().from(bookings).all()).to.have.length(0);
    expect(ctx.db.select().from(outbox).all()).to.have.length(0);
  });

  it('offers nobody before the gateway is accepted', async () => {
    const waiting = readyApprentice(ctx.db, 5, 'Wally', 'Waiting');
    const res = await findAssessors(admin, waiting, { date: DAY(), time: '10:00' });
    expect(res.status).to.equal(200);
    expect(mainText(res.text)).to.contain('The gateway has not been accepted: no assessment can be booked.');
    expect(res.offered).to.deep.equal([]);
    // Said once, before any assessor: not once an assessor.
    expect(res.doc('#booking-blocked').text().replace(/\s+/g, ' ')).to.contain(
      'This assessment cannot be booked at that time, whoever assesses it: The gateway has not been accepted, so no assessment can be booked yet',
    );
    expect(res.doc('#unavailable-assessors, #no-assessors')).to.have.length(0);
  });

  it('says once, first, what blocks the apprentice’s assessment at that time, with the first day it is possible', async () => {
    // The project may not take place until 28 days after gateway acceptance.
    const early = acceptedApprentice(ctx.db, 6, 'Erin', 'Early');
    const res = await findAssessors(admin, early, { date: DAY(), time: '10:00', methodId: 'project' });
    expect(res.status).to.equal(200);
    const blocked = res.doc('#booking-blocked li');
    expect(blocked).to.have.length(1);
    expect(blocked.text()).to.equal(
      `Work-based project with presentation and questioning cannot take place before ${isoDate(today().plus({ days: 28 }))} (28 days after gateway acceptance)`,
    );
    expect(res.offered).to.deep.equal([]);
    expect(res.doc('#unavailable-assessors, #no-assessors')).to.have.length(0);
    // On that day the assessors are judged, and only on their own account.
    const later = await findAssessors(admin, early, {
      date: onOrAfter(today().plus({ days: 28 }), 2),
      time: '10:00',
      methodId: 'project',
    });
    expect(later.doc('#booking-blocked')).to.have.length(0);
    expect(later.offered.map((o) => o.label)).to.deep.equal(['Ada Assessor']);
    expect(later.notOffered).to.deep.equal(['Colin Conflicted: Colin Conflicted works for the apprentice’s employer']);
  });
});

describe('bookings: holding a booking', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let staff: Assessors;
  let admin: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    staff = addAssessors(ctx, a.standardVersionId);
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });

  it('holds the booking: 302 to its page, status held for 48 hours, audited, and the assessor and the provider are told', async () => {
    const queueBefore = (await page(admin, '/bookings')).doc;
    expect(queueBefore('#booking-queue tbody').text())
      .to.contain('Alice Apprentice')
      .and.to.contain(`Book ${DISCUSSION}`);

    const started = now().toMillis();
    const res = await holdThroughForm(
      admin,
      a,
      { date: DAY(), time: '10:00', link: 'https://meet.example/alice' },
      staff.ada.id,
    );
    expect(res.status).to.equal(302);
    const id = bookingIdFrom(res.headers.location);

    const row = bookingRow(ctx.db, id);
    const startsAt = DateTime.fromISO(`${isoDate(DAY())}T10:00`, { zone: ZONE });
    expect(row).to.include({
      apprenticeId: a.id,
      assessorUserId: staff.ada.id,
      methodId: 'discussion',
      status: 'held',
      localStart: `${isoDate(DAY())}T10:00`,
      startsAt: startsAt.toUTC().toISO(),
      endsAt: startsAt.plus({ minutes: 75 }).toUTC().toISO(),
      mode: 'remote',
      link: 'https://meet.example/alice',
      rescheduledFromId: null,
      createdBy: ctx.users.admin.id,
    });
    const holdFor = Date.parse(row.holdExpiresAt!) - started;
    expect(holdFor).to.be.within(48 * 3600_000 - 1000, 48 * 3600_000 + 60_000);

    const audit = bookingAudit(ctx.db);
    expect(audit.map((e) => [e.action, e.entityId, e.actorUserId, e.actorLabel])).to.deep.equal([
      ['booking.held', String(id), ctx.users.admin.id, ctx.users.admin.email],
    ]);

    const messages = ctx.db.select().from(outbox).all();
    expect(messages.map((m) => m.toEmail)).to.have.members([staff.ada.email, ctx.users.provider.email]);
    for (const m of messages) {
      expect(m.subject).to.equal(`Assessment booked: ${DISCUSSION}`);
      expect(m.body)
        .to.contain('Alice Apprentice')
        .and.to.contain(`${DAY().toFormat('cccc d LLLL yyyy')} at 10:00`);
    }

    const shownPage = await page(admin, res.headers.location!);
    expect(shownPage.status).to.equal(200);
    expect(shownPage.doc('#booking-status').text().trim()).to.equal('Held (awaiting assessor)');
    expect(shownPage.doc('#booking-details').text())
      .to.contain(shown(DAY(), '10:00'))
      .and.to.contain('Remote: https://meet.example/alice');

    const list = (await page(admin, '/bookings')).doc;
    const upcoming = list('#upcoming-bookings tbody tr')
      .map((_, tr) => list(tr).text().replace(/\s+/g, ' ').trim())
      .get();
    expect(upcoming).to.have.length(1);
    expect(upcoming[0])
      .to.contain(shown(DAY(), '10:00'))
      .and.to.contain('Alice Apprentice')
      .and.to.contain('Ada Assessor')
      .and.to.contain('Held (awaiting assessor)');
    // The discussion is booked; the project still waits.
    expect(list('#booking-queue tbody').text())
      .to.contain('Book Work-based project')
      .and.not.to.contain(`Book ${DISCUSSION}`);

    const box = (await page(admin, '/outbox')).doc;
    expect(box('#outbox tbody tr')).to.have.length(2);
    expect(box('#outbox').text())
      .to.contain(staff.ada.email)
      .and.to.contain(ctx.users.provider.email)
      .and.to.contain(`Assessment booked: ${DISCUSSION}`);
  });

  it('refuses a second booking of the same method for the apprentice, changing nothing', async () => {
    expect((await holdThroughForm(admin, a, { date: DAY(), time: '10:00' }, staff.ada.id)).status).to.equal(302);
    const before = snapshot(ctx.db);
    const res = await admin
      .post('/bookings')
      .type('form')
      .send(bookingFields(a, { date: DAY().plus({ days: 1 }), time: '10:00' }, staff.ada.id, await tokenOf(admin)));
    expect(await refusal(admin, res)).to.contain(`${DISCUSSION} is already booked for this apprentice`);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });
});

describe('bookings: two administrators booking the same assessor at once', () => {
  it('makes exactly one booking: one made (302), one refused back to the form (303), one active booking row', async () => {
    const ctx = await testApp();
    const a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    const b = acceptedApprentice(ctx.db, 1, 'Ben', 'Booked');
    const staff = addAssessors(ctx, a.standardVersionId);
    const first = await signedInAgent(ctx.app, ctx.users.admin.email);
    const second = await signedInAgent(ctx.app, ctx.users.admin.email);
    const slot = { date: DAY(), time: '10:00' };
    // Both have the form open, showing Ada as free.
    for (const [agent, who] of [
      [first, a],
      [second, b],
    ] as const) {
      expect((await findAssessors(agent, who, slot)).offered.map((o) => o.value)).to.deep.equal([String(staff.ada.id)]);
    }
    const [tokenA, tokenB] = [await tokenOf(first), await tokenOf(second)];

    const results = await Promise.all([
      first
        .post('/bookings')
        .type('form')
        .send(bookingFields(a, slot, staff.ada.id, tokenA)),
      second
        .post('/bookings')
        .type('form')
        .send(bookingFields(b, slot, staff.ada.id, tokenB)),
    ]);

    expect(results.map((r) => r.status).sort()).to.deep.equal([302, 303]);
    const refusedAgent = results[0].status === 303 ? first : second;
    expect(
      await refusal(
        refusedAgent,
        results.find((r) => r.status === 303)!,
      ),
    ).to.contain(`Ada Assessor is already booked at ${DAY().toFormat('d MMM yyyy')} 10:00`);
    const active = activeBookings(ctx.db);
    expect(active).to.have.length(1);
    expect(active[0]!.assessorUserId).to.equal(staff.ada.id);
    expect(ctx.db.select().from(bookings).all()).to.have.length(1);
    expect(bookingAudit(ctx.db).map((e) => e.action)).to.deep.equal(['booking.held']);
    expect(ctx.db.select().from(outbox).all()).to.have.length(2);
  });
});

describe('bookings: confirm, decline, cancel, complete and reschedule', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let b: ApprenticeDetail;
  let staff: Assessors;
  let admin: Agent;
  let ada: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    b = acceptedApprentice(ctx.db, 1, 'Ben', 'Booked');
    staff = addAssessors(ctx, a.standardVersionId);
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    ada = await signedInAgent(ctx.app, staff.ada.email);
  });

  it('the assessor confirms a hold from their schedule: confirmed, no longer expiring, audited, and the provider is told', async () => {
    const id = bookingIdFrom(
      (await holdThroughForm(admin, a, { date: DAY(), time: '10:00' }, staff.ada.id)).headers.location,
    );
    const schedule = await page(ada, '/schedule');
    const rows = schedule.doc('#schedule tbody tr');
    expect(rows).to.have.length(1);
    expect(rows.text())
      .to.contain(shown(DAY(), '10:00'))
      .and.to.contain('Alice Apprentice')
      .and.to.contain('Held (awaiting assessor)');
    const form = rows.find(`form[action="/bookings/${id}/confirm"]`);
    expect(form).to.have.length(1);
    const res = await ada
      .post(`/bookings/${id}/confirm`)
      .type('form')
      .send({ _csrf: form.find('input[name="_csrf"]').val() as string });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/schedule');

    expect(bookingRow(ctx.db, id)).to.include({ status: 'confirmed', holdExpiresAt: null, sequence: 1 });
    const audit = bookingAudit(ctx.db).filter((e) => e.action === 'booking.confirmed');
    expect(audit.map((e) => [e.entityId, e.actorUserId, e.actorLabel])).to.deep.equal([
      [String(id), staff.ada.id, staff.ada.email],
    ]);
    expect(audit[0]!.before).to.deep.equal({ status: 'held' });
    expect(audit[0]!.after).to.deep.equal({ status: 'confirmed' });
    const told = ctx.db.select().from(outbox).where(like(outbox.subject, 'Assessment confirmed%')).all();
    expect(told.map((m) => m.toEmail)).to.have.members([staff.ada.email, ctx.users.provider.email]);

    const after = await page(ada, '/schedule');
    expect(after.doc('#schedule tbody').text()).to.contain('Confirmed');
    expect(after.doc(`form[action="/bookings/${id}/confirm"]`)).to.have.length(0);
    // Confirming twice is refused.
    expect((await act(ada, id, 'confirm')).status).to.equal(409);
    expect(bookingRow(ctx.db, id).sequence).to.equal(1);
  });

  it('declining needs a reason (the page again with an error summary); with one the booking is declined and the slot is free again', async () => {
    const id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const bookingPage = await page(ada, `/bookings/${id}`);
    expect(bookingPage.doc(`form[action="/bookings/${id}/decline"] input[name="reason"]`)).to.have.length(1);
    // The booking page names its assessor and the meeting link.
    expect(bookingPage.doc('#booking-assessor').text()).to.equal('Ada Assessor');
    expect(bookingPage.doc('#booking-place a').attr('href')).to.equal('https://meet.example/epa-room');

    const before = snapshot(ctx.db);
    for (const reason of [undefined, '', '   ']) {
      const res = await act(ada, id, 'decline', reason);
      expect(res.status, JSON.stringify(reason)).to.equal(400);
      const shown = $(res.text);
      expect(shown('.govuk-error-summary a').attr('href')).to.equal('#reason-decline');
      expect(shown('.govuk-error-summary').text()).to.contain('Enter why you are declining this booking');
      expect(shown('#reason-decline').val()).to.equal(reason ?? '');
      expect(shown('#booking-details')).to.have.length(1);
    }
    expect(snapshot(ctx.db)).to.deep.equal(before);

    const res = await act(ada, id, 'decline', 'On annual leave that week');
    expect(res.status).to.equal(302);
    expect(bookingRow(ctx.db, id)).to.include({ status: 'declined', statusReason: 'On annual leave that week' });
    const audit = bookingAudit(ctx.db).find((e) => e.action === 'booking.declined')!;
    expect(audit).to.include({ entityId: String(id), actorUserId: staff.ada.id, reason: 'On annual leave that week' });
    expect((await page(admin, `/bookings/${id}`)).doc('#booking-status').text().trim()).to.equal(
      'Declined: On annual leave that week',
    );
    // Declined takes no one's time: Ada is offered for that slot again.
    expect((await findAssessors(admin, b, { date: DAY(), time: '10:00' })).offered.map((o) => o.label)).to.deep.equal([
      'Ada Assessor',
    ]);
  });

  it('its assessor or an administrator changes where it takes place after booking, audited and told; nobody else can', async () => {
    const id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const form = async (agent: Agent) => (await page(agent, `/bookings/${id}`)).doc('#booking-place-form');
    expect((await form(ada)).find('#place-link').val()).to.equal('https://meet.example/epa-room');
    expect(await form(admin)).to.have.length(1);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect(await form(provider)).to.have.length(0);

    const send = async (agent: Agent, fields: Record<string, string>) =>
      agent
        .post(`/bookings/${id}/place`)
        .type('form')
        .send({ _csrf: csrfFrom((await agent.get('/')).text), ...fields });
    // Not a web address: the page again, with the summary and what was typed; nothing changes.
    const before = snapshot(ctx.db);
    const refused = await send(ada, { link: 'ftp://files.example/room', reason: 'New room' });
    expect(refused.status).to.equal(400);
    const shown = $(refused.text);
    expect(shown('.govuk-error-summary a').attr('href')).to.equal('#place-link');
    expect(shown('#place-link').val()).to.equal('ftp://files.example/room');
    expect(shown('#place-reason').val()).to.equal('New room');
    expect((await send(provider, { link: 'https://meet.example/other' })).status).to.equal(403);
    expect(snapshot(ctx.db)).to.deep.equal(before);

    const changed = await send(ada, { link: 'https://meet.example/room-2', reason: 'The first room is booked' });
    expect(changed.status).to.equal(303);
    expect(changed.headers.location).to.equal(`/bookings/${id}`);
    expect(bookingRow(ctx.db, id)).to.include({ link: 'https://meet.example/room-2', sequence: 1, status: 'held' });
    expect((await page(admin, `/bookings/${id}`)).doc('#booking-place a').attr('href')).to.equal(
      'https://meet.example/room-2',
    );
    const audit = bookingAudit(ctx.db).find((e) => e.action === 'booking.place_changed')!;
    expect(audit).to.include({ entityId: String(id), actorUserId: staff.ada.id, reason: 'The first room is booked' });
    expect(audit.before).to.deep.equal({ link: 'https://meet.example/epa-room' });
    expect(audit.after).to.deep.equal({ link: 'https://meet.example/room-2' });
    const told = ctx.db.select().from(outbox).where(like(outbox.subject, 'Assessment details changed%')).all();
    expect(told.map((m) => m.toEmail)).to.have.members([staff.ada.email, ctx.users.provider.email]);
    expect(told[0]!.body).to.contain('https://meet.example/room-2');

    // The API changes it through the same service.
    const api = await supertest(ctx.app)
      .patch(`/api/v1/bookings/${id}`)
      .set('authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
      .send({ action: 'place', link: 'https://meet.example/room-3', reason: null });
    expect(api.status).to.equal(200);
    expect(api.body).to.include({ link: 'https://meet.example/room-3' });

    // Once the assessment has started, the place is history: no form, and a change is refused on the page.
    const startsAt = bookingRow(ctx.db, id).startsAt;
    ctx.db
      .update(bookings)
      .set({ startsAt: now().minus({ minutes: 5 }).toUTC().toISO() })
      .where(eq(bookings.id, id))
      .run();
    expect(await form(ada)).to.have.length(0);
    const started = await send(ada, { link: 'https://meet.example/room-4' });
    expect(started.status).to.equal(409);
    expect($(started.text)('.govuk-error-summary').text()).to.contain('The assessment has already started');
    ctx.db.update(bookings).set({ startsAt }).where(eq(bookings.id, id)).run();

    // Once cancelled, it is said on the page (409), not on an error page.
    expect((await act(admin, id, 'cancel', 'Apprentice is ill')).status).to.equal(302);
    const late = await send(admin, { link: 'https://meet.example/room-4' });
    expect(late.status).to.equal(409);
    expect($(late.text)('.govuk-error-summary').text()).to.contain(
      'This booking is cancelled, so where it takes place cannot be changed',
    );
    expect(bookingRow(ctx.db, id).link).to.equal('https://meet.example/room-3');
  });

  it('an administrator cancels with a reason; the freed slot can be booked again', async () => {
    const id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    expect((await act(ada, id, 'confirm')).status).to.equal(302);
    // While it stands, Ada is not free at that time for anyone else.
    const busy = await findAssessors(admin, b, { date: DAY(), time: '10:30' });
    expect(busy.offered).to.deep.equal([]);
    expect(busy.notOffered.find((t) => t.startsWith('Ada Assessor'))).to.contain(
      `Ada Assessor is already booked at ${DAY().toFormat('d MMM yyyy')} 10:00`,
    );

    const noReason = await act(admin, id, 'cancel', ' \t ');
    expect(noReason.status).to.equal(400);
    expect($(noReason.text)('.govuk-error-summary').text()).to.contain('Enter why the booking is cancelled');
    expect(bookingRow(ctx.db, id).status).to.equal('confirmed');

    const res = await act(admin, id, 'cancel', 'Apprentice is ill');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`/bookings/${id}`);
    expect(bookingRow(ctx.db, id)).to.include({ status: 'cancelled', statusReason: 'Apprentice is ill' });
    const audit = bookingAudit(ctx.db).find((e) => e.action === 'booking.cancelled')!;
    expect(audit).to.include({ entityId: String(id), actorUserId: ctx.users.admin.id, reason: 'Apprentice is ill' });
    const told = ctx.db.select().from(outbox).where(like(outbox.subject, 'Assessment cancelled%')).all();
    expect(told.map((m) => m.toEmail)).to.have.members([staff.ada.email, ctx.users.provider.email]);
    expect(told[0]!.body).to.contain('Reason: Apprentice is ill');
    const shownPage = await page(admin, `/bookings/${id}`);
    expect(shownPage.doc('#booking-status').text().trim()).to.equal('Cancelled: Apprentice is ill');
    expect(mainText(shownPage.text)).not.to.contain('Reschedule');

    const again = await holdThroughForm(admin, b, { date: DAY(), time: '10:30' }, staff.ada.id);
    expect(again.status).to.equal(302);
    expect(activeBookings(ctx.db).map((r) => [r.apprenticeId, r.status])).to.deep.equal([[b.id, 'held']]);
    // A cancelled booking stays cancelled.
    expect((await act(admin, id, 'cancel', 'Again')).status).to.equal(409);
  });

  it('offers only the actions the booking’s status allows', async () => {
    const id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const actions = async (agent: Agent) => {
      const res = await page(agent, `/bookings/${id}`);
      return (
        res
          // The actions' forms (not the evidence upload's).
          .doc('form[action^="/bookings/"]:not([enctype])')
          .map((_, f) => res.doc(f).attr('action')!.split('/').pop())
          .get()
      );
    };
    // Held: the assessor confirms or declines; the administrator may cancel (it cannot be completed yet). Both may change where it takes place.
    expect(await actions(ada), 'held, assessor').to.deep.equal(['confirm', 'decline', 'place']);
    expect(await actions(admin), 'held, admin').to.deep.equal(['cancel', 'place']);
    expect((await act(ada, id, 'confirm')).status).to.equal(302);
    // Confirmed: only the place left for the assessor; the administrator cancels or completes.
    expect(await actions(ada), 'confirmed, assessor').to.deep.equal(['place']);
    expect(await actions(admin), 'confirmed, admin').to.deep.equal(['cancel', 'complete', 'place']);
    expect((await act(admin, id, 'cancel', 'Apprentice is ill')).status).to.equal(302);
    // Cancelled: nothing to do.
    expect(await actions(ada), 'cancelled, assessor').to.deep.equal([]);
    expect(await actions(admin), 'cancelled, admin').to.deep.equal([]);
  });

  it('refuses to complete an assessment that has not taken place (409)', async () => {
    const id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const held = await act(admin, id, 'complete');
    expect(held.status).to.equal(409);
    expect(bookingRow(ctx.db, id).status).to.equal('held');
    expect((await act(ada, id, 'confirm')).status).to.equal(302);
    const before = snapshot(ctx.db);
    const res = await act(admin, id, 'complete');
    expect(res.status).to.equal(409);
    expect(mainText(res.text)).to.contain('The assessment has not taken place yet');
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('reschedules: the old booking is cancelled as “Rescheduled to …”, the new one is held and points back to it', async () => {
    const oldId = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    expect((await act(ada, oldId, 'confirm')).status).to.equal(302);
    const bookingPage = await page(admin, `/bookings/${oldId}`);
    expect(bookingPage.doc(`a[href="/bookings/new?replace=${oldId}"]`).text()).to.equal('Reschedule');

    const start = await page(admin, `/bookings/new?replace=${oldId}`);
    expect(start.status).to.equal(200);
    expect(start.doc('h1').text()).to.equal('Reschedule an assessment');
    expect(start.doc('.govuk-caption-l').text()).to.contain('Alice Apprentice');
    expect(start.doc('form[method="get"] input[name="replace"]').val()).to.equal(String(oldId));
    // It opens with the booking as it stands, its assessor chosen, and keeps its method.
    expect(start.doc('#rescheduled-method').text()).to.contain(`Assessment method: ${DISCUSSION}`);
    expect(start.doc('input[name="methodId"][type="radio"]')).to.have.length(0);
    expect(start.doc('form[method="get"] input[name="methodId"]').val()).to.equal('discussion');
    expect(start.doc('form[method="get"] input[name="time"]').val()).to.equal('10:00');
    expect(start.doc('form[method="get"] input[name="date[day]"]').val()).to.equal(String(DAY().day));
    expect(start.doc('form[method="get"] input[name="mode"][value="remote"]').attr('checked')).to.not.equal(undefined);
    expect(start.doc(`input[name="assessorUserId"][value="${staff.ada.id}"]`).attr('checked')).to.not.equal(undefined);

    // Half an hour later the same day: it overlaps the booking it replaces, which must not count as a clash.
    const res = await holdThroughForm(admin, null, { date: DAY(), time: '10:30' }, staff.ada.id, oldId);
    expect(res.status).to.equal(302);
    const newId = bookingIdFrom(res.headers.location);
    expect(newId).to.not.equal(oldId);

    expect(bookingRow(ctx.db, oldId)).to.include({
      status: 'cancelled',
      statusReason: `Rescheduled to ${isoDate(DAY())} 10:30`,
    });
    expect(bookingRow(ctx.db, newId)).to.include({
      status: 'held',
      rescheduledFromId: oldId,
      localStart: `${isoDate(DAY())}T10:30`,
      assessorUserId: staff.ada.id,
      methodId: 'discussion',
    });
    expect(activeBookings(ctx.db).map((r) => r.id)).to.deep.equal([newId]);
    const audit = bookingAudit(ctx.db).find((e) => e.action === 'booking.rescheduled')!;
    expect(audit).to.include({ entityId: String(newId), actorUserId: ctx.users.admin.id });
    expect(audit.before).to.deep.include({ id: oldId });
    const moved = ctx.db.select().from(outbox).where(like(outbox.subject, 'Assessment moved%')).all();
    expect(moved.map((m) => m.toEmail)).to.have.members([staff.ada.email, ctx.users.provider.email]);
    expect((await page(admin, `/bookings/${oldId}`)).doc('#booking-status').text().trim()).to.equal(
      `Cancelled: Rescheduled to ${isoDate(DAY())} 10:30`,
    );
  });

  it('refuses to reschedule a booking that is no longer held or confirmed, leaving it as it was', async () => {
    const oldId = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    expect((await act(admin, oldId, 'cancel', 'Apprentice withdrew')).status).to.equal(302);
    const cancelled = await page(admin, `/bookings/${oldId}`);
    expect(cancelled.doc(`a[href="/bookings/new?replace=${oldId}"]`)).to.have.length(0);

    const before = snapshot(ctx.db);
    const fields = {
      ...bookingFields(a, { date: DAY(), time: '14:00' }, staff.ada.id, await tokenOf(admin)),
      replace: String(oldId),
    };
    const res = await admin.post('/bookings').type('form').send(fields);
    expect(await refusal(admin, res)).to.contain('Only a held or confirmed booking can be rescheduled');
    expect(bookingRow(ctx.db, oldId)).to.include({ status: 'cancelled', statusReason: 'Apprentice withdrew' });
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('refuses to reschedule another apprentice’s booking (404)', async () => {
    const oldId = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const before = snapshot(ctx.db);
    const fields = {
      ...bookingFields(b, { date: DAY(), time: '14:00' }, staff.ada.id, await tokenOf(admin)),
      replace: String(oldId),
    };
    expect((await admin.post('/bookings').type('form').send(fields)).status).to.equal(404);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });
});

describe('bookings: holds that are not confirmed in time', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let b: ApprenticeDetail;
  let staff: Assessors;
  let admin: Agent;
  let id: number;
  beforeEach(async () => {
    ctx = await testApp();
    a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    b = acceptedApprentice(ctx.db, 1, 'Ben', 'Booked');
    staff = addAssessors(ctx, a.standardVersionId);
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    id = bookingIdFrom(
      (await holdThroughForm(admin, a, { date: DAY(), time: '10:00' }, staff.ada.id)).headers.location,
    );
  });

  const goStale = () =>
    ctx.db
      .update(bookings)
      .set({ holdExpiresAt: now().minus({ minutes: 1 }).toISO() })
      .where(eq(bookings.id, id))
      .run();

  it('a hold within its time stays held', async () => {
    await page(admin, '/bookings');
    await page(admin, `/bookings/${id}`);
    expect(bookingRow(ctx.db, id).status).to.equal('held');
    expect(bookingAudit(ctx.db).map((e) => e.action)).to.deep.equal(['booking.held']);
  });

  it('a stale hold is expired on the next list, audited as the system', async () => {
    goStale();
    const list = await page(admin, '/bookings');
    expect(list.status).to.equal(200);
    expect(list.doc('#upcoming-bookings tbody').text()).to.contain('Expired (not confirmed)');
    expect(bookingRow(ctx.db, id)).to.include({ status: 'expired', sequence: 1 });
    const expired = bookingAudit(ctx.db).filter((e) => e.action === 'booking.expired');
    expect(expired.map((e) => [e.entityId, e.actorUserId, e.actorLabel])).to.deep.equal([[String(id), null, 'system']]);
    // Once only.
    await page(admin, '/bookings');
    expect(bookingAudit(ctx.db).filter((e) => e.action === 'booking.expired')).to.have.length(1);
    // The discussion is waiting to be booked again.
    expect(list.doc('#booking-queue tbody').text()).to.contain(`Book ${DISCUSSION}`);
  });

  it('the booking page of a stale hold shows it expired (not still held)', async () => {
    goStale();
    const res = await page(admin, `/bookings/${id}`);
    expect(res.status).to.equal(200);
    expect(res.doc('#booking-status').text().trim()).to.match(/^Expired \(not confirmed\)/);
    expect(res.doc('form[action^="/bookings/"]')).to.have.length(0);
    expect(bookingRow(ctx.db, id).status).to.equal('expired');
  });

  it('the assessor cannot confirm a stale hold (409): it is expired instead', async () => {
    goStale();
    const ada = await signedInAgent(ctx.app, staff.ada.email);
    const res = await act(ada, id, 'confirm');
    expect(res.status).to.equal(409);
    expect(bookingRow(ctx.db, id).status).to.equal('expired');
    expect(bookingAudit(ctx.db).map((e) => e.action)).to.deep.equal(['booking.held', 'booking.expired']);
  });

  it('a stale hold no longer blocks the slot: the assessor is offered again and the booking is made', async () => {
    const busy = await findAssessors(admin, b, { date: DAY(), time: '10:00' });
    expect(busy.offered).to.deep.equal([]);
    goStale();
    const res = await holdThroughForm(admin, b, { date: DAY(), time: '10:00' }, staff.ada.id);
    expect(res.status).to.equal(302);
    expect(activeBookings(ctx.db).map((r) => [r.apprenticeId, r.assessorUserId, r.status])).to.deep.equal([
      [b.id, staff.ada.id, 'held'],
    ]);
    expect(bookingRow(ctx.db, id).status).to.equal('expired');
  });

  it('a stale hold is freed even when the next request is the booking itself (no list first)', async () => {
    goStale();
    const res = await admin
      .post('/bookings')
      .type('form')
      .send(bookingFields(b, { date: DAY(), time: '10:00' }, staff.ada.id, await tokenOf(admin)));
    expect(res.status).to.equal(302);
    expect(bookingRow(ctx.db, id).status).to.equal('expired');
    expect(bookingAudit(ctx.db).map((e) => e.action)).to.deep.equal([
      'booking.held',
      'booking.expired',
      'booking.held',
    ]);
  });
});

describe('bookings: the apprentice page', () => {
  it('shows the provider and the employer the apprentice’s bookings', async () => {
    const ctx = await testApp();
    const a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    const staff = addAssessors(ctx, a.standardVersionId);
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const empty = await page(provider, `/apprentices/${a.uln}`);
    expect(empty.doc('#apprentice-bookings tbody').text()).to.contain('Not booked yet.');

    const id = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    for (const email of [ctx.users.provider.email, ctx.users.employer.email]) {
      const res = await page(await signedInAgent(ctx.app, email), `/apprentices/${a.uln}`);
      expect(res.status, email).to.equal(200);
      const rows = res.doc('#apprentice-bookings tbody tr');
      expect(rows, email).to.have.length(1);
      const cells = rows
        .find('td')
        .map((_, td) => res.doc(td).text().trim())
        .get();
      expect(cells, email).to.have.length(4);
      expect([cells[0], cells[2], cells[3]], email).to.deep.equal([
        shown(DAY(), '10:00'),
        'Ada Assessor',
        'Held (awaiting assessor)',
      ]);
      expect(cells[1], email).to.be.oneOf(['discussion', DISCUSSION]);
      expect(rows.find('a').attr('href'), email).to.equal(`/bookings/${id}`);
    }
  });
});

describe('bookings: the clock change', () => {
  it('keeps London wall-clock time across the spring change: 10:00 is 10:00Z before it and 09:00Z after, shown as 10:00 both times', async () => {
    // The next time the clocks go forward (the last Sunday of March), and the working days either side.
    let year = today().year;
    const lastSundayOfMarch = (y: number) =>
      onOrAfter(DateTime.fromObject({ year: y, month: 3, day: 25 }, { zone: ZONE }), 7);
    if (lastSundayOfMarch(year) <= today().plus({ days: 14 })) year += 1;
    const change = lastSundayOfMarch(year);
    const friday = change.minus({ days: 2 });
    const monday = change.plus({ days: 1 });
    expect(friday.offset, 'GMT before the change').to.equal(0);
    expect(monday.offset, 'BST after the change').to.equal(60);

    const ctx = await testApp();
    const a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice', change.minus({ days: 14 }));
    const b = acceptedApprentice(ctx.db, 1, 'Ben', 'Booked', change.minus({ days: 14 }));
    const staff = addAssessors(ctx, a.standardVersionId);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);

    const after = await holdThroughForm(admin, a, { date: monday, time: '10:00' }, staff.ada.id);
    expect(after.status).to.equal(302);
    const afterRow = bookingRow(ctx.db, bookingIdFrom(after.headers.location));
    expect(afterRow).to.include({
      localStart: `${isoDate(monday)}T10:00`,
      startsAt: `${isoDate(monday)}T09:00:00.000Z`,
      endsAt: `${isoDate(monday)}T10:15:00.000Z`,
    });

    const before = await holdThroughForm(admin, b, { date: friday, time: '10:00' }, staff.ada.id);
    expect(before.status).to.equal(302);
    const beforeRow = bookingRow(ctx.db, bookingIdFrom(before.headers.location));
    expect(beforeRow).to.include({ startsAt: `${isoDate(friday)}T10:00:00.000Z` });

    expect((await page(admin, `/bookings/${afterRow.id}`)).doc('#booking-details').text()).to.contain(
      `${monday.toFormat('ccc d LLL yyyy')}, 10:00`,
    );
    expect((await page(admin, `/bookings/${beforeRow.id}`)).doc('#booking-details').text()).to.contain(
      `${friday.toFormat('ccc d LLL yyyy')}, 10:00`,
    );
    const schedule = await page(await signedInAgent(ctx.app, staff.ada.email), `/schedule?from=${isoDate(friday)}`);
    const when = schedule
      .doc('#schedule tbody tr td:first-child')
      .map((_, td) => schedule.doc(td).text().trim())
      .get();
    expect(when).to.deep.equal([
      `${friday.toFormat('ccc d LLL yyyy')}, 10:00`,
      `${monday.toFormat('ccc d LLL yyyy')}, 10:00`,
    ]);

    // A discussion (75 minutes) at 16:00–17:15 BST on the Monday is outside 09:00–17:00 London, although it is 15:00–16:15 UTC.
    const c = acceptedApprentice(ctx.db, 2, 'Cara', 'Clock', change.minus({ days: 14 }));
    const late = await findAssessors(admin, c, { date: monday, time: '16:00' });
    expect(late.notOffered.find((t) => t.startsWith('Ada Assessor'))).to.contain(
      'outside Ada Assessor’s working hours',
    );
    expect(
      ctx.db
        .select()
        .from(bookings)
        .where(and(eq(bookings.apprenticeId, a.id), eq(bookings.status, 'held')))
        .all(),
    ).to.have.length(1);
  });
});

describe('bookings: changes that break bookings already made', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let staff: Assessors;
  beforeEach(async () => {
    ctx = await testApp();
    a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    staff = addAssessors(ctx, a.standardVersionId);
  });

  it('flags a booking on the assessor’s page and its own page once leave covers its date, and the assessor cannot confirm it', async () => {
    const broken = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const b = acceptedApprentice(ctx.db, 1, 'Bob', 'Builder');
    const later = DAY().plus({ days: 7 });
    const fine = hold(ctx, b, staff.ada.id, { date: later, time: '10:00' });
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect(
      (await page(admin, `/assessors/${staff.ada.id}`)).doc('#bookings-at-risk').length,
      'nothing flagged before the leave',
    ).to.equal(0);
    // The home page lists only tasks with something in them.
    const brokenOnHome = async () => (await page(admin, '/')).doc('#task-at-risk .app-task__count').text();
    expect(await brokenOnHome()).to.equal('');

    const form = await page(admin, `/assessors/${staff.ada.id}`);
    const leave = {
      _csrf: csrfFrom(form.text),
      'leaveFrom[day]': String(DAY().day),
      'leaveFrom[month]': String(DAY().month),
      'leaveFrom[year]': String(DAY().year),
      'leaveTo[day]': String(DAY().day),
      'leaveTo[month]': String(DAY().month),
      'leaveTo[year]': String(DAY().year),
    };
    // A reason of only spaces: the page again with the message, the dates kept, no leave recorded.
    const blank = await admin
      .post(`/assessors/${staff.ada.id}/leave`)
      .type('form')
      .send({ ...leave, leaveReason: '   ' });
    expect(blank.status).to.equal(400);
    const again = $(blank.text);
    expect(again('.govuk-error-summary').text()).to.contain('Give a reason, for example Annual leave');
    expect(again('input[name="leaveFrom[day]"]').val()).to.equal(String(DAY().day));
    expect((await page(admin, `/assessors/${staff.ada.id}`)).doc('#bookings-at-risk').length).to.equal(0);
    const res = await admin
      .post(`/assessors/${staff.ada.id}/leave`)
      .type('form')
      .send({ ...leave, leaveReason: 'Hospital appointment' });
    expect(res.status).to.equal(302);

    const profile = await page(admin, `/assessors/${staff.ada.id}`);
    const warning = profile.doc('#bookings-at-risk').text().replace(/\s+/g, ' ');
    expect(warning).to.contain('1 booking to come no longer meets the booking rules');
    expect(warning).to.contain('Alice Apprentice');
    expect(warning).to.contain('Hospital appointment');
    expect(warning).not.to.contain('Bob Builder');
    expect(profile.doc(`#bookings-at-risk a[href="/bookings/${broken}"]`).length).to.equal(1);
    // The administrator's home counts it: its count is kept only until the database changes.
    expect(await brokenOnHome()).to.equal('1');

    const bookingPage = await page(admin, `/bookings/${broken}`);
    expect(bookingPage.doc('#booking-at-risk').text()).to.contain('Hospital appointment');
    expect((await page(admin, `/bookings/${fine}`)).doc('#booking-at-risk').length).to.equal(0);

    const assessor = await signedInAgent(ctx.app, staff.ada.email);
    expect((await act(assessor, broken, 'confirm')).status).to.equal(409);
    expect(bookingRow(ctx.db, broken).status).to.equal('held');
  });

  it('refuses to cancel a booking that a later method must follow, until the later one is cancelled', async () => {
    // A plan whose project must come at least a day after the professional discussion.
    const stored = ctx.db.select().from(plans).where(eq(plans.standardVersionId, a.standardVersionId)).get()!;
    const document = stored.document as {
      methods: { id: string; after: { method: string; minDaysBetween: number }[] }[];
    };
    document.methods.find((m) => m.id === 'project')!.after = [{ method: 'discussion', minDaysBetween: 1 }];
    ctx.db.update(plans).set({ document }).where(eq(plans.id, stored.id)).run();

    const discussion = hold(ctx, a, staff.ada.id, { date: DAY(), time: '10:00' });
    const project = hold(ctx, a, staff.ada.id, { date: DAY().plus({ days: 28 }), time: '10:00', methodId: 'project' });
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);

    const refused = await act(admin, discussion, 'cancel', 'Apprentice unwell');
    expect(refused.status).to.equal(409);
    expect(mainText(refused.text)).to.contain('Work-based project with presentation and questioning is booked for');
    expect(mainText(refused.text)).to.contain('cancel or move it first');
    expect(bookingRow(ctx.db, discussion).status).to.equal('held');

    expect((await act(admin, project, 'cancel', 'Apprentice unwell')).status).to.equal(302);
    expect((await act(admin, discussion, 'cancel', 'Apprentice unwell')).status).to.equal(302);
    expect(bookingRow(ctx.db, discussion).status).to.equal('cancelled');
  });
});
