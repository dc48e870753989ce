import { z } from 'zod';
import { recordAudit, type Actor } from '../../audit/audit.js';
import type { Db } from '../../db/connection.js';
import { standardFromParams } from '../../standards/service.js';
import { actorOf, type CurrentUser } from '../../users/store.js';
import { problemsFromZod, type Problem } from '../../validation/problems.js';
import { ok, refuse, type Result } from '../../validation/result.js';
import { adoptOptionPlan, getPlanById } from '../store.js';
import type { Grade } from '../schema.js';
import {
  criterionFormSchema,
  detailsFormSchema,
  discardFormSchema,
  gatewayItemFormSchema,
  GRADE_PLACES,
  gradesFormSchema,
  ksbRolesFormSchema,
  methodFormSchema,
  publishFormSchema,
  startFormSchema,
} from './forms.js';
import {
  combinationFromGrid,
  combinationGrid,
  copyAcrossVersions,
  draftFromPlan,
  draftProblems,
  DRAFT_LISTS,
  emptyDraft,
  freePlanId,
  keepOrder,
  LIST_KEYS,
  mapKsbs,
  planDocument,
  type DraftList,
  type DraftMethod,
  type DraftPlan,
  type VersionOption,
} from './rules.js';
import { versionOptions } from '../../standards/store.js';
import {
  defaultPlanId,
  deleteDraft,
  findDraft,
  insertDraft,
  insertPublishedPlan,
  keepAssessedOnPlan,
  ksbIdentities,
  markDraftPublished,
  planIds,
  plansOfStandard,
  saveDraftDocument,
  type DraftOrigin,
  type DraftRow,
} from './store.js';

/*
 * The plan builder's use cases, for administrators: start a draft, change one part of it, publish
 * it as a new plan, or discard it. Every change is validated, written with its audit entry in one
 * transaction, and refused for a draft already published (a published plan is never changed).
 */

/** A draft with everything its pages show: its standard version, that version's KSBs, and its problems as they stand. */
export interface DraftContext {
  row: DraftRow;
  draft: DraftPlan;
  std: { reference: string; version: string; title: string };
  ksbs: { code: string; text: string }[];
  /** The version's options with their KSBs (none unless it has a core and options). */
  options: VersionOption[];
  problems: Problem[];
  /** The version's default plan now, if it has one. */
  defaultPlan: string | null;
}

const draftId = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number);
const draftParams = z.object({ draft: draftId });
const itemParams = z.object({
  draft: draftId,
  list: z.enum(DRAFT_LISTS),
  item: z.union([
    z.literal('new'),
    z
      .string()
      .regex(/^\d{1,4}$/)
      .transform(Number),
  ]),
});

function adminOnly(user: CurrentUser): Result<null> {
  return user.role === 'admin' ? ok(null) : refuse('forbidden', 'Only an administrator can build assessment plans');
}

/** The draft named in a URL, with its version's KSBs and its problems. */
export function loadDraft(db: Db, user: CurrentUser, params: unknown): Result<DraftContext> {
  const allowed = adminOnly(user);
  if (!allowed.ok) return allowed;
  const parsed = draftParams.safeParse(params);
  const row = parsed.success ? findDraft(db, parsed.data.draft) : undefined;
  if (!row) return refuse('not_found', 'There is no such plan draft');
  const found = standardFromParams(db, row.document.standard);
  if (!found.ok) return found;
  const ksbs = ksbIdentities(db, row.standardVersionId).map(({ code, text }) => ({ code, text }));
  const std = { reference: found.value.std.reference, version: found.value.std.version, title: found.value.std.title };
  const options = versionOptions(db, row.standardVersionId);
  return ok({
    row,
    draft: row.document,
    std,
    ksbs,
    options,
    problems: draftProblems(
      row.document,
      ksbs.map((k) => k.code),
      options,
    ),
    defaultPlan: defaultPlanId(db, row.standardVersionId) ?? null,
  });
}

/** The plans a new draft for the version in the URL can start from. */
export function startChoices(db: Db, user: CurrentUser, params: unknown) {
  const allowed = adminOnly(user);
  if (!allowed.ok) return allowed;
  const found = standardFromParams(db, params);
  if (!found.ok) return found;
  const { id, std } = found.value;
  return ok({
    std,
    plans: plansOfStandard(db, std.reference, id).map((p) => ({ ...p, sameVersion: p.standardVersionId === id })),
  });
}

/**
 * Starts a draft for the version in the URL: from nothing, or from a copy of a plan of the same
 * standard. A copy from another version carries its KSB codes across by their published identity
 * (rules.ts mapKsbs), and the draft keeps what that changed.
 */
export function startDraft(
  db: Db,
  user: CurrentUser,
  params: unknown,
  input: unknown,
  now: string,
): Result<{ id: number }> {
  const allowed = adminOnly(user);
  if (!allowed.ok) return allowed;
  const found = standardFromParams(db, params);
  if (!found.ok) return found;
  const { id: versionId, std } = found.value;
  const parsed = startFormSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const taken = planIds(db);
  const baseId = `${std.reference}-${std.version}-plan`;
  let document: DraftPlan;
  let origin: DraftOrigin;
  if (parsed.data.from === 'nothing') {
    document = emptyDraft(std, freePlanId(baseId, taken));
    origin = { kind: 'nothing' };
  } else {
    const source = plansOfStandard(db, std.reference, versionId).find((p) => p.id === parsed.data.from);
    const plan = source && getPlanById(db, source.id);
    if (!source || !plan) return refuse('invalid', [{ path: 'from', message: 'Choose one of the plans listed' }]);
    if (source.standardVersionId === versionId) {
      document = { ...draftFromPlan(plan), id: freePlanId(plan.id, taken) };
      origin = { kind: 'copy', planId: plan.id };
    } else {
      const mapping = mapKsbs(ksbIdentities(db, source.standardVersionId), ksbIdentities(db, versionId));
      document = copyAcrossVersions(plan, mapping, { ...std, id: freePlanId(baseId, taken) });
      const { recoded, dropped, added } = mapping;
      origin = { kind: 'mapped', planId: plan.id, fromVersion: source.version, recoded, dropped, added };
    }
  }
  const actor = actorOf(user);
  const id = db.transaction((tx) => {
    const created = insertDraft(tx, { standardVersionId: versionId, document, origin, createdBy: user.id, now });
    recordAudit(tx, actor, {
      action: 'plan_draft.started',
      entityType: 'plan_draft',
      entityId: created,
      after: { origin, document },
    });
    return created;
  });
  return ok({ id });
}

type Change = (draft: DraftPlan, context: DraftContext) => Result<DraftPlan>;

/** Applies one change to a draft and records it with what it was, in one transaction. */
function changeDraft(
  db: Db,
  user: CurrentUser,
  params: unknown,
  input: unknown,
  part: string,
  change: Change,
  now: string,
): Result<DraftContext> {
  const loaded = loadDraft(db, user, params);
  if (!loaded.ok) return loaded;
  const { row } = loaded.value;
  if (row.publishedPlanId)
    return refuse(
      'conflict',
      `This draft was published as the plan ${row.publishedPlanId}, which never changes: start a new draft from it to make changes`,
    );
  // Forms send the revision they were drawn from: positions in them (a grid's cells, an item's
  // place) mean nothing once the draft has changed since.
  const revision = (input as Record<string, unknown> | undefined)?.revision;
  if (revision !== undefined && revision !== row.updatedAt)
    return refuse(
      'conflict',
      'This draft has changed since this page was opened (it was saved from another page or window): open the draft again to see it as it is now, then make your change',
    );
  const changed = change(structuredClone(row.document), loaded.value);
  if (!changed.ok) return changed;
  const actor: Actor = actorOf(user);
  db.transaction((tx) => {
    saveDraftDocument(tx, row.id, changed.value, now);
    recordAudit(tx, actor, {
      action: 'plan_draft.changed',
      entityType: 'plan_draft',
      entityId: row.id,
      before: row.document,
      after: changed.value,
      reason: part,
    });
  });
  return loadDraft(db, user, params);
}

function parsed<T>(schema: z.ZodType<T>, input: unknown): Result<T> {
  const result = schema.safeParse(input ?? {});
  return result.success ? ok(result.data) : refuse('invalid', problemsFromZod(result.error));
}

/** The plan's own fields: id, title, regime, period, resit and retake windows, attempts. */
export function saveDetails(db: Db, user: CurrentUser, params: unknown, input: unknown, now: string) {
  return changeDraft(
    db,
    user,
    params,
    input,
    'details',
    (draft) => {
      const form = parsed(detailsFormSchema, input);
      if (!form.ok) return form;
      const f = form.value;
      const next: DraftPlan = { ...draft };
      delete next.notice;
      delete next.option;
      return ok({
        ...next,
        ...(f.notice ? { notice: f.notice } : {}),
        ...(f.option ? { option: f.option } : {}),
        id: f.id,
        title: f.title,
        regime: f.regime,
        demo: f.demo === 'yes',
        epaPeriodMonths: f.epaPeriodMonths,
        resit: { windowMonths: f.resitWindowMonths },
        retake: { windowMonths: f.retakeWindowMonths },
        maxAttempts: f.maxAttempts,
        wholeAssessmentMonths: f.wholeAssessmentMonths,
      });
    },
    now,
  );
}

/** Each KSB's role in a reformed plan: core, sampled, or verified by the employer. */
export function saveKsbRoles(db: Db, user: CurrentUser, params: unknown, input: unknown, now: string) {
  return changeDraft(
    db,
    user,
    params,
    input,
    'KSB roles',
    (draft, { ksbs }) => {
      const codes = ksbs.map((k) => k.code);
      const form = parsed(ksbRolesFormSchema(codes), input);
      if (!form.ok) return form;
      const having = (role: string) => codes.filter((c) => form.value[`role-${c}`] === role);
      return ok({
        ...draft,
        sampledKsbs: keepOrder(draft.sampledKsbs, having('sampled')),
        employerVerifiedKsbs: keepOrder(draft.employerVerifiedKsbs, having('employer_verified')),
      });
    },
    now,
  );
}

/** Which item of which list a URL names: an index, or `new` for one to add. */
export function itemOf(params: unknown): Result<{ list: DraftList; item: number | 'new' }> {
  const p = itemParams.safeParse(params);
  return p.success
    ? ok({ list: p.data.list, item: p.data.item })
    : refuse('not_found', 'There is no such part of this plan');
}

/** The item a URL names, or undefined for a new one; refused when the index is past the list. */
export function itemIn(
  context: DraftContext,
  list: DraftList,
  item: number | 'new',
): Result<Record<string, unknown> | undefined> {
  if (item === 'new') return ok(undefined);
  const found = (context.draft[LIST_KEYS[list]] as unknown[])[item];
  return found ? ok(found as Record<string, unknown>) : refuse('not_found', 'There is no such part of this plan');
}

const firstCode = (codes: string[]) => codes as [string, ...string[]];

/**
 * Saves one method, criterion or gateway item (or adds it, for `new`), or removes it when the form
 * says `action=remove`. A method's new id is carried to the criteria, order rules and combination
 * table that name it; removing a method leaves its criteria for the administrator to move or
 * remove (the problems list them) and empties the combination table, which no longer fits.
 */
export function saveItem(db: Db, user: CurrentUser, params: unknown, input: unknown, now: string) {
  const which = itemOf(params);
  if (!which.ok) return which;
  const { list, item } = which.value;
  return changeDraft(
    db,
    user,
    params,
    input,
    list,
    (draft, context) => {
      const existing = itemIn(context, list, item);
      if (!existing.ok) return existing;
      const action = (input as Record<string, unknown> | undefined)?.action;
      if (action === 'remove') {
        if (item === 'new') return refuse('not_found', 'There is nothing to remove');
        return ok(removeItem(draft, list, item));
      }
      const codes = context.ksbs.map((k) => k.code);
      if (codes.length === 0) return refuse('conflict', 'This standard version has no KSBs to assess');
      if (list === 'methods') return saveMethod(draft, item, input, codes);
      if (list === 'criteria') {
        const form = parsed(
          criterionFormSchema(
            firstCode(codes),
            draft.methods.map((m) => m.id),
          ),
          input,
        );
        if (!form.ok) return form;
        const previous = item === 'new' ? undefined : draft.criteria[item];
        const criterion = { ...form.value, ksbs: keepOrder(previous?.ksbs ?? [], form.value.ksbs) };
        return ok({ ...draft, criteria: placed(draft.criteria, item, criterion) });
      }
      const form = parsed(gatewayItemFormSchema, input);
      if (!form.ok) return form;
      return ok({ ...draft, gatewayItems: placed(draft.gatewayItems, item, form.value) });
    },
    now,
  );
}

function placed<T>(items: readonly T[], at: number | 'new', value: T): T[] {
  return at === 'new' ? [...items, value] : items.map((old, i) => (i === at ? value : old));
}

function saveMethod(draft: DraftPlan, item: number | 'new', input: unknown, codes: string[]): Result<DraftPlan> {
  const others = draft.methods.map((_, i) => i).filter((i) => i !== item);
  const form = parsed(methodFormSchema(firstCode(codes), others), input);
  if (!form.ok) return form;
  const f = form.value as Record<string, unknown> & z.infer<ReturnType<typeof methodFormSchema>>;
  const previous = item === 'new' ? undefined : draft.methods[item];
  const after = others.flatMap((i) => {
    const days = f[`after-${i}`];
    return typeof days === 'number' ? [{ method: draft.methods[i]!.id, minDaysBetween: days }] : [];
  });
  const method: DraftMethod = {
    id: f.id,
    name: f.name,
    description: f.description,
    durationMinutes: f.durationMinutes,
    delivery: keepOrder(previous?.delivery ?? [], f.delivery),
    after,
    earliestDayAfterGateway: f.earliestDayAfterGateway ?? 0,
    ksbs: keepOrder(previous?.ksbs ?? [], f.ksbs),
    timing: f.timing,
    marker: f.marker,
    ...(f.moderationSamplePercent === null ? {} : { moderationSamplePercent: f.moderationSamplePercent }),
  };
  let next: DraftPlan = { ...draft, methods: placed(draft.methods, item, method) };
  // The references follow a renamed method, unless they were another method's too (a duplicate id
  // being put right) or named no method at all.
  if (previous && previous.id && previous.id !== method.id && !next.methods.some((m) => m.id === previous.id))
    next = renameMethod(next, previous.id, method.id);
  return ok(next);
}

/** A method's new id, wherever the plan names it. */
function renameMethod(draft: DraftPlan, from: string, to: string): DraftPlan {
  const rename = (id: string) => (id === from ? to : id);
  return {
    ...draft,
    methods: draft.methods.map((m) => ({ ...m, after: m.after.map((a) => ({ ...a, method: rename(a.method) })) })),
    criteria: draft.criteria.map((c) => ({ ...c, method: rename(c.method) })),
    combination: draft.combination.map((row) => ({
      ...row,
      methods: Object.fromEntries(Object.entries(row.methods).map(([id, grade]) => [rename(id), grade])),
    })),
  };
}

function removeItem(draft: DraftPlan, list: DraftList, index: number): DraftPlan {
  const key = LIST_KEYS[list];
  const next = { ...draft, [key]: (draft[key] as unknown[]).filter((_, i) => i !== index) } as DraftPlan;
  if (list !== 'methods') return next;
  const removed = draft.methods[index]!.id;
  // Another method with the same id (a duplicate) keeps what names it.
  if (next.methods.some((m) => m.id === removed)) return next;
  return {
    ...next,
    methods: next.methods.map((m) => ({ ...m, after: m.after.filter((a) => a.method !== removed) })),
    combination: [],
  };
}

/**
 * The grades: each list in order (lowest first), the resit and retake cap, and the combination
 * grid. The grid's cells are read against the methods and grades it was drawn with; rows whose
 * grades a changed list no longer has are left out.
 */
export function saveGrades(db: Db, user: CurrentUser, params: unknown, input: unknown, now: string) {
  return changeDraft(
    db,
    user,
    params,
    input,
    'grades',
    (draft) => {
      const cells = combinationGrid(draft).rows.reduce((n, row) => n + row.cells.length, 0);
      const form = parsed(gradesFormSchema(cells), input);
      if (!form.ok) return form;
      const f = form.value;
      const listed = (key: string) =>
        Array.from({ length: GRADE_PLACES }, (_, i) => f[`${key}-${i}`]).filter((g): g is Grade => Boolean(g));
      const methodGrades = listed('methodGrades');
      const overallGrades = listed('overallGrades');
      const table = combinationFromGrid(
        draft,
        Array.from({ length: cells }, (_, i) => (f[`overall-${i}`] ?? '') as Grade | ''),
      ).filter(
        (row) =>
          Object.values(row.methods).every((g) => methodGrades.includes(g)) && overallGrades.includes(row.overall),
      );
      return ok({
        ...draft,
        methodGrades,
        overallGrades,
        resitRetakeGradeCap: f.resitRetakeGradeCap as Grade,
        combination: table,
      });
    },
    now,
  );
}

/**
 * Publishes a draft with no problems as a new plan of its version: never over another plan (a
 * plan that bookings or gradings use never changes), and as the version's default when asked. A
 * new default leaves every apprentice already booked under the old one on it.
 */
export function publishDraft(
  db: Db,
  user: CurrentUser,
  params: unknown,
  input: unknown,
  now: string,
): Result<{ planId: string; keptOnPrevious: number }> {
  const actor = actorOf(user);
  // Read, checked and written in one immediate transaction: no other connection can publish the
  // same id, change the version's default or publish this draft in between.
  return db.transaction(
    (): Result<{ planId: string; keptOnPrevious: number }> => {
      const loaded = loadDraft(db, user, params);
      if (!loaded.ok) return loaded;
      const { row, draft, problems } = loaded.value;
      if (row.publishedPlanId)
        return refuse('conflict', `This draft has already been published as the plan ${row.publishedPlanId}`);
      const form = parsed(publishFormSchema, input);
      if (!form.ok) return form;
      if (problems.length > 0)
        return refuse('invalid', [
          {
            path: 'form',
            message: `This plan has ${problems.length} problem${problems.length === 1 ? '' : 's'}: fix ${problems.length === 1 ? 'it' : 'them'} before publishing (the draft is saved)`,
          },
        ]);
      if (planIds(db).has(draft.id))
        return refuse('invalid', [
          {
            path: 'form',
            message: `A plan with the id ${draft.id} is already published, and a published plan never changes: give this one a new id on the plan details page`,
          },
        ]);
      const document = planDocument(draft);
      const previousDefault = defaultPlanId(db, row.standardVersionId);
      // A plan for one option is never the version's default: apprentices on other options would follow it.
      const asDefault = !draft.option && (form.value.makeDefault === 'yes' || previousDefault === undefined);
      const keptOnPrevious =
        asDefault && previousDefault ? keepAssessedOnPlan(db, row.standardVersionId, previousDefault) : [];
      insertPublishedPlan(
        db,
        {
          id: draft.id,
          standardVersionId: row.standardVersionId,
          title: draft.title,
          demo: draft.demo,
          document,
          by: user.id,
        },
        asDefault,
      );
      if (draft.option)
        adoptOptionPlan(db, { id: draft.id, option: draft.option, standardVersionId: row.standardVersionId }, actor);
      markDraftPublished(db, row.id, draft.id, now);
      recordAudit(db, actor, {
        action: 'plan.published',
        entityType: 'plan',
        entityId: draft.id,
        after: {
          plan: document,
          draft: row.id,
          isDefault: asDefault,
          previousDefault: previousDefault ?? null,
          keptOnPreviousPlan: keptOnPrevious,
        },
      });
      return ok({ planId: draft.id, keptOnPrevious: keptOnPrevious.length });
    },
    { behavior: 'immediate' },
  );
}

/** Throws a draft away once the administrator confirms (a published draft stays, as the record of what was published). */
export function discardDraft(
  db: Db,
  user: CurrentUser,
  params: unknown,
  input: unknown,
): Result<{ reference: string; version: string; discarded: boolean }> {
  const loaded = loadDraft(db, user, params);
  if (!loaded.ok) return loaded;
  const { row, std } = loaded.value;
  if (row.publishedPlanId) return refuse('conflict', 'A published draft is kept as the record of the plan it became');
  const form = parsed(discardFormSchema, input);
  if (!form.ok) return form;
  const discarded = form.value.confirm === 'yes';
  if (discarded)
    db.transaction((tx) => {
      deleteDraft(tx, row.id);
      recordAudit(tx, actorOf(user), {
        action: 'plan_draft.discarded',
        entityType: 'plan_draft',
        entityId: row.id,
        before: row.document,
      });
    });
  return ok({ reference: std.reference, version: std.version, discarded });
}
