import { DateTime } from 'luxon';

export const ZONE = 'Europe/London';

/** Today's calendar date in England, as YYYY-MM-DD. */
export function todayInLondon(now: DateTime = DateTime.now()): string {
  return now.setZone(ZONE).toISODate()!;
}

/** A calendar date plus whole months (luxon clamps 31 Jan + 1 month to 28/29 Feb). */
export function addMonths(isoDate: string, months: number): string {
  return DateTime.fromISO(isoDate, { zone: ZONE }).plus({ months }).toISODate()!;
}

/** A moment as a UTC ISO string (how instants are stored). */
export function isoInstant(moment: DateTime): string {
  const iso = moment.toUTC().toISO();
  if (iso === null) throw new RangeError('Not a valid moment');
  return iso;
}
