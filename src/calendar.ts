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

/** The ASCII digit at `i` as a number, or NaN for any other character. */
function digitAt(value: string, i: number): number {
  const code = value.charCodeAt(i) - 48;
  return code >= 0 && code <= 9 ? code : NaN;
}

/** The number written by the ASCII digits from `from` up to `to`, or NaN when any is not one. */
function digits(value: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + digitAt(value, i);
  return n;
}

/**
 * True for a real calendar date written YYYY-MM-DD (2024-02-29 yes; 2025-02-29 and 2025-04-31 no).
 * Read character by character: the rules check every date they are given, several times an
 * evaluation, and a regular expression's match array cost a tenth of an import's time.
 */
export function isCalendarDate(value: string): boolean {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  // NaN fails every comparison, so a non-digit anywhere is refused here.
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
  return { year: digits(iso, 0, 4), month: digits(iso, 5, 7), day: digits(iso, 8, 10) };
}

/** Two digits, with a leading zero. */
const twoDigits = (n: number) => (n < 10 ? `0${n}` : `${n}`);

function format({ year, month, day }: DateParts): string {
  return `${year >= 1000 ? year : String(year).padStart(4, '0')}-${twoDigits(month)}-${twoDigits(day)}`;
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

/*
 * Days since 1 March of year 0 in the proleptic Gregorian calendar, and back: the civil-date
 * algorithms of Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms", in whole numbers
 * only. Years start in March so that a leap day is the last day of its year; an era is the
 * 400-year cycle after which the calendar repeats (146,097 days). For the years this service
 * takes (1900 to 2100) every number stays positive.
 */
function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra;
}

function fromDayNumber(n: number): DateParts {
  const era = Math.floor(n / 146_097);
  const dayOfEra = n - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153); // months since March
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return {
    year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1,
  };
}

export function addDays(iso: string, days: number): string {
  const { year, month, day } = partsOf(iso);
  return format(fromDayNumber(dayNumber(year, month, day) + days));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = partsOf(from);
  const b = partsOf(to);
  return dayNumber(b.year, b.month, b.day) - dayNumber(a.year, a.month, a.day);
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
