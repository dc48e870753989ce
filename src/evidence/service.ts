import { and, eq, isNotNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import { appeals, assessmentRequests, cases, gatewayItemsProvided, gradings, qualifications } from '../db/schema.js';
import { AREA_ROLES, sitsOnPanelsOnly } from '../auth/roles.js';
import { apprenticeFor } from '../apprentices/service.js';
import { findApprenticeById, recordPlanItem, type ApprenticeDetail } from '../apprentices/store.js';
import { planForApprentice } from '../plans/store.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { keptFileName } from './rules.js';
import type { StoredFile } from './storage.js';
import { fileInUse, filesOfRecord, findEvidenceFile, insertEvidenceFile, type EvidenceRecordType } from './store.js';
import { requestFor } from '../adjustments/service.js';
import { KIND_LABELS } from '../adjustments/rules.js';
import { requestChanged } from '../adjustments/store.js';
import { appealFor } from '../appeals/service.js';
import { caseFor } from '../cases/service.js';
import { findCase, type FoundCase } from '../cases/store.js';
import { involvedInAppeal } from '../grading/store.js';
import { canSeeBooking } from '../bookings/access.js';
import { bookingById, type BookingRow } from '../bookings/store.js';
import { canActOn } from '../apprentices/access.js';
import { byId } from '../validation/fields.js';

/*
 * The evidence store's use cases. A file belongs to one record, of one apprentice (or, for a case
 * about an assessor or a provider, of none), and is seen by
 * exactly the people who can see that record (evidenceRecord); it is added by those who may edit
 * the record.
 */

const itemParams = z.object({ uln: z.string(), itemId: z.string().max(100) });

/** The gateway item of the apprentice in the URL, for `action` (view or edit), with its plan's words. */
export function gatewayItemOf(
  db: Db,
  user: CurrentUser,
  params: unknown,
  action: 'view' | 'edit',
): Result<{ apprentice: ApprenticeDetail; item: { id: string; name: string; description: string } }> {
  const parsed = itemParams.safeParse(params);
  if (!parsed.success) return refuse('not_found', 'There is no such gateway item');
  const found = apprenticeFor(db, user, parsed.data.uln, action);
  if (!found.ok) return found;
  const item = planForApprentice(db, found.value)?.gatewayItems.find((i) => i.id === parsed.data.itemId);
  if (!item) return refuse('not_found', 'The assessment plan has no such gateway item');
  return ok({ apprentice: found.value, item });
}

const qualificationParams = z.object({ uln: z.string().optional(), id: z.string().regex(/^\d{1,9}$/) });

/**
 * An English or maths qualification of the apprentice in the URL (or, given its id alone, of its
 * own apprentice), for `action` (view or edit): its certificate's files are seen and added to as
 * the record's gateway evidence is.
 */
export function qualificationOf(
  db: Db,
  user: CurrentUser,
  params: unknown,
  action: 'view' | 'edit',
): Result<{ apprentice: ApprenticeDetail; qualification: typeof qualifications.$inferSelect }> {
  const none = refuse('not_found', 'There is no such English or maths evidence');
  const parsed = qualificationParams.safeParse(params);
  if (!parsed.success) return none;
  const qualification = db
    .select()
    .from(qualifications)
    .where(eq(qualifications.id, Number(parsed.data.id)))
    .get();
  const owner = qualification && findApprenticeById(db, qualification.apprenticeId);
  if (!qualification || !owner || (parsed.data.uln !== undefined && parsed.data.uln !== owner.uln)) return none;
  const found = apprenticeFor(db, user, owner.uln, action);
  if (!found.ok) return found;
  return ok({ apprentice: found.value, qualification });
}

/** How the audit names a qualification's record: "English evidence 12". */
export const qualificationLabel = (q: { id: number; subject: string }) =>
  `${q.subject === 'english' ? 'English' : 'Maths'} evidence ${q.id}`;

/** The bookings whose assessment evidence is closed to new files: they did not take place (a void one did, and is graded). */
const NO_EVIDENCE_STATUSES: readonly string[] = ['declined', 'cancelled', 'expired'];

/** A hold whose time has come without its assessor confirming it: expired, whether or not the sweep has marked it so yet. */
const holdRanOut = (booking: BookingRow, now: string | undefined) =>
  now !== undefined && booking.status === 'held' && booking.holdExpiresAt !== null && booking.holdExpiresAt <= now;

/**
 * A booking's assessment evidence (the project report and presentation the apprentice hands in,
 * the assessment's recording), for `action`. Seen by administrators, its assessor and the
 * apprentice's provider (not the employer) and, once it is graded, by quality assurers, who
 * moderate it and sit on appeal panels. Added to by administrators, its assessor and the
 * apprentice's provider, until its grading is submitted (then by administrators only), and never
 * to a booking that did not take place (declined, cancelled, or a hold that ran out unconfirmed).
 */
export function bookingEvidenceOf(
  db: Db,
  user: CurrentUser,
  params: unknown,
  action: 'view' | 'edit',
  /** To edit, the time now (an ISO instant): a hold that has run out takes no evidence, though the sweep has not marked it yet. */
  now?: string,
): Result<{ apprentice: ApprenticeDetail; booking: BookingRow }> {
  const none = refuse('not_found', 'There is no such booking in your records');
  const id = idIn(params);
  const booking = byId(id, (n) => bookingById(db, n));
  if (!booking) return none;
  const graded = submittedGradingOf(db, booking.id);
  // Not the employer's: a recording or a report may speak of health, as an approved adjustment may (hidden from them too).
  if (user.role === 'employer') return none;
  if (!canSeeBooking(db, user, booking) && !(user.role === 'quality_assurer' && graded && qaReads(db, user, booking)))
    return none;
  const apprentice = findApprenticeById(db, booking.apprenticeId);
  if (!apprentice) return none;
  if (action === 'edit') {
    const uploader =
      user.role === 'admin' ||
      (user.role === 'assessor' && booking.assessorUserId === user.id) ||
      (user.role === 'provider' && canActOn(user, apprentice, 'edit'));
    if (!uploader)
      return refuse('forbidden', 'The assessor, the apprentice’s provider and administrators add assessment evidence');
    if (NO_EVIDENCE_STATUSES.includes(booking.status) || holdRanOut(booking, now))
      return refuse('conflict', 'This assessment did not take place: it takes no evidence');
    if (graded && user.role !== 'admin')
      return refuse('conflict', 'This assessment has been graded: ask an administrator to add evidence now');
  }
  return ok({ apprentice, booking });
}

/**
 * A malpractice or maladministration case's documents (the allegation's evidence, the
 * investigation's findings), for `action`: seen by those who see the case (administrators, its
 * opener and its investigator), and by the appeal reviewers with no part in it once its decision
 * has been appealed (the panel reads what the decision was made on); added to by those who see
 * the case while it is undecided.
 */
export function caseEvidenceOf(
  db: Db,
  user: CurrentUser,
  params: unknown,
  action: 'view' | 'edit',
): Result<{ apprentice: ApprenticeDetail | null; found: FoundCase }> {
  const id = idIn(params);
  let seen = caseFor(db, user, id, 'view');
  if (!seen.ok && action === 'view' && (AREA_ROLES.appealReview as readonly string[]).includes(user.role)) {
    const appeal = byId(id, (n) => db.select().from(appeals).where(eq(appeals.caseId, n)).get());
    // Nobody with a part in the case reads it this way: the case rules keep it from its parties.
    const found = appeal && !involvedInAppeal(db, appeal).has(user.id) ? findCase(db, appeal.caseId!) : undefined;
    if (found) seen = ok(found);
  }
  if (!seen.ok) return seen;
  if (action === 'edit' && seen.value.case.status === 'decided')
    return refuse('conflict', 'This case has been decided: its documents can no longer change');
  const apprenticeId = seen.value.case.apprenticeId;
  const apprentice = apprenticeId === null ? null : (findApprenticeById(db, apprenticeId) ?? null);
  return ok({ apprentice, found: seen.value });
}

/** A record that holds files, in the store's terms, found for someone who may act on it. */
export interface EvidenceRecord {
  /** Null for a case about no apprentice (against an assessor or a provider). */
  apprentice: ApprenticeDetail | null;
  recordType: EvidenceRecordType;
  recordKey: string;
  /** How the audit names it. */
  label: string;
}

/**
 * The record the URL's parameters name, of `recordType`, for `action`: a gateway item (uln, itemId)
 * seen and added to by its provider and administrators (the employer sees it too); an adjustment
 * or special-consideration request (id) by its provider and administrators only, and added to only
 * while it waits for its decision; an appeal (id) by the appeal reviewers and its apprentice's
 * provider and employer, and added to by the provider and administrators while it waits; an
 * English or maths qualification (uln, id) as its apprentice's record is; an assessment (a
 * booking's id) and a case (id) as bookingEvidenceOf and caseEvidenceOf say.
 */
export function evidenceRecord(
  db: Db,
  user: CurrentUser,
  recordType: EvidenceRecordType,
  params: unknown,
  action: 'view' | 'edit',
  now?: string,
): Result<EvidenceRecord> {
  if (recordType === 'gateway_item') {
    const found = gatewayItemOf(db, user, params, action);
    if (!found.ok) return found;
    const { apprentice, item } = found.value;
    return ok({ apprentice, recordType, recordKey: item.id, label: `gateway item ${item.id}` });
  }
  if (recordType === 'case') {
    const found = caseEvidenceOf(db, user, params, action);
    if (!found.ok) return found;
    const { apprentice, found: c } = found.value;
    return ok({ apprentice, recordType, recordKey: String(c.case.id), label: `case ${c.case.id}` });
  }
  if (recordType === 'booking') {
    const found = bookingEvidenceOf(db, user, params, action, now);
    if (!found.ok) return found;
    const { apprentice, booking } = found.value;
    return ok({
      apprentice,
      recordType,
      recordKey: String(booking.id),
      label: `assessment evidence of booking ${booking.id}`,
    });
  }
  if (recordType === 'qualification') {
    const found = qualificationOf(db, user, params, action);
    if (!found.ok) return found;
    const { apprentice, qualification } = found.value;
    return ok({
      apprentice,
      recordType,
      recordKey: String(qualification.id),
      label: qualificationLabel(qualification),
    });
  }
  const id = idIn(params);
  if (recordType === 'appeal') {
    const found = appealFor(db, user, id, action);
    if (!found.ok) return found;
    const { apprentice, appeal } = found.value;
    return ok({ apprentice, recordType, recordKey: String(appeal.id), label: `appeal ${appeal.id}` });
  }
  const found = requestFor(db, user, id, action);
  if (!found.ok) return found;
  const { apprentice, request } = found.value;
  return ok({
    apprentice,
    recordType,
    recordKey: String(request.id),
    label: `${KIND_LABELS[request.kind].toLowerCase()} request ${request.id}`,
  });
}

/**
 * Attaches a file the store has received to a record the user may add to, audited. A gateway item
 * not yet recorded as in place is recorded so, with the file as where it is.
 */
export function attachEvidenceFile(
  db: Db,
  user: CurrentUser,
  recordType: EvidenceRecordType,
  params: unknown,
  file: StoredFile & { originalName: string },
  now: string,
): Result<EvidenceRecord & { id: number }> {
  const target = evidenceRecord(db, user, recordType, params, 'edit', now);
  if (!target.ok) return target;
  const { apprentice, recordKey, label } = target.value;
  const actor = actorOf(user);
  const fileName = keptFileName(file.originalName);
  const id = db.transaction((tx) => {
    const created = insertEvidenceFile(tx, {
      apprenticeId: apprentice?.id ?? null,
      recordType,
      recordKey,
      sha256: file.sha256,
      size: file.size,
      mediaType: file.mediaType,
      fileName,
      uploadedBy: user.id,
      uploadedAt: now,
    });
    recordAudit(tx, actor, {
      action: 'evidence.uploaded',
      // A case's documents are the case's (its audit trail is seen with it); every other record is an apprentice's.
      ...(recordType === 'case' || !apprentice
        ? { entityType: 'case', entityId: recordKey }
        : { entityType: 'apprentice', entityId: apprentice.uln }),
      after: {
        record: label,
        file: created,
        fileName,
        size: file.size,
        mediaType: file.mediaType,
        sha256: file.sha256,
      },
    });
    if (recordType === 'gateway_item' && apprentice && !itemRecorded(tx, apprentice.id, recordKey))
      recordPlanItem(db, apprentice, recordKey, `Uploaded to the evidence store: ${fileName}`, actor);
    // New evidence changes a request: a decision made on a page opened before it is refused (its revision).
    if (recordType === 'assessment_request') requestChanged(tx, Number(recordKey));
    // And a case: its decision is made on the documents as they are.
    if (recordType === 'case')
      tx.update(cases)
        .set({ revision: sql`${cases.revision} + 1` })
        .where(eq(cases.id, Number(recordKey)))
        .run();
    return created;
  });
  return ok({ ...target.value, id });
}

const itemRecorded = (tx: Queryable, apprenticeId: number, itemId: string) =>
  tx
    .select({ itemId: gatewayItemsProvided.itemId })
    .from(gatewayItemsProvided)
    .where(and(eq(gatewayItemsProvided.apprenticeId, apprenticeId), eq(gatewayItemsProvided.itemId, itemId)))
    .get() !== undefined;

/** A file to download, for someone who can see its record. */
export function evidenceFileFor(db: Db, user: CurrentUser, id: unknown) {
  const fileId = typeof id === 'string' && /^\d{1,9}$/.test(id) ? Number(id) : undefined;
  const found = fileId === undefined ? undefined : findEvidenceFile(db, fileId);
  if (!found) return refuse('not_found', 'There is no such file');
  const { recordType, recordKey } = found.file;
  // A gateway item's file stays visible with the apprentice even if a later plan drops the item.
  const seen =
    recordType === 'gateway_item'
      ? apprenticeFor(db, user, found.uln, 'view')
      : evidenceRecord(db, user, recordType, { uln: found.uln, id: recordKey }, 'view');
  // The record must be the file's own apprentice's (or, for a case about nobody's assessment, nobody's), whatever its key.
  const owner = !seen.ok
    ? undefined
    : 'apprentice' in seen.value
      ? (seen.value.apprentice?.uln ?? null)
      : seen.value.uln;
  if (owner !== found.uln) return refuse('not_found', 'There is no such file');
  return ok(found.file);
}

/** The files of a record, as its page lists them. */
export function filesOf(db: Db, record: Pick<EvidenceRecord, 'apprentice' | 'recordType' | 'recordKey'>) {
  return filesOfRecord(db, record.apprentice?.id ?? null, record.recordType, record.recordKey);
}

/** Whether a file received but perhaps never attached (a refused form) may be removed from disk. */
export const unreferenced = (db: Db, sha256: string) => !fileInUse(db, sha256);

/** The `id` of a record's parameters (the URL's, or a download's own), if any. */
const idIn = (params: unknown) =>
  typeof params === 'object' && params !== null ? (params as { id?: unknown }).id : undefined;

/**
 * Whether a quality assurer reads a graded assessment's evidence: the assessment organisation's own
 * moderate any; an external reviewer, who sits on appeal panels only, reads one that an appeal
 * concerns (against the result of its attempt, against a decision on a case about it, or against
 * a refusal of special consideration for it).
 */
const qaReads = (db: Queryable, user: CurrentUser, booking: BookingRow) =>
  !sitsOnPanelsOnly(user) ||
  db
    .select({ id: appeals.id })
    .from(appeals)
    .leftJoin(gradings, eq(gradings.attemptId, appeals.attemptId))
    .leftJoin(cases, eq(cases.id, appeals.caseId))
    .leftJoin(assessmentRequests, eq(assessmentRequests.id, appeals.requestId))
    .where(
      or(
        eq(gradings.bookingId, booking.id),
        eq(cases.bookingId, booking.id),
        eq(assessmentRequests.bookingId, booking.id),
      ),
    )
    .get() !== undefined;

/** Whether the booking's grading has been submitted. */
const submittedGradingOf = (db: Queryable, bookingId: number) =>
  db
    .select({ id: gradings.id })
    .from(gradings)
    .where(and(eq(gradings.bookingId, bookingId), isNotNull(gradings.submittedAt)))
    .get() !== undefined;
