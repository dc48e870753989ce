/**
 * Calendar dates as ISO strings (YYYY-MM-DD): validation and the little arithmetic the
 * rules need. ISO dates compare correctly as plain strings. Whole-day arithmetic has no time
 * of day, so no time zone or clock change can affect it; this is plain integer arithmetic
 * because rules run for every apprentice on every dashboard (a general date library costs
 * hundreds of microseconds per evaluation here). Times of day use luxon in Europe/London.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** True for a real calendar date written YYYY-MM-DD (2024-02-29 yes; 2025-02-29 and 2025-04-31 no). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return year >= 1900 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The dates this service works with: real calendar dates from 1900 to 2100. */
export const EARLIEST_DATE = '1900-01-01';
export const LATEST_DATE = '2100-12-31';

export function isSupportedDate(value: string): boolean {
  return isCalendarDate(value) && value >= EARLIEST_DATE && value <= LATEST_DATE;
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

/** The parts of a date already known to be valid. */
export function partsOf(iso: string): DateParts {
  return { year: Number(iso.slice(0, 4)), month: Number(iso.slice(5, 7)), day: Number(iso.slice(8, 10)) };
}

function format({ year, month, day }: DateParts): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The same day of the month `months` later (or earlier, when negative); when that month is
 * shorter, its last day: 31 Jan + 1 month = 28 (or 29) Feb; 29 Feb 2024 + 12 months = 28 Feb 2025.
 */
export function addMonths(iso: string, months: number): string {
  const { year, month, day } = partsOf(iso);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return format({ year: y, month: m, day: Math.min(day, daysInMonth(y, m)) });
}

export function addDays(iso: string, days: number): string {
  const { year, month, day } = partsOf(iso);
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return format({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = partsOf(from);
  const b = partsOf(to);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/**
 * Whole months, then days, from `from` to `to` (not before `from`), counted the way addMonths
 * moves: the months are the most that can be added to `from` without passing `to`.
 */
export function monthsAndDaysBetween(from: string, to: string): { months: number; days: number } {
  if (to < from) return { months: 0, days: 0 };
  const a = partsOf(from);
  const b = partsOf(to);
  let months = (b.year - a.year) * 12 + (b.month - a.month);
  if (addMonths(from, months) > to) months -= 1;
  return { months, days: daysBetween(addMonths(from, months), to) };
}

/**
 * Whole years of age on `date`. On their birthday they are a year older; someone born on
 * 29 February turns a year older on 1 March in a non-leap year (the usual reading in England).
 */
export function ageOn(dateOfBirth: string, date: string): number {
  const born = partsOf(dateOfBirth);
  const at = partsOf(date);
  const years = at.year - born.year;
  const hadBirthday = at.month > born.month || (at.month === born.month && at.day >= born.day);
  return hadBirthday ? years : years - 1;
}

/**
 * The last day of a period of `months` calendar months that starts on (and includes) `start`:
 * the day before the same day of the month `months` later. When that month has no such day
 * (31 August + 8 months: there is no 31 April) the period runs to the end of that month, as if
 * the "same day" were the 1st of the next. So 2020-08-01 + 12 months ends 2021-07-31,
 * 2025-09-01 + 8 ends 2026-04-30, 2025-08-31 + 8 ends 2026-04-30 and 2024-02-29 + 12 ends
 * 2025-02-28.
 */
export function lastDayOfPeriod(start: string, months: number): string {
  const { day } = partsOf(start);
  const same = addMonths(start, months);
  const { year, month } = partsOf(same);
  return day > daysInMonth(year, month) ? same : addDays(same, -1);
}
