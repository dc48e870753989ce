import { addDays } from '../calendar.js';
import { addWorkingDays } from '../grading/rules.js';
import { actsOnCentre, actsOnLearner } from '../cases/rules.js';

/*
 * Appeals as Ofqual's General Conditions of Recognition require of an assessment organisation
 * (Condition I1, "Appeals process"):
 * - I1.2: an appeal is determined by at least one person who is not an employee of the
 *   organisation (nor otherwise connected to it), and by nobody who was involved in the decision
 *   appealed; the process sets the times within which outcomes are given;
 * - I1.4: where an appeal shows a failure in the organisation's decisions, it identifies the
 *   other learners the same failure affected, and corrects or mitigates for them.
 * The decisions here are pure; src/grading/store.ts applies them in the appeal's transaction.
 */

/** Someone on an appeal's panel, with what the rules need to know of them. */
export interface PanelMember {
  id: number;
  name: string;
  /** Marked by an administrator as not an employee of the assessment organisation. */
  external: boolean;
  /** Assessed or moderated the result appealed (or an earlier attempt it carries grades from). */
  involved: boolean;
}

/** What is wrong with a panel, each as a sentence the reviewer can act on; none: it may decide. */
export function panelProblems(panel: readonly PanelMember[]): string[] {
  const problems = panel
    .filter((m) => m.involved)
    .map(
      (m) =>
        `${m.name} assessed or moderated this result, so cannot sit on the panel: nobody involved in the decision appealed may decide the appeal`,
    );
  if (!panel.some((m) => m.external))
    problems.push(
      'Name at least one external reviewer on the panel: an appeal is decided by at least one person who is not an employee of the assessment organisation',
    );
  return problems;
}

/** The day an appeal's outcome is due: `workingDays` working days (England and Wales) after it was lodged. */
export function outcomeDueOn(lodgedOn: string, workingDays: number): string {
  return addWorkingDays(lodgedOn, workingDays);
}

/** Whether an undecided appeal's outcome is late on `today`. */
export function outcomeOverdue(dueOn: string | null, today: string): boolean {
  return dueOn !== null && today > dueOn;
}

/**
 * Why an appeal against `grade` is refused, when the organisation refuses appeals against the
 * plan's highest grade (no outcome could raise it); null when it may be lodged.
 */
export function highestGradeRefusal(grade: string | null, highest: string | undefined, refuse: boolean): string | null {
  return refuse && grade !== null && grade === highest
    ? `${grade} is the highest grade this assessment plan gives, and the assessment organisation does not take appeals against it: no outcome could raise it`
    : null;
}

/**
 * Why a request's decision cannot be appealed now; null when it can. A refusal is appealed (what
 * was approved is in force, and an appeal that reopened it would take it away meanwhile), within
 * the window of working days from the decision (`deadline`), once.
 */
export function requestAppealRefusal(
  status: string,
  deadline: string | null,
  today: string,
  alreadyAppealed: boolean,
): string | null {
  if (status !== 'refused') return 'Only a refused request can be appealed';
  if (alreadyAppealed) return 'This decision has already been appealed';
  if (deadline !== null && today > deadline) return `Appeals against this decision had to be lodged by ${deadline}`;
  return null;
}

/**
 * Why a malpractice or maladministration decision cannot be appealed now; null when it can. Ofqual
 * General Condition I1.1(c) gives an appeal against a decision on action taken against a learner
 * or a centre after an investigation: here, an upheld case about the apprentice's assessment that
 * acted on them (actsOnLearner in src/cases/rules.ts), or one against a training provider
 * (actsOnCentre), which the provider appeals for itself. One set aside already acts on nothing.
 * Once, within the window of working days from the decision (`deadline`), and, as for a result,
 * not once a later attempt has started (its result would be changed under the resit or retake).
 */
export function caseAppealRefusal(
  c: Parameters<typeof actsOnLearner>[0] & { status: string; setAsideAt: string | null },
  deadline: string | null,
  today: string,
  alreadyAppealed: boolean,
  laterAttempt = false,
): string | null {
  if (c.against === 'assessor')
    return 'A decision about an assessor is not appealed here: the assessment organisation reviews it under its own procedures';
  if (c.status !== 'decided' || c.outcome !== 'upheld') return 'Only an upheld case’s decision can be appealed';
  if (c.against === 'provider' ? !actsOnCentre(c) : !actsOnLearner(c))
    return c.against === 'provider'
      ? 'This decision took no action against the training provider: there is nothing to appeal'
      : 'This decision took no action against the apprentice: there is nothing for them to appeal';
  if (alreadyAppealed || c.setAsideAt !== null) return 'This decision has already been appealed';
  if (laterAttempt) return 'A later attempt has started: this decision can no longer be appealed';
  if (deadline !== null && today > deadline) return `Appeals against this decision had to be lodged by ${deadline}`;
  return null;
}

/** Days either side of the appealed assessment that the list of other results affected covers, unless the reviewer sets it. */
export const AFFECTED_DAYS = 90;

/** The default range of assessment dates for the other results an upheld appeal may affect. */
export function affectedRange(assessedOn: string): { from: string; to: string } {
  return { from: addDays(assessedOn, -AFFECTED_DAYS), to: addDays(assessedOn, AFFECTED_DAYS) };
}
