/**
 * The gateway rules (GUIDE.md §1): is an apprentice ready for end-point assessment on a given
 * date? Pure functions over plain data (./model.ts): no database, no HTTP.
 *
 * Every date comes in and goes out as an ISO calendar date (YYYY-MM-DD). Calendar dates have
 * no time of day, so the arithmetic (src/calendar.ts) is plain whole-day arithmetic that no
 * clock change can affect; "today" is London's today (src/dates.ts).
 */
import { addMonths, ageOn, daysBetween, isCalendarDate, monthsAndDaysBetween } from '../calendar.js';
import type {
  CheckCode,
  CheckResult,
  GatewayApprentice,
  GatewayEvaluation,
  GatewayEvidence,
  GatewayPlan,
  Qualification,
  Subject,
} from './model.js';
import { CHECK_CODES, QUALIFICATION_TYPE_LABELS } from './model.js';

/** Starts from this date: at least 6 hours a week off the job (before it: 20% of working hours). */
export const OTJ_HOURS_RULE_FROM = '2022-08-01';
/** Evaluations from this date: English and maths are optional for apprentices aged 19 or over at the start. */
export const ENGLISH_MATHS_OPTIONAL_FROM = '2025-02-11';
/** Starts from this date: a practical period of at least 8 months and the standard's published minimum hours. */
export const RULES_2025_FROM = '2025-08-01';

/* Dates are calendar dates (YYYY-MM-DD): see src/calendar.ts for how they are compared and counted. */
/** Statutory annual leave: 5.6 weeks a year. */
export const STATUTORY_LEAVE_WEEKS_A_YEAR = 5.6;
/** Contracted hours a week at or above which an apprentice is full time. */
export const FULL_TIME_WEEKLY_HOURS = 30;
/** Off-the-job hours a week for a full-time apprentice who started from 1 August 2022. */
export const OTJ_HOURS_A_WEEK = 6;
/** Age at start from which English and maths became optional (evaluations from 11 February 2025). */
export const ENGLISH_MATHS_OPTIONAL_AGE = 19;

// ---------------------------------------------------------------------------------------
// Dates

/** A calendar date checked as YYYY-MM-DD; ISO dates compare correctly as strings. */
function day(value: string, what = 'date'): string {
  if (!isCalendarDate(value)) throw new RangeError(`Not an ISO calendar date (YYYY-MM-DD) for the ${what}: "${value}"`);
  return value;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Hours to at most 2 decimal places, without trailing zeros: 280, 12.5, 0.25. */
function hours(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Weeks to 1 decimal place: 46.5. */
function weeks(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

/** Rounds up to a whole number, ignoring floating-point noise (6 × 46.5 must not become 280.00000001 → 281). */
function roundUp(n: number): number {
  return Math.ceil(Math.round(n * 1e6) / 1e6);
}

function listWords(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

// ---------------------------------------------------------------------------------------
// Practical period

/** Minimum practical period in months for a full-time apprentice: 12 for starts before 1 August 2025, 8 from then. */
export function practicalPeriodMonths(startDate: string): 12 | 8 {
  return day(startDate, 'start date') >= day(RULES_2025_FROM) ? 8 : 12;
}

/**
 * The minimum for this apprentice: part-time apprentices (under 30 contracted hours a week)
 * serve it pro rata for longer, months × 30 ÷ weekly hours, rounded up to a whole month
 * (22.5 hours a week: 12 × 30 ÷ 22.5 = 16 months).
 */
export function requiredPracticalMonths(startDate: string, weeklyHours: number): number {
  const base = practicalPeriodMonths(startDate);
  return weeklyHours >= FULL_TIME_WEEKLY_HOURS ? base : Math.ceil((base * FULL_TIME_WEEKLY_HOURS) / weeklyHours - 1e-9);
}

/**
 * The earliest date the practical period is complete: the start date plus 12 (or 8) calendar
 * months.
 *
 * How month ends are counted: addMonths (src/calendar.ts) moves to the same day of the month
 * N months later and, when that month is shorter, clamps to its last day (as luxon's
 * `plus({ months })` does). So 31 December 2025
 * + 8 months = 31 August 2026 (August has a 31st); 31 August 2025 + 8 months = 30 April 2026;
 * 30 June 2026 + 8 months = 28 February 2027; 29 February 2024 + 12 months = 28 February 2025
 * (not 1 March). An apprentice who starts at the end of a long month therefore reaches the
 * minimum on the last day of the shorter month, never in the month after. The months and days
 * "served" in the reasons are counted the same way, so on the earliest date
 * exactly 12 (or 8) months 0 days have been served.
 */
export function earliestPracticalPeriodEnd(startDate: string, weeklyHours = FULL_TIME_WEEKLY_HOURS): string {
  return addMonths(day(startDate, 'start date'), requiredPracticalMonths(startDate, weeklyHours));
}

/** Whole months and days from start to `on` (counted as addMonths moves); zero before the start. */
export function timeServed(startDate: string, on: string): { months: number; days: number } {
  return monthsAndDaysBetween(day(startDate, 'start date'), day(on, 'evaluation date'));
}

function describeServed({ months, days }: { months: number; days: number }): string {
  if (months === 0) return plural(days, 'day');
  if (days === 0) return plural(months, 'month');
  return `${plural(months, 'month')} ${plural(days, 'day')}`;
}

function practicalPeriodCheck(apprentice: GatewayApprentice, on: string): CheckResult {
  const months = requiredPracticalMonths(apprentice.startDate, apprentice.weeklyHours);
  const partTime =
    months !== practicalPeriodMonths(apprentice.startDate)
      ? ` (${practicalPeriodMonths(apprentice.startDate)} months pro rata for ${hours(apprentice.weeklyHours)} hours a week)`
      : '';
  const earliest = earliestPracticalPeriodEnd(apprentice.startDate, apprentice.weeklyHours);
  const served = describeServed(timeServed(apprentice.startDate, on));
  if (day(on, 'evaluation date') >= day(earliest)) {
    return {
      code: 'practical_period',
      status: 'met',
      reason: `${served} served; at least ${months} months required${partTime} (met on ${earliest}).`,
    };
  }
  return {
    code: 'practical_period',
    status: 'unmet',
    reason: `${served} served of the ${months} months required${partTime}; earliest date ${earliest}.`,
  };
}

// ---------------------------------------------------------------------------------------
// Off-the-job training

export type OffTheJobRule = 'twenty_percent' | 'six_hours_a_week' | 'published_minimum';

export interface OffTheJobRequirement {
  /** Required hours, rounded up to a whole hour. */
  hours: number;
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

/**
 * The minimum off-the-job hours, by the rules of the apprentice's start date:
 * - before 1 August 2022: 20% of contracted hours over the planned period's working weeks;
 * - from 1 August 2022: 6 hours a week over the working weeks for full time (30 hours or
 *   more), pro rata (× weekly hours / 30) for part time;
 * - from 1 August 2025: the standard's published minimum when the plan gives one, otherwise
 *   the 6-hour rule.
 * Rounded up to a whole hour.
 */
export function requiredOffTheJobHours(apprentice: GatewayApprentice, plan: GatewayPlan): OffTheJobRequirement {
  const start = day(apprentice.startDate, 'start date');
  if (start >= day(RULES_2025_FROM) && plan.offTheJobMinimumHours !== null) {
    return {
      hours: roundUp(plan.offTheJobMinimumHours),
      rule: 'published_minimum',
      explanation: "the standard's published minimum for starts from 1 August 2025",
    };
  }
  const period = plannedWorkingWeeks(apprentice);
  const periodText = `${weeks(period.weeks)} weeks from ${apprentice.startDate} to ${apprentice.plannedEndDate}, less ${weeks(period.leaveWeeks)} weeks' statutory leave`;
  if (start < day(OTJ_HOURS_RULE_FROM)) {
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
    : `${OTJ_HOURS_A_WEEK} hours a week pro rata for ${hours(apprentice.weeklyHours)} contracted hours (${hours(perWeek)} hours a week)`;
  return {
    hours: roundUp(perWeek * period.workingWeeks),
    rule: 'six_hours_a_week',
    explanation: `${rate} for ${weeks(period.workingWeeks)} working weeks (${periodText})`,
  };
}

export interface OffTheJobTally {
  /** Hours that count: dated on or before `on` and on or before the submission, if any. */
  counted: number;
  /** Hours dated after the gateway submission (they never count). */
  afterSubmission: number;
  /** Hours dated after the evaluation date but not after the submission. */
  afterDate: number;
  /** Hours dated before the apprenticeship started (training before the start is not off-the-job training for it). */
  beforeStart: number;
}

/** Splits the logged hours into those that count and those that do not, and why. */
export function tallyOffTheJobHours(
  evidence: Pick<GatewayEvidence, 'offTheJob' | 'submittedOn'>,
  on: string,
  startDate: string | null = null,
): OffTheJobTally {
  const onDay = day(on, 'evaluation date');
  const submitted = evidence.submittedOn === null ? null : day(evidence.submittedOn, 'submission date');
  const tally: OffTheJobTally = { counted: 0, afterSubmission: 0, afterDate: 0, beforeStart: 0 };
  for (const entry of evidence.offTheJob) {
    const date = day(entry.date, 'off-the-job entry');
    if (startDate !== null && date < startDate) tally.beforeStart += entry.hours;
    else if (submitted !== null && date > submitted) tally.afterSubmission += entry.hours;
    else if (date > onDay) tally.afterDate += entry.hours;
    else tally.counted += entry.hours;
  }
  return tally;
}

/** Hours that count towards the requirement on `on`. */
export function countableOffTheJobHours(
  evidence: Pick<GatewayEvidence, 'offTheJob' | 'submittedOn'>,
  on: string,
): number {
  return tallyOffTheJobHours(evidence, on).counted;
}

function offTheJobCheck(
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  plan: GatewayPlan,
  on: string,
): CheckResult {
  const required = requiredOffTheJobHours(apprentice, plan);
  const tally = tallyOffTheJobHours(evidence, on, apprentice.startDate);
  const logged = Math.round(tally.counted * 100) / 100;
  const met = logged >= required.hours;
  const parts = [
    `${hours(logged)} ${logged === 1 ? 'hour' : 'hours'} logged of the ${required.hours} required: ${required.explanation}.`,
  ];
  if (!met)
    parts.push(
      `${hours(required.hours - logged)} more ${required.hours - logged === 1 ? 'hour is' : 'hours are'} needed.`,
    );
  if (tally.afterSubmission > 0 && evidence.submittedOn !== null) {
    parts.push(
      `${hours(tally.afterSubmission)} ${tally.afterSubmission === 1 ? 'hour' : 'hours'} dated after the gateway submission on ${evidence.submittedOn} ${tally.afterSubmission === 1 ? 'does' : 'do'} not count.`,
    );
  }
  if (tally.afterDate > 0) {
    parts.push(
      `${hours(tally.afterDate)} ${tally.afterDate === 1 ? 'hour' : 'hours'} dated after ${on} ${tally.afterDate === 1 ? 'does' : 'do'} not count.`,
    );
  }
  if (tally.beforeStart > 0) {
    parts.push(
      `${hours(tally.beforeStart)} ${tally.beforeStart === 1 ? 'hour' : 'hours'} dated before the start on ${apprentice.startDate} ${tally.beforeStart === 1 ? 'does' : 'do'} not count.`,
    );
  }
  return { code: 'off_the_job', status: met ? 'met' : 'unmet', reason: parts.join(' ') };
}

// ---------------------------------------------------------------------------------------
// English and maths

/**
 * The level of English and maths a standard requires: level 2 for a standard at level 3 or
 * above; level 1 for a level 2 standard (kept simple: a standard below level 2 also gets 1).
 */
export function requiredEnglishMathsLevel(standardLevel: number): 1 | 2 {
  return standardLevel >= 3 ? 2 : 1;
}

const GCSE_LEVEL_2_GRADES = ['9', '8', '7', '6', '5', '4', 'a*', 'a', 'b', 'c'];
const GCSE_LEVEL_1_GRADES = ['3', '2', '1', 'd', 'e', 'f', 'g'];

function normalGrade(grade: string): string {
  return grade.trim().toLowerCase();
}

/**
 * The level a GCSE, Functional Skills or other qualification is achieved at, or null when it
 * is not a pass: GCSE 9–4 / A*–C is level 2, 3–1 / D–G level 1, anything else (U, X) none;
 * Functional Skills count at their level only with the grade Pass; an accepted equivalent
 * ('other') counts at its level unless recorded as a Fail. Entry Level and BSL are handled
 * separately (they count only with an EHC plan / BSL as first language).
 */
/** Grades that record an attempt, not an achievement. */
const NOT_ACHIEVED_GRADES = ['fail', 'u', 'x', 'unclassified', 'not achieved', 'ungraded'];

export function achievedLevel(q: Qualification): number | null {
  const grade = normalGrade(q.grade);
  switch (q.type) {
    case 'gcse':
      if (GCSE_LEVEL_2_GRADES.includes(grade)) return 2;
      if (GCSE_LEVEL_1_GRADES.includes(grade)) return 1;
      return null;
    case 'functional_skills':
      return grade === 'pass' ? q.level : null;
    case 'other':
      return NOT_ACHIEVED_GRADES.includes(grade) ? null : q.level;
    case 'entry_level':
    case 'bsl':
      return null;
  }
}

/**
 * Does this qualification meet the apprentice's English (or maths) requirement on `on`?
 * - only qualifications in that subject achieved on or before `on` count;
 * - GCSE, Functional Skills and accepted equivalents count at the level they were achieved
 *   at, which must reach the required level (see requiredEnglishMathsLevel);
 * - with an EHC plan (or statement of SEN, or learning difficulty assessment) the requirement
 *   is Entry Level 3: Entry Level 3 meets it, and so does anything at level 1 or above;
 *   without one Entry Level never counts;
 * - a British Sign Language qualification meets the English requirement when BSL is the
 *   apprentice's first language; it never counts for maths.
 */
export function qualificationCounts(
  q: Qualification,
  subject: Subject,
  apprentice: GatewayApprentice,
  on: string,
): boolean {
  if (q.subject !== subject) return false;
  if (day(q.achievedOn, 'achievement date') > day(on, 'evaluation date')) return false;
  const failed = NOT_ACHIEVED_GRADES.includes(normalGrade(q.grade));
  const required = apprentice.ehcPlan ? 1 : requiredEnglishMathsLevel(apprentice.standardLevel);
  // A BSL qualification stands in for English at the level it was achieved at.
  if (q.type === 'bsl') return subject === 'english' && apprentice.bslFirstLanguage && !failed && q.level >= required;
  if (q.type === 'entry_level') return apprentice.ehcPlan && q.level >= 3 && !failed;
  const level = achievedLevel(q);
  if (level === null) return false;
  return level >= required;
}

function describeQualification(q: Qualification): string {
  const cert = `achieved ${q.achievedOn} (certificate ${q.certificateReference})`;
  switch (q.type) {
    case 'gcse':
      return `GCSE grade ${q.grade.trim()} ${cert}`;
    case 'functional_skills':
      return `Functional Skills level ${q.level} (${q.grade.trim()}) ${cert}`;
    case 'entry_level':
      return `Entry Level ${q.level} ${cert}, which meets the requirement with an EHC plan`;
    case 'bsl':
      return `British Sign Language qualification level ${q.level} ${cert}, which stands in for English as BSL is the apprentice's first language`;
    case 'other':
      return `${QUALIFICATION_TYPE_LABELS.other} at level ${q.level} ${cert}`;
  }
}

const SUBJECT_NAMES: Record<Subject, string> = { english: 'English', maths: 'maths' };

function englishMathsCheck(
  subject: Subject,
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  on: string,
): CheckResult {
  const code: CheckCode = subject;
  const name = SUBJECT_NAMES[subject];
  const ageAtStart = ageOn(apprentice.dateOfBirth, apprentice.startDate);
  const optional =
    ageAtStart >= ENGLISH_MATHS_OPTIONAL_AGE && day(on, 'evaluation date') >= day(ENGLISH_MATHS_OPTIONAL_FROM);
  if (optional && apprentice.englishMathsChoice !== 'pursue') {
    const choice =
      apprentice.englishMathsChoice === 'not_pursue'
        ? 'The apprentice chose not to pursue them.'
        : "Record the apprentice's choice.";
    return {
      code,
      status: 'not_applicable',
      reason: `English and maths are optional for apprentices aged 19 or over at the start since 11 February 2025 (aged ${ageAtStart} at the start). ${choice}`,
    };
  }
  const pursuing = optional ? ' The apprentice chose to pursue English and maths, so the evidence is needed.' : '';

  const ofSubject = evidence.qualifications.filter((q) => q.subject === subject);
  const meeting = ofSubject.find((q) => qualificationCounts(q, subject, apprentice, on));
  if (meeting !== undefined)
    return { code, status: 'met', reason: `Met by ${describeQualification(meeting)}.${pursuing}` };

  const level = requiredEnglishMathsLevel(apprentice.standardLevel);
  const gcse = level === 2 ? 'a GCSE at grade 4/C or above' : 'a GCSE at grade 1/G or above';
  const parts = [
    `No level ${level} ${name} evidence. Add ${gcse}, Functional Skills level ${level}, or an accepted equivalent.`,
  ];
  if (apprentice.ehcPlan)
    parts.push(
      'With an EHC plan (or statement of SEN, or learning difficulty assessment), Entry Level 3 or above is enough.',
    );
  if (subject === 'english' && apprentice.bslFirstLanguage) {
    parts.push("As British Sign Language is the apprentice's first language, a BSL qualification can be used instead.");
  }
  const future = ofSubject.filter((q) => day(q.achievedOn, 'achievement date') > day(on, 'evaluation date')).length;
  if (future > 0)
    parts.push(
      `${plural(future, 'qualification')} achieved after ${on} ${future === 1 ? 'does' : 'do'} not count yet.`,
    );
  return { code, status: 'unmet', reason: parts.join(' ') + pursuing };
}

// ---------------------------------------------------------------------------------------
// Plan items and declaration

function planItemsCheck(evidence: GatewayEvidence, plan: GatewayPlan): CheckResult {
  if (plan.gatewayItems.length === 0) {
    return { code: 'plan_items', status: 'not_applicable', reason: 'The assessment plan has no gateway items.' };
  }
  const provided = new Set(evidence.planItemsProvided);
  const missing = plan.gatewayItems.filter((item) => !provided.has(item.id));
  if (missing.length === 0) {
    return {
      code: 'plan_items',
      status: 'met',
      reason: `All gateway items are in place: ${listWords(plan.gatewayItems.map((i) => i.name))}.`,
    };
  }
  return { code: 'plan_items', status: 'unmet', reason: `Not yet provided: ${listWords(missing.map((i) => i.name))}.` };
}

function declarationCheck(evidence: GatewayEvidence): CheckResult {
  const { employerConfirmed, providerConfirmed, apprenticeConfirmed } = evidence.declaration;
  const waiting = [
    employerConfirmed ? null : 'the employer',
    providerConfirmed ? null : 'the training provider',
    apprenticeConfirmed ? null : 'the apprentice',
  ].filter((who): who is string => who !== null);
  if (waiting.length === 0) {
    return {
      code: 'employer_declaration',
      status: 'met',
      reason: 'Confirmed by the employer, the training provider and the apprentice.',
    };
  }
  return { code: 'employer_declaration', status: 'unmet', reason: `Not yet confirmed by ${listWords(waiting)}.` };
}

// ---------------------------------------------------------------------------------------

/** Evaluates every gateway check on `on` (ISO date), one result per code in CHECK_CODES order. */
export function evaluateGateway(
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  plan: GatewayPlan,
  on: string,
): GatewayEvaluation {
  day(on, 'evaluation date');
  const byCode: Record<CheckCode, () => CheckResult> = {
    practical_period: () => practicalPeriodCheck(apprentice, on),
    off_the_job: () => offTheJobCheck(apprentice, evidence, plan, on),
    english: () => englishMathsCheck('english', apprentice, evidence, on),
    maths: () => englishMathsCheck('maths', apprentice, evidence, on),
    plan_items: () => planItemsCheck(evidence, plan),
    employer_declaration: () => declarationCheck(evidence),
  };
  const checks = CHECK_CODES.map((code) => byCode[code]());
  return { checks, ready: checks.every((c) => c.status !== 'unmet') };
}
