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
