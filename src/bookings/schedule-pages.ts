import type { Clock } from '../clock.js';
import { adjustmentsShown } from '../adjustments/service.js';
import { Router } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { BOOKING_STATUSES } from './model.js';
import { assessorCalendar, calendarEntries } from './calendar.js';
import { expireHolds, methodNames, pageOfBookings } from './store.js';
import { addDays, isSupportedDate } from '../calendar.js';
import { dateLabel, todayInLondon } from '../dates.js';
import { PAGE_SIZE, pageAsked, pager } from '../http/paging.js';
import { assessorByCalendarToken } from './assessor-store.js';
import { view } from './view.js';

/** How many days the schedule shows at a time. */
const WINDOW_DAYS = 56;

const scheduleQuery = z.object({
  status: z.enum(BOOKING_STATUSES).optional().catch(undefined),
  from: z.string().refine(isSupportedDate).optional().catch(undefined),
});

/** The assessor's own schedule, and their private calendar feed (the secret in its URL is its only key). */
export function schedulePages(db: Db, clock: Clock): Router {
  const router = Router();

  router.get(paths.schedule, pageFor(...AREA_ROLES.ownSchedule), (req, res) => {
    const user = userOf(res);
    const today = todayInLondon(clock.now());
    const query = scheduleQuery.parse(req.query);
    // A window of eight weeks, from a week ago unless asked for another: recent assessments to grade, and those to come.
    const from = query.from ?? addDays(today, -7);
    const to = addDays(from, WINDOW_DAYS - 1);
    expireHolds(db, clock.now());
    const names = methodNames(db);
    const listed = pageOfBookings(
      db,
      { assessorUserId: user.id, status: query.status, from, to },
      pageAsked(req.query.page),
      PAGE_SIZE,
    );
    const link = (changes: { from?: string; page?: number }) => {
      const params = new URLSearchParams({ from: changes.from ?? from });
      if (query.status) params.set('status', query.status);
      if (changes.page && changes.page > 1) params.set('page', String(changes.page));
      return `${paths.schedule}?${params.toString()}`;
    };
    const adjusted = adjustmentsShown(
      db,
      listed.rows.map((r) => r.booking),
    );
    res.render('bookings/schedule', {
      title: 'My schedule',
      availabilityHref: paths.assessor(user.id),
      window: { from: dateLabel(from), to: dateLabel(to) },
      earlier: link({ from: addDays(from, -WINDOW_DAYS) }),
      later: link({ from: addDays(from, WINDOW_DAYS) }),
      thisWeek: query.from ? `${paths.schedule}${query.status ? `?status=${query.status}` : ''}` : null,
      pager: pager(listed, (page) => link({ page })),
      rows: listed.rows.map((r) => ({
        ...r,
        adjustments: adjusted(r.booking),
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
