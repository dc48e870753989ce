import type { Response } from 'express';
import type { RefusalKind, Refused, Result } from '../validation/result.js';
import { formErrors, type FormErrors } from './forms.js';
import { apiErrors, ProblemsError } from './json-errors.js';

/** The status each kind of refusal is answered with, by pages and the API alike. */
export const REFUSAL_STATUS: Record<RefusalKind, number> = {
  invalid: 422,
  not_found: 404,
  forbidden: 403,
  conflict: 409,
};

/**
 * The API's face of a Result: the value as JSON (with `status`, 200 unless told), or the refusal's
 * status with `{ errors: [{ path, message }] }`.
 */
export function sendResult<T>(res: Response, result: Result<T>, body: (value: T) => unknown, status = 200): void {
  if (result.ok) {
    res.status(status).json(body(result.value));
    return;
  }
  res.status(REFUSAL_STATUS[result.kind]).json(apiErrors(result.problems));
}

/**
 * The pages' face of a refusal: input a person can correct comes back as the form with its error
 * summary (400, through `render`; `fieldIds` points a field's message at another element, such as
 * a date's day box); anything else is a message page with the refusal's status.
 */
export function renderRefusal(
  res: Response,
  refused: Refused,
  render: (errors: FormErrors) => void,
  fieldIds: Record<string, string> = {},
): void {
  if (refused.kind !== 'invalid') throw refusalError(refused);
  res.status(400);
  render(formErrors(refused.problems, fieldIds));
}

/** A refusal as an HTTP error: pages show its messages, the API its problems, with the refusal's status. */
export function refusalError(refused: Refused): ProblemsError {
  return new ProblemsError(REFUSAL_STATUS[refused.kind], refused.problems);
}

/** The value of a Result, or the refusal thrown for the API's error handler to answer. */
export function valueOrThrow<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw refusalError(result);
}
