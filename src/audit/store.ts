import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import { auditEvents } from '../db/schema.js';
import type { AuditFilter } from './schema.js';

export const AUDIT_PAGE_SIZE = 50;

/** What a person types is matched literally: % and _ are not wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function londonDayStartUtc(isoDate: string, plusDays = 0): string {
  return DateTime.fromISO(isoDate, { zone: 'Europe/London' }).plus({ days: plusDays }).toUTC().toISO()!;
}

/** Audit events matching the filter, newest first, one page at a time. Dates are London calendar days. */
export function listAuditEvents(db: Db, filter: AuditFilter) {
  const conditions: SQL[] = [];
  if (filter.action) conditions.push(sql`${auditEvents.action} like ${`${escapeLike(filter.action)}%`} escape '\\'`);
  if (filter.entityType) conditions.push(eq(auditEvents.entityType, filter.entityType));
  if (filter.entityId) conditions.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.actor) conditions.push(sql`${auditEvents.actorLabel} like ${`%${escapeLike(filter.actor)}%`} escape '\\'`);
  if (filter.from) conditions.push(gte(auditEvents.at, londonDayStartUtc(filter.from)));
  if (filter.to) conditions.push(lt(auditEvents.at, londonDayStartUtc(filter.to, 1)));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const total =
    db
      .select({ n: sql<number>`count(*)` })
      .from(auditEvents)
      .where(where)
      .get()?.n ?? 0;
  const rows = db
    .select()
    .from(auditEvents)
    .where(where)
    .orderBy(desc(auditEvents.id))
    .limit(AUDIT_PAGE_SIZE)
    .offset((filter.page - 1) * AUDIT_PAGE_SIZE)
    .all();
  return { rows, total, pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)) };
}

export function distinctEntityTypes(db: Db): string[] {
  return db
    .selectDistinct({ t: auditEvents.entityType })
    .from(auditEvents)
    .orderBy(auditEvents.entityType)
    .all()
    .map((r) => r.t);
}
