import { IDENTIFIER_MAX } from '../plans/schema.js';
import { paths, routes } from '../paths.js';
import { sendResult, valueOrThrow } from '../http/results.js';
import { bookingFor, changePlace, holdBooking, rescheduleBooking, startMarking } from './service.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { DateTime } from 'luxon';
import { ZONE } from '../dates.js';
import { EARLIEST_DATE, LATEST_DATE, isSupportedDate } from '../calendar.js';
import { z } from 'zod';
import { apprenticeFor } from '../apprentices/service.js';
import { findApprenticeById } from '../apprentices/store.js';
import { canChangeBooking } from './access.js';
import { AREA_ROLES } from '../auth/roles.js';
import { BOOKING_STATUSES, REGIONS } from './model.js';
import {
  expireHolds,
  bookingById,
  changeBooking,
  listBookings,
  type BookingListFilter,
  type BookingRow,
} from './store.js';
import {
  addUnavailability,
  assessorFacts,
  declareConflict,
  unregisteredOrganisation,
  issueCalendarToken,
  revokeCalendarToken,
} from './assessor-store.js';
import type { Db } from '../db/connection.js';
import { requireRole, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { dateQuery, idParam } from '../validation/fields.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { parseOr422, UnprocessableError } from '../http/json-errors.js';

/** The JSON bodies for leave and conflicts: the same rules as the forms, with plain field names. */
export const unavailabilityBody = z
  .object({ from: z.iso.date(), to: z.iso.date(), reason: z.string().trim().min(1, 'Give a reason').max(200) })
  .refine((u) => u.from <= u.to, { path: ['to'], message: 'to must be the same as or after from' });
export const conflictBody = z
  .object({
    kind: z.enum(['employer', 'provider']),
    organisationId: z.string().trim().min(1).max(100),
    from: z.iso.date(),
    to: z.iso.date().nullable().default(null),
    reason: z.string().trim().min(1, 'Describe the link').max(300),
  })
  .refine((c) => c.to === null || c.from <= c.to, { path: ['to'], message: 'to must be the same as or after from' });

const nullableText = (max: number) => z.string().trim().max(max).nullable().default(null);

export const bookingBodySchema = z.object({
  uln: z.string().regex(/^\d{10}$/, 'uln must be 10 digits'),
  methodId: z.string().min(1).max(IDENTIFIER_MAX),
  assessorUserId: z.int().positive(),
  // A real calendar date and time of day (2025-02-30 or 25:00 is not); a time the clocks skip is a booking rule (409).
  localStart: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/, 'localStart is London wall-clock time, YYYY-MM-DDTHH:MM')
    .refine(
      (v) => isSupportedDate(v.slice(0, 10)),
      `localStart must be a real date between ${EARLIEST_DATE} and ${LATEST_DATE}`,
    ),
  mode: z.enum(['in_person', 'remote']),
  region: z.enum(REGIONS).nullable().default(null),
  location: nullableText(300),
  link: z
    .url({ protocol: /^https?$/, error: 'link must be a web address starting https://' })
    .max(500)
    .nullable()
    .default(null),
});

/** A provider's marker records a provider-marked component: the booking's fields without an assessor or region. */
export const markingBodySchema = bookingBodySchema.pick({
  methodId: true,
  localStart: true,
  mode: true,
  location: true,
  link: true,
});

export const bookingChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['confirm', 'complete']), reason: nullableText(500) }),
  z.object({ action: z.enum(['decline', 'cancel']), reason: z.string().trim().min(1, 'Give a reason').max(500) }),
  z.object({
    action: z.literal('reschedule'),
    reason: z.string().trim().min(1, 'Give a reason').max(500),
    localStart: bookingBodySchema.shape.localStart,
    assessorUserId: z.int().positive().optional(),
  }),
  // Where it takes place: an in-person booking's location or a remote one's meeting link (the other is ignored).
  z.object({
    action: z.literal('place'),
    location: nullableText(300),
    link: bookingBodySchema.shape.link,
    reason: nullableText(500),
  }),
]);

const listQuery = z.object({
  from: dateQuery('from'),
  to: dateQuery('to'),
  status: z.enum(BOOKING_STATUSES).optional(),
});

export function bookingJson(b: BookingRow) {
  return {
    id: b.id,
    methodId: b.methodId,
    assessorUserId: b.assessorUserId,
    localStart: b.localStart,
    startsAt: b.startsAt,
    endsAt: b.endsAt,
    mode: b.mode,
    region: b.region,
    location: b.location,
    link: b.link,
    status: b.status,
    statusReason: b.statusReason,
    holdExpiresAt: b.holdExpiresAt,
    rescheduledFromId: b.rescheduledFromId,
  };
}

/** Whose bookings a user may list: administrators all, assessors their own, providers and employers their apprentices'. */
function scopeOf(user: CurrentUser): BookingListFilter | null {
  if (user.role === 'admin') return {};
  if (user.role === 'assessor') return { assessorUserId: user.id };
  if (user.role === 'provider' && user.providerUkprn) return { providerUkprn: user.providerUkprn };
  if (user.role === 'employer' && user.employerId) return { employerId: user.employerId };
  return null;
}

export function bookingApi(db: Db, options: { holdHours: number; clock: Clock; baseUrl: string }): Router {
  const { clock, baseUrl } = options;
  const router = Router();
  const admins = requireRole(...AREA_ROLES.scheduling);

  const visible = (user: CurrentUser, id: unknown): BookingRow => valueOrThrow(bookingFor(db, user, id, clock.now()));

  router.get(routes.api.bookings.list, (req, res) => {
    const scope = scopeOf(userOf(res));
    if (!scope) throw new HttpError(403, 'You do not have permission to do this');
    const query = parseOr422(listQuery, req.query);
    expireHolds(db, clock.now());
    res.json({
      bookings: listBookings(db, { ...scope, ...query }).map((r) => ({
        ...bookingJson(r.booking),
        uln: r.uln,
        assessorName: r.assessorName,
      })),
    });
  });

  router.post(routes.api.apprentices.markings, requireRole('provider'), (req, res) => {
    const user = userOf(res);
    const apprentice = valueOrThrow(apprenticeFor(db, user, req.params.uln, 'mark'));
    const body = parseOr422(markingBodySchema, req.body);
    const booking = valueOrThrow(startMarking(db, user, apprentice, body, clock.now()));
    res.status(201).json(bookingJson(booking));
  });

  router.post(routes.api.bookings.list, admins, (req, res) => {
    const user = userOf(res);
    const body = parseOr422(bookingBodySchema, req.body);
    const apprentice = valueOrThrow(apprenticeFor(db, user, body.uln, 'view'));
    const result = holdBooking(db, user, apprentice, body, { holdHours: options.holdHours, now: clock.now() });
    if (result.ok) res.location(`/api/v1/bookings/${result.value.id}`);
    sendResult(res, result, bookingJson, 201);
  });

  router.get(routes.api.bookings.one, (req, res) => {
    res.json(bookingJson(visible(userOf(res), req.params.id)));
  });

  router.patch(routes.api.bookings.one, (req, res) => {
    const user = userOf(res);
    const booking = visible(user, req.params.id);
    const change = parseOr422(bookingChangeSchema, req.body);
    if (!canChangeBooking(user, booking, change.action))
      throw new HttpError(403, 'You do not have permission to do this');
    if (change.action === 'reschedule') {
      const apprentice = valueOrThrow(
        apprenticeFor(db, user, findApprenticeById(db, booking.apprenticeId)?.uln, 'view'),
      );
      const { localStart, assessorUserId } = change;
      const result = rescheduleBooking(
        db,
        user,
        apprentice,
        booking,
        { localStart, assessorUserId },
        {
          holdHours: options.holdHours,
          now: clock.now(),
        },
      );
      return sendResult(res, result, bookingJson);
    }
    if (change.action === 'place') {
      const { location, link, reason } = change;
      return sendResult(res, changePlace(db, user, booking, { location, link, reason }, clock.now()), bookingJson);
    }
    const result = changeBooking(db, booking.id, change.action, change.reason, actorOf(user), clock.now());
    if (!result.ok) throw new HttpError(409, result.message);
    res.json(bookingJson(bookingById(db, booking.id)!));
  });

  router.get(routes.api.bookings.assessors, admins, (_req, res) => {
    res.json({ assessors: assessorFacts(db) });
  });

  /** The assessor in the path: administrators reach any, an assessor only themself. */
  const assessorFor = (user: CurrentUser, id: unknown) => {
    const params = idParam.safeParse({ id });
    const facts =
      params.success && (user.role === 'admin' || (user.role === 'assessor' && user.id === params.data.id))
        ? assessorFacts(db, params.data.id)[0]
        : undefined;
    if (!facts) throw new HttpError(404, 'There is no such assessor in your records');
    return facts;
  };

  /** One day of an assessor's diary: working hours, leave and active bookings (London time). */
  router.get(routes.api.bookings.availability, (req, res) => {
    const facts = assessorFor(userOf(res), req.params.id);
    const { date } = parseOr422(z.object({ date: dateQuery('date').unwrap() }), req.query);
    const weekday = DateTime.fromISO(date, { zone: ZONE }).weekday;
    expireHolds(db, clock.now());
    res.json({
      assessorUserId: facts.userId,
      date,
      workingHours: facts.workingHours.find((h) => h.weekday === weekday) ?? null,
      unavailable: facts.unavailable.filter((u) => u.from <= date && date <= u.to),
      bookings: listBookings(db, { assessorUserId: facts.userId, from: date, to: date })
        .filter((r) => ['held', 'confirmed', 'completed'].includes(r.booking.status))
        .map((r) => ({
          id: r.booking.id,
          localStart: r.booking.localStart,
          endsAt: r.booking.endsAt,
          status: r.booking.status,
        })),
      capacity: { perDay: facts.perDay, perWeek: facts.perWeek },
    });
  });

  router.post(routes.api.bookings.unavailability, (req, res) => {
    const user = userOf(res);
    const facts = assessorFor(user, req.params.id);
    addUnavailability(db, facts.userId, parseOr422(unavailabilityBody, req.body), actorOf(user));
    res.status(201).json({ assessorUserId: facts.userId });
  });

  router.get(routes.api.bookings.conflicts, (req, res) => {
    res.json({ conflicts: assessorFor(userOf(res), req.params.id).declaredConflicts });
  });

  router.post(routes.api.bookings.conflicts, (req, res) => {
    const user = userOf(res);
    const facts = assessorFor(user, req.params.id);
    const body = parseOr422(conflictBody, req.body);
    const unregistered = unregisteredOrganisation(db, body.kind, body.organisationId);
    if (unregistered) throw new UnprocessableError([{ path: 'organisationId', message: unregistered }]);
    declareConflict(db, facts.userId, body, actorOf(user));
    res.status(201).json({ assessorUserId: facts.userId });
  });

  /** A new private calendar feed URL, given once (any earlier one stops working); audited. */
  router.post(routes.api.bookings.calendar, (req, res) => {
    const user = userOf(res);
    const facts = assessorFor(user, req.params.id);
    const token = issueCalendarToken(db, facts.userId, actorOf(user));
    res.status(201).json({
      assessorUserId: facts.userId,
      url: `${baseUrl}${paths.calendarFeed(token)}`,
    });
  });

  router.delete(routes.api.bookings.calendar, (req, res) => {
    const user = userOf(res);
    revokeCalendarToken(db, assessorFor(user, req.params.id).userId, actorOf(user));
    res.status(204).end();
  });

  return router;
}
