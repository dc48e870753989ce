import type { PlanRegime } from './schema.js';

/**
 * The words a page uses for a plan's regime, in one place. Reformed plans say "apprenticeship
 * assessment", "assessment organisation" and "gateway to completion" (DfE, "Changes to
 * apprenticeship assessment 2025 to 2026"); end-point assessment plans keep their words.
 */
export interface PlanWords {
  /** The plan itself: "End-point assessment plan". */
  plan: string;
  /** "end-point assessment" / "apprenticeship assessment". */
  assessment: string;
  /** What a provider requests: "EPA" / "apprenticeship assessment". */
  request: string;
  /** The same at the start of a sentence: "EPA" / "The apprenticeship assessment". */
  Request: string;
  /** The results page: "EPA results" / "Apprenticeship assessment results". */
  results: string;
  /** "EPAO" / "assessment organisation". */
  organisation: string;
  /** "gateway" / "gateway to completion". */
  gateway: string;
  /** The same, capitalised for a heading. */
  Gateway: string;
  /** "EPA period" / "assessment period", and capitalised. */
  period: string;
  Period: string;
  /** A plan's unit of assessment: "method" / "component", and capitalised. */
  method: string;
  Method: string;
}

const WORDS: Record<PlanRegime, PlanWords> = {
  epa: {
    plan: 'End-point assessment plan',
    assessment: 'end-point assessment',
    request: 'EPA',
    Request: 'EPA',
    results: 'EPA results',
    organisation: 'EPAO',
    gateway: 'gateway',
    Gateway: 'Gateway',
    period: 'EPA period',
    Period: 'EPA period',
    method: 'method',
    Method: 'Method',
  },
  'apprenticeship-assessment': {
    plan: 'Apprenticeship assessment plan',
    assessment: 'apprenticeship assessment',
    request: 'apprenticeship assessment',
    Request: 'The apprenticeship assessment',
    results: 'Apprenticeship assessment results',
    organisation: 'assessment organisation',
    gateway: 'gateway to completion',
    Gateway: 'Gateway to completion',
    period: 'assessment period',
    Period: 'Assessment period',
    method: 'component',
    Method: 'Component',
  },
};

/** The words for a plan (an apprentice without a plan gets the end-point assessment words). */
export function wordsFor(plan: { regime: PlanRegime } | undefined | null): PlanWords {
  return WORDS[plan?.regime ?? 'epa'];
}
