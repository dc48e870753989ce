import { paths } from '../paths.js';
import { fullName } from '../names.js';
import { and, asc, eq, gt, inArray, or } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import {
  appeals,
  attemptMethods,
  auditEvents,
  behaviourVerifications,
  certificateDeliveries,
  bookings,
  criterionDecisions,
  earlierEpisodes,
  epaAttempts,
  flexibilityJudgements,
  furtherAttemptRequests,
  learningBreaks,
  gatewayCheckDecisions,
  gatewayDeclarations,
  gatewayItemsProvided,
  gatewaySubmissions,
  gradings,
  moderations,
  offTheJobHours,
  outbox,
  qualifications,
  users,
  evidenceFiles,
  assessmentRequests,
  caseHolds,
  cases,
} from '../db/schema.js';
import { isoInstant } from '../dates.js';
import { epaoSettingsOf } from '../grading/store.js';
import { auditConditionFor, outboxConditionFor, recordIdsOf } from './records.js';
import { inBatches, keyset } from '../http/json-stream.js';

/** Rows read along their ids, a batch at a time, each batch mapped as it is read. */
function alongIds<T extends { id: number }>(read: (afterId: number, size: number) => T[]) {
  return {
    map<U>(as: (row: T) => U): () => Generator<U[]> {
      return function* () {
        for (const rows of keyset<T>((after, size) => read(after?.id ?? 0, size))) yield rows.map(as);
      };
    },
  };
}

/** An audit entry's JSON without the person who opened a case. */
const withoutOpener = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'openedBy'))
    : value;

/**
 * Everything the EPAO holds about one apprentice, for a subject access request (UK GDPR
 * article 15), as one JSON document: the record and its gateway evidence, the assessments with
 * every criterion decision and the assessor's notes, results, moderation and appeals, the audit
 * trail of changes to them, and the notifications that named them. People who acted on the
 * record are named (they acted for the EPAO, a provider or an employer); their emails are not.
 * The long lists (off-the-job hours, the audit trail, notifications) are read a batch at a time
 * as the file is written (jsonChunks in http/json-stream.ts).
 */
export function subjectAccessExport(db: Db, apprentice: ApprenticeDetail, now: DateTime) {
  const ids = recordIdsOf(db, apprentice);
  const names = new Map(
    db
      .select({ id: users.id, name: users.name })
      .from(users)
      .all()
      .map((u) => [u.id, u.name]),
  );
  const nameOf = (id: number | null) => (id === null ? null : (names.get(id) ?? null));
  const where = <T>(list: number[], query: (list: number[]) => T[]): T[] => (list.length === 0 ? [] : query(list));
  const { erasedAt, ...record } = apprentice;

  return {
    about: {
      exportedAt: isoInstant(now),
      heldBy: epaoSettingsOf(db).epaoName ?? 'The end-point assessment organisation',
      erasedAt,
      note: 'Everything this end-point assessment service holds about the apprentice. Dates are London calendar dates; times are UTC.',
    },
    apprentice: record,
    gatewayEvidence: {
      qualifications: db
        .select()
        .from(qualifications)
        .where(eq(qualifications.apprenticeId, apprentice.id))
        .orderBy(asc(qualifications.id))
        .all(),
      // Years of weekly logs: read a batch at a time as the file is written, in date order.
      offTheJobHours: inBatches(() =>
        keyset<typeof offTheJobHours.$inferSelect>((after, size) =>
          db
            .select()
            .from(offTheJobHours)
            .where(
              and(
                eq(offTheJobHours.apprenticeId, apprentice.id),
                after &&
                  or(
                    gt(offTheJobHours.date, after.date),
                    and(eq(offTheJobHours.date, after.date), gt(offTheJobHours.id, after.id)),
                  ),
              ),
            )
            .orderBy(asc(offTheJobHours.date), asc(offTheJobHours.id))
            .limit(size)
            .all(),
        ),
      ),
      itemsProvided: db
        .select()
        .from(gatewayItemsProvided)
        .where(eq(gatewayItemsProvided.apprenticeId, apprentice.id))
        .all()
        .map((i) => ({ ...i, providedBy: nameOf(i.providedBy) })),
      // The evidence store's files, each with the address it is downloaded from (the bytes are not in this JSON).
      files: db
        .select()
        .from(evidenceFiles)
        .where(eq(evidenceFiles.apprenticeId, apprentice.id))
        .orderBy(asc(evidenceFiles.id))
        .all()
        .map(({ id, recordType, recordKey, fileName, size, mediaType, sha256, uploadedAt, uploadedBy }) => ({
          recordType,
          recordKey,
          fileName,
          size,
          mediaType,
          sha256,
          uploadedAt,
          // Who added a case's document is not disclosed, as who opened the case is not.
          uploadedBy: recordType === 'case' ? null : nameOf(uploadedBy),
          download: paths.evidenceFile(String(id)),
        })),
      declaration:
        db.select().from(gatewayDeclarations).where(eq(gatewayDeclarations.apprenticeId, apprentice.id)).get() ?? null,
      learningBreaks: db
        .select()
        .from(learningBreaks)
        .where(eq(learningBreaks.apprenticeId, apprentice.id))
        .orderBy(asc(learningBreaks.fromDate))
        .all(),
      earlierEpisodes: db
        .select()
        .from(earlierEpisodes)
        .where(eq(earlierEpisodes.apprenticeId, apprentice.id))
        .orderBy(asc(earlierEpisodes.startDate))
        .all(),
      flexibilityJudgement: ((j) => (j ? { ...j, recordedBy: nameOf(j.recordedBy) } : null))(
        db.select().from(flexibilityJudgements).where(eq(flexibilityJudgements.apprenticeId, apprentice.id)).get(),
      ),
      behaviourVerification: ((v) => (v ? { ...v, recordedBy: nameOf(v.recordedBy) } : null))(
        db.select().from(behaviourVerifications).where(eq(behaviourVerifications.apprenticeId, apprentice.id)).get(),
      ),
      certificateDelivery: ((d) => (d ? { ...d, recordedBy: nameOf(d.recordedBy) } : null))(
        db.select().from(certificateDeliveries).where(eq(certificateDeliveries.apprenticeId, apprentice.id)).get(),
      ),
    },
    gatewaySubmissions: db
      .select()
      .from(gatewaySubmissions)
      .where(eq(gatewaySubmissions.apprenticeId, apprentice.id))
      .orderBy(asc(gatewaySubmissions.attempt))
      .all()
      .map((s) => ({
        ...s,
        submittedBy: nameOf(s.submittedBy),
        decidedBy: nameOf(s.decidedBy),
        checks: db.select().from(gatewayCheckDecisions).where(eq(gatewayCheckDecisions.submissionId, s.id)).all(),
      })),
    bookings: db
      .select()
      .from(bookings)
      .where(eq(bookings.apprenticeId, apprentice.id))
      .orderBy(asc(bookings.startsAt))
      .all()
      .map(({ createdBy, assessorUserId, ...b }) => ({
        ...b,
        assessor: nameOf(assessorUserId),
        createdBy: nameOf(createdBy),
      })),
    // Reasonable adjustments and special consideration asked for on the apprentice's behalf, with their decisions.
    adjustmentsAndSpecialConsideration: db
      .select()
      .from(assessmentRequests)
      .where(eq(assessmentRequests.apprenticeId, apprentice.id))
      .orderBy(asc(assessmentRequests.id))
      .all()
      .map(({ requestedBy, decidedBy, ...r }) => ({
        ...r,
        requestedBy: nameOf(requestedBy),
        decidedBy: nameOf(decidedBy),
      })),
    // Malpractice and maladministration cases about their assessments, with their decisions (not who opened them).
    cases: db
      .select()
      .from(cases)
      .where(eq(cases.apprenticeId, apprentice.id))
      .orderBy(asc(cases.id))
      .all()
      .map(({ openedBy: _openedBy, investigatorUserId, decidedBy, beforeSanction, ...c }) => ({
        ...c,
        investigator: nameOf(investigatorUserId),
        decidedBy: nameOf(decidedBy),
        // The assessment's grading as it was before a Fail or void (what an upheld appeal puts back).
        beforeSanction: beforeSanction && {
          ...beforeSanction,
          outcomeDecidedBy: nameOf(beforeSanction.outcomeDecidedBy),
        },
      })),
    // Results of theirs that a case against their assessor or training provider held: when, and why (the case itself is about someone else).
    resultsHeldByCases: db
      .select({
        attemptNumber: caseHolds.attemptNumber,
        reason: caseHolds.reason,
        heldFrom: caseHolds.addedAt,
        heldUntil: caseHolds.endedAt,
        whyNoLongerHeld: caseHolds.endReason,
        caseKind: cases.kind,
        caseDecidedAt: cases.decidedAt,
      })
      .from(caseHolds)
      .innerJoin(cases, eq(cases.id, caseHolds.caseId))
      .where(eq(caseHolds.apprenticeId, apprentice.id))
      .orderBy(asc(caseHolds.id))
      .all(),
    attempts: db
      .select()
      .from(epaAttempts)
      .where(eq(epaAttempts.apprenticeId, apprentice.id))
      .orderBy(asc(epaAttempts.number))
      .all()
      .map((a) => ({
        ...a,
        exceptionalBy: nameOf(a.exceptionalBy),
        releasedBy: nameOf(a.releasedBy),
        claimedBy: nameOf(a.claimedBy),
        employerAgreedBy: nameOf(a.employerAgreedBy),
        methods: db.select().from(attemptMethods).where(eq(attemptMethods.attemptId, a.id)).all(),
        resitAndRetakeRequests: db
          .select()
          .from(furtherAttemptRequests)
          .where(eq(furtherAttemptRequests.attemptId, a.id))
          .all()
          .map((r) => ({ ...r, requestedBy: nameOf(r.requestedBy), decidedBy: nameOf(r.decidedBy) })),
      })),
    gradings: where(ids.gradingIds, (list) =>
      db
        .select()
        .from(gradings)
        .where(inArray(gradings.id, list))
        .all()
        .map(({ assessorUserId, outcomeDecidedBy, ...g }) => ({
          ...g,
          assessor: nameOf(assessorUserId),
          outcomeDecidedBy: nameOf(outcomeDecidedBy),
          criteria: db.select().from(criterionDecisions).where(eq(criterionDecisions.gradingId, g.id)).all(),
          moderations: db
            .select()
            .from(moderations)
            .where(eq(moderations.gradingId, g.id))
            .all()
            .map(({ moderatorUserId, ...m }) => ({ ...m, moderator: nameOf(moderatorUserId) })),
        })),
    ),
    appeals: where(ids.appealIds, (list) =>
      db
        .select()
        .from(appeals)
        .where(inArray(appeals.id, list))
        .all()
        .map(({ lodgedBy, reviewerUserId, ...a }) => ({
          ...a,
          lodgedBy: nameOf(lodgedBy),
          reviewer: nameOf(reviewerUserId),
        })),
    ),
    // The audit trail and the notifications are found by searching every row's text for the ULN
    // or name: read along the ids a batch at a time as the file is written (one pass in all).
    auditTrail: inBatches(
      alongIds((afterId, size) =>
        db
          .select()
          .from(auditEvents)
          .where(and(gt(auditEvents.id, afterId), auditConditionFor(ids)))
          .orderBy(asc(auditEvents.id))
          .limit(size)
          .all(),
      ).map(({ actorUserId, actorLabel, ...e }) =>
        // Who reported a case is not disclosed (as on the case itself): its entries go without their actor.
        e.entityType === 'case'
          ? { ...e, actor: null, before: null, after: withoutOpener(e.after) }
          : { ...e, actor: actorUserId === null ? actorLabel : nameOf(actorUserId) },
      ),
    ),
    notifications: inBatches(
      alongIds((afterId, size) =>
        db
          .select({
            id: outbox.id,
            subject: outbox.subject,
            body: outbox.body,
            createdAt: outbox.createdAt,
            sentAt: outbox.sentAt,
          })
          .from(outbox)
          .where(and(gt(outbox.id, afterId), outboxConditionFor(apprentice.uln, [fullName(apprentice)])))
          .orderBy(asc(outbox.id))
          .limit(size)
          .all(),
      ).map(({ id: _id, ...n }) => n),
    ),
  };
}

export type SubjectAccessExport = ReturnType<typeof subjectAccessExport>;
