import { pageAsked, pager } from '../http/paging.js';
import { londonTime } from '../dates.js';
import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { findApprenticeById } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import { bookingById, methodNames } from '../bookings/store.js';
import type { Db } from '../db/connection.js';
import { internalPageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/forms.js';
import { filesForPage } from '../evidence/pages.js';
import { paths, routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { byId } from '../validation/fields.js';
import { coverageView, criteriaView, keptDecisions, moderationFormSchema } from './forms.js';
import { OUTCOME_LABELS, SAMPLE_REASON_LABELS } from './model.js';
import { decisionsOf, gradingById, moderate, moderationQueue, moderationsOf } from './store.js';
import { failureErrors, planFor, type ShownAgain } from './page-helpers.js';

/** Quality assurers' moderation of sampled gradings. */
export function moderationPages(db: Db, clock: Clock): Router {
  const router = Router();

  /* ---------- Moderation ---------- */

  const moderators = internalPageFor(...AREA_ROLES.moderation);

  router.get(paths.moderation, moderators, (req, res) => {
    const names = methodNames(db);
    const queue = moderationQueue(db, pageAsked(req.query.page));
    res.render('grading/moderation', {
      title: 'Moderation',
      pager: pager(queue, (p) => `${paths.moderation}?page=${p}`),
      rows: queue.rows.map((r) => ({
        ...r,
        href: paths.moderate(r.grading.id),
        method: names.get(r.grading.methodId) ?? r.grading.methodId,
        reason: r.grading.sampleReason ? SAMPLE_REASON_LABELS[r.grading.sampleReason] : '',
        submittedAt: r.grading.submittedAt ? londonTime(r.grading.submittedAt) : '',
      })),
    });
  });

  const loadSampled = (id: unknown) => {
    const grading = byId(id, (n) => gradingById(db, n));
    if (!grading || grading.status !== 'submitted' || grading.moderation === 'not_sampled')
      throw new HttpError(404, 'There is no such grading to moderate');
    const booking = bookingById(db, grading.bookingId)!;
    const apprentice = findApprenticeById(db, booking.apprenticeId)!;
    return { grading, booking, apprentice, plan: planFor(db, apprentice) };
  };

  const renderModeration = (res: Response, id: unknown, extra: ShownAgain = {}) => {
    const { grading, booking, apprentice, plan } = loadSampled(id);
    const decisions = extra.decisions ?? decisionsOf(db, grading.id);
    const own = grading.assessorUserId === userOf(res).id;
    res.status(extra.status ?? 200).render('grading/moderate', {
      title: `Moderate ${plan.methods.find((m) => m.id === grading.methodId)?.name ?? grading.methodId}: ${fullName(apprentice)}`,
      backLink: paths.moderation,
      grading: {
        ...grading,
        outcomeLabel: OUTCOME_LABELS[grading.outcome],
        reason: grading.sampleReason ? SAMPLE_REASON_LABELS[grading.sampleReason] : '',
      },
      apprentice,
      // The assessment's evidence the grading was made on.
      evidence: filesForPage(db, { apprentice, recordType: 'booking', recordKey: String(booking.id) }, null),
      methodName: plan.methods.find((m) => m.id === grading.methodId)?.name ?? grading.methodId,
      themes: criteriaView(
        plan,
        grading.methodId,
        decisions,
        Object.fromEntries(
          Object.entries(extra.errors ?? {}).map(([k, v]) => [k.replace(/^c-/, '').replace(/-(met|evidence)$/, ''), v]),
        ),
      ),
      coverage: coverageView(plan, grading.methodId, decisions),
      history: moderationsOf(db, grading.id).map((m) => ({ ...m, at: londonTime(m.moderation.createdAt) })),
      open: grading.moderation === 'pending' && !own,
      own,
      action: paths.moderate(grading.id),
      values: extra.values ?? {},
      errors: extra.errors,
      errorList: extra.errorList,
    });
  };

  router.get(routes.moderate, moderators, (req, res) => renderModeration(res, req.params.id));

  router.post(routes.moderate, moderators, (req, res) => {
    const { grading, plan } = loadSampled(req.params.id);
    const user = userOf(res);
    if (grading.assessorUserId === user.id)
      throw new HttpError(403, 'You graded this assessment: someone else must moderate it');
    const body = req.body as Record<string, unknown>;
    const criteria = plan.criteria.filter((c) => c.method === grading.methodId);
    const posted = keptDecisions(criteria, body.c, decisionsOf(db, grading.id));
    const values = { decision: body.decision, rationale: body.rationale };
    const form = parseForm(moderationFormSchema, body);
    if (!form.ok)
      return renderModeration(res, req.params.id, {
        decisions: posted,
        values,
        status: 400,
        errors: form.errors,
        errorList: form.errorList,
      });
    const current = decisionsOf(db, grading.id);
    const changes =
      form.value.decision === 'changed'
        ? posted.filter((p) => {
            const c = current.find((x) => x.criterionId === p.criterionId);
            return p.met !== null && (c?.met !== p.met || c.evidence !== p.evidence);
          })
        : [];
    const result = moderate(
      db,
      grading.id,
      { decision: form.value.decision, rationale: form.value.rationale, changes },
      { ...actorOf(user), userId: user.id },
      clock.now(),
    );
    if (!result.ok)
      return renderModeration(res, req.params.id, {
        decisions: posted,
        values,
        status: result.problems || result.field ? 400 : 409,
        ...failureErrors(result),
      });
    res.redirect(303, paths.moderation);
  });

  return router;
}
