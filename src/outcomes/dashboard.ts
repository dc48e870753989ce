import type { Db } from '../db/connection.js';
import { memoUntilChange } from '../db/change-stamp.js';
import type { ApprenticeScope } from '../apprentices/access.js';
import { bookingQueue } from '../bookings/store.js';
import type { PlanFile } from '../plans/schema.js';
import type { ResultGrade } from '../grading/model.js';

/**
 * The EPAO dashboard's figures, aggregated in SQL (one indexed query per figure, no loop over
 * results in JavaScript), for a filter and a scope. The EPAO sees every result; a provider
 * only its own apprentices' released results.
 */
export interface ReportFilter {
  standardVersionId?: number;
  /** Result dates, inclusive (YYYY-MM-DD). */
  from?: string;
  to?: string;
  providerUkprn?: string;
  employerId?: string;
  assessorUserId?: number;
  methodId?: string;
}

/** The order the results table lists grades in, highest first; a grade nobody received is left out, except the usual four. */
export const RESULT_ORDER = [
  'Outstanding',
  'Distinction',
  'Pass with excellence',
  'Merit',
  'Credit',
  'Pass',
  'No grade awarded',
  'Fail',
  'Withdrawn',
] as const satisfies readonly ResultGrade[];
const ALWAYS_LISTED: readonly string[] = ['Distinction', 'Pass', 'Fail', 'Withdrawn'];

export interface Figures {
  results: number;
  byGrade: { grade: string; count: number }[];
  /** Shares of results other than Withdrawn, 0–1; null when there are none. */
  passRate: number | null;
  distinctionRate: number | null;
  firstAttempts: number;
  firstAttemptPassRate: number | null;
  resits: number;
  retakes: number;
  appeals: { lodged: number; upheld: number; notUpheld: number; open: number };
  daysToBooking: Percentiles;
  daysToResult: Percentiles;
  bookingsWaiting: number;
  byMonth: { month: string; results: number; passes: number }[];
}

export interface Percentiles {
  count: number;
  median: number | null;
  p90: number | null;
}

type Params = Record<string, string | number>;

/** The WHERE clause for attempts `e` joined to apprentices `a`, with only the filters in use (so the indexes serve). */
function attemptScope(
  filter: ReportFilter,
  scope: ApprenticeScope,
): { where: string; params: Params; joinApprentices: boolean } {
  const clauses = ['e.overall_grade is not null'];
  const params: Params = {};
  const add = (clause: string, name: string, value: string | number | undefined) => {
    if (value === undefined) return;
    clauses.push(clause);
    params[name] = value;
  };
  add('a.standard_version_id = :sv', 'sv', filter.standardVersionId);
  add('e.result_on >= :from', 'from', filter.from);
  add('e.result_on <= :to', 'to', filter.to);
  add('a.provider_ukprn = :provider', 'provider', filter.providerUkprn);
  add('a.employer_id = :employer', 'employer', filter.employerId);
  add(
    'exists (select 1 from gradings g where g.attempt_id = e.id and g.assessor_user_id = :assessor)',
    'assessor',
    filter.assessorUserId,
  );
  add(
    'exists (select 1 from gradings g where g.attempt_id = e.id and g.method_id = :method)',
    'method',
    filter.methodId,
  );
  if (scope.kind === 'provider') {
    add('a.provider_ukprn = :scopeProvider', 'scopeProvider', scope.ukprn);
    clauses.push('e.released_at is not null');
  } else if (scope.kind === 'employer') {
    add('a.employer_id = :scopeEmployer', 'scopeEmployer', scope.employerId);
    clauses.push('e.released_at is not null');
  } else if (scope.kind === 'none') {
    clauses.push('0');
  }
  // Apprentices are joined only when a filter or the scope needs them: the figures otherwise come from covering indexes alone.
  const joinApprentices =
    filter.standardVersionId !== undefined ||
    filter.providerUkprn !== undefined ||
    filter.employerId !== undefined ||
    scope.kind !== 'all';
  return { where: clauses.join(' and '), params, joinApprentices };
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/** Median and 90th percentile (nearest rank, lower) from a histogram of whole days counted in SQL. */
export function percentilesOf(histogram: Map<number, number>): Percentiles {
  const days = [...histogram.keys()].sort((a, b) => a - b);
  const count = days.reduce((sum, d) => sum + histogram.get(d)!, 0);
  const at = (p: number) => {
    if (count === 0) return null;
    let rank = Math.floor((count - 1) * p);
    for (const d of days) {
      rank -= histogram.get(d)!;
      if (rank < 0) return d;
    }
    return days.at(-1)!;
  };
  return { count, median: at(0.5), p90: at(0.9) };
}

/**
 * The figures for a filter and scope, kept until the database changes (db/change-stamp.ts): under
 * a crowd of readers the outcomes dashboard at 100,000 results is worked out once, not per
 * request; a new or changed result (any write) makes the next request work them out again.
 */
const figuresUntilChange = memoUntilChange<Figures>(200);
export function dashboardFigures(db: Db, filter: ReportFilter, scope: ApprenticeScope, today: string): Figures {
  return figuresUntilChange(db, JSON.stringify([filter, scope, today]), () => computeFigures(db, filter, scope, today));
}

function computeFigures(db: Db, filter: ReportFilter, scope: ApprenticeScope, today: string): Figures {
  const { where, params, joinApprentices } = attemptScope(filter, scope);
  const from = joinApprentices
    ? 'from epa_attempts e join apprentices a on a.id = e.apprentice_id'
    : 'from epa_attempts e';
  const q = <T>(sql: string) => db.$client.prepare(sql).all(params) as T[];

  // Counts by grade, attempt number, kind and month, streamed from the epa_attempts_report_grades index.
  const groups = q<{ grade: string; number: number; kind: string; month: string; n: number }>(
    `select e.overall_grade as grade, e.number as number, e.kind as kind, e.result_month as month, count(*) as n ${from} where ${where} group by e.overall_grade, e.number, e.kind, e.result_month`,
  );
  const total = (keep: (g: (typeof groups)[number]) => boolean) => groups.filter(keep).reduce((sum, g) => sum + g.n, 0);
  const isPass = (grade: string) => grade !== 'Fail' && grade !== 'Withdrawn';
  const count = (grade: string) => total((g) => g.grade === grade);
  const results = total(() => true);
  const assessed = results - count('Withdrawn');
  const firstTotal = total((g) => g.number === 1 && g.grade !== 'Withdrawn');
  const months = [...new Set(groups.map((g) => g.month))].sort();

  // Days from gateway acceptance to the first attempt's first booking and to its result, as histograms (the epa_attempts_report_days index).
  const days = q<{ toResult: number | null; toBooking: number | null; n: number }>(
    `select e.days_to_result as toResult, e.days_to_booking as toBooking, count(*) as n ${from} where ${where} and e.number = 1 and e.overall_grade <> 'Withdrawn' group by e.days_to_result, e.days_to_booking`,
  );
  const histogram = (key: 'toResult' | 'toBooking') => {
    const h = new Map<number, number>();
    for (const row of days) {
      const value = row[key];
      if (value !== null) h.set(value, (h.get(value) ?? 0) + row.n);
    }
    return h;
  };

  const appealFrom = joinApprentices
    ? 'from appeals ap join epa_attempts e on e.id = ap.attempt_id join apprentices a on a.id = e.apprentice_id'
    : 'from appeals ap join epa_attempts e on e.id = ap.attempt_id';
  const appeals = q<{ decision: string | null; count: number }>(
    `select ap.decision as decision, count(*) as count ${appealFrom} where ${where} group by ap.decision`,
  );
  const appealCount = (decision: string | null) => appeals.find((r) => r.decision === decision)?.count ?? 0;

  return {
    results,
    byGrade: RESULT_ORDER.map((grade) => ({ grade, count: count(grade) })).filter(
      (r) => r.count > 0 || ALWAYS_LISTED.includes(r.grade),
    ),
    passRate: ratio(
      total((g) => isPass(g.grade)),
      assessed,
    ),
    distinctionRate: ratio(count('Distinction'), assessed),
    firstAttempts: firstTotal,
    firstAttemptPassRate: ratio(
      total((g) => g.number === 1 && isPass(g.grade)),
      firstTotal,
    ),
    resits: total((g) => g.kind === 'resit' && g.grade !== 'Withdrawn'),
    retakes: total((g) => g.kind === 'retake' && g.grade !== 'Withdrawn'),
    appeals: {
      lodged: appeals.reduce((sum, r) => sum + r.count, 0),
      upheld: appealCount('upheld'),
      notUpheld: appealCount('not_upheld'),
      open: appealCount(null),
    },
    daysToBooking: percentilesOf(histogram('toBooking')),
    daysToResult: percentilesOf(histogram('toResult')),
    bookingsWaiting: bookingsWaiting(db, filter, scope, today),
    byMonth: months.map((month) => ({
      month,
      results: total((g) => g.month === month),
      passes: total((g) => g.month === month && isPass(g.grade)),
    })),
  };
}

/**
 * The apprentices of the booking queue (src/bookings/store.ts: gateway accepted, still in their
 * EPA, a method of the current attempt without an active booking) in this filter and scope: the
 * figure and the queue an administrator books from count the same people. The queue is read once
 * until the database changes and holds only the current cohort, so this costs its size.
 */
function bookingsWaiting(db: Db, filter: ReportFilter, scope: ApprenticeScope, today: string): number {
  if (scope.kind === 'none') return 0;
  const provider = scope.kind === 'provider' ? scope.ukprn : filter.providerUkprn;
  const employer = scope.kind === 'employer' ? scope.employerId : filter.employerId;
  return bookingQueue(db, today).filter(
    ({ apprentice: a }) =>
      (filter.standardVersionId === undefined || a.standardVersionId === filter.standardVersionId) &&
      (provider === undefined || a.providerUkprn === provider) &&
      (employer === undefined || a.employerId === employer),
  ).length;
}

/* ---------- KSB shortfall ---------- */

export interface KsbShortfall {
  ksb: string;
  /** Decisions on the pass criteria mapped to the KSB, and how many were "not met", among all graded attempts and among Fails. */
  decisions: number;
  notMet: number;
  rate: number | null;
  failDecisions: number;
  failNotMet: number;
  failRate: number | null;
}

/**
 * For each KSB of the plan: how often the pass criteria mapped to it were not met, among all
 * submitted gradings and among attempts whose result is a Fail, worst first. Counted per
 * criterion in SQL; the plan's criterion → KSB map (a few dozen entries) is applied here.
 */
export function ksbShortfall(db: Db, plan: PlanFile, filter: ReportFilter, scope: ApprenticeScope): KsbShortfall[] {
  const { where, params } = attemptScope(filter, scope);
  const rows = db.$client
    .prepare(
      `select d.criterion_id as criterion,
              count(*) as decisions,
              coalesce(sum(d.met = 0), 0) as notMet,
              coalesce(sum(e.overall_grade = 'Fail'), 0) as failDecisions,
              coalesce(sum(d.met = 0 and e.overall_grade = 'Fail'), 0) as failNotMet
       from criterion_decisions d
       join gradings g on g.id = d.grading_id and g.status = 'submitted' and g.outcome = 'graded'
       join epa_attempts e on e.id = g.attempt_id
       join apprentices a on a.id = e.apprentice_id
       where ${where} and e.overall_grade <> 'Withdrawn'${filter.methodId !== undefined ? ' and g.method_id = :gMethod' : ''}${filter.assessorUserId !== undefined ? ' and g.assessor_user_id = :gAssessor' : ''}
       group by d.criterion_id`,
    )
    .all({
      ...params,
      ...(filter.methodId !== undefined ? { gMethod: filter.methodId } : {}),
      ...(filter.assessorUserId !== undefined ? { gAssessor: filter.assessorUserId } : {}),
    }) as { criterion: string; decisions: number; notMet: number; failDecisions: number; failNotMet: number }[];
  const byCriterion = new Map(rows.map((r) => [r.criterion, r]));
  const ksbs = [
    ...new Set(
      plan.methods.filter((m) => filter.methodId === undefined || m.id === filter.methodId).flatMap((m) => m.ksbs),
    ),
  ];
  return ksbs
    .map((ksb) => {
      const mapped = plan.criteria
        .filter(
          (c) =>
            c.level === 'pass' &&
            c.ksbs.includes(ksb) &&
            (filter.methodId === undefined || c.method === filter.methodId),
        )
        .map((c) => byCriterion.get(c.id));
      const sum = (key: 'decisions' | 'notMet' | 'failDecisions' | 'failNotMet') =>
        mapped.reduce((total, r) => total + (r?.[key] ?? 0), 0);
      return {
        ksb,
        decisions: sum('decisions'),
        notMet: sum('notMet'),
        rate: ratio(sum('notMet'), sum('decisions')),
        failDecisions: sum('failDecisions'),
        failNotMet: sum('failNotMet'),
        failRate: ratio(sum('failNotMet'), sum('failDecisions')),
      };
    })
    .sort(
      (a, b) =>
        (b.rate ?? -1) - (a.rate ?? -1) ||
        (b.failRate ?? -1) - (a.failRate ?? -1) ||
        a.ksb.localeCompare(b.ksb, 'en', { numeric: true }),
    );
}
