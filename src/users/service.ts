import type { DateTime } from 'luxon';
import type { Actor } from '../audit/audit.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { Db } from '../db/connection.js';
import { paths } from '../paths.js';
import { ok, refuse, type Result } from '../validation/result.js';
import {
  changeOwnPassword,
  createPasswordReset,
  endSessions,
  findUser,
  passwordHashOf,
  resetPassword,
  setAccountDisabled,
  type CurrentUser,
} from './store.js';

/**
 * Account management, the use cases behind the pages: an administrator disables and
 * enables accounts, ends their sessions and issues one-time reset links; everyone changes their
 * own password. Each change is audited in the store, in the transaction that makes it.
 */

/** Disables an account (its sessions end, its tokens stop) or enables it again; audited with the reason. */
export const disableAccount = setAccountDisabled;

export function endAccountSessions(db: Db, userId: number, reason: string, actor: Actor): Result<{ ended: number }> {
  if (!findUser(db, userId)) return refuse('not_found', 'There is no such user');
  return ok({ ended: db.transaction((tx) => endSessions(tx, userId, actor, reason)) });
}

/** A one-time link to choose a new password, valid for an hour, built on the configured BASE_URL (never a request's Host). */
export function issuePasswordReset(
  db: Db,
  userId: number,
  actor: Actor,
  now: DateTime,
  baseUrl: string,
): Result<{ link: string; expiresAt: string }> {
  const made = createPasswordReset(db, userId, actor, now);
  if (!made.ok) return made;
  return ok({ link: `${baseUrl}${paths.resetPassword(made.value.token)}`, expiresAt: made.value.expiresAt });
}

/** Changes the signed-in user's password once their current one is checked; their other sessions end. */
export async function changePassword(
  db: Db,
  user: CurrentUser,
  input: { currentPassword: string; newPassword: string },
  currentSession: string,
  hashCost: number,
  now: DateTime,
): Promise<Result<undefined>> {
  const stored = passwordHashOf(db, user.id);
  if (!stored || !(await verifyPassword(input.currentPassword, stored)))
    return refuse('invalid', [{ path: 'currentPassword', message: 'Your current password is not right' }]);
  changeOwnPassword(db, user, await hashPassword(input.newPassword, hashCost), currentSession, now);
  return ok(undefined);
}

/** Sets a new password through a reset link, once; every session of the user ends. */
export async function chooseNewPassword(
  db: Db,
  token: string,
  newPassword: string,
  hashCost: number,
  now: DateTime,
): Promise<Result<CurrentUser>> {
  const passwordHash = await hashPassword(newPassword, hashCost);
  const user = resetPassword(db, token, passwordHash, now);
  return user ? ok(user) : refuse('not_found', RESET_LINK_GONE);
}

export const RESET_LINK_GONE =
  'This link has expired, has been used, or was replaced by a newer one. Ask your administrator for a new link.';
