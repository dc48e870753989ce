import type { RequestHandler } from 'express';
import { textProblems } from '../validation/text.js';
import { UnsavableTextError } from './errors.js';

/**
 * Refuses (400) a request whose query or parsed body holds text the platform does not store
 * (validation/text.ts): a control character, a lone surrogate, or a line break outside a
 * multi-line field. Every problem is named with its field. A CSV body is the importer's to judge,
 * cell by cell.
 */
export const refuseUnsavableText: RequestHandler = (req, _res, next) => {
  const problems = [
    ...textProblems(req.query),
    // A file's bytes (a CSV import) are not fields: the import checks each of its values itself.
    ...(req.body && typeof req.body === 'object' && !(req.body instanceof Uint8Array) ? textProblems(req.body) : []),
  ];
  if (problems.length > 0) throw new UnsavableTextError(400, problems);
  next();
};
