import { caseActingOn, findCase, heldByCaseSql, resultHeldBy } from '../cases/store.js';
import { pageFrom, type Page } from '../http/paging.js';
import { fullName } from '../names.js';
import { queueNotification } from '../notifications/store.js';
import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, or, sql, count } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import { findApprenticeById, type ApprenticeDetail } from '../apprentices/store.js';
import type { Db, Queryable } from '../db/connection.js';
import { preparedOnce } from '../db/prepared.js';
import { memoUntilChange } from '../db/change-stamp.js';
import { inLondon, isoInstant, ZONE } from '../dates.js';
import {
  standardVersions,
  apprentices,
  appeals,
  assessmentRequests,
  attemptMethods,
  bookings,
  cases,
  criterionDecisions,
  epaAttempts,
  furtherAttemptRequests,
  epaoSettings,
  gatewaySubmissions,
  gradings,
  moderations,
  providers,
  users,
} from '../db/schema.js';
import type { Grade, PlanFile } from '../plans/schema.js';
import { planForApprentice } from '../plans/store.js';
import { daysBetween } from '../calendar.js';
import { highestGradeRefusal, outcomeDueOn, panelProblems } from '../appeals/rules.js';
import { caseAppealOpen, panelCandidates, recordPanel } from '../appeals/store.js';
import type { PanelMember } from '../appeals/rules.js';
import { findRequest, type RequestRow } from '../adjustments/store.js';
import { topGrade } from '../plans/grades.js';
import { attemptByNumber, firstBookingOf, latestAttempt, type AttemptRow } from './attempts.js';
import type { AppealDecision, Outcome, OutcomeDecision, ResultGrade } from './model.js';
import {
  addWorkingDays,
  appealDeadline,
  checkFurtherAttempt,
  decisionsFor,
  samplableKsbs,
  outcomeEffect,
  wholeAssessmentLimit,
  deriveMethodGrade,
  gradeForOutcome,
  isBoundaryCase,
  overallGrade,
  sampleReason,
  samplingDraw,
  type Decision,
  type ResitKind,
} from './rules.js';

export type GradingRow = typeof gradings.$inferSelect;
export type BookingRow = typeof bookings.$inferSelect;
export type SettingsRow = typeof epaoSettings.$inferSelect;
/** A refusal; `problems` name criteria, `field` a form field, when the refusal is about one. */
export type Failure = {
  ok: false;
  message: string;
  problems?: { criterionId: string; message: string }[];
  field?: string;
};

/* ---------- Settings ---------- */

/** The EPAO's settings, made with the defaults (and a fresh sampling seed) the first time they are read. */
export function epaoSettingsOf(db: Queryable): SettingsRow {
  const row = db.select().from(epaoSettings).where(eq(epaoSettings.id, 1)).get();
  if (row) return row;
  return db
    .insert(epaoSettings)
    .values({ id: 1, qaSeed: randomBytes(16).toString('hex') })
    .returning()
    .get();
}

export function saveSettings(db: Db, input: Omit<SettingsRow, 'id' | 'qaSeed'>, actor: Actor): void {
  db.transaction((tx) => {
    const before = epaoSettingsOf(tx);
    tx.update(epaoSettings).set(input).where(eq(epaoSettings.id, 1)).run();
    recordAudit(tx, actor, {
      action: 'settings.saved',
      entityType: 'epao_settings',
      entityId: 1,
      before,
      after: { ...before, ...input },
    });
  });
}

/* ---------- Reading ---------- */

const planOf = (db: Queryable, apprentice: ApprenticeDetail): PlanFile => {
  const plan = planForApprentice(db, apprentice);
  if (!plan) throw new Error(`No assessment plan for ${apprentice.standardReference} v${apprentice.standardVersion}`);
  return plan;
};

export function gradingOfBooking(
  db: Queryable,
  bookingId: number,
): { grading: GradingRow | undefined; decisions: Decision[] } {
  const grading = gradingQuery(db).get({ bookingId });
  const decisions = grading ? decisionsOf(db, grading.id) : [];
  return { grading, decisions };
}

const gradingQuery = preparedOnce((db) =>
  db
    .select()
    .from(gradings)
    .where(eq(gradings.bookingId, sql.placeholder('bookingId')))
    .prepare(),
);

export function gradingById(db: Queryable, id: number): GradingRow | undefined {
  return db.select().from(gradings).where(eq(gradings.id, id)).get();
}

export function decisionsOf(db: Queryable, gradingId: number): Decision[] {
  return db
    .select({
      criterionId: criterionDecisions.criterionId,
      met: criterionDecisions.met,
      evidence: criterionDecisions.evidence,
    })
    .from(criterionDecisions)
    .where(eq(criterionDecisions.gradingId, gradingId))
    .all();
}

/* ---------- Attempts ---------- */

/** The attempt a booking belongs to, made for the first attempt when its first grading is saved. */
function attemptForBooking(tx: Queryable, booking: BookingRow, plan: PlanFile, actor: Actor): AttemptRow {
  const existing = attemptByNumber(tx, booking.apprenticeId, booking.attempt);
  if (existing) return existing;
  // A component during the apprenticeship may be graded before gateway acceptance: the attempt then starts that day.
  const gateway =
    booking.submissionId === null
      ? undefined
      : tx
          .select({ start: gatewaySubmissions.epaPeriodStart })
          .from(gatewaySubmissions)
          .where(eq(gatewaySubmissions.id, booking.submissionId))
          .get();
  const startedOn = gateway?.start ?? booking.localStart.slice(0, 10);
  const row = tx
    .insert(epaAttempts)
    .values({
      apprenticeId: booking.apprenticeId,
      number: booking.attempt,
      kind: 'first',
      startedOn,
      ...firstBookingOf(tx, booking.apprenticeId, booking.attempt, startedOn),
    })
    .returning()
    .get();
  for (const method of plan.methods)
    tx.insert(attemptMethods).values({ attemptId: row.id, methodId: method.id, mode: 'first' }).run();
  recordAudit(tx, actor, {
    action: 'attempt.started',
    entityType: 'attempt',
    entityId: row.id,
    after: { apprenticeId: row.apprenticeId, number: row.number, methods: plan.methods.map((m) => m.id) },
  });
  return row;
}

/**
 * Works out an attempt's overall result from its methods' current grades (carried ones
 * included): Withdrawn if the apprentice withdrew from any method; otherwise the plan's
 * combination table, capped for a resit or retake unless exceptional circumstances were
 * accepted; nothing while a method has no grade. The result date is kept from the first time
 * the result was complete (a moderation or appeal changes the grade, not the date).
 */
export function recomputeAttempt(tx: Queryable, attemptId: number, today: string): AttemptRow {
  const attempt = tx.select().from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get()!;
  const apprentice = findApprenticeById(tx, attempt.apprenticeId)!;
  const plan = planOf(tx, apprentice);
  const modes = tx.select().from(attemptMethods).where(eq(attemptMethods.attemptId, attemptId)).all();
  // A void no-show or malpractice is not an attempt: the method waits for its next assessment.
  const graded = tx
    .select()
    .from(gradings)
    .where(and(eq(gradings.attemptId, attemptId), eq(gradings.status, 'submitted')))
    .all()
    .filter((g) => outcomeEffect(g.outcome, g.outcomeDecision).counts);
  let result: { combined: ResultGrade; grade: ResultGrade; capped: boolean } | undefined;
  if (graded.some((g) => g.outcome === 'withdrawn')) {
    result = { combined: 'Withdrawn', grade: 'Withdrawn', capped: false };
  } else {
    const grades: Record<string, Grade> = {};
    for (const m of modes) {
      const grade = m.mode === 'carried' ? m.carriedGrade : graded.find((g) => g.methodId === m.methodId)?.grade;
      if (grade) grades[m.methodId] = grade;
    }
    result = overallGrade(plan, grades, {
      isResitOrRetake: attempt.number > 1,
      exceptionalCircumstances: attempt.exceptionalReason !== null,
    });
  }
  return tx
    .update(epaAttempts)
    .set({
      combinedGrade: result?.combined ?? null,
      overallGrade: result?.grade ?? null,
      capped: result?.capped ?? false,
      ...resultDates(attempt, result ? (attempt.resultOn ?? today) : null),
    })
    .where(eq(epaAttempts.id, attemptId))
    .returning()
    .get();
}

/** The result date and what the reports count from it: its month and the whole days from the attempt's start. */
function resultDates(attempt: Pick<AttemptRow, 'startedOn'>, resultOn: string | null) {
  return {
    resultOn,
    resultMonth: resultOn?.slice(0, 7) ?? null,
    daysToResult: resultOn ? daysBetween(attempt.startedOn, resultOn) : null,
  };
}

/* ---------- Grading ---------- */

export interface GradingInput {
  outcome: Outcome;
  outcomeReason: string | null;
  decisions: Decision[];
  /** Reformed plans: the sampled KSBs this assessment covered. */
  sampledKsbs?: string[];
}

/** Whether this booking can be graded now by this user, and if not why (the form and the API both ask). */
export function gradingRefusal(booking: BookingRow, userId: number, now: DateTime): string | null {
  if (booking.assessorUserId !== userId) return 'Only the assessor of this booking can grade it';
  if (!['confirmed', 'completed'].includes(booking.status))
    return `This booking is ${booking.status}: only a confirmed assessment is graded`;
  if (Date.parse(booking.startsAt) > now.toMillis()) return 'The assessment has not taken place yet';
  return null;
}

/**
 * Saves the assessor's decisions as a draft, or submits them. Submitting needs every criterion
 * decided and every "not met" explained (or an outcome other than assessed, with a reason);
 * it derives the method grade by the plan's rule, locks the grading, marks the booking
 * completed, draws the quality-assurance sample and updates the attempt's result.
 */
export function saveGrading(
  db: Db,
  booking: BookingRow,
  input: GradingInput,
  actor: Actor & { userId: number },
  options: { submit: boolean; now: DateTime },
): { ok: true; grading: GradingRow } | Failure {
  const now = options.now;
  const today = now.setZone(ZONE).toISODate()!;
  return db.transaction(
    (tx) => {
      const current = tx.select().from(bookings).where(eq(bookings.id, booking.id)).get()!;
      const refusal = gradingRefusal(current, actor.userId, now);
      if (refusal) return { ok: false as const, message: refusal };
      const apprentice = findApprenticeById(tx, current.apprenticeId)!;
      const plan = planOf(tx, apprentice);
      const criteria = plan.criteria.filter((c) => c.method === current.methodId);
      const method = plan.methods.find((m) => m.id === current.methodId);
      const unknown = input.decisions.filter((d) => !criteria.some((c) => c.id === d.criterionId));
      if (unknown.length > 0)
        return {
          ok: false as const,
          message: 'Some criteria are not criteria of this method',
          problems: unknown.map((d) => ({
            criterionId: d.criterionId,
            message: `${d.criterionId} is not a criterion of this method`,
          })),
        };
      const samplable = samplableKsbs(plan, current.methodId);
      const notSamplable = (input.sampledKsbs ?? []).filter((k) => !samplable.includes(k));
      if (notSamplable.length > 0)
        return {
          ok: false as const,
          message:
            samplable.length === 0
              ? 'This method samples no KSBs'
              : `${notSamplable.join(', ')} ${notSamplable.length === 1 ? 'is' : 'are'} not among the sampled KSBs this method can cover (${samplable.join(', ')})`,
          field: 'sampled',
        };
      const existing = tx.select().from(gradings).where(eq(gradings.bookingId, current.id)).get();
      if (existing?.status === 'submitted')
        return {
          ok: false as const,
          message: 'This grading has been submitted: only moderation or an appeal can change it',
        };

      let grade: Grade | null = null;
      if (options.submit) {
        if (input.outcome === 'graded') {
          const derived = deriveMethodGrade(plan, current.methodId, input.decisions);
          if (!derived.complete) {
            return {
              ok: false as const,
              message: 'Decide every criterion, and give the evidence for each one not met',
              problems: [
                ...derived.undecided.map((criterionId) => ({
                  criterionId,
                  message: `Decide whether ${criterionId} is met`,
                })),
                ...derived.missingEvidence.map((criterionId) => ({
                  criterionId,
                  message: `Say what evidence fell short for ${criterionId}`,
                })),
              ],
            };
          }
          grade = derived.grade;
        } else {
          if (!input.outcomeReason?.trim())
            return { ok: false as const, message: 'Give the reason for this outcome', field: 'outcomeReason' };
          grade = gradeForOutcome(input.outcome);
        }
      }

      const attempt = attemptForBooking(tx, current, plan, actor);
      const values = {
        bookingId: current.id,
        attemptId: attempt.id,
        methodId: current.methodId,
        assessorUserId: current.assessorUserId,
        status: options.submit ? ('submitted' as const) : ('draft' as const),
        outcome: input.outcome,
        outcomeReason: input.outcomeReason,
        sampledKsbs: samplable.filter((k) => input.sampledKsbs?.includes(k)),
        grade,
        assessorGrade: grade,
        submittedAt: options.submit ? isoInstant(now) : null,
        updatedAt: isoInstant(now),
      };
      const grading = existing
        ? tx.update(gradings).set(values).where(eq(gradings.id, existing.id)).returning().get()
        : tx.insert(gradings).values(values).returning().get();
      tx.delete(criterionDecisions).where(eq(criterionDecisions.gradingId, grading.id)).run();
      for (const d of input.decisions)
        tx.insert(criterionDecisions)
          .values({ gradingId: grading.id, criterionId: d.criterionId, met: d.met, evidence: d.evidence.trim() })
          .run();

      if (!options.submit) {
        recordAudit(tx, actor, {
          action: 'grading.draft_saved',
          entityType: 'grading',
          entityId: grading.id,
          after: { outcome: input.outcome, decided: input.decisions.filter((d) => d.met !== null).length },
        });
        return { ok: true as const, grading };
      }

      // Quality assurance: the sample is drawn once, at submission, and recorded with its reason.
      const settings = epaoSettingsOf(tx);
      const prior = tx
        .select({ n: sql<number>`count(*)` })
        .from(gradings)
        .innerJoin(
          apprentices,
          eq(apprentices.id, sql`(select apprentice_id from bookings where bookings.id = ${gradings.bookingId})`),
        )
        .where(
          and(
            eq(gradings.assessorUserId, current.assessorUserId),
            eq(gradings.status, 'submitted'),
            ne(gradings.id, grading.id),
            inArray(
              apprentices.standardVersionId,
              tx
                .select({ id: standardVersions.id })
                .from(standardVersions)
                .where(eq(standardVersions.reference, apprentice.standardReference)),
            ),
          ),
        )
        .get()!.n;
      const reason = sampleReason(
        {
          firstN: settings.qaFirstN,
          sampleFails: settings.qaSampleFails,
          sampleBoundary: settings.qaSampleBoundary,
          randomPercent: settings.qaRandomPercent,
          seed: settings.qaSeed,
        },
        {
          id: grading.id,
          grade,
          boundary: input.outcome === 'graded' && isBoundaryCase(plan, current.methodId, input.decisions),
          priorGradings: prior,
          ...(method?.marker === 'provider' ? { providerMarkedPercent: method.moderationSamplePercent ?? 100 } : {}),
        },
      );
      const submitted = tx
        .update(gradings)
        .set({
          sampleReason: reason,
          sampleDraw: samplingDraw(settings.qaSeed, grading.id),
          moderation: reason ? 'pending' : 'not_sampled',
        })
        .where(eq(gradings.id, grading.id))
        .returning()
        .get();
      if (current.status === 'confirmed') {
        moveBooking(tx, current.id, 'confirmed', 'completed', actor, now, 'Graded');
      }
      const after = recomputeAttempt(tx, attempt.id, today);
      recordAudit(tx, actor, {
        action: 'grading.submitted',
        entityType: 'grading',
        entityId: grading.id,
        after: {
          grade,
          outcome: input.outcome,
          outcomeReason: input.outcomeReason,
          sampled: reason,
          decisions: input.decisions,
          attemptResult: after.overallGrade,
        },
        reason: input.outcomeReason,
      });
      return { ok: true as const, grading: submitted };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Changes criterion decisions after submission (moderation or an appeal): the grade is derived
 * again by the plan's rule and the attempt's result follows. Every change is audited by the caller.
 */
function applyChanges(
  tx: Queryable,
  grading: GradingRow,
  plan: PlanFile,
  changes: Decision[],
): { ok: true; before: Grade | null; after: Grade | null; criteriaBefore: Decision[] } | Failure {
  if (grading.outcome !== 'graded')
    return {
      ok: false,
      message: `This assessment was recorded as ${grading.outcome.replace(/_/g, ' ')}: there are no criterion decisions to change`,
    };
  const decisions = decisionsOf(tx, grading.id);
  const merged = decisions.map((d) => changes.find((c) => c.criterionId === d.criterionId) ?? d);
  const unknown = changes.filter((c) => !decisions.some((d) => d.criterionId === c.criterionId));
  if (unknown.length > 0)
    return {
      ok: false,
      message: 'Some criteria are not criteria of this grading',
      problems: unknown.map((c) => ({
        criterionId: c.criterionId,
        message: `${c.criterionId} is not a criterion of this grading`,
      })),
    };
  const derived = deriveMethodGrade(plan, grading.methodId, merged);
  if (!derived.complete)
    return {
      ok: false,
      message: 'Every criterion needs a decision, and every one not met its evidence',
      problems: derived.missingEvidence.map((criterionId) => ({
        criterionId,
        message: `Say what evidence fell short for ${criterionId}`,
      })),
    };
  for (const c of changes)
    tx.update(criterionDecisions)
      .set({ met: c.met, evidence: c.evidence.trim() })
      .where(and(eq(criterionDecisions.gradingId, grading.id), eq(criterionDecisions.criterionId, c.criterionId)))
      .run();
  tx.update(gradings).set({ grade: derived.grade }).where(eq(gradings.id, grading.id)).run();
  return {
    ok: true,
    before: grading.grade,
    after: derived.grade,
    criteriaBefore: decisions.filter((d) => changes.some((c) => c.criterionId === d.criterionId)),
  };
}

/* ---------- Moderation ---------- */

/**
 * A quality assurer moderates a sampled grading: agrees, or changes criterion decisions with a
 * rationale (the grades follow). Nobody moderates their own grading.
 */
export function moderate(
  db: Db,
  gradingId: number,
  input: { decision: 'agreed' | 'changed'; rationale: string; changes: Decision[] },
  actor: Actor & { userId: number },
  now: DateTime,
): { ok: true } | Failure {
  return db.transaction(
    (tx) => {
      const grading = gradingById(tx, gradingId);
      if (!grading) return { ok: false as const, message: 'There is no such grading' };
      if (grading.assessorUserId === actor.userId)
        return { ok: false as const, message: 'You graded this assessment: someone else must moderate it' };
      if (grading.moderation !== 'pending')
        return {
          ok: false as const,
          message:
            grading.moderation === 'not_sampled'
              ? 'This grading was not sampled for moderation'
              : 'This grading has been moderated',
        };
      const apprentice = findApprenticeById(
        tx,
        tx.select({ id: bookings.apprenticeId }).from(bookings).where(eq(bookings.id, grading.bookingId)).get()!.id,
      )!;
      let grades: { before: Grade | null; after: Grade | null; criteriaBefore: Decision[] } = {
        before: grading.grade,
        after: grading.grade,
        criteriaBefore: [],
      };
      if (input.decision === 'changed') {
        if (input.changes.length === 0)
          return { ok: false as const, message: 'Change at least one criterion decision, or agree with the grading' };
        const applied = applyChanges(tx, grading, planOf(tx, apprentice), input.changes);
        if (!applied.ok) return applied;
        grades = applied;
      }
      tx.update(gradings).set({ moderation: input.decision }).where(eq(gradings.id, grading.id)).run();
      tx.insert(moderations)
        .values({
          gradingId: grading.id,
          moderatorUserId: actor.userId,
          decision: input.decision,
          rationale: input.rationale,
          gradeBefore: grades.before,
          gradeAfter: grades.after,
          createdAt: isoInstant(now),
        })
        .run();
      const attempt = recomputeAttempt(tx, grading.attemptId, now.setZone(ZONE).toISODate()!);
      recordAudit(tx, actor, {
        action: `grading.moderation_${input.decision}`,
        entityType: 'grading',
        entityId: grading.id,
        before: { grade: grades.before, criteria: grades.criteriaBefore },
        after: { grade: grades.after, criteria: input.changes, attemptResult: attempt.overallGrade },
        reason: input.rationale,
      });
      return { ok: true as const };
    },
    { behavior: 'immediate' },
  );
}

/** Submitted gradings sampled and waiting for moderation, oldest first, with what a quality assurer needs to pick one. */
export function moderationQueue(db: Db, asked = 1): Page<ModerationQueueRow> {
  return queueUntilChange(db, String(asked), () => {
    const total = db.select({ n: count() }).from(gradings).where(PENDING).get()?.n ?? 0;
    return pageFrom(total, asked, (limit, offset) => moderationQueueSelect(db).limit(limit).offset(offset).all());
  });
}

type ModerationQueueRow = ReturnType<ReturnType<typeof moderationQueueSelect>['all']>[number];

/**
 * One queue every quality assurer reads: its count walks every pending grading, and its page
 * looks up three rows for each of 50, so each page is kept until the database changes.
 */
const queueUntilChange = memoUntilChange<Page<ModerationQueueRow>>(20);

/** A grading in the sample, waiting for moderation. */
export const PENDING = eq(gradings.moderation, 'pending');

/** The moderation queue in order, before paging (its SQL is what the query-plan test explains). */
export function moderationQueueSelect(db: Db) {
  return db
    .select({
      // What the queue shows of each grading, not its decisions and sample.
      grading: {
        id: gradings.id,
        methodId: gradings.methodId,
        grade: gradings.grade,
        outcome: gradings.outcome,
        sampleReason: gradings.sampleReason,
        submittedAt: gradings.submittedAt,
      },
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      assessorName: users.name,
    })
    .from(gradings)
    .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
    .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
    .innerJoin(users, eq(users.id, gradings.assessorUserId))
    .where(PENDING)
    .orderBy(asc(gradings.submittedAt), asc(gradings.id));
}

export function moderationsOf(db: Queryable, gradingId: number) {
  return db
    .select({ moderation: moderations, moderatorName: users.name })
    .from(moderations)
    .innerJoin(users, eq(users.id, moderations.moderatorUserId))
    .where(eq(moderations.gradingId, gradingId))
    .orderBy(asc(moderations.id))
    .all();
}

/* ---------- Results and release ---------- */

export interface AttemptResult {
  attempt: AttemptRow;
  methods: {
    methodId: string;
    name: string;
    mode: string;
    grade: Grade | null;
    outcome: Outcome | null;
    outcomeDecision: OutcomeDecision | null;
    /** Malpractice without a decision yet: the result cannot be released. */
    withheld: boolean;
    gradingId: number | null;
    moderation: string | null;
    status: string | null;
  }[];
  /** Why it cannot be released yet, or null when it can (or has been). */
  blockedBy: string | null;
  released: boolean;
  appealDeadline: string | null;
}

/** Every attempt of an apprentice with its method grades, newest first. `releasedOnly` for providers, employers and the results API. */
export function resultsOf(db: Queryable, apprentice: ApprenticeDetail, releasedOnly: boolean): AttemptResult[] {
  const plan = planForApprentice(db, apprentice);
  const settings = epaoSettingsOf(db);
  const attempts = db
    .select()
    .from(epaAttempts)
    .where(
      and(eq(epaAttempts.apprenticeId, apprentice.id), releasedOnly ? isNotNull(epaAttempts.releasedAt) : undefined),
    )
    .orderBy(desc(epaAttempts.number))
    .all();
  return attempts.map((attempt) => {
    const order = (id: string) => plan?.methods.findIndex((m) => m.id === id) ?? 0;
    const modes = db
      .select()
      .from(attemptMethods)
      .where(eq(attemptMethods.attemptId, attempt.id))
      .all()
      .sort((a, b) => order(a.methodId) - order(b.methodId));
    const graded = db.select().from(gradings).where(eq(gradings.attemptId, attempt.id)).all();
    const methods = modes.map((m) => {
      const ofMethod = graded.filter((x) => x.methodId === m.methodId);
      // The grading that counts; a void one shows only until the method is assessed again.
      const g =
        ofMethod.find((x) => outcomeEffect(x.outcome, x.outcomeDecision).counts) ?? ofMethod[ofMethod.length - 1];
      const visible = g?.status === 'submitted';
      const effect = g && visible ? outcomeEffect(g.outcome, g.outcomeDecision) : null;
      return {
        methodId: m.methodId,
        name: plan?.methods.find((x) => x.id === m.methodId)?.name ?? m.methodId,
        mode: m.mode,
        grade: m.mode === 'carried' ? m.carriedGrade : visible && effect?.counts ? g.grade : null,
        outcome: visible ? g.outcome : null,
        outcomeDecision: visible ? g.outcomeDecision : null,
        withheld: effect?.withheld ?? false,
        gradingId: g?.id ?? null,
        moderation: g?.moderation ?? null,
        status: g?.status ?? null,
      };
    });
    const released = attempt.releasedAt !== null;
    const blockedBy = released
      ? null
      : !attempt.overallGrade
        ? 'Not every method has a grade yet'
        : methods.some((m) => m.moderation === 'pending')
          ? 'A sampled grading is waiting for moderation'
          : methods.some((m) => m.withheld)
            ? 'Withheld: a malpractice decision is pending'
            : resultHeldBy(db, attempt.apprenticeId, attempt.number)
              ? 'Held by a malpractice or maladministration case'
              : null;
    const releasedOn = attempt.releasedAt
      ? DateTime.fromISO(attempt.releasedAt, { zone: 'utc' }).setZone(ZONE).toISODate()!
      : null;
    return {
      attempt,
      methods,
      blockedBy,
      released,
      appealDeadline: releasedOn ? appealDeadline(releasedOn, settings.appealWorkingDays) : null,
    };
  });
}

/** Attempts with a result not yet released, for the administrators' results page. */
export function unreleasedResults(db: Db) {
  return db
    .select({
      attempt: epaAttempts,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      pending: sql<number>`(select count(*) from gradings g where g.attempt_id = ${epaAttempts.id} and g.moderation = 'pending')`,
      heldByCase: heldByCaseSql(epaAttempts.apprenticeId, epaAttempts.number),
    })
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .where(and(isNotNull(epaAttempts.overallGrade), isNull(epaAttempts.releasedAt)))
    .orderBy(asc(epaAttempts.resultOn), asc(epaAttempts.id))
    .all();
}

/**
 * Releases results, all or nothing: each must be complete and have no sampled grading
 * waiting for moderation. Only then do the provider, the employer and the results API see it.
 */
export function releaseResults(
  db: Db,
  attemptIds: number[],
  actor: Actor,
  now: DateTime,
): { ok: true; released: number } | Failure {
  return db.transaction(
    (tx) => {
      const rows = tx.select().from(epaAttempts).where(inArray(epaAttempts.id, attemptIds)).all();
      if (rows.length !== new Set(attemptIds).size)
        return { ok: false as const, message: 'Some of those results do not exist' };
      for (const attempt of rows) {
        const label = `Attempt ${attempt.number} of apprentice ${attempt.apprenticeId}`;
        if (attempt.releasedAt) return { ok: false as const, message: `${label} has already been released` };
        if (!attempt.overallGrade)
          return { ok: false as const, message: `${label} is not complete: not every method has a grade` };
        const pending = tx
          .select({ id: gradings.id })
          .from(gradings)
          .where(and(eq(gradings.attemptId, attempt.id), eq(gradings.moderation, 'pending')))
          .all();
        if (pending.length > 0)
          return { ok: false as const, message: `${label} has a sampled grading waiting for moderation` };
        const withheld = tx
          .select({ outcome: gradings.outcome, decision: gradings.outcomeDecision })
          .from(gradings)
          .where(and(eq(gradings.attemptId, attempt.id), eq(gradings.status, 'submitted')))
          .all()
          .some((g) => outcomeEffect(g.outcome, g.decision).withheld);
        if (withheld)
          return {
            ok: false as const,
            message: `${label} is withheld: decide the malpractice (a Fail or void) before releasing it`,
          };
        // Ofqual's General Conditions A8: a result a malpractice or maladministration case names is not issued while it is open.
        const held = resultHeldBy(tx, attempt.apprenticeId, attempt.number);
        if (held)
          return {
            ok: false as const,
            message: `${label} is held by ${held.kind} case ${held.id}: ${held.status === 'decided' ? 'its decision withholds the result' : 'decide the case before releasing it'}`,
          };
      }
      for (const attempt of rows) {
        tx.update(epaAttempts)
          .set({ releasedAt: isoInstant(now), releasedBy: actor.userId })
          .where(eq(epaAttempts.id, attempt.id))
          .run();
        recordAudit(tx, actor, {
          action: 'result.released',
          entityType: 'attempt',
          entityId: attempt.id,
          after: { overallGrade: attempt.overallGrade, capped: attempt.capped },
        });
        notifyProvider(
          tx,
          attempt.apprenticeId,
          'EPA result released',
          `The result of attempt ${attempt.number} is ${attempt.overallGrade}. It can be seen on the apprentice's page.`,
        );
      }
      return { ok: true as const, released: rows.length };
    },
    { behavior: 'immediate' },
  );
}

/** Tells the apprentice's provider's users (queued in the outbox). */
export function notifyProvider(tx: Queryable, apprenticeId: number, subject: string, body: string): void {
  const apprentice = findApprenticeById(tx, apprenticeId);
  if (!apprentice) return;
  notifyProviderUsers(
    tx,
    apprentice.providerUkprn,
    subject,
    `${fullName(apprentice)} (ULN ${apprentice.uln}): ${body}`,
  );
}

/** Tells a training provider's users whose accounts are enabled (queued in the outbox). */
function notifyProviderUsers(tx: Queryable, ukprn: string, subject: string, body: string): void {
  const to = tx
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, 'provider'), eq(users.providerUkprn, ukprn), isNull(users.disabledAt)))
    .all();
  for (const { email } of to) queueNotification(tx, { to: email, subject, body });
}

/** Tells the apprentice's employer's users (queued in the outbox). */
function notifyEmployer(tx: Queryable, apprentice: ApprenticeDetail, subject: string, body: string): void {
  const to = tx
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, 'employer'), eq(users.employerId, apprentice.employerId)))
    .all();
  for (const { email } of to)
    queueNotification(tx, { to: email, subject, body: `${fullName(apprentice)} (ULN ${apprentice.uln}): ${body}` });
}

/** The EPAO accepts exceptional circumstances for a resit or retake: its grade is no longer capped. */
export function recordExceptionalCircumstances(
  db: Db,
  attemptId: number,
  reason: string,
  actor: Actor,
  today: string,
): { ok: true } | Failure {
  return db.transaction((tx) => {
    const attempt = tx.select().from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get();
    if (!attempt) return { ok: false as const, message: 'There is no such attempt' };
    if (attempt.number === 1) return { ok: false as const, message: 'A first attempt is not capped' };
    if (attempt.releasedAt)
      return { ok: false as const, message: 'The result has been released: change it through an appeal' };
    tx.update(epaAttempts)
      .set({ exceptionalReason: reason, exceptionalBy: actor.userId })
      .where(eq(epaAttempts.id, attemptId))
      .run();
    const after = recomputeAttempt(tx, attemptId, today);
    recordAudit(tx, actor, {
      action: 'attempt.exceptional_circumstances',
      entityType: 'attempt',
      entityId: attemptId,
      before: { overallGrade: attempt.overallGrade, capped: attempt.capped },
      after: { overallGrade: after.overallGrade, capped: after.capped },
      reason,
    });
    return { ok: true as const };
  });
}

/** A grading moves its booking on (completed when graded, void when its no-show or malpractice is voided), audited; calendars see a new sequence. */
export function moveBooking(
  tx: Queryable,
  bookingId: number,
  from: 'confirmed' | 'completed',
  to: 'completed' | 'void',
  actor: Actor,
  now: DateTime,
  reason: string,
): void {
  tx.update(bookings)
    .set({ status: to, sequence: sql`${bookings.sequence} + 1`, updatedAt: isoInstant(now) })
    .where(eq(bookings.id, bookingId))
    .run();
  recordAudit(tx, actor, {
    action: to === 'void' ? 'booking.voided' : 'booking.completed',
    entityType: 'booking',
    entityId: bookingId,
    before: { status: from },
    after: { status: to },
    reason,
  });
}

/* ---------- No-shows and malpractice ---------- */

/**
 * The assessment organisation decides a no-show (a good reason accepted: void; otherwise a Fail)
 * or malpractice (a Fail, void, or withheld pending investigation), with a reason. A void one is
 * not an attempt: its booking becomes void, so the method can be booked again, and the attempt's
 * result is worked out without it. Refused once the result is released.
 */
export function decideOutcome(
  db: Db,
  apprentice: ApprenticeDetail,
  gradingId: number,
  decision: OutcomeDecision,
  reason: string,
  actor: Actor,
  now: DateTime,
): { ok: true } | Failure {
  return db.transaction(
    (tx) => {
      const grading = gradingById(tx, gradingId);
      const attempt = grading
        ? tx.select().from(epaAttempts).where(eq(epaAttempts.id, grading.attemptId)).get()
        : undefined;
      if (!grading || !attempt || attempt.apprenticeId !== apprentice.id || grading.status !== 'submitted')
        return { ok: false as const, message: 'There is no such assessment in this result' };
      const allowed = decisionsFor(grading.outcome);
      if (allowed.length === 0)
        return {
          ok: false as const,
          message: 'Only a no-show or malpractice needs the assessment organisation’s decision',
        };
      if (!allowed.includes(decision)) return { ok: false as const, message: `A no-show is either a Fail or void` };
      if (attempt.releasedAt) return { ok: false as const, message: 'The result has been released: appeal it instead' };
      if (grading.outcomeDecision === 'void') return { ok: false as const, message: 'This assessment is already void' };
      const byCase = caseActingOn(tx, grading.bookingId);
      if (byCase)
        return {
          ok: false as const,
          message: `${byCase.kind === 'malpractice' ? 'Malpractice' : 'Maladministration'} case ${byCase.id} decided this assessment: it is not decided again here`,
        };
      applyOutcomeDecision(tx, grading, attempt.id, decision, reason, actor, now);
      return { ok: true as const };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Writes the assessment organisation's decision on a no-show or malpractice (see decideOutcome)
 * inside the caller's transaction, audited: the grading's decision, a void one's booking, and the
 * attempt's result worked out again. The caller has checked it may be made.
 */
export function applyOutcomeDecision(
  tx: Queryable,
  grading: NonNullable<ReturnType<typeof gradingById>>,
  attemptId: number,
  decision: OutcomeDecision,
  reason: string,
  actor: Actor,
  now: DateTime,
): void {
  const after = {
    outcomeDecision: decision,
    outcomeDecisionReason: reason,
    outcomeDecidedBy: actor.userId,
    outcomeDecidedAt: isoInstant(now),
  };
  // A void assessment is not an attempt: nothing to moderate, and its booking no longer holds the method.
  const voided = decision === 'void';
  tx.update(gradings)
    .set({
      ...after,
      ...(voided && grading.moderation === 'pending' ? { moderation: 'not_sampled' as const } : {}),
    })
    .where(eq(gradings.id, grading.id))
    .run();
  if (voided) {
    moveBooking(tx, grading.bookingId, 'completed', 'void', actor, now, reason);
  }
  recomputeAttempt(tx, attemptId, now.setZone(ZONE).toISODate()!);
  recordAudit(tx, actor, {
    action: 'grading.outcome_decided',
    entityType: 'grading',
    entityId: grading.id,
    before: { outcome: grading.outcome, outcomeDecision: grading.outcomeDecision, moderation: grading.moderation },
    after,
    reason,
  });
}

/* ---------- Resits and retakes ---------- */

/** What a resit or retake is to be: each failed method resat or retaken, and a retake's action plan. */
export interface FurtherAttemptChoice {
  choices: Record<string, ResitKind>;
  actionPlan: string | null;
}

export type FurtherRequestRow = typeof furtherAttemptRequests.$inferSelect;

/**
 * Whether the apprentice's latest, released, failed result may be resat or retaken as chosen on
 * `today`: every failed method chosen (and only those), a retake's action plan given, no appeal
 * open, and each chosen kind's window still open (from the release: see checkFurtherAttempt).
 */
function checkFurtherChoice(
  tx: Queryable,
  apprentice: ApprenticeDetail,
  { choices, actionPlan }: FurtherAttemptChoice,
  today: string,
):
  | { ok: true; previous: AttemptRow; methods: AttemptResult['methods']; deadlines: Partial<Record<ResitKind, string>> }
  | Failure {
  const previous = latestAttempt(tx, apprentice.id);
  if (!previous?.overallGrade || !previous.releasedAt || !previous.resultOn)
    return { ok: false as const, message: 'There is no released result to resit or retake' };
  const releasedOn = inLondon(previous.releasedAt).toISODate()!;
  if (appealsOf(tx, previous.id).some((a) => a.decision === null))
    return { ok: false as const, message: 'An appeal against this result is open: wait for its decision' };
  if (caseAppealOpen(tx, apprentice.id, previous.number))
    return {
      ok: false as const,
      message: 'An appeal against a decision after an investigation into this result is open: wait for its decision',
    };
  const plan = planOf(tx, apprentice);
  const results = resultsOf(tx, apprentice, false).find((r) => r.attempt.id === previous.id)!;
  const failed = results.methods.filter((m) => m.grade === 'Fail');
  const windowFor = (kind: ResitKind) =>
    checkFurtherAttempt(
      plan,
      { number: previous.number, grade: previous.overallGrade!, releasedOn },
      kind,
      today,
      epaoSettingsOf(tx).maxAttempts,
    );
  if (failed.length === 0) {
    // Nothing failed (a Pass, a Distinction or a withdrawal): the rules say why there is no resit.
    const refusal = windowFor('resit');
    return { ok: false as const, message: refusal.ok ? 'No method was failed' : refusal.message };
  }
  // After the plan's time limit for the whole assessment, every method is taken again.
  const limit = wholeAssessmentLimit(
    plan,
    attemptByNumber(tx, apprentice.id, 1)?.startedOn ?? previous.startedOn,
    today,
  );
  const toChoose = limit?.passed ? results.methods : failed;
  const missing = toChoose.filter((m) => !choices[m.methodId]);
  if (missing.length > 0)
    return {
      ok: false as const,
      message: limit?.passed
        ? `The plan's time limit for the whole assessment (${plan.wholeAssessmentMonths} months) ended on ${limit.lastDay}, so every method is taken again: choose resit or retake for ${missing.map((m) => m.name).join(' and ')}`
        : `Choose resit or retake for ${missing.map((m) => m.name).join(' and ')}`,
    };
  const extra = Object.keys(choices).filter((id) => !toChoose.some((m) => m.methodId === id));
  if (extra.length > 0)
    return { ok: false as const, message: 'Only failed methods are resat or retaken; passed methods carry over' };
  if (Object.values(choices).includes('retake') && !actionPlan)
    return {
      ok: false as const,
      message: 'Give the action plan for the retake: the further learning the apprentice will do before it',
    };
  // Each kind chosen has its own window (a resit's is shorter): every one must still be open.
  const deadlines: Partial<Record<ResitKind, string>> = {};
  for (const chosen of new Set(Object.values(choices))) {
    const check = windowFor(chosen);
    if (!check.ok) return check;
    deadlines[chosen] = check.deadline;
  }
  return { ok: true, previous, methods: results.methods, deadlines };
}

/** The request for a resit or retake of an attempt that is waiting for the employer, if any. */
export function pendingFurtherRequest(db: Queryable, attemptId: number): FurtherRequestRow | undefined {
  return db
    .select()
    .from(furtherAttemptRequests)
    .where(and(eq(furtherAttemptRequests.attemptId, attemptId), eq(furtherAttemptRequests.status, 'requested')))
    .get();
}

export function furtherRequestsOf(db: Queryable, attemptId: number): FurtherRequestRow[] {
  return db
    .select()
    .from(furtherAttemptRequests)
    .where(eq(furtherAttemptRequests.attemptId, attemptId))
    .orderBy(asc(furtherAttemptRequests.id))
    .all();
}

/**
 * The provider asks for a resit or retake; it starts only when the employer agrees (a resit or
 * retake needs the employer's agreement: Skills England, "Requirements and guidance for
 * apprenticeship assessment", 2026). Checked against the rules now, and again on agreement.
 */
export function requestFurtherAttempt(
  db: Db,
  apprentice: ApprenticeDetail,
  choice: FurtherAttemptChoice,
  actor: Actor,
  now: DateTime,
): { ok: true; request: FurtherRequestRow } | Failure {
  return db.transaction(
    (tx) => {
      const checked = checkFurtherChoice(tx, apprentice, choice, now.setZone(ZONE).toISODate()!);
      if (!checked.ok) return checked;
      if (pendingFurtherRequest(tx, checked.previous.id))
        return { ok: false as const, message: 'A request for a resit or retake is already waiting for the employer' };
      const request = tx
        .insert(furtherAttemptRequests)
        .values({
          attemptId: checked.previous.id,
          choices: choice.choices,
          actionPlan: choice.actionPlan,
          requestedBy: actor.userId,
          requestedAt: isoInstant(now),
          status: 'requested',
        })
        .returning()
        .get();
      recordAudit(tx, actor, {
        action: 'further_attempt.requested',
        entityType: 'attempt',
        entityId: checked.previous.id,
        after: request,
      });
      notifyEmployer(
        tx,
        apprentice,
        `A resit or retake for ${fullName(apprentice)} needs your agreement`,
        `The training provider asks for ${describeChoices(choice.choices)}. Agree or decline on the apprentice's results page.`,
      );
      return { ok: true as const, request };
    },
    { behavior: 'immediate' },
  );
}

function describeChoices(choices: Record<string, ResitKind>): string {
  return Object.entries(choices)
    .map(([method, kind]) => `a ${kind} of ${method}`)
    .join(' and ');
}

/**
 * Starts the next attempt after a released Fail, with the employer's agreement: each failed
 * method is resat (no further learning) or retaken (further learning, with its action plan);
 * passed methods carry over with their grades. The attempt's deadline is the latest window of
 * the kinds chosen.
 */
export function startFurtherAttempt(
  db: Db,
  apprentice: ApprenticeDetail,
  choice: FurtherAttemptChoice,
  actor: Actor,
  now: DateTime,
  agreedBy: number | null,
): { ok: true; attempt: AttemptRow } | Failure {
  return db.transaction(
    (tx) => {
      const previous = latestAttempt(tx, apprentice.id);
      if (previous && pendingFurtherRequest(tx, previous.id))
        return {
          ok: false as const,
          message: "The provider's request for a resit or retake is waiting: agree to it or decline it",
        };
      return startInTransaction(tx, apprentice, choice, actor, now, agreedBy);
    },
    { behavior: 'immediate' },
  );
}

function startInTransaction(
  tx: Queryable,
  apprentice: ApprenticeDetail,
  choice: FurtherAttemptChoice,
  actor: Actor,
  now: DateTime,
  agreedBy: number | null,
): { ok: true; attempt: AttemptRow } | Failure {
  const today = now.setZone(ZONE).toISODate()!;
  const checked = checkFurtherChoice(tx, apprentice, choice, today);
  if (!checked.ok) return checked;
  const { previous, methods, deadlines } = checked;
  const kind: ResitKind = deadlines.retake ? 'retake' : 'resit';
  const attempt = tx
    .insert(epaAttempts)
    .values({
      apprenticeId: apprentice.id,
      number: previous.number + 1,
      kind,
      startedOn: today,
      deadline: deadlines.retake ?? deadlines.resit!,
      actionPlan: kind === 'retake' ? choice.actionPlan : null,
      employerAgreedBy: agreedBy,
      employerAgreedAt: isoInstant(now),
    })
    .returning()
    .get();
  for (const m of methods) {
    const chosen = choice.choices[m.methodId];
    tx.insert(attemptMethods)
      .values({
        attemptId: attempt.id,
        methodId: m.methodId,
        mode: chosen ?? 'carried',
        carriedGrade: chosen ? null : m.grade,
        deadline: chosen ? deadlines[chosen]! : null,
      })
      .run();
  }
  recordAudit(tx, actor, {
    action: `attempt.${kind}_started`,
    entityType: 'attempt',
    entityId: attempt.id,
    after: { number: attempt.number, choices: choice.choices, deadlines, actionPlan: attempt.actionPlan, agreedBy },
  });
  return { ok: true as const, attempt };
}

/** The provider withdraws its waiting request (to ask for something else, or not at all). */
export function withdrawFurtherRequest(db: Db, attemptId: number, actor: Actor, now: DateTime): { ok: true } | Failure {
  return db.transaction((tx) => {
    const request = pendingFurtherRequest(tx, attemptId);
    if (!request) return { ok: false as const, message: 'No request for a resit or retake is waiting' };
    const after = { status: 'withdrawn' as const, decidedBy: actor.userId, decidedAt: isoInstant(now) };
    tx.update(furtherAttemptRequests).set(after).where(eq(furtherAttemptRequests.id, request.id)).run();
    recordAudit(tx, actor, {
      action: 'further_attempt.withdrawn',
      entityType: 'attempt',
      entityId: attemptId,
      before: { status: request.status },
      after,
    });
    return { ok: true as const };
  });
}

/** The employer agrees to a provider's request (the attempt starts) or declines it with a reason. */
export function decideFurtherRequest(
  db: Db,
  apprentice: ApprenticeDetail,
  attemptId: number,
  decision: 'agreed' | 'declined',
  reason: string | null,
  actor: Actor,
  now: DateTime,
): { ok: true } | Failure {
  return db.transaction(
    (tx) => {
      const request = pendingFurtherRequest(tx, attemptId);
      if (!request) return { ok: false as const, message: 'No request for a resit or retake is waiting' };
      if (decision === 'declined' && !reason)
        return { ok: false as const, message: 'Say why you decline the resit or retake' };
      if (decision === 'agreed') {
        const started = startInTransaction(
          tx,
          apprentice,
          { choices: request.choices, actionPlan: request.actionPlan },
          actor,
          now,
          actor.userId,
        );
        if (!started.ok) return started;
      }
      const after = { status: decision, decidedBy: actor.userId, decidedAt: isoInstant(now), decisionReason: reason };
      tx.update(furtherAttemptRequests).set(after).where(eq(furtherAttemptRequests.id, request.id)).run();
      recordAudit(tx, actor, {
        action: `further_attempt.${decision}`,
        entityType: 'attempt',
        entityId: attemptId,
        before: { status: request.status },
        after,
        reason,
      });
      return { ok: true as const };
    },
    { behavior: 'immediate' },
  );
}

/* ---------- Appeals ---------- */

export type AppealRow = typeof appeals.$inferSelect;

export function appealsOf(db: Queryable, attemptId: number): AppealRow[] {
  return db.select().from(appeals).where(eq(appeals.attemptId, attemptId)).orderBy(asc(appeals.id)).all();
}

/** The appeals waiting for a decision, oldest first: against a result (its attempt), a request's decision (its kind) or a case's (its sanction). */
export function openAppeals(db: Db) {
  return db
    .select({
      appeal: appeals,
      attemptNumber: epaAttempts.number,
      overallGrade: epaAttempts.overallGrade,
      requestKind: assessmentRequests.kind,
      caseSanction: cases.sanction,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      // A training provider's appeal against a decision about itself is about no apprentice.
      providerUkprn: providers.ukprn,
      providerName: providers.name,
    })
    .from(appeals)
    .leftJoin(epaAttempts, eq(epaAttempts.id, appeals.attemptId))
    .leftJoin(assessmentRequests, eq(assessmentRequests.id, appeals.requestId))
    .leftJoin(cases, eq(cases.id, appeals.caseId))
    .leftJoin(
      apprentices,
      eq(
        apprentices.id,
        sql`coalesce(${epaAttempts.apprenticeId}, ${assessmentRequests.apprenticeId}, ${cases.apprenticeId})`,
      ),
    )
    .leftJoin(providers, and(eq(cases.against, 'provider'), eq(providers.ukprn, cases.providerUkprn)))
    .where(and(isNull(appeals.decision), or(isNotNull(apprentices.id), isNotNull(providers.ukprn))))
    .orderBy(asc(appeals.lodgedOn), asc(appeals.id))
    .all();
}

export function appealById(db: Queryable, id: number): AppealRow | undefined {
  return db.select().from(appeals).where(eq(appeals.id, id)).get();
}

/**
 * The provider or employer appeals a released result, within the EPAO's window of working days
 * after release, with the grounds and, when they give one, the apprentice's own statement. The
 * appeal is given its outcome date (the EPAO's working days from lodging). An EPAO that refuses
 * appeals against the plan's highest grade refuses them here.
 */
export function lodgeAppeal(
  db: Db,
  attemptId: number,
  grounds: string,
  actor: Actor & { userId: number },
  today: string,
  statement: string | null = null,
): { ok: true; appeal: AppealRow } | Failure {
  return db.transaction((tx) => {
    const attempt = tx.select().from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get();
    if (!attempt?.releasedAt) return { ok: false as const, message: 'Only a released result can be appealed' };
    if (latestAttempt(tx, attempt.apprenticeId)?.id !== attempt.id)
      return { ok: false as const, message: 'A later attempt has started: this result can no longer be appealed' };
    // One appeal per result: its decision is final within this service.
    if (appealsOf(tx, attemptId).length > 0)
      return { ok: false as const, message: 'This result has already been appealed' };
    const releasedOn = DateTime.fromISO(attempt.releasedAt, { zone: 'utc' }).setZone(ZONE).toISODate()!;
    const settings = epaoSettingsOf(tx);
    const deadline = appealDeadline(releasedOn, settings.appealWorkingDays);
    if (today > deadline)
      return { ok: false as const, message: `Appeals against this result had to be lodged by ${deadline}` };
    if (settings.refuseHighestGradeAppeals) {
      const highest = topGrade(planOf(tx, findApprenticeById(tx, attempt.apprenticeId)!).overallGrades);
      const refused = highestGradeRefusal(attempt.overallGrade, highest, true);
      if (refused) return { ok: false as const, message: refused };
    }
    const dueOn = outcomeDueOn(today, settings.appealDecisionWorkingDays);
    const appeal = tx
      .insert(appeals)
      .values({ attemptId, lodgedBy: actor.userId, lodgedOn: today, grounds, statement, dueOn })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'appeal.lodged',
      entityType: 'appeal',
      entityId: appeal.id,
      after: { attemptId, grounds, statement, deadline, dueOn },
    });
    return { ok: true as const, appeal };
  });
}

/**
 * People who may not sit on an appeal's panel: those involved in the decision appealed (a result's
 * assessors and moderators; a request's decider; a case's opener, investigator and decider, and
 * the assessor of the assessment it is about).
 */
export function involvedInAppeal(db: Queryable, appeal: AppealRow): Set<number> {
  if (appeal.caseId !== null) {
    const found = findCase(db, appeal.caseId);
    if (!found) return new Set();
    const c = found.case;
    // Those the case rules keep from investigating it (its parties), and whoever investigated and decided it.
    return new Set(
      [
        c.openedBy,
        c.assessorUserId,
        found.bookingAssessorId,
        ...found.moderatorIds,
        c.investigatorUserId,
        c.decidedBy,
      ].filter((id): id is number => id != null),
    );
  }
  if (appeal.requestId === null) return conflictedReviewers(db, appeal.attemptId!);
  const decider = findRequest(db, appeal.requestId)?.request.decidedBy;
  return new Set(decider == null ? [] : [decider]);
}

/** People who may not review an appeal against this attempt: its assessors and its moderators. */
export function conflictedReviewers(db: Queryable, attemptId: number): Set<number> {
  // Every attempt of the apprentice: carried-over grades come from earlier ones.
  const apprenticeId =
    db.select({ id: epaAttempts.apprenticeId }).from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get()?.id ?? -1;
  const attemptIds = db
    .select({ id: epaAttempts.id })
    .from(epaAttempts)
    .where(eq(epaAttempts.apprenticeId, apprenticeId))
    .all()
    .map((a) => a.id);
  const graded = attemptIds.length
    ? db
        .select({ id: gradings.id, assessor: gradings.assessorUserId })
        .from(gradings)
        .where(inArray(gradings.attemptId, attemptIds))
        .all()
    : [];
  const moderators = graded.length
    ? db
        .select({ id: moderations.moderatorUserId })
        .from(moderations)
        .where(
          inArray(
            moderations.gradingId,
            graded.map((g) => g.id),
          ),
        )
        .all()
    : [];
  return new Set([...graded.map((g) => g.assessor), ...moderators.map((m) => m.id)]);
}

/**
 * A panel decides an appeal: the reviewer recording the decision and the members they name
 * (`panel`, user ids), at least one of them external and none an assessor or moderator of the
 * result (src/appeals/rules.ts). Upheld, it may change criterion decisions (the grades and the
 * result follow) and the result is released again; either way the decision, its reasons and the
 * panel are recorded and audited.
 */
export function decideAppeal(
  db: Db,
  appealId: number,
  input: {
    decision: AppealDecision;
    reasons: string;
    changes: { gradingId: number; decisions: Decision[] }[];
    panel: readonly number[];
  },
  actor: Actor & { userId: number },
  now: DateTime,
): { ok: true } | Failure {
  try {
    return decideAppealInTransaction(db, appealId, input, actor, now);
  } catch (error) {
    // A change refused after earlier ones were written: the transaction has rolled them back.
    if (error instanceof Refusal) return error.failure;
    throw error;
  }
}

/** Thrown inside a transaction to undo what it has written and answer with the failure. */
class Refusal extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** A decision on an appeal, whatever it is against: the decision, its reasons, who recorded it and when, and its panel. */
function recordAppealDecision(
  tx: Queryable,
  appealId: number,
  input: { decision: AppealDecision; reasons: string },
  panel: readonly PanelMember[],
  actor: Actor & { userId: number },
  now: DateTime,
): void {
  tx.update(appeals)
    .set({ decision: input.decision, reasons: input.reasons, reviewerUserId: actor.userId, decidedAt: isoInstant(now) })
    .where(eq(appeals.id, appealId))
    .run();
  recordPanel(
    tx,
    appealId,
    panel.map((m) => m.id),
  );
}

/** A result an upheld appeal changed is released again, from now (the provider and employer see it anew). */
function releaseAgain(tx: Queryable, attemptId: number, actor: Actor & { userId: number }, now: DateTime): void {
  tx.update(epaAttempts)
    .set({ releasedAt: isoInstant(now), releasedBy: actor.userId })
    .where(eq(epaAttempts.id, attemptId))
    .run();
}

/** The panel as the audit trail keeps it. */
const panelForAudit = (panel: readonly PanelMember[]) =>
  panel.map((m) => ({ userId: m.id, name: m.name, external: m.external }));

/**
 * Records a panel's decision on an appeal against a request's refusal. Upheld, the refusal is set
 * aside: the request waits for a decision again (due the settings' working days from today), with
 * the appeal's reasons on it, and the provider is told; not upheld, the refusal stands.
 */
function decideRequestAppeal(
  tx: Queryable,
  appeal: AppealRow,
  request: RequestRow,
  input: Parameters<typeof decideAppeal>[2],
  panel: readonly PanelMember[],
  actor: Actor & { userId: number },
  now: DateTime,
): void {
  recordAppealDecision(tx, appeal.id, input, panel, actor, now);
  recordAudit(tx, actor, {
    action: `appeal.${input.decision}`,
    entityType: 'appeal',
    entityId: appeal.id,
    before: { requestId: request.id, status: request.status },
    after: {
      requestReopened: input.decision === 'upheld',
      panel: panelForAudit(panel),
    },
    reason: input.reasons,
  });
  const kind = request.kind === 'adjustment' ? 'reasonable adjustment' : 'special consideration';
  if (input.decision === 'upheld') {
    const today = now.setZone(ZONE).toISODate()!;
    const decideBy = addWorkingDays(today, epaoSettingsOf(tx).requestWorkingDays);
    tx.update(assessmentRequests)
      .set({
        status: 'requested',
        decideBy,
        decidedAt: null,
        decidedBy: null,
        decisionReason: null,
        revision: sql`${assessmentRequests.revision} + 1`,
      })
      .where(eq(assessmentRequests.id, request.id))
      .run();
    recordAudit(tx, actor, {
      action: 'request.reopened_on_appeal',
      entityType: 'assessment_request',
      entityId: request.id,
      // Not the decision's reason: it may hold health details, which the audit trail never copies (the appeal keeps it).
      before: { status: request.status, decidedBy: request.decidedBy },
      after: { status: 'requested', decideBy },
      reason: input.reasons,
    });
  }
  notifyProvider(
    tx,
    request.apprenticeId,
    `Appeal ${input.decision === 'upheld' ? 'upheld' : 'not upheld'}`,
    // The panel's reasons stay in the service (they may speak of health): the message says where to read them.
    input.decision === 'upheld'
      ? `The appeal against the refusal of the ${kind} request was upheld: the request will be decided again. Sign in to read the panel's reasons on the request's page.`
      : `The appeal against the refusal of the ${kind} request was not upheld: the refusal stands. Sign in to read the panel's reasons on the request's page.`,
  );
}

/**
 * Records a panel's decision on an appeal against a malpractice or maladministration decision
 * about an assessment. Upheld, the decision is set aside: a withheld result is held no longer; a
 * Fail or void sanction's changes to the grading (and a void's to its booking) are put back as
 * they were before it, the attempt's result is worked out again and, if it had been released,
 * released again. Refused, undoing nothing, when a voided assessment's method has since been
 * booked again in the same attempt. Not upheld, the decision stands. The provider is told.
 */
function decideCaseAppeal(
  tx: Queryable,
  appeal: AppealRow,
  caseId: number,
  input: Parameters<typeof decideAppeal>[2],
  panel: readonly PanelMember[],
  actor: Actor & { userId: number },
  now: DateTime,
): void {
  const c = tx.select().from(cases).where(eq(cases.id, caseId)).get()!;
  recordAppealDecision(tx, appeal.id, input, panel, actor, now);
  let overallGrade: string | null = null;
  if (input.decision === 'upheld') {
    tx.update(cases)
      .set({ setAsideAt: isoInstant(now), revision: sql`${cases.revision} + 1` })
      .where(eq(cases.id, c.id))
      .run();
    recordAudit(tx, actor, {
      action: 'case.set_aside_on_appeal',
      entityType: 'case',
      entityId: c.id,
      before: { outcome: c.outcome, sanction: c.sanction },
      after: { setAsideAt: isoInstant(now), appealId: appeal.id },
      reason: input.reasons,
    });
    const before = c.beforeSanction;
    const grading = before && c.bookingId !== null ? gradingOfBooking(tx, c.bookingId).grading : undefined;
    if (before && grading) {
      const { bookingStatus } = before;
      // Undo what the sanction changed, and keep what changed since: a grade a moderation derived
      // after a Fail stays, and only a sample a void took out of moderation goes back in.
      const restored = {
        outcome: before.outcome,
        outcomeReason: before.outcomeReason,
        outcomeDecision: before.outcomeDecision,
        outcomeDecisionReason: before.outcomeDecisionReason,
        outcomeDecidedBy: before.outcomeDecidedBy,
        outcomeDecidedAt: before.outcomeDecidedAt,
        grade: c.sanction === 'fail' && grading.grade === 'Fail' ? before.grade : grading.grade,
        moderation:
          c.sanction === 'result_void' && before.moderation === 'pending' && grading.moderation === 'not_sampled'
            ? before.moderation
            : grading.moderation,
      };
      const booking = tx.select().from(bookings).where(eq(bookings.id, grading.bookingId)).get()!;
      if (booking.status !== bookingStatus) {
        const again = tx
          .select({ id: bookings.id })
          .from(bookings)
          .where(
            and(
              eq(bookings.apprenticeId, booking.apprenticeId),
              eq(bookings.methodId, booking.methodId),
              eq(bookings.attempt, booking.attempt),
              ne(bookings.id, booking.id),
              inArray(bookings.status, ['held', 'confirmed', 'completed']),
            ),
          )
          .get();
        if (again)
          throw new Refusal({
            ok: false,
            message:
              'The assessment voided by this decision has been booked again since: cancel that booking before upholding the appeal',
          });
        tx.update(bookings)
          .set({ status: bookingStatus, sequence: sql`${bookings.sequence} + 1`, updatedAt: isoInstant(now) })
          .where(eq(bookings.id, booking.id))
          .run();
        recordAudit(tx, actor, {
          action: 'booking.restored_on_appeal',
          entityType: 'booking',
          entityId: booking.id,
          before: { status: booking.status },
          after: { status: bookingStatus },
          reason: input.reasons,
        });
      }
      tx.update(gradings).set(restored).where(eq(gradings.id, grading.id)).run();
      recordAudit(tx, actor, {
        action: 'grading.sanction_undone',
        entityType: 'grading',
        entityId: grading.id,
        before: { grade: grading.grade, outcome: grading.outcome, outcomeDecision: grading.outcomeDecision },
        after: { grade: restored.grade, outcome: restored.outcome, outcomeDecision: restored.outcomeDecision },
        reason: input.reasons,
      });
      const attempt = recomputeAttempt(tx, grading.attemptId, now.setZone(ZONE).toISODate()!);
      overallGrade = attempt.overallGrade;
      if (attempt.releasedAt) releaseAgain(tx, attempt.id, actor, now);
    }
  }
  recordAudit(tx, actor, {
    action: `appeal.${input.decision}`,
    entityType: 'appeal',
    entityId: appeal.id,
    before: { caseId: c.id, sanction: c.sanction },
    after: { setAside: input.decision === 'upheld', overallGrade, panel: panelForAudit(panel) },
    reason: input.reasons,
  });
  const subject = `Appeal ${input.decision === 'upheld' ? 'upheld' : 'not upheld'}`;
  if (c.against === 'provider')
    notifyProviderUsers(
      tx,
      c.providerUkprn!,
      subject,
      input.decision === 'upheld'
        ? `Your appeal against the decision after an investigation into your organisation was upheld: the decision is set aside. Sign in to read the panel's reasons on the appeal's page.`
        : `Your appeal against the decision after an investigation into your organisation was not upheld: the decision stands. Sign in to read the panel's reasons on the appeal's page.`,
    );
  else
    notifyProvider(
      tx,
      c.apprenticeId!,
      subject,
      input.decision === 'upheld'
        ? `The appeal against the decision after an investigation into an assessment was upheld: the decision is set aside${overallGrade ? ` and the result is ${overallGrade}` : ''}. Sign in to read the panel's reasons on the appeal's page.`
        : `The appeal against the decision after an investigation into an assessment was not upheld: the decision stands. Sign in to read the panel's reasons on the appeal's page.`,
    );
}

function decideAppealInTransaction(
  db: Db,
  appealId: number,
  input: Parameters<typeof decideAppeal>[2],
  actor: Actor & { userId: number },
  now: DateTime,
): { ok: true } | Failure {
  return db.transaction(
    (tx) => {
      const appeal = appealById(tx, appealId);
      if (!appeal) return { ok: false as const, message: 'There is no such appeal' };
      if (appeal.decision) return { ok: false as const, message: 'This appeal has been decided' };
      const request = appeal.requestId !== null ? findRequest(tx, appeal.requestId)!.request : null;
      const involved = involvedInAppeal(tx, appeal);
      if (involved.has(actor.userId))
        return {
          ok: false as const,
          message:
            request !== null
              ? 'You made the decision appealed: an independent reviewer must decide the appeal'
              : appeal.caseId !== null
                ? 'You took part in the case or the assessment: an independent reviewer must decide the appeal'
                : 'You assessed or moderated this result: an independent reviewer must decide the appeal',
        };
      const candidates = new Map(panelCandidates(tx, involved).map((m) => [m.id, m]));
      const memberIds = [...new Set([actor.userId, ...input.panel])];
      if (memberIds.some((id) => !candidates.has(id)))
        return {
          ok: false as const,
          message: 'Choose the panel from the list: administrators and quality assurers whose accounts are enabled',
          field: 'panel',
        };
      const panel = memberIds.map((id) => candidates.get(id)!);
      const problems = panelProblems(panel);
      // The first: the form offers nobody involved, so there is at most one other.
      if (problems.length > 0) return { ok: false as const, message: problems[0]!, field: 'panel' };
      if (input.decision === 'not_upheld' && input.changes.length > 0)
        return { ok: false as const, message: 'An appeal that is not upheld changes no grade' };
      if (request !== null || appeal.caseId !== null) {
        if (input.changes.length > 0)
          return {
            ok: false as const,
            message: `An appeal against ${request !== null ? 'a request’s decision' : 'a decision after an investigation'} changes no grade`,
          };
        if (request !== null) decideRequestAppeal(tx, appeal, request, input, panel, actor, now);
        else decideCaseAppeal(tx, appeal, appeal.caseId!, input, panel, actor, now);
        return { ok: true as const };
      }
      const attempt = tx.select().from(epaAttempts).where(eq(epaAttempts.id, appeal.attemptId!)).get()!;
      const apprentice = findApprenticeById(tx, attempt.apprenticeId)!;
      const plan = planOf(tx, apprentice);
      // Each change writes as it goes: a later one refused must undo the earlier ones (throwing rolls the transaction back).
      for (const change of input.changes) {
        const grading = gradingById(tx, change.gradingId);
        if (!grading || grading.attemptId !== attempt.id)
          throw new Refusal({ ok: false, message: 'A change names a grading that is not part of this result' });
        const applied = applyChanges(tx, grading, plan, change.decisions);
        if (!applied.ok) throw new Refusal(applied);
        recordAudit(tx, actor, {
          action: 'grading.appeal_changed',
          entityType: 'grading',
          entityId: grading.id,
          before: { grade: applied.before, criteria: applied.criteriaBefore },
          after: { grade: applied.after, criteria: change.decisions },
          reason: input.reasons,
        });
      }
      recordAppealDecision(tx, appealId, input, panel, actor, now);
      const after = recomputeAttempt(tx, attempt.id, now.setZone(ZONE).toISODate()!);
      if (input.decision === 'upheld') releaseAgain(tx, attempt.id, actor, now);
      recordAudit(tx, actor, {
        action: `appeal.${input.decision}`,
        entityType: 'appeal',
        entityId: appealId,
        before: { overallGrade: attempt.overallGrade },
        after: {
          overallGrade: after.overallGrade,
          rereleased: input.decision === 'upheld',
          panel: panelForAudit(panel),
        },
        reason: input.reasons,
      });
      notifyProvider(
        tx,
        attempt.apprenticeId,
        `Appeal ${input.decision === 'upheld' ? 'upheld' : 'not upheld'}`,
        `The appeal against attempt ${attempt.number} was ${input.decision === 'upheld' ? 'upheld' : 'not upheld'}. The result is ${after.overallGrade}. Reasons: ${input.reasons}`,
      );
      return { ok: true as const };
    },
    { behavior: 'immediate' },
  );
}
