import type { Clock } from '../clock.js';
import { Router, type Request } from 'express';
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
  /** Failed sign-ins allowed per address (as TRUST_PROXY lets the app see it) in the window. */
  attemptsPerWindow: number;
  /** Failed sign-ins allowed per account in the window, from any address. */
  attemptsPerAccount: number;
  windowMinutes: number;
  clock: Clock;
  /** scrypt's cost for the stand-in hash compared when the email is unknown (as for real users). */
  hashCost: number;
}

export function authRoutes(db: Db, options: SignInOptions): Router {
  const router = Router();
  // A hash to compare against when the email is unknown, so both cases take as long.
  const dummyHash = hashPassword('not-a-real-password', options.hashCost);
  /** Failures only are counted, so colleagues behind one office address are not locked out by signing in. */
  const limit = (limit: number, message: string, key?: (req: Request) => string) =>
    rateLimit({
      windowMs: options.windowMinutes * 60 * 1000,
      limit,
      standardHeaders: 'draft-8',
      skipSuccessfulRequests: true,
      legacyHeaders: false,
      // Without TRUST_PROXY the header is ignored on purpose: no warning about it.
      validate: { xForwardedForHeader: false },
      ...(key ? { keyGenerator: key } : {}),
      handler: (req, res) => {
        const values = { email: textField(req.body, 'email') };
        res
          .status(429)
          .render('auth/sign-in', { title: 'Sign in', values, ...formErrors([{ path: 'email', message }]) });
      },
    });
  const wait = `Wait ${options.windowMinutes} minutes and try again.`;
  const perAddress = limit(options.attemptsPerWindow, `Too many sign-in attempts. ${wait}`);
  // Guessing one account's password from many addresses is limited as well.
  const perAccount = limit(
    options.attemptsPerAccount,
    `Too many sign-in attempts for this account. ${wait}`,
    (req) => `account:${textField(req.body, 'email').trim().toLowerCase()}`,
  );

  router.get(paths.signIn, (req, res) => {
    if (res.locals.currentUser) return res.redirect(paths.home);
    res.render('auth/sign-in', { title: 'Sign in', values: { returnTo: localPath.parse(req.query.returnTo) } });
  });

  router.post(paths.signIn, perAddress, perAccount, async (req, res) => {
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
    // Said only to someone who knows the password, so it tells nobody else the account exists.
    if (user.disabledAt)
      return res.status(403).render('auth/sign-in', {
        title: 'Sign in',
        values,
        ...formErrors([{ path: 'email', message: 'This account is disabled. Ask your administrator to enable it.' }]),
      });
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
