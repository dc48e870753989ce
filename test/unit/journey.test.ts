import { expect } from 'chai';
import {
  JOURNEY_STATUSES,
  RELEASED_STATUSES,
  journeyStatus,
  type JourneyFacts,
} from '../../src/apprentices/journey.js';

const accepted: JourneyFacts = {
  gateway: 'accepted',
  attempt: null,
  activeBookings: 0,
  submittedGradings: 0,
  pendingModeration: 0,
};
const attempt = (grade: string | null, released = false, claimed = false) => ({
  overallGrade: grade,
  releasedAt: released ? '2026-11-01T10:00:00.000Z' : null,
  claimedAt: claimed ? '2026-11-20T10:00:00.000Z' : null,
});

describe('journeyStatus: where an apprentice stands, training to certificate', () => {
  it('follows the gateway until it is accepted', () => {
    expect(journeyStatus({ ...accepted, gateway: 'not_ready' })).to.equal('in_training');
    expect(journeyStatus({ ...accepted, gateway: 'ready' })).to.equal('ready');
    expect(journeyStatus({ ...accepted, gateway: 'submitted' })).to.equal('requested');
    expect(journeyStatus({ ...accepted, gateway: 'rejected' })).to.equal('rejected');
  });

  it('then the bookings, gradings, moderation, release and claim', () => {
    expect(journeyStatus(accepted)).to.equal('accepted');
    expect(journeyStatus({ ...accepted, activeBookings: 1 })).to.equal('booked');
    // One method graded and the other still booked: booked; both graded: assessed.
    expect(journeyStatus({ ...accepted, attempt: attempt(null), submittedGradings: 1, activeBookings: 1 })).to.equal(
      'booked',
    );
    expect(journeyStatus({ ...accepted, attempt: attempt(null), submittedGradings: 1 })).to.equal('assessed');
    expect(journeyStatus({ ...accepted, attempt: attempt('Pass'), submittedGradings: 2 })).to.equal('assessed');
    expect(
      journeyStatus({ ...accepted, attempt: attempt('Pass'), submittedGradings: 2, pendingModeration: 1 }),
    ).to.equal('in_moderation');
    expect(journeyStatus({ ...accepted, attempt: attempt('Distinction', true) })).to.equal('released');
    expect(journeyStatus({ ...accepted, attempt: attempt('Distinction', true, true) })).to.equal('claimed');
  });

  it('ends a released Fail or withdrawal as such, until a resit or retake begins', () => {
    expect(journeyStatus({ ...accepted, attempt: attempt('Fail', true) })).to.equal('failed');
    expect(journeyStatus({ ...accepted, attempt: attempt('Withdrawn', true) })).to.equal('withdrawn');
    // A resit's attempt has no grade yet: booked for it.
    expect(journeyStatus({ ...accepted, attempt: attempt(null), activeBookings: 1 })).to.equal('booked');
  });

  it('has a label for every status', async () => {
    const { JOURNEY_STATUS_LABELS } = await import('../../src/apprentices/journey.js');
    expect(Object.keys(JOURNEY_STATUS_LABELS)).to.deep.equal([...JOURNEY_STATUSES]);
  });

  it('is a released status exactly when the latest result is released, for every combination of facts', () => {
    for (const grade of [null, 'Pass', 'Distinction', 'Fail', 'Withdrawn'])
      for (const released of [false, true])
        for (const claimed of released ? [false, true] : [false])
          for (const activeBookings of [0, 1])
            for (const submittedGradings of [0, 2])
              for (const pendingModeration of submittedGradings ? [0, 1] : [0])
                for (const none of [false, true]) {
                  if (none && (grade || released)) continue;
                  const facts: JourneyFacts = {
                    ...accepted,
                    attempt: none ? null : attempt(grade, released, claimed),
                    activeBookings,
                    submittedGradings,
                    pendingModeration,
                  };
                  const status = journeyStatus(facts);
                  expect(RELEASED_STATUSES.includes(status), JSON.stringify(facts)).to.equal(released);
                }
  });
});
