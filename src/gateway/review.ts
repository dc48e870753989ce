import { z } from 'zod';
import type { Problem } from '../validation/problems.js';
import { CHECK_CODES } from './model.js';
import type { ReviewDecision } from './store.js';

const reasonText = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null),
  z.string().max(1000, 'Reasons must be 1,000 characters or fewer').nullable(),
);

const orEmpty = (value: unknown) => (typeof value === 'object' && value !== null ? value : {});
const checkDecision = z.preprocess(
  orEmpty,
  z.object({ decision: z.enum(['accept', 'reject'], { error: 'Accept or reject this check' }), reason: reasonText }),
);
const checkDecisions = Object.fromEntries(CHECK_CODES.map((code) => [code, checkDecision])) as Record<
  (typeof CHECK_CODES)[number],
  typeof checkDecision
>;

/** The EPAO's review of a gateway submission, as the form and the API send it. */
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
export function checkReview(input: ReviewInput): Problem[] {
  const problems: Problem[] = [];
  for (const code of CHECK_CODES) {
    const check = input.checks[code];
    if (check.decision === 'reject' && !check.reason)
      problems.push({
        path: `checks.${code}.reason`,
        message: 'Say why this check is rejected, so the provider can put it right',
      });
  }
  const rejected = CHECK_CODES.filter((code) => input.checks[code].decision === 'reject');
  if (input.outcome === 'accepted' && rejected.length > 0)
    problems.push({ path: 'outcome', message: 'The gateway cannot be accepted while a check is rejected' });
  if (input.outcome === 'rejected' && !input.reason)
    problems.push({ path: 'reason', message: 'Say why the gateway is rejected' });
  return problems;
}

export function toDecision(input: ReviewInput): ReviewDecision {
  return {
    checks: CHECK_CODES.map((code) => ({
      code,
      accepted: input.checks[code].decision === 'accept',
      reason: input.checks[code].reason,
    })),
    outcome: input.outcome,
    reason: input.reason,
  };
}
