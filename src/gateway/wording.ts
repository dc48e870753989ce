/** Small helpers the gateway rules share: checked dates, and numbers and lists in words. */
import { isCalendarDate } from '../calendar.js';

/** A calendar date checked as YYYY-MM-DD; ISO dates compare correctly as strings. */
export function day(value: string, what = 'date'): string {
  if (!isCalendarDate(value)) throw new RangeError(`Not an ISO calendar date (YYYY-MM-DD) for the ${what}: "${value}"`);
  return value;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Hours to at most 2 decimal places, without trailing zeros: 280, 12.5, 0.25. */
export function hours(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** "1 hour", "12.5 hours". */
export function hoursWord(n: number): string {
  return `${hours(n)} ${Math.round(n * 100) === 100 ? 'hour' : 'hours'}`;
}

/** Weeks to 1 decimal place: 46.5. */
export function weeks(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

/** Rounds up to a whole number, ignoring floating-point noise (6 × 46.5 must not become 280.00000001 → 281). */
export function roundUp(n: number): number {
  return Math.ceil(Math.round(n * 1e6) / 1e6);
}

export function listWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}
