import ical, { ICalEventStatus } from 'ical-generator';
import { DateTime } from 'luxon';
import { ZONE } from '../dates.js';
import type { BookingRow } from './store.js';

/**
 * Europe/London's rules as an iCalendar VTIMEZONE (clocks forward at 01:00 GMT on the last
 * Sunday of March, back at 02:00 BST on the last Sunday of October), so calendar apps show
 * each assessment at the London time it was booked for.
 */
const EUROPE_LONDON = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/London',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0000',
  'TZOFFSETTO:+0100',
  'TZNAME:BST',
  'DTSTART:19700329T010000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'TZNAME:GMT',
  'DTSTART:19701025T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
].join('\r\n');

/** UIDs must not change with the host name a feed is fetched under. */
const UID_DOMAIN = 'epa-platform.bookings';

export interface CalendarEntry {
  booking: BookingRow;
  methodName: string;
  apprenticeName: string;
}

/**
 * An assessor's bookings as an iCalendar feed: one event per booking with a stable UID, its
 * SEQUENCE bumped on every change, cancelled (and declined or expired) bookings marked
 * CANCELLED so subscribed calendars remove them, times in Europe/London.
 */
export function assessorCalendar(assessorName: string, entries: CalendarEntry[]): string {
  const calendar = ical({
    name: `EPA assessments: ${assessorName}`,
    prodId: { company: 'EPA platform', product: 'assessor-calendar' },
    timezone: { name: ZONE, generator: (tz) => (tz === ZONE ? EUROPE_LONDON : null) },
  });
  for (const { booking, methodName, apprenticeName } of entries) {
    const cancelled = ['cancelled', 'declined', 'expired', 'void'].includes(booking.status);
    calendar.createEvent({
      id: `booking-${booking.id}@${UID_DOMAIN}`,
      stamp: DateTime.fromISO(booking.updatedAt, { zone: 'utc' }),
      sequence: booking.sequence,
      start: DateTime.fromISO(booking.startsAt, { zone: 'utc' }).setZone(ZONE),
      end: DateTime.fromISO(booking.endsAt, { zone: 'utc' }).setZone(ZONE),
      timezone: ZONE,
      summary: `${methodName}: ${apprenticeName}${booking.status === 'held' ? ' (held: please confirm)' : ''}`,
      description:
        booking.mode === 'remote'
          ? `Remote assessment${booking.link ? `: ${booking.link}` : ''}`
          : 'In-person assessment',
      location: booking.mode === 'in_person' ? booking.location : booking.link,
      status: cancelled
        ? ICalEventStatus.CANCELLED
        : booking.status === 'held'
          ? ICalEventStatus.TENTATIVE
          : ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString();
}
