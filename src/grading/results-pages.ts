import { EFFECT_LABELS } from '../adjustments/rules.js';
import { considerationsOf } from '../adjustments/store.js';
import { formErrors, textField } from '../http/forms.js';
import { dateLabel, londonTime } from '../dates.js';
import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { canActOn } from '../apprentices/access.js';
import { findApprenticeByUln } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { ATTEMPT_KIND_LABELS, attemptFeedback, KSB_FEEDBACK_LABELS, ksbTextsOf } from './feedback.js';
import { paths, routes } from '../paths.js';
import { planForApprentice } from '../plans/store.js';
import { actorOf } from '../users/store.js';
import { idParam, decimalInput } from '../validation/fields.js';
import { highestGradeRefusal } from '../appeals/rules.js';
import { appealLodgingSchema, caseAppealState, caseDecisionsAbout, lodgeCaseAppeal } from '../appeals/service.js';
import { refusalError } from '../http/results.js';
import { decisionShown } from '../cases/service.js';
import { topGrade } from '../plans/grades.js';
import { APPEAL_DECISION_LABELS, OUTCOME_DECISIONS, OUTCOME_DECISION_LABELS, OUTCOME_LABELS } from './model.js';
import { appealSummary } from './appeal-pages.js';
import { attemptByNumber, latestAttempt } from './attempts.js';
import { decisionsFor, wholeAssessmentLimit } from './rules.js';
import { wordsFor } from '../plans/words.js';
import {
  appealsOf,
  epaoSettingsOf,
  lodgeAppeal,
  recordExceptionalCircumstances,
  releaseResults,
  resultsOf,
  decideFurtherRequest,
  decideOutcome,
  furtherRequestsOf,
  pendingFurtherRequest,
  requestFurtherAttempt,
  startFurtherAttempt,
  withdrawFurtherRequest,
  unreleasedResults,
} from './store.js';
import { KSB_FEEDBACK_TAGS, reasonField } from './page-helpers.js';

/** Results: release, an apprentice's results, exceptional circumstances, resits and retakes, and lodging appeals. */
export function resultsPages(db: Db, clock: Clock): Router {
  const router = Router();

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
        blocked: r.pending > 0 || Boolean(r.heldByCase),
        blockedWhy: r.heldByCase ? 'Held by a malpractice or maladministration case' : 'Waiting for moderation',
      })),
    });
  });

  router.post(paths.releaseResults, admins, (req, res) => {
    const ids = z
      .array(z.preprocess(decimalInput, z.number().int().positive()))
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
      kept?: {
        grounds?: unknown;
        statement?: unknown;
        reason?: unknown;
        actionPlan?: unknown;
        declineReason?: unknown;
        gradingId?: unknown;
        decision?: unknown;
        decisionReason?: unknown;
        kind?: unknown;
      };
      /** A refused appeal against a decision after an investigation: its case, each field's message, and what was sent (for its form only). */
      caseErrors?: { caseId: number; errors: Record<string, string>; kept: { grounds?: unknown; statement?: unknown } };
    } = {},
  ) => {
    const { user, apprentice } = loadApprentice(res, uln);
    const admin = user.role === 'admin';
    const today = todayInLondon(clock.now());
    const plan = planForApprentice(db, apprentice);
    const results = resultsOf(db, apprentice, !admin);
    // The latest attempt of all, released or not: only it can be resat or appealed.
    const latestNumber = latestAttempt(db, apprentice.id)?.number;
    const ksbTexts = ksbTextsOf(db, apprentice);
    const firstStarted = attemptByNumber(db, apprentice.id, 1)?.startedOn;
    const limit = plan && firstStarted ? wholeAssessmentLimit(plan, firstStarted, today) : null;
    const considered = considerationsOf(db, apprentice.id);
    const { refuseHighestGradeAppeals } = epaoSettingsOf(db);
    // Decisions after an investigation into an assessment, for the provider (who may appeal them) and administrators.
    const decisions = user.role === 'admin' || user.role === 'provider' ? caseDecisionsAbout(db, apprentice.id) : [];
    res.status(extra.status ?? 200).render('grading/apprentice-results', {
      title: `Results: ${fullName(apprentice)}`,
      backLink: paths.apprentice(apprentice.uln),
      apprentice,
      admin,
      cap: plan?.resitRetakeGradeCap,
      words: wordsFor(plan),
      caseDecisions: decisions.map(({ case: c, methodId }) => {
        const { appeal, deadline, refusal } = caseAppealState(db, c, today);
        return {
          id: c.id,
          ...decisionShown(db, c, methodId),
          deadline: deadline ? dateLabel(deadline) : null,
          appeal: appeal ? appealSummary(appeal) : null,
          appealAction:
            user.role === 'provider' && refusal === null ? paths.caseDecisionAppeal(apprentice.uln, c.id) : null,
          errors: extra.caseErrors?.caseId === c.id ? extra.caseErrors.errors : {},
          kept: extra.caseErrors?.caseId === c.id ? extra.caseErrors.kept : {},
        };
      }),
      attempts: results.map((r) => {
        const open = appealsOf(db, r.attempt.id);
        const isLatest = r.attempt.number === latestNumber;
        // One appeal per result (lodgeAppeal): once lodged, the appeal's own page follows it.
        const inWindow =
          !admin &&
          isLatest &&
          r.released &&
          r.appealDeadline !== null &&
          today <= r.appealDeadline &&
          open.length === 0;
        // Said before the form is filled in, not after: the organisation takes no appeal against the highest grade.
        const appealRefused = inWindow
          ? highestGradeRefusal(r.attempt.overallGrade, topGrade(plan?.overallGrades ?? []), refuseHighestGradeAppeals)
          : null;
        const canAppeal = inWindow && appealRefused === null;
        const feedback = attemptFeedback(db, plan, ksbTexts, r);
        return {
          ...r,
          kindLabel: ATTEMPT_KIND_LABELS[r.attempt.kind],
          releasedAt: r.attempt.releasedAt ? londonTime(r.attempt.releasedAt) : null,
          methods: r.methods.map((m) => ({
            ...m,
            modeLabel:
              m.mode === 'carried' ? 'Carried over' : m.mode === 'first' ? '' : m.mode === 'resit' ? 'Resit' : 'Retake',
            outcomeLabel: m.outcome && m.outcome !== 'graded' ? OUTCOME_LABELS[m.outcome] : null,
            decisionLabel: m.outcomeDecision ? OUTCOME_DECISION_LABELS[m.outcomeDecision] : null,
            // Special consideration approved for this method's assessment in this attempt: its effect (not the circumstances).
            consideration: considered
              .filter((c) => c.attempt === r.attempt.number && c.methodId === m.methodId && c.effect)
              .map((c) => EFFECT_LABELS[c.effect!])
              .join('; '),
          })),
          // The assessment organisation decides each no-show and malpractice before release.
          outcomeDecisions:
            admin && !r.released
              ? r.methods
                  .filter((m) => m.outcome && decisionsFor(m.outcome).length > 0 && m.outcomeDecision !== 'void')
                  .map((m) => ({
                    gradingId: m.gradingId,
                    // The form that was sent, shown again with its values when refused.
                    kept:
                      String(m.gradingId) === String(extra.kept?.gradingId)
                        ? {
                            decision: typeof extra.kept?.decision === 'string' ? extra.kept.decision : '',
                            decisionReason:
                              typeof extra.kept?.decisionReason === 'string' ? extra.kept.decisionReason : '',
                          }
                        : { decision: '', decisionReason: '' },
                    name: m.name,
                    outcomeLabel: OUTCOME_LABELS[m.outcome!],
                    current: m.outcomeDecision ? OUTCOME_DECISION_LABELS[m.outcomeDecision] : null,
                    options: decisionsFor(m.outcome!).map((value) => ({
                      value,
                      text:
                        m.outcome === 'did_not_attend' && value === 'void'
                          ? 'A good reason is accepted: void, not an attempt (booked again)'
                          : m.outcome === 'did_not_attend'
                            ? 'No good reason: counts as a Fail'
                            : OUTCOME_DECISION_LABELS[value],
                    })),
                    action: paths.attemptAction(apprentice.uln, r.attempt.id, 'outcome'),
                  }))
              : [],
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
            href: paths.appeal(a.id),
            decisionLabel: a.decision ? APPEAL_DECISION_LABELS[a.decision] : 'Waiting for a decision',
          })),
          releaseAction:
            admin && !r.released && !r.blockedBy ? paths.attemptAction(apprentice.uln, r.attempt.id, 'release') : null,
          exceptionalAction:
            admin && !r.released && r.attempt.number > 1 && !r.attempt.exceptionalReason
              ? paths.attemptAction(apprentice.uln, r.attempt.id, 'exceptional')
              : null,
          appealAction: canAppeal ? paths.attemptAction(apprentice.uln, r.attempt.id, 'appeal') : null,
          appealRefused,
          furtherAction:
            !admin &&
            isLatest &&
            r.released &&
            r.attempt.overallGrade === 'Fail' &&
            !pendingFurtherRequest(db, r.attempt.id)
              ? paths.attemptAction(apprentice.uln, r.attempt.id, 'further')
              : null,
          // After the plan's time limit for the whole assessment, every method is taken again.
          failedMethods: limit?.passed ? r.methods : r.methods.filter((m) => m.grade === 'Fail'),
          wholeAgain: limit?.passed ? limit.lastDay : null,
          canChooseFurther: user.role === 'employer',
          requests: furtherRequestsOf(db, r.attempt.id).map((q) => ({
            ...q,
            what: Object.entries(q.choices)
              .map(([id, kind]) => `${kind} of ${r.methods.find((m) => m.methodId === id)?.name ?? id}`)
              .join('; '),
            statusLabel:
              q.status === 'requested'
                ? 'Waiting for the employer'
                : q.status === 'agreed'
                  ? 'Agreed by the employer'
                  : q.status === 'withdrawn'
                    ? 'Withdrawn by the provider'
                    : `Declined by the employer: ${q.decisionReason ?? ''}`,
            agreeAction:
              q.status === 'requested' && canActOn(user, apprentice, 'employer_declaration')
                ? paths.attemptAction(apprentice.uln, r.attempt.id, 'agree')
                : null,
            declineAction:
              q.status === 'requested' && canActOn(user, apprentice, 'employer_declaration')
                ? paths.attemptAction(apprentice.uln, r.attempt.id, 'decline')
                : null,
            withdrawAction:
              q.status === 'requested' && user.role === 'provider'
                ? paths.attemptAction(apprentice.uln, r.attempt.id, 'withdraw')
                : null,
          })),
        };
      }),
      kept: {
        grounds: typeof extra.kept?.grounds === 'string' ? extra.kept.grounds : '',
        statement: typeof extra.kept?.statement === 'string' ? extra.kept.statement : '',
        reason: typeof extra.kept?.reason === 'string' ? extra.kept.reason : '',
        actionPlan: typeof extra.kept?.actionPlan === 'string' ? extra.kept.actionPlan : '',
        declineReason: typeof extra.kept?.declineReason === 'string' ? extra.kept.declineReason : '',
        // The resit or retake chosen for each method, shown again after a refusal.
        kind:
          typeof extra.kept?.kind === 'object' && extra.kept.kind !== null
            ? Object.fromEntries(
                Object.entries(extra.kept.kind as Record<string, unknown>).filter(
                  (e): e is [string, string] => typeof e[1] === 'string',
                ),
              )
            : {},
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
    actionPlan: z
      .string()
      .trim()
      .max(2000, 'Keep the action plan to 2,000 characters or fewer')
      .default('')
      .transform((v) => v || null),
  });
  const outcomeDecisionSchema = z.object({
    gradingId: z.preprocess(
      decimalInput,
      z.number({ error: 'Choose the assessment' }).int().positive().max(Number.MAX_SAFE_INTEGER),
    ),
    decision: z.enum(OUTCOME_DECISIONS, { error: 'Choose the decision' }),
    decisionReason: reasonField('the reason for the decision'),
  });
  const declineSchema = z.object({ declineReason: reasonField('why you decline the resit or retake') });
  const exceptionalSchema = z.object({ reason: reasonField('the exceptional circumstances') });

  // The provider appeals, on the apprentice's behalf, a decision after an investigation into their assessment.
  router.post(routes.caseDecisionAppeal, pageFor('provider'), (req, res) => {
    const { user, apprentice } = loadApprentice(res, req.params.uln);
    const today = todayInLondon(clock.now());
    const lodged = lodgeCaseAppeal(db, user, req.params.caseId, req.body, today, apprentice.uln);
    if (lodged.ok) return res.redirect(303, paths.appeal(lodged.value.id));
    if (lodged.kind !== 'invalid' && lodged.kind !== 'conflict') throw refusalError(lodged);
    renderResults(res, req.params.uln, {
      status: lodged.kind === 'invalid' ? 400 : 409,
      errorList: lodged.problems.map((p) => ({
        href: p.path ? `#case-${p.path}-${String(req.params.caseId)}` : '',
        text: p.message,
      })),
      // What was sent goes back to the refused decision's own form, not to the page's other forms.
      caseErrors: {
        caseId: Number(req.params.caseId),
        errors: formErrors(lodged.problems).errors,
        kept: req.body as { grounds?: unknown; statement?: unknown },
      },
    });
  });

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
      decline: `declineReason-${attempt.attempt.id}`,
    }[String(req.params.action)];
    const again = (message: string, status = 400, at = field) =>
      renderResults(res, req.params.uln, {
        status,
        kept: req.body as object,
        errorList: [{ href: status === 400 && at ? `#${at}` : '', text: message }],
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
        // The provider asks and the employer agrees; the employer's own choice is its agreement.
        if (!canActOn(user, apprentice, 'view') || user.role === 'admin')
          throw new HttpError(403, 'The provider or the employer chooses resit or retake');
        const form = furtherSchema.safeParse(req.body);
        if (!form.success) return again(form.error.issues[0]!.message);
        const choice = { choices: form.data.kind, actionPlan: form.data.actionPlan };
        const result =
          user.role === 'employer'
            ? startFurtherAttempt(db, apprentice, choice, actor, clock.now(), user.id)
            : requestFurtherAttempt(db, apprentice, choice, actor, clock.now());
        return result.ok ? done() : again(result.message, 409);
      }
      case 'withdraw': {
        if (user.role !== 'provider' || !canActOn(user, apprentice, 'edit'))
          throw new HttpError(403, 'The provider withdraws its own request');
        const result = withdrawFurtherRequest(db, attempt.attempt.id, actor, clock.now());
        return result.ok ? done() : again(result.message, 409);
      }
      case 'agree':
      case 'decline': {
        if (!canActOn(user, apprentice, 'employer_declaration'))
          throw new HttpError(403, 'The employer agrees to or declines a resit or retake');
        const declining = req.params.action === 'decline';
        const form = declineSchema.safeParse(req.body);
        if (declining && !form.success) return again(form.error.issues[0]!.message);
        const result = decideFurtherRequest(
          db,
          apprentice,
          attempt.attempt.id,
          declining ? 'declined' : 'agreed',
          declining && form.success ? form.data.declineReason : null,
          actor,
          clock.now(),
        );
        return result.ok ? done() : again(result.message, 409);
      }
      case 'outcome': {
        if (user.role !== 'admin') throw new HttpError(403, 'You do not have permission to do this');
        const form = outcomeDecisionSchema.safeParse(req.body);
        if (!form.success) {
          const issue = form.error.issues[0]!;
          const gradingId = textField(req.body, 'gradingId');
          return again(
            issue.message,
            400,
            issue.path[0] === 'decisionReason' ? `decisionReason-${gradingId}` : `decision-${gradingId}`,
          );
        }
        const result = decideOutcome(
          db,
          apprentice,
          form.data.gradingId,
          form.data.decision,
          form.data.decisionReason,
          actor,
          clock.now(),
        );
        return result.ok ? done() : again(result.message, 409);
      }
      case 'appeal': {
        if (user.role !== 'provider' && user.role !== 'employer')
          throw new HttpError(403, 'The provider or the employer lodges an appeal');
        const form = appealLodgingSchema.safeParse(req.body);
        if (!form.success) {
          const issue = form.error.issues[0]!;
          return again(issue.message, 400, issue.path[0] === 'statement' ? `statement-${attempt.attempt.id}` : field);
        }
        const result = lodgeAppeal(
          db,
          attempt.attempt.id,
          form.data.grounds,
          actor,
          todayInLondon(clock.now()),
          form.data.statement,
        );
        return result.ok ? done() : again(result.message, 409);
      }
      default:
        throw new HttpError(404, 'Page not found');
    }
  });

  return router;
}
