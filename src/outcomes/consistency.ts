import { and, asc, desc, eq, gte, isNotNull, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { addDays } from '../calendar.js';
import type { Db } from '../db/connection.js';
import { apprentices, bookings, epaAttempts, gradings, plans, standardVersions, users } from '../db/schema.js';
import { isoInstant, ZONE } from '../dates.js';
import type { ModerationState } from '../grading/model.js';
import { GRADES, planFileSchema, type Grade, type PlanFile } from '../plans/schema.js';
import { chiSquareIndependence, fisherExact2x2, holmAdjust } from './statistics.js';

/*
 * Assessor consistency: is each assessor's spread of grades on a standard and method different
 * from the other assessors' by more than chance would explain?
 *
 * The choice of test, per assessor, on the 2 × k table "this assessor | all the others" by grade:
 *
 * - Pearson's chi-square test on the whole distribution (k − 1 degrees of freedom) when every
 *   expected count is at least 5. It asks the broad question, "is the mix of grades different?",
 *   and catches an assessor who is harsher, more lenient or who avoids the middle. The rule of
 *   at least 5 expected in every cell is the conservative form of Cochran's (1954) condition for
 *   the chi-square approximation to hold.
 * - Otherwise Fisher's exact test, which needs no approximation, on the two collapsed tables
 *   that matter most: the lowest grade against the rest (Fail against not Fail: harshness) and
 *   the highest grade against the rest (Distinction against not Distinction: leniency). With
 *   the p-value of each one doubled and the smaller kept (Bonferroni within the assessor), each
 *   assessor still contributes exactly one p-value. Where only two grades occur the two tables
 *   are the same and one test is enough. Small expected counts are common here: an assessor
 *   with the minimum of 10 gradings and a 20% Distinction rate expects 2 Distinctions.
 *
 * An exact test on the full 2 × k table (Freeman–Halton) would avoid the switch, but its cost
 * grows with the counts, and the collapsed tables answer the questions a quality assurer asks.
 *
 * The p-values are then adjusted across all the assessors compared with Holm's method, which
 * holds the chance of flagging anyone by chance alone at 5% whatever the dependence between the
 * tests (they are dependent: each assessor is part of every other's "others"). An assessor is
 * flagged when the adjusted p-value is below 0.05. Assessors with fewer gradings than the
 * minimum are not tested and do not count towards the correction, but their gradings do count
 * among the others' for everyone else.
 */

export const MINIMUM_GRADINGS = { default: 10, min: 5, max: 100 } as const;
/** Family-wise significance level: flag when Holm's adjusted p is below it. */
export const FLAG_LEVEL = 0.05;
/** Every expected count at least this for the chi-square approximation. */
export const CHI_SQUARE_MIN_EXPECTED = 5;

/* ---------- The comparison (pure) ---------- */

export interface AssessorCounts {
  assessorId: number;
  name: string;
  counts: Partial<Record<Grade, number>>;
}

export interface GradeShare {
  grade: Grade;
  count: number;
  /** Share of the gradings, 0–1 (0 when there are none). */
  rate: number;
}

export type ConsistencyTest =
  | { kind: 'chi_square'; statistic: number; df: number; minExpected: number }
  | { kind: 'fisher'; tables: { grade: Grade; p: number }[] };

export interface AssessorComparison {
  assessorId: number;
  name: string;
  total: number;
  shares: GradeShare[];
  others: { total: number; shares: GradeShare[] };
  /** tested; too_few: below the minimum; untestable: nothing to compare (a single grade throughout, or no other assessor). */
  status: 'tested' | 'too_few' | 'untestable';
  test: ConsistencyTest | null;
  p: number | null;
  adjustedP: number | null;
  flagged: boolean;
  /** The grade whose share differs most from the others', for the plain-words summary. */
  largestDifference: { grade: Grade; rate: number; othersRate: number } | null;
}

export interface Comparison {
  grades: Grade[];
  minimum: number;
  totalGradings: number;
  /** Assessors tested (the number of comparisons Holm's method corrects for). */
  compared: number;
  assessors: AssessorComparison[];
}

const sharesOf = (
  grades: readonly Grade[],
  counts: Partial<Record<Grade, number>>,
): { total: number; shares: GradeShare[] } => {
  const total = grades.reduce((s, g) => s + (counts[g] ?? 0), 0);
  return {
    total,
    shares: grades.map((grade) => ({
      grade,
      count: counts[grade] ?? 0,
      rate: total === 0 ? 0 : (counts[grade] ?? 0) / total,
    })),
  };
};

/** The test for one assessor's row against the others' row, over the grades that occur in either. */
export function testAssessor(
  grades: readonly Grade[],
  own: Partial<Record<Grade, number>>,
  others: Partial<Record<Grade, number>>,
): { test: ConsistencyTest; p: number } | null {
  const used = grades.filter((g) => (own[g] ?? 0) + (others[g] ?? 0) > 0);
  const ownRow = used.map((g) => own[g] ?? 0);
  const otherRow = used.map((g) => others[g] ?? 0);
  const ownTotal = ownRow.reduce((s, v) => s + v, 0);
  const otherTotal = otherRow.reduce((s, v) => s + v, 0);
  if (used.length < 2 || ownTotal === 0 || otherTotal === 0) return null;

  const chi = chiSquareIndependence([ownRow, otherRow]);
  if (chi.minExpected >= CHI_SQUARE_MIN_EXPECTED)
    return {
      test: { kind: 'chi_square', statistic: chi.statistic, df: chi.df, minExpected: chi.minExpected },
      p: chi.p,
    };

  // Fisher on "this grade against the rest" for the lowest and the highest grade that occur.
  const ends = used.length === 2 ? [0] : [0, used.length - 1];
  const tables = ends.map((j) => {
    const a = ownRow[j]!;
    const c = otherRow[j]!;
    return { grade: used[j]!, p: fisherExact2x2(a, ownTotal - a, c, otherTotal - c).p };
  });
  const p = Math.min(1, tables.length * Math.min(...tables.map((t) => t.p)));
  return { test: { kind: 'fisher', tables }, p };
}

/**
 * Compares each assessor with the others pooled, tests those with at least `minimum` gradings,
 * adjusts their p-values with Holm's method and flags those below FLAG_LEVEL.
 */
export function compareAssessors(
  rows: readonly AssessorCounts[],
  methodGrades: readonly Grade[],
  minimum: number,
): Comparison {
  // The plan's grades in its order, then any other grade found in the data.
  const seen = new Set(rows.flatMap((r) => (Object.keys(r.counts) as Grade[]).filter((g) => (r.counts[g] ?? 0) > 0)));
  const grades = [...methodGrades, ...GRADES.filter((g) => !methodGrades.includes(g) && seen.has(g))];
  const totals: Partial<Record<Grade, number>> = {};
  for (const r of rows) for (const g of grades) totals[g] = (totals[g] ?? 0) + (r.counts[g] ?? 0);
  const othersOf = (r: AssessorCounts) =>
    Object.fromEntries(grades.map((g) => [g, (totals[g] ?? 0) - (r.counts[g] ?? 0)])) as Partial<Record<Grade, number>>;

  const assessors = rows.map((r): AssessorComparison => {
    const own = sharesOf(grades, r.counts);
    const others = sharesOf(grades, othersOf(r));
    const largest =
      own.total === 0 || others.total === 0
        ? null
        : own.shares
            .map((s, i) => ({ grade: s.grade, rate: s.rate, othersRate: others.shares[i]!.rate }))
            .reduce((best, d) => (Math.abs(d.rate - d.othersRate) > Math.abs(best.rate - best.othersRate) ? d : best));
    const base = {
      assessorId: r.assessorId,
      name: r.name,
      total: own.total,
      shares: own.shares,
      others,
      largestDifference: largest,
      adjustedP: null,
      flagged: false,
    };
    if (own.total < minimum) return { ...base, status: 'too_few', test: null, p: null };
    const tested = testAssessor(grades, r.counts, othersOf(r));
    return tested
      ? { ...base, status: 'tested', test: tested.test, p: tested.p }
      : { ...base, status: 'untestable', test: null, p: null };
  });

  const tested = assessors.filter((a) => a.status === 'tested');
  const adjusted = holmAdjust(tested.map((a) => a.p!));
  tested.forEach((a, i) => {
    a.adjustedP = adjusted[i]!;
    a.flagged = adjusted[i]! < FLAG_LEVEL;
  });
  // Flagged first, then by adjusted p, then the untested by name.
  const rank = (a: AssessorComparison) =>
    (a.adjustedP ?? 2) + (a.status === 'tested' ? 0 : a.status === 'untestable' ? 1 : 2);
  assessors.sort((x, y) => rank(x) - rank(y) || y.total - x.total || x.name.localeCompare(y.name));
  return {
    grades,
    minimum,
    totalGradings: assessors.reduce((s, a) => s + a.total, 0),
    compared: tested.length,
    assessors,
  };
}

/* ---------- Reading the gradings (SQL) ---------- */

export interface ConsistencyFilter {
  standardVersionId: number;
  methodId: string;
  /** London calendar dates, inclusive, on the day each grading was submitted (its method result date). */
  from?: string | undefined;
  to?: string | undefined;
}

/** A London date's first instant, as stored (UTC ISO), so that ISO strings compare in order. */
const startOfLondonDay = (date: string) => isoInstant(DateTime.fromISO(date, { zone: ZONE }).startOf('day'));

/** Submitted, assessed gradings (not withdrawals or non-attendance) of the standard version and method in the period. */
function selection(filter: ConsistencyFilter) {
  return and(
    eq(gradings.status, 'submitted'),
    eq(gradings.outcome, 'graded'),
    isNotNull(gradings.grade),
    eq(gradings.methodId, filter.methodId),
    eq(apprentices.standardVersionId, filter.standardVersionId),
    filter.from ? gte(gradings.submittedAt, startOfLondonDay(filter.from)) : undefined,
    filter.to ? lt(gradings.submittedAt, startOfLondonDay(addDays(filter.to, 1))) : undefined,
  );
}

/** Counts by assessor and current grade (after any moderation or appeal), aggregated in SQL. */
export function gradeCountsByAssessor(db: Db, filter: ConsistencyFilter): AssessorCounts[] {
  const rows = db
    .select({ assessorId: gradings.assessorUserId, name: users.name, grade: gradings.grade, n: sql<number>`count(*)` })
    .from(gradings)
    .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
    .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
    .innerJoin(users, eq(users.id, gradings.assessorUserId))
    .where(selection(filter))
    // `+assessor_user_id` keeps SQLite from walking the gradings_assessor index to group (a random
    // table read per grading): one pass over the table is about three times faster at 100,000 gradings.
    .groupBy(sql`+${gradings.assessorUserId}`, users.name, gradings.grade)
    .all();
  const byAssessor = new Map<number, AssessorCounts>();
  for (const row of rows) {
    if (!row.grade) continue;
    const entry = byAssessor.get(row.assessorId) ?? { assessorId: row.assessorId, name: row.name, counts: {} };
    entry.counts[row.grade] = row.n;
    byAssessor.set(row.assessorId, entry);
  }
  return [...byAssessor.values()];
}

export function assessorConsistency(db: Db, filter: ConsistencyFilter, plan: PlanFile, minimum: number): Comparison {
  return compareAssessors(gradeCountsByAssessor(db, filter), plan.methodGrades, minimum);
}

export interface GradingBehind {
  gradingId: number;
  uln: string;
  givenNames: string;
  familyName: string;
  methodId: string;
  attempt: number;
  assessedOn: string;
  submittedAt: string;
  grade: Grade;
  assessorGrade: Grade | null;
  moderation: ModerationState;
}

/** The gradings behind one assessor's figures: the same selection, newest first. */
export function gradingsBehind(db: Db, filter: ConsistencyFilter, assessorId: number): GradingBehind[] {
  const rows = db
    .select({
      gradingId: gradings.id,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      methodId: gradings.methodId,
      attempt: epaAttempts.number,
      localStart: bookings.localStart,
      submittedAt: gradings.submittedAt,
      grade: gradings.grade,
      assessorGrade: gradings.assessorGrade,
      moderation: gradings.moderation,
    })
    .from(gradings)
    .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
    .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
    .innerJoin(epaAttempts, eq(epaAttempts.id, gradings.attemptId))
    .where(and(selection(filter), eq(gradings.assessorUserId, assessorId)))
    .orderBy(desc(gradings.submittedAt), asc(gradings.id))
    .all();
  return rows.flatMap(({ localStart, submittedAt, grade, ...r }) =>
    grade && submittedAt ? [{ ...r, grade, submittedAt, assessedOn: localStart.slice(0, 10) }] : [],
  );
}

/* ---------- The plans held, for the filter ---------- */

export interface PlanHeld {
  standardVersionId: number;
  reference: string;
  version: string;
  title: string;
  plan: PlanFile;
}

export function plansHeld(db: Db): PlanHeld[] {
  return db
    .select({
      standardVersionId: standardVersions.id,
      reference: standardVersions.reference,
      version: standardVersions.version,
      title: standardVersions.title,
      document: plans.document,
    })
    .from(plans)
    .innerJoin(standardVersions, eq(standardVersions.id, plans.standardVersionId))
    .orderBy(asc(standardVersions.reference), asc(standardVersions.version))
    .all()
    .map(({ document, ...rest }) => ({ ...rest, plan: planFileSchema.parse(document) }));
}
