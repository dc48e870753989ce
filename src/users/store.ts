import { and, asc, eq, gt, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import { hashPassword } from '../auth/passwords.js';
import { AREA_ROLES, type Role } from '../auth/roles.js';
import { hashSecret, newSecret } from '../auth/tokens.js';
import type { Db, Queryable } from '../db/connection.js';
import { preparedOnce } from '../db/prepared.js';
import { isoInstant } from '../dates.js';
import { apiTokens, employers, passwordResets, providers, sessions, users } from '../db/schema.js';
import type { Problem } from '../validation/problems.js';
import { ok, refuse, type Result } from '../validation/result.js';
import type { NewUser } from './schema.js';

/** The person behind a request: what every permission check reads. */
export interface CurrentUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  providerUkprn: string | null;
  employerId: string | null;
  /** A provider user who may mark provider-marked components of their own provider's apprentices. */
  canMark: boolean;
  /**
   * Marked as not an employee of the assessment organisation: the independent member of appeal
   * panels (Ofqual Condition I1.3). A quality assurer so marked sits on panels and does nothing else
   * (sitsOnPanelsOnly in auth/authorize.ts).
   */
  externalReviewer: boolean;
}

const currentUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  providerUkprn: users.providerUkprn,
  employerId: users.employerId,
  canMark: users.canMark,
  externalReviewer: users.externalReviewer,
};

export const SESSION_HOURS = 12;

export function actorOf(user: CurrentUser): Actor {
  return { userId: user.id, label: user.email };
}

/**
 * Checks what only the database knows (unique email, a scope that exists) and creates the
 * user, audited. The password is hashed first, so the checks and the insert run in one
 * synchronous transaction: two identical requests cannot both pass the checks.
 */
export async function createUser(
  db: Db,
  input: Omit<NewUser, 'canMark'> & { canMark?: boolean; externalReviewer?: boolean },
  actor: Actor,
  hashCost: number,
): Promise<{ ok: true; user: CurrentUser } | { ok: false; problems: Problem[] }> {
  const passwordHash = await hashPassword(input.password, hashCost);
  return db.transaction((tx) => {
    const problems: Problem[] = [];
    if (tx.select({ id: users.id }).from(users).where(eq(users.email, input.email)).get()) {
      problems.push({ path: 'email', message: 'A user with this email address already exists' });
    }
    if (input.ukprn && !tx.select().from(providers).where(eq(providers.ukprn, input.ukprn)).get()) {
      problems.push({ path: 'ukprn', message: `No provider with UKPRN ${input.ukprn} is registered` });
    }
    if (input.employerId && !tx.select().from(employers).where(eq(employers.id, input.employerId)).get()) {
      problems.push({ path: 'employerId', message: `No employer with id ${input.employerId} is registered` });
    }
    if (problems.length > 0) return { ok: false as const, problems };
    const user = tx
      .insert(users)
      .values({
        email: input.email,
        name: input.name,
        role: input.role,
        providerUkprn: input.ukprn ?? null,
        employerId: input.employerId ?? null,
        canMark: input.role === 'provider' && input.canMark === true,
        externalReviewer: REVIEWER_ROLES.includes(input.role) && input.externalReviewer === true,
        passwordHash,
      })
      .returning(currentUserColumns)
      .get();
    recordAudit(tx, actor, { action: 'user.created', entityType: 'user', entityId: user.id, after: { ...user } });
    return { ok: true as const, user };
  });
}

/**
 * Gives a provider user the marker permission, or takes it away, audited with the reason: a
 * marker marks the provider-marked components of their own provider's apprentices (reformed
 * plans). Only provider users can hold it.
 */
export function setMarkerPermission(
  db: Db,
  userId: number,
  canMark: boolean,
  reason: string | null,
  actor: Actor,
): { ok: true; user: CurrentUser } | { ok: false; message: string } {
  return db.transaction((tx) => {
    const before = tx.select(currentUserColumns).from(users).where(eq(users.id, userId)).get();
    if (!before) return { ok: false as const, message: 'There is no such user' };
    if (before.role !== 'provider')
      return { ok: false as const, message: 'Only a training provider’s users can mark provider-marked components' };
    const user = tx.update(users).set({ canMark }).where(eq(users.id, userId)).returning(currentUserColumns).get();
    recordAudit(tx, actor, {
      action: canMark ? 'user.marker_permission_given' : 'user.marker_permission_removed',
      entityType: 'user',
      entityId: userId,
      before: { canMark: before.canMark },
      after: { canMark },
      reason,
    });
    return { ok: true as const, user };
  });
}

/** The roles whose users decide appeals, so may be marked as external reviewers. */
const REVIEWER_ROLES: readonly Role[] = AREA_ROLES.appealReview;

/**
 * Marks an appeal reviewer (an administrator or quality assurer) as external, not an employee of
 * the assessment organisation, or not, audited with the reason: every appeal panel needs one
 * (Ofqual General Condition I1.2; src/appeals/rules.ts).
 */
export function setExternalReviewer(
  db: Db,
  userId: number,
  external: boolean,
  reason: string | null,
  actor: Actor,
): { ok: true } | { ok: false; message: string } {
  return db.transaction((tx) => {
    const before = tx.select(accountColumns).from(users).where(eq(users.id, userId)).get();
    if (!before) return { ok: false as const, message: 'There is no such user' };
    if (!REVIEWER_ROLES.includes(before.role))
      return { ok: false as const, message: 'Only administrators and quality assurers sit on appeal panels' };
    // Sent twice (a double submit): nothing changes, and nothing is audited.
    if (before.externalReviewer === external) return { ok: true as const };
    tx.update(users).set({ externalReviewer: external }).where(eq(users.id, userId)).run();
    recordAudit(tx, actor, {
      action: external ? 'user.external_reviewer_marked' : 'user.external_reviewer_unmarked',
      entityType: 'user',
      entityId: userId,
      before: { externalReviewer: before.externalReviewer },
      after: { externalReviewer: external },
      reason,
    });
    return { ok: true as const };
  });
}

export function findUserForSignIn(
  db: Db,
  email: string,
): (CurrentUser & { passwordHash: string; disabledAt: string | null }) | undefined {
  return db
    .select({ ...currentUserColumns, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()))
    .get();
}

export function findUser(db: Db, id: number): CurrentUser | undefined {
  return db.select(currentUserColumns).from(users).where(eq(users.id, id)).get();
}

/** A user as their administrators see them: who, since when, and whether the account is disabled. */
export type Account = CurrentUser & { createdAt: string; disabledAt: string | null };
const accountColumns = {
  ...currentUserColumns,
  createdAt: users.createdAt,
  disabledAt: users.disabledAt,
};

export function listUsers(db: Db): Account[] {
  return db.select(accountColumns).from(users).orderBy(asc(users.role), asc(users.email)).all();
}

export function findAccount(db: Db, id: number): Account | undefined {
  return db.select(accountColumns).from(users).where(eq(users.id, id)).get();
}

export function listProviders(db: Db): { ukprn: string; name: string }[] {
  return db.select().from(providers).orderBy(asc(providers.name)).all();
}

export function listEmployers(db: Db): { id: string; name: string }[] {
  return db.select().from(employers).orderBy(asc(employers.name)).all();
}

/* ---------- Sessions ---------- */

/** Starts a new session (a fresh id at every sign-in, so an old cookie cannot be fixed on a user). */
export function createSession(db: Queryable, userId: number, now: DateTime): string {
  const secret = newSecret();
  db.delete(sessions).where(lte(sessions.expiresAt, now.toUTC().toISO()!)).run();
  db.insert(sessions)
    .values({ idHash: hashSecret(secret), userId, expiresAt: now.toUTC().plus({ hours: SESSION_HOURS }).toISO()! })
    .run();
  return secret;
}

/** Every request asks for its session: the query is built and prepared once per database, not per request. */
const sessionQuery = preparedOnce((db) =>
  db
    .select(currentUserColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.idHash, sql.placeholder('idHash')),
        gt(sessions.expiresAt, sql.placeholder('now')),
        isNull(users.disabledAt),
      ),
    )
    .prepare(),
);

export function findSessionUser(db: Db, secret: string, now: DateTime): CurrentUser | undefined {
  return sessionQuery(db).get({ idHash: hashSecret(secret), now: now.toUTC().toISO() });
}

export function deleteSession(db: Queryable, secret: string): void {
  db.delete(sessions)
    .where(eq(sessions.idHash, hashSecret(secret)))
    .run();
}

/* ---------- API tokens ---------- */

export const API_TOKEN_PREFIX = 'epa_';

/** Issues an API token for a user, working for `days` days. Only its hash is kept: the token is shown once. */
export function createApiToken(
  db: Db,
  userId: number,
  actor: Actor,
  now: DateTime,
  days: number,
): { id: number; token: string; expiresAt: string } {
  const token = newSecret(API_TOKEN_PREFIX);
  const expiresAt = now.toUTC().plus({ days }).toISO()!;
  const id = db.transaction((tx) => {
    const row = tx
      .insert(apiTokens)
      .values({ userId, tokenHash: hashSecret(token), expiresAt })
      .returning({ id: apiTokens.id })
      .get();
    recordAudit(tx, actor, {
      action: 'api_token.created',
      entityType: 'api_token',
      entityId: row.id,
      after: { userId, expiresAt },
    });
    return row.id;
  });
  return { id, token, expiresAt };
}

/** How stale a token's last-used time may get before a call writes it again: reads stay reads. */
const LAST_USED_GRAIN_MINUTES = 1;

/** The user a live token (not revoked, not expired, its account not disabled) stands for; records its use. */
export function findTokenUser(db: Db, token: string, now: DateTime): CurrentUser | undefined {
  const at = now.toUTC().toISO()!;
  const found = db
    .select({ ...currentUserColumns, tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, hashSecret(token)),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, at)),
        isNull(users.disabledAt),
      ),
    )
    .get();
  if (!found) return undefined;
  const { tokenId, lastUsedAt, ...user } = found;
  const stale = now.toUTC().minus({ minutes: LAST_USED_GRAIN_MINUTES }).toISO()!;
  if (!lastUsedAt || lastUsedAt < stale)
    db.update(apiTokens)
      .set({ lastUsedAt: at })
      .where(and(eq(apiTokens.id, tokenId), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, stale))))
      .run();
  return user;
}

/** Every API token, or one user's (`userId`), oldest first. */
export function listApiTokens(
  db: Db,
  userId?: number,
): {
  id: number;
  userId: number;
  userEmail: string;
  createdAt: string;
  revokedAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
}[] {
  return db
    .select({
      id: apiTokens.id,
      userId: apiTokens.userId,
      userEmail: users.email,
      createdAt: apiTokens.createdAt,
      revokedAt: apiTokens.revokedAt,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(userId === undefined ? undefined : eq(apiTokens.userId, userId))
    .orderBy(asc(apiTokens.id))
    .all();
}

/** Revokes a token; returns false when there is no such live token. */
export function revokeApiToken(db: Db, id: number, actor: Actor, reason: string | null, now: DateTime): boolean {
  return db.transaction((tx) => {
    const row = tx
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .get();
    if (!row) return false;
    const revokedAt = now.toUTC().toISO();
    tx.update(apiTokens).set({ revokedAt }).where(eq(apiTokens.id, id)).run();
    recordAudit(tx, actor, {
      action: 'api_token.revoked',
      entityType: 'api_token',
      entityId: id,
      before: { revokedAt: null },
      after: { revokedAt },
      reason,
    });
    return true;
  });
}

/* ---------- Account management ---------- */

/**
 * Disables an account, or enables it again, audited with the reason. Disabling ends its sessions
 * at once, and its tokens stop working (every check reads the account). Nobody disables their own
 * account: the last administrator could lock everyone out.
 */
export function setAccountDisabled(
  db: Db,
  userId: number,
  disabled: boolean,
  reason: string,
  actor: Actor,
  now: DateTime,
): Result<undefined> {
  if (disabled && actor.userId === userId)
    return refuse('conflict', 'You cannot disable your own account: ask another administrator');
  return db.transaction((tx) => {
    const before = tx.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).get();
    if (!before) return refuse('not_found', 'There is no such user');
    if (Boolean(before.disabledAt) === disabled)
      return refuse('conflict', disabled ? 'The account is already disabled' : 'The account is not disabled');
    const disabledAt = disabled ? now.toUTC().toISO()! : null;
    tx.update(users).set({ disabledAt }).where(eq(users.id, userId)).run();
    const ended = disabled ? tx.delete(sessions).where(eq(sessions.userId, userId)).run().changes : 0;
    recordAudit(tx, actor, {
      action: disabled ? 'user.disabled' : 'user.enabled',
      entityType: 'user',
      entityId: userId,
      before: { disabledAt: before.disabledAt },
      after: { disabledAt, ...(disabled ? { sessionsEnded: ended } : {}) },
      reason,
    });
    return ok(undefined);
  });
}

/** Ends every session of a user (they sign in again), keeping `except` (the caller's own); audited. Returns how many ended. */
export function endSessions(db: Queryable, userId: number, actor: Actor, reason: string, except?: string): number {
  const keep = except ? hashSecret(except) : null;
  const ended = db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), keep ? ne(sessions.idHash, keep) : undefined))
    .run().changes;
  recordAudit(db, actor, {
    action: 'user.sessions_ended',
    entityType: 'user',
    entityId: userId,
    after: { sessionsEnded: ended },
    reason,
  });
  return ended;
}

/** A user's password hash, to check a current password. */
export function passwordHashOf(db: Db, userId: number): string | undefined {
  return db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId)).get()?.hash;
}

/** Sets a user's own new password (already hashed) and ends their other sessions and reset links, in one audited change. */
export function changeOwnPassword(
  db: Db,
  user: CurrentUser,
  passwordHash: string,
  currentSession: string,
  now: DateTime,
): void {
  db.transaction((tx) => {
    tx.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
    // A reset link issued before stops working: the password it was for has changed.
    retireResetLinks(tx, user.id, now);
    recordAudit(tx, actorOf(user), { action: 'user.password_changed', entityType: 'user', entityId: user.id });
    endSessions(tx, user.id, actorOf(user), 'The password was changed', currentSession);
  });
}

const RESET_LINK_MINUTES = 60;

/** Every unused reset link of a user stops working (marked used now). */
function retireResetLinks(tx: Queryable, userId: number, now: DateTime): void {
  tx.update(passwordResets)
    .set({ usedAt: isoInstant(now) })
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)))
    .run();
}

/**
 * Issues a one-time password-reset link's secret for a user, valid for an hour; any earlier
 * unused link for them stops working. Only its hash is kept: the link is shown once.
 */
export function createPasswordReset(
  db: Db,
  userId: number,
  actor: Actor,
  now: DateTime,
): Result<{ token: string; expiresAt: string }> {
  const token = newSecret();
  const expiresAt = now.toUTC().plus({ minutes: RESET_LINK_MINUTES }).toISO()!;
  return db.transaction((tx) => {
    const user = tx.select({ disabledAt: users.disabledAt }).from(users).where(eq(users.id, userId)).get();
    if (!user) return refuse('not_found', 'There is no such user');
    if (user.disabledAt) return refuse('conflict', 'The account is disabled: enable it before issuing a reset link');
    retireResetLinks(tx, userId, now);
    const row = tx
      .insert(passwordResets)
      .values({ userId, tokenHash: hashSecret(token), createdBy: actor.userId, expiresAt })
      .returning({ id: passwordResets.id })
      .get();
    recordAudit(tx, actor, {
      action: 'user.password_reset_issued',
      entityType: 'user',
      entityId: userId,
      after: { resetId: row.id, expiresAt },
    });
    return ok({ token, expiresAt });
  });
}

/** The user a reset link's secret is for, while it is unused, unexpired and their account enabled. */
export function findPasswordReset(db: Queryable, token: string, now: DateTime): CurrentUser | undefined {
  return db
    .select(currentUserColumns)
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(
      and(
        eq(passwordResets.tokenHash, hashSecret(token)),
        isNull(passwordResets.usedAt),
        gt(passwordResets.expiresAt, now.toUTC().toISO()!),
        isNull(users.disabledAt),
      ),
    )
    .get();
}

/** Sets the password through a reset link, once: the link is used up and every session of the user ends. */
export function resetPassword(db: Db, token: string, passwordHash: string, now: DateTime): CurrentUser | undefined {
  return db.transaction((tx) => {
    const user = findPasswordReset(tx, token, now);
    if (!user) return undefined;
    tx.update(passwordResets)
      .set({ usedAt: now.toUTC().toISO()! })
      .where(eq(passwordResets.tokenHash, hashSecret(token)))
      .run();
    tx.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
    recordAudit(tx, actorOf(user), { action: 'user.password_reset_used', entityType: 'user', entityId: user.id });
    endSessions(tx, user.id, actorOf(user), 'The password was reset');
    return user;
  });
}
