/**
 * Off-the-job training: the minimum hours by the rules of the apprentice's start date, and the
 * logged hours that count towards it.
 *
 * Sources (apprenticeship funding rules, "Off-the-job training"):
 * - Starts before 1 August 2022: at least 20% of the apprentice's contracted hours over the
 *   planned duration (funding rules 2021 to 2022).
 * - Starts from 1 August 2022 to 31 July 2025: at least 6 hours a week for apprentices working
 *   30 hours or more, and 20% of normal working hours below 30 (6 × hours ÷ 30 is the same
 *   figure), over the planned duration less statutory leave (funding rules 2022 to 2023 to
 *   2024 to 2025).
 * - Starts from 1 August 2025: the minimum off-the-job hours published for the apprentice's
 *   standard version (funding rules 2025 to 2026, annex of published minimums; 2026 to 2027
 *   the same), reduced for recognised prior learning but never below 187 hours. There is no
 *   fallback to the weekly rule: without a published figure the check cannot be met.
 * - Never counted: English and maths up to level 2, progress reviews and on-programme
 *   assessment (NOT_OFF_THE_JOB in ./model.ts), hours before the start, and hours after the
 *   gateway submission.
 */
import { daysBetween } from '../calendar.js';
import type { CheckResult, GatewayApprentice, GatewayEvidence, OffTheJobKind } from './model.js';
import { NOT_OFF_THE_JOB, OFF_THE_JOB_KIND_LABELS } from './model.js';
import { FULL_TIME_WEEKLY_HOURS, RULES_2025_FROM, originalStart } from './practical-period.js';
import { day, hours, hoursWord, roundUp, weeks } from './wording.js';

/** Starts from this date: at least 6 hours a week off the job (before it: 20% of working hours). */
export const OTJ_HOURS_RULE_FROM = '2022-08-01';
/** Statutory annual leave: 5.6 weeks a year. */
export const STATUTORY_LEAVE_WEEKS_A_YEAR = 5.6;
/** Off-the-job hours a week for a full-time apprentice who started from 1 August 2022. */
export const OTJ_HOURS_A_WEEK = 6;
/** Starts from 1 August 2025: prior learning never takes the minimum below this many hours. */
export const OTJ_FLOOR_HOURS = 187;

export type OffTheJobRule = 'twenty_percent' | 'six_hours_a_week' | 'published_minimum' | 'no_published_minimum';

export interface OffTheJobRequirement {
  /** Required hours, rounded up to a whole hour; null when no published minimum is recorded for the version. */
  hours: number | null;
  rule: OffTheJobRule;
  /** How the hours were worked out, for the reason a provider reads: "6 hours a week for 46.5 working weeks (…)". */
  explanation: string;
}

/**
 * Working weeks in the planned practical period: weeks from start to planned end (days / 7),
 * less statutory leave of 5.6 weeks a year pro rata (5.6 × days / 365).
 */
export function plannedWorkingWeeks(apprentice: Pick<GatewayApprentice, 'startDate' | 'plannedEndDate'>): {
  days: number;
  weeks: number;
  leaveWeeks: number;
  workingWeeks: number;
} {
  const days = Math.max(
    0,
    daysBetween(day(apprentice.startDate, 'start date'), day(apprentice.plannedEndDate, 'planned end date')),
  );
  const weeksInPeriod = days / 7;
  const leaveWeeks = (STATUTORY_LEAVE_WEEKS_A_YEAR * days) / 365;
  return { days, weeks: weeksInPeriod, leaveWeeks, workingWeeks: Math.max(0, weeksInPeriod - leaveWeeks) };
}

function publishedMinimum(apprentice: GatewayApprentice): OffTheJobRequirement {
  const published = apprentice.publishedOffTheJobHours;
  if (published === null) {
    return {
      hours: null,
      rule: 'no_published_minimum',
      explanation: `No published minimum off-the-job hours is recorded for ${apprentice.standardName}, and for starts from 1 August 2025 the minimum is the published figure. An assessment organisation administrator can record it on the standard's page`,
    };
  }
  const prior = apprentice.priorLearningHours;
  if (prior <= 0) {
    return {
      hours: roundUp(published),
      rule: 'published_minimum',
      explanation: `the published minimum for ${apprentice.standardName} (starts from 1 August 2025)`,
    };
  }
  // Prior learning never takes the figure below 187 hours (nor raises a published figure that is already lower).
  const floor = Math.min(OTJ_FLOOR_HOURS, roundUp(published));
  const reduced = roundUp(published - prior);
  const floored = reduced < floor;
  return {
    hours: floored ? floor : reduced,
    rule: 'published_minimum',
    explanation: `the published minimum of ${hoursWord(published)} for ${apprentice.standardName}, less ${hoursWord(prior)} of recognised prior learning${floored ? `, but never below ${floor} hours` : ''} (starts from 1 August 2025)`,
  };
}

/** The minimum off-the-job hours, by the rules of the apprentice's (original) start date; see the sources above. */
export function requiredOffTheJobHours(apprentice: GatewayApprentice): OffTheJobRequirement {
  const start = originalStart(apprentice);
  if (start >= RULES_2025_FROM) return publishedMinimum(apprentice);
  const period = plannedWorkingWeeks(apprentice);
  const periodText = `${weeks(period.weeks)} weeks from ${apprentice.startDate} to ${apprentice.plannedEndDate}, less ${weeks(period.leaveWeeks)} weeks' statutory leave`;
  if (start < OTJ_HOURS_RULE_FROM) {
    return {
      hours: roundUp(0.2 * apprentice.weeklyHours * period.workingWeeks),
      rule: 'twenty_percent',
      explanation: `20% of ${hours(apprentice.weeklyHours)} contracted hours a week for ${weeks(period.workingWeeks)} working weeks (${periodText}; starts before 1 August 2022)`,
    };
  }
  const fullTime = apprentice.weeklyHours >= FULL_TIME_WEEKLY_HOURS;
  const perWeek = fullTime ? OTJ_HOURS_A_WEEK : (OTJ_HOURS_A_WEEK * apprentice.weeklyHours) / FULL_TIME_WEEKLY_HOURS;
  const rate = fullTime
    ? `${OTJ_HOURS_A_WEEK} hours a week`
    : `20% of ${hours(apprentice.weeklyHours)} normal hours a week (${hours(perWeek)} hours a week)`;
  return {
    hours: roundUp(perWeek * period.workingWeeks),
    rule: 'six_hours_a_week',
    explanation: `${rate} for ${weeks(period.workingWeeks)} working weeks (${periodText})`,
  };
}

export interface OffTheJobTally {
  /** Hours that count: off-the-job training dated from the start to `on`, and not after a live submission. */
  counted: number;
  /** Hours dated after the gateway submission (they never count). */
  afterSubmission: number;
  /** Hours dated after the evaluation date but not after the submission. */
  afterDate: number;
  /** Hours dated before the apprenticeship started (training before the start is not off-the-job training for it). */
  beforeStart: number;
  /** Hours of activities that are not off-the-job training, by kind. */
  notOffTheJob: Partial<Record<OffTheJobKind, number>>;
}

/** Splits the logged hours into those that count and those that do not, and why. */
export function tallyOffTheJobHours(
  evidence: Pick<GatewayEvidence, 'offTheJob' | 'submittedOn'>,
  on: string,
  startDate: string | null = null,
): OffTheJobTally {
  const onDay = day(on, 'evaluation date');
  const submitted = evidence.submittedOn === null ? null : day(evidence.submittedOn, 'submission date');
  const tally: OffTheJobTally = { counted: 0, afterSubmission: 0, afterDate: 0, beforeStart: 0, notOffTheJob: {} };
  for (const entry of evidence.offTheJob) {
    const date = day(entry.date, 'off-the-job entry');
    if (NOT_OFF_THE_JOB.has(entry.kind))
      tally.notOffTheJob[entry.kind] = (tally.notOffTheJob[entry.kind] ?? 0) + entry.hours;
    else if (startDate !== null && date < startDate) tally.beforeStart += entry.hours;
    else if (submitted !== null && date > submitted) tally.afterSubmission += entry.hours;
    else if (date > onDay) tally.afterDate += entry.hours;
    else tally.counted += entry.hours;
  }
  return tally;
}

function doNotCount(n: number, what: string): string {
  return `${hoursWord(n)} ${what} ${Math.round(n * 100) === 100 ? 'does' : 'do'} not count.`;
}

export function offTheJobCheck(apprentice: GatewayApprentice, evidence: GatewayEvidence, on: string): CheckResult {
  const required = requiredOffTheJobHours(apprentice);
  // The published minimum is for the whole apprenticeship, so a restart's earlier hours count; the
  // weekly rules cover this episode's planned period, so only its own hours do.
  const start =
    required.rule === 'six_hours_a_week' || required.rule === 'twenty_percent'
      ? apprentice.startDate
      : originalStart(apprentice);
  const tally = tallyOffTheJobHours(evidence, on, start);
  const logged = Math.round(tally.counted * 100) / 100;
  const parts: string[] = [];
  if (required.hours === null) parts.push(`${required.explanation}. ${hoursWord(logged)} logged so far.`);
  else {
    parts.push(`${hoursWord(logged)} logged of the ${required.hours} required: ${required.explanation}.`);
    if (logged < required.hours) {
      const short = required.hours - logged;
      parts.push(`${hours(short)} more ${Math.round(short * 100) === 100 ? 'hour is' : 'hours are'} needed.`);
    }
  }
  if (tally.afterSubmission > 0 && evidence.submittedOn !== null)
    parts.push(doNotCount(tally.afterSubmission, `dated after the gateway submission on ${evidence.submittedOn}`));
  if (tally.afterDate > 0) parts.push(doNotCount(tally.afterDate, `dated after ${on}`));
  if (tally.beforeStart > 0) parts.push(doNotCount(tally.beforeStart, `dated before the start on ${start}`));
  for (const [kind, n] of Object.entries(tally.notOffTheJob) as [OffTheJobKind, number][])
    parts.push(
      doNotCount(
        n,
        `of ${OFF_THE_JOB_KIND_LABELS[kind].toLowerCase().replace(/^english/, 'English')}, which is not off-the-job training,`,
      ),
    );
  const met = required.hours !== null && logged >= required.hours;
  return { code: 'off_the_job', status: met ? 'met' : 'unmet', reason: parts.join(' ') };
}
