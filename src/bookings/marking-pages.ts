import { Router, type Response } from 'express';
import { z } from 'zod';
import { apprenticeFor } from '../apprentices/service.js';
import type { ApprenticeDetail } from '../apprentices/store.js';
import { pageFor, userOf } from '../auth/authorize.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { londonTime } from '../dates.js';
import { gradingOfBooking } from '../grading/store.js';
import { MODERATION_LABELS } from '../grading/model.js';
import { formErrors, parseForm, type FormErrors } from '../http/forms.js';
import { refusalError } from '../http/results.js';
import { fullName } from '../names.js';
import { paths, routes } from '../paths.js';
import { IDENTIFIER_MAX } from '../plans/schema.js';
import { wordsFor } from '../plans/words.js';
import { planForApprentice } from '../plans/store.js';
import { ACTIVE_STATUSES } from './model.js';
import { startMarking } from './service.js';
import { slotFields } from './slot-fields.js';
import { epaContext, bookingsOfApprentice } from './store.js';

/** The marker's form: which provider-marked component, when it took place (or will), and how. */
const markingSchema = z
  .object({
    methodId: z
      .string({ error: 'Choose the component' })
      .min(1, 'Choose the component')
      .max(IDENTIFIER_MAX, 'Choose the component'),
    ...slotFields('component'),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'in_person' && !v.location)
      ctx.addIssue({ code: 'custom', path: ['location'], message: 'Enter where the component takes place' });
  });
const DATE_FIELDS = { date: 'date-day' };
/** Which field of the form each booking rule's refusal belongs to (the rest are about the date and time). */
const REFUSAL_FIELDS: Record<string, string> = {
  method_order: 'methodId',
  method_already_booked: 'methodId',
  not_a_marker: 'methodId',
  delivery_mode: 'mode',
};

/**
 * Provider-marked components (reformed plans): the provider's marker records one and marks it
 * with the assessor's grading form; the assessment organisation moderates it before release.
 */
export function markingPages(db: Db, clock: Clock): Router {
  const router = Router();
  const markers = pageFor('provider');

  const render = (
    res: Response,
    apprentice: ApprenticeDetail,
    extra: { values?: object } & Partial<FormErrors> = {},
  ) => {
    const user = userOf(res);
    const plan = planForApprentice(db, apprentice);
    const context = epaContext(db, apprentice);
    const marked = context.toAssess.filter((m) => m.marker === 'provider');
    const recorded = bookingsOfApprentice(db, apprentice.id)
      .map((r) => r.booking)
      .filter((b) => b.attempt === context.attempt && ACTIVE_STATUSES.includes(b.status))
      .filter((b) => marked.some((m) => m.id === b.methodId));
    res.render('marking/apprentice', {
      title: 'Provider-marked components',
      backLink: paths.apprentice(apprentice.uln),
      apprentice,
      name: fullName(apprentice),
      words: wordsFor(plan),
      components: marked.map((m) => {
        const booking = recorded.find((b) => b.methodId === m.id);
        const grading = booking ? gradingOfBooking(db, booking.id).grading : undefined;
        return {
          name: m.name,
          timing: m.timing === 'during' ? 'During the apprenticeship' : 'At the end, after gateway to completion',
          when: booking ? londonTime(booking.startsAt) : null,
          status: !booking
            ? 'Not recorded'
            : grading
              ? grading.status === 'draft'
                ? 'Marking started (draft saved)'
                : `Marked: ${grading.grade ?? grading.outcome}. ${MODERATION_LABELS[grading.moderation]}`
              : 'Not marked yet',
          markHref: booking && booking.assessorUserId === user.id ? paths.gradeBooking(booking.id) : null,
          // Not marked yet: its marker may cancel it and record it again (a submitted marking stands).
          bookingHref:
            booking && booking.assessorUserId === user.id && grading?.status !== 'submitted'
              ? paths.booking(booking.id)
              : null,
        };
      }),
      toRecord: marked
        .filter((m) => !recorded.some((b) => b.methodId === m.id))
        .map((m) => ({ value: m.id, text: `${m.name} (${m.durationMinutes} minutes)` })),
      modes: [
        { value: 'remote', text: 'Remote' },
        { value: 'in_person', text: 'In person' },
      ],
      action: paths.apprenticeMarking(apprentice.uln),
      values: extra.values ?? {},
      errors: extra.errors,
      errorList: extra.errorList,
    });
  };

  const markable = (res: Response, uln: unknown) => {
    const found = apprenticeFor(db, userOf(res), uln, 'mark');
    if (!found.ok) throw refusalError(found);
    return found.value;
  };

  router.get(routes.apprenticeMarking, markers, (req, res) => {
    render(res, markable(res, req.params.uln));
  });

  router.post(routes.apprenticeMarking, markers, (req, res) => {
    const apprentice = markable(res, req.params.uln);
    const values = req.body as Record<string, unknown>;
    const form = parseForm(markingSchema, values, DATE_FIELDS);
    if (!form.ok) {
      res.status(400);
      return render(res, apprentice, { values, errors: form.errors, errorList: form.errorList });
    }
    const made = startMarking(
      db,
      userOf(res),
      apprentice,
      { ...form.value, localStart: `${form.value.date}T${form.value.time}` },
      clock.now(),
    );
    if (!made.ok) {
      res.status(made.kind === 'conflict' ? 409 : 400);
      const problems = made.problems.map((p) => ({ path: REFUSAL_FIELDS[p.path] ?? 'date', message: p.message }));
      return render(res, apprentice, { values, ...formErrors(problems, DATE_FIELDS) });
    }
    res.redirect(303, paths.gradeBooking(made.value.id));
  });

  return router;
}
