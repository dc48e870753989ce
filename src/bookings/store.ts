import { fullName } from '../names.js';
import { pageFrom } from '../http/paging.js';
import { assessorFacts } from './assessor-store.js';
import { BOOKING_TRANSITIONS, type BookingAction } from './rules.js';
import { queueNotification } from '../notifications/store.js';
import { and, asc, count, desc, eq, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/audit.js';
import { detailQuery, findApprenticeById, flatten, type ApprenticeDetail } from '../apprentices/store.js';
import { memoUntilChange } from '../db/change-stamp.js';
import { chunked } from '../grouping.js';
import { preparedOnce } from '../db/prepared.js';
import type { Db, Queryable } from '../db/connection.js';
import { isoInstant, londonDayStart } from '../dates.js';
import { addDays } from '../calendar.js';
import { apprentices, bookings, epaAttempts, evidenceFiles, gatewaySubmissions, plans, users } from '../db/schema.js';
import { getPlanById, getPlanForStandard, planForApprentice } from '../plans/store.js';
import type { PlanFile } from '../plans/schema.js';
import { currentAttempt } from '../grading/attempts.js';
import { adjustedMethod } from '../adjustments/rules.js';
import { approvedAdjustments, approvedAdjustmentsOf } from '../adjustments/store.js';
import {
  ACTIVE_STATUSES,
  type BookingFacts,
  type BookingStatus,
  type DeliveryMode,
  type MethodFacts,
  type Refusal,
  type Region,
} from './model.js';
import { bookingTimes, checkBooking, checkMarking, type BookingTimes } from './rules.js';

export type BookingRow = typeof bookings.$inferSelect;

/* ---------- The EPA context of an apprentice ---------- */

export interface EpaContext {
  apprentice: ApprenticeDetail;
  submissionId: number | null;
  /** The period bookings must fall in: the gateway's EPA period, or a resit's or retake's window. */
  epaPeriod: { start: string; end: string } | null;
  /** The first day a component during the apprenticeship may take place: the start of the apprenticeship, or of a resit or retake. */
  onProgrammeFrom: string;
  /** Every method of the plan. */
  methods: MethodFacts[];
  /** The current attempt (1 for the first EPA) and the methods it assesses (a resit or retake leaves out carried methods). */
  attempt: number;
  toAssess: MethodFacts[];
  /** A resit's or retake's last day for each of its methods. */
  deadlines: Map<string, string>;
}

export function epaContext(db: Queryable, apprentice: ApprenticeDetail): EpaContext {
  const gateway = gatewayContext(db, apprentice);
  const attempt = currentAttempt(db, apprentice.id);
  if (!attempt.modes || !attempt.row)
    return {
      ...gateway,
      onProgrammeFrom: apprentice.startDate,
      attempt: 1,
      toAssess: gateway.methods,
      deadlines: attempt.deadlines,
    };
  return {
    ...gateway,
    onProgrammeFrom: attempt.row.startedOn,
    epaPeriod: gateway.epaPeriod && {
      start: attempt.row.startedOn,
      end: attempt.row.deadline ?? gateway.epaPeriod.end,
    },
    attempt: attempt.number,
    toAssess: gateway.methods.filter((m) => attempt.modes!.get(m.id) !== 'carried'),
    deadlines: attempt.deadlines,
  };
}

/** The booking form reads an apprentice's context at each step; it is kept until the database changes. */
export function epaContextNow(db: Db, apprentice: ApprenticeDetail): EpaContext {
  return contextsUntilChange(db, String(apprentice.id), () => epaContext(db, apprentice));
}

const contextsUntilChange = memoUntilChange<EpaContext>(200);

function gatewayContext(
  db: Queryable,
  apprentice: ApprenticeDetail,
): Omit<EpaContext, 'attempt' | 'toAssess' | 'deadlines' | 'onProgrammeFrom'> {
  const accepted = db
    .select()
    .from(gatewaySubmissions)
    .where(and(eq(gatewaySubmissions.apprenticeId, apprentice.id), eq(gatewaySubmissions.status, 'accepted')))
    .orderBy(desc(gatewaySubmissions.attempt))
    .get();
  const plan = planForApprentice(db, apprentice);
  const approved = approvedAdjustmentsOf(db, apprentice.id);
  return {
    apprentice,
    submissionId: accepted?.id ?? null,
    epaPeriod:
      accepted?.epaPeriodStart && accepted.epaPeriodEnd
        ? { start: accepted.epaPeriodStart, end: accepted.epaPeriodEnd }
        : null,
    // The apprentice's approved reasonable adjustments lengthen a method's slot or make it remote.
    methods: (plan?.methods ?? []).map((m) => adjustedMethod(methodFacts(m), approved)),
  };
}

/** What the booking rules read of a plan's method. */
export function methodFacts(method: PlanFile['methods'][number]): MethodFacts {
  const { id, name, durationMinutes, delivery, after, earliestDayAfterGateway, timing, marker } = method;
  return { id, name, durationMinutes, delivery, after, earliestDayAfterGateway, timing, marker };
}

function bookingFactsFor(db: Queryable, apprenticeId: number, assessorIds: number[]): BookingFacts[] {
  return db
    .select({
      id: bookings.id,
      apprenticeId: bookings.apprenticeId,
      attempt: bookings.attempt,
      assessorUserId: bookings.assessorUserId,
      methodId: bookings.methodId,
      startsAt: bookings.startsAt,
      endsAt: bookings.endsAt,
      status: bookings.status,
    })
    .from(bookings)
    .where(
      and(
        or(
          eq(bookings.apprenticeId, apprenticeId),
          assessorIds.length ? inArray(bookings.assessorUserId, assessorIds) : sql`0`,
        ),
        inArray(bookings.status, [...ACTIVE_STATUSES]),
      ),
    )
    .all();
}

/* ---------- Making and changing bookings ---------- */

export interface BookingInput {
  methodId: string;
  assessorUserId: number;
  localStart: string;
  mode: DeliveryMode;
  region: Region | null;
  location: string | null;
  link: string | null;
}

export const DEFAULT_HOLD_HOURS = 48;

/** Frees every hold that was not confirmed in time, inside the caller's transaction. Audited as the system, and the assessor and provider are told. */
export function expireHoldsIn(tx: Queryable, now: DateTime): number {
  const nowIso = isoInstant(now);
  const stale = tx
    .select()
    .from(bookings)
    .where(and(eq(bookings.status, 'held'), lte(bookings.holdExpiresAt, nowIso)))
    .all();
  for (const booking of stale) {
    tx.update(bookings)
      .set({
        status: 'expired',
        statusReason: 'Not confirmed in time',
        sequence: sql`${bookings.sequence} + 1`,
        updatedAt: nowIso,
      })
      .where(eq(bookings.id, booking.id))
      .run();
    recordAudit(tx, SYSTEM_ACTOR, {
      action: 'booking.expired',
      entityType: 'booking',
      entityId: booking.id,
      before: { status: 'held' },
      after: { status: 'expired' },
      reason: 'The assessor did not confirm the hold in time',
    });
    const apprentice = findApprenticeById(tx, booking.apprenticeId);
    if (apprentice)
      notify(
        tx,
        booking,
        'Assessment hold expired',
        `Released, not confirmed in time: ${describe(booking, apprentice, booking.methodId)}`,
      );
  }
  return stale.length;
}

/** Frees every hold that was not confirmed in time, each expiry with its audit row in one transaction. */
export function expireHolds(db: Db, now: DateTime): number {
  // Pages call this before reading bookings, and nearly always there is nothing to expire: a read, not a write transaction.
  if (!staleHold(db).get({ now: isoInstant(now) })) return 0;
  return db.transaction((tx) => expireHoldsIn(tx, now));
}

const staleHold = preparedOnce((db) =>
  db
    .select({ id: bookings.id })
    .from(bookings)
    .where(and(eq(bookings.status, 'held'), lte(bookings.holdExpiresAt, sql.placeholder('now'))))
    .limit(1)
    .prepare(),
);

/** Who hears about a booking: its assessor and (unless told otherwise) the apprentice's provider users. */
function notify(
  db: Queryable,
  booking: BookingRow,
  subject: string,
  body: string,
  to: { providers: boolean } = { providers: true },
): void {
  const assessor = db.select({ email: users.email }).from(users).where(eq(users.id, booking.assessorUserId)).get();
  const providerUsers = db
    .select({ email: users.email })
    .from(users)
    .innerJoin(apprentices, eq(apprentices.providerUkprn, users.providerUkprn))
    .where(and(eq(apprentices.id, booking.apprenticeId), eq(users.role, 'provider'), to.providers ? undefined : sql`0`))
    .all();
  for (const to of [assessor, ...providerUsers]) if (to) queueNotification(db, { to: to.email, subject, body });
}

/**
 * A reasonable adjustment was approved for an apprentice (`methodId` null: every method): their
 * held and confirmed bookings still to come change for calendar clients (SEQUENCE rises, so the
 * event's description is read again) and their assessors are told what to arrange. The slot's
 * length is not changed here: the booking page says when it is too short for the extra time.
 */
export function adjustmentApproved(
  tx: Queryable,
  apprentice: ApprenticeDetail,
  methodId: string | null,
  words: (methodId: string) => string | null,
  now: DateTime,
): void {
  const affected = tx
    .select()
    .from(bookings)
    .where(
      and(
        eq(bookings.apprenticeId, apprentice.id),
        methodId === null ? undefined : eq(bookings.methodId, methodId),
        inArray(bookings.status, ['held', 'confirmed']),
        sql`${bookings.startsAt} > ${isoInstant(now)}`,
      ),
    )
    .all();
  for (const booking of affected) {
    tx.update(bookings)
      .set({ sequence: sql`${bookings.sequence} + 1`, updatedAt: isoInstant(now) })
      .where(eq(bookings.id, booking.id))
      .run();
    const methodName = methodNameFor(tx, apprentice, booking.methodId);
    notify(
      tx,
      booking,
      `Reasonable adjustment approved: ${methodName}`,
      `For ${describe(booking, apprentice, methodName)} Approved: ${words(booking.methodId) ?? 'see the booking'}. Check the booking: it says if the slot is too short.`,
      { providers: false },
    );
  }
}

function describe(booking: BookingRow, apprentice: ApprenticeDetail, methodName: string): string {
  const when = DateTime.fromISO(booking.startsAt, { zone: 'utc' })
    .setZone('Europe/London')
    .toFormat("cccc d LLLL yyyy 'at' HH:mm");
  const where =
    booking.mode === 'remote'
      ? `remote (${booking.link ?? 'link to follow'})`
      : `in person at ${booking.location ?? 'a place to be confirmed'}`;
  return `${methodName} for ${fullName(apprentice)} (ULN ${apprentice.uln}) on ${when}, ${where}.`;
}

export type BookingResult = { ok: true; booking: BookingRow } | { ok: false; refusals: Refusal[] };

/**
 * Everything the rules say about a booking as the database stands now: used when a booking
 * is made and again when its assessor confirms it (a conflict, leave or change of profile
 * since the hold may have made it impossible). `ignore` leaves a booking out of the clashes.
 */
function judgeBooking(
  tx: Queryable,
  apprentice: ApprenticeDetail,
  input: BookingInput,
  ignore: number | null,
  now: DateTime | null,
) {
  const context = epaContext(tx, apprentice);
  const method = context.methods.find((m) => m.id === input.methodId);
  const [assessor] = assessorFacts(tx, input.assessorUserId);
  if (!method)
    return {
      ok: false as const,
      refusals: [{ code: 'method_order' as const, message: 'The assessment plan has no such method' }],
    };
  if (!context.toAssess.includes(method))
    return {
      ok: false as const,
      refusals: [
        {
          code: 'method_already_booked' as const,
          message: `${method.name} was passed in an earlier attempt and carries over: it is not assessed again`,
        },
      ],
    };
  if (!assessor)
    return {
      ok: false as const,
      refusals: [{ code: 'assessor_not_competent' as const, message: 'That person is not an assessor' }],
    };
  const refusals = checkBooking({
    apprentice,
    epaPeriod: context.epaPeriod,
    onProgrammeFrom: context.onProgrammeFrom,
    method,
    methods: context.toAssess,
    attempt: context.attempt,
    assessor,
    localStart: input.localStart,
    mode: input.mode,
    region: input.region,
    existing: bookingFactsFor(tx, apprentice.id, [assessor.userId]),
    replacing: ignore,
    ...(now ? { now: isoInstant(now) } : {}),
  });
  const deadline = context.deadlines.get(method.id);
  if (deadline && input.localStart.slice(0, 10) > deadline)
    refusals.push({
      code: 'outside_epa_period',
      message: `This ${method.name} is a resit or retake, which must take place by ${deadline}`,
    });
  if (refusals.length > 0) return { ok: false as const, refusals };
  const times = bookingTimes(input.localStart, method.durationMinutes);
  if ('error' in times)
    return { ok: false as const, refusals: [{ code: 'invalid_start' as const, message: times.error }] };
  return { ok: true as const, context, method, assessor, times };
}

/** What a provider's marker gives when recording a provider-marked component. */
/** A new booking's columns for the apprentice, attempt and slot: where and how, only as its mode needs. */
function slotValues(
  apprentice: ApprenticeDetail,
  context: Pick<EpaContext, 'submissionId' | 'attempt'>,
  input: BookingInput,
  times: BookingTimes,
  actor: Actor,
) {
  return {
    apprenticeId: apprentice.id,
    submissionId: context.submissionId,
    methodId: input.methodId,
    attempt: context.attempt,
    assessorUserId: input.assessorUserId,
    startsAt: times.startsAt,
    endsAt: times.endsAt,
    localStart: input.localStart,
    mode: input.mode,
    region: input.mode === 'in_person' ? input.region : null,
    location: input.mode === 'in_person' ? input.location : null,
    link: input.mode === 'remote' ? input.link : null,
    createdBy: actor.userId,
  };
}

export type MarkingInput = Pick<BookingInput, 'methodId' | 'localStart' | 'mode' | 'location' | 'link'>;

/**
 * Records a provider-marked component for its marker to mark: a confirmed booking (no hold, no
 * assessor of the assessment organisation), with checkMarking's rules judged inside the
 * transaction that writes it, audited, and the apprentice's provider users told.
 */
export function recordMarking(
  db: Db,
  apprentice: ApprenticeDetail,
  input: MarkingInput,
  marker: { userId: number; name: string; providerUkprn: string | null; canMark: boolean },
  actor: Actor,
  now: DateTime,
): BookingResult {
  return db.transaction(
    (tx) => {
      const context = epaContext(tx, apprentice);
      const method = context.methods.find((m) => m.id === input.methodId);
      if (!method || !context.toAssess.includes(method))
        return {
          ok: false as const,
          refusals: [
            {
              code: 'method_order' as const,
              message: method
                ? `${method.name} was passed in an earlier attempt and carries over: it is not assessed again`
                : 'The assessment plan has no such component',
            },
          ],
        };
      const refusals = checkMarking({
        apprentice,
        epaPeriod: context.epaPeriod,
        onProgrammeFrom: context.onProgrammeFrom,
        method,
        methods: context.toAssess,
        attempt: context.attempt,
        marker,
        localStart: input.localStart,
        mode: input.mode,
        existing: bookingFactsFor(tx, apprentice.id, [marker.userId]),
        replacing: null,
      });
      const times = bookingTimes(input.localStart, method.durationMinutes);
      if (refusals.length > 0 || 'error' in times)
        return {
          ok: false as const,
          refusals: refusals.length
            ? refusals
            : [{ code: 'invalid_start' as const, message: 'Give a real date and time' }],
        };
      const booking = tx
        .insert(bookings)
        .values({
          ...slotValues(apprentice, context, { ...input, region: null, assessorUserId: marker.userId }, times, actor),
          status: 'confirmed',
          createdAt: isoInstant(now),
          updatedAt: isoInstant(now),
        })
        .returning()
        .get();
      recordAudit(tx, actor, {
        action: 'booking.marking_recorded',
        entityType: 'booking',
        entityId: booking.id,
        after: booking,
      });
      notify(
        tx,
        booking,
        `Provider-marked component recorded: ${method.name}`,
        `Recorded for marking by ${marker.name}: ${describe(booking, apprentice, method.name)}`,
      );
      return { ok: true as const, booking };
    },
    { behavior: 'immediate' },
  );
}

/**
 * Makes a booking as a hold. The rules are checked inside the same (immediate) transaction
 * that writes it, against the bookings as they are at that moment, so two administrators
 * booking the same assessor at once cannot both succeed.
 */
export function createBooking(
  db: Db,
  apprentice: ApprenticeDetail,
  input: BookingInput,
  actor: Actor,
  options: HoldOptions,
): BookingResult {
  const now = options.now;
  return db.transaction(
    (tx) => {
      expireHoldsIn(tx, now);
      return holdIn(tx, apprentice, input, actor, { ...options, now });
    },
    { behavior: 'immediate' },
  );
}

export interface HoldOptions {
  holdHours?: number;
  now: DateTime;
  replacing?: BookingRow;
  /** Enter an assessment that has already happened (demo history); otherwise a start must be in the future. */
  recordingPast?: boolean;
}

/** Checks and writes one hold inside the caller's transaction (see createBooking). */
export function holdIn(
  tx: Queryable,
  apprentice: ApprenticeDetail,
  input: BookingInput,
  actor: Actor,
  options: HoldOptions,
): BookingResult {
  const now = options.now;
  if (options.replacing) {
    const current = tx
      .select({ status: bookings.status })
      .from(bookings)
      .where(eq(bookings.id, options.replacing.id))
      .get();
    if (!current || !['held', 'confirmed'].includes(current.status)) {
      return {
        ok: false as const,
        refusals: [
          {
            code: 'method_already_booked' as const,
            message: `Only a held or confirmed booking can be rescheduled; this one is ${current?.status ?? 'gone'}`,
          },
        ],
      };
    }
    if (options.replacing.methodId !== input.methodId || options.replacing.apprenticeId !== apprentice.id) {
      return {
        ok: false as const,
        refusals: [
          { code: 'method_order' as const, message: 'A booking is rescheduled for the same apprentice and method' },
        ],
      };
    }
  }
  const judged = judgeBooking(tx, apprentice, input, options.replacing?.id ?? null, options.recordingPast ? null : now);
  if (!judged.ok) return judged;
  const { context, method, assessor, times } = judged;
  if (options.replacing) {
    const reason = `Rescheduled to ${input.localStart.replace('T', ' ')}`;
    tx.update(bookings)
      .set({
        status: 'cancelled',
        statusReason: reason,
        sequence: sql`${bookings.sequence} + 1`,
        updatedAt: isoInstant(now),
      })
      .where(eq(bookings.id, options.replacing.id))
      .run();
    recordAudit(tx, actor, {
      action: 'booking.cancelled',
      entityType: 'booking',
      entityId: options.replacing.id,
      before: { status: options.replacing.status },
      after: { status: 'cancelled' },
      reason,
    });
    if (options.replacing.assessorUserId !== input.assessorUserId) {
      notify(
        tx,
        options.replacing,
        `Assessment cancelled: ${method.name}`,
        `Cancelled: ${describe(options.replacing, apprentice, method.name)} It has been moved to another assessor.`,
        { providers: false },
      );
    }
  }
  const booking = tx
    .insert(bookings)
    .values({
      ...slotValues(apprentice, context, { ...input, assessorUserId: assessor.userId }, times, actor),
      status: 'held',
      // Made now by the app's clock (a booking entered as history is made when it says), not the database's.
      createdAt: isoInstant(now),
      updatedAt: isoInstant(now),
      // A hold lasts HOLD_HOURS, but never past the assessment's start.
      holdExpiresAt: [
        isoInstant(now.plus({ hours: options.holdHours ?? DEFAULT_HOLD_HOURS })),
        times.startsAt,
      ].sort()[0]!,
      rescheduledFromId: options.replacing?.id ?? null,
    })
    .returning()
    .get();
  if (options.replacing) {
    // The assessment's evidence handed in already (a project report) goes with it to its new time.
    const moved = tx
      .update(evidenceFiles)
      .set({ recordKey: String(booking.id) })
      .where(and(eq(evidenceFiles.recordType, 'booking'), eq(evidenceFiles.recordKey, String(options.replacing.id))))
      .run().changes;
    if (moved > 0)
      recordAudit(tx, actor, {
        action: 'evidence.moved',
        entityType: 'booking',
        entityId: booking.id,
        before: { booking: options.replacing.id },
        after: { booking: booking.id, files: moved },
        reason: 'The assessment was rescheduled',
      });
  }
  recordAudit(tx, actor, {
    action: options.replacing ? 'booking.rescheduled' : 'booking.held',
    entityType: 'booking',
    entityId: booking.id,
    before: options.replacing
      ? {
          id: options.replacing.id,
          startsAt: options.replacing.startsAt,
          assessorUserId: options.replacing.assessorUserId,
        }
      : null,
    after: booking,
  });
  notify(
    tx,
    booking,
    options.replacing ? `Assessment moved: ${method.name}` : `Assessment booked: ${method.name}`,
    `${options.replacing ? 'Moved to' : 'Held for'}: ${describe(booking, apprentice, method.name)} The assessor is asked to confirm.`,
  );
  return { ok: true as const, booking };
}

export function changeBooking(
  db: Db,
  bookingId: number,
  action: BookingAction,
  reason: string | null,
  actor: Actor,
  now: DateTime,
): { ok: true; booking: BookingRow } | { ok: false; message: string; path?: 'reason' } {
  return db.transaction(
    (tx) => {
      expireHoldsIn(tx, now);
      const before = tx.select().from(bookings).where(eq(bookings.id, bookingId)).get();
      if (!before) return { ok: false as const, message: 'There is no such booking' };
      const rule = BOOKING_TRANSITIONS[action];
      if (!rule.from.includes(before.status))
        return { ok: false as const, message: `This booking is ${before.status}, so it cannot be ${rule.to}` };
      if (rule.needsReason && !reason)
        return { ok: false as const, message: rule.needsReason, path: 'reason' as const };
      if (action === 'complete' && before.startsAt > isoInstant(now))
        return { ok: false as const, message: 'The assessment has not taken place yet' };
      if (action === 'confirm') {
        // Leave, a conflict or a change of profile since the hold may have made it impossible.
        const apprentice = findApprenticeById(tx, before.apprenticeId)!;
        const judged = judgeBooking(tx, apprentice, inputOf(before), before.id, now);
        if (!judged.ok)
          return {
            ok: false as const,
            message: `This booking can no longer be confirmed: ${judged.refusals.map((r) => r.message).join('; ')}`,
          };
      }
      if (action === 'cancel') {
        const dependant = dependantsOf(tx, before)[0];
        if (dependant)
          return {
            ok: false as const,
            message: `${dependant.name} is booked for ${dependant.date} and must follow this assessment: cancel or move it first`,
          };
      }
      const booking = tx
        .update(bookings)
        .set({
          status: rule.to,
          statusReason: reason,
          holdExpiresAt: null,
          sequence: sql`${bookings.sequence} + 1`,
          updatedAt: isoInstant(now),
        })
        .where(eq(bookings.id, bookingId))
        .returning()
        .get();
      recordAudit(tx, actor, {
        action: `booking.${rule.to}`,
        entityType: 'booking',
        entityId: bookingId,
        before: { status: before.status },
        after: { status: rule.to },
        reason,
      });
      const apprentice = findApprenticeById(tx, booking.apprenticeId)!;
      const methodName = methodNameFor(tx, apprentice, booking.methodId);
      notify(
        tx,
        booking,
        `Assessment ${rule.to}: ${methodName}`,
        `${describe(booking, apprentice, methodName)}${reason ? ` Reason: ${reason}` : ''}`,
      );
      return { ok: true as const, booking };
    },
    { behavior: 'immediate' },
  );
}

/** Where a held or confirmed booking takes place: an in-person booking's location, a remote one's meeting link. */
export interface PlaceChange {
  location: string | null;
  link: string | null;
  reason: string | null;
}

/**
 * Changes where a held or confirmed booking that has not started takes place, nothing else: the location of an
 * in-person booking (within its region, which the assessor's regions were checked against) or the
 * meeting link of a remote one, which "can be added later". Audited with before and after; the
 * calendar's SEQUENCE goes up, and the assessor and the provider are told.
 */
export function changeBookingPlace(
  db: Db,
  bookingId: number,
  change: PlaceChange,
  actor: Actor,
  now: DateTime,
): { ok: true; booking: BookingRow } | { ok: false; path: 'location' | 'booking'; message: string } {
  return db.transaction(
    (tx) => {
      expireHoldsIn(tx, now);
      const before = tx.select().from(bookings).where(eq(bookings.id, bookingId)).get();
      if (!before) return { ok: false as const, path: 'booking' as const, message: 'There is no such booking' };
      if (before.status !== 'held' && before.status !== 'confirmed')
        return {
          ok: false as const,
          path: 'booking' as const,
          message: `This booking is ${before.status}, so where it takes place cannot be changed`,
        };
      if (before.startsAt <= isoInstant(now))
        return {
          ok: false as const,
          path: 'booking' as const,
          message: 'The assessment has already started, so where it takes place cannot be changed',
        };
      const field = before.mode === 'in_person' ? 'location' : 'link';
      const value = change[field];
      if (field === 'location' && !value)
        return { ok: false as const, path: 'location' as const, message: 'Enter where the assessment takes place' };
      if (value === before[field]) return { ok: true as const, booking: before };
      const booking = tx
        .update(bookings)
        .set({ [field]: value, sequence: sql`${bookings.sequence} + 1`, updatedAt: isoInstant(now) })
        .where(eq(bookings.id, bookingId))
        .returning()
        .get();
      recordAudit(tx, actor, {
        action: 'booking.place_changed',
        entityType: 'booking',
        entityId: bookingId,
        before: { [field]: before[field] },
        after: { [field]: value },
        reason: change.reason,
      });
      const apprentice = findApprenticeById(tx, booking.apprenticeId)!;
      const methodName = methodNameFor(tx, apprentice, booking.methodId);
      notify(tx, booking, `Assessment details changed: ${methodName}`, describe(booking, apprentice, methodName));
      return { ok: true as const, booking };
    },
    { behavior: 'immediate' },
  );
}

/** A method's name in the apprentice's own plan (an id may name another method in another standard's plan). */
export function methodNameFor(db: Queryable, apprentice: ApprenticeDetail, methodId: string): string {
  return epaContext(db, apprentice).methods.find((m) => m.id === methodId)?.name ?? methodId;
}

/** What a stored booking asks for, in the form the rules judge. */
function inputOf(booking: BookingRow): BookingInput {
  return {
    methodId: booking.methodId,
    assessorUserId: booking.assessorUserId,
    localStart: booking.localStart,
    mode: booking.mode,
    region: booking.region,
    location: booking.location,
    link: booking.link,
  };
}

/** The apprentice's active bookings of methods that the plan says must follow this booking's method. */
function dependantsOf(db: Queryable, booking: BookingRow): { name: string; date: string }[] {
  const apprentice = findApprenticeById(db, booking.apprenticeId);
  if (!apprentice) return [];
  const later = epaContext(db, apprentice).methods.filter((m) =>
    m.after.some((rule) => rule.method === booking.methodId),
  );
  if (later.length === 0) return [];
  return db
    .select()
    .from(bookings)
    .where(
      and(
        eq(bookings.apprenticeId, booking.apprenticeId),
        inArray(bookings.status, ['held', 'confirmed']),
        inArray(
          bookings.methodId,
          later.map((m) => m.id),
        ),
      ),
    )
    .all()
    .map((b) => ({ name: later.find((m) => m.id === b.methodId)!.name, date: b.localStart.slice(0, 10) }));
}

/**
 * Held and confirmed bookings still to come that the rules would now refuse, with why: a
 * change of profile, leave, a conflict declared, or an earlier method cancelled or declined
 * since they were made. They stay booked (the assessor may still be able to do them, and
 * nobody should lose a date silently), but they are shown wherever they are looked at, and
 * a hold in this state cannot be confirmed.
 */
export function bookingsAtRisk(
  db: Queryable,
  filter: { assessorUserId?: number; bookingId?: number },
  now: DateTime,
): { booking: BookingRow; reasons: string[] }[] {
  const upcoming = db
    .select()
    .from(bookings)
    .where(
      and(
        inArray(bookings.status, ['held', 'confirmed']),
        sql`${bookings.startsAt} > ${isoInstant(now)}`,
        filter.assessorUserId !== undefined ? eq(bookings.assessorUserId, filter.assessorUserId) : undefined,
        filter.bookingId !== undefined ? eq(bookings.id, filter.bookingId) : undefined,
      ),
    )
    .orderBy(asc(bookings.startsAt))
    .all();
  return upcoming.flatMap((booking) => {
    const apprentice = findApprenticeById(db, booking.apprenticeId);
    const judged = apprentice ? judgeBooking(db, apprentice, inputOf(booking), booking.id, null) : null;
    return judged && !judged.ok ? [{ booking, reasons: judged.refusals.map((r) => r.message) }] : [];
  });
}

/* ---------- Reading ---------- */

export function bookingById(db: Queryable, id: number): BookingRow | undefined {
  return bookingQuery(db).get({ id });
}

const bookingQuery = preparedOnce((db) =>
  db
    .select()
    .from(bookings)
    .where(eq(bookings.id, sql.placeholder('id')))
    .prepare(),
);

export interface BookingListFilter {
  assessorUserId?: number;
  providerUkprn?: string;
  employerId?: string;
  from?: string;
  to?: string;
  status?: BookingStatus;
}

/** Bookings with the apprentice's name, oldest first, filtered by owner, dates (London) and status. */
export function listBookings(db: Db, filter: BookingListFilter) {
  return bookingsSelect(db, bookingsWhere(filter)).all();
}

/** One apprentice's bookings, as listBookings gives them: their page and the booking form read them, so prepared once. */
export function bookingsOfApprentice(db: Db, apprenticeId: number): ReturnType<typeof listBookings> {
  return apprenticeBookingsQuery(db).all({ apprenticeId });
}

const apprenticeBookingsQuery = preparedOnce((db) =>
  bookingsSelect(db, eq(bookings.apprenticeId, sql.placeholder('apprenticeId'))).prepare(),
);

/**
 * Bookings from one London day to another (listBookings, every apprentice's): the booking form
 * reads the fortnight around its day to judge each assessor's capacity and clashes, so they
 * are kept until the database changes.
 */
export function bookingsOfDays(db: Db, from: string, to: string) {
  return daysUntilChange(db, `${from} ${to}`, () => listBookings(db, { from, to }));
}

const daysUntilChange = memoUntilChange<ReturnType<typeof listBookings>>(20);

/** One page of `listBookings` (pages of `size`, the page asked for kept within those there are), with the total. */
export function pageOfBookings(db: Db, filter: BookingListFilter, page: number, size: number) {
  const total =
    db
      .select({ n: count() })
      .from(bookings)
      .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
      .where(bookingsWhere(filter))
      .get()?.n ?? 0;
  return pageFrom(
    total,
    page,
    (limit, offset) => bookingsSelect(db, bookingsWhere(filter)).limit(limit).offset(offset).all(),
    size,
  );
}

function bookingsSelect(db: Queryable, where: SQL | undefined) {
  return db
    .select({
      booking: bookings,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      assessorName: users.name,
    })
    .from(bookings)
    .innerJoin(apprentices, eq(apprentices.id, bookings.apprenticeId))
    .innerJoin(users, eq(users.id, bookings.assessorUserId))
    .where(where)
    .orderBy(asc(bookings.startsAt), asc(bookings.id));
}

function bookingsWhere(filter: BookingListFilter) {
  const dayAfter = (d: string) => londonDayStart(addDays(d, 1));
  return and(
    filter.assessorUserId !== undefined ? eq(bookings.assessorUserId, filter.assessorUserId) : undefined,
    filter.providerUkprn !== undefined ? eq(apprentices.providerUkprn, filter.providerUkprn) : undefined,
    filter.employerId !== undefined ? eq(apprentices.employerId, filter.employerId) : undefined,
    filter.from ? sql`${bookings.startsAt} >= ${londonDayStart(filter.from)}` : undefined,
    filter.to ? sql`${bookings.startsAt} < ${dayAfter(filter.to)}` : undefined,
    filter.status ? eq(bookings.status, filter.status) : undefined,
  );
}

/** One apprentice waiting for bookings: their EPA period and the methods still to book. */
export interface BookingQueueRow {
  apprentice: ApprenticeDetail;
  attempt: number;
  epaPeriodStart: string;
  epaPeriodEnd: string;
  daysWaiting: number;
  allMethods: MethodFacts[];
  unbooked: MethodFacts[];
}

/**
 * Apprentices whose gateway is accepted and who still have a method of their plan without an
 * active booking, longest waiting first, with the days waited since acceptance. Read with a few
 * queries whatever the number of apprentices, and kept until anything in the database changes:
 * the bookings page is opened all day, and the queue is the same between changes.
 */
export function bookingQueue(db: Db, today: string): readonly BookingQueueRow[] {
  return queueMemo(db, today, () => readBookingQueue(db, today));
}

const queueMemo = memoUntilChange<readonly BookingQueueRow[]>(4);

/**
 * The accepted submissions of apprentices still in their EPA (no attempt yet, or a latest attempt
 * without a result), in the booking queue's order. Finished apprentices are most of the history,
 * so they are left out in SQL: found in one pass over an index of the attempts (a correlated
 * check of each accepted submission cost 400 ms at 100,000), kept by SQLite as a list to look
 * each submission up in. The submissions are read along their own partial index, named, since
 * without statistics SQLite would take the status index and sort (test/unit/query-plans.test.ts).
 */
export const OPEN_SUBMISSIONS = `select s.apprentice_id as apprenticeId, s.epa_period_start as epaPeriodStart, s.epa_period_end as epaPeriodEnd
  from gateway_submissions s indexed by gateway_submissions_accepted
  where s.status = 'accepted' and s.apprentice_id not in (
    select e.apprentice_id from epa_attempts e group by e.apprentice_id
    having max(e.number) = max(case when e.overall_grade is not null then e.number end))
  order by s.epa_period_start, s.id`;

function readBookingQueue(db: Db, today: string): BookingQueueRow[] {
  // The open submissions first, then their apprentices and active bookings by id: joined in one
  // query, SQLite would walk every apprentice of every provider to find the few in their EPA.
  const accepted = db.$client.prepare(OPEN_SUBMISSIONS).all() as {
    apprenticeId: number;
    epaPeriodStart: string | null;
    epaPeriodEnd: string | null;
  }[];
  const details = new Map<number, ApprenticeDetail>();
  const bookedBy = new Map<number, { methodId: string; attempt: number }[]>();
  for (const ids of chunked([...new Set(accepted.map((s) => s.apprenticeId))], 500)) {
    for (const row of detailQuery(db).where(inArray(apprentices.id, ids)).all())
      details.set(row.apprentice.id, flatten(row));
    for (const b of db
      .select({ apprenticeId: bookings.apprenticeId, methodId: bookings.methodId, attempt: bookings.attempt })
      .from(bookings)
      .where(and(inArray(bookings.status, [...ACTIVE_STATUSES]), inArray(bookings.apprenticeId, ids)))
      .all())
      bookedBy.set(b.apprenticeId, [...(bookedBy.get(b.apprenticeId) ?? []), b]);
  }
  const resitting = new Set(
    db
      .select({ apprenticeId: epaAttempts.apprenticeId })
      .from(epaAttempts)
      .where(and(sql`${epaAttempts.number} > 1`, isNull(epaAttempts.overallGrade)))
      .all()
      .map((a) => a.apprenticeId),
  );
  // The assessment organisation books its own components; the provider's marker records theirs.
  const byAssessors = (methods: MethodFacts[]) => methods.filter((m) => m.marker !== 'provider');
  const plans = new Map<string, MethodFacts[]>();
  const waiting = accepted.map(({ apprenticeId, epaPeriodStart, epaPeriodEnd }) => ({
    apprentice: details.get(apprenticeId)!,
    epaPeriodStart,
    epaPeriodEnd,
  }));
  const adjustments = approvedAdjustments(db);
  return waiting
    .map(({ apprentice, epaPeriodStart, epaPeriodEnd }) => {
      // A resit or retake has started: its own methods and window.
      const context = resitting.has(apprentice.id) ? epaContext(db, apprentice) : null;
      const planKey = apprentice.planId ?? `version ${apprentice.standardVersionId}`;
      let planMethods = plans.get(planKey);
      if (!planMethods)
        plans.set(
          planKey,
          (planMethods = byAssessors((planForApprentice(db, apprentice)?.methods ?? []).map(methodFacts))),
        );
      // The plan's methods are shared; each apprentice's approved adjustments are their own.
      const methods = context
        ? byAssessors(context.toAssess)
        : planMethods.map((m) => adjustedMethod(m, adjustments.get(apprentice.id) ?? []));
      const attempt = context?.attempt ?? 1;
      const booked = new Set(
        (bookedBy.get(apprentice.id) ?? []).filter((b) => b.attempt === attempt).map((b) => b.methodId),
      );
      const start = context?.epaPeriod?.start ?? epaPeriodStart!;
      return {
        apprentice,
        attempt,
        epaPeriodStart: start,
        epaPeriodEnd: context?.epaPeriod?.end ?? epaPeriodEnd!,
        daysWaiting: Math.max(0, Math.round((Date.parse(today) - Date.parse(start)) / 86_400_000)),
        allMethods: methods,
        unbooked: methods.filter((m) => !booked.has(m.id)),
      };
    })
    .filter((row) => row.unbooked.length > 0);
}

/**
 * Apprentices on a reformed plan with a component during the apprenticeship, marked by the
 * assessment organisation, that is not booked yet and may be before gateway to completion: their
 * gateway is not accepted (once it is, the component joins the booking queue with the rest).
 */
export function duringQueue(db: Db): readonly DuringQueueRow[] {
  return duringMemo(db, '', () => readDuringQueue(db));
}

const duringMemo = memoUntilChange<readonly DuringQueueRow[]>(1);

export interface DuringQueueRow {
  apprentice: DuringQueueApprentice;
  from: string;
  unbooked: MethodFacts[];
}

function readDuringQueue(db: Db): DuringQueueRow[] {
  const rows: { apprentice: DuringQueueApprentice; from: string; unbooked: MethodFacts[] }[] = [];
  for (const held of db
    .select({ id: plans.id, standardVersionId: plans.standardVersionId, isDefault: plans.isDefault })
    .from(plans)
    .orderBy(asc(plans.standardVersionId), desc(plans.isDefault), asc(plans.id))
    .all()) {
    const during = getPlanById(db, held.id)!
      .methods.filter((m) => m.timing === 'during' && m.marker === 'assessment_organisation')
      .map(methodFacts);
    if (during.length === 0) continue;
    // One query a plan: its apprentices (named on the record, or following the version's default)
    // with no accepted gateway, each with the methods of their first attempt already booked.
    const candidates = db
      .select({
        id: apprentices.id,
        uln: apprentices.uln,
        givenNames: apprentices.givenNames,
        familyName: apprentices.familyName,
        startDate: apprentices.startDate,
        booked: sql<string | null>`(select group_concat(b.method_id, char(31)) from ${bookings} b
          where b.apprentice_id = ${apprentices.id} and b.attempt = 1
          and b.status in (${sql.join(
            ACTIVE_STATUSES.map((status) => sql`${status}`),
            sql`, `,
          )}))`,
      })
      .from(apprentices)
      .where(
        and(
          eq(apprentices.standardVersionId, held.standardVersionId),
          held.isDefault
            ? or(eq(apprentices.planId, held.id), isNull(apprentices.planId))
            : eq(apprentices.planId, held.id),
          isNull(apprentices.erasedAt),
          sql`not exists (select 1 from ${gatewaySubmissions} g where g.apprentice_id = ${apprentices.id} and g.status = 'accepted')`,
        ),
      )
      .orderBy(asc(apprentices.startDate), asc(apprentices.id))
      .all();
    for (const { booked, ...apprentice } of candidates) {
      const methods = new Set(booked?.split('\u001f') ?? []);
      const unbooked = during.filter((m) => !methods.has(m.id));
      if (unbooked.length > 0) rows.push({ apprentice, from: apprentice.startDate, unbooked });
    }
  }
  return rows;
}

type DuringQueueApprentice = Pick<ApprenticeDetail, 'id' | 'uln' | 'givenNames' | 'familyName' | 'startDate'>;

/**
 * The name of each method id in the plans held (for lists that show bookings of any standard),
 * kept until the database changes: most pages with bookings ask for it on every request.
 */
export function methodNames(db: Db): ReadonlyMap<string, string> {
  return namesMemo(db, '', () => {
    const names = new Map<string, string>();
    for (const { standardVersionId } of db.select({ standardVersionId: plans.standardVersionId }).from(plans).all()) {
      for (const method of getPlanForStandard(db, standardVersionId)?.methods ?? [])
        if (!names.has(method.id)) names.set(method.id, method.name);
    }
    return names;
  });
}
const namesMemo = memoUntilChange<ReadonlyMap<string, string>>(1);
