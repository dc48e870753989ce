import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../db/connection.js';
import {
  apprentices,
  bookings,
  caseHolds,
  cases,
  epaAttempts,
  gradings,
  moderations,
  providers,
  users,
} from '../db/schema.js';
import { pageFrom, type Page } from '../http/paging.js';
import type { HoldFacts } from './rules.js';

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

/** A case against the assessment of the attempt named that holds its result (open, or decided with the result withheld and not set aside on appeal). */
const holdingResult = (apprenticeId: SQLWrapper | number, attemptNumber: SQLWrapper | number) =>
  and(
    eq(cases.apprenticeId, apprenticeId),
    eq(cases.attemptNumber, attemptNumber),
    eq(cases.against, 'assessment'),
    or(ne(cases.status, 'decided'), and(eq(cases.sanction, 'result_withheld'), isNull(cases.setAsideAt))),
  );

/** An undecided case against an assessor or a provider that names the attempt's result among those it holds (a hold not ended). */
const namingResult = (apprenticeId: SQLWrapper | number, attemptNumber: SQLWrapper | number) =>
  and(
    eq(caseHolds.apprenticeId, apprenticeId),
    eq(caseHolds.attemptNumber, attemptNumber),
    isNull(caseHolds.endedAt),
    ne(cases.status, 'decided'),
  );

/** The case holding this attempt's result, if any: one against its assessment, or one that names it. */
export function resultHeldBy(db: Queryable, apprenticeId: number, attemptNumber: number): CaseRow | undefined {
  return (
    db.select().from(cases).where(holdingResult(apprenticeId, attemptNumber)).get() ??
    db
      .select({ case: cases })
      .from(caseHolds)
      .innerJoin(cases, eq(cases.id, caseHolds.caseId))
      .where(namingResult(apprenticeId, attemptNumber))
      .get()?.case
  );
}

/** The same as SQL, for a query over attempts (claims): whether a case holds the attempt given by these columns. */
export const heldByCaseSql = (apprenticeId: SQLWrapper, attemptNumber: SQLWrapper) =>
  sql<number>`(exists (select 1 from ${cases} where ${holdingResult(apprenticeId, attemptNumber)})
    or exists (select 1 from ${caseHolds} inner join ${cases} on ${cases.id} = ${caseHolds.caseId} where ${namingResult(apprenticeId, attemptNumber)}))`;

/**
 * A page of the upheld decisions against one training provider or one assessor, the latest first:
 * what they are told of the cases about them (never while a case is open, nor one not upheld).
 */
export function decisionsAgainst(
  db: Queryable,
  subject: { providerUkprn: string } | { assessorUserId: number },
  asked: number,
): Page<CaseRow> {
  const where = and(
    'providerUkprn' in subject
      ? and(eq(cases.against, 'provider'), eq(cases.providerUkprn, subject.providerUkprn))
      : and(eq(cases.against, 'assessor'), eq(cases.assessorUserId, subject.assessorUserId)),
    eq(cases.status, 'decided'),
    eq(cases.outcome, 'upheld'),
    // Told to them when decided: a decision made before they were told of any was written for the organisation alone.
    isNotNull(cases.subjectToldAt),
  );
  const total = db
    .select({ n: sql<number>`count(*)` })
    .from(cases)
    .where(where)
    .get()!.n;
  return pageFrom(total, asked, (limit, offset) =>
    db
      .select()
      .from(cases)
      .where(where)
      .orderBy(desc(cases.decidedAt), desc(cases.id))
      .limit(limit)
      .offset(offset)
      .all(),
  );
}

/** How many results each of these undecided cases holds by name (holds not ended), for a list's page. */
export function holdingCounts(db: Queryable, caseIds: number[]): Map<number, number> {
  if (caseIds.length === 0) return new Map();
  return new Map(
    db
      .select({ caseId: caseHolds.caseId, n: sql<number>`count(*)` })
      .from(caseHolds)
      .innerJoin(cases, eq(cases.id, caseHolds.caseId))
      .where(and(inArray(caseHolds.caseId, caseIds), isNull(caseHolds.endedAt), ne(cases.status, 'decided')))
      .groupBy(caseHolds.caseId)
      .all()
      .map((r) => [r.caseId, r.n]),
  );
}

/** The results a case names to hold (those ended too), the first named first, with the apprentice and who named and ended each. */
export function holdsOfCase(db: Queryable, caseId: number) {
  const ender = alias(users, 'ender');
  return db
    .select({
      hold: caseHolds,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      addedByName: users.name,
      endedByName: ender.name,
    })
    .from(caseHolds)
    .innerJoin(apprentices, eq(apprentices.id, caseHolds.apprenticeId))
    .leftJoin(users, eq(users.id, caseHolds.addedBy))
    .leftJoin(ender, eq(ender.id, caseHolds.endedBy))
    .where(eq(caseHolds.caseId, caseId))
    .orderBy(asc(caseHolds.id))
    .all();
}

/**
 * What the hold rules read about an apprentice's latest attempt, for a case against an assessor
 * or a provider: its number, whether that assessor assessed it, and whether the case holds it already.
 */
export function holdFacts(db: Queryable, c: CaseRow, apprentice: { id: number; providerUkprn: string }): HoldFacts {
  const attempt = db
    .select({ number: sql<number>`max(${epaAttempts.number})` })
    .from(epaAttempts)
    .where(eq(epaAttempts.apprenticeId, apprentice.id))
    .get()?.number;
  const withCaseProvider = c.providerUkprn !== null && apprentice.providerUkprn === c.providerUkprn;
  if (attempt === undefined || attempt === null)
    return { attemptNumber: null, assessedByCaseAssessor: false, withCaseProvider, heldAlready: false };
  const assessedBy = (assessor: number | null) =>
    assessor !== null &&
    db
      .select({ id: bookings.id })
      .from(bookings)
      .where(
        and(
          eq(bookings.apprenticeId, apprentice.id),
          eq(bookings.attempt, attempt),
          eq(bookings.assessorUserId, assessor),
          // One they confirmed (and took, or will take): not a hold they never confirmed, nor one declined, cancelled or expired.
          inArray(bookings.status, ['confirmed', 'completed', 'void']),
        ),
      )
      .get() !== undefined;
  return {
    attemptNumber: attempt,
    assessedByCaseAssessor: assessedBy(c.assessorUserId),
    withCaseProvider,
    heldAlready:
      db
        .select({ id: caseHolds.id })
        .from(caseHolds)
        .where(
          and(
            eq(caseHolds.caseId, c.id),
            eq(caseHolds.apprenticeId, apprentice.id),
            eq(caseHolds.attemptNumber, attempt),
            isNull(caseHolds.endedAt),
          ),
        )
        .get() !== undefined,
  };
}

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
