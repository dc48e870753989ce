import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { attemptMethods, epaAttempts } from '../db/schema.js';
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
