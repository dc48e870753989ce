import { QUALIFICATION_TYPES, SUBJECTS, ENGLISH_MATHS_CHOICES, CHECK_CODES } from '../db/vocabulary.js';

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
  /** Education, health and care plan, statement of SEN, or learning difficulty assessment. */
  ehcPlan: boolean;
  /** British Sign Language is their first language. */
  bslFirstLanguage: boolean;
  /** A 19+ apprentice's recorded choice about English and maths (null: not recorded). */
  englishMathsChoice: EnglishMathsChoice | null;
}

export interface GatewayEvidence {
  qualifications: Qualification[];
  /** Off-the-job training logged, by date. */
  offTheJob: { date: string; hours: number }[];
  /** Ids of the plan's gateway items the provider has confirmed are in place. */
  planItemsProvided: string[];
  declaration: {
    employerConfirmed: boolean;
    providerConfirmed: boolean;
    apprenticeConfirmed: boolean;
  };
  /** Date of the gateway submission being considered, if any: hours dated after it do not count. */
  submittedOn: string | null;
}

/** What the rules need from the assessment plan. */
export interface GatewayPlan {
  gatewayItems: { id: string; name: string }[];
  /** The standard's published minimum off-the-job hours (for starts from 1 August 2025), if the plan gives it. */
  offTheJobMinimumHours: number | null;
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
  /** One result per code, in CHECK_CODES order. */
  checks: CheckResult[];
  /** True when no check is unmet. */
  ready: boolean;
}
