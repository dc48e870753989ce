import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { AREA_ROLES, ROLES, ROLE_LABELS } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { byId, idParam } from '../validation/fields.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors, parseForm, textField } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { TOKEN_DAYS_DEFAULT, accountActionSchema, newTokenSchema, newUserSchema } from './schema.js';
import { disableAccount, endAccountSessions, issuePasswordReset } from './service.js';
import { londonTime } from '../dates.js';
import { valueOrThrow } from '../http/results.js';
import type { Result } from '../validation/result.js';
import type { DateTime } from 'luxon';
import {
  actorOf,
  createApiToken,
  createUser,
  findAccount,
  findUser,
  listApiTokens,
  listEmployers,
  listProviders,
  listUsers,
  revokeApiToken,
  setMarkerPermission,
  setExternalReviewer,
  type Account,
  type CurrentUser,
} from './store.js';

const revokeSchema = z.object({ reason: z.string().trim().max(500).optional() });
const externalReviewerSchema = z.object({
  externalReviewer: z.enum(['yes', 'no'], { error: 'Choose whether this reviewer is external' }),
  reason: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().trim().max(500, 'The reason must be 500 characters or fewer').optional(),
  ),
});
const markerSchema = z.object({
  canMark: z.enum(['yes', 'no'], { error: 'Choose whether this user marks provider-marked components' }),
  reason: z.string().trim().max(500, 'The reason must be 500 characters or fewer').optional(),
});

export function userAdminRoutes(
  db: Db,
  { clock, hashCost, baseUrl }: { clock: Clock; hashCost: number; baseUrl: string },
): Router {
  const router = Router();
  const adminOnly = pageFor(...AREA_ROLES.administration);

  const formOptions = () => ({
    markerItems: [{ value: 'yes', text: 'This user marks provider-marked components' }],
    roles: ROLES.map((r) => ({ value: r, text: ROLE_LABELS[r] })),
    providers: [
      { value: '', text: 'Not a provider user' },
      ...listProviders(db).map((p) => ({ value: p.ukprn, text: `${p.name} (${p.ukprn})` })),
    ],
    employers: [
      { value: '', text: 'Not an employer user' },
      ...listEmployers(db).map((e) => ({ value: e.id, text: e.name })),
    ],
  });

  const now = () => clock.now();
  const tokenRow = (t: ReturnType<typeof listApiTokens>[number]) => ({
    ...t,
    status: tokenStatus(t, now()),
    expires: t.expiresAt ? londonTime(t.expiresAt) : 'Never',
    lastUsed: t.lastUsedAt ? londonTime(t.lastUsedAt) : 'Not used yet',
    created: londonTime(t.createdAt),
    revokeHref: t.revokedAt ? null : paths.admin.revokeToken(t.id),
  });
  const listPage = (extra: object = {}) => ({
    title: 'Users and API tokens',
    users: listUsers(db).map((u) => ({
      ...u,
      roleLabel: ROLE_LABELS[u.role],
      href: paths.admin.user(u.id),
      markerHref: u.role === 'provider' ? paths.admin.userMarker(u.id) : null,
    })),
    tokens: listApiTokens(db).map(tokenRow),
    ...extra,
  });

  /** One user's page, as `viewer` sees it: their account, sessions, tokens, and what an administrator can do with them. */
  const userPage = (account: Account, viewer: CurrentUser, extra: object = {}) => ({
    title: account.name,
    backLink: paths.admin.users,
    user: { ...account, roleLabel: ROLE_LABELS[account.role] },
    disabledAt: account.disabledAt ? londonTime(account.disabledAt) : null,
    self: account.id === viewer.id,
    tokens: listApiTokens(db, account.id).map(tokenRow),
    tokenDays: TOKEN_DAYS_DEFAULT,
    actions: {
      disable: paths.admin.disableUser(account.id),
      enable: paths.admin.enableUser(account.id),
      endSessions: paths.admin.endUserSessions(account.id),
      reset: paths.admin.userPasswordReset(account.id),
      token: paths.admin.userTokens(account.id),
      externalReviewer: (AREA_ROLES.appealReview as readonly string[]).includes(account.role)
        ? paths.admin.userExternalReviewer(account.id)
        : null,
    },
    values: {},
    ...extra,
  });

  const loadUser = (id: unknown) => {
    const user = byId(id, (n) => findAccount(db, n));
    if (!user) throw new HttpError(404, 'There is no such user');
    return user;
  };

  /** After adding a user or revoking a token the browser comes back here (so a refresh repeats nothing) and is told what happened. */
  const outcomeQuery = z.object({
    added: idParam.shape.id.optional().catch(undefined),
    revoked: idParam.shape.id.optional().catch(undefined),
    marker: idParam.shape.id.optional().catch(undefined),
    done: z.enum(['disabled', 'enabled', 'sessions', 'external', 'internal']).optional().catch(undefined),
  });
  router.get(paths.admin.users, adminOnly, (req, res) => {
    const { added, revoked, marker } = outcomeQuery.parse(req.query);
    const user = added ? findUser(db, added) : undefined;
    const markerUser = marker ? findUser(db, marker) : undefined;
    const flash = user
      ? `${user.name} (${user.email}) can now sign in as ${ROLE_LABELS[user.role]}.`
      : revoked
        ? `Token ${revoked} has been revoked. Systems using it can no longer call the API.`
        : markerUser
          ? `${markerUser.name} ${markerUser.canMark ? 'can now mark' : 'no longer marks'} provider-marked components of their provider’s apprentices.`
          : undefined;
    res.render('users/list', listPage({ flash }));
  });

  router.get(paths.admin.newUser, adminOnly, (_req, res) => {
    res.render('users/new', { title: 'Add a user', values: {}, ...formOptions(), backLink: paths.admin.users });
  });

  router.post(paths.admin.newUser, adminOnly, async (req, res) => {
    const values = { ...(req.body as Record<string, unknown>), password: '' };
    const form = parseForm(newUserSchema, req.body);
    if (!form.ok)
      return res.status(400).render('users/new', {
        title: 'Add a user',
        values,
        errors: form.errors,
        errorList: form.errorList,
        ...formOptions(),
        backLink: paths.admin.users,
      });
    const result = await createUser(db, form.value, actorOf(userOf(res)), hashCost);
    if (!result.ok)
      return res.status(400).render('users/new', {
        title: 'Add a user',
        values,
        ...formErrors(result.problems),
        ...formOptions(),
        backLink: paths.admin.users,
      });
    res.redirect(`${paths.admin.users}?added=${result.user.id}`);
  });

  router.get(routes.admin.user, adminOnly, (req, res) => {
    const user = loadUser(req.params.id);
    const { done } = outcomeQuery.parse(req.query);
    const flash =
      done === 'disabled'
        ? `${user.name}’s account is disabled: their sessions have ended and their API tokens no longer work.`
        : done === 'enabled'
          ? `${user.name} can sign in again.`
          : done === 'sessions'
            ? `All of ${user.name}’s sessions have ended: they must sign in again.`
            : done === 'external'
              ? `${user.name} is marked as an external reviewer: they can be the panel’s independent member on appeals.`
              : done === 'internal'
                ? `${user.name} is no longer marked as an external reviewer.`
                : undefined;
    res.render('users/user', userPage(user, userOf(res), { flash }));
  });

  /** An account action with a reason (disable, enable, end sessions): the form again with its error, or back to the user's page. */
  const accountAction = (
    route: string,
    formId: string,
    act: (userId: number, reason: string, res: Response) => Result<unknown>,
    done: string,
  ) =>
    router.post(route, adminOnly, (req, res) => {
      const user = loadUser(req.params.id);
      const form = parseForm(accountActionSchema, req.body, { reason: `${formId}-reason` });
      if (!form.ok)
        return res.status(400).render(
          'users/user',
          userPage(user, userOf(res), {
            values: { [formId]: textField(req.body, 'reason') },
            errors: { [formId]: form.errors.reason },
            errorList: form.errorList,
          }),
        );
      valueOrThrow(act(user.id, form.value.reason, res));
      res.redirect(303, `${paths.admin.user(user.id)}?done=${done}`);
    });
  accountAction(
    routes.admin.disableUser,
    'disable',
    (id, reason, res) => disableAccount(db, id, true, reason, actorOf(userOf(res)), now()),
    'disabled',
  );
  accountAction(
    routes.admin.enableUser,
    'enable',
    (id, reason, res) => disableAccount(db, id, false, reason, actorOf(userOf(res)), now()),
    'enabled',
  );
  accountAction(
    routes.admin.endUserSessions,
    'sessions',
    (id, reason, res) => endAccountSessions(db, id, reason, actorOf(userOf(res))),
    'sessions',
  );

  router.post(routes.admin.userPasswordReset, adminOnly, (req, res) => {
    const user = loadUser(req.params.id);
    const issued = valueOrThrow(issuePasswordReset(db, user.id, actorOf(userOf(res)), now(), baseUrl));
    res.render('users/reset-link', {
      title: 'Password reset link',
      user,
      link: issued.link,
      expires: londonTime(issued.expiresAt),
      backLink: paths.admin.user(user.id),
    });
  });

  router.post(routes.admin.userTokens, adminOnly, (req, res) => {
    const user = loadUser(req.params.id);
    const form = parseForm(newTokenSchema, req.body, { days: 'token-days' });
    if (!form.ok)
      return res.status(400).render(
        'users/user',
        userPage(user, userOf(res), {
          tokenDays: textField(req.body, 'days'),
          errors: { token: form.errors.days },
          errorList: form.errorList,
        }),
      );
    // The page offers no token for a disabled account; one would start working the moment it was enabled again.
    if (user.disabledAt) {
      const message = `${user.name}’s account is disabled: enable it before giving it an API token`;
      return res.status(409).render(
        'users/user',
        userPage(user, userOf(res), {
          tokenDays: textField(req.body, 'days'),
          errors: { token: message },
          errorList: [{ href: '#token-days', text: message }],
        }),
      );
    }
    const { token, expiresAt } = createApiToken(db, user.id, actorOf(userOf(res)), now(), form.value.days);
    res.render('users/token', {
      title: 'API token created',
      user,
      token,
      expires: londonTime(expiresAt),
      days: form.value.days,
      backLink: paths.admin.user(user.id),
    });
  });

  router.post(routes.admin.userMarker, adminOnly, (req, res) => {
    const user = loadUser(req.params.id);
    const form = markerSchema.safeParse(req.body);
    if (!form.success) throw new HttpError(400, form.error.issues[0]!.message);
    const result = setMarkerPermission(
      db,
      user.id,
      form.data.canMark === 'yes',
      form.data.reason || null,
      actorOf(userOf(res)),
    );
    if (!result.ok) throw new HttpError(409, result.message);
    res.redirect(303, `${paths.admin.users}?marker=${user.id}`);
  });

  // An appeal reviewer marked as external (not an employee): every appeal panel needs one.
  router.post(routes.admin.userExternalReviewer, adminOnly, (req, res) => {
    const user = loadUser(req.params.id);
    if (user.id === userOf(res).id) throw new HttpError(403, 'Another administrator marks you as an external reviewer');
    const form = parseForm(externalReviewerSchema, req.body, { reason: 'external-reason' });
    if (!form.ok)
      return res.status(400).render(
        'users/user',
        userPage(user, userOf(res), {
          values: { external: textField(req.body, 'reason') },
          errors: { external: Object.values(form.errors)[0] },
          errorList: form.errorList,
        }),
      );
    const result = setExternalReviewer(
      db,
      user.id,
      form.value.externalReviewer === 'yes',
      form.value.reason ?? null,
      actorOf(userOf(res)),
    );
    if (!result.ok) throw new HttpError(409, result.message);
    res.redirect(
      303,
      `${paths.admin.user(user.id)}?done=${form.value.externalReviewer === 'yes' ? 'external' : 'internal'}`,
    );
  });

  router.post(routes.admin.revokeToken, adminOnly, (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw new HttpError(404, 'There is no such token');
    const form = revokeSchema.safeParse(req.body);
    if (!form.success) throw new HttpError(400, 'The reason must be text of 500 characters or fewer');
    if (!revokeApiToken(db, params.data.id, actorOf(userOf(res)), form.data.reason || null, clock.now()))
      throw new HttpError(404, 'There is no such live token');
    res.redirect(`${paths.admin.users}?revoked=${params.data.id}`);
  });

  return router;
}

/** A token's state in words: live until its expiry, expired, or revoked. */
function tokenStatus(t: { revokedAt: string | null; expiresAt: string | null }, now: DateTime): string {
  if (t.revokedAt) return `Revoked ${londonTime(t.revokedAt)}`;
  if (t.expiresAt && t.expiresAt <= now.toUTC().toISO()!) return `Expired ${londonTime(t.expiresAt)}`;
  return 'Live';
}
