import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { findApprenticeById } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { byId } from '../validation/fields.js';
import { criteriaView, keptDecisions } from './forms.js';
import { appealById, conflictedReviewers, decideAppeal, decisionsOf, openAppeals, resultsOf } from './store.js';
import { planFor, reasonField } from './page-helpers.js';

/** Appeals: the queue and the independent reviewer's decision. */
export function appealPages(db: Db, clock: Clock): Router {
  const router = Router();

  /* ---------- Appeals ---------- */

  const reviewers = pageFor(...AREA_ROLES.appealReview);

  router.get(paths.appeals, reviewers, (_req, res) => {
    res.render('grading/appeals', {
      title: 'Appeals',
      rows: openAppeals(db).map((r) => ({
        ...r,
        href: paths.appeal(r.appeal.id),
        name: fullName(r),
      })),
    });
  });

  const loadAppeal = (id: unknown) => {
    const appeal = byId(id, (n) => appealById(db, n));
    if (!appeal) throw new HttpError(404, 'There is no such appeal');
    const attemptRow = db.$client
      .prepare('select apprentice_id as apprenticeId from epa_attempts where id = ?')
      .get(appeal.attemptId) as { apprenticeId: number };
    const apprentice = findApprenticeById(db, attemptRow.apprenticeId)!;
    const attempt = resultsOf(db, apprentice, false).find((r) => r.attempt.id === appeal.attemptId)!;
    return { appeal, apprentice, attempt, plan: planFor(db, apprentice) };
  };

  const renderAppeal = (
    res: Response,
    user: CurrentUser,
    id: unknown,
    extra: {
      status?: number;
      errorList?: object[];
      values?: { decision?: unknown; reasons?: unknown; g?: unknown };
    } = {},
  ) => {
    const { appeal, apprentice, attempt, plan } = loadAppeal(id);
    const postedFor = (gradingId: number) =>
      typeof extra.values?.g === 'object' && extra.values.g !== null
        ? (extra.values.g as Record<string, unknown>)[`g${gradingId}`]
        : undefined;
    const conflicted = conflictedReviewers(db, appeal.attemptId).has(user.id);
    res.status(extra.status ?? 200).render('grading/appeal', {
      title: `Appeal: ${fullName(apprentice)}`,
      backLink: paths.appeals,
      appeal,
      apprentice,
      attempt,
      conflicted,
      open: appeal.decision === null && !conflicted,
      action: paths.appeal(appeal.id),
      gradings: attempt.methods
        .filter((m) => m.gradingId !== null && m.outcome === 'graded')
        .map((m) => {
          const stored = decisionsOf(db, m.gradingId!);
          const shown = keptDecisions(
            plan.criteria.filter((c) => c.method === m.methodId),
            postedFor(m.gradingId!),
            stored,
          );
          return {
            ...m,
            themes: criteriaView(plan, m.methodId, shown).map((t) => ({
              ...t,
              criteria: t.criteria.map((c) => ({ ...c, name: `g[g${m.gradingId}][${c.id}]` })),
            })),
          };
        }),
      values: {
        decision: extra.values?.decision,
        reasons: typeof extra.values?.reasons === 'string' ? extra.values.reasons : '',
      },
      errorList: extra.errorList,
    });
  };

  router.get(routes.appeal, reviewers, (req, res) => renderAppeal(res, userOf(res), req.params.id));

  const decideSchema = z.object({
    decision: z.enum(['upheld', 'not_upheld'], { error: 'Choose upheld or not upheld' }),
    reasons: reasonField('the reasons for the decision'),
    // Keyed `g<grading id>`: a numeric key would make the form parser build an array.
    g: z
      .record(
        z.string().regex(/^g\d+$/),
        z.record(
          z.string(),
          z.object({ met: z.enum(['yes', 'no']).optional(), evidence: z.string().max(2000).optional() }),
        ),
      )
      .default({}),
  });

  router.post(routes.appeal, reviewers, (req, res) => {
    const user = userOf(res);
    const { appeal } = loadAppeal(req.params.id);
    const body = req.body as Record<string, unknown>;
    const values = { decision: body.decision, reasons: body.reasons, g: body.g };
    const form = decideSchema.safeParse(body);
    if (!form.success) {
      const issue = form.error.issues[0]!;
      const href = issue.path[0] === 'reasons' ? '#reasons' : issue.path[0] === 'decision' ? '#decision-upheld' : '';
      return renderAppeal(res, user, req.params.id, {
        status: 400,
        values,
        errorList: [
          {
            href,
            text:
              issue.path[0] === 'g'
                ? 'The criterion decisions could not be read: choose met or not met for each'
                : issue.message,
          },
        ],
      });
    }
    // Only criteria whose decision or note the reviewer changed count as changes.
    const changes =
      form.data.decision === 'upheld'
        ? Object.entries(form.data.g).flatMap(([key, posted]) => {
            const gradingId = key.slice(1);
            const current = decisionsOf(db, Number(gradingId));
            const decisions = current.flatMap((c) => {
              const p = posted[c.criterionId];
              if (!p?.met) return [];
              const met = p.met === 'yes';
              const evidence = (p.evidence ?? c.evidence).trim();
              return met !== c.met || evidence !== c.evidence ? [{ criterionId: c.criterionId, met, evidence }] : [];
            });
            return decisions.length ? [{ gradingId: Number(gradingId), decisions }] : [];
          })
        : [];
    const result = decideAppeal(
      db,
      appeal.id,
      { decision: form.data.decision, reasons: form.data.reasons, changes },
      { ...actorOf(user), userId: user.id },
      clock.now(),
    );
    if (!result.ok)
      return renderAppeal(res, user, req.params.id, {
        status: result.problems ? 400 : 409,
        values,
        errorList: [{ text: result.message }, ...(result.problems ?? []).map((p) => ({ text: p.message }))],
      });
    res.redirect(303, paths.appeals);
  });

  return router;
}
