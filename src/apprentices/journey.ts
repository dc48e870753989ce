import type { GatewayState } from '../gateway/status.js';

/**
 * Where an apprentice stands, in one vocabulary from training to certificate: in training →
 * ready → requested → accepted → booked → assessed → in moderation → released → claimed, with
 * rejected, failed (resit or retake due) and withdrawn beside them. The apprentice's page and
 * the API read it from here.
 */
export const JOURNEY_STATUSES = [
  'in_training',
  'ready',
  'requested',
  'rejected',
  'accepted',
  'booked',
  'assessed',
  'in_moderation',
  'released',
  'failed',
  'withdrawn',
  'claimed',
] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

/** The statuses of an apprentice whose latest result is released; every other status's is not (a list filter reads only those). */
export const RELEASED_STATUSES: readonly JourneyStatus[] = ['released', 'failed', 'withdrawn', 'claimed'];

export const JOURNEY_STATUS_LABELS: Record<JourneyStatus, string> = {
  in_training: 'In training',
  ready: 'Ready to request assessment',
  requested: 'Assessment requested',
  rejected: 'Request rejected',
  accepted: 'Gateway accepted',
  booked: 'Booked',
  assessed: 'Assessed',
  in_moderation: 'In moderation',
  released: 'Result released',
  failed: 'Failed: resit or retake due',
  withdrawn: 'Withdrawn',
  claimed: 'Certificate claimed',
};

/** What the status is read from: the gateway, and the latest attempt with its bookings and gradings. */
export interface JourneyFacts {
  gateway: GatewayState;
  /** The apprentice's latest attempt, once one exists (a grading starts it; a resit or retake adds one). */
  attempt: { overallGrade: string | null; releasedAt: string | null; claimedAt: string | null } | null;
  /** Bookings held or confirmed and not yet graded. */
  activeBookings: number;
  /** Gradings of the latest attempt submitted, and those of them sampled and waiting for moderation. */
  submittedGradings: number;
  pendingModeration: number;
}

const GATEWAY_STATUS: Record<Exclude<GatewayState, 'accepted'>, JourneyStatus> = {
  not_ready: 'in_training',
  ready: 'ready',
  submitted: 'requested',
  rejected: 'rejected',
};

export function journeyStatus(facts: JourneyFacts): JourneyStatus {
  if (facts.gateway !== 'accepted') return GATEWAY_STATUS[facts.gateway];
  const a = facts.attempt;
  if (a?.claimedAt) return 'claimed';
  if (a?.releasedAt)
    return a.overallGrade === 'Fail' ? 'failed' : a.overallGrade === 'Withdrawn' ? 'withdrawn' : 'released';
  if (facts.pendingModeration > 0) return 'in_moderation';
  if (facts.activeBookings > 0) return 'booked';
  if (a?.overallGrade || facts.submittedGradings > 0) return 'assessed';
  return 'accepted';
}
