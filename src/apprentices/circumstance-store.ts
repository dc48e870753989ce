/**
 * What the gateway rules read besides the record itself, as the provider records it: breaks in
 * learning, earlier episodes (restarts), the English and maths flexibility judgement and
 * recognised prior learning. Every change is audited in its own transaction.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import {
  apprentices,
  behaviourVerifications,
  earlierEpisodes,
  flexibilityJudgements,
  learningBreaks,
} from '../db/schema.js';
import { isoInstant } from '../dates.js';
import type { ApprenticeRow } from './store.js';
import type {
  BehaviourVerificationInput,
  EarlierEpisodeInput,
  FlexibilityInput,
  LearningBreakInput,
  PriorLearningInput,
} from './schema.js';

export type LearningBreakRow = typeof learningBreaks.$inferSelect;
export type EarlierEpisodeRow = typeof earlierEpisodes.$inferSelect;
export type FlexibilityRow = typeof flexibilityJudgements.$inferSelect;

export function breaksOf(db: Queryable, apprenticeId: number): LearningBreakRow[] {
  return db
    .select()
    .from(learningBreaks)
    .where(eq(learningBreaks.apprenticeId, apprenticeId))
    .orderBy(asc(learningBreaks.fromDate))
    .all();
}

export function earlierEpisodesOf(db: Queryable, apprenticeId: number): EarlierEpisodeRow[] {
  return db
    .select()
    .from(earlierEpisodes)
    .where(eq(earlierEpisodes.apprenticeId, apprenticeId))
    .orderBy(asc(earlierEpisodes.startDate))
    .all();
}

export function flexibilityOf(db: Queryable, apprenticeId: number): FlexibilityRow | undefined {
  return db.select().from(flexibilityJudgements).where(eq(flexibilityJudgements.apprenticeId, apprenticeId)).get();
}

export function addLearningBreak(db: Db, apprentice: ApprenticeRow, input: LearningBreakInput, actor: Actor): void {
  db.transaction((tx) => {
    const row = tx
      .insert(learningBreaks)
      .values({ apprenticeId: apprentice.id, fromDate: input.from, toDate: input.to, reason: input.reason })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'learning_break.recorded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      after: row,
      reason: input.reason,
    });
  });
}

/** The kinds of record that are removed with a reason when recorded in error: each table and its audit action. */
const REMOVABLE = {
  break: { table: learningBreaks, action: 'learning_break.removed' },
  earlier_episode: { table: earlierEpisodes, action: 'earlier_episode.removed' },
} as const;

/** Removes one of the apprentice's breaks or earlier episodes, audited with the reason; false when there is no such row. */
export function removeCircumstanceRow(
  db: Db,
  apprentice: ApprenticeRow,
  kind: keyof typeof REMOVABLE,
  id: number,
  actor: Actor,
  reason: string,
): boolean {
  const { table, action } = REMOVABLE[kind];
  return db.transaction((tx) => {
    const where = and(eq(table.id, id), eq(table.apprenticeId, apprentice.id));
    const before = tx.select().from(table).where(where).get();
    if (!before) return false;
    tx.delete(table).where(where).run();
    recordAudit(tx, actor, { action, entityType: 'apprentice', entityId: apprentice.uln, before, after: null, reason });
    return true;
  });
}

export function addEarlierEpisode(db: Db, apprentice: ApprenticeRow, input: EarlierEpisodeInput, actor: Actor): void {
  db.transaction((tx) => {
    const row = tx
      .insert(earlierEpisodes)
      .values({ apprenticeId: apprentice.id, ...input })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'earlier_episode.recorded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      after: row,
      reason: input.reason,
    });
  });
}

export function recordFlexibility(
  db: Db,
  apprentice: ApprenticeRow,
  input: FlexibilityInput,
  actor: Actor,
  now: DateTime,
): void {
  db.transaction((tx) => {
    const before = flexibilityOf(tx, apprentice.id) ?? null;
    const values = { ...input, recordedBy: actor.userId, recordedAt: isoInstant(now) };
    tx.insert(flexibilityJudgements)
      .values({ apprenticeId: apprentice.id, ...values })
      .onConflictDoUpdate({ target: flexibilityJudgements.apprenticeId, set: values })
      .run();
    recordAudit(tx, actor, {
      action: 'flexibility_judgement.recorded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before,
      after: values,
    });
  });
}

export function withdrawFlexibility(db: Db, apprentice: ApprenticeRow, actor: Actor, reason: string): boolean {
  return db.transaction((tx) => {
    const before = flexibilityOf(tx, apprentice.id);
    if (!before) return false;
    tx.delete(flexibilityJudgements).where(eq(flexibilityJudgements.apprenticeId, apprentice.id)).run();
    recordAudit(tx, actor, {
      action: 'flexibility_judgement.withdrawn',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before,
      after: null,
      reason,
    });
    return true;
  });
}

export function recordPriorLearning(db: Db, apprentice: ApprenticeRow, input: PriorLearningInput, actor: Actor): void {
  db.transaction((tx) => {
    const after = { priorLearningHours: input.hours, priorLearningReason: input.hours === 0 ? null : input.reason };
    tx.update(apprentices)
      .set({ ...after, updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` })
      .where(eq(apprentices.id, apprentice.id))
      .run();
    recordAudit(tx, actor, {
      action: 'prior_learning.recorded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before: {
        priorLearningHours: apprentice.priorLearningHours,
        priorLearningReason: apprentice.priorLearningReason,
      },
      after,
      reason: input.reason || null,
    });
  });
}

export type BehaviourVerificationRow = typeof behaviourVerifications.$inferSelect;

export function behaviourVerificationOf(db: Queryable, apprenticeId: number): BehaviourVerificationRow | undefined {
  return db.select().from(behaviourVerifications).where(eq(behaviourVerifications.apprenticeId, apprenticeId)).get();
}

/** The employer's verification of behaviours (reformed plans), recorded or replaced, audited. */
export function recordBehaviourVerification(
  db: Db,
  apprentice: ApprenticeRow,
  input: BehaviourVerificationInput,
  actor: Actor,
  now: DateTime,
): void {
  db.transaction((tx) => {
    const before = behaviourVerificationOf(tx, apprentice.id) ?? null;
    const values = { ...input, recordedBy: actor.userId, recordedAt: isoInstant(now) };
    tx.insert(behaviourVerifications)
      .values({ apprenticeId: apprentice.id, ...values })
      .onConflictDoUpdate({ target: behaviourVerifications.apprenticeId, set: values })
      .run();
    recordAudit(tx, actor, {
      action: 'behaviour_verification.recorded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before,
      after: values,
    });
  });
}
