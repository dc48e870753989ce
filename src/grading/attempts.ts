import { and, desc, eq, sql } from 'drizzle-orm';
import { daysBetween } from '../calendar.js';
import { londonDateOf } from '../dates.js';
import type { Queryable } from '../db/connection.js';
import { attemptMethods, bookings, epaAttempts } from '../db/schema.js';
import type { AttemptMethodMode } from './model.js';

export type AttemptRow = typeof epaAttempts.$inferSelect;

/** What bookings need to know of the apprentice's current attempt at the EPA. */
export interface CurrentAttempt {
  number: number;
  /** Null until the first attempt's row is made (at its first grading). */
  row: AttemptRow | null;
  /** For a resit or retake: each method's mode (carried methods are not booked again) and last day. */
  modes: Map<string, AttemptMethodMode> | null;
  deadlines: Map<string, string>;
}

export function latestAttempt(db: Queryable, apprenticeId: number): AttemptRow | undefined {
  return db
    .select()
    .from(epaAttempts)
    .where(eq(epaAttempts.apprenticeId, apprenticeId))
    .orderBy(desc(epaAttempts.number))
    .get();
}

export function currentAttempt(db: Queryable, apprenticeId: number): CurrentAttempt {
  const row = latestAttempt(db, apprenticeId) ?? null;
  if (!row || row.number === 1) return { number: 1, row, modes: null, deadlines: new Map() };
  const methods = db.select().from(attemptMethods).where(eq(attemptMethods.attemptId, row.id)).all();
  return {
    number: row.number,
    row,
    modes: new Map(methods.map((m) => [m.methodId, m.mode])),
    deadlines: new Map(methods.flatMap((m) => (m.deadline ? [[m.methodId, m.deadline] as const] : []))),
  };
}

export function attemptByNumber(db: Queryable, apprenticeId: number, number: number): AttemptRow | undefined {
  return db
    .select()
    .from(epaAttempts)
    .where(and(eq(epaAttempts.apprenticeId, apprenticeId), eq(epaAttempts.number, number)))
    .get();
}

/**
 * When an attempt's first booking was made (London date), and the whole days to it from the
 * attempt's start, for the reports. A booking made before the start (a component during the
 * apprenticeship, booked before gateway to completion) counts as made on the first day: 0 days.
 */
export function firstBookingOf(db: Queryable, apprenticeId: number, number: number, startedOn: string) {
  const firstBookedAt = db
    .select({ at: sql<string | null>`min(${bookings.createdAt})` })
    .from(bookings)
    .where(and(eq(bookings.apprenticeId, apprenticeId), eq(bookings.attempt, number)))
    .get()?.at;
  const firstBookingOn = firstBookedAt ? londonDateOf(firstBookedAt) : null;
  return {
    firstBookingOn,
    daysToBooking: firstBookingOn ? Math.max(0, daysBetween(startedOn, firstBookingOn)) : null,
  };
}

/**
 * A first attempt begun before gateway to completion (a component during the apprenticeship was
 * graded) starts again from the day the gateway is accepted, as every other first attempt does:
 * the reports count the days to booking and to result from gateway. Returns the attempt as it
 * was and as it is now, or nothing when there is no such attempt or it already starts there.
 */
export function startFirstAttemptAtGateway(
  tx: Queryable,
  apprenticeId: number,
  acceptedOn: string,
): { before: AttemptRow; after: AttemptRow } | null {
  const before = attemptByNumber(tx, apprenticeId, 1);
  if (!before || before.startedOn >= acceptedOn) return null;
  const after = tx
    .update(epaAttempts)
    .set({
      startedOn: acceptedOn,
      ...firstBookingOf(tx, apprenticeId, 1, acceptedOn),
      daysToResult: before.resultOn ? Math.max(0, daysBetween(acceptedOn, before.resultOn)) : null,
    })
    .where(eq(epaAttempts.id, before.id))
    .returning()
    .get();
  return { before, after };
}
