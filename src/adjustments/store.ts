import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../db/connection.js';
import { preparedOnce } from '../db/prepared.js';
import { apprentices, assessmentRequests, bookings, users } from '../db/schema.js';
import { pageFrom, type Page } from '../http/paging.js';
import type { ApprovedAdjustment, RequestKind } from './rules.js';

export type RequestRow = typeof assessmentRequests.$inferSelect;

export function insertRequest(tx: Queryable, values: typeof assessmentRequests.$inferInsert): RequestRow {
  return tx.insert(assessmentRequests).values(values).returning().get();
}

/** One request with its apprentice's ULN and names (its scope), and who made and decided it. */
export function findRequest(db: Queryable, id: number) {
  const decider = alias(users, 'decider');
  return db
    .select({
      request: assessmentRequests,
      uln: apprentices.uln,
      requestedByName: users.name,
      requestedByEmail: users.email,
      decidedByName: decider.name,
    })
    .from(assessmentRequests)
    .innerJoin(apprentices, eq(apprentices.id, assessmentRequests.apprenticeId))
    .leftJoin(users, eq(users.id, assessmentRequests.requestedBy))
    .leftJoin(decider, eq(decider.id, assessmentRequests.decidedBy))
    .where(eq(assessmentRequests.id, id))
    .get();
}

/** An apprentice's requests, newest first. */
export function requestsOfApprentice(db: Queryable, apprenticeId: number): RequestRow[] {
  return requestsQuery(db).all({ apprenticeId });
}

/** Read on every page of an apprentice that their provider or an administrator opens, so prepared once. */
const requestsQuery = preparedOnce((db) =>
  db
    .select()
    .from(assessmentRequests)
    .where(eq(assessmentRequests.apprenticeId, sql.placeholder('apprenticeId')))
    .orderBy(desc(assessmentRequests.id))
    .prepare(),
);

/** A request has changed (new evidence): its revision moves, so a decision made on an older page is refused. */
export function requestChanged(db: Queryable, id: number): void {
  db.update(assessmentRequests)
    .set({ revision: sql`${assessmentRequests.revision} + 1` })
    .where(eq(assessmentRequests.id, id))
    .run();
}

/**
 * The approved (in full or in part) adjustments of the apprentices given (every apprentice's, for a
 * list as long as the booking queue), as the booking rules read them.
 */
export function approvedAdjustments(db: Queryable, apprenticeIds?: readonly number[]) {
  const byApprentice = new Map<number, ApprovedAdjustment[]>();
  if (apprenticeIds?.length === 0) return byApprentice;
  const rows = db
    .select({
      apprenticeId: assessmentRequests.apprenticeId,
      methodId: assessmentRequests.methodId,
      types: assessmentRequests.approvedTypes,
      extraTimePercent: assessmentRequests.approvedExtraTimePercent,
      decidedAt: assessmentRequests.decidedAt,
    })
    .from(assessmentRequests)
    .where(
      and(
        apprenticeIds ? inArray(assessmentRequests.apprenticeId, [...new Set(apprenticeIds)]) : undefined,
        eq(assessmentRequests.kind, 'adjustment'),
        inArray(assessmentRequests.status, ['approved', 'approved_in_part']),
      ),
    )
    .orderBy(asc(assessmentRequests.id))
    .all();
  for (const { apprenticeId, methodId, types, extraTimePercent, decidedAt } of rows) {
    const list = byApprentice.get(apprenticeId) ?? [];
    list.push({ methodId, types: types ?? [], extraTimePercent, decidedAt });
    byApprentice.set(apprenticeId, list);
  }
  return byApprentice;
}

/** One apprentice's approved adjustments. */
export const approvedAdjustmentsOf = (db: Queryable, apprenticeId: number) =>
  approvedAdjustments(db, [apprenticeId]).get(apprenticeId) ?? [];

/** Approved special consideration for an apprentice's attempt, with the assessment it concerns. */
export function considerationsOf(db: Queryable, apprenticeId: number) {
  return db
    .select({
      attempt: bookings.attempt,
      methodId: bookings.methodId,
      startsAt: bookings.startsAt,
      effect: assessmentRequests.effect,
      status: assessmentRequests.status,
    })
    .from(assessmentRequests)
    .innerJoin(bookings, eq(bookings.id, assessmentRequests.bookingId))
    .where(
      and(
        eq(assessmentRequests.apprenticeId, apprenticeId),
        eq(assessmentRequests.kind, 'special_consideration'),
        inArray(assessmentRequests.status, ['approved', 'approved_in_part']),
      ),
    )
    .orderBy(asc(assessmentRequests.id))
    .all();
}

export interface RequestQueueFilter {
  /** Open: waiting for a decision, the one due first first; decided: the latest decided first. */
  show: 'open' | 'decided';
  kind?: RequestKind;
}

/** A page of the administrators' list of requests, with each apprentice's name and ULN. */
export function pageOfRequests(db: Queryable, filter: RequestQueueFilter, asked: number): Page<QueueRow> {
  const where = and(
    filter.show === 'open'
      ? eq(assessmentRequests.status, 'requested')
      : inArray(assessmentRequests.status, ['approved', 'approved_in_part', 'refused', 'withdrawn']),
    filter.kind ? eq(assessmentRequests.kind, filter.kind) : undefined,
  );
  const total = db
    .select({ n: sql<number>`count(*)` })
    .from(assessmentRequests)
    .where(where)
    .get()!.n;
  return pageFrom(total, asked, (limit, offset) =>
    db
      .select({
        request: assessmentRequests,
        uln: apprentices.uln,
        givenNames: apprentices.givenNames,
        familyName: apprentices.familyName,
      })
      .from(assessmentRequests)
      .innerJoin(apprentices, eq(apprentices.id, assessmentRequests.apprenticeId))
      .where(where)
      .orderBy(
        ...(filter.show === 'open'
          ? [asc(assessmentRequests.decideBy), asc(assessmentRequests.id)]
          : [desc(assessmentRequests.decidedAt), desc(assessmentRequests.id)]),
      )
      .limit(limit)
      .offset(offset)
      .all(),
  );
}

export interface QueueRow {
  request: RequestRow;
  uln: string;
  givenNames: string;
  familyName: string;
}
