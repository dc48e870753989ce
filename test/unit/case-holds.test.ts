import { expect } from 'chai';
import { holdProblem, holdsResult, type HoldFacts } from '../../src/cases/rules.js';

/** Which results a case may hold: rules.ts's holdProblem, each refusal and the one acceptance. */
describe('case holds (rules)', () => {
  const assessed: HoldFacts = {
    attemptNumber: 2,
    assessedByCaseAssessor: true,
    withCaseProvider: false,
    heldAlready: false,
  };
  const ofProvider: HoldFacts = {
    attemptNumber: 1,
    assessedByCaseAssessor: false,
    withCaseProvider: true,
    heldAlready: false,
  };
  const open = { status: 'investigating' as const };

  it('holds a result the assessor assessed, or one of the provider’s apprentices’, while the case is undecided', () => {
    expect(holdProblem({ ...open, against: 'assessor' }, assessed)).to.equal(null);
    expect(holdProblem({ status: 'open', against: 'provider' }, ofProvider)).to.equal(null);
  });

  it('refuses each result the case is not about, and a case that cannot hold one', () => {
    expect(holdProblem({ ...open, against: 'assessor' }, ofProvider)).to.equal(
      'The assessor this case is against did not assess this apprentice’s latest attempt',
    );
    expect(holdProblem({ ...open, against: 'provider' }, assessed)).to.equal(
      'This apprentice is not with the training provider this case is against',
    );
    expect(holdProblem({ ...open, against: 'provider' }, { ...ofProvider, attemptNumber: null })).to.equal(
      'This apprentice has not been assessed yet: there is no result to hold',
    );
    expect(holdProblem({ ...open, against: 'assessor' }, { ...assessed, heldAlready: true })).to.equal(
      'This case holds this result already',
    );
    expect(holdProblem({ status: 'decided', against: 'assessor' }, assessed)).to.equal(
      'This case has been decided: it holds no results now',
    );
    expect(holdProblem({ ...open, against: 'assessment' }, assessed)).to.equal(
      'A case against an assessment holds that assessment’s result already',
    );
  });

  it('leaves a case against an assessment holding its own result as before', () => {
    const assessmentCase = { against: 'assessment' as const, sanction: null, setAsideAt: null };
    expect(holdsResult({ ...assessmentCase, status: 'open' })).to.equal(true);
    expect(holdsResult({ ...assessmentCase, status: 'decided' })).to.equal(false);
    expect(holdsResult({ against: 'assessor', status: 'open', sanction: null, setAsideAt: null })).to.equal(false);
  });
});
