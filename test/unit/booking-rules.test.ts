import { expect } from 'chai';
import { DateTime } from 'luxon';
import type {
  AssessorFacts,
  BookingFacts,
  BookingRequest,
  BookingStatus,
  MethodFacts,
  Refusal,
  RefusalCode,
} from '../../src/bookings/model.js';
import { REFUSAL_CODES } from '../../src/bookings/model.js';
import {
  bookingTimes,
  checkBooking,
  checkMarking,
  conflictOfInterest,
  type MarkerFacts,
  type MarkingRequest,
  londonDay,
  type BookingTimes,
} from '../../src/bookings/rules.js';

// The calendar these tests use (2026; verified with luxon in Europe/London):
//   Gateway accepted Tuesday 3 March 2026; EPA period 2026-03-03 to 2026-06-03 (3 months).
//   The clocks go forward at 01:00 GMT on Sunday 29 March and back at 02:00 BST on Sunday 25 October.
//   Day 27 after gateway = Monday 30 March, day 28 = Tuesday 31 March.
//   Week 2026-W16 = Monday 13 April to Sunday 19 April; Monday 20 April starts 2026-W17.
// The baseline booking is the project on Tuesday 14 April 2026 at 10:00 London (09:00 UTC, BST),
// in person in London, with Asha Patel (Mon–Fri 09:00–17:00, 2 a day, 6 a week).
const EPA_PERIOD = { start: '2026-03-03', end: '2026-06-03' };
/** The apprenticeship started on Monday 1 September 2025. */
const ON_PROGRAMME_FROM = '2025-09-01';
const PROJECT = 'Work-based project with presentation and questioning';
const DISCUSSION = 'Professional discussion underpinned by a portfolio of evidence';
const ASSESSOR = 10;
const OTHER_ASSESSOR = 11;
const APPRENTICE = 1;

function project(overrides: Partial<MethodFacts> = {}): MethodFacts {
  return {
    id: 'project',
    name: PROJECT,
    durationMinutes: 60,
    delivery: ['in_person', 'remote'],
    after: [],
    earliestDayAfterGateway: 28,
    ...overrides,
  };
}

function discussion(overrides: Partial<MethodFacts> = {}): MethodFacts {
  return {
    id: 'discussion',
    name: DISCUSSION,
    durationMinutes: 75,
    delivery: ['remote', 'in_person'],
    after: [],
    earliestDayAfterGateway: 0,
    ...overrides,
  };
}

function assessor(overrides: Partial<AssessorFacts> = {}): AssessorFacts {
  return {
    userId: ASSESSOR,
    name: 'Asha Patel',
    standardVersionIds: [1],
    regions: ['london'],
    perDay: 2,
    perWeek: 6,
    workingHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    unavailable: [],
    ownEmployerId: 'EMP-ASSESSOR',
    ownProviderUkprn: '10009999',
    declaredConflicts: [],
    ...overrides,
  };
}

function request(overrides: Partial<BookingRequest> = {}): BookingRequest {
  return {
    apprentice: { id: APPRENTICE, employerId: 'EMP-1', providerUkprn: '10000001', standardVersionId: 1 },
    epaPeriod: EPA_PERIOD,
    onProgrammeFrom: ON_PROGRAMME_FROM,
    method: project(),
    methods: [project(), discussion()],
    assessor: assessor(),
    localStart: '2026-04-14T10:00',
    mode: 'in_person',
    region: 'london',
    existing: [],
    replacing: null,
    ...overrides,
  };
}

/** Another booking, given in London wall-clock time and stored as UTC instants (independently of the module). */
function booking(local: string, overrides: Partial<BookingFacts> & { minutes?: number } = {}): BookingFacts {
  const { minutes = 60, ...facts } = overrides;
  const start = DateTime.fromISO(local, { zone: 'Europe/London' });
  if (!start.isValid) throw new Error(`bad test time ${local}`);
  return {
    id: 100,
    apprenticeId: 2,
    assessorUserId: ASSESSOR,
    methodId: 'project',
    startsAt: start.toUTC().toISO(),
    endsAt: start.plus({ minutes }).toUTC().toISO(),
    status: 'confirmed',
    ...facts,
  };
}

const check = (overrides: Partial<BookingRequest> = {}): Refusal[] => checkBooking(request(overrides));
const codes = (refusals: Refusal[]): RefusalCode[] => refusals.map((r) => r.code);

/** Expects exactly one refusal, with this code, and returns its message. */
function only(refusals: Refusal[], code: RefusalCode): string {
  expect(codes(refusals)).to.deep.equal([code]);
  return refusals[0]!.message;
}

/** Expects a refusal with this code among others, and returns its message. */
function among(refusals: Refusal[], code: RefusalCode): string {
  const found = refusals.find((r) => r.code === code);
  expect(found, `no ${code} in ${JSON.stringify(refusals)}`).to.not.equal(undefined);
  return found!.message;
}

function times(localStart: string, minutes: number): BookingTimes {
  const result = bookingTimes(localStart, minutes);
  if ('error' in result) throw new Error(`unexpected error for ${localStart}: ${result.error}`);
  return result;
}

function timesError(localStart: string, minutes = 60): string {
  const result = bookingTimes(localStart, minutes);
  if (!('error' in result)) throw new Error(`expected an error for ${localStart}, got ${JSON.stringify(result)}`);
  return result.error;
}

describe('booking rules', () => {
  it('accepts the baseline booking with no refusals, in person and remotely', () => {
    expect(check()).to.deep.equal([]);
    expect(check({ mode: 'remote', region: null })).to.deep.equal([]);
    expect(check({ method: discussion(), localStart: '2026-04-14T14:00' })).to.deep.equal([]);
  });

  it('has the refusal codes these tests cover (a new code needs a new test below)', () => {
    expect([...REFUSAL_CODES]).to.deep.equal([
      'gateway_not_accepted',
      'invalid_start',
      'in_the_past',
      'outside_epa_period',
      'too_soon_after_gateway',
      'method_order',
      'method_already_booked',
      'delivery_mode',
      'assessor_not_competent',
      'assessor_conflicted',
      'assessor_unavailable',
      'outside_working_hours',
      'over_daily_capacity',
      'over_weekly_capacity',
      'assessor_double_booked',
      'apprentice_double_booked',
      'outside_regions',
      'marked_by_provider',
      'not_a_marker',
    ]);
  });

  describe('refusals', () => {
    it('in_the_past: a start at or before the moment of booking is refused; a later one is not', () => {
      const at = (now: string) => check({ localStart: '2026-04-14T10:00', now });
      expect(at('2026-04-14T09:00:00.000Z').map((r) => r.code)).to.deep.equal(['in_the_past']); // 10:00 BST is 09:00Z
      expect(at('2026-04-14T09:00:00.000Z')[0]!.message).to.equal('2026-04-14 10:00 has already passed');
      expect(at('2026-04-14T08:59:00.000Z')).to.deep.equal([]);
      expect(check({ localStart: '2026-04-14T10:00' })).to.deep.equal([]); // no moment given: recording history
    });

    it('gateway_not_accepted: no EPA period means nothing can be booked', () => {
      const message = only(check({ epaPeriod: null }), 'gateway_not_accepted');
      expect(message).to.contain('gateway has not been accepted');
    });

    it('outside_epa_period: refuses the day before the start and the day after the end, allows the first and last day', () => {
      const on = (date: string) => check({ method: discussion(), localStart: `${date}T10:00` });
      // The day before the start is also before the method's earliest day (day 0), so that refusal may come too.
      expect(among(on('2026-03-02'), 'outside_epa_period')).to.contain(
        '2026-03-02 is outside the EPA period (2026-03-03 to 2026-06-03)',
      );
      expect(on('2026-03-03')).to.deep.equal([]);
      expect(on('2026-06-03')).to.deep.equal([]);
      expect(only(on('2026-06-04'), 'outside_epa_period')).to.contain(
        '2026-06-04 is outside the EPA period (2026-03-03 to 2026-06-03)',
      );
    });

    it('too_soon_after_gateway: the project is refused on day 27 after gateway acceptance and allowed on day 28', () => {
      const message = only(check({ localStart: '2026-03-30T10:00' }), 'too_soon_after_gateway');
      expect(message).to.contain(PROJECT);
      expect(message).to.contain('cannot take place before 2026-03-31');
      expect(message).to.contain('28 days after gateway acceptance');
      expect(check({ localStart: '2026-03-31T10:00' })).to.deep.equal([]);
    });

    it('method_order: the discussion 7 days after the project; not booked, 6 days, 7 days, and the reverse', () => {
      const ordered = discussion({ after: [{ method: 'project', minDaysBetween: 7 }] });
      const methods = [project(), ordered];
      const projectOn = (local: string) =>
        booking(local, { id: 50, apprenticeId: APPRENTICE, assessorUserId: OTHER_ASSESSOR, methodId: 'project' });
      const discussionOn = (local: string) =>
        booking(local, {
          id: 51,
          apprenticeId: APPRENTICE,
          assessorUserId: OTHER_ASSESSOR,
          methodId: 'discussion',
          minutes: 75,
        });
      const bookDiscussion = (existing: BookingFacts[]) =>
        check({ method: ordered, methods, localStart: '2026-04-14T10:00', existing });

      // The project is not booked at all.
      expect(only(bookDiscussion([]), 'method_order')).to.contain(`${PROJECT} must be booked before ${DISCUSSION}`);
      // Project on Wednesday 8 April: 6 days before Tuesday 14 April.
      const sixDays = only(bookDiscussion([projectOn('2026-04-08T10:00')]), 'method_order');
      expect(sixDays).to.contain(`${DISCUSSION} must be at least 7 days after ${PROJECT}`);
      expect(sixDays).to.contain('2026-04-08');
      // Project on Tuesday 7 April: exactly 7 days.
      expect(bookDiscussion([projectOn('2026-04-07T10:00')])).to.deep.equal([]);
      // Project booked after the discussion's date: the order itself is broken.
      expect(only(bookDiscussion([projectOn('2026-04-21T10:00')]), 'method_order')).to.contain(
        'must be at least 7 days after',
      );

      // The reverse: the discussion is already booked for 14 April; the project may be no later than 7 April.
      const bookProject = (localStart: string) =>
        check({ method: project(), methods, localStart, existing: [discussionOn('2026-04-14T10:00')] });
      const reverse = only(bookProject('2026-04-08T10:00'), 'method_order');
      expect(reverse).to.contain(`${DISCUSSION} is booked for 2026-04-14`);
      expect(reverse).to.contain(`at least 7 days after ${PROJECT}`);
      expect(bookProject('2026-04-07T10:00')).to.deep.equal([]);
    });

    it('method_already_booked: the same method twice for the apprentice, unless rescheduling that booking', () => {
      const earlier = booking('2026-04-21T10:00', {
        id: 60,
        apprenticeId: APPRENTICE,
        assessorUserId: OTHER_ASSESSOR,
        methodId: 'project',
      });
      expect(only(check({ existing: [earlier] }), 'method_already_booked')).to.contain(
        `${PROJECT} is already booked for this apprentice`,
      );
      expect(check({ existing: [earlier], replacing: 60 })).to.deep.equal([]);
      // Another apprentice's project does not count.
      expect(check({ existing: [{ ...earlier, apprenticeId: 2 }] })).to.deep.equal([]);
    });

    it('delivery_mode: a mode the method does not allow', () => {
      const remoteOnly = project({ delivery: ['remote'] });
      expect(only(check({ method: remoteOnly, mode: 'in_person', region: 'london' }), 'delivery_mode')).to.contain(
        `${PROJECT} cannot be delivered in person`,
      );
      expect(check({ method: remoteOnly, mode: 'remote', region: null })).to.deep.equal([]);
      const inPersonOnly = project({ delivery: ['in_person'] });
      expect(only(check({ method: inPersonOnly, mode: 'remote', region: null }), 'delivery_mode')).to.contain(
        'cannot be delivered remotely',
      );
    });

    it('assessor_not_competent: an assessor without the apprentice’s standard version', () => {
      const message = only(check({ assessor: assessor({ standardVersionIds: [2, 3] }) }), 'assessor_not_competent');
      expect(message).to.contain('Asha Patel is not recorded as competent to assess this standard');
      expect(check({ assessor: assessor({ standardVersionIds: [2, 1] }) })).to.deep.equal([]);
    });

    it('assessor_conflicted: own employer, own provider, a declared conflict covering the date; not one that has ended', () => {
      const conflicted = (overrides: Partial<AssessorFacts>) =>
        only(check({ assessor: assessor(overrides) }), 'assessor_conflicted');
      expect(conflicted({ ownEmployerId: 'EMP-1' })).to.contain('Asha Patel works for the apprentice’s employer');
      expect(conflicted({ ownProviderUkprn: '10000001' })).to.contain(
        'Asha Patel works for the apprentice’s training provider',
      );

      const declared = (kind: 'employer' | 'provider', organisationId: string, from: string, to: string | null) => ({
        declaredConflicts: [{ kind, organisationId, from, to, reason: 'Former line manager' }],
      });
      // Dates inclusive: a conflict that ends on the booking date still covers it.
      const employer = conflicted(declared('employer', 'EMP-1', '2025-01-01', '2026-04-14'));
      expect(employer).to.contain('Asha Patel declared a conflict with the apprentice’s employer');
      expect(employer).to.contain('Former line manager');
      expect(conflicted(declared('provider', '10000001', '2026-04-14', null))).to.contain(
        'declared a conflict with the apprentice’s training provider',
      );

      // Ended the day before the booking, or starting the day after: no conflict on that date.
      expect(check({ assessor: assessor(declared('employer', 'EMP-1', '2025-01-01', '2026-04-13')) })).to.deep.equal(
        [],
      );
      expect(check({ assessor: assessor(declared('employer', 'EMP-1', '2026-04-15', null)) })).to.deep.equal([]);
      // A declared link to some other organisation is no conflict with this apprentice.
      expect(check({ assessor: assessor(declared('provider', '10000002', '2025-01-01', null)) })).to.deep.equal([]);

      // The same rule, asked directly.
      const apprentice = request().apprentice;
      expect(
        conflictOfInterest(
          assessor(declared('employer', 'EMP-1', '2025-01-01', '2026-04-13')),
          apprentice,
          '2026-04-13',
        ),
      ).to.contain('Former line manager');
      expect(
        conflictOfInterest(
          assessor(declared('employer', 'EMP-1', '2025-01-01', '2026-04-13')),
          apprentice,
          '2026-04-14',
        ),
      ).to.equal(null);
      expect(conflictOfInterest(assessor(), apprentice, '2026-04-14')).to.equal(null);
    });

    it('assessor_unavailable: on the first and last day of the unavailability, not the days around it', () => {
      const away = assessor({ unavailable: [{ from: '2026-04-14', to: '2026-04-17', reason: 'Annual leave' }] });
      const on = (date: string) => check({ assessor: away, localStart: `${date}T10:00` });
      const message = only(on('2026-04-14'), 'assessor_unavailable');
      expect(message).to.contain('Asha Patel is unavailable from 2026-04-14 to 2026-04-17');
      expect(message).to.contain('Annual leave');
      expect(codes(on('2026-04-17'))).to.deep.equal(['assessor_unavailable']);
      expect(on('2026-04-13')).to.deep.equal([]);
      expect(on('2026-04-20')).to.deep.equal([]);
    });

    it('outside_working_hours: before 09:00, after 17:00, on a Saturday; 09:00–10:00 and 16:00–17:00 are allowed', () => {
      const early = only(check({ localStart: '2026-04-14T08:30' }), 'outside_working_hours');
      expect(early).to.contain('08:30–09:30 on Tuesday');
      expect(early).to.contain('outside Asha Patel’s working hours');
      expect(only(check({ localStart: '2026-04-14T16:30' }), 'outside_working_hours')).to.contain(
        '16:30–17:30 on Tuesday',
      );
      // The 75-minute discussion at 16:00 ends at 17:15.
      expect(only(check({ method: discussion(), localStart: '2026-04-14T16:00' }), 'outside_working_hours')).to.contain(
        '16:00–17:15',
      );
      expect(only(check({ localStart: '2026-04-18T10:00' }), 'outside_working_hours')).to.contain('on Saturday');
      expect(check({ localStart: '2026-04-14T09:00' })).to.deep.equal([]);
      expect(check({ localStart: '2026-04-14T16:00' })).to.deep.equal([]);
      expect(check({ method: discussion(), localStart: '2026-04-14T15:45' })).to.deep.equal([]);
    });

    it('over_daily_capacity: a third booking on a day with at most 2 a day', () => {
      const noon = booking('2026-04-14T12:00', { id: 70, apprenticeId: 2 });
      const afternoon = booking('2026-04-14T14:00', { id: 71, apprenticeId: 3 });
      expect(check({ existing: [noon] })).to.deep.equal([]);
      const message = only(check({ existing: [noon, afternoon] }), 'over_daily_capacity');
      expect(message).to.contain('Asha Patel already has 2 assessments on 2026-04-14');
      expect(message).to.contain('at most 2 a day');
      // Another assessor's bookings do not count against her.
      expect(check({ existing: [noon, { ...afternoon, assessorUserId: OTHER_ASSESSOR }] })).to.deep.equal([]);
    });

    it('over_weekly_capacity: six bookings Monday to Thursday fill the ISO week; the next Monday starts a new one', () => {
      const week = [
        booking('2026-04-13T10:00', { id: 80, apprenticeId: 2 }),
        booking('2026-04-13T14:00', { id: 81, apprenticeId: 3 }),
        booking('2026-04-14T10:00', { id: 82, apprenticeId: 4 }),
        booking('2026-04-14T14:00', { id: 83, apprenticeId: 5 }),
        booking('2026-04-15T10:00', { id: 84, apprenticeId: 6 }),
        booking('2026-04-16T10:00', { id: 85, apprenticeId: 7 }),
      ];
      const friday = only(check({ localStart: '2026-04-17T10:00', existing: week }), 'over_weekly_capacity');
      expect(friday).to.contain('Asha Patel already has 6 assessments in week 2026-W16');
      expect(friday).to.contain('at most 6 a week');
      expect(check({ localStart: '2026-04-20T10:00', existing: week })).to.deep.equal([]);
      // Five in the week leave room on the Friday.
      expect(check({ localStart: '2026-04-17T10:00', existing: week.slice(1) })).to.deep.equal([]);
    });

    it('assessor_double_booked: overlapping times are refused; back to back is allowed', () => {
      const clash = only(
        check({ existing: [booking('2026-04-14T10:30', { id: 90, apprenticeId: 2 })] }),
        'assessor_double_booked',
      );
      expect(clash).to.contain('Asha Patel is already booked at 14 Apr 2026 10:30'); // London time, not 09:30 UTC
      expect(codes(check({ existing: [booking('2026-04-14T10:59', { id: 90, apprenticeId: 2 })] }))).to.deep.equal([
        'assessor_double_booked',
      ]);
      expect(codes(check({ existing: [booking('2026-04-14T09:30', { id: 90, apprenticeId: 2 })] }))).to.deep.equal([
        'assessor_double_booked',
      ]);

      const tenToEleven = booking('2026-04-14T10:00', { id: 91, apprenticeId: 2 });
      expect(check({ localStart: '2026-04-14T11:00', existing: [tenToEleven] })).to.deep.equal([]);
      expect(check({ localStart: '2026-04-14T09:00', existing: [tenToEleven] })).to.deep.equal([]);
    });

    it('apprentice_double_booked: the apprentice already has an assessment at an overlapping time', () => {
      const other = booking('2026-04-14T10:30', {
        id: 95,
        apprenticeId: APPRENTICE,
        assessorUserId: OTHER_ASSESSOR,
        methodId: 'discussion',
        minutes: 75,
      });
      expect(only(check({ existing: [other] }), 'apprentice_double_booked')).to.contain(
        'The apprentice is already booked at 14 Apr 2026 10:30',
      );
      // The discussion runs 08:45–10:00: back to back with 10:00.
      const before = booking('2026-04-14T08:45', {
        id: 95,
        apprenticeId: APPRENTICE,
        assessorUserId: OTHER_ASSESSOR,
        methodId: 'discussion',
        minutes: 75,
      });
      expect(check({ existing: [before] })).to.deep.equal([]);
    });

    it('outside_regions: in person in a region not covered, or with no region; remote ignores regions', () => {
      expect(only(check({ region: 'north_west' }), 'outside_regions')).to.contain(
        'Asha Patel does not cover North West for in-person assessments',
      );
      expect(only(check({ region: null }), 'outside_regions')).to.contain('Say which region');
      expect(check({ mode: 'remote', region: 'north_west' })).to.deep.equal([]);
      expect(check({ mode: 'remote', region: null })).to.deep.equal([]);
      expect(check({ assessor: assessor({ regions: ['south_east', 'london'] }) })).to.deep.equal([]);
    });
  });

  describe('reformed plans: components by timing', () => {
    const during = (overrides: Partial<MethodFacts> = {}) => project({ timing: 'during', ...overrides });

    it('a component during the apprenticeship is booked before gateway, from the first day of the apprenticeship', () => {
      const on = (date: string) => check({ epaPeriod: null, method: during(), localStart: `${date}T10:00` });
      expect(on('2025-09-01')).to.deep.equal([]); // Monday, the start date
      expect(on('2025-12-01')).to.deep.equal([]);
      // Sunday 31 August is outside working hours as well; the timing refusal names the start.
      expect(among(on('2025-08-31'), 'outside_epa_period')).to.equal(
        `${PROJECT} is taken during the apprenticeship, which starts on 2025-09-01`,
      );
    });

    it('once the gateway is accepted it may still be taken, up to the last day of the assessment period', () => {
      const on = (date: string) => check({ method: during(), localStart: `${date}T10:00` });
      expect(on('2026-03-03')).to.deep.equal([]); // gateway day: the plan's 28 days apply to components at the end only
      expect(on('2026-06-03')).to.deep.equal([]);
      expect(only(on('2026-06-04'), 'outside_epa_period')).to.equal(
        '2026-06-04 is after the assessment period ends (2026-06-03)',
      );
    });

    it('a component at the end waits for the gateway, however early the other one is', () => {
      expect(only(check({ epaPeriod: null, method: project({ timing: 'end' }) }), 'gateway_not_accepted')).to.contain(
        'gateway has not been accepted',
      );
    });

    it('order rules still hold between a component during the apprenticeship and one at the end', () => {
      const end = discussion({ after: [{ method: 'project', minDaysBetween: 7 }] });
      const early = booking('2026-03-02T10:00', { apprenticeId: APPRENTICE, assessorUserId: OTHER_ASSESSOR });
      const request = { method: end, methods: [during(), end], localStart: '2026-03-09T10:00' };
      expect(check({ ...request, existing: [early] })).to.deep.equal([]);
      expect(only(check({ ...request, localStart: '2026-03-06T10:00', existing: [early] }), 'method_order')).to.contain(
        'at least 7 days after',
      );
    });
  });

  describe('reformed plans: provider-marked components', () => {
    const marked = (overrides: Partial<MethodFacts> = {}) =>
      project({ timing: 'during', marker: 'provider', ...overrides });
    const marker = (overrides: Partial<MarkerFacts> = {}): MarkerFacts => ({
      userId: 20,
      name: 'Priya Marker',
      providerUkprn: '10000001',
      canMark: true,
      ...overrides,
    });
    const marking = (overrides: Partial<MarkingRequest> = {}): Refusal[] => {
      const { apprentice, onProgrammeFrom, methods, localStart, mode, existing, replacing } = request();
      return checkMarking({
        apprentice,
        epaPeriod: null,
        onProgrammeFrom,
        method: marked(),
        methods,
        localStart,
        mode,
        existing,
        replacing,
        marker: marker(),
        ...overrides,
      });
    };

    it('marked_by_provider: no assessor of the assessment organisation is booked for one', () => {
      expect(only(check({ method: marked() }), 'marked_by_provider')).to.contain(
        'marked by the apprentice’s training provider',
      );
    });

    it('its marker records it, in the past too, at any hour, with the timing of a component during the apprenticeship', () => {
      expect(marking()).to.deep.equal([]);
      expect(marking({ localStart: '2025-09-06T19:00' })).to.deep.equal([]); // a Saturday evening
      expect(only(marking({ localStart: '2025-08-31T10:00' }), 'outside_epa_period')).to.contain(
        'starts on 2025-09-01',
      );
    });

    it('not_a_marker: without the permission, at another provider, or for a component the assessment organisation marks', () => {
      expect(only(marking({ marker: marker({ canMark: false }) }), 'not_a_marker')).to.equal(
        'Priya Marker is not a marker at the apprentice’s training provider',
      );
      expect(only(marking({ marker: marker({ providerUkprn: '10000002' }) }), 'not_a_marker')).to.contain(
        'not a marker at the apprentice’s training provider',
      );
      expect(only(marking({ method: project() }), 'not_a_marker')).to.contain(
        'marked by the assessment organisation: it is booked with an assessor',
      );
    });

    it('neither the marker nor the apprentice is booked twice at once', () => {
      const markerBusy = booking('2026-04-14T10:30', { assessorUserId: 20, apprenticeId: 2 });
      expect(only(marking({ existing: [markerBusy] }), 'assessor_double_booked')).to.contain(
        'Priya Marker is already marking another component at 14 Apr 2026 10:30',
      );
      const apprenticeBusy = booking('2026-04-14T10:30', { apprenticeId: APPRENTICE, methodId: 'discussion' });
      expect(only(marking({ existing: [apprenticeBusy] }), 'apprentice_double_booked')).to.contain(
        'already booked at 14 Apr 2026 10:30',
      );
      expect(
        marking({ existing: [booking('2026-04-14T11:00', { assessorUserId: 20, apprenticeId: 2 })] }),
      ).to.deep.equal([]);
    });

    it('a provider-marked component at the end waits for the gateway like any other', () => {
      expect(only(marking({ method: marked({ timing: 'end' }) }), 'gateway_not_accepted')).to.contain('gateway');
    });
  });

  describe('bookings that no longer take up time', () => {
    const clashing = (status: BookingStatus): BookingFacts[] => [
      // The assessor at the same time with another apprentice, and a second one that day: clash and capacity.
      booking('2026-04-14T10:00', { id: 200, apprenticeId: 2, status }),
      booking('2026-04-14T14:00', { id: 201, apprenticeId: 3, status }),
      // The apprentice at the same time with another assessor, for the same method.
      booking('2026-04-14T10:00', {
        id: 202,
        apprenticeId: APPRENTICE,
        assessorUserId: OTHER_ASSESSOR,
        methodId: 'project',
        status,
      }),
    ];

    for (const status of ['cancelled', 'declined', 'expired'] as const) {
      it(`ignores a booking that is ${status} for clashes, capacity and the method already booked`, () => {
        expect(check({ existing: clashing(status) })).to.deep.equal([]);
      });
    }

    for (const status of ['held', 'confirmed', 'completed'] as const) {
      it(`counts a ${status} booking`, () => {
        expect(codes(check({ existing: clashing(status) }))).to.have.members([
          'method_already_booked',
          'over_daily_capacity',
          'assessor_double_booked',
          'apprentice_double_booked',
        ]);
      });
    }

    it('does not let a cancelled earlier method satisfy the method order', () => {
      const ordered = discussion({ after: [{ method: 'project', minDaysBetween: 7 }] });
      const cancelledProject = booking('2026-04-01T10:00', {
        id: 210,
        apprenticeId: APPRENTICE,
        methodId: 'project',
        status: 'cancelled',
      });
      const message = only(
        check({ method: ordered, methods: [project(), ordered], existing: [cancelledProject] }),
        'method_order',
      );
      expect(message).to.contain('must be booked before');
    });

    it('leaves the booking being rescheduled out of the clash, capacity and already-booked checks', () => {
      const current = booking('2026-04-14T10:00', {
        id: 300,
        apprenticeId: APPRENTICE,
        methodId: 'project',
        status: 'held',
      });
      const otherToday = booking('2026-04-14T14:00', { id: 301, apprenticeId: 2 });
      // Moving it half an hour later, same assessor, same day.
      const moved = { localStart: '2026-04-14T10:30', existing: [current, otherToday] };
      expect(codes(check(moved))).to.have.members([
        'method_already_booked',
        'over_daily_capacity',
        'assessor_double_booked',
        'apprentice_double_booked',
      ]);
      expect(check({ ...moved, replacing: 300 })).to.deep.equal([]);
      // Replacing a different booking does not hide this one.
      expect(codes(check({ ...moved, replacing: 301 }))).to.include('assessor_double_booked');
    });
  });

  describe('the clock change', () => {
    it('keeps a 10:00 booking at 10:00 London either side of the March change', () => {
      // Friday 27 March 2026: GMT (UTC+0).
      expect(times('2026-03-27T10:00', 60)).to.deep.equal({
        startsAt: '2026-03-27T10:00:00.000Z',
        endsAt: '2026-03-27T11:00:00.000Z',
        date: '2026-03-27',
        weekday: 5,
        startTime: '10:00',
        endTime: '11:00',
      });
      // Monday 30 March 2026: BST (UTC+1).
      expect(times('2026-03-30T10:00', 60)).to.deep.equal({
        startsAt: '2026-03-30T09:00:00.000Z',
        endsAt: '2026-03-30T10:00:00.000Z',
        date: '2026-03-30',
        weekday: 1,
        startTime: '10:00',
        endTime: '11:00',
      });
    });

    it('refuses a time the clocks skip on 29 March 2026 (01:00–01:59 London)', () => {
      expect(timesError('2026-03-29T01:30')).to.contain('clocks go forward');
      expect(timesError('2026-03-29T01:00')).to.contain('clocks go forward');
      expect(timesError('2026-03-29T01:59')).to.contain('clocks go forward');
      // Either side of the gap exists.
      expect(times('2026-03-29T00:59', 60).startsAt).to.equal('2026-03-29T00:59:00.000Z');
      expect(times('2026-03-29T02:00', 60).startsAt).to.equal('2026-03-29T01:00:00.000Z');
      // And the booking is refused with that reason.
      const refusals = check({ localStart: '2026-03-29T01:30' });
      expect(refusals).to.have.lengthOf(1);
      expect(refusals[0]!.message).to.contain('2026-03-29 01:30 does not exist in London: the clocks go forward');
    });

    it('keeps a 10:00 booking at 10:00 London either side of the October change', () => {
      // Friday 23 October 2026: BST. Monday 26 October 2026: GMT.
      expect(times('2026-10-23T10:00', 60)).to.include({
        startsAt: '2026-10-23T09:00:00.000Z',
        date: '2026-10-23',
        weekday: 5,
        startTime: '10:00',
        endTime: '11:00',
      });
      expect(times('2026-10-26T10:00', 60)).to.include({
        startsAt: '2026-10-26T10:00:00.000Z',
        date: '2026-10-26',
        weekday: 1,
        startTime: '10:00',
        endTime: '11:00',
      });
      // 01:00–01:59 on Sunday 25 October happens twice: it exists (either instant), it is not refused.
      const repeated = times('2026-10-25T01:30', 60);
      expect(repeated).to.include({ date: '2026-10-25', weekday: 7, startTime: '01:30' });
      expect(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']).to.include(repeated.startsAt);
    });

    it('checks working hours and clashes in London time after the change', () => {
      // 09:00 BST on Monday 30 March is 08:00 UTC: still inside 09:00–17:00.
      const monday = { localStart: '2026-03-30T09:00', method: discussion() };
      expect(check(monday)).to.deep.equal([]);
      // A booking stored as 08:30 UTC that Monday is 09:30 London and clashes.
      const stored: BookingFacts = {
        id: 400,
        apprenticeId: 2,
        assessorUserId: ASSESSOR,
        methodId: 'discussion',
        startsAt: '2026-03-30T08:30:00.000Z',
        endsAt: '2026-03-30T09:45:00.000Z',
        status: 'confirmed',
      };
      expect(only(check({ ...monday, existing: [stored] }), 'assessor_double_booked')).to.contain('30 Mar 2026 09:30');
    });

    it('gives the London date and ISO week of a UTC instant', () => {
      // 23:30 UTC on 30 June is 00:30 BST on 1 July.
      expect(londonDay('2026-06-30T23:30:00.000Z')).to.deep.equal({ date: '2026-07-01', week: '2026-W27' });
      // 23:30 UTC on Sunday 19 April is Monday 20 April in London: the next ISO week.
      expect(londonDay('2026-04-19T23:30:00.000Z')).to.deep.equal({ date: '2026-04-20', week: '2026-W17' });
      expect(londonDay('2026-04-19T22:59:00.000Z')).to.deep.equal({ date: '2026-04-19', week: '2026-W16' });
      // In winter London is UTC.
      expect(londonDay('2026-01-15T23:30:00.000Z')).to.deep.equal({ date: '2026-01-15', week: '2026-W03' });
      // ISO week-numbering year: Friday 1 January 2027 is in 2026-W53.
      expect(londonDay('2021-01-01T12:00:00.000Z')).to.deep.equal({ date: '2021-01-01', week: '2020-W53' });
    });
  });

  describe('the start time', () => {
    it('refuses a start that is not YYYY-MM-DDTHH:MM', () => {
      for (const bad of ['2026-04-14 10:00', '14/04/2026 10:00', '2026-04-14T10:00:00', '2026-04-14', '']) {
        expect(timesError(bad), bad).to.contain('YYYY-MM-DDTHH:MM');
        const refusals = check({ localStart: bad });
        expect(refusals, bad).to.have.lengthOf(1);
        expect(refusals[0]!.code, bad).to.equal('invalid_start');
        expect(refusals[0]!.message, bad).to.contain('YYYY-MM-DDTHH:MM');
      }
    });

    it('refuses a date or time that does not exist', () => {
      for (const bad of ['2026-02-30T10:00', '2026-13-01T10:00']) {
        expect(timesError(bad), bad).to.contain('does not exist');
        expect(timesError(bad), bad).not.to.contain('clocks');
        expect(check({ localStart: bad }), bad).to.have.lengthOf(1);
      }
    });

    it('refuses an hour or minute out of range without blaming the clocks (27 March 2026 is not a clock-change night)', () => {
      for (const bad of ['2026-03-27T24:00', '2026-03-27T10:60', '2026-03-27T99:00']) {
        expect(timesError(bad), bad).not.to.contain('clocks');
        const refusals = check({ localStart: bad });
        expect(refusals, bad).to.have.lengthOf(1);
        expect(refusals[0]!.message, bad).not.to.contain('clocks');
      }
    });
  });
});
