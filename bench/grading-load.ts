import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { deriveMethodGrade, type Decision } from '../src/grading/rules.js';
import type { Grade, PlanFile } from '../src/plans/schema.js';
import { signInCookie } from './gateway.js';
import { steadyRun, type SteadyRun } from './load-run.js';
import type { GradableBooking, LoadFixture } from './load-setup.js';

/*
 * The grading write load and the lost-write check. Assessors submit gradings through the page
 * they use, POST /bookings/{id}/grade (session cookie and CSRF token, "Submit grade" with the
 * confirmation ticked), many at once, each request for a different booking; some bookings are
 * sent twice, right after each other, as a double submission would be. Every answer is kept
 * with the request it answers, and afterwards the database is read back: every accepted
 * submission must be there, whole and once, and nothing else.
 */

/** The form accepts a submission by redirecting to the submitted grading (303); it refuses a second with 409. */
export const ACCEPTED = 303;
export const ALREADY_SUBMITTED = 409;
const ALREADY_SUBMITTED_TEXT = 'This grading has been submitted';

export interface Submission {
  booking: GradableBooking;
  decisions: Decision[];
  expectedGrade: Grade;
  /** 1 for the first send, 2 for the second send of the same booking (a double submission). */
  copy: 1 | 2;
}

export interface Outcome {
  submission: Submission;
  /** The status answered, or null when no answer came (a connection error or a timeout). */
  status: number | null;
  sentAt: number;
  answeredAt: number;
  location: string | null;
  /** A 409 that says the grading had already been submitted. */
  saysAlreadySubmitted: boolean;
}

/**
 * The decisions an assessor sends for a booking: a Fail (one pass criterion not met), a
 * Distinction (everything met) or a Pass (the distinction criteria not met), in turn; each
 * note names the booking, so the check can tell whose decisions were stored. A second send
 * differs (every criterion met, notes marked), so a mix of the two would show.
 */
export function decisionsFor(plan: PlanFile, booking: GradableBooking, copy: 1 | 2): Submission {
  const criteria = plan.criteria.filter((c) => c.method === booking.methodId);
  const kind =
    copy === 2
      ? 'distinction'
      : (['fail', 'distinction', 'distinction', 'pass', 'pass', 'pass', 'pass'] as const)[booking.id % 7]!;
  const firstPass = criteria.find((c) => c.level === 'pass')!.id;
  const decisions = criteria.map((c) => {
    const met = kind === 'distinction' || (kind === 'pass' ? c.level === 'pass' : c.id !== firstPass);
    const evidence = `${met ? 'Seen' : 'Fell short'} at booking ${booking.id}: the member’s grievance & the branch’s response, ${c.id}${copy === 2 ? ' (second send)' : ''}`;
    return { criterionId: c.id, met, evidence };
  });
  const derived = deriveMethodGrade(plan, booking.methodId, decisions);
  if (!derived.complete) throw new Error(`decisions for booking ${booking.id} are incomplete`);
  return { booking, decisions, expectedGrade: derived.grade, copy };
}

/** Each booking once, in order, and every `duplicateEvery`-th booking a second time straight after the first. */
export function plannedSubmissions(plan: PlanFile, bookings: GradableBooking[], duplicateEvery: number): Submission[] {
  return bookings.flatMap((b, i) =>
    i % duplicateEvery === duplicateEvery - 1
      ? [decisionsFor(plan, b, 1), decisionsFor(plan, b, 2)]
      : [decisionsFor(plan, b, 1)],
  );
}

export interface AssessorSession {
  cookie: string;
  csrf: string;
}

/** Signs in every assessor with a booking in `bookings` through the sign-in form, and reads their form token from a grading page. */
export async function signInAssessors(
  base: string,
  fixture: LoadFixture,
  bookings: GradableBooking[],
): Promise<Map<number, AssessorSession>> {
  const firstBooking = new Map<number, number>();
  for (const b of bookings) if (!firstBooking.has(b.assessorUserId)) firstBooking.set(b.assessorUserId, b.id);
  const sessions = new Map<number, AssessorSession>();
  const pending = [...firstBooking];
  const signInNext = async (): Promise<void> => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const [assessorUserId, bookingId] = next;
      const email = fixture.assessors.find((a) => a.id === assessorUserId)!.email;
      const cookie = await signInCookie(base, email, fixture.password);
      if (!cookie.includes('epa_session=')) throw new Error(`${email} could not sign in`);
      const page = await fetch(`${base}/bookings/${bookingId}/grade`, { headers: { cookie } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
      if (page.status !== 200 || !csrf) throw new Error(`${email}'s grading page answered ${page.status}`);
      sessions.set(assessorUserId, { cookie, csrf });
    }
  };
  // A few at a time: each sign-in is a deliberately slow password hash on the server.
  await Promise.all(Array.from({ length: 4 }, signInNext));
  return sessions;
}

function formBody(s: Submission, csrf: string): string {
  const form = new URLSearchParams({
    _csrf: csrf,
    action: 'submit',
    outcome: 'graded',
    outcomeReason: '',
    confirm: 'yes',
  });
  for (const d of s.decisions) {
    form.append(`c[${d.criterionId}][met]`, d.met ? 'yes' : 'no');
    form.append(`c[${d.criterionId}][evidence]`, d.evidence);
  }
  return form.toString();
}

export interface WriteRun {
  /** Every submission sent (those never sent are left out), with its answer. */
  outcomes: Outcome[];
  /** The steady-state window: answers to submissions only (no other request is sent before it ends). */
  run: SteadyRun;
}

export interface WriteLoadOptions {
  connections: number;
  /** Warm up at least this long, and until every connection has been answered (at most `maxWarmupSeconds`). */
  warmupSeconds: number;
  maxWarmupSeconds: number;
  /** The measured window; sending stops when it ends or when every submission has been sent, whichever comes first. */
  seconds: number;
}

/**
 * Sends the submissions in order, `connections` at a time, each connection taking the next one
 * as soon as its previous request is answered (so the two sends of a duplicated booking go out
 * at about the same moment on different connections). When the window ends, or the list runs
 * out, connections read the health check instead until every submission sent has been answered.
 */
export async function runGradingLoad(
  base: string,
  sessions: Map<number, AssessorSession>,
  submissions: Submission[],
  options: WriteLoadOptions,
): Promise<WriteRun> {
  const requests = submissions.map((s) => {
    const session = sessions.get(s.booking.assessorUserId);
    if (!session) throw new Error(`no session for assessor ${s.booking.assessorUserId}`);
    return { path: `/bookings/${s.booking.id}/grade`, cookie: session.cookie, body: formBody(s, session.csrf) };
  });
  const outcomes: Outcome[] = submissions.map((submission) => ({
    submission,
    status: null,
    sentAt: NaN,
    answeredAt: NaN,
    location: null,
    saysAlreadySubmitted: false,
  }));
  let sent = 0;
  let answered = 0;
  let unanswerable = 0;
  let closed = false;
  const run = await steadyRun({
    url: base,
    connections: Math.min(options.connections, submissions.length),
    warmupSeconds: options.warmupSeconds,
    maxWarmupSeconds: options.maxWarmupSeconds,
    seconds: options.seconds,
    onWindowEnd: () => (closed = true),
    onError: () => unanswerable++,
    drained: () => (closed || sent === submissions.length) && answered + unanswerable >= sent,
    requests: [
      {
        setupRequest: (request, context) => {
          if (closed || sent === submissions.length) {
            (context as { index?: number }).index = undefined;
            return { ...request, method: 'GET', path: '/health' };
          }
          const index = sent++;
          (context as { index?: number }).index = index;
          outcomes[index]!.sentAt = performance.now();
          const r = requests[index]!;
          return {
            ...request,
            method: 'POST',
            path: r.path,
            headers: { ...request.headers, cookie: r.cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: r.body,
          };
        },
        onResponse: (status, body, context, headers) => {
          const outcome = outcomes[(context as { index?: number }).index ?? -1];
          if (!outcome) return;
          answered++;
          outcome.status = status;
          outcome.answeredAt = performance.now();
          const location = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'location')?.[1];
          outcome.location = typeof location === 'string' ? location : null;
          outcome.saysAlreadySubmitted = status === ALREADY_SUBMITTED && body.includes(ALREADY_SUBMITTED_TEXT);
        },
      },
    ],
  });
  return { outcomes: outcomes.slice(0, sent), run };
}

export interface NothingLostReport {
  sent: number;
  bookings: number;
  accepted: number;
  refusedAsAlreadySubmitted: number;
  /** Statuses other than 303 and 409-already-submitted, by status ("none" when no answer came). */
  otherAnswers: Record<string, number>;
  duplicatePairs: number;
  /** Pairs whose two requests were both on their way before either was answered. */
  pairsInFlightTogether: number;
  /** Pairs answered one 303 and one 409 saying it was already submitted. */
  pairsOneAcceptedOneRefused: number;
  submittedInDatabase: number;
  /** Accepted (303) but not in the database as submitted. */
  lost: number[];
  /** More than one grading, submission audit or attempt where there must be one; or a booking accepted twice. */
  duplicated: string[];
  /** Submitted in the database without a 303 to say so. */
  unacknowledged: number[];
  /** Stored, but not exactly as sent (decisions, notes, grade, assessor, booking completed). */
  notWhole: string[];
  serverErrors: number;
}

/**
 * Reads the database back after the load (the server stopped) and compares it with every
 * answer: the bookings answered 303 are exactly the bookings with a submitted grading, each
 * with the decisions and notes of the request that was accepted, its grade, its booking
 * completed, one submission in the audit log, and one attempt per apprentice.
 */
/**
 * Reads the database back after the load: `bookings`, when given, are those the load could grade
 * (the database may hold other gradings, such as the results the outcomes dashboard counts).
 */
export function checkNothingLost(
  file: string,
  outcomes: Outcome[],
  serverErrors: number,
  bookings?: ReadonlySet<number>,
): NothingLostReport {
  const db = new Database(file, { readonly: true });
  try {
    const acceptedBy = new Map<number, Outcome[]>();
    const otherAnswers: Record<string, number> = {};
    let refusedAsAlreadySubmitted = 0;
    for (const o of outcomes) {
      if (o.status === ACCEPTED && o.location === `/bookings/${o.submission.booking.id}/grade`)
        acceptedBy.set(o.submission.booking.id, [...(acceptedBy.get(o.submission.booking.id) ?? []), o]);
      else if (o.saysAlreadySubmitted) refusedAsAlreadySubmitted++;
      else otherAnswers[String(o.status ?? 'none')] = (otherAnswers[String(o.status ?? 'none')] ?? 0) + 1;
    }

    const sentTwice = new Set(outcomes.filter((o) => o.submission.copy === 2).map((o) => o.submission.booking.id));
    const pairs = new Map<number, Outcome[]>();
    for (const o of outcomes)
      if (sentTwice.has(o.submission.booking.id))
        pairs.set(o.submission.booking.id, [...(pairs.get(o.submission.booking.id) ?? []), o]);
    const pairList = [...pairs.values()].filter((p) => p.length === 2);
    const pairsInFlightTogether = pairList.filter(
      ([a, b]) => Math.max(a!.sentAt, b!.sentAt) < Math.min(a!.answeredAt, b!.answeredAt),
    ).length;
    const pairsOneAcceptedOneRefused = pairList.filter(
      (p) =>
        p.filter((o) => o.status === ACCEPTED).length === 1 && p.filter((o) => o.saysAlreadySubmitted).length === 1,
    ).length;

    const gradingRows = db
      .prepare(
        'select id, booking_id as bookingId, status, outcome, grade, assessor_grade as assessorGrade, assessor_user_id as assessorUserId, method_id as methodId, attempt_id as attemptId, submitted_at as submittedAt from gradings',
      )
      .all() as {
      id: number;
      bookingId: number;
      status: string;
      outcome: string;
      grade: string | null;
      assessorGrade: string | null;
      assessorUserId: number;
      methodId: string;
      attemptId: number;
      submittedAt: string | null;
    }[];
    const submitted = new Map(
      gradingRows
        .filter((g) => g.status === 'submitted' && (!bookings || bookings.has(g.bookingId)))
        .map((g) => [g.bookingId, g]),
    );
    const decisionsOf = db.prepare(
      'select criterion_id as criterionId, met, evidence from criterion_decisions where grading_id = ? order by criterion_id',
    );
    const bookingStatus = db.prepare('select status from bookings where id = ?');
    const submittedAudits = new Map(
      (
        db
          .prepare(
            "select entity_id as id, count(*) as n from audit_events where action = 'grading.submitted' group by entity_id",
          )
          .all() as { id: string; n: number }[]
      ).map((r) => [Number(r.id), r.n]),
    );
    const completedAudits = new Map(
      (
        db
          .prepare(
            "select entity_id as id, count(*) as n from audit_events where action = 'booking.completed' group by entity_id",
          )
          .all() as { id: string; n: number }[]
      ).map((r) => [Number(r.id), r.n]),
    );

    const duplicated: string[] = [];
    for (const row of db
      .prepare('select booking_id as id, count(*) as n from gradings group by booking_id having n > 1')
      .all() as { id: number; n: number }[])
      duplicated.push(`booking ${row.id} has ${row.n} gradings`);
    for (const [id, n] of submittedAudits)
      if (n > 1) duplicated.push(`grading ${id} was submitted ${n} times in the audit log`);
    for (const [id, n] of completedAudits)
      if (n > 1) duplicated.push(`booking ${id} was completed ${n} times in the audit log`);
    for (const row of db
      .prepare(
        'select apprentice_id as id, number, count(*) as n from epa_attempts group by apprentice_id, number having n > 1',
      )
      .all() as { id: number; number: number; n: number }[])
      duplicated.push(`apprentice ${row.id} has ${row.n} attempts numbered ${row.number}`);
    for (const [id, list] of acceptedBy)
      if (list.length > 1) duplicated.push(`booking ${id} was accepted ${list.length} times`);

    const lost: number[] = [];
    const notWhole: string[] = [];
    for (const [bookingId, [accepted]] of acceptedBy) {
      const g = submitted.get(bookingId);
      if (!g) {
        lost.push(bookingId);
        continue;
      }
      const s = accepted!.submission;
      const stored = (decisionsOf.all(g.id) as { criterionId: string; met: number; evidence: string }[]).map((d) => ({
        criterionId: d.criterionId,
        met: d.met === 1,
        evidence: d.evidence,
      }));
      const sent = [...s.decisions]
        .sort((a, b) => (a.criterionId < b.criterionId ? -1 : 1))
        .map((d) => ({ ...d, evidence: d.evidence.trim() }));
      const problems = [
        JSON.stringify(stored) !== JSON.stringify(sent) && 'criterion decisions differ from those accepted',
        (g.grade !== s.expectedGrade || g.assessorGrade !== s.expectedGrade) &&
          `grade ${g.grade} instead of ${s.expectedGrade}`,
        g.outcome !== 'graded' && `outcome ${g.outcome}`,
        (g.assessorUserId !== s.booking.assessorUserId || g.methodId !== s.booking.methodId) &&
          'assessor or method differ',
        !g.submittedAt && 'no submission time',
        (bookingStatus.get(bookingId) as { status: string }).status !== 'completed' && 'booking not completed',
        submittedAudits.get(g.id) !== 1 && 'no submission in the audit log',
      ].filter(Boolean);
      if (problems.length) notWhole.push(`booking ${bookingId}: ${problems.join('; ')}`);
    }
    // Each apprentice graded for both methods has one attempt holding both gradings and an overall grade.
    const byApprentice = new Map<number, number[]>();
    for (const [bookingId, [accepted]] of acceptedBy) {
      const a = accepted!.submission.booking.apprenticeId;
      byApprentice.set(a, [...(byApprentice.get(a) ?? []), bookingId]);
    }
    const attemptOf = db.prepare(
      'select id, overall_grade as overallGrade from epa_attempts where apprentice_id = ? and number = 1',
    );
    for (const [apprenticeId, bookingIds] of byApprentice) {
      const attempt = attemptOf.get(apprenticeId) as { id: number; overallGrade: string | null } | undefined;
      if (!attempt || bookingIds.some((b) => submitted.get(b)?.attemptId !== attempt.id))
        notWhole.push(`apprentice ${apprenticeId}: gradings not in their attempt`);
      else if (bookingIds.length === 2 && !attempt.overallGrade)
        notWhole.push(`apprentice ${apprenticeId}: both methods graded but no overall grade`);
    }

    const unacknowledged = [...submitted.keys()].filter((id) => !acceptedBy.has(id));
    return {
      sent: outcomes.length,
      bookings: new Set(outcomes.map((o) => o.submission.booking.id)).size,
      accepted: [...acceptedBy.values()].reduce((n, l) => n + l.length, 0),
      refusedAsAlreadySubmitted,
      otherAnswers,
      duplicatePairs: pairList.length,
      pairsInFlightTogether,
      pairsOneAcceptedOneRefused,
      submittedInDatabase: submitted.size,
      lost,
      duplicated,
      unacknowledged,
      notWhole,
      serverErrors,
    };
  } finally {
    db.close();
  }
}
