import type { Clock } from '../clock.js';
import { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import type { Db } from '../db/connection.js';
import { formErrors, parseForm, textField } from '../http/forms.js';
import { endSession, sessionCookie, startSession } from './session.js';
import { paths } from '../paths.js';
import { actorOf, findUserForSignIn } from '../users/store.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** Only a path on this site, never another host (`//evil.example` is another host). */
const localPath = z
  .string()
  .regex(/^\/(?![/\\])[^\s]*$/)
  .catch(paths.home);

const signInSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address'),
  password: z.string().min(1, 'Enter your password'),
  returnTo: localPath.default(paths.home),
});

const WRONG_CREDENTIALS = 'Enter a correct email address and password';

export interface SignInOptions {
  secureCookies: boolean;
  /** Sign-in attempts allowed per address in the window. */
  attemptsPerWindow: number;
  windowMinutes: number;
  clock: Clock;
  /** scrypt's cost for the stand-in hash compared when the email is unknown (as for real users). */
  hashCost: number;
}

export function authRoutes(db: Db, options: SignInOptions): Router {
  const router = Router();
  // A hash to compare against when the email is unknown, so both cases take as long.
  const dummyHash = hashPassword('not-a-real-password', options.hashCost);
  const limiter = rateLimit({
    windowMs: options.windowMinutes * 60 * 1000,
    limit: options.attemptsPerWindow,
    standardHeaders: 'draft-8',
    // Count failures only, so colleagues behind one office address are not locked out by signing in.
    skipSuccessfulRequests: true,
    legacyHeaders: false,
    handler: (req, res) => {
      const values = { email: textField(req.body, 'email') };
      res.status(429).render('auth/sign-in', {
        title: 'Sign in',
        values,
        ...formErrors([
          { path: 'email', message: `Too many sign-in attempts. Wait ${options.windowMinutes} minutes and try again.` },
        ]),
      });
    },
  });

  router.get(paths.signIn, (req, res) => {
    if (res.locals.currentUser) return res.redirect(paths.home);
    res.render('auth/sign-in', { title: 'Sign in', values: { returnTo: localPath.parse(req.query.returnTo) } });
  });

  router.post(paths.signIn, limiter, async (req, res) => {
    const form = parseForm(signInSchema, req.body);
    const values = { email: textField(req.body, 'email'), returnTo: localPath.parse(textField(req.body, 'returnTo')) };
    if (!form.ok)
      return res
        .status(400)
        .render('auth/sign-in', { title: 'Sign in', values, errors: form.errors, errorList: form.errorList });
    const user = findUserForSignIn(db, form.value.email);
    const valid = await verifyPassword(form.value.password, user?.passwordHash ?? (await dummyHash));
    if (!user || !valid) {
      return res.status(401).render('auth/sign-in', {
        title: 'Sign in',
        values,
        ...formErrors([{ path: 'email', message: WRONG_CREDENTIALS }]),
      });
    }
    db.transaction((tx) => {
      startSession(tx, res, user.id, options.secureCookies, sessionCookie(req), options.clock);
      recordAudit(tx, actorOf(user), { action: 'user.signed_in', entityType: 'user', entityId: user.id });
    });
    res.redirect(form.value.returnTo);
  });

  router.post(paths.signOut, (req, res) => {
    endSession(db, req, res);
    res.redirect(paths.signIn);
  });

  return router;
}
