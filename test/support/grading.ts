import { now } from './clock.js';
import { eq } from 'drizzle-orm';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { changeBooking, createBooking } from '../../src/bookings/store.js';
import type { Db } from '../../src/db/connection.js';
import { assessorProfiles, assessorStandards, assessorWorkingHours, bookings } from '../../src/db/schema.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import { SETUP, isoDate, readyApprentice, today } from './apprentices.js';

/** Gives an assessor user a profile: competent for the apprentice's standard, every day 08:00–20:00, plenty of capacity. */
export function assessorProfile(db: Db, userId: number, standardVersionId: number): void {
  db.insert(assessorProfiles).values({ userId, perDay: 6, perWeek: 30 }).onConflictDoNothing().run();
  db.insert(assessorStandards).values({ userId, standardVersionId }).onConflictDoNothing().run();
  for (const weekday of [1, 2, 3, 4, 5, 6, 7])
    db.insert(assessorWorkingHours)
      .values({ userId, weekday, start: '08:00', end: '20:00' })
      .onConflictDoNothing()
      .run();
}

/** An apprentice whose gateway was accepted `daysAgo` days ago (the EPA period starts then). */
export function acceptedLongAgo(db: Db, uln: string, given: string, family: string, daysAgo = 40): ApprenticeDetail {
  const a = readyApprentice(db, uln, given, family);
  const submitted = submitForGateway(db, a, isoDate(today()), SETUP);
  if (!submitted.ok) throw new Error(submitted.message);
  const decided = decideSubmission(
    db,
    submitted.submission.id,
    { checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })), outcome: 'accepted', reason: null },
    3,
    isoDate(today().minus({ days: daysAgo })),
    SETUP,
    now(),
  );
  if (!decided.ok) throw new Error(decided.message);
  return a;
}

/**
 * A confirmed booking that has already taken place: `daysAgo` days ago at `time` (London), remote,
 * with the given assessor (entered as history, then confirmed as of the day before).
 */
export function pastBooking(
  db: Db,
  a: ApprenticeDetail,
  assessorUserId: number,
  methodId: 'project' | 'discussion',
  daysAgo: number,
  time = '10:00',
): number {
  const day = today().minus({ days: daysAgo });
  const made = createBooking(
    db,
    a,
    {
      methodId,
      assessorUserId,
      localStart: `${isoDate(day)}T${time}`,
      mode: 'remote',
      region: null,
      location: null,
      link: 'https://meet.example/epa',
    },
    SETUP,
    { recordingPast: true, now: day.minus({ days: 2 }).toUTC() },
  );
  if (!made.ok) throw new Error(made.refusals.map((r) => r.message).join('; '));
  const confirmed = changeBooking(db, made.booking.id, 'confirm', null, SETUP, day.minus({ days: 1 }).toUTC());
  if (!confirmed.ok) throw new Error(confirmed.message);
  return made.booking.id;
}

export const bookingStatus = (db: Db, id: number) =>
  db.select({ status: bookings.status }).from(bookings).where(eq(bookings.id, id)).get()?.status;
export const daysAgo = (n: number) => now().setZone('Europe/London').startOf('day').minus({ days: n });
