import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import { preparedOnce } from '../db/prepared.js';
import { apprentices, bookings, plans, standardVersions } from '../db/schema.js';
import { findStandardVersionId, recordOffTheJobMinimum, standardKsbCodes, versionOptions } from '../standards/store.js';
import { parseJsonText, parsePlanShape, type ParseResult } from './parse.js';
import type { Problem } from '../validation/problems.js';
import { checkPlan } from './rules.js';
import { planFileSchema, type PlanFile } from './schema.js';

/**
 * Validates a plan document and, only if it has no problems at all, stores it: replacing the
 * plan with the same id, or beside its version's other plans (the version's default when it is
 * the first), audited in the same transaction.
 */
export function importPlan(
  db: Db,
  value: unknown,
  actor: Actor,
): ParseResult<{ plan: PlanFile; replaced: boolean; isDefault: boolean; warnings: string[] }> {
  const shaped = parsePlanShape(value);
  if (!shaped.ok) return shaped;
  const plan = shaped.value;
  const versionId = findStandardVersionId(db, plan.standard.reference, plan.standard.version);
  if (versionId === undefined) {
    return {
      ok: false,
      problems: [
        {
          path: 'standard',
          message: `Standard ${plan.standard.reference} version ${plan.standard.version} is not in the catalogue`,
        },
      ],
    };
  }
  const warnings: string[] = [];
  let isDefault = true;
  // Checked and written in one transaction: the version's KSBs and options, and the plan ids, are
  // those the plan is written against, whatever another connection (a catalogue import) does meanwhile.
  const outcome = db.transaction((tx): { problems: Problem[] } | { replaced: boolean } => {
    const problems = checkPlan(plan, standardKsbCodes(tx, versionId), versionOptions(tx, versionId));
    if (problems.length > 0) return { problems };
    // A plan with the same id is replaced; a new id is another plan of the version, its default
    // when it is the version's first.
    const previous = tx.select().from(plans).where(eq(plans.id, plan.id)).get();
    if (previous && previous.standardVersionId !== versionId)
      return {
        problems: [
          {
            path: 'id',
            message: `The id "${plan.id}" is already the id of another standard version’s plan; give this plan its own id`,
          },
        ],
      };
    warnings.push(...movePlanOffTheJobMinimum(tx, plan, versionId, actor));
    const versionHasPlan = tx.select({ id: plans.id }).from(plans).where(eq(plans.standardVersionId, versionId)).get();
    const values = {
      id: plan.id,
      standardVersionId: versionId,
      // A plan for one option is never the version's default: apprentices on other options would follow it.
      isDefault: (isDefault = !plan.option && (previous ? previous.isDefault : !versionHasPlan)),
      title: plan.title,
      demo: plan.demo,
      document: plan,
      importedBy: actor.userId,
    };
    // Updated in place: apprentices' records may name the plan.
    if (previous) tx.update(plans).set(values).where(eq(plans.id, previous.id)).run();
    else tx.insert(plans).values(values).run();
    if (plan.option) adoptOptionPlan(tx, { id: plan.id, option: plan.option, standardVersionId: versionId }, actor);
    recordAudit(tx, actor, {
      action: previous ? 'plan.replaced' : 'plan.imported',
      entityType: 'plan',
      entityId: plan.id,
      before: previous?.document ?? null,
      after: plan,
    });
    return { replaced: Boolean(previous) };
  });
  if ('problems' in outcome) return { ok: false, problems: outcome.problems };
  const { replaced } = outcome;
  return { ok: true, value: { plan, replaced, isDefault, warnings } };
}

/**
 * The published off-the-job minimum belongs to the standard version now. A plan file that still
 * gives `offTheJobMinimumHours` is read for one more release: the figure is recorded on the
 * version when it has none, and ignored (with a warning) when the version has its own.
 */
function movePlanOffTheJobMinimum(tx: Queryable, plan: PlanFile, versionId: number, actor: Actor): string[] {
  const figure = plan.offTheJobMinimumHours;
  if (figure === null) return [];
  const name = `${plan.standard.reference} version ${plan.standard.version}`;
  const held = tx
    .select({ hours: standardVersions.offTheJobMinimumHours })
    .from(standardVersions)
    .where(eq(standardVersions.id, versionId))
    .get()?.hours;
  const retiring =
    'offTheJobMinimumHours in a plan file is deprecated and will be refused in the next release: remove it from the file.';
  if (held === null || held === undefined) {
    recordOffTheJobMinimum(tx, versionId, { hours: figure, source: `From the assessment plan file ${plan.id}` }, actor);
    return [`${retiring} Its figure, ${figure} hours, is now recorded as the published minimum of ${name}.`];
  }
  if (held === figure) return [`${retiring} ${name} already records the same figure.`];
  return [
    `${retiring} Its figure, ${figure} hours, was not used: ${name} records ${held} hours, which the gateway uses.`,
  ];
}

/**
 * A plan for one option, once stored: the apprentices on that option who follow the version's
 * default and have nothing booked yet follow it instead (their record names it). Those already
 * booked keep the plan they are being assessed under. Returns their ULNs.
 */
export function adoptOptionPlan(
  tx: Queryable,
  plan: { id: string; option: string; standardVersionId: number },
  actor: Actor,
): string[] {
  const { id: planId, option, standardVersionId } = plan;
  const waiting = and(
    eq(apprentices.standardVersionId, standardVersionId),
    eq(apprentices.courseOption, option),
    isNull(apprentices.planId),
    sql`not exists (select 1 from ${bookings} where ${bookings.apprenticeId} = ${apprentices.id})`,
  );
  const moved = tx.select({ uln: apprentices.uln }).from(apprentices).where(waiting).all();
  if (moved.length === 0) return [];
  tx.update(apprentices).set({ planId }).where(waiting).run();
  const ulns = moved.map((m) => m.uln);
  recordAudit(tx, actor, {
    action: 'plan.option_plan_followed',
    entityType: 'plan',
    entityId: planId,
    after: { option, apprentices: ulns },
    reason: `Apprentices on the option “${option}” with nothing booked follow its own plan`,
  });
  return ulns;
}

/** Reads and imports a plan from JSON text (a file upload or the command line). */
export function importPlanText(db: Db, text: string, actor: Actor): ReturnType<typeof importPlan> {
  const json = parseJsonText(text);
  return json.ok ? importPlan(db, json.value, actor) : json;
}

/**
 * Validated plans by their stored text. Every booking check, grading and report reads the
 * plan; validating the same document each time cost more than the rest of the check. The key
 * is the document itself, so a replaced plan (or another database) is never served stale.
 * Plans are frozen: nobody may change one in place.
 */
const parsedPlans = new Map<string, PlanFile>();
const PARSED_PLANS_KEPT = 32;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The default plan of a standard version: the one its apprentices follow unless their record names another. */
export function getPlanForStandard(db: Queryable, standardVersionId: number): PlanFile | undefined {
  const row = defaultPlanQuery(db).get({ standardVersionId });
  return row ? parsedPlan(row.text) : undefined;
}

const defaultPlanQuery = preparedOnce((db) =>
  db
    .select({ text: sql<string>`${plans.document}` })
    .from(plans)
    .where(and(eq(plans.standardVersionId, sql.placeholder('standardVersionId')), eq(plans.isDefault, true)))
    .prepare(),
);

/** A plan by its id. */
export function getPlanById(db: Queryable, id: string): PlanFile | undefined {
  const row = db
    .select({ text: sql<string>`${plans.document}` })
    .from(plans)
    .where(eq(plans.id, id))
    .get();
  return row ? parsedPlan(row.text) : undefined;
}

/** The plan an apprentice follows: the one their record names, or their standard version's default. */
export function planForApprentice(
  db: Queryable,
  apprentice: { planId: string | null; standardVersionId: number },
): PlanFile | undefined {
  return apprentice.planId ? getPlanById(db, apprentice.planId) : getPlanForStandard(db, apprentice.standardVersionId);
}

/** Every plan of a standard version, its default first. */
export function plansOfVersion(db: Queryable, standardVersionId: number) {
  return db
    .select({ id: plans.id, title: plans.title, demo: plans.demo, isDefault: plans.isDefault })
    .from(plans)
    .where(eq(plans.standardVersionId, standardVersionId))
    .orderBy(desc(plans.isDefault), asc(plans.id))
    .all();
}

function parsedPlan(text: string): PlanFile {
  let plan = parsedPlans.get(text);
  if (!plan) {
    plan = deepFreeze(planFileSchema.parse(JSON.parse(text)));
    if (parsedPlans.size >= PARSED_PLANS_KEPT) parsedPlans.delete(parsedPlans.keys().next().value!);
    parsedPlans.set(text, plan);
  }
  return plan;
}

/** Every plan held, by standard version then id. */
export function listPlans(db: Queryable) {
  return db
    .select({ id: plans.id, title: plans.title, demo: plans.demo, standardVersionId: plans.standardVersionId })
    .from(plans)
    .orderBy(asc(plans.standardVersionId), desc(plans.isDefault), asc(plans.id))
    .all();
}
