import type { Db } from '../db/connection.js';
import { bookingQueue } from '../bookings/store.js';
import { epaoSettingsOf } from '../grading/store.js';
import { isReady, unclaimedClaimBatches } from '../outcomes/claims.js';

/** The day a figure is worked out for: today in London, and the moment as a UTC ISO instant. */
export interface FigureDay {
  today: string;
  nowIso: string;
}

/**
 * The administrator's home figures that read the whole organisation's records. The home page has
 * them worked out in a worker thread (figures-worker.ts), so the thread answering requests never
 * spends the time: each is measured at 100,000 apprentices in `npm run bench`.
 */
export const HOME_FIGURES = {
  /** Results ready to claim, by the claims page's own rules: about 50 µs a result, five seconds at 100,000. */
  readyClaims: (db: Db, { today, nowIso }: FigureDay): number => {
    let n = 0;
    for (const rows of unclaimedClaimBatches(db, today, epaoSettingsOf(db), nowIso)) n += rows.filter(isReady).length;
    return n;
  },
  /** Accepted apprentices waiting for a booking, with the longest wait: the bookings page's own queue (0.3 s at 100,000). */
  toBook: (db: Db, { today }: FigureDay): { n: number; longestDays: number } => {
    const queue = bookingQueue(db, today);
    return { n: queue.length, longestDays: queue.reduce((m, r) => Math.max(m, r.daysWaiting), 0) };
  },
};

export type HomeFigure = keyof typeof HOME_FIGURES;
export type FigureValue<F extends HomeFigure> = ReturnType<(typeof HOME_FIGURES)[F]>;
