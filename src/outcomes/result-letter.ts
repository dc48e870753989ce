import { DateTime } from 'luxon';
import { londonDateOf, ZONE } from '../dates.js';
import { appealDeadline, checkFurtherAttempt } from '../grading/rules.js';
import type { ResultGrade } from '../grading/model.js';
import type { PlanFile } from '../plans/schema.js';

/**
 * What a results letter tells the apprentice happens next, decided from the result, the day it
 * was released and the rules that follow from it:
 * - an appeal may be lodged until the EPAO's appeal period ends, counted in working days from
 *   release (the EPAO's appeals policy; the Skills England "Requirements and guidance for
 *   apprenticeship assessment" (2026) require one);
 * - after a Fail, a resit (no further learning) or a retake (further learning) may start within
 *   the plan's windows from release, if the EPAO's and the plan's maximum attempts allow
 *   (checkFurtherAttempt), and needs the employer's agreement;
 * - after a pass, the EPAO claims the certificate from the apprenticeship service.
 */
export interface NextStepFacts {
  overallGrade: ResultGrade | null;
  attemptNumber: number;
  /** The UTC instant the result was released, or null. */
  releasedAt: string | null;
  appealWorkingDays: number;
  maxAttempts: number | null;
  plan: Pick<PlanFile, 'resit' | 'retake' | 'maxAttempts'> | null;
}

const long = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toFormat('d LLLL yyyy');

export function nextSteps(facts: NextStepFacts): string[] {
  if (!facts.releasedAt || !facts.overallGrade)
    return ['This result has not been released. It is for the assessment organisation only until it is.'];
  const releasedOn = londonDateOf(facts.releasedAt);
  const steps = [
    `If you believe the result is wrong, you can appeal until ${long(appealDeadline(releasedOn, facts.appealWorkingDays))} (${facts.appealWorkingDays} working days after the result was released on ${long(releasedOn)}). Ask your training provider, or contact us.`,
  ];
  if (facts.overallGrade === 'Withdrawn') {
    steps.push('You withdrew from the assessment. To be assessed again, talk to your training provider and to us.');
    return steps;
  }
  if (facts.overallGrade !== 'Fail') {
    steps.push('We apply for your apprenticeship certificate from the apprenticeship service.');
    return steps;
  }
  if (!facts.plan) return steps;
  const previous = { number: facts.attemptNumber, grade: 'Fail' as const, releasedOn };
  const resit = checkFurtherAttempt(facts.plan, previous, 'resit', releasedOn, facts.maxAttempts);
  const retake = checkFurtherAttempt(facts.plan, previous, 'retake', releasedOn, facts.maxAttempts);
  if (!resit.ok) {
    steps.push(`A resit or retake is not possible: ${resit.message}.`);
    return steps;
  }
  steps.push(
    `You can resit the failed assessments, without further learning, if the resit starts by ${long(resit.deadline)}.`,
  );
  if (retake.ok)
    steps.push(
      `Or you can retake them after further learning, if the retake starts by ${long(retake.deadline)}. Your training provider agrees an action plan with you.`,
    );
  steps.push('Your employer must agree to a resit or retake. Your training provider asks them and books it with us.');
  return steps;
}
