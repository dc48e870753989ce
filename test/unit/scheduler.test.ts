import { expect } from 'chai';
import { DateTime } from 'luxon';
import { generateSchedulerInput, random } from '../../bench/scheduler-instance.js';
import type { AssessorFacts, BookingFacts, MethodFacts } from '../../src/bookings/model.js';
import { bookingTimes, checkBooking, conflictOfInterest } from '../../src/bookings/rules.js';
import { buildInstance, penaltyPerMethod } from '../../src/scheduler/instance.js';
import type { Schedule, SchedulerApprentice, SchedulerInput } from '../../src/scheduler/model.js';
import { proposeSchedule } from '../../src/scheduler/propose.js';

// The calendar these tests use (2021, a past year; checked with luxon in Europe/London):
//   Monday 1 March 2021 starts ISO week 2021-W09; Monday 3 May 2021 starts 2021-W18.
//   The clocks go forward on Sunday 28 March 2021: 01:00 GMT becomes 02:00 BST, so the
//   wall-clock hour 01:00–01:59 does not exist that day.

/* ---------- Small factories, in the style of booking-rules.test.ts ---------- */

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];
const WEEKDAYS = [1, 2, 3, 4, 5];

/** Calendar arithmetic written here, independently of src/calendar.ts. */
function plusDays(date: string, days: number): string {
  const at = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000);
  return at.toISOString().slice(0, 10);
}

function dayNumber(firstDay: string, date: string): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / 86_400_000);
}

function method(id: string, overrides: Partial<MethodFacts> = {}): MethodFacts {
  return {
    id,
    name: `Method ${id}`,
    durationMinutes: 60,
    delivery: ['remote', 'in_person'],
    after: [],
    earliestDayAfterGateway: 0,
    ...overrides,
  };
}

function assessor(userId: number, overrides: Partial<AssessorFacts> = {}): AssessorFacts {
  return {
    userId,
    name: `Assessor ${userId}`,
    standardVersionIds: [1],
    regions: [],
    perDay: 1,
    perWeek: 10,
    workingHours: WEEKDAYS.map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    unavailable: [],
    ownEmployerId: null,
    ownProviderUkprn: null,
    declaredConflicts: [],
    ...overrides,
  };
}

function apprentice(id: number, overrides: Partial<SchedulerApprentice> = {}): SchedulerApprentice {
  return {
    id,
    employerId: `EMP-${id}`,
    providerUkprn: '10000001',
    standardVersionId: 1,
    gatewayDate: '2021-03-01',
    epaEnd: '2021-06-01',
    methods: [method('a'), method('b')],
    ...overrides,
  };
}

/** A confirmed booking of someone outside the input, given in London wall-clock time. */
function existingBooking(id: number, assessorUserId: number, localStart: string, minutes = 60): BookingFacts {
  const times = bookingTimes(localStart, minutes);
  if ('error' in times) throw new Error(`bad test time ${localStart}: ${times.error}`);
  return {
    id,
    apprenticeId: 9000 + id,
    assessorUserId,
    methodId: 'other',
    startsAt: times.startsAt,
    endsAt: times.endsAt,
    status: 'confirmed',
  };
}

/** The London calendar date of a stored UTC instant. */
function londonDate(instant: string): string {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone('Europe/London').toISODate()!;
}

/** Noon London time on the day before the first bookable day: the moment the proposal is judged at. */
function dayBefore(firstDay: string): string {
  return DateTime.fromISO(`${plusDays(firstDay, -1)}T12:00`, { zone: 'Europe/London' })
    .toUTC()
    .toISO()!;
}

function apprenticeOf(input: SchedulerInput, id: number): SchedulerApprentice {
  const found = input.apprentices.find((a) => a.id === id);
  if (!found) throw new Error(`no apprentice ${id} in the input`);
  return found;
}

function methodOf(input: SchedulerInput, apprenticeId: number, methodId: string): MethodFacts {
  const found = apprenticeOf(input, apprenticeId).methods.find((m) => m.id === methodId);
  if (!found) throw new Error(`apprentice ${apprenticeId} has no method ${methodId}`);
  return found;
}

/** Each proposal as the booking it would become (a hold), stored in UTC as the booking rules expect. */
function proposalsAsBookings(input: SchedulerInput, schedule: Schedule): BookingFacts[] {
  return schedule.bookings.map((p, i) => {
    const times = bookingTimes(p.localStart, methodOf(input, p.apprenticeId, p.methodId).durationMinutes);
    if ('error' in times) throw new Error(`proposal ${p.localStart} has no real time: ${times.error}`);
    return {
      id: 100_000 + i,
      apprenticeId: p.apprenticeId,
      assessorUserId: p.assessorUserId,
      methodId: p.methodId,
      startsAt: times.startsAt,
      endsAt: times.endsAt,
      status: 'held',
    };
  });
}

/**
 * Judges every proposal with checkBooking against the existing bookings and all the other
 * proposals (only those of the same assessor or apprentice, which are all the rules look at).
 * Returns one line per refused proposal; empty when every proposal may be booked.
 */
function refusedProposals(input: SchedulerInput, schedule: Schedule): string[] {
  const proposed = proposalsAsBookings(input, schedule);
  const now = dayBefore(input.firstDay);
  const problems: string[] = [];
  schedule.bookings.forEach((p, i) => {
    const who = apprenticeOf(input, p.apprenticeId);
    const assessorFacts = input.assessors.find((a) => a.userId === p.assessorUserId);
    if (!assessorFacts) throw new Error(`proposal names unknown assessor ${p.assessorUserId}`);
    const existing = [...input.existing, ...proposed.filter((_, j) => j !== i)].filter(
      (b) => b.assessorUserId === p.assessorUserId || b.apprenticeId === p.apprenticeId,
    );
    const refusals = checkBooking({
      apprentice: {
        id: who.id,
        employerId: who.employerId,
        providerUkprn: who.providerUkprn,
        standardVersionId: who.standardVersionId,
      },
      epaPeriod: { start: who.gatewayDate, end: who.epaEnd },
      onProgrammeFrom: who.gatewayDate,
      method: methodOf(input, p.apprenticeId, p.methodId),
      methods: who.methods,
      assessor: assessorFacts,
      localStart: p.localStart,
      mode: 'remote',
      region: null,
      existing,
      replacing: null,
      now,
    });
    if (refusals.length > 0)
      problems.push(
        `apprentice ${p.apprenticeId} ${p.methodId} at ${p.localStart} with ${p.assessorUserId}: ${refusals.map((r) => r.message).join('; ')}`,
      );
  });
  return problems;
}

/** Apprentices who are partly scheduled, or both scheduled and left out, or neither. */
function allOrNothingProblems(input: SchedulerInput, schedule: Schedule): string[] {
  const problems: string[] = [];
  for (const a of input.apprentices) {
    const booked = schedule.bookings
      .filter((b) => b.apprenticeId === a.id)
      .map((b) => b.methodId)
      .sort();
    const leftOut = schedule.leftOut.filter((l) => l.apprenticeId === a.id).length;
    const all = a.methods.map((m) => m.id).sort();
    const complete = booked.length === all.length && booked.every((id, i) => id === all[i]);
    if (!((complete && leftOut === 0) || (booked.length === 0 && leftOut === 1)))
      problems.push(
        `apprentice ${a.id}: booked [${booked.join(', ')}] of [${all.join(', ')}], left out ${leftOut} times`,
      );
  }
  return problems;
}

/**
 * The objective recomputed from the proposal itself: days from gateway to the last booking of
 * each scheduled apprentice, plus the penalty per method of everyone left out.
 */
function objectiveOf(input: SchedulerInput, schedule: Schedule): number {
  let total = 0;
  for (const a of input.apprentices) {
    const dates = schedule.bookings.filter((b) => b.apprenticeId === a.id).map((b) => b.localStart.slice(0, 10));
    total +=
      dates.length === 0
        ? schedule.penaltyPerMethod * a.methods.length
        : dayNumber(a.gatewayDate, dates.sort().at(-1)!);
  }
  return total;
}

/** The London date proposed for one method of one apprentice. */
function dateOf(schedule: Schedule, apprenticeId: number, methodId: string): string {
  const found = schedule.bookings.find((b) => b.apprenticeId === apprenticeId && b.methodId === methodId);
  if (!found)
    throw new Error(`apprentice ${apprenticeId} has no proposal for ${methodId}: ${JSON.stringify(schedule.leftOut)}`);
  return found.localStart.slice(0, 10);
}

/* ---------- An exhaustive search over the model, independent of greedy.ts and bound.ts ---------- */

/**
 * The least objective any schedule of the model can reach, by depth-first search with
 * branch and bound. From buildInstance it takes only the calendar (dates, weekOf) and the
 * capacities; every rule is applied here from the input:
 *   - each apprentice has all of its methods placed, or is left out (penalty × methods);
 *   - a method goes on a day t and an assessor k who is competent for the standard and has
 *     no conflict of interest on that date (conflictOfInterest from the booking rules);
 *   - t ≥ 0 (the first bookable day), t ≥ gateway + the method's earliestDayAfterGateway,
 *     and t ≤ the end of the EPA period and of the horizon (lastDay);
 *   - an order rule "B after A, at least d days" holds when t_B ≥ t_A + d;
 *   - one apprentice's methods fall on different days;
 *   - assessor k takes at most dayCapacity[k][t] on day t and weekCapacity[k][w] in week w.
 * The cost of a scheduled apprentice is the day of their last method less their gateway day.
 */
function bruteForceOptimum(input: SchedulerInput): number {
  const instance = buildInstance(input);
  const penalty = penaltyPerMethod(instance);
  const days = instance.dates.length;
  const horizonEnd = input.lastDay === undefined ? Infinity : dayNumber(input.firstDay, input.lastDay);

  const jobs = input.apprentices.map((a) => {
    const gateway = dayNumber(input.firstDay, a.gatewayDate);
    const deadline = Math.min(dayNumber(input.firstDay, a.epaEnd), horizonEnd, days - 1);
    const facts = {
      id: a.id,
      employerId: a.employerId,
      providerUkprn: a.providerUkprn,
      standardVersionId: a.standardVersionId,
    };
    // allowed[k][t]: assessor k may assess this apprentice on day t (competence and conflicts).
    const allowed = input.assessors.map((k) =>
      instance.dates.map(
        (date) => k.standardVersionIds.includes(a.standardVersionId) && conflictOfInterest(k, facts, date) === null,
      ),
    );
    const earliest = a.methods.map((m) => Math.max(0, gateway + m.earliestDayAfterGateway));
    // Order rules as pairs of method indices: `later` at least `minDays` after `before`.
    const rules = a.methods.flatMap((m, later) =>
      m.after.map((r) => ({ before: a.methods.findIndex((x) => x.id === r.method), later, minDays: r.minDaysBetween })),
    );
    // No schedule finishes this apprentice before their latest earliest day (used only to prune).
    const cheapest = Math.min(penalty * a.methods.length, Math.max(...earliest) - gateway);
    return { gateway, deadline, allowed, earliest, rules, methods: a.methods.length, cheapest };
  });

  const dayUsed = instance.dayCapacity.map((row) => row.map(() => 0));
  const weekUsed = instance.weekCapacity.map((row) => row.map(() => 0));
  // Least cost of apprentices j, j+1, …, to prune branches that cannot beat the best so far.
  const restAtLeast = jobs.map((_, j) => jobs.slice(j).reduce((sum, job) => sum + job.cheapest, 0));
  restAtLeast.push(0);

  // Leaving everyone out is a schedule: start from it.
  let best = jobs.reduce((sum, job) => sum + penalty * job.methods, 0);

  const apprenticeFrom = (j: number, cost: number): void => {
    if (cost + restAtLeast[j]! >= best) return;
    if (j === jobs.length) {
      best = cost;
      return;
    }
    methodFrom(j, 0, [], cost);
    apprenticeFrom(j + 1, cost + penalty * jobs[j]!.methods);
  };

  const methodFrom = (j: number, i: number, placed: number[], cost: number): void => {
    const job = jobs[j]!;
    if (i === job.methods) {
      apprenticeFrom(j + 1, cost + Math.max(...placed) - job.gateway);
      return;
    }
    for (let t = job.earliest[i]!; t <= job.deadline; t++) {
      // The apprentice finishes no earlier than t: later days only cost more.
      if (cost + Math.max(t, ...placed) - job.gateway + restAtLeast[j + 1]! >= best) break;
      if (placed.includes(t)) continue;
      // Order rules with the methods already placed, in either direction.
      const ordered = job.rules.every((r) =>
        r.later === i && r.before < i
          ? t >= placed[r.before]! + r.minDays
          : r.before === i && r.later < i
            ? placed[r.later]! >= t + r.minDays
            : true,
      );
      if (!ordered) continue;
      const w = instance.weekOf[t]!;
      for (let k = 0; k < input.assessors.length; k++) {
        if (
          !job.allowed[k]![t] ||
          dayUsed[k]![t]! >= instance.dayCapacity[k]![t]! ||
          weekUsed[k]![w]! >= instance.weekCapacity[k]![w]!
        )
          continue;
        dayUsed[k]![t]!++;
        weekUsed[k]![w]!++;
        methodFrom(j, i + 1, [...placed, t], cost);
        dayUsed[k]![t]!--;
        weekUsed[k]![w]!--;
      }
    }
  };

  apprenticeFrom(0, 0);
  return best;
}

/**
 * A small random instance the exhaustive search settles at once: 2–4 apprentices with one or
 * two methods (small earliest days, sometimes an order rule either way round), 1–3 assessors
 * taking one assessment a day and 1–3 a week, with leave, a missing weekday, a declared
 * conflict, sometimes their own employer or an existing booking, over a horizon of 5–8 days.
 */
function smallInput(seed: number): SchedulerInput {
  const rand = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const chance = (p: number) => rand() < p;
  // Starting on different weekdays moves the week boundary around inside the horizon.
  const firstDay = plusDays('2021-05-03', int(0, 6));
  const horizon = int(5, 8);
  const lastDay = plusDays(firstDay, horizon - 1);
  const employers = ['E1', 'E2', 'E3'];

  const assessors = Array.from({ length: int(1, 3) }, (_, k) => {
    const off = chance(0.5) ? int(1, 7) : 0;
    const leaveFrom = plusDays(firstDay, int(0, horizon - 1));
    return assessor(100 + k, {
      perDay: 1,
      perWeek: int(1, 3),
      standardVersionIds: k === 0 ? [1, 2] : chance(0.7) ? [1] : [2],
      workingHours: EVERY_DAY.filter((d) => d !== off).map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
      unavailable: chance(0.5) ? [{ from: leaveFrom, to: plusDays(leaveFrom, int(0, 1)), reason: 'Leave' }] : [],
      ownEmployerId: chance(0.15) ? 'E3' : null,
      declaredConflicts:
        k === 0
          ? [
              {
                kind: 'employer',
                organisationId: 'E1',
                from: plusDays(firstDay, int(0, 3)),
                to: chance(0.5) ? plusDays(firstDay, int(3, 6)) : null,
                reason: 'Former colleague',
              },
            ]
          : [],
    });
  });

  const apprentices = Array.from({ length: int(2, 4) }, (_, i) => {
    const gatewayDate = plusDays(firstDay, -int(0, 3));
    const methods = [method('a', { earliestDayAfterGateway: int(0, 3) })];
    if (chance(0.75)) {
      const b = method('b', { durationMinutes: 75, earliestDayAfterGateway: int(0, 3) });
      if (chance(0.4)) {
        // An order rule, sometimes with the later method listed first in the plan.
        const gap = int(1, 2);
        if (chance(0.5)) b.after = [{ method: 'a', minDaysBetween: gap }];
        else methods[0]!.after = [{ method: 'b', minDaysBetween: gap }];
      }
      methods.push(b);
    }
    return apprentice(i + 1, {
      employerId: employers[int(0, 2)]!,
      standardVersionId: chance(0.8) ? 1 : 2,
      gatewayDate,
      epaEnd: chance(0.3) ? plusDays(firstDay, int(2, horizon)) : plusDays(gatewayDate, 90),
      methods,
    });
  });

  const existing = chance(0.3) ? [existingBooking(1, 100, `${plusDays(firstDay, int(0, horizon - 1))}T09:00`)] : [];
  return { firstDay, lastDay, apprentices, assessors, existing };
}

/* ---------- The tests ---------- */

describe('scheduler', () => {
  it('proposes only bookings the booking rules accept, against existing bookings and each other, for a generated queue', async () => {
    const input = generateSchedulerInput({ apprentices: 150, assessors: 8, workingDays: 20, seed: 7 });
    // Existing confirmed bookings: two on one day for Assessor 1, one for Assessor 2, and one
    // for Assessor 3 that lies across the usual slot times (11:15–12:45).
    input.existing = [
      existingBooking(1, 1000, '2021-03-03T09:00'),
      existingBooking(2, 1000, '2021-03-03T13:00', 75),
      existingBooking(3, 1001, '2021-03-10T10:00'),
      existingBooking(4, 1002, '2021-03-16T11:15', 90),
    ];
    const schedule = await proposeSchedule(input);

    expect(schedule.bookings.length, 'the proposal should schedule most of the queue').to.be.greaterThan(200);
    // The existing bookings are really in play: each of those assessors is proposed for more that day.
    for (const b of input.existing) {
      const day = londonDate(b.startsAt);
      expect(
        schedule.bookings.some((p) => p.assessorUserId === b.assessorUserId && p.localStart.startsWith(day)),
        `${b.assessorUserId} on ${day}`,
      ).to.equal(true);
    }
    expect(refusedProposals(input, schedule)).to.deep.equal([]);
    expect(allOrNothingProblems(input, schedule)).to.deep.equal([]);
    expect(objectiveOf(input, schedule)).to.equal(schedule.objective);
    expect(schedule.bound).to.be.at.most(schedule.objective);
  });

  it('lands between the lower bound and the optimum of an exhaustive search, on 30 small random instances', async () => {
    const missed: string[] = [];
    for (let seed = 500; seed < 530; seed++) {
      const input = smallInput(seed);
      const schedule = await proposeSchedule(input);
      const optimum = bruteForceOptimum(input);
      if (schedule.objective > optimum) missed.push(`seed ${seed}`);
      const label = `seed ${seed}: bound ${schedule.bound}, optimum ${optimum}, objective ${schedule.objective}`;

      expect(schedule.penaltyPerMethod, label).to.equal(penaltyPerMethod(buildInstance(input)));
      expect(schedule.bound, label).to.be.at.most(optimum);
      expect(optimum, label).to.be.at.most(schedule.objective);
      expect(objectiveOf(input, schedule), label).to.equal(schedule.objective);
      expect(refusedProposals(input, schedule), label).to.deep.equal([]);
      expect(allOrNothingProblems(input, schedule), label).to.deep.equal([]);
    }
    // A heuristic: with its restarts it reaches the optimum on all but one of these (seed 503,
    // where the optimum puts a method after its earliest free day to leave that week's room
    // to another apprentice, which earliest-day placement never does). A single pass missed nine.
    expect(missed.length, missed.join(', ')).to.be.at.most(1);
  });

  it('reaches the optimum of the exhaustive search on instances where earliest-day list scheduling must be optimal', async () => {
    const everyDay = EVERY_DAY.map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
    const oneMethod = () => [method('a')];
    const cases: { name: string; input: SchedulerInput; expected: number }[] = [
      {
        // Two interchangeable assessors (every day, one a day), five one-method apprentices with
        // gateways on days 0, 0, 0, 1 and −2 (so releases 0, 0, 0, 1, 0). At most two a day:
        // two on day 0, at most two more on day 1, so the fifth is on day 2 or later.
        // Σ days ≥ 0 + 0 + 1 + 1 + 2 = 4 and Σ gateways = −1, so the optimum is 4 − (−1) = 5.
        name: 'unit jobs with release days on identical assessors',
        input: {
          firstDay: '2021-05-03',
          lastDay: '2021-05-09',
          apprentices: ['2021-05-03', '2021-05-03', '2021-05-03', '2021-05-04', '2021-05-01'].map((gatewayDate, i) =>
            apprentice(i + 1, { gatewayDate, methods: oneMethod() }),
          ),
          assessors: [assessor(10, { workingHours: everyDay }), assessor(11, { workingHours: everyDay })],
          existing: [],
        },
        expected: 5,
      },
      {
        // One assessor, one a day, two apprentices with two methods each from gateway day 0:
        // four assessments on four different days, so the later apprentice's last day is ≥ 3
        // and the other's (two different days) ≥ 1: the optimum is 1 + 3 = 4 (days 0, 1 | 2, 3).
        name: 'two apprentices sharing one assessor',
        input: {
          firstDay: '2021-05-03',
          lastDay: '2021-05-09',
          apprentices: [apprentice(1, { gatewayDate: '2021-05-03' }), apprentice(2, { gatewayDate: '2021-05-03' })],
          assessors: [assessor(10, { workingHours: everyDay })],
          existing: [],
        },
        expected: 4,
      },
    ];
    for (const { name, input, expected } of cases) {
      const schedule = await proposeSchedule(input);
      expect(bruteForceOptimum(input), name).to.equal(expected);
      expect(schedule.objective, name).to.equal(expected);
      expect(schedule.bound, name).to.be.at.most(expected);
      expect(refusedProposals(input, schedule), name).to.deep.equal([]);
    }
  });

  it('reaches a strictly positive lower bound when leave and a full day force the days', async () => {
    // Gateway Sunday 28 February 2021, first bookable day Monday 1 March (day 0), so gateway is day −1.
    // The only assessor works Monday to Friday, one assessment a day; on leave Monday 1 and
    // Tuesday 2 March; Wednesday 3 March already holds a confirmed booking (full at one a day).
    // So the free days are Thursday 4 (day 3), Friday 5 (day 4), then Monday 8 (day 7), …
    // By hand: the two methods need two different days, the earliest two are days 3 and 4,
    // so the best last day is day 4 and the objective is 4 − (−1) = 5.
    // The LP bound: both methods have all their mass on days {3, 4, 7, …} with at most one unit
    // a day, so Σ (t − gateway) x ≥ 4 + 5 = 9 over both methods, and
    // Z ≥ 9/2 + (2 − 1)/2 = 5 (leaving out costs the penalty, 12 + 1 + 1 = 14 a method, far more).
    const input: SchedulerInput = {
      firstDay: '2021-03-01',
      lastDay: '2021-03-12',
      apprentices: [apprentice(1, { gatewayDate: '2021-02-28', epaEnd: '2021-05-28' })],
      assessors: [assessor(10, { unavailable: [{ from: '2021-03-01', to: '2021-03-02', reason: 'Leave' }] })],
      existing: [existingBooking(1, 10, '2021-03-03T10:00')],
    };
    const schedule = await proposeSchedule(input);

    expect(schedule.penaltyPerMethod).to.equal(14);
    expect(schedule.bound).to.equal(5);
    expect(schedule.objective).to.equal(5);
    expect(schedule.gap).to.equal(0);
    expect(schedule.bookings.map((b) => b.localStart.slice(0, 10)).sort()).to.deep.equal(['2021-03-04', '2021-03-05']);
    expect(refusedProposals(input, schedule)).to.deep.equal([]);
  });

  it('never proposes a start in the hour the clocks skip, and uses the three real hours of a 00:00–04:00 shift that night', async () => {
    // Sunday 28 March 2021: 00:00–04:00 London wall-clock is only three hours (01:00–01:59 does
    // not exist), so at most three one-hour assessments fit, and three fill it exactly: they
    // must start at 00:00 (ending 02:00 BST), 02:00 and 03:00.
    // Four apprentices can only be assessed that day: one is left out.
    const input: SchedulerInput = {
      firstDay: '2021-03-28',
      lastDay: '2021-03-28',
      apprentices: [1, 2, 3, 4].map((id) => apprentice(id, { methods: [method('a')] })),
      assessors: [assessor(10, { perDay: 4, workingHours: [{ weekday: 7, start: '00:00', end: '04:00' }] })],
      existing: [],
    };
    const schedule = await proposeSchedule(input);

    expect(schedule.bookings).to.have.length(3);
    for (const b of schedule.bookings) {
      expect(b.localStart.slice(0, 10)).to.equal('2021-03-28');
      expect(b.localStart.slice(11, 13), b.localStart).to.not.equal('01');
      expect(bookingTimes(b.localStart, 60)).to.not.have.property('error');
    }
    expect(schedule.bookings.map((b) => b.localStart.slice(11)).sort()).to.deep.equal(['00:00', '02:00', '03:00']);
    expect(schedule.leftOut).to.have.length(1);
    expect(refusedProposals(input, schedule)).to.deep.equal([]);
  });

  it('leaves out an apprentice whose only assessor works for their employer, says why, and charges the penalty', async () => {
    // Ten days from Monday 1 March; every gateway is on day 0, so the penalty is 10 + 0 + 1 = 11 a method.
    // Apprentice 1's employer employs the only assessor: left out, 2 methods × 11 = 22.
    // Apprentice 2: two methods from day 0, one a day, every day: days 0 and 1, 1 day after gateway.
    const input: SchedulerInput = {
      firstDay: '2021-03-01',
      lastDay: '2021-03-10',
      apprentices: [apprentice(1, { employerId: 'EMP-OWN' }), apprentice(2, { employerId: 'EMP-OTHER' })],
      assessors: [
        assessor(10, {
          ownEmployerId: 'EMP-OWN',
          workingHours: EVERY_DAY.map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
        }),
      ],
      existing: [],
    };
    const schedule = await proposeSchedule(input);

    expect(schedule.leftOut.map((l) => l.apprenticeId)).to.deep.equal([1]);
    expect(schedule.leftOut[0]!.reason).to.match(/conflict/i);
    expect(schedule.bookings.map((b) => b.apprenticeId)).to.deep.equal([2, 2]);
    expect(schedule.penaltyPerMethod).to.equal(11);
    expect(schedule.objective).to.equal(2 * 11 + 1);
    expect(refusedProposals(input, schedule)).to.deep.equal([]);
  });

  it('shares the work between two identical assessors to within one assessment', async () => {
    // 25 apprentices × 2 methods = 50 assessments; two assessors taking 2 a day and 10 a week
    // over four weeks (80 each) have room for all of them.
    const input: SchedulerInput = {
      firstDay: '2021-03-01',
      lastDay: '2021-03-26',
      apprentices: Array.from({ length: 25 }, (_, i) =>
        apprentice(i + 1, {
          gatewayDate: plusDays('2021-03-01', -(i % 10)),
          methods: [method('a', { earliestDayAfterGateway: i % 7 }), method('b', { durationMinutes: 75 })],
        }),
      ),
      assessors: [assessor(10, { perDay: 2, perWeek: 10 }), assessor(11, { perDay: 2, perWeek: 10 })],
      existing: [],
    };
    const schedule = await proposeSchedule(input);

    expect(schedule.leftOut).to.deep.equal([]);
    const counted = [10, 11].map((userId) => schedule.bookings.filter((b) => b.assessorUserId === userId).length);
    expect(counted[0]! + counted[1]!).to.equal(50);
    expect(Math.abs(counted[0]! - counted[1]!), `loads ${counted.join(' and ')}`).to.be.at.most(1);
    expect(schedule.load.map((l) => l.count)).to.deep.equal(counted);
    expect(refusedProposals(input, schedule)).to.deep.equal([]);
  });

  it('keeps a method at least seven days after the one it must follow', async () => {
    // B must be at least 7 days after A; B is listed first in the plan.
    const plan = () => [
      method('b', { durationMinutes: 75, after: [{ method: 'a', minDaysBetween: 7 }] }),
      method('a', { earliestDayAfterGateway: 2 }),
    ];
    const queue: SchedulerInput = {
      firstDay: '2021-03-01',
      lastDay: '2021-04-09',
      apprentices: Array.from({ length: 30 }, (_, i) =>
        apprentice(i + 1, { gatewayDate: plusDays('2021-03-01', -(i % 5)), methods: plan() }),
      ),
      assessors: [
        assessor(10, { perDay: 2, perWeek: 6 }),
        assessor(11, {
          perDay: 1,
          perWeek: 4,
          unavailable: [{ from: '2021-03-08', to: '2021-03-12', reason: 'Leave' }],
        }),
      ],
      existing: [],
    };
    const schedule = await proposeSchedule(queue);

    expect(schedule.bookings.length, JSON.stringify(schedule.leftOut)).to.be.greaterThan(20);
    for (const a of queue.apprentices.filter((x) => schedule.bookings.some((b) => b.apprenticeId === x.id))) {
      expect(dayNumber(dateOf(schedule, a.id, 'a'), dateOf(schedule, a.id, 'b')), `apprentice ${a.id}`).to.be.at.least(
        7,
      );
    }
    expect(refusedProposals(queue, schedule)).to.deep.equal([]);

    // One apprentice alone, gateway on day 0, an assessor free every day: A on day 2 (its
    // earliest), B on day 2 + 7 = 9, so the objective is 9; B's release alone makes the bound 9 too.
    const alone: SchedulerInput = {
      firstDay: '2021-03-01',
      lastDay: '2021-03-31',
      apprentices: [apprentice(1, { methods: plan() })],
      assessors: [
        assessor(10, { workingHours: EVERY_DAY.map((weekday) => ({ weekday, start: '09:00', end: '17:00' })) }),
      ],
      existing: [],
    };
    const single = await proposeSchedule(alone);
    expect([dateOf(single, 1, 'a'), dateOf(single, 1, 'b')]).to.deep.equal(['2021-03-03', '2021-03-10']);
    expect(single.objective).to.equal(9);
    expect(single.bound).to.equal(9);
  });

  describe('corner cases', () => {
    it('keeps clear of an existing booking after the skipped hour on the night the clocks go forward', async () => {
      // 00:00 + 75 minutes on 28 March 2021 ends at 02:15 BST, across an existing 02:00–03:00
      // booking, although wall-clock arithmetic (0 + 75 < 120) would say it ends before it.
      const input: SchedulerInput = {
        firstDay: '2021-03-28',
        lastDay: '2021-03-28',
        apprentices: [apprentice(1, { methods: [method('d', { durationMinutes: 75 })] })],
        assessors: [assessor(10, { perDay: 2, workingHours: [{ weekday: 7, start: '00:00', end: '04:00' }] })],
        existing: [existingBooking(1, 10, '2021-03-28T02:00')],
      };
      const schedule = await proposeSchedule(input);
      expect(refusedProposals(input, schedule)).to.deep.equal([]);
      // The only other slots are 01:30 (does not exist that night) and none after 02:30 that ends by 04:00.
      expect(schedule.leftOut.map((l) => l.apprenticeId)).to.deep.equal([1]);
    });

    it('does not propose a remote booking of a method that can only be delivered in person', async () => {
      // Every proposal is remote, but the plan may allow a method in person only: checkBooking
      // would refuse it (delivery_mode). Such an apprentice is left out, with the reason.
      const input: SchedulerInput = {
        firstDay: '2021-03-01',
        lastDay: '2021-03-05',
        apprentices: [apprentice(1, { methods: [method('a', { delivery: ['in_person'] })] })],
        assessors: [assessor(10)],
        existing: [],
      };
      const schedule = await proposeSchedule(input);
      expect(refusedProposals(input, schedule)).to.deep.equal([]);
      expect(schedule.bookings).to.deep.equal([]);
      expect(schedule.leftOut.map((l) => l.reason)).to.deep.equal([
        'Method a can only be held in person: book it with the booking form, which asks where',
      ]);
    });
  });
});
