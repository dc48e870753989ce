import { Router } from 'express';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { appealPages } from './appeal-pages.js';
import { gradePages } from './grade-pages.js';
import { moderationPages } from './moderation-pages.js';
import { resultsPages } from './results-pages.js';
import { settingsPages } from './settings-pages.js';

/** Grading, moderation, results (release, exceptional circumstances, resits and retakes), appeals and the EPAO's settings. */
export function gradingRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  router.use(gradePages(db, clock));
  router.use(moderationPages(db, clock));
  router.use(resultsPages(db, clock));
  router.use(appealPages(db, clock));
  router.use(settingsPages(db));
  return router;
}
