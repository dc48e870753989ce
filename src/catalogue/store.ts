import { and, asc, eq, inArray } from 'drizzle-orm';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db } from '../db/connection.js';
import {
  apprentices,
  duties,
  dutyKsbs,
  ksbs,
  optionKsbs,
  plans,
  standardOptions,
  standards,
  standardVersions,
} from '../db/schema.js';
import { differences, type CatalogueVersion } from './national.js';
import { versionOptions, writeKsbsAndDuties } from '../standards/store.js';

/**
 * What became of one version of the national file: added, unchanged, or brought up to date
 * (`changed`), with anything left as it was because assessments use it (`kept`).
 */
export type VersionOutcome =
  { outcome: 'added' } | { outcome: 'unchanged' } | { outcome: 'updated'; changed: string[]; kept: string[] };

/** A version as held, in the catalogue's shape, with whether assessments already use it. */
function heldVersion(db: Db, reference: string, version: string) {
  const row = db
    .select()
    .from(standardVersions)
    .where(and(eq(standardVersions.reference, reference), eq(standardVersions.version, version)))
    .get();
  if (!row) return undefined;
  const ksbRows = db
    .select({ id: ksbs.id, code: ksbs.code, text: ksbs.text, publishedId: ksbs.publishedId })
    .from(ksbs)
    .where(eq(ksbs.standardVersionId, row.id))
    .orderBy(asc(ksbs.position))
    .all();
  const codeOf = new Map(ksbRows.map((k) => [k.id, k.code]));
  const dutyRows = db
    .select()
    .from(duties)
    .where(eq(duties.standardVersionId, row.id))
    .orderBy(asc(duties.number))
    .all();
  const dutyLinks = dutyRows.length
    ? db
        .select()
        .from(dutyKsbs)
        .where(
          inArray(
            dutyKsbs.dutyId,
            dutyRows.map((d) => d.id),
          ),
        )
        .orderBy(asc(dutyKsbs.position))
        .all()
    : [];
  const held: CatalogueVersion = {
    reference: row.reference,
    version: row.version,
    title: row.title,
    level: row.level,
    status: row.status,
    larsCode: row.larsCode,
    route: row.route,
    typicalDurationMonths: row.typicalDurationMonths,
    maxFundingPounds: row.maxFundingPounds,
    overview: row.overview,
    typicalJobTitles: row.typicalJobTitles,
    eqaProvider: row.eqaProvider,
    regulated: row.regulated,
    assessmentPlanUrl: row.assessmentPlanUrl,
    approvedForDelivery: row.approvedForDelivery || null,
    dateUpdated: row.dateUpdated || null,
    earliestStartDate: row.earliestStartDate,
    latestStartDate: row.latestStartDate,
    latestEndDate: row.latestEndDate,
    coreAndOptions: row.coreAndOptions,
    ksbs: ksbRows.map((k) => ({ code: k.code, text: k.text, publishedId: k.publishedId ?? '' })),
    duties: dutyRows.map((d) => ({
      number: d.number,
      text: d.text,
      publishedId: d.publishedId ?? '',
      core: d.core ?? false,
      ksbs: dutyLinks.filter((l) => l.dutyId === d.id).map((l) => codeOf.get(l.ksbId)!),
    })),
    options: versionOptions(db, row.id).map((o) => ({ ...o, publishedId: '' })),
  };
  const inUse =
    db
      .select({ id: apprentices.id })
      .from(apprentices)
      .where(eq(apprentices.standardVersionId, row.id))
      .limit(1)
      .get() !== undefined ||
    db.select({ id: plans.id }).from(plans).where(eq(plans.standardVersionId, row.id)).limit(1).get() !== undefined;
  return { id: row.id, held, inUse };
}

/** The version row's values from the catalogue (what the catalogue does not give is left blank). */
function versionValues(v: CatalogueVersion) {
  return {
    title: v.title,
    level: v.level,
    larsCode: v.larsCode,
    typicalDurationMonths: v.typicalDurationMonths,
    maxFundingPounds: v.maxFundingPounds,
    route: v.route,
    eqaProvider: v.eqaProvider,
    status: v.status,
    approvedForDelivery: v.approvedForDelivery ?? '',
    dateUpdated: v.dateUpdated ?? '',
    overview: v.overview,
    typicalJobTitles: v.typicalJobTitles,
    earliestStartDate: v.earliestStartDate,
    latestStartDate: v.latestStartDate,
    latestEndDate: v.latestEndDate,
    assessmentPlanUrl: v.assessmentPlanUrl,
    regulated: v.regulated,
    coreAndOptions: v.coreAndOptions,
  };
}

/** Writes a version's KSBs, duties and options (the version's old ones already gone). */
function writeContents(db: Db, versionId: number, v: CatalogueVersion): void {
  // The catalogue gives a duty one text; its title is its number, and it has no separate criteria.
  const ksbIds = writeKsbsAndDuties(
    db,
    versionId,
    v.ksbs,
    v.duties.map((d) => ({ ...d, title: `Duty ${d.number}`, criteria: '' })),
  );
  v.options.forEach((o, position) => {
    const row = db
      .insert(standardOptions)
      .values({ standardVersionId: versionId, publishedId: o.publishedId, title: o.title, position })
      .returning({ id: standardOptions.id })
      .get();
    for (const code of o.ksbs)
      db.insert(optionKsbs)
        .values({ optionId: row.id, ksbId: ksbIds.get(code)! })
        .run();
  });
}

/**
 * Brings one version in line with the catalogue, all or nothing: a new version is added; one
 * held the same is left alone; one that differs is brought up to date, except that the KSBs,
 * duties and options of a version an apprentice or a plan already uses are kept as they are and
 * their differences reported (they are what its assessments were planned and graded against).
 */
export function applyCatalogueVersion(db: Db, v: CatalogueVersion, actor: Actor): VersionOutcome {
  return db.transaction(
    () => {
      const existing = heldVersion(db, v.reference, v.version);
      const subject = `${v.reference}/${v.version}`;
      db.insert(standards).values({ reference: v.reference, title: v.title }).onConflictDoNothing().run();
      if (!existing) {
        const row = db
          .insert(standardVersions)
          .values({
            reference: v.reference,
            version: v.version,
            ...versionValues(v),
            occupationSummary: '',
            englishAndMaths: '',
          })
          .returning({ id: standardVersions.id })
          .get();
        writeContents(db, row.id, v);
        recordAudit(db, actor, {
          action: 'standard.imported',
          entityType: 'standard_version',
          entityId: subject,
          after: {
            source: 'national catalogue',
            duties: v.duties.length,
            ksbs: v.ksbs.length,
            options: v.options.length,
          },
        });
        return { outcome: 'added' as const };
      }
      const found = differences(existing.held, v);
      if (found.facts.length === 0 && found.content.length === 0) return { outcome: 'unchanged' as const };
      // The version's own facts (status, start-date window, funding, links) always follow the
      // catalogue; its content only while no apprentice or plan uses it.
      const rewrite = !existing.inUse && found.content.length > 0;
      const changed = [...found.facts, ...(rewrite ? found.content : [])];
      const { coreAndOptions, ...facts } = versionValues(v);
      db.update(standardVersions)
        .set(rewrite ? { ...facts, coreAndOptions } : facts)
        .where(eq(standardVersions.id, existing.id))
        .run();
      if (rewrite) {
        db.delete(ksbs).where(eq(ksbs.standardVersionId, existing.id)).run();
        db.delete(duties).where(eq(duties.standardVersionId, existing.id)).run();
        db.delete(standardOptions).where(eq(standardOptions.standardVersionId, existing.id)).run();
        writeContents(db, existing.id, v);
      }
      if (changed.length > 0)
        recordAudit(db, actor, {
          action: 'standard.updated_from_catalogue',
          entityType: 'standard_version',
          entityId: subject,
          after: { differences: changed },
        });
      return { outcome: 'updated' as const, changed, kept: rewrite ? [] : found.content };
    },
    { behavior: 'immediate' },
  );
}
