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
