import { and, asc, count, eq, gte, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { groupBy } from '../grouping.js';
import { londonDateOf, londonDayStart } from '../dates.js';
import { addDays } from '../calendar.js';
import type { Queryable } from '../db/connection.js';
import {
  apprentices,
  attemptMethods,
  bookings,
  epaAttempts,
  gatewaySubmissions,
  gradings,
  standardVersions,
} from '../db/schema.js';
import type { ResultGrade } from '../grading/model.js';
import { planForApprentice } from '../plans/store.js';
import type { PlanFile } from '../plans/schema.js';
import type { OfqualAttempt } from './ofqual.js';
import type { OfqualRegistration } from './ofqual-registrations.js';

/** SQLite's limit on bound parameters is far above this; chunks keep each IN list small. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * A download reads its rows a batch at a time, in the list's order: `limit` rows after the row
 * keyed `after` (its date and id), among those decided or released by `asOf` (the moment the
 * download began, so that a result released meanwhile is neither half in nor counted twice).
 */
export interface ExportBatch {
  after?: { on: string; id: number };
  limit?: number;
  asOf?: string;
}

const inPeriod = (from: string, to: string) =>
  and(isNotNull(epaAttempts.overallGrade), gte(epaAttempts.resultOn, from), lte(epaAttempts.resultOn, to));

/**
 * Released results dated from `from` to `to` (inclusive), oldest first, each with its
 * methods' grades in the plan's order. A result not yet released is not an outcome yet: it
 * can still change at moderation, so it is left out (and counted by unreleasedInPeriod).
 */
export function ofqualAttempts(db: Queryable, from: string, to: string, batch: ExportBatch = {}): OfqualAttempt[] {
  const rows = db
    .select({
      attemptId: epaAttempts.id,
      // An erased apprentice's ULN is gone: the format's "not available" (-2) stands for it.
      uln: sql<string | null>`case when ${apprentices.erasedAt} is null then ${apprentices.uln} end`,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      standardVersionId: apprentices.standardVersionId,
      planId: apprentices.planId,
      standardTitle: standardVersions.title,
      standardReference: standardVersions.reference,
      planVersion: standardVersions.version,
      qualificationNumber: standardVersions.qualificationNumber,
      attemptNumber: epaAttempts.number,
      kind: epaAttempts.kind,
      overallGrade: epaAttempts.overallGrade,
      resultOn: epaAttempts.resultOn,
    })
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .innerJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId))
    .where(
      and(
        inPeriod(from, to),
        isNotNull(epaAttempts.releasedAt),
        batch.asOf ? lte(epaAttempts.releasedAt, batch.asOf) : undefined,
        batch.after
          ? sql`(${epaAttempts.resultOn}, ${epaAttempts.id}) > (${batch.after.on}, ${batch.after.id})`
          : undefined,
      ),
    )
    .orderBy(asc(epaAttempts.resultOn), asc(epaAttempts.id))
    .limit(batch.limit ?? -1)
    .all();

  const ids = rows.map((r) => r.attemptId);
  const modes = chunks(ids).flatMap((part) =>
    db.select().from(attemptMethods).where(inArray(attemptMethods.attemptId, part)).all(),
  );
  const graded = chunks(ids).flatMap((part) =>
    db
      .select({
        attemptId: gradings.attemptId,
        methodId: gradings.methodId,
        grade: gradings.grade,
        outcome: gradings.outcome,
      })
      .from(gradings)
      .where(and(inArray(gradings.attemptId, part), eq(gradings.status, 'submitted')))
      .all(),
  );
  const modesOf = groupBy(modes, (m) => m.attemptId);
  const gradingOf = new Map(graded.map((g) => [`${g.attemptId}/${g.methodId}`, g]));
  // Each apprentice's plan (the one their record names, or their version's default), read once each.
  const plans = new Map<string, PlanFile | undefined>();
  const planOf = (apprentice: { planId: string | null; standardVersionId: number }) => {
    const key = apprentice.planId ?? `default:${apprentice.standardVersionId}`;
    if (!plans.has(key)) plans.set(key, planForApprentice(db, apprentice));
    return plans.get(key);
  };

  return rows.flatMap(({ standardVersionId, planId, overallGrade, resultOn, ...r }) => {
    if (!overallGrade || !resultOn) return [];
    const plan = planOf({ planId, standardVersionId });
    const position = (methodId: string) => plan?.methods.findIndex((m) => m.id === methodId) ?? 0;
    const components = (modesOf.get(r.attemptId) ?? [])
      .sort((a, b) => position(a.methodId) - position(b.methodId))
      .map((m) => {
        const g = gradingOf.get(`${r.attemptId}/${m.methodId}`);
        const grade: ResultGrade | null =
          m.mode === 'carried' ? m.carriedGrade : g?.outcome === 'withdrawn' ? 'Withdrawn' : (g?.grade ?? null);
        return { name: plan?.methods.find((x) => x.id === m.methodId)?.name ?? m.methodId, grade };
      });
    return [{ ...r, overallGrade, resultOn, components }];
  });
}

/** Results dated in the period that have not been released (so are not in the file). */
export function unreleasedInPeriod(db: Queryable, from: string, to: string): number {
  return db
    .select({ n: count() })
    .from(epaAttempts)
    .where(and(inPeriod(from, to), isNull(epaAttempts.releasedAt)))
    .get()!.n;
}

/**
 * The EPAs taken in the period for the registrations file: each accepted gateway submission whose
 * apprentice completed an assessment of it (or one during the apprenticeship) from `from` to `to`
 * (London dates, inclusive), with when the apprentice was registered (their record added) and
 * when the gateway was submitted and signed off (accepted). Oldest submission first.
 */
export function ofqualRegistrations(
  db: Queryable,
  from: string,
  to: string,
  batch: ExportBatch = {},
): OfqualRegistration[] {
  const start = londonDayStart(from);
  const end = londonDayStart(addDays(to, 1));
  const rows = db
    .select({
      submissionId: gatewaySubmissions.id,
      attemptNumber: gatewaySubmissions.attempt,
      submittedOn: gatewaySubmissions.submittedOn,
      signedOffOn: gatewaySubmissions.epaPeriodStart,
      registeredAt: apprentices.createdAt,
      uln: sql<string | null>`case when ${apprentices.erasedAt} is null then ${apprentices.uln} end`,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      standardTitle: standardVersions.title,
      standardReference: standardVersions.reference,
      planVersion: standardVersions.version,
      qualificationNumber: standardVersions.qualificationNumber,
    })
    .from(gatewaySubmissions)
    .innerJoin(apprentices, eq(apprentices.id, gatewaySubmissions.apprenticeId))
    .innerJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId))
    .where(
      and(
        eq(gatewaySubmissions.status, 'accepted'),
        sql`exists (select 1 from ${bookings} b where b.apprentice_id = ${gatewaySubmissions.apprenticeId}
          and (b.submission_id = ${gatewaySubmissions.id} or b.submission_id is null)
          and b.status = 'completed' and b.starts_at >= ${start} and b.starts_at < ${end})`,
        batch.asOf
          ? or(isNull(gatewaySubmissions.decidedAt), lte(gatewaySubmissions.decidedAt, batch.asOf))
          : undefined,
        batch.after
          ? sql`(${gatewaySubmissions.submittedOn}, ${gatewaySubmissions.id}) > (${batch.after.on}, ${batch.after.id})`
          : undefined,
      ),
    )
    .orderBy(asc(gatewaySubmissions.submittedOn), asc(gatewaySubmissions.id))
    .limit(batch.limit ?? -1)
    .all();
  return rows.map(({ registeredAt, ...r }) => ({
    ...r,
    registeredOn: londonDateOf(registeredAt),
  }));
}
