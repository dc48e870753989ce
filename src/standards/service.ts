import { z } from 'zod';
import type { Db } from '../db/connection.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { standardReference, standardVersion, type StandardFile } from './schema.js';
import { findStandardVersionId, getStandard } from './store.js';

export const standardParams = z.object({ reference: standardReference, version: standardVersion });

/** The standard version named in a URL's reference and version (pages and API alike). */
export function standardFromParams(db: Db, params: unknown): Result<{ id: number; std: StandardFile }> {
  const parsed = standardParams.safeParse(params);
  const std = parsed.success ? getStandard(db, parsed.data.reference, parsed.data.version) : undefined;
  if (!parsed.success || !std) return refuse('not_found', 'There is no such standard version in the catalogue');
  return ok({ id: findStandardVersionId(db, std.reference, std.version)!, std });
}
