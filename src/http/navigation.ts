import type { Role } from '../auth/roles.js';
import { paths } from '../paths.js';

interface NavItem {
  href: string;
  text: string;
  roles: readonly Role[] | 'all';
}

const NAV: NavItem[] = [
  { href: paths.apprentices, text: 'Apprentices', roles: ['admin', 'provider', 'employer'] },
  { href: paths.gatewayQueue, text: 'Gateway reviews', roles: ['admin'] },
  { href: paths.standards, text: 'Standards', roles: 'all' },
  { href: paths.admin.users, text: 'Users', roles: ['admin'] },
  { href: paths.admin.importPlan, text: 'Import a plan', roles: ['admin'] },
  { href: paths.admin.audit, text: 'Audit log', roles: ['admin'] },
];

/** The header links a role sees; the current section is marked. */
export function navigationFor(role: Role | undefined, currentPath: string): { href: string; text: string; current: boolean }[] {
  if (!role) return [];
  return NAV.filter((item) => item.roles === 'all' || item.roles.includes(role)).map(({ href, text }) => ({
    href,
    text,
    current: currentPath === href || currentPath.startsWith(`${href}/`),
  }));
}
