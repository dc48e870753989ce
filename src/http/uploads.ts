import type { RequestHandler } from 'express';
import multer from 'multer';
import type { Role } from '../auth/roles.js';
import { HttpError } from './errors.js';

/**
 * Parses a multipart form with one file, for the upload pages only, and only for a signed-in
 * user of a role that may upload there: others are refused before a byte is read into memory. The
 * CSRF check that follows reads the `_csrf` field of the parsed form as for any other form.
 */
export function acceptUpload(field: string, maxBytes: number, roles: readonly Role[]): RequestHandler {
  const parse = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 4096 } }).single(field);
  return (req, res, next) => {
    const user = res.locals.currentUser;
    if (!user) throw new HttpError(401, 'Sign in to continue');
    if (!roles.includes(user.role)) throw new HttpError(403, 'You do not have permission to do this');
    if (!req.is('multipart/form-data')) return next();
    parse(req, res, next);
  };
}
