import type { Db } from '../db/connection.js';
import { standardFromParams } from '../standards/service.js';
import { ok, refuse, type Result } from '../validation/result.js';
import type { PlanFile } from './schema.js';
import { getPlanForStandard } from './store.js';

/** The assessment plan of the standard version named in a URL (pages and API alike). */
export function planFromParams(db: Db, params: unknown): Result<PlanFile> {
  const found = standardFromParams(db, params);
  if (!found.ok) return found;
  const { id, std } = found.value;
  const plan = getPlanForStandard(db, id);
  if (!plan) return refuse('not_found', `No assessment plan has been loaded for ${std.reference} v${std.version}`);
  return ok(plan);
}
