import { routes } from '../paths.js';
import { Router } from 'express';
import { requireRole, userOf } from '../auth/authorize.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { sendResult } from '../http/results.js';
import { parseOr422 } from '../http/json-errors.js';
import { apiPageQuery } from '../http/paging.js';
import { reviewSubmission } from './service.js';
import { reviewQueue, type SubmissionRow } from './store.js';

/** A gateway submission as the API shows it. */
export function submissionJson(s: SubmissionRow) {
  return {
    id: s.id,
    attempt: s.attempt,
    status: s.status,
    submittedOn: s.submittedOn,
    decidedAt: s.decidedAt,
    decisionReason: s.decisionReason,
    epaPeriodStart: s.epaPeriodStart,
    epaPeriodEnd: s.epaPeriodEnd,
  };
}

/** The review queue and decisions (administrators), through the same service as the review page. */
export function gatewayApi(db: Db, clock: Clock): Router {
  const router = Router();
  router.get(routes.api.gateway.queue, requireRole('admin'), (req, res) => {
    const queue = reviewQueue(db, parseOr422(apiPageQuery, req.query).page);
    res.json({
      submissions: queue.rows.map((r) => ({ ...submissionJson(r.submission), uln: r.uln })),
      page: queue.page,
      pages: queue.pages,
      total: queue.total,
    });
  });
  router.post(routes.api.gateway.decision, requireRole('admin'), (req, res) => {
    const result = reviewSubmission(db, userOf(res), req.params.id, req.body, clock.now());
    sendResult(res, result, ({ submission }) => submissionJson(submission));
  });
  return router;
}
