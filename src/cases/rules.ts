import { CASE_KINDS, CASE_OUTCOMES, CASE_SANCTIONS, CASE_STATUSES, CASE_SUBJECTS } from '../db/vocabulary.js';
import type { Problem } from '../validation/problems.js';

/*
 * Malpractice and maladministration cases: pure decisions.
 *
 * Ofqual's General Conditions of Recognition, A8 (the version in force from 2 October 2023):
 * an awarding organisation must take all reasonable steps to prevent malpractice and
 * maladministration, investigate any suspected case promptly and, where it is established, take
 * action proportionate to it, including withholding or voiding a result (A8.3–A8.5). Those who
 * investigate have no personal interest in the outcome (A4, conflicts of interest): here the
 * investigator is neither the person who opened the case nor the assessor it is against.
 */

export type CaseKind = (typeof CASE_KINDS)[number];
export type CaseSubject = (typeof CASE_SUBJECTS)[number];
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];
export type Sanction = (typeof CASE_SANCTIONS)[number];

export const CASE_KIND_LABELS: Record<CaseKind, string> = {
  malpractice: 'Malpractice',
  maladministration: 'Maladministration',
};
export const SUBJECT_LABELS: Record<CaseSubject, string> = {
  assessment: 'An apprentice’s assessment',
  assessor: 'An assessor',
  provider: 'A training provider',
};
export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  open: 'Open: no investigator yet',
  investigating: 'Being investigated',
  decided: 'Decided',
};
export const OUTCOME_LABELS: Record<CaseOutcome, string> = { upheld: 'Upheld', not_upheld: 'Not upheld' };
export const SANCTION_LABELS: Record<Sanction, string> = {
  warning: 'A warning',
  result_void: 'The result void: the assessment is not an attempt',
  result_withheld: 'The result withheld',
  fail: 'The assessment graded Fail',
};
/** The sanctions that act on the result of the assessment a case names. */
export const RESULT_SANCTIONS: readonly Sanction[] = ['result_void', 'result_withheld', 'fail'];

/**
 * Whether a case's decision took action against the learner (what Ofqual General Condition
 * I1.1 lets them appeal, and what their provider is told of): upheld about their assessment, with
 * a sanction on its result, or a warning for malpractice found in it. A maladministration warning
 * is about how the assessment was run, not about the apprentice.
 */
export const actsOnLearner = (c: {
  kind: CaseKind;
  against: CaseSubject;
  outcome: CaseOutcome | null;
  sanction: Sanction | null;
}) =>
  c.against === 'assessment' &&
  c.outcome === 'upheld' &&
  c.sanction !== null &&
  (RESULT_SANCTIONS.includes(c.sanction) || (c.kind === 'malpractice' && c.sanction === 'warning'));

/**
 * Whether a case's decision took action against a training provider (in Ofqual's terms, the
 * Centre): upheld against it, with a sanction (a warning). General Condition I1.1(c) gives an
 * appeal against "decisions relating to any action to be taken against a Learner or a Centre
 * following an investigation into malpractice or maladministration"; an assessor is neither, and
 * disputes a decision about them through the organisation's own procedures.
 */
export const actsOnCentre = (c: { against: CaseSubject; outcome: CaseOutcome | null; sanction: Sanction | null }) =>
  c.against === 'provider' && c.outcome === 'upheld' && c.sanction !== null;

/**
 * Whether a case holds its assessment's result from release and claims: while it is open, and for
 * good when it withholds it, unless an upheld appeal set that decision aside.
 */
export const holdsResult = (c: {
  against: CaseSubject;
  status: CaseStatus;
  sanction: Sanction | null;
  setAsideAt: string | null;
}) => c.against === 'assessment' && (c.status !== 'decided' || (c.sanction === 'result_withheld' && !c.setAsideAt));

/** What is known of an apprentice's latest attempt, for a case against an assessor or a provider to hold its result. */
export interface HoldFacts {
  /** The apprentice's latest attempt, or null before their first. */
  attemptNumber: number | null;
  assessedByCaseAssessor: boolean;
  withCaseProvider: boolean;
  heldAlready: boolean;
}

/**
 * Why this case may not hold the result of this apprentice's latest attempt, or null. Ofqual's
 * Condition A8 lets an awarding organisation withhold results while it investigates: a case against
 * an assessor holds results that assessor assessed, one against a training provider results of its
 * apprentices, each while the case is undecided. A case against an assessment holds its own.
 */
export function holdProblem(c: { against: CaseSubject; status: CaseStatus }, facts: HoldFacts): string | null {
  if (c.against === 'assessment') return 'A case against an assessment holds that assessment’s result already';
  if (c.status === 'decided') return 'This case has been decided: it holds no results now';
  if (c.against === 'provider' && !facts.withCaseProvider)
    return 'This apprentice is not with the training provider this case is against';
  if (facts.attemptNumber === null) return 'This apprentice has not been assessed yet: there is no result to hold';
  if (c.against === 'assessor' && !facts.assessedByCaseAssessor)
    return 'The assessor this case is against did not assess this apprentice’s latest attempt';
  if (facts.heldAlready) return 'This case holds this result already';
  return null;
}

/** The people a case concerns, for the conflict rule: who opened it and the assessor it is against (if any). */
export interface CaseParties {
  openedBy: number | null;
  assessorUserId: number | null;
  /** Against an assessment: the assessor who assessed it, and the quality assurers who moderated its grading. */
  assessmentAssessorId: number | null;
  moderatorIds?: readonly number[];
}

/** Why this user may not investigate the case, or null: an administrator or quality assurer with no part in it. */
export function investigatorProblem(
  candidate: { id: number; role: string; externalReviewer: boolean },
  parties: CaseParties,
): string | null {
  if (candidate.role !== 'admin' && candidate.role !== 'quality_assurer')
    return 'An investigator is an administrator or a quality assurer';
  if (candidate.role === 'quality_assurer' && candidate.externalReviewer)
    return 'An external reviewer sits on appeal panels: an investigator is one of the assessment organisation’s own';
  if (candidate.id === parties.openedBy) return 'The person who opened the case does not investigate it';
  if (candidate.id === parties.assessorUserId || candidate.id === parties.assessmentAssessorId)
    return 'The assessor the case concerns does not investigate it';
  if (parties.moderatorIds?.includes(candidate.id))
    return 'A quality assurer who moderated the assessment does not investigate it';
  return null;
}

export interface CaseDecisionInput {
  outcome: CaseOutcome;
  sanction: Sanction | null;
  reason: string;
}

/** What is known of the assessment a case names, for a sanction on its result. */
export interface AssessmentFacts {
  /** The assessment has a submitted grading (a Fail or void needs one). */
  graded: boolean;
  /** The result has been released (a Fail or void then goes through an appeal, not here). */
  released: boolean;
  /** The assessment is void already (not an attempt): there is no grade to fail or void. */
  voided?: boolean;
}

/**
 * Judges a decision: only a case under investigation is decided; a reason always; an upheld case
 * has a sanction and one not upheld has none; only a case against an assessment acts on a result,
 * and a Fail or void needs a submitted grading of a result not yet released.
 */
export function judgeCaseDecision(
  c: { against: CaseSubject; status: CaseStatus },
  input: CaseDecisionInput,
  assessment: AssessmentFacts | null,
): { outcome: CaseOutcome; sanction: Sanction | null } | { problems: Problem[] } {
  if (c.status === 'decided') return { problems: [{ path: '', message: 'This case has already been decided' }] };
  if (c.status === 'open')
    return { problems: [{ path: '', message: 'Assign an investigator before the case is decided' }] };
  const problems: Problem[] = [];
  if (input.reason.trim() === '') problems.push({ path: 'reason', message: 'Give the reason for the decision' });
  if (input.outcome === 'not_upheld') return problems.length ? { problems } : { outcome: 'not_upheld', sanction: null };
  if (!input.sanction) problems.push({ path: 'sanction', message: 'Select the sanction for an upheld case' });
  else if (RESULT_SANCTIONS.includes(input.sanction)) {
    if (c.against !== 'assessment')
      problems.push({
        path: 'sanction',
        message: 'Only a case against an assessment acts on a result: choose a warning',
      });
    else if (input.sanction !== 'result_withheld' && assessment?.voided)
      problems.push({
        path: 'sanction',
        message: 'The assessment is void already: choose a warning, or withhold the result',
      });
    else if (input.sanction !== 'result_withheld' && !assessment?.graded)
      problems.push({ path: 'sanction', message: 'The assessment has not been graded: withhold the result instead' });
    else if (input.sanction !== 'result_withheld' && assessment?.released)
      problems.push({
        path: 'sanction',
        message: 'The result has been released: withhold it, and change it through an appeal',
      });
  }
  return problems.length ? { problems } : { outcome: 'upheld', sanction: input.sanction };
}
