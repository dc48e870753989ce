import { EARLIEST_DATE, LATEST_DATE, isSupportedDate } from '../calendar.js';
import { z } from 'zod';

function dateMessage(label: string, input: unknown): string {
  const year = typeof input === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(input) ? Number(input.slice(0, 4)) : null;
  if (year !== null && (year < 1900 || year > 2100))
    return `The ${label} must be between ${EARLIEST_DATE.slice(0, 4)} and ${LATEST_DATE.slice(0, 4)}`;
  return `The ${label} must be a real date, for example 2025-09-01 (or 1 9 2025)`;
}

/** An optional date query parameter (YYYY-MM-DD) for the API. */
export function dateQuery(name: string) {
  return z
    .string()
    .refine(isSupportedDate, `${name} must be a real date between ${EARLIEST_DATE} and ${LATEST_DATE}, as YYYY-MM-DD`)
    .optional();
}

/** A calendar date as YYYY-MM-DD, or as the GOV.UK date input sends it: { day, month, year }. */
export function dateField(label: string) {
  return z.preprocess(
    (value) => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const { day, month, year } = value as Record<string, unknown>;
        const parts = [year, month, day].map((p) => (typeof p === 'string' ? p.trim() : ''));
        if (parts.every((p) => p === '')) return '';
        const [y, m, d] = parts;
        return `${y!.padStart(4, '0')}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
      }
      return typeof value === 'string' ? value.trim() : value;
    },
    z
      .string({ error: `Enter the ${label}` })
      .min(1, `Enter the ${label}`)
      .refine(isSupportedDate, { error: (issue) => dateMessage(label, issue.input) }),
  );
}

/** A yes/no answer from a checkbox ('yes' or absent), a CSV cell (yes/no/true/false/blank) or JSON (boolean). */
export const yesNo = z.preprocess(
  (value) => {
    if (typeof value === 'boolean') return value;
    if (value === undefined || value === null) return false;
    if (typeof value === 'string') {
      const v = value.trim().toLowerCase();
      if (['yes', 'y', 'true', '1', 'on'].includes(v)) return true;
      if (['no', 'n', 'false', '0', ''].includes(v)) return false;
    }
    return value;
  },
  z.boolean({ error: 'Answer yes or no' }),
);

/** Text that may be left blank: blank becomes undefined. */
export function optionalText(max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z.string().max(max, `Must be ${max} characters or fewer`).optional(),
  );
}

/** A record id in a URL: digits only (no `0x1`, no `1e3`), so one record has one address. */
export const recordId = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number);
export const idParam = z.object({ id: recordId });

/** A form field left blank (or not sent) is null; other text is trimmed. For z.preprocess. */
export function blankToNull(value: unknown): unknown {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return null;
  return typeof value === 'string' ? value.trim() : value;
}

/** A form or query field left blank (or not sent, or null) is undefined; other text is trimmed. For z.preprocess. */
export function blankToUndefined(value: unknown): unknown {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  return typeof value === 'string' ? value.trim() : value;
}

/**
 * The record a URL's id names: `find` is asked only when the id is a positive whole number, so
 * anything else is simply not found (the caller answers 404).
 */
export function byId<T>(id: unknown, find: (id: number) => T | undefined): T | undefined {
  const parsed = idParam.safeParse({ id });
  return parsed.success ? find(parsed.data.id) : undefined;
}

/**
 * A number as a form, a CSV cell, a query or JSON gives it, for z.preprocess: decimal digits only
 * (an optional sign and decimal point), so "0x10", "1e3", "Infinity" and true are not numbers
 * here, as they would be to Number(). A JSON number passes as it is; anything else is left for
 * z.number() to refuse with the field's message.
 */
export function decimalInput(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : value;
}
