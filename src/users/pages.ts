import type { Clock } from '../clock.js';
import { Router } from 'express';
import { z } from 'zod';
import { AREA_ROLES, ROLES, ROLE_LABELS } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { byId, idParam } from '../validation/fields.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors, parseForm } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { newUserSchema } from './schema.js';
import {
  actorOf,
  createApiToken,
  createUser,
  findUser,
  listApiTokens,
  listEmployers,
  listProviders,
  listUsers,
  revokeApiToken,
  setMarkerPermission,
} from './store.js';

const revokeSchema = z.object({ reason: z.string().trim().max(500).optional() });
const markerSchema = z.object({
  canMark: z.enum(['yes', 'no'], { error: 'Choose whether this user marks provider-marked components' }),
  reason: z.string().trim().max(500, 'The reason must be 500 characters or fewer').optional(),
});

export function userAdminRoutes(db: Db, { clock, hashCost }: { clock: Clock; hashCost: number }): Router {
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

  const listPage = (extra: object = {}) => ({
    title: 'Users and API tokens',
    users: listUsers(db).map((u) => ({
      ...u,
      roleLabel: ROLE_LABELS[u.role],
      tokenHref: paths.admin.userTokens(u.id),
      markerHref: u.role === 'provider' ? paths.admin.userMarker(u.id) : null,
    })),
    tokens: listApiTokens(db).map((t) => ({ ...t, revokeHref: paths.admin.revokeToken(t.id) })),
    ...extra,
  });

  /** After adding a user or revoking a token the browser comes back here (so a refresh repeats nothing) and is told what happened. */
  const outcomeQuery = z.object({
    added: idParam.shape.id.optional().catch(undefined),
    revoked: idParam.shape.id.optional().catch(undefined),
    marker: idParam.shape.id.optional().catch(undefined),
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

  router.post(routes.admin.userTokens, adminOnly, (req, res) => {
    const user = byId(req.params.id, (n) => findUser(db, n));
    if (!user) throw new HttpError(404, 'There is no such user');
    const { token } = createApiToken(db, user.id, actorOf(userOf(res)));
    res.render('users/token', { title: 'API token created', user, token, backLink: paths.admin.users });
  });

  router.post(routes.admin.userMarker, adminOnly, (req, res) => {
    const user = byId(req.params.id, (n) => findUser(db, n));
    if (!user) throw new HttpError(404, 'There is no such user');
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
