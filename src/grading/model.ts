import {
  OUTCOMES,
  OUTCOME_DECISIONS,
  GRADING_STATUSES,
  MODERATION_STATES,
  SAMPLE_REASONS,
  RESULT_GRADES,
  ATTEMPT_KINDS,
  ATTEMPT_METHOD_MODES,
  APPEAL_DECISIONS,
} from '../db/vocabulary.js';

/** The grading vocabulary shared by the rules, the store and the database schema. */

export { OUTCOMES };
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  graded: 'Assessed',
  withdrawn: 'Withdrawn',
  did_not_attend: 'Did not attend',
  malpractice: 'Malpractice',
};

export { OUTCOME_DECISIONS };
export type OutcomeDecision = (typeof OUTCOME_DECISIONS)[number];
export const OUTCOME_DECISION_LABELS: Record<OutcomeDecision, string> = {
  fail: 'Counts as a Fail',
  void: 'Void: not an attempt, booked again',
  withheld: 'Result withheld pending investigation',
};

export { GRADING_STATUSES };
export type GradingStatus = (typeof GRADING_STATUSES)[number];

export { MODERATION_STATES };
export type ModerationState = (typeof MODERATION_STATES)[number];

export { SAMPLE_REASONS };
export type SampleReason = (typeof SAMPLE_REASONS)[number];
export const MODERATION_LABELS: Record<(typeof MODERATION_STATES)[number], string> = {
  not_sampled: 'Not sampled',
  pending: 'Sampled, waiting for moderation',
  agreed: 'Moderated: grade agreed',
  changed: 'Moderated: grade changed',
};

export const SAMPLE_REASON_LABELS: Record<SampleReason, string> = {
  first_assessments: 'One of the assessor’s first assessments of this standard',
  fail: 'A Fail',
  boundary: 'A boundary case (the grade turned on one criterion)',
  random: 'Drawn at random',
  provider_marked: 'Marked by the training provider: the assessment organisation moderates it before release',
};

export { RESULT_GRADES };
export type ResultGrade = (typeof RESULT_GRADES)[number];

export { ATTEMPT_KINDS };
export type AttemptKind = (typeof ATTEMPT_KINDS)[number];

export { ATTEMPT_METHOD_MODES };
export type AttemptMethodMode = (typeof ATTEMPT_METHOD_MODES)[number];

export { APPEAL_DECISIONS };
export type AppealDecision = (typeof APPEAL_DECISIONS)[number];
export const APPEAL_DECISION_LABELS: Record<AppealDecision, string> = { upheld: 'Upheld', not_upheld: 'Not upheld' };
