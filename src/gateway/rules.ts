/**
 * The gateway rules (GUIDE.md §1): is an apprentice ready for end-point assessment on a given
 * date? Pure functions over plain data (./model.ts): no database, no HTTP. Each check has its
 * module, with the sources it follows: ./practical-period.ts, ./off-the-job.ts and
 * ./english-maths.ts; the plan's items, the declaration and the certificate permission are here.
 *
 * Every date comes in and goes out as an ISO calendar date (YYYY-MM-DD). Calendar dates have
 * no time of day, so the arithmetic (src/calendar.ts) is plain whole-day arithmetic that no
 * clock change can affect; "today" is London's today (src/dates.ts).
 */
import type {
  CheckCode,
  CheckResult,
  GatewayApprentice,
  GatewayEvaluation,
  GatewayEvidence,
  GatewayPlan,
} from './model.js';
import { CHECK_CODES } from './model.js';
import { ENGLISH_MATHS_OPTIONAL_FROM, englishMathsCheck } from './english-maths.js';
import { OTJ_HOURS_RULE_FROM, offTheJobCheck } from './off-the-job.js';
import { RULES_2025_FROM, earliestPracticalPeriodEnd, practicalPeriodCheck } from './practical-period.js';
import { addDays } from '../calendar.js';
import { day, listWords } from './wording.js';

export * from './practical-period.js';
export * from './off-the-job.js';
export * from './english-maths.js';

// ---------------------------------------------------------------------------------------
// Plan items and declaration

function planItemsCheck(evidence: GatewayEvidence, plan: GatewayPlan): CheckResult {
  if (plan.gatewayItems.length === 0) {
    return { code: 'plan_items', status: 'not_applicable', reason: 'The assessment plan has no gateway items.' };
  }
  const provided = new Set(evidence.planItemsProvided);
  const missing = plan.gatewayItems.filter((item) => !provided.has(item.id));
  if (missing.length === 0) {
    return {
      code: 'plan_items',
      status: 'met',
      reason: `All gateway items are in place: ${listWords(plan.gatewayItems.map((i) => i.name))}.`,
    };
  }
  return { code: 'plan_items', status: 'unmet', reason: `Not yet provided: ${listWords(missing.map((i) => i.name))}.` };
}

function declarationCheck(evidence: GatewayEvidence): CheckResult {
  const { employerConfirmed, providerConfirmed, apprenticeConfirmed } = evidence.declaration;
  const waiting = [
    employerConfirmed ? null : 'the employer',
    providerConfirmed ? null : 'the training provider',
    apprenticeConfirmed ? null : 'the apprentice',
  ].filter((who): who is string => who !== null);
  if (waiting.length === 0) {
    return {
      code: 'employer_declaration',
      status: 'met',
      reason: 'Confirmed by the employer, the training provider and the apprentice.',
    };
  }
  return { code: 'employer_declaration', status: 'unmet', reason: `Not yet confirmed by ${listWords(waiting)}.` };
}

/**
 * The apprentice's permission for the assessment organisation to apply for their certificate
 * through the apprenticeship service: recorded with the declaration (by the provider, for the
 * apprentice), and needed before a claim can be made.
 */
function certificatePermissionCheck(evidence: GatewayEvidence): CheckResult {
  return evidence.declaration.certificatePermission
    ? {
        code: 'certificate_permission',
        status: 'met',
        reason: 'The apprentice has given permission for the assessment organisation to apply for their certificate.',
      }
    : {
        code: 'certificate_permission',
        status: 'unmet',
        reason:
          "Record the apprentice's permission for the assessment organisation to apply for their certificate (the provider records it with the declaration).",
      };
}

/**
 * Reformed plans: behaviours are "verified once by employers instead" of being assessed (Skills
 * England, "Requirements and guidance for apprenticeship assessment", 2026, section 1). The
 * employer records who verified them, when, and a statement, before gateway to completion.
 */
function behaviourVerificationCheck(evidence: GatewayEvidence, plan: GatewayPlan, on: string): CheckResult {
  // A verification dated after the evaluation date had not happened yet.
  const verified =
    evidence.behaviourVerification && evidence.behaviourVerification.verifiedOn <= on
      ? evidence.behaviourVerification
      : null;
  const ksbs = listWords(plan.employerVerifiedKsbs);
  return verified
    ? {
        code: 'employer_behaviour_verification',
        status: 'met',
        reason: `The employer verified the behaviours (${ksbs}) on ${verified.verifiedOn}: ${verified.verifierName}.`,
      }
    : {
        code: 'employer_behaviour_verification',
        status: 'unmet',
        reason: `The employer has not yet verified the behaviours the plan leaves to them (${ksbs}). The employer records who verified them, when, and their statement.`,
      };
}

// ---------------------------------------------------------------------------------------

/**
 * Evaluates every gateway check that applies on `on` (ISO date), in CHECK_CODES order: all of
 * them, but the employer's verification of behaviours only for a plan with employer-verified KSBs.
 */
export function evaluateGateway(
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  plan: GatewayPlan,
  on: string,
): GatewayEvaluation {
  day(on, 'evaluation date');
  const byCode: Record<CheckCode, () => CheckResult> = {
    practical_period: () => practicalPeriodCheck(apprentice, on),
    off_the_job: () => offTheJobCheck(apprentice, evidence, on),
    english: () => englishMathsCheck('english', apprentice, evidence, on),
    maths: () => englishMathsCheck('maths', apprentice, evidence, on),
    plan_items: () => planItemsCheck(evidence, plan),
    employer_declaration: () => declarationCheck(evidence),
    certificate_permission: () => certificatePermissionCheck(evidence),
    employer_behaviour_verification: () => behaviourVerificationCheck(evidence, plan, on),
  };
  const applies = (code: CheckCode) =>
    code !== 'employer_behaviour_verification' || plan.employerVerifiedKsbs.length > 0;
  const checks = CHECK_CODES.filter(applies).map((code) => byCode[code]());
  return { checks, ready: checks.every((c) => c.status !== 'unmet') };
}

/**
 * The first day after `on` on which the gateway's statuses (not their wording) could differ
 * without any evidence changing, or null when only new evidence can change them: the checks
 * compare `on` with dates (the practical period's earliest end, when a qualification was
 * achieved, a verification given, hours logged, a break taken), so they can change only on one of
 * those dates or the day after it. Each is a candidate; the earliest after `on` is the answer. A
 * status stored with this date stays true until it (src/gateway/store.ts), so a new day
 * re-evaluates only the apprentices some date has reached. `laterDates` adds dates the evidence
 * does not list one by one (the next hours logged after `on`, when the hours are summed).
 */
export function statusChangesOn(
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  on: string,
  laterDates: readonly (string | null)[] = [],
): string | null {
  const dates: string[] = [earliestPracticalPeriodEnd(apprentice), ...RULE_DATES];
  const collect = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      if (ISO_DATE.test(value)) dates.push(value);
    } else if (Array.isArray(value)) value.forEach((v) => collect(v, depth + 1));
    else if (value && typeof value === 'object' && depth < 6)
      Object.values(value).forEach((v) => collect(v, depth + 1));
  };
  collect(apprentice, 0);
  collect(evidence, 0);
  for (const d of laterDates) if (d) dates.push(d);
  let first: string | null = null;
  for (const d of dates) {
    // A date before `on` has both candidates on or before it (whole days: d < on means d + 1 <= on).
    if (d < on) continue;
    for (const candidate of [d, addDays(d, 1)])
      if (candidate > on && (first === null || candidate < first)) first = candidate;
  }
  return first;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The dates the rules themselves change on (English and maths optional for 19+ from 11 February 2025, among them). */
const RULE_DATES = [ENGLISH_MATHS_OPTIONAL_FROM, RULES_2025_FROM, OTJ_HOURS_RULE_FROM];
