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
import {
  appealById,
  conflictedReviewers,
  decideAppeal,
  decisionsOf,
  epaoSettingsOf,
  openAppeals,
  resultsOf,
} from './store.js';
import { affectedRange, outcomeDueOn, outcomeOverdue } from '../appeals/rules.js';
import { affectedResults, appealedGradings, panelCandidates, panelOf } from '../appeals/store.js';
import { dateLabel, londonDateOf, todayInLondon } from '../dates.js';
import { isSupportedDate } from '../calendar.js';
import { planFor, reasonField } from './page-helpers.js';

/** Appeals: the queue and the independent reviewer's decision. */
export function appealPages(db: Db, clock: Clock): Router {
  const router = Router();

  /* ---------- Appeals ---------- */

  const reviewers = pageFor(...AREA_ROLES.appealReview);

  router.get(paths.appeals, reviewers, (_req, res) => {
    const today = todayInLondon(clock.now());
    const days = epaoSettingsOf(db).appealDecisionWorkingDays;
    res.render('grading/appeals', {
      title: 'Appeals',
      rows: openAppeals(db).map((r) => {
        const dueOn = r.appeal.dueOn ?? outcomeDueOn(r.appeal.lodgedOn, days);
        return {
          ...r,
          href: paths.appeal(r.appeal.id),
          name: fullName(r),
          due: dateLabel(dueOn),
          overdue: outcomeOverdue(dueOn, today),
        };
      }),
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

  /**
   * An upheld appeal's other results to review: the same assessors' gradings of the same methods
   * as the result appealed, in a date range around its assessments (Ofqual General Condition I1.4).
   */
  const affectedFor = (
    appeal: { id: number; attemptId: number },
    apprenticeId: number,
    asked: { from: string; to: string } | undefined,
  ) => {
    const graded = appealedGradings(db, appeal.attemptId);
    if (graded.length === 0) return null;
    const range = asked ?? affectedRange(londonDateOf(graded[0]!.startsAt));
    const found = affectedResults(db, graded, apprenticeId, range);
    return {
      action: paths.appeal(appeal.id),
      values: range,
      rows: found.rows.map((r) => ({
        ...r,
        name: fullName(r),
        assessed: dateLabel(londonDateOf(r.startsAt)),
        href: paths.apprenticeResults(r.uln),
      })),
      total: found.total,
      more: found.total > found.rows.length,
    };
  };

  const renderAppeal = (
    res: Response,
    user: CurrentUser,
    id: unknown,
    extra: {
      status?: number;
      errorList?: object[];
      values?: { decision?: unknown; reasons?: unknown; g?: unknown; panel?: unknown };
      errors?: { panel?: string };
      range?: { from: string; to: string };
      /** The range form sent back with its errors and values. */
      rangeForm?: object;
    } = {},
  ) => {
    const { appeal, apprentice, attempt, plan } = loadAppeal(id);
    const postedFor = (gradingId: number) =>
      typeof extra.values?.g === 'object' && extra.values.g !== null
        ? (extra.values.g as Record<string, unknown>)[`g${gradingId}`]
        : undefined;
    const involved = conflictedReviewers(db, appeal.attemptId);
    const conflicted = involved.has(user.id);
    const candidates = panelCandidates(db, involved);
    const me = candidates.find((m) => m.id === user.id);
    const others = candidates.filter((m) => m.id !== user.id && !m.involved);
    const dueOn = appeal.dueOn ?? outcomeDueOn(appeal.lodgedOn, epaoSettingsOf(db).appealDecisionWorkingDays);
    const today = todayInLondon(clock.now());
    const panel = appeal.decision ? panelOf(db, appeal.id) : [];
    res.status(extra.status ?? 200).render('grading/appeal', {
      title: `Appeal: ${fullName(apprentice)}`,
      backLink: paths.appeals,
      appeal,
      apprentice,
      attempt,
      conflicted,
      due: { on: dateLabel(dueOn), overdue: !appeal.decision && outcomeOverdue(dueOn, today) },
      panel: panel.map((m) => `${m.name}${m.external ? ' (external)' : ''}`).join(', '),
      panelForm: {
        you: me?.external
          ? 'You are on the panel, as an external reviewer.'
          : 'You are on the panel. Name at least one external reviewer with you.',
        items: others.map((m) => ({
          value: String(m.id),
          text: `${m.name}${m.external ? ' (external reviewer)' : ''}`,
        })),
        noExternal: !me?.external && !others.some((m) => m.external),
        checked: extra.values?.panel ?? [],
        error: extra.errors?.panel,
      },
      affected:
        appeal.decision === 'upheld'
          ? (extra.rangeForm ?? { ...affectedFor(appeal, apprentice.id, extra.range), errors: {} })
          : null,
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

  /** The other results' date range, when the reviewer sets one (a GET form: the list can be bookmarked). */
  const rangeQuery = z.object({ from: z.string().trim().optional(), to: z.string().trim().optional() });

  router.get(routes.appeal, reviewers, (req, res) => {
    const asked = rangeQuery.safeParse(req.query);
    const { from = '', to = '' } = asked.success ? asked.data : {};
    if (!from && !to) return renderAppeal(res, userOf(res), req.params.id);
    const errors: Record<string, string> = {};
    if (!isSupportedDate(from)) errors.from = 'Enter the first day as YYYY-MM-DD, for example 2026-09-01';
    if (!isSupportedDate(to)) errors.to = 'Enter the last day as YYYY-MM-DD, for example 2026-12-31';
    else if (!errors.from && to < from) errors.to = 'The last day must be the same as or after the first day';
    if (Object.keys(errors).length === 0) return renderAppeal(res, userOf(res), req.params.id, { range: { from, to } });
    renderAppeal(res, userOf(res), req.params.id, {
      status: 400,
      rangeForm: { action: paths.appeal(Number(req.params.id)), values: { from, to }, errors, rows: [] },
      errorList: Object.entries(errors).map(([field, text]) => ({ href: `#${field}`, text })),
    });
  });

  const decideSchema = z.object({
    decision: z.enum(['upheld', 'not_upheld'], { error: 'Choose upheld or not upheld' }),
    // The other members of the panel, by user id (the form's checkboxes: none, one or several).
    panel: z.preprocess(
      (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]),
      z
        .array(
          z
            .string()
            .regex(/^\d{1,9}$/, 'Choose the panel from the list')
            .transform(Number),
        )
        .max(20),
    ),
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
    const values = { decision: body.decision, reasons: body.reasons, g: body.g, panel: body.panel };
    const form = decideSchema.safeParse(body);
    if (!form.success) {
      const issue = form.error.issues[0]!;
      const href =
        issue.path[0] === 'reasons'
          ? '#reasons'
          : issue.path[0] === 'decision'
            ? '#decision-upheld'
            : issue.path[0] === 'panel'
              ? '#panel'
              : '';
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
      { decision: form.data.decision, reasons: form.data.reasons, changes, panel: form.data.panel },
      { ...actorOf(user), userId: user.id },
      clock.now(),
    );
    if (!result.ok)
      return renderAppeal(res, user, req.params.id, {
        status: result.problems || result.field ? 400 : 409,
        values,
        ...(result.field === 'panel' ? { errors: { panel: result.message } } : {}),
        errorList: [
          { text: result.message, ...(result.field === 'panel' ? { href: '#panel' } : {}) },
          ...(result.problems ?? []).map((p) => ({ text: p.message })),
        ],
      });
    res.redirect(303, paths.appeals);
  });

  return router;
}
