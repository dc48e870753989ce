import { PAGE_SIZE, pageFrom, slicePage, type Page } from '../http/paging.js';
import { groupBy } from '../grouping.js';
import { isoInstant } from '../dates.js';
import type { DateTime } from 'luxon';
import {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  gt,
  gte,
  inArray,
  like,
  lt,
  lte,
  notExists,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { ApprenticeScope } from '../apprentices/access.js';
import {
  detailQuery,
  flatten,
  listedIn,
  scopeCondition,
  type ApprenticeDetail,
  type ApprenticeRow,
} from '../apprentices/store.js';
import { addMonths, ageOn } from '../calendar.js';
import { memoUntilChange } from '../db/change-stamp.js';
import type { Db, Queryable } from '../db/connection.js';
import {
  apprentices,
  behaviourVerifications,
  employers,
  earlierEpisodes,
  flexibilityJudgements,
  gatewayCheckDecisions,
  learningBreaks,
  gatewayDeclarations,
  gatewayItemsProvided,
  gatewayScopeTally,
  gatewayStatusCache,
  gatewaySubmissions,
  offTheJobHours,
  providers,
  qualifications,
  standardVersions,
} from '../db/schema.js';
import { planForApprentice } from '../plans/store.js';
import type { PlanFile } from '../plans/schema.js';
import { CHECK_CODES } from './model.js';
import { RELEASED_STATUSES, journeyStatus, type JourneyStatus } from '../apprentices/journey.js';
import { journeyFactsOf } from '../apprentices/store.js';
import type {
  CheckCode,
  EarlierEpisode,
  FlexibilityJudgement,
  GatewayApprentice,
  GatewayEvaluation,
  GatewayEvidence,
  GatewayPlan,
  LearningBreak,
} from './model.js';
import { startFirstAttemptAtGateway } from '../grading/attempts.js';
import { RULES_2025_FROM, evaluateGateway, statusChangesOn } from './rules.js';
import { GATEWAY_STATES, type GatewayState, type SubmissionStatus } from './status.js';

export type SubmissionRow = typeof gatewaySubmissions.$inferSelect;

/** What the rules read about an apprentice beyond their record: breaks, earlier episodes and the flexibility judgement. */
export interface RulesFacts {
  breaks: LearningBreak[];
  earlierEpisodes: EarlierEpisode[];
  flexibility: FlexibilityJudgement | null;
}

/** The fields of an apprentice's record the rules read. */
type RulesRecord = Pick<
  ApprenticeDetail,
  | 'dateOfBirth'
  | 'startDate'
  | 'plannedEndDate'
  | 'weeklyHours'
  | 'standardLevel'
  | 'standardReference'
  | 'standardVersion'
  | 'publishedOffTheJobHours'
  | 'priorLearningHours'
  | 'bslFirstLanguage'
  | 'englishMathsChoice'
>;

export function gatewayApprentice(a: RulesRecord, facts: RulesFacts): GatewayApprentice {
  return {
    dateOfBirth: a.dateOfBirth,
    startDate: a.startDate,
    plannedEndDate: a.plannedEndDate,
    weeklyHours: a.weeklyHours,
    standardLevel: a.standardLevel,
    standardName: `${a.standardReference} version ${a.standardVersion}`,
    publishedOffTheJobHours: a.publishedOffTheJobHours,
    priorLearningHours: a.priorLearningHours,
    bslFirstLanguage: a.bslFirstLanguage,
    englishMathsChoice: a.englishMathsChoice,
    ...facts,
  };
}

/**
 * The breaks, earlier episodes and flexibility judgements of the apprentices `where` selects
 * (three queries, whatever their number), by apprentice id.
 */
export function loadRulesFacts(db: Queryable, where: SQL | undefined): Map<number, RulesFacts> {
  const facts = new Map<number, RulesFacts>();
  const of = (id: number) => {
    let f = facts.get(id);
    if (!f) facts.set(id, (f = { breaks: [], earlierEpisodes: [], flexibility: null }));
    return f;
  };
  for (const { b } of db
    .select({ b: learningBreaks })
    .from(learningBreaks)
    .innerJoin(apprentices, eq(apprentices.id, learningBreaks.apprenticeId))
    .where(where)
    .orderBy(learningBreaks.fromDate)
    .all())
    of(b.apprenticeId).breaks.push({ from: b.fromDate, to: b.toDate });
  for (const { e } of db
    .select({ e: earlierEpisodes })
    .from(earlierEpisodes)
    .innerJoin(apprentices, eq(apprentices.id, earlierEpisodes.apprenticeId))
    .where(where)
    .orderBy(earlierEpisodes.startDate)
    .all())
    of(e.apprenticeId).earlierEpisodes.push({ startDate: e.startDate, endDate: e.endDate });
  for (const { j } of db
    .select({ j: flexibilityJudgements })
    .from(flexibilityJudgements)
    .innerJoin(apprentices, eq(apprentices.id, flexibilityJudgements.apprenticeId))
    .where(where)
    .all())
    of(j.apprenticeId).flexibility = { basis: j.basis, decidedOn: j.decidedOn, reference: j.reference };
  return facts;
}

const NO_FACTS: RulesFacts = { breaks: [], earlierEpisodes: [], flexibility: null };

/** One apprentice's facts for the rules. */
export function rulesFactsOf(db: Queryable, apprenticeId: number): RulesFacts {
  return loadRulesFacts(db, eq(apprentices.id, apprenticeId)).get(apprenticeId) ?? NO_FACTS;
}

export function gatewayPlan(plan: PlanFile | undefined): GatewayPlan {
  return {
    gatewayItems: plan?.gatewayItems.map(({ id, name }) => ({ id, name })) ?? [],
    employerVerifiedKsbs: plan?.regime === 'apprenticeship-assessment' ? plan.employerVerifiedKsbs : [],
  };
}

function verificationFacts(row: typeof behaviourVerifications.$inferSelect | undefined) {
  return row ? { verifiedOn: row.verifiedOn, verifierName: row.verifierName } : null;
}

/** A submission that is still live (awaiting or accepted) fixes the date after which hours stop counting. */
function submittedOnOf(latest: Pick<SubmissionRow, 'status' | 'submittedOn'> | undefined): string | null {
  return latest && latest.status !== 'rejected' ? latest.submittedOn : null;
}

export function latestSubmission(db: Queryable, apprenticeId: number): SubmissionRow | undefined {
  return db
    .select()
    .from(gatewaySubmissions)
    .where(eq(gatewaySubmissions.apprenticeId, apprenticeId))
    .orderBy(desc(gatewaySubmissions.attempt))
    .limit(1)
    .get();
}

export function submissionsOf(db: Db, apprenticeId: number): SubmissionRow[] {
  return db
    .select()
    .from(gatewaySubmissions)
    .where(eq(gatewaySubmissions.apprenticeId, apprenticeId))
    .orderBy(desc(gatewaySubmissions.attempt))
    .all();
}

/** Everything the rules read about one apprentice, in full (every hours entry), for their own page. */
export function loadEvidence(
  db: Queryable,
  apprentice: ApprenticeRow,
  submittedOn: string | null,
): GatewayEvidence & {
  hoursEntries: (typeof offTheJobHours.$inferSelect)[];
  qualificationRows: (typeof qualifications.$inferSelect)[];
  itemRows: (typeof gatewayItemsProvided.$inferSelect)[];
} {
  const qualificationRows = db
    .select()
    .from(qualifications)
    .where(eq(qualifications.apprenticeId, apprentice.id))
    .orderBy(qualifications.achievedOn)
    .all();
  const hoursEntries = db
    .select()
    .from(offTheJobHours)
    .where(eq(offTheJobHours.apprenticeId, apprentice.id))
    .orderBy(offTheJobHours.date, offTheJobHours.id)
    .all();
  const itemRows = db
    .select()
    .from(gatewayItemsProvided)
    .where(eq(gatewayItemsProvided.apprenticeId, apprentice.id))
    .all();
  const declaration = db
    .select()
    .from(gatewayDeclarations)
    .where(eq(gatewayDeclarations.apprenticeId, apprentice.id))
    .get();
  return {
    qualifications: qualificationRows,
    offTheJob: hoursEntries.map(({ date, hours, kind }) => ({ date, hours, kind })),
    planItemsProvided: itemRows.map((i) => i.itemId),
    declaration: declarationFacts(declaration),
    submittedOn,
    behaviourVerification: verificationFacts(
      db.select().from(behaviourVerifications).where(eq(behaviourVerifications.apprenticeId, apprentice.id)).get(),
    ),
    hoursEntries,
    qualificationRows,
    itemRows,
  };
}

export function evaluateApprentice(
  db: Db,
  apprentice: ApprenticeDetail,
  on: string,
): {
  evaluation: GatewayEvaluation;
  latest: SubmissionRow | undefined;
  plan: PlanFile | undefined;
  evidence: ReturnType<typeof loadEvidence>;
  rulesApprentice: GatewayApprentice;
} {
  return evaluationsUntilChange(db, `${apprentice.id} ${on}`, () => evaluateNow(db, apprentice, on));
}

/** An apprentice's page, its gateway page and the API read the same evaluation again and again until something changes. */
const evaluationsUntilChange = memoUntilChange<ReturnType<typeof evaluateNow>>(500);

function evaluateNow(db: Db, apprentice: ApprenticeDetail, on: string) {
  const latest = latestSubmission(db, apprentice.id);
  const plan = planForApprentice(db, apprentice);
  const evidence = loadEvidence(db, apprentice, submittedOnOf(latest));
  const rulesApprentice = gatewayApprentice(apprentice, rulesFactsOf(db, apprentice.id));
  return {
    evaluation: evaluateGateway(rulesApprentice, evidence, gatewayPlan(plan), on),
    rulesApprentice,
    latest,
    plan,
    evidence,
  };
}

/**
 * Where an apprentice stands: a live submission's status; after a rejection, "rejected" until
 * everything is put right, then "ready" (to submit again); otherwise ready or not.
 */
export function gatewayState(
  evaluation: GatewayEvaluation,
  latest: Pick<SubmissionRow, 'status'> | undefined,
): GatewayState {
  if (latest && (latest.status !== 'rejected' || !evaluation.ready)) return latest.status;
  return evaluation.ready ? 'ready' : 'not_ready';
}

export interface OverviewRow {
  apprentice: ApprenticeDetail;
  state: GatewayState;
  unmet: CheckCode[];
  attempt: number | null;
  /** The first day the state could differ without new evidence; null: only new evidence can change it. */
  changesOn: string | null;
}

/**
 * Every apprentice in scope with their gateway state and unmet checks on a date. A fixed
 * number of queries whatever the number of apprentices (no query per row): the apprentices,
 * their qualifications, their countable hours summed in SQL, items, declarations and latest
 * submissions; then the pure rules on each.
 */
/** An apprentice's original start in SQL: the earliest of their start and any earlier episode's. */
const ORIGINAL_START = sql.raw(
  'min(apprentices.start_date, coalesce((select min(e.start_date) from earlier_episodes e where e.apprentice_id = apprentices.id), apprentices.start_date))',
);

/** The apprentices in scope (narrowed by `only`), by name, each with their record and gateway evaluation on `on`. */
export function gatewayOverview(db: Db, scope: ApprenticeScope, on: string, only?: SQL): OverviewRow[] {
  const where = and(scopeCondition(scope), only);
  const rows = detailQuery(db)
    .where(where)
    .orderBy(asc(apprentices.familyName), asc(apprentices.givenNames), asc(apprentices.id))
    .all()
    .map(flatten);
  return evaluateEach(db, where, on, rows);
}

/** What the rules read of an apprentice's record and standard, with what finds their plan: all a status to store needs. */
const RULES_COLUMNS = {
  id: apprentices.id,
  dateOfBirth: apprentices.dateOfBirth,
  startDate: apprentices.startDate,
  plannedEndDate: apprentices.plannedEndDate,
  weeklyHours: apprentices.weeklyHours,
  priorLearningHours: apprentices.priorLearningHours,
  bslFirstLanguage: apprentices.bslFirstLanguage,
  englishMathsChoice: apprentices.englishMathsChoice,
  planId: apprentices.planId,
  standardVersionId: apprentices.standardVersionId,
  standardLevel: standardVersions.level,
  standardReference: standardVersions.reference,
  standardVersion: standardVersions.version,
  publishedOffTheJobHours: standardVersions.offTheJobMinimumHours,
};

/**
 * The statuses on `on` of the apprentices in scope (narrowed by `only`), as the cache stores them,
 * in no particular order: the status upkeep and the start-up fill only store what they work out,
 * so they read only what the rules read (a full record each, mapped and copied, was a third of the
 * start-up fill's time at 112,000 apprentices).
 */
export function statusesToStore(db: Db, scope: ApprenticeScope, on: string, only?: SQL): CacheRow[] {
  const where = and(scopeCondition(scope), only);
  const rows = db
    .select(RULES_COLUMNS)
    .from(apprentices)
    .innerJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId))
    .where(where)
    .all();
  return evaluateEach(db, where, on, rows).map(cacheRowOf);
}

/** The record of an apprentice the rules evaluate: what they read, and what finds the plan. */
type EvaluatedRecord = RulesRecord & { id: number; planId: string | null; standardVersionId: number };

/** Each of `rows` (the apprentices `where` selects) with its evaluation on `on`, their evidence read in bulk. */
function evaluateEach<R extends EvaluatedRecord>(
  db: Db,
  where: SQL | undefined,
  on: string,
  rows: R[],
): (Omit<OverviewRow, 'apprentice'> & { apprentice: R })[] {
  // No one here (a batch of ids outside the scope): nothing more to read.
  if (rows.length === 0) return [];
  const latestIds = db
    .select({ id: sql<number>`max(${gatewaySubmissions.id})` })
    .from(gatewaySubmissions)
    .innerJoin(apprentices, eq(apprentices.id, gatewaySubmissions.apprenticeId))
    .where(where)
    .groupBy(gatewaySubmissions.apprenticeId);
  // Only what the state reads of each latest submission (not its stored evaluation, a document each).
  const latest = new Map(
    db
      .select({
        apprenticeId: gatewaySubmissions.apprenticeId,
        status: gatewaySubmissions.status,
        attempt: gatewaySubmissions.attempt,
      })
      .from(gatewaySubmissions)
      .where(sql`${gatewaySubmissions.id} in ${latestIds}`)
      .all()
      .map((s) => [s.apprenticeId, s]),
  );
  const grouped = <T extends { apprenticeId: number }>(items: T[]) => groupBy(items, (i) => i.apprenticeId);
  const quals = grouped(
    db
      .select({ q: qualifications })
      .from(qualifications)
      .innerJoin(apprentices, eq(apprentices.id, qualifications.apprenticeId))
      .where(where)
      .all()
      .map((r) => r.q),
  );
  const items = grouped(
    db
      .select({ i: gatewayItemsProvided })
      .from(gatewayItemsProvided)
      .innerJoin(apprentices, eq(apprentices.id, gatewayItemsProvided.apprenticeId))
      .where(where)
      .all()
      .map((r) => r.i),
  );
  const declarations = new Map(
    db
      .select({ d: gatewayDeclarations })
      .from(gatewayDeclarations)
      .innerJoin(apprentices, eq(apprentices.id, gatewayDeclarations.apprenticeId))
      .where(where)
      .all()
      .map((r) => [r.d.apprenticeId, r.d]),
  );
  const facts = loadRulesFacts(db, where);
  const verifications = new Map(
    db
      .select({ v: behaviourVerifications })
      .from(behaviourVerifications)
      .innerJoin(apprentices, eq(apprentices.id, behaviourVerifications.apprenticeId))
      .where(where)
      .all()
      .map((r) => [r.v.apprenticeId, r.v]),
  );
  // Hours that count, as offTheJobCheck counts them: off-the-job training (not the kinds that are
  // not), from the start (a restart's original start, under the published minimum of starts from
  // 1 August 2025) to the date, and on or before a live (not rejected) submission's date. One
  // indexed range sum per apprentice, inside one query.
  const hours = new Map(
    db
      .select({
        apprenticeId: apprentices.id,
        // Table names written out: drizzle would render the outer column unqualified, which the subquery would take as its own.
        total: sql<number>`(select coalesce(sum(o.hours), 0) from off_the_job_hours o where o.apprentice_id = apprentices.id and o.kind = 'training'
          and o.date >= (case when ${ORIGINAL_START} >= ${RULES_2025_FROM} then ${ORIGINAL_START} else apprentices.start_date end) and o.date <= ${on}
          and o.date <= coalesce((select s.submitted_on from gateway_submissions s where s.apprentice_id = apprentices.id and s.status <> 'rejected' order by s.attempt desc limit 1), ${on}))`,
        // The next training logged for a day after the date: it counts from that day.
        nextLogged: sql<
          string | null
        >`(select min(o.date) from off_the_job_hours o where o.apprentice_id = apprentices.id and o.kind = 'training' and o.date > ${on})`,
      })
      .from(apprentices)
      .where(where)
      .all()
      .map((h) => [h.apprenticeId, h]),
  );
  const planFor = planReader(db);
  return rows.map((apprentice) => {
    const submission = latest.get(apprentice.id);
    const declaration = declarations.get(apprentice.id);
    const logged = hours.get(apprentice.id);
    const total = logged?.total ?? 0;
    const evidence: GatewayEvidence = {
      qualifications: quals.get(apprentice.id) ?? [],
      offTheJob: total > 0 ? [{ date: apprentice.startDate, hours: total, kind: 'training' }] : [],
      planItemsProvided: (items.get(apprentice.id) ?? []).map((i) => i.itemId),
      declaration: declarationFacts(declaration),
      submittedOn: null,
      behaviourVerification: verificationFacts(verifications.get(apprentice.id)),
    };
    return {
      apprentice,
      ...overviewState(
        gatewayApprentice(apprentice, facts.get(apprentice.id) ?? NO_FACTS),
        evidence,
        planFor(apprentice),
        submission,
        logged?.nextLogged ?? null,
        on,
      ),
    };
  });
}

/** Each apprentice's plan for the rules: the one their record names, or their version's default; each read once. */
function planReader(db: Queryable) {
  const plans = new Map<string, GatewayPlan>();
  return (apprentice: { planId: string | null; standardVersionId: number }) => {
    const key = apprentice.planId ?? `default:${apprentice.standardVersionId}`;
    let plan = plans.get(key);
    if (!plan) plans.set(key, (plan = gatewayPlan(planForApprentice(db, apprentice))));
    return plan;
  };
}

function declarationFacts(declaration: typeof gatewayDeclarations.$inferSelect | undefined) {
  return {
    employerConfirmed: Boolean(declaration?.employerConfirmedAt),
    providerConfirmed: Boolean(declaration?.providerConfirmedAt),
    apprenticeConfirmed: Boolean(declaration?.apprenticeConfirmedAt),
    certificatePermission: Boolean(declaration?.certificatePermissionAt),
  };
}

/** An overview row's state, unmet checks, attempt and the day it could change, from what the rules read. */
function overviewState(
  rulesApprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  plan: GatewayPlan,
  submission: Pick<SubmissionRow, 'status' | 'attempt'> | undefined,
  nextLogged: string | null,
  on: string,
): Omit<OverviewRow, 'apprentice'> {
  const evaluation = evaluateGateway(rulesApprentice, evidence, plan, on);
  return {
    state: gatewayState(evaluation, submission),
    unmet: evaluation.checks.filter((c) => c.status === 'unmet').map((c) => c.code),
    attempt: submission?.attempt ?? null,
    changesOn: statusChangesOn(rulesApprentice, evidence, on, [nextLogged]),
  };
}

/**
 * A cached evaluation that holds on `on`: made on or before it, and not yet at the day its state
 * could change (valid_until). The unary + keeps SQLite off the cache's own indexes, so a list walks
 * the scope's apprentices and looks each one's row up by key.
 */
const holdsOn = (on: string | ReturnType<typeof sql.placeholder>) =>
  sql`(+${gatewayStatusCache.evaluatedOn} <= ${on} and (${gatewayStatusCache.validUntil} is null or +${gatewayStatusCache.validUntil} > ${on}))`;

/**
 * Makes sure every apprentice in scope has a cached evaluation that holds on `on`, and returns the
 * cached counts by state. An evaluation is kept until new evidence (the triggers of migration 0003
 * clear it) or the day its state could change with time (valid_until): a new day re-evaluates only
 * the apprentices a date has reached, not everyone; later requests evaluate nothing.
 */
export function refreshGatewayCache(db: Db, scope: ApprenticeScope, on: string): Record<GatewayState, number> {
  const cached = cachedStateCounts(db, scope, on);
  if (cached.uncached === 0) return cached.counts;
  fillGatewayCache(db, scope, on);
  return cachedStateCounts(db, scope, on).counts;
}

/** Whether every apprentice in scope has a cached evaluation that holds on `on` (nothing to work out and store). */
export function statusCacheComplete(db: Db, scope: ApprenticeScope, on: string): boolean {
  return cachedStateCounts(db, scope, on).uncached === 0;
}

/**
 * How many apprentices in scope have each check unmet on `on` (not yet requested: state
 * not_ready), from the cache refreshGatewayCache keeps, as its triggers tally it.
 */
export function unmetCheckCounts(db: Db, scope: ApprenticeScope, on: string): Record<CheckCode, number> {
  refreshGatewayCache(db, scope, on);
  return cachedUnmetCounts(db, scope, on);
}

/** unmetCheckCounts from the cache as it is, none worked out: kept until anything in the database changes. */
export function cachedUnmetCounts(db: Db, scope: ApprenticeScope, on: string): Record<CheckCode, number> {
  return unmetCountsMemo(db, `${JSON.stringify(scope)} ${on}`, () => countUnmetChecks(db, scope, on));
}

const unmetCountsMemo = memoUntilChange<Record<CheckCode, number>>();

/** The scope's rows of the scope tally (migration 0047). */
function scopeTallyRows(scope: ApprenticeScope): SQL | undefined {
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'provider':
      return eq(gatewayScopeTally.providerUkprn, scope.ukprn);
    case 'employer':
      return eq(gatewayScopeTally.employerId, scope.employerId);
    case 'none':
      return sql`0`;
  }
}

/**
 * The reads of a scope's counts: its scope-tally rows by state and, of those not ready, by unmet
 * checks (a few kinds each), its statuses that have stopped holding on `on` by state and unmet
 * checks (to take off: read along the cache's indexes on the days, as stoppedHolding is), and its listed
 * apprentices (an index's count). A sum over the scope's rows of the tally, where reading every
 * status in a provider's scope after each change took 150 ms at 200,000 apprentices (a LIKE for
 * each check: 450 ms for its home page).
 */
export function scopeCountQueries(db: Db, scope: ApprenticeScope, on: string) {
  const inScope = scopeTallyRows(scope);
  const tallied = sql<number>`sum(${gatewayScopeTally.n})`;
  return {
    byState: db
      .select({ state: gatewayScopeTally.state, n: tallied })
      .from(gatewayScopeTally)
      .where(inScope)
      .groupBy(gatewayScopeTally.state),
    stopped: db
      .select({ state: gatewayStatusCache.state, unmet: gatewayStatusCache.unmet, n: count() })
      .from(gatewayStatusCache)
      .where(stoppedInScope(db, scope, on))
      .groupBy(gatewayStatusCache.state, gatewayStatusCache.unmet),
    byUnmet: db
      .select({ unmet: gatewayScopeTally.unmet, n: tallied })
      .from(gatewayScopeTally)
      .where(and(inScope, eq(gatewayScopeTally.state, 'not_ready')))
      .groupBy(gatewayScopeTally.unmet),
    listed: db.select({ n: count() }).from(apprentices).where(scopeCondition(scope)),
  };
}

/**
 * Runs `reads` in one read transaction: the counts' reads then see the same database, where a
 * worker's commit between them (the start-up fill storing the statuses it had marked) would have
 * counted its rows in the tally but not among those stopped.
 */
function oneSnapshot<T>(db: Db, reads: () => T): T {
  return db.$client.transaction(reads)();
}

/** Each kind's count in the tally less those of its statuses that have stopped holding: the kinds that hold. */
function lessStopped(tallied: [kind: string, n: number][], stopped: [kind: string, n: number][]): Map<string, number> {
  const holding = new Map(tallied);
  for (const [kind, n] of stopped) holding.set(kind, (holding.get(kind) ?? 0) - n);
  for (const [kind, n] of holding) if (n <= 0) holding.delete(kind);
  return holding;
}

function countUnmetChecks(db: Db, scope: ApprenticeScope, on: string): Record<CheckCode, number> {
  const counts = Object.fromEntries(CHECK_CODES.map((code) => [code, 0])) as Record<CheckCode, number>;
  const { byUnmet, stopped } = scopeCountQueries(db, scope, on);
  const [tallied, stoppedRows] = oneSnapshot(db, () => [byUnmet.all(), stopped.all()] as const);
  const stoppedNotReady = stoppedRows
    .filter((r) => r.state === 'not_ready')
    .map((r): [string, number] => [r.unmet, r.n]);
  for (const [unmet, n] of lessStopped(
    tallied.map((r) => [r.unmet, r.n]),
    stoppedNotReady,
  ))
    for (const code of unmet.split(',')) if (Object.hasOwn(counts, code)) counts[code as CheckCode] += n;
  return counts;
}

/** Stores one apprentice's evaluation: id, date, state, unmet checks (",a,b,"), the day it could change. */
const UPSERT_CACHE = `insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until) values (?, ?, ?, ?, ?)
  on conflict (apprentice_id) do update set evaluated_on = excluded.evaluated_on, state = excluded.state, unmet = excluded.unmet, valid_until = excluded.valid_until`;

/** How many apprentices are evaluated at a time: the memory one batch of evidence takes stays small at any size. */
const EVALUATION_BATCH = 20_000;

/**
 * Evaluates (in bulk, a batch of apprentices at a time) the apprentices in scope that have no
 * cached evaluation for `on`. First those whose status has stopped holding (a new day: read along
 * the day each stops, so the cost is theirs, not everyone's); then, only if some apprentice in
 * scope still has none (a status cleared and not yet worked out again), a pass over the scope.
 */
function fillGatewayCache(db: Db, scope: ApprenticeScope, on: string): void {
  const expired = stoppedHolding(db, scope, on)
    .all()
    .map((r) => r.id);
  for (let at = 0; at < expired.length; at += EVALUATION_BATCH)
    storeStatusesOf(db, expired.slice(at, at + EVALUATION_BATCH), on);
  if (expired.length > 0 && statusCacheComplete(db, scope, on)) return;
  for (const rows of missingEvaluations(db, scope, on)) db.$client.transaction(() => storeEvaluations(db, on, rows))();
}

/** Apprentices whose ids are in `ids`, as one value (a JSON array) however many. */
const idsIn = (ids: readonly number[]) =>
  sql`${apprentices.id} in (select value from json_each(${JSON.stringify(ids)}))`;

/**
 * The listed apprentices in scope whose cached status has stopped holding on `on` (the day it
 * could change has come, or it was made for a later day): read along the status cache's indexes
 * on those days, then each apprentice by id. The scope's own column is kept off its index, which
 * would otherwise read every apprentice in scope.
 */
export function stoppedHolding(db: Db, scope: ApprenticeScope, on: string) {
  return db
    .select({ id: gatewayStatusCache.apprenticeId })
    .from(gatewayStatusCache)
    .where(stoppedInScope(db, scope, on));
}

/** Cache rows of listed apprentices in scope that have stopped holding on `on` (stoppedHolding's). */
function stoppedInScope(db: Db, scope: ApprenticeScope, on: string): SQL {
  const inScope = db
    .select({ one: sql`1` })
    .from(apprentices)
    .where(and(eq(apprentices.id, gatewayStatusCache.apprenticeId), scopeOffIndex(scope)));
  return and(or(lte(gatewayStatusCache.validUntil, on), gt(gatewayStatusCache.evaluatedOn, on)), exists(inScope))!;
}

/** scopeCondition with its columns kept off their indexes (unary +), for reads that find their rows another way. */
function scopeOffIndex(scope: ApprenticeScope): SQL {
  const listed = sql`+${apprentices.erasedAt} is null`;
  switch (scope.kind) {
    case 'all':
      return listed;
    case 'provider':
      return sql`${listed} and +${apprentices.providerUkprn} = ${scope.ukprn}`;
    case 'employer':
      return sql`${listed} and +${apprentices.employerId} = ${scope.employerId}`;
    case 'none':
      return sql`0`;
  }
}

/** One apprentice's evaluation as the cache stores it. */
export type CacheRow = [apprenticeId: number, state: GatewayState, unmet: string, validUntil: string | null];

/**
 * The evaluations the cache lacks for `on` in scope, worked out a batch of apprentices at a time:
 * a provider's or employer's found in one pass along its own index, everyone's along ranges of ids.
 */
export function* missingEvaluations(db: Db, scope: ApprenticeScope, on: string): Generator<CacheRow[]> {
  if (scope.kind !== 'all') {
    const ids = missingInScope(db, scope, on)
      .all()
      .map((r) => r.id);
    for (let at = 0; at < ids.length; at += EVALUATION_BATCH)
      yield statusesToStore(db, { kind: 'all' }, on, idsIn(ids.slice(at, at + EVALUATION_BATCH)));
    return;
  }
  const last =
    db
      .select({ id: sql<number | null>`max(${apprentices.id})` })
      .from(apprentices)
      .get()?.id ?? 0;
  for (let from = 0; from <= last; from += EVALUATION_BATCH) {
    const ids = missingInBatch(db, scope, on, from)
      .all()
      .map((r) => r.id);
    if (ids.length === 0) continue;
    // Their evidence read by id: the scope is already in the ids.
    yield statusesToStore(db, { kind: 'all' }, on, idsIn(ids));
  }
}

/**
 * The apprentices in scope, of the EVALUATION_BATCH ids from `from`, whose cached status does not
 * hold on `on`: read along the batch's range of ids. The scope's own column is kept off its index:
 * without statistics SQLite would otherwise read the scope's index whole for each batch (a
 * provider of 210,000 apprentices waited 2.5 s on a new day for 1,680 statuses).
 */
export function missingInBatch(db: Db, scope: ApprenticeScope, on: string, from: number) {
  return db
    .select({ id: apprentices.id })
    .from(apprentices)
    .where(
      and(
        scopeOffIndex(scope),
        notExists(statusHolding(db, on)),
        gte(apprentices.id, from),
        lt(apprentices.id, from + EVALUATION_BATCH),
      ),
    );
}

/** The apprentice's cached status, when it holds on `on` (a subquery over the outer apprentices row). */
function statusHolding(db: Db, on: string) {
  return db
    .select({ one: sql`1` })
    .from(gatewayStatusCache)
    .where(and(eq(gatewayStatusCache.apprenticeId, apprentices.id), holdsOn(on)));
}

/**
 * The listed apprentices in scope whose cached status does not hold on `on`, in one pass along the
 * scope's own index: what the scope has, where ranges of ids read every apprentice in the table.
 */
export function missingInScope(db: Db, scope: ApprenticeScope, on: string) {
  return db
    .select({ id: apprentices.id })
    .from(apprentices)
    .where(and(scopeCondition(scope), notExists(statusHolding(db, on))));
}

/** An evaluation as the cache stores it. */
function cacheRowOf(row: Omit<OverviewRow, 'apprentice'> & { apprentice: { id: number } }): CacheRow {
  return [row.apprentice.id, row.state, `,${row.unmet.join(',')},`, row.changesOn];
}

/**
 * Works out and stores, in one short write, the statuses on `on` of these apprentices (any since
 * removed are skipped); returns how many it stored.
 */
export function storeStatusesOf(db: Db, ids: readonly number[], on: string): number {
  if (ids.length === 0) return 0;
  const rows = statusesToStore(db, { kind: 'all' }, on, idsIn(ids));
  db.$client.transaction(() => storeEvaluations(db, on, rows))();
  return rows.length;
}

/** Stores evaluations worked out for `on` (inside the caller's transaction). */
function storeEvaluations(db: Db, on: string, rows: readonly CacheRow[]): void {
  const upsert = db.$client.prepare(UPSERT_CACHE);
  for (const [id, state, unmet, validUntil] of rows) upsert.run(id, on, state, unmet, validUntil);
}

/** An apprentice just added, as written: no evidence, breaks, earlier episodes or submission yet. */
export type NewApprentice = Omit<
  RulesRecord,
  'standardLevel' | 'standardReference' | 'standardVersion' | 'publishedOffTheJobHours' | 'priorLearningHours'
> & { id: number; uln: string; standardVersionId: number; planId: string | null };

/** What the rules see of an apprentice with nothing recorded yet. */
const NO_EVIDENCE: GatewayEvidence = {
  qualifications: [],
  offTheJob: [],
  planItemsProvided: [],
  declaration: declarationFacts(undefined),
  submittedOn: null,
  behaviourVerification: null,
};

/** An apprentice about to be added (or just added, without its id yet), as it will be written. */
export type ApprenticeToAdd = Omit<NewApprentice, 'id'>;

/**
 * The gateway states on `on` of apprentices about to be added, worked out before the transaction
 * that writes them (an import's write lock then lasts for the writes alone), with the standard
 * versions and plans they were worked out from, so that cacheNewApprentices can tell whether
 * those changed in between.
 */
export interface StatesAhead {
  on: string;
  basis: string;
  byUln: Map<string, Omit<OverviewRow, 'apprentice'>>;
}

/** How many new apprentices' evaluations newApprenticeInputs keeps to share. */
const SHARED_AT_ONCE = 10_000;

/** What a new apprentice's evaluation reads from the database: the standard versions and the plans. */
export function newApprenticeInputs(db: Db) {
  const versions = new Map(
    db
      .select({
        id: standardVersions.id,
        standardReference: standardVersions.reference,
        standardVersion: standardVersions.version,
        standardLevel: standardVersions.level,
        publishedOffTheJobHours: standardVersions.offTheJobMinimumHours,
      })
      .from(standardVersions)
      .all()
      .map(({ id, ...version }) => [id, version]),
  );
  const planFor = planReader(db);
  const worked = new Map<string, Omit<OverviewRow, 'apprentice'>>();
  return {
    /**
     * The state on `on` of an apprentice about to be added. Apprentices alike in everything the
     * rules read of a new record share one evaluation (and one object): the same version and plan,
     * dates, hours, BSL and English and maths choice, and of the date of birth the age at the start
     * (english-maths.ts) and, when it is today or later, the date itself (statusChangesOn takes
     * every date of the record as a day the state could change). An import's cohort starts
     * together, so most of its rows are worked out once; a property test holds every shared
     * evaluation to the apprentice's own (test/unit/import-stage.test.ts). At most SHARED_AT_ONCE
     * are kept: a file of all different records keeps no more.
     */
    evaluate(apprentice: ApprenticeToAdd, on: string): Omit<OverviewRow, 'apprentice'> {
      const alike = [
        on,
        apprentice.standardVersionId,
        apprentice.planId,
        apprentice.startDate,
        apprentice.plannedEndDate,
        apprentice.weeklyHours,
        apprentice.bslFirstLanguage,
        apprentice.englishMathsChoice,
        ageOn(apprentice.dateOfBirth, apprentice.startDate),
        apprentice.dateOfBirth >= on ? apprentice.dateOfBirth : '',
      ].join('|');
      const known = worked.get(alike);
      if (known) return known;
      if (worked.size >= SHARED_AT_ONCE) worked.clear();
      const version = versions.get(apprentice.standardVersionId)!;
      const record: RulesRecord = {
        dateOfBirth: apprentice.dateOfBirth,
        startDate: apprentice.startDate,
        plannedEndDate: apprentice.plannedEndDate,
        weeklyHours: apprentice.weeklyHours,
        bslFirstLanguage: apprentice.bslFirstLanguage,
        englishMathsChoice: apprentice.englishMathsChoice,
        standardReference: version.standardReference,
        standardVersion: version.standardVersion,
        standardLevel: version.standardLevel,
        publishedOffTheJobHours: version.publishedOffTheJobHours,
        // A new record has no prior learning recorded (the column's default).
        priorLearningHours: 0,
      };
      const state = overviewState(
        gatewayApprentice(record, NO_FACTS),
        NO_EVIDENCE,
        planFor(apprentice),
        undefined,
        null,
        on,
      );
      worked.set(alike, state);
      return state;
    },
    /** The versions and the plans these apprentices' evaluations read, as one string to compare. */
    basis(fresh: readonly ApprenticeToAdd[]): string {
      const byPlan = new Map<string, ApprenticeToAdd>();
      for (const a of fresh) {
        const key = a.planId ?? `default:${a.standardVersionId}`;
        if (!byPlan.has(key)) byPlan.set(key, a);
      }
      return JSON.stringify([[...versions], [...byPlan].map(([key, a]) => [key, planFor(a)])]);
    },
  };
}

/** Works out, outside any write transaction, the states cacheNewApprentices stores for `fresh`. */
export function workOutNewApprentices(db: Db, fresh: readonly ApprenticeToAdd[], on: string): StatesAhead {
  const inputs = newApprenticeInputs(db);
  // Apprentices alike share one evaluation object (newApprenticeInputs), so a cohort's statuses held until the write are few.
  return { on, basis: inputs.basis(fresh), byUln: new Map(fresh.map((a) => [a.uln, inputs.evaluate(a, on)])) };
}

/**
 * Caches the gateway state on `on` of apprentices just added (in the transaction that added them),
 * from the records as written: a new apprentice has no evidence, facts or submission to read, so
 * an import of 100,000 costs their evaluations and no reading back. The result is what
 * fillGatewayCache would store for them (test/unit/gateway-cache.test.ts holds the two equal).
 * States worked out `ahead` are stored as they are, unless a standard version or plan they read
 * has changed since (another user's edit between the two): then all are worked out again here.
 */
export function cacheNewApprentices(db: Db, fresh: readonly NewApprentice[], on: string, ahead?: StatesAhead): void {
  const inputs = newApprenticeInputs(db);
  const current = ahead && ahead.on === on && ahead.basis === inputs.basis(fresh) ? ahead.byUln : null;
  const upsert = db.$client.prepare(UPSERT_CACHE);
  for (const apprentice of fresh) {
    const row = current?.get(apprentice.uln) ?? inputs.evaluate(apprentice, on);
    upsert.run(apprentice.id, on, row.state, `,${row.unmet.join(',')},`, row.changesOn);
  }
}

/**
 * The apprentices in scope with a cached evaluation for `on`, counted by state, and how many
 * in scope have none (an apprentice has at most one cache row). Two counts from indexes: a
 * warm cache costs a dashboard these, not the six queries of an overview.
 */
export function cachedStateCounts(
  db: Db,
  scope: ApprenticeScope,
  on: string,
): { counts: Record<GatewayState, number>; uncached: number } {
  return stateCountsMemo(db, `${JSON.stringify(scope)} ${on}`, () => countStates(db, scope, on));
}

/** The counts are the dashboard's costliest read; they stand until anything in the database changes. */
const stateCountsMemo = memoUntilChange<{ counts: Record<GatewayState, number>; uncached: number }>();

/** A scope's counts by state from the scope tally (migration 0047), its rows alone (everyone's: all its rows). */
function countStates(
  db: Db,
  scope: ApprenticeScope,
  on: string,
): { counts: Record<GatewayState, number>; uncached: number } {
  const counts = noStates();
  const { byState, stopped, listed } = scopeCountQueries(db, scope, on);
  const [tallied, stoppedRows, all] = oneSnapshot(
    db,
    () => [byState.all(), stopped.all(), listed.get()?.n ?? 0] as const,
  );
  let held = 0;
  for (const [state, n] of lessStopped(
    tallied.map((r) => [r.state, r.n]),
    stoppedRows.map((r) => [r.state, r.n]),
  )) {
    counts[state as GatewayState] = n;
    held += n;
  }
  return { counts, uncached: all - held };
}

/** The scope tally's key, in its order. */
const TALLY_KEY = 'provider_ukprn, employer_id, state, unmet';

/** The status cache counted as the scope tally counts it (migration 0047's own fill), in the tally's order. */
const TALLY_OF_CACHE = `select a.provider_ukprn, a.employer_id, c.state, c.unmet, count(*) as n
  from gateway_status_cache c join apprentices a on a.id = c.apprentice_id where a.erased_at is null
  group by 1, 2, 3, 4 order by 1, 2, 3, 4`;

/**
 * Rebuilds the scope tally from the status cache if the two differ, and says whether they did (at
 * start-up, before anything trusts it: a write the triggers could not see, such as an INSERT OR
 * REPLACE into the cache or into apprentices (its replaced row fires no delete trigger, and the
 * cascade then removes the status once the apprentice has gone), or a table rebuilt without them,
 * would otherwise leave the counts wrong for good). Nothing in the app writes either way.
 */
export function reconcileScopeTally(db: Db): boolean {
  const client = db.$client;
  return client
    .transaction(() => {
      const counted = client.prepare(TALLY_OF_CACHE).raw().all();
      const kept = client.prepare(`select ${TALLY_KEY}, n from gateway_scope_tally order by ${TALLY_KEY}`).raw().all();
      if (JSON.stringify(counted) === JSON.stringify(kept)) return false;
      client.prepare('delete from gateway_scope_tally').run();
      client.prepare(`insert into gateway_scope_tally (${TALLY_KEY}, n) ${TALLY_OF_CACHE}`).run();
      return true;
    })
    .immediate();
}

const noStates = () => Object.fromEntries(GATEWAY_STATES.map((s) => [s, 0])) as Record<GatewayState, number>;

/**
 * One page of the list (and its count), built and prepared once per database, kind of scope and
 * narrowing (every request of a dashboard under load asks for it), reading only the columns the
 * list shows.
 */
type PageQuery = ReturnType<ReturnType<typeof pageSelect>['prepare']>;
type CountQuery = ReturnType<ReturnType<typeof countSelect>['prepare']>;
const pageQueries = new WeakMap<Db, Map<string, PageQuery | CountQuery>>();
function prepared<Q extends PageQuery | CountQuery>(db: Db, key: string, build: () => Q): Q {
  let byKey = pageQueries.get(db);
  if (!byKey) pageQueries.set(db, (byKey = new Map<string, PageQuery | CountQuery>()));
  let query = byKey.get(key) as Q | undefined;
  if (!query) byKey.set(key, (query = build()));
  return query;
}
function pageQuery(db: Db, kind: ScopeKind, narrowing?: Narrowing) {
  return prepared(db, `page ${kind} ${String(narrowing)}`, () => pageSelect(db, kind, narrowing).prepare());
}
function countQuery(db: Db, kind: ScopeKind, narrowing?: Narrowing) {
  return prepared(db, `count ${kind} ${String(narrowing)}`, () => countSelect(db, kind, narrowing).prepare());
}

type ScopeKind = 'all' | 'provider' | 'employer';

/** The statuses an accepted apprentice's latest result alone decides (journeyStatus). */
type ResultStatus = 'released' | 'failed' | 'withdrawn' | 'claimed';
const isResultStatus = (status: JourneyStatus): status is ResultStatus => RELEASED_STATUSES.includes(status);

/** The apprentice's latest attempt meets `condition` (on its row, `e`); an apprentice with no attempt meets none. */
const latestAttempt = (condition: SQL) =>
  sql`exists (select 1 from epa_attempts e where e.apprentice_id = ${apprentices.id}
  and e.number = (select max(x.number) from epa_attempts x where x.apprentice_id = e.apprentice_id) and ${condition})`;

/** Whether the apprentice's latest attempt has its result released. */
const latestReleased = latestAttempt(sql`e.released_at is not null`);

/** Each status after release in SQL, exactly as journeyStatus decides it for an accepted apprentice. */
const RESULT_STATUS_SQL: Record<ResultStatus, SQL> = {
  claimed: latestAttempt(sql`e.claimed_at is not null`),
  failed: latestAttempt(sql`e.claimed_at is null and e.released_at is not null and e.overall_grade = 'Fail'`),
  withdrawn: latestAttempt(sql`e.claimed_at is null and e.released_at is not null and e.overall_grade = 'Withdrawn'`),
  released: latestAttempt(
    sql`e.claimed_at is null and e.released_at is not null and coalesce(e.overall_grade, '') not in ('Fail', 'Withdrawn')`,
  ),
};

/**
 * How a status filter narrows the list: to the apprentices whose latest result is not released
 * (a status between acceptance and release, worked out for each of them), or to exactly one
 * status after release (in SQL).
 */
type Narrowing = 'unreleased' | ResultStatus;

/** The list's conditions: the scope (by placeholder), the cached state holding on `on`, the filters, any narrowing. */
function pageConditions(kind: ScopeKind, narrowing?: Narrowing) {
  return and(
    listedIn(kind, sql.placeholder('scopeId')),
    // The page walks the apprentices in name order, by the scope's index.
    holdsOn(sql.placeholder('on')),
    sql`(${sql.placeholder('state')} is null or ${gatewayStatusCache.state} = ${sql.placeholder('state')})`,
    sql`(${sql.placeholder('unmet')} is null or ${gatewayStatusCache.unmet} like ${sql.placeholder('unmet')})`,
    narrowing === undefined
      ? undefined
      : narrowing === 'unreleased'
        ? sql`not ${latestReleased}`
        : RESULT_STATUS_SQL[narrowing],
  );
}

/** The dashboard's page query before it is prepared (its SQL is what the query-plan test explains). */
export function pageSelect(db: Db, kind: ScopeKind, narrowing?: Narrowing) {
  return db
    .select({
      id: apprentices.id,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      startDate: apprentices.startDate,
      providerName: providers.name,
      employerName: employers.name,
      state: gatewayStatusCache.state,
      unmet: gatewayStatusCache.unmet,
    })
    .from(apprentices)
    .innerJoin(gatewayStatusCache, eq(gatewayStatusCache.apprenticeId, apprentices.id))
    .innerJoin(providers, eq(providers.ukprn, apprentices.providerUkprn))
    .innerJoin(employers, eq(employers.id, apprentices.employerId))
    .where(pageConditions(kind, narrowing))
    .orderBy(asc(apprentices.familyName), asc(apprentices.givenNames), asc(apprentices.id))
    .limit(sql.placeholder('limit'))
    .offset(sql.placeholder('offset'));
}

/** How many rows pageSelect's conditions match. */
function countSelect(db: Db, kind: ScopeKind, narrowing?: Narrowing) {
  return db
    .select({ n: count() })
    .from(apprentices)
    .innerJoin(gatewayStatusCache, eq(gatewayStatusCache.apprenticeId, apprentices.id))
    .where(pageConditions(kind, narrowing));
}

export interface DashboardFilter {
  state?: GatewayState;
  unmet?: CheckCode;
  /** Where the apprentice stands (src/apprentices/journey.ts). */
  status?: JourneyStatus;
}

/** The statuses before gateway acceptance, each one gateway state: the cache filters them. */
const STATUS_STATES: Partial<Record<JourneyStatus, GatewayState>> = {
  in_training: 'not_ready',
  ready: 'ready',
  requested: 'submitted',
  rejected: 'rejected',
};

/**
 * One page of the dashboard: apprentices in scope with their state and unmet checks on `on`,
 * filtered and paged in SQL from the cache, plus the count in each state.
 */
export function dashboardPage(
  db: Db,
  scope: ApprenticeScope,
  on: string,
  filter: DashboardFilter,
  page: number,
  pageSize: number,
) {
  const counts = refreshGatewayCache(db, scope, on);
  return dashboardsUntilChange(db, JSON.stringify([scope, on, filter, page, pageSize]), () =>
    readDashboardPage(db, scope, on, filter, page, pageSize, counts),
  );
}

/** Every dashboard request reads its page of apprentices and where each stands; each page is kept until the database changes. */
const dashboardsUntilChange = memoUntilChange<ReturnType<typeof readDashboardPage>>(200);

function readDashboardPage(
  db: Db,
  scope: ApprenticeScope,
  on: string,
  filter: DashboardFilter,
  page: number,
  pageSize: number,
  counts: Record<GatewayState, number>,
) {
  // A status before acceptance is a gateway state; one after it is read from each accepted apprentice's attempt.
  if (filter.status && STATUS_STATES[filter.status]) filter = { ...filter, state: STATUS_STATES[filter.status] };
  else if (filter.status) return journeyPage(db, scope, on, filter, filter.status, counts, page, pageSize);
  const inScope = and(scopeCondition(scope), holdsOn(on));
  const where = and(
    inScope,
    filter.state ? eq(gatewayStatusCache.state, filter.state) : undefined,
    filter.unmet ? like(gatewayStatusCache.unmet, `%,${filter.unmet},%`) : undefined,
  );
  // The state counts already give the number shown unless an unmet check also filters.
  const matching = filter.unmet
    ? (db
        .select({ n: count() })
        .from(gatewayStatusCache)
        .innerJoin(apprentices, eq(apprentices.id, gatewayStatusCache.apprenticeId))
        .where(where)
        .get()?.n ?? 0)
    : filter.state
      ? counts[filter.state]
      : Object.values(counts).reduce((a, b) => a + b, 0);
  const pages = Math.max(1, Math.ceil(matching / pageSize));
  const current = Math.min(Math.max(1, page), pages);
  const rows =
    scope.kind === 'none'
      ? []
      : pageQuery(db, scope.kind)
          .all({
            scopeId: scope.kind === 'provider' ? scope.ukprn : scope.kind === 'employer' ? scope.employerId : null,
            on,
            state: filter.state ?? null,
            unmet: filter.unmet ? `%,${filter.unmet},%` : null,
            limit: pageSize,
            offset: (current - 1) * pageSize,
          })
          .map((row) => ({ ...row, unmet: row.unmet.split(',').filter(Boolean) as CheckCode[] }));
  return {
    rows: withStatus(db, rows),
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    matching,
    page: current,
    pages,
  };
}

type DashboardRow = Omit<ReturnType<ReturnType<typeof pageQuery>['all']>[number], 'unmet'> & { unmet: CheckCode[] };

/** Rows with where each apprentice stands, from their gateway state and their latest attempt (three queries a page). */
function withStatus<R extends Omit<DashboardRow, 'unmet'>>(db: Db, rows: R[]): (R & { status: JourneyStatus })[] {
  const facts = journeyFactsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, status: journeyStatus({ gateway: r.state, ...facts.get(r.id)! }) }));
}

const journeyMemo = memoUntilChange<(Omit<DashboardRow, 'unmet'> & { unmet: string; status: JourneyStatus })[]>(16);

/**
 * The dashboard filtered by a status after gateway acceptance, in name order: a status after
 * release paged in SQL, one before it cut from the scope's accepted apprentices whose result is
 * not released, each one's status worked out (a few grouped queries for them all).
 */
function journeyPage(
  db: Db,
  scope: ApprenticeScope,
  on: string,
  filter: DashboardFilter,
  status: JourneyStatus,
  counts: Record<GatewayState, number>,
  page: number,
  pageSize: number,
) {
  const params = {
    scopeId: scope.kind === 'provider' ? scope.ukprn : scope.kind === 'employer' ? scope.employerId : null,
    on,
    state: 'accepted',
    unmet: filter.unmet ? `%,${filter.unmet},%` : null,
  };
  // A status after release is one condition on the latest attempt: counted and paged in SQL.
  // One before it needs the bookings and gradings too, so those apprentices' statuses are worked
  // out, and kept until the database changes (paging through the filter works them out once).
  const found =
    scope.kind === 'none'
      ? slicePage([], page, pageSize)
      : isResultStatus(status)
        ? pageFrom(
            countQuery(db, scope.kind, status).get(params)?.n ?? 0,
            page,
            (limit, offset) => withStatus(db, pageQuery(db, scope.kind, status).all({ ...params, limit, offset })),
            pageSize,
          )
        : slicePage(
            journeyMemo(db, JSON.stringify([scope, on, status, filter.unmet ?? null]), () =>
              withStatus(db, pageQuery(db, scope.kind, 'unreleased').all({ ...params, limit: -1, offset: 0 })).filter(
                (r) => r.status === status,
              ),
            ),
            page,
            pageSize,
          );
  return {
    rows: found.rows.map((row) => ({ ...row, unmet: row.unmet.split(',').filter(Boolean) as CheckCode[] })),
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    matching: found.total,
    page: found.page,
    pages: found.pages,
  };
}

/**
 * A page of the apprentices in scope with their state on `on`, whole (the API's list). For today
 * the page comes from the status cache as the dashboard's does; for another day only the page's
 * apprentices are evaluated, unless a state filter needs every one in scope evaluated to know
 * which match.
 */
export function overviewPage(
  db: Db,
  scope: ApprenticeScope,
  on: string,
  today: string,
  filter: { state?: GatewayState; status?: JourneyStatus },
  asked: number,
  size = PAGE_SIZE,
): Page<Pick<OverviewRow, 'apprentice' | 'state' | 'unmet'> & { status?: JourneyStatus }> {
  const { state } = filter;
  if (on === today) {
    const page = dashboardPage(db, scope, on, filter, asked, size);
    const ulns = page.rows.map((r) => r.uln);
    // The records of the page's apprentices, with the states the cache gave the page (no evaluation again).
    const found = ulns.length === 0 ? [] : detailQuery(db).where(inArray(apprentices.uln, ulns)).all().map(flatten);
    const byUln = new Map(found.map((a) => [a.uln, a]));
    const rows = page.rows.flatMap((r) => {
      const apprentice = byUln.get(r.uln);
      return apprentice ? [{ apprentice, state: r.state, unmet: r.unmet, status: r.status }] : [];
    });
    return { rows, total: page.matching, page: page.page, pages: page.pages };
  }
  if (state)
    return slicePage(
      gatewayOverview(db, scope, on).filter((r) => r.state === state),
      asked,
      size,
    );
  const total = db.select({ n: count() }).from(apprentices).where(scopeCondition(scope)).get()?.n ?? 0;
  return pageFrom(
    total,
    asked,
    (limit, offset) => {
      const ids = db
        .select({ id: apprentices.id })
        .from(apprentices)
        .where(scopeCondition(scope))
        .orderBy(asc(apprentices.familyName), asc(apprentices.givenNames), asc(apprentices.id))
        .limit(limit)
        .offset(offset)
        .all()
        .map((r) => r.id);
      return ids.length === 0 ? [] : gatewayOverview(db, scope, on, inArray(apprentices.id, ids));
    },
    size,
  );
}

/* ---------- Submission and review ---------- */

export type SubmitResult = { ok: true; submission: SubmissionRow } | { ok: false; message: string };

/** A provider requests EPA: only when every check is met and no submission is awaiting a decision or accepted. */
export function submitForGateway(db: Db, apprentice: ApprenticeDetail, on: string, actor: Actor): SubmitResult {
  return db.transaction((tx) => {
    const latest = latestSubmission(tx, apprentice.id);
    if (latest?.status === 'submitted')
      return {
        ok: false,
        message: `Attempt ${latest.attempt} was submitted on ${latest.submittedOn} and is waiting for the EPAO’s decision`,
      };
    if (latest?.status === 'accepted')
      return {
        ok: false,
        message: `The gateway was accepted; the EPA period runs from ${latest.epaPeriodStart} to ${latest.epaPeriodEnd}`,
      };
    const plan = planForApprentice(tx, apprentice);
    const evidence = loadEvidence(tx, apprentice, on);
    const evaluation = evaluateGateway(
      gatewayApprentice(apprentice, rulesFactsOf(tx, apprentice.id)),
      evidence,
      gatewayPlan(plan),
      on,
    );
    if (!evaluation.ready) {
      const unmet = evaluation.checks.filter((c) => c.status === 'unmet');
      return { ok: false, message: `EPA cannot be requested yet: ${unmet.map((c) => c.reason).join(' ')}` };
    }
    const submission = tx
      .insert(gatewaySubmissions)
      .values({
        apprenticeId: apprentice.id,
        attempt: (latest?.attempt ?? 0) + 1,
        status: 'submitted',
        submittedOn: on,
        submittedBy: actor.userId,
        evaluation,
      })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'gateway.submitted',
      entityType: 'gateway_submission',
      entityId: submission.id,
      after: { uln: apprentice.uln, attempt: submission.attempt, submittedOn: on },
    });
    return { ok: true, submission };
  });
}

export interface ReviewDecision {
  checks: { code: CheckCode; accepted: boolean; reason: string | null }[];
  outcome: Exclude<SubmissionStatus, 'submitted'>;
  reason: string | null;
}

/** The EPAO decides a submission. Acceptance opens the plan's EPA period from the decision date. */
export function decideSubmission(
  db: Db,
  submissionId: number,
  decision: ReviewDecision,
  epaPeriodMonths: number,
  on: string,
  actor: Actor,
  now: DateTime,
): { ok: true } | { ok: false; message: string } {
  return db.transaction((tx) => {
    const before = tx.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.id, submissionId)).get();
    if (!before) return { ok: false, message: 'There is no such gateway submission' };
    if (before.status !== 'submitted') return { ok: false, message: `This submission was already ${before.status}` };
    const accepted = decision.outcome === 'accepted';
    const after = {
      status: decision.outcome,
      decidedAt: isoInstant(now),
      decidedBy: actor.userId,
      decisionReason: decision.reason,
      epaPeriodStart: accepted ? on : null,
      epaPeriodEnd: accepted ? addMonths(on, epaPeriodMonths) : null,
    };
    tx.update(gatewaySubmissions).set(after).where(eq(gatewaySubmissions.id, submissionId)).run();
    for (const check of decision.checks)
      tx.insert(gatewayCheckDecisions)
        .values({ submissionId, checkCode: check.code, accepted: check.accepted, reason: check.reason })
        .run();
    const moved = accepted ? startFirstAttemptAtGateway(tx, before.apprenticeId, on) : null;
    if (moved)
      recordAudit(tx, actor, {
        action: 'attempt.start_moved',
        entityType: 'attempt',
        entityId: moved.after.id,
        before: {
          startedOn: moved.before.startedOn,
          daysToBooking: moved.before.daysToBooking,
          daysToResult: moved.before.daysToResult,
        },
        after: {
          startedOn: moved.after.startedOn,
          daysToBooking: moved.after.daysToBooking,
          daysToResult: moved.after.daysToResult,
        },
        reason:
          'Gateway to completion accepted: the first attempt runs from the acceptance, after a component during the apprenticeship',
      });
    if (!accepted) {
      // A resubmission is a new gateway: employer, provider and apprentice confirm it afresh.
      const declaration = tx
        .select()
        .from(gatewayDeclarations)
        .where(eq(gatewayDeclarations.apprenticeId, before.apprenticeId))
        .get();
      if (declaration) {
        // The apprentice's permission to claim the certificate is not part of one gateway: it stays.
        tx.update(gatewayDeclarations)
          .set({
            employerConfirmedAt: null,
            employerConfirmedBy: null,
            providerConfirmedAt: null,
            providerConfirmedBy: null,
            apprenticeConfirmedAt: null,
            apprenticeConfirmedBy: null,
          })
          .where(eq(gatewayDeclarations.apprenticeId, before.apprenticeId))
          .run();
        recordAudit(tx, actor, {
          action: 'gateway_declaration.withdrawn',
          entityType: 'gateway_submission',
          entityId: submissionId,
          before: declaration,
          after: tx
            .select()
            .from(gatewayDeclarations)
            .where(eq(gatewayDeclarations.apprenticeId, before.apprenticeId))
            .get(),
          reason:
            "The gateway was rejected: a resubmission needs fresh confirmations (the apprentice's certificate permission stands)",
        });
      }
    }
    recordAudit(tx, actor, {
      action: `gateway.${decision.outcome}`,
      entityType: 'gateway_submission',
      entityId: submissionId,
      before: { status: before.status },
      after: { ...after, checks: decision.checks },
      reason: decision.reason,
    });
    return { ok: true };
  });
}

export function checkDecisionsOf(db: Db, submissionId: number) {
  return db.select().from(gatewayCheckDecisions).where(eq(gatewayCheckDecisions.submissionId, submissionId)).all();
}

export function submissionById(db: Db, id: number): SubmissionRow | undefined {
  return db.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.id, id)).get();
}

/** Submissions awaiting a decision, oldest first. */
export function reviewQueue(db: Db, asked = 1): Page<ReviewQueueRow> {
  return reviewsUntilChange(db, String(asked), () => {
    const total = db.select({ n: count() }).from(gatewaySubmissions).where(WAITING).get()?.n ?? 0;
    return pageFrom(total, asked, (limit, offset) => reviewQueueSelect(db).limit(limit).offset(offset).all());
  });
}

/** One queue every administrator reads, each page of it kept until the database changes. */
const reviewsUntilChange = memoUntilChange<Page<ReviewQueueRow>>(20);

/** A gateway request waiting for review. */
export const WAITING = eq(gatewaySubmissions.status, 'submitted');

/** The review queue in order, before paging (its SQL is what the query-plan test explains). */
export function reviewQueueSelect(db: Db) {
  return db
    .select({
      submission: gatewaySubmissions,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
    })
    .from(gatewaySubmissions)
    .innerJoin(apprentices, eq(apprentices.id, gatewaySubmissions.apprenticeId))
    .where(WAITING)
    .orderBy(gatewaySubmissions.submittedOn, gatewaySubmissions.submittedAt, gatewaySubmissions.id);
}

export interface ReviewQueueRow {
  submission: SubmissionRow;
  uln: string;
  givenNames: string;
  familyName: string;
}
