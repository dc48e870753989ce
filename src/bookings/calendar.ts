import { adjustmentsShown } from '../adjustments/service.js';
import { inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { ZONE } from '../dates.js';
import { bookings } from '../db/schema.js';
import { fullName } from '../names.js';
import { localDateTime, serialise, text, utcDateTime, type Property } from './icalendar.js';
import { listBookings, methodNames, type BookingRow } from './store.js';

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
];

/** UIDs must not change with the host name a feed is fetched under. */
const UID_DOMAIN = 'epa-platform.bookings';

/** One event of an assessor's feed. */
export interface CalendarEntry {
  booking: BookingRow;
  methodName: string;
  apprenticeName: string;
  /** The first booking of its reschedule chain: the event's UID stays with it. */
  seriesId: number;
  /** Rises with every change to any booking of the chain (RFC 5545 3.8.7.4). */
  sequence: number;
  /** Moved on to another assessor: gone from this assessor's calendar. */
  movedAway: boolean;
  /** The apprentice's approved reasonable adjustments to this method, in words (never why), or null. */
  adjustments: string | null;
}

const ENDED = ['cancelled', 'declined', 'expired', 'void'];

/**
 * An assessor's bookings as an iCalendar feed (RFC 5545): one event per assessment, whose UID
 * stays the same when it is rescheduled, its SEQUENCE raised on every change, so calendar apps
 * move the event; cancelled (declined, expired, void, or moved to another assessor) as CANCELLED
 * so subscribed calendars remove it; times in Europe/London; DTSTAMP in UTC.
 */
export function assessorCalendar(assessorName: string, entries: CalendarEntry[]): string {
  return serialise({
    name: 'VCALENDAR',
    properties: [
      { name: 'VERSION', value: '2.0' },
      { name: 'PRODID', value: '-//EPA platform//assessor-calendar//EN' },
      { name: 'CALSCALE', value: 'GREGORIAN' },
      { name: 'METHOD', value: 'PUBLISH' },
      // RFC 7986 5.1: the calendar's name.
      { name: 'NAME', value: text(`EPA assessments: ${assessorName}`) },
    ],
    raw: EUROPE_LONDON,
    components: entries.map((entry) => ({ name: 'VEVENT', properties: eventProperties(entry) })),
  });
}

function eventProperties({
  booking,
  methodName,
  apprenticeName,
  seriesId,
  sequence,
  movedAway,
  adjustments,
}: CalendarEntry): Property[] {
  const cancelled = movedAway || ENDED.includes(booking.status);
  const at = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
  const place = booking.mode === 'in_person' ? booking.location : booking.link;
  return [
    { name: 'UID', value: `booking-${seriesId}@${UID_DOMAIN}` },
    { name: 'DTSTAMP', value: utcDateTime(at(booking.updatedAt)) },
    { name: 'SEQUENCE', value: String(sequence) },
    { name: 'DTSTART', params: { TZID: ZONE }, value: localDateTime(at(booking.startsAt), ZONE) },
    { name: 'DTEND', params: { TZID: ZONE }, value: localDateTime(at(booking.endsAt), ZONE) },
    {
      name: 'SUMMARY',
      value: text(`${methodName}: ${apprenticeName}${booking.status === 'held' ? ' (held: please confirm)' : ''}`),
    },
    {
      name: 'DESCRIPTION',
      value: text(
        (booking.mode === 'remote'
          ? `Remote assessment${booking.link ? `: ${booking.link}` : ''}`
          : 'In-person assessment') + (adjustments ? `\nReasonable adjustments: ${adjustments}` : ''),
      ),
    },
    ...(place ? [{ name: 'LOCATION', value: text(place) }] : []),
    { name: 'STATUS', value: cancelled ? 'CANCELLED' : booking.status === 'held' ? 'TENTATIVE' : 'CONFIRMED' },
  ];
}

/** Every booking of the reschedule chains that the given bookings belong to, by id. */
function chainsOf(db: Db, own: BookingRow[]): Map<number, BookingRow> {
  const rows = new Map(own.map((b) => [b.id, b]));
  // Up to each chain's first booking, then down to its last: a chain is a few bookings long.
  let up = own.flatMap((b) => (b.rescheduledFromId && !rows.has(b.rescheduledFromId) ? [b.rescheduledFromId] : []));
  while (up.length > 0) {
    const found = db.select().from(bookings).where(inArray(bookings.id, up)).all();
    for (const b of found) rows.set(b.id, b);
    up = found.flatMap((b) => (b.rescheduledFromId && !rows.has(b.rescheduledFromId) ? [b.rescheduledFromId] : []));
  }
  let down = [...rows.keys()];
  while (down.length > 0) {
    const found = db
      .select()
      .from(bookings)
      .where(inArray(bookings.rescheduledFromId, down))
      .all()
      .filter((b) => !rows.has(b.id));
    for (const b of found) rows.set(b.id, b);
    down = found.map((b) => b.id);
  }
  return rows;
}

/**
 * An assessor's feed entries: for each assessment they have or had, the latest of their
 * bookings in its reschedule chain, under the chain's first booking's UID. Its SEQUENCE adds up
 * every booking's changes in the chain plus one for each reschedule, so it only ever rises.
 */
export function calendarEntries(db: Db, assessorUserId: number): CalendarEntry[] {
  const listed = listBookings(db, { assessorUserId });
  const chains = chainsOf(
    db,
    listed.map((r) => r.booking),
  );
  const seriesOf = (b: BookingRow): number => {
    let first = b;
    while (first.rescheduledFromId && chains.has(first.rescheduledFromId)) first = chains.get(first.rescheduledFromId)!;
    return first.id;
  };
  const series = new Map<number, BookingRow[]>();
  for (const b of chains.values()) {
    const id = seriesOf(b);
    series.set(id, [...(series.get(id) ?? []), b]);
  }
  const names = methodNames(db);
  const adjusted = adjustmentsShown(
    db,
    listed.map((r) => r.booking),
  );
  const latest = new Map<number, (typeof listed)[number]>();
  for (const row of listed) {
    const id = seriesOf(row.booking);
    const kept = latest.get(id);
    if (!kept || kept.booking.id < row.booking.id) latest.set(id, row);
  }
  return [...latest.entries()]
    .map(([seriesId, row]) => {
      const members = series.get(seriesId)!;
      return {
        booking: row.booking,
        methodName: names.get(row.booking.methodId) ?? row.booking.methodId,
        apprenticeName: fullName(row),
        seriesId,
        sequence: members.reduce((sum, b) => sum + b.sequence, 0) + members.length - 1,
        movedAway: members.some((b) => b.id > row.booking.id),
        adjustments: adjusted(row.booking),
      };
    })
    .sort((x, y) => x.booking.startsAt.localeCompare(y.booking.startsAt) || x.seriesId - y.seriesId);
}
