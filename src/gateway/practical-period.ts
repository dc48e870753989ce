/**
 * The practical period: how long an apprentice must have been in training before gateway.
 *
 * Sources (apprenticeship funding rules, "Minimum duration"):
 * - Starts from 1 August 2025 (funding rules 2025 to 2026, carried into 2026 to 2027): at least
 *   8 months, with no extension for part-time or zero-hours apprentices.
 * - Earlier starts (funding rules 2023 to 2024, paragraphs 65 to 67.1, and their successors to
 *   2024 to 2025): at least 12 months for 30 hours a week or more; below 30 hours the minimum is
 *   extended by either formula, "12 × 30 ÷ average weekly hours = new minimum duration
 *   (months)" or "52 × 30 ÷ average weekly hours = new minimum duration (weeks)". Either may be
 *   used, so the apprentice meets it when the first of the two is met, and the reason names it.
 * - Counting: "an apprentice who starts their training on 1 August 2020 must still be receiving
 *   training on 31 July 2021": the period includes its first and last days (lastDayOfPeriod in
 *   src/calendar.ts).
 * - Breaks in learning do not count: the earliest date moves back by each break's length.
 * - A restart counts its earlier episode towards the minimum, and the rules (and the
 *   apprentice's age) are those of the original start, as the ILR's original learning start
 *   date sets them.
 */
import { addDays, daysBetween, lastDayOfPeriod, monthsAndDaysBetween } from '../calendar.js';
import type { CheckResult, GatewayApprentice } from './model.js';
import { day, hours, plural, roundUp, weeks } from './wording.js';

/** Starts from this date: a practical period of at least 8 months and the standard's published off-the-job minimum. */
export const RULES_2025_FROM = '2025-08-01';
/** Contracted hours a week at or above which an apprentice is full time. */
export const FULL_TIME_WEEKLY_HOURS = 30;

/** Minimum practical period in months for a full-time apprentice: 12 for starts before 1 August 2025, 8 from then. */
export function practicalPeriodMonths(startDate: string): 12 | 8 {
  return day(startDate, 'start date') >= RULES_2025_FROM ? 8 : 12;
}

/** The day the apprenticeship first started: the earliest episode's start, or this record's. */
export function originalStart(apprentice: Pick<GatewayApprentice, 'startDate' | 'earlierEpisodes'>): string {
  return apprentice.earlierEpisodes.reduce(
    (earliest, e) => (e.startDate < earliest ? e.startDate : earliest),
    day(apprentice.startDate, 'start date'),
  );
}

export type PracticalPeriodBasis = 'eight_months' | 'twelve_months' | 'part_time_months' | 'part_time_weeks';

export interface PracticalPeriodRequirement {
  basis: PracticalPeriodBasis;
  /** The minimum in words: "8 months", "15 months (12 × 30 ÷ 24 hours a week, rounded up to whole months)". */
  text: string;
  /** The last day of the minimum, counted from `from` with no breaks or earlier episodes. */
  lastDayFrom(from: string): string;
}

/**
 * The minimum for this apprentice. For starts before 1 August 2025 below 30 hours a week both
 * formulas are worked out; the months formula is rounded up to whole months and the weeks
 * formula to whole days, and the one whose last day comes first applies.
 */
export function practicalPeriodRequirement(startDate: string, weeklyHours: number): PracticalPeriodRequirement {
  const months = practicalPeriodMonths(startDate);
  if (months === 8) {
    return {
      basis: 'eight_months',
      text:
        weeklyHours < FULL_TIME_WEEKLY_HOURS
          ? '8 months (no extension for part-time apprentices who started from 1 August 2025)'
          : '8 months',
      lastDayFrom: (from) => lastDayOfPeriod(from, 8),
    };
  }
  if (weeklyHours >= FULL_TIME_WEEKLY_HOURS) {
    return { basis: 'twelve_months', text: '12 months', lastDayFrom: (from) => lastDayOfPeriod(from, 12) };
  }
  const exactMonths = (12 * FULL_TIME_WEEKLY_HOURS) / weeklyHours;
  const wholeMonths = roundUp(exactMonths);
  const exactWeeks = (52 * FULL_TIME_WEEKLY_HOURS) / weeklyHours;
  const wholeDays = roundUp(exactWeeks * 7);
  const byMonths = (from: string) => lastDayOfPeriod(from, wholeMonths);
  const byWeeks = (from: string) => addDays(from, wholeDays - 1);
  const monthsText = `${plural(wholeMonths, 'month')} (12 × 30 ÷ ${hours(weeklyHours)} hours a week${wholeMonths === exactMonths ? '' : ` = ${hours(exactMonths)}, rounded up`})`;
  const weeksText = `${weeks(exactWeeks)} weeks (52 × 30 ÷ ${hours(weeklyHours)} hours a week${wholeDays === exactWeeks * 7 ? '' : `, ${wholeDays} days`})`;
  const start = day(startDate, 'start date');
  // The two formulas keep their order whatever the start, except for a day either way at month ends; decide from this start.
  return byWeeks(start) < byMonths(start)
    ? { basis: 'part_time_weeks', text: `${weeksText}, which is met before ${monthsText}`, lastDayFrom: byWeeks }
    : {
        basis: 'part_time_months',
        text: `${monthsText}, which is met no later than ${weeksText}`,
        lastDayFrom: byMonths,
      };
}

/** Days in a span with both ends included. */
function daysIncluding(from: string, to: string): number {
  return Math.max(0, daysBetween(from, to) + 1);
}

/** Days of breaks in learning up to and including `on` (a break still running counts to `on`). */
export function breakDaysUpTo(apprentice: Pick<GatewayApprentice, 'breaks' | 'startDate'>, on: string): number {
  return apprentice.breaks
    .filter((b) => b.from <= on && b.to >= apprentice.startDate)
    .reduce(
      (sum, b) =>
        sum + daysIncluding(b.from < apprentice.startDate ? apprentice.startDate : b.from, b.to < on ? b.to : on),
      0,
    );
}

/** Days in training in the earlier episodes this record restarts. */
export function earlierEpisodeDays(apprentice: Pick<GatewayApprentice, 'earlierEpisodes'>): number {
  return apprentice.earlierEpisodes.reduce((sum, e) => sum + daysIncluding(e.startDate, e.endDate), 0);
}

/**
 * The earliest date the practical period is met: the last day of the minimum counted from the
 * start, brought forward by the days of earlier episodes and moved back by each break in learning
 * that begins before the period is complete (a break after that changes nothing).
 */
export function earliestPracticalPeriodEnd(apprentice: GatewayApprentice): string {
  const requirement = practicalPeriodRequirement(originalStart(apprentice), apprentice.weeklyHours);
  const earlier = earlierEpisodeDays(apprentice);
  let shift = 0;
  let end = requirement.lastDayFrom(addDays(apprentice.startDate, -earlier));
  for (const b of [...apprentice.breaks].sort((x, y) => x.from.localeCompare(y.from))) {
    if (b.to < apprentice.startDate || b.from > end) continue;
    const from = b.from < apprentice.startDate ? apprentice.startDate : b.from;
    shift += daysIncluding(from, b.to);
    end = requirement.lastDayFrom(addDays(apprentice.startDate, shift - earlier));
  }
  return end;
}

/**
 * Time in training by the end of `on`, in whole months and days: this episode less its breaks,
 * plus earlier episodes. On the earliest date a full-time apprentice has served exactly 12 (or 8)
 * months.
 */
export function timeServed(apprentice: GatewayApprentice, on: string): { months: number; days: number } {
  const onDay = day(on, 'evaluation date');
  if (onDay < apprentice.startDate && apprentice.earlierEpisodes.length === 0) return { months: 0, days: 0 };
  const shift = breakDaysUpTo(apprentice, onDay) - earlierEpisodeDays(apprentice);
  return monthsAndDaysBetween(addDays(apprentice.startDate, shift), addDays(onDay, 1));
}

function describeServed({ months, days }: { months: number; days: number }): string {
  if (months === 0) return plural(days, 'day');
  if (days === 0) return plural(months, 'month');
  return `${plural(months, 'month')} ${plural(days, 'day')}`;
}

function adjustments(apprentice: GatewayApprentice, on: string): string {
  const parts: string[] = [];
  const breakDays = breakDaysUpTo(apprentice, on);
  if (breakDays > 0) parts.push(`${plural(breakDays, 'day')} of breaks in learning left out`);
  const earlier = earlierEpisodeDays(apprentice);
  if (earlier > 0)
    parts.push(
      `${plural(earlier, 'day')} of the earlier episode counted (a restart: the rules of the original start on ${originalStart(apprentice)} apply)`,
    );
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

export function practicalPeriodCheck(apprentice: GatewayApprentice, on: string): CheckResult {
  const requirement = practicalPeriodRequirement(originalStart(apprentice), apprentice.weeklyHours);
  const earliest = earliestPracticalPeriodEnd(apprentice);
  const served = `${describeServed(timeServed(apprentice, on))} served${adjustments(apprentice, on)}`;
  if (day(on, 'evaluation date') >= earliest) {
    return {
      code: 'practical_period',
      status: 'met',
      reason: `${served}; the minimum is ${requirement.text}, met on ${earliest}.`,
    };
  }
  return {
    code: 'practical_period',
    status: 'unmet',
    reason: `${served}; the minimum is ${requirement.text}. The apprentice must still be in training on ${earliest}, the earliest date it is met.`,
  };
}
