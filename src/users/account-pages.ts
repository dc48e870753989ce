import { Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { requireSignIn, userOf } from '../auth/authorize.js';
import { sessionCookie } from '../auth/session.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/forms.js';
import { renderRefusal } from '../http/results.js';
import { paths, routes } from '../paths.js';
import { MIN_PASSWORD_LENGTH } from '../auth/password-rules.js';
import { changePasswordSchema, resetPasswordSchema } from './schema.js';
import { RESET_LINK_GONE, changePassword, chooseNewPassword } from './service.js';
import { findPasswordReset } from './store.js';

const HINT = `At least ${MIN_PASSWORD_LENGTH} characters. Not a commonly used password; a few unrelated words make a strong one.`;

/** Everyone's own account: changing their password, and choosing one from a reset link an administrator made. */
export function accountRoutes(db: Db, { clock, hashCost }: { clock: Clock; hashCost: number }): Router {
  const router = Router();

  router.get(paths.changePassword, requireSignIn, (_req, res) => {
    res.render('users/change-password', { title: 'Change your password', hint: HINT, backLink: paths.home });
  });

  router.post(paths.changePassword, requireSignIn, async (req, res) => {
    const again = (errors: object) =>
      res.render('users/change-password', {
        title: 'Change your password',
        hint: HINT,
        backLink: paths.home,
        ...errors,
      });
    const form = parseForm(changePasswordSchema, req.body);
    if (!form.ok) {
      res.status(400);
      return again(form);
    }
    const changed = await changePassword(db, userOf(res), form.value, sessionCookie(req)!, hashCost, clock.now());
    if (!changed.ok) return renderRefusal(res, changed, again);
    res.render('users/password-changed', { title: 'Password changed' });
  });

  /** A reset link's page: the form while the link works, a message saying what to do once it does not. */
  const linkGone = () => new HttpError(404, RESET_LINK_GONE);

  router.get(routes.resetPassword, (req, res) => {
    const user = findPasswordReset(db, String(req.params.token), clock.now());
    if (!user) throw linkGone();
    res.render('users/reset-password', { title: 'Choose a new password', email: user.email, hint: HINT });
  });

  router.post(routes.resetPassword, async (req, res) => {
    const token = String(req.params.token);
    const user = findPasswordReset(db, token, clock.now());
    if (!user) throw linkGone();
    const form = parseForm(resetPasswordSchema, req.body);
    if (!form.ok)
      return res.status(400).render('users/reset-password', {
        title: 'Choose a new password',
        email: user.email,
        hint: HINT,
        ...form,
      });
    const done = await chooseNewPassword(db, token, form.value.newPassword, hashCost, clock.now());
    if (!done.ok) throw linkGone();
    res.render('users/password-changed', { title: 'Password changed', signIn: true });
  });

  return router;
}
