import { and, desc, eq, gte, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { recordAudit, type Actor } from '../audit/audit.js';
import { findApprenticeById } from '../apprentices/store.js';
import { ACTIVE_STATUSES } from '../bookings/model.js';
import { bookingQueue, duringQueue, expireHoldsIn, holdIn } from '../bookings/store.js';
import { everyAssessorFacts } from '../bookings/assessor-store.js';
import { addDays } from '../calendar.js';
import type { Db } from '../db/connection.js';
import { isoInstant } from '../dates.js';
import { runInWorker } from '../ops/worker.js';
import { bookings, scheduleProposals } from '../db/schema.js';
import type { LeftOut, Schedule, SchedulerInput } from './model.js';
import { inPersonOnlyReason } from './instance.js';

/** What is kept of a proposal: the schedule, and the apprentices the scheduler did not take on (with why). */
export interface StoredSchedule extends Schedule {
  notConsidered: LeftOut[];
}

export type ProposalRow = typeof scheduleProposals.$inferSelect;

/**
 * The auto-scheduler's input as the database stands: apprentices whose gateway is accepted and
 * who have no active booking, every assessor, and the bookings that take up their time. The
 * first bookable day is tomorrow. Apprentices already partly booked, plans with a method that can
 * only be held in person (which needs a place), and components during the apprenticeship before
 * gateway to completion are left to the booking form, each with its reason.
 */
export function schedulerInput(db: Db, today: string): { input: SchedulerInput; notConsidered: LeftOut[] } {
  const firstDay = addDays(today, 1);
  const notConsidered: LeftOut[] = [];
  const apprentices: SchedulerInput['apprentices'] = [];
  for (const row of bookingQueue(db, today)) {
    const { apprentice } = row;
    const methods = row.allMethods;
    const inPersonOnly = inPersonOnlyReason(methods);
    if (row.unbooked.length < methods.length)
      notConsidered.push({
        apprenticeId: apprentice.id,
        reason: 'Some assessments are already booked: book the rest with the booking form',
      });
    else if (inPersonOnly) notConsidered.push({ apprenticeId: apprentice.id, reason: inPersonOnly });
    // The schedule's slots are as long as the plans' longest method: a slot lengthened by approved extra time is the booking form's.
    else if (methods.some((m) => m.adjusted && m.adjusted.extraMinutes > 0))
      notConsidered.push({
        apprenticeId: apprentice.id,
        reason: 'Extra time is approved as a reasonable adjustment: book these assessments with the booking form',
      });
    else if (row.epaPeriodEnd < firstDay)
      notConsidered.push({ apprenticeId: apprentice.id, reason: `The EPA period ended on ${row.epaPeriodEnd}` });
    else
      apprentices.push({
        id: apprentice.id,
        employerId: apprentice.employerId,
        providerUkprn: apprentice.providerUkprn,
        standardVersionId: apprentice.standardVersionId,
        gatewayDate: row.epaPeriodStart,
        epaEnd: row.epaPeriodEnd,
        methods,
      });
  }
  // Components during the apprenticeship, before gateway to completion, have no assessment period
  // to schedule within: they are booked one by one from their own list.
  for (const row of duringQueue(db))
    notConsidered.push({
      apprenticeId: row.apprentice.id,
      reason: `Before gateway to completion: book ${row.unbooked.map((m) => m.name).join(' and ')} from the list of components taken during the apprenticeship`,
    });
  // Bookings from the Monday of the first week count against that week's limits.
  const weekStart = DateTime.fromISO(firstDay, { zone: 'Europe/London' }).startOf('week');
  const existing = db
    .select({
      id: bookings.id,
      apprenticeId: bookings.apprenticeId,
      assessorUserId: bookings.assessorUserId,
      methodId: bookings.methodId,
      startsAt: bookings.startsAt,
      endsAt: bookings.endsAt,
      status: bookings.status,
    })
    .from(bookings)
    .where(and(inArray(bookings.status, [...ACTIVE_STATUSES]), gte(bookings.startsAt, isoInstant(weekStart))))
    .all();
  return { input: { firstDay, apprentices, assessors: [...everyAssessorFacts(db)], existing }, notConsidered };
}

/**
 * Runs the scheduler and keeps its proposal for review. Nothing is booked yet. The search (seconds
 * for a large queue) runs in a worker thread on the facts read here, so every other request is
 * answered meanwhile.
 */
export async function createProposal(db: Db, actor: Actor, today: string): Promise<ProposalRow> {
  const { input, notConsidered } = schedulerInput(db, today);
  const schedule = await runInWorker<Schedule>(new URL('./propose-worker.js', import.meta.url), input);
  const payload: StoredSchedule = { ...schedule, notConsidered };
  return db.transaction((tx) => {
    const row = tx
      .insert(scheduleProposals)
      .values({
        status: 'proposed',
        firstDay: input.firstDay,
        payload: JSON.stringify(payload),
        createdBy: actor.userId,
      })
      .returning()
      .get();
    recordAudit(tx, actor, {
      action: 'schedule.proposed',
      entityType: 'schedule_proposal',
      entityId: row.id,
      after: {
        bookings: schedule.bookings.length,
        leftOut: schedule.leftOut.length,
        objective: schedule.objective,
        bound: schedule.bound,
      },
    });
    return row;
  });
}

export function proposalById(db: Db, id: number): (ProposalRow & { schedule: StoredSchedule }) | undefined {
  const row = db.select().from(scheduleProposals).where(eq(scheduleProposals.id, id)).get();
  return row && { ...row, schedule: JSON.parse(row.payload) as StoredSchedule };
}

export function recentProposals(db: Db, limit = 10) {
  return db
    .select()
    .from(scheduleProposals)
    .orderBy(desc(scheduleProposals.id))
    .limit(limit)
    .all()
    .map((row) => {
      const schedule = JSON.parse(row.payload) as StoredSchedule;
      return {
        ...row,
        bookings: schedule.bookings.length,
        leftOut: schedule.leftOut.length + schedule.notConsidered.length,
        gap: schedule.gap,
      };
    });
}

export interface CommitRefusal {
  apprenticeId: number;
  methodId: string;
  localStart: string;
  messages: string[];
}

class CommitRefused extends Error {
  constructor(readonly refusals: CommitRefusal[]) {
    super('The proposal no longer fits the rules');
  }
}

export type CommitResult = { ok: true; count: number } | { ok: false; message: string; refusals: CommitRefusal[] };

/**
 * Commits a proposal as holds, all or nothing, in one immediate transaction. Each hold goes
 * through the same checks as a hold made with the booking form, against the database as it
 * is now: if anything has changed since the proposal (a booking made by hand, leave, a new
 * conflict, a day now in the past), nothing is written and every refusal is listed.
 */
export function commitProposal(
  db: Db,
  id: number,
  actor: Actor,
  options: { holdHours: number; now: DateTime },
): CommitResult {
  const now = options.now;
  try {
    return db.transaction(
      (tx) => {
        expireHoldsIn(tx, now);
        const row = tx.select().from(scheduleProposals).where(eq(scheduleProposals.id, id)).get();
        if (!row) return { ok: false as const, message: 'There is no such proposal', refusals: [] };
        if (row.status !== 'proposed')
          return { ok: false as const, message: `This proposal has been ${row.status}`, refusals: [] };
        const schedule = JSON.parse(row.payload) as StoredSchedule;
        const refusals: CommitRefusal[] = [];
        for (const proposed of schedule.bookings) {
          const apprentice = findApprenticeById(tx, proposed.apprenticeId);
          const result = apprentice
            ? holdIn(
                tx,
                apprentice,
                {
                  methodId: proposed.methodId,
                  assessorUserId: proposed.assessorUserId,
                  localStart: proposed.localStart,
                  mode: 'remote',
                  region: null,
                  location: null,
                  link: null,
                },
                actor,
                { holdHours: options.holdHours, now },
              )
            : { ok: false as const, refusals: [{ message: 'The apprentice has been removed' }] };
          if (!result.ok) refusals.push({ ...proposed, messages: result.refusals.map((r) => r.message) });
        }
        if (refusals.length > 0) throw new CommitRefused(refusals);
        tx.update(scheduleProposals)
          .set({ status: 'committed', decidedBy: actor.userId, decidedAt: isoInstant(now) })
          .where(eq(scheduleProposals.id, id))
          .run();
        recordAudit(tx, actor, {
          action: 'schedule.committed',
          entityType: 'schedule_proposal',
          entityId: id,
          before: { status: 'proposed' },
          after: { status: 'committed', holds: schedule.bookings.length },
        });
        return { ok: true as const, count: schedule.bookings.length };
      },
      { behavior: 'immediate' },
    );
  } catch (error) {
    if (error instanceof CommitRefused)
      return {
        ok: false,
        message: `Nothing was booked: ${error.refusals.length} of the proposed holds no longer fit the rules. Propose a new schedule.`,
        refusals: error.refusals,
      };
    throw error;
  }
}

export function discardProposal(
  db: Db,
  id: number,
  actor: Actor,
  now: DateTime,
): { ok: true } | { ok: false; message: string } {
  return db.transaction((tx) => {
    const row = tx.select().from(scheduleProposals).where(eq(scheduleProposals.id, id)).get();
    if (!row) return { ok: false as const, message: 'There is no such proposal' };
    if (row.status !== 'proposed') return { ok: false as const, message: `This proposal has been ${row.status}` };
    tx.update(scheduleProposals)
      .set({ status: 'discarded', decidedBy: actor.userId, decidedAt: isoInstant(now) })
      .where(eq(scheduleProposals.id, id))
      .run();
    recordAudit(tx, actor, {
      action: 'schedule.discarded',
      entityType: 'schedule_proposal',
      entityId: id,
      before: { status: 'proposed' },
      after: { status: 'discarded' },
    });
    return { ok: true as const };
  });
}
