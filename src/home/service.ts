import { sitsOnPanelsOnly } from '../auth/roles.js';
import type { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { apprenticeScope } from '../apprentices/access.js';
import { bookingsAtRisk, methodNames } from '../bookings/store.js';
import { CHECK_CODES, CHECK_LABELS } from '../gateway/model.js';
import { refreshGatewayCache, unmetCheckCounts } from '../gateway/store.js';
import { runInWorker } from '../ops/worker.js';
import { HOME_FIGURES, type FigureDay, type FigureValue, type HomeFigure } from './figures.js';
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

/** A figure as a home page shows it: null while the first is still being worked out. */
export interface Kept<T> {
  value: T | null;
  /** When the value shown is one worked out earlier, while a new one runs: when it was begun (London: HH:mm today, else with the day). */
  countedAt?: string;
}

/** The administrator's figures that read the whole organisation (figures.ts). */
export interface AdminFigures {
  readyClaims: Kept<FigureValue<'readyClaims'>>;
  toBook: Kept<FigureValue<'toBook'>>;
}

/** How long a home page waits for a figure before showing the last one worked out, or that it is being counted. */
export const FIGURE_WAIT_MS = 300;

/** The administrator's figures, worked out side by side (see keptFigure). */
export async function adminFigures(
  db: Db,
  now: DateTime,
  waitMs = FIGURE_WAIT_MS,
  log?: (error: unknown) => void,
): Promise<AdminFigures> {
  const [readyClaims, toBook] = await Promise.all([
    keptFigure(db, 'readyClaims', now, waitMs, log),
    keptFigure(db, 'toBook', now, waitMs, log),
  ]);
  return { readyClaims, toBook };
}

/**
 * One of the home page's figures that read every record (results ready to claim: about 50 µs a
 * result, five seconds at 100,000). It is worked out in a worker thread, keeping nobody else
 * waiting, and kept until the database changes. One runs at a time per figure: administrators
 * asking while it runs share it, and a change meanwhile makes the next look after it work it out
 * again (never a pile of them). The page waits for it up to `waitMs` from its start; one that
 * takes longer goes on, and the page shows the last value worked out, with when, or that it is
 * being counted. One that fails is treated the same way (and the next look tries again), and
 * logged: an administrator's home never waits seconds on it, nor fails because of it.
 */
export async function keptFigure<F extends HomeFigure>(
  db: Db,
  figure: F,
  now: DateTime,
  waitMs = FIGURE_WAIT_MS,
  log: (error: unknown) => void = console.error,
): Promise<Kept<FigureValue<F>>> {
  const today = todayInLondon(now);
  const stamp = changeStamp(db);
  const byFigure = keptFigures.get(db) ?? new Map<HomeFigure, KeptState<unknown>>();
  keptFigures.set(db, byFigure);
  const kept = (byFigure.get(figure) ?? {}) as KeptState<FigureValue<F>>;
  byFigure.set(figure, kept);
  const { last, running } = kept;
  if (last && last.stamp === stamp && last.today === today) return { value: last.value };
  let working = running?.working;
  let startedMs = running?.startedMs ?? 0;
  if (!running) {
    const begun = { stamp, today, at: isoInstant(now) };
    working = workOut(db, figure, { today, nowIso: begun.at });
    startedMs = performance.now();
    kept.running = { ...begun, working, startedMs };
    working.then(
      (value) => {
        kept.last = { ...begun, value };
        delete kept.running;
      },
      (error: unknown) => {
        delete kept.running;
        log(error);
      },
    );
  }
  // Only a figure of the database as it is now answers this page, and only within `waitMs` of its
  // start: a page asked while a long one runs answers at once (under load, each waiting 300 ms is worse).
  const current = running === undefined || (running.stamp === stamp && running.today === today);
  const left = waitMs - (performance.now() - startedMs);
  let timer: NodeJS.Timeout | undefined;
  const waited =
    current && left > 0
      ? await Promise.race([working!, new Promise<null>((resolve) => (timer = setTimeout(resolve, left, null)))])
          .catch(() => null)
          .finally(() => clearTimeout(timer))
      : null;
  if (waited !== null) return { value: waited };
  const latest = kept.last;
  if (!latest) return { value: null };
  const at = inLondon(latest.at);
  return {
    value: latest.value,
    countedAt: latest.today === today ? at.toFormat('HH:mm') : at.toFormat('d LLL, HH:mm'),
  };
}

/** A figure's state: the one being worked out, if any, and the last one made (of the database at `stamp`, begun `at`). */
interface KeptState<T> {
  running?: { stamp: string; today: string; at: string; working: Promise<T>; startedMs: number };
  last?: { stamp: string; today: string; at: string; value: T };
}

const keptFigures = new WeakMap<Db, Map<HomeFigure, KeptState<unknown>>>();

/** A figure, in a worker thread on its own connection when the database is a file (in place for an in-memory one, the tests'). */
function workOut<F extends HomeFigure>(db: Db, figure: F, day: FigureDay): Promise<FigureValue<F>> {
  const client = db.$client;
  if (client.memory || !client.name)
    return Promise.resolve().then(() => HOME_FIGURES[figure](db, day) as FigureValue<F>);
  return runInWorker<FigureValue<F>>(new URL('./figures-worker.js', import.meta.url), {
    databasePath: client.name,
    figure,
    ...day,
  });
}

/** A kept figure's note on a task: that it is being counted, or when the value shown was. */
function keptNote(kept: Kept<unknown>, detail?: string): string | undefined {
  if (kept.value === null) return 'being counted: look again in a moment';
  const counted = kept.countedAt ? `as counted at ${kept.countedAt}; counting again` : undefined;
  return [detail, counted].filter(Boolean).join(', ') || undefined;
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

/** A figure not given to homeFor: shown as being counted. */
const NOT_YET: Kept<never> = { value: null };

/** "oldest from 4 Dec 2026", from a date or a stored instant (whose day is London's). */
const since = (dateOrInstant: string | null | undefined) =>
  dateOrInstant
    ? `oldest from ${dateLabel(dateOrInstant.length > 10 ? londonDateOf(dateOrInstant) : dateOrInstant)}`
    : undefined;

/** The appeals waiting for a panel's decision, as a task (the administrators' and external reviewers' home pages). */
const appealsTask = (appeals: { n: number; first: string | null }) => ({
  id: 'appeals',
  label: 'Appeals to decide',
  count: appeals.n,
  href: paths.appeals,
  oldest: since(appeals.first),
});

/** The sampled gradings waiting for moderation, as a task (the organisation's own quality assurers). */
const moderationTask = (queue: { n: number; first: string | null }) => ({
  id: 'moderation',
  label: 'Gradings in the sample waiting for moderation',
  count: queue.n,
  href: paths.moderation,
  oldest: since(queue.first),
});

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
export function homeFor(db: Db, user: CurrentUser, now: DateTime, figures: AdminFigures | null): Home {
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
      const { readyClaims, toBook } = figures ?? { readyClaims: NOT_YET, toBook: NOT_YET };
      const holds = holdsExpiringToday(db, now);
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
            count: toBook.value?.n ?? null,
            href: paths.bookings,
            oldest: keptNote(toBook, toBook.value?.n ? `longest ${toBook.value.longestDays} days` : undefined),
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
          appealsTask(appeals),
          {
            id: 'claims',
            label: 'Results ready to send to the apprenticeship service',
            count: readyClaims.value,
            href: paths.claims,
            oldest: keptNote(readyClaims),
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
      // An external reviewer sits on appeal panels only: the appeals waiting, not the moderation queue.
      const task = sitsOnPanelsOnly(user) ? appealsTask(appealsOpen(db)) : moderationTask(moderationWaiting(db));
      return { tasks: nonEmpty([task]), lists: [] };
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
