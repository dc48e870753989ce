import type { Clock } from '../clock.js';
import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { resultsOf } from '../grading/store.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { routes } from '../paths.js';
import { idParam } from '../validation/fields.js';
import { canActOn } from '../apprentices/access.js';
import { sendPdf } from './result-pdf.js';
import { findApprenticeByUln } from '../apprentices/store.js';

/** GET routes.resultPdf: one attempt, with the results page's visibility (404 for what the page would not show). */
export function resultPdfRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  router.get(routes.resultPdf, pageFor(...AREA_ROLES.apprentices), async (req, res) => {
    const user = userOf(res);
    const uln = req.params.uln;
    const apprentice = typeof uln === 'string' ? findApprenticeByUln(db, uln) : undefined;
    if (!apprentice || !canActOn(user, apprentice, 'view'))
      throw new HttpError(404, 'There is no such apprentice in your records');
    const id = idParam.safeParse({ id: req.params.attemptId });
    const result = id.success
      ? resultsOf(db, apprentice, user.role !== 'admin').find((r) => r.attempt.id === id.data.id)
      : undefined;
    if (!result) throw new HttpError(404, 'There is no such result');
    await sendPdf(res, db, apprentice, result, clock.now());
  });
  return router;
}
