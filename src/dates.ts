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

/**
 * Remembers the last `size` answers of a pure function of a string. Converting to London time
 * asks Intl for the zone's offset and parses the format, about 20 µs a call; a page of 50 rows
 * repeats the same few hundred instants request after request, so their answers are kept.
 * A luxon DateTime is immutable, so a kept one is safe to share.
 */
function remembered<T>(compute: (key: string) => T, size = 20_000): (key: string) => T {
  const kept = new Map<string, T>();
  return (key) => {
    let value = kept.get(key);
    if (value === undefined) {
      value = compute(key);
      if (kept.size >= size) kept.delete(kept.keys().next().value!);
      kept.set(key, value);
    }
    return value;
  };
}

const dayStart = remembered((date) => DateTime.fromISO(date, { zone: ZONE }).toUTC().toISO()!);

const londonMoment = remembered((instant) => DateTime.fromISO(instant, { zone: 'utc' }).setZone(ZONE));

/** A stored instant (UTC ISO) as the moment in London. */
export function inLondon(instant: string): DateTime {
  return londonMoment(instant);
}

/** The London calendar date (YYYY-MM-DD) of a stored instant. */
export function londonDateOf(instant: string): string {
  return inLondon(instant).toISODate()!;
}

/** The instant (UTC ISO) a London calendar date begins: the lower bound of that day's stored instants. */
export function londonDayStart(date: string): string {
  return dayStart(date);
}

/** A stored instant as London wall-clock text, by default "4 Dec 2026, 10:00". */
export function londonTime(instant: string, format = 'd LLL yyyy, HH:mm'): string {
  return londonText(`${format}\u0000${instant}`);
}

const londonText = remembered((key) => {
  const [format, instant] = key.split('\u0000') as [string, string];
  return inLondon(instant).toFormat(format);
});

/** A calendar date (YYYY-MM-DD) as people read it: "5 Mar 2024". */
export function dateLabel(date: string): string {
  return dateText(date);
}

const dateText = remembered((date) => DateTime.fromISO(date, { zone: ZONE }).toFormat('d LLL yyyy'));
