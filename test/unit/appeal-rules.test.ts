import { expect } from 'chai';
import {
  affectedRange,
  highestGradeRefusal,
  outcomeDueOn,
  outcomeOverdue,
  panelProblems,
  caseAppealRefusal,
  requestAppealRefusal,
} from '../../src/appeals/rules.js';

const member = (name: string, external = false, involved = false) => ({ id: name.length, name, external, involved });

describe('appeal rules (Ofqual General Condition I1)', () => {
  it('needs at least one external member on the panel, and nobody involved in the result', () => {
    expect(panelProblems([member('Amira Okafor', false), member('Tomasz Nowak', true)])).to.deep.equal([]);
    expect(panelProblems([member('Tomasz Nowak', true)])).to.deep.equal([]);
    expect(panelProblems([member('Amira Okafor')])).to.deep.equal([
      'Name at least one external reviewer on the panel: an appeal is decided by at least one person who is not an employee of the assessment organisation',
    ]);
    expect(panelProblems([member('Tomasz Nowak', true), member('Helen Marsh', false, true)])).to.deep.equal([
      'Helen Marsh assessed or moderated this result, so cannot sit on the panel: nobody involved in the decision appealed may decide the appeal',
    ]);
    // An external member who was involved counts as neither.
    expect(panelProblems([member('Tomasz Nowak', true, true)])).to.have.length(1);
  });

  it('counts the outcome date in working days from lodging, skipping weekends and England and Wales bank holidays', () => {
    // Fixed dates in the past: the rule is pure, and no test date is left to become today.
    // Wednesday 3 December 2025: three working days on is Monday 8 December.
    expect(outcomeDueOn('2025-12-03', 3)).to.equal('2025-12-08');
    // Thursday 23 December 2021: Christmas and Boxing Day fell on the weekend, so their substitutes (Monday 27th, Tuesday 28th) are skipped.
    expect(outcomeDueOn('2021-12-23', 1)).to.equal('2021-12-24');
    expect(outcomeDueOn('2021-12-23', 2)).to.equal('2021-12-29');
  });

  it('marks an outcome overdue from the day after it was due, never before', () => {
    expect(outcomeOverdue('2025-12-07', '2025-12-06')).to.equal(false);
    expect(outcomeOverdue('2025-12-07', '2025-12-07')).to.equal(false);
    expect(outcomeOverdue('2025-12-07', '2025-12-08')).to.equal(true);
    expect(outcomeOverdue(null, '2025-12-08')).to.equal(false);
  });

  it('refuses an appeal against the highest grade only when the organisation says so, and only that grade', () => {
    expect(highestGradeRefusal('Distinction', 'Distinction', true)).to.match(/^Distinction is the highest grade/);
    expect(highestGradeRefusal('Distinction', 'Distinction', false)).to.equal(null);
    expect(highestGradeRefusal('Pass', 'Distinction', true)).to.equal(null);
    expect(highestGradeRefusal('Pass', 'Pass', true)).to.match(/^Pass is the highest grade/);
    expect(highestGradeRefusal(null, 'Distinction', true)).to.equal(null);
  });

  it('reviews the other results from 90 days before the appealed assessment to 90 days after', () => {
    expect(affectedRange('2026-06-01')).to.deep.equal({ from: '2026-03-03', to: '2026-08-30' });
  });

  it('takes an appeal against a request’s refusal once, up to and on the last day, and against nothing else', () => {
    expect(requestAppealRefusal('refused', '2025-12-07', '2025-12-07', false)).to.equal(null);
    expect(requestAppealRefusal('refused', '2025-12-07', '2025-12-08', false)).to.equal(
      'Appeals against this decision had to be lodged by 2025-12-07',
    );
    expect(requestAppealRefusal('refused', '2025-12-07', '2025-12-01', true)).to.equal(
      'This decision has already been appealed',
    );
    for (const status of ['requested', 'approved', 'approved_in_part', 'withdrawn'])
      expect(requestAppealRefusal(status, '2025-12-07', '2025-12-01', false), status).to.equal(
        'Only a refused request can be appealed',
      );
  });

  it('takes an appeal against a decision that acted on the apprentice, on or before its last day, once, before a later attempt (I1.1)', () => {
    const upheld = {
      kind: 'malpractice',
      against: 'assessment',
      status: 'decided',
      outcome: 'upheld',
      sanction: 'fail',
      setAsideAt: null,
    } as const;
    expect(caseAppealRefusal(upheld, '2025-12-07', '2025-12-07', false)).to.equal(null);
    expect(caseAppealRefusal(upheld, '2025-12-07', '2025-12-08', false)).to.equal(
      'Appeals against this decision had to be lodged by 2025-12-07',
    );
    expect(caseAppealRefusal(upheld, '2025-12-07', '2025-12-01', true)).to.equal(
      'This decision has already been appealed',
    );
    expect(
      caseAppealRefusal({ ...upheld, setAsideAt: '2025-12-02T10:00:00Z' }, '2025-12-07', '2025-12-03', false),
    ).to.equal('This decision has already been appealed');
    expect(caseAppealRefusal(upheld, '2025-12-07', '2025-12-01', false, true)).to.equal(
      'A later attempt has started: this decision can no longer be appealed',
    );
    expect(
      caseAppealRefusal({ ...upheld, outcome: 'not_upheld', sanction: null }, '2025-12-07', '2025-12-01', false),
    ).to.equal('Only an upheld case’s decision can be appealed');
    expect(
      caseAppealRefusal({ ...upheld, status: 'investigating', outcome: null }, null, '2025-12-01', false),
    ).to.equal('Only an upheld case’s decision can be appealed');
    // An assessor is neither learner nor centre: a decision about them is not appealed here.
    for (const kind of ['malpractice', 'maladministration'] as const)
      expect(
        caseAppealRefusal(
          { ...upheld, kind, against: 'assessor', sanction: 'warning' },
          '2025-12-07',
          '2025-12-01',
          false,
        ),
      ).to.equal(
        'A decision about an assessor is not appealed here: the assessment organisation reviews it under its own procedures',
      );
    // Every sanction on the result acts on the apprentice; a warning does only for malpractice.
    for (const sanction of ['fail', 'result_void', 'result_withheld'] as const)
      expect(
        caseAppealRefusal({ ...upheld, kind: 'maladministration', sanction }, '2025-12-07', '2025-12-01', false),
      ).to.equal(null);
    expect(caseAppealRefusal({ ...upheld, sanction: 'warning' }, '2025-12-07', '2025-12-01', false)).to.equal(null);
    expect(
      caseAppealRefusal(
        { ...upheld, kind: 'maladministration', sanction: 'warning' },
        '2025-12-07',
        '2025-12-01',
        false,
      ),
    ).to.equal('This decision took no action against the apprentice: there is nothing for them to appeal');
  });

  it('takes the training provider’s own appeal against a decision that acted on it, as a centre (I1.1(c))', () => {
    const warned = {
      kind: 'maladministration',
      against: 'provider',
      status: 'decided',
      outcome: 'upheld',
      sanction: 'warning',
      setAsideAt: null,
    } as const;
    // A warning for maladministration acts on a centre, as one for malpractice does.
    for (const kind of ['malpractice', 'maladministration'] as const)
      expect(caseAppealRefusal({ ...warned, kind }, '2025-12-07', '2025-12-07', false), kind).to.equal(null);
    expect(caseAppealRefusal(warned, '2025-12-07', '2025-12-08', false)).to.equal(
      'Appeals against this decision had to be lodged by 2025-12-07',
    );
    expect(caseAppealRefusal(warned, '2025-12-07', '2025-12-01', true)).to.equal(
      'This decision has already been appealed',
    );
    expect(
      caseAppealRefusal({ ...warned, outcome: 'not_upheld', sanction: null }, '2025-12-07', '2025-12-01', false),
    ).to.equal('Only an upheld case’s decision can be appealed');
    expect(caseAppealRefusal({ ...warned, sanction: null }, '2025-12-07', '2025-12-01', false)).to.equal(
      'This decision took no action against the training provider: there is nothing to appeal',
    );
  });
});
