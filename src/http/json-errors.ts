import type { z } from 'zod';
import { problemsFromZod, type Problem } from '../validation/problems.js';
import { ProblemsError } from './errors.js';

/** Every API error has this one shape. */
export function apiErrors(problems: Problem[]): { errors: Problem[] } {
  return { errors: problems };
}

export { ProblemsError };

/** A request the API understood but will not accept: 422 with every problem and its place. */
export class UnprocessableError extends ProblemsError {
  constructor(problems: Problem[]) {
    super(422, problems);
  }
}

/** Validates an API body or query with its schema, or answers 422 with every problem and its path. */
export function parseOr422<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new UnprocessableError(problemsFromZod(parsed.error));
  return parsed.data;
}
