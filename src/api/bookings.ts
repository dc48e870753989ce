import { Router } from 'express';
import { z } from 'zod';
import { apprenticeFor } from '../apprentices/service.js';
import { findApprenticeById } from '../apprentices/store.js';
import { canChangeBooking, canSeeBooking } from '../bookings/access.js';
import { AREA_ROLES } from '../auth/roles.js';
import { BOOKING_STATUSES, REGIONS } from '../bookings/model.js';
import { assessorFacts, expireHolds, bookingById, changeBooking, createBooking, listBookings, type BookingListFilter, type BookingRow } from '../bookings/store.js';
import type { Db } from '../db/connection.js';
import { requireRole, userOf } from '../http/authorize.js';
import { HttpError } from '../http/errors.js';
import { dateQuery } from '../validation/fields.js';
import { problemsFromZod } from '../validation/problems.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { UnprocessableError } from './errors.js';

/** Paths inside /api/v1 for scheduling, spelled once. */
export const BOOKING_API = { list: '/bookings', one: '/bookings/:id', assessors: '/assessors' } as const;

const nullableText = (max: number) => z.string().trim().max(max).nullable().default(null);

export const bookingBodySchema = z.object({
  uln: z.string().regex(/^\d{10}$/, 'uln must be 10 digits'),
  methodId: z.string().min(1),
  assessorUserId: z.int().positive(),
  localStart: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'localStart is London wall-clock time, YYYY-MM-DDTHH:MM'),
  mode: z.enum(['in_person', 'remote']),
  region: z.enum(REGIONS).nullable().default(null),
  location: nullableText(300),
  link: z.url({ protocol: /^https?$/, error: 'link must be a web address starting https://' }).max(500).nullable().default(null),
});

export const bookingChangeSchema = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['confirm', 'complete']), reason: nullableText(500) }),
  z.object({ action: z.enum(['decline', 'cancel']), reason: z.string().trim().min(1, 'Give a reason').max(500) }),
  z.object({ action: z.literal('reschedule'), reason: z.string().trim().min(1, 'Give a reason').max(500), localStart: bookingBodySchema.shape.localStart, assessorUserId: z.int().positive().optional() }),
]);

const listQuery = z.object({ from: dateQuery('from'), to: dateQuery('to'), status: z.enum(BOOKING_STATUSES).optional() });
const idParam = z.object({ id: z.string().regex(/^[1-9]\d{0,9}$/).transform(Number) });

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

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new UnprocessableError(problemsFromZod(parsed.error));
  return parsed.data;
}

export function bookingApi(db: Db, options: { holdHours: number }): Router {
  const router = Router();
  const admins = requireRole(...AREA_ROLES.scheduling);

  const visible = (user: CurrentUser, id: unknown): BookingRow => {
    expireHolds(db);
    const params = idParam.safeParse({ id });
    const booking = params.success ? bookingById(db, params.data.id) : undefined;
    if (!booking || !canSeeBooking(db, user, booking)) throw new HttpError(404, 'There is no such booking in your records');
    return booking;
  };

  router.get(BOOKING_API.list, (req, res) => {
    const scope = scopeOf(userOf(res));
    if (!scope) throw new HttpError(403, 'You do not have permission to do this');
    const query = parse(listQuery, req.query);
    res.json({ bookings: listBookings(db, { ...scope, ...query }).map((r) => ({ ...bookingJson(r.booking), uln: r.uln, assessorName: r.assessorName })) });
  });

  router.post(BOOKING_API.list, admins, (req, res) => {
    const user = userOf(res);
    const body = parse(bookingBodySchema, req.body);
    const apprentice = apprenticeFor(db, user, body.uln, 'view');
    const result = createBooking(db, apprentice, body, actorOf(user), { holdHours: options.holdHours });
    if (!result.ok) return res.status(409).json({ errors: result.refusals.map((r) => ({ path: r.code, message: r.message })) });
    res.status(201).location(`/api/v1/bookings/${result.booking.id}`).json(bookingJson(result.booking));
  });

  router.get(BOOKING_API.one, (req, res) => {
    res.json(bookingJson(visible(userOf(res), req.params.id)));
  });

  router.patch(BOOKING_API.one, (req, res) => {
    const user = userOf(res);
    const booking = visible(user, req.params.id);
    const change = parse(bookingChangeSchema, req.body);
    if (!canChangeBooking(user, booking, change.action)) throw new HttpError(403, 'You do not have permission to do this');
    if (change.action === 'reschedule') {
      const apprentice = apprenticeFor(db, user, findApprenticeById(db, booking.apprenticeId)?.uln, 'view');
      const result = createBooking(
        db,
        apprentice,
        { methodId: booking.methodId, assessorUserId: change.assessorUserId ?? booking.assessorUserId, localStart: change.localStart, mode: booking.mode, region: booking.region, location: booking.location, link: booking.link },
        actorOf(user),
        { holdHours: options.holdHours, replacing: booking },
      );
      if (!result.ok) return res.status(409).json({ errors: result.refusals.map((r) => ({ path: r.code, message: r.message })) });
      return res.json(bookingJson(result.booking));
    }
    const result = changeBooking(db, booking.id, change.action, change.reason, actorOf(user));
    if (!result.ok) throw new HttpError(409, result.message);
    res.json(bookingJson(bookingById(db, booking.id)!));
  });

  router.get(BOOKING_API.assessors, admins, (_req, res) => {
    res.json({ assessors: assessorFacts(db) });
  });

  return router;
}
