import type { Problem } from '../validation/problems.js';
import { problemsFromZod } from '../validation/problems.js';
import { textProblems } from '../validation/text.js';
import { planFileSchema, type PlanFile } from './schema.js';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** Reads JSON text, reporting a syntax error, or text the platform does not store, as problems rather than throwing. */
export function parseJsonText(text: string): ParseResult<unknown> {
  try {
    const value = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    // The same text rules as an API body (validation/text.ts): an uploaded file takes nothing the API refuses.
    const problems = textProblems(value);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, problems: [{ path: '(file)', message: `The file is not valid JSON: ${detail}` }] };
  }
}

/** Checks the shape of a plan document (types, required fields, formats). */
export function parsePlanShape(value: unknown): ParseResult<PlanFile> {
  const parsed = planFileSchema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problems: problemsFromZod(parsed.error) };
}
