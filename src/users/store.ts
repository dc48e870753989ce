import { and, asc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import { hashPassword } from '../auth/passwords.js';
import type { Role } from '../auth/roles.js';
import { hashSecret, newSecret } from '../auth/tokens.js';
import type { Db, Queryable } from '../db/connection.js';
import { apiTokens, employers, providers, sessions, users } from '../db/schema.js';
import type { Problem } from '../validation/problems.js';
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
}

const currentUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  providerUkprn: users.providerUkprn,
  employerId: users.employerId,
  canMark: users.canMark,
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
  input: Omit<NewUser, 'canMark'> & { canMark?: boolean },
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

export function findUserForSignIn(db: Db, email: string): (CurrentUser & { passwordHash: string }) | undefined {
  return db
    .select({ ...currentUserColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.email, email.trim().toLowerCase()))
    .get();
}

export function findUser(db: Db, id: number): CurrentUser | undefined {
  return db.select(currentUserColumns).from(users).where(eq(users.id, id)).get();
}

export function listUsers(db: Db): (CurrentUser & { createdAt: string })[] {
  return db
    .select({ ...currentUserColumns, createdAt: users.createdAt })
    .from(users)
    .orderBy(asc(users.role), asc(users.email))
    .all();
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
const sessionQueries = new WeakMap<Db, ReturnType<typeof prepareSessionQuery>>();
function prepareSessionQuery(db: Db) {
  return db
    .select(currentUserColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, sql.placeholder('idHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .prepare();
}

export function findSessionUser(db: Db, secret: string, now: DateTime): CurrentUser | undefined {
  let query = sessionQueries.get(db);
  if (!query) sessionQueries.set(db, (query = prepareSessionQuery(db)));
  return query.get({ idHash: hashSecret(secret), now: now.toUTC().toISO() });
}

export function deleteSession(db: Queryable, secret: string): void {
  db.delete(sessions)
    .where(eq(sessions.idHash, hashSecret(secret)))
    .run();
}

/* ---------- API tokens ---------- */

export const API_TOKEN_PREFIX = 'epa_';

/** Issues an API token for a user. Only its hash is kept: the token is shown once. */
export function createApiToken(db: Db, userId: number, actor: Actor): { id: number; token: string } {
  const token = newSecret(API_TOKEN_PREFIX);
  const id = db.transaction((tx) => {
    const row = tx
      .insert(apiTokens)
      .values({ userId, tokenHash: hashSecret(token) })
      .returning({ id: apiTokens.id })
      .get();
    recordAudit(tx, actor, {
      action: 'api_token.created',
      entityType: 'api_token',
      entityId: row.id,
      after: { userId },
    });
    return row.id;
  });
  return { id, token };
}

export function findTokenUser(db: Db, token: string): CurrentUser | undefined {
  return db
    .select(currentUserColumns)
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashSecret(token)), isNull(apiTokens.revokedAt)))
    .get();
}

export function listApiTokens(
  db: Db,
): { id: number; userEmail: string; createdAt: string; revokedAt: string | null }[] {
  return db
    .select({
      id: apiTokens.id,
      userEmail: users.email,
      createdAt: apiTokens.createdAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
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
