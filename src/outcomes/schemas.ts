import { z } from 'zod';
import { RESULT_GRADES } from '../grading/model.js';
import { blankToUndefined, dateQuery, decimalInput } from '../validation/fields.js';

/* Shapes shared by the outcomes pages, downloads and API. */

/** The apprenticeship service's certificate request (CreateCertificateRequest), as the claims send it. */
export const certificateRequestSchema = z.object({
  RequestId: z.string(),
  Standard: z.object({ StandardCode: z.int(), StandardReference: z.string() }),
  Learner: z.object({ Uln: z.int(), FamilyName: z.string() }),
  LearningDetails: z.object({
    CourseOption: z.string().optional(),
    Version: z.string(),
    OverallGrade: z.string(),
    AchievementDate: z.iso.date(),
  }),
  PostalContact: z.object({
    ContactName: z.string(),
    Department: z.string().optional(),
    Organisation: z.string(),
    AddressLine1: z.string(),
    AddressLine2: z.string().optional(),
    AddressLine3: z.string().optional(),
    City: z.string(),
    PostCode: z.string(),
  }),
});

/** The apprenticeship service's EPA record request (CreateEpaRequest), for a Fail or a withdrawal. */
export const epaRecordRequestSchema = z.object({
  RequestId: z.string(),
  Standard: z.object({ StandardCode: z.int(), StandardReference: z.string() }),
  Learner: z.object({ Uln: z.int(), FamilyName: z.string() }),
  LearningDetails: z.object({ CourseOption: z.string().optional(), Version: z.string() }),
  EpaDetails: z.object({
    Epas: z.array(
      z.object({
        EpaDate: z.iso.date(),
        EpaOutcome: z.enum(['Fail', 'Withdrawn']),
        Resit: z.boolean(),
        Retake: z.boolean(),
      }),
    ),
  }),
});

/** The apprenticeship service's EPA record update (UpdateEpaRequest): the record's reference and every outcome it is to hold. */
export const epaUpdateRequestSchema = epaRecordRequestSchema.extend({ EpaReference: z.string() });

/** A claim in the API: the result, its checks and timing, and the service's request once valid. */
export const claimWithStatusSchema = z.object({
  attemptId: z.int(),
  uln: z.string(),
  familyName: z.string(),
  givenNames: z.string(),
  overallGrade: z.enum(RESULT_GRADES),
  achievementDate: z.iso.date().nullable().describe('The day the result passed internal quality assurance'),
  valid: z.boolean(),
  reasons: z.array(z.string()).describe('Why the apprenticeship service would refuse the claim; empty when valid'),
  ready: z.boolean().describe('Valid and not held: it may be claimed now'),
  heldUntil: z.iso
    .date()
    .nullable()
    .describe('Held until its appeal period ends; null when not held, or held by an open appeal'),
  heldWhy: z.string().nullable(),
  sends: z
    .enum(['certificate', 'epa_record', 'epa_update'])
    .describe(
      'A certificate (a passing grade), an EPA record (Fail, Withdrawn), or an update of the EPA record this platform sent the apprentice’s earlier outcome as',
    ),
  request: z
    .union([certificateRequestSchema, epaUpdateRequestSchema, epaRecordRequestSchema])
    .nullable()
    .describe(
      'The apprenticeship service’s request, once valid: a certificate request, an EPA record request, or an EPA record update',
    ),
});
export const markClaimsSchema = z.object({
  attemptIds: z
    .array(z.int().positive())
    .min(1, 'Give at least one result')
    .max(10_000, 'Give at most 10,000 results at once'),
});

export const markedSchema = z.object({ marked: z.int(), attemptIds: z.array(z.int()) });

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/** The report filters as query parameters: standard as REFERENCE/VERSION (e.g. ST0815/1.0). */
export const reportQuerySchema = z
  .object({
    standard: optional(z.string().regex(/^ST\d{4}\/\d+\.\d+$/, 'Choose a standard from the list')),
    from: z.preprocess(blankToUndefined, dateQuery('The first result date')),
    to: z.preprocess(blankToUndefined, dateQuery('The last result date')),
    provider: optional(z.string().regex(/^\d{8}$/, 'Choose a training provider from the list')),
    employer: optional(z.string().max(100)),
    assessor: optional(
      z.preprocess(
        decimalInput,
        z
          .number({ error: 'Choose an assessor from the list' })
          .int('Choose an assessor from the list')
          .positive('Choose an assessor from the list')
          .max(2 ** 31, 'Choose an assessor from the list'),
      ),
    ),
    method: optional(z.string().max(100)),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    path: ['to'],
    message: 'The last result date must be on or after the first',
  });

export type ReportQuery = z.infer<typeof reportQuerySchema>;
