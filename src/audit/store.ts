import { and, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db } from '../db/connection.js';
import {
  apiTokens,
  appeals,
  assessmentRequests,
  cases,
  apprentices,
  auditEvents,
  bookings,
  employers,
  epaAttempts,
  gatewaySubmissions,
  gradings,
  providers,
  users,
} from '../db/schema.js';
import { fullName } from '../names.js';
import { paths } from '../paths.js';
import { pageFrom, type Page } from '../http/paging.js';
import { APPRENTICE_NAME_COLUMNS } from '../apprentices/store.js';
import type { AuditSubject } from './rules.js';
import type { AuditFilter } from './schema.js';

/** What a person types is matched literally: % and _ are not wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function londonDayStartUtc(isoDate: string, plusDays = 0): string {
  return DateTime.fromISO(isoDate, { zone: 'Europe/London' }).plus({ days: plusDays }).toUTC().toISO()!;
}

export type AuditRow = typeof auditEvents.$inferSelect & { actorName: string | null };

/**
 * Audit events matching the filter, newest first, one page at a time. Dates are London calendar
 * days; the person is matched on their name or the email they acted as.
 */
export function listAuditEvents(db: Db, filter: AuditFilter, page: number): Page<AuditRow> {
  const conditions: SQL[] = [];
  if (filter.action) conditions.push(sql`${auditEvents.action} like ${`${escapeLike(filter.action)}%`} escape '\\'`);
  if (filter.entityType) conditions.push(eq(auditEvents.entityType, filter.entityType));
  if (filter.entityId) conditions.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.actor) {
    const pattern = `%${escapeLike(filter.actor)}%`;
    conditions.push(
      or(
        sql`${auditEvents.actorLabel} like ${pattern} escape '\\'`,
        sql`${auditEvents.actorUserId} in (select id from users where name like ${pattern} escape '\\')`,
      )!,
    );
  }
  if (filter.from) conditions.push(gte(auditEvents.at, londonDayStartUtc(filter.from)));
  if (filter.to) conditions.push(lt(auditEvents.at, londonDayStartUtc(filter.to, 1)));
  const where = conditions.length > 0 ? and(...conditions) : undefined;
  const total =
    db
      .select({ n: sql<number>`count(*)` })
      .from(auditEvents)
      .where(where)
      .get()?.n ?? 0;
  return pageFrom(total, page, (limit, offset) =>
    db
      .select({ event: auditEvents, actorName: users.name })
      .from(auditEvents)
      .leftJoin(users, eq(users.id, auditEvents.actorUserId))
      .where(where)
      .orderBy(desc(auditEvents.id))
      .limit(limit)
      .offset(offset)
      .all()
      .map((r) => ({ ...r.event, actorName: r.actorName })),
  );
}

export function distinctEntityTypes(db: Db): string[] {
  return db
    .selectDistinct({ t: auditEvents.entityType })
    .from(auditEvents)
    .orderBy(auditEvents.entityType)
    .all()
    .map((r) => r.t);
}

/* ---------- The records entries are about ---------- */

type ApprenticeName = { uln: string; givenNames: string; familyName: string };
const named = (a: ApprenticeName) => `${fullName(a)} (ULN ${a.uln})`;

/** An id kept as text: a whole number, or NaN (no row has it). */
const idOf = (entityId: string) => (/^\d{1,15}$/.test(entityId) ? Number(entityId) : NaN);

/**
 * The record one entry is about, named as a person reads it (the apprentice and which of their
 * records; the user; the settings) with the page that shows it. A record since erased or
 * removed is named by its type and id, without a link. One or two indexed reads an entry, and a
 * page shows 50.
 */
export function auditSubject(db: Db, entityType: string, entityId: string): AuditSubject {
  const id = idOf(entityId);
  const apprenticeVia = (detail: string, href: (a: ApprenticeName) => string, apprenticeId: number | undefined) => {
    const a =
      apprenticeId === undefined
        ? undefined
        : db.select(APPRENTICE_NAME_COLUMNS).from(apprentices).where(eq(apprentices.id, apprenticeId)).get();
    return a ? { text: named(a), detail, href: href(a) } : unknown(entityType, entityId);
  };
  switch (entityType) {
    case 'apprentice': {
      const a = db.select(APPRENTICE_NAME_COLUMNS).from(apprentices).where(eq(apprentices.uln, entityId)).get();
      if (a) return { text: named(a), detail: null, href: paths.apprentice(a.uln) };
      return /^\d{10}$/.test(entityId)
        ? { text: `ULN ${entityId}`, detail: null, href: null }
        : { text: null, detail: entityId, href: null };
    }
    case 'gateway_submission': {
      const s = db.select().from(gatewaySubmissions).where(eq(gatewaySubmissions.id, id)).get();
      return apprenticeVia(`gateway request ${entityId}`, (a) => paths.apprentice(a.uln), s?.apprenticeId);
    }
    case 'booking': {
      const b = db.select().from(bookings).where(eq(bookings.id, id)).get();
      return apprenticeVia(`booking ${entityId}`, () => paths.booking(id), b?.apprenticeId);
    }
    case 'attempt': {
      const e = db.select().from(epaAttempts).where(eq(epaAttempts.id, id)).get();
      return apprenticeVia(`attempt ${e?.number ?? entityId}`, (a) => paths.apprenticeResults(a.uln), e?.apprenticeId);
    }
    case 'grading': {
      const g = db
        .select({ apprenticeId: bookings.apprenticeId })
        .from(gradings)
        .innerJoin(bookings, eq(bookings.id, gradings.bookingId))
        .where(eq(gradings.id, id))
        .get();
      return apprenticeVia(`grading ${entityId}`, (a) => paths.apprenticeResults(a.uln), g?.apprenticeId);
    }
    case 'appeal': {
      // Against a result (through its attempt), a request's decision (through the request) or a case's (through the case).
      const p = db
        .select({
          apprenticeId: sql<
            number | null
          >`coalesce(${epaAttempts.apprenticeId}, ${assessmentRequests.apprenticeId}, ${cases.apprenticeId})`,
          providerUkprn: cases.providerUkprn,
        })
        .from(appeals)
        .leftJoin(epaAttempts, eq(epaAttempts.id, appeals.attemptId))
        .leftJoin(assessmentRequests, eq(assessmentRequests.id, appeals.requestId))
        .leftJoin(cases, eq(cases.id, appeals.caseId))
        .where(eq(appeals.id, id))
        .get();
      // A training provider's appeal against a decision about itself is about no apprentice.
      if (p && p.apprenticeId === null && p.providerUkprn !== null)
        return { text: `UKPRN ${p.providerUkprn}`, detail: `appeal ${entityId}`, href: paths.appeal(id) };
      return apprenticeVia(`appeal ${entityId}`, () => paths.appeal(id), p?.apprenticeId ?? undefined);
    }
    case 'assessment_request': {
      const r = db
        .select({ apprenticeId: assessmentRequests.apprenticeId, kind: assessmentRequests.kind })
        .from(assessmentRequests)
        .where(eq(assessmentRequests.id, id))
        .get();
      const kind = r?.kind === 'special_consideration' ? 'special consideration' : 'adjustment';
      return apprenticeVia(`${kind} request ${entityId}`, () => paths.request(id), r?.apprenticeId);
    }
    case 'case': {
      const k = db
        .select({ apprenticeId: cases.apprenticeId, kind: cases.kind })
        .from(cases)
        .where(eq(cases.id, id))
        .get();
      const detail = `${k?.kind ?? 'malpractice'} case ${entityId}`;
      if (k?.apprenticeId) return apprenticeVia(detail, () => paths.case(id), k.apprenticeId);
      return { text: null, detail, href: k ? paths.case(id) : null };
    }
    case 'user':
    case 'assessor': {
      const u = db.select({ name: users.name }).from(users).where(eq(users.id, id)).get();
      if (!u) return unknown(entityType, entityId);
      return { text: u.name, detail: null, href: entityType === 'user' ? paths.admin.user(id) : paths.assessor(id) };
    }
    case 'api_token': {
      const t = db
        .select({ userId: apiTokens.userId, name: users.name })
        .from(apiTokens)
        .innerJoin(users, eq(users.id, apiTokens.userId))
        .where(eq(apiTokens.id, id))
        .get();
      return t
        ? { text: t.name, detail: `token ${entityId}`, href: paths.admin.user(t.userId) }
        : unknown(entityType, entityId);
    }
    case 'provider': {
      const p = db.select({ name: providers.name }).from(providers).where(eq(providers.ukprn, entityId)).get();
      return { text: p ? `${p.name} (UKPRN ${entityId})` : `UKPRN ${entityId}`, detail: null, href: null };
    }
    case 'employer': {
      const e = db.select({ name: employers.name }).from(employers).where(eq(employers.id, entityId)).get();
      return { text: e?.name ?? entityId, detail: null, href: null };
    }
    case 'schedule_proposal':
      return { text: null, detail: `proposal ${entityId}`, href: Number.isNaN(id) ? null : paths.autoSchedule(id) };
    case 'standard_version': {
      const [reference, version] = entityId.split(/[/ ]/);
      return {
        text: `${reference} version ${version}`,
        detail: null,
        href: reference && version ? paths.standard(reference, version) : null,
      };
    }
    case 'plan':
      return { text: `plan ${entityId}`, detail: null, href: null };
    case 'plan_draft':
      return {
        text: null,
        detail: `plan draft ${entityId}`,
        href: Number.isNaN(id) ? null : paths.planDraft(String(id)),
      };
    case 'epao_settings':
      return { text: null, detail: null, href: paths.admin.settings };
    case 'apprenticeship_service':
      return { text: null, detail: null, href: paths.claims };
    default:
      return unknown(entityType, entityId);
  }
}

function unknown(entityType: string, entityId: string): AuditSubject {
  return { text: null, detail: `${entityType.replace(/_/g, ' ')} ${entityId}`, href: null };
}
