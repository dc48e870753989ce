import type { Problem } from './problems.js';

/**
 * What a use case (a feature's service.ts) answers when it may be refused: the value, or why not.
 * The kind says which sort of refusal it is, so each face can answer in its own terms
 * (src/http/results.ts): a form shows the problems in its error summary, the API sends them with a
 * status. Services throw no HTTP errors.
 */
export type RefusalKind = 'invalid' | 'not_found' | 'forbidden' | 'conflict';

export interface Refused {
  ok: false;
  kind: RefusalKind;
  problems: Problem[];
}

export type Result<T> = { ok: true; value: T } | Refused;

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** A refusal with one message (path '' when it concerns the whole request) or a list of problems. */
export function refuse(kind: RefusalKind, problems: string | Problem[]): Refused {
  return { ok: false, kind, problems: typeof problems === 'string' ? [{ path: '', message: problems }] : problems };
}
