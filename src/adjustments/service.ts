import { and, desc, eq, inArray, lte } from 'drizzle-orm';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import { apprenticeFor } from '../apprentices/service.js';
import { findApprenticeById, type ApprenticeDetail } from '../apprentices/store.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import { appeals, assessmentRequests, bookings, epaAttempts, gradings } from '../db/schema.js';
import { londonDateOf } from '../dates.js';
import { ADJUSTMENT_TYPES, CONSIDERATION_EFFECTS } from '../db/vocabulary.js';
import { applyOutcomeDecision, epaoSettingsOf, moveBooking } from '../grading/store.js';
import { queueNotification } from '../notifications/store.js';
import { planForApprentice } from '../plans/store.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { blankToNull, decimalInput, recordId } from '../validation/fields.js';
import { inFieldOrder, problemsFromZod } from '../validation/problems.js';
import { ok, refuse, type Result } from '../validation/result.js';
import {
  adjustmentInSentence,
  KIND_LABELS,
  MAX_EXTRA_TIME_PERCENT,
  STATUS_LABELS,
  approvedWords,
  inForceFor,
  decideByDate,
  judgeDecision,
  type RequestKind,
  type RequestStatus,
} from './rules.js';
import { approvedAdjustments, approvedAdjustmentsOf, findRequest, insertRequest, type RequestRow } from './store.js';
import { adjustmentApproved } from '../bookings/store.js';
import { caseActingOn, resultHeldBy } from '../cases/store.js';
import { DateTime } from 'luxon';

/*
 * Reasonable adjustments and special consideration: the use cases. A provider asks on the
 * apprentice's behalf (an administrator may record a request for them); the assessment
 * organisation's administrators decide. A request can hold health details, so it is seen by exactly
 * those two: the apprentice's provider and the administrators. The employer is not shown it, and
 * the assessor and quality assurer see only what was approved, never why (src/adjustments/rules.ts,
 * adjustmentWords).
 */

/** Who may see and make requests: their scope is the apprentice's (a provider its own apprentices). */
export const REQUEST_ROLES = AREA_ROLES.requests;

const reasonField = (missing: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(2000, 'Keep it to 2,000 characters: attach anything longer as a file');

const listOf = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as unknown[]) : [value];

const percentField = z.preprocess(
  blankToNull,
  z
    .preprocess(
      decimalInput,
      z
        .number({ error: 'Enter the extra time as a whole percentage, for example 25' })
        .int('Enter the extra time as a whole percentage, for example 25')
        .min(1, 'Enter at least 1%')
        .max(MAX_EXTRA_TIME_PERCENT, `Enter ${MAX_EXTRA_TIME_PERCENT}% or less`),
    )
    .nullable(),
);

const adjustmentSchema = z
  .object({
    methodId: z.preprocess(blankToNull, z.string().max(100).nullable()),
    types: z.preprocess(
      listOf,
      z
        .array(z.enum(ADJUSTMENT_TYPES, { error: 'Select adjustments from the list' }))
        .min(1, 'Select the adjustments needed'),
    ),
    extraTimePercent: percentField,
    reason: reasonField('Say why the apprentice needs the adjustment'),
  })
  .superRefine((v, ctx) => {
    if (v.types.includes('extra_time') && v.extraTimePercent === null)
      ctx.addIssue({
        code: 'custom',
        path: ['extraTimePercent'],
        message: 'Enter the extra time needed, as a percentage',
      });
  });

const considerationSchema = z.object({
  bookingId: z
    .preprocess((v) => (typeof v === 'number' ? String(v) : v), recordId.optional())
    .refine((v) => v !== undefined, 'Select the assessment that was affected'),
  reason: reasonField('Say what happened and how it affected the assessment'),
});

const decisionSchema = z.object({
  status: z.enum(['approved', 'approved_in_part', 'refused'], { error: 'Select a decision' }),
  reason: z.string({ error: 'Give the reason for the decision' }).trim().max(2000, 'Keep it to 2,000 characters'),
  approvedTypes: z.preprocess(listOf, z.array(z.enum(ADJUSTMENT_TYPES, { error: 'Select from the list' }))),
  approvedExtraTimePercent: percentField,
  effect: z.preprocess(
    blankToNull,
    z.enum(CONSIDERATION_EFFECTS, { error: 'Select the effect on the result' }).nullable(),
  ),
  /** The request's revision the decision was made on (a form always sends it; the API may leave it out). */
  revision: z.preprocess(blankToNull, z.preprocess(decimalInput, z.number().int().min(0)).nullable()).optional(),
});

/** The methods of the apprentice's plan, for the request forms and to check a request. */
export function methodsOf(db: Queryable, apprentice: ApprenticeDetail) {
  return (planForApprentice(db, apprentice)?.methods ?? []).map((m) => ({
    id: m.id,
    name: m.name,
    delivery: [...m.delivery] as string[],
  }));
}

/**
 * The assessments special consideration may be asked for: those that have taken place (a confirmed
 * or completed booking whose start has passed), the latest first.
 */
export function affectedAssessments(db: Queryable, apprentice: ApprenticeDetail, now: string) {
  const names = new Map(methodsOf(db, apprentice).map((m) => [m.id, m.name]));
  return db
    .select({ id: bookings.id, methodId: bookings.methodId, attempt: bookings.attempt, startsAt: bookings.startsAt })
    .from(bookings)
    .where(
      and(
        eq(bookings.apprenticeId, apprentice.id),
        inArray(bookings.status, ['confirmed', 'completed']),
        lte(bookings.startsAt, now),
      ),
    )
    .orderBy(desc(bookings.startsAt))
    .all()
    .map((b) => ({ ...b, methodName: names.get(b.methodId) ?? b.methodId }));
}

/** Opens a request for `kind`, for an apprentice the user may edit; audited, and the administrators' list shows it. */
export function makeRequest(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  kind: RequestKind,
  input: unknown,
  now: string,
): Result<RequestRow> {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const apprentice = found.value;
  const values = requestValues(db, apprentice, kind, input, now);
  if (!values.ok) return values;
  const settings = epaoSettingsOf(db);
  return db.transaction((tx) => {
    const created = insertRequest(tx, {
      ...values.value,
      apprenticeId: apprentice.id,
      kind,
      requestedBy: user.id,
      requestedAt: now,
      decideBy: decideByDate(londonDateOf(now), settings.requestWorkingDays),
    });
    recordAudit(tx, actorOf(user), {
      action: 'request.made',
      entityType: 'assessment_request',
      entityId: created.id,
      // The reason stays with the request (where erasure finds it), not copied into the log: it may be medical.
      after: { ...created, details: undefined, uln: apprentice.uln },
    });
    return ok(created);
  });
}

function requestValues(
  db: Db,
  apprentice: ApprenticeDetail,
  kind: RequestKind,
  input: unknown,
  now: string,
): Result<
  Pick<typeof assessmentRequests.$inferInsert, 'methodId' | 'bookingId' | 'types' | 'extraTimePercent' | 'details'>
> {
  if (kind === 'adjustment') {
    const parsed = adjustmentSchema.safeParse(input ?? {});
    if (!parsed.success)
      return refuse('invalid', inFieldOrder(problemsFromZod(parsed.error), Object.keys(adjustmentSchema.shape)));
    const { methodId, types, extraTimePercent, reason } = parsed.data;
    if (methodId !== null && !methodsOf(db, apprentice).some((m) => m.id === methodId))
      return refuse('invalid', [{ path: 'methodId', message: 'Select an assessment method of the apprentice’s plan' }]);
    return ok({
      methodId,
      bookingId: null,
      types,
      extraTimePercent: types.includes('extra_time') ? extraTimePercent : null,
      details: reason,
    });
  }
  const parsed = considerationSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const affected = affectedAssessments(db, apprentice, now).find((b) => b.id === parsed.data.bookingId);
  if (!affected)
    return refuse('invalid', [
      { path: 'bookingId', message: 'Select one of the apprentice’s assessments that has taken place' },
    ]);
  return ok({
    methodId: affected.methodId,
    bookingId: affected.id,
    types: [],
    extraTimePercent: null,
    details: parsed.data.reason,
  });
}

export type RequestAction = 'view' | 'edit' | 'decide';

/**
 * A request for `action`: viewing, by its apprentice's provider and administrators; editing (files,
 * withdrawal), the same while it waits for a decision; deciding, administrators only, while it waits.
 * Anyone else is told there is no such request.
 */
export function requestFor(db: Db, user: CurrentUser, id: unknown, action: RequestAction) {
  const parsed = recordId.safeParse(id);
  const found = parsed.success ? findRequest(db, parsed.data) : undefined;
  if (!found) return refuse('not_found', 'There is no such request');
  // A quality assurer on an appeal's panel reads the request appealed, and its evidence; nothing else of requests.
  if (user.role === 'quality_assurer' && action === 'view' && requestAppealed(db, found.request.id))
    return ok({ ...found, apprentice: findApprenticeById(db, found.request.apprenticeId)! });
  if (!(REQUEST_ROLES as readonly string[]).includes(user.role)) return refuse('not_found', 'There is no such request');
  const apprentice = apprenticeFor(db, user, found.uln, 'view');
  if (!apprentice.ok) return refuse('not_found', 'There is no such request');
  if (action === 'decide' && user.role !== 'admin')
    return refuse('forbidden', 'Only the assessment organisation decides requests');
  if (action !== 'view' && found.request.status !== 'requested')
    return refuse(
      'conflict',
      `This request has been ${STATUS_LABELS[found.request.status].toLowerCase()}: it can no longer be changed`,
    );
  return ok({ ...found, apprentice: apprentice.value });
}

export type FoundRequest = Extract<ReturnType<typeof requestFor>, { ok: true }>['value'];

/** Decides an open request (administrators): approved, approved in part or refused, with a reason; audited, and the requester told. */
export function decideRequest(db: Db, user: CurrentUser, id: unknown, input: unknown, now: string): Result<RequestRow> {
  const found = requestFor(db, user, id, 'decide');
  if (!found.ok) return found;
  const parsed = decisionSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const { request, apprentice } = found.value;
  if (parsed.data.revision != null && parsed.data.revision !== request.revision) return changedMeanwhile();
  const methods = methodsOf(db, apprentice).filter((m) => request.methodId === null || m.id === request.methodId);
  const judged = judgeDecision({ ...request, methods }, parsed.data);
  if ('problems' in judged) return refuse('invalid', judged.problems);
  const affected = judged.effect === 'not_counted' ? affectedGrading(db, request, apprentice.id) : null;
  const notCountable = affected && notCountedProblem(affected);
  if (notCountable) return refuse('invalid', [{ path: 'effect', message: notCountable }]);
  return db.transaction(
    (tx) => {
      const decided = updateOpen(tx, request, {
        ...judged,
        decisionReason: parsed.data.reason,
        decidedBy: user.id,
        decidedAt: now,
      });
      if (!decided) return changedMeanwhile();
      recordAudit(tx, actorOf(user), {
        action: 'request.decided',
        entityType: 'assessment_request',
        entityId: request.id,
        before: { status: request.status },
        after: { ...judged, uln: apprentice.uln },
        reason: parsed.data.reason,
      });
      tellRequester(tx, found.value, judged.status);
      // Not counted: the assessment is void, not an attempt; the method is booked again within the same attempt.
      if (judged.effect === 'not_counted' && request.bookingId !== null) {
        // The request's number, not its reason: the circumstances stay with the request.
        const reason = `Special consideration ${request.id} approved: not counted as an attempt`;
        const at = DateTime.fromISO(now, { zone: 'utc' });
        if (affected?.grading)
          applyOutcomeDecision(tx, affected.grading, affected.grading.attemptId, 'void', reason, actorOf(user), at);
        else moveBooking(tx, request.bookingId, 'confirmed', 'void', actorOf(user), at, reason);
      }
      if (decided.kind === 'adjustment' && decided.approvedTypes) {
        const approved = approvedAdjustmentsOf(tx, apprentice.id);
        adjustmentApproved(
          tx,
          apprentice,
          decided.methodId,
          (methodId) => approvedWords(methodId, approved),
          DateTime.fromISO(now, { zone: 'utc' }),
        );
      }
      return ok(decided);
    },
    { behavior: 'immediate' },
  );
}

/** The assessment a special consideration concerns, for an effect of not counted: its grading, result and holds. */
function affectedGrading(db: Queryable, request: RequestRow, apprenticeId: number) {
  const booking = request.bookingId
    ? db.select().from(bookings).where(eq(bookings.id, request.bookingId)).get()
    : undefined;
  const grading = booking ? db.select().from(gradings).where(eq(gradings.bookingId, booking.id)).get() : undefined;
  const attempt = grading
    ? db
        .select({ releasedAt: epaAttempts.releasedAt })
        .from(epaAttempts)
        .where(eq(epaAttempts.id, grading.attemptId))
        .get()
    : undefined;
  return {
    booking,
    grading,
    released: Boolean(attempt?.releasedAt),
    heldByCase: booking ? resultHeldBy(db, apprenticeId, booking.attempt) : undefined,
    decidedByCase: booking ? caseActingOn(db, booking.id) : undefined,
  };
}

/** Why the assessment cannot be set aside as not counted, or null. */
function notCountedProblem(a: NonNullable<ReturnType<typeof affectedGrading>>): string | null {
  if (!a.booking || !['confirmed', 'completed'].includes(a.booking.status))
    return 'The assessment is no longer booked as taken place (it may be void already): it cannot be set aside again';
  if (a.released)
    return 'The result has been released: it is changed through an appeal, so the assessment cannot be taken as not counted';
  if (a.heldByCase || a.decidedByCase)
    return 'A malpractice or maladministration case concerns this assessment: decide the request once the case allows';
  if (a.grading?.status === 'draft')
    return 'The assessor’s grading of this assessment is still a draft: ask them to submit it first';
  return null;
}

/** The requester (or an administrator) withdraws a request that waits for its decision; audited. */
export function withdrawRequest(db: Db, user: CurrentUser, id: unknown, now: string): Result<RequestRow> {
  const found = requestFor(db, user, id, 'edit');
  if (!found.ok) return found;
  const { request, apprentice } = found.value;
  return db.transaction(
    (tx) => {
      const withdrawn = updateOpen(tx, request, { status: 'withdrawn', decidedBy: user.id, decidedAt: now });
      if (!withdrawn) return changedMeanwhile();
      recordAudit(tx, actorOf(user), {
        action: 'request.withdrawn',
        entityType: 'assessment_request',
        entityId: request.id,
        before: { status: request.status },
        after: { status: 'withdrawn', uln: apprentice.uln },
      });
      return ok(withdrawn);
    },
    { behavior: 'immediate' },
  );
}

/** Writes `values` over a request only if it is still as it was read (open, at the same revision). */
function updateOpen(tx: Queryable, request: RequestRow, values: Partial<typeof assessmentRequests.$inferInsert>) {
  return tx
    .update(assessmentRequests)
    .set({ ...values, revision: request.revision + 1 })
    .where(
      and(
        eq(assessmentRequests.id, request.id),
        eq(assessmentRequests.status, 'requested'),
        eq(assessmentRequests.revision, request.revision),
      ),
    )
    .returning()
    .get();
}

const changedMeanwhile = () =>
  refuse('conflict', 'This request changed after you opened it: open it again to see it as it is now');

/** The requester hears of the decision by email (the outbox), without the details of the request. */
function tellRequester(tx: Queryable, found: FoundRequest, status: RequestStatus) {
  const to = found.requestedByEmail;
  if (!to) return;
  const { request, apprentice } = found;
  const name = `${apprentice.givenNames} ${apprentice.familyName}`;
  const what =
    request.kind === 'adjustment'
      ? request.types.map(adjustmentInSentence).join(', ')
      : 'an assessment that has taken place';
  queueNotification(tx, {
    to,
    subject: `${KIND_LABELS[request.kind]} ${STATUS_LABELS[status].toLowerCase()}: ${name}`,
    body: `Your request for ${KIND_LABELS[request.kind].toLowerCase()} (${what}) for ${name}, ULN ${apprentice.uln}, has been decided: ${STATUS_LABELS[status].toLowerCase()}. Sign in to see the decision and its reason.`,
  });
}

/**
 * What those who run assessments (assessors, quality assurers, the booking pages) are told of the
 * approved adjustments for each of `list` (bookings: an apprentice, a method, when it starts and
 * how it stands): the adjustments in force for it (inForceFor) in words, never why; null where
 * there are none.
 */
export function adjustmentsShown(db: Queryable, list: readonly AssessmentOf[]): (b: AssessmentOf) => string | null {
  const approved = approvedAdjustments(
    db,
    list.map((b) => b.apprenticeId),
  );
  return (b) => approvedWords(b.methodId, inForceFor(approved.get(b.apprenticeId) ?? [], b));
}

type AssessmentOf = { apprenticeId: number; methodId: string; startsAt: string; status?: string; updatedAt?: string };

/** Whether a request's decision has been appealed (its panel may read it). */
function requestAppealed(db: Queryable, requestId: number): boolean {
  return db.select({ id: appeals.id }).from(appeals).where(eq(appeals.requestId, requestId)).get() !== undefined;
}
