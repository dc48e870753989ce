import type { DateTime } from 'luxon';
import type { ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { byId } from '../validation/fields.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { canChangeBooking, canSeeBooking } from './access.js';
import {
  bookingById,
  changeBookingPlace,
  createBooking,
  expireHolds,
  recordMarking,
  type BookingInput,
  type BookingRow,
  type MarkingInput,
  type PlaceChange,
} from './store.js';

export interface HoldSettings {
  holdHours: number;
  now: DateTime;
}

/**
 * The booking named in a request, as it stands now (holds past their time expired first), if this
 * user may see it; anyone else is told there is no such booking. Pages and the API both ask here.
 */
export function bookingFor(db: Db, user: CurrentUser, id: unknown, now: DateTime): Result<BookingRow> {
  expireHolds(db, now);
  const booking = byId(id, (n) => bookingById(db, n));
  if (!booking || !canSeeBooking(db, user, booking))
    return refuse('not_found', 'There is no such booking in your records');
  return ok(booking);
}

/**
 * Holds a booking for an apprentice, or a new time for one of theirs (`replacing`), with every rule
 * checked in the transaction that writes it. A refusal lists each broken rule with its code as path.
 */
export function holdBooking(
  db: Db,
  user: CurrentUser,
  apprentice: ApprenticeDetail,
  input: BookingInput,
  settings: HoldSettings & { replacing?: BookingRow },
): Result<BookingRow> {
  if (settings.replacing && settings.replacing.apprenticeId !== apprentice.id)
    return refuse('not_found', 'There is no such booking to reschedule');
  const made = createBooking(db, apprentice, input, actorOf(user), settings);
  if (!made.ok)
    return refuse(
      'conflict',
      made.refusals.map((r) => ({ path: r.code, message: r.message })),
    );
  return ok(made.booking);
}

/**
 * A provider's marker records a provider-marked component of their own provider's apprentice,
 * to mark it next (apprenticeFor(…, 'mark') has checked who they are). A refusal lists each
 * broken rule with its code as path.
 */
export function startMarking(
  db: Db,
  user: CurrentUser,
  apprentice: ApprenticeDetail,
  input: MarkingInput,
  now: DateTime,
): Result<BookingRow> {
  const made = recordMarking(
    db,
    apprentice,
    input,
    { userId: user.id, name: user.name, providerUkprn: user.providerUkprn, canMark: user.canMark },
    actorOf(user),
    now,
  );
  if (!made.ok)
    return refuse(
      'conflict',
      made.refusals.map((r) => ({ path: r.code, message: r.message })),
    );
  return ok(made.booking);
}

/** What a reschedule may change; everything left out stays as the booking has it. */
export type Reschedule = Pick<BookingInput, 'localStart'> & Partial<Omit<BookingInput, 'methodId' | 'localStart'>>;

/** Moves a booking: a new hold for the same apprentice and method, the old one kept as rescheduled. */
export function rescheduleBooking(
  db: Db,
  user: CurrentUser,
  apprentice: ApprenticeDetail,
  booking: BookingRow,
  change: Reschedule,
  settings: HoldSettings,
): Result<BookingRow> {
  const input: BookingInput = {
    methodId: booking.methodId,
    assessorUserId: change.assessorUserId ?? booking.assessorUserId,
    localStart: change.localStart,
    mode: change.mode ?? booking.mode,
    region: change.region !== undefined ? change.region : booking.region,
    location: change.location !== undefined ? change.location : booking.location,
    link: change.link !== undefined ? change.link : booking.link,
  };
  return holdBooking(db, user, apprentice, input, { ...settings, replacing: booking });
}

/** Changes where a booking this user may see takes place, if they may change it (its assessor, or an administrator). */
export function changePlace(
  db: Db,
  user: CurrentUser,
  booking: BookingRow,
  change: PlaceChange,
  now: DateTime,
): Result<BookingRow> {
  if (!canChangeBooking(user, booking, 'place')) return refuse('forbidden', 'You do not have permission to do this');
  const done = changeBookingPlace(db, booking.id, change, actorOf(user), now);
  if (!done.ok)
    return refuse(done.path === 'location' ? 'invalid' : 'conflict', [{ path: done.path, message: done.message }]);
  return ok(done.booking);
}
