import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import {
  appeals,
  assessmentRequests,
  auditEvents,
  bookings,
  cases,
  epaAttempts,
  gatewaySubmissions,
  gradings,
  outbox,
} from '../db/schema.js';

/**
 * Where one apprentice's records are: the ids of everything that belongs to them, and the
 * audit rows and notifications about them. Subject access (what to export) and erasure (what
 * to scrub) read the same list, so the two cannot drift apart.
 */
export interface ApprenticeRecordIds {
  apprenticeId: number;
  uln: string;
  submissionIds: number[];
  bookingIds: number[];
  attemptIds: number[];
  gradingIds: number[];
  appealIds: number[];
  /** Reasonable adjustment and special consideration requests, and malpractice cases about their assessments. */
  requestIds: number[];
  caseIds: number[];
}

export function recordIdsOf(db: Queryable, apprentice: { id: number; uln: string }): ApprenticeRecordIds {
  const ids = <T extends { id: number }>(rows: T[]) => rows.map((r) => r.id);
  const attemptIds = ids(
    db.select({ id: epaAttempts.id }).from(epaAttempts).where(eq(epaAttempts.apprenticeId, apprentice.id)).all(),
  );
  const requestIds = ids(
    db
      .select({ id: assessmentRequests.id })
      .from(assessmentRequests)
      .where(eq(assessmentRequests.apprenticeId, apprentice.id))
      .all(),
  );
  const caseIds = ids(db.select({ id: cases.id }).from(cases).where(eq(cases.apprenticeId, apprentice.id)).all());
  return {
    apprenticeId: apprentice.id,
    uln: apprentice.uln,
    submissionIds: ids(
      db
        .select({ id: gatewaySubmissions.id })
        .from(gatewaySubmissions)
        .where(eq(gatewaySubmissions.apprenticeId, apprentice.id))
        .all(),
    ),
    bookingIds: ids(
      db.select({ id: bookings.id }).from(bookings).where(eq(bookings.apprenticeId, apprentice.id)).all(),
    ),
    attemptIds,
    gradingIds:
      attemptIds.length === 0
        ? []
        : ids(db.select({ id: gradings.id }).from(gradings).where(inArray(gradings.attemptId, attemptIds)).all()),
    // Appeals against their results, and against the decisions on their requests and cases.
    appealIds: ids(
      db
        .select({ id: appeals.id })
        .from(appeals)
        .where(
          or(
            inArray(appeals.attemptId, attemptIds),
            inArray(appeals.requestId, requestIds),
            inArray(appeals.caseId, caseIds),
          ),
        )
        .orderBy(asc(appeals.id))
        .all(),
    ),
    requestIds,
    caseIds,
  };
}

/**
 * Audit rows about the apprentice: those whose entity is the apprentice or one of their
 * submissions, bookings, attempts, gradings or appeals, and any other row that names their ULN
 * (an import lists every ULN it added).
 */
export function auditConditionFor(ids: ApprenticeRecordIds): SQL {
  const entity = (type: string, list: (number | string)[]) =>
    list.length === 0
      ? undefined
      : and(eq(auditEvents.entityType, type), inArray(auditEvents.entityId, list.map(String)));
  return or(
    entity('apprentice', [ids.uln]),
    entity('gateway_submission', ids.submissionIds),
    entity('booking', ids.bookingIds),
    entity('attempt', ids.attemptIds),
    entity('grading', ids.gradingIds),
    entity('appeal', ids.appealIds),
    entity('assessment_request', ids.requestIds),
    entity('case', ids.caseIds),
    sql`instr(${auditEvents.before}, ${ids.uln}) > 0`,
    sql`instr(${auditEvents.after}, ${ids.uln}) > 0`,
    sql`instr(${auditEvents.reason}, ${ids.uln}) > 0`,
  )!;
}

/** Notifications that name the apprentice: by ULN, or by any of their full names. */
export function outboxConditionFor(uln: string, fullNames: string[]): SQL {
  return or(
    ...[uln, ...fullNames].flatMap((text) => [
      sql`instr(${outbox.body}, ${text}) > 0`,
      sql`instr(${outbox.subject}, ${text}) > 0`,
    ]),
  )!;
}
