import type { Decision } from './rules.js';
import type { Refused } from '../validation/result.js';
import { z } from 'zod';
import { type ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import { HttpError } from '../http/errors.js';
import { formErrors } from '../http/forms.js';
import { type KsbFeedbackState } from './feedback.js';
import type { PlanFile } from '../plans/schema.js';
import { planForApprentice } from '../plans/store.js';
import { blankToNull } from '../validation/fields.js';
import { type Failure } from './store.js';

/* What the grading feature's page groups (*-pages.ts) share. */

/** A required reason of up to 2,000 characters, named in its messages. */
export const reasonField = (what: string) =>
  z.preprocess(blankToNull, z.string({ error: `Give ${what}` }).max(2000, `Keep ${what} to 2000 characters`));
/** The GOV.UK tag colour of each KSB feedback state. */
export const KSB_FEEDBACK_TAGS: Record<KsbFeedbackState, string> = {
  evidenced: 'govuk-tag--green',
  not_evidenced: 'govuk-tag--red',
  not_assessed: 'govuk-tag--grey',
};

/** A store's refusal (moderation, appeals) as the form shows it: each criterion's problem at its own field. */
export function failureErrors(failure: Failure) {
  if (failure.problems?.length)
    return formErrors(
      failure.problems.map((p) => ({
        path: `c.${p.criterionId}.${p.message.startsWith('Say what evidence') ? 'evidence' : 'met'}`,
        message: p.message,
      })),
    );
  if (failure.field) return formErrors([{ path: failure.field, message: failure.message }]);
  // Not about one field (e.g. already submitted): the summary says so without a link.
  return { errors: {}, errorList: [{ text: failure.message }] };
}

/** A refused grading as the form shows it: each criterion's problem at its own field, anything else in the summary. */
export function refusalErrors(refused: Refused) {
  if (refused.kind === 'invalid')
    return formErrors(
      refused.problems.map((p) => {
        const criterion = /^decisions\.(.+)$/.exec(p.path)?.[1];
        if (!criterion) return p;
        return {
          path: `c.${criterion}.${p.message.startsWith('Say what evidence') ? 'evidence' : 'met'}`,
          message: p.message,
        };
      }),
    );
  // Not about one field (e.g. already submitted): the summary says so without a link.
  return { errors: {}, errorList: refused.problems.map((p) => ({ text: p.message })) };
}

export function planFor(db: Db, apprentice: ApprenticeDetail): PlanFile {
  const plan = planForApprentice(db, apprentice);
  if (!plan) throw new HttpError(404, 'This standard has no assessment plan');
  return plan;
}

/** What a grading form is shown again with: the decisions posted, the other values, and its errors. */
export interface ShownAgain {
  decisions?: Decision[];
  /** Reformed plans: the sampled KSBs ticked on the form sent back. */
  sample?: string[];
  values?: object;
  status?: number;
  errors?: Record<string, string>;
  errorList?: object[];
}
