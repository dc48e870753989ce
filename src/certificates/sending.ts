import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db } from '../db/connection.js';
import { isoInstant, todayInLondon } from '../dates.js';
import { apprentices, epaAttempts } from '../db/schema.js';
import {
  certificateRequest,
  epaRecordRequest,
  epaUpdateRequest,
  inBatches,
  isReady,
  unclaimedClaims,
  type ClaimRow,
  type ClaimTimingSettings,
} from '../outcomes/claims.js';
import type { ServiceClient, ServiceItemAnswer } from './client.js';

/**
 * Sends every claim that is ready to the apprenticeship service directly: Fails and withdrawals
 * are created as EPA records (a Fail submitted, a withdrawal a draft), or update the apprentice's
 * record when this platform sent an earlier outcome; then certificates are created and submitted. Batches of at most 25, each item named by its RequestId. One refused item
 * never holds back the rest: its messages are kept on the result and shown on the claims page,
 * and it stays unclaimed until it is sent again. A result the service takes is marked claimed
 * with its reference and status. Everything sent, and every answer, is audited. `releasedUpTo`
 * limits the send to the results a claims page listed (those released by the instant it was shown).
 */
/** Databases with a send under way: one at a time, so nothing is posted twice. */
const sending = new WeakSet<Db>();

export async function sendToService(
  db: Db,
  client: ServiceClient,
  actor: Actor,
  now: DateTime,
  settings: ClaimTimingSettings,
  releasedUpTo?: string,
): Promise<{ sent: number; refused: number; failures: string[] } | { busy: true }> {
  if (sending.has(db)) return { busy: true };
  sending.add(db);
  try {
    return await sendAll(db, client, actor, now, settings, releasedUpTo);
  } finally {
    sending.delete(db);
  }
}

async function sendAll(
  db: Db,
  client: ServiceClient,
  actor: Actor,
  now: DateTime,
  settings: ClaimTimingSettings,
  releasedUpTo: string | undefined,
): Promise<{ sent: number; refused: number; failures: string[] }> {
  const outcome = { sent: 0, refused: 0, failures: [] as string[] };
  // The learner pre-check: an apprentice the service does not hold on this standard is not sent at all.
  const rows: ClaimRow[] = [];
  const failed = (message: string) => {
    outcome.failures.push(message);
    recordAudit(db, actor, {
      action: 'claims.send_failed',
      entityType: 'apprenticeship_service',
      entityId: 'send',
      after: { message },
    });
  };
  for (const row of unclaimedClaims(db, todayInLondon(now), settings, releasedUpTo).filter(isReady)) {
    const learner = await client.learner(row.uln, row.familyName, row.standardReference!);
    if (learner.ok) rows.push(row);
    else if (learner.status === 401) {
      // The key itself is refused: nothing can be sent, and no result is to blame.
      failed(learner.message);
      return outcome;
    } else if (learner.status === null || learner.status >= 500 || learner.status === 429) failed(learner.message);
    else {
      outcome.refused++;
      const lookup = `${row.uln}/${row.familyName}/${row.standardReference}`;
      refused(db, row, [learner.serviceMessage ?? learner.message], { learner: lookup }, actor, now);
    }
  }
  const answerFor = (answers: ServiceItemAnswer[], requestId: string, index: number) =>
    answers.find((a) => a.requestId === requestId) ?? answers[index];

  // Outcomes first, so an earlier Fail is recorded before a later certificate is made over it: new EPA
  // records, then updates of those this platform sent before, each with every outcome it is to hold.
  const recordSends = [
    { sends: 'epa_record', request: epaRecordRequest, call: client.createEpaRecords },
    { sends: 'epa_update', request: epaUpdateRequest, call: client.updateEpaRecords },
  ] as const;
  for (const { sends, request, call } of recordSends)
    for (const batch of inBatches(rows.filter((r) => r.sends === sends))) {
      const requests = batch.map((row) => request(row));
      const answered = await call(requests);
      if (!answered.ok) {
        failed(answered.message);
        continue;
      }
      batch.forEach((row, i) => {
        const sent = requests[i]!;
        const answer = answerFor(answered.items, sent.RequestId, i);
        // A new record's reference is the service's answer; an update's is the record's own.
        const reference = answer?.epaReference ?? row.updates?.reference;
        if (answer?.validationErrors?.length || !reference) {
          outcome.refused++;
          refused(db, row, answer?.validationErrors ?? ['The service gave no EPA reference'], sent, actor, now);
        } else {
          outcome.sent++;
          taken(db, row, { reference, status: recordStatus(row) }, sent, actor, now);
        }
      });
    }
  const certificates = rows.filter((r) => r.sends === 'certificate');
  // A certificate the service created earlier, whose submission it refused, is submitted again, not created twice.
  const earlier = new Map(
    db
      .select({ id: epaAttempts.id, reference: epaAttempts.serviceReference })
      .from(epaAttempts)
      .where(and(isNull(epaAttempts.claimedAt), isNotNull(epaAttempts.serviceReference)))
      .all()
      .map((r) => [r.id, r.reference!]),
  );
  for (const batch of inBatches(certificates)) {
    const ready: { row: ClaimRow; reference: string }[] = [];
    const fresh = batch.filter((row) => {
      const reference = earlier.get(row.attemptId);
      if (reference) ready.push({ row, reference });
      return !reference;
    });
    const requests = fresh.map(certificateRequest);
    const created = requests.length > 0 ? await client.createCertificates(requests) : { ok: true as const, items: [] };
    if (!created.ok) failed(created.message);
    else
      fresh.forEach((row, i) => {
        const answer = answerFor(created.items, requests[i]!.RequestId, i);
        // Made already (an earlier send whose answer was lost): the service names it, and it is submitted.
        const made = /^Certificate already exists: (\S+)$/.exec(answer?.validationErrors?.join('; ') ?? '');
        const reference = answer?.certificate?.certificateData?.certificateReference ?? made?.[1];
        if ((answer?.validationErrors?.length && !made) || !reference) {
          outcome.refused++;
          refused(db, row, answer?.validationErrors ?? ['The service gave no certificate'], requests[i], actor, now);
        } else ready.push({ row, reference });
      });
    if (ready.length === 0) continue;
    const submits = ready.map(({ row, reference }) => ({
      RequestId: `attempt-${row.attemptId}`,
      Uln: Number(row.uln),
      StandardCode: row.standardCode!,
      StandardReference: row.standardReference!,
      FamilyName: row.familyName,
      CertificateReference: reference,
    }));
    const submitted = await client.submitCertificates(submits);
    ready.forEach(({ row, reference }, i) => {
      const answer = submitted.ok ? answerFor(submitted.items, submits[i]!.RequestId, i) : undefined;
      const errors = submitted.ok ? (answer?.validationErrors ?? []) : [submitted.message];
      if (errors.length > 0) {
        outcome.refused++;
        refused(db, row, errors, submits[i], actor, now, { reference, status: 'Ready' });
      } else {
        outcome.sent++;
        taken(
          db,
          row,
          { reference, status: answer?.certificate?.status?.currentStatus ?? 'Submitted' },
          { created: certificateRequest(row), submitted: submits[i] },
          actor,
          now,
        );
      }
    });
  }

  return outcome;
}

/**
 * An EPA record's status in the service once it holds this outcome: a Fail is submitted, a withdrawal
 * stays a draft with no grade (Handlers/ExternalApi/Epas/CreateBatchEpaHandler.cs and UpdateBatchEpaHandler.cs).
 */
const recordStatus = (row: ClaimRow) => (row.overallGrade === 'Fail' ? 'Submitted' : 'Draft');

/** The service took the result: claimed, with its reference and status (unless another send got there first). */
function taken(
  db: Db,
  row: ClaimRow,
  answer: { reference: string; status: string },
  request: unknown,
  actor: Actor,
  now: DateTime,
): void {
  db.transaction((tx) => {
    const changed = tx
      .update(epaAttempts)
      .set({
        claimedAt: isoInstant(now),
        claimedBy: actor.userId,
        claimedGrade: row.overallGrade,
        serviceReference: answer.reference,
        serviceStatus: answer.status,
        serviceSentAt: isoInstant(now),
        serviceErrors: null,
      })
      .where(and(eq(epaAttempts.id, row.attemptId), isNull(epaAttempts.claimedAt)))
      .run().changes;
    if (changed === 0) return;
    recordAudit(tx, actor, {
      action: 'claim.sent',
      entityType: 'attempt',
      entityId: row.attemptId,
      before: { claimedAt: null },
      after: { sent: request, serviceReference: answer.reference, serviceStatus: answer.status },
    });
  });
}

/** The service refused the result: its messages kept to show, audited; the result stays unclaimed. */
function refused(
  db: Db,
  row: ClaimRow,
  errors: string[],
  request: unknown,
  actor: Actor,
  now: DateTime,
  created?: { reference: string; status: string },
): void {
  db.transaction((tx) => {
    tx.update(epaAttempts)
      .set({
        serviceErrors: errors,
        serviceSentAt: isoInstant(now),
        ...(created ? { serviceReference: created.reference, serviceStatus: created.status } : {}),
      })
      .where(and(eq(epaAttempts.id, row.attemptId), isNull(epaAttempts.claimedAt)))
      .run();
    recordAudit(tx, actor, {
      action: 'claim.refused_by_service',
      entityType: 'attempt',
      entityId: row.attemptId,
      after: { sent: request, errors },
    });
  });
}

/** Results the service refused when last sent, with its messages (still unclaimed). */
export function refusedByService(db: Db) {
  return db
    .select({
      attemptId: epaAttempts.id,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      errors: epaAttempts.serviceErrors,
      sentAt: epaAttempts.serviceSentAt,
    })
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .where(and(isNull(epaAttempts.claimedAt), isNotNull(epaAttempts.serviceErrors)))
    .all();
}
