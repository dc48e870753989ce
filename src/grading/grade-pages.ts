import { adjustmentsShown } from '../adjustments/service.js';
import { isoInstant, londonTime } from '../dates.js';
import { refusalError } from '../http/results.js';
import { gradableBooking, gradeBooking } from './service.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { findApprenticeById } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { formErrors, parseForm } from '../http/forms.js';
import { filesForPage } from '../evidence/pages.js';
import { bookingEvidenceOf } from '../evidence/service.js';
import { paths, routes } from '../paths.js';
import { coverageView, criteriaView, decisionsFromForm, gradingFormSchema, keptDecisions } from './forms.js';
import { OUTCOME_LABELS } from './model.js';
import { gradingOfBooking, gradingRefusal } from './store.js';
import { planFor, refusalErrors, type ShownAgain } from './page-helpers.js';
import { levelGrades } from '../plans/grades.js';

/** The assessor's grading form: criterion by criterion, drafts, submission. */
export function gradePages(db: Db, clock: Clock): Router {
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
    extra: ShownAgain & { flash?: string; checked?: boolean } = {},
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
      backLink: userOf(res).role === 'provider' ? paths.apprenticeMarking(apprentice.uln) : paths.schedule,
      apprentice,
      methodName: method?.name ?? booking.methodId,
      adjustments: adjustmentsShown(db, [booking])(booking),
      // The assessment's evidence, to read while grading; files are added on the booking's page.
      evidence: filesForPage(db, { apprentice, recordType: 'booking', recordKey: String(booking.id) }, null),
      addEvidenceHref: bookingEvidenceOf(db, userOf(res), { id: String(booking.id) }, 'edit', isoInstant(clock.now()))
        .ok
        ? `${paths.booking(booking.id)}#files`
        : null,
      levelGrades: levelGrades(plan),
      when: londonTime(booking.startsAt),
      action: paths.gradeBooking(booking.id),
      refusal,
      submitted:
        saved.grading?.status === 'submitted'
          ? {
              ...saved.grading,
              outcomeLabel: OUTCOME_LABELS[saved.grading.outcome],
              submittedAt: saved.grading.submittedAt ? londonTime(saved.grading.submittedAt) : '',
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
      coverage: coverageView(plan, booking.methodId, decisions, extra.sample ?? saved.grading?.sampledKsbs ?? []),
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
      checked: extra.checked,
    });
  };

  router.get(routes.gradeBooking, pageFor(...AREA_ROLES.grading), (req, res) => {
    renderGrading(res, req.params.id, { flash: req.query.saved === '1' ? 'Your draft has been saved.' : undefined });
  });

  router.post(routes.gradeBooking, pageFor(...AREA_ROLES.grading), (req, res) => {
    const { booking, plan } = loadGradable(res, req.params.id);
    const criteria = plan.criteria.filter((c) => c.method === booking.methodId);
    const body = req.body as Record<string, unknown>;
    const form = parseForm(gradingFormSchema, body);
    const kept = keptDecisions(criteria, body.c);
    const sample = [body.sampled].flat().filter((v): v is string => typeof v === 'string');
    const values = {
      outcome: typeof body.outcome === 'string' ? body.outcome : 'graded',
      outcomeReason: typeof body.outcomeReason === 'string' ? body.outcomeReason : '',
    };
    if (!form.ok)
      return renderGrading(res, req.params.id, {
        decisions: kept,
        sample,
        values,
        status: 400,
        errors: form.errors,
        errorList: form.errorList,
      });
    // "Check the grade": the same page with the grade these decisions give, nothing saved.
    if (form.value.action === 'check')
      return renderGrading(res, req.params.id, { decisions: kept, sample, values, checked: true });
    const submit = form.value.action === 'submit';
    if (submit && form.value.confirm !== 'yes') {
      return renderGrading(res, req.params.id, {
        decisions: kept,
        sample,
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
        sampledKsbs: form.value.sampled,
      },
      { submit, now: clock.now() },
    );
    if (!result.ok)
      return renderGrading(res, req.params.id, {
        decisions: kept,
        sample,
        values,
        status: result.kind === 'invalid' ? 400 : 409,
        ...refusalErrors(result),
      });
    res.redirect(303, submit ? paths.gradeBooking(booking.id) : `${paths.gradeBooking(booking.id)}?saved=1`);
  });

  return router;
}
