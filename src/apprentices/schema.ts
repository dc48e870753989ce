import { z } from 'zod';
import {
  ENGLISH_MATHS_CHOICES,
  FLEXIBILITY_BASES,
  OFF_THE_JOB_KINDS,
  QUALIFICATION_TYPES,
  SUBJECTS,
} from '../gateway/model.js';
import { standardReference, standardVersion } from '../standards/schema.js';
import { ukprnSchema } from '../users/schema.js';
import { dateField, yesNo, decimalInput } from '../validation/fields.js';
import { validateUln } from './uln.js';
import { daysBetween, isSupportedDate } from '../calendar.js';

export const ulnSchema = z
  .string({ error: 'Enter the ULN' })
  .trim()
  .min(1, 'Enter the ULN')
  .superRefine((value, ctx) => {
    const result = validateUln(value);
    if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
  });

export const MIN_AGE_AT_START = 16;

/** An apprentice record's fields, each checked on its own (apprenticeInputSchema adds the rules across its dates). */
export const apprenticeFieldsSchema = z.object({
  uln: ulnSchema,
  givenNames: z
    .string({ error: 'Enter the given names' })
    .trim()
    .min(1, 'Enter the given names')
    .max(100, 'Given names must be 100 characters or fewer'),
  familyName: z
    .string({ error: 'Enter the family name' })
    .trim()
    .min(1, 'Enter the family name')
    .max(100, 'Family name must be 100 characters or fewer'),
  dateOfBirth: dateField('date of birth'),
  startDate: dateField('start date'),
  plannedEndDate: dateField('planned end date'),
  standardReference: standardReference,
  standardVersion: standardVersion,
  providerUkprn: ukprnSchema,
  employerId: z.string({ error: 'Select the employer' }).trim().min(1, 'Select the employer').max(100),
  /** The assessment plan the apprentice follows, when their version has several; blank: its default plan. */
  planId: z
    .preprocess(
      (v) => (v === '' ? null : v),
      z.string({ error: 'Choose the assessment plan' }).max(100, 'Plan ids are at most 100 characters').nullable(),
    )
    .optional(),
  /**
   * The standard version's option the apprentice follows, by its published title; required on a
   * version with a core and options, and refused on one without (the apprenticeship service's rule).
   */
  courseOption: z
    .preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
      z.string({ error: 'Choose the option' }).trim().max(300, 'Options are at most 300 characters').nullable(),
    )
    .optional(),
  weeklyHours: z.preprocess(
    decimalInput,
    z
      .number({ error: 'Enter contracted hours a week as a number, for example 37.5' })
      .min(1, 'Contracted hours a week must be at least 1')
      .max(60, 'Contracted hours a week must be 60 or fewer'),
  ),
  /** Retired: an EHC plan is now one basis of a flexibility judgement, recorded with its evidence. */
  ehcPlan: z
    .undefined({
      error:
        "ehcPlan is retired: record an English and maths flexibility judgement (its basis, date and reference) on the apprentice's page or through the API",
    })
    .optional(),
  bslFirstLanguage: yesNo,
  englishMathsChoice: z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? null : v),
    z
      .enum(ENGLISH_MATHS_CHOICES, {
        error:
          'Choose not_studying, studying or employer_requires, or leave blank (pursue is now employer_requires, not_pursue is now not_studying)',
      })
      .nullable(),
  ),
});

/**
 * The rules across a record's dates: at least 16 at the start, a planned end after the start, a
 * start on or after 1 May 2017. Applied only when each of the three is a date: a date already
 * refused gets its own message, not three more.
 */
export function apprenticeDateProblems(a: {
  dateOfBirth: unknown;
  startDate: unknown;
  plannedEndDate: unknown;
}): { path: 'dateOfBirth' | 'startDate' | 'plannedEndDate'; message: string }[] {
  const { dateOfBirth, startDate, plannedEndDate } = a;
  if (
    typeof dateOfBirth !== 'string' ||
    typeof startDate !== 'string' ||
    typeof plannedEndDate !== 'string' ||
    ![dateOfBirth, startDate, plannedEndDate].every(isSupportedDate)
  )
    return [];
  const problems: ReturnType<typeof apprenticeDateProblems> = [];
  // Their 16th birthday, as a date string: ISO dates compare correctly as text.
  const sixteenth = `${Number(dateOfBirth.slice(0, 4)) + MIN_AGE_AT_START}${dateOfBirth.slice(4)}`;
  if (sixteenth > startDate)
    problems.push({
      path: 'dateOfBirth',
      message: `The apprentice must be at least ${MIN_AGE_AT_START} at the start date`,
    });
  if (plannedEndDate <= startDate)
    problems.push({ path: 'plannedEndDate', message: 'The planned end date must be after the start date' });
  if (startDate < '2017-05-01')
    problems.push({
      path: 'startDate',
      message: 'The start date must be on or after 1 May 2017 (apprenticeship standards funding)',
    });
  return problems;
}

/**
 * An apprentice record, from the form, a CSV row or the API. One schema for all three, so
 * they accept and refuse exactly the same things.
 */
export const apprenticeInputSchema = apprenticeFieldsSchema.superRefine((a, ctx) => {
  for (const { path, message } of apprenticeDateProblems(a)) ctx.addIssue({ code: 'custom', path: [path], message });
});

export type ApprenticeInput = z.infer<typeof apprenticeInputSchema>;

export const qualificationInputSchema = z.object({
  subject: z.enum(SUBJECTS, { error: 'Select English or maths' }),
  type: z.enum(QUALIFICATION_TYPES, { error: 'Select the type of qualification' }),
  level: z.preprocess(
    decimalInput,
    z
      .number({ error: 'Enter the level as a number' })
      .int('Enter the level as a whole number')
      .min(1, 'Level must be 1 or more')
      .max(8, 'Level must be 8 or less'),
  ),
  grade: z
    .string({ error: 'Enter the grade' })
    .trim()
    .min(1, 'Enter the grade')
    .max(20, 'Grade must be 20 characters or fewer'),
  achievedOn: dateField('date achieved'),
  certificateReference: z
    .string({ error: 'Enter the certificate reference' })
    .trim()
    .min(1, 'Enter the certificate reference')
    .max(100),
});
export type QualificationInput = z.infer<typeof qualificationInputSchema>;

/** The longest span logged as one total: a month (a week is the usual). */
export const LONGEST_HOURS_SPAN_DAYS = 31;

const optionalDate = (label: string) =>
  z.preprocess(
    (v) =>
      v === '' || v === null || (typeof v === 'object' && v !== null && Object.values(v).every((p) => p === ''))
        ? undefined
        : v,
    dateField(label).optional(),
  );

/**
 * Off-the-job training: one day's hours, or a span's total (`date` its first day, `to` its last,
 * for a week entered at once). At most 24 hours a day of the span.
 */
export const offTheJobInputSchema = z
  .object({
    date: dateField('date of the training'),
    to: optionalDate('last day of the span'),
    hours: z.preprocess(
      decimalInput,
      z
        .number({ error: 'Enter the hours as a number' })
        .gt(0, 'Hours must be more than 0')
        .max(24 * LONGEST_HOURS_SPAN_DAYS, 'Hours must be 24 or fewer a day'),
    ),
    activity: z
      .string({ error: 'Describe the training' })
      .trim()
      .min(1, 'Describe the training')
      .max(500, 'Description must be 500 characters or fewer'),
    kind: z.preprocess(
      (v) => (v === '' || v === undefined || v === null ? 'training' : v),
      z.enum(OFF_THE_JOB_KINDS, { error: 'Select the kind of activity' }),
    ),
  })
  .superRefine((h, ctx) => {
    if (!isSupportedDate(h.date) || (h.to !== undefined && !isSupportedDate(h.to))) return;
    const days = h.to === undefined ? 1 : daysBetween(h.date, h.to) + 1;
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['to'], message: 'The last day must be after the first day' });
    else if (days > LONGEST_HOURS_SPAN_DAYS)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `Log at most ${LONGEST_HOURS_SPAN_DAYS} days as one total; split a longer span`,
      });
    else if (h.hours > 24 * days)
      ctx.addIssue({
        code: 'custom',
        path: ['hours'],
        message:
          days === 1 ? 'Hours must be 24 or fewer in a day' : `Hours must be ${24 * days} or fewer in ${days} days`,
      });
  });
export type OffTheJobInput = z.infer<typeof offTheJobInputSchema>;

/** The row an entry is kept as: its last day is its date (it counts from then), its first day kept beside it. */
export function offTheJobRow(input: OffTheJobInput) {
  return {
    date: input.to ?? input.date,
    fromDate: input.to === undefined ? null : input.date,
    hours: input.hours,
    activity: input.activity,
    kind: input.kind,
  };
}

/** A correction of an entry: the entry as it should be, and why. */
export const offTheJobCorrectionSchema = z.intersection(
  offTheJobInputSchema,
  z.object({ reason: reasonField('Say why the entry is being corrected') }),
);
export const offTheJobRemovalSchema = z.object({ reason: reasonField('Say why the entry is being removed') });

export const planItemInputSchema = z.object({
  itemId: z.string().trim().min(1, 'Select the gateway item'),
  reference: z
    .string({ error: 'Say where the evidence is' })
    .trim()
    .min(1, 'Say where the evidence is (a file name, link or reference)')
    .max(300),
});

export const DECLARATION_PARTS = ['employer', 'provider', 'apprentice', 'certificate_permission'] as const;
export type DeclarationPart = (typeof DECLARATION_PARTS)[number];
export const declarationInputSchema = z.object({
  part: z.enum(DECLARATION_PARTS, { error: 'Say whose confirmation this is' }),
});

/** A reason or note kept with a record and in the audit log. */
export function reasonField(missing: string) {
  return z.string({ error: missing }).trim().min(1, missing).max(500, 'Keep it to 500 characters or fewer');
}

/** A corrected ULN, with why the one recorded was wrong. */
export const ulnCorrectionSchema = z.object({
  uln: ulnSchema,
  reason: reasonField('Say why the ULN is being corrected, for example where the right one came from'),
});

/** A break in learning: its first and last days away, both included. */
export const learningBreakInputSchema = z
  .object({
    from: dateField('first day of the break'),
    to: dateField('last day of the break'),
    reason: reasonField('Say why the apprentice took a break'),
  })
  .refine((b) => b.to >= b.from, { path: ['to'], message: 'The last day must be on or after the first day' });
export type LearningBreakInput = z.infer<typeof learningBreakInputSchema>;

/** An earlier episode of the same apprenticeship that this record restarts. */
export const earlierEpisodeInputSchema = z
  .object({
    startDate: dateField('start date of the earlier episode'),
    endDate: dateField('last day in learning of the earlier episode'),
    provider: z
      .string({ error: 'Enter the provider of the earlier episode' })
      .trim()
      .min(1, 'Enter the provider of the earlier episode')
      .max(200, 'Keep the provider to 200 characters or fewer'),
    reason: reasonField('Say why the earlier episode ended'),
  })
  .refine((e) => e.endDate >= e.startDate, {
    path: ['endDate'],
    message: 'The last day in learning must be on or after the start date',
  });
export type EarlierEpisodeInput = z.infer<typeof earlierEpisodeInputSchema>;

/** The English and maths flexibility judgement, with its evidence. */
export const flexibilityInputSchema = z.object({
  basis: z.enum(FLEXIBILITY_BASES, { error: 'Select what the judgement is based on' }),
  decidedOn: dateField('date of the evidence'),
  reference: z
    .string({ error: 'Enter the evidence reference' })
    .trim()
    .min(1, 'Enter the evidence reference (the document and where it is kept)')
    .max(200, 'Keep the reference to 200 characters or fewer'),
});
export type FlexibilityInput = z.infer<typeof flexibilityInputSchema>;

/** Recognised prior learning, in off-the-job hours; 0 removes it. */
export const priorLearningInputSchema = z
  .object({
    // A blank field is not 0: it is missing.
    hours: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
      z.preprocess(
        decimalInput,
        z
          .number({ error: 'Enter the hours as a number (0 to remove prior learning)' })
          .min(0, 'Hours must be 0 or more')
          .max(5000, 'Hours must be 5,000 or fewer'),
      ),
    ),
    reason: z.string().trim().max(500, 'Keep it to 500 characters or fewer').default(''),
  })
  .refine((p) => p.hours === 0 || p.reason.length > 0, {
    path: ['reason'],
    message: 'Say what prior learning was recognised',
  });
export type PriorLearningInput = z.infer<typeof priorLearningInputSchema>;

/** Reformed plans: the employer's verification of the apprentice's behaviours. */
export const behaviourVerificationInputSchema = z.object({
  verifierName: z
    .string({ error: 'Enter the name and role of the person who verified the behaviours' })
    .trim()
    .min(1, 'Enter the name and role of the person who verified the behaviours')
    .max(200, 'Keep the name and role to 200 characters or fewer'),
  verifiedOn: dateField('date the behaviours were verified'),
  statement: z
    .string({ error: 'Enter the statement' })
    .trim()
    .min(1, 'Enter the statement: how the apprentice has shown the behaviours at work')
    .max(2000, 'Keep the statement to 2,000 characters or fewer'),
});
export type BehaviourVerificationInput = z.infer<typeof behaviourVerificationInputSchema>;
