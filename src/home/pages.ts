import { Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { requireSignIn, userOf } from '../auth/authorize.js';
import { paths } from '../paths.js';
import { CLAIMS_COUNT_WAIT_MS, homeFor, readyClaimsCount } from './service.js';
import { apprenticeScope } from '../apprentices/access.js';
import { todayInLondon } from '../dates.js';
import { untilStatusesCanBeStored } from '../gateway/service.js';

/** The home page: each person's task list, the place they start the day. */
export function homeRoutes(db: Db, clock: Clock, claimsCountWaitMs = CLAIMS_COUNT_WAIT_MS): Router {
  const router = Router();
  router.get(paths.home, requireSignIn, async (_req, res) => {
    const user = userOf(res);
    await untilStatusesCanBeStored(db, apprenticeScope(user), todayInLondon(clock.now()));
    const now = clock.now();
    // The administrator's count of results ready to claim is read without holding up anyone else,
    // and a long one without holding up the administrator either.
    const claims = user.role === 'admin' ? await readyClaimsCount(db, now, claimsCountWaitMs) : { n: 0 };
    res.render('home', { title: 'Home', user, ...homeFor(db, user, now, claims) });
  });
  return router;
}
