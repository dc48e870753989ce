import type { RequestHandler } from 'express';
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
    const field =
      problem.path
        .replace(/\[(\d+)\]/g, '.$1')
        .split('.')
        .join('-') || 'form';
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
export function parseForm<S extends z.ZodType>(
  schema: S,
  body: unknown,
  fieldIds?: Record<string, string>,
): FormResult<z.infer<S>> {
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

/** Names of Object.prototype's members: toString, valueOf, constructor, hasOwnProperty… */
const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

function dropKeys(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null || depth > 64) return;
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) delete (value as Record<string, unknown>)[key];
    else dropKeys((value as Record<string, unknown>)[key], depth + 1);
  }
}

/**
 * The form parser (body-parser, with qs's allowPrototypes) reads `name[toString]=x` as an object
 * whose own toString is a string: showing such a value again in a page (a form re-rendered with
 * its errors) throws "Cannot convert object to primitive value", and coercing it to a number
 * does too. No form has fields with these names, so they are dropped, as qs does by default.
 */
export const dropPrototypeKeys: RequestHandler = (req, _res, next) => {
  dropKeys(req.body, 0);
  next();
};

/** The same for query strings (GET forms such as the booking search and the report filters): wraps the app's query parser. */
export function withoutPrototypeKeys<T>(parse: (query: string) => T): (query: string) => T {
  return (query) => {
    const parsed = parse(query);
    dropKeys(parsed, 0);
    return parsed;
  };
}
