import { AREA_ROLES, sitsOnPanelsOnly, type Role } from './roles.js';
import { paths } from '../paths.js';

interface NavItem {
  href: string;
  text: string;
  roles: readonly Role[];
  /** Not for an external quality assurer, who sits on appeal panels only. */
  internal?: true;
}

const NAV: NavItem[] = [
  { href: paths.apprentices, text: 'Apprentices', roles: AREA_ROLES.apprentices },
  { href: paths.gatewayQueue, text: 'Gateway reviews', roles: AREA_ROLES.gatewayReview },
  { href: paths.bookings, text: 'Bookings', roles: AREA_ROLES.scheduling },
  { href: paths.schedule, text: 'My schedule', roles: AREA_ROLES.ownSchedule },
  { href: paths.results, text: 'Results', roles: AREA_ROLES.results },
  { href: paths.moderation, text: 'Moderation', roles: AREA_ROLES.moderation, internal: true },
  { href: paths.appeals, text: 'Appeals', roles: AREA_ROLES.appealReview },
  { href: paths.requests, text: 'Adjustments', roles: AREA_ROLES.requestDecisions },
  { href: paths.cases, text: 'Cases', roles: AREA_ROLES.cases, internal: true },
  { href: paths.reports, text: 'Reports', roles: AREA_ROLES.reports, internal: true },
  { href: paths.claims, text: 'Certificate claims', roles: AREA_ROLES.claims },
  { href: paths.assessors, text: 'Assessors', roles: AREA_ROLES.administration },
  { href: paths.standards, text: 'Standards', roles: AREA_ROLES.standards },
  { href: paths.admin.users, text: 'Users', roles: AREA_ROLES.administration },
  { href: paths.admin.importPlan, text: 'Import a plan', roles: AREA_ROLES.administration },
  { href: paths.admin.audit, text: 'Audit log', roles: AREA_ROLES.administration },
  { href: paths.admin.settings, text: 'Settings', roles: AREA_ROLES.administration },
  { href: paths.outbox, text: 'Outbox', roles: AREA_ROLES.administration },
];

/** The header links a user sees (by role; an external reviewer not the assessment organisation's own work); the current section is marked. */
export function navigationFor(
  user: { role: Role; externalReviewer: boolean } | undefined,
  currentPath: string,
): { href: string; text: string; current: boolean }[] {
  if (!user) return [];
  return NAV.filter((item) => item.roles.includes(user.role) && !(item.internal && sitsOnPanelsOnly(user))).map(
    ({ href, text }) => ({
      href,
      text,
      current: currentPath === href || currentPath.startsWith(`${href}/`),
    }),
  );
}
