import { and, desc, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { ApprenticeRow } from '../apprentices/store.js';
import type { Db, Queryable } from '../db/connection.js';
import {
  appeals,
  apprentices,
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
  gatewayItemsProvided,
  gatewaySubmissions,
  gradings,
  moderations,
  offTheJobHours,
  outbox,
  qualifications,
  evidenceFiles,
  assessmentRequests,
  caseHolds,
  cases,
} from '../db/schema.js';
import { isoInstant } from '../dates.js';
import { auditConditionFor, outboxConditionFor, recordIdsOf, type ApprenticeRecordIds } from './records.js';

/*
 * Erasure (UK GDPR article 17): an apprentice's personal data is replaced by placeholders while
 * their results stay, anonymised, in every count and report. In one transaction:
 * - the record: the ULN becomes `erased-<id>` (unique, and never a valid ULN, so no claim or
 *   lookup can match it), the names "Erased apprentice", the date of birth 1900-01-01;
 * - free text written about them is replaced by "[erased]": evidence references, off-the-job
 *   activities, the assessor's notes on each criterion, reasons, moderation rationales, appeal
 *   grounds, booking locations and links. Grades, criterion met / not met, dates and hours stay,
 *   so the KSB shortfall, consistency and outcome figures do not change;
 * - the audit trail keeps every row (who, when, what) with the ULN and names inside it replaced;
 * - notifications that named them are rewritten the same way.
 * The erasure itself is audited, with the reason and what was changed, and holds no personal data.
 *
 * SQLite keeps old copies of changed rows in free space and in the write-ahead log, so the
 * database runs with secure_delete (src/db/connection.ts), and the log is checkpointed and
 * truncated after an erasure.
 */

type AuditRow = typeof auditEvents.$inferSelect;

export const ERASED_TEXT = '[erased]';

/** A text column erased where it holds something, left empty where it was empty (a reason not given). */
const erasedIfSet = (column: SQLiteColumn) => sql`case when ${column} is null then null else ${ERASED_TEXT} end`;
export const ERASED_GIVEN = 'Erased';
export const ERASED_FAMILY = 'apprentice';
export const ERASED_BIRTH_DATE = '1900-01-01';
export const erasedUln = (apprenticeId: number) => `erased-${apprenticeId}`;

export type ErasureResult =
  | {
      ok: true;
      placeholderUln: string;
      changed: Record<string, number>;
      /** The evidence store's files the apprentice's records named: removed from disk once no other record names them. */
      releasedFiles: string[];
    }
  | { ok: false; reasons: string[] };

/** Who is being erased: their ULN, and every name they have had on the record (a corrected name is still theirs). */
export interface Identity {
  uln: string;
  names: { givenNames: string; familyName: string }[];
  placeholderUln: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces the apprentice's ULN and names inside a piece of text (whole names first, then each name as a whole word). */
export function scrubText(text: string, who: Identity): string {
  let out = text.split(who.uln).join(who.placeholderUln);
  for (const { givenNames, familyName } of who.names) {
    for (const full of [`${givenNames} ${familyName}`, `${familyName}, ${givenNames}`])
      out = out.split(full).join(`${ERASED_GIVEN} ${ERASED_FAMILY}`);
  }
  const words = [...new Set(who.names.flatMap((n) => `${n.givenNames} ${n.familyName}`.split(/\s+/)))].filter(
    (w) => w.length >= 2,
  );
  if (words.length > 0)
    out = out.replace(
      new RegExp(`(?<![\\p{L}\\p{N}])(${words.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'gu'),
      ERASED_TEXT,
    );
  return out;
}

/**
 * Where a certificate was posted, in the audit trail: our record's fields and the apprenticeship
 * service's PostalContact. The address may be the apprentice's home, so at erasure it goes.
 */
const POSTAL_FIELDS = new Set([
  'contactName',
  'department',
  'organisation',
  'addressLine1',
  'addressLine2',
  'addressLine3',
  'city',
  'postcode',
  'ContactName',
  'Department',
  'Organisation',
  'AddressLine1',
  'AddressLine2',
  'AddressLine3',
  'City',
  'PostCode',
]);

/**
 * Scrubs a JSON value from the audit trail (rows about the apprentice only): an object that
 * describes the apprentice (its `uln` is theirs, or it is the before or after of a change to
 * their record, which may hold a former name) loses its names and date of birth; a postal
 * contact loses its name and address; every string loses their ULN and names, and the ULN as
 * a number (as the apprenticeship service's requests carry it) goes too.
 */
/**
 * Fields of an audit entry's `after` that go altogether, not just the names in them: an uploaded
 * file's name (it may say what the file is about), and an appeal's grounds and the apprentice's
 * own statement (as on the appeal itself).
 */
const WHOLE_FIELDS: Record<string, readonly string[]> = {
  'evidence.uploaded': ['fileName'],
  'appeal.lodged': ['grounds', 'statement'],
};

function withWholeFieldsErased(action: string, after: unknown): unknown {
  const fields = WHOLE_FIELDS[action];
  if (!fields || !after || typeof after !== 'object') return after;
  const erased = { ...(after as Record<string, unknown>) };
  for (const field of fields) if (erased[field] != null) erased[field] = ERASED_TEXT;
  return erased;
}

export function scrubJson(value: unknown, who: Identity, aboutThem = false): unknown {
  if (typeof value === 'string') return scrubText(value, who);
  if (typeof value === 'number' && String(value) === who.uln) return ERASED_TEXT;
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, who));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    const describesThem = aboutThem || entries.some(([k, v]) => k === 'uln' && v === who.uln);
    const personal: Record<string, unknown> = {
      givenNames: ERASED_GIVEN,
      familyName: ERASED_FAMILY,
      dateOfBirth: ERASED_BIRTH_DATE,
    };
    return Object.fromEntries(
      entries.map(([k, v]) => [
        k,
        describesThem && k in personal
          ? personal[k]
          : POSTAL_FIELDS.has(k) && typeof v === 'string'
            ? ERASED_TEXT
            : scrubJson(v, who),
      ]),
    );
  }
  return value;
}

/** The apprentice's name now and every earlier one the audit trail of their record shows (before a correction, or as first created). */
function namesOf(current: ApprenticeRow, auditRows: AuditRow[]): Identity['names'] {
  const names = new Map<string, Identity['names'][number]>();
  const add = (givenNames: string, familyName: string) =>
    names.set(`${givenNames}\u0000${familyName}`, { givenNames, familyName });
  add(current.givenNames, current.familyName);
  for (const row of auditRows) {
    if (row.entityType !== 'apprentice' || row.entityId !== current.uln) continue;
    for (const side of [row.before, row.after]) {
      if (typeof side !== 'object' || side === null) continue;
      const { givenNames, familyName } = side as { givenNames?: unknown; familyName?: unknown };
      if (typeof givenNames === 'string' || typeof familyName === 'string')
        add(
          typeof givenNames === 'string' ? givenNames : current.givenNames,
          typeof familyName === 'string' ? familyName : current.familyName,
        );
    }
  }
  return [...names.values()];
}

/** Why an apprentice cannot be erased now: an EPA still under way would lose what it needs to finish. */
export function erasureBlockers(db: Queryable, ids: ApprenticeRecordIds): string[] {
  const reasons: string[] = [];
  if (
    db
      .select({ id: gatewaySubmissions.id })
      .from(gatewaySubmissions)
      .where(and(eq(gatewaySubmissions.apprenticeId, ids.apprenticeId), eq(gatewaySubmissions.status, 'submitted')))
      .get()
  ) {
    reasons.push('A gateway submission is waiting for review: decide it first.');
  }
  const latest = db
    .select({ status: gatewaySubmissions.status })
    .from(gatewaySubmissions)
    .where(eq(gatewaySubmissions.apprenticeId, ids.apprenticeId))
    .orderBy(desc(gatewaySubmissions.attempt))
    .get();
  const lastAttempt = db
    .select({ releasedAt: epaAttempts.releasedAt })
    .from(epaAttempts)
    .where(eq(epaAttempts.apprenticeId, ids.apprenticeId))
    .orderBy(desc(epaAttempts.number))
    .get();
  if (latest?.status === 'accepted' && !lastAttempt?.releasedAt)
    reasons.push('The EPA is under way: the gateway was accepted and no result has been released yet.');
  const openBookings = db
    .select({ id: bookings.id })
    .from(bookings)
    .where(and(eq(bookings.apprenticeId, ids.apprenticeId), inArray(bookings.status, ['held', 'confirmed'])))
    .all();
  if (openBookings.length > 0)
    reasons.push(
      `${openBookings.length} assessment booking${openBookings.length === 1 ? ' is' : 's are'} held or confirmed: complete or cancel ${openBookings.length === 1 ? 'it' : 'them'} first.`,
    );
  if (ids.gradingIds.length > 0) {
    const open = db
      .select({ status: gradings.status, moderation: gradings.moderation })
      .from(gradings)
      .where(
        and(inArray(gradings.id, ids.gradingIds), or(eq(gradings.status, 'draft'), eq(gradings.moderation, 'pending'))),
      )
      .all();
    if (open.some((g) => g.status === 'draft'))
      reasons.push('A grading is still a draft: the assessor must submit it first.');
    if (open.some((g) => g.moderation === 'pending')) reasons.push('A grading is waiting for moderation.');
  }
  if (
    ids.appealIds.length > 0 &&
    db
      .select({ id: appeals.id })
      .from(appeals)
      .where(and(inArray(appeals.id, ids.appealIds), isNull(appeals.decision)))
      .get()
  ) {
    reasons.push('An appeal is waiting for a decision.');
  }
  if (
    db
      .select({ id: assessmentRequests.id })
      .from(assessmentRequests)
      .where(and(eq(assessmentRequests.apprenticeId, ids.apprenticeId), eq(assessmentRequests.status, 'requested')))
      .get()
  )
    reasons.push('A reasonable adjustment or special consideration request is waiting for a decision.');
  if (
    db
      .select({ id: cases.id })
      .from(cases)
      .where(and(eq(cases.apprenticeId, ids.apprenticeId), inArray(cases.status, ['open', 'investigating'])))
      .get()
  )
    reasons.push('A malpractice or maladministration case about their assessment is open.');
  if (
    db
      .select({ id: caseHolds.id })
      .from(caseHolds)
      .innerJoin(cases, eq(cases.id, caseHolds.caseId))
      .where(
        and(
          eq(caseHolds.apprenticeId, ids.apprenticeId),
          isNull(caseHolds.endedAt),
          inArray(cases.status, ['open', 'investigating']),
        ),
      )
      .get()
  )
    reasons.push('A malpractice or maladministration case against their assessor or provider holds their result.');
  return reasons;
}

export function eraseApprentice(
  db: Db,
  apprentice: ApprenticeRow,
  actor: Actor,
  reason: string,
  now: DateTime,
): ErasureResult {
  const result = db.transaction(
    (tx): ErasureResult => {
      const current = tx.select().from(apprentices).where(eq(apprentices.id, apprentice.id)).get();
      if (!current) return { ok: false, reasons: ['There is no such apprentice.'] };
      if (current.erasedAt)
        return {
          ok: false,
          reasons: [`This apprentice's personal data was already erased on ${current.erasedAt.slice(0, 10)}.`],
        };
      const ids = recordIdsOf(tx, current);
      const reasons = erasureBlockers(tx, ids);
      if (reasons.length > 0) return { ok: false, reasons };

      // Read before the record changes: these conditions find rows by the ULN and the names.
      const auditRows = tx.select().from(auditEvents).where(auditConditionFor(ids)).all();
      const who: Identity = {
        uln: current.uln,
        names: namesOf(current, auditRows),
        placeholderUln: erasedUln(current.id),
      };
      const messages = tx
        .select()
        .from(outbox)
        .where(
          outboxConditionFor(
            who.uln,
            who.names.map((n) => `${n.givenNames} ${n.familyName}`),
          ),
        )
        .all();
      const at = isoInstant(now);
      const changed: Record<string, number> = {};
      const count = (name: string, n: number) => (changed[name] = (changed[name] ?? 0) + n);

      tx.update(apprentices)
        .set({
          uln: who.placeholderUln,
          givenNames: ERASED_GIVEN,
          familyName: ERASED_FAMILY,
          dateOfBirth: ERASED_BIRTH_DATE,
          erasedAt: at,
          updatedAt: at,
        })
        .where(eq(apprentices.id, current.id))
        .run();
      count('apprentice record', 1);

      const byApprentice = (table: { apprenticeId: SQLiteColumn }) => eq(table.apprenticeId, current.id);
      count(
        'qualification references',
        tx.update(qualifications).set({ certificateReference: ERASED_TEXT }).where(byApprentice(qualifications)).run()
          .changes,
      );
      count(
        'off-the-job activities',
        tx.update(offTheJobHours).set({ activity: ERASED_TEXT }).where(byApprentice(offTheJobHours)).run().changes,
      );
      // What the gateway rules read besides the record: reasons, evidence references and statements about the apprentice.
      count(
        'prior learning',
        tx
          .update(apprentices)
          .set({ priorLearningReason: ERASED_TEXT })
          .where(and(eq(apprentices.id, current.id), isNotNull(apprentices.priorLearningReason)))
          .run().changes,
      );
      count(
        'breaks in learning',
        tx.update(learningBreaks).set({ reason: ERASED_TEXT }).where(byApprentice(learningBreaks)).run().changes,
      );
      count(
        'earlier episodes',
        tx
          .update(earlierEpisodes)
          .set({ provider: ERASED_TEXT, reason: ERASED_TEXT })
          .where(byApprentice(earlierEpisodes))
          .run().changes,
      );
      count(
        'flexibility judgement evidence',
        tx
          .update(flexibilityJudgements)
          .set({ reference: ERASED_TEXT })
          .where(and(byApprentice(flexibilityJudgements), isNotNull(flexibilityJudgements.reference)))
          .run().changes,
      );
      count(
        'behaviour verification statements',
        tx
          .update(behaviourVerifications)
          .set({ statement: ERASED_TEXT })
          .where(byApprentice(behaviourVerifications))
          .run().changes,
      );
      // The certificate's postal address is the apprentice's, or names someone at the employer: gone with the rest.
      count(
        'certificate postal contacts',
        tx.delete(certificateDeliveries).where(byApprentice(certificateDeliveries)).run().changes,
      );
      // A request's reason or circumstances (often health details) and its decision's reason.
      count(
        'adjustment and special consideration reasons',
        tx
          .update(assessmentRequests)
          .set({
            details: ERASED_TEXT,
            decisionReason: erasedIfSet(assessmentRequests.decisionReason),
          })
          .where(byApprentice(assessmentRequests))
          .run().changes,
      );
      // A malpractice or maladministration case about their assessment: its allegation and decision's reason.
      count(
        'case allegations',
        tx
          .update(cases)
          .set({
            allegation: ERASED_TEXT,
            decisionReason: erasedIfSet(cases.decisionReason),
            // The grading as it was before a sanction keeps its two reasons too.
            beforeSanction: sql`case when ${cases.beforeSanction} is null then null else json_set(${cases.beforeSanction},
              '$.outcomeReason', case when json_extract(${cases.beforeSanction}, '$.outcomeReason') is null then null else ${ERASED_TEXT} end,
              '$.outcomeDecisionReason', case when json_extract(${cases.beforeSanction}, '$.outcomeDecisionReason') is null then null else ${ERASED_TEXT} end) end`,
          })
          .where(byApprentice(cases))
          .run().changes,
      );
      // Why a case against their assessor or provider held their result.
      count(
        'case hold reasons',
        tx
          .update(caseHolds)
          .set({ reason: ERASED_TEXT, endReason: erasedIfSet(caseHolds.endReason) })
          .where(byApprentice(caseHolds))
          .run().changes,
      );
      // The evidence store's files go altogether: their rows here, their bytes once the caller removes them.
      const releasedFiles = tx
        .select({ sha256: evidenceFiles.sha256 })
        .from(evidenceFiles)
        .where(byApprentice(evidenceFiles))
        .all()
        .map((f) => f.sha256);
      count('evidence files', tx.delete(evidenceFiles).where(byApprentice(evidenceFiles)).run().changes);
      count(
        'gateway item references',
        tx.update(gatewayItemsProvided).set({ reference: ERASED_TEXT }).where(byApprentice(gatewayItemsProvided)).run()
          .changes,
      );
      for (const submission of tx.select().from(gatewaySubmissions).where(byApprentice(gatewaySubmissions)).all()) {
        tx.update(gatewaySubmissions)
          .set({
            evaluation: scrubJson(submission.evaluation, who),
            decisionReason: submission.decisionReason === null ? null : ERASED_TEXT,
          })
          .where(eq(gatewaySubmissions.id, submission.id))
          .run();
        count('gateway submissions', 1);
      }
      if (ids.submissionIds.length > 0) {
        count(
          'gateway check reasons',
          tx
            .update(gatewayCheckDecisions)
            .set({ reason: ERASED_TEXT })
            .where(
              and(
                inArray(gatewayCheckDecisions.submissionId, ids.submissionIds),
                isNotNull(gatewayCheckDecisions.reason),
              ),
            )
            .run().changes,
        );
      }
      for (const column of ['location', 'link', 'statusReason'] as const) {
        count(
          'booking details',
          tx
            .update(bookings)
            .set({ [column]: ERASED_TEXT })
            .where(and(byApprentice(bookings), isNotNull(bookings[column])))
            .run().changes,
        );
      }
      count(
        'retake action plans',
        tx
          .update(epaAttempts)
          .set({ actionPlan: ERASED_TEXT })
          .where(and(byApprentice(epaAttempts), isNotNull(epaAttempts.actionPlan)))
          .run().changes,
      );
      if (ids.attemptIds.length > 0)
        count(
          'resit and retake requests',
          tx
            .update(furtherAttemptRequests)
            .set({ actionPlan: ERASED_TEXT, decisionReason: ERASED_TEXT })
            .where(inArray(furtherAttemptRequests.attemptId, ids.attemptIds))
            .run().changes,
        );
      count(
        'exceptional circumstances',
        tx
          .update(epaAttempts)
          .set({ exceptionalReason: ERASED_TEXT })
          .where(and(byApprentice(epaAttempts), isNotNull(epaAttempts.exceptionalReason)))
          .run().changes,
      );
      if (ids.gradingIds.length > 0) {
        count(
          'grading reasons',
          tx
            .update(gradings)
            .set({ outcomeReason: ERASED_TEXT })
            .where(and(inArray(gradings.id, ids.gradingIds), isNotNull(gradings.outcomeReason)))
            .run().changes,
        );
        count(
          'no-show and malpractice decisions',
          tx
            .update(gradings)
            .set({ outcomeDecisionReason: ERASED_TEXT })
            .where(and(inArray(gradings.id, ids.gradingIds), isNotNull(gradings.outcomeDecisionReason)))
            .run().changes,
        );
        count(
          'assessor notes',
          tx
            .update(criterionDecisions)
            .set({ evidence: ERASED_TEXT })
            .where(and(inArray(criterionDecisions.gradingId, ids.gradingIds), ne(criterionDecisions.evidence, '')))
            .run().changes,
        );
        count(
          'moderation rationales',
          tx
            .update(moderations)
            .set({ rationale: ERASED_TEXT })
            .where(inArray(moderations.gradingId, ids.gradingIds))
            .run().changes,
        );
      }
      if (ids.appealIds.length > 0) {
        count(
          'appeals',
          tx
            .update(appeals)
            // The apprentice's own statement, where they gave one, goes with the grounds.
            .set({
              grounds: ERASED_TEXT,
              reasons: ERASED_TEXT,
              statement: sql`case when ${appeals.statement} is null then null else ${ERASED_TEXT} end`,
              // The reason of the request's decision appealed, kept with the appeal, may hold health details.
              decisionAppealed: sql`case when ${appeals.decisionAppealed} is null then null else json_set(${appeals.decisionAppealed}, '$.reason', ${ERASED_TEXT}) end`,
            })
            .where(inArray(appeals.id, ids.appealIds))
            .run().changes,
        );
      }
      for (const row of auditRows) {
        const aboutRecord = row.entityType === 'apprentice' && row.entityId === who.uln;
        // The reasons given on a request or a case (health, an allegation) go altogether, as on the records themselves;
        // so does the name of an uploaded file, which may say what it is about.
        const wholeReason =
          row.entityType === 'assessment_request' || row.entityType === 'case' || row.entityType === 'appeal';
        const after = scrubJson(row.after, who, aboutRecord);
        tx.update(auditEvents)
          .set({
            entityId: scrubText(row.entityId, who),
            before: scrubJson(row.before, who, aboutRecord),
            after: withWholeFieldsErased(row.action, after),
            reason: row.reason === null ? null : wholeReason ? ERASED_TEXT : scrubText(row.reason, who),
          })
          .where(eq(auditEvents.id, row.id))
          .run();
      }
      count('audit rows', auditRows.length);
      for (const message of messages)
        tx.update(outbox)
          .set({ subject: scrubText(message.subject, who), body: scrubText(message.body, who) })
          .where(eq(outbox.id, message.id))
          .run();
      count('notifications', messages.length);

      recordAudit(tx, actor, {
        action: 'apprentice.erased',
        entityType: 'apprentice',
        entityId: who.placeholderUln,
        after: { erasedAt: at, changed },
        reason: scrubText(reason, who),
      });
      return { ok: true, placeholderUln: who.placeholderUln, changed, releasedFiles };
    },
    { behavior: 'immediate' },
  );
  // Old page images stay in the write-ahead log until a checkpoint copies them back and the log is emptied.
  if (result.ok) db.$client.pragma('wal_checkpoint(TRUNCATE)');
  return result;
}
