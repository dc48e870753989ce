import { DateTime } from 'luxon';

export const ZONE = 'Europe/London';

/** Today's calendar date in England, as YYYY-MM-DD. */
export function todayInLondon(now: DateTime): string {
  return now.setZone(ZONE).toISODate()!;
}

/** A moment as a UTC ISO string (how instants are stored). */
export function isoInstant(moment: DateTime): string {
  const iso = moment.toUTC().toISO();
  if (iso === null) throw new RangeError('Not a valid moment');
  return iso;
}

/** A stored instant (UTC ISO) as the moment in London. */
export function inLondon(instant: string): DateTime {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone(ZONE);
}

/** The London calendar date (YYYY-MM-DD) of a stored instant. */
export function londonDateOf(instant: string): string {
  return inLondon(instant).toISODate()!;
}

/** The instant (UTC ISO) a London calendar date begins: the lower bound of that day's stored instants. */
export function londonDayStart(date: string): string {
  return DateTime.fromISO(date, { zone: ZONE }).toUTC().toISO()!;
}

/** A stored instant as London wall-clock text, by default "4 Dec 2026, 10:00". */
export function londonTime(instant: string, format = 'd LLL yyyy, HH:mm'): string {
  return inLondon(instant).toFormat(format);
}

/** A calendar date (YYYY-MM-DD) as people read it: "5 Mar 2024". */
export function dateLabel(date: string): string {
  return DateTime.fromISO(date, { zone: ZONE }).toFormat('d LLL yyyy');
}
