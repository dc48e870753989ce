import { and, asc, desc, eq, inArray, isNull, ne, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../db/connection.js';
import { apprentices, bookings, cases, gradings, moderations, providers, users } from '../db/schema.js';
import { pageFrom, type Page } from '../http/paging.js';

export type CaseRow = typeof cases.$inferSelect;

export function insertCase(tx: Queryable, values: typeof cases.$inferInsert): CaseRow {
  return tx.insert(cases).values(values).returning().get();
}

/**
 * Cases matching `where`, each with the names of what it is against and of the people in it: one
 * query for a case's page and for the lists alike.
 */
function casesWithNames(db: Queryable, where: SQL | undefined) {
  const opener = alias(users, 'opener');
  const investigator = alias(users, 'investigator');
  const assessor = alias(users, 'assessor');
  return db
    .select({
      case: cases,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      bookingAssessorId: bookings.assessorUserId,
      methodId: bookings.methodId,
      bookingStartsAt: bookings.startsAt,
      assessorName: assessor.name,
      providerName: providers.name,
      openedByName: opener.name,
      investigatorName: investigator.name,
    })
    .from(cases)
    .leftJoin(apprentices, eq(apprentices.id, cases.apprenticeId))
    .leftJoin(bookings, eq(bookings.id, cases.bookingId))
    .leftJoin(assessor, eq(assessor.id, cases.assessorUserId))
    .leftJoin(providers, eq(providers.ukprn, cases.providerUkprn))
    .leftJoin(opener, eq(opener.id, cases.openedBy))
    .leftJoin(investigator, eq(investigator.id, cases.investigatorUserId))
    .where(where);
}

const findCaseRow = (db: Queryable, id: number) => casesWithNames(db, eq(cases.id, id)).get();

export type CaseListRow = NonNullable<ReturnType<typeof findCaseRow>>;

export type FoundCase = NonNullable<ReturnType<typeof findCaseRow>> & { moderatorIds: number[] };

/** One case (findCaseRow) with the quality assurers who moderated its assessment's grading. */
export function findCase(db: Queryable, id: number): FoundCase | undefined {
  const found = findCaseRow(db, id);
  if (!found) return undefined;
  const moderatorIds =
    found.case.bookingId === null
      ? []
      : db
          .selectDistinct({ id: moderations.moderatorUserId })
          .from(moderations)
          .innerJoin(gradings, eq(gradings.id, moderations.gradingId))
          .where(eq(gradings.bookingId, found.case.bookingId))
          .all()
          .map((m) => m.id);
  return { ...found, moderatorIds };
}

/** A case holding the result of the attempt named (open, or decided with the result withheld and not set aside on appeal). */
const holdingResult = (apprenticeId: SQLWrapper | number, attemptNumber: SQLWrapper | number) =>
  and(
    eq(cases.apprenticeId, apprenticeId),
    eq(cases.attemptNumber, attemptNumber),
    eq(cases.against, 'assessment'),
    or(ne(cases.status, 'decided'), and(eq(cases.sanction, 'result_withheld'), isNull(cases.setAsideAt))),
  );

/** Whether a case holds this attempt's result. */
export function resultHeldBy(db: Queryable, apprenticeId: number, attemptNumber: number): CaseRow | undefined {
  return db.select().from(cases).where(holdingResult(apprenticeId, attemptNumber)).get();
}

/** The same as SQL, for a query over attempts (claims): whether a case holds the attempt given by these columns. */
export const heldByCaseSql = (apprenticeId: SQLWrapper, attemptNumber: SQLWrapper) =>
  sql<number>`exists (select 1 from ${cases} where ${holdingResult(apprenticeId, attemptNumber)})`;

/** The decided case whose sanction (a Fail or void) acted on the assessment of this booking, if any. */
export function caseActingOn(db: Queryable, bookingId: number): CaseRow | undefined {
  return db
    .select()
    .from(cases)
    .where(
      and(
        eq(cases.bookingId, bookingId),
        eq(cases.status, 'decided'),
        inArray(cases.sanction, ['fail', 'result_void']),
        isNull(cases.setAsideAt),
      ),
    )
    .get();
}

/**
 * A page of cases: the administrators' list (`show`: open cases oldest first, or decided ones
 * latest first), or one person's (`mine`: those they opened or investigate, newest first).
 */
export function pageOfCases(
  db: Queryable,
  filter: { show: 'open' | 'decided' } | { mine: number },
  asked: number,
): Page<CaseListRow> {
  const where =
    'mine' in filter
      ? or(eq(cases.openedBy, filter.mine), eq(cases.investigatorUserId, filter.mine))
      : filter.show === 'open'
        ? inArray(cases.status, ['open', 'investigating'])
        : eq(cases.status, 'decided');
  const order =
    'mine' in filter
      ? [desc(cases.id)]
      : filter.show === 'open'
        ? [asc(cases.openedAt), asc(cases.id)]
        : [desc(cases.decidedAt), desc(cases.id)];
  const total = db
    .select({ n: sql<number>`count(*)` })
    .from(cases)
    .where(where)
    .get()!.n;
  return pageFrom(total, asked, (limit, offset) =>
    casesWithNames(db, where)
      .orderBy(...order)
      .limit(limit)
      .offset(offset)
      .all(),
  );
}
