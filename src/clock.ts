import { DateTime } from 'luxon';

/**
 * Where the app reads the time. One clock is made in the composition root (`createApp`, the
 * server, the command line) and passed to whatever needs "now", so tests can run the whole app at
 * any moment they choose and nothing depends on the day a test happens to run.
 */
export interface Clock {
  /** The current instant, in UTC. */
  now(): DateTime<true>;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => DateTime.utc() };

/** A clock that always answers the same instant (an ISO string with its offset, or a DateTime). */
export function fixedClock(at: string | DateTime): Clock {
  const moment = typeof at === 'string' ? DateTime.fromISO(at, { setZone: true }) : at;
  if (!moment.isValid) throw new RangeError(`Not a valid instant: ${String(at)}`);
  const utc = moment.toUTC() as DateTime<true>;
  return { now: () => utc };
}
