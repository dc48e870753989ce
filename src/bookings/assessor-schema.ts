import { z } from 'zod';
import { blankToNull, dateField, decimalInput } from '../validation/fields.js';
import { REGIONS } from './model.js';

const time = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Enter times as HH:MM, for example 09:00');
const asList = (v: unknown): unknown[] =>
  v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? (v as unknown[]) : [v];

/** Form keys are day names: numeric keys would be read as a (compacted) array by the body parser. */
export const WEEKDAYS = [
  { weekday: 1, key: 'monday', name: 'Monday' },
  { weekday: 2, key: 'tuesday', name: 'Tuesday' },
  { weekday: 3, key: 'wednesday', name: 'Wednesday' },
  { weekday: 4, key: 'thursday', name: 'Thursday' },
  { weekday: 5, key: 'friday', name: 'Friday' },
  { weekday: 6, key: 'saturday', name: 'Saturday' },
  { weekday: 7, key: 'sunday', name: 'Sunday' },
] as const;

/** One weekday of the working pattern: both times, or neither (not working that day). */
const workingDay = z
  .object({ start: z.preprocess(blankToNull, time.nullable()), end: z.preprocess(blankToNull, time.nullable()) })
  .refine((d) => (d.start === null) === (d.end === null), 'Give both a start and an end time, or neither')
  .refine((d) => d.start === null || d.end === null || d.start < d.end, 'The end time must be after the start time');

const workingDayOrNone = z.preprocess((v) => v ?? {}, workingDay);

/** An assessor's profile, as the administrator's form sends it. */
export const assessorProfileSchema = z.object({
  perDay: z.preprocess(
    decimalInput,
    z
      .number({ error: 'Enter a number' })
      .int('Enter a whole number')
      .min(1, 'At least 1 a day')
      .max(6, 'At most 6 a day'),
  ),
  perWeek: z.preprocess(
    decimalInput,
    z
      .number({ error: 'Enter a number' })
      .int('Enter a whole number')
      .min(1, 'At least 1 a week')
      .max(30, 'At most 30 a week'),
  ),
  standardVersionIds: z.preprocess(asList, z.array(z.preprocess(decimalInput, z.number().int().positive()))),
  regions: z.preprocess(asList, z.array(z.enum(REGIONS, { error: 'Choose regions from the list' }))),
  hours: z.preprocess(
    (v) => (typeof v === 'object' && v !== null ? v : {}),
    z.object(Object.fromEntries(WEEKDAYS.map((d) => [d.key, workingDayOrNone]))),
  ),
  ownEmployerId: z.preprocess(blankToNull, z.string().max(100).nullable()),
  ownProviderUkprn: z.preprocess(
    blankToNull,
    z
      .string()
      .regex(/^\d{8}$/, 'UKPRN must be 8 digits')
      .nullable(),
  ),
});
export type AssessorProfileInput = z.infer<typeof assessorProfileSchema>;

export const unavailabilitySchema = z
  .object({
    from: dateField('first day'),
    to: dateField('last day'),
    reason: z.string({ error: 'Give a reason' }).trim().min(1, 'Give a reason, for example Annual leave').max(200),
  })
  .refine((u) => u.from <= u.to, { path: ['to'], message: 'The last day must be the same as or after the first day' });

export const conflictSchema = z
  .object({
    kind: z.enum(['employer', 'provider'], { error: 'Choose employer or training provider' }),
    organisationId: z.string({ error: 'Choose the organisation' }).trim().min(1, 'Choose the organisation'),
    from: dateField('date the link began'),
    to: z.preprocess(
      (v) =>
        v === undefined || v === '' || (typeof v === 'object' && v !== null && Object.values(v).every((x) => x === ''))
          ? null
          : v,
      dateField('date the link ended').nullable(),
    ),
    reason: z
      .string({ error: 'Describe the link' })
      .trim()
      .min(1, 'Describe the link, for example Former branch secretary')
      .max(300),
  })
  .refine((c) => c.to === null || c.from <= c.to, {
    path: ['to'],
    message: 'The end date must be the same as or after the start date',
  });
