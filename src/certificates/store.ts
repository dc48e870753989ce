import { eq } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { ApprenticeRow } from '../apprentices/store.js';
import type { Db, Queryable } from '../db/connection.js';
import { isoInstant } from '../dates.js';
import { certificateDeliveries } from '../db/schema.js';
import type { DeliveryInput } from './rules.js';

export type DeliveryRow = typeof certificateDeliveries.$inferSelect;

export function deliveryOf(db: Queryable, apprenticeId: number): DeliveryRow | undefined {
  return db.select().from(certificateDeliveries).where(eq(certificateDeliveries.apprenticeId, apprenticeId)).get();
}

/** Where the certificate goes, recorded or replaced, audited with what it was. */
export function recordDelivery(
  db: Db,
  apprentice: ApprenticeRow,
  input: DeliveryInput,
  actor: Actor,
  now: DateTime,
): DeliveryRow {
  return db.transaction((tx) => {
    const before = deliveryOf(tx, apprentice.id) ?? null;
    const values = { ...input, recordedBy: actor.userId, recordedAt: isoInstant(now) };
    const row = tx
      .insert(certificateDeliveries)
      .values({ apprenticeId: apprentice.id, ...values })
      .onConflictDoUpdate({ target: certificateDeliveries.apprenticeId, set: values })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'certificate_delivery.recorded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      before,
      after: values,
    });
    return row;
  });
}
