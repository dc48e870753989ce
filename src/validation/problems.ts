import type { z } from 'zod';

/** One thing wrong with an input, at a place a person can find: `methods[1].ksbs[3]`. */
export interface Problem {
  path: string;
  message: string;
}

/** Renders a zod path (['methods', 1, 'ksbs', 3]) the way people read it: methods[1].ksbs[3]. */
export function formatPath(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    const name = String(part);
    return out ? `${out}.${name}` : name;
  }, '');
}

export function problemsFromZod(error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * Problems in the order of a form's fields (`fields`, top to bottom), as the GOV.UK error summary
 * lists them; problems of fields not named keep their order, after the rest.
 */
export function inFieldOrder(problems: readonly Problem[], fields: readonly string[]): Problem[] {
  const position = (p: Problem) => {
    const index = fields.indexOf(p.path.split(/[.[]/)[0]!);
    return index === -1 ? fields.length : index;
  };
  return [...problems].sort((a, b) => position(a) - position(b));
}
