import { expect } from 'chai';
import { makeValidUln, ULN_MESSAGES } from '../../src/apprentices/uln.js';
import {
  CLAIM_COLUMNS,
  CLAIM_MESSAGES,
  claimProblems,
  claimRow,
  claimsCsv,
  type ClaimCandidate,
} from '../../src/outcomes/claims.js';
import { csvCell as csvField } from '../../src/outcomes/csv.js';

const TODAY = '2025-06-15';
const ULN = makeValidUln(123_456_789)!;

/** A claim that passes every rule; each test breaks one thing. */
const good = (change: Partial<ClaimCandidate> = {}): ClaimCandidate => ({
  attemptId: 7,
  uln: ULN,
  familyName: 'Okafor',
  givenNames: 'Ada',
  standardReference: 'ST0815',
  larsCode: 569,
  version: '1.0',
  overallGrade: 'Pass',
  achievementDate: '2025-05-01',
  employerName: 'Transport Workers Union',
  ...change,
});

describe('certificate claims: the apprenticeship service’s rules', () => {
  it('accepts a released Pass, Merit or Distinction with every field right', () => {
    for (const overallGrade of ['Pass', 'Merit', 'Distinction'] as const)
      expect(claimProblems(good({ overallGrade }), TODAY), overallGrade).to.deep.equal([]);
  });

  describe('ULN: 10 digits with a valid check digit', () => {
    it('refuses a ULN that is not 10 digits', () => {
      expect(claimProblems(good({ uln: ULN.slice(0, 9) }), TODAY)).to.deep.equal([ULN_MESSAGES.length]);
      expect(claimProblems(good({ uln: `${ULN}1` }), TODAY)).to.deep.equal([ULN_MESSAGES.length]);
      expect(claimProblems(good({ uln: '12345abcde' }), TODAY)).to.deep.equal([ULN_MESSAGES.length]);
      expect(claimProblems(good({ uln: '' }), TODAY)).to.deep.equal([ULN_MESSAGES.length]);
    });

    it('refuses a ULN starting with 0', () => {
      expect(claimProblems(good({ uln: '0123456789' }), TODAY)).to.deep.equal([ULN_MESSAGES.leadingZero]);
    });

    it('refuses a ULN whose check digit is wrong', () => {
      const wrong = `${ULN.slice(0, 9)}${(Number(ULN[9]) + 1) % 10}`;
      expect(claimProblems(good({ uln: wrong }), TODAY)).to.deep.equal([ULN_MESSAGES.checkDigit]);
    });
  });

  it('refuses a claim without a family name (blank or spaces)', () => {
    expect(claimProblems(good({ familyName: '' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.familyName]);
    expect(claimProblems(good({ familyName: '   ' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.familyName]);
  });

  describe('standard and version known', () => {
    it('refuses a standard without a reference, with a malformed one, or without a LARS code', () => {
      expect(claimProblems(good({ standardReference: null }), TODAY)).to.deep.equal([CLAIM_MESSAGES.standard]);
      expect(claimProblems(good({ standardReference: 'ST815' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.standard]);
      expect(claimProblems(good({ larsCode: null }), TODAY)).to.deep.equal([CLAIM_MESSAGES.standard]);
      expect(claimProblems(good({ larsCode: 0 }), TODAY)).to.deep.equal([CLAIM_MESSAGES.standard]);
    });

    it('refuses an unknown or malformed version', () => {
      expect(claimProblems(good({ version: null }), TODAY)).to.deep.equal([CLAIM_MESSAGES.version]);
      expect(claimProblems(good({ version: 'v1' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.version]);
    });
  });

  describe('achievement date: not before 1 January 2017 and not in the future', () => {
    it('accepts 1 January 2017 and today', () => {
      expect(claimProblems(good({ achievementDate: '2017-01-01' }), TODAY)).to.deep.equal([]);
      expect(claimProblems(good({ achievementDate: TODAY }), TODAY)).to.deep.equal([]);
    });

    it('refuses 31 December 2016 and earlier', () => {
      expect(claimProblems(good({ achievementDate: '2016-12-31' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.tooEarly]);
      expect(claimProblems(good({ achievementDate: '2001-05-05' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.tooEarly]);
    });

    it('refuses tomorrow', () => {
      expect(claimProblems(good({ achievementDate: '2025-06-16' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.future]);
    });

    it('refuses a missing or impossible date', () => {
      expect(claimProblems(good({ achievementDate: null }), TODAY)).to.deep.equal([CLAIM_MESSAGES.noDate]);
      expect(claimProblems(good({ achievementDate: '2025-02-30' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.noDate]);
    });
  });

  it('never treats a Fail or a withdrawal as a certificate claim', () => {
    expect(claimProblems(good({ overallGrade: 'Fail' }), TODAY)).to.deep.equal([CLAIM_MESSAGES.notCertificate('Fail')]);
    expect(claimProblems(good({ overallGrade: 'Withdrawn' }), TODAY)).to.deep.equal([
      CLAIM_MESSAGES.notCertificate('Withdrawn'),
    ]);
  });

  it('lists every broken rule, not just the first', () => {
    expect(
      claimProblems(good({ uln: '0123456789', familyName: '', version: null, achievementDate: '2030-01-01' }), TODAY),
    ).to.deep.equal([
      ULN_MESSAGES.leadingZero,
      CLAIM_MESSAGES.familyName,
      CLAIM_MESSAGES.version,
      CLAIM_MESSAGES.future,
    ]);
  });
});

describe('certificate claims: rows and the CSV export', () => {
  it('gives the LARS code as the standard code, a blank option and the employer as where the certificate goes', () => {
    const row = claimRow(good(), TODAY);
    expect(row).to.include({
      standardCode: 569,
      standardReference: 'ST0815',
      version: '1.0',
      option: '',
      sendCertificateTo: 'Transport Workers Union',
      valid: true,
    });
    expect(row.reasons).to.deep.equal([]);
    const bad = claimRow(good({ familyName: '' }), TODAY);
    expect(bad.valid).to.equal(false);
    expect(bad.reasons).to.deep.equal([CLAIM_MESSAGES.familyName]);
  });

  it('writes the columns in order, one line per row, quoting where needed', () => {
    const csv = claimsCsv([claimRow(good({ familyName: 'O’Neill, Jr', employerName: 'Unite "the union"' }), TODAY)]);
    expect(csv.startsWith('\uFEFF'), 'the byte-order mark a spreadsheet needs').to.equal(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).to.equal(CLAIM_COLUMNS.map((c) => c.header).join(','));
    expect(lines[0]).to.equal(
      'ULN,FamilyName,GivenNames,StandardCode,StandardReference,Version,Option,OverallGrade,AchievementDate,SendCertificateTo',
    );
    expect(lines[1]).to.equal(`${ULN},"O’Neill, Jr",Ada,569,ST0815,1.0,,Pass,2025-05-01,"Unite ""the union"""`);
    expect(lines[2]).to.equal('');
  });

  it('keeps a spreadsheet from running a cell as a formula, but leaves numbers such as -2 alone', () => {
    expect(csvField('=HYPERLINK("x")')).to.equal(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+44')).to.equal('+44');
    expect(csvField('+44 20 7946 0000')).to.equal("'+44 20 7946 0000");
    expect(csvField('-2')).to.equal('-2');
    expect(csvField('-x')).to.equal("'-x");
    expect(csvField(null)).to.equal('');
  });
});
