import { decimalInput } from '../validation/fields.js';
import { z } from 'zod';

const blankToUndefined = z
  .string()
  .trim()
  .max(200)
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const optionalDate = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.iso.date('Enter a date as YYYY-MM-DD, for example 2026-03-31').optional())
  .optional();

export const auditFilterSchema = z
  .object({
    action: blankToUndefined,
    entityType: blankToUndefined,
    entityId: blankToUndefined,
    actor: blankToUndefined,
    from: optionalDate,
    to: optionalDate,
    page: z.preprocess(decimalInput, z.number().int().min(1).catch(1).default(1)),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, {
    path: ['to'],
    message: 'The "to" date must be the same as or after the "from" date',
  });

export type AuditFilter = z.infer<typeof auditFilterSchema>;
