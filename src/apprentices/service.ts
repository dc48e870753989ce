import type { Db } from '../db/connection.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { canActOn, type ApprenticeAction } from './access.js';
import type { ImportResult } from './import.js';
import {
  checkNewApprentices,
  insertCheckedApprentices,
  findApprenticeByUln,
  type ApprenticeDetail,
  type RowProblem,
} from './store.js';

/**
 * The apprentice named in a request, if this user may do this to it. Someone who may not
 * even see the apprentice is told it is not there (404), so their record cannot be read;
 * someone who may see it but not do this is refused (forbidden). Pages and the API both come
 * through here. (Adding an apprentice must still say when a ULN is already held: a ULN is
 * one person, and the EPAO resolves a transfer between providers.)
 */
export function apprenticeFor(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  action: ApprenticeAction,
): Result<ApprenticeDetail> {
  const apprentice = typeof uln === 'string' && /^\d{10}$/.test(uln) ? findApprenticeByUln(db, uln) : undefined;
  if (!apprentice || !canActOn(user, apprentice, 'view'))
    return refuse('not_found', 'There is no apprentice with that ULN in your records');
  if (!canActOn(user, apprentice, action)) return refuse('forbidden', 'You do not have permission to do this');
  return ok(apprentice);
}

/** A provider's own UKPRN, used for rows that leave it blank. */
export function importDefaults(user: CurrentUser): { providerUkprn?: string } {
  return user.role === 'provider' && user.providerUkprn ? { providerUkprn: user.providerUkprn } : {};
}

/**
 * Writes rows for this user, all or nothing, after listing every problem of every row: the
 * schema's (already in `parsed`), a provider's rows for another UKPRN, and the database's
 * (unknown references, ULNs held or repeated).
 */
export function importForUser(
  db: Db,
  user: CurrentUser,
  parsed: ImportResult,
  source: string,
): { ok: true; count: number } | { ok: false; problems: RowProblem[] } {
  const problems = [...parsed.problems];
  if (user.role === 'provider') {
    for (const r of parsed.rows) {
      if (r.input.providerUkprn !== user.providerUkprn)
        problems.push({
          line: r.line,
          path: 'providerUkprn',
          message: `You can only add apprentices for your own UKPRN (${user.providerUkprn})`,
        });
    }
  }
  // The database's checks and the insert share one immediate transaction, so another process
  // cannot add a clashing ULN in between.
  return db.transaction(
    () => {
      problems.push(...checkNewApprentices(db, parsed.rows));
      if (problems.length > 0) return { ok: false as const, problems: problems.sort((a, b) => a.line - b.line) };
      return { ok: true as const, count: insertCheckedApprentices(db, parsed.rows, actorOf(user), source) };
    },
    { behavior: 'immediate' },
  );
}
