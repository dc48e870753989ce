import { asc, eq, inArray } from 'drizzle-orm';
import { groupBy } from '../grouping.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import { hashSecret, newSecret } from '../auth/tokens.js';
import { memoUntilChange } from '../db/change-stamp.js';
import {
  assessorConflicts,
  assessorProfiles,
  assessorRegions,
  assessorStandards,
  assessorUnavailability,
  assessorWorkingHours,
  employers,
  providers,
  users,
} from '../db/schema.js';
import { WEEKDAYS, type AssessorProfileInput } from './assessor-schema.js';
import { type AssessorFacts } from './model.js';

/*
 * Assessors: the facts the booking rules read about each (profile, competence, regions, working
 * hours, leave, conflicts of interest), their profiles as administrators keep them, and their
 * private calendar feeds.
 */

/* ---------- Assessors ---------- */

/** Everything the rules know about assessors, read in a fixed number of queries. */
export function assessorFacts(db: Queryable, only?: number): AssessorFacts[] {
  const profiles = db
    .select({ profile: assessorProfiles, name: users.name })
    .from(assessorProfiles)
    .innerJoin(users, eq(users.id, assessorProfiles.userId))
    .where(only === undefined ? undefined : eq(assessorProfiles.userId, only))
    .orderBy(asc(users.name))
    .all();
  const ids = profiles.map((p) => p.profile.userId);
  if (ids.length === 0) return [];
  const by = <T extends { userId: number }>(rows: T[]) => {
    const grouped = groupBy(rows, (r) => r.userId);
    return (id: number) => grouped.get(id) ?? [];
  };
  const standards = by(db.select().from(assessorStandards).where(inArray(assessorStandards.userId, ids)).all());
  const regions = by(db.select().from(assessorRegions).where(inArray(assessorRegions.userId, ids)).all());
  const hours = by(db.select().from(assessorWorkingHours).where(inArray(assessorWorkingHours.userId, ids)).all());
  const away = by(db.select().from(assessorUnavailability).where(inArray(assessorUnavailability.userId, ids)).all());
  const conflicts = by(db.select().from(assessorConflicts).where(inArray(assessorConflicts.userId, ids)).all());
  return profiles.map(({ profile, name }) => ({
    userId: profile.userId,
    name,
    standardVersionIds: standards(profile.userId).map((s) => s.standardVersionId),
    regions: regions(profile.userId).map((r) => r.region),
    perDay: profile.perDay,
    perWeek: profile.perWeek,
    workingHours: hours(profile.userId).map(({ weekday, start, end }) => ({ weekday, start, end })),
    unavailable: away(profile.userId).map(({ from, to, reason }) => ({ from, to, reason })),
    ownEmployerId: profile.ownEmployerId,
    ownProviderUkprn: profile.ownProviderUkprn,
    declaredConflicts: conflicts(profile.userId).map(({ kind, organisationId, from, to, reason }) => ({
      kind,
      organisationId,
      from,
      to,
      reason,
    })),
  }));
}

/**
 * Every assessor's facts as the booking form and the scheduler read them: the same for every
 * booking made, so kept until the database changes. Callers only read them.
 */
export function everyAssessorFacts(db: Db): readonly AssessorFacts[] {
  return everyAssessor(db, 'all', () => assessorFacts(db));
}

const everyAssessor = memoUntilChange<AssessorFacts[]>(1);

/** Why a conflict cannot name this organisation (it is not registered), or null when it can. */
export function unregisteredOrganisation(db: Queryable, kind: 'employer' | 'provider', id: string): string | null {
  const known =
    kind === 'employer'
      ? db.select({ id: employers.id }).from(employers).where(eq(employers.id, id)).get()
      : db.select({ id: providers.ukprn }).from(providers).where(eq(providers.ukprn, id)).get();
  return known ? null : `No ${kind} with that id is registered`;
}

export function declareConflict(
  db: Db,
  userId: number,
  input: { kind: 'employer' | 'provider'; organisationId: string; from: string; to: string | null; reason: string },
  actor: Actor,
): void {
  db.transaction((tx) => {
    const row = tx
      .insert(assessorConflicts)
      .values({ userId, ...input, declaredBy: actor.userId })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'conflict.declared',
      entityType: 'assessor',
      entityId: userId,
      after: row,
      reason: input.reason,
    });
  });
}

/* ---------- Assessor profiles ---------- */

export function listAssessorUsers(db: Db) {
  return db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      perDay: assessorProfiles.perDay,
      perWeek: assessorProfiles.perWeek,
    })
    .from(users)
    .leftJoin(assessorProfiles, eq(assessorProfiles.userId, users.id))
    .where(eq(users.role, 'assessor'))
    .orderBy(asc(users.name))
    .all();
}

/** Replaces an assessor's profile (capacity, competences, regions, working pattern, own organisations), audited with before and after. */
export function saveAssessorProfile(db: Db, userId: number, input: AssessorProfileInput, actor: Actor): void {
  db.transaction((tx) => {
    const before = assessorFacts(tx, userId)[0] ?? null;
    tx.insert(assessorProfiles)
      .values({
        userId,
        perDay: input.perDay,
        perWeek: input.perWeek,
        ownEmployerId: input.ownEmployerId,
        ownProviderUkprn: input.ownProviderUkprn,
      })
      .onConflictDoUpdate({
        target: assessorProfiles.userId,
        set: {
          perDay: input.perDay,
          perWeek: input.perWeek,
          ownEmployerId: input.ownEmployerId,
          ownProviderUkprn: input.ownProviderUkprn,
        },
      })
      .run();
    tx.delete(assessorStandards).where(eq(assessorStandards.userId, userId)).run();
    tx.delete(assessorRegions).where(eq(assessorRegions.userId, userId)).run();
    tx.delete(assessorWorkingHours).where(eq(assessorWorkingHours.userId, userId)).run();
    for (const standardVersionId of new Set(input.standardVersionIds))
      tx.insert(assessorStandards).values({ userId, standardVersionId }).run();
    for (const region of new Set(input.regions)) tx.insert(assessorRegions).values({ userId, region }).run();
    for (const { weekday, key } of WEEKDAYS) {
      const day = input.hours[key];
      if (day?.start && day.end)
        tx.insert(assessorWorkingHours).values({ userId, weekday, start: day.start, end: day.end }).run();
    }
    recordAudit(tx, actor, {
      action: 'assessor.profile_saved',
      entityType: 'assessor',
      entityId: userId,
      before,
      after: assessorFacts(tx, userId)[0] ?? null,
    });
  });
}

export function addUnavailability(
  db: Db,
  userId: number,
  input: { from: string; to: string; reason: string },
  actor: Actor,
): void {
  db.transaction((tx) => {
    const row = tx
      .insert(assessorUnavailability)
      .values({ userId, ...input })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'assessor.unavailable',
      entityType: 'assessor',
      entityId: userId,
      after: row,
      reason: input.reason,
    });
  });
}

/* ---------- Calendar feeds ---------- */

/** Issues a new private calendar feed token for an assessor (any earlier one stops working). Only its hash is kept. */
export function issueCalendarToken(db: Db, userId: number, actor: Actor): string {
  const token = newSecret('cal_');
  db.transaction((tx) => {
    tx.update(assessorProfiles)
      .set({ calendarTokenHash: hashSecret(token) })
      .where(eq(assessorProfiles.userId, userId))
      .run();
    recordAudit(tx, actor, { action: 'calendar.issued', entityType: 'assessor', entityId: userId });
  });
  return token;
}

export function revokeCalendarToken(db: Db, userId: number, actor: Actor): void {
  db.transaction((tx) => {
    tx.update(assessorProfiles).set({ calendarTokenHash: null }).where(eq(assessorProfiles.userId, userId)).run();
    recordAudit(tx, actor, { action: 'calendar.revoked', entityType: 'assessor', entityId: userId });
  });
}

export function assessorByCalendarToken(db: Db, token: string): { userId: number; name: string } | undefined {
  return db
    .select({ userId: assessorProfiles.userId, name: users.name })
    .from(assessorProfiles)
    .innerJoin(users, eq(users.id, assessorProfiles.userId))
    .where(eq(assessorProfiles.calendarTokenHash, hashSecret(token)))
    .get();
}
