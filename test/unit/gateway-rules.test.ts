import { expect } from 'chai';
import { now } from '../support/clock.js';
import type {
  CheckCode,
  CheckResult,
  GatewayApprentice,
  GatewayEvidence,
  GatewayPlan,
  Qualification,
} from '../../src/gateway/model.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { ageOn } from '../../src/calendar.js';
import {
  ENGLISH_MATHS_OPTIONAL_FROM,
  OTJ_HOURS_RULE_FROM,
  RULES_2025_FROM,
  earliestPracticalPeriodEnd,
  evaluateGateway,
  OTJ_FLOOR_HOURS,
  practicalPeriodMonths,
  practicalPeriodRequirement,
  qualificationCounts,
  requiredOffTheJobHours,
  tallyOffTheJobHours,
} from '../../src/gateway/rules.js';

// A full-time apprentice on a level 4 standard who started on 1 September 2022 aged 18, with a
// planned practical period of exactly 365 days (2022-09-01 to 2023-09-01, no 29 February).
//   Weeks          = 365 / 7                     = 52.142857
//   Leave weeks    = 5.6 × 365 / 365             = 5.6
//   Working weeks  = 52.142857 − 5.6             = 46.542857
//   6-hour rule    = 6 × 46.542857 = 279.257     → 280 hours (rounded up)
function apprentice(overrides: Partial<GatewayApprentice> = {}): GatewayApprentice {
  return {
    dateOfBirth: '2004-05-20',
    startDate: '2022-09-01',
    plannedEndDate: '2023-09-01',
    weeklyHours: 37.5,
    standardLevel: 4,
    standardName: 'ST0815 version 1.0',
    publishedOffTheJobHours: null,
    priorLearningHours: 0,
    flexibility: null,
    bslFirstLanguage: false,
    englishMathsChoice: null,
    breaks: [],
    earlierEpisodes: [],
    ...overrides,
  };
}

function qualification(overrides: Partial<Qualification> = {}): Qualification {
  return {
    subject: 'maths',
    type: 'gcse',
    level: 2,
    grade: '4',
    achievedOn: '2020-08-20',
    certificateReference: 'CERT-1',
    ...overrides,
  };
}

function evidence(overrides: Partial<GatewayEvidence> = {}): GatewayEvidence {
  return {
    qualifications: [
      qualification({ subject: 'english', grade: '5', certificateReference: 'ABC123' }),
      qualification({ subject: 'maths', grade: '4', certificateReference: 'M-44' }),
    ],
    offTheJob: [
      { date: '2023-03-01', hours: 200, kind: 'training' },
      { date: '2023-08-01', hours: 80, kind: 'training' },
    ],
    planItemsProvided: ['portfolio', 'proposal'],
    declaration: {
      employerConfirmed: true,
      providerConfirmed: true,
      apprenticeConfirmed: true,
      certificatePermission: true,
    },
    submittedOn: null,
    behaviourVerification: null,
    ...overrides,
  };
}

function plan(overrides: Partial<GatewayPlan> = {}): GatewayPlan {
  return {
    gatewayItems: [
      { id: 'portfolio', name: 'Portfolio of evidence' },
      { id: 'proposal', name: 'Project proposal' },
    ],
    employerVerifiedKsbs: [],
    ...overrides,
  };
}

const ON = '2023-09-01';

function check(
  code: CheckCode,
  a: Partial<GatewayApprentice> = {},
  e: Partial<GatewayEvidence> = {},
  p: Partial<GatewayPlan> = {},
  on = ON,
): CheckResult {
  const result = evaluateGateway(apprentice(a), evidence(e), plan(p), on).checks.find((c) => c.code === code);
  if (result === undefined) throw new Error(`no ${code} check`);
  return result;
}

describe('gateway rules', () => {
  describe('evaluateGateway', () => {
    it('returns one check per code that applies, in order, and is ready when every check is met', () => {
      const result = evaluateGateway(apprentice(), evidence(), plan(), ON);
      // The employer's verification of behaviours applies only to a plan that leaves KSBs to the employer.
      expect(result.checks.map((c) => c.code)).to.deep.equal(
        CHECK_CODES.filter((c) => c !== 'employer_behaviour_verification'),
      );
      expect(result.checks.map((c) => c.status)).to.deep.equal(['met', 'met', 'met', 'met', 'met', 'met', 'met']);
      expect(result.ready).to.equal(true);
    });

    it('is not ready when any check is unmet, but not_applicable does not block', () => {
      const unmet = evaluateGateway(apprentice(), evidence({ planItemsProvided: ['portfolio'] }), plan(), ON);
      expect(unmet.ready).to.equal(false);
      const notApplicable = evaluateGateway(
        apprentice(),
        evidence({ planItemsProvided: [] }),
        plan({ gatewayItems: [] }),
        ON,
      );
      expect(notApplicable.checks.find((c) => c.code === 'plan_items')?.status).to.equal('not_applicable');
      expect(notApplicable.ready).to.equal(true);
    });

    it('refuses a date that is not an ISO calendar date', () => {
      expect(() => evaluateGateway(apprentice(), evidence(), plan(), '01/09/2023')).to.throw(RangeError);
      expect(() => evaluateGateway(apprentice(), evidence(), plan(), '2023-02-30')).to.throw(RangeError);
    });
  });

  describe('practical period', () => {
    const earliest = (a: Partial<GatewayApprentice>) => earliestPracticalPeriodEnd(apprentice(a));

    it('needs 12 months for starts up to 31 July 2025 and 8 months from 1 August 2025', () => {
      expect(RULES_2025_FROM).to.equal('2025-08-01');
      expect(practicalPeriodMonths('2025-07-31')).to.equal(12);
      expect(practicalPeriodMonths('2025-08-01')).to.equal(8);
      expect(earliest({ startDate: '2025-07-31' })).to.equal('2026-07-30');
      expect(earliest({ startDate: '2025-08-01' })).to.equal('2026-03-31');
    });

    it('is met when the apprentice is still in training on the last day of the period', () => {
      // The funding rules' example: a start on 1 August 2020 must still be in training on 31 July 2021.
      expect(earliest({ startDate: '2020-08-01' })).to.equal('2021-07-31');
      // 2025-09-01 (8 months): met on 2026-04-30, not on 2026-04-29.
      expect(check('practical_period', { startDate: '2025-09-01' }, {}, {}, '2026-04-29')).to.deep.equal({
        code: 'practical_period',
        status: 'unmet',
        reason:
          '7 months 29 days served; the minimum is 8 months. The apprentice must still be in training on 2026-04-30, the earliest date it is met.',
      });
      expect(check('practical_period', { startDate: '2025-09-01' }, {}, {}, '2026-04-30')).to.deep.equal({
        code: 'practical_period',
        status: 'met',
        reason: '8 months served; the minimum is 8 months, met on 2026-04-30.',
      });
      // 2024-03-15 full time (12 months): met on 2025-03-14, not on 2025-03-13.
      expect(check('practical_period', { startDate: '2024-03-15' }, {}, {}, '2025-03-13').status).to.equal('unmet');
      expect(check('practical_period', { startDate: '2024-03-15' }, {}, {}, '2025-03-14')).to.include({
        status: 'met',
        reason: '12 months served; the minimum is 12 months, met on 2025-03-14.',
      });
    });

    it('counts nothing served before the start', () => {
      expect(check('practical_period', { startDate: '2024-03-15' }, {}, {}, '2024-03-01').reason).to.match(
        /^0 days served; the minimum is 12 months\./,
      );
    });

    it('ends a period that starts late in a long month on the last day of the shorter month', () => {
      expect(earliest({ startDate: '2024-01-31' })).to.equal('2025-01-30');
      expect(earliest({ startDate: '2024-02-29' })).to.equal('2025-02-28'); // there is no 29 February 2025
      expect(earliest({ startDate: '2024-03-01' })).to.equal('2025-02-28');
      expect(earliest({ startDate: '2023-02-28' })).to.equal('2024-02-27'); // not the leap day
      expect(earliest({ startDate: '2025-08-31' })).to.equal('2026-04-30'); // there is no 31 April
      expect(earliest({ startDate: '2025-12-31' })).to.equal('2026-08-30');
      expect(earliest({ startDate: '2026-03-01' })).to.equal('2026-10-31');
      // Eight months (starts from 1 August 2025) from late June end in February: in a leap year on
      // the 29th, in other years on the 28th. The years come from the test clock: the first leap
      // year at least three years ahead, and the year before it.
      const leap = Array.from({ length: 8 }, (_, i) => now().year + 3 + i).find(
        (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0,
      )!;
      expect(earliest({ startDate: `${leap - 2}-06-30` })).to.equal(`${leap - 1}-02-28`); // not a leap year
      expect(earliest({ startDate: `${leap - 1}-06-29` })).to.equal(`${leap}-02-28`);
      expect(earliest({ startDate: `${leap - 1}-06-30` })).to.equal(`${leap}-02-29`); // a leap year
    });

    it('gives no part-time extension to starts from 1 August 2025', () => {
      const partTime = check('practical_period', { startDate: '2025-09-01', weeklyHours: 16 }, {}, {}, '2026-04-30');
      expect(partTime).to.deep.equal({
        code: 'practical_period',
        status: 'met',
        reason:
          '8 months served; the minimum is 8 months (no extension for part-time apprentices who started from 1 August 2025), met on 2026-04-30.',
      });
      // The day before the rule: 12 months, extended for 16 hours a week.
      expect(practicalPeriodRequirement('2025-07-31', 16).basis).to.equal('part_time_weeks');
    });

    it('extends the 12 months below 30 hours a week, by whichever formula is met first', () => {
      expect(practicalPeriodRequirement('2024-01-10', 30).basis).to.equal('twelve_months');
      expect(practicalPeriodRequirement('2024-01-10', 29.5).basis).not.to.equal('twelve_months');
      // 22.5 hours: 12 × 30 ÷ 22.5 = 16 months (last day 2026-05-14); 52 × 30 ÷ 22.5 = 69.3 weeks = 486 days
      // (last day 2026-05-15): the months formula is met first.
      const months = apprentice({ startDate: '2025-01-15', weeklyHours: 22.5 });
      expect(practicalPeriodRequirement('2025-01-15', 22.5).basis).to.equal('part_time_months');
      expect(earliestPracticalPeriodEnd(months)).to.equal('2026-05-14');
      expect(check('practical_period', months, {}, {}, '2026-05-13').status).to.equal('unmet');
      const met = check('practical_period', months, {}, {}, '2026-05-14');
      expect(met.status).to.equal('met');
      expect(met.reason).to.equal(
        '16 months served; the minimum is 16 months (12 × 30 ÷ 22.5 hours a week), which is met no later than 69.3 weeks (52 × 30 ÷ 22.5 hours a week, 486 days), met on 2026-05-14.',
      );
      // 25 hours: 12 × 30 ÷ 25 = 14.4, rounded up to 15 months (last day 2025-04-09); 52 × 30 ÷ 25 = 62.4 weeks
      // = 436.8, so 437 days (last day 2025-03-21): the weeks formula is met first.
      const weeks = apprentice({ startDate: '2024-01-10', weeklyHours: 25 });
      expect(practicalPeriodRequirement('2024-01-10', 25).basis).to.equal('part_time_weeks');
      expect(earliestPracticalPeriodEnd(weeks)).to.equal('2025-03-21');
      const short = check('practical_period', weeks, {}, {}, '2025-03-20');
      expect(short.status).to.equal('unmet');
      expect(short.reason).to.contain(
        'the minimum is 62.4 weeks (52 × 30 ÷ 25 hours a week, 437 days), which is met before 15 months (12 × 30 ÷ 25 hours a week = 14.4, rounded up)',
      );
      expect(check('practical_period', weeks, {}, {}, '2025-03-21').status).to.equal('met');
    });

    it('leaves breaks in learning out: the earliest date moves back by their length', () => {
      const onBreak = apprentice({ startDate: '2025-09-01', breaks: [{ from: '2025-12-01', to: '2025-12-21' }] });
      expect(earliestPracticalPeriodEnd(onBreak)).to.equal('2026-05-21'); // 2026-04-30 + 21 days
      expect(check('practical_period', onBreak, {}, {}, '2026-05-20').status).to.equal('unmet');
      expect(check('practical_period', onBreak, {}, {}, '2026-05-21')).to.include({
        status: 'met',
        reason: '8 months served (21 days of breaks in learning left out); the minimum is 8 months, met on 2026-05-21.',
      });
      // A break that begins after the period is complete moves nothing; one that begins on its last day does.
      const afterwards = apprentice({ startDate: '2025-09-01', breaks: [{ from: '2026-05-01', to: '2026-05-30' }] });
      expect(earliestPracticalPeriodEnd(afterwards)).to.equal('2026-04-30');
      expect(check('practical_period', afterwards, {}, {}, '2026-05-15').status).to.equal('met');
      const onLastDay = apprentice({ startDate: '2025-09-01', breaks: [{ from: '2026-04-30', to: '2026-05-02' }] });
      expect(earliestPracticalPeriodEnd(onLastDay)).to.equal('2026-05-03');
      // Two breaks: the second begins before the end the first pushed back to, so it counts too.
      const two = apprentice({
        startDate: '2025-09-01',
        breaks: [
          { from: '2025-10-01', to: '2025-10-10' },
          { from: '2026-05-05', to: '2026-05-06' },
        ],
      });
      expect(earliestPracticalPeriodEnd(two)).to.equal('2026-05-12');
      // During the break, only the days away so far are left out.
      expect(check('practical_period', onBreak, {}, {}, '2025-12-10').reason).to.match(
        /^3 months served \(10 days of breaks in learning left out\)/,
      );
    });

    it('counts the earlier episode of a restart, under the rules of the original start', () => {
      // Earlier episode 2025-03-01 to 2025-06-30 (122 days); restarted 2025-10-01. The original start is before
      // 1 August 2025, so 12 months apply: from 2025-10-01 less 122 days (2025-06-01), the last day is 2026-05-31.
      const restart = apprentice({
        startDate: '2025-10-01',
        plannedEndDate: '2026-10-01',
        earlierEpisodes: [{ startDate: '2025-03-01', endDate: '2025-06-30' }],
      });
      expect(earliestPracticalPeriodEnd(restart)).to.equal('2026-05-31');
      expect(check('practical_period', restart, {}, {}, '2026-05-30').status).to.equal('unmet');
      const met = check('practical_period', restart, {}, {}, '2026-05-31');
      expect(met.status).to.equal('met');
      expect(met.reason).to.contain(
        '122 days of the earlier episode counted (a restart: the rules of the original start on 2025-03-01 apply)',
      );
      // Off the job, the weekly rule of the original start covers this episode's planned period, so
      // only this episode's hours count; under the published minimum the earlier ones count too.
      const hours = {
        offTheJob: [
          { date: '2025-04-01', hours: 100, kind: 'training' as const },
          { date: '2025-11-01', hours: 50, kind: 'training' as const },
        ],
      };
      expect(check('off_the_job', restart, hours, {}, '2026-06-01').reason)
        .to.match(/^50 hours logged/)
        .and.to.contain('100 hours dated before the start on 2025-10-01 do not count');
      const later2025 = apprentice({
        startDate: '2025-10-01',
        publishedOffTheJobHours: 300,
        earlierEpisodes: [{ startDate: '2025-08-01', endDate: '2025-08-31' }],
      });
      expect(
        check(
          'off_the_job',
          later2025,
          { offTheJob: [{ date: '2025-08-15', hours: 100, kind: 'training' }, ...hours.offTheJob.slice(1)] },
          {},
          '2026-06-01',
        ).reason,
      ).to.match(/^150 hours logged of the 300 required/);
      // Without the earlier episode, the same record is an 8-month start from 1 August 2025.
      expect(earliestPracticalPeriodEnd({ ...restart, earlierEpisodes: [] })).to.equal('2026-05-31');
      const later = apprentice({
        startDate: '2025-10-01',
        earlierEpisodes: [{ startDate: '2025-08-01', endDate: '2025-08-31' }],
      });
      // Original start 2025-08-01: 8 months, less the 31 days already served: 2026-05-31 − 31 days.
      expect(earliestPracticalPeriodEnd(later)).to.equal('2026-04-30');
    });
  });

  describe('off-the-job hours', () => {
    // Planned periods of 365 days (no 29 February inside), as in the default apprentice:
    //   working weeks = 365/7 − 5.6 × 365/365 = 52.142857 − 5.6 = 46.542857
    const year = (startDate: string, plannedEndDate: string, more: Partial<GatewayApprentice> = {}) =>
      apprentice({ startDate, plannedEndDate, ...more });

    it('uses 20% of contracted hours for a start on 31 July 2022 and 6 hours a week from 1 August 2022', () => {
      expect(OTJ_HOURS_RULE_FROM).to.equal('2022-08-01');
      // 20% × 37.5 = 7.5 hours a week × 46.542857 = 349.071 → 350
      const before = requiredOffTheJobHours(year('2022-07-31', '2023-07-31'));
      expect(before).to.include({ hours: 350, rule: 'twenty_percent' });
      expect(before.explanation).to.contain('20% of 37.5 contracted hours a week for 46.5 working weeks');
      // 6 × 46.542857 = 279.257 → 280
      const after = requiredOffTheJobHours(year('2022-08-01', '2023-08-01'));
      expect(after).to.include({ hours: 280, rule: 'six_hours_a_week' });
      expect(after.explanation).to.contain('6 hours a week for 46.5 working weeks');
      expect(after.explanation).to.contain('52.1 weeks from 2022-08-01 to 2023-08-01, less 5.6 weeks');
    });

    it('takes leave pro rata and rounds up to a whole hour over a period with 29 February', () => {
      // 2023-08-01 to 2024-08-01 = 366 days: 366/7 = 52.285714 weeks, leave 5.6 × 366/365 = 5.615342,
      // working weeks 46.670372; 6 × 46.670372 = 280.022 → 281
      expect(requiredOffTheJobHours(year('2023-08-01', '2024-08-01')).hours).to.equal(281);
    });

    it('takes 5.6 weeks of leave a year pro rata over a longer period', () => {
      // 2022-09-01 to 2024-09-01 = 365 + 366 = 731 days: 731/7 = 104.428571 weeks,
      // leave 5.6 × 731/365 = 11.215342 weeks, working weeks 93.213229; 6 × 93.213229 = 559.28 → 560
      // (a flat 5.6 weeks would give 6 × 98.828571 = 592.97 → 593)
      const twoYears = requiredOffTheJobHours(year('2022-09-01', '2024-09-01'));
      expect(twoYears.hours).to.equal(560);
      expect(twoYears.explanation).to.equal(
        "6 hours a week for 93.2 working weeks (104.4 weeks from 2022-09-01 to 2024-09-01, less 11.2 weeks' statutory leave)",
      );
    });

    it('treats exactly 30 hours a week as full time and pro-rates part time', () => {
      const thirty = requiredOffTheJobHours(year('2022-08-01', '2023-08-01', { weeklyHours: 30 }));
      expect(thirty.hours).to.equal(280);
      expect(thirty.explanation)
        .to.match(/^6 hours a week for/)
        .and.not.contain('pro rata');
      expect(requiredOffTheJobHours(year('2022-08-01', '2023-08-01', { weeklyHours: 45 })).hours).to.equal(280);
      // 15 hours: 6 × 15/30 = 3 hours a week × 46.542857 = 139.63 → 140 (half of 280)
      const half = requiredOffTheJobHours(year('2022-08-01', '2023-08-01', { weeklyHours: 15 }));
      expect(half.hours).to.equal(140);
      expect(half.explanation).to.contain('20% of 15 normal hours a week (3 hours a week)');
      // 29.5 hours: 6 × 29.5/30 = 5.9 hours a week × 46.542857 = 274.60 → 275
      expect(requiredOffTheJobHours(year('2022-08-01', '2023-08-01', { weeklyHours: 29.5 })).hours).to.equal(275);
    });

    it("uses the version's published minimum from 1 August 2025, not the day before", () => {
      // 2025-07-31 to 2026-07-31 is 365 days: the 6-hour rule, 280 (the published minimum does not apply)
      expect(requiredOffTheJobHours(year('2025-07-31', '2026-07-31', { publishedOffTheJobHours: 300 }))).to.include({
        hours: 280,
        rule: 'six_hours_a_week',
      });
      expect(requiredOffTheJobHours(year('2025-08-01', '2026-08-01', { publishedOffTheJobHours: 300 }))).to.include({
        hours: 300,
        rule: 'published_minimum',
      });
    });

    it('never falls back to an abolished rule when the version has no published figure', () => {
      const none = requiredOffTheJobHours(year('2025-08-01', '2026-08-01'));
      expect(none).to.include({ hours: null, rule: 'no_published_minimum' });
      const result = check(
        'off_the_job',
        { startDate: '2025-08-01', plannedEndDate: '2026-08-01' },
        { offTheJob: [{ date: '2025-09-01', hours: 900, kind: 'training' }] },
        {},
        '2026-08-01',
      );
      expect(result).to.deep.equal({
        code: 'off_the_job',
        status: 'unmet',
        reason:
          "No published minimum off-the-job hours is recorded for ST0815 version 1.0, and for starts from 1 August 2025 the minimum is the published figure. An assessment organisation administrator can record it on the standard's page. 900 hours logged so far.",
      });
    });

    it('reduces the published minimum by recognised prior learning, never below 187 hours', () => {
      expect(OTJ_FLOOR_HOURS).to.equal(187);
      const withPrior = (priorLearningHours: number) =>
        requiredOffTheJobHours(year('2025-08-01', '2026-08-01', { publishedOffTheJobHours: 300, priorLearningHours }));
      expect(withPrior(100).hours).to.equal(200);
      expect(withPrior(100).explanation).to.equal(
        'the published minimum of 300 hours for ST0815 version 1.0, less 100 hours of recognised prior learning (starts from 1 August 2025)',
      );
      expect(withPrior(113).hours).to.equal(187); // exactly the floor
      expect(withPrior(113).explanation).not.to.contain('never below');
      expect(withPrior(114).hours).to.equal(187); // 186 would be below it
      expect(withPrior(114).explanation).to.contain('but never below 187 hours');
      expect(withPrior(280).hours).to.equal(187);
      // A published figure already below 187 is never raised by the floor.
      const low = requiredOffTheJobHours(
        year('2025-08-01', '2026-08-01', { publishedOffTheJobHours: 150, priorLearningHours: 10 }),
      );
      expect(low.hours).to.equal(150);
      expect(low.explanation).to.contain('but never below 150 hours');
      // Prior learning does not change the rules of earlier starts.
      expect(
        requiredOffTheJobHours(
          year('2025-07-31', '2026-07-31', { publishedOffTheJobHours: 300, priorLearningHours: 100 }),
        ).hours,
      ).to.equal(280);
    });

    it('does not count English and maths, progress reviews or on-programme assessment', () => {
      const offTheJob = [
        { date: '2023-03-01', hours: 270, kind: 'training' as const },
        { date: '2023-03-02', hours: 6, kind: 'english_maths' as const },
        { date: '2023-03-03', hours: 1, kind: 'progress_review' as const },
        { date: '2023-03-04', hours: 3, kind: 'on_programme_assessment' as const },
      ];
      expect(tallyOffTheJobHours({ offTheJob, submittedOn: null }, ON)).to.deep.include({
        counted: 270,
        notOffTheJob: { english_maths: 6, progress_review: 1, on_programme_assessment: 3 },
      });
      const result = check('off_the_job', {}, { offTheJob });
      expect(result.status).to.equal('unmet');
      expect(result.reason).to.contain('270 hours logged of the 280 required');
      expect(result.reason).to.contain(
        '6 hours of English and maths up to level 2, which is not off-the-job training, do not count.',
      );
      expect(result.reason).to.contain('1 hour of progress review, which is not off-the-job training, does not count.');
    });

    it('says how many hours are logged, required and still needed', () => {
      const met = check('off_the_job');
      expect(met.status).to.equal('met');
      expect(met.reason).to.match(/^280 hours logged of the 280 required: 6 hours a week for 46\.5 working weeks/);
      const unmet = check('off_the_job', {}, { offTheJob: [{ date: '2023-03-01', hours: 200, kind: 'training' }] });
      expect(unmet.status).to.equal('unmet');
      expect(unmet.reason).to.contain('200 hours logged of the 280 required');
      expect(unmet.reason).to.contain('80 more hours are needed.');
      const oneShort = check('off_the_job', {}, { offTheJob: [{ date: '2023-03-01', hours: 279, kind: 'training' }] });
      expect(oneShort.status).to.equal('unmet');
      expect(oneShort.reason).to.contain('1 more hour is needed.');
      const published = check(
        'off_the_job',
        { startDate: '2025-08-01', plannedEndDate: '2026-08-01', publishedOffTheJobHours: 187 },
        { offTheJob: [{ date: '2025-09-01', hours: 190, kind: 'training' }] },
        {},
        '2026-08-01',
      );
      expect(published.reason).to.equal(
        '190 hours logged of the 187 required: the published minimum for ST0815 version 1.0 (starts from 1 August 2025).',
      );
    });

    it('counts a BSL qualification for English only at the required level, and never a "U" or "Not achieved"', () => {
      const bsl = (level: number): Qualification => ({
        subject: 'english',
        type: 'bsl',
        level,
        grade: 'Pass',
        achievedOn: '2019-06-01',
        certificateReference: 'BSL',
      });
      const deaf = { ...apprentice(), bslFirstLanguage: true };
      expect(qualificationCounts(bsl(2), 'english', deaf, '2024-01-01')).to.equal(true);
      expect(qualificationCounts(bsl(1), 'english', deaf, '2024-01-01')).to.equal(false);
      const other = (grade: string): Qualification => ({
        subject: 'maths',
        type: 'other',
        level: 3,
        grade,
        achievedOn: '2019-06-01',
        certificateReference: 'A-level',
      });
      expect(qualificationCounts(other('B'), 'maths', apprentice(), '2024-01-01')).to.equal(true);
      for (const grade of ['U', 'Not achieved', 'fail'])
        expect(qualificationCounts(other(grade), 'maths', apprentice(), '2024-01-01'), grade).to.equal(false);
    });

    it('does not count hours dated before the start', () => {
      const offTheJob = [
        { date: '2022-12-31', hours: 40, kind: 'training' as const }, // the day before the start
        { date: '2023-01-01', hours: 30, kind: 'training' as const }, // the start date: counts
      ];
      expect(tallyOffTheJobHours({ offTheJob, submittedOn: null }, '2023-06-01', '2023-01-01')).to.deep.equal({
        counted: 30,
        afterSubmission: 0,
        afterDate: 0,
        beforeStart: 40,
        notOffTheJob: {},
      });
      const result = check(
        'off_the_job',
        { startDate: '2023-01-01', plannedEndDate: '2024-01-01' },
        { offTheJob },
        {},
        '2024-02-01',
      );
      expect(result.reason)
        .to.contain('30 hours logged')
        .and.to.contain('40 hours dated before the start on 2023-01-01 do not count.');
    });

    it('does not count hours dated after the submission or after the evaluation date', () => {
      const offTheJob = [
        { date: '2023-03-01', hours: 200, kind: 'training' as const },
        { date: '2023-06-01', hours: 50, kind: 'training' as const }, // on the submission date: counts
        { date: '2023-06-02', hours: 20, kind: 'training' as const }, // the day after the submission: does not
        { date: '2023-09-02', hours: 5, kind: 'training' as const }, // after the submission (and after the evaluation date)
      ];
      expect(tallyOffTheJobHours({ offTheJob, submittedOn: '2023-06-01' }, ON)).to.deep.equal({
        counted: 250,
        afterSubmission: 25,
        afterDate: 0,
        beforeStart: 0,
        notOffTheJob: {},
      });
      expect(tallyOffTheJobHours({ offTheJob, submittedOn: '2023-06-01' }, ON).counted).to.equal(250);
      // No submission: everything up to and including the evaluation date counts.
      expect(tallyOffTheJobHours({ offTheJob, submittedOn: null }, ON)).to.deep.equal({
        counted: 270,
        afterSubmission: 0,
        afterDate: 5,
        beforeStart: 0,
        notOffTheJob: {},
      });
      expect(tallyOffTheJobHours({ offTheJob, submittedOn: null }, '2023-06-01').counted).to.equal(250);

      // 250 counted of 280: unmet, 30 more needed, and the excluded hours are named.
      const result = check('off_the_job', {}, { offTheJob, submittedOn: '2023-06-01' });
      expect(result.status).to.equal('unmet');
      expect(result.reason).to.contain('250 hours logged of the 280 required');
      expect(result.reason).to.contain('30 more hours are needed.');
      expect(result.reason).to.contain('25 hours dated after the gateway submission on 2023-06-01 do not count.');
      const future = check('off_the_job', {}, { offTheJob, submittedOn: null });
      expect(future.reason).to.contain('5 hours dated after 2023-09-01 do not count.');
    });
  });

  describe('age', () => {
    it('counts whole years, a year older on the birthday', () => {
      expect(ageOn('2006-09-01', '2025-09-01')).to.equal(19);
      expect(ageOn('2006-09-01', '2025-08-31')).to.equal(18);
      expect(ageOn('2006-09-02', '2025-09-01')).to.equal(18);
    });

    it('makes someone born on 29 February a year older on 1 March in a non-leap year', () => {
      expect(ageOn('2004-02-29', '2023-02-28')).to.equal(18);
      expect(ageOn('2004-02-29', '2023-03-01')).to.equal(19);
      expect(ageOn('2004-02-29', '2024-02-29')).to.equal(20);
    });
  });

  describe('English and maths', () => {
    const none = { qualifications: [] };

    it('has English and maths optional for a 19+ starter from 11 February 2025, not the day before', () => {
      expect(ENGLISH_MATHS_OPTIONAL_FROM).to.equal('2025-02-11');
      const adult = { dateOfBirth: '2000-01-01' }; // 22 at the start on 2022-09-01
      expect(check('english', adult, none, {}, '2025-02-10')).to.include({ status: 'unmet' });
      expect(check('maths', adult, none, {}, '2025-02-10')).to.include({ status: 'unmet' });
      const optional = check('maths', adult, none, {}, '2025-02-11');
      expect(optional.status).to.equal('not_applicable');
      expect(optional.reason).to.contain(
        'not required for apprentices aged 19 or over at the start since 11 February 2025',
      );
      expect(optional.reason).to.contain('aged 22 at the start');
      expect(optional.reason).to.contain('Record whether the apprentice is studying them.');
    });

    it('takes the three recorded choices of an apprentice aged 19 or over at the start', () => {
      const adult = (englishMathsChoice: GatewayApprentice['englishMathsChoice']) => ({
        dateOfBirth: '2000-01-01',
        englishMathsChoice,
      });
      const notStudying = check('english', adult('not_studying'), none, {}, '2025-03-01');
      expect(notStudying.status).to.equal('not_applicable');
      expect(notStudying.reason).to.contain('the apprentice is not studying them');

      // Employer requires achievement: the qualification, as for 16–18.
      const required = check('english', adult('employer_requires'), none, {}, '2025-03-01');
      expect(required.status).to.equal('unmet');
      expect(required.reason).to.contain('The employer requires English and maths to be achieved');
      expect(check('english', adult('employer_requires'), {}, {}, '2025-03-01').status).to.equal('met');

      // Studying: met once the assessment has been taken, whatever the result.
      const studying = check('maths', adult('studying'), none, {}, '2025-03-01');
      expect(studying.status).to.equal('unmet');
      expect(studying.reason).to.equal(
        'The apprentice is studying maths, so they must take the level 2 maths assessment before gateway; achieving it is not required. Record its result (any grade), or record that they are not studying maths.',
      );
      const failed = {
        qualifications: [
          qualification({ type: 'functional_skills', level: 2, grade: 'Fail', achievedOn: '2024-11-20' }),
        ],
      };
      expect(check('maths', adult('studying'), failed, {}, '2025-03-01')).to.include({
        status: 'met',
        reason:
          'The apprentice is studying maths and took the level 2 assessment: Functional Skills grade Fail on 2024-11-20. Achieving it is not required.',
      });
      // A level 1 attempt is not the level 2 assessment; a result after the date is not taken yet.
      const level1 = { qualifications: [qualification({ type: 'functional_skills', level: 1, grade: 'Pass' })] };
      expect(check('maths', adult('studying'), level1, {}, '2025-03-01').status).to.equal('unmet');
      expect(check('maths', adult('studying'), failed, {}, '2024-11-19').status).to.equal('unmet');
    });

    it('needs a 16–18 starter on a level 2 standard who held level 1 at the start to take level 2', () => {
      // Start 2022-09-01 aged 17; GCSE grade 3 (level 1) achieved 2020-08-20, before the start.
      const young = { standardLevel: 2, dateOfBirth: '2005-01-01' };
      const level1 = qualification({ grade: '3' });
      const unmet = check('maths', young, { qualifications: [level1] });
      expect(unmet.status).to.equal('unmet');
      expect(unmet.reason).to.contain(
        'Level 1 maths was already held at the start (GCSE grade 3 achieved 2020-08-20 (certificate CERT-1)), so the apprentice must also take the level 2 maths assessment',
      );
      const attempt = qualification({ type: 'functional_skills', level: 2, grade: 'Fail', achievedOn: '2023-05-10' });
      expect(check('maths', young, { qualifications: [level1, attempt] }).status).to.equal('met');
      // Level 1 achieved during the apprenticeship: not held at the start, so level 1 is enough.
      expect(
        check('maths', young, { qualifications: [qualification({ grade: '3', achievedOn: '2022-09-02' })] }).status,
      ).to.equal('met');
      expect(
        check('maths', young, { qualifications: [qualification({ grade: '3', achievedOn: '2022-09-01' })] }).status,
      ).to.equal('unmet');
      // 19 at the start (a start on the 19th birthday), evaluated before 11 February 2025: level 1 is required, not the attempt.
      expect(
        check('maths', { standardLevel: 2, dateOfBirth: '2003-09-01' }, { qualifications: [level1] }, {}, '2025-02-10')
          .status,
      ).to.equal('met');
      expect(
        check('maths', { standardLevel: 2, dateOfBirth: '2003-09-02' }, { qualifications: [level1] }, {}, '2025-02-10')
          .status,
      ).to.equal('unmet');
    });

    it('takes the age at the original start for a restart', () => {
      // Born 2006-06-01: 18 at the original start on 2025-03-01, 19 at the restart on 2025-10-01.
      const restart = {
        dateOfBirth: '2006-06-01',
        startDate: '2025-10-01',
        plannedEndDate: '2026-10-01',
        earlierEpisodes: [{ startDate: '2025-03-01', endDate: '2025-06-30' }],
      };
      expect(check('english', restart, none, {}, '2026-06-01').status).to.equal('unmet');
      expect(check('english', { ...restart, earlierEpisodes: [] }, none, {}, '2026-06-01').status).to.equal(
        'not_applicable',
      );
    });

    it('counts a start on the 19th birthday as 19, and the day before the birthday as 18', () => {
      // Start 2022-09-01. Born 2003-09-01: 19 that day. Born 2003-09-02: 19 the day after the start.
      expect(check('english', { dateOfBirth: '2003-09-01' }, none, {}, '2025-03-01').status).to.equal('not_applicable');
      const eighteen = check('english', { dateOfBirth: '2003-09-02' }, none, {}, '2025-03-01');
      expect(eighteen.status).to.equal('unmet');
      expect(eighteen.reason).to.equal(
        'No level 2 English evidence. Add a GCSE at grade 4/C or above, Functional Skills level 2, or an accepted equivalent.',
      );
    });

    it('names the qualification that meets the requirement', () => {
      expect(check('english')).to.deep.equal({
        code: 'english',
        status: 'met',
        reason: 'Met by GCSE grade 5 achieved 2020-08-20 (certificate ABC123).',
      });
      expect(
        check(
          'maths',
          {},
          {
            qualifications: [
              qualification({ type: 'functional_skills', level: 2, grade: 'Pass', certificateReference: 'FS-9' }),
            ],
          },
        ).reason,
      ).to.equal('Met by Functional Skills level 2 (Pass) achieved 2020-08-20 (certificate FS-9).');
    });

    it('counts GCSE 4/C and above, not 3/D, comparing grades trimmed and case-insensitively', () => {
      const gcse = (grade: string) => check('maths', {}, { qualifications: [qualification({ grade })] }).status;
      expect(['4', 'C', 'c', ' a* ', '9', 'B'].map(gcse)).to.deep.equal(['met', 'met', 'met', 'met', 'met', 'met']);
      expect(['3', 'D', 'd', 'G', 'U', ''].map(gcse)).to.deep.equal([
        'unmet',
        'unmet',
        'unmet',
        'unmet',
        'unmet',
        'unmet',
      ]);
      const unmet = check('maths', {}, { qualifications: [qualification({ grade: '3' })] });
      expect(unmet.reason).to.equal(
        'No level 2 maths evidence. Add a GCSE at grade 4/C or above, Functional Skills level 2, or an accepted equivalent.',
      );
    });

    it('counts Functional Skills level 2 with a Pass, not a Fail, and not level 1', () => {
      const fs = (level: number, grade: string) =>
        check('maths', {}, { qualifications: [qualification({ type: 'functional_skills', level, grade })] }).status;
      expect(fs(2, 'Pass')).to.equal('met');
      expect(fs(2, ' PASS ')).to.equal('met');
      expect(fs(3, 'Pass')).to.equal('met');
      expect(fs(2, 'Fail')).to.equal('unmet');
      expect(fs(1, 'Pass')).to.equal('unmet');
    });

    it('counts an accepted equivalent at its level', () => {
      const other = (level: number) =>
        check(
          'english',
          {},
          {
            qualifications: [
              qualification({ subject: 'english', type: 'other', level, grade: 'Merit', certificateReference: 'EQ-1' }),
            ],
          },
        );
      expect(other(2)).to.include({
        status: 'met',
        reason: 'Met by Other accepted equivalent at level 2 achieved 2020-08-20 (certificate EQ-1).',
      });
      expect(other(1).status).to.equal('unmet');
    });

    it('needs level 1 for a level 2 standard', () => {
      // Aged 22 at the start (a 16–18 starter who held level 1 must also take level 2: see above).
      const level2Standard = { standardLevel: 2, dateOfBirth: '2000-01-01' };
      expect(check('maths', level2Standard, { qualifications: [qualification({ grade: '3' })] }).status).to.equal(
        'met',
      );
      expect(
        check('maths', level2Standard, {
          qualifications: [qualification({ type: 'functional_skills', level: 1, grade: 'Pass' })],
        }).status,
      ).to.equal('met');
      const unmet = check('maths', level2Standard, none);
      expect(unmet.reason).to.equal(
        'No level 1 maths evidence. Add a GCSE at grade 1/G or above, Functional Skills level 1, or an accepted equivalent.',
      );
      // level 3 standard: level 2
      expect(check('maths', { standardLevel: 3 }, { qualifications: [qualification({ grade: '3' })] }).status).to.equal(
        'unmet',
      );
    });

    it('counts Entry Level 3 only with a recorded, evidenced flexibility judgement', () => {
      const entry3 = {
        qualifications: [
          qualification({ type: 'entry_level', level: 3, grade: 'Pass', certificateReference: 'EL3-7' }),
        ],
      };
      const without = check('maths', {}, entry3);
      expect(without.status).to.equal('unmet');
      expect(without.reason).not.to.contain('Entry Level');
      const judged = {
        flexibility: {
          basis: 'professional_judgement' as const,
          decidedOn: '2021-03-01',
          reference: 'SENCo report 2021',
        },
      };
      const withJudgement = check('maths', judged, entry3);
      expect(withJudgement.status).to.equal('met');
      expect(withJudgement.reason).to.contain('Met by Entry Level 3 achieved 2020-08-20 (certificate EL3-7)');
      // Carried over from the old EHC plan flag, without its evidence: it does not count yet, and says why.
      const unevidenced = check(
        'maths',
        { flexibility: { basis: 'ehc_plan', decidedOn: null, reference: null } },
        entry3,
      );
      expect(unevidenced.status).to.equal('unmet');
      expect(unevidenced.reason).to.contain(
        'A flexibility judgement (Education, health and care (EHC) plan) is recorded without its evidence: record its date and reference',
      );
      const entry2 = { qualifications: [qualification({ type: 'entry_level', level: 2, grade: 'Pass' })] };
      const tooLow = check('maths', judged, entry2);
      expect(tooLow.status).to.equal('unmet');
      expect(tooLow.reason).to.contain('Entry Level 3 or above is enough');
      // With the judgement's Entry Level 3 requirement, anything above it counts too.
      expect(
        check('maths', judged, {
          qualifications: [qualification({ type: 'functional_skills', level: 1, grade: 'Pass' })],
        }).status,
      ).to.equal('met');
    });

    it('counts a BSL qualification for English only when BSL is the first language, never for maths', () => {
      const bslEnglish = {
        qualifications: [
          qualification({ subject: 'english', type: 'bsl', level: 2, grade: 'Pass', certificateReference: 'BSL-2' }),
        ],
      };
      const withFlag = check('english', { bslFirstLanguage: true }, bslEnglish);
      expect(withFlag.status).to.equal('met');
      expect(withFlag.reason).to.contain(
        'British Sign Language qualification level 2 achieved 2020-08-20 (certificate BSL-2)',
      );
      expect(check('english', { bslFirstLanguage: false }, bslEnglish).status).to.equal('unmet');

      const bslMaths = { qualifications: [qualification({ subject: 'maths', type: 'bsl', level: 2, grade: 'Pass' })] };
      const maths = check('maths', { bslFirstLanguage: true }, bslMaths);
      expect(maths.status).to.equal('unmet');
      expect(maths.reason).not.to.contain('Sign Language');

      const englishMissing = check('english', { bslFirstLanguage: true }, none);
      expect(englishMissing.reason).to.contain('a BSL qualification can be used instead');
      expect(
        qualificationCounts(bslMaths.qualifications[0]!, 'maths', apprentice({ bslFirstLanguage: true }), ON),
      ).to.equal(false);
    });

    it('does not count a qualification in the other subject', () => {
      const englishOnly = { qualifications: [qualification({ subject: 'english', grade: '9' })] };
      expect(check('maths', {}, englishOnly).status).to.equal('unmet');
      expect(qualificationCounts(englishOnly.qualifications[0]!, 'maths', apprentice(), ON)).to.equal(false);
      expect(qualificationCounts(englishOnly.qualifications[0]!, 'english', apprentice(), ON)).to.equal(true);
    });

    it('does not count a qualification achieved after the evaluation date', () => {
      const later = { qualifications: [qualification({ achievedOn: '2023-09-02' })] };
      const result = check('maths', {}, later, {}, '2023-09-01');
      expect(result.status).to.equal('unmet');
      expect(result.reason).to.contain('1 qualification achieved after 2023-09-01 does not count yet.');
      expect(check('maths', {}, later, {}, '2023-09-02').status).to.equal('met');
    });

    it('still requires English and maths of a 16–18 starter after 11 February 2025', () => {
      expect(check('maths', { dateOfBirth: '2005-01-01' }, none, {}, '2025-06-01').status).to.equal('unmet');
    });
  });

  describe('plan items', () => {
    it('is met when every item is provided, and lists the missing ones by name', () => {
      expect(check('plan_items')).to.deep.equal({
        code: 'plan_items',
        status: 'met',
        reason: 'All gateway items are in place: Portfolio of evidence and Project proposal.',
      });
      expect(check('plan_items', {}, { planItemsProvided: ['portfolio'] })).to.deep.equal({
        code: 'plan_items',
        status: 'unmet',
        reason: 'Not yet provided: Project proposal.',
      });
      expect(check('plan_items', {}, { planItemsProvided: ['unknown'] }).reason).to.equal(
        'Not yet provided: Portfolio of evidence and Project proposal.',
      );
    });

    it('is not applicable when the plan has no gateway items', () => {
      expect(check('plan_items', {}, { planItemsProvided: [] }, { gatewayItems: [] }).status).to.equal(
        'not_applicable',
      );
    });
  });

  describe('certificate permission', () => {
    it("is met once the apprentice's permission is recorded, and says who records it", () => {
      expect(check('certificate_permission').status).to.equal('met');
      const missing = check(
        'certificate_permission',
        {},
        {
          declaration: {
            employerConfirmed: true,
            providerConfirmed: true,
            apprenticeConfirmed: true,
            certificatePermission: false,
          },
        },
      );
      expect(missing).to.deep.equal({
        code: 'certificate_permission',
        status: 'unmet',
        reason:
          "Record the apprentice's permission for the assessment organisation to apply for their certificate (the provider records it with the declaration).",
      });
    });
  });

  describe("the employer's verification of behaviours (reformed plans)", () => {
    const reformed = { employerVerifiedKsbs: ['B1', 'B2', 'B3'] };

    it('applies only to a plan with employer-verified KSBs, and is met once recorded', () => {
      const unverified = evaluateGateway(apprentice(), evidence(), plan(reformed), ON);
      expect(unverified.checks.map((c) => c.code)).to.deep.equal([...CHECK_CODES]);
      expect(unverified.ready).to.equal(false);
      expect(unverified.checks.at(-1)).to.deep.equal({
        code: 'employer_behaviour_verification',
        status: 'unmet',
        reason:
          'The employer has not yet verified the behaviours the plan leaves to them (B1, B2 and B3). The employer records who verified them, when, and their statement.',
      });
      const verified = evaluateGateway(
        apprentice(),
        evidence({
          behaviourVerification: { verifiedOn: '2023-08-20', verifierName: 'Dana Reilly, regional secretary' },
        }),
        plan(reformed),
        ON,
      );
      expect(verified.ready).to.equal(true);
      // Dated after the evaluation date, it had not happened yet.
      const later = evaluateGateway(
        apprentice(),
        evidence({ behaviourVerification: { verifiedOn: '2023-09-02', verifierName: 'Dana Reilly' } }),
        plan(reformed),
        ON,
      );
      expect(later.checks.at(-1)?.status).to.equal('unmet');
      expect(verified.checks.at(-1)?.reason).to.equal(
        'The employer verified the behaviours (B1, B2 and B3) on 2023-08-20: Dana Reilly, regional secretary.',
      );
    });
  });

  describe('gateway declaration', () => {
    it('is met when the employer, provider and apprentice have all confirmed', () => {
      expect(check('employer_declaration').status).to.equal('met');
    });

    it('names who has not yet confirmed', () => {
      const declaration = (employerConfirmed: boolean, providerConfirmed: boolean, apprenticeConfirmed: boolean) =>
        check(
          'employer_declaration',
          {},
          { declaration: { employerConfirmed, providerConfirmed, apprenticeConfirmed, certificatePermission: true } },
        );
      expect(declaration(false, true, true)).to.deep.equal({
        code: 'employer_declaration',
        status: 'unmet',
        reason: 'Not yet confirmed by the employer.',
      });
      expect(declaration(true, false, false).reason).to.equal(
        'Not yet confirmed by the training provider and the apprentice.',
      );
      expect(declaration(false, false, false).reason).to.equal(
        'Not yet confirmed by the employer, the training provider and the apprentice.',
      );
    });
  });
});
