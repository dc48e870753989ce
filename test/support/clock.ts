import { DateTime, Duration } from 'luxon';
import type { Clock } from '../../src/clock.js';
import { todayInLondon } from '../../src/dates.js';

/**
 * The clock every test reads and gives the app: the machine's time, moved by TEST_CLOCK_SHIFT (an
 * ISO 8601 duration such as P2Y) when it is set. test/http/clock-shift.test.ts runs part of the
 * suite two years ahead this way, so a date written into a test that later expires fails at once.
 */
function shiftFromEnvironment(): Duration {
  const text = process.env.TEST_CLOCK_SHIFT;
  if (!text) return Duration.fromMillis(0);
  const shift = Duration.fromISO(text);
  if (!shift.isValid) throw new Error(`TEST_CLOCK_SHIFT must be an ISO 8601 duration such as P2Y, not ${text}`);
  return shift;
}

const shift = shiftFromEnvironment();

export const testClock: Clock = { now: () => DateTime.utc().plus(shift) };

/** The test clock's instant. */
export const now = (): DateTime<true> => testClock.now();

/** Today's date in England by the test clock, as YYYY-MM-DD. */
export const todayIso = (): string => todayInLondon(now());
