import { and, desc, eq } from 'drizzle-orm';
import type { Db, Queryable } from '../db/connection.js';
import { apprenticeFor } from '../apprentices/service.js';
import { appealById, epaoSettingsOf, type AppealRow } from '../grading/store.js';
import { appeals, bookings, cases, epaAttempts, providers } from '../db/schema.js';
import type { CaseRow } from '../cases/store.js';
import { actsOnCentre, actsOnLearner } from '../cases/rules.js';
import { latestAttempt } from '../grading/attempts.js';
import { findApprenticeById, type ApprenticeDetail } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { blankToNull, recordId } from '../validation/fields.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { problemsFromZod } from '../validation/problems.js';
import { findRequest, type RequestRow } from '../adjustments/store.js';
import { appealDeadline } from '../grading/rules.js';
import { recordAudit } from '../audit/audit.js';
import { londonDateOf } from '../dates.js';
import { caseAppealRefusal, outcomeDueOn, requestAppealRefusal } from './rules.js';
import { z } from 'zod';

/** The apprentice an appeal is about: through its result's attempt, its request, or its case. */
function apprenticeIdOf(db: Db, appeal: AppealRow): number | undefined {
  if (appeal.requestId !== null) return findRequest(db, appeal.requestId)?.request.apprenticeId;
  if (appeal.caseId !== null)
    return db.select({ id: cases.apprenticeId }).from(cases).where(eq(cases.id, appeal.caseId)).get()?.id ?? undefined;
  return db
    .select({ apprenticeId: epaAttempts.apprenticeId })
    .from(epaAttempts)
    .where(eq(epaAttempts.id, appeal.attemptId!))
    .get()?.apprenticeId;
}

/** A training provider an appeal is about: the one a case it appeals was against. */
export interface AppealingProvider {
  ukprn: string;
  name: string;
}

/**
 * An appeal, for someone who may `view` it or `edit` its documents: the appeal reviewers
 * (administrators and quality assurers) see every appeal; the provider and employer see their
 * apprentice's; a training provider sees its own against a decision about it (which is about no
 * apprentice: `apprentice` is null and `provider` names it). Documents are added, while the
 * appeal waits for its decision, by the provider (who lodges on the apprentice's behalf, or its
 * own) and administrators. Anyone else is told there is none.
 */
export function appealFor(
  db: Db,
  user: CurrentUser,
  id: unknown,
  action: 'view' | 'edit',
): Result<{ appeal: AppealRow; apprentice: ApprenticeDetail | null; provider: AppealingProvider | null }> {
  const parsed = recordId.safeParse(id);
  const appeal = parsed.success ? appealById(db, parsed.data) : undefined;
  const none = refuse('not_found', 'There is no such appeal');
  if (!appeal) return none;
  const reviewer = (AREA_ROLES.appealReview as readonly string[]).includes(user.role);
  const provider = appeal.caseId === null ? null : providerAppealing(db, appeal.caseId);
  let apprentice: ApprenticeDetail | null = null;
  if (provider) {
    if (!reviewer && !(user.role === 'provider' && user.providerUkprn === provider.ukprn)) return none;
  } else {
    const apprenticeId = apprenticeIdOf(db, appeal);
    const found = apprenticeId === undefined ? undefined : findApprenticeById(db, apprenticeId);
    if (!found) return none;
    // A request's or a case's appeal is no business of the employer's: the request or decision appealed is the provider's and the organisation's.
    if (!reviewer && (appeal.requestId !== null || appeal.caseId !== null) && user.role !== 'provider') return none;
    const seen = reviewer ? ok(found) : apprenticeFor(db, user, found.uln, 'view');
    if (!seen.ok) return none;
    apprentice = seen.value;
  }
  if (action === 'edit') {
    if (user.role !== 'admin' && user.role !== 'provider')
      return refuse(
        'forbidden',
        provider
          ? 'The training provider adds documents to its appeal'
          : 'The provider adds documents to an appeal, on the apprentice’s behalf',
      );
    if (appeal.decision !== null)
      return refuse('conflict', 'This appeal has been decided: its documents can no longer change');
  }
  return ok({ appeal, apprentice, provider });
}

/** The training provider a case was against, by UKPRN and name (null for a case about an assessment or an assessor). */
function providerAppealing(db: Queryable, caseId: number): AppealingProvider | null {
  const row = db
    .select({ ukprn: providers.ukprn, name: providers.name })
    .from(cases)
    .innerJoin(providers, eq(providers.ukprn, cases.providerUkprn))
    .where(and(eq(cases.id, caseId), eq(cases.against, 'provider')))
    .get();
  return row ?? null;
}

/** An appeal's lodging form, for a result or a request alike: the grounds, and the apprentice's own statement when they give one. */
export const appealLodgingSchema = z.object({
  grounds: z.preprocess(
    blankToNull,
    z
      .string({ error: 'Give the grounds for the appeal' })
      .max(2000, 'Keep the grounds for the appeal to 2000 characters'),
  ),
  statement: z.preprocess(
    blankToNull,
    z.string().max(5000, 'Keep the apprentice’s statement to 5000 characters').nullable().default(null),
  ),
});

/**
 * Writes an appeal lodged on `today` against `subject` (a request's decision or a case's), due
 * the settings' working days later, and audits it (inside the caller's transaction).
 */
function insertAppeal(
  tx: Queryable,
  user: CurrentUser,
  form: z.infer<typeof appealLodgingSchema>,
  today: string,
  deadline: string | null,
  decisionWorkingDays: number,
  subject: { requestId: number; decisionAppealed: AppealRow['decisionAppealed'] } | { caseId: number },
): AppealRow {
  const dueOn = outcomeDueOn(today, decisionWorkingDays);
  const values = {
    ...subject,
    lodgedBy: user.id,
    lodgedOn: today,
    grounds: form.grounds,
    statement: form.statement,
    dueOn,
  };
  const appeal = tx.insert(appeals).values(values).returning().get();
  recordAudit(tx, actorOf(user), {
    action: 'appeal.lodged',
    entityType: 'appeal',
    entityId: appeal.id,
    after: {
      ...('requestId' in subject ? { requestId: subject.requestId } : { caseId: subject.caseId }),
      grounds: form.grounds,
      statement: form.statement,
      deadline,
      dueOn,
    },
  });
  return appeal;
}

/**
 * Where a request's decision stands for an appeal on `today`: the appeal lodged against it, if
 * any; the last day one may be lodged; and why one cannot be lodged now (null: it can).
 */
export function requestAppealState(
  db: Queryable,
  request: RequestRow,
  today: string,
): { appeal: AppealRow | undefined; deadline: string | null; refusal: string | null } {
  const decidedOn = request.decidedAt ? londonDateOf(request.decidedAt) : null;
  const deadline = decidedOn ? appealDeadline(decidedOn, epaoSettingsOf(db).appealWorkingDays) : null;
  const lodged = db.select().from(appeals).where(eq(appeals.requestId, request.id)).orderBy(desc(appeals.id)).all();
  // An appeal is against the decision it was lodged on: a new decision (after an upheld appeal reopened the request) may be appealed in its turn.
  const againstThis = lodged.some((a) => a.decisionAppealed?.decidedAt === request.decidedAt);
  return {
    appeal: lodged[0],
    deadline,
    refusal: requestAppealRefusal(request.status, deadline, today, againstThis),
  };
}

/**
 * The provider appeals the assessment organisation's refusal of a reasonable adjustment or of
 * special consideration (Ofqual General Condition I1.1), within the same window of working days
 * as a result, counted from the decision: the grounds and, when they give one, the apprentice's
 * own statement. One appeal per decision (a refusal made again after an upheld appeal is a new one);
 * it is given its outcome date. Audited.
 */
export function lodgeRequestAppeal(
  db: Db,
  user: CurrentUser,
  requestId: unknown,
  input: unknown,
  today: string,
): Result<AppealRow> {
  const parsed = recordId.safeParse(requestId);
  const found = parsed.success ? findRequest(db, parsed.data) : undefined;
  const none = refuse('not_found', 'There is no such request');
  if (!found || user.role !== 'provider' || !apprenticeFor(db, user, found.uln, 'edit').ok) return none;
  // Whether it may be appealed first: a form from a page opened before the decision changed has nothing to show its errors on.
  const before = requestAppealState(db, found.request, today);
  if (before.refusal) return refuse('conflict', before.refusal);
  const form = appealLodgingSchema.safeParse(input ?? {});
  if (!form.success) return refuse('invalid', problemsFromZod(form.error));
  return db.transaction(
    (tx) => {
      const { request } = findRequest(tx, found.request.id)!;
      const settings = epaoSettingsOf(tx);
      const { refusal, deadline } = requestAppealState(tx, request, today);
      if (refusal) return refuse('conflict', refusal);
      return ok(
        insertAppeal(tx, user, form.data, today, deadline, settings.appealDecisionWorkingDays, {
          requestId: request.id,
          decisionAppealed: {
            status: request.status,
            decidedBy: request.decidedBy,
            decidedAt: request.decidedAt,
            reason: request.decisionReason,
          },
        }),
      );
    },
    { behavior: 'immediate' },
  );
}

/**
 * Where a malpractice or maladministration decision stands for an appeal on `today`: the appeal
 * lodged against it, if any; the last day one may be lodged (the same working days from the
 * decision as a result's from its release); and why one cannot be lodged now (null: it can).
 */
export function caseAppealState(
  db: Queryable,
  c: CaseRow,
  today: string,
): { appeal: AppealRow | undefined; deadline: string | null; refusal: string | null } {
  const deadline = c.decidedAt ? appealDeadline(londonDateOf(c.decidedAt), epaoSettingsOf(db).appealWorkingDays) : null;
  const appeal = db.select().from(appeals).where(eq(appeals.caseId, c.id)).orderBy(desc(appeals.id)).get();
  const latest = c.apprenticeId === null ? undefined : latestAttempt(db, c.apprenticeId)?.number;
  const later = latest !== undefined && c.attemptNumber !== null && latest > c.attemptNumber;
  return { appeal, deadline, refusal: caseAppealRefusal(c, deadline, today, appeal !== undefined, later) };
}

/**
 * The decided cases about an apprentice's assessments whose decision their provider may see (those
 * that acted on the apprentice: actsOnLearner), each with the method assessed, newest first.
 */
export function caseDecisionsAbout(db: Queryable, apprenticeId: number): { case: CaseRow; methodId: string | null }[] {
  return db
    .select({ case: cases, methodId: bookings.methodId })
    .from(cases)
    .leftJoin(bookings, eq(bookings.id, cases.bookingId))
    .where(
      and(
        eq(cases.apprenticeId, apprenticeId),
        eq(cases.against, 'assessment'),
        eq(cases.status, 'decided'),
        eq(cases.outcome, 'upheld'),
      ),
    )
    .orderBy(desc(cases.decidedAt), desc(cases.id))
    .all()
    .filter((d) => actsOnLearner(d.case));
}

/**
 * The provider appeals, on the apprentice's behalf, an upheld malpractice or maladministration
 * decision about their assessment (Ofqual General Condition I1.1(c)): the grounds and, when they
 * give one, the apprentice's own statement. A training provider appeals in the same way a decision
 * against itself that it was told of (`uln` null), with its grounds. One appeal per decision,
 * within the window of working days from it; it is given its outcome date. Audited.
 */
export function lodgeCaseAppeal(
  db: Db,
  user: CurrentUser,
  caseId: unknown,
  input: unknown,
  today: string,
  /**
   * The apprentice whose results page the appeal comes from (a decision about anyone else is not
   * there), or null from Decisions about your organisation (only a decision about the provider is).
   */
  uln: string | null,
): Result<AppealRow> {
  const parsed = recordId.safeParse(caseId);
  const found = parsed.success ? db.select().from(cases).where(eq(cases.id, parsed.data)).get() : undefined;
  const none = refuse('not_found', 'There is no such decision');
  if (!found || found.status !== 'decided' || user.role !== 'provider') return none;
  if (found.against === 'provider') {
    // The provider's own, from Decisions about your organisation: only one it was told of.
    if (uln !== null || found.providerUkprn !== user.providerUkprn) return none;
    if (!actsOnCentre(found) || found.subjectToldAt === null) return none;
  } else {
    // Only the apprentice's provider, and only about a decision it may see: an upheld one about their assessment.
    const apprentice = found.apprenticeId != null ? findApprenticeById(db, found.apprenticeId) : undefined;
    if (!apprentice || apprentice.uln !== uln) return none;
    if (!apprenticeFor(db, user, apprentice.uln, 'edit').ok || !actsOnLearner(found)) return none;
  }
  const before = caseAppealState(db, found, today);
  if (before.refusal) return refuse('conflict', before.refusal);
  // A provider's own appeal concerns no apprentice: it has no apprentice's statement.
  const form =
    found.against === 'provider'
      ? appealLodgingSchema.pick({ grounds: true }).safeParse(input ?? {})
      : appealLodgingSchema.safeParse(input ?? {});
  if (!form.success) return refuse('invalid', problemsFromZod(form.error));
  const lodging = { statement: null, ...form.data };
  return db.transaction(
    (tx) => {
      const c = tx.select().from(cases).where(eq(cases.id, found.id)).get()!;
      const { refusal, deadline } = caseAppealState(tx, c, today);
      if (refusal) return refuse('conflict', refusal);
      return ok(
        insertAppeal(tx, user, lodging, today, deadline, epaoSettingsOf(tx).appealDecisionWorkingDays, {
          caseId: c.id,
        }),
      );
    },
    { behavior: 'immediate' },
  );
}
