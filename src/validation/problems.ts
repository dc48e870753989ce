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
