import { setImmediate as turn } from 'node:timers/promises';
import type { DateTime } from 'luxon';
import { canActOn, type ApprenticeScope } from '../apprentices/access.js';
import type { DeclarationPart } from '../apprentices/schema.js';
import { apprenticeFor } from '../apprentices/service.js';
import { confirmDeclaration } from '../apprentices/store.js';
import { findApprenticeById, type ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { planForApprentice } from '../plans/store.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { byId } from '../validation/fields.js';
import { problemsFromZod } from '../validation/problems.js';
import { ok, refuse, type Result } from '../validation/result.js';
import type { GatewayEvaluation } from './model.js';
import { checkReview, reviewedCodes, reviewSchema, toDecision } from './review.js';
import {
  decideSubmission,
  statusCacheComplete,
  stoppedHolding,
  storeStatusesOf,
  submissionById,
  submitForGateway,
  type SubmissionRow,
} from './store.js';
import { writeGate } from '../ops/write-gate.js';
import { statusesWarming } from './warm-up.js';

/** A gateway submission with its apprentice, if this user may see it (404 for anyone else). */
export function submissionFor(
  db: Db,
  user: CurrentUser,
  id: unknown,
): Result<{ submission: SubmissionRow; apprentice: ApprenticeDetail }> {
  const submission = byId(id, (n) => submissionById(db, n));
  const apprentice = submission ? findApprenticeById(db, submission.apprenticeId) : undefined;
  if (!submission || !apprentice || !canActOn(user, apprentice, 'view'))
    return refuse('not_found', 'There is no such gateway submission');
  return ok({ submission, apprentice });
}

/**
 * The EPAO's review of a submission, check by check, for the review page and the API alike:
 * every check decided and every rejection explained; acceptance opens the EPA period of the
 * apprentice's plan from today. Refused when the submission was decided in the meantime.
 */
export function reviewSubmission(
  db: Db,
  user: CurrentUser,
  id: unknown,
  input: unknown,
  now: DateTime,
): Result<{ submission: SubmissionRow; apprentice: ApprenticeDetail }> {
  const found = submissionFor(db, user, id);
  if (!found.ok) return found;
  const { submission, apprentice } = found.value;
  if (!canActOn(user, apprentice, 'review')) return refuse('forbidden', 'You do not have permission to do this');
  const parsed = reviewSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const codes = reviewedCodes(submission.evaluation as GatewayEvaluation);
  const problems = checkReview(parsed.data, codes);
  if (problems.length > 0) return refuse('invalid', problems);
  const plan = planForApprentice(db, apprentice);
  const decided = decideSubmission(
    db,
    submission.id,
    toDecision(parsed.data, codes),
    plan?.epaPeriodMonths ?? 3,
    todayInLondon(now),
    actorOf(user),
    now,
  );
  if (!decided.ok) return refuse('conflict', decided.message);
  return ok({ submission: submissionById(db, submission.id)!, apprentice });
}

/**
 * One part of the gateway declaration confirmed: the employer's by the employer (or the EPAO),
 * the provider's and the apprentice's by the provider (or the EPAO).
 */
export function confirmDeclarationPart(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  part: DeclarationPart,
  now: DateTime,
): Result<ApprenticeDetail> {
  const found = apprenticeFor(db, user, uln, part === 'employer' ? 'employer_declaration' : 'edit');
  if (!found.ok) return found;
  confirmDeclaration(db, found.value, part, actorOf(user), now);
  return found;
}

/** The provider asks for EPA: a gateway submission, refused while one is waiting or a check is unmet. */
export function requestEpa(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  now: DateTime,
): Result<{ apprentice: ApprenticeDetail; submission: SubmissionRow }> {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const submitted = submitForGateway(db, found.value, todayInLondon(now), actorOf(user));
  if (!submitted.ok) return refuse('conflict', submitted.message);
  return ok({ apprentice: found.value, submission: submitted.submission });
}

/**
 * Waits, without holding up anyone else, until the gateway statuses of `scope` can be stored. A
 * page that finds some to work out (new evidence cleared them, or a date reached them) stores
 * them, and while an import's worker holds SQLite's one write lock that write would stop every
 * request until the import commits (src/ops/write-gate.ts). Almost always it returns at once.
 */
export async function untilStatusesCanBeStored(db: Db, scope: ApprenticeScope, on: string): Promise<void> {
  // The start-up fill (warm-up.ts) is working them out: wait for it rather than work them out twice.
  const warming = statusesWarming(db);
  if (warming && !statusCacheComplete(db, scope, on)) await warming;
  const gate = writeGate(db);
  if (gate.held && !statusCacheComplete(db, scope, on)) await gate.whenOpen();
  // A new day: the statuses a date has reached are worked out a few hundred at a time, others'
  // requests let in between (1,000 at once held everyone for 0.2 s at 100,000 apprentices).
  if (!statusCacheComplete(db, scope, on)) await storeStoppedInTurns(db, scope, on, gate);
  // Everyone else's that a date has reached follow, once a day, in turns after this page has
  // answered: the counts take off every stopped status they find along the days (gateway/store.ts),
  // so those of providers and employers nobody opens must not pile up day after day.
  if (everyoneOn.get(db) !== on) {
    everyoneOn.set(db, on);
    if (scope.kind !== 'all')
      void storeStoppedInTurns(db, { kind: 'all' }, on, gate).catch(() => everyoneOn.delete(db));
  }
}

/** The day whose stopped statuses have been worked out for everyone (or are being), on each database. */
const everyoneOn = new WeakMap<Db, string>();

/** How many statuses a request works out and stores before letting other requests in. */
export const STATUSES_A_TURN = 250;

/** The turns of each scope and day under way, so a second request waits for them rather than repeat them. */
const turnsUnderWay = new WeakMap<Db, Map<string, Promise<void>>>();

/**
 * Works out and stores, STATUSES_A_TURN at a time, the statuses in scope that stopped holding on
 * `on`, yielding to other requests between turns and waiting for the write gate before each. What
 * is left (a status cleared and not yet worked out again) the page's own refresh does.
 */
export function storeStoppedInTurns(
  db: Db,
  scope: ApprenticeScope,
  on: string,
  gate = writeGate(db),
  atOnce = STATUSES_A_TURN,
): Promise<void> {
  let underWay = turnsUnderWay.get(db);
  if (!underWay) turnsUnderWay.set(db, (underWay = new Map<string, Promise<void>>()));
  const key = `${JSON.stringify(scope)} ${on}`;
  const running = underWay.get(key);
  if (running) return running;
  const turns = (async () => {
    const ids = stoppedHolding(db, scope, on)
      .all()
      .map((r) => r.id);
    for (let at = 0; at < ids.length; at += atOnce) {
      await turn();
      if (gate.held) await gate.whenOpen();
      storeStatusesOf(db, ids.slice(at, at + atOnce), on);
    }
  })().finally(() => underWay.delete(key));
  underWay.set(key, turns);
  return turns;
}
