import { and, asc, desc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/connection.js';
import { apprentices, bookings, ksbs, planDrafts, plans, standardVersions } from '../../db/schema.js';
import type { DraftPlan, KsbIdentity, KsbMapping } from './rules.js';

/** How a draft began, kept with it so its pages can say what a copy across versions changed. */
export type DraftOrigin =
  | { kind: 'nothing' }
  | { kind: 'copy'; planId: string }
  | {
      kind: 'mapped';
      planId: string;
      fromVersion: string;
      recoded: KsbMapping['recoded'];
      dropped: string[];
      added: string[];
    };

export interface DraftRow {
  id: number;
  standardVersionId: number;
  document: DraftPlan;
  origin: DraftOrigin;
  updatedAt: string;
  publishedPlanId: string | null;
}

export function insertDraft(
  tx: Queryable,
  values: { standardVersionId: number; document: DraftPlan; origin: DraftOrigin; createdBy: number; now: string },
): number {
  return tx
    .insert(planDrafts)
    .values({
      standardVersionId: values.standardVersionId,
      document: values.document,
      origin: values.origin,
      createdBy: values.createdBy,
      createdAt: values.now,
      updatedAt: values.now,
    })
    .returning({ id: planDrafts.id })
    .get().id;
}

export function findDraft(db: Queryable, id: number): DraftRow | undefined {
  const row = db.select().from(planDrafts).where(eq(planDrafts.id, id)).get();
  return row
    ? {
        id: row.id,
        standardVersionId: row.standardVersionId,
        document: row.document as DraftPlan,
        origin: row.origin as DraftOrigin,
        updatedAt: row.updatedAt,
        publishedPlanId: row.publishedPlanId,
      }
    : undefined;
}

export function saveDraftDocument(tx: Queryable, id: number, document: DraftPlan, now: string): void {
  tx.update(planDrafts).set({ document, updatedAt: now }).where(eq(planDrafts.id, id)).run();
}

export function markDraftPublished(tx: Queryable, id: number, planId: string, now: string): void {
  tx.update(planDrafts).set({ publishedPlanId: planId, updatedAt: now }).where(eq(planDrafts.id, id)).run();
}

export function deleteDraft(tx: Queryable, id: number): void {
  tx.delete(planDrafts).where(eq(planDrafts.id, id)).run();
}

/** A version's drafts still being built, the latest change first. */
export function openDraftsOfVersion(db: Queryable, standardVersionId: number) {
  return db
    .select({
      id: planDrafts.id,
      title: sql<string>`coalesce(json_extract(${planDrafts.document}, '$.title'), '')`,
      updatedAt: planDrafts.updatedAt,
    })
    .from(planDrafts)
    .where(and(eq(planDrafts.standardVersionId, standardVersionId), isNull(planDrafts.publishedPlanId)))
    .orderBy(desc(planDrafts.updatedAt), desc(planDrafts.id))
    .all();
}

/** A version's KSBs in the standard's order, with the catalogue's identity of each. */
export function ksbIdentities(db: Queryable, standardVersionId: number): KsbIdentity[] {
  return db
    .select({ code: ksbs.code, publishedId: ksbs.publishedId, text: ksbs.text })
    .from(ksbs)
    .where(eq(ksbs.standardVersionId, standardVersionId))
    .orderBy(asc(ksbs.position))
    .all();
}

/** Every plan id in use. */
export function planIds(db: Queryable): Set<string> {
  return new Set(
    db
      .select({ id: plans.id })
      .from(plans)
      .all()
      .map((r) => r.id),
  );
}

/** The plans a draft for a version may start from: those of every version of its standard, this version's first. */
export function plansOfStandard(db: Queryable, reference: string, standardVersionId: number) {
  return db
    .select({
      id: plans.id,
      title: plans.title,
      standardVersionId: plans.standardVersionId,
      version: standardVersions.version,
    })
    .from(plans)
    .innerJoin(standardVersions, eq(standardVersions.id, plans.standardVersionId))
    .where(eq(standardVersions.reference, reference))
    .orderBy(
      sql`${plans.standardVersionId} <> ${standardVersionId}`,
      desc(standardVersions.version),
      desc(plans.isDefault),
      asc(plans.id),
    )
    .all();
}

/** The version's default plan's id, if it has one. */
export function defaultPlanId(db: Queryable, standardVersionId: number): string | undefined {
  return db
    .select({ id: plans.id })
    .from(plans)
    .where(and(eq(plans.standardVersionId, standardVersionId), eq(plans.isDefault, true)))
    .get()?.id;
}

/** Stores a published plan beside the version's others; as its default, the previous default stops being one. */
export function insertPublishedPlan(
  tx: Queryable,
  values: { id: string; standardVersionId: number; title: string; demo: boolean; document: unknown; by: number },
  asDefault: boolean,
): void {
  if (asDefault)
    tx.update(plans)
      .set({ isDefault: false })
      .where(and(eq(plans.standardVersionId, values.standardVersionId), ne(plans.id, values.id)))
      .run();
  tx.insert(plans)
    .values({
      id: values.id,
      standardVersionId: values.standardVersionId,
      isDefault: asDefault,
      title: values.title,
      demo: values.demo,
      document: values.document,
      importedBy: values.by,
    })
    .run();
}

/**
 * Apprentices who follow a version's default plan and have been booked or assessed under it now
 * name that plan on their record, so a new default never changes the plan of an assessment under
 * way. Returns their ULNs.
 */
export function keepAssessedOnPlan(tx: Queryable, standardVersionId: number, planId: string): string[] {
  const assessedOnDefault = and(
    eq(apprentices.standardVersionId, standardVersionId),
    isNull(apprentices.planId),
    sql`exists (select 1 from ${bookings} where ${bookings.apprenticeId} = ${apprentices.id})`,
  );
  const kept = tx.select({ uln: apprentices.uln }).from(apprentices).where(assessedOnDefault).all();
  tx.update(apprentices).set({ planId }).where(assessedOnDefault).run();
  return kept.map((k) => k.uln);
}
