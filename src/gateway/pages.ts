import { pageAsked, pager } from '../http/paging.js';
import { fullName } from '../names.js';
import type { Response } from 'express';
import { renderRefusal, refusalError } from '../http/results.js';
import { reviewSubmission, submissionFor } from './service.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { parseForm } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { CHECK_LABELS, CHECK_STATUS_LABELS, type CheckResult, type GatewayEvaluation } from './model.js';
import { reviewedCodes, reviewSchema } from './review.js';
import { planForApprentice } from '../plans/store.js';
import { wordsFor } from '../plans/words.js';
import { evaluateApprentice, reviewQueue } from './store.js';

export function gatewayRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  const admins = pageFor(...AREA_ROLES.gatewayReview);

  router.get(paths.gatewayQueue, admins, (req, res) => {
    const on = todayInLondon(clock.now());
    const queue = reviewQueue(db, pageAsked(req.query.page));
    res.render('gateway/queue', {
      title: 'Gateway reviews',
      pager: pager(queue, (p) => `${paths.gatewayQueue}?page=${p}`),
      rows: queue.rows.map((r) => ({
        ...r,
        href: paths.reviewSubmission(r.submission.id),
        apprenticeHref: paths.apprentice(r.uln),
        waiting: Math.max(0, Math.round((Date.parse(on) - Date.parse(r.submission.submittedOn)) / 86_400_000)),
      })),
    });
  });

  const loadReview = (res: Response, id: unknown) => {
    const found = submissionFor(db, userOf(res), id);
    if (!found.ok) throw refusalError(found);
    return { submission: found.value.submission, a: found.value.apprentice };
  };

  const reviewPage = (
    res: Response,
    id: unknown,
    extra: { values: Record<string, unknown>; errors?: Record<string, string>; errorList?: unknown[] },
  ) => {
    const { submission, a } = loadReview(res, id);
    const atSubmission = submission.evaluation as GatewayEvaluation;
    const now = evaluateApprentice(db, a, todayInLondon(clock.now())).evaluation;
    const words = wordsFor(planForApprentice(db, a));
    return {
      title: `${words.Gateway} review: ${fullName(a)}`,
      words,
      a,
      submission,
      apprenticeHref: paths.apprentice(a.uln),
      action: paths.reviewSubmission(submission.id),
      decided: submission.status !== 'submitted',
      checks: reviewedCodes(atSubmission).map((code) => ({
        code,
        label: CHECK_LABELS[code],
        atSubmission: withLabel(atSubmission.checks.find((c) => c.code === code)),
        now: withLabel(now.checks.find((c) => c.code === code)),
        decisionName: `checks[${code}][decision]`,
        reasonName: `checks[${code}][reason]`,
        decisionId: `checks-${code}-decision`,
        reasonId: `checks-${code}-reason`,
        decisionError: extra.errors?.[`checks-${code}-decision`],
        reasonError: extra.errors?.[`checks-${code}-reason`],
        decision: submittedCheck(extra.values, code, 'decision'),
        reason: submittedCheck(extra.values, code, 'reason'),
      })),
      outcomes: [
        { value: 'accepted', text: 'Accept the gateway: the EPA period opens today' },
        { value: 'rejected', text: 'Reject the gateway: the provider can put things right and submit again' },
      ],
      backLink: paths.gatewayQueue,
      ...extra,
    };
  };

  router.get(routes.reviewSubmission, admins, (req, res) => {
    res.render('gateway/review', reviewPage(res, req.params.id, { values: {} }));
  });

  router.post(routes.reviewSubmission, admins, (req, res) => {
    const values = req.body as Record<string, unknown>;
    const form = parseForm(reviewSchema, req.body);
    if (!form.ok)
      return res
        .status(400)
        .render(
          'gateway/review',
          reviewPage(res, req.params.id, { values, errors: form.errors, errorList: form.errorList }),
        );
    const result = reviewSubmission(db, userOf(res), req.params.id, form.value, clock.now());
    if (!result.ok)
      return renderRefusal(res, result, (errors) =>
        res.render('gateway/review', reviewPage(res, req.params.id, { values, ...errors })),
      );
    res.redirect(`${paths.apprentice(result.value.apprentice.uln)}#submissions`);
  });

  return router;
}

function withLabel(check: CheckResult | undefined) {
  return check ? { ...check, statusLabel: CHECK_STATUS_LABELS[check.status] } : undefined;
}

/** A value the reviewer entered for one check, to show again after an error. */
function submittedCheck(values: Record<string, unknown>, code: string, field: 'decision' | 'reason'): string {
  const checks = values.checks as Record<string, Record<string, unknown> | undefined> | undefined;
  const value = checks?.[code]?.[field];
  return typeof value === 'string' ? value : '';
}
