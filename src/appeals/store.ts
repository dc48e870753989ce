import { and, asc, eq, gte, inArray, isNull, lt, ne, sql, type SQLWrapper } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { appealPanel, appeals, apprentices, bookings, cases, epaAttempts, gradings, users } from '../db/schema.js';
import { londonDayStart } from '../dates.js';
import { addDays } from '../calendar.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { PanelMember } from './rules.js';

/**
 * Everyone who may sit on an appeal's panel (the appeal reviewers: administrators and quality
 * assurers whose accounts are enabled), each with whether they are external and whether they
 * were involved in the result appealed (`involved`: conflictedReviewers of src/grading/store.ts).
 */
export function panelCandidates(db: Queryable, involved: ReadonlySet<number>): PanelMember[] {
  return db
    .select({ id: users.id, name: users.name, external: users.externalReviewer })
    .from(users)
    .where(and(inArray(users.role, [...AREA_ROLES.appealReview]), sql`${users.disabledAt} is null`))
    .orderBy(asc(users.name), asc(users.id))
    .all()
    .map((u) => ({ ...u, involved: involved.has(u.id) }));
}

/** The panel that decided an appeal, by name. */
export function panelOf(db: Queryable, appealId: number): { id: number; name: string; external: boolean }[] {
  return db
    .select({ id: users.id, name: users.name, external: users.externalReviewer })
    .from(appealPanel)
    .innerJoin(users, eq(users.id, appealPanel.userId))
    .where(eq(appealPanel.appealId, appealId))
    .orderBy(asc(users.name), asc(users.id))
    .all();
}

/** Writes an appeal's panel (in the transaction that records its decision). */
export function recordPanel(db: Queryable, appealId: number, memberIds: readonly number[]): void {
  for (const userId of memberIds) db.insert(appealPanel).values({ appealId, userId }).run();
}

/** The submitted gradings of the result appealed: whose, of which method, and when assessed. */
export function appealedGradings(
  db: Queryable,
  attemptId: number,
): { assessorUserId: number; methodId: string; startsAt: string }[] {
  return db
    .select({ assessorUserId: gradings.assessorUserId, methodId: gradings.methodId, startsAt: bookings.startsAt })
    .from(gradings)
    .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
    .where(and(eq(gradings.attemptId, attemptId), sql`${gradings.submittedAt} is not null`))
    .orderBy(asc(bookings.startsAt))
    .all();
}

/** One of the other results an upheld appeal may affect: the same assessor's grading of the same method. */
export interface AffectedResult {
  gradingId: number;
  uln: string;
  givenNames: string;
  familyName: string;
  methodId: string;
  assessorName: string;
  startsAt: string;
  grade: string | null;
  attemptNumber: number;
  released: boolean;
}

/** The most the list shows; the count says how many there are. */
export const AFFECTED_LIMIT = 200;

/**
 * Other apprentices' submitted gradings by the same assessor of the same method as one of
 * `appealed` (the gradings of the result appealed), assessed from `from` to `to` (London days):
 * the results the decision an upheld appeal found wrong may also have touched (Ofqual General
 * Condition I1.4). Oldest first, at most AFFECTED_LIMIT, with how many there are in all.
 */
export function affectedResults(
  db: Queryable,
  appealed: readonly { assessorUserId: number; methodId: string }[],
  apprenticeId: number,
  range: { from: string; to: string },
): { rows: AffectedResult[]; total: number } {
  if (appealed.length === 0) return { rows: [], total: 0 };
  const same = sql.join(
    appealed.map(
      (g) => sql`(${gradings.assessorUserId} = ${g.assessorUserId} and ${gradings.methodId} = ${g.methodId})`,
    ),
    sql` or `,
  );
  const where = and(
    sql`(${same})`,
    ne(epaAttempts.apprenticeId, apprenticeId),
    sql`${gradings.submittedAt} is not null`,
    gte(bookings.startsAt, londonDayStart(range.from)),
    lt(bookings.startsAt, londonDayStart(addDays(range.to, 1))),
  );
  const rows = db
    .select({
      gradingId: gradings.id,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      methodId: gradings.methodId,
      assessorName: users.name,
      startsAt: bookings.startsAt,
      grade: gradings.grade,
      attemptNumber: epaAttempts.number,
      releasedAt: epaAttempts.releasedAt,
    })
    .from(gradings)
    .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
    .innerJoin(epaAttempts, eq(epaAttempts.id, gradings.attemptId))
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .innerJoin(users, eq(users.id, gradings.assessorUserId))
    .where(where)
    .orderBy(asc(bookings.startsAt), asc(gradings.id))
    .limit(AFFECTED_LIMIT)
    .all()
    .map(({ releasedAt, ...r }) => ({ ...r, released: releasedAt !== null }));
  const total =
    rows.length < AFFECTED_LIMIT
      ? rows.length
      : db
          .select({ n: sql<number>`count(*)` })
          .from(gradings)
          .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
          .innerJoin(epaAttempts, eq(epaAttempts.id, gradings.attemptId))
          .where(where)
          .get()!.n;
  return { rows, total };
}

/**
 * Whether an appeal against a decision after an investigation into this attempt's assessments
 * waits for its outcome, as SQL over the columns given (claims): its result is held meanwhile,
 * as under an appeal against the result itself.
 */
export const caseAppealOpenSql = (apprenticeId: SQLWrapper | number, attemptNumber: SQLWrapper | number) =>
  sql<number>`exists (select 1 from ${appeals} x join ${cases} c on c.id = x.case_id
    where c.apprentice_id = ${apprenticeId} and c.attempt_number = ${attemptNumber} and x.decision is null)`;

/** The same for one attempt. */
export function caseAppealOpen(db: Queryable, apprenticeId: number, attemptNumber: number): boolean {
  const open = db
    .select({ id: appeals.id })
    .from(appeals)
    .innerJoin(cases, eq(cases.id, appeals.caseId))
    .where(and(eq(cases.apprenticeId, apprenticeId), eq(cases.attemptNumber, attemptNumber), isNull(appeals.decision)))
    .get();
  return open !== undefined;
}
