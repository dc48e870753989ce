import { expect } from 'chai';
import {
  inForceFor,
  adjustedMethod,
  adjustmentsFor,
  approvedWords,
  decideByDate,
  extraMinutes,
  isOverdue,
  judgeDecision,
  type RequestFacts,
} from '../../src/adjustments/rules.js';
import type { MethodFacts } from '../../src/bookings/model.js';

/* Reasonable adjustments and special consideration: the pure decisions (src/adjustments/rules.ts). */

const DISCUSSION: MethodFacts = {
  id: 'discussion',
  name: 'Professional discussion',
  durationMinutes: 75,
  delivery: ['remote', 'in_person'],
  after: [],
  earliestDayAfterGateway: 0,
};
const PROJECT: MethodFacts = { ...DISCUSSION, id: 'project', name: 'Project presentation', durationMinutes: 60 };

const asked = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  kind: 'adjustment',
  status: 'requested',
  types: ['extra_time', 'reader_or_scribe'],
  extraTimePercent: 25,
  methods: [{ name: 'Professional discussion', delivery: ['remote', 'in_person'] }],
  ...over,
});

describe('adjustment rules: the day a request is decided by', () => {
  it('counts the EPAO’s working days after the request, skipping weekends and England’s bank holidays', () => {
    // Friday 19 December 2025, 5 working days: 22, 23, 24 December, (25, 26 bank holidays, weekend), 29, 30.
    expect(decideByDate('2025-12-19', 5)).to.equal('2025-12-30');
    // The day itself is not counted: Monday plus one is Tuesday.
    expect(decideByDate('2026-03-02', 1)).to.equal('2026-03-03');
    expect(decideByDate('2026-03-02', 10)).to.equal('2026-03-16');
  });

  it('is overdue from the day after it, and only while it waits', () => {
    const waiting = { status: 'requested' as const, decideBy: '2026-03-16' };
    expect(isOverdue(waiting, '2026-03-16')).to.equal(false);
    expect(isOverdue(waiting, '2026-03-17')).to.equal(true);
    expect(isOverdue({ ...waiting, status: 'approved' }, '2026-03-17')).to.equal(false);
  });
});

describe('adjustment rules: what an approved adjustment does to a booking', () => {
  it('lengthens the slot by the extra time, rounded up to a whole minute', () => {
    expect(extraMinutes(75, 25)).to.equal(19);
    expect(extraMinutes(60, 25)).to.equal(15);
    expect(extraMinutes(60, 1)).to.equal(1);
    const adjusted = adjustedMethod(DISCUSSION, [
      { methodId: 'discussion', types: ['extra_time'], extraTimePercent: 25 },
    ]);
    expect(adjusted.durationMinutes).to.equal(94);
    expect(adjusted.adjusted).to.deep.equal({
      words: 'Extra time (25%)',
      extraMinutes: 19,
      remote: false,
      planMinutes: 75,
    });
  });

  it('applies an adjustment to every method, or to its own method only', () => {
    const everyMethod = [{ methodId: null, types: ['extra_time' as const], extraTimePercent: 50 }];
    expect(adjustedMethod(PROJECT, everyMethod).durationMinutes).to.equal(90);
    const discussionOnly = [{ methodId: 'discussion', types: ['extra_time' as const], extraTimePercent: 50 }];
    expect(adjustedMethod(PROJECT, discussionOnly)).to.equal(PROJECT);
    expect(adjustedMethod(PROJECT, [])).to.equal(PROJECT);
  });

  it('adds several approvals together: each adjustment once, the largest extra time', () => {
    const approved = [
      { methodId: null, types: ['extra_time' as const, 'rest_breaks' as const], extraTimePercent: 10 },
      { methodId: 'discussion', types: ['extra_time' as const, 'bsl_interpreter' as const], extraTimePercent: 25 },
    ];
    expect(adjustmentsFor('discussion', approved)).to.deep.equal({
      types: ['extra_time', 'rest_breaks', 'bsl_interpreter'],
      extraTimePercent: 25,
    });
    expect(approvedWords('discussion', approved)).to.equal(
      'Extra time (25%), rest breaks, a British Sign Language interpreter',
    );
    expect(approvedWords('project', approved)).to.equal('Extra time (10%), rest breaks');
    expect(approvedWords('project', [])).to.equal(null);
  });

  it('makes an approved remote assessment remote only, where the plan allows it remotely', () => {
    const remote = [{ methodId: null, types: ['remote' as const], extraTimePercent: null }];
    expect(adjustedMethod(DISCUSSION, remote).delivery).to.deep.equal(['remote']);
    const inPersonOnly = { ...DISCUSSION, delivery: ['in_person' as const] };
    expect(adjustedMethod(inPersonOnly, remote).delivery).to.deep.equal(['in_person']);
  });
});

describe('adjustment rules: judging a decision', () => {
  it('approves in full what was asked, with a reason', () => {
    expect(judgeDecision(asked(), { status: 'approved', reason: 'Supported by the report' })).to.deep.equal({
      status: 'approved',
      approvedTypes: ['extra_time', 'reader_or_scribe'],
      approvedExtraTimePercent: 25,
      effect: null,
    });
    expect(judgeDecision(asked(), { status: 'refused', reason: ' ' })).to.deep.equal({
      problems: [{ path: 'reason', message: 'Give the reason for the decision' }],
    });
  });

  it('approves in part only some of what was asked, or less extra time, never more', () => {
    const part = (approvedTypes: RequestFacts['types'], approvedExtraTimePercent: number | null) =>
      judgeDecision(asked(), { status: 'approved_in_part', reason: 'Part', approvedTypes, approvedExtraTimePercent });
    expect(part(['extra_time'], 25)).to.include({ status: 'approved_in_part', approvedExtraTimePercent: 25 });
    expect(part(['extra_time', 'reader_or_scribe'], 24)).to.include({ approvedExtraTimePercent: 24 });
    // Both sides of the asked-for 25%.
    expect(part(['extra_time'], 26)).to.deep.equal({
      problems: [{ path: 'approvedExtraTimePercent', message: 'Approve no more extra time than was asked for (25%)' }],
    });
    expect(part(['extra_time', 'reader_or_scribe'], 25)).to.deep.equal({
      problems: [
        { path: 'approvedTypes', message: 'That is everything asked for: choose “Approve” instead, or approve less' },
      ],
    });
    expect(part([], null)).to.deep.equal({ problems: [{ path: 'approvedTypes', message: 'Select what is approved' }] });
    expect(part(['bsl_interpreter'], null)).to.deep.equal({
      problems: [
        {
          path: 'approvedTypes',
          message: 'Only what was asked for can be approved: not a British Sign Language interpreter',
        },
      ],
    });
    expect(part(['extra_time'], null)).to.deep.equal({
      problems: [{ path: 'approvedExtraTimePercent', message: 'Enter the extra time approved, as a percentage' }],
    });
  });

  it('does not approve a remote assessment of a method the plan holds in person only', () => {
    const request = asked({
      types: ['remote'],
      extraTimePercent: null,
      methods: [
        { name: 'Professional discussion', delivery: ['remote', 'in_person'] },
        { name: 'Observation', delivery: ['in_person'] },
      ],
    });
    expect(judgeDecision(request, { status: 'approved', reason: 'Agreed' })).to.deep.equal({
      problems: [
        {
          path: 'status',
          message:
            'The assessment plan does not allow Observation to be taken remotely, so a remote assessment cannot be approved',
        },
      ],
    });
    expect(judgeDecision(request, { status: 'refused', reason: 'Must be observed' })).to.include({ status: 'refused' });
  });

  it('says the effect of approved special consideration, and decides a request only once', () => {
    const consideration = asked({ kind: 'special_consideration', types: [], extraTimePercent: null });
    expect(judgeDecision(consideration, { status: 'approved', reason: 'Confirmed' })).to.deep.equal({
      problems: [{ path: 'effect', message: 'Select the effect on the result' }],
    });
    expect(
      judgeDecision(consideration, { status: 'approved', reason: 'Confirmed', effect: 'not_counted' }),
    ).to.deep.equal({ status: 'approved', approvedTypes: null, approvedExtraTimePercent: null, effect: 'not_counted' });
    expect(
      judgeDecision({ ...consideration, status: 'refused' }, { status: 'approved', reason: 'Again' }),
    ).to.deep.equal({
      problems: [{ path: '', message: 'This request has already been refused' }],
    });
  });
});

describe('adjustment rules: the adjustments in force for an assessment', () => {
  const start = '2026-03-10T09:00:00.000Z';
  const approved = (decidedAt: string | null | undefined) => ({
    methodId: null,
    types: ['rest_breaks' as const],
    extraTimePercent: null,
    decidedAt,
  });

  it('counts those approved before it started, not at or after its start, and those with no approval time kept', () => {
    const before = approved('2026-03-10T08:59:59.999Z');
    const at = approved(start);
    const after = approved('2026-03-10T09:00:00.001Z');
    const unknown = approved(null);
    expect(inForceFor([before, at, after, unknown], { startsAt: start, status: 'completed' })).to.deep.equal([
      before,
      unknown,
    ]);
    expect(inForceFor([approved(undefined)], { startsAt: start })).to.have.length(1);
  });

  it('counts, for an assessment that ended without taking place, only those approved before it ended', () => {
    const cancelledAt = '2026-03-02T12:00:00.000Z';
    const beforeCancel = approved('2026-03-02T11:59:59.999Z');
    const afterCancel = approved('2026-03-05T10:00:00.000Z');
    for (const status of ['cancelled', 'declined', 'expired'])
      expect(
        inForceFor([beforeCancel, afterCancel], { startsAt: start, status, updatedAt: cancelledAt }),
        status,
      ).to.deep.equal([beforeCancel]);
    // A booking still to take place (or one that did) is held to its start.
    for (const status of ['held', 'confirmed', 'completed', 'void'])
      expect(
        inForceFor([beforeCancel, afterCancel], { startsAt: start, status, updatedAt: cancelledAt }),
        status,
      ).to.deep.equal([beforeCancel, afterCancel]);
  });
});
