import { decimalInput } from '../validation/fields.js';
import { z } from 'zod';

/** A standard reference as the Institute publishes it, e.g. ST0815. */
export const standardReference = z.string().regex(/^ST\d{4}$/, 'Standard reference must look like ST0815');
/** A standard version such as 1.0 or 1.2. */
export const standardVersion = z.string().regex(/^\d+\.\d+$/, 'Version must look like 1.0');
/** A KSB code: K for knowledge, S for skill, B for behaviour, then a number (K1, S17, B7). */
export const ksbCode = z.string().regex(/^[KSB][1-9]\d*$/, 'KSB codes look like K1, S12 or B3');
const isoDate = z.iso.date();

export const ksbSchema = z.object({
  code: ksbCode,
  text: z.string().min(1),
});

export const dutySchema = z.object({
  number: z.int().positive(),
  title: z.string().min(1),
  text: z.string().min(1),
  /** "Criteria for measuring performance"; some published duties have none. */
  criteria: z.string(),
  ksbs: z.array(ksbCode),
});

/**
 * One version of an apprenticeship standard, as published. This shape is the
 * file format of fixtures/standards/*.json and of the standards API.
 */
/**
 * A qualification number as Ofqual's register writes it: three digits, four digits and a check
 * character (a digit or X), separated by slashes, for example 603/1234/5 (ten characters, as the
 * regulator's files allow).
 */
const qualificationNumber = z
  .string()
  .regex(/^\d{3}\/\d{4}\/[0-9X]$/, 'Enter the qualification number as on Ofqual’s register, for example 603/1234/5');

export const standardFileSchema = z.object({
  reference: standardReference,
  version: standardVersion,
  title: z.string().min(1),
  level: z.int().min(2).max(7),
  larsCode: z.int().positive(),
  typicalDurationMonths: z.int().positive(),
  maxFundingPounds: z.int().nonnegative(),
  route: z.string().min(1),
  eqaProvider: z.string().min(1),
  status: z.string().min(1),
  approvedForDelivery: isoDate,
  dateUpdated: isoDate,
  overview: z.string().min(1),
  occupationSummary: z.string().min(1),
  typicalJobTitles: z.array(z.string().min(1)),
  englishAndMaths: z.string().min(1),
  /**
   * The published minimum off-the-job hours for starts from 1 August 2025 (apprenticeship
   * funding rules 2025 to 2026), and where the figure came from; null until one is recorded.
   */
  offTheJobMinimumHours: z.int().positive().max(5000).nullable().default(null),
  offTheJobMinimumSource: z.string().min(1).max(500).nullable().default(null),
  /** The EPA's qualification number on Ofqual's register (for the regulator's returns); null until recorded. */
  qualificationNumber: qualificationNumber.nullable().default(null),
  duties: z.array(dutySchema).min(1),
  ksbs: z.array(ksbSchema).min(1),
});

export type StandardFile = z.infer<typeof standardFileSchema>;
export type Ksb = z.infer<typeof ksbSchema>;
export type Duty = z.infer<typeof dutySchema>;

/** An administrator records (or corrects) the EPA's Ofqual qualification number; blank removes it. */
export const qualificationNumberInputSchema = z.object({
  qualificationNumber: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? null : typeof v === 'string' ? v.trim().toUpperCase() : v),
    qualificationNumber.nullable(),
  ),
  source: z
    .string({ error: 'Say where you checked the number' })
    .trim()
    .min(1, 'Say where you checked the number (for example Ofqual’s register and the date)')
    .max(500, 'Keep the source to 500 characters or fewer'),
});

/** An administrator records (or corrects) a version's published off-the-job minimum, saying where it comes from. */
export const offTheJobMinimumInputSchema = z.object({
  hours: z.preprocess(
    decimalInput,
    z
      .number({ error: 'Enter the hours as a whole number' })
      .int('Enter the hours as a whole number')
      .min(1, 'The minimum must be at least 1 hour')
      .max(5000, 'The minimum must be 5,000 hours or fewer'),
  ),
  source: z
    .string({ error: 'Say where the figure is published' })
    .trim()
    .min(1, 'Say where the figure is published (for example the funding rules annex and its date)')
    .max(500, 'Keep the source to 500 characters or fewer'),
});

/** An administrator records whether the organisation is approved to assess a version, and the evidence. */
export const approvalInputSchema = z.object({
  approved: z
    .enum(['yes', 'no'], { error: 'Choose whether you are approved to assess this version' })
    .transform((v) => v === 'yes'),
  source: z
    .string({ error: 'Say where the approval is evidenced' })
    .trim()
    .min(1, 'Say where the approval is evidenced (for example the register of assessment organisations and the date)')
    .max(500, 'Keep the source to 500 characters or fewer'),
});
