import { GRADES } from '../db/vocabulary.js';
import { z } from 'zod';
import { ksbCode, standardReference, standardVersion } from '../standards/schema.js';

export { GRADES };
export const gradeSchema = z.enum(GRADES);
export type Grade = z.infer<typeof gradeSchema>;

export const DELIVERY_MODES = ['in_person', 'remote'] as const;
/**
 * `epa`: an end-point assessment plan. `apprenticeship-assessment`: a reformed assessment plan
 * (Skills England, "Requirements and guidance for apprenticeship assessment", 2026): behaviours
 * verified by the employer, core and sampled knowledge and skills, components during the
 * apprenticeship or at its end, some marked by the provider.
 */
export const PLAN_REGIMES = ['epa', 'apprenticeship-assessment'] as const;
export type PlanRegime = (typeof PLAN_REGIMES)[number];
/** When a component may be taken: during the apprenticeship (before gateway to completion) or at its end (after it). */
export const COMPONENT_TIMINGS = ['during', 'end'] as const;
/** Who marks a component: the assessment organisation's assessors, or the training provider's staff (then moderated). */
export const COMPONENT_MARKERS = ['assessment_organisation', 'provider'] as const;
export const CRITERION_LEVELS = ['pass', 'distinction'] as const;

/** The longest id a plan may give a method, criterion, theme or gateway item (and so the longest any form or API body may send). */
export const IDENTIFIER_MAX = 100;

const identifier = z
  .string()
  .max(IDENTIFIER_MAX, `Keep ids to ${IDENTIFIER_MAX} characters`)
  .regex(
    // Spelled out rather than with the i flag: JSON Schema patterns (the API document) have no flags.
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'Use letters, digits, dots, hyphens and underscores, starting with a letter or digit',
  );

export const methodSchema = z.object({
  id: identifier,
  name: z.string().min(1),
  description: z.string().min(1),
  durationMinutes: z
    .int()
    .positive()
    .max(8 * 60),
  delivery: z.array(z.enum(DELIVERY_MODES)).min(1),
  /** Methods that must have taken place before this one, and the least number of days between them. */
  after: z.array(z.object({ method: identifier, minDaysBetween: z.int().nonnegative() })).default([]),
  /** Days from gateway acceptance before this method may take place (e.g. time to write and submit a project). */
  earliestDayAfterGateway: z.int().nonnegative().default(0),
  ksbs: z.array(ksbCode).min(1),
  /** Reformed plans only: a component may be taken during the apprenticeship. */
  timing: z.enum(COMPONENT_TIMINGS).default('end'),
  /** Reformed plans only: a component may be marked by the provider. */
  marker: z.enum(COMPONENT_MARKERS).default('assessment_organisation'),
  /**
   * Provider-marked components only: the plan's sampling rule, the percentage of markings the
   * assessment organisation moderates before release. Without one it moderates every marking.
   */
  moderationSamplePercent: z.int().min(0).max(100).optional(),
});

export const criterionSchema = z.object({
  id: identifier,
  method: identifier,
  theme: z.string().min(1),
  level: z.enum(CRITERION_LEVELS),
  text: z.string().min(1),
  ksbs: z.array(ksbCode).min(1),
});

export const combinationRowSchema = z.object({
  methods: z.record(z.string(), gradeSchema),
  overall: gradeSchema,
});

export const gatewayItemSchema = z.object({
  id: identifier,
  name: z.string().min(1),
  description: z.string().min(1),
});

/**
 * An assessment plan for one standard version. This shape is the file an EPAO
 * uploads (fixtures/plans/*.json), what the plan API returns, and what is stored.
 */
export const planFileSchema = z.object({
  id: identifier,
  title: z.string().min(1),
  standard: z.object({ reference: standardReference, version: standardVersion }),
  /** A demo plan is not the published plan; every page that shows it says so. */
  demo: z.boolean(),
  regime: z.enum(PLAN_REGIMES).default('epa'),
  /**
   * The option this plan assesses, by its published title, on a version with a core and options: it
   * covers that option's KSBs (the core duties' and the option's), and apprentices on the option
   * follow it. Without one, a plan assesses every KSB of the version, whatever the option.
   */
  option: z.string().trim().min(1).max(300).optional(),
  /** Reformed plans: KSBs the employer verifies once (usually behaviours); no component assesses them. */
  employerVerifiedKsbs: z.array(ksbCode).default([]),
  /** Reformed plans: knowledge and skills each assessment covers a sample of; every other KSB is core, assessed every time. */
  sampledKsbs: z.array(ksbCode).default([]),
  notice: z.string().optional(),
  epaPeriodMonths: z.int().positive().max(24),
  methodGrades: z.array(gradeSchema).min(2),
  overallGrades: z.array(gradeSchema).min(2),
  methods: z.array(methodSchema).min(1),
  criteria: z.array(criterionSchema).min(1),
  combination: z.array(combinationRowSchema).min(1),
  resit: z.object({ windowMonths: z.int().positive() }),
  retake: z.object({ windowMonths: z.int().positive() }),
  /** Highest overall grade for a resit or retake, unless the EPAO accepts exceptional circumstances. */
  resitRetakeGradeCap: gradeSchema,
  maxAttempts: z.int().positive().nullable().default(null),
  /** Optional: every method must be passed within this many months of the first attempt's start, or the whole assessment is taken again. */
  wholeAssessmentMonths: z.int().positive().max(60).nullable().default(null),
  /**
   * Deprecated: the published off-the-job minimum belongs to the standard version. Read for one
   * more release (plans/store.ts moves it to the version, with a warning).
   */
  offTheJobMinimumHours: z.int().positive().nullable().default(null),
  gatewayItems: z.array(gatewayItemSchema),
});

export type PlanFile = z.infer<typeof planFileSchema>;
export type PlanFileInput = z.input<typeof planFileSchema>;
export type Method = z.infer<typeof methodSchema>;
export type Criterion = z.infer<typeof criterionSchema>;
export type CombinationRow = z.infer<typeof combinationRowSchema>;
