import type { z } from 'zod';
import type { Problem } from '../validation/problems.js';
import { formatPath } from '../validation/problems.js';

/** A text field of a submitted form, or '' when it is missing or not text. */
export function textField(body: unknown, key: string): string {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : '';
}

/** What a page needs to show a failed form: the error summary and a message by each field. */
export interface FormErrors {
  errorList: { href: string; text: string }[];
  errors: Record<string, string>;
}

/**
 * Turns problems into the GOV.UK error summary. `fieldIds` maps a field to the id of the
 * element the summary link should focus (e.g. a date input's `-day` box); by default the
 * field's own name.
 */
export function formErrors(problems: Problem[], fieldIds: Record<string, string> = {}): FormErrors {
  const errors: Record<string, string> = {};
  const errorList: FormErrors['errorList'] = [];
  for (const problem of problems) {
    // A nested field's key joins its path with hyphens (checks.english.reason → checks-english-reason), like its element id.
    const field = problem.path.replace(/\[(\d+)\]/g, '.$1').split('.').join('-') || 'form';
    if (errors[field]) continue;
    errors[field] = problem.message;
    errorList.push({ href: `#${fieldIds[field] ?? field}`, text: problem.message });
  }
  return { errors, errorList };
}

export type FormResult<T> = { ok: true; value: T } | ({ ok: false } & FormErrors);

/** The fields of an object schema in the order they are declared (which is the form's order). */
function fieldOrder(schema: z.ZodType): string[] {
  const shape = (schema as { shape?: unknown }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
}

/**
 * Validates a submitted form with its zod schema, the single source of its shape. Errors
 * are listed in the order of the fields, whichever check found them.
 */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown, fieldIds?: Record<string, string>): FormResult<z.infer<S>> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const order = fieldOrder(schema);
  const position = (path: readonly PropertyKey[]) => {
    const index = order.indexOf(String(path[0]));
    return index === -1 ? order.length : index;
  };
  const issues = [...parsed.error.issues].sort((a, b) => position(a.path) - position(b.path));
  const problems = issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  return { ok: false, ...formErrors(problems, fieldIds) };
}
