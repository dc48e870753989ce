import { sitsOnPanelsOnly } from '../auth/roles.js';
import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { apprenticeScope } from '../apprentices/access.js';
import type { ApprenticeDetail } from '../apprentices/store.js';
import { paths } from '../paths.js';
import type { CurrentUser } from '../users/store.js';
import { problemsFromZod } from '../validation/problems.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { latestBookingsOf, latestGradingsOf, searchApprentices, type SearchScope } from './store.js';

/** The most a search lists: past this, the person is asked to narrow it. */
export const SEARCH_LIMIT = 50;

export const searchQuerySchema = z.object({
  q: z
    .string({ error: 'Enter a ULN, a name or an employer' })
    .trim()
    .min(2, 'Enter a ULN, or at least two letters of a name or employer')
    .max(100, 'Search for at most 100 characters'),
});

export interface Found {
  apprentice: ApprenticeDetail;
  /** Where this person reads the apprentice: their page, or for an assessor or quality assurer their own work on them. */
  href: string;
}

/** The apprentices this person may find: their apprentice scope, or those they assess or moderate. */
function scopeOf(user: CurrentUser): SearchScope {
  if (user.role === 'assessor') return { kind: 'assessor', userId: user.id };
  // An external reviewer has no apprentices of their own: they find the appeals they sit on under Appeals.
  if (user.role === 'quality_assurer') return sitsOnPanelsOnly(user) ? { kind: 'none' } : { kind: 'moderator' };
  return apprenticeScope(user);
}

/** Searches apprentices in the user's own scope by ULN, name (accents and case ignored) or employer. */
export function searchForUser(
  db: Db,
  user: CurrentUser,
  query: unknown,
): Result<{ q: string; found: Found[]; more: boolean }> {
  const parsed = searchQuerySchema.safeParse(query ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  const rows = searchApprentices(db, scopeOf(user), parsed.data.q, SEARCH_LIMIT + 1);
  const shown = rows.slice(0, SEARCH_LIMIT);
  const ids = shown.map((a) => a.id);
  // Later rows overwrite earlier ones in the maps: each apprentice's latest booking or grading.
  const bookingOf = user.role === 'assessor' ? latestBookingsOf(db, ids, user.id) : null;
  const gradingOf = user.role === 'quality_assurer' ? latestGradingsOf(db, ids) : null;
  const hrefOf = (apprentice: ApprenticeDetail): string => {
    if (bookingOf) {
      const booking = bookingOf.get(apprentice.id);
      return booking === undefined ? paths.schedule : paths.booking(booking);
    }
    if (gradingOf) {
      const grading = gradingOf.get(apprentice.id);
      return grading === undefined ? paths.moderation : paths.moderate(grading);
    }
    return paths.apprentice(apprentice.uln);
  };
  const found = shown.map((apprentice) => ({ apprentice, href: hrefOf(apprentice) }));
  return ok({ q: parsed.data.q, found, more: rows.length > SEARCH_LIMIT });
}
