import { londonTime } from '../dates.js';
import { fullName } from '../names.js';
import { refusalError } from '../http/results.js';
import type { Refused } from '../validation/result.js';
import { gradableBooking, gradeBooking } from './service.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { canActOn } from '../apprentices/access.js';
import { findApprenticeById, findApprenticeByUln, type ApprenticeDetail } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import { bookingById, methodNames } from '../bookings/store.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors, parseForm } from '../http/forms.js';
import {
  ATTEMPT_KIND_LABELS,
  attemptFeedback,
  KSB_FEEDBACK_LABELS,
  ksbTextsOf,
  type KsbFeedbackState,
} from './feedback.js';
import { paths, routes } from '../paths.js';
import type { PlanFile } from '../plans/schema.js';
import { getPlanForStandard } from '../plans/store.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { blankToNull, blankToUndefined, idParam } from '../validation/fields.js';
import {
  coverageView,
  criteriaView,
  decisionsFromForm,
  gradingFormSchema,
  keptDecisions,
  moderationFormSchema,
} from './forms.js';
import { OUTCOME_LABELS, SAMPLE_REASON_LABELS } from './model.js';
import { latestAttempt } from './attempts.js';
import type { Decision } from './rules.js';
import {
  appealById,
  appealsOf,
  conflictedReviewers,
  decideAppeal,
  decisionsOf,
  epaoSettingsOf,
  gradingById,
  gradingOfBooking,
  gradingRefusal,
  lodgeAppeal,
  moderate,
  moderationQueue,
  moderationsOf,
  openAppeals,
  recordExceptionalCircumstances,
  releaseResults,
  resultsOf,
  saveSettings,
  startFurtherAttempt,
  unreleasedResults,
  type Failure,
} from './store.js';

const reasonField = (what: string) =>
  z.preprocess(blankToNull, z.string({ error: `Give ${what}` }).max(2000, `Keep ${what} to 2000 characters`));
/** The GOV.UK tag colour of each KSB feedback state. */
const KSB_FEEDBACK_TAGS: Record<KsbFeedbackState, string> = {
  evidenced: 'govuk-tag--green',
  not_evidenced: 'govuk-tag--red',
  not_assessed: 'govuk-tag--grey',
};
const london = (instant: string) => londonTime(instant);

/** A store failure that names criteria, as form errors beside each criterion. */
/** A store's refusal (moderation, appeals) as the form shows it: each criterion's problem at its own field. */
function failureErrors(failure: Failure) {
  if (failure.problems?.length)
    return formErrors(
      failure.problems.map((p) => ({
        path: `c.${p.criterionId}.${p.message.startsWith('Say what evidence') ? 'evidence' : 'met'}`,
        message: p.message,
      })),
    );
  if (failure.field) return formErrors([{ path: failure.field, message: failure.message }]);
  // Not about one field (e.g. already submitted): the summary says so without a link.
  return { errors: {}, errorList: [{ text: failure.message }] };
}

/** A refused grading as the form shows it: each criterion's problem at its own field, anything else in the summary. */
function refusalErrors(refused: Refused) {
  if (refused.kind === 'invalid')
    return formErrors(
      refused.problems.map((p) => {
        const criterion = /^decisions\.(.+)$/.exec(p.path)?.[1];
        if (!criterion) return p;
        return {
          path: `c.${criterion}.${p.message.startsWith('Say what evidence') ? 'evidence' : 'met'}`,
          message: p.message,
        };
      }),
    );
  // Not about one field (e.g. already submitted): the summary says so without a link.
  return { errors: {}, errorList: refused.problems.map((p) => ({ text: p.message })) };
}

function planFor(db: Db, apprentice: ApprenticeDetail): PlanFile {
  const plan = getPlanForStandard(db, apprentice.standardVersionId);
  if (!plan) throw new HttpError(404, 'This standard has no assessment plan');
  return plan;
}

/** Grading, moderation, results (release, exceptional circumstances, resits and retakes), appeals and the EPAO's settings. */
export function gradingRoutes(db: Db, clock: Clock): Router {
  const router = Router();

  /* ---------- The assessor's grading form ---------- */

  const loadGradable = (res: Response, id: unknown) => {
    const found = gradableBooking(db, userOf(res), id);
    if (!found.ok) throw refusalError(found);
    const booking = found.value;
    const apprentice = findApprenticeById(db, booking.apprenticeId)!;
    return { booking, apprentice, plan: planFor(db, apprentice) };
  };

  const renderGrading = (
    res: Response,
    id: unknown,
    extra: {
      decisions?: Decision[];
      values?: object;
      status?: number;
      errors?: Record<string, string>;
      errorList?: object[];
      flash?: string;
    } = {},
  ) => {
    const { booking, apprentice, plan } = loadGradable(res, id);
    const saved = gradingOfBooking(db, booking.id);
    const decisions = extra.decisions ?? saved.decisions;
    const method = plan.methods.find((m) => m.id === booking.methodId);
    const refusal = gradingRefusal(booking, userOf(res).id, clock.now());
    const values = extra.values ?? {
      outcome: saved.grading?.outcome ?? 'graded',
      outcomeReason: saved.grading?.outcomeReason ?? '',
    };
    res.status(extra.status ?? 200).render('grading/grade', {
      title: `Grade: ${method?.name ?? booking.methodId}`,
      backLink: paths.schedule,
      apprentice,
      methodName: method?.name ?? booking.methodId,
      when: london(booking.startsAt),
      action: paths.gradeBooking(booking.id),
      refusal,
      submitted:
        saved.grading?.status === 'submitted'
          ? {
              ...saved.grading,
              outcomeLabel: OUTCOME_LABELS[saved.grading.outcome],
              submittedAt: saved.grading.submittedAt ? london(saved.grading.submittedAt) : '',
            }
          : null,
      themes: criteriaView(
        plan,
        booking.methodId,
        decisions,
        Object.fromEntries(
          Object.entries(extra.errors ?? {}).map(([k, v]) => [k.replace(/^c-/, '').replace(/-(met|evidence)$/, ''), v]),
        ),
      ),
      coverage: coverageView(plan, booking.methodId, decisions),
      // The first radio carries the field's id, so the error summary's link lands on it.
      outcomes: Object.entries(OUTCOME_LABELS).map(([value, text], i) => ({
        value,
        text,
        id: i === 0 ? 'outcome' : `outcome-${value}`,
      })),
      values,
      errors: extra.errors,
      errorList: extra.errorList,
      flash: extra.flash,
    });
  };

  router.get(routes.gradeBooking, pageFor(...AREA_ROLES.ownSchedule), (req, res) => {
    renderGrading(res, req.params.id, { flash: req.query.saved === '1' ? 'Your draft has been saved.' : undefined });
  });

  router.post(routes.gradeBooking, pageFor(...AREA_ROLES.ownSchedule), (req, res) => {
    const { booking, plan } = loadGradable(res, req.params.id);
    const criteria = plan.criteria.filter((c) => c.method === booking.methodId);
    const body = req.body as Record<string, unknown>;
    const form = parseForm(gradingFormSchema, body);
    const kept = keptDecisions(criteria, body.c);
    const values = {
      outcome: typeof body.outcome === 'string' ? body.outcome : 'graded',
      outcomeReason: typeof body.outcomeReason === 'string' ? body.outcomeReason : '',
    };
    if (!form.ok)
      return renderGrading(res, req.params.id, {
        decisions: kept,
        values,
        status: 400,
        errors: form.errors,
        errorList: form.errorList,
      });
    const submit = form.value.action === 'submit';
    if (submit && form.value.confirm !== 'yes') {
      return renderGrading(res, req.params.id, {
        decisions: kept,
        values,
        status: 400,
        ...formErrors([
          { path: 'confirm', message: 'Confirm the decisions and the grade they give before submitting' },
        ]),
      });
    }
    const result = gradeBooking(
      db,
      userOf(res),
      booking,
      {
        outcome: form.value.outcome,
        outcomeReason: form.value.outcomeReason,
        decisions: decisionsFromForm(criteria, form.value.c),
      },
      { submit, now: clock.now() },
    );
    if (!result.ok)
      return renderGrading(res, req.params.id, {
        decisions: kept,
        values,
        status: result.kind === 'invalid' ? 400 : 409,
        ...refusalErrors(result),
      });
    res.redirect(303, submit ? paths.gradeBooking(booking.id) : `${paths.gradeBooking(booking.id)}?saved=1`);
  });

  /* ---------- Moderation ---------- */

  const moderators = pageFor(...AREA_ROLES.moderation);

  router.get(paths.moderation, moderators, (_req, res) => {
    const names = methodNames(db);
    res.render('grading/moderation', {
      title: 'Moderation',
      rows: moderationQueue(db).map((r) => ({
        ...r,
        href: paths.moderate(r.grading.id),
        method: names.get(r.grading.methodId) ?? r.grading.methodId,
        reason: r.grading.sampleReason ? SAMPLE_REASON_LABELS[r.grading.sampleReason] : '',
        submittedAt: r.grading.submittedAt ? london(r.grading.submittedAt) : '',
      })),
    });
  });

  const loadSampled = (id: unknown) => {
    const params = idParam.safeParse({ id });
    const grading = params.success ? gradingById(db, params.data.id) : undefined;
    if (!grading || grading.status !== 'submitted' || grading.moderation === 'not_sampled')
      throw new HttpError(404, 'There is no such grading to moderate');
    const booking = bookingById(db, grading.bookingId)!;
    const apprentice = findApprenticeById(db, booking.apprenticeId)!;
    return { grading, booking, apprentice, plan: planFor(db, apprentice) };
  };

  const renderModeration = (
    res: Response,
    id: unknown,
    extra: {
      decisions?: Decision[];
      values?: object;
      status?: number;
      errors?: Record<string, string>;
      errorList?: object[];
    } = {},
  ) => {
    const { grading, apprentice, plan } = loadSampled(id);
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
      history: moderationsOf(db, grading.id).map((m) => ({ ...m, at: london(m.moderation.createdAt) })),
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

  /* ---------- Results: release ---------- */

  const admins = pageFor(...AREA_ROLES.results);

  router.get(paths.results, admins, (req, res) => {
    res.render('grading/results', {
      title: 'Results to release',
      releaseAction: paths.releaseResults,
      flash:
        typeof req.query.released === 'string' && /^\d+$/.test(req.query.released)
          ? `${req.query.released} result${req.query.released === '1' ? '' : 's'} released.`
          : undefined,
      rows: unreleasedResults(db).map((r) => ({
        ...r,
        href: paths.apprenticeResults(r.uln),
        name: fullName(r),
        blocked: r.pending > 0,
      })),
    });
  });

  router.post(paths.releaseResults, admins, (req, res) => {
    const ids = z
      .array(z.coerce.number().int().positive())
      .min(1)
      .safeParse([(req.body as { attemptIds?: unknown }).attemptIds ?? []].flat());
    if (!ids.success) throw new HttpError(400, 'Choose at least one result to release');
    const result = releaseResults(db, ids.data, actorOf(userOf(res)), clock.now());
    if (!result.ok) throw new HttpError(409, result.message);
    res.redirect(303, `${paths.results}?released=${result.released}`);
  });

  /* ---------- An apprentice's results ---------- */

  const loadApprentice = (res: Response, uln: unknown) => {
    const user = userOf(res);
    const apprentice = typeof uln === 'string' ? findApprenticeByUln(db, uln) : undefined;
    if (!apprentice || !canActOn(user, apprentice, 'view'))
      throw new HttpError(404, 'There is no such apprentice in your records');
    return { user, apprentice };
  };

  const renderResults = (
    res: Response,
    uln: unknown,
    extra: {
      status?: number;
      errorList?: object[];
      flash?: string;
      kept?: { grounds?: unknown; reason?: unknown };
    } = {},
  ) => {
    const { user, apprentice } = loadApprentice(res, uln);
    const admin = user.role === 'admin';
    const today = todayInLondon(clock.now());
    const plan = getPlanForStandard(db, apprentice.standardVersionId);
    const results = resultsOf(db, apprentice, !admin);
    // The latest attempt of all, released or not: only it can be resat or appealed.
    const latestNumber = latestAttempt(db, apprentice.id)?.number;
    const ksbTexts = ksbTextsOf(db, apprentice);
    res.status(extra.status ?? 200).render('grading/apprentice-results', {
      title: `Results: ${fullName(apprentice)}`,
      backLink: paths.apprentice(apprentice.uln),
      apprentice,
      admin,
      cap: plan?.resitRetakeGradeCap,
      attempts: results.map((r) => {
        const open = appealsOf(db, r.attempt.id);
        const isLatest = r.attempt.number === latestNumber;
        const canAppeal =
          !admin &&
          isLatest &&
          r.released &&
          r.appealDeadline !== null &&
          today <= r.appealDeadline &&
          !open.some((a) => a.decision === null);
        const feedback = attemptFeedback(db, plan, ksbTexts, r);
        return {
          ...r,
          kindLabel: ATTEMPT_KIND_LABELS[r.attempt.kind],
          releasedAt: r.attempt.releasedAt ? london(r.attempt.releasedAt) : null,
          methods: r.methods.map((m) => ({
            ...m,
            modeLabel:
              m.mode === 'carried' ? 'Carried over' : m.mode === 'first' ? '' : m.mode === 'resit' ? 'Resit' : 'Retake',
            outcomeLabel: m.outcome && m.outcome !== 'graded' ? OUTCOME_LABELS[m.outcome] : null,
          })),
          // Feedback per KSB, for each method graded criterion by criterion.
          feedback: r.methods.flatMap((m) => {
            const ksbs = feedback.get(m.methodId);
            return ksbs
              ? [
                  {
                    name: m.name,
                    id: `ksb-feedback-${r.attempt.id}-${m.methodId}`,
                    ksbs: ksbs.map((k) => ({
                      ...k,
                      label: KSB_FEEDBACK_LABELS[k.state],
                      tag: KSB_FEEDBACK_TAGS[k.state],
                    })),
                  },
                ]
              : [];
          }),
          pdfHref: paths.resultPdf(apprentice.uln, r.attempt.id),
          appeals: open.map((a) => ({
            ...a,
            decisionLabel:
              a.decision === 'upheld'
                ? 'Upheld'
                : a.decision === 'not_upheld'
                  ? 'Not upheld'
                  : 'Waiting for a decision',
          })),
          releaseAction:
            admin && !r.released && !r.blockedBy ? paths.attemptAction(apprentice.uln, r.attempt.id, 'release') : null,
          exceptionalAction:
            admin && !r.released && r.attempt.number > 1 && !r.attempt.exceptionalReason
              ? paths.attemptAction(apprentice.uln, r.attempt.id, 'exceptional')
              : null,
          appealAction: canAppeal ? paths.attemptAction(apprentice.uln, r.attempt.id, 'appeal') : null,
          furtherAction:
            !admin && isLatest && r.released && r.attempt.overallGrade === 'Fail'
              ? paths.attemptAction(apprentice.uln, r.attempt.id, 'further')
              : null,
          failedMethods: r.methods.filter((m) => m.grade === 'Fail'),
        };
      }),
      kept: {
        grounds: typeof extra.kept?.grounds === 'string' ? extra.kept.grounds : '',
        reason: typeof extra.kept?.reason === 'string' ? extra.kept.reason : '',
      },
      errorList: extra.errorList,
      flash: extra.flash,
    });
  };

  router.get(routes.apprenticeResults, pageFor(...AREA_ROLES.apprentices), (req, res) =>
    renderResults(res, req.params.uln, { flash: typeof req.query.done === 'string' ? 'Done.' : undefined }),
  );

  const furtherSchema = z.object({
    kind: z
      .record(z.string(), z.enum(['resit', 'retake'], { error: 'Choose resit or retake for each failed method' }))
      .default({}),
  });
  const appealSchema = z.object({ grounds: reasonField('the grounds for the appeal') });
  const exceptionalSchema = z.object({ reason: reasonField('the exceptional circumstances') });

  router.post(routes.attemptAction, pageFor(...AREA_ROLES.apprentices), (req, res) => {
    const { user, apprentice } = loadApprentice(res, req.params.uln);
    const attemptId = idParam.safeParse({ id: req.params.attemptId });
    const found = attemptId.success
      ? resultsOf(db, apprentice, user.role !== 'admin').find((r) => r.attempt.id === attemptId.data.id)
      : undefined;
    if (!found) throw new HttpError(404, 'There is no such result');
    const attempt = {
      ...found,
      failedMethodIds: found.methods.filter((m) => m.grade === 'Fail').map((m) => m.methodId),
    };
    const actor = { ...actorOf(user), userId: user.id };
    // Back to the page with what was typed kept, the message linked to the field it is about.
    const field = {
      exceptional: `exceptional-${attempt.attempt.id}`,
      appeal: `grounds-${attempt.attempt.id}`,
      further: `kind-${attempt.failedMethodIds[0] ?? ''}-resit`,
    }[String(req.params.action)];
    const again = (message: string, status = 400) =>
      renderResults(res, req.params.uln, {
        status,
        kept: req.body as object,
        errorList: [{ href: status === 400 && field ? `#${field}` : '', text: message }],
      });
    const done = () => res.redirect(303, `${paths.apprenticeResults(apprentice.uln)}?done=1`);
    switch (req.params.action) {
      case 'release': {
        if (user.role !== 'admin') throw new HttpError(403, 'You do not have permission to do this');
        const result = releaseResults(db, [attempt.attempt.id], actor, clock.now());
        return result.ok ? done() : again(result.message, 409);
      }
      case 'exceptional': {
        if (user.role !== 'admin') throw new HttpError(403, 'You do not have permission to do this');
        const form = exceptionalSchema.safeParse(req.body);
        if (!form.success) return again(form.error.issues[0]!.message);
        const result = recordExceptionalCircumstances(
          db,
          attempt.attempt.id,
          form.data.reason,
          actor,
          todayInLondon(clock.now()),
        );
        return result.ok ? done() : again(result.message, 409);
      }
      case 'further': {
        if (!canActOn(user, apprentice, 'view') || user.role === 'admin')
          throw new HttpError(403, 'The provider or the employer chooses resit or retake');
        const form = furtherSchema.safeParse(req.body);
        if (!form.success) return again(form.error.issues[0]!.message);
        const result = startFurtherAttempt(db, apprentice, form.data.kind, actor, todayInLondon(clock.now()));
        return result.ok ? done() : again(result.message, 409);
      }
      case 'appeal': {
        if (user.role !== 'provider' && user.role !== 'employer')
          throw new HttpError(403, 'The provider or the employer lodges an appeal');
        const form = appealSchema.safeParse(req.body);
        if (!form.success) return again(form.error.issues[0]!.message);
        const result = lodgeAppeal(db, attempt.attempt.id, form.data.grounds, actor, todayInLondon(clock.now()));
        return result.ok ? done() : again(result.message, 409);
      }
      default:
        throw new HttpError(404, 'Page not found');
    }
  });

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
    const params = idParam.safeParse({ id });
    const appeal = params.success ? appealById(db, params.data.id) : undefined;
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

  /* ---------- The EPAO's settings ---------- */

  const settingsSchema = z.object({
    qaFirstN: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter a whole number' })
        .int('Enter a whole number')
        .min(0, 'Enter 0 or more')
        .max(100, 'Enter 100 or fewer'),
    ),
    qaRandomPercent: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter a percentage from 0 to 100' })
        .min(0, 'Enter a percentage from 0 to 100')
        .max(100, 'Enter a percentage from 0 to 100'),
    ),
    qaSampleFails: z.preprocess((v) => v === 'yes', z.boolean()),
    qaSampleBoundary: z.preprocess((v) => v === 'yes', z.boolean()),
    appealWorkingDays: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter a whole number' })
        .int('Enter a whole number')
        .min(1, 'Enter at least 1')
        .max(90, 'Enter 90 or fewer'),
    ),
    epaoName: z.preprocess(blankToNull, z.string().max(100, 'Keep the name to 100 characters').nullable()),
    epaNumber: z.preprocess(
      blankToNull,
      z
        .string()
        .regex(/^EPA\d{4}$/, 'Enter the EPA number as EPA followed by four digits, for example EPA0123')
        .nullable(),
    ),
    maxAttempts: z.preprocess(
      blankToNull,
      z.coerce
        .number({ error: 'Enter a whole number' })
        .int('Enter a whole number')
        .min(1, 'Enter at least 1')
        .max(20, 'Enter 20 or fewer')
        .nullable(),
    ),
  });

  const renderSettings = (
    res: Response,
    extra: { values?: object; status?: number; errors?: object; errorList?: object[]; flash?: string } = {},
  ) => {
    const settings = epaoSettingsOf(db);
    res.status(extra.status ?? 200).render('grading/settings', {
      title: 'Settings',
      action: paths.admin.settings,
      values: extra.values ?? {
        ...settings,
        qaSampleFails: settings.qaSampleFails ? 'yes' : '',
        qaSampleBoundary: settings.qaSampleBoundary ? 'yes' : '',
        maxAttempts: settings.maxAttempts ?? '',
        epaoName: settings.epaoName ?? '',
        epaNumber: settings.epaNumber ?? '',
      },
      errors: extra.errors,
      errorList: extra.errorList,
      flash: extra.flash,
    });
  };

  router.get(paths.admin.settings, pageFor(...AREA_ROLES.administration), (req, res) =>
    renderSettings(res, { flash: req.query.saved === '1' ? 'The settings have been saved.' : undefined }),
  );

  router.post(paths.admin.settings, pageFor(...AREA_ROLES.administration), (req, res) => {
    const form = parseForm(settingsSchema, req.body);
    if (!form.ok)
      return renderSettings(res, {
        values: req.body as object,
        status: 400,
        errors: form.errors,
        errorList: form.errorList,
      });
    saveSettings(db, form.value, actorOf(userOf(res)));
    res.redirect(303, `${paths.admin.settings}?saved=1`);
  });

  return router;
}
