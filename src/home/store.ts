import { heldByCaseSql } from '../cases/store.js';
import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  min,
  notExists,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import {
  apprentices,
  appeals,
  assessmentRequests,
  cases,
  bookings,
  epaAttempts,
  furtherAttemptRequests,
  gatewaySubmissions,
  gradings,
} from '../db/schema.js';
import { isoInstant, londonDayStart, todayInLondon } from '../dates.js';
import { addDays } from '../calendar.js';
import { APPRENTICE_NAME_COLUMNS, listedIn } from '../apprentices/store.js';
import type { ApprenticeScope } from '../apprentices/access.js';
import { WAITING } from '../gateway/store.js';
import { PENDING } from '../grading/store.js';

/*
 * What each home page counts and lists: indexed reads, each the size of its answer (a queue, a
 * week of bookings, a scope's recent results), never a pass over every apprentice's history.
 */

/** Bookings from `from` (inclusive) up to `to` (exclusive), UTC instants, of one assessor or a scope. */
export function bookingsBetween(
  db: Db,
  who: { assessorUserId: number } | { scope: ApprenticeScope },
  from: string,
  to: string,
  limit = 20,
) {
  const where = and(
    inArray(bookings.status, ['held', 'confirmed']),
    gte(bookings.startsAt, from),
    lt(bookings.startsAt, to),
    'assessorUserId' in who ? eq(bookings.assessorUserId, who.assessorUserId) : scoped(who.scope),
  );
  return db
    .select({
      booking: bookings,
      ...APPRENTICE_NAME_COLUMNS,
    })
    .from(bookings)
    .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
    .where(where)
    .orderBy(asc(bookings.startsAt), asc(bookings.id))
    .limit(limit)
    .all();
}

/** The apprentices a scope holds, as a condition on `apprentices` (none for a scope of nobody). */
function scoped(scope: ApprenticeScope) {
  if (scope.kind === 'none') return sql`0`;
  if (scope.kind === 'all') return undefined;
  return listedIn(scope.kind, scope.kind === 'provider' ? scope.ukprn : scope.employerId);
}

/** How many rows of `table` meet `where`, and the least of `first` among them (the oldest, or the first due). */
function countAndFirst(
  db: Db,
  table: SQLiteTable,
  first: SQLiteColumn,
  where: SQL | undefined,
): { n: number; first: string | null } {
  const row = db
    .select({ n: count(), first: sql<string | null>`min(${first})` })
    .from(table)
    .where(where)
    .get();
  return { n: row?.n ?? 0, first: row?.first ?? null };
}

/** Holds still open whose time to confirm runs out from `now` to the end of today (London). */
export function holdsExpiringToday(
  db: Db,
  now: DateTime,
  assessorUserId?: number,
): { n: number; first: string | null } {
  const today = todayInLondon(now);
  return countAndFirst(
    db,
    bookings,
    bookings.holdExpiresAt,
    and(
      eq(bookings.status, 'held'),
      gte(bookings.holdExpiresAt, isoInstant(now)),
      lt(bookings.holdExpiresAt, londonDayStart(addDays(today, 1))),
      assessorUserId === undefined ? undefined : eq(bookings.assessorUserId, assessorUserId),
    ),
  );
}

/** An assessor's holds waiting for them to confirm, the one that runs out first. */
export function holdsToConfirm(db: Db, assessorUserId: number): { n: number; first: string | null } {
  return countAndFirst(
    db,
    bookings,
    bookings.holdExpiresAt,
    and(eq(bookings.status, 'held'), eq(bookings.assessorUserId, assessorUserId)),
  );
}

/** An assessor's gradings saved as drafts, and their confirmed assessments that have begun with no grading submitted. */
export function gradingToDo(db: Db, assessorUserId: number, now: DateTime) {
  const drafts = db
    .select({ n: count() })
    .from(gradings)
    .where(and(eq(gradings.assessorUserId, assessorUserId), eq(gradings.status, 'draft')))
    .get()!.n;
  const submitted = db
    .select({ one: sql`1` })
    .from(gradings)
    .where(and(eq(gradings.bookingId, bookings.id), eq(gradings.status, 'submitted')));
  const waiting = db
    .select({ n: count(), first: min(bookings.startsAt) })
    .from(bookings)
    .where(
      and(
        eq(bookings.assessorUserId, assessorUserId),
        eq(bookings.status, 'confirmed'),
        lt(bookings.startsAt, isoInstant(now)),
        notExists(submitted),
      ),
    )
    .get()!;
  return { drafts, waiting: waiting.n, oldestWaiting: waiting.first };
}

/** Results ready to release: graded, not released, with nothing sampled still waiting for moderation, and no case holding them (as /results shows them). */
export function resultsToRelease(db: Db): { n: number; first: string | null } {
  return countAndFirst(
    db,
    epaAttempts,
    epaAttempts.resultOn,
    and(
      isNotNull(epaAttempts.overallGrade),
      isNull(epaAttempts.releasedAt),
      sql`not exists (select 1 from gradings g where g.attempt_id = ${epaAttempts.id} and g.moderation = 'pending')`,
      sql`not ${heldByCaseSql(epaAttempts.apprenticeId, epaAttempts.number)}`,
    ),
  );
}

/** Gateway requests waiting for review, with the day the oldest was submitted (the review queue's first). */
export function reviewsWaiting(db: Db): { n: number; first: string | null } {
  return countAndFirst(db, gatewaySubmissions, gatewaySubmissions.submittedOn, WAITING);
}

/** Gradings waiting for moderation, with when the oldest was submitted (the moderation queue's first). */
export function moderationWaiting(db: Db): { n: number; first: string | null } {
  return countAndFirst(db, gradings, gradings.submittedAt, PENDING);
}

/** Appeals lodged and not yet decided, the oldest first lodged. */
export function appealsOpen(db: Db): { n: number; first: string | null } {
  return countAndFirst(db, appeals, appeals.lodgedOn, isNull(appeals.decision));
}

/** Adjustment and special-consideration requests waiting for a decision, with the earliest date one is due by. */
export function requestsOpen(db: Db): { n: number; first: string | null } {
  return countAndFirst(db, assessmentRequests, assessmentRequests.decideBy, eq(assessmentRequests.status, 'requested'));
}

/** Malpractice and maladministration cases not yet decided, with the day the oldest was opened. */
export function casesOpen(db: Db): { n: number; first: string | null } {
  return countAndFirst(db, cases, cases.openedAt, inArray(cases.status, ['open', 'investigating']));
}

/** A scope's gateway requests the assessment organisation rejected, still the latest (not yet sent again). */
export function rejectedToFix(db: Db, scope: ApprenticeScope): number {
  const later = sql`not exists (select 1 from gateway_submissions s2 where s2.apprentice_id = ${gatewaySubmissions.apprenticeId} and s2.id > ${gatewaySubmissions.id})`;
  return db
    .select({ n: count() })
    .from(gatewaySubmissions)
    .innerJoin(apprentices, eq(apprentices.id, gatewaySubmissions.apprenticeId))
    .where(and(eq(gatewaySubmissions.status, 'rejected'), later, scoped(scope)))
    .get()!.n;
}

export interface ResultLine {
  uln: string;
  givenNames: string;
  familyName: string;
  overallGrade: string | null;
  releasedAt: string | null;
  attemptId: number;
}

/** Attempts with their apprentice's name, as the home page lists results. */
function resultLines(db: Db) {
  return db
    .select({
      ...APPRENTICE_NAME_COLUMNS,
      overallGrade: epaAttempts.overallGrade,
      releasedAt: epaAttempts.releasedAt,
      attemptId: epaAttempts.id,
    })
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId));
}

/** A scope's results released since `since` (UTC instant), newest first. */
export function resultsReleasedSince(db: Db, scope: ApprenticeScope, since: string, limit = 10): ResultLine[] {
  return resultLines(db)
    .where(and(gte(epaAttempts.releasedAt, since), scoped(scope)))
    .orderBy(desc(epaAttempts.releasedAt))
    .limit(limit)
    .all();
}

/**
 * A scope's released Fails that are the apprentice's latest attempt and have no resit or retake
 * asked for (or agreed) yet: the provider and employer have a decision to make.
 */
export function failsToDecide(db: Db, scope: ApprenticeScope, limit = 10): ResultLine[] {
  const later = sql`not exists (select 1 from epa_attempts x where x.apprentice_id = ${epaAttempts.apprenticeId} and x.number > ${epaAttempts.number})`;
  const asked = db
    .select({ one: sql`1` })
    .from(furtherAttemptRequests)
    .where(
      and(
        eq(furtherAttemptRequests.attemptId, epaAttempts.id),
        inArray(furtherAttemptRequests.status, ['requested', 'agreed']),
      ),
    );
  return resultLines(db)
    .where(
      and(
        eq(epaAttempts.overallGrade, 'Fail'),
        isNotNull(epaAttempts.releasedAt),
        isNull(apprentices.erasedAt),
        later,
        notExists(asked),
        scoped(scope),
      ),
    )
    .orderBy(asc(epaAttempts.releasedAt))
    .limit(limit)
    .all();
}

/** Resit or retake requests in a scope waiting for the employer to agree or decline, oldest first. */
export function furtherRequestsWaiting(db: Db, scope: ApprenticeScope, limit = 10) {
  return db
    .select({
      ...APPRENTICE_NAME_COLUMNS,
      requestedAt: furtherAttemptRequests.requestedAt,
    })
    .from(furtherAttemptRequests)
    .innerJoin(epaAttempts, eq(epaAttempts.id, furtherAttemptRequests.attemptId))
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .where(and(eq(furtherAttemptRequests.status, 'requested'), scoped(scope)))
    .orderBy(asc(furtherAttemptRequests.requestedAt))
    .limit(limit)
    .all();
}

export type BookingLine = ReturnType<typeof bookingsBetween>[number];
