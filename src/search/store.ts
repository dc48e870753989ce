import { and, asc, eq, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { apprentices, bookings, employers, gradings } from '../db/schema.js';
import { detailQuery, flatten, listedIn, type ApprenticeDetail } from '../apprentices/store.js';
import type { ApprenticeScope } from '../apprentices/access.js';
import { asUln, containsPattern } from './rules.js';

/** A grading a quality assurer works on: submitted and in the sample (as alias g). */
const IN_SAMPLE = sql`g.status = 'submitted' and g.moderation <> 'not_sampled'`;

/** Who a search may find: an apprentice scope, or the apprentices an assessor or quality assurer has work on. */
export type SearchScope = ApprenticeScope | { kind: 'assessor'; userId: number } | { kind: 'moderator' };

function scopeCondition(scope: SearchScope): SQL | undefined {
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'provider':
      return listedIn('provider', scope.ukprn);
    case 'employer':
      return listedIn('employer', scope.employerId);
    case 'assessor':
      return sql`exists (select 1 from ${bookings} b where b.apprentice_id = ${apprentices.id} and b.assessor_user_id = ${scope.userId})`;
    case 'moderator':
      return sql`exists (select 1 from ${gradings} g join ${bookings} b on b.id = g.booking_id where b.apprentice_id = ${apprentices.id} and ${IN_SAMPLE})`;
    case 'none':
      return sql`0`;
  }
}

/**
 * Apprentices in scope matching what was typed: a ULN exactly, or part of a name or an
 * employer's name or id, without accents or case (the fold function each connection has).
 * Erased records are never found. At most `limit`, by family and given names.
 */
export function searchApprentices(db: Db, scope: SearchScope, text: string, limit: number): ApprenticeDetail[] {
  const uln = asUln(text);
  const pattern = containsPattern(text);
  const matches = uln
    ? eq(apprentices.uln, uln)
    : or(
        sql`fold(${apprentices.givenNames} || ' ' || ${apprentices.familyName}) like ${pattern} escape '\\'`,
        sql`fold(${apprentices.familyName} || ' ' || ${apprentices.givenNames}) like ${pattern} escape '\\'`,
        sql`fold(${employers.name}) like ${pattern} escape '\\'`,
        sql`fold(${employers.id}) like ${pattern} escape '\\'`,
      );
  return detailQuery(db)
    .where(and(isNull(apprentices.erasedAt), scopeCondition(scope), matches))
    .orderBy(apprentices.familyName, apprentices.givenNames, apprentices.id)
    .limit(limit)
    .all()
    .map(flatten);
}

/** Each found apprentice's latest booking with this assessor (where their search result leads), in one query. */
export function latestBookingsOf(
  db: Db,
  apprenticeIds: readonly number[],
  assessorUserId: number,
): Map<number, number> {
  const rows = db
    .select({ apprenticeId: bookings.apprenticeId, id: bookings.id })
    .from(bookings)
    .where(and(inArray(bookings.apprenticeId, [...apprenticeIds]), eq(bookings.assessorUserId, assessorUserId)))
    .orderBy(asc(bookings.startsAt))
    .all();
  return new Map(rows.map((r) => [r.apprenticeId, r.id]));
}

/** Each found apprentice's latest grading in the sample (where a quality assurer's result leads: its moderation page), in one query. */
export function latestGradingsOf(db: Db, apprenticeIds: readonly number[]): Map<number, number> {
  const rows = db
    .select({ apprenticeId: bookings.apprenticeId, id: gradings.id })
    .from(gradings)
    .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
    .where(
      and(
        inArray(bookings.apprenticeId, [...apprenticeIds]),
        eq(gradings.status, 'submitted'),
        ne(gradings.moderation, 'not_sampled'),
      ),
    )
    .orderBy(asc(gradings.id))
    .all();
  return new Map(rows.map((r) => [r.apprenticeId, r.id]));
}
