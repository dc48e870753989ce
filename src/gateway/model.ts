import {
  QUALIFICATION_TYPES,
  SUBJECTS,
  ENGLISH_MATHS_CHOICES,
  CHECK_CODES,
  FLEXIBILITY_BASES,
  OFF_THE_JOB_KINDS,
} from '../db/vocabulary.js';

/**
 * The inputs and outputs of the gateway rules (src/gateway/rules.ts). Plain data, no
 * database or HTTP types, so the rules stay pure and testable.
 */

export { QUALIFICATION_TYPES };
export type QualificationType = (typeof QUALIFICATION_TYPES)[number];
export const QUALIFICATION_TYPE_LABELS: Record<QualificationType, string> = {
  gcse: 'GCSE',
  functional_skills: 'Functional Skills',
  entry_level: 'Entry Level',
  bsl: 'British Sign Language',
  other: 'Other accepted equivalent',
};

export { SUBJECTS };
export type Subject = (typeof SUBJECTS)[number];

export { ENGLISH_MATHS_CHOICES };
export type EnglishMathsChoice = (typeof ENGLISH_MATHS_CHOICES)[number];
export const ENGLISH_MATHS_CHOICE_LABELS: Record<EnglishMathsChoice, string> = {
  not_studying: 'Not studying English and maths',
  studying: 'Studying English and maths (taking the assessments)',
  employer_requires: 'The employer requires English and maths to be achieved',
};

export { FLEXIBILITY_BASES };
export type FlexibilityBasis = (typeof FLEXIBILITY_BASES)[number];
export const FLEXIBILITY_BASIS_LABELS: Record<FlexibilityBasis, string> = {
  ehc_plan: 'Education, health and care (EHC) plan',
  sen_statement: 'Statement of special educational needs',
  learning_difficulty_assessment: 'Learning difficulty assessment',
  professional_judgement: 'Evidenced judgement of a learning difficulty or disability by an appropriate professional',
};

export { OFF_THE_JOB_KINDS };
export type OffTheJobKind = (typeof OFF_THE_JOB_KINDS)[number];
export const OFF_THE_JOB_KIND_LABELS: Record<OffTheJobKind, string> = {
  training: 'Off-the-job training (teaching, practical training, learning support, assignments)',
  english_maths: 'English and maths up to level 2',
  progress_review: 'Progress review',
  on_programme_assessment: 'On-programme assessment',
};
/**
 * Activities a provider may log but that are not off-the-job training: English and maths up to
 * level 2 (funded separately), progress reviews and on-programme assessment. Apprenticeship
 * funding rules 2025 to 2026, "Off-the-job training", the list of what is not off-the-job
 * training (unchanged in 2026 to 2027).
 */
export const NOT_OFF_THE_JOB: ReadonlySet<OffTheJobKind> = new Set([
  'english_maths',
  'progress_review',
  'on_programme_assessment',
]);

/** The recorded judgement that lets Entry Level 3 meet the English and maths requirement. */
export interface FlexibilityJudgement {
  basis: FlexibilityBasis;
  /** The date and reference of the evidence; null until recorded (a judgement carried over from the old EHC plan flag). */
  decidedOn: string | null;
  reference: string | null;
}

/** A break in learning: from its first day away to its last, both included. */
export interface LearningBreak {
  from: string;
  to: string;
}

/** An earlier episode of the same apprenticeship that this record restarts: its first and last days in learning. */
export interface EarlierEpisode {
  startDate: string;
  endDate: string;
}

/** An English or maths qualification the apprentice holds. */
export interface Qualification {
  subject: Subject;
  type: QualificationType;
  /** 1, 2, 3… for Functional Skills / other; 3 for Entry Level 3; GCSEs are level 2 when passed at 4/C or above. */
  level: number;
  /** As printed on the certificate: '9'…'1', 'A*'…'G', 'Pass', 'Fail'. */
  grade: string;
  /** ISO date (YYYY-MM-DD). */
  achievedOn: string;
  certificateReference: string;
}

/** The facts about an apprentice that the gateway rules read. */
export interface GatewayApprentice {
  /** ISO dates (YYYY-MM-DD). */
  dateOfBirth: string;
  startDate: string;
  plannedEndDate: string;
  /** Contracted hours a week. 30 or more is full time. */
  weeklyHours: number;
  /** Level of the standard (English and maths at level 2 apply to level 3 and above). */
  standardLevel: number;
  /** The standard version, as the reasons name it: "ST0815 version 1.0". */
  standardName: string;
  /** The standard version's published minimum off-the-job hours (starts from 1 August 2025); null when none is recorded. */
  publishedOffTheJobHours: number | null;
  /** Off-the-job hours recognised as prior learning, which reduce the published minimum. */
  priorLearningHours: number;
  /** The English and maths flexibility judgement (Entry Level 3), if one is recorded. */
  flexibility: FlexibilityJudgement | null;
  /** British Sign Language is their first language. */
  bslFirstLanguage: boolean;
  /** A 19+ apprentice's recorded choice about English and maths (null: not recorded). */
  englishMathsChoice: EnglishMathsChoice | null;
  /** Breaks in learning during this episode. */
  breaks: LearningBreak[];
  /** Earlier episodes this record restarts, which count towards the practical period. */
  earlierEpisodes: EarlierEpisode[];
}

export interface GatewayEvidence {
  qualifications: Qualification[];
  /** Off-the-job training logged, by date; English and maths, progress reviews and on-programme assessment do not count. */
  offTheJob: { date: string; hours: number; kind: OffTheJobKind }[];
  /** Ids of the plan's gateway items the provider has confirmed are in place. */
  planItemsProvided: string[];
  declaration: {
    employerConfirmed: boolean;
    providerConfirmed: boolean;
    apprenticeConfirmed: boolean;
    /** The apprentice's permission for the assessment organisation to apply for their certificate. */
    certificatePermission: boolean;
  };
  /** Date of the gateway submission being considered, if any: hours dated after it do not count. */
  submittedOn: string | null;
  /** Reformed plans: the employer's verification of behaviours, if recorded. */
  behaviourVerification: { verifiedOn: string; verifierName: string } | null;
}

/** What the rules need from the assessment plan. */
export interface GatewayPlan {
  gatewayItems: { id: string; name: string }[];
  /** Reformed plans: KSBs the employer verifies at gateway to completion (none: the check does not apply). */
  employerVerifiedKsbs: string[];
}

export { CHECK_CODES };
export type CheckCode = (typeof CHECK_CODES)[number];
export const CHECK_LABELS: Record<CheckCode, string> = {
  practical_period: 'Practical period',
  off_the_job: 'Off-the-job training',
  english: 'English',
  maths: 'Maths',
  plan_items: 'Assessment plan gateway items',
  employer_declaration: 'Gateway declaration',
  certificate_permission: 'Permission to apply for the certificate',
  employer_behaviour_verification: 'Employer’s verification of behaviours',
};

export type CheckStatus = 'met' | 'unmet' | 'not_applicable';
export const CHECK_STATUS_LABELS: Record<CheckStatus, string> = {
  met: 'Met',
  unmet: 'Not met',
  not_applicable: 'Not applicable',
};

export interface CheckResult {
  code: CheckCode;
  status: CheckStatus;
  /** One or two sentences a provider can act on. */
  reason: string;
}

export interface GatewayEvaluation {
  /** One result per code that applies, in CHECK_CODES order (the behaviour verification only for plans that ask for it). */
  checks: CheckResult[];
  /** True when no check is unmet. */
  ready: boolean;
}
