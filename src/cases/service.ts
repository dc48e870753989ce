import { and, asc, desc, eq, inArray, isNull, ne } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import { canActOn } from '../apprentices/access.js';
import { findApprenticeByUln } from '../apprentices/store.js';
import { recordAudit } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';
import {
  apprentices,
  bookings,
  caseHolds,
  cases,
  epaAttempts,
  gradings,
  providers,
  users,
  type GradingBeforeSanction,
} from '../db/schema.js';
import { CASE_KINDS, CASE_OUTCOMES, CASE_SANCTIONS, CASE_SUBJECTS } from '../db/vocabulary.js';
import { applyOutcomeDecision, epaoSettingsOf, notifyProvider } from '../grading/store.js';
import { appealDeadline } from '../grading/rules.js';
import { dateLabel, londonDateOf } from '../dates.js';
import { methodNames } from '../bookings/store.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { blankToNull, decimalInput, recordId } from '../validation/fields.js';
import { problemsFromZod, type Problem } from '../validation/problems.js';
import { ok, refuse, type Result } from '../validation/result.js';
import {
  actsOnLearner,
  CASE_KIND_LABELS,
  holdProblem,
  investigatorProblem,
  judgeCaseDecision,
  SANCTION_LABELS,
  type CaseSubject,
  type Sanction,
} from './rules.js';
import { decisionsAgainst, findCase, holdFacts, insertCase, type CaseRow, type FoundCase } from './store.js';
import { queueNotification } from '../notifications/store.js';
import type { Page } from '../http/paging.js';

/*
 * Malpractice and maladministration cases: the use cases. Anyone who meets an assessment may
 * raise one (an administrator, a quality assurer, an assessor, a training provider), within what
 * they can see; the assessment organisation's administrators assign an investigator, who decides.
 * A case is seen by administrators, the person who opened it and its investigator, and by nobody
 * it is against.
 */

export const CASE_OPENERS = AREA_ROLES.cases;

const text = (missing: string, max = 4000) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(max, `Keep it to ${max.toLocaleString('en-GB')} characters`);

const openSchema = z.object({
  kind: z.enum(CASE_KINDS, { error: 'Select malpractice or maladministration' }),
  against: z.enum(CASE_SUBJECTS, { error: 'Select what the case is about' }),
  uln: z.preprocess(blankToNull, z.string().max(20).nullable()),
  methodId: z.preprocess(blankToNull, z.string().max(100).nullable()),
  assessorUserId: z.preprocess(blankToNull, z.preprocess(decimalInput, z.number().int().positive()).nullable()),
  providerUkprn: z.preprocess(blankToNull, z.string().max(20).nullable()),
});
const allegationField = text('Describe what happened: the allegation');

const assignSchema = z.object({
  investigatorUserId: z.preprocess(
    blankToNull,
    z.preprocess(decimalInput, z.number({ error: 'Select an investigator' }).int().positive()),
  ),
});

const decisionSchema = z.object({
  outcome: z.enum(CASE_OUTCOMES, { error: 'Select whether the case is upheld' }),
  sanction: z.preprocess(blankToNull, z.enum(CASE_SANCTIONS, { error: 'Select a sanction from the list' }).nullable()),
  reason: z.string({ error: 'Give the reason for the decision' }).trim().max(4000, 'Keep it to 4,000 characters'),
  revision: z.preprocess(blankToNull, z.preprocess(decimalInput, z.number().int().min(0)).nullable()).optional(),
});

/* ---------- What each person may open a case about ---------- */

/** The assessors a user may open a case against: any (administrators, quality assurers), or those who assessed a provider's apprentices. */
export function assessorsInScope(db: Queryable, user: CurrentUser) {
  const all = db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(eq(users.role, 'assessor'))
    .orderBy(asc(users.name));
  if (user.role === 'admin' || user.role === 'quality_assurer') return all.all();
  if (user.role !== 'provider' || !user.providerUkprn) return [];
  return db
    .selectDistinct({ id: users.id, name: users.name })
    .from(users)
    .innerJoin(bookings, eq(bookings.assessorUserId, users.id))
    .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
    .where(and(eq(users.role, 'assessor'), eq(apprentices.providerUkprn, user.providerUkprn)))
    .orderBy(asc(users.name))
    .all();
}

/** The providers a user may open a case against: any (administrators, quality assurers), or those whose apprentices an assessor assessed. */
export function providersInScope(db: Queryable, user: CurrentUser) {
  if (user.role === 'admin' || user.role === 'quality_assurer')
    return db
      .select({ ukprn: providers.ukprn, name: providers.name })
      .from(providers)
      .orderBy(asc(providers.name))
      .all();
  if (user.role !== 'assessor') return [];
  return db
    .selectDistinct({ ukprn: providers.ukprn, name: providers.name })
    .from(providers)
    .innerJoin(apprentices, eq(apprentices.providerUkprn, providers.ukprn))
    .innerJoin(bookings, eq(bookings.apprenticeId, apprentices.id))
    .where(eq(bookings.assessorUserId, user.id))
    .orderBy(asc(providers.name))
    .all();
}

/** What each role may open a case against. */
export function subjectsFor(user: CurrentUser): CaseSubject[] {
  if (user.role === 'admin' || user.role === 'quality_assurer') return ['assessment', 'assessor', 'provider'];
  if (user.role === 'assessor') return ['assessment', 'provider'];
  if (user.role === 'provider') return ['assessment', 'assessor'];
  return [];
}

/**
 * The assessment a case is about: the apprentice's latest booking of the method that was not
 * cancelled, declined or left to expire, if the user may see it (an administrator or quality
 * assurer any; a provider its own apprentices'; an assessor their own bookings).
 */
function assessmentFor(db: Db, user: CurrentUser, uln: string | null, methodId: string | null) {
  const notFound = refuse('invalid', [
    { path: 'uln', message: 'Enter the ULN of an apprentice whose assessment you took part in or can see' },
  ]);
  const apprentice = uln && /^\d{10}$/.test(uln) ? findApprenticeByUln(db, uln) : undefined;
  if (!apprentice) return notFound;
  const sees =
    user.role === 'admin' ||
    user.role === 'quality_assurer' ||
    (user.role === 'provider' && canActOn(user, apprentice, 'view')) ||
    user.role === 'assessor';
  if (!sees) return notFound;
  // An assessor learns nothing of an apprentice they never assessed, whatever else the form lacks.
  if (user.role === 'assessor' && !assessedBy(db, apprentice.id, user.id)) return notFound;
  if (!methodId) return refuse('invalid', [{ path: 'methodId', message: 'Select the assessment method' }]);
  const booking = db
    .select()
    .from(bookings)
    .where(
      and(
        eq(bookings.apprenticeId, apprentice.id),
        eq(bookings.methodId, methodId),
        inArray(bookings.status, ['held', 'confirmed', 'completed', 'void']),
        user.role === 'assessor' ? eq(bookings.assessorUserId, user.id) : undefined,
      ),
    )
    .orderBy(desc(bookings.attempt), desc(bookings.startsAt))
    .get();
  if (!booking)
    return refuse('invalid', [{ path: 'methodId', message: 'The apprentice has no booking of that method' }]);
  return ok({ apprentice, booking });
}

const assessedBy = (db: Queryable, apprenticeId: number, assessorId: number) =>
  db
    .select({ id: bookings.id })
    .from(bookings)
    .where(and(eq(bookings.apprenticeId, apprenticeId), eq(bookings.assessorUserId, assessorId)))
    .get() !== undefined;

/** Opens a case, audited; the administrators' list shows it at once. */
export function openCase(db: Db, user: CurrentUser, input: unknown, now: string): Result<CaseRow> {
  if (!(CASE_OPENERS as readonly string[]).includes(user.role))
    return refuse('forbidden', 'You do not have permission to do this');
  const parsed = openSchema.safeParse(input ?? {});
  // The allegation is judged beside the rest, so that the form lists everything to put right at once.
  const given = allegationField.safeParse((input as { allegation?: unknown } | undefined)?.allegation);
  const allegationProblems = given.success ? [] : [{ path: 'allegation', message: given.error.issues[0]!.message }];
  const refused = (problems: Problem[]) => refuse('invalid', [...problems, ...allegationProblems]);
  if (!parsed.success) return refused(problemsFromZod(parsed.error));
  const { kind, against } = parsed.data;
  if (!subjectsFor(user).includes(against))
    return refused([{ path: 'against', message: 'Select what the case is about from the list' }]);
  let subject: Partial<typeof cases.$inferInsert>;
  if (against === 'assessment') {
    const found = assessmentFor(db, user, parsed.data.uln, parsed.data.methodId);
    if (!found.ok) return found.kind === 'invalid' ? refused(found.problems) : found;
    const { apprentice, booking } = found.value;
    subject = { apprenticeId: apprentice.id, bookingId: booking.id, attemptNumber: booking.attempt };
  } else if (against === 'assessor') {
    const id = parsed.data.assessorUserId;
    if (!id || !assessorsInScope(db, user).some((a) => a.id === id))
      return refused([{ path: 'assessorUserId', message: 'Select an assessor from the list' }]);
    if (id === user.id) return refused([{ path: 'assessorUserId', message: 'Select another assessor' }]);
    subject = { assessorUserId: id };
  } else {
    const ukprn = parsed.data.providerUkprn;
    if (!ukprn || !providersInScope(db, user).some((p) => p.ukprn === ukprn))
      return refused([{ path: 'providerUkprn', message: 'Select a training provider from the list' }]);
    subject = { providerUkprn: ukprn };
  }
  if (!given.success) return refused([]);
  const allegation = given.data;
  return db.transaction(
    (tx) => {
      const created = insertCase(tx, { kind, against, ...subject, allegation, openedBy: user.id, openedAt: now });
      recordAudit(tx, actorOf(user), {
        action: 'case.opened',
        entityType: 'case',
        entityId: created.id,
        after: { ...created, allegation: undefined },
      });
      return ok(created);
    },
    { behavior: 'immediate' },
  );
}

/* ---------- A case ---------- */

export type CaseAction = 'view' | 'assign' | 'decide' | 'hold';

/**
 * A case for `action`: seen by administrators, its opener and its investigator; an investigator
 * assigned by administrators while it is undecided; decided
 * by its investigator, or an administrator with no part in it, once it is being investigated.
 * Anyone else is told there is no such case.
 */
export function caseFor(db: Db, user: CurrentUser, id: unknown, action: CaseAction): Result<FoundCase> {
  const parsed = recordId.safeParse(id);
  const found = parsed.success ? findCase(db, parsed.data) : undefined;
  if (!found) return refuse('not_found', 'There is no such case');
  const c = found.case;
  const sees = user.role === 'admin' || c.openedBy === user.id || c.investigatorUserId === user.id;
  if (!sees) return refuse('not_found', 'There is no such case');
  if (action === 'view') return ok(found);
  if (c.status === 'decided') return refuse('conflict', 'This case has been decided: it can no longer be changed');
  if (action === 'assign' && user.role !== 'admin')
    return refuse('forbidden', 'Only the assessment organisation’s administrators assign an investigator');
  if (action === 'decide' && !decides(user, found))
    return refuse('forbidden', 'Only the case’s investigator, or an administrator with no part in it, decides it');
  if (action === 'hold' && c.against === 'assessment')
    return refuse('conflict', 'A case against an assessment holds that assessment’s result already');
  if (action === 'hold' && !choosesHolds(user, found))
    return refuse('forbidden', 'Only administrators and the case’s investigator choose the results it holds');
  return ok(found);
}

/** Whether the user chooses the results a case against an assessor or a provider holds: administrators and its investigator, while it is undecided. */
export const choosesHolds = (user: CurrentUser, found: FoundCase) =>
  found.case.against !== 'assessment' &&
  found.case.status !== 'decided' &&
  (user.role === 'admin' || found.case.investigatorUserId === user.id);

/** Whether the user decides this case: its investigator, or an administrator with no part in it. */
export const decides = (user: CurrentUser, found: FoundCase) =>
  found.case.investigatorUserId === user.id ||
  (user.role === 'admin' && investigatorProblem(user, partiesOf(found)) === null);

const partiesOf = (found: FoundCase) => ({
  openedBy: found.case.openedBy,
  assessorUserId: found.case.assessorUserId,
  assessmentAssessorId: found.bookingAssessorId,
  moderatorIds: found.moderatorIds,
});

/** Those who may investigate a case: administrators and quality assurers with no part in it. */
export function investigatorsFor(db: Queryable, found: FoundCase) {
  return db
    .select({ id: users.id, name: users.name, role: users.role, externalReviewer: users.externalReviewer })
    .from(users)
    .where(and(inArray(users.role, ['admin', 'quality_assurer'])))
    .orderBy(asc(users.name))
    .all()
    .filter((u) => investigatorProblem(u, partiesOf(found)) === null);
}

/** An administrator assigns (or changes) the investigator, audited; they are told by email. */
export function assignInvestigator(db: Db, user: CurrentUser, id: unknown, input: unknown): Result<CaseRow> {
  const found = caseFor(db, user, id, 'assign');
  if (!found.ok) return found;
  const parsed = assignSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const investigator = db
    .select({
      id: users.id,
      role: users.role,
      email: users.email,
      disabledAt: users.disabledAt,
      externalReviewer: users.externalReviewer,
    })
    .from(users)
    .where(eq(users.id, parsed.data.investigatorUserId))
    .get();
  const problem = investigator
    ? investigator.disabledAt
      ? 'That account is disabled'
      : investigatorProblem(investigator, partiesOf(found.value))
    : 'Select an investigator from the list';
  if (problem) return refuse('invalid', [{ path: 'investigatorUserId', message: problem }]);
  const before = found.value.case;
  return db.transaction(
    (tx) => {
      const updated = tx
        .update(cases)
        .set({ investigatorUserId: investigator!.id, status: 'investigating', revision: before.revision + 1 })
        .where(and(eq(cases.id, before.id), ne(cases.status, 'decided'), eq(cases.revision, before.revision)))
        .returning()
        .get();
      if (!updated) return changedMeanwhile();
      recordAudit(tx, actorOf(user), {
        action: 'case.investigator_assigned',
        entityType: 'case',
        entityId: before.id,
        before: { investigatorUserId: before.investigatorUserId, status: before.status },
        after: { investigatorUserId: updated.investigatorUserId, status: updated.status },
      });
      return ok(updated);
    },
    { behavior: 'immediate' },
  );
}

/**
 * The investigator decides: upheld with a sanction, or not upheld, with a reason; audited. A Fail
 * or void acts on the assessment's grading as the assessment organisation's malpractice decision
 * (the grade and the attempt's result follow); a withheld result stays held from release and claims.
 */
export function decideCase(db: Db, user: CurrentUser, id: unknown, input: unknown, now: string): Result<CaseRow> {
  const found = caseFor(db, user, id, 'decide');
  if (!found.ok) return found;
  const parsed = decisionSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const c = found.value.case;
  if (parsed.data.revision != null && parsed.data.revision !== c.revision) return changedMeanwhile();
  const assessment = c.bookingId === null ? null : assessmentFacts(db, c.bookingId);
  const judged = judgeCaseDecision(c, { ...parsed.data, sanction: parsed.data.sanction }, assessment);
  if ('problems' in judged) return refuse('invalid', judged.problems);
  const actor = actorOf(user);
  const actsOnGrading = c.bookingId !== null && (judged.sanction === 'fail' || judged.sanction === 'result_void');
  // An upheld decision against a provider or an assessor is told to them (tellSubject).
  const tellsSubject = judged.outcome === 'upheld' && c.against !== 'assessment';
  return db.transaction(
    (tx) => {
      const grading = actsOnGrading
        ? tx.select().from(gradings).where(eq(gradings.bookingId, c.bookingId!)).get()!
        : undefined;
      const decided = tx
        .update(cases)
        .set({
          ...judged,
          status: 'decided',
          decisionReason: parsed.data.reason,
          decidedBy: user.id,
          decidedAt: now,
          revision: c.revision + 1,
          // What the sanction changes, as it was: an upheld appeal against the decision puts it back.
          beforeSanction: grading ? gradingBeforeSanction(tx, grading) : null,
          subjectToldAt: tellsSubject ? now : null,
        })
        .where(and(eq(cases.id, c.id), eq(cases.status, 'investigating'), eq(cases.revision, c.revision)))
        .returning()
        .get();
      if (!decided) return changedMeanwhile();
      recordAudit(tx, actor, {
        action: 'case.decided',
        entityType: 'case',
        entityId: c.id,
        before: { status: c.status },
        after: judged,
        reason: parsed.data.reason,
      });
      if (tellsSubject) tellSubject(tx, c, judged.sanction!, parsed.data.reason, londonDateOf(now));
      if (actsOnLearner({ ...c, ...judged }) && c.apprenticeId !== null) {
        // The provider is told the decision (not the allegation, nor who made it) and may appeal it on the apprentice's behalf.
        const deadline = appealDeadline(londonDateOf(now), epaoSettingsOf(tx).appealWorkingDays);
        notifyProvider(
          tx,
          c.apprenticeId,
          'A decision after an investigation',
          `After investigating an assessment, the assessment organisation decided: ${SANCTION_LABELS[judged.sanction!]}. You may appeal this decision on the apprentice's behalf until ${dateLabel(deadline)}. Sign in to read the decision and its reasons on the apprentice's results page.`,
        );
      }
      if (grading) {
        // The grading says only that the assessment organisation decided it: the case, its number and
        // its reasons stay with the case, which those it concerns do not see.
        const reason = 'Decided by the assessment organisation after an investigation';
        tx.update(gradings)
          .set({
            outcome: 'malpractice',
            outcomeReason: reason,
            ...(judged.sanction === 'fail' ? { grade: 'Fail' as const } : {}),
          })
          .where(eq(gradings.id, grading.id))
          .run();
        // Audited with the grading as it was (its outcome and the assessor's reason), then the decision.
        applyOutcomeDecision(
          tx,
          grading,
          grading.attemptId,
          judged.sanction === 'fail' ? 'fail' : 'void',
          `${c.kind === 'malpractice' ? 'Malpractice' : 'Maladministration'} case ${c.id} upheld`,
          actor,
          DateTime.fromISO(now, { zone: 'utc' }),
        );
      }
      return ok(decided);
    },
    { behavior: 'immediate' },
  );
}

/* ---------- The results a case against an assessor or a provider holds ---------- */

const holdSchema = z.object({
  uln: z
    .string({ error: 'Enter the ULN of the apprentice whose result the case holds' })
    .trim()
    .min(1, 'Enter the ULN of the apprentice whose result the case holds')
    .max(20, 'A ULN is 10 digits'),
  holdReason: text('Say why the case holds this result', 1000),
});
const endHoldSchema = z.object({ endReason: text('Say why the case no longer holds this result', 1000) });

/** The case's status as it is now, read inside the caller's write. */
const statusNow = (tx: Queryable, id: number) =>
  tx.select({ status: cases.status }).from(cases).where(eq(cases.id, id)).get()!.status;

/**
 * Names a result the case holds from release and claims until it is decided: the latest attempt
 * of the apprentice with this ULN, which the assessor the case is against assessed, or which
 * belongs to an apprentice of the provider it is against (rules.ts, holdProblem).
 */
export function holdResultForCase(db: Db, user: CurrentUser, id: unknown, input: unknown, now: string): Result<number> {
  const found = caseFor(db, user, id, 'hold');
  if (!found.ok) return found;
  const parsed = holdSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const c = found.value.case;
  return db.transaction(
    (tx) => {
      const apprentice = findApprenticeByUln(db, parsed.data.uln);
      if (!apprentice) return refuse('invalid', [{ path: 'uln', message: 'There is no apprentice with this ULN' }]);
      const facts = holdFacts(tx, c, apprentice);
      // Read again inside the write: a decision made since the page was checked holds nothing.
      const problem = holdProblem({ ...c, status: statusNow(tx, c.id) }, facts);
      if (problem || facts.attemptNumber === null)
        return refuse('invalid', [{ path: 'uln', message: problem ?? 'There is no result to hold' }]);
      const hold = tx
        .insert(caseHolds)
        .values({
          caseId: c.id,
          apprenticeId: apprentice.id,
          attemptNumber: facts.attemptNumber,
          reason: parsed.data.holdReason,
          addedBy: user.id,
          addedAt: now,
        })
        .returning()
        .get();
      recordAudit(tx, actorOf(user), {
        action: 'case.result_held',
        entityType: 'case',
        entityId: c.id,
        after: { uln: apprentice.uln, attemptNumber: facts.attemptNumber },
        reason: parsed.data.holdReason,
      });
      return ok(hold.id);
    },
    { behavior: 'immediate' },
  );
}

/** Ends a hold before the case is decided (the result was named by mistake, or the investigation cleared it), with the reason. */
export function endCaseHold(
  db: Db,
  user: CurrentUser,
  id: unknown,
  holdId: unknown,
  input: unknown,
  now: string,
): Result<number> {
  const found = caseFor(db, user, id, 'hold');
  if (!found.ok) return found;
  const parsedId = recordId.safeParse(holdId);
  const parsed = endHoldSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const c = found.value.case;
  return db.transaction(
    (tx) => {
      // Read again inside the write: a decision made since the page was checked ended every hold already.
      if (statusNow(tx, c.id) === 'decided')
        return refuse('conflict', 'This case has been decided: its holds ended with it');
      const ended = parsedId.success
        ? tx
            .update(caseHolds)
            .set({ endedAt: now, endedBy: user.id, endReason: parsed.data.endReason })
            .where(and(eq(caseHolds.id, parsedId.data), eq(caseHolds.caseId, c.id), isNull(caseHolds.endedAt)))
            .returning()
            .get()
        : undefined;
      if (!ended) return refuse('not_found', 'This case does not hold that result');
      const uln = tx
        .select({ uln: apprentices.uln })
        .from(apprentices)
        .where(eq(apprentices.id, ended.apprenticeId))
        .get();
      recordAudit(tx, actorOf(user), {
        action: 'case.hold_ended',
        entityType: 'case',
        entityId: c.id,
        // Why it was held is in the case.result_held entry's reason (which erasure replaces), not copied here.
        before: { uln: uln?.uln, attemptNumber: ended.attemptNumber },
        reason: parsed.data.endReason,
      });
      return ok(ended.id);
    },
    { behavior: 'immediate' },
  );
}

/**
 * An upheld decision against a training provider or an assessor is told to them, with its reasons
 * (not the allegation, nor who reported it): a warning nobody receives warns no one (Ofqual
 * Condition A8.5, action proportionate to the malpractice found). A case not upheld is not told:
 * the subject never knew of it. They read it again under *Decisions about you* (decisionsAbout).
 */
function tellSubject(tx: Queryable, c: CaseRow, sanction: Sanction, reason: string, decidedOn: string): void {
  const to = tx
    .select({ email: users.email })
    .from(users)
    .where(
      and(
        c.against === 'provider'
          ? and(eq(users.role, 'provider'), eq(users.providerUkprn, c.providerUkprn!))
          : eq(users.id, c.assessorUserId!),
        isNull(users.disabledAt),
      ),
    )
    .all();
  const about = c.against === 'provider' ? 'your organisation' : 'your assessments';
  // A training provider may appeal it (Ofqual General Condition I1.1(c)), within the window of working days from the decision.
  const next =
    c.against === 'provider'
      ? `You may appeal this decision until ${dateLabel(appealDeadline(decidedOn, epaoSettingsOf(tx).appealWorkingDays))}: sign in and open Cases, then Decisions about your organisation, to read it again or to appeal.`
      : 'Sign in and open Cases, then Decisions about you, to read it again. To dispute it, contact the assessment organisation.';
  for (const { email } of to)
    queueNotification(tx, {
      to: email,
      subject: 'A decision after an investigation',
      body: `After investigating a ${c.kind} case about ${about}, the assessment organisation decided: ${SANCTION_LABELS[sanction]}. Its reasons: ${reason} ${next}`,
    });
}

/** The upheld decisions about the user: their training provider's (provider users) or their own (assessors). */
export function decisionsAbout(db: Db, user: CurrentUser, asked: number): Result<Page<CaseRow>> {
  if (user.role === 'provider' && user.providerUkprn)
    return ok(decisionsAgainst(db, { providerUkprn: user.providerUkprn }, asked));
  if (user.role === 'assessor') return ok(decisionsAgainst(db, { assessorUserId: user.id }, asked));
  return refuse('forbidden', 'Decisions about a training provider or an assessor are shown to them');
}

/** What a Fail or void sanction is about to change on this grading and its booking. */
function gradingBeforeSanction(tx: Queryable, grading: typeof gradings.$inferSelect): GradingBeforeSanction {
  const booking = tx
    .select({ status: bookings.status })
    .from(bookings)
    .where(eq(bookings.id, grading.bookingId))
    .get()!;
  return {
    grade: grading.grade,
    outcome: grading.outcome,
    outcomeReason: grading.outcomeReason,
    outcomeDecision: grading.outcomeDecision,
    outcomeDecisionReason: grading.outcomeDecisionReason,
    outcomeDecidedBy: grading.outcomeDecidedBy,
    outcomeDecidedAt: grading.outcomeDecidedAt,
    moderation: grading.moderation,
    bookingStatus: booking.status,
  };
}

/** Whether the case's assessment has a submitted grading, and whether its result has been released. */
function assessmentFacts(db: Queryable, bookingId: number) {
  const row = db
    .select({ status: gradings.status, decision: gradings.outcomeDecision, releasedAt: epaAttempts.releasedAt })
    .from(gradings)
    .innerJoin(epaAttempts, eq(epaAttempts.id, gradings.attemptId))
    .where(eq(gradings.bookingId, bookingId))
    .get();
  const booking = db.select({ status: bookings.status }).from(bookings).where(eq(bookings.id, bookingId)).get();
  return {
    graded: row?.status === 'submitted',
    released: Boolean(row?.releasedAt),
    voided: row?.decision === 'void' || booking?.status === 'void',
  };
}

const changedMeanwhile = () =>
  refuse('conflict', 'This case changed after you opened it: open it again to see it as it is now');

/** The name of the method a case's assessment was of. */
export const methodNameOf = (db: Db, methodId: string | null) =>
  methodId === null ? null : (methodNames(db).get(methodId) ?? methodId);

/**
 * A case's decision as the apprentice's provider and an appeal's panel read it: what the case was
 * about, when it was decided, the action taken and its reasons, and whether an appeal set it aside.
 */
export function decisionShown(db: Db, c: CaseRow, methodId: string | null) {
  const method = methodNameOf(db, methodId);
  const provider =
    c.against === 'provider' && c.providerUkprn
      ? db.select({ name: providers.name }).from(providers).where(eq(providers.ukprn, c.providerUkprn)).get()
      : undefined;
  return {
    kindLabel: CASE_KIND_LABELS[c.kind],
    /** What the case was about, as a sentence goes on: "the Project assessment (attempt 1)", or the training provider. */
    about:
      c.against === 'provider'
        ? `the training provider ${provider?.name ?? ''} (UKPRN ${c.providerUkprn ?? ''})`
        : `${method ? `the ${method} assessment` : 'the assessment'}${c.attemptNumber === null ? '' : ` (attempt ${c.attemptNumber})`}`,
    method,
    attemptNumber: c.attemptNumber,
    sanction: c.sanction ? SANCTION_LABELS[c.sanction] : '',
    decidedOn: c.decidedAt ? dateLabel(londonDateOf(c.decidedAt)) : '',
    reason: c.decisionReason,
    setAside: c.setAsideAt !== null,
  };
}
