import { and, asc, count, eq, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import { PAGE_SIZE, pageFrom } from '../http/paging.js';
import { containsPattern } from '../search/rules.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import {
  duties,
  dutyKsbs,
  epaoApprovals,
  ksbs,
  optionKsbs,
  plans,
  standardOptions,
  standards,
  standardVersions,
} from '../db/schema.js';
import type { Ksb, StandardFile } from './schema.js';

export interface StandardSummary {
  id: number;
  reference: string;
  version: string;
  title: string;
  level: number;
  status: string;
  route: string;
  planId: string | null;
  planDemo: boolean | null;
  /** Whether this organisation is approved to assess the version (only those take apprentices). */
  approved: boolean;
}

const summaryColumns = {
  id: standardVersions.id,
  reference: standardVersions.reference,
  version: standardVersions.version,
  title: standardVersions.title,
  level: standardVersions.level,
  status: standardVersions.status,
  route: standardVersions.route,
  planId: plans.id,
  planDemo: plans.demo,
  approved: sql<number>`${epaoApprovals.standardVersionId} is not null`.mapWith(Boolean),
};

/** Versions with their default plan and approval, optionally narrowed. */
function summaries(db: Queryable, where?: SQL) {
  return db
    .select(summaryColumns)
    .from(standardVersions)
    .leftJoin(plans, and(eq(plans.standardVersionId, standardVersions.id), eq(plans.isDefault, true)))
    .leftJoin(epaoApprovals, eq(epaoApprovals.standardVersionId, standardVersions.id))
    .where(where)
    .orderBy(asc(standardVersions.reference), asc(standardVersions.version));
}

/**
 * Loads a published standard version. Idempotent: a version already held is left as it
 * is (published versions do not change; a change is a new version).
 */
export function importStandard(db: Db, std: StandardFile, actor: Actor): { created: boolean } {
  return db.transaction((tx) => {
    const existing = tx
      .select({ id: standardVersions.id })
      .from(standardVersions)
      .where(and(eq(standardVersions.reference, std.reference), eq(standardVersions.version, std.version)))
      .get();
    if (existing) return { created: false };

    tx.insert(standards)
      .values({ reference: std.reference, title: std.title })
      .onConflictDoUpdate({ target: standards.reference, set: { title: std.title } })
      .run();
    const version = tx
      .insert(standardVersions)
      .values({
        reference: std.reference,
        version: std.version,
        title: std.title,
        level: std.level,
        larsCode: std.larsCode,
        typicalDurationMonths: std.typicalDurationMonths,
        maxFundingPounds: std.maxFundingPounds,
        route: std.route,
        eqaProvider: std.eqaProvider,
        status: std.status,
        approvedForDelivery: std.approvedForDelivery,
        dateUpdated: std.dateUpdated,
        overview: std.overview,
        occupationSummary: std.occupationSummary,
        typicalJobTitles: std.typicalJobTitles,
        englishAndMaths: std.englishAndMaths,
        offTheJobMinimumHours: std.offTheJobMinimumHours,
        offTheJobMinimumSource: std.offTheJobMinimumSource,
        qualificationNumber: std.qualificationNumber,
      })
      .returning({ id: standardVersions.id })
      .get();

    writeKsbsAndDuties(tx, version.id, std.ksbs, std.duties);
    recordAudit(tx, actor, {
      action: 'standard.imported',
      entityType: 'standard_version',
      entityId: `${std.reference}/${std.version}`,
      after: { duties: std.duties.length, ksbs: std.ksbs.length },
    });
    return { created: true };
  });
}

/**
 * Writes a version's KSBs (in published order) and duties with the KSBs each draws on, and
 * returns each KSB's row id by code. The version's earlier ones must be gone.
 */
export function writeKsbsAndDuties(
  db: Queryable,
  standardVersionId: number,
  ksbList: readonly { code: string; text: string; publishedId?: string }[],
  dutyList: readonly {
    number: number;
    title: string;
    text: string;
    criteria: string;
    ksbs: readonly string[];
    publishedId?: string;
    core?: boolean;
  }[],
): Map<string, number> {
  const ksbIds = new Map<string, number>();
  ksbList.forEach((k, position) => {
    const row = db
      .insert(ksbs)
      .values({ standardVersionId, code: k.code, text: k.text, position, publishedId: k.publishedId ?? null })
      .returning({ id: ksbs.id })
      .get();
    ksbIds.set(k.code, row.id);
  });
  for (const duty of dutyList) {
    const row = db
      .insert(duties)
      .values({
        standardVersionId,
        number: duty.number,
        title: duty.title,
        text: duty.text,
        criteria: duty.criteria,
        publishedId: duty.publishedId ?? null,
        core: duty.core ?? null,
      })
      .returning({ id: duties.id })
      .get();
    duty.ksbs.forEach((code, position) =>
      db
        .insert(dutyKsbs)
        .values({ dutyId: row.id, ksbId: ksbIds.get(code)!, position })
        .run(),
    );
  }
  return ksbIds;
}

export function listStandards(db: Db): StandardSummary[] {
  return summaries(db).all();
}

/** The versions this organisation is approved to assess (the apprentice form offers only these). */
export function approvedStandards(db: Db): StandardSummary[] {
  return summaries(db, isNotNull(epaoApprovals.standardVersionId)).all();
}

/**
 * One page of the catalogue: versions by reference and version, found by reference or title
 * (accents and case ignored) and, with `ours`, only those this organisation is approved to assess.
 */
export function cataloguePage(db: Db, filter: { q?: string; ours?: boolean }, asked: number, size = PAGE_SIZE) {
  const where = and(
    filter.q
      ? or(
          sql`fold(${standardVersions.reference}) like ${containsPattern(filter.q)} escape '\\'`,
          sql`fold(${standardVersions.title}) like ${containsPattern(filter.q)} escape '\\'`,
          sql`fold(${standardVersions.route}) like ${containsPattern(filter.q)} escape '\\'`,
        )
      : undefined,
    filter.ours ? isNotNull(epaoApprovals.standardVersionId) : undefined,
  );
  const total =
    db
      .select({ n: count() })
      .from(standardVersions)
      .leftJoin(epaoApprovals, eq(epaoApprovals.standardVersionId, standardVersions.id))
      .where(where)
      .get()?.n ?? 0;
  return pageFrom(total, asked, (limit, offset) => summaries(db, where).limit(limit).offset(offset).all(), size);
}

export function findStandardVersionId(db: Db, reference: string, version: string): number | undefined {
  return db
    .select({ id: standardVersions.id })
    .from(standardVersions)
    .where(and(eq(standardVersions.reference, reference), eq(standardVersions.version, version)))
    .get()?.id;
}

/** A standard version in the same shape as its fixture file, or undefined when not held. */
export function getStandard(db: Db, reference: string, version: string): StandardFile | undefined {
  const row = db
    .select()
    .from(standardVersions)
    .where(and(eq(standardVersions.reference, reference), eq(standardVersions.version, version)))
    .get();
  if (!row) return undefined;
  const ksbRows = db
    .select({ id: ksbs.id, code: ksbs.code, text: ksbs.text })
    .from(ksbs)
    .where(eq(ksbs.standardVersionId, row.id))
    .orderBy(asc(ksbs.position))
    .all();
  const dutyRows = db
    .select()
    .from(duties)
    .where(eq(duties.standardVersionId, row.id))
    .orderBy(asc(duties.number))
    .all();
  const links = db
    .select({ dutyId: dutyKsbs.dutyId, code: ksbs.code })
    .from(dutyKsbs)
    .innerJoin(ksbs, eq(ksbs.id, dutyKsbs.ksbId))
    .where(eq(ksbs.standardVersionId, row.id))
    .orderBy(asc(dutyKsbs.dutyId), asc(dutyKsbs.position))
    .all();
  return {
    reference: row.reference,
    version: row.version,
    title: row.title,
    level: row.level,
    larsCode: row.larsCode,
    typicalDurationMonths: row.typicalDurationMonths,
    maxFundingPounds: row.maxFundingPounds,
    route: row.route,
    eqaProvider: row.eqaProvider,
    status: row.status,
    approvedForDelivery: row.approvedForDelivery,
    dateUpdated: row.dateUpdated,
    overview: row.overview,
    occupationSummary: row.occupationSummary,
    typicalJobTitles: row.typicalJobTitles,
    englishAndMaths: row.englishAndMaths,
    offTheJobMinimumHours: row.offTheJobMinimumHours,
    offTheJobMinimumSource: row.offTheJobMinimumSource,
    qualificationNumber: row.qualificationNumber,
    duties: dutyRows.map((d) => ({
      number: d.number,
      title: d.title,
      text: d.text,
      criteria: d.criteria,
      ksbs: links.filter((l) => l.dutyId === d.id).map((l) => l.code),
    })),
    ksbs: ksbRows.map(({ code, text }) => ({ code, text })),
  };
}

export function standardKsbCodes(db: Queryable, standardVersionId: number): string[] {
  return db
    .select({ code: ksbs.code })
    .from(ksbs)
    .where(eq(ksbs.standardVersionId, standardVersionId))
    .orderBy(asc(ksbs.position))
    .all()
    .map((r) => r.code);
}

/** What an administrator records about a standard version beyond its published file. */
type VersionFacts = Partial<
  Pick<typeof standardVersions.$inferInsert, 'offTheJobMinimumHours' | 'offTheJobMinimumSource' | 'qualificationNumber'>
>;

/** Records facts about a standard version, audited with what they were and why they changed. */
function recordVersionFacts(
  db: Queryable,
  standardVersionId: number,
  after: VersionFacts,
  change: { action: string; reason: string; actor: Actor },
): void {
  const row = db.select().from(standardVersions).where(eq(standardVersions.id, standardVersionId)).get();
  if (!row) throw new Error(`No standard version ${standardVersionId}`);
  const before = Object.fromEntries(Object.keys(after).map((key) => [key, row[key as keyof VersionFacts]]));
  db.update(standardVersions).set(after).where(eq(standardVersions.id, standardVersionId)).run();
  recordAudit(db, change.actor, {
    action: change.action,
    entityType: 'standard_version',
    entityId: `${row.reference} ${row.version}`,
    before,
    after,
    reason: change.reason,
  });
}

/** Records a version's published off-the-job minimum, audited with where it came from. */
export function recordOffTheJobMinimum(
  db: Queryable,
  standardVersionId: number,
  figure: { hours: number; source: string },
  actor: Actor,
): void {
  recordVersionFacts(
    db,
    standardVersionId,
    { offTheJobMinimumHours: figure.hours, offTheJobMinimumSource: figure.source },
    { action: 'standard.off_the_job_minimum_recorded', reason: figure.source, actor },
  );
}

/** Records (or removes, with null) a version's Ofqual qualification number, audited with where it was checked. */
export function recordQualificationNumber(
  db: Queryable,
  standardVersionId: number,
  input: { qualificationNumber: string | null; source: string },
  actor: Actor,
): void {
  recordVersionFacts(
    db,
    standardVersionId,
    { qualificationNumber: input.qualificationNumber },
    { action: 'standard.qualification_number_recorded', reason: input.source, actor },
  );
}

/** Whether this organisation is approved to assess the version, and on what evidence (undefined: not approved). */
export function approvalOf(
  db: Queryable,
  standardVersionId: number,
): { source: string; recordedAt: string } | undefined {
  return db
    .select({ source: epaoApprovals.source, recordedAt: epaoApprovals.recordedAt })
    .from(epaoApprovals)
    .where(eq(epaoApprovals.standardVersionId, standardVersionId))
    .get();
}

/**
 * Records that this organisation is (or is no longer) approved to assess a version, audited
 * with the evidence. Withdrawing an approval stops new apprentices on the version; those already
 * on it keep their assessments.
 */
export function recordApproval(
  db: Queryable,
  standardVersionId: number,
  input: { approved: boolean; source: string },
  actor: Actor,
  now: string,
): void {
  const row = db.select().from(standardVersions).where(eq(standardVersions.id, standardVersionId)).get();
  if (!row) throw new Error(`No standard version ${standardVersionId}`);
  const before = approvalOf(db, standardVersionId) !== undefined;
  if (input.approved)
    db.insert(epaoApprovals)
      .values({ standardVersionId, source: input.source, recordedAt: now })
      .onConflictDoUpdate({ target: epaoApprovals.standardVersionId, set: { source: input.source, recordedAt: now } })
      .run();
  else db.delete(epaoApprovals).where(eq(epaoApprovals.standardVersionId, standardVersionId)).run();
  recordAudit(db, actor, {
    action: 'standard.approval_recorded',
    entityType: 'standard_version',
    entityId: `${row.reference} ${row.version}`,
    before: { approved: before },
    after: { approved: input.approved },
    reason: input.source,
  });
}

/** The given KSBs of a standard version with their text, in the standard's order. */
export function standardKsbs(db: Queryable, standardVersionId: number, codes: readonly string[]): Ksb[] {
  return db
    .select({ code: ksbs.code, text: ksbs.text })
    .from(ksbs)
    .where(eq(ksbs.standardVersionId, standardVersionId))
    .orderBy(asc(ksbs.position))
    .all()
    .filter((k) => codes.includes(k.code));
}

/** The option titles of every version that has options, in published order, by version id. */
export function optionTitles(db: Queryable): Map<number, string[]> {
  const byVersion = new Map<number, string[]>();
  for (const o of db
    .select({ versionId: standardOptions.standardVersionId, title: standardOptions.title })
    .from(standardOptions)
    .orderBy(asc(standardOptions.standardVersionId), asc(standardOptions.position))
    .all())
    byVersion.set(o.versionId, [...(byVersion.get(o.versionId) ?? []), o.title]);
  return byVersion;
}

/** A version's options with their KSB codes in published order (none unless it has a core and options). */
export function versionOptions(db: Queryable, standardVersionId: number): { title: string; ksbs: string[] }[] {
  const rows = db
    .select({ optionId: standardOptions.id, title: standardOptions.title, code: ksbs.code })
    .from(standardOptions)
    .leftJoin(optionKsbs, eq(optionKsbs.optionId, standardOptions.id))
    .leftJoin(ksbs, eq(ksbs.id, optionKsbs.ksbId))
    .where(eq(standardOptions.standardVersionId, standardVersionId))
    .orderBy(asc(standardOptions.position), asc(ksbs.position))
    .all();
  const byOption = new Map<number, { title: string; ksbs: string[] }>();
  for (const row of rows) {
    let option = byOption.get(row.optionId);
    if (!option) byOption.set(row.optionId, (option = { title: row.title, ksbs: [] }));
    if (row.code) option.ksbs.push(row.code);
  }
  return [...byOption.values()];
}
