import type { RequestHandler, Response } from 'express';
import { sitsOnPanelsOnly, PANELS_ONLY, type Role } from './roles.js';
import { paths } from '../paths.js';
import type { CurrentUser } from '../users/store.js';
import { HttpError } from '../http/errors.js';

/** Pages: a visitor who is not signed in is sent to sign in, then brought back. */
export const requireSignIn: RequestHandler = (req, res, next) => {
  if (res.locals.currentUser) return next();
  if (req.method === 'GET') return res.redirect(`${paths.signIn}?returnTo=${encodeURIComponent(req.originalUrl)}`);
  throw new HttpError(401, 'Sign in to continue');
};

/** Allows only the given roles. Used by pages and the API alike (after their own authentication). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const user = res.locals.currentUser;
    if (!user) throw new HttpError(401, 'Sign in to continue');
    if (!roles.includes(user.role)) throw new HttpError(403, 'You do not have permission to do this');
    next();
  };
}

/** pageFor, and not for an external quality assurer (sitsOnPanelsOnly). */
export function internalPageFor(...roles: Role[]): RequestHandler {
  const page = pageFor(...roles);
  return (req, res, next) =>
    page(req, res, (error?: unknown) => {
      if (error !== undefined) return next(error);
      if (sitsOnPanelsOnly(res.locals.currentUser)) throw new HttpError(403, PANELS_ONLY);
      next();
    });
}

/** The signed-in user of a request that has passed requireSignIn or the API's authentication. */
export function userOf(res: Response): CurrentUser {
  const user = res.locals.currentUser;
  if (!user) throw new HttpError(401, 'Sign in to continue');
  return user;
}

/** A page only these roles may use: sign-in first (redirecting visitors), then the role check. */
export function pageFor(...roles: Role[]): RequestHandler {
  const roleCheck = requireRole(...roles);
  return (req, res, next) => (res.locals.currentUser ? roleCheck(req, res, next) : requireSignIn(req, res, next));
}
