import type { DateTime } from 'luxon';
import { apprenticeFor } from '../apprentices/service.js';
import type { ApprenticeDetail } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { problemsFromZod } from '../validation/problems.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { deliveryInputSchema } from './rules.js';
import { recordDelivery, type DeliveryRow } from './store.js';

/**
 * The apprentice's provider (or an administrator) records where the certificate is posted:
 * pages and the API alike. Anyone else is told there is no such apprentice, or refused.
 */
export function recordCertificateDelivery(
  db: Db,
  user: CurrentUser,
  uln: unknown,
  input: unknown,
  now: DateTime,
): Result<{ apprentice: ApprenticeDetail; delivery: DeliveryRow }> {
  const found = apprenticeFor(db, user, uln, 'edit');
  if (!found.ok) return found;
  const parsed = deliveryInputSchema.safeParse(input ?? {});
  if (!parsed.success) return refuse('invalid', problemsFromZod(parsed.error));
  return ok({ apprentice: found.value, delivery: recordDelivery(db, found.value, parsed.data, actorOf(user), now) });
}
