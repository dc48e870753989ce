import { blankToNull } from '../validation/fields.js';
import { z } from 'zod';
import type { Criterion, PlanFile } from '../plans/schema.js';
import { OUTCOMES } from './model.js';
import { criteriaByTheme, explainMethodGrade, ksbCoverage, type Decision } from './rules.js';
import { criterionLevelGrade } from '../plans/grades.js';

const EVIDENCE_MAX = 2000;

/** One criterion on a form: `c[ID][met]` is "yes", "no" or blank (undecided); `c[ID][evidence]` the note. */
const criterionField = z
  .object({
    met: z.preprocess(blankToNull, z.enum(['yes', 'no'], { error: 'Choose met or not met' }).nullable()).optional(),
    evidence: z.string().max(EVIDENCE_MAX, `Keep the evidence note to ${EVIDENCE_MAX} characters`).optional(),
  })
  .optional();

export const decisionsField = z.record(z.string(), criterionField).default({});

/**
 * What the user entered for each criterion, read leniently so that a form sent back with an
 * error keeps every choice and note (one bad note must not wipe the rest). Criteria not in the
 * post keep `fallback`'s decision (e.g. the stored one).
 */
export function keptDecisions(criteria: Criterion[], raw: unknown, fallback: Decision[] = []): Decision[] {
  const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  return criteria.map((c) => {
    const field = record[c.id];
    if (typeof field !== 'object' || field === null)
      return fallback.find((d) => d.criterionId === c.id) ?? { criterionId: c.id, met: null, evidence: '' };
    const { met, evidence } = field as Record<string, unknown>;
    return {
      criterionId: c.id,
      met: met === 'yes' ? true : met === 'no' ? false : null,
      evidence: typeof evidence === 'string' ? evidence : '',
    };
  });
}

/** The decisions a form posted, one for every criterion of the method (undecided where left blank). */
export function decisionsFromForm(criteria: Criterion[], posted: z.infer<typeof decisionsField>): Decision[] {
  return criteria.map((c) => {
    const field = posted[c.id];
    return {
      criterionId: c.id,
      met: field?.met === 'yes' ? true : field?.met === 'no' ? false : null,
      evidence: (field?.evidence ?? '').trim(),
    };
  });
}

/** Checkboxes send one value as a string and several as an array. */
const checkedValues = z.preprocess(
  (v: unknown): unknown[] =>
    v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? (v as unknown[]) : [v],
  z.array(z.string().max(10, 'Not a KSB code')).max(100),
);

export const gradingFormSchema = z.object({
  /** check: show the grade the decisions give, saving nothing (the form's "Check the grade" button). */
  action: z.enum(['draft', 'submit', 'check'], { error: 'Choose to save a draft or submit' }),
  /** Reformed plans: the sampled KSBs this assessment covered. */
  sampled: checkedValues.default([]),
  outcome: z.enum(OUTCOMES, { error: 'Choose how the assessment ended' }),
  outcomeReason: z.preprocess(blankToNull, z.string().max(1000, 'Keep the reason to 1000 characters').nullable()),
  confirm: z.preprocess(blankToNull, z.literal('yes').nullable()).optional(),
  c: decisionsField,
});

/** The API's body for PUT /api/v1/bookings/{id}/grade: every criterion named, with its evidence. */
export const gradeBodySchema = z
  .object({
    outcome: z.enum(OUTCOMES).default('graded'),
    outcomeReason: z.string().trim().max(1000).nullable().default(null),
    submit: z.boolean().default(true),
    /** Reformed plans: the sampled KSBs this assessment covered. */
    sampledKsbs: z.array(z.string().max(10)).max(100).default([]),
    decisions: z
      .array(
        z.object({
          criterionId: z.string().min(1).max(50),
          met: z.boolean(),
          evidence: z.string().max(EVIDENCE_MAX).default(''),
        }),
      )
      .max(500)
      .superRefine((decisions, ctx) => {
        const seen = new Set<string>();
        decisions.forEach((d, i) => {
          if (seen.has(d.criterionId))
            ctx.addIssue({ code: 'custom', path: [i, 'criterionId'], message: `${d.criterionId} is given twice` });
          seen.add(d.criterionId);
        });
      }),
  })
  .strict();

export const moderationFormSchema = z.object({
  decision: z.enum(['agreed', 'changed'], { error: 'Choose whether you agree or change decisions' }),
  rationale: z.preprocess(
    blankToNull,
    z.string({ error: 'Give your rationale' }).max(2000, 'Keep the rationale to 2000 characters'),
  ),
  c: decisionsField,
});

/** What a criteria form shows: themes in plan order, each criterion with its decision, note and any error. */
export function criteriaView(
  plan: PlanFile,
  methodId: string,
  decisions: Decision[],
  errors: Record<string, string> = {},
) {
  return criteriaByTheme(plan, methodId).map(({ theme, criteria }) => ({
    theme,
    criteria: criteria.map((c) => {
      const d = decisions.find((x) => x.criterionId === c.id);
      return {
        id: c.id,
        text: c.text,
        level: criterionLevelGrade(plan, c.level),
        ksbs: c.ksbs.join(', '),
        met: d?.met === true ? 'yes' : d?.met === false ? 'no' : '',
        evidence: d?.evidence ?? '',
        error: errors[c.id],
      };
    }),
  }));
}

const KSB_STATE_LABELS = {
  evidenced: 'Evidenced',
  shortfall: 'Not evidenced',
  not_yet: 'Not yet decided',
  not_sampled: 'Not in this sample',
} as const;

/**
 * The KSB coverage panel and the grade the decisions give so far, computed on the server; in a
 * reformed plan, core KSBs and the sampled ones (with those this assessment covered) apart.
 */
export function coverageView(plan: PlanFile, methodId: string, decisions: Decision[], sample: readonly string[] = []) {
  const explained = explainMethodGrade(plan, methodId, decisions);
  const ksbs = ksbCoverage(plan, methodId, decisions, sample).map((k) => ({ ...k, label: KSB_STATE_LABELS[k.state] }));
  return {
    ksbs: ksbs.filter((k) => k.role === 'core'),
    sampled: ksbs.filter((k) => k.role === 'sampled').map((k) => ({ ...k, inSample: sample.includes(k.ksb) })),
    grade: explained.grade,
    why: explained.why,
  };
}
