import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';
import { addDays, addMonths, partsOf } from '../calendar.js';
import type { Criterion, Grade, PlanFile } from '../plans/schema.js';
import { combineGrades } from '../plans/rules.js';
import { isAbove, passGrade, topGrade } from '../plans/grades.js';
import type { OutcomeDecision, Outcome, ResultGrade, SampleReason } from './model.js';

export { OUTCOMES, OUTCOME_LABELS, SAMPLE_REASON_LABELS, type Outcome, type SampleReason } from './model.js';

/**
 * The grading rules, as pure functions of the plan and the decisions: method grades from
 * criterion decisions, KSB coverage, the overall grade and its cap, quality-assurance
 * sampling, resit and retake windows, and appeal deadlines in working days.
 */

/** One criterion decision: met, not met (with the evidence seen), or not decided yet (a draft). */
export interface Decision {
  criterionId: string;
  met: boolean | null;
  evidence: string;
}

export type MethodGradeResult =
  { complete: true; grade: Grade } | { complete: false; undecided: string[]; missingEvidence: string[] };

/** The method's criteria, grouped by theme in plan order. */
export function criteriaByTheme(plan: PlanFile, methodId: string): { theme: string; criteria: Criterion[] }[] {
  const themes: { theme: string; criteria: Criterion[] }[] = [];
  for (const criterion of plan.criteria.filter((c) => c.method === methodId)) {
    const group = themes.find((t) => t.theme === criterion.theme);
    if (group) group.criteria.push(criterion);
    else themes.push({ theme: criterion.theme, criteria: [criterion] });
  }
  return themes;
}

/**
 * The method grade the plan's rule gives: any pass criterion not met → Fail; every pass
 * criterion met → the plan's pass grade (its lowest passing method grade, usually Pass); and every
 * distinction criterion met as well → its highest method grade (Distinction, Pass with excellence,
 * Outstanding…), when the plan has one above the pass grade. Incomplete while any criterion is
 * undecided, or a "not met" has no evidence note (the note is the feedback the apprentice is given).
 */
export function deriveMethodGrade(plan: PlanFile, methodId: string, decisions: Decision[]): MethodGradeResult {
  const criteria = plan.criteria.filter((c) => c.method === methodId);
  const decided = new Map(decisions.map((d) => [d.criterionId, d]));
  const undecided = criteria.filter((c) => typeof decided.get(c.id)?.met !== 'boolean').map((c) => c.id);
  const missingEvidence = criteria
    .filter((c) => decided.get(c.id)?.met === false && !decided.get(c.id)!.evidence.trim())
    .map((c) => c.id);
  if (undecided.length > 0 || missingEvidence.length > 0) return { complete: false, undecided, missingEvidence };
  const met = (level: 'pass' | 'distinction') =>
    criteria.filter((c) => c.level === level).every((c) => decided.get(c.id)!.met === true);
  if (!met('pass')) return { complete: true, grade: 'Fail' };
  const [pass, top] = [passGrade(plan.methodGrades)!, topGrade(plan.methodGrades)!];
  if (met('distinction') && top !== pass && criteria.some((c) => c.level === 'distinction'))
    return { complete: true, grade: top };
  return { complete: true, grade: pass };
}

/** The grade a method's decisions give so far, and why, in the words the assessor confirms. */
export interface GradeExplanation {
  /** Null while the decisions do not yet give a grade. */
  grade: Grade | null;
  /** What it turned on: "PR3 not met" (a Fail), "Every criterion met", or while there is no grade "2 criteria still to decide (PR1, PR2)". */
  why: string;
}

const criteriaCount = (n: number) => `${n} ${n === 1 ? 'criterion' : 'criteria'}`;

/** deriveMethodGrade's answer, with the criteria it turned on named. */
export function explainMethodGrade(plan: PlanFile, methodId: string, decisions: Decision[]): GradeExplanation {
  const derived = deriveMethodGrade(plan, methodId, decisions);
  if (!derived.complete) {
    const parts = [];
    if (derived.undecided.length > 0)
      parts.push(`${criteriaCount(derived.undecided.length)} still to decide (${derived.undecided.join(', ')})`);
    if (derived.missingEvidence.length > 0)
      parts.push(`${derived.missingEvidence.join(', ')} not met without the evidence note the apprentice is given`);
    return { grade: null, why: parts.join('; ') };
  }
  const met = new Map(decisions.map((d) => [d.criterionId, d.met]));
  const notMet = (level: 'pass' | 'distinction') =>
    plan.criteria.filter((c) => c.method === methodId && c.level === level && met.get(c.id) === false).map((c) => c.id);
  const grade = derived.grade;
  const [failedPass, failedDistinction] = [notMet('pass'), notMet('distinction')];
  if (failedPass.length > 0) return { grade, why: `${failedPass.join(', ')} not met` };
  if (failedDistinction.length > 0)
    return { grade, why: `Every pass criterion met; ${failedDistinction.join(', ')} not met` };
  return { grade, why: 'Every criterion met' };
}

export type KsbState = 'evidenced' | 'shortfall' | 'not_yet' | 'not_sampled';

/**
 * Reformed plans: the sampled KSBs this method can cover (those some criterion of the method maps),
 * from which each assessment records the ones it covered. None for an EPA plan.
 */
export function samplableKsbs(plan: PlanFile, methodId: string): string[] {
  if (plan.regime !== 'apprenticeship-assessment') return [];
  const mapped = new Set(plan.criteria.filter((c) => c.method === methodId).flatMap((c) => c.ksbs));
  return plan.sampledKsbs.filter((k) => mapped.has(k));
}

/**
 * Each KSB the method assesses: evidenced when every pass criterion mapped to it is met,
 * a shortfall when any is not met, and not yet decided otherwise. (Distinction criteria
 * show depth, not coverage: a KSB is evidenced at pass level.) In a reformed plan the core KSBs
 * come first, then the sampled ones the method can cover: those outside this assessment's
 * `sample` are not sampled.
 */
export function ksbCoverage(
  plan: PlanFile,
  methodId: string,
  decisions: Decision[],
  sample: readonly string[] = [],
): { ksb: string; role: 'core' | 'sampled'; state: KsbState }[] {
  const method = plan.methods.find((m) => m.id === methodId);
  const samplable = samplableKsbs(plan, methodId);
  const decided = new Map(decisions.map((d) => [d.criterionId, d.met]));
  const core = (method?.ksbs ?? []).filter((k) => !samplable.includes(k) && !plan.sampledKsbs.includes(k));
  const sampled = samplable;
  return [
    ...core.map((ksb) => ({ ksb, role: 'core' as const })),
    ...sampled.map((ksb) => ({ ksb, role: 'sampled' as const })),
  ].map(({ ksb, role }) => {
    if (role === 'sampled' && !sample.includes(ksb)) return { ksb, role, state: 'not_sampled' as const };
    const mapped = plan.criteria.filter((c) => c.method === methodId && c.level === 'pass' && c.ksbs.includes(ksb));
    const states = mapped.map((c) => decided.get(c.id) ?? null);
    const state: KsbState = states.some((s) => s === false)
      ? 'shortfall'
      : mapped.length > 0 && states.every((s) => s === true)
        ? 'evidenced'
        : 'not_yet';
    return { ksb, role, state };
  });
}

/**
 * A grade decided by one criterion: a Fail with exactly one pass criterion not met, or a
 * Pass with exactly one distinction criterion not met. The EPAO may sample these.
 */
export function isBoundaryCase(plan: PlanFile, methodId: string, decisions: Decision[]): boolean {
  const result = deriveMethodGrade(plan, methodId, decisions);
  if (!result.complete) return false;
  const notMet = (level: 'pass' | 'distinction') =>
    plan.criteria.filter(
      (c) => c.method === methodId && c.level === level && decisions.find((d) => d.criterionId === c.id)?.met === false,
    ).length;
  return (
    (result.grade === 'Fail' && notMet('pass') === 1) ||
    (result.grade === passGrade(plan.methodGrades) && notMet('distinction') === 1)
  );
}

/** A method's grade when the assessment did not go ahead: not attending and malpractice fail the method; withdrawal has no grade. */
export function gradeForOutcome(outcome: Exclude<Outcome, 'graded'>): Grade | null {
  return outcome === 'withdrawn' ? null : 'Fail';
}

/**
 * The decisions the assessment organisation can take on an assessment that did not go ahead as
 * planned. Non-attendance: with a good reason it accepts, it is void (not an attempt; the method
 * is booked again); without one it counts as a Fail. Malpractice: the outcome follows its
 * investigation (a Fail, void, or the result withheld meanwhile). Skills England, "Requirements
 * and guidance for apprenticeship assessment" (2026), and Ofqual's General Condition A8
 * (malpractice and maladministration).
 */
export function decisionsFor(outcome: Outcome): readonly OutcomeDecision[] {
  if (outcome === 'did_not_attend') return ['fail', 'void'];
  if (outcome === 'malpractice') return ['fail', 'void', 'withheld'];
  return [];
}

/**
 * What a submitted grading does to the result. A void one does not count (the method has no
 * grade until it is assessed again). Malpractice withholds the result until the assessment
 * organisation decides a Fail or void; a no-show counts as a Fail until it decides otherwise.
 */
export function outcomeEffect(
  outcome: Outcome,
  decision: OutcomeDecision | null,
): { counts: boolean; withheld: boolean } {
  if (decision === 'void') return { counts: false, withheld: false };
  if (outcome === 'malpractice' && decision !== 'fail') return { counts: true, withheld: true };
  return { counts: true, withheld: false };
}

/* ---------- The overall grade ---------- */

export interface OverallGrade {
  /** The grade from the plan's combination table. */
  combined: Grade;
  /** After the resit/retake cap (the same as `combined` when no cap applies). */
  grade: Grade;
  capped: boolean;
}

/**
 * The overall grade of an attempt from its method grades (carried-over ones included), by the
 * plan's combination table; undefined while a method has no grade. A resit or retake is
 * capped at the plan's cap unless the EPAO accepted exceptional circumstances.
 */
export function overallGrade(
  plan: PlanFile,
  methodGrades: Record<string, Grade>,
  attempt: { isResitOrRetake: boolean; exceptionalCircumstances: boolean },
): OverallGrade | undefined {
  if (plan.methods.some((m) => !methodGrades[m.id])) return undefined;
  const combined = combineGrades(plan, methodGrades);
  if (!combined) return undefined;
  const cap = plan.resitRetakeGradeCap;
  const capped =
    attempt.isResitOrRetake && !attempt.exceptionalCircumstances && isAbove(plan.overallGrades, combined, cap);
  return { combined, grade: capped ? cap : combined, capped };
}

/* ---------- Resits and retakes ---------- */

export type ResitKind = 'resit' | 'retake';

/**
 * Whether a further attempt may start: only after a Fail (never to improve a pass), within
 * the plan's window (resit: no further learning; retake: further learning), and within the
 * EPAO's or plan's maximum number of attempts. The window runs from the day the result was
 * released to the apprentice's provider, not the day it was graded: the apprentice cannot act on
 * a result before it is released (Skills England, "Requirements and guidance for apprenticeship
 * assessment", 2026, resits and retakes).
 */
export function checkFurtherAttempt(
  plan: Pick<PlanFile, 'resit' | 'retake' | 'maxAttempts'>,
  previous: { number: number; grade: ResultGrade; releasedOn: string },
  kind: ResitKind,
  today: string,
  maxAttempts: number | null,
): { ok: true; deadline: string } | { ok: false; message: string } {
  if (previous.grade !== 'Fail')
    return {
      ok: false,
      message:
        previous.grade === 'Withdrawn'
          ? 'The apprentice withdrew: a new EPA starts at gateway, not as a resit or retake'
          : `The result was ${previous.grade}: there is no resit or retake to improve a pass`,
    };
  // The stricter of the EPAO's limit and the plan's, when either is set.
  const limits = [maxAttempts, plan.maxAttempts].filter((n): n is number => n !== null);
  const limit = limits.length > 0 ? Math.min(...limits) : null;
  if (limit !== null && previous.number >= limit)
    return {
      ok: false,
      message: `The apprentice has had ${previous.number} attempt${previous.number === 1 ? '' : 's'}, the most allowed`,
    };
  const months = kind === 'resit' ? plan.resit.windowMonths : plan.retake.windowMonths;
  const deadline = addMonths(previous.releasedOn, months);
  if (today > deadline)
    return {
      ok: false,
      message: `A ${kind} had to start by ${deadline} (${months} months after the result was released on ${previous.releasedOn})`,
    };
  return { ok: true, deadline };
}

/**
 * The plan's optional time limit for the whole assessment: every method within N months of the
 * first attempt's start (gateway acceptance). A further attempt that starts after the limit takes
 * every method again, passed ones included: nothing carries over. The limit's last day is
 * included.
 */
export function wholeAssessmentLimit(
  plan: Pick<PlanFile, 'wholeAssessmentMonths'>,
  firstStartedOn: string,
  today: string,
): { lastDay: string; passed: boolean } | null {
  if (plan.wholeAssessmentMonths === null) return null;
  const lastDay = addMonths(firstStartedOn, plan.wholeAssessmentMonths);
  return { lastDay, passed: today > lastDay };
}

/* ---------- Quality-assurance sampling ---------- */

export interface SamplingRules {
  /** Every grading of an assessor's first N assessments on a standard. */
  firstN: number;
  sampleFails: boolean;
  sampleBoundary: boolean;
  /** Of the rest, at least this percentage, drawn reproducibly. */
  randomPercent: number;
  /** The EPAO's sampling seed: the same seed and grading always draw the same way. */
  seed: string;
}

export const DEFAULT_SAMPLING: Omit<SamplingRules, 'seed'> = {
  firstN: 5,
  sampleFails: true,
  sampleBoundary: true,
  randomPercent: 10,
};

/** A number in [0, 100) fixed by the seed and the grading: the random draw, recorded and repeatable. */
export function samplingDraw(seed: string, gradingId: number): number {
  const digest = createHash('sha256').update(`${seed}:${gradingId}`).digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

/**
 * Why a submitted grading is sampled for moderation, or null. `priorGradings`: the assessor's
 * submitted gradings on this standard before this one. A provider-marked component
 * (`providerMarkedPercent`, the plan's sampling rule, 100 when it has none) is moderated by the
 * assessment organisation before release (Skills England, "Requirements and guidance for
 * apprenticeship assessment", 2026): drawn when the repeatable draw falls under that percentage,
 * so every one of them at 100 and none at 0 (then the usual rules still apply).
 */
export function sampleReason(
  rules: SamplingRules,
  grading: {
    id: number;
    grade: Grade | null;
    boundary: boolean;
    priorGradings: number;
    providerMarkedPercent?: number;
  },
): SampleReason | null {
  if (
    grading.providerMarkedPercent !== undefined &&
    samplingDraw(rules.seed, grading.id) < grading.providerMarkedPercent
  )
    return 'provider_marked';
  if (grading.priorGradings < rules.firstN) return 'first_assessments';
  if (rules.sampleFails && grading.grade === 'Fail') return 'fail';
  if (rules.sampleBoundary && grading.boundary) return 'boundary';
  if (samplingDraw(rules.seed, grading.id) < rules.randomPercent) return 'random';
  return null;
}

/* ---------- Appeals: working days in England and Wales ---------- */

/**
 * date-holidays, loaded the first time a working day is asked for: with its calendars it is 25 MB,
 * which a worker thread that never counts working days (an import, the start-up status fill) does
 * not need to carry. It is loaded synchronously through its CommonJS build, so callers stay synchronous.
 */
let holidays: Holidays | undefined;
const englandAndWales = () =>
  (holidays ??= new (createRequire(import.meta.url)('date-holidays') as typeof Holidays)('GB', 'ENG'));
const bankHolidays = new Map<number, Set<string>>();

/** England and Wales bank holidays of a year (substitute days included), from date-holidays. */
export function bankHolidaysOf(year: number): Set<string> {
  let days = bankHolidays.get(year);
  if (!days) {
    days = new Set(
      englandAndWales()
        .getHolidays(year)
        .filter((h) => h.type === 'public')
        .map((h) => h.date.slice(0, 10)),
    );
    bankHolidays.set(year, days);
  }
  return days;
}

export function isWorkingDay(date: string): boolean {
  const { year, month, day } = partsOf(date);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !bankHolidaysOf(year).has(date);
}

/** The date `n` working days after `date` (the day itself not counted). */
export function addWorkingDays(date: string, n: number): string {
  let current = date;
  for (let counted = 0; counted < n;) {
    current = addDays(current, 1);
    if (isWorkingDay(current)) counted++;
  }
  return current;
}

/** The last day an appeal may be lodged: `workingDays` working days after the result was released. */
export function appealDeadline(releasedOn: string, workingDays: number): string {
  return addWorkingDays(releasedOn, workingDays);
}
