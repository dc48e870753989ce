import { expect } from 'chai';
import fc from 'fast-check';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { addApprentices, findApprenticeByUln } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { addDays } from '../../src/calendar.js';
import {
  apprentices,
  earlierEpisodes,
  gatewaySubmissions,
  offTheJobHours,
  qualifications,
  standardVersions,
} from '../../src/db/schema.js';
import { evaluateApprentice, gatewayOverview, gatewayState } from '../../src/gateway/store.js';
import { eq } from 'drizzle-orm';
import { testDb } from '../support/app.js';
import { SEED } from '../support/hostile.js';

/*
 * The off-the-job counting rule is written twice: in TypeScript for one apprentice (the
 * apprentice's page, a submission: src/gateway/off-the-job.ts) and in SQL for the dashboard's bulk
 * evaluation (gatewayOverview's range sum in src/gateway/store.ts). This holds them equal: on
 * random apprentices (starts on both sides of 1 August 2025, restarts, published minimums or not)
 * with random hours (each kind, dated before the start, after the day, after a submission), both
 * give the same state and the same unmet checks.
 */

const ULNS = validUlns(400, 910_000_000);
let used = 0;

const story = fc.record({
  startOffset: fc.integer({ min: 0, max: 1000 }),
  weeklyHours: fc.constantFrom(16, 30, 37.5),
  published: fc.option(fc.constantFrom(187, 278), { nil: null }),
  restart: fc.option(
    fc.record({ before: fc.integer({ min: 20, max: 300 }), length: fc.integer({ min: 30, max: 300 }) }),
    {
      nil: null,
    },
  ),
  logs: fc.array(
    fc.record({
      offset: fc.integer({ min: -400, max: 900 }),
      hours: fc.constantFrom(7.5, 60, 200, 400),
      kind: fc.constantFrom('training', 'training', 'english_maths', 'progress_review'),
    }),
    { maxLength: 8 },
  ),
  submission: fc.option(
    fc.record({
      offset: fc.integer({ min: 100, max: 800 }),
      status: fc.constantFrom('submitted', 'rejected', 'accepted'),
    }),
    { nil: null },
  ),
  onOffset: fc.integer({ min: 0, max: 900 }),
});

describe('the off-the-job counting rule: the dashboard’s SQL and the rules’ TypeScript agree', () => {
  it('gives the same state and unmet checks for random apprentices and hours', async () => {
    const { db } = await testDb();
    fc.assert(
      fc.property(story, (s) => {
        const uln = ULNS[used++ % ULNS.length]!;
        const start = addDays('2024-06-01', s.startOffset);
        db.update(standardVersions).set({ offTheJobMinimumHours: s.published }).run();
        const added = addApprentices(
          db,
          [
            {
              line: 1,
              input: {
                uln,
                givenNames: 'Count',
                familyName: 'Twice',
                dateOfBirth: addDays(start, -365 * 25),
                startDate: start,
                plannedEndDate: addDays(start, 600),
                standardReference: 'ST0815',
                standardVersion: '1.0',
                providerUkprn: '10061234',
                employerId: 'transport-workers-union',
                weeklyHours: s.weeklyHours,
                bslFirstLanguage: false,
                englishMathsChoice: 'not_studying',
              },
            },
          ],
          SYSTEM_ACTOR,
          'test',
        );
        if (!added.ok) throw new Error(JSON.stringify(added.problems));
        const a = findApprenticeByUln(db, uln)!;
        if (s.restart)
          db.insert(earlierEpisodes)
            .values({
              apprenticeId: a.id,
              startDate: addDays(start, -s.restart.before - s.restart.length),
              endDate: addDays(start, -s.restart.before),
              reason: 'Restart',
              provider: 'Earlier College',
            })
            .run();
        for (const log of s.logs)
          db.insert(offTheJobHours)
            .values({
              apprenticeId: a.id,
              date: addDays(start, log.offset),
              hours: log.hours,
              activity: 'Log',
              kind: log.kind as 'training',
            })
            .run();
        db.insert(qualifications)
          .values({
            apprenticeId: a.id,
            subject: 'english',
            type: 'gcse',
            level: 2,
            grade: '5',
            achievedOn: '2015-08-20',
            certificateReference: 'E',
          })
          .run();
        if (s.submission)
          db.insert(gatewaySubmissions)
            .values({
              apprenticeId: a.id,
              attempt: 1,
              status: s.submission.status as 'submitted',
              submittedOn: addDays(start, s.submission.offset),
              evaluation: {},
            })
            .run();
        const on = addDays(start, s.onOffset);
        const detail = findApprenticeByUln(db, uln)!;
        const one = evaluateApprentice(db, detail, on);
        const single = {
          state: gatewayState(one.evaluation, one.latest),
          unmet: one.evaluation.checks.filter((c) => c.status === 'unmet').map((c) => c.code),
        };
        const bulk = gatewayOverview(db, { kind: 'all' }, on, eq(apprentices.id, a.id))[0]!;
        expect({ state: bulk.state, unmet: bulk.unmet }, `on ${on}`).to.deep.equal(single);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });
});
