import { expect } from 'chai';
import fc from 'fast-check';
import { addDays } from '../../src/calendar.js';
import type { GatewayApprentice, GatewayEvidence, GatewayPlan } from '../../src/gateway/model.js';
import { evaluateGateway, statusChangesOn } from '../../src/gateway/rules.js';
import { SEED } from '../support/hostile.js';

/*
 * The gateway status is stored with the first date it could change without new evidence
 * (statusChangesOn); a new day re-evaluates only the apprentices that date has reached. So: on
 * every day before that date, every check's status is what it was on the day it was worked out.
 * Random apprentices and evidence around the rules' own dates (1 August 2025, the 8- and 12-month
 * periods), checked day by day.
 */

const day = (from: string, to: number) => fc.integer({ min: 0, max: to }).map((n) => addDays(from, n));
const BASE = '2024-01-01';

const apprentice: fc.Arbitrary<GatewayApprentice> = fc
  .record({
    start: day(BASE, 900),
    weeklyHours: fc.constantFrom(16, 20, 30, 37.5),
    age: fc.integer({ min: 16, max: 40 }),
    level: fc.constantFrom(2, 3, 4),
    publishedOffTheJobHours: fc.option(fc.constantFrom(187, 278, 400), { nil: null }),
    priorLearningHours: fc.constantFrom(0, 0, 50),
    englishMathsChoice: fc.constantFrom(null, 'not_studying', 'studying', 'employer_requires'),
    breaks: fc.array(fc.record({ from: fc.integer({ min: 0, max: 400 }), length: fc.integer({ min: 1, max: 60 }) }), {
      maxLength: 2,
    }),
    earlier: fc.option(
      fc.record({ before: fc.integer({ min: 30, max: 400 }), length: fc.integer({ min: 10, max: 200 }) }),
      {
        nil: null,
      },
    ),
  })
  .map((r) => ({
    dateOfBirth: addDays(r.start, -365 * r.age - 30),
    startDate: r.start,
    plannedEndDate: addDays(r.start, 540),
    weeklyHours: r.weeklyHours,
    standardLevel: r.level,
    standardName: 'ST0815 version 1.0',
    publishedOffTheJobHours: r.publishedOffTheJobHours,
    priorLearningHours: r.priorLearningHours,
    flexibility: null,
    bslFirstLanguage: false,
    englishMathsChoice: r.englishMathsChoice,
    breaks: r.breaks.map((b) => ({ from: addDays(r.start, b.from), to: addDays(r.start, b.from + b.length - 1) })),
    earlierEpisodes: r.earlier
      ? [
          {
            startDate: addDays(r.start, -r.earlier.before - r.earlier.length),
            endDate: addDays(r.start, -r.earlier.before),
          },
        ]
      : [],
  }));

const evidenceFor = (a: GatewayApprentice): fc.Arbitrary<GatewayEvidence> =>
  fc.record({
    qualifications: fc.array(
      fc.record({
        subject: fc.constantFrom('english', 'maths'),
        type: fc.constantFrom('gcse', 'functional_skills'),
        level: fc.constantFrom(1, 2),
        grade: fc.constantFrom('4', '3', 'Pass', 'Fail'),
        achievedOn: day(a.startDate, 700).map((d) => addDays(d, -200)),
        certificateReference: fc.constant('REF'),
      }),
      { maxLength: 3 },
    ),
    offTheJob: fc.array(
      fc.record({
        date: day(a.startDate, 700),
        hours: fc.constantFrom(6, 30, 120),
        kind: fc.constantFrom('training', 'progress_review'),
      }),
      { maxLength: 6 },
    ),
    planItemsProvided: fc.subarray(['portfolio', 'proposal']),
    declaration: fc.record({
      employerConfirmed: fc.boolean(),
      providerConfirmed: fc.boolean(),
      apprenticeConfirmed: fc.boolean(),
      certificatePermission: fc.boolean(),
    }),
    submittedOn: fc.option(day(a.startDate, 700), { nil: null }),
    behaviourVerification: fc.option(
      day(a.startDate, 700).map((verifiedOn) => ({ verifiedOn, verifierName: 'Dana Reilly' })),
      { nil: null },
    ),
  });

const PLAN: GatewayPlan = {
  gatewayItems: [
    { id: 'portfolio', name: 'Portfolio' },
    { id: 'proposal', name: 'Project proposal' },
  ],
  employerVerifiedKsbs: ['B1'],
};

const statuses = (a: GatewayApprentice, e: GatewayEvidence, on: string) =>
  evaluateGateway(a, e, PLAN, on)
    .checks.map((c) => `${c.code}:${c.status}`)
    .join(' ');

describe('the gateway status holds until the date it could next change (statusChangesOn)', () => {
  it('every check’s status is the same on each day before that date as on the day it was worked out', () => {
    fc.assert(
      fc.property(
        apprentice.chain((a) => fc.tuple(fc.constant(a), evidenceFor(a), day(a.startDate, 800))),
        ([a, e, on]) => {
          const until = statusChangesOn(a, e, on);
          if (until !== null) expect(until > on, `${until} after ${on}`).to.equal(true);
          const then = statuses(a, e, on);
          const last = until ?? addDays(on, 800);
          for (let d = addDays(on, 1); d < last; d = addDays(d, 1))
            expect(statuses(a, e, d), `${d} (holds until ${until ?? 'no date'} from ${on})`).to.equal(then);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('names the practical period’s earliest end when it is still ahead, and no date once nothing dated lies ahead', () => {
    const a: GatewayApprentice = {
      dateOfBirth: '1990-01-01',
      startDate: '2025-09-01',
      plannedEndDate: '2026-10-01',
      weeklyHours: 37.5,
      standardLevel: 4,
      standardName: 'ST0815 version 1.0',
      publishedOffTheJobHours: 278,
      priorLearningHours: 0,
      flexibility: null,
      bslFirstLanguage: false,
      englishMathsChoice: null,
      breaks: [],
      earlierEpisodes: [],
    };
    const e: GatewayEvidence = {
      qualifications: [],
      offTheJob: [],
      planItemsProvided: [],
      declaration: {
        employerConfirmed: false,
        providerConfirmed: false,
        apprenticeConfirmed: false,
        certificatePermission: false,
      },
      submittedOn: null,
      behaviourVerification: null,
    };
    // 8 months from 1 September 2025: the last day is 30 April 2026 (and the day after, for a rule that counts from it).
    expect(statusChangesOn(a, e, '2026-01-15')).to.equal('2026-04-30');
    expect(statusChangesOn(a, e, '2026-04-30')).to.equal('2026-05-01');
    // Then the planned end date, the last date on record.
    expect(statusChangesOn(a, e, '2026-05-01')).to.equal('2026-10-01');
    expect(statusChangesOn(a, e, '2026-10-02')).to.equal(null);
    // Hours logged for a date ahead count from that date.
    expect(statusChangesOn(a, e, '2026-05-01', ['2026-06-10'])).to.equal('2026-06-10');
  });
});
