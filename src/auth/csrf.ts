import type { RequestHandler } from 'express';
import { hmac, newSecret, safeEqual } from './tokens.js';
import { HttpError } from '../http/errors.js';
import { cookieOptions, sessionCookie } from './session.js';

const ANONYMOUS_COOKIE = 'epa_visitor';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF protection for every form. The token is an HMAC of the session cookie (or, before
 * sign-in, of a random visitor cookie), so it is tied to this browser and needs no storage;
 * a cross-site page can neither read it nor forge it. Requests that change anything must
 * send it back as `_csrf`. The JSON API uses bearer tokens, not cookies, and is not covered.
 */
export function csrfProtection(secret: string, secure: boolean): RequestHandler {
  return (req, res, next) => {
    const visitor = (req.cookies as Record<string, unknown> | undefined)?.[ANONYMOUS_COOKIE];
    // The session cookie binds the token only while it names a live session (a stale one was just cleared).
    let key =
      (res.locals.currentUser ? sessionCookie(req) : undefined) ??
      (typeof visitor === 'string' && visitor !== '' ? visitor : undefined);
    if (!key) {
      key = newSecret();
      res.cookie(ANONYMOUS_COOKIE, key, cookieOptions(secure));
    }
    const expected = hmac(secret, key);
    res.locals.csrfToken = expected;
    if (!UNSAFE.has(req.method)) return next();
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof sent !== 'string' || !safeEqual(sent, expected)) {
      throw new HttpError(
        403,
        'This form has expired or did not come from this service. Go back, refresh the page and try again.',
      );
    }
    next();
  };
}
