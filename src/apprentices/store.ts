import type { ApprenticeToAdd, NewApprentice } from '../gateway/store.js';
import { dateLabel, isoInstant } from '../dates.js';
import type { DateTime } from 'luxon';
import { and, asc, desc, eq, inArray, isNotNull, or, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import { preparedOnce } from '../db/prepared.js';
import {
  apprentices,
  auditEvents,
  bookings,
  employers,
  epaAttempts,
  epaoApprovals,
  gradings,
  gatewayDeclarations,
  gatewayItemsProvided,
  offTheJobHours,
  providers,
  qualifications,
  standardVersions,
  plans,
} from '../db/schema.js';
import type { Problem } from '../validation/problems.js';
import { optionTitles } from '../standards/store.js';
import type { ApprenticeScope } from './access.js';
import type { ApprenticeInput, DeclarationPart, OffTheJobInput, QualificationInput } from './schema.js';
import { offTheJobRow } from './schema.js';
import { pageFrom } from '../http/paging.js';
import type { JourneyFacts } from './journey.js';
import type { GatewayState } from '../gateway/status.js';

export type ApprenticeRow = typeof apprentices.$inferSelect;

/** The apprentices a scope lists. Erased apprentices (src/privacy/erasure.ts) are listed to nobody: only their anonymised results remain, in the reports. */
export function scopeCondition(scope: ApprenticeScope): SQL | undefined {
  switch (scope.kind) {
    case 'all':
      return listedIn('all');
    case 'provider':
      return listedIn('provider', scope.ukprn);
    case 'employer':
      return listedIn('employer', scope.employerId);
    case 'none':
      return sql`0`;
  }
}

/** The same condition by kind, its UKPRN or employer id given as a value or as the placeholder of a prepared query. */
export function listedIn(kind: 'all'): SQL;
export function listedIn(kind: 'all' | 'provider' | 'employer', id: string | Placeholder): SQL | undefined;
export function listedIn(kind: 'all' | 'provider' | 'employer', id?: string | Placeholder): SQL | undefined {
  // Nearly every apprentice is listed (erasure is rare), and SQLite is told so: without statistics
  // (before an ANALYZE) it would otherwise read every listed apprentice along the listing index to
  // find a few named by id (the status upkeep's 200 at 100,000 apprentices: 93 ms instead of 13).
  // `likely` changes no result, only the planner's estimate (https://sqlite.org/lang_corefunc.html#likely).
  const listed = sql`likely(${apprentices.erasedAt} is null)`;
  if (kind === 'all') return listed;
  // Never widen a provider's or employer's scope to everyone for want of its id.
  if (id === undefined) throw new Error(`A ${kind} scope needs its id`);
  return and(listed, eq(kind === 'provider' ? apprentices.providerUkprn : apprentices.employerId, id));
}

/**
 * Lookups the database must answer before apprentices can be written: standards, providers,
 * employers (small tables, read whole), and whether a ULN is in use (asked of the unique index per
 * ULN, so adding one apprentice costs the same at 100 or 100,000).
 */
interface References {
  standardVersionIds: Map<string, number>;
  providers: Set<string>;
  employers: Set<string>;
  ulnInUse: (uln: string) => boolean;
  /** Each plan's standard version, by plan id. */
  planVersions: Map<string, number>;
  /** The option each plan assesses (null: every option), by plan id. */
  planOptions: Map<string, string | null>;
  /** The plan of each option that has one of its own (optionPlans). */
  ownPlans: Map<string, string>;
  /** The versions this organisation is approved to assess, by id. */
  approved: Set<number>;
  /** Each standard version's start-date window from the national catalogue, by version id (null ends: open). */
  startWindows: Map<number, { from: string | null; to: string | null }>;
  /** The options of each version that has a core and options, by version id. */
  options: Map<number, string[]>;
}

/** Each standard version's id, by "reference/version". */
function standardVersionIds(db: Db): Map<string, number> {
  return new Map(
    db
      .select({ id: standardVersions.id, reference: standardVersions.reference, version: standardVersions.version })
      .from(standardVersions)
      .all()
      .map((s) => [`${s.reference}/${s.version}`, s.id]),
  );
}

/** Every plan with its version and the option it assesses (null: every option). */
function planRows(db: Db): { id: string; standardVersionId: number; option: string | null }[] {
  return db
    .select({
      id: plans.id,
      standardVersionId: plans.standardVersionId,
      option: sql<string | null>`json_extract(${plans.document}, '$.option')`,
    })
    .from(plans)
    .all();
}

/**
 * The plan of each option that has one of its own: "version id/option" → plan id (an option with
 * two plans of its own has none here: the record names the one it follows).
 */
function optionPlans(rows: ReturnType<typeof planRows>): Map<string, string> {
  const found = new Map<string, string | null>();
  for (const p of rows) {
    if (p.option === null) continue;
    const key = `${p.standardVersionId}/${p.option}`;
    found.set(key, found.has(key) ? null : p.id);
  }
  return new Map([...found].flatMap(([key, id]) => (id ? [[key, id] as const] : [])));
}

function loadReferences(db: Db): References {
  const plansHeld = planRows(db);
  const ulnLookup = db.$client.prepare('select 1 from apprentices where uln = ?').pluck();
  return {
    standardVersionIds: standardVersionIds(db),
    providers: new Set(
      db
        .select({ ukprn: providers.ukprn })
        .from(providers)
        .all()
        .map((p) => p.ukprn),
    ),
    employers: new Set(
      db
        .select({ id: employers.id })
        .from(employers)
        .all()
        .map((e) => e.id),
    ),
    ulnInUse: (uln) => ulnLookup.get(uln) !== undefined,
    approved: new Set(
      db
        .select({ id: epaoApprovals.standardVersionId })
        .from(epaoApprovals)
        .all()
        .map((a) => a.id),
    ),
    startWindows: new Map(
      db
        .select({
          id: standardVersions.id,
          from: standardVersions.earliestStartDate,
          to: standardVersions.latestStartDate,
        })
        .from(standardVersions)
        .all()
        .map(({ id, from, to }) => [id, { from, to }]),
    ),
    options: optionTitles(db),
    planOptions: new Map(plansHeld.map((p) => [p.id, p.option])),
    ownPlans: optionPlans(plansHeld),
    planVersions: new Map(
      db
        .select({ id: plans.id, standardVersionId: plans.standardVersionId })
        .from(plans)
        .all()
        .map((p) => [p.id, p.standardVersionId]),
    ),
  };
}

/**
 * What the database says against a record: unknown references, a version not approved, a start
 * outside the version's window (neither unless the record being edited, `own`, already has it),
 * a ULN held by someone else.
 */
function referenceProblems(
  input: ApprenticeInput,
  refs: References,
  own?: { uln: string; standardVersionId: number; startDate: string },
): Problem[] {
  const ownUln = own?.uln;
  const problems: Problem[] = [];
  if (!refs.standardVersionIds.has(`${input.standardReference}/${input.standardVersion}`)) {
    problems.push({
      path: 'standardVersion',
      message: `Standard ${input.standardReference} version ${input.standardVersion} is not in the catalogue`,
    });
  }
  const versionId = refs.standardVersionIds.get(`${input.standardReference}/${input.standardVersion}`);
  const window = versionId === undefined ? undefined : refs.startWindows.get(versionId);
  const named = `${input.standardReference} version ${input.standardVersion}`;
  if (versionId !== undefined && !refs.approved.has(versionId) && versionId !== own?.standardVersionId)
    problems.push({
      path: 'standardVersion',
      message: `This organisation is not approved to assess ${named}: an administrator records the approval on the standard’s page`,
    });
  // An apprentice is on the version whose start-date window (the catalogue's earliest and latest
  // start dates, its version log) holds their start date.
  // A record already on this version with this start keeps them, window or not (a name corrected is not refused).
  const unchanged = own !== undefined && versionId === own.standardVersionId && input.startDate === own.startDate;
  if (window?.from && input.startDate < window.from && !unchanged)
    problems.push({
      path: 'standardVersion',
      message: `${named} takes apprentices who start on or after ${dateLabel(window.from)}; one who starts on ${dateLabel(input.startDate)} is on an earlier version`,
    });
  if (window?.to && input.startDate > window.to && !unchanged)
    problems.push({
      path: 'standardVersion',
      message: `${named} takes apprentices who start on or before ${dateLabel(window.to)}; one who starts on ${dateLabel(input.startDate)} is on a later version`,
    });
  if (input.planId && versionId !== undefined && refs.planVersions.get(input.planId) !== versionId)
    problems.push({
      path: 'planId',
      message: `${input.standardReference} version ${input.standardVersion} has no assessment plan "${input.planId}"`,
    });
  else if (
    input.planId &&
    refs.planOptions.get(input.planId) &&
    refs.planOptions.get(input.planId) !== input.courseOption
  )
    problems.push({
      path: 'planId',
      message: `The plan "${input.planId}" assesses the option “${refs.planOptions.get(input.planId)}”: an apprentice on ${input.courseOption ? `“${input.courseOption}”` : 'no option'} follows another plan`,
    });
  problems.push(
    ...optionProblems(
      input.courseOption ?? null,
      versionId === undefined ? undefined : (refs.options.get(versionId) ?? []),
      named,
    ),
  );
  if (!refs.providers.has(input.providerUkprn))
    problems.push({ path: 'providerUkprn', message: `No provider with UKPRN ${input.providerUkprn} is registered` });
  if (!refs.employers.has(input.employerId))
    problems.push({ path: 'employerId', message: `No employer “${input.employerId}” is registered` });
  if (input.uln !== ownUln && refs.ulnInUse(input.uln)) problems.push(ulnHeldProblem(input.uln));
  return problems;
}

/**
 * An apprentice on a version with a core and options follows one of its options, by its published
 * title; on a version without, none. The apprenticeship service applies the same rule to a
 * certificate's CourseOption (das-assessor-service, BatchCertificateRequestValidator).
 */
export function optionProblems(
  option: string | null,
  options: readonly string[] | undefined,
  named: string,
): Problem[] {
  if (options === undefined) return [];
  if (options.length === 0)
    return option === null
      ? []
      : [{ path: 'courseOption', message: `${named} has no options: leave the option empty` }];
  if (option === null)
    return [
      { path: 'courseOption', message: `${named} has options: choose the apprentice’s option (${options.join('; ')})` },
    ];
  return options.includes(option)
    ? []
    : [
        {
          path: 'courseOption',
          message: `“${option}” is not an option of ${named}: choose one of ${options.join('; ')}`,
        },
      ];
}

/** A new apprentice's record as it is written (without its id). */
export type ApprenticeValues = ReturnType<typeof rowValues>;

/** The columns a new apprentice's record fills, in the order columnValues gives their values. */
export const NEW_APPRENTICE_COLUMNS =
  'uln, given_names, family_name, date_of_birth, start_date, planned_end_date, standard_version_id, provider_ukprn, employer_id, weekly_hours, plan_id, course_option, bsl_first_language, english_maths_choice';

/** A new apprentice's values for NEW_APPRENTICE_COLUMNS, in order. */
export function columnValues(v: ApprenticeValues) {
  return [
    v.uln,
    v.givenNames,
    v.familyName,
    v.dateOfBirth,
    v.startDate,
    v.plannedEndDate,
    v.standardVersionId,
    v.providerUkprn,
    v.employerId,
    v.weeklyHours,
    v.planId,
    v.courseOption,
    v.bslFirstLanguage ? 1 : 0,
    v.englishMathsChoice,
  ] as const;
}

/**
 * A record's values as stored. A record on an option that names no plan follows its option's own
 * plan, when its version has one for that option; otherwise the version's default plan.
 */
function rowValues(input: ApprenticeInput, standardVersionId: number, ownPlans: ReadonlyMap<string, string>) {
  const optionPlan = input.courseOption ? ownPlans.get(`${standardVersionId}/${input.courseOption}`) : undefined;
  return {
    uln: input.uln,
    givenNames: input.givenNames,
    familyName: input.familyName,
    dateOfBirth: input.dateOfBirth,
    startDate: input.startDate,
    plannedEndDate: input.plannedEndDate,
    standardVersionId,
    providerUkprn: input.providerUkprn,
    employerId: input.employerId,
    weeklyHours: input.weeklyHours,
    planId: input.planId || optionPlan || null,
    courseOption: input.courseOption ?? null,
    bslFirstLanguage: input.bslFirstLanguage,
    englishMathsChoice: input.englishMathsChoice,
  };
}

/**
 * The rows as insertCheckedApprentices will write them (without their ids), or null when a row
 * names a standard version that does not exist (the checks will refuse it).
 */
export function rowsToAdd(db: Db, inputs: readonly ApprenticeInput[]): ApprenticeToAdd[] | null {
  const versionIds = standardVersionIds(db);
  const ownPlans = optionPlans(planRows(db));
  const rows: ApprenticeToAdd[] = [];
  for (const input of inputs) {
    const versionId = versionIds.get(`${input.standardReference}/${input.standardVersion}`);
    if (versionId === undefined) return null;
    rows.push(rowValues(input, versionId, ownPlans));
  }
  return rows;
}

export interface RowProblem extends Problem {
  /** 1-based line in the CSV file (header is line 1), or index in a JSON array. */
  line: number;
}

/**
 * Rows that name their employer rather than give its id (a CSV kept in a spreadsheet), each with
 * the id of the one employer of that name (matched ignoring case and surrounding spaces). A name
 * two employers share is refused with their ids; a value that is neither id nor name is left for
 * checkNewApprentices to report.
 */
export function employersByIdOrName(
  db: Db,
  rows: { line: number; input: ApprenticeInput }[],
): { rows: { line: number; input: ApprenticeInput }[]; problems: RowProblem[] } {
  return resolveEmployers(employerIndex(db), rows);
}

/** Every employer's id, and the ids of each name (as matched: trimmed, in lower case). */
function employerIndex(db: Db) {
  const all = db.select({ id: employers.id, name: employers.name }).from(employers).all();
  const byName = new Map<string, string[]>();
  for (const e of all) {
    const key = nameKey(e.name);
    byName.set(key, [...(byName.get(key) ?? []), e.id]);
  }
  return { ids: new Set(all.map((e) => e.id)), byName };
}

const nameKey = (name: string) => name.trim().toLowerCase();

/** employersByIdOrName over an index read beforehand; each name matched is added to `named`. */
function resolveEmployers(
  index: ReturnType<typeof employerIndex>,
  rows: { line: number; input: ApprenticeInput }[],
  named?: Set<string>,
): { rows: { line: number; input: ApprenticeInput }[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const resolved = rows.map((row) => {
    if (index.ids.has(row.input.employerId)) return row;
    const key = nameKey(row.input.employerId);
    const ids = index.byName.get(key) ?? [];
    if (ids.length === 1) {
      named?.add(key);
      return { ...row, input: { ...row.input, employerId: ids[0]! } };
    }
    if (ids.length > 1)
      problems.push({
        line: row.line,
        path: 'employerId',
        message: `${ids.length} employers are named “${row.input.employerId}”: give the employer id (${ids.join(', ')})`,
      });
    return row;
  });
  return { rows: resolved, problems };
}

/**
 * Every problem the database can see in new rows: unknown standard, provider or employer,
 * a ULN already held, or a ULN repeated among the rows.
 */
export function checkNewApprentices(db: Db, rows: { line: number; input: ApprenticeInput }[]): RowProblem[] {
  return newApprenticeChecks(db).check(rows);
}

/** The ULNs of a JSON array that apprentices hold: each looked up in the ULN index. */
export const HELD_ULNS = 'select a.uln from json_each(?) j join apprentices a on a.uln = j.value';

/**
 * checkNewApprentices for rows given a batch at a time (a large import's, as its file is read):
 * the references are read once, a ULN repeated in a later batch is still found, and each checked
 * row's values as written (`values`) come from the same references.
 */
export function newApprenticeChecks(db: Db) {
  const refs = loadReferences(db);
  const employersNow = employerIndex(db);
  const ulnsHeld = db.$client.prepare(HELD_ULNS).pluck();
  const firstLine = new Map<string, number>();
  return {
    /** employersByIdOrName, each name matched noted in `used`. */
    resolveEmployers(rows: { line: number; input: ApprenticeInput }[], used: UsedReferences) {
      return resolveEmployers(employersNow, rows, used.employerNames);
    },
    check(rows: { line: number; input: ApprenticeInput }[]): RowProblem[] {
      const problems: RowProblem[] = [];
      // The batch's ULNs already held, found in one query rather than one a row (a third of a large import's checking).
      const held = new Set(ulnsHeld.all(JSON.stringify(rows.map((r) => r.input.uln))) as string[]);
      const batchRefs: References = { ...refs, ulnInUse: (uln) => held.has(uln) };
      for (const { line, input } of rows) {
        for (const p of referenceProblems(input, batchRefs)) problems.push({ ...p, line });
        const seen = firstLine.get(input.uln);
        if (seen !== undefined)
          problems.push({ line, path: 'uln', message: `ULN ${input.uln} is also on line ${seen}` });
        else firstLine.set(input.uln, line);
      }
      return problems;
    },
    /** A row with no problem, as it will be written (without its id). */
    values(input: ApprenticeInput): ApprenticeValues {
      return rowValues(
        input,
        refs.standardVersionIds.get(`${input.standardReference}/${input.standardVersion}`)!,
        refs.ownPlans,
      );
    },
    /**
     * What these checks read of the references `used`, as one string. Taken from the references
     * the checks themselves read, and again from the database later (a new newApprenticeChecks),
     * the two differ if another user's change in between (an approval withdrawn, a plan, provider
     * or employer removed, a second employer of a name) could change the checks' answer.
     */
    basis(used: UsedReferences): string {
      return JSON.stringify([
        [...refs.standardVersionIds],
        [...used.versions].map((id) => [id, refs.approved.has(id), refs.startWindows.get(id), refs.options.get(id)]),
        [...used.plans].map((id) => [id, refs.planVersions.get(id), refs.planOptions.get(id)]),
        [...refs.ownPlans],
        [...used.providers].filter((ukprn) => !refs.providers.has(ukprn)),
        [...used.employers].filter((id) => !refs.employers.has(id)),
        [...used.employerNames].map((name) => employersNow.byName.get(name)),
      ]);
    },
  };
}

/** The references rows use, noted as they are checked, for a basis to compare. */
export interface UsedReferences {
  versions: Set<number>;
  plans: Set<string>;
  providers: Set<string>;
  employers: Set<string>;
  /** Employers' names matched (trimmed, in lower case). */
  employerNames: Set<string>;
}

/** The problem of a new apprentice whose ULN another apprentice holds. */
export const ulnHeldProblem = (uln: string): Problem => ({
  path: 'uln',
  message: `An apprentice with ULN ${uln} already exists`,
});

/**
 * Adds apprentices all or nothing: if any row has a problem nothing is written. Otherwise
 * all rows go in one transaction with one prepared statement, and one audit row.
 */
export function addApprentices(
  db: Db,
  rows: { line: number; input: ApprenticeInput }[],
  actor: Actor,
  source: string,
): { ok: true; count: number } | { ok: false; problems: RowProblem[] } {
  return db.transaction(
    () => {
      const problems = checkNewApprentices(db, rows);
      if (problems.length > 0) return { ok: false as const, problems };
      return { ok: true as const, count: insertCheckedApprentices(db, rows, actor, source).length };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Writes rows that checkNewApprentices found no problem with (one prepared statement and one
 * audit row) and returns them as written, with their ids. Call it inside the transaction that
 * ran the checks (better-sqlite3 runs both on the one connection), so the checks still hold when
 * the rows are written.
 */
export function insertCheckedApprentices(
  db: Db,
  rows: { line: number; input: ApprenticeInput }[],
  actor: Actor,
  source: string,
): NewApprentice[] {
  if (!db.$client.inTransaction)
    throw new Error('insertCheckedApprentices must run inside the transaction that checked the rows');
  const versionIds = standardVersionIds(db);
  const insert = db.$client.prepare(
    `insert into apprentices (${NEW_APPRENTICE_COLUMNS}) values (${NEW_APPRENTICE_COLUMNS.split(',').fill('?').join(', ')})`,
  );
  const ownPlans = optionPlans(planRows(db));
  // Positional values and no object spreads: at 100,000 rows a spread copy per row is hundreds of
  // megabytes that outlive the young generation (measured with V8's sampling heap profiler).
  const added = rows.map(({ input }): NewApprentice => {
    const v = rowValues(input, versionIds.get(`${input.standardReference}/${input.standardVersion}`)!, ownPlans);
    const { lastInsertRowid } = insert.run(...columnValues(v));
    return Object.assign(v, { id: Number(lastInsertRowid) });
  });
  recordApprenticesAdded(
    db,
    actor,
    source,
    rows.map((r) => r.input.uln),
    rows.length === 1 ? rows[0]!.input : undefined,
  );
  return added;
}

/**
 * The audit row of apprentices added: one created (with the record as entered, `single`) or many
 * imported (how many, from where, and their ULNs in line order).
 */
export function recordApprenticesAdded(
  db: Db,
  actor: Actor,
  source: string,
  ulns: readonly string[],
  single: ApprenticeInput | undefined,
): void {
  recordAudit(db, actor, {
    action: single ? 'apprentice.created' : 'apprentices.imported',
    entityType: 'apprentice',
    entityId: single ? single.uln : `${ulns.length} apprentices`,
    after: single ?? { count: ulns.length, source, ulns },
  });
}

export function updateApprentice(
  db: Db,
  id: number,
  input: ApprenticeInput,
  actor: Actor,
  reason: string | null,
): { ok: true } | { ok: false; problems: Problem[] } {
  const before = db.select().from(apprentices).where(eq(apprentices.id, id)).get();
  if (!before) return { ok: false, problems: [{ path: 'uln', message: 'There is no such apprentice' }] };
  const refs = loadReferences(db);
  // A form or body that does not mention the option leaves it as it is on the same version.
  const versionId = refs.standardVersionIds.get(`${input.standardReference}/${input.standardVersion}`);
  if (input.courseOption === undefined && versionId === before.standardVersionId)
    input = { ...input, courseOption: before.courseOption };
  const problems = referenceProblems(input, refs, before);
  if (problems.length > 0) return { ok: false, problems };
  const values = rowValues(input, versionId!, refs.ownPlans);
  // The plan on an edit: the one named; else, when the version or option changes, the new option's
  // own plan or the version's default; else as it was (a form that does not mention the plan) or
  // the version's default (a form that chose it). A correction never moves a record to another plan.
  if (!input.planId) {
    const changed =
      values.standardVersionId !== before.standardVersionId || values.courseOption !== before.courseOption;
    if (!changed) values.planId = input.planId === undefined ? before.planId : null;
  }
  db.transaction((tx) => {
    tx.update(apprentices)
      .set({ ...values, updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` })
      .where(eq(apprentices.id, id))
      .run();
    const changed = Object.fromEntries(
      Object.entries(values).filter(([k, v]) => before[k as keyof typeof before] !== v),
    );
    const was = Object.fromEntries(Object.keys(changed).map((k) => [k, before[k as keyof typeof before]]));
    recordAudit(tx, actor, {
      action: 'apprentice.updated',
      entityType: 'apprentice',
      entityId: before.uln,
      before: was,
      after: changed,
      reason,
    });
  });
  return { ok: true };
}

/**
 * Puts right an apprentice's ULN, audited with the one it replaces. Refused when another
 * apprentice holds the new ULN, or once a result has gone to the apprenticeship service under
 * the old one (the service knows the learner by it: correct it there first, then here).
 */
export function correctApprenticeUln(db: Db, id: number, uln: string, actor: Actor, reason: string): Problem[] {
  return db.transaction(
    (tx) => {
      const before = tx.select({ uln: apprentices.uln }).from(apprentices).where(eq(apprentices.id, id)).get();
      if (!before) return [{ path: 'uln', message: 'There is no such apprentice' }];
      if (before.uln === uln) return [{ path: 'uln', message: `${uln} is the ULN already recorded` }];
      if (tx.select({ id: apprentices.id }).from(apprentices).where(eq(apprentices.uln, uln)).get())
        return [{ path: 'uln', message: `Another apprentice has ULN ${uln}` }];
      const claimed = tx
        .select({ id: epaAttempts.id })
        .from(epaAttempts)
        .where(
          and(
            eq(epaAttempts.apprenticeId, id),
            or(isNotNull(epaAttempts.claimedAt), isNotNull(epaAttempts.serviceSentAt)),
          ),
        )
        .get();
      if (claimed)
        return [
          {
            path: 'uln',
            message: `A result has gone to the apprenticeship service under ULN ${before.uln}: have it corrected there first, then here`,
          },
        ];
      tx.update(apprentices)
        .set({ uln, updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` })
        .where(eq(apprentices.id, id))
        .run();
      // The audit log files an apprentice's entries under their ULN: the earlier ones move with the
      // record (their content unchanged), so its history, a subject-access export and an erasure
      // still find every one. This entry keeps the old ULN.
      tx.update(auditEvents)
        .set({ entityId: uln })
        .where(and(eq(auditEvents.entityType, 'apprentice'), eq(auditEvents.entityId, before.uln)))
        .run();
      recordAudit(tx, actor, {
        action: 'apprentice.uln_corrected',
        entityType: 'apprentice',
        entityId: uln,
        before: { uln: before.uln },
        after: { uln },
        reason,
      });
      return [];
    },
    { behavior: 'immediate' },
  );
}

export interface ApprenticeDetail extends ApprenticeRow {
  providerName: string;
  employerName: string;
  standardReference: string;
  standardVersion: string;
  standardTitle: string;
  standardLevel: number;
  /** The standard version's published minimum off-the-job hours, if recorded. */
  publishedOffTheJobHours: number | null;
}

/** An apprentice's ULN and names, as lists that name an apprentice select them. */
export const APPRENTICE_NAME_COLUMNS = {
  uln: apprentices.uln,
  givenNames: apprentices.givenNames,
  familyName: apprentices.familyName,
};

const detailColumns = {
  apprentice: apprentices,
  providerName: providers.name,
  employerName: employers.name,
  standardReference: standardVersions.reference,
  standardVersion: standardVersions.version,
  standardTitle: standardVersions.title,
  standardLevel: standardVersions.level,
  publishedOffTheJobHours: standardVersions.offTheJobMinimumHours,
};

/** Apprentices joined with their provider, employer and standard (and any `extra` columns of tables the caller joins); callers add where/order. */
export function detailQuery<E extends Record<string, SQLiteColumn>>(db: Queryable, extra: E = {} as E) {
  return db
    .select({ ...detailColumns, ...extra })
    .from(apprentices)
    .innerJoin(providers, eq(providers.ukprn, apprentices.providerUkprn))
    .innerJoin(employers, eq(employers.id, apprentices.employerId))
    .innerJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId));
}

export const flatten = ({
  apprentice,
  ...rest
}: { apprentice: ApprenticeRow } & Omit<ApprenticeDetail, keyof ApprenticeRow>): ApprenticeDetail => ({
  ...apprentice,
  ...rest,
});

export function findApprenticeById(db: Queryable, id: number): ApprenticeDetail | undefined {
  const row = byId(db).get({ id });
  return row ? flatten(row) : undefined;
}

const byId = preparedOnce((db) =>
  detailQuery(db)
    .where(eq(apprentices.id, sql.placeholder('id')))
    .prepare(),
);

export function findApprenticeByUln(db: Db, uln: string): ApprenticeDetail | undefined {
  const row = byUln(db).get({ uln });
  return row ? flatten(row) : undefined;
}

/** Every page of an apprentice starts here, so its query is prepared once. */
const byUln = preparedOnce((db) =>
  detailQuery(db)
    .where(eq(apprentices.uln, sql.placeholder('uln')))
    .prepare(),
);

/* ---------- Evidence ---------- */

/** The apprentice's English and maths qualifications, the first recorded first. */
export function qualificationsOf(db: Queryable, apprenticeId: number) {
  return db
    .select()
    .from(qualifications)
    .where(eq(qualifications.apprenticeId, apprenticeId))
    .orderBy(asc(qualifications.id))
    .all();
}

/** Records an English or maths qualification, audited; returns its id (its certificate's files are kept under it). */
export function addQualification(db: Db, apprentice: ApprenticeRow, input: QualificationInput, actor: Actor): number {
  return db.transaction((tx) => {
    const row = tx
      .insert(qualifications)
      .values({ apprenticeId: apprentice.id, ...input })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'qualification.added',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      after: row,
    });
    return row.id;
  });
}

/** Logs off-the-job hours (one day's, or a span's total), audited; `rows` of a CSV log go in together. */
export function addOffTheJobHours(
  db: Db,
  apprentice: ApprenticeRow,
  input: OffTheJobInput | OffTheJobInput[],
  actor: Actor,
  source?: string,
): void {
  const entries = Array.isArray(input) ? input : [input];
  db.transaction((tx) => {
    const rows = entries.map((e) =>
      tx
        .insert(offTheJobHours)
        .values({ apprenticeId: apprentice.id, ...offTheJobRow(e) })
        .returning()
        .get(),
    );
    recordAudit(tx, actor, {
      action: 'off_the_job.logged',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      after: rows.length === 1 ? rows[0] : { count: rows.length, source, hours: rows.reduce((t, r) => t + r.hours, 0) },
    });
  });
}

export type OffTheJobEntry = typeof offTheJobHours.$inferSelect;

/** One entry of this apprentice's log (another apprentice's entry is not theirs: undefined). */
export function offTheJobEntry(db: Db, apprentice: ApprenticeRow, id: number): OffTheJobEntry | undefined {
  return db
    .select()
    .from(offTheJobHours)
    .where(and(eq(offTheJobHours.id, id), eq(offTheJobHours.apprenticeId, apprentice.id)))
    .get();
}

/** Puts an entry right (its days, hours, activity or kind), audited with before, after and why. */
export function correctOffTheJobHours(
  db: Db,
  apprentice: ApprenticeRow,
  entry: OffTheJobEntry,
  input: OffTheJobInput,
  reason: string,
  actor: Actor,
): void {
  db.transaction((tx) => {
    const after = tx
      .update(offTheJobHours)
      .set(offTheJobRow(input))
      .where(eq(offTheJobHours.id, entry.id))
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'off_the_job.corrected',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before: entry,
      after,
      reason,
    });
  });
}

/** Removes an entry logged in error, audited with what it was and why. */
export function removeOffTheJobHours(
  db: Db,
  apprentice: ApprenticeRow,
  entry: OffTheJobEntry,
  reason: string,
  actor: Actor,
): void {
  db.transaction((tx) => {
    tx.delete(offTheJobHours).where(eq(offTheJobHours.id, entry.id)).run();
    recordAudit(tx, actor, {
      action: 'off_the_job.removed',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before: entry,
      reason,
    });
  });
}

export interface OffTheJobFilter {
  kind?: OffTheJobInput['kind'];
  /** Entries whose last day is on or after `from` and on or before `to`. */
  from?: string;
  to?: string;
}

/** One page of the apprentice's log, newest first, with how many entries and hours the filter finds. */
export function offTheJobLog(db: Db, apprentice: ApprenticeRow, filter: OffTheJobFilter, page: number) {
  const where = and(
    eq(offTheJobHours.apprenticeId, apprentice.id),
    filter.kind ? eq(offTheJobHours.kind, filter.kind) : undefined,
    filter.from ? sql`${offTheJobHours.date} >= ${filter.from}` : undefined,
    filter.to ? sql`${offTheJobHours.date} <= ${filter.to}` : undefined,
  );
  const totals = db
    .select({ n: sql<number>`count(*)`, hours: sql<number>`coalesce(sum(${offTheJobHours.hours}), 0)` })
    .from(offTheJobHours)
    .where(where)
    .get()!;
  return {
    hours: totals.hours,
    ...pageFrom(totals.n, page, (limit, offset) =>
      db
        .select()
        .from(offTheJobHours)
        .where(where)
        .orderBy(desc(offTheJobHours.date), desc(offTheJobHours.id))
        .limit(limit)
        .offset(offset)
        .all(),
    ),
  };
}

export function recordPlanItem(
  db: Db,
  apprentice: ApprenticeRow,
  itemId: string,
  reference: string,
  actor: Actor,
): void {
  db.transaction((tx) => {
    const before = tx
      .select()
      .from(gatewayItemsProvided)
      .where(and(eq(gatewayItemsProvided.apprenticeId, apprentice.id), eq(gatewayItemsProvided.itemId, itemId)))
      .get();
    tx.insert(gatewayItemsProvided)
      .values({ apprenticeId: apprentice.id, itemId, reference, providedBy: actor.userId })
      .onConflictDoUpdate({
        target: [gatewayItemsProvided.apprenticeId, gatewayItemsProvided.itemId],
        set: { reference, providedBy: actor.userId },
      })
      .run();
    recordAudit(tx, actor, {
      action: 'gateway_item.provided',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before: before ?? null,
      after: { itemId, reference },
    });
  });
}

const DECLARATION_COLUMNS = {
  employer: { at: 'employerConfirmedAt', by: 'employerConfirmedBy' },
  provider: { at: 'providerConfirmedAt', by: 'providerConfirmedBy' },
  apprentice: { at: 'apprenticeConfirmedAt', by: 'apprenticeConfirmedBy' },
  certificate_permission: { at: 'certificatePermissionAt', by: 'certificatePermissionBy' },
} as const;

export function confirmDeclaration(
  db: Db,
  apprentice: ApprenticeRow,
  part: DeclarationPart,
  actor: Actor,
  at: DateTime,
): void {
  const columns = DECLARATION_COLUMNS[part];
  const now = isoInstant(at);
  db.transaction((tx) => {
    tx.insert(gatewayDeclarations)
      .values({ apprenticeId: apprentice.id, [columns.at]: now, [columns.by]: actor.userId })
      .onConflictDoUpdate({
        target: gatewayDeclarations.apprenticeId,
        set: { [columns.at]: now, [columns.by]: actor.userId },
      })
      .run();
    recordAudit(tx, actor, {
      action: `gateway_declaration.${part}_confirmed`,
      entityType: 'apprentice',
      entityId: apprentice.uln,
      after: { [columns.at]: now },
    });
  });
}

/* ---------- Where the apprentice stands ---------- */

/** The facts journeyStatus reads for one apprentice, given their gateway state. */
export function journeyFacts(db: Queryable, apprentice: ApprenticeRow, gateway: GatewayState): JourneyFacts {
  return { gateway, ...journeyFactsOf(db, [apprentice.id]).get(apprentice.id)! };
}

const NO_ATTEMPT: Omit<JourneyFacts, 'gateway'> = {
  attempt: null,
  activeBookings: 0,
  submittedGradings: 0,
  pendingModeration: 0,
};
/** How many ids one query names (well under SQLite's limit on bound values). */
const IDS_A_QUERY = 5000;

/**
 * The facts journeyStatus reads (all but the gateway state) for many apprentices at once: three
 * grouped queries a batch of ids, so a list costs its length, not three queries a row.
 */
export function journeyFactsOf(db: Queryable, ids: readonly number[]): Map<number, Omit<JourneyFacts, 'gateway'>> {
  const facts = new Map<number, Omit<JourneyFacts, 'gateway'>>(ids.map((id) => [id, { ...NO_ATTEMPT }]));
  for (let from = 0; from < ids.length; from += IDS_A_QUERY) {
    const batch = ids.slice(from, from + IDS_A_QUERY);
    const latest = db
      .select({
        apprenticeId: epaAttempts.apprenticeId,
        id: epaAttempts.id,
        overallGrade: epaAttempts.overallGrade,
        releasedAt: epaAttempts.releasedAt,
        claimedAt: epaAttempts.claimedAt,
      })
      .from(epaAttempts)
      .where(
        and(
          inArray(epaAttempts.apprenticeId, batch),
          sql`${epaAttempts.number} = (select max(x.number) from epa_attempts x where x.apprentice_id = ${epaAttempts.apprenticeId})`,
        ),
      )
      .all();
    const byAttempt = new Map<number, number>();
    for (const { apprenticeId, id, ...attempt } of latest) {
      facts.get(apprenticeId)!.attempt = attempt;
      byAttempt.set(id, apprenticeId);
    }
    const graded = sql`exists (select 1 from gradings g where g.booking_id = ${bookings.id} and g.status = 'submitted')`;
    for (const row of db
      .select({ apprenticeId: bookings.apprenticeId, n: sql<number>`count(*)` })
      .from(bookings)
      .where(
        and(inArray(bookings.apprenticeId, batch), inArray(bookings.status, ['held', 'confirmed']), sql`not ${graded}`),
      )
      .groupBy(bookings.apprenticeId)
      .all())
      facts.get(row.apprenticeId)!.activeBookings = row.n;
    if (byAttempt.size === 0) continue;
    for (const row of db
      .select({
        attemptId: gradings.attemptId,
        submitted: sql<number>`count(*)`,
        pending: sql<number>`coalesce(sum(${gradings.moderation} = 'pending'), 0)`,
      })
      .from(gradings)
      .where(and(inArray(gradings.attemptId, [...byAttempt.keys()]), eq(gradings.status, 'submitted')))
      .groupBy(gradings.attemptId)
      .all()) {
      const f = facts.get(byAttempt.get(row.attemptId)!)!;
      f.submittedGradings = row.submitted;
      f.pendingModeration = row.pending;
    }
  }
  return facts;
}
