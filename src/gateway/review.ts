import { z } from 'zod';
import type { Problem } from '../validation/problems.js';
import { CHECK_CODES, CHECK_LABELS, type CheckCode, type GatewayEvaluation } from './model.js';
import type { ReviewDecision } from './store.js';

const reasonText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().max(1000, 'Reasons must be 1,000 characters or fewer').nullable(),
);

const orEmpty = (value: unknown) => (typeof value === 'object' && value !== null ? value : {});
/** The message for a check left undecided, naming it: a review decides up to eight checks on one page. */
const undecided = (code: CheckCode) => `Accept or reject the check “${CHECK_LABELS[code]}”`;
const checkDecision = (code: CheckCode) =>
  z.preprocess(
    orEmpty,
    z.object({ decision: z.enum(['accept', 'reject'], { error: undecided(code) }), reason: reasonText }),
  );
// Each check is optional here: which checks a review must decide depends on the submission (see reviewedCodes).
const checkDecisions = Object.fromEntries(CHECK_CODES.map((code) => [code, checkDecision(code).optional()])) as Record<
  CheckCode,
  ReturnType<ReturnType<typeof checkDecision>['optional']>
>;

/**
 * The checks a review decides: those of the evaluation stored with the submission. A check added
 * later (the certificate permission) applies to submissions made since, not to those already made.
 */
export function reviewedCodes(evaluation: GatewayEvaluation): CheckCode[] {
  return CHECK_CODES.filter((code) => evaluation.checks.some((c) => c.code === code));
}

/** The EPAO's review of a gateway submission, as the form and the API send it: a decision for each reviewed check. */
export const reviewSchema = z.object({
  checks: z.preprocess(orEmpty, z.object(checkDecisions)),
  outcome: z.enum(['accepted', 'rejected'], { error: 'Choose whether to accept or reject the gateway' }),
  reason: reasonText,
});
export type ReviewInput = z.infer<typeof reviewSchema>;

/**
 * The review's own rules: a rejected check needs a reason the provider can act on; the
 * gateway can be accepted only when every check is accepted; a rejection needs a reason.
 */
export function checkReview(input: ReviewInput, codes: readonly CheckCode[]): Problem[] {
  const problems: Problem[] = [];
  for (const code of codes) {
    const check = input.checks[code];
    if (check === undefined) problems.push({ path: `checks.${code}.decision`, message: undecided(code) });
    else if (check.decision === 'reject' && !check.reason)
      problems.push({
        path: `checks.${code}.reason`,
        message: `Say why the check “${CHECK_LABELS[code]}” is rejected, so the provider can put it right`,
      });
  }
  const rejected = codes.filter((code) => input.checks[code]?.decision === 'reject');
  if (input.outcome === 'accepted' && rejected.length > 0)
    problems.push({ path: 'outcome', message: 'The gateway cannot be accepted while a check is rejected' });
  if (input.outcome === 'rejected' && !input.reason)
    problems.push({ path: 'reason', message: 'Say why the gateway is rejected' });
  return problems;
}

export function toDecision(input: ReviewInput, codes: readonly CheckCode[]): ReviewDecision {
  return {
    checks: codes.map((code) => ({
      code,
      accepted: input.checks[code]?.decision === 'accept',
      reason: input.checks[code]?.reason ?? null,
    })),
    outcome: input.outcome,
    reason: input.reason,
  };
}
