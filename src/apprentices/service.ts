import type { DateTime } from 'luxon';
import { z } from 'zod';
import type { Db } from '../db/connection.js';
import type { Problem } from '../validation/problems.js';
import { problemsFromZod } from '../validation/problems.js';
import {
  addEarlierEpisode,
  addLearningBreak,
  recordBehaviourVerification,
  breaksOf,
  behaviourVerificationOf,
  earlierEpisodesOf,
  flexibilityOf,
  recordFlexibility,
  recordPriorLearning,
  removeCircumstanceRow,
  withdrawFlexibility,
} from './circumstance-store.js';
import { todayInLondon } from '../dates.js';
import {
  cacheNewApprentices,
  checkDecisionsOf,
  evaluateApprentice,
  gatewayState,
  newApprenticeInputs,
  submissionsOf,
  workOutNewApprentices,
} from '../gateway/store.js';
import { memoUntilChange } from '../db/change-stamp.js';
import { bookingsOfApprentice } from '../bookings/store.js';
import { deliveryOf } from '../certificates/store.js';
import { journeyStatus } from './journey.js';
import { planForApprentice } from '../plans/store.js';
import {
  behaviourVerificationInputSchema,
  earlierEpisodeInputSchema,
  flexibilityInputSchema,
  learningBreakInputSchema,
  priorLearningInputSchema,
  offTheJobCorrectionSchema,
  offTheJobInputSchema,
  offTheJobRemovalSchema,
  reasonField,
  ulnCorrectionSchema,
  type ApprenticeInput,
  type OffTheJobInput,
} from './schema.js';
import { parseHoursCsv } from './hours-csv.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { canActOn, type ApprenticeAction } from './access.js';
import { onePerField, readApprenticeCsv, type ImportResult } from './import.js';
import { closeStage, openStage, stagedUlnsHeld, writeStaged } from './import-stage.js';
import {
  addOffTheJobHours,
  checkNewApprentices,
  correctApprenticeUln,
  correctOffTheJobHours,
  offTheJobEntry,
  removeOffTheJobHours,
  type OffTheJobEntry,
  employersByIdOrName,
  insertCheckedApprentices,
  newApprenticeChecks,
  recordApprenticesAdded,
  rowsToAdd,
  ulnHeldProblem,
  type ApprenticeValues,
  type UsedReferences,
  findApprenticeByUln,
  journeyFacts,
  type ApprenticeDetail,
  type RowProblem,
} from './store.js';

/**
 * Everything an apprentice's page shows of their records, the same for whoever may see it
 * (the page adds what this user may do): their gateway evaluation and state, requests and
 * decisions, where they stand, circumstances, certificate address and bookings. About twenty
 * queries, so read once until the database changes.
 */
export function apprenticeRecords(db: Db, a: ApprenticeDetail, on: string): ApprenticeRecords {
  return recordsUntilChange(db, `${a.id} ${on}`, () => readRecords(db, a, on));
}

type ApprenticeRecords = ReturnType<typeof readRecords>;
const recordsUntilChange = memoUntilChange<ApprenticeRecords>(500);

/** Where an apprentice stands on `on`: their gateway evaluation and state, and where they are on the journey. */
export function standingOf(db: Db, a: ApprenticeDetail, on: string) {
  const evaluated = evaluateApprentice(db, a, on);
  const state = gatewayState(evaluated.evaluation, evaluated.latest);
  return { ...evaluated, state, journey: journeyStatus(journeyFacts(db, a, state)) };
}

function readRecords(db: Db, a: ApprenticeDetail, on: string) {
  return {
    ...standingOf(db, a, on),
    submissions: submissionsOf(db, a.id).map((s) => ({ ...s, checks: checkDecisionsOf(db, s.id) })),
    flexibility: flexibilityOf(db, a.id),
    breaks: breaksOf(db, a.id),
    earlierEpisodes: earlierEpisodesOf(db, a.id),
    verification: behaviourVerificationOf(db, a.id) ?? null,
    delivery: deliveryOf(db, a.id) ?? null,
    bookings: bookingsOfApprentice(db, a.id),
  };
}

/**
 * The apprentice named in a request, if this user may do this to it. Someone who may not
 * even see the apprentice is told it is not there (404), so their record cannot be read;
 * someone who may see it but not do this is refused (forbidden). Pages and the API both come
 * through here. (Adding an apprentice must still say when a ULN is already held: a ULN is
 * one person, and the EPAO resolves a transfer between providers.)
 */
export function apprenticeFor(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  action: ApprenticeAction,
): Result<ApprenticeDetail> {
  const apprentice = typeof uln === 'string' && /^\d{10}$/.test(uln) ? findApprenticeByUln(db, uln) : undefined;
  if (!apprentice || !canActOn(user, apprentice, 'view'))
    return refuse('not_found', 'There is no apprentice with that ULN in your records');
  if (!canActOn(user, apprentice, action)) return refuse('forbidden', 'You do not have permission to do this');
  return ok(apprentice);
}

/** An administrator puts right an apprentice's ULN (the check digit checked), with a reason; audited. */
export function correctUln(db: Db, user: CurrentUser, uln: unknown, input: unknown): Result<ApprenticeDetail> {
  const found = apprenticeFor(db, user, uln, 'correct_uln');
  if (!found.ok) return found;
  const parsed = ulnCorrectionSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const problems = correctApprenticeUln(db, found.value.id, parsed.data.uln, actorOf(user), parsed.data.reason);
  if (problems.length > 0) return refuse('invalid', problems);
  return ok(findApprenticeByUln(db, parsed.data.uln)!);
}

/** A provider's own UKPRN, used for rows that leave it blank. */
export function importDefaults(user: CurrentUser): { providerUkprn?: string } {
  return user.role === 'provider' && user.providerUkprn ? { providerUkprn: user.providerUkprn } : {};
}

type ImportOutcome = { ok: true; count: number } | { ok: false; problems: RowProblem[] };

/**
 * Writes rows for this user, all or nothing, after listing every problem of every row: the
 * schema's (already in `parsed`), a provider's rows for another UKPRN, and the database's
 * (unknown references, ULNs held or repeated).
 */
export function importForUser(
  db: Db,
  user: CurrentUser,
  parsed: ImportResult,
  source: string,
  on?: string,
): ImportOutcome {
  return prepareImport(db, user, parsed, on).write(source);
}

/**
 * An import in two steps: what needs no write lock (a provider's rows for another UKPRN, and the
 * new apprentices' gateway status on `on`, today), then `write`, one immediate transaction with
 * the database's checks and the writes. A worker thread asks for the write lock between the two
 * (src/ops/write-gate.ts), so that the lock is held for the writes alone.
 */
export function prepareImport(
  db: Db,
  user: CurrentUser,
  parsed: ImportResult,
  on?: string,
): { write: (source: string) => ImportOutcome } {
  const problems = [...parsed.problems];
  if (user.role === 'provider') {
    for (const r of parsed.rows) {
      if (r.input.providerUkprn !== user.providerUkprn)
        problems.push({ line: r.line, path: 'providerUkprn', message: ownUkprnOnly(user) });
    }
  }
  // The status is stored with the apprentices, so that a large import leaves no evaluation of
  // thousands to the next dashboard request.
  const toAdd =
    on && problems.length === 0
      ? rowsToAdd(
          db,
          parsed.rows.map((r) => r.input),
        )
      : null;
  const ahead = on && toAdd ? workOutNewApprentices(db, toAdd, on) : undefined;
  return {
    // The database's checks and the insert share one immediate transaction, so another process
    // cannot add a clashing ULN in between.
    write: (source) =>
      db.transaction(
        () => {
          const named = employersByIdOrName(db, parsed.rows);
          problems.push(...named.problems, ...checkNewApprentices(db, named.rows));
          if (problems.length > 0) return { ok: false as const, problems: onePerField(problems) };
          const added = insertCheckedApprentices(db, named.rows, actorOf(user), source);
          if (on) cacheNewApprentices(db, added, on, ahead);
          return { ok: true as const, count: added.length };
        },
        { behavior: 'immediate' },
      ),
  };
}

/**
 * A CSV import staged as its file is read (import-stage.ts): each batch of rows checked against
 * the database and given its gateway status on `on`, without the write lock, and the rows held
 * in a temporary table rather than in memory. `refused` lists every problem of a file that
 * cannot be imported (nothing then waits for the lock). `write` takes the lock for the writes
 * alone; if what the checks read has changed meanwhile (another user's edit), the file is read
 * and checked again under the lock, and a ULN added meanwhile is refused.
 */
export function prepareCsvImport(
  db: Db,
  user: CurrentUser,
  file: Uint8Array,
  defaults: Partial<Record<keyof ApprenticeInput, string>>,
  on: string,
): { refused: ImportOutcome | null; write: (source: string) => ImportOutcome } {
  let staged = stageCsv(db, user, file, defaults, on);
  if (staged.problems.length > 0) {
    closeStage(db);
    const refused: ImportOutcome = { ok: false, problems: onePerField(staged.problems) };
    return { refused, write: () => refused };
  }
  const write = (source: string): ImportOutcome => {
    try {
      return db.transaction(
        () => {
          if (staged.basis() !== staged.basisThen) staged = stageCsv(db, user, file, defaults, on);
          const problems =
            staged.problems.length > 0
              ? staged.problems
              : stagedUlnsHeld(db).map(({ line, uln }) => ({ line, ...ulnHeldProblem(uln) }));
          if (problems.length > 0) return { ok: false as const, problems: onePerField(problems) };
          const ulns = writeStaged(db, on);
          recordApprenticesAdded(db, actorOf(user), source, ulns, staged.single);
          return { ok: true as const, count: ulns.length };
        },
        { behavior: 'immediate' },
      );
    } finally {
      closeStage(db);
    }
  };
  return { refused: null, write };
}

/**
 * Reads, checks and stages a CSV file's rows (prepareCsvImport): every problem, or none and the
 * rows staged with their statuses. `basisThen` is what the checks and statuses read of the
 * references the rows use; `basis()` reads it again.
 */
function stageCsv(
  db: Db,
  user: CurrentUser,
  file: Uint8Array,
  defaults: Partial<Record<keyof ApprenticeInput, string>>,
  on: string,
) {
  try {
    return stageRows(db, user, file, defaults, on);
  } catch (error) {
    closeStage(db);
    throw error;
  }
}

function stageRows(
  db: Db,
  user: CurrentUser,
  file: Uint8Array,
  defaults: Partial<Record<keyof ApprenticeInput, string>>,
  on: string,
) {
  const stage = openStage(db);
  const checks = newApprenticeChecks(db);
  const statuses = newApprenticeInputs(db);
  const used: UsedReferences = {
    versions: new Set(),
    plans: new Set(),
    providers: new Set(),
    employers: new Set(),
    employerNames: new Set(),
  };
  const byPlan = new Map<string, ApprenticeValues>();
  const found: RowProblem[] = [];
  let staged = 0;
  let single: ApprenticeInput | undefined;
  const read = readApprenticeCsv(file, defaults, (batch) => {
    if (user.role === 'provider')
      for (const r of batch)
        if (r.input.providerUkprn !== user.providerUkprn)
          found.push({ line: r.line, path: 'providerUkprn', message: ownUkprnOnly(user) });
    const named = checks.resolveEmployers(batch, used);
    found.push(...named.problems, ...checks.check(named.rows));
    // Once a row has a problem nothing will be written, so the rest are checked but not staged.
    if (found.length > 0) return;
    for (const { line, input } of named.rows) {
      const values = checks.values(input);
      stage.add(line, values, statuses.evaluate(values, on));
      used.versions.add(values.standardVersionId);
      if (values.planId) used.plans.add(values.planId);
      used.providers.add(values.providerUkprn);
      used.employers.add(values.employerId);
      const plan = values.planId ?? `default:${values.standardVersionId}`;
      if (!byPlan.has(plan)) byPlan.set(plan, values);
      single = ++staged === 1 ? input : undefined;
    }
  });
  if (found.length === 0) stage.finish();
  // What the checks and the statuses read, from the very references they read (not read again:
  // a change committed while the file was read must show as a difference at the write).
  const basisOf = (references: typeof checks, inputs: typeof statuses) =>
    references.basis(used) + inputs.basis([...byPlan.values()]);
  return {
    problems: read.refusedWhole ? read.problems : [...read.problems, ...found],
    basisThen: basisOf(checks, statuses),
    basis: () => basisOf(newApprenticeChecks(db), newApprenticeInputs(db)),
    /** The one row's input, when the file has one row (audited as an apprentice created). */
    single,
  };
}

const ownUkprnOnly = (user: CurrentUser) => `You can only add apprentices for your own UKPRN (${user.providerUkprn})`;

/* ---------- Circumstances the gateway rules read ---------- */

/** Parses `input` for an apprentice this user may edit, then runs `write`; any problem refuses the whole request. */
function editWith<S extends z.ZodType>(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  schema: S,
  input: unknown,
  write: (apprentice: ApprenticeDetail, value: z.infer<S>) => Problem[] | void,
): Result<ApprenticeDetail> {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const problems = write(found.value, parsed.data);
  return problems && problems.length > 0 ? refuse('invalid', problems) : found;
}

/** Do the inclusive spans [a, b] and [c, d] share a day? */
function overlaps(a: string, b: string, c: string, d: string): boolean {
  return a <= d && c <= b;
}

/** A break in learning, within this episode and clear of the breaks already recorded. */
export function recordLearningBreak(db: Db, user: CurrentUser, uln: unknown, input: unknown): Result<ApprenticeDetail> {
  return editWith(db, user, uln, learningBreakInputSchema, input, (apprentice, value) => {
    if (value.from < apprentice.startDate)
      return [{ path: 'from', message: `A break must start on or after the start date, ${apprentice.startDate}` }];
    const clash = breaksOf(db, apprentice.id).find((b) => overlaps(value.from, value.to, b.fromDate, b.toDate));
    if (clash) return [{ path: 'from', message: `This overlaps the break from ${clash.fromDate} to ${clash.toDate}` }];
    addLearningBreak(db, apprentice, value, actorOf(user));
  });
}

/** An earlier episode this record restarts: it ends before this record starts, clear of the others. */
export function recordEarlierEpisode(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
): Result<ApprenticeDetail> {
  return editWith(db, user, uln, earlierEpisodeInputSchema, input, (apprentice, value) => {
    if (value.endDate >= apprentice.startDate)
      return [
        {
          path: 'endDate',
          message: `The earlier episode must end before this record's start date, ${apprentice.startDate}`,
        },
      ];
    const clash = earlierEpisodesOf(db, apprentice.id).find((e) =>
      overlaps(value.startDate, value.endDate, e.startDate, e.endDate),
    );
    if (clash)
      return [
        { path: 'startDate', message: `This overlaps the earlier episode from ${clash.startDate} to ${clash.endDate}` },
      ];
    addEarlierEpisode(db, apprentice, value, actorOf(user));
  });
}

export const removalSchema = z.object({ reason: reasonField('Say why this is being removed') });

/** Removes a break or earlier episode recorded in error, with the reason in the audit log. */
export function removeCircumstance(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  what: 'break' | 'earlier_episode',
  id: unknown,
  input: unknown,
): Result<ApprenticeDetail> {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const n = typeof id === 'string' && /^\d{1,12}$/.test(id) ? Number(id) : NaN;
  const parsed = removalSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  if (!Number.isFinite(n) || !removeCircumstanceRow(db, found.value, what, n, actorOf(user), parsed.data.reason))
    return refuse(
      'not_found',
      what === 'break' ? 'There is no such break in learning' : 'There is no such earlier episode',
    );
  return found;
}

export function recordFlexibilityJudgement(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
  now: DateTime,
): Result<ApprenticeDetail> {
  return editWith(db, user, uln, flexibilityInputSchema, input, (apprentice, value) => {
    recordFlexibility(db, apprentice, value, actorOf(user), now);
  });
}

export function withdrawFlexibilityJudgement(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
): Result<ApprenticeDetail> {
  return editWith(db, user, uln, removalSchema, input, (apprentice, value) => {
    if (!withdrawFlexibility(db, apprentice, actorOf(user), value.reason))
      return [{ path: 'reason', message: 'No flexibility judgement is recorded' }];
  });
}

export function recordPriorLearningHours(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
): Result<ApprenticeDetail> {
  return editWith(db, user, uln, priorLearningInputSchema, input, (apprentice, value) => {
    recordPriorLearning(db, apprentice, value, actorOf(user));
  });
}

/**
 * Reformed plans: the apprentice's own employer verifies their behaviours. Refused when the
 * apprentice's plan leaves no behaviours to the employer, or the date is in the future.
 */
export function recordEmployerBehaviourVerification(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
  now: DateTime,
): Result<ApprenticeDetail> {
  const found = apprenticeFor(db, user, uln, 'employer_declaration');
  if (!found.ok) return found;
  const plan = planForApprentice(db, found.value);
  if (plan?.regime !== 'apprenticeship-assessment' || plan.employerVerifiedKsbs.length === 0)
    return refuse('conflict', "This apprentice's assessment plan does not ask the employer to verify behaviours");
  const parsed = behaviourVerificationInputSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  if (parsed.data.verifiedOn > todayInLondon(now))
    return refuse('invalid', [
      { path: 'verifiedOn', message: 'The date the behaviours were verified cannot be in the future' },
    ]);
  recordBehaviourVerification(db, found.value, parsed.data, actorOf(user), now);
  return found;
}

/* ---------- Off-the-job hours ---------- */

/** Training is logged once it has happened: none of its days after today (London). */
function futureProblems(input: OffTheJobInput, today: string): Problem[] {
  const last = input.to ?? input.date;
  if (last <= today) return [];
  return [
    {
      path: input.to !== undefined && input.date <= today ? 'to' : 'date',
      message: `Training is logged once it has happened: ${input.to !== undefined ? 'its last day' : 'the date'} must be today (${today}) or earlier`,
    },
  ];
}

/** Logs a day's off-the-job hours, or a span's total (a week at once), for an apprentice this user may edit. */
export function logOffTheJobHours(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
  today: string,
): Result<ApprenticeDetail> {
  return editWith(db, user, uln, offTheJobInputSchema, input, (apprentice, value) => {
    const problems = futureProblems(value, today);
    if (problems.length > 0) return problems;
    addOffTheJobHours(db, apprentice, value, actorOf(user));
  });
}

const entryId = z.coerce.number().int().positive();

/** The entry named in a request, in this apprentice's log, for a user who may edit the apprentice. */
export function offTheJobEntryFor(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  id: unknown,
): Result<{ apprentice: ApprenticeDetail; entry: OffTheJobEntry }> {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const n = entryId.safeParse(id);
  const entry = n.success ? offTheJobEntry(db, found.value, n.data) : undefined;
  if (!entry) return refuse('not_found', 'There is no such entry in this apprentice’s off-the-job log');
  return ok({ apprentice: found.value, entry });
}

/** Puts an entry right, with a reason; the same rules as logging it. */
export function correctOffTheJob(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  id: unknown,
  input: unknown,
  today: string,
): Result<ApprenticeDetail> {
  const found = offTheJobEntryFor(db, user, uln, id);
  if (!found.ok) return found;
  const parsed = offTheJobCorrectionSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const problems = futureProblems(parsed.data, today);
  if (problems.length > 0) return refuse('invalid', problems);
  const { reason, ...entry } = parsed.data;
  correctOffTheJobHours(db, found.value.apprentice, found.value.entry, entry, reason, actorOf(user));
  return ok(found.value.apprentice);
}

/** Removes an entry logged in error, with a reason. */
export function removeOffTheJob(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  id: unknown,
  input: unknown,
): Result<ApprenticeDetail> {
  const found = offTheJobEntryFor(db, user, uln, id);
  if (!found.ok) return found;
  const parsed = offTheJobRemovalSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  removeOffTheJobHours(db, found.value.apprentice, found.value.entry, parsed.data.reason, actorOf(user));
  return ok(found.value.apprentice);
}

/**
 * A CSV log of off-the-job hours for one apprentice, all or nothing: every line checked by the
 * same rules as the form (and none in the future), every problem listed with its line and column.
 */
export function importOffTheJobLog(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  text: string,
  source: string,
  today: string,
): Result<{ apprentice: ApprenticeDetail; count: number }> | { ok: false; kind: 'rows'; problems: RowProblem[] } {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const parsed = parseHoursCsv(text);
  const problems = [...parsed.problems];
  for (const { line, input } of parsed.rows)
    for (const p of futureProblems(input, today)) problems.push({ ...p, line, path: p.path });
  if (problems.length > 0) return { ok: false, kind: 'rows', problems: onePerField(problems) };
  addOffTheJobHours(
    db,
    found.value,
    parsed.rows.map((r) => r.input),
    actorOf(user),
    source,
  );
  return ok({ apprentice: found.value, count: parsed.rows.length });
}
