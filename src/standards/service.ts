import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { problemsFromZod } from '../validation/problems.js';
import { offTheJobMinimumInputSchema, standardReference, standardVersion, type StandardFile } from './schema.js';
import { findStandardVersionId, getStandard, recordOffTheJobMinimum } from './store.js';

export const standardParams = z.object({ reference: standardReference, version: standardVersion });

/** The standard version named in a URL's reference and version (pages and API alike). */
export function standardFromParams(db: Db, params: unknown): Result<{ id: number; std: StandardFile }> {
  const parsed = standardParams.safeParse(params);
  const std = parsed.success ? getStandard(db, parsed.data.reference, parsed.data.version) : undefined;
  if (!parsed.success || !std) return refuse('not_found', 'There is no such standard version in the catalogue');
  return ok({ id: findStandardVersionId(db, std.reference, std.version)!, std });
}

/** An administrator records the published off-the-job minimum of a version (pages and API alike). */
export function recordPublishedOffTheJobMinimum(
  db: Db,
  user: CurrentUser,
  params: unknown,
  input: unknown,
): Result<{ id: number; std: StandardFile }> {
  const found = standardFromParams(db, params);
  if (!found.ok) return found;
  if (user.role !== 'admin') return refuse('forbidden', 'Only an administrator can record the published minimum');
  const parsed = offTheJobMinimumInputSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  db.transaction((tx) => recordOffTheJobMinimum(tx, found.value.id, parsed.data, actorOf(user)));
  return standardFromParams(db, params);
}
