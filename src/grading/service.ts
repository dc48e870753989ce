import type { DateTime } from 'luxon';
import { bookingById, type BookingRow } from '../bookings/store.js';
import type { Db } from '../db/connection.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { byId } from '../validation/fields.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { gradingRefusal, saveGrading, type GradingInput, type GradingRow } from './store.js';

/**
 * Whether this user grades this booking: its assessor, or (a provider-marked component) the
 * provider's marker who recorded it, while they still hold the marker permission.
 */
export function gradesBooking(user: CurrentUser, booking: BookingRow): boolean {
  if (booking.assessorUserId !== user.id) return false;
  return user.role === 'assessor' || (user.role === 'provider' && user.canMark);
}

/** A booking this user may grade (gradesBooking); for anyone else it does not exist. */
export function gradableBooking(db: Db, user: CurrentUser, id: unknown): Result<BookingRow> {
  const booking = byId(id, (n) => bookingById(db, n));
  if (!booking || !gradesBooking(user, booking))
    return refuse('not_found', 'There is no such booking in your schedule');
  return ok(booking);
}

/**
 * The assessor's grading of one booking (found with gradableBooking), from the form and the API alike: saved as a draft, or
 * submitted (which derives the grade, locks it, completes the booking and draws the sample).
 * Problems with one criterion have the path `decisions.<criterion id>`.
 */
export function gradeBooking(
  db: Db,
  user: CurrentUser,
  booking: BookingRow,
  input: GradingInput,
  options: { submit: boolean; now: DateTime },
): Result<{ booking: BookingRow; grading: GradingRow }> {
  if (!gradesBooking(user, booking)) return refuse('not_found', 'There is no such booking in your schedule');
  const notNow = gradingRefusal(booking, user.id, options.now);
  if (notNow) return refuse('conflict', notNow);
  const saved = saveGrading(db, booking, input, { ...actorOf(user), userId: user.id }, options);
  if (saved.ok) return ok({ booking, grading: saved.grading });
  if (saved.problems?.length)
    return refuse(
      'invalid',
      saved.problems.map((p) => ({ path: `decisions.${p.criterionId}`, message: p.message })),
    );
  if (saved.field) return refuse('invalid', [{ path: saved.field, message: saved.message }]);
  return refuse('conflict', saved.message);
}
