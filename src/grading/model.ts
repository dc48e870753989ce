/** The grading vocabulary shared by the rules, the store and the database schema. */

/** How an assessment ended. Only `graded` is judged criterion by criterion. */
export const OUTCOMES = ['graded', 'withdrawn', 'did_not_attend', 'malpractice'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  graded: 'Assessed',
  withdrawn: 'Withdrawn',
  did_not_attend: 'Did not attend',
  malpractice: 'Malpractice',
};

export const GRADING_STATUSES = ['draft', 'submitted'] as const;
export type GradingStatus = (typeof GRADING_STATUSES)[number];

/** Moderation of a submitted grading: not sampled, sampled and waiting, or done. */
export const MODERATION_STATES = ['not_sampled', 'pending', 'agreed', 'changed'] as const;
export type ModerationState = (typeof MODERATION_STATES)[number];

export const SAMPLE_REASONS = ['first_assessments', 'fail', 'boundary', 'random'] as const;
export type SampleReason = (typeof SAMPLE_REASONS)[number];
export const SAMPLE_REASON_LABELS: Record<SampleReason, string> = {
  first_assessments: 'One of the assessor’s first assessments of this standard',
  fail: 'A Fail',
  boundary: 'A boundary case (the grade turned on one criterion)',
  random: 'Drawn at random',
};

/** An attempt's overall result: a grade, or Withdrawn. */
export const RESULT_GRADES = ['Fail', 'Pass', 'Merit', 'Distinction', 'Withdrawn'] as const;
export type ResultGrade = (typeof RESULT_GRADES)[number];

export const ATTEMPT_KINDS = ['first', 'resit', 'retake'] as const;
export type AttemptKind = (typeof ATTEMPT_KINDS)[number];

/** How an attempt treats each method: assessed in it (first time, resit or retake) or carried over from an earlier attempt. */
export const ATTEMPT_METHOD_MODES = ['first', 'resit', 'retake', 'carried'] as const;
export type AttemptMethodMode = (typeof ATTEMPT_METHOD_MODES)[number];

export const APPEAL_DECISIONS = ['upheld', 'not_upheld'] as const;
export type AppealDecision = (typeof APPEAL_DECISIONS)[number];
