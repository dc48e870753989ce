import type { CurrentUser } from '../users/store.js';

/** What the permission rules need to know about an apprentice: who trains and who employs them. */
export interface ApprenticeOwners {
  providerUkprn: string;
  employerId: string;
}

/**
 * Who may do what with an apprentice's record. One place, used by every page and API route:
 * - view: the EPAO's administrators, the apprentice's own provider and own employer;
 * - edit (record, evidence, hours, gateway items, provider's and apprentice's confirmation,
 *   request EPA): the apprentice's own provider and administrators;
 * - employer_declaration: the apprentice's own employer only;
 * - review (gateway decisions): administrators;
 * - mark (record and mark a provider-marked component): the apprentice's own provider's markers;
 * - correct_uln: administrators (a ULN is the key other systems know the apprentice by).
 * Assessors and quality assurers reach apprentices through their bookings (later issues).
 */
export type ApprenticeAction = 'view' | 'edit' | 'employer_declaration' | 'review' | 'mark' | 'correct_uln';

export function canActOn(user: CurrentUser, apprentice: ApprenticeOwners, action: ApprenticeAction): boolean {
  const ownProvider = user.role === 'provider' && user.providerUkprn === apprentice.providerUkprn;
  const ownEmployer = user.role === 'employer' && user.employerId === apprentice.employerId;
  switch (action) {
    case 'view':
      return user.role === 'admin' || ownProvider || ownEmployer;
    case 'edit':
      return user.role === 'admin' || ownProvider;
    case 'employer_declaration':
      return ownEmployer;
    case 'review':
    case 'correct_uln':
      return user.role === 'admin';
    case 'mark':
      return ownProvider && user.canMark;
  }
}

/** Which apprentices a user may list: all, those of one provider or employer, or none. */
export type ApprenticeScope =
  { kind: 'all' } | { kind: 'provider'; ukprn: string } | { kind: 'employer'; employerId: string } | { kind: 'none' };

export function apprenticeScope(user: CurrentUser): ApprenticeScope {
  if (user.role === 'admin') return { kind: 'all' };
  if (user.role === 'provider' && user.providerUkprn) return { kind: 'provider', ukprn: user.providerUkprn };
  if (user.role === 'employer' && user.employerId) return { kind: 'employer', employerId: user.employerId };
  return { kind: 'none' };
}
