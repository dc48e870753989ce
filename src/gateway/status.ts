/** A gateway submission's life: submitted, then accepted or rejected by the EPAO. */
export const SUBMISSION_STATUSES = ['submitted', 'accepted', 'rejected'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** Where an apprentice stands at the gateway, as the dashboard filters it. */
export const GATEWAY_STATES = ['not_ready', 'ready', 'submitted', 'accepted', 'rejected'] as const;
export type GatewayState = (typeof GATEWAY_STATES)[number];
export const GATEWAY_STATE_LABELS: Record<GatewayState, string> = {
  not_ready: 'Not ready',
  ready: 'Ready to request EPA',
  submitted: 'Submitted',
  accepted: 'Gateway accepted',
  rejected: 'Gateway rejected',
};
