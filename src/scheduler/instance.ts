import { DateTime } from 'luxon';
import { addDays, daysBetween, partsOf } from '../calendar.js';
import { ZONE } from '../dates.js';
import type { AssessorFacts, MethodFacts } from '../bookings/model.js';
import { bookingTimes, londonDay } from '../bookings/rules.js';
import type { SchedulerApprentice, SchedulerInput } from './model.js';

/**
 * The scheduling problem with every calendar fact turned into small integers, shared by the
 * scheduler (greedy.ts) and its lower bound (bound.ts) so that both look at one model.
 *
 * Days are numbered from the first bookable day (0). Each assessor's day is cut into slots
 * as long as the longest method, rounded up to half an hour, from the start of their working
 * hours; slots that overlap an existing booking are gone. A day's capacity is the smaller of
 * the free slots and the assessor's daily limit less what is booked that day; a week's is the
 * weekly limit less what is booked that week. Any method fits any slot, so a day never holds
 * more than its capacity and nothing overlaps.
 */
export interface Instance {
  firstDay: string;
  dates: string[];
  /** Index into `weeks` of each day's ISO week (London). */
  weekOf: number[];
  weeks: string[];
  assessors: AssessorFacts[];
  /** [assessor][day]: how many more assessments fit. */
  dayCapacity: number[][];
  /** [assessor][day]: free slot starts, London wall-clock 'HH:MM', in time order. */
  slots: string[][][];
  /** [assessor][week]: how many more assessments the weekly limit allows. */
  weekCapacity: number[][];
  jobs: Job[];
}

export interface JobMethod {
  method: MethodFacts;
  /** Proposals are remote: a method that must be held in person needs a place, which only the booking form asks for. */
  remote: boolean;
  /** The first day it may happen: the plan's earliest day after gateway, and its order rules. */
  release: number;
  /** Indices (into Job.methods) of the methods it must follow, with the least days between. */
  after: { index: number; minDays: number }[];
}

export interface Job {
  apprentice: SchedulerApprentice;
  /** Day number of gateway acceptance (negative when it was before the first bookable day). */
  gateway: number;
  /** Last day of the EPA period, or of the horizon if that comes first. */
  deadline: number;
  /** In an order that respects the plan's order rules. */
  methods: JobMethod[];
  /** Assessors competent for the standard and free of a standing conflict of interest. */
  eligible: number[];
  /** Declared conflicts that apply on some dates only: assessor index → date ranges. */
  conflictDates: Map<number, { from: string; to: string | null }[]>;
}

/** Why the scheduler cannot propose this plan's methods (all proposals are remote), or null. */
export function inPersonOnlyReason(methods: MethodFacts[]): string | null {
  const inPerson = methods.find((m) => !m.delivery.includes('remote'));
  return inPerson
    ? `${inPerson.name} can only be held in person: book it with the booking form, which asks where`
    : null;
}

/** A year ahead at most: nobody plans further, and it keeps the model small. */
const HORIZON_DAYS = 366;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function isoWeekday(date: string): number {
  const { year, month, day } = partsOf(date);
  return ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
}

/** The plan's methods in an order where each comes after those it must follow (plans are checked for cycles on import). */
export function orderedMethods(methods: MethodFacts[]): MethodFacts[] {
  const done = new Set<string>();
  const ordered: MethodFacts[] = [];
  const visit = (m: MethodFacts, depth: number) => {
    if (done.has(m.id) || depth > methods.length) return;
    for (const rule of m.after) {
      const before = methods.find((x) => x.id === rule.method);
      if (before) visit(before, depth + 1);
    }
    if (!done.has(m.id)) {
      done.add(m.id);
      ordered.push(m);
    }
  };
  for (const m of methods) visit(m, 0);
  return ordered;
}

export function buildInstance(input: SchedulerInput): Instance {
  const lastEnd = input.apprentices.reduce((last, a) => (a.epaEnd > last ? a.epaEnd : last), input.firstDay);
  const horizonEnd = input.lastDay !== undefined && input.lastDay < lastEnd ? input.lastDay : lastEnd;
  const dayCount = Math.max(0, Math.min(HORIZON_DAYS, daysBetween(input.firstDay, horizonEnd) + 1));
  const dates = Array.from({ length: dayCount }, (_, t) => addDays(input.firstDay, t));
  const weeks: string[] = [];
  const weekOf = dates.map((date) => {
    const week = londonDay(DateTime.fromISO(`${date}T12:00`, { zone: ZONE }).toUTC().toISO()!).week;
    if (weeks.at(-1) !== week) weeks.push(week);
    return weeks.length - 1;
  });
  // Days on which the clocks change: there the wall-clock slots are checked one by one.
  const clockChange = dates.map((date) => {
    const day = DateTime.fromISO(date, { zone: ZONE });
    return day.startOf('day').offset !== day.endOf('day').offset;
  });

  const longest = Math.max(30, ...input.apprentices.flatMap((a) => a.methods.map((m) => m.durationMinutes)));
  const step = Math.ceil(longest / 30) * 30;

  const assessors = input.assessors;
  const dayCapacity: number[][] = [];
  const slots: string[][][] = [];
  const weekCapacity: number[][] = [];
  assessors.forEach((assessor) => {
    const own = input.existing.filter((b) => b.assessorUserId === assessor.userId);
    // Existing bookings as real instants (ms), by London date: compared with each slot's real
    // start and end, which on the night the clocks change differ from wall-clock arithmetic.
    const bookedOn = new Map<string, { start: number; end: number }[]>();
    const bookedInWeek = new Map<string, number>();
    for (const booking of own) {
      const { date, week } = londonDay(booking.startsAt);
      bookedOn.set(date, [
        ...(bookedOn.get(date) ?? []),
        { start: Date.parse(booking.startsAt), end: Date.parse(booking.endsAt) },
      ]);
      bookedInWeek.set(week, (bookedInWeek.get(week) ?? 0) + 1);
    }
    const daySlots = dates.map((date, t) => {
      const hours = assessor.workingHours.find((w) => w.weekday === isoWeekday(date));
      if (!hours || assessor.unavailable.some((u) => u.from <= date && date <= u.to)) return [];
      const taken = bookedOn.get(date) ?? [];
      const free: string[] = [];
      for (let start = minutes(hours.start); start + longest <= minutes(hours.end); start += step) {
        // Most days have no booking and no clock change: wall-clock arithmetic is exact there.
        if (taken.length > 0 || clockChange[t]) {
          const times = bookingTimes(`${date}T${hhmm(start)}`, longest);
          if ('error' in times || times.endTime > hours.end || times.endTime <= times.startTime) continue;
          const [from, to] = [Date.parse(times.startsAt), Date.parse(times.endsAt)];
          if (taken.some((b) => b.start < to && from < b.end)) continue;
        }
        free.push(hhmm(start));
      }
      return free;
    });
    slots.push(daySlots);
    dayCapacity.push(
      daySlots.map((free, t) =>
        Math.max(0, Math.min(free.length, assessor.perDay - (bookedOn.get(dates[t]!)?.length ?? 0))),
      ),
    );
    weekCapacity.push(weeks.map((week) => Math.max(0, assessor.perWeek - (bookedInWeek.get(week) ?? 0))));
  });

  const jobs = input.apprentices.map((apprentice): Job => {
    const gateway = daysBetween(input.firstDay, apprentice.gatewayDate);
    const methods: JobMethod[] = [];
    for (const method of orderedMethods(apprentice.methods)) {
      const after = method.after.flatMap((rule) => {
        const index = methods.findIndex((m) => m.method.id === rule.method);
        return index < 0 ? [] : [{ index, minDays: rule.minDaysBetween }];
      });
      const release = Math.max(
        0,
        gateway + method.earliestDayAfterGateway,
        ...after.map((a) => methods[a.index]!.release + a.minDays),
      );
      methods.push({ method, remote: method.delivery.includes('remote'), release, after });
    }
    const eligible: number[] = [];
    const conflictDates = new Map<number, { from: string; to: string | null }[]>();
    assessors.forEach((assessor, k) => {
      if (!assessor.standardVersionIds.includes(apprentice.standardVersionId)) return;
      if (assessor.ownEmployerId === apprentice.employerId || assessor.ownProviderUkprn === apprentice.providerUkprn)
        return;
      eligible.push(k);
      const declared = assessor.declaredConflicts.filter(
        (c) => c.organisationId === (c.kind === 'employer' ? apprentice.employerId : apprentice.providerUkprn),
      );
      if (declared.length > 0)
        conflictDates.set(
          k,
          declared.map(({ from, to }) => ({ from, to })),
        );
    });
    return {
      apprentice,
      gateway,
      deadline: Math.min(dayCount - 1, daysBetween(input.firstDay, apprentice.epaEnd)),
      methods,
      eligible,
      conflictDates,
    };
  });

  return { firstDay: input.firstDay, dates, weekOf, weeks, assessors, dayCapacity, slots, weekCapacity, jobs };
}

/** True when a declared conflict stops assessor `k` assessing this job's apprentice on day `t`. */
export function conflictedOn(instance: Instance, job: Job, k: number, t: number): boolean {
  const ranges = job.conflictDates.get(k);
  if (!ranges) return false;
  const date = instance.dates[t]!;
  return ranges.some((r) => r.from <= date && (r.to === null || date <= r.to));
}

/** Days an apprentice left out counts for, per method: more than any wait a schedule could give. */
export function penaltyPerMethod(instance: Instance): number {
  const earliestGateway = Math.min(0, ...instance.jobs.map((j) => j.gateway));
  return instance.dates.length - earliestGateway + 1;
}
