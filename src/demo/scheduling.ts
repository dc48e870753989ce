import { and, eq, gte } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Actor } from '../audit/audit.js';
import { SYSTEM_ACTOR } from '../audit/audit.js';
import { findApprenticeById } from '../apprentices/store.js';
import type { Region } from '../bookings/model.js';
import { changeBooking, createBooking, type BookingInput } from '../bookings/store.js';
import { declareConflict } from '../bookings/assessor-store.js';
import { ZONE } from '../dates.js';
import { createUser } from '../users/store.js';
import type { Db } from '../db/connection.js';
import {
  apprentices,
  assessorProfiles,
  assessorRegions,
  assessorStandards,
  assessorUnavailability,
  assessorWorkingHours,
  gatewaySubmissions,
  standardVersions,
  users,
} from '../db/schema.js';

interface DemoAssessor {
  email: string;
  name: string;
  competentInSt0815: boolean;
  regions: Region[];
  perDay: number;
  perWeek: number;
  days: number[];
  start: string;
  end: string;
  ownEmployerId?: string;
}

/** Assessors with different competences, regions, patterns and conflicts. The first is the demo assessor sign-in. */
export const DEMO_ASSESSORS: DemoAssessor[] = [
  {
    email: 'assessor@epao.example',
    name: 'Gareth Pryce',
    competentInSt0815: true,
    regions: ['north_west', 'west_midlands'],
    perDay: 3,
    perWeek: 10,
    // The demo assessor works any day, so that whatever day the demo is seeded they have an
    // assessment today and one from yesterday to grade.
    days: [1, 2, 3, 4, 5, 6, 7],
    start: '08:00',
    end: '20:00',
  },
  {
    email: 'sunita.kaur@epao.example',
    name: 'Sunita Kaur',
    competentInSt0815: true,
    regions: ['london', 'south_east', 'east_of_england'],
    perDay: 3,
    perWeek: 10,
    days: [1, 2, 3, 4, 5],
    start: '08:30',
    end: '17:30',
    ownEmployerId: 'public-services-union',
  },
  {
    email: 'david.ogunleye@epao.example',
    name: 'David Ogunleye',
    competentInSt0815: true,
    regions: ['north_east', 'yorkshire_humber'],
    perDay: 2,
    perWeek: 5,
    days: [2, 3, 4, 5],
    start: '10:00',
    end: '18:00',
  },
  {
    email: 'claire.fenwick@epao.example',
    name: 'Claire Fenwick',
    competentInSt0815: false,
    regions: ['south_west'],
    perDay: 2,
    perWeek: 8,
    days: [1, 2, 3, 4, 5],
    start: '09:00',
    end: '17:00',
  },
];

/** Demo apprentices accepted at gateway within this many days are booked here; earlier ones are assessed in grading.ts. */
export const DEMO_BOOKING_WINDOW_DAYS = 60;

/** A start time (HH:mm, London) for an assessment under way at `now`: the hour before, kept within 08:00 to 18:00. */
function underWay(now: DateTime): string {
  const hour = Math.min(18, Math.max(8, now.setZone(ZONE).hour - 1));
  return `${String(hour).padStart(2, '0')}:00`;
}

/** The next day on or after `from` that falls on one of `weekdays` (1 = Monday). */
export function onWeekday(from: DateTime, weekdays: number[]): DateTime {
  let day = from;
  while (!weekdays.includes(day.weekday)) day = day.plus({ days: 1 });
  return day;
}

/**
 * Demo assessors and bookings in every state (held, confirmed, declined, completed,
 * cancelled) for the demo apprentices whose gateway is accepted, with one left waiting in
 * the queue. Made through the same stores as real bookings, so every rule is applied.
 */
export async function loadDemoScheduling(db: Db, password: string, now: DateTime, hashCost: number): Promise<void> {
  const today = now.setZone(ZONE).startOf('day');
  if (db.select({ id: assessorProfiles.userId }).from(assessorProfiles).limit(1).get()) return;
  const st0815 = db
    .select({ id: standardVersions.id })
    .from(standardVersions)
    .where(and(eq(standardVersions.reference, 'ST0815'), eq(standardVersions.version, '1.0')))
    .get();
  if (!st0815) return;
  const ids = new Map<string, number>();
  for (const a of DEMO_ASSESSORS) {
    let user = db.select({ id: users.id }).from(users).where(eq(users.email, a.email)).get();
    if (!user) {
      const created = await createUser(
        db,
        { email: a.email, name: a.name, role: 'assessor', password },
        SYSTEM_ACTOR,
        hashCost,
      );
      if (!created.ok)
        throw new Error(`Demo assessor ${a.email}: ${created.problems.map((p) => p.message).join('; ')}`);
      user = created.user;
    }
    ids.set(a.email, user.id);
    db.insert(assessorProfiles)
      .values({ userId: user.id, perDay: a.perDay, perWeek: a.perWeek, ownEmployerId: a.ownEmployerId ?? null })
      .run();
    if (a.competentInSt0815)
      db.insert(assessorStandards).values({ userId: user.id, standardVersionId: st0815.id }).run();
    for (const region of a.regions) db.insert(assessorRegions).values({ userId: user.id, region }).run();
    for (const weekday of a.days)
      db.insert(assessorWorkingHours).values({ userId: user.id, weekday, start: a.start, end: a.end }).run();
  }
  const gareth = ids.get(DEMO_ASSESSORS[0]!.email)!;
  const sunita = ids.get(DEMO_ASSESSORS[1]!.email)!;
  const david = ids.get(DEMO_ASSESSORS[2]!.email)!;
  const leave = onWeekday(today.plus({ days: 8 }), [3]);
  db.insert(assessorUnavailability)
    .values({
      userId: gareth,
      from: leave.toISODate()!,
      to: leave.plus({ days: 2 }).toISODate()!,
      reason: 'Annual leave',
    })
    .run();
  const actorFor = (id: number): Actor => ({
    userId: id,
    label: db.select({ email: users.email }).from(users).where(eq(users.id, id)).get()!.email,
  });
  declareConflict(
    db,
    gareth,
    {
      kind: 'employer',
      organisationId: 'health-care-union',
      from: '2019-01-01',
      to: null,
      reason: 'Branch secretary for the union until 2023',
    },
    actorFor(gareth),
  );

  const admin = db.select({ id: users.id, email: users.email }).from(users).where(eq(users.role, 'admin')).get();
  const adminActor: Actor = admin ? { userId: admin.id, label: admin.email } : SYSTEM_ACTOR;
  const accepted = db
    .select({ apprenticeId: gatewaySubmissions.apprenticeId, start: gatewaySubmissions.epaPeriodStart })
    .from(gatewaySubmissions)
    .innerJoin(apprentices, eq(apprentices.id, gatewaySubmissions.apprenticeId))
    // The apprentices assessed long ago are grading.ts's; these are the ones still being booked.
    .where(
      and(
        eq(gatewaySubmissions.status, 'accepted'),
        gte(gatewaySubmissions.epaPeriodStart, today.minus({ days: DEMO_BOOKING_WINDOW_DAYS }).toISODate()!),
      ),
    )
    .orderBy(gatewaySubmissions.epaPeriodStart)
    .all();
  /** A booking for the accepted apprentice at `index`, made now (or at `madeAt`: a hold runs for 48 hours from when it is made). */
  const book = (
    index: number,
    input: Omit<BookingInput, 'location' | 'link' | 'region'> & { region?: Region },
    recordingPast = false,
    madeAt = now,
  ) => {
    const row = accepted[index];
    if (!row) return undefined;
    const apprentice = findApprenticeById(db, row.apprenticeId)!;
    const result = createBooking(
      db,
      apprentice,
      {
        ...input,
        region: input.region ?? null,
        location: input.mode === 'in_person' ? 'Regional office, meeting room 2' : null,
        link: input.mode === 'remote' ? 'https://meet.example.org/epa-demo' : null,
      },
      adminActor,
      { now: madeAt, recordingPast },
    );
    // Dates are relative to today; on the rare day a demo booking breaks a rule it is left out rather than stopping the start.
    if (!result.ok) {
      console.warn(
        `Demo booking for ${apprentice.familyName} left out: ${result.refusals.map((r) => r.message).join('; ')}`,
      );
      return undefined;
    }
    return result.booking;
  };
  const at = (day: DateTime, time: string) => `${day.toISODate()}T${time}`;
  const periodStart = (index: number) => DateTime.fromISO(accepted[index]?.start ?? today.toISODate()!, { zone: ZONE });

  // The longest-waiting apprentice: the discussion done (booked a week ahead and confirmed the
  // next day, so its hold never ran out), the project confirmed.
  const discussedOn = onWeekday(periodStart(0).plus({ days: 14 }), [2, 3, 4]);
  const done = book(
    0,
    { methodId: 'discussion', assessorUserId: david, localStart: at(discussedOn, '10:30'), mode: 'remote' },
    true,
    discussedOn.minus({ days: 7 }).set({ hour: 9 }),
  );
  if (done) {
    changeBooking(db, done.id, 'confirm', null, actorFor(david), discussedOn.minus({ days: 6 }).set({ hour: 9 }));
    changeBooking(db, done.id, 'complete', null, adminActor, now);
  }
  // The demo assessor's day: the project under way today (it began up to an hour ago, within their hours).
  const project = book(
    0,
    {
      methodId: 'project',
      assessorUserId: gareth,
      localStart: at(today, underWay(now)),
      mode: 'in_person',
      region: 'north_west',
    },
    true,
  );
  if (project) changeBooking(db, project.id, 'confirm', null, actorFor(gareth), today.minus({ days: 1 }));
  // The next: the discussion taken yesterday and waiting for the demo assessor's grading, a project
  // they declined, and the same project held for them on another day, waiting for them to confirm.
  const yesterday = book(
    1,
    {
      methodId: 'discussion',
      assessorUserId: gareth,
      localStart: at(today.minus({ days: 1 }), '10:00'),
      mode: 'remote',
    },
    true,
  );
  if (yesterday) changeBooking(db, yesterday.id, 'confirm', null, actorFor(gareth), today.minus({ days: 2 }));
  const declined = book(1, {
    methodId: 'project',
    assessorUserId: gareth,
    localStart: at(DateTime.max(periodStart(1).plus({ days: 28 }), today.plus({ days: 4 })), '13:00'),
    mode: 'remote',
  });
  if (declined)
    changeBooking(
      db,
      declined.id,
      'decline',
      'I am representing at an employment tribunal that day',
      actorFor(gareth),
      now,
    );
  // Held nearly two days ago, so the hold runs out later today (unless it is nearly midnight).
  const holdEnds = DateTime.min(now.plus({ hours: 2 }), today.endOf('day').minus({ minutes: 5 }));
  book(
    1,
    {
      methodId: 'project',
      assessorUserId: gareth,
      localStart: at(DateTime.max(periodStart(1).plus({ days: 28 }), today.plus({ days: 3 })), '14:00'),
      mode: 'remote',
    },
    false,
    holdEnds > now ? holdEnds.minus({ hours: 48 }) : now,
  );
  // Then: a cancelled discussion, rebooked with another assessor.
  const cancelled = book(2, {
    methodId: 'discussion',
    assessorUserId: sunita,
    localStart: at(onWeekday(today.plus({ days: 5 }), [1, 2, 3, 4, 5]), '11:00'),
    mode: 'in_person',
    region: 'london',
  });
  if (cancelled)
    changeBooking(db, cancelled.id, 'cancel', 'The apprentice is unwell; to be rearranged', adminActor, now);
  const rebookedOn = onWeekday(today.plus({ days: 12 }), [1, 2, 3, 4, 5]);
  const rebooked = book(2, {
    methodId: 'discussion',
    assessorUserId: sunita,
    localStart: at(rebookedOn, '11:00'),
    mode: 'remote',
  });
  // Since then the assessor has been called for jury service that day: the booking stands, but a
  // later change has broken it, and the administrator is told.
  if (rebooked)
    db.insert(assessorUnavailability)
      .values({
        userId: sunita,
        from: rebookedOn.toISODate()!,
        to: rebookedOn.plus({ days: 4 }).toISODate()!,
        reason: 'Jury service',
      })
      .run();
  // The most recent acceptance is left in the queue, waiting for both bookings.
}
