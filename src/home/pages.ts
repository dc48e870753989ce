import { Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { requireSignIn, userOf } from '../auth/authorize.js';
import { paths } from '../paths.js';
import { homeFor } from './service.js';

/** The home page: each person's task list, the place they start the day. */
export function homeRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  router.get(paths.home, requireSignIn, (_req, res) => {
    const user = userOf(res);
    res.render('home', { title: 'Home', user, ...homeFor(db, user, clock.now()) });
  });
  return router;
}
