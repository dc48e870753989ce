import { ROLES } from '../db/vocabulary.js';

export { ROLES };
export type Role = (typeof ROLES)[number];

/**
 * An external quality assurer: not an employee of the assessment organisation, there to sit on
 * appeal panels for their independence, and for nothing else (its own quality assurance, reports
 * and cases are not theirs). An administrator so marked still administers.
 */
export const sitsOnPanelsOnly = (user: { role: Role; externalReviewer: boolean } | undefined) =>
  user?.role === 'quality_assurer' && user.externalReviewer;

export const PANELS_ONLY = 'External reviewers sit on appeal panels; this is the assessment organisation’s own work';

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'EPAO administrator',
  assessor: 'Assessor',
  quality_assurer: 'Quality assurer',
  provider: 'Training provider',
  employer: 'Employer',
};

/** Which roles use each area of the service: read by the routes (to refuse) and the navigation (to offer). */
export const AREA_ROLES = {
  apprentices: ['admin', 'provider', 'employer'],
  apprenticeEditors: ['admin', 'provider'],
  gatewayReview: ['admin'],
  scheduling: ['admin'],
  ownSchedule: ['assessor'],
  /** Grading: an assessor their bookings; a provider's marker the provider-marked components they record. */
  grading: ['assessor', 'provider'],
  moderation: ['quality_assurer'],
  results: ['admin'],
  appealReview: ['admin', 'quality_assurer'],
  /** Reasonable adjustments and special consideration: providers ask (src/adjustments), the EPAO decides. */
  requests: ['admin', 'provider'],
  requestDecisions: ['admin'],
  /** Malpractice and maladministration (src/cases): those who meet assessments open cases; administrators run them. */
  cases: ['admin', 'quality_assurer', 'assessor', 'provider'],
  /** Outcome reports: the EPAO sees everything, a provider its own apprentices. */
  reports: ['admin', 'quality_assurer', 'provider'],
  consistency: ['admin', 'quality_assurer'],
  claims: ['admin'],
  /** Subject access and erasure requests (UK GDPR): the EPAO, as controller, answers them. */
  personalData: ['admin'],
  standards: ROLES,
  administration: ['admin'],
} as const satisfies Record<string, readonly Role[]>;
