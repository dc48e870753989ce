import type { ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import type { PlanFile } from '../plans/schema.js';
import { getStandard } from '../standards/store.js';
import type { AttemptKind } from './model.js';
import { ksbCoverage, type Decision } from './rules.js';
import { decisionsOf, gradingById, type AttemptResult } from './store.js';

/**
 * Feedback per KSB, drawn from the criterion decisions: what the results page and the result
 * PDF tell the apprentice about each knowledge, skill and behaviour of a method.
 */

export const ATTEMPT_KIND_LABELS: Record<AttemptKind, string> = {
  first: 'First attempt',
  resit: 'Resit',
  retake: 'Retake',
};

export type KsbFeedbackState = 'evidenced' | 'not_evidenced' | 'not_assessed';
export const KSB_FEEDBACK_LABELS: Record<KsbFeedbackState, string> = {
  evidenced: 'Evidenced',
  not_evidenced: 'Not evidenced',
  // A KSB of the method that no pass criterion maps to: the decisions say nothing about it.
  not_assessed: 'Not assessed',
};

export interface KsbFeedback {
  code: string;
  /** The KSB's text, shortened to its first sentence (for the results page). */
  text: string;
  /** The KSB's text in full (for the results letter). */
  fullText: string;
  state: KsbFeedbackState;
  /** Where not evidenced: the assessor's evidence notes of the criteria not met that map to this KSB. */
  notes: string[];
}

/** The first sentence of a KSB's text, cut at a word to at most `max` characters. */
export function shortKsbText(text: string, max = 120): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(clean)?.[1] ?? clean;
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/**
 * Each KSB the method assesses, evidenced or not (the grading rules' coverage: a KSB is
 * evidenced when every pass criterion mapped to it is met), with the notes of every criterion
 * not met that maps to a KSB not evidenced (pass criteria first), without repeats.
 */
export function ksbFeedback(
  plan: PlanFile,
  methodId: string,
  decisions: Decision[],
  ksbTexts: ReadonlyMap<string, string>,
  sample: readonly string[] = [],
): KsbFeedback[] {
  const notMet = new Map(decisions.filter((d) => d.met === false).map((d) => [d.criterionId, d.evidence.trim()]));
  // Pass criteria first (they decide whether a KSB is evidenced), then distinction ones, each in plan order.
  const criteria = plan.criteria
    .filter((c) => c.method === methodId)
    .sort((a, b) => Number(a.level === 'distinction') - Number(b.level === 'distinction'));
  // A sampled KSB outside this assessment's sample was not assessed this time: no feedback on it.
  return ksbCoverage(plan, methodId, decisions, sample)
    .filter(({ state }) => state !== 'not_sampled')
    .map(({ ksb, state }) => {
      const feedbackState: KsbFeedbackState =
        state === 'evidenced' ? 'evidenced' : state === 'shortfall' ? 'not_evidenced' : 'not_assessed';
      const notes =
        feedbackState === 'not_evidenced'
          ? [...new Set(criteria.filter((c) => c.ksbs.includes(ksb) && notMet.get(c.id)).map((c) => notMet.get(c.id)!))]
          : [];
      const fullText = (ksbTexts.get(ksb) ?? '').replace(/\s+/g, ' ').trim();
      return { code: ksb, text: shortKsbText(fullText), fullText, state: feedbackState, notes };
    });
}

/** The texts of the standard version's KSBs, by code. */
export function ksbTextsOf(db: Db, apprentice: ApprenticeDetail): Map<string, string> {
  return new Map(
    (getStandard(db, apprentice.standardReference, apprentice.standardVersion)?.ksbs ?? []).map((k) => [
      k.code,
      k.text,
    ]),
  );
}

/** Feedback per KSB for each method of the attempt with a submitted grading whose outcome is 'graded', by method id. */
export function attemptFeedback(
  db: Db,
  plan: PlanFile | undefined,
  ksbTexts: ReadonlyMap<string, string>,
  result: AttemptResult,
): Map<string, KsbFeedback[]> {
  const feedback = new Map<string, KsbFeedback[]>();
  if (!plan) return feedback;
  for (const m of result.methods) {
    if (m.gradingId === null || m.status !== 'submitted' || m.outcome !== 'graded') continue;
    feedback.set(
      m.methodId,
      ksbFeedback(plan, m.methodId, decisionsOf(db, m.gradingId), ksbTexts, gradingById(db, m.gradingId)?.sampledKsbs),
    );
  }
  return feedback;
}

/* ---------- The PDF ---------- */
