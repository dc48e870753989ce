import type { MethodFacts } from '../bookings/model.js';
import { ADJUSTMENT_TYPES, CONSIDERATION_EFFECTS, REQUEST_KINDS, REQUEST_STATUSES } from '../db/vocabulary.js';
import { addWorkingDays } from '../grading/rules.js';
import type { Problem } from '../validation/problems.js';

/*
 * Reasonable adjustments and special consideration: pure decisions.
 *
 * Ofqual's General Conditions of Recognition (the version in force from 2 October 2023, which
 * applies to assessment organisations for apprenticeship end-point assessment):
 * - G6: an awarding organisation must make reasonable adjustments where a disabled learner would
 *   otherwise be at a substantial disadvantage (Equality Act 2010, section 96(7)), and must not make
 *   one that would undermine what the assessment is to show. An adjustment changes how an
 *   assessment is taken (time, a reader or scribe, an interpreter, remote delivery, rest breaks),
 *   never what is assessed.
 * - G7: special consideration, after an assessment, for a learner affected by circumstances
 *   outside their control at the time of it (illness, bereavement, an incident), must be
 *   considered and its outcome recorded.
 * Neither Condition sets a number of days: the assessment organisation publishes its own, here the
 * EPAO setting "request working days" (src/grading/settings-pages.ts).
 */

export type AdjustmentType = (typeof ADJUSTMENT_TYPES)[number];
export type RequestKind = (typeof REQUEST_KINDS)[number];
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export type ConsiderationEffect = (typeof CONSIDERATION_EFFECTS)[number];

export const ADJUSTMENT_LABELS: Record<AdjustmentType, string> = {
  extra_time: 'Extra time',
  rest_breaks: 'Rest breaks',
  reader_or_scribe: 'A reader or scribe',
  bsl_interpreter: 'A British Sign Language interpreter',
  remote: 'A remote assessment',
  other: 'Something else (say what in the reason)',
};

export const KIND_LABELS: Record<RequestKind, string> = {
  adjustment: 'Reasonable adjustment',
  special_consideration: 'Special consideration',
};

export const STATUS_LABELS: Record<RequestStatus, string> = {
  requested: 'Awaiting decision',
  approved: 'Approved',
  approved_in_part: 'Approved in part',
  refused: 'Refused',
  withdrawn: 'Withdrawn',
};

export const EFFECT_LABELS: Record<ConsiderationEffect, string> = {
  not_counted: 'The assessment does not count as an attempt: it is void, and the method is booked again',
  grade_reviewed: 'The grade was reviewed with the circumstances in mind',
  no_change: 'Considered, with no change to the result',
};

/** An adjustment's name inside a sentence ("a British Sign Language interpreter"). */
export const adjustmentInSentence = (type: AdjustmentType) =>
  ADJUSTMENT_LABELS[type].replace(/^./, (c) => c.toLowerCase());

/** The largest extra time asked for or approved, as a share of the method's length. */
export const MAX_EXTRA_TIME_PERCENT = 100;

/** The day a request is to be decided by: the EPAO's working days after the day it was made. */
export function decideByDate(requestedOn: string, workingDays: number): string {
  return addWorkingDays(requestedOn, workingDays);
}

/** Whether a request still waiting for its decision is past the day it was due. */
export const isOverdue = (request: { status: RequestStatus; decideBy: string }, today: string) =>
  request.status === 'requested' && request.decideBy < today;

/** An approved (in full or in part) adjustment, as the booking rules read it. */
export interface ApprovedAdjustment {
  /** Null: every method. */
  methodId: string | null;
  types: AdjustmentType[];
  extraTimePercent: number | null;
  /** When it was approved (an ISO instant; null for one approved before it was kept). */
  decidedAt?: string | null;
}

/** Bookings that ended without taking place: declined, cancelled, or a hold left to run out. */
const ENDED_UNHELD: readonly string[] = ['declined', 'cancelled', 'expired'];

/**
 * The adjustments in force for an assessment: those approved before it started or, for one that
 * ended without taking place, before it ended (its last change). One approved later did not apply
 * to it, so its booking, grading page, schedule and calendar event do not claim it.
 */
export function inForceFor(
  approved: readonly ApprovedAdjustment[],
  booking: { startsAt: string; status?: string; updatedAt?: string },
): ApprovedAdjustment[] {
  const ended =
    booking.status !== undefined && ENDED_UNHELD.includes(booking.status) && booking.updatedAt !== undefined
      ? booking.updatedAt
      : undefined;
  const until = ended !== undefined && ended < booking.startsAt ? ended : booking.startsAt;
  return approved.filter((a) => a.decidedAt == null || a.decidedAt < until);
}

/** Extra minutes for extra time: the percentage of the method's length, rounded up to a whole minute. */
export const extraMinutes = (durationMinutes: number, percent: number) => Math.ceil((durationMinutes * percent) / 100);

/** What the adjustments approved for a method add up to (each type once; the largest extra time). */
export function adjustmentsFor(
  methodId: string,
  approved: readonly ApprovedAdjustment[],
): { types: AdjustmentType[]; extraTimePercent: number } | null {
  const applying = approved.filter((a) => a.methodId === null || a.methodId === methodId);
  if (applying.length === 0) return null;
  const types = ADJUSTMENT_TYPES.filter((t) => applying.some((a) => a.types.includes(t)));
  const extraTimePercent = Math.max(
    0,
    ...applying.filter((a) => a.types.includes('extra_time')).map((a) => a.extraTimePercent ?? 0),
  );
  return { types, extraTimePercent };
}

/**
 * What is said of a method's approved adjustments to those who run the assessment (the booking,
 * the assessor's schedule and calendar, the grading page): the adjustments themselves, never the
 * reason for them, which may be medical.
 */
export function adjustmentWords(adjustments: { types: AdjustmentType[]; extraTimePercent: number }): string {
  return adjustments.types
    .map((t) =>
      t === 'extra_time'
        ? `extra time (${adjustments.extraTimePercent}%)`
        : t === 'other'
          ? 'another adjustment (see the assessment organisation)'
          : adjustmentInSentence(t),
    )
    .join(', ')
    .replace(/^./, (c) => c.toUpperCase());
}

/** The approved adjustments to a method in words (adjustmentWords), or null where there are none. */
export function approvedWords(methodId: string, approved: readonly ApprovedAdjustment[]): string | null {
  const adjustments = adjustmentsFor(methodId, approved);
  return adjustments ? adjustmentWords(adjustments) : null;
}

/**
 * A method as the booking rules see it for this apprentice, with their approved adjustments:
 * extra time lengthens the slot by its percentage, and an approved remote assessment is taken
 * remotely. Without adjustments the method is unchanged.
 */
export function adjustedMethod(method: MethodFacts, approved: readonly ApprovedAdjustment[]): MethodFacts {
  const adjustments = adjustmentsFor(method.id, approved);
  if (!adjustments) return method;
  const extra = adjustments.types.includes('extra_time')
    ? extraMinutes(method.durationMinutes, adjustments.extraTimePercent)
    : 0;
  const remote = adjustments.types.includes('remote') && method.delivery.includes('remote');
  return {
    ...method,
    durationMinutes: method.durationMinutes + extra,
    delivery: remote ? ['remote'] : method.delivery,
    adjusted: { words: adjustmentWords(adjustments), extraMinutes: extra, remote, planMinutes: method.durationMinutes },
  };
}

/** A decision as the form or the API gives it. */
export interface DecisionInput {
  status: 'approved' | 'approved_in_part' | 'refused';
  reason: string;
  /** Approved in part: the types approved, and the extra time approved. */
  approvedTypes?: AdjustmentType[];
  approvedExtraTimePercent?: number | null;
  /** Special consideration approved (in full or in part): its effect on the result. */
  effect?: ConsiderationEffect | null;
}

export interface RequestFacts {
  kind: RequestKind;
  status: RequestStatus;
  types: AdjustmentType[];
  extraTimePercent: number | null;
  /** The methods the request concerns, with the delivery modes their plan allows. */
  methods: { name: string; delivery: string[] }[];
}

/** What is written when a decision is taken: the status, what was approved, the effect. */
export interface DecisionOutcome {
  status: DecisionInput['status'];
  approvedTypes: AdjustmentType[] | null;
  approvedExtraTimePercent: number | null;
  effect: ConsiderationEffect | null;
}

/**
 * Judges a decision on a request: only an open request is decided; a reason is always given; an
 * adjustment approved in part approves some, not all, of what was asked (or less extra time), and
 * never what was not asked; a remote assessment is approved only for methods the plan allows to be
 * taken remotely (an adjustment may not change what the plan requires of the assessment);
 * special consideration approved says its effect on the result.
 */
export function judgeDecision(request: RequestFacts, input: DecisionInput): DecisionOutcome | { problems: Problem[] } {
  if (request.status !== 'requested')
    return {
      problems: [{ path: '', message: `This request has already been ${STATUS_LABELS[request.status].toLowerCase()}` }],
    };
  const problems: Problem[] = [];
  if (input.reason.trim() === '') problems.push({ path: 'reason', message: 'Give the reason for the decision' });
  if (input.status === 'refused')
    return problems.length
      ? { problems }
      : { status: 'refused', approvedTypes: null, approvedExtraTimePercent: null, effect: null };

  if (request.kind === 'special_consideration') {
    if (!input.effect) problems.push({ path: 'effect', message: 'Select the effect on the result' });
    return problems.length
      ? { problems }
      : { status: input.status, approvedTypes: null, approvedExtraTimePercent: null, effect: input.effect! };
  }

  const whole = input.status === 'approved';
  const types = whole ? request.types : (input.approvedTypes ?? []);
  const extra = types.includes('extra_time')
    ? whole
      ? request.extraTimePercent
      : (input.approvedExtraTimePercent ?? null)
    : null;
  if (!whole) {
    if (types.length === 0) problems.push({ path: 'approvedTypes', message: 'Select what is approved' });
    const unasked = types.filter((t) => !request.types.includes(t));
    if (unasked.length > 0)
      problems.push({
        path: 'approvedTypes',
        message: `Only what was asked for can be approved: not ${unasked.map(adjustmentInSentence).join(', ')}`,
      });
    if (types.includes('extra_time')) {
      if (extra === null || extra < 1)
        problems.push({ path: 'approvedExtraTimePercent', message: 'Enter the extra time approved, as a percentage' });
      else if (extra > (request.extraTimePercent ?? 0))
        problems.push({
          path: 'approvedExtraTimePercent',
          message: `Approve no more extra time than was asked for (${request.extraTimePercent}%)`,
        });
    }
    const everything = request.types.every((t) => types.includes(t)) && (extra ?? 0) >= (request.extraTimePercent ?? 0);
    if (problems.length === 0 && everything)
      problems.push({
        path: 'approvedTypes',
        message: 'That is everything asked for: choose “Approve” instead, or approve less',
      });
  }
  if (types.includes('remote')) {
    const inPersonOnly = request.methods.filter((m) => !m.delivery.includes('remote'));
    if (inPersonOnly.length > 0)
      problems.push({
        path: whole ? 'status' : 'approvedTypes',
        message: `The assessment plan does not allow ${inPersonOnly.map((m) => m.name).join(' or ')} to be taken remotely, so a remote assessment cannot be approved`,
      });
  }
  return problems.length
    ? { problems }
    : { status: input.status, approvedTypes: types, approvedExtraTimePercent: extra, effect: null };
}
