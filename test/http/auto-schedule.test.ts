import { now } from '../support/clock.js';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { createBooking, pageOfBookings } from '../../src/bookings/store.js';
import { todayInLondon } from '../../src/dates.js';
import type { Db } from '../../src/db/connection.js';
import {
  apprentices,
  assessorProfiles,
  assessorStandards,
  assessorUnavailability,
  assessorWorkingHours,
  auditEvents,
  bookings,
  outbox,
  scheduleProposals,
  users,
} from '../../src/db/schema.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import type { ProposedBooking } from '../../src/scheduler/model.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';
import { SETUP, isoDate, readyApprentice } from '../support/apprentices.js';

/*
 * The auto-scheduler's pages. Every apprentice follows ST0815 v1.0 (demonstration plan: EPA period
 * three months; the project (60 minutes) no earlier than 28 days after gateway acceptance, the
 * professional discussion (75 minutes) from the day of acceptance; both may be remote). Gateways are
 * accepted today. Assessors work Monday to Friday, 09:00–17:00 London time, 4 a day and 12 a week.
 */

const ZONE = 'Europe/London';
const today = () => now().setZone(ZONE).startOf('day');
const ULNS = validUlns(10, 710_000_000);
const PROJECT = 'Work-based project with presentation and questioning';
const DISCUSSION = 'Professional discussion underpinned by a portfolio of evidence';

/* ---------- Set-up ---------- */

/** An apprentice of the test provider and employer (transport-workers-union), gateway submitted and accepted today. */
function acceptedApprentice(db: Db, index: number, given: string, family: string): ApprenticeDetail {
  const a = readyApprentice(db, ULNS[index]!, given, family);
  const submitted = submitForGateway(db, a, isoDate(today()), SETUP);
  if (!submitted.ok) throw new Error(submitted.message);
  const decided = decideSubmission(
    db,
    submitted.submission.id,
    { checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })), outcome: 'accepted', reason: null },
    3,
    isoDate(today()),
    SETUP,
    now(),
  );
  if (!decided.ok) throw new Error(decided.message);
  return a;
}

function addProfile(db: Db, userId: number, standardVersionId: number, ownEmployerId: string | null) {
  db.insert(assessorProfiles).values({ userId, perDay: 4, perWeek: 12, ownEmployerId }).run();
  db.insert(assessorStandards).values({ userId, standardVersionId }).run();
  for (const weekday of [1, 2, 3, 4, 5])
    db.insert(assessorWorkingHours).values({ userId, weekday, start: '09:00', end: '17:00' }).run();
}

/**
 * Ada Assessor (the test user `assessor`) and Colin Conflicted (a second assessor), each working for
 * the given employer. By default Ada works for another employer than the apprentices', and Colin for
 * theirs (so he is always conflicted and every hold goes to Ada).
 */
function addAssessors(
  ctx: TestContext,
  standardVersionId: number,
  employers = { ada: 'health-care-union', colin: 'transport-workers-union' },
) {
  const { db } = ctx;
  const ada = ctx.users.assessor;
  db.update(users).set({ name: 'Ada Assessor' }).where(eq(users.id, ada.id)).run();
  const { passwordHash } = db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ada.id))
    .get()!;
  const colin = db
    .insert(users)
    .values({ email: 'assessor2@test.example', name: 'Colin Conflicted', role: 'assessor', passwordHash })
    .returning({ id: users.id })
    .get();
  addProfile(db, ada.id, standardVersionId, employers.ada);
  addProfile(db, colin.id, standardVersionId, employers.colin);
  return { ada: ada.id, colin: colin.id };
}

/* ---------- Pages, forms and rows ---------- */

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

async function page(agent: Agent | supertest.Agent, url: string) {
  const res = await agent.get(url);
  return { status: res.status, doc: $(res.text), text: res.text };
}

/** The value of a summary-list row, by its key. */
function figure(doc: ReturnType<typeof $>, list: string, key: string): string {
  const row = doc(`${list} .govuk-summary-list__row`).filter((_, r) => squash(doc(r).find('dt').text()) === key);
  expect(row, `${list}: ${key}`).to.have.length(1);
  return squash(row.find('dd').text());
}

/** Submits the form on the page whose button reads `button`, with every hidden field it carries, as a browser would. */
async function submit(agent: Agent, html: string, button: string) {
  const doc = $(html);
  const form = doc('form[method="post"]').filter((_, f) => squash(doc(f).find('button').text()) === button);
  expect(form, `a form with the button “${button}”`).to.have.length(1);
  const fields: Record<string, string> = {};
  form.find('input[type="hidden"]').each((_, input) => {
    fields[doc(input).attr('name')!] = doc(input).attr('value') ?? '';
  });
  return agent.post(form.attr('action')!).type('form').send(fields);
}

/** Posts to a URL with a token of the agent's own session, read from the home page. */
async function postWithToken(agent: Agent, url: string) {
  const token = csrfFrom((await agent.get('/')).text);
  return agent.post(url).type('form').send({ _csrf: token });
}

/** Proposes a schedule through the page, as an administrator would; returns the proposal's id. */
async function propose(agent: Agent): Promise<number> {
  const index = await page(agent, '/bookings/auto-schedule');
  expect(index.status).to.equal(200);
  const res = await submit(agent, index.text, 'Propose a schedule');
  expect(res.status).to.equal(303);
  const match = /^\/bookings\/auto-schedule\/(\d+)$/.exec(res.headers.location ?? '');
  expect(match, `redirected to ${res.headers.location}`).not.to.equal(null);
  return Number(match![1]);
}

const bookingRows = (db: Db) => db.select().from(bookings).all();
const auditRows = (db: Db, action: string) => db.select().from(auditEvents).where(eq(auditEvents.action, action)).all();
const proposalRow = (db: Db, id: number) =>
  db.select().from(scheduleProposals).where(eq(scheduleProposals.id, id)).get()!;
const proposedHolds = (db: Db, id: number) =>
  (JSON.parse(proposalRow(db, id).payload) as { bookings: ProposedBooking[] }).bookings;

/** Everything a refused request must leave alone. */
function snapshot(db: Db) {
  return {
    bookings: db.$client.prepare('select * from bookings').all(),
    outbox: db.$client.prepare('select * from outbox').all(),
    proposals: db.$client.prepare('select * from schedule_proposals').all(),
    audit: db.$client.prepare(`select * from audit_events where action <> 'user.signed_in'`).all(),
  };
}

/** The rows of the proposed-holds table: when (London), apprentice, method, assessor. */
function proposedRows(doc: ReturnType<typeof $>) {
  return doc('#proposed-bookings tbody tr')
    .map((_, tr) => {
      const cells = doc(tr)
        .find('td')
        .map((_i, td) => squash(doc(td).text()))
        .get();
      return { when: cells[0]!, apprentice: cells[1]!, method: cells[2]!, assessor: cells[3]! };
    })
    .get();
}

/* ======================================================================================= */

describe('auto-schedule: proposing a schedule', () => {
  let ctx: TestContext;
  let people: ApprenticeDetail[];
  let admin: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    people = [
      acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice'),
      acceptedApprentice(ctx.db, 1, 'Bob', 'Builder'),
      acceptedApprentice(ctx.db, 2, 'Cara', 'Clerk'),
    ];
    addAssessors(ctx, people[0]!.standardVersionId);
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });

  it('shows the queue to schedule and a button to propose, and the bookings page links to it', async () => {
    const res = await page(admin, '/bookings/auto-schedule');
    expect(res.status).to.equal(200);
    expect(res.doc('h1').text()).to.equal('Schedule the queue');
    expect(figure(res.doc, '#queue-figures', 'Apprentices to schedule')).to.equal('3');
    expect(figure(res.doc, '#queue-figures', 'Waiting but left to the booking form')).to.match(/^0 /);
    expect(figure(res.doc, '#queue-figures', 'Assessors')).to.equal('2');
    expect(res.doc('form[method="post"][action="/bookings/auto-schedule"] button').text().trim()).to.equal(
      'Propose a schedule',
    );
    expect(squash(res.doc('#proposals tbody').text())).to.equal('No schedule has been proposed yet.');
    const bookingsPage = await page(admin, '/bookings');
    expect(bookingsPage.doc('a[href="/bookings/auto-schedule"]').text()).to.equal('schedule the whole queue');
  });

  it('proposes 6 holds for the 3 apprentices (two methods each) with a bound and a gap, and books nothing yet', async () => {
    const id = await propose(admin);
    expect(bookingRows(ctx.db), 'nothing booked by proposing').to.have.length(0);
    expect(ctx.db.select().from(outbox).all(), 'nobody told yet').to.have.length(0);
    expect(auditRows(ctx.db, 'schedule.proposed').map((r) => r.entityId)).to.deep.equal([String(id)]);

    const res = await page(admin, `/bookings/auto-schedule/${id}`);
    expect(res.status).to.equal(200);
    expect(res.doc('h1').text()).to.equal(`Proposed schedule ${id}`);
    expect(res.doc('.govuk-caption-l').text()).to.contain('Waiting for review');
    expect(figure(res.doc, '#proposal-figures', 'Holds proposed')).to.equal('6 for 3 apprentices');
    const total = /^(\d+) days from gateway acceptance/.exec(figure(res.doc, '#proposal-figures', 'Total wait'));
    const bound = /^(\d+) days: no schedule of these apprentices can have a shorter total wait$/.exec(
      figure(res.doc, '#proposal-figures', 'Lower bound'),
    );
    expect(total, 'total wait').not.to.equal(null);
    expect(bound, 'lower bound').not.to.equal(null);
    expect(Number(bound![1])).to.be.at.most(Number(total![1]));
    // Every apprentice's last assessment (the project) is at least 28 days after acceptance.
    expect(Number(bound![1])).to.be.at.least(3 * 28);
    expect(figure(res.doc, '#proposal-figures', 'Gap')).to.match(
      /^\d+\.\d\d%: at most this much shorter could any schedule be$/,
    );
    expect(res.doc('#left-out')).to.have.length(0);
    const load = res
      .doc('#assessor-load tbody tr')
      .map((_, tr) =>
        res
          .doc(tr)
          .find('td')
          .map((_i, td) => squash(res.doc(td).text()))
          .get()
          .join(': '),
      )
      .get();
    expect(load).to.deep.equal(['Ada Assessor: 6', 'Colin Conflicted: 0']);

    const rows = proposedRows(res.doc);
    expect(rows).to.have.length(6);
    for (const a of people) {
      const theirs = rows.filter((r) => r.apprentice === `${a.givenNames} ${a.familyName} (${a.uln})`);
      expect(
        theirs.map((r) => r.method),
        `${a.givenNames}’s holds`,
      ).to.have.members([PROJECT, DISCUSSION]);
    }
    for (const row of rows) {
      expect(row.assessor, 'Colin is conflicted: every hold is Ada’s').to.equal('Ada Assessor');
      const start = DateTime.fromFormat(row.when, 'ccc d LLL yyyy, HH:mm', { zone: ZONE });
      expect(start.isValid, row.when).to.equal(true);
      expect(start > today().plus({ days: 1 }).minus({ minutes: 1 }), `${row.when} is from tomorrow`).to.equal(true);
      expect(start <= today().plus({ months: 3 }).endOf('day'), `${row.when} inside the EPA period`).to.equal(true);
      expect(start.weekday, `${row.when} on a working day`).to.be.at.most(5);
      const minutes = row.method === PROJECT ? 60 : 75;
      expect(
        start.toFormat('HH:mm') >= '09:00' && start.plus({ minutes }).toFormat('HH:mm') <= '17:00',
        `${row.when} inside working hours`,
      ).to.equal(true);
      if (row.method === PROJECT)
        expect(start >= today().plus({ days: 28 }), `${row.when}: project 28 days after gateway`).to.equal(true);
    }
    expect(
      res
        .doc('form[method="post"] button')
        .map((_, b) => squash(res.doc(b).text()))
        .get(),
    ).to.include.members(['Book these 6 holds', 'Discard this proposal']);

    const index = await page(admin, '/bookings/auto-schedule');
    const listed = squash(index.doc('#proposals tbody').text());
    expect(listed).to.contain(`Proposal ${id}`).and.to.contain('Waiting for review');
    expect(index.doc(`#proposals a[href="/bookings/auto-schedule/${id}"]`)).to.have.length(1);
  });
});

describe('auto-schedule: committing a proposal', () => {
  let ctx: TestContext;
  let people: ApprenticeDetail[];
  let staff: { ada: number; colin: number };
  let admin: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    people = [
      acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice'),
      acceptedApprentice(ctx.db, 1, 'Bob', 'Builder'),
      acceptedApprentice(ctx.db, 2, 'Cara', 'Clerk'),
    ];
    staff = addAssessors(ctx, people[0]!.standardVersionId);
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });

  it('books all the holds at once, audited, and says so on the bookings page; a second commit is refused (409) and writes nothing', async () => {
    const id = await propose(admin);
    const proposal = await page(admin, `/bookings/auto-schedule/${id}`);
    const res = await submit(admin, proposal.text, 'Book these 6 holds');
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/bookings?booked=6');

    const rows = bookingRows(ctx.db);
    expect(rows).to.have.length(6);
    expect(rows.every((b) => b.status === 'held' && b.mode === 'remote' && b.assessorUserId === staff.ada)).to.equal(
      true,
    );
    expect(rows.map((b) => `${b.apprenticeId}:${b.methodId}:${b.localStart}`)).to.have.members(
      proposedHolds(ctx.db, id).map((p) => `${p.apprenticeId}:${p.methodId}:${p.localStart}`),
    );
    const held = auditRows(ctx.db, 'booking.held');
    expect(held.map((r) => r.entityId)).to.have.members(rows.map((b) => String(b.id)));
    expect(held.every((r) => r.actorUserId === ctx.users.admin.id)).to.equal(true);
    const committed = auditRows(ctx.db, 'schedule.committed');
    expect(committed).to.have.length(1);
    expect(committed[0]).to.include({
      entityType: 'schedule_proposal',
      entityId: String(id),
      actorUserId: ctx.users.admin.id,
    });
    expect(proposalRow(ctx.db, id)).to.include({ status: 'committed', decidedBy: ctx.users.admin.id });

    const bookingsPage = await page(admin, res.headers.location!);
    expect(bookingsPage.status).to.equal(200);
    expect(squash(bookingsPage.doc('.govuk-notification-banner--success').text())).to.contain(
      '6 holds booked. Each assessor has been asked to confirm theirs.',
    );
    const upcoming = bookingsPage.doc('#upcoming-bookings tbody tr');
    expect(upcoming).to.have.length(6);
    expect(squash(bookingsPage.doc('#upcoming-bookings caption').text())).to.equal('6 from today');
    // In pages (50 on the page; 4 here): the last page has the rest, and a page past the end is the last.
    const byFour = (n: number) => pageOfBookings(ctx.db, { from: todayInLondon(now()) }, n, 4);
    expect(byFour(2)).to.include({ total: 6, page: 2, pages: 2 });
    expect(byFour(2).rows).to.have.length(2);
    expect(byFour(9).page).to.equal(2);
    expect(
      byFour(1)
        .rows.map((r) => r.booking.id)
        .concat(byFour(2).rows.map((r) => r.booking.id)),
    ).to.have.members(
      ctx.db
        .select({ id: bookings.id })
        .from(bookings)
        .all()
        .map((b) => b.id),
    );
    expect(squash(upcoming.text()))
      .to.contain('Alice Apprentice')
      .and.to.contain('Bob Builder')
      .and.to.contain('Cara Clerk');
    expect(squash(bookingsPage.doc('#booking-queue tbody').text())).to.equal('Nobody is waiting.');

    const after = await page(admin, `/bookings/auto-schedule/${id}`);
    expect(after.doc('.govuk-caption-l').text()).to.contain('Booked as holds');
    expect(
      after
        .doc('form[method="post"] button')
        .map((_, b) => squash(after.doc(b).text()))
        .get(),
    ).not.to.include('Book these 6 holds');

    const before = snapshot(ctx.db);
    const again = await postWithToken(admin, `/bookings/auto-schedule/${id}/commit`);
    expect(again.status).to.equal(409);
    expect(squash($(again.text)('main').text())).to.contain('This proposal has been committed');
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(bookingRows(ctx.db)).to.have.length(6);
  });

  it('books nothing when one hold has been taken by hand since the proposal: 409, the refused hold and why, the proposal still open', async () => {
    const id = await propose(admin);
    const proposal = await page(admin, `/bookings/auto-schedule/${id}`);
    const taken = proposedHolds(ctx.db, id)[0]!;
    const victim = people.find((a) => a.id === taken.apprenticeId)!;
    // Dan's gateway is accepted after the proposal, so he is not in it; he is booked by hand into one of its holds.
    const dan = acceptedApprentice(ctx.db, 3, 'Dan', 'Direct');
    const byHand = createBooking(
      ctx.db,
      dan,
      {
        methodId: taken.methodId,
        assessorUserId: taken.assessorUserId,
        localStart: taken.localStart,
        mode: 'remote',
        region: null,
        location: null,
        link: 'https://meet.example/dan',
      },
      { userId: ctx.users.admin.id, label: ctx.users.admin.email },
      { now: now() },
    );
    expect(byHand.ok, 'the booking by hand').to.equal(true);

    const before = snapshot(ctx.db);
    expect(before.bookings).to.have.length(1);
    const res = await submit(admin, proposal.text, 'Book these 6 holds');
    // All or nothing: no booking, message or audit row from the proposal, which stays open.
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(bookingRows(ctx.db).map((b) => b.apprenticeId)).to.deep.equal([dan.id]);
    expect(proposalRow(ctx.db, id).status).to.equal('proposed');
    expect(auditRows(ctx.db, 'schedule.committed')).to.have.length(0);
    // And the administrator is told which hold no longer fits, and why.
    expect(res.status, squash($(res.text)('main').text())).to.equal(409);
    const doc = $(res.text);
    expect(squash(doc('.govuk-error-summary').text())).to.contain(
      'Nothing was booked: 1 of the proposed holds no longer fit the rules. Propose a new schedule.',
    );
    const refusals = doc('#commit-refusals li')
      .map((_, li) => squash(doc(li).text()))
      .get();
    const when = DateTime.fromISO(taken.localStart, { zone: ZONE }).toFormat('ccc d LLL yyyy, HH:mm');
    const method = taken.methodId === 'project' ? PROJECT : DISCUSSION;
    expect(refusals).to.have.length(1);
    expect(refusals[0]).to.match(
      new RegExp(
        `^${method} for ${victim.givenNames} ${victim.familyName} \\(ULN ${victim.uln}\\) on ${when}: .*Ada Assessor is already booked at`,
      ),
    );

    expect(doc('.govuk-caption-l').text()).to.contain('Waiting for review');
    expect(proposedRows(doc)).to.have.length(6);
  });

  it('books nothing when the assessor of some holds has since taken leave on their day: every refused hold is listed', async () => {
    const id = await propose(admin);
    const proposal = await page(admin, `/bookings/auto-schedule/${id}`);
    const holds = proposedHolds(ctx.db, id);
    const day = holds[0]!.localStart.slice(0, 10);
    const onThatDay = holds.filter((h) => h.localStart.startsWith(day));
    ctx.db
      .insert(assessorUnavailability)
      .values({ userId: staff.ada, from: day, to: day, reason: 'Annual leave' })
      .run();

    const before = snapshot(ctx.db);
    const res = await submit(admin, proposal.text, 'Book these 6 holds');
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(bookingRows(ctx.db)).to.have.length(0);
    expect(proposalRow(ctx.db, id).status).to.equal('proposed');
    expect(res.status, squash($(res.text)('main').text())).to.equal(409);
    const doc = $(res.text);
    expect(squash(doc('.govuk-error-summary').text())).to.contain(
      `Nothing was booked: ${onThatDay.length} of the proposed holds no longer fit the rules.`,
    );
    const refusals = doc('#commit-refusals li')
      .map((_, li) => squash(doc(li).text()))
      .get();
    expect(refusals).to.have.length(onThatDay.length);
    for (const text of refusals)
      expect(text).to.contain(`Ada Assessor is unavailable from ${day} to ${day} (Annual leave)`);
    for (const hold of onThatDay) {
      const a = people.find((p) => p.id === hold.apprenticeId)!;
      expect(
        refusals.some((t) => t.includes(`for ${a.givenNames} ${a.familyName} (ULN ${a.uln})`)),
        `${a.givenNames}’s hold on ${day}`,
      ).to.equal(true);
    }
  });
});

describe('auto-schedule: discarding a proposal', () => {
  it('discards: back to the list, shown as Discarded, and it can no longer be committed (409) or discarded again', async () => {
    const ctx = await testApp();
    const a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    acceptedApprentice(ctx.db, 1, 'Bob', 'Builder');
    addAssessors(ctx, a.standardVersionId);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const id = await propose(admin);
    const proposal = await page(admin, `/bookings/auto-schedule/${id}`);

    const res = await submit(admin, proposal.text, 'Discard this proposal');
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal('/bookings/auto-schedule');
    expect(proposalRow(ctx.db, id)).to.include({ status: 'discarded', decidedBy: ctx.users.admin.id });
    expect(auditRows(ctx.db, 'schedule.discarded').map((r) => r.entityId)).to.deep.equal([String(id)]);

    const index = await page(admin, res.headers.location!);
    const row = index
      .doc('#proposals tbody tr')
      .filter((_, tr) => index.doc(tr).find(`a[href="/bookings/auto-schedule/${id}"]`).length > 0);
    expect(row).to.have.length(1);
    expect(squash(row.text())).to.contain('Discarded');
    expect(figure(index.doc, '#queue-figures', 'Apprentices to schedule')).to.equal('2');

    const after = await page(admin, `/bookings/auto-schedule/${id}`);
    expect(after.status).to.equal(200);
    expect(after.doc('.govuk-caption-l').text()).to.contain('Discarded');
    expect(after.doc(`form[action="/bookings/auto-schedule/${id}/commit"]`)).to.have.length(0);
    expect(after.doc(`form[action="/bookings/auto-schedule/${id}/discard"]`)).to.have.length(0);

    const before = snapshot(ctx.db);
    const commit = await postWithToken(admin, `/bookings/auto-schedule/${id}/commit`);
    expect(commit.status).to.equal(409);
    expect(squash($(commit.text)('main').text())).to.contain('This proposal has been discarded');
    expect((await postWithToken(admin, `/bookings/auto-schedule/${id}/discard`)).status).to.equal(409);
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(bookingRows(ctx.db)).to.have.length(0);
  });
});

describe('auto-schedule: who may use it', () => {
  let ctx: TestContext;
  let id: number;
  beforeEach(async () => {
    ctx = await testApp();
    const a = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    addAssessors(ctx, a.standardVersionId);
    id = await propose(await signedInAgent(ctx.app, ctx.users.admin.email));
  });

  it('refuses everyone but administrators (403) the pages, proposing, committing and discarding, changing nothing', async () => {
    const before = snapshot(ctx.db);
    for (const who of ['provider', 'otherProvider', 'employer', 'assessor', 'qa'] as TestUserKey[]) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      for (const url of [
        '/bookings/auto-schedule',
        `/bookings/auto-schedule/${id}`,
        '/bookings/auto-schedule/999999',
      ]) {
        const res = await page(agent, url);
        expect(res.status, `${who} GET ${url}`).to.equal(403);
        expect(res.doc('h1').text(), `${who} GET ${url}`).to.equal('You do not have permission to see this page');
        expect(res.text, `${who} GET ${url}`).not.to.contain('Alice');
      }
      for (const url of [
        '/bookings/auto-schedule',
        `/bookings/auto-schedule/${id}/commit`,
        `/bookings/auto-schedule/${id}/discard`,
      ]) {
        expect((await postWithToken(agent, url)).status, `${who} POST ${url}`).to.equal(403);
      }
    }
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(proposalRow(ctx.db, id).status).to.equal('proposed');
  });

  it('sends visitors to sign in for the pages, and refuses their posts (401)', async () => {
    const visitor = supertest.agent(ctx.app);
    for (const url of ['/bookings/auto-schedule', `/bookings/auto-schedule/${id}`]) {
      const res = await visitor.get(url);
      expect(res.status, url).to.equal(302);
      expect(res.headers.location, url).to.equal(`/sign-in?returnTo=${encodeURIComponent(url)}`);
    }
    const token = csrfFrom((await visitor.get('/sign-in')).text);
    const before = snapshot(ctx.db);
    for (const url of ['/bookings/auto-schedule', `/bookings/auto-schedule/${id}/commit`]) {
      expect((await visitor.post(url).type('form').send({ _csrf: token })).status, url).to.equal(401);
    }
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('answers 404 to an administrator for a proposal that does not exist, a malformed id or an unknown action', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    for (const bad of ['999999', 'abc', '0', '1.5', '-1']) {
      expect((await admin.get(`/bookings/auto-schedule/${bad}`)).status, `GET ${bad}`).to.equal(404);
    }
    const before = snapshot(ctx.db);
    for (const url of [
      '/bookings/auto-schedule/999999/commit',
      '/bookings/auto-schedule/abc/commit',
      '/bookings/auto-schedule/999999/discard',
      `/bookings/auto-schedule/${id}/approve`,
    ]) {
      expect((await postWithToken(admin, url)).status, `POST ${url}`).to.equal(404);
    }
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('refuses a commit without this session’s form token (403)', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const other = await signedInAgent(ctx.app, ctx.users.admin.email);
    const before = snapshot(ctx.db);
    expect((await admin.post(`/bookings/auto-schedule/${id}/commit`).type('form').send({})).status).to.equal(403);
    expect(
      (
        await admin
          .post(`/bookings/auto-schedule/${id}/commit`)
          .type('form')
          .send({ _csrf: csrfFrom((await other.get('/')).text) })
      ).status,
    ).to.equal(403);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });
});

describe('auto-schedule: apprentices left out', () => {
  it('lists an apprentice whose only assessors are conflicted under “Not in this proposal”, with why, and schedules the others', async () => {
    const ctx = await testApp();
    const alice = acceptedApprentice(ctx.db, 0, 'Alice', 'Apprentice');
    const bob = acceptedApprentice(ctx.db, 1, 'Bob', 'Builder');
    const hana = acceptedApprentice(ctx.db, 2, 'Hana', 'Healthcare');
    ctx.db.update(apprentices).set({ employerId: 'health-care-union' }).where(eq(apprentices.id, hana.id)).run();
    // Both assessors work for Hana's employer, neither for Alice's and Bob's.
    addAssessors(ctx, alice.standardVersionId, { ada: 'health-care-union', colin: 'health-care-union' });
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect(
      figure((await page(admin, '/bookings/auto-schedule')).doc, '#queue-figures', 'Apprentices to schedule'),
    ).to.equal('3');

    const id = await propose(admin);
    const res = await page(admin, `/bookings/auto-schedule/${id}`);
    expect(res.status).to.equal(200);
    expect(figure(res.doc, '#proposal-figures', 'Holds proposed')).to.equal('4 for 2 apprentices');
    const leftOut = res
      .doc('#left-out tbody tr')
      .map((_, tr) =>
        res
          .doc(tr)
          .find('td')
          .map((_i, td) => squash(res.doc(td).text()))
          .get()
          .join(' | '),
      )
      .get();
    expect(leftOut).to.deep.equal([
      `Hana Healthcare (${hana.uln}) | No assessor is competent for this standard and free of conflicts of interest`,
    ]);
    expect(res.doc(`#left-out a[href="/apprentices/${hana.uln}"]`)).to.have.length(1);
    const rows = proposedRows(res.doc);
    expect(rows).to.have.length(4);
    expect(rows.map((r) => r.apprentice)).to.have.members([
      `Alice Apprentice (${alice.uln})`,
      `Alice Apprentice (${alice.uln})`,
      `Bob Builder (${bob.uln})`,
      `Bob Builder (${bob.uln})`,
    ]);
    expect(squash(res.doc('#proposed-bookings').text())).not.to.contain('Hana');

    const commit = await submit(admin, res.text, 'Book these 4 holds');
    expect(commit.status).to.equal(303);
    expect(commit.headers.location).to.equal('/bookings?booked=4');
    expect(ctx.db.select().from(bookings).where(eq(bookings.apprenticeId, hana.id)).all()).to.have.length(0);
    expect(bookingRows(ctx.db)).to.have.length(4);
  });
});
