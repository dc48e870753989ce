import type { CookieOptions, RequestHandler, Response } from 'express';
import { ROLE_LABELS } from './roles.js';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/connection.js';
import { paths } from '../paths.js';
import { SESSION_HOURS, createSession, deleteSession, findSessionUser } from '../users/store.js';
import { navigationFor } from './navigation.js';

export const SESSION_COOKIE = 'epa_session';

export function cookieOptions(secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/' };
}

function sessionCookie(req: { cookies?: Record<string, unknown> }): string | undefined {
  const value = req.cookies?.[SESSION_COOKIE];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Loads the signed-in user (sessions live in the database) and what the layout shows for them. */
export function loadSession(db: Db, clock: Clock): RequestHandler {
  return (req, res, next) => {
    const secret = sessionCookie(req);
    const user = secret ? findSessionUser(db, secret, clock.now()) : undefined;
    if (user) res.locals.currentUser = user;
    else if (secret) res.clearCookie(SESSION_COOKIE, { path: '/' });
    Object.assign(res.locals, {
      layoutUser: user ? { name: user.name, roleLabel: ROLE_LABELS[user.role] } : undefined,
      nav: navigationFor(user, req.path),
      paths,
    });
    next();
  };
}

export function startSession(
  db: Queryable,
  res: Response,
  userId: number,
  secure: boolean,
  previous: string | undefined,
  clock: Clock,
): void {
  if (previous) deleteSession(db, previous);
  const secret = createSession(db, userId, clock.now());
  res.cookie(SESSION_COOKIE, secret, { ...cookieOptions(secure), maxAge: SESSION_HOURS * 3600 * 1000 });
}

export function endSession(db: Db, req: { cookies?: Record<string, unknown> }, res: Response): void {
  const secret = sessionCookie(req);
  if (secret) deleteSession(db, secret);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
}

export { sessionCookie };
