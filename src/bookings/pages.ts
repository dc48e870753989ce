import type { MethodFacts } from './model.js';
import { PAGE_SIZE, pageAsked, pager, slicePage } from '../http/paging.js';
import { IDENTIFIER_MAX } from '../plans/schema.js';
import { fullName } from '../names.js';
import { adjustmentsShown } from '../adjustments/service.js';
import { BOOKING_ACTIONS, BOOKING_TRANSITIONS, allowedActions } from './rules.js';
import { refusalError } from '../http/results.js';
import { bookingFor, changePlace, holdBooking, rescheduleBooking } from './service.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { canActOn } from '../apprentices/access.js';
import { canChangeBooking } from './access.js';
import { slotFields } from './slot-fields.js';
import { findApprenticeById, findApprenticeByUln } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { isoInstant, todayInLondon } from '../dates.js';
import { dateParts } from '../apprentices/page-helpers.js';
import { pageFor, requireSignIn, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors, parseForm, textField } from '../http/forms.js';
import { problemsFromZod, type Problem } from '../validation/problems.js';
import { paths, routes } from '../paths.js';
import { attachUpload, filesForPage } from '../evidence/pages.js';
import { bookingEvidenceOf } from '../evidence/service.js';
import { actorOf, findUser } from '../users/store.js';
import { blankToNull, decimalInput } from '../validation/fields.js';
import { REGIONS, REGION_LABELS, type BookingStatus } from './model.js';
import { assessorRefusals, judgeAssessment } from './rules.js';
import {
  bookingsAtRisk,
  expireHolds,
  methodNames,
  bookingById,
  bookingQueue,
  duringQueue,
  changeBooking,
  epaContext,
  epaContextNow,
  bookingsOfDays,
  bookingsOfApprentice,
  listBookings,
  pageOfBookings,
  methodNameFor,
  type BookingRow,
} from './store.js';
import { everyAssessorFacts } from './assessor-store.js';
import { view } from './view.js';
import { schedulePages } from './schedule-pages.js';
import { markingPages } from './marking-pages.js';

/** The booking form: step one chooses when and how; step two (with an assessor) makes the hold. */
const slotSchema = z
  .object({
    uln: z.string().regex(/^\d{10}$/, 'Choose an apprentice'),
    methodId: z
      .string({ error: 'Choose the assessment method' })
      .min(1, 'Choose the assessment method')
      .max(IDENTIFIER_MAX, 'Choose the assessment method'),
    ...slotFields('assessment'),
    region: z.preprocess(blankToNull, z.enum(REGIONS, { error: 'Choose a region' }).nullable()),
    replace: z.preprocess(blankToNull, z.preprocess(decimalInput, z.number().int().positive().nullable())).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'in_person' && !v.region)
      ctx.addIssue({ code: 'custom', path: ['region'], message: 'Choose the region where the assessment takes place' });
    if (v.mode === 'in_person' && !v.location)
      ctx.addIssue({ code: 'custom', path: ['location'], message: 'Enter where the assessment takes place' });
  });
const bookSchema = z.object({
  assessorUserId: z.preprocess(
    decimalInput,
    z.number({ error: 'Choose an assessor' }).int().positive('Choose an assessor'),
  ),
});
const reasonSchema = z.object({
  reason: z.preprocess(blankToNull, z.string().max(500, 'The reason must be 500 characters or fewer').nullable()),
});
const DATE_FIELDS = { date: 'date-day' };
/** Where a booking takes place, changed after booking: the field its mode uses, and an optional reason. */
const placeSchema = z.object({
  location: slotFields('assessment').location,
  link: slotFields('assessment').link,
  reason: reasonSchema.shape.reason,
});
/** The statuses in which a booking can still be moved or its place changed. */
const PLACE_STATUSES: readonly BookingStatus[] = ['held', 'confirmed'];

/** A row of a queue waiting for bookings: whom, and a link to book each method still unbooked. */
function waiting(row: {
  apprentice: { uln: string; givenNames: string; familyName: string };
  unbooked: MethodFacts[];
}) {
  return {
    name: fullName(row.apprentice),
    apprenticeHref: paths.apprentice(row.apprentice.uln),
    methods: row.unbooked.map((m) => ({
      name: m.name,
      href: `${paths.newBooking}?${new URLSearchParams({ uln: row.apprentice.uln, methodId: m.id }).toString()}`,
    })),
  };
}

/** The booking form's values for a booking as it stands: its London date and time, how, where, and its assessor. */
function bookedChoices(booking: BookingRow): Record<string, unknown> {
  const [date, time] = booking.localStart.split('T');
  return {
    date: dateParts(date),
    time,
    mode: booking.mode,
    region: booking.region ?? '',
    location: booking.location ?? '',
    link: booking.link ?? '',
    assessorUserId: String(booking.assessorUserId),
  };
}

export function bookingRoutes(db: Db, options: { holdHours: number; clock: Clock }): Router {
  const { clock } = options;
  const router = Router();
  const admins = pageFor(...AREA_ROLES.scheduling);

  const loadBooking = (res: Response, id: unknown) => {
    const found = bookingFor(db, userOf(res), id, clock.now());
    if (!found.ok) throw refusalError(found);
    return found.value;
  };

  router.get(paths.bookings, admins, (req, res) => {
    expireHolds(db, clock.now());
    const today = todayInLondon(clock.now());
    const booked = z.preprocess(decimalInput, z.number().int().positive()).safeParse(req.query.booked);
    const names = methodNames(db);
    // Each list 50 a page, each with its own page number: a busy assessment organisation has thousands.
    const asked = {
      queuePage: pageAsked(req.query.queuePage),
      duringPage: pageAsked(req.query.duringPage),
      page: pageAsked(req.query.page),
    };
    const listLink = (change: Partial<typeof asked>, anchor: string) =>
      `${paths.bookings}?${new URLSearchParams(Object.entries({ ...asked, ...change }).map(([k, v]): [string, string] => [k, String(v)])).toString()}#${anchor}`;
    const queue = slicePage(bookingQueue(db, today), asked.queuePage);
    const during = slicePage(duringQueue(db), asked.duringPage);
    const upcoming = pageOfBookings(db, { from: today }, asked.page, PAGE_SIZE);
    res.render('bookings/index', {
      title: 'Bookings',
      flash: booked.success ? `${booked.data} holds booked. Each assessor has been asked to confirm theirs.` : null,
      autoScheduleHref: paths.autoSchedules,
      during: during.rows.map((row) => ({ ...waiting(row), from: row.from })),
      duringPager: pager(during, (p) => listLink({ duringPage: p }, 'during-queue')),
      queue: queue.rows.map((row) => ({ ...row, ...waiting(row) })),
      queuePager: pager(queue, (p) => listLink({ queuePage: p }, 'booking-queue')),
      bookings: upcoming.rows.map((r) => ({ ...r, booking: view(r.booking, names) })),
      upcoming: pager(upcoming, (p) => listLink({ page: p }, 'upcoming-bookings')),
    });
  });

  /** Step one, and step two once when and how are chosen: only assessors the rules allow are offered. */
  router.get(paths.newBooking, admins, (req, res) => {
    const query = req.query as Record<string, unknown>;
    const replacing =
      typeof query.replace === 'string' && /^\d+$/.test(query.replace)
        ? bookingById(db, Number(query.replace))
        : undefined;
    const apprentice = findApprenticeByUln(
      db,
      textField(replacing ? { uln: findApprenticeById(db, replacing.apprenticeId)?.uln } : query, 'uln'),
    );
    if (!apprentice) throw new HttpError(404, 'There is no such apprentice');
    const context = epaContextNow(db, apprentice);
    // A reschedule opens with the booking as it stands (its time, place and assessor) and keeps its method.
    const values: Record<string, unknown> = {
      ...(replacing && !query.date && !query.time ? bookedChoices(replacing) : {}),
      ...query,
      uln: apprentice.uln,
      ...(replacing ? { methodId: replacing.methodId, replace: String(replacing.id) } : {}),
    };
    const page = {
      title: replacing ? 'Reschedule an assessment' : 'Book an assessment',
      apprentice,
      epaPeriod: context.epaPeriod,
      // The provider's marker records a provider-marked component; before gateway only components during the apprenticeship are booked.
      methods: context.methods
        .filter((m) => m.marker !== 'provider' && (context.epaPeriod || m.timing === 'during'))
        .map((m) => ({
          value: m.id,
          text: `${m.name} (${m.durationMinutes} minutes${m.adjusted ? `, with the approved adjustments: ${m.adjusted.words}` : ''})`,
        })),
      rescheduledMethod: replacing ? (context.methods.find((m) => m.id === replacing.methodId)?.name ?? null) : null,
      modes: [
        { value: 'remote', text: 'Remote' },
        { value: 'in_person', text: 'In person' },
      ],
      regions: [{ value: '', text: 'Choose a region' }, ...REGIONS.map((r) => ({ value: r, text: REGION_LABELS[r] }))],
      values,
      backLink: paths.bookings,
    };
    if (!values.date && !values.time) return res.render('bookings/new', page);
    const slot = parseForm(slotSchema, values, DATE_FIELDS);
    if (!slot.ok)
      return res.status(400).render('bookings/new', { ...page, errors: slot.errors, errorList: slot.errorList });
    const method = context.methods.find((m) => m.id === slot.value.methodId);
    if (!method)
      return res.status(400).render('bookings/new', {
        ...page,
        ...formErrors([{ path: 'methodId', message: 'Choose the assessment method' }]),
      });
    const localStart = `${slot.value.date}T${slot.value.time}`;
    expireHolds(db, clock.now());
    const assessors = everyAssessorFacts(db);
    // Capacity and clashes need the assessors' bookings around that week; order rules need all of the apprentice's.
    const around = (days: number) => DateTime.fromISO(slot.value.date).plus({ days }).toISODate()!;
    const nearby = [...bookingsOfDays(db, around(-7), around(7)), ...bookingsOfApprentice(db, apprentice.id)].map(
      ({ booking: b }) => b,
    );
    const existing = [...new Map(nearby.map((b) => [b.id, b])).values()];
    const request = {
      apprentice,
      epaPeriod: context.epaPeriod,
      onProgrammeFrom: context.onProgrammeFrom,
      method,
      methods: context.methods,
      localStart,
      mode: slot.value.mode,
      existing,
      replacing: replacing?.id ?? null,
      now: isoInstant(clock.now()),
    };
    const chosen = { method: method.name, localStart: localStart.replace('T', ' at ') };
    // What blocks the assessment whoever assesses it is said once, first; assessors are judged only when nothing does.
    const { refusals: blocked, times, others } = judgeAssessment(request);
    if (blocked.length > 0 || !times)
      return res.render('bookings/new', { ...page, chosen, blocked: blocked.map((r) => r.message) });
    const judged = assessors.map((assessor) => ({
      assessor,
      refusals: assessorRefusals({ ...request, assessor, region: slot.value.region }, times, others),
    }));
    res.render('bookings/new', {
      ...page,
      chosen,
      refused: typeof query.refused === 'string' ? query.refused.slice(0, 1000) : null,
      available: judged
        .filter((j) => j.refusals.length === 0)
        .map((j) => ({ value: String(j.assessor.userId), text: j.assessor.name })),
      unavailable: judged
        .filter((j) => j.refusals.length > 0)
        .map((j) => ({ name: j.assessor.name, reasons: j.refusals.map((r) => r.message) })),
    });
  });

  router.post(paths.bookings, admins, (req, res) => {
    const slot = parseForm(slotSchema, req.body, DATE_FIELDS);
    const choice = bookSchema.safeParse(req.body);
    if (!slot.ok || !choice.success) throw new HttpError(400, 'Choose the method, time, place and assessor again');
    const apprentice = findApprenticeByUln(db, slot.value.uln);
    if (!apprentice) throw new HttpError(404, 'There is no such apprentice');
    const replacing = slot.value.replace ? bookingById(db, slot.value.replace) : undefined;
    if (slot.value.replace && !replacing) throw new HttpError(404, 'There is no such booking to reschedule');
    const chosen = {
      assessorUserId: choice.data.assessorUserId,
      localStart: `${slot.value.date}T${slot.value.time}`,
      mode: slot.value.mode,
      region: slot.value.region,
      location: slot.value.location,
      link: slot.value.link,
    };
    const settings = { holdHours: options.holdHours, now: clock.now() };
    const user = userOf(res);
    const result = replacing
      ? rescheduleBooking(db, user, apprentice, replacing, chosen, settings)
      : holdBooking(db, user, apprentice, { ...chosen, methodId: slot.value.methodId }, settings);
    if (!result.ok && result.kind !== 'conflict') throw refusalError(result);
    if (!result.ok) {
      // Back to the form with every choice kept, the reasons, and the assessors still available.
      const d = slot.value.date.split('-');
      const kept = {
        uln: slot.value.uln,
        methodId: slot.value.methodId,
        'date[day]': String(Number(d[2])),
        'date[month]': String(Number(d[1])),
        'date[year]': d[0]!,
        time: slot.value.time,
        mode: slot.value.mode,
        region: slot.value.region ?? '',
        location: slot.value.location ?? '',
        link: slot.value.link ?? '',
        ...(slot.value.replace ? { replace: String(slot.value.replace) } : {}),
      };
      return res.redirect(
        303,
        `${paths.newBooking}?${new URLSearchParams({ ...kept, refused: result.problems.map((p) => p.message).join('; ') }).toString()}#assessors`,
      );
    }
    res.redirect(paths.booking(result.value.id));
  });

  /**
   * The booking's page; `refused` shows it again with an error summary (400, or 409 for a change
   * the booking no longer allows) and what was typed. Problem paths are the fields' ids:
   * reason-<action>, place-location, place-link, or booking-actions for the booking as a whole.
   */
  const showBooking = (
    res: Response,
    booking: BookingRow,
    refused?: { status: number; problems: Problem[]; typed: Record<string, string> },
    extra: { flash?: string; errors?: Record<string, string>; errorList?: unknown } = {},
  ) => {
    const user = userOf(res);
    const apprentice = findApprenticeById(db, booking.apprenticeId)!;
    const methodName = methodNameFor(db, apprentice, booking.methodId);
    const shown = refused ? formErrors(refused.problems) : { errors: {} as Record<string, string> };
    const typed = refused?.typed ?? {};
    const placeField = booking.mode === 'in_person' ? 'location' : 'link';
    const evidence = bookingEvidenceOf(db, user, { id: String(booking.id) }, 'view');
    res.status(refused?.status ?? 200).render('bookings/show', {
      // Its assessment evidence (project report, presentation, recording), with the upload form for those who may add to it.
      evidence: evidence.ok
        ? filesForPage(
            db,
            { apprentice: evidence.value.apprentice, recordType: 'booking', recordKey: String(booking.id) },
            bookingEvidenceOf(db, user, { id: String(booking.id) }, 'edit', isoInstant(clock.now())).ok
              ? paths.bookingFiles(booking.id)
              : null,
            'For example the project report, the presentation or the recording of the assessment. The assessor, the apprentice’s provider, the assessment organisation and, once it is graded, its quality assurers see it; the employer does not.',
          )
        : null,
      // What was approved is for those who run or arrange the assessment; the employer is not shown it (it may speak of health).
      adjustments:
        user.role === 'employer' ? null : adjustmentsOfBooking(db, apprentice, booking, isoInstant(clock.now())),
      reportHref: (AREA_ROLES.cases as readonly string[]).includes(user.role)
        ? `${paths.newCase}?uln=${encodeURIComponent(apprentice.uln)}&methodId=${encodeURIComponent(booking.methodId)}`
        : null,
      ...shown,
      ...extra,
      title: `${methodName}: ${fullName(apprentice)}`,
      booking: view(booking, new Map([[booking.methodId, methodName]])),
      assessorName: findUser(db, booking.assessorUserId)?.name ?? null,
      apprentice,
      apprenticeHref: canActOn(user, apprentice, 'view') ? paths.apprentice(apprentice.uln) : null,
      methodName,
      atRisk: bookingsAtRisk(db, { bookingId: booking.id }, clock.now())[0]?.reasons ?? null,
      actions: allowedActions(booking.status)
        .filter((a) => canChangeBooking(user, booking, a))
        .map((a) => ({
          action: a,
          href: paths.bookingAction(booking.id, a),
          needsReason: BOOKING_TRANSITIONS[a].needsReason !== null,
          reasonError: shown.errors[`reason-${a}`] ?? null,
          reason: typed[`reason-${a}`] ?? '',
        })),
      // Where it takes place, changed after booking: a held or confirmed booking not yet started, by its assessor or an administrator.
      place:
        PLACE_STATUSES.includes(booking.status) &&
        booking.startsAt > isoInstant(clock.now()) &&
        canChangeBooking(user, booking, 'place')
          ? {
              href: paths.bookingPlace(booking.id),
              field: placeField,
              label: placeField === 'location' ? 'Location' : 'Meeting link',
              value: typed[`place-${placeField}`] ?? booking[placeField] ?? '',
              error: shown.errors[`place-${placeField}`] ?? null,
              reason: typed['place-reason'] ?? '',
              reasonError: shown.errors['place-reason'] ?? null,
            }
          : null,
      rescheduleHref:
        user.role === 'admin' && PLACE_STATUSES.includes(booking.status)
          ? `${paths.newBooking}?replace=${booking.id}`
          : null,
      backLink:
        user.role === 'assessor'
          ? paths.schedule
          : user.role === 'admin'
            ? paths.bookings
            : paths.apprentice(apprentice.uln),
    });
  };

  router.get(routes.booking, requireSignIn, (req, res) => {
    showBooking(res, loadBooking(res, req.params.id), undefined, {
      flash: req.query.uploaded === '1' ? 'The file is uploaded.' : undefined,
    });
  });

  // Its files arrive through acceptEvidence (app.ts), which has checked who may add to it; before the actions' /:action.
  router.post(
    routes.bookingFiles,
    requireSignIn,
    attachUpload(
      db,
      clock,
      'booking',
      (res, params, locals, status) =>
        showBooking(
          res,
          loadBooking(res, (params as { id?: unknown }).id),
          { status, problems: [], typed: {} },
          locals,
        ),
      (record) => paths.booking(Number(record.recordKey)),
    ),
  );

  router.post(routes.bookingPlace, requireSignIn, (req, res) => {
    const user = userOf(res);
    const booking = loadBooking(res, req.params.id);
    if (!canChangeBooking(user, booking, 'place')) throw new HttpError(403, 'You do not have permission to do this');
    const typed = {
      'place-location': textField(req.body, 'location'),
      'place-link': textField(req.body, 'link'),
      'place-reason': textField(req.body, 'reason'),
    };
    const form = placeSchema.safeParse(req.body);
    if (!form.success)
      return showBooking(res, booking, {
        status: 400,
        problems: problemsFromZod(form.error).map((p) => ({ ...p, path: `place-${p.path}` })),
        typed,
      });
    const result = changePlace(db, user, booking, form.data, clock.now());
    if (!result.ok) {
      if (result.kind === 'forbidden' || result.kind === 'not_found') throw refusalError(result);
      return showBooking(res, bookingById(db, booking.id) ?? booking, {
        status: result.kind === 'invalid' ? 400 : 409,
        problems: result.problems.map((p) => ({
          ...p,
          path: p.path === 'location' ? 'place-location' : 'booking-actions',
        })),
        typed,
      });
    }
    res.redirect(303, paths.booking(booking.id));
  });

  router.post(routes.bookingAction, requireSignIn, (req, res) => {
    const user = userOf(res);
    const booking = loadBooking(res, req.params.id);
    const action = BOOKING_ACTIONS.find((a) => a === req.params.action);
    if (!action) throw new HttpError(404, 'Page not found');
    if (!canChangeBooking(user, booking, action)) throw new HttpError(403, 'You do not have permission to do this');
    const typed = { [`reason-${action}`]: textField(req.body, 'reason') };
    const refused = (status: number, path: string, message: string) =>
      showBooking(res, booking, { status, problems: [{ path, message }], typed });
    const form = reasonSchema.safeParse(req.body);
    if (!form.success) return refused(400, `reason-${action}`, form.error.issues[0]!.message);
    const result = changeBooking(db, booking.id, action, form.data.reason, actorOf(user), clock.now());
    // A blank reason (spaces included) where one is needed, or a change the booking no longer allows: the page again, saying why.
    if (!result.ok)
      return result.path === 'reason'
        ? refused(400, `reason-${action}`, result.message)
        : showBooking(res, bookingById(db, booking.id) ?? booking, {
            status: 409,
            problems: [{ path: 'booking-actions', message: result.message }],
            typed,
          });
    res.redirect(user.role === 'assessor' ? paths.schedule : paths.booking(booking.id));
  });

  router.use(schedulePages(db, clock));
  router.use(markingPages(db, clock));

  return router;
}

/** Bookings of one apprentice (listBookings), as their own page shows them. */
export function bookingsShown(db: Db, rows: ReturnType<typeof listBookings>) {
  const names = methodNames(db);
  return rows.map((r) => ({ ...r, booking: view(r.booking, names) }));
}

/**
 * A booking's approved adjustments as its page shows them (to the assessor too: no reasons), and,
 * before it starts, whether its slot is shorter than the method needs with its extra time
 * (approved after booking): it can still be rescheduled then, and every approval so far is in
 * force for it.
 */
function adjustmentsOfBooking(db: Db, apprentice: Parameters<typeof epaContext>[1], booking: BookingRow, now: string) {
  const words = adjustmentsShown(db, [booking])(booking);
  if (!words) return null;
  const upcoming = ['held', 'confirmed'].includes(booking.status) && booking.startsAt > now;
  if (!upcoming) return { words, shortBy: null };
  const needs = epaContext(db, apprentice).methods.find((m) => m.id === booking.methodId)?.durationMinutes ?? 0;
  const booked = Math.round((Date.parse(booking.endsAt) - Date.parse(booking.startsAt)) / 60_000);
  return { words, shortBy: booked < needs ? { booked, needs } : null };
}
