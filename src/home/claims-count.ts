import type { Db } from '../db/connection.js';
import { epaoSettingsOf } from '../grading/store.js';
import { isReady, unclaimedClaimBatches } from '../outcomes/claims.js';

/**
 * How many unclaimed results are ready to claim on `today`, released by `nowIso`, by the claims
 * page's own rules: about 50 µs a result, five seconds at 100,000. The home page has it worked
 * out in a worker thread (claims-count-worker.ts), so the thread answering requests never spends
 * those seconds.
 */
export function countReadyClaims(db: Db, today: string, nowIso: string): number {
  let n = 0;
  for (const rows of unclaimedClaimBatches(db, today, epaoSettingsOf(db), nowIso)) n += rows.filter(isReady).length;
  return n;
}
