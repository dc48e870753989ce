import type { Clock } from '../clock.js';
import { Router } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { BOOKING_STATUSES } from './model.js';
import { assessorCalendar, calendarEntries } from './calendar.js';
import { expireHolds, methodNames, listBookings } from './store.js';
import { assessorByCalendarToken } from './assessor-store.js';
import { view } from './view.js';

/** The assessor's own schedule, and their private calendar feed (the secret in its URL is its only key). */
export function schedulePages(db: Db, clock: Clock): Router {
  const router = Router();

  router.get(paths.schedule, pageFor(...AREA_ROLES.ownSchedule), (req, res) => {
    const user = userOf(res);
    const status = z.enum(BOOKING_STATUSES).optional().catch(undefined).parse(req.query.status);
    expireHolds(db, clock.now());
    const names = methodNames(db);
    res.render('bookings/schedule', {
      title: 'My schedule',
      availabilityHref: paths.assessor(user.id),
      rows: listBookings(db, { assessorUserId: user.id, status }).map((r) => ({
        ...r,
        booking: view(r.booking, names, {
          confirmHref: r.booking.status === 'held' ? paths.bookingAction(r.booking.id, 'confirm') : null,
          declineHref: r.booking.status === 'held' ? paths.bookingAction(r.booking.id, 'decline') : null,
          gradeHref:
            ['confirmed', 'completed'].includes(r.booking.status) &&
            Date.parse(r.booking.startsAt) <= clock.now().toMillis()
              ? paths.gradeBooking(r.booking.id)
              : null,
        }),
      })),
    });
  });

  /** The assessor's private iCalendar feed: the secret in the URL is the only key (calendar apps cannot sign in). */
  router.get(routes.calendarFeed, (req, res) => {
    const token = typeof req.params.token === 'string' ? req.params.token.replace(/\.ics$/, '') : '';
    const assessor = token ? assessorByCalendarToken(db, token) : undefined;
    if (!assessor) throw new HttpError(404, 'This calendar link is not valid or has been revoked');
    expireHolds(db, clock.now());
    res
      .type('text/calendar; charset=utf-8')
      .send(assessorCalendar(assessor.name, calendarEntries(db, assessor.userId)));
  });

  return router;
}
