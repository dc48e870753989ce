import { SUBMISSION_STATUSES, GATEWAY_STATES } from '../db/vocabulary.js';

export { SUBMISSION_STATUSES };
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export { GATEWAY_STATES };
export type GatewayState = (typeof GATEWAY_STATES)[number];
export const GATEWAY_STATE_LABELS: Record<GatewayState, string> = {
  not_ready: 'Not ready',
  ready: 'Ready to request EPA',
  submitted: 'Submitted',
  accepted: 'Gateway accepted',
  rejected: 'Gateway rejected',
};
