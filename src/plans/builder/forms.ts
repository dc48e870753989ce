import { z } from 'zod';
import { GRADES } from '../../db/vocabulary.js';
import { COMPONENT_MARKERS, COMPONENT_TIMINGS, CRITERION_LEVELS, DELIVERY_MODES, PLAN_REGIMES } from '../schema.js';

/*
 * The builder's forms, read with zod. A form refuses only what could not be held at all (a number
 * that is not one, a choice that is not offered, text far too long); anything a plan needs but does
 * not have yet (an empty name, a KSB left uncovered) is saved and reported as one of the plan's
 * problems, so a draft can be saved half done.
 */

/** Form fields are flat: `after-2`, `overall-5`, `role-K3` (nested names would lose their places). */
const LONG_TEXT = 5_000;
const SHORT_TEXT = 300;

const text = (max: number) =>
  z
    .string()
    .max(max, `Keep it to ${max.toLocaleString('en-GB')} characters`)
    .transform((s) => s.trim())
    .default('');

/** A whole number, or null when the field is left empty. */
const wholeNumber = (words: string, max = 100_000) =>
  z
    .string()
    .default('')
    .transform((s, ctx) => {
      const trimmed = s.trim();
      if (trimmed === '') return null;
      if (!/^\d{1,6}$/.test(trimmed) || Number(trimmed) > max) {
        ctx.addIssue({ code: 'custom', message: `Enter ${words} as a whole number from 0 to ${max}, like 3` });
        return z.NEVER;
      }
      return Number(trimmed);
    });

/** Checkboxes of one name: none ticked sends nothing, one sends text, several send a list. */
const ticked = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
    .pipe(z.array(z.enum(values, { message: 'Choose from the options shown' })));

const choice = <T extends string>(values: readonly [T, ...T[]], message: string) => z.enum(values, { message });

export const detailsFormSchema = z.object({
  id: text(SHORT_TEXT),
  title: text(SHORT_TEXT),
  regime: choice(PLAN_REGIMES, 'Choose whether this is an end-point assessment plan or a reformed plan'),
  demo: z.enum(['yes']).optional(),
  /** The option the plan assesses ('' for every option); checked against the version's options with the plan's problems. */
  option: text(SHORT_TEXT),
  notice: text(LONG_TEXT),
  epaPeriodMonths: wholeNumber('the assessment period', 24),
  resitWindowMonths: wholeNumber('the resit window'),
  retakeWindowMonths: wholeNumber('the retake window'),
  maxAttempts: wholeNumber('the most attempts'),
  wholeAssessmentMonths: wholeNumber('the months for the whole assessment'),
});
export type DetailsForm = z.infer<typeof detailsFormSchema>;

/** A method's form, for a standard version whose KSB codes are `codes`. `after-N`: days after the plan's method N. */
export function methodFormSchema(codes: readonly [string, ...string[]], otherMethods: readonly number[]) {
  return z.object({
    id: text(SHORT_TEXT),
    name: text(SHORT_TEXT),
    description: text(LONG_TEXT),
    durationMinutes: wholeNumber('how long it takes', 8 * 60),
    delivery: ticked(DELIVERY_MODES),
    earliestDayAfterGateway: wholeNumber('the earliest day after gateway', 365),
    timing: choice(COMPONENT_TIMINGS, 'Choose when it is taken'),
    marker: choice(COMPONENT_MARKERS, 'Choose who marks it'),
    moderationSamplePercent: wholeNumber('the moderation sample', 100),
    ksbs: ticked(codes),
    ...Object.fromEntries(otherMethods.map((n) => [`after-${n}`, wholeNumber('the days between them', 365)])),
  });
}
export type MethodForm = z.infer<ReturnType<typeof methodFormSchema>>;

export function criterionFormSchema(codes: readonly [string, ...string[]], methodIds: readonly string[]) {
  return z.object({
    id: text(SHORT_TEXT),
    method: z
      .string()
      .default('')
      .refine((m) => m === '' || methodIds.includes(m), 'Choose one of the plan’s methods'),
    theme: text(SHORT_TEXT),
    level: choice(CRITERION_LEVELS, 'Choose whether it is a pass or a distinction criterion'),
    text: text(LONG_TEXT),
    ksbs: ticked(codes),
  });
}

export const gatewayItemFormSchema = z.object({
  id: text(SHORT_TEXT),
  name: text(SHORT_TEXT),
  description: text(LONG_TEXT),
});

/** The most grades a plan lists (the service knows eight). */
export const GRADE_PLACES = GRADES.length;
const gradeOrNone = z.enum(['', ...GRADES], { message: 'Choose a grade from the list' }).default('');

/** The grades form: each list as ordered places (`methodGrades-0` lowest), the cap, and the grid's cells (`overall-N`). */
export function gradesFormSchema(cells: number) {
  return z.object({
    ...Object.fromEntries(
      Array.from({ length: GRADE_PLACES }, (_, i) => [
        [`methodGrades-${i}`, gradeOrNone],
        [`overallGrades-${i}`, gradeOrNone],
      ]).flat(),
    ),
    resitRetakeGradeCap: z.enum(GRADES, { message: 'Choose the highest grade a resit or retake can give' }),
    ...Object.fromEntries(Array.from({ length: cells }, (_, i) => [`overall-${i}`, gradeOrNone])),
  }) as z.ZodType<Record<string, string>>;
}

export const KSB_ROLES = ['core', 'sampled', 'employer_verified'] as const;

/** Each KSB's role in a reformed plan (`role-K1`). */
export function ksbRolesFormSchema(codes: readonly string[]) {
  return z.object(
    Object.fromEntries(codes.map((c) => [`role-${c}`, z.enum(KSB_ROLES, { message: `Choose how ${c} is assessed` })])),
  ) as z.ZodType<Record<string, (typeof KSB_ROLES)[number]>>;
}

export const startFormSchema = z.object({
  from: z.string({ message: 'Choose how to start the plan' }).min(1, 'Choose how to start the plan'),
});

export const publishFormSchema = z.object({
  makeDefault: z.enum(['yes', 'no'], { message: 'Choose whether apprentices on this version follow the new plan' }),
});

export const discardFormSchema = z.object({
  confirm: z.enum(['yes', 'no'], { message: 'Choose whether to discard the draft' }),
});
