import { systemClock } from '../src/clock.js';
import { ZONE } from '../src/dates.js';
import { paths } from '../src/paths.js';
import { LOAD_USERS, type LoadFixture } from './load-setup.js';

/*
 * Issue 18: every page a role opens daily, as the load bench requests them. Each page is a list
 * of paths that the run's connections take in turn (several apprentices, several bookings), so
 * that no page is measured on one record only. The assessor is the fixture's first, with the
 * bookings that have taken place for them to grade.
 */

export type LoadRole = keyof typeof LOAD_USERS | 'assessor';

export interface DailyPage {
  role: LoadRole;
  name: string;
  paths: string[];
}

const ROLE_NAMES: Record<LoadRole, string> = {
  admin: 'Administrator',
  assessor: 'Assessor',
  qualityAssurer: 'Quality assurer',
  provider: 'Provider',
  employer: 'Employer',
};

export function roleName(role: LoadRole): string {
  return ROLE_NAMES[role];
}

/** A Tuesday one to two weeks ahead, at ten: a time an administrator would book. */
function bookingDay(): string {
  return systemClock.now().setZone(ZONE).plus({ weeks: 1 }).set({ weekday: 2 }).toISODate()!;
}

export function dailyPages(fixture: LoadFixture): DailyPage[] {
  const ulns = fixture.acceptedUlns.slice(0, 20);
  const assessor = fixture.assessors[0]!;
  const toGrade = fixture.bookings.filter((b) => b.assessorUserId === assessor.id).slice(0, 20);
  const day = bookingDay();
  const bookingForm = (uln: string) =>
    `${paths.newBooking}?${new URLSearchParams({ uln, methodId: 'project', date: day, time: '10:00', mode: 'remote' }).toString()}`;
  return [
    { role: 'admin', name: 'home', paths: [paths.home] },
    { role: 'admin', name: 'apprentices (all)', paths: [paths.apprentices] },
    { role: 'admin', name: 'gateway queue', paths: [paths.gatewayQueue] },
    { role: 'admin', name: 'bookings', paths: [paths.bookings] },
    { role: 'admin', name: 'booking form (assessors)', paths: ulns.map(bookingForm) },
    { role: 'admin', name: 'apprentice page', paths: ulns.map((u) => paths.apprentice(u)) },
    { role: 'admin', name: 'outcomes dashboard', paths: [paths.reports] },
    { role: 'assessor', name: 'home', paths: [paths.home] },
    { role: 'assessor', name: 'schedule', paths: [paths.schedule] },
    { role: 'assessor', name: 'grading form', paths: toGrade.map((b) => paths.gradeBooking(b.id)) },
    { role: 'qualityAssurer', name: 'home', paths: [paths.home] },
    { role: 'qualityAssurer', name: 'moderation queue', paths: [paths.moderation] },
    { role: 'provider', name: 'home', paths: [paths.home] },
    { role: 'provider', name: 'dashboard (page 1)', paths: [paths.apprentices] },
    {
      role: 'provider',
      name: 'dashboard filters and pages',
      paths: [
        `${paths.apprentices}?page=2`,
        `${paths.apprentices}?state=accepted&page=3`,
        `${paths.apprentices}?unmet=maths`,
        `${paths.apprentices}?state=not_ready`,
      ],
    },
    { role: 'provider', name: 'apprentice page', paths: ulns.map((u) => paths.apprentice(u)) },
    { role: 'employer', name: 'home', paths: [paths.home] },
    { role: 'employer', name: 'apprentices', paths: [paths.apprentices] },
  ];
}

export function emailOf(fixture: LoadFixture, role: LoadRole): string {
  return role === 'assessor' ? fixture.assessors[0]!.email : LOAD_USERS[role];
}
