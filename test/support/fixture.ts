import { Readable } from 'node:stream';
import { attachEvidenceFile } from '../../src/evidence/service.js';
import { decideRequest, makeRequest } from '../../src/adjustments/service.js';
import { assignInvestigator, decideCase, holdResultForCase, openCase } from '../../src/cases/service.js';
import type { Sanction } from '../../src/cases/rules.js';
import { EvidenceStorage } from '../../src/evidence/storage.js';
import { startDraft } from '../../src/plans/builder/service.js';
import { DateTime } from 'luxon';
import { now, todayIso } from './clock.js';
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { addQualification, type ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { bookingById } from '../../src/bookings/store.js';
import type { Db } from '../../src/db/connection.js';
import { isoInstant, todayInLondon } from '../../src/dates.js';
import {
  apprentices,
  epaAttempts,
  epaoSettings,
  gatewaySubmissions,
  gradings,
  offTheJobHours,
  users,
} from '../../src/db/schema.js';
import { DEMO_EMPLOYERS, DEMO_PROVIDERS } from '../../src/demo/index.js';
import { submitForGateway } from '../../src/gateway/store.js';
import { epaoSettingsOf, lodgeAppeal, moderate, releaseResults, saveGrading } from '../../src/grading/store.js';
import { getPlanForStandard } from '../../src/plans/store.js';
import { createProposal, discardProposal } from '../../src/scheduler/store.js';
import { createApiToken, findUser } from '../../src/users/store.js';
import { TEST_CONFIG, type TestContext } from './app.js';
import { SETUP, isoDate, readyApprentice, today } from './apprentices.js';
import {
  addEarlierEpisode,
  addLearningBreak,
  breaksOf,
  earlierEpisodesOf,
} from '../../src/apprentices/circumstance-store.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from './grading.js';

/*
 * Records for every path parameter of every route, for the permission matrix
 * (test/http/permission-matrix.test.ts) and the property tests, with records left open so that a
 * form reaches its validation and its rules rather than stopping at "already done":
 *
 * - A (provider / employer of the tests): gateway accepted, both methods graded by `assessor`,
 *   moderated, released and appealed (the appeal is waiting for a decision);
 * - B (`otherProvider`, another employer): gateway accepted, waiting for bookings;
 * - C (provider of the tests): ready, with a gateway submission waiting for review;
 * - D (provider of the tests): gateway accepted; its project graded and submitted by `assessor`
 *   and waiting for moderation; its discussion confirmed, taken place and not yet graded;
 * - E (provider of the tests): ready for the gateway, nothing more (its personal data may be erased).
 */

export const OTHER_ASSESSOR_EMAIL = 'assessor2@test.example';
const [ULN_A, ULN_B, ULN_C, ULN_D, ULN_E] = validUlns(5, 770_000_000) as [string, string, string, string, string];

export interface Fixture {
  a: ApprenticeDetail;
  b: ApprenticeDetail;
  c: ApprenticeDetail;
  d: ApprenticeDetail;
  e: ApprenticeDetail;
  /** A's project booking: graded, moderated and released. */
  booking: number;
  /** Its grading. */
  grading: number;
  /** A's first attempt (released, appealed). */
  attempt: number;
  /** The provider's appeal of A's result, waiting for a decision. */
  appeal: number;
  /** A's break in learning and earlier episode. */
  learningBreak: number;
  /** One of A's off-the-job entries (a correction or removal rewrites another run's entry, never this one's apprentice's check). */
  hoursEntry: number;
  earlierEpisode: number;
  /** A's gateway submission (accepted). */
  submission: number;
  /** C's gateway submission, waiting for review. */
  openSubmission: number;
  /** D's discussion: confirmed, in the past, not graded (its assessor can grade it). */
  gradableBooking: number;
  /** D's project grading, sampled and waiting for moderation. */
  pendingGrading: number;
  /** A discarded schedule proposal. */
  proposal: number;
  assessor: number;
  otherAssessor: number;
  /** A live API token of the employer user (for the revoke form). */
  apiToken: number;
  employerUser: number;
  qaUser: number;
  /** A plan draft for ST0815 v1.0, a copy of the demo plan (the plan builder's pages). */
  planDraft: number;
  /** A PDF in the evidence store, on A's portfolio gateway item. */
  evidenceFile: number;
  /** A document of the fixture's case (about A's provider, so of no apprentice). */
  caseFile: number;
  /** A file of A's project assessment's evidence (its booking, graded). */
  bookingFile: number;
  /** A's English GCSE (its certificate's files are kept under it). */
  qualification: number;
  /** A's reasonable adjustment (extra time), refused by `admin`: a provider may appeal it. */
  refusedRequest: number;
  /** A's appeal's document (a PDF), uploaded by the provider. */
  appealFile: number;
  /** An external appeal reviewer (a quality assurer, not an employee): the independent member an appeal panel needs. */
  externalReviewer: number;
  /** A's reasonable adjustment (extra time, every method), asked for by the provider and waiting for a decision. */
  request: number;
  /** Its evidence, a PDF. */
  requestFile: number;
  /** A's special consideration for the project, approved (no change to the result). */
  decidedRequest: number;
  /** A maladministration case `assessor` opened against A's provider: open, no investigator yet. */
  case: number;
  /** A malpractice case `assessor` opened about A's discussion, upheld by `admin` with a warning: A's provider may appeal it. */
  caseDecision: number;
  /** A maladministration case `assessor` opened against A's provider, upheld by `admin` with a warning: the provider may appeal it. */
  providerDecision: number;
}

export async function buildFixture(ctx: TestContext): Promise<Fixture> {
  const { db } = ctx;
  // Both providers' users mark provider-marked components: the other provider's marker still reaches for A.
  for (const id of [ctx.users.provider.id, ctx.users.otherProvider.id])
    db.update(users).set({ canMark: true }).where(eq(users.id, id)).run();
  const { passwordHash } = db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ctx.users.assessor.id))
    .get()!;
  const otherAssessor = db
    .insert(users)
    .values({ email: OTHER_ASSESSOR_EMAIL, name: 'Second Assessor', role: 'assessor', passwordHash })
    .returning({ id: users.id })
    .get();

  const externalReviewer = addExternalReviewer(ctx);

  const a = acceptedLongAgo(db, ULN_A, 'Marguerite', 'Quillfeather', 60);
  const b = acceptedLongAgo(db, ULN_B, 'Bartholomew', 'Zanzibar', 60);
  db.update(apprentices)
    .set({ providerUkprn: DEMO_PROVIDERS[1]!.ukprn, employerId: DEMO_EMPLOYERS[1]!.id })
    .where(eq(apprentices.id, b.id))
    .run();
  const c = readyApprentice(db, ULN_C, 'Cordelia', 'Penhaligon');
  const submittedC = submitForGateway(db, c, isoDate(today()), SETUP);
  if (!submittedC.ok) throw new Error(submittedC.message);
  const d = acceptedLongAgo(db, ULN_D, 'Desmond', 'Oyelaran', 60);
  const e = readyApprentice(db, ULN_E, 'Eleanor', 'Vasquez-Thornbury');
  // A's records the rules read besides the apprentice's own (the routes that remove them need one each).
  const startA = DateTime.fromISO(a.startDate);
  addLearningBreak(
    db,
    a,
    { from: isoDate(startA.plus({ months: 2 })), to: isoDate(startA.plus({ months: 2, days: 6 })), reason: 'Illness' },
    SETUP,
  );
  addEarlierEpisode(
    db,
    a,
    {
      startDate: isoDate(startA.minus({ months: 6 })),
      endDate: isoDate(startA.minus({ months: 4 })),
      provider: 'An earlier provider',
      reason: 'Changed employer',
    },
    SETUP,
  );
  assessorProfile(db, ctx.users.assessor.id, a.standardVersionId);
  assessorProfile(db, otherAssessor.id, a.standardVersionId);

  const plan = getPlanForStandard(db, a.standardVersionId)!;
  const assessorActor = { userId: ctx.users.assessor.id, label: 'assessor' };
  const gradeAllMet = (bookingId: number, methodId: string) => {
    const decisions = plan.criteria
      .filter((cr) => cr.method === methodId)
      .map((cr) => ({ criterionId: cr.id, met: true, evidence: '' }));
    const saved = saveGrading(
      db,
      bookingById(db, bookingId)!,
      { outcome: 'graded', outcomeReason: null, decisions },
      assessorActor,
      { submit: true, now: now() },
    );
    if (!saved.ok) throw new Error(saved.message);
  };

  // A: both methods graded by `assessor` (every criterion met), moderated, released, then appealed by the provider.
  const bookingIds = (['project', 'discussion'] as const).map((methodId, i) => {
    const id = pastBooking(db, a, ctx.users.assessor.id, methodId, 5 + 2 * i);
    gradeAllMet(id, methodId);
    return id;
  });
  for (const g of db.select().from(gradings).where(eq(gradings.moderation, 'pending')).all()) {
    const moderated = moderate(
      db,
      g.id,
      { decision: 'agreed', rationale: 'The evidence supports the decisions', changes: [] },
      { userId: ctx.users.qa.id, label: 'qa' },
      now(),
    );
    if (!moderated.ok) throw new Error(moderated.message);
  }
  const attempt = db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!.id;
  const released = releaseResults(db, [attempt], SETUP, now());
  if (!released.ok) throw new Error(released.message);
  const appeal = lodgeAppeal(
    db,
    attempt,
    'The discussion was cut short',
    { userId: ctx.users.provider.id, label: 'provider' },
    todayIso(),
  );
  if (!appeal.ok) throw new Error(appeal.message);

  // D: the project graded (sampled: among the assessor's first gradings), the discussion waiting to be graded.
  const dProject = pastBooking(db, d, ctx.users.assessor.id, 'project', 5, '14:00');
  gradeAllMet(dProject, 'project');
  const gradableBooking = pastBooking(db, d, ctx.users.assessor.id, 'discussion', 7, '14:00');
  const pendingGrading = db.select().from(gradings).where(eq(gradings.bookingId, dProject)).get()!;
  if (pendingGrading.moderation !== 'pending') throw new Error('D’s project grading was not sampled for moderation');

  // A proposed schedule (for B, who waits for bookings), discarded.
  const proposal = await createProposal(db, SETUP, todayInLondon(now()));
  const discarded = discardProposal(db, proposal.id, SETUP, now());
  if (!discarded.ok) throw new Error(discarded.message);

  // The regulator's file needs the EPAO's name and number.
  epaoSettingsOf(db);
  db.update(epaoSettings).set({ epaoName: 'Fixture Assessment Ltd', epaNumber: 'EPA0123' }).run();

  // A plan draft, started by the administrator from a copy of the demo plan.
  const draft = startDraft(
    db,
    findUser(db, ctx.users.admin.id)!,
    { reference: 'ST0815', version: '1.0' },
    { from: 'ST0815-1.0-demo' },
    isoInstant(now()),
  );
  if (!draft.ok) throw new Error('The fixture’s plan draft could not be started');

  // A PDF on A's portfolio, uploaded by the provider.
  const stored = await new EvidenceStorage(TEST_CONFIG.filesPath).receive(
    Readable.from([Buffer.from('%PDF-1.4\nThe fixture’s portfolio (test data)\n')]),
    1024 * 1024,
  );
  const evidence = attachEvidenceFile(
    db,
    findUser(db, ctx.users.provider.id)!,
    'gateway_item',
    { uln: a.uln, itemId: 'portfolio' },
    { ...stored, originalName: 'portfolio.pdf' },
    isoInstant(now()),
  );
  if (!evidence.ok) throw new Error('The fixture’s evidence file could not be attached');

  // A's reasonable adjustment, asked for by the provider and waiting, with its evidence; and A's
  // special consideration for the project, approved.
  const request = openRequest(ctx, a.uln);
  // A second adjustment of A's, refused: the one a provider may appeal.
  const refused = refusedRequest(ctx, a.uln);
  const requestFile = attachEvidenceFile(
    db,
    findUser(db, ctx.users.provider.id)!,
    'assessment_request',
    { id: String(request) },
    { ...stored, originalName: 'specialist report.pdf' },
    isoInstant(now()),
  );
  if (!requestFile.ok) throw new Error('The fixture’s request file could not be attached');
  // The apprentice's statement on A's appeal, uploaded by the provider.
  const appealFile = attachEvidenceFile(
    db,
    findUser(db, ctx.users.provider.id)!,
    'appeal',
    { id: String(appeal.appeal.id) },
    { ...stored, originalName: 'statement.pdf' },
    isoInstant(now()),
  );
  if (!appealFile.ok) throw new Error('The fixture’s appeal file could not be attached');
  // The recording of A's project presentation, added by an administrator after its grading.
  const bookingFile = attachEvidenceFile(
    db,
    findUser(db, ctx.users.admin.id)!,
    'booking',
    { id: String(bookingIds[0]) },
    { ...stored, originalName: 'presentation.pdf' },
    isoInstant(now()),
  );
  if (!bookingFile.ok) throw new Error('The fixture’s assessment evidence could not be attached');
  const consideration = makeRequest(
    db,
    findUser(db, ctx.users.provider.id)!,
    a.uln,
    'special_consideration',
    { bookingId: String(bookingIds[0]), reason: 'A fire alarm cut the presentation short (fixture)' },
    isoInstant(now()),
  );
  if (!consideration.ok) throw new Error('The fixture’s special consideration could not be asked for');
  const decided = decideRequest(
    db,
    findUser(db, ctx.users.admin.id)!,
    String(consideration.value.id),
    { status: 'approved', effect: 'no_change', reason: 'Considered (fixture)' },
    isoInstant(now()),
  );
  if (!decided.ok) throw new Error('The fixture’s special consideration could not be decided');

  // A maladministration case the assessor opened against A's provider, waiting for an investigator.
  const openedCase = openCase(
    db,
    findUser(db, ctx.users.assessor.id)!,
    {
      kind: 'maladministration',
      against: 'provider',
      providerUkprn: a.providerUkprn,
      allegation: 'Portfolios arrive unsigned (fixture)',
    },
    isoInstant(now()),
  );
  if (!openedCase.ok) throw new Error(`The fixture’s case could not be opened: ${JSON.stringify(openedCase.problems)}`);
  // Its opener's document (the case is about a provider: the file is nobody's apprentice's).
  const caseFile = attachEvidenceFile(
    db,
    findUser(db, ctx.users.assessor.id)!,
    'case',
    { id: String(openedCase.value.id) },
    { ...stored, originalName: 'unsigned portfolio.pdf' },
    isoInstant(now()),
  );
  if (!caseFile.ok) throw new Error('The fixture’s case document could not be attached');

  // A malpractice case about A's discussion, investigated and upheld with a warning by the administrator.
  const caseDecision = upheldCase(ctx, {
    opener: ctx.users.assessor.id,
    investigator: ctx.users.admin.id,
    uln: a.uln,
    methodId: 'discussion',
    sanction: 'warning',
  });

  // A maladministration case against A's provider itself, upheld with a warning it was told of.
  const providerDecision = warnedProvider(ctx, a.providerUkprn);

  // A's English GCSE, whose certificate may be uploaded.
  const qualification = addQualification(
    db,
    a,
    {
      subject: 'english',
      type: 'gcse',
      level: 2,
      grade: '6',
      achievedOn: '2019-08-22',
      certificateReference: 'FIXTURE-EN',
    },
    SETUP,
  );

  return {
    planDraft: draft.value.id,
    evidenceFile: evidence.value.id,
    qualification,
    bookingFile: bookingFile.value.id,
    caseFile: caseFile.value.id,
    request,
    requestFile: requestFile.value.id,
    appealFile: appealFile.value.id,
    refusedRequest: refused,
    decidedRequest: consideration.value.id,
    case: openedCase.value.id,
    caseDecision,
    providerDecision,
    learningBreak: breaksOf(db, a.id)[0]!.id,
    hoursEntry: db
      .select({ id: offTheJobHours.id })
      .from(offTheJobHours)
      .where(eq(offTheJobHours.apprenticeId, a.id))
      .get()!.id,
    earlierEpisode: earlierEpisodesOf(db, a.id)[0]!.id,
    a,
    b,
    c,
    d,
    e,
    booking: bookingIds[0]!,
    grading: db.select().from(gradings).where(eq(gradings.bookingId, bookingIds[0]!)).get()!.id,
    attempt,
    appeal: appeal.appeal.id,
    submission: db.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.apprenticeId, a.id)).get()!.id,
    openSubmission: submittedC.submission.id,
    gradableBooking,
    pendingGrading: pendingGrading.id,
    proposal: proposal.id,
    assessor: ctx.users.assessor.id,
    otherAssessor: otherAssessor.id,
    externalReviewer,
    apiToken: createApiToken(db, ctx.users.employer.id, SETUP, now(), 90).id,
    employerUser: ctx.users.employer.id,
    qaUser: ctx.users.qa.id,
  };
}

/**
 * A result of its own, appealed: an apprentice whose two methods `assessor` graded (every
 * criterion met), moderated where sampled, released and appealed by the provider. For a form
 * that decides an appeal once: each run of a property test gets a new one.
 */
let appealedResults = 0;
/**
 * The assessor of these results: one of their own, whose profile no test changes (others' leave
 * or conflicts would refuse the bookings), and a new one every ten results (each takes at most
 * 30 assessments a week).
 */
const appealAssessors = new WeakMap<TestContext, { id: number; results: number }>();

export function appealedResult(
  ctx: TestContext,
  uln: string,
): { appeal: number; attempt: number; gradings: { project: number; discussion: number } } {
  const { attempt, gradings } = completedResult(ctx, uln);
  const released = releaseResults(ctx.db, [attempt], SETUP, now());
  if (!released.ok) throw new Error(released.message);
  const appeal = lodgeAppeal(
    ctx.db,
    attempt,
    'The assessor did not see the portfolio',
    { userId: ctx.users.provider.id, label: 'provider' },
    todayIso(),
  );
  if (!appeal.ok) throw new Error(appeal.message);
  return { appeal: appeal.appeal.id, attempt, gradings };
}

/**
 * A complete result, not yet released: an apprentice (of `provider`) whose two methods an assessor
 * of their own graded (every criterion met), moderated where sampled.
 */
export function completedResult(
  ctx: TestContext,
  uln: string,
): {
  apprentice: ApprenticeDetail;
  attempt: number;
  assessor: number;
  bookings: { project: number; discussion: number };
  gradings: { project: number; discussion: number };
} {
  const { db } = ctx;
  const k = appealedResults++;
  const a = acceptedLongAgo(db, uln, 'Appellant', `Number ${k}`, 60);
  let assessor = appealAssessors.get(ctx);
  if (assessor === undefined || assessor.results >= 10) {
    const { passwordHash } = db
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, ctx.users.assessor.id))
      .get()!;
    const id = db
      .insert(users)
      .values({
        email: `appeals.assessor.${k}@test.example`,
        name: `Appeals Assessor ${k}`,
        role: 'assessor',
        passwordHash,
      })
      .returning({ id: users.id })
      .get().id;
    assessorProfile(db, id, a.standardVersionId);
    assessor = { id, results: 0 };
    appealAssessors.set(ctx, assessor);
  }
  assessor.results++;
  const assessorId = assessor.id;
  const plan = getPlanForStandard(db, a.standardVersionId)!;
  const assessorActor = { userId: assessorId, label: 'appeals assessor' };
  // A day from 8 to 26 days ago, a different one for each of an assessor's ten, and a pair of
  // times on it. (From the count of all results instead, an assessor kept by one test context
  // while other contexts made sixty results met its own earlier booking again.)
  const daysAgo = 8 + 2 * (assessor.results - 1);
  const slot = k % 3;
  const ids = { project: 0, discussion: 0 };
  const bookingsMade = { project: 0, discussion: 0 };
  for (const [methodId, time] of [
    ['project', ['08:00', '12:00', '16:00'][slot]!],
    ['discussion', ['09:30', '13:30', '17:30'][slot]!],
  ] as const) {
    const bookingId = pastBooking(db, a, assessorId, methodId, daysAgo, time);
    bookingsMade[methodId] = bookingId;
    const decisions = plan.criteria
      .filter((cr) => cr.method === methodId)
      .map((cr) => ({ criterionId: cr.id, met: true, evidence: '' }));
    const saved = saveGrading(
      db,
      bookingById(db, bookingId)!,
      { outcome: 'graded', outcomeReason: null, decisions },
      assessorActor,
      { submit: true, now: now() },
    );
    if (!saved.ok) throw new Error(saved.message);
    ids[methodId] = saved.grading.id;
    if (saved.grading.moderation === 'pending') {
      const moderated = moderate(
        db,
        saved.grading.id,
        { decision: 'agreed', rationale: 'Agreed', changes: [] },
        { userId: ctx.users.qa.id, label: 'qa' },
        now(),
      );
      if (!moderated.ok) throw new Error(moderated.message);
    }
  }
  const attempt = db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!.id;
  return { apprentice: a, attempt, assessor: assessorId, bookings: bookingsMade, gradings: ids };
}

/** A reasonable adjustment for the apprentice of `uln`, asked for by `provider` and waiting: its id. */
export function openRequest(ctx: TestContext, uln: string): number {
  const made = makeRequest(
    ctx.db,
    findUser(ctx.db, ctx.users.provider.id)!,
    uln,
    'adjustment',
    { methodId: '', types: ['extra_time'], extraTimePercent: '25', reason: 'Slow processing (fixture)' },
    isoInstant(now()),
  );
  if (!made.ok) throw new Error(`The request could not be made: ${JSON.stringify(made.problems)}`);
  return made.value.id;
}

/** A reasonable adjustment for the apprentice of `uln`, asked for by `provider` and refused by `admin`: its id. */
export function refusedRequest(ctx: TestContext, uln: string): number {
  const id = openRequest(ctx, uln);
  refuseRequest(ctx, id);
  return id;
}

/** `admin` refuses the waiting request `id`, with `reason`. */
export function refuseRequest(ctx: TestContext, id: number, reason = 'The report does not support it (fixture)'): void {
  const refused = decideRequest(
    ctx.db,
    findUser(ctx.db, ctx.users.admin.id)!,
    String(id),
    { status: 'refused', reason },
    isoInstant(now()),
  );
  if (!refused.ok) throw new Error(`The request could not be refused: ${JSON.stringify(refused.problems)}`);
}

/**
 * A malpractice case about the assessment of `methodId` of the apprentice of `uln`, opened by
 * `opener` (who must be able to see it), investigated and upheld by `investigator` with `sanction`:
 * its id.
 */
export function upheldCase(
  ctx: TestContext,
  given: { opener: number; investigator: number; uln: string; methodId: string; sanction: Sanction },
): number {
  const opened = openCase(
    ctx.db,
    findUser(ctx.db, given.opener)!,
    {
      kind: 'malpractice',
      against: 'assessment',
      uln: given.uln,
      methodId: given.methodId,
      allegation: 'Notes brought in (fixture)',
    },
    isoInstant(now()),
  );
  if (!opened.ok) throw new Error(`The case could not be opened: ${JSON.stringify(opened.problems)}`);
  const id = String(opened.value.id);
  const investigator = findUser(ctx.db, given.investigator)!;
  const assigned = assignInvestigator(ctx.db, findUser(ctx.db, ctx.users.admin.id)!, id, {
    investigatorUserId: String(given.investigator),
  });
  if (!assigned.ok) throw new Error(`The investigator could not be assigned: ${JSON.stringify(assigned.problems)}`);
  const decided = decideCase(
    ctx.db,
    investigator,
    id,
    { outcome: 'upheld', sanction: given.sanction, reason: 'The notes were found on the desk (fixture)' },
    isoInstant(now()),
  );
  if (!decided.ok) throw new Error(`The case could not be decided: ${JSON.stringify(decided.problems)}`);
  return opened.value.id;
}

/**
 * A maladministration case `assessor` opens against the training provider, investigated by
 * `admin` and upheld with a warning (told to the provider's users): its id.
 */
export function warnedProvider(ctx: TestContext, providerUkprn: string): number {
  const opened = openCase(
    ctx.db,
    findUser(ctx.db, ctx.users.assessor.id)!,
    {
      kind: 'maladministration',
      against: 'provider',
      providerUkprn,
      allegation: 'Gateway evidence sent late (fixture)',
    },
    isoInstant(now()),
  );
  if (!opened.ok) throw new Error(`The case could not be opened: ${JSON.stringify(opened.problems)}`);
  const id = String(opened.value.id);
  const admin = findUser(ctx.db, ctx.users.admin.id)!;
  const assigned = assignInvestigator(ctx.db, admin, id, { investigatorUserId: String(admin.id) });
  if (!assigned.ok) throw new Error(`The investigator could not be assigned: ${JSON.stringify(assigned.problems)}`);
  const decided = decideCase(
    ctx.db,
    admin,
    id,
    { outcome: 'upheld', sanction: 'warning', reason: 'Evidence reached the organisation after the gateway (fixture)' },
    isoInstant(now()),
  );
  if (!decided.ok) throw new Error(`The case could not be decided: ${JSON.stringify(decided.problems)}`);
  return opened.value.id;
}

/** A case against A's provider, opened by `assessor` and under investigation by `qa` (when `investigating`): its id. */
export function caseToDecide(ctx: TestContext, f: Fixture, investigating = true): number {
  const opened = openCase(
    ctx.db,
    findUser(ctx.db, ctx.users.assessor.id)!,
    {
      kind: 'malpractice',
      against: 'provider',
      providerUkprn: f.a.providerUkprn,
      allegation: 'Fabricated logs (test)',
    },
    isoInstant(now()),
  );
  if (!opened.ok) throw new Error('The case could not be opened');
  if (investigating) {
    const assigned = assignInvestigator(ctx.db, findUser(ctx.db, ctx.users.admin.id)!, String(opened.value.id), {
      investigatorUserId: String(ctx.users.qa.id),
    });
    if (!assigned.ok) throw new Error('The investigator could not be assigned');
  }
  return opened.value.id;
}

/** A case against A's provider (caseToDecide) holding A's latest result, named by `admin`: returns the case and the hold. */
export function caseHoldingA(ctx: TestContext, f: Fixture): { caseId: number; holdId: number } {
  const caseId = caseToDecide(ctx, f);
  const held = holdResultForCase(
    ctx.db,
    findUser(ctx.db, ctx.users.admin.id)!,
    String(caseId),
    { uln: f.a.uln, holdReason: 'Portfolio signed by the provider under investigation (test)' },
    isoInstant(now()),
  );
  if (!held.ok) throw new Error(`The hold could not be made: ${JSON.stringify(held)}`);
  return { caseId, holdId: held.value };
}

/* ---------- The database's state, cheaply compared ---------- */

/**
 * Derived data that reading a page may (re)compute: the gateway status cache is filled for the
 * day when a page evaluates an apprentice, and is not a change anyone made (nor is its tally).
 */
export const CACHE_TABLES: readonly string[] = ['gateway_status_cache', 'gateway_scope_tally'];

/** Columns that record that something was read, not a change: when an API token last called the API. */
const BOOKKEEPING_COLUMNS: Readonly<Record<string, readonly string[]>> = { api_tokens: ['last_used_at'] };

/** The columns of a table the fingerprint hashes: all but its bookkeeping. */
function hashedColumns(client: Db['$client'], table: string): string {
  const skip = BOOKKEEPING_COLUMNS[table];
  if (!skip) return '*';
  const columns = (client.prepare(`pragma table_info("${table}")`).all() as { name: string }[])
    .map((c) => c.name)
    .filter((name) => !skip.includes(name));
  return columns.map((c) => `"${c}"`).join(', ');
}

/** Each table's row count and a hash of all its rows (in the order SQLite returns them). */
export type Fingerprint = Record<string, { rows: number; hash: string }>;

/**
 * The last fingerprint of each database, with SQLite's count of rows changed (by any statement
 * or trigger, even one rolled back) when it was taken: while the count stands, nothing can differ.
 */
const lastFingerprint = new WeakMap<Db, { changes: number; fingerprint: Fingerprint }>();

export function fingerprint(db: Db, options: { includeCaches?: boolean } = {}): Fingerprint {
  const client = db.$client;
  const changes = (client.prepare('select total_changes() as n').get() as { n: number }).n;
  const last = lastFingerprint.get(db);
  if (!options.includeCaches && last?.changes === changes) return last.fingerprint;
  const tables = (
    client
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_stat%' order by name")
      .all() as { name: string }[]
  )
    .map((t) => t.name)
    .filter((name) => options.includeCaches || !CACHE_TABLES.includes(name));
  const out: Fingerprint = {};
  for (const name of tables) {
    const hash = createHash('sha1');
    let rows = 0;
    for (const row of client
      .prepare(`select ${hashedColumns(client, name)} from "${name.replaceAll('"', '""')}"`)
      .raw(true)
      .iterate() as Iterable<unknown[]>) {
      hash.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
      hash.update('\n');
      rows++;
    }
    out[name] = { rows, hash: hash.digest('hex') };
  }
  if (!options.includeCaches) lastFingerprint.set(db, { changes, fingerprint: out });
  return out;
}

/** The tables whose rows differ between two fingerprints, with their row counts. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names]
    .filter((n) => before[n]?.hash !== after[n]?.hash || before[n]?.rows !== after[n]?.rows)
    .map((n) => `${n} (${before[n]?.rows ?? 0} → ${after[n]?.rows ?? 0} rows)`);
}

/** SQLite's own checks: every foreign key resolves and the file is sound. */
export function integrityProblems(db: Db): string[] {
  const client = db.$client;
  const fk = client.prepare('pragma foreign_key_check').all() as { table: string; rowid: number; parent: string }[];
  const integrity = (client.prepare('pragma quick_check').all() as { quick_check: string }[])
    .map((r) => r.quick_check)
    .filter((r) => r !== 'ok');
  return [...fk.map((r) => `${r.table} row ${r.rowid} points at a missing ${r.parent}`), ...integrity];
}

let externalReviewers = 0;
/**
 * A quality assurer marked as an external reviewer (not an employee of the assessment
 * organisation), with the test users' password: the independent member an appeal panel needs.
 */
/** Another quality assurer of the assessment organisation (who signs in with the test password): an investigator with no part in the fixture's results. */
export function addQualityAssurer(ctx: TestContext, email: string, name: string): { id: number; email: string } {
  const { passwordHash } = ctx.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ctx.users.qa.id))
    .get()!;
  return ctx.db
    .insert(users)
    .values({ email, name, role: 'quality_assurer', passwordHash })
    .returning({ id: users.id, email: users.email })
    .get();
}

export function addExternalReviewer(ctx: TestContext): number {
  const { passwordHash } = ctx.db
    .select({ passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, ctx.users.qa.id))
    .get()!;
  const k = externalReviewers++;
  return ctx.db
    .insert(users)
    .values({
      email: `external.reviewer.${k}@test.example`,
      name: `External Reviewer ${k}`,
      role: 'quality_assurer',
      externalReviewer: true,
      passwordHash,
    })
    .returning({ id: users.id })
    .get().id;
}
