import { recordDelivery } from '../certificates/store.js';
import { fullName } from '../names.js';
import { and, desc, eq, lt, notExists, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Actor } from '../audit/audit.js';
import { findApprenticeById, type ApprenticeDetail } from '../apprentices/store.js';
import { changeBooking, createBooking } from '../bookings/store.js';
import { isoInstant, ZONE } from '../dates.js';
import {
  epaoSettingsOf,
  lodgeAppeal,
  moderate,
  releaseResults,
  saveGrading,
  decideFurtherRequest,
  requestFurtherAttempt,
} from '../grading/store.js';
import type { Decision } from '../grading/rules.js';
import { planForApprentice } from '../plans/store.js';
import type { Db } from '../db/connection.js';
import { DEMO_ASSESSORS, DEMO_BOOKING_WINDOW_DAYS, onWeekday } from './scheduling.js';
import { bookings, epaAttempts, epaoSettings, gatewaySubmissions, gradings, users } from '../db/schema.js';

/**
 * Assessed demo apprentices, made through the same stores as real grading (every rule
 * applies), at dates in the past: a Fail resat to a Pass, a Fail under appeal, a released
 * Distinction, a result waiting for moderation, a Fail whose resit waits for the employer's
 * agreement, and a result ready to release. Runs once: nothing happens if any attempt exists.
 */
export function loadDemoGrading(db: Db, now: DateTime): void {
  const today = now.setZone(ZONE).startOf('day');
  if (db.select({ id: epaAttempts.id }).from(epaAttempts).limit(1).get()) return;
  const person = (email: string): Actor & { userId: number } => {
    const row = db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
    if (!row) throw new Error(`Demo user ${email} is missing`);
    return { userId: row.id, label: email };
  };
  const gareth = person(DEMO_ASSESSORS[0]!.email);
  const david = person(DEMO_ASSESSORS[2]!.email);
  const admin = person('admin@epao.example');
  const qa = person('qa@epao.example');
  const provider = person('provider@northern-learning.example');
  // An assessor's first five gradings are all sampled: the demo's results are moderated before release.

  const assessed = db
    .select({ apprenticeId: gatewaySubmissions.apprenticeId, start: gatewaySubmissions.epaPeriodStart })
    .from(gatewaySubmissions)
    .where(
      and(
        eq(gatewaySubmissions.status, 'accepted'),
        lt(gatewaySubmissions.epaPeriodStart, today.minus({ days: DEMO_BOOKING_WINDOW_DAYS }).toISODate()!),
      ),
    )
    .orderBy(gatewaySubmissions.epaPeriodStart)
    .all()
    .map((row) => ({
      apprentice: findApprenticeById(db, row.apprenticeId)!,
      start: DateTime.fromISO(row.start!, { zone: ZONE }),
    }));
  if (assessed.length < 4) return;
  const plan = planForApprentice(db, assessed[0]!.apprentice);
  if (!plan) return;
  // Where their certificates are posted (made-up addresses): all but the last, whose claim then says what is missing.
  assessed.slice(0, -1).forEach(({ apprentice }, i) =>
    recordDelivery(
      db,
      apprentice,
      {
        sendTo: i % 3 === 2 ? 'apprentice' : 'employer',
        contactName: i % 3 === 2 ? fullName(apprentice) : 'Branch secretary (demo)',
        department: null,
        organisation: i % 3 === 2 ? fullName(apprentice) : apprentice.employerName,
        addressLine1: `${10 + i} Demo Street`,
        addressLine2: null,
        addressLine3: null,
        city: 'Manchester',
        postcode: 'M1 1AE',
      },
      provider,
      today.minus({ days: 60 }).toUTC(),
    ),
  );
  epaoSettingsOf(db);
  // A made-up organisation for the demo (EPA9999 is not a real register number).
  db.update(epaoSettings)
    .set({
      epaoName: 'Union Learning Assessment (demo)',
      epaNumber: 'EPA9999',
      contactEmail: 'results@union-learning-assessment.example',
      contactPhone: '0161 496 0000',
    })
    .where(eq(epaoSettings.id, 1))
    .run();

  /** Every criterion of the method met, except those listed (not met, with the evidence that fell short). */
  const decisions = (methodId: string, notMet: Record<string, string> = {}): Decision[] =>
    plan.criteria
      .filter((c) => c.method === methodId)
      .map((c) => ({ criterionId: c.id, met: !(c.id in notMet), evidence: notMet[c.id] ?? '' }));

  /** A booking that took place on `day` (a weekday the assessor works), confirmed beforehand and graded the day after. */
  const assess = (
    apprentice: ApprenticeDetail,
    methodId: 'project' | 'discussion',
    assessor: Actor & { userId: number },
    day: DateTime,
    notMet: Record<string, string> = {},
    time = '10:00',
  ) => {
    const made = createBooking(
      db,
      apprentice,
      {
        methodId,
        assessorUserId: assessor.userId,
        localStart: `${day.toISODate()}T${time}`,
        mode: 'remote',
        region: null,
        location: null,
        link: 'https://meet.example.org/epa-demo',
      },
      admin,
      { recordingPast: true, now: day.minus({ days: 7 }).toUTC() },
    );
    if (!made.ok)
      throw new Error(
        `Demo assessment for ${apprentice.familyName}: ${made.refusals.map((r) => r.message).join('; ')}`,
      );
    const confirmed = changeBooking(db, made.booking.id, 'confirm', null, assessor, day.minus({ days: 6 }).toUTC());
    if (!confirmed.ok) throw new Error(confirmed.message);
    const graded = saveGrading(
      db,
      made.booking,
      { outcome: 'graded', outcomeReason: null, decisions: decisions(methodId, notMet) },
      assessor,
      { submit: true, now: day.plus({ days: 1, hours: 12 }).toUTC() },
    );
    if (!graded.ok) throw new Error(graded.message);
    return graded.grading;
  };
  const must = (result: { ok: true } | { ok: false; message: string }, what: string) => {
    if (!result.ok) throw new Error(`Demo ${what}: ${result.message}`);
  };
  /** The quality assurer agrees with a grading, if it was sampled (an assessor's first five always are). */
  const agreeIfSampled = (grading: { id: number; moderation: string }, on: DateTime) => {
    if (grading.moderation === 'pending') agree(grading.id, on);
  };
  const agree = (gradingId: number, on: DateTime) =>
    must(
      moderate(
        db,
        gradingId,
        {
          decision: 'agreed',
          rationale: 'Decisions and evidence notes are consistent with the criteria.',
          changes: [],
        },
        qa,
        on.toUTC(),
      ),
      'moderation',
    );
  const release = (attemptId: number, on: DateTime) =>
    must(releaseResults(db, [attemptId], admin, on.toUTC()), 'release');
  const attemptOf = (apprentice: ApprenticeDetail, number: number) =>
    db
      .select()
      .from(epaAttempts)
      .where(and(eq(epaAttempts.apprenticeId, apprentice.id), eq(epaAttempts.number, number)))
      .get()!;
  const projectDay = (start: DateTime, after: number) => onWeekday(start.plus({ days: after }), [1, 2]);
  const discussionDay = (start: DateTime, after: number) => onWeekday(start.plus({ days: after }), [3, 4]);

  // 1. Failed the project, resat it with a Distinction: with the discussion's Distinction carried
  //    over the methods give a Distinction, capped at Pass for a resit.
  {
    const { apprentice, start } = assessed[0]!;
    agree(assess(apprentice, 'discussion', david, discussionDay(start, 10)).id, start.plus({ days: 14 }));
    const p = assess(apprentice, 'project', gareth, projectDay(start, 30), {
      PR3: 'The campaign objectives were not linked to the membership data gathered.',
    });
    agree(p.id, start.plus({ days: 35 }));
    release(attemptOf(apprentice, 1).id, start.plus({ days: 36 }));
    // The provider asks for a resit; the employer agrees, and the resit starts.
    const asked = requestFurtherAttempt(
      db,
      apprentice,
      { choices: { project: 'resit' }, actionPlan: null },
      provider,
      start.plus({ days: 40 }),
    );
    if (!asked.ok) throw new Error(asked.message);
    const employer = db
      .select({ id: users.id, email: users.email })
      .from(users)
      .where(and(eq(users.role, 'employer'), eq(users.employerId, apprentice.employerId)))
      .get();
    const resit = decideFurtherRequest(
      db,
      apprentice,
      asked.request.attemptId,
      'agreed',
      null,
      employer ? { userId: employer.id, label: employer.email } : { userId: null, label: 'employer (demo)' },
      start.plus({ days: 41 }),
    );
    if (!resit.ok) throw new Error(resit.message);
    // The plan's 28 days before a project count from the start of the resit.
    const again = assess(apprentice, 'project', gareth, projectDay(start, 70));
    agree(again.id, start.plus({ days: 75 }));
    release(attemptOf(apprentice, 2).id, start.plus({ days: 76 }));
  }
  // 2. Failed the discussion; the result was released a week ago and the provider has appealed.
  {
    const { apprentice, start } = assessed[1]!;
    agree(
      assess(apprentice, 'discussion', david, discussionDay(start, 20), {
        PD3: 'No example of representing a member at a formal hearing was given.',
      }).id,
      start.plus({ days: 70 }),
    );
    agree(assess(apprentice, 'project', gareth, projectDay(start, 35)).id, start.plus({ days: 70 }));
    const releasedOn = onWeekday(today.minus({ days: 7 }), [1, 2, 3, 4, 5]);
    release(attemptOf(apprentice, 1).id, releasedOn.plus({ hours: 10 }));
    const appeal = lodgeAppeal(
      db,
      attemptOf(apprentice, 1).id,
      'The apprentice described a disciplinary hearing at length (recording at 00:41); PD3 should have been met.',
      provider,
      releasedOn.plus({ days: 3 }).toISODate()!,
    );
    must(appeal, 'appeal');
  }
  // 3. Distinction in both methods, moderated and released.
  {
    const { apprentice, start } = assessed[2]!;
    agree(assess(apprentice, 'discussion', david, discussionDay(start, 15)).id, start.plus({ days: 50 }));
    agree(assess(apprentice, 'project', gareth, projectDay(start, 30)).id, start.plus({ days: 50 }));
    release(attemptOf(apprentice, 1).id, start.plus({ days: 51 }));
  }
  // 4. Both methods graded and sampled: waiting for the quality assurer.
  {
    const { apprentice, start } = assessed[3]!;
    assess(apprentice, 'discussion', david, discussionDay(start, 20), {
      PDD2: 'Reflection on own practice stayed descriptive.',
    });
    assess(apprentice, 'project', gareth, projectDay(start, 32), {
      PRD1: 'The limits of the research data were not discussed.',
    });
  }
  // 5. Failed the discussion, released three weeks ago; the provider has asked for a resit, which
  //    waits for the employer's agreement. (In the afternoons, clear of the others' mornings.)
  if (assessed[4]) {
    const { apprentice, start } = assessed[4];
    const discussion = assess(
      apprentice,
      'discussion',
      david,
      discussionDay(start, 10),
      { PD2: 'The account of negotiating with management did not show how the agreement was reached.' },
      '14:00',
    );
    const project = assess(apprentice, 'project', gareth, projectDay(start, 34), {}, '14:00');
    agreeIfSampled(discussion, start.plus({ days: 43 }));
    agreeIfSampled(project, start.plus({ days: 43 }));
    release(attemptOf(apprentice, 1).id, start.plus({ days: 44 }));
    const asked = requestFurtherAttempt(
      db,
      apprentice,
      { choices: { discussion: 'resit' }, actionPlan: null },
      provider,
      today.minus({ days: 3 }).plus({ hours: 11 }),
    );
    if (!asked.ok) throw new Error(asked.message);
  }
  // 6. Both methods passed and moderated where sampled: the result waits to be released.
  if (assessed[5]) {
    const { apprentice, start } = assessed[5];
    const discussion = assess(apprentice, 'discussion', david, discussionDay(start, 24), {}, '16:00');
    const project = assess(apprentice, 'project', gareth, projectDay(start, 40), {}, '16:00');
    agreeIfSampled(discussion, start.plus({ days: 49 }));
    agreeIfSampled(project, start.plus({ days: 49 }));
  }
  // 7. The demo assessor has begun grading the discussion taken yesterday (scheduling.ts): a draft
  //    with its first two criteria decided, the rest still to do.
  const taken = db
    .select()
    .from(bookings)
    .where(
      and(
        eq(bookings.assessorUserId, gareth.userId),
        eq(bookings.status, 'confirmed'),
        lt(bookings.startsAt, isoInstant(today)),
        notExists(
          db
            .select({ one: sql`1` })
            .from(gradings)
            .where(eq(gradings.bookingId, bookings.id)),
        ),
      ),
    )
    .orderBy(desc(bookings.startsAt))
    .get();
  if (taken) {
    const started = decisions(taken.methodId)
      .slice(0, 2)
      .map((d) => ({ ...d, evidence: 'Gave a clear example from their own casework (demo note).' }));
    const draft = saveGrading(db, taken, { outcome: 'graded', outcomeReason: null, decisions: started }, gareth, {
      submit: false,
      now: now.toUTC(),
    });
    if (!draft.ok) throw new Error(`Demo draft grading: ${draft.message}`);
  }
}
