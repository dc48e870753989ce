import { inLondon } from '../dates.js';
import { paths } from '../paths.js';
import { REGION_LABELS, type BookingStatus } from './model.js';
import { type BookingRow } from './store.js';

/* How the booking pages show a booking. */

/** Each booking status as people read it. */
export const STATUS_LABELS: Record<BookingStatus, string> = {
  held: 'Held (awaiting assessor)',
  confirmed: 'Confirmed',
  declined: 'Declined',
  completed: 'Completed',
  cancelled: 'Cancelled',
  expired: 'Expired (not confirmed)',
  void: 'Void (not counted as an attempt)',
};

/** A booking as its pages show it: its link, method, London times and labels. */
export function view(booking: BookingRow, names: ReadonlyMap<string, string>, extra: object = {}) {
  return {
    ...booking,
    href: paths.booking(booking.id),
    methodName: names.get(booking.methodId) ?? booking.methodId,
    when: inLondon(booking.startsAt).toFormat('ccc d LLL yyyy, HH:mm'),
    holdUntil: booking.holdExpiresAt ? inLondon(booking.holdExpiresAt).toFormat('ccc d LLL yyyy, HH:mm') : null,
    statusLabel: STATUS_LABELS[booking.status],
    regionLabel: booking.region ? REGION_LABELS[booking.region] : null,
    ...extra,
  };
}
