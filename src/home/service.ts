import type { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { apprenticeScope } from '../apprentices/access.js';
import { bookingQueue, bookingsAtRisk, methodNames } from '../bookings/store.js';
import { CHECK_CODES, CHECK_LABELS } from '../gateway/model.js';
import { refreshGatewayCache, unmetCheckCounts } from '../gateway/store.js';
import { runInWorker } from '../ops/worker.js';
import { countReadyClaims } from './claims-count.js';
import { dateLabel, inLondon, isoInstant, londonDateOf, londonDayStart, todayInLondon } from '../dates.js';
import { addDays } from '../calendar.js';
import { changeStamp, memoUntilChange } from '../db/change-stamp.js';
import { fullName } from '../names.js';
import { paths } from '../paths.js';
import type { CurrentUser } from '../users/store.js';
import {
  appealsOpen,
  requestsOpen,
  reviewsWaiting,
  moderationWaiting,
  casesOpen,
  bookingsBetween,
  failsToDecide,
  furtherRequestsWaiting,
  gradingToDo,
  holdsExpiringToday,
  holdsToConfirm,
  rejectedToFix,
  resultsReleasedSince,
  resultsToRelease,
  type BookingLine,
  type ResultLine,
} from './store.js';

/** One thing to do: how many, where they are, and how long the oldest has waited. */
export interface Task {
  id: string;
  label: string;
  /** Null while it is being counted. */
  count: number | null;
  href: string;
  oldest?: string;
}

/** A list the home page shows in full (today's assessments, results): each line links its record. */
export interface HomeList {
  id: string;
  heading: string;
  empty: string;
  lines: { text: string; href: string; detail?: string }[];
}

export interface Home {
  tasks: Task[];
  lists: HomeList[];
}

/** The count of results ready to claim a home page shows: null while the first count is still running. */
export interface ClaimsCount {
  n: number | null;
  /** When the count shown is one made earlier, while a new one runs: when it was made (London: HH:mm today, else with the day). */
  countedAt?: string;
}

/** How long a home page waits for the count before showing the last one made, or that it is being counted. */
export const CLAIMS_COUNT_WAIT_MS = 300;

/**
 * How many results are ready to claim: the claims page's own rules over every unclaimed result
 * (about 50 µs each, five seconds at 100,000). So they are counted in a worker thread, keeping
 * nobody else waiting, and the count is kept until the database changes. One count runs at a time: administrators asking while it runs share it,
 * and a change meanwhile makes the next look after it count again (never a pile of counts). The
 * page waits for a count up to `waitMs` from the count's start; one that takes longer goes on, and the page shows the
 * last count made, with when, or that the results are being counted. A count that fails is
 * treated the same way (and the next look tries again): an administrator's home never waits
 * seconds on it, nor fails because of it.
 */
export async function readyClaimsCount(db: Db, now: DateTime, waitMs = CLAIMS_COUNT_WAIT_MS): Promise<ClaimsCount> {
  const today = todayInLondon(now);
  const stamp = changeStamp(db);
  const kept = readyKept.get(db) ?? {};
  readyKept.set(db, kept);
  const { last, running } = kept;
  if (last && last.stamp === stamp && last.today === today) return { n: last.n };
  let counting = running?.counting;
  let startedMs = running?.startedMs ?? 0;
  if (!running) {
    const begun = { stamp, today, at: isoInstant(now) };
    counting = countReady(db, today, now);
    startedMs = performance.now();
    kept.running = { ...begun, counting, startedMs };
    counting.then(
      (n) => {
        kept.last = { ...begun, n };
        delete kept.running;
      },
      () => delete kept.running,
    );
  }
  // Only a count of the database as it is now answers this page, and only within `waitMs` of the count's
  // start: a page asked while a long count runs answers at once (under load, each waiting 300 ms is worse).
  const current = running === undefined || (running.stamp === stamp && running.today === today);
  const left = waitMs - (performance.now() - startedMs);
  let timer: NodeJS.Timeout | undefined;
  const waited =
    current && left > 0
      ? await Promise.race([counting!, new Promise<null>((resolve) => (timer = setTimeout(resolve, left, null)))])
          .catch(() => null)
          .finally(() => clearTimeout(timer))
      : null;
  if (waited !== null) return { n: waited };
  const latest = kept.last;
  if (!latest) return { n: null };
  const at = inLondon(latest.at);
  return { n: latest.n, countedAt: latest.today === today ? at.toFormat('HH:mm') : at.toFormat('d LLL, HH:mm') };
}

/** Per database: the count running, if any, and the last count made (of the database at `stamp`, begun `at`). */
const readyKept = new WeakMap<
  Db,
  {
    running?: { stamp: string; today: string; at: string; counting: Promise<number>; startedMs: number };
    last?: { stamp: string; today: string; at: string; n: number };
  }
>();

/** The count, in a worker thread on its own connection when the database is a file (in place for an in-memory one, the tests'). */
function countReady(db: Db, today: string, now: DateTime): Promise<number> {
  const client = db.$client;
  const nowIso = isoInstant(now);
  if (client.memory || !client.name) return Promise.resolve().then(() => countReadyClaims(db, today, nowIso));
  return runInWorker<number>(new URL('./claims-count-worker.js', import.meta.url), {
    databasePath: client.name,
    today,
    nowIso,
  });
}

/**
 * How many upcoming bookings a later change has broken: the booking rules judge each one, so
 * the count grows with the bookings to come, and is kept until the database changes (or the
 * minute does, since bookings pass).
 */
const brokenBookings = memoUntilChange<number>(4);

/**
 * A provider's rejected requests to put right and its Fails to decide: each reads every such
 * record the organisation has (they are found by status, then kept to the scope), so kept
 * until the database changes.
 */
const scopeFollowUps = memoUntilChange<{ rejected: number; fails: ResultLine[] }>(200);

/** The administrator's queues, counted with their oldest: the same for every administrator until the database changes. */
type Waiting = { n: number; first: string | null };
const adminQueues =
  memoUntilChange<Record<'reviews' | 'moderation' | 'release' | 'appeals' | 'requests' | 'openCases', Waiting>>(1);

/** "oldest from 4 Dec 2026", from a date or a stored instant (whose day is London's). */
const since = (dateOrInstant: string | null | undefined) =>
  dateOrInstant
    ? `oldest from ${dateLabel(dateOrInstant.length > 10 ? londonDateOf(dateOrInstant) : dateOrInstant)}`
    : undefined;

/** A booking as a line of a home page: when, who, which method, and where (or the link). */
function bookingLine(b: BookingLine, names: ReadonlyMap<string, string>) {
  const where = b.booking.mode === 'remote' ? (b.booking.link ?? 'remote: link to follow') : (b.booking.location ?? '');
  return {
    text: `${inLondon(b.booking.startsAt).toFormat('ccc d LLL, HH:mm')}: ${fullName(b)}, ${names.get(b.booking.methodId) ?? b.booking.methodId}`,
    detail: `${b.booking.status === 'held' ? 'Held, to confirm. ' : ''}${where}`,
    href: paths.booking(b.booking.id),
  };
}

/**
 * Each role's home page: what needs this person, as counts that open the list to work through
 * (only the tasks that have something in them, plus the lists a person reads every day).
 */
export function homeFor(db: Db, user: CurrentUser, now: DateTime, readyClaims: ClaimsCount): Home {
  const today = todayInLondon(now);
  const names = methodNames(db);
  const nonEmpty = (tasks: Task[]) => tasks.filter((t) => t.count === null || t.count > 0);
  switch (user.role) {
    case 'admin': {
      const { reviews, moderation, release, appeals, requests, openCases } = adminQueues(db, 'all', () => ({
        reviews: reviewsWaiting(db),
        moderation: moderationWaiting(db),
        release: resultsToRelease(db),
        appeals: appealsOpen(db),
        requests: requestsOpen(db),
        openCases: casesOpen(db),
      }));
      const queue = bookingQueue(db, today);
      const holds = holdsExpiringToday(db, now);
      const longest = queue.reduce((m, r) => Math.max(m, r.daysWaiting), 0);
      return {
        tasks: nonEmpty([
          {
            id: 'reviews',
            label: 'Gateway requests to review',
            count: reviews.n,
            href: paths.gatewayQueue,
            oldest: since(reviews.first),
          },
          {
            id: 'to-book',
            label: 'Accepted apprentices waiting for a booking',
            count: queue.length,
            href: paths.bookings,
            oldest: queue.length ? `longest ${longest} days` : undefined,
          },
          { id: 'holds', label: 'Holds that run out today', count: holds.n, href: paths.bookings },
          {
            id: 'at-risk',
            label: 'Bookings a later change has broken',
            count: brokenBookings(db, now.toUTC().startOf('minute').toISO()!, () => bookingsAtRisk(db, {}, now).length),
            href: paths.bookings,
          },
          {
            id: 'moderation',
            label: 'Gradings waiting for moderation',
            count: moderation.n,
            href: paths.moderation,
            oldest: since(moderation.first),
          },
          {
            id: 'release',
            label: 'Results ready to release',
            count: release.n,
            href: paths.results,
            oldest: since(release.first),
          },
          {
            id: 'requests',
            label: 'Adjustment and special consideration requests to decide',
            count: requests.n,
            href: paths.requests,
            oldest: requests.first ? `first due ${requests.first}` : undefined,
          },
          {
            id: 'cases',
            label: 'Malpractice and maladministration cases open',
            count: openCases.n,
            href: paths.cases,
            oldest: since(openCases.first),
          },
          {
            id: 'appeals',
            label: 'Appeals to decide',
            count: appeals.n,
            href: paths.appeals,
            oldest: since(appeals.first),
          },
          {
            id: 'claims',
            label: 'Results ready to send to the apprenticeship service',
            count: readyClaims.n,
            href: paths.claims,
            oldest:
              readyClaims.n === null
                ? 'being counted: look again in a moment'
                : readyClaims.countedAt
                  ? `as counted at ${readyClaims.countedAt}; counting again`
                  : undefined,
          },
        ]),
        lists: [],
      };
    }
    case 'assessor': {
      const week = bookingsBetween(
        db,
        { assessorUserId: user.id },
        londonDayStart(today),
        londonDayStart(addDays(today, 7)),
      );
      const tomorrow = londonDayStart(addDays(today, 1));
      const holds = holdsToConfirm(db, user.id);
      const grading = gradingToDo(db, user.id, now);
      return {
        tasks: nonEmpty([
          { id: 'holds', label: 'Holds to confirm', count: holds.n, href: paths.schedule },
          {
            id: 'to-grade',
            label: 'Assessments waiting for your grading',
            count: grading.waiting,
            href: paths.schedule,
            oldest: since(grading.oldestWaiting),
          },
          { id: 'drafts', label: 'Gradings saved as drafts', count: grading.drafts, href: paths.schedule },
        ]),
        lists: [
          {
            id: 'today',
            heading: 'Today',
            empty: 'No assessments today.',
            lines: week.filter((b) => b.booking.startsAt < tomorrow).map((b) => bookingLine(b, names)),
          },
          {
            id: 'week',
            heading: 'The next seven days',
            empty: 'Nothing else in the next seven days.',
            lines: week.filter((b) => b.booking.startsAt >= tomorrow).map((b) => bookingLine(b, names)),
          },
        ],
      };
    }
    case 'quality_assurer': {
      const queue = moderationWaiting(db);
      return {
        tasks: nonEmpty([
          {
            id: 'moderation',
            label: 'Gradings in the sample waiting for moderation',
            count: queue.n,
            href: paths.moderation,
            oldest: since(queue.first),
          },
        ]),
        lists: [],
      };
    }
    case 'provider':
    case 'employer': {
      const scope = apprenticeScope(user);
      const states = refreshGatewayCache(db, scope, today);
      const unmet = unmetCheckCounts(db, scope, today);
      const upcoming = bookingsBetween(db, { scope }, isoInstant(now), londonDayStart(addDays(today, 29)), 10);
      const released = resultsReleasedSince(db, scope, londonDayStart(addDays(today, -30)));
      const results = (lines: typeof released) =>
        lines.map((r) => ({
          text: `${fullName(r)}: ${r.overallGrade ?? ''}`,
          detail: r.releasedAt ? `released ${dateLabel(inLondon(r.releasedAt).toISODate()!)}` : undefined,
          href: paths.apprenticeResults(r.uln),
        }));
      const byCheck = (codes: readonly (typeof CHECK_CODES)[number][]) =>
        codes.map((code) => ({
          id: `unmet-${code}`,
          label: `${CHECK_LABELS[code]}: not yet met`,
          count: unmet[code],
          href: `${paths.apprentices}?unmet=${code}`,
        }));
      const upcomingList: HomeList = {
        id: 'upcoming',
        heading: 'Assessments in the next four weeks',
        empty: 'None booked in the next four weeks.',
        lines: upcoming.map((b) => bookingLine(b, names)),
      };
      const releasedList: HomeList = {
        id: 'released',
        heading: 'Results released in the last 30 days',
        empty: 'None in the last 30 days.',
        lines: results(released),
      };
      if (user.role === 'provider') {
        const followUps = scopeFollowUps(db, JSON.stringify(scope), () => ({
          rejected: rejectedToFix(db, scope),
          fails: failsToDecide(db, scope),
        }));
        return {
          tasks: nonEmpty([
            {
              id: 'ready',
              label: 'Apprentices ready to request assessment',
              count: states.ready,
              href: `${paths.apprentices}?state=ready`,
            },
            {
              id: 'rejected',
              label: 'Gateway requests rejected, to put right',
              count: followUps.rejected,
              href: `${paths.apprentices}?state=rejected`,
            },
            ...byCheck(
              CHECK_CODES.filter((c) => c !== 'employer_declaration' && c !== 'employer_behaviour_verification'),
            ),
          ]),
          lists: [
            upcomingList,
            releasedList,
            {
              id: 'fails',
              heading: 'Fails waiting for a resit or retake decision',
              empty: 'None.',
              lines: results(followUps.fails),
            },
          ],
        };
      }
      return {
        tasks: nonEmpty(byCheck(['employer_declaration', 'employer_behaviour_verification'])),
        lists: [
          {
            id: 'further',
            heading: 'Resits and retakes waiting for your agreement',
            empty: 'None.',
            lines: furtherRequestsWaiting(db, scope).map((r) => ({
              text: fullName(r),
              detail: `asked ${dateLabel(inLondon(r.requestedAt).toISODate()!)}`,
              href: paths.apprenticeResults(r.uln),
            })),
          },
          upcomingList,
          releasedList,
        ],
      };
    }
  }
}
