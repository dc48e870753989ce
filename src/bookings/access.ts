import { canActOn } from '../apprentices/access.js';
import { findApprenticeById } from '../apprentices/store.js';
import type { Queryable } from '../db/connection.js';
import type { CurrentUser } from '../users/store.js';
import type { BookingRow } from './store.js';

/** Who may see a booking: administrators, its assessor, and the apprentice's provider and employer. */
export function canSeeBooking(db: Queryable, user: CurrentUser, booking: BookingRow): boolean {
  if (user.role === 'admin' || (user.role === 'assessor' && booking.assessorUserId === user.id)) return true;
  if (user.role !== 'provider' && user.role !== 'employer') return false;
  const apprentice = findApprenticeById(db, booking.apprenticeId);
  return apprentice !== undefined && canActOn(user, apprentice, 'view');
}

/**
 * Who may change it: the assessor confirms or declines their own; administrators cancel, complete
 * and reschedule; a provider's marker cancels a component they recorded for marking (to record it
 * again at the right time), while they still hold the marker permission. Where it takes place
 * (the location, or the meeting link added later) is changed by administrators and its assessor.
 */
export function canChangeBooking(
  user: CurrentUser,
  booking: BookingRow,
  action: 'confirm' | 'decline' | 'cancel' | 'complete' | 'reschedule' | 'place',
): boolean {
  if (action === 'confirm' || action === 'decline')
    return user.role === 'assessor' && booking.assessorUserId === user.id;
  if (action === 'place')
    return user.role === 'admin' || (user.role === 'assessor' && booking.assessorUserId === user.id);
  if (action === 'cancel' && user.role === 'provider') return user.canMark && booking.assessorUserId === user.id;
  return user.role === 'admin';
}
