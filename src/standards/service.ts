import { z } from 'zod';
import { ok, refuse, type Result } from '../validation/result.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { problemsFromZod } from '../validation/problems.js';
import {
  approvalInputSchema,
  offTheJobMinimumInputSchema,
  qualificationNumberInputSchema,
  standardReference,
  standardVersion,
  type StandardFile,
} from './schema.js';
import {
  findStandardVersionId,
  getStandard,
  recordApproval,
  recordOffTheJobMinimum,
  recordQualificationNumber,
} from './store.js';
import type { Actor } from '../audit/audit.js';
import type { Db, Queryable } from '../db/connection.js';

export const standardParams = z.object({ reference: standardReference, version: standardVersion });

/** The standard version named in a URL's reference and version (pages and API alike). */
export function standardFromParams(db: Db, params: unknown): Result<{ id: number; std: StandardFile }> {
  const parsed = standardParams.safeParse(params);
  const std = parsed.success ? getStandard(db, parsed.data.reference, parsed.data.version) : undefined;
  if (!parsed.success || !std) return refuse('not_found', 'There is no such standard version in the catalogue');
  return ok({ id: findStandardVersionId(db, std.reference, std.version)!, std });
}

type Found = Result<{ id: number; std: StandardFile }>;

/** An administrator records something about the version named in the URL: checked, validated and written in one transaction. */
function recordOnVersion<T>(
  db: Db,
  user: CurrentUser,
  params: unknown,
  input: unknown,
  what: { name: string; schema: z.ZodType<T>; write: (tx: Queryable, id: number, data: T, actor: Actor) => void },
): Found {
  const found = standardFromParams(db, params);
  if (!found.ok) return found;
  if (user.role !== 'admin') return refuse('forbidden', `Only an administrator can record ${what.name}`);
  const parsed = what.schema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  db.transaction((tx) => what.write(tx, found.value.id, parsed.data, actorOf(user)));
  return standardFromParams(db, params);
}

/** An administrator records the published off-the-job minimum of a version (pages and API alike). */
export function recordPublishedOffTheJobMinimum(db: Db, user: CurrentUser, params: unknown, input: unknown): Found {
  return recordOnVersion(db, user, params, input, {
    name: 'the published minimum',
    schema: offTheJobMinimumInputSchema,
    write: recordOffTheJobMinimum,
  });
}

/** An administrator records the EPA's Ofqual qualification number (for the regulator's returns), or removes it. */
export function recordOfqualQualificationNumber(db: Db, user: CurrentUser, params: unknown, input: unknown): Found {
  return recordOnVersion(db, user, params, input, {
    name: 'the qualification number',
    schema: qualificationNumberInputSchema,
    write: recordQualificationNumber,
  });
}

/** An administrator records whether the organisation is approved to assess the version (with the evidence). */
export function recordVersionApproval(db: Db, user: CurrentUser, params: unknown, input: unknown, now: string): Found {
  return recordOnVersion(db, user, params, input, {
    name: 'an approval',
    schema: approvalInputSchema,
    write: (tx, id, data, actor) => recordApproval(tx, id, data, actor, now),
  });
}
