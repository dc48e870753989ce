import { Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { requireSignIn, userOf } from '../auth/authorize.js';
import { paths } from '../paths.js';
import { FIGURE_WAIT_MS, adminFigures, homeFor } from './service.js';
import { apprenticeScope } from '../apprentices/access.js';
import { todayInLondon } from '../dates.js';
import { untilStatusesCanBeStored } from '../gateway/service.js';

/** The home page: each person's task list, the place they start the day. */
export function homeRoutes(
  db: Db,
  clock: Clock,
  figureWaitMs = FIGURE_WAIT_MS,
  log: (error: unknown) => void = console.error,
): Router {
  const router = Router();
  router.get(paths.home, requireSignIn, async (_req, res) => {
    const user = userOf(res);
    // Only the provider's and employer's homes read gateway statuses (which a start-up fill may still be storing).
    if (user.role === 'provider' || user.role === 'employer')
      await untilStatusesCanBeStored(db, apprenticeScope(user), todayInLondon(clock.now()));
    const now = clock.now();
    // The administrator's figures over the whole organisation are worked out without holding up
    // anyone else, and a long one without holding up the administrator either.
    const figures = user.role === 'admin' ? await adminFigures(db, now, figureWaitMs, log) : null;
    res.render('home', { title: 'Home', user, ...homeFor(db, user, now, figures) });
  });
  return router;
}
