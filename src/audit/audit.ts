import type { Queryable } from '../db/connection.js';
import { auditEvents } from '../db/schema.js';

/** Who did something: a signed-in user, or the system itself (seeding, scheduled expiry). */
export interface Actor {
  userId: number | null;
  label: string;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system' };

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | number;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/**
 * Records one change. Call it with the same transaction that makes the change, so that
 * the change and its record are written together or not at all.
 */
export function recordAudit(tx: Queryable, actor: Actor, entry: AuditEntry): void {
  tx.insert(auditEvents)
    .values({
      actorUserId: actor.userId,
      actorLabel: actor.label,
      action: entry.action,
      entityType: entry.entityType,
      entityId: String(entry.entityId),
      before: entry.before ?? null,
      after: entry.after ?? null,
      reason: entry.reason ?? null,
    })
    .run();
}
