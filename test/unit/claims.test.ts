import { expect } from 'chai';
import { makeValidUln, ULN_MESSAGES } from '../../src/apprentices/uln.js';
import {
  CLAIM_COLUMNS,
  CLAIM_MESSAGES,
  CLAIMABLE_GRADES,
  SERVICE_GRADES,
  certificateRequest,
  claimHeld,
  epaRecordProblems,
  epaRecordRequest,
  claimProblems,
  claimRow,
  claimsCsv,
  inBatches,
  serviceRequest,
  type ClaimCandidate,
} from '../../src/outcomes/claims.js';
import { csvCell as csvField } from '../../src/outcomes/csv.js';
import { delivery } from '../support/delivery.js';

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
  courseOption: null,
  versionOptions: [],
  overallGrade: 'Pass',
  achievementDate: '2025-05-01',
  employerName: 'Transport Workers Union',
  delivery: delivery({ department: null }),
  certificatePermission: true,
  releasedOn: '2025-05-01',
  appealOpen: false,
  highestGrade: false,
  kind: 'first',
  epaDate: '2025-04-28',
  earlierSent: false,
  earlierRecord: null,
  ...change,
});
const SETTINGS = { appealWorkingDays: 15, claimHighestGradeEarly: false };

describe('certificate claims: the apprenticeship service’s rules', () => {
  it('accepts a released Pass, Merit or Distinction with every field right', () => {
    for (const overallGrade of ['Pass', 'Merit', 'Distinction'] as const)
      expect(claimProblems(good({ overallGrade }), TODAY), overallGrade).to.deep.equal([]);
  });

  describe('the option: one of the version’s, or none when it has none (the service’s CourseOption rule)', () => {
    const OPTIONS = ['Option A (test data)', 'Option B (test data)'];
    it('takes no option on a version without options, and refuses one', () => {
      expect(claimProblems(good(), TODAY)).to.deep.equal([]);
      expect(claimProblems(good({ courseOption: 'Option A (test data)' }), TODAY)).to.deep.equal([
        CLAIM_MESSAGES.optionNotNeeded,
      ]);
    });
    it('needs one of the version’s options, compared ignoring case, for certificates and EPA records alike', () => {
      const on = (courseOption: string | null) => good({ versionOptions: OPTIONS, courseOption });
      expect(claimProblems(on('Option B (test data)'), TODAY)).to.deep.equal([]);
      expect(claimProblems(on('option b (TEST DATA)'), TODAY)).to.deep.equal([]);
      expect(claimProblems(on(null), TODAY)).to.deep.equal([CLAIM_MESSAGES.optionMissing(OPTIONS)]);
      expect(claimProblems(on('Option C'), TODAY)).to.deep.equal([CLAIM_MESSAGES.optionUnknown('Option C', OPTIONS)]);
      expect(epaRecordProblems({ ...on(null), overallGrade: 'Fail' }, TODAY)).to.deep.equal([
        CLAIM_MESSAGES.optionMissing(OPTIONS),
      ]);
    });
    it('sends the option as the certificate’s and the EPA record’s CourseOption, and none without one', () => {
      const row = claimRow(good({ versionOptions: OPTIONS, courseOption: 'Option A (test data)' }), TODAY, SETTINGS);
      expect(certificateRequest(row).LearningDetails.CourseOption).to.equal('Option A (test data)');
      const fail = claimRow(
        good({ versionOptions: OPTIONS, courseOption: 'Option A (test data)', overallGrade: 'Fail' }),
        TODAY,
        SETTINGS,
      );
      expect(epaRecordRequest(fail).LearningDetails).to.deep.equal({
        CourseOption: 'Option A (test data)',
        Version: '1.0',
      });
      expect(certificateRequest(claimRow(good(), TODAY, SETTINGS)).LearningDetails).to.not.have.property(
        'CourseOption',
      );
    });
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

describe('certificate claims: our rules besides the service’s', () => {
  it('needs where the certificate is posted, with a postcode the service takes, and the apprentice’s permission', () => {
    expect(claimProblems(good({ delivery: null }), TODAY)).to.deep.equal([CLAIM_MESSAGES.noDelivery]);
    expect(claimProblems(good({ delivery: { ...good().delivery!, postcode: 'SW1A 1CA' } }), TODAY)).to.deep.equal([
      CLAIM_MESSAGES.badPostcode,
    ]);
    expect(claimProblems(good({ certificatePermission: false }), TODAY)).to.deep.equal([CLAIM_MESSAGES.noPermission]);
  });

  it('claims only grades the service records, and knows all of its grades', () => {
    expect(SERVICE_GRADES).to.deep.equal([
      'Pass',
      'Credit',
      'Merit',
      'Distinction',
      'Pass with excellence',
      'Outstanding',
      'No grade awarded',
    ]);
    expect(CLAIMABLE_GRADES.every((g) => (SERVICE_GRADES as readonly string[]).includes(g))).to.equal(true);
  });
});

describe('certificate claims: when a claim may go', () => {
  // Released Friday 18 December 2020: 15 working days (Christmas and New Year's Day left out) end on 13 January 2021.
  const released = good({ releasedOn: '2020-12-18' });

  it('is held until its appeal period has ended, and goes the day after', () => {
    expect(claimHeld(released, SETTINGS, '2021-01-13')).to.deep.equal({
      until: '2021-01-14',
      why: 'The appeal period runs until 2021-01-13',
    });
    expect(claimHeld(released, SETTINGS, '2021-01-14')).to.equal(null);
  });

  it('lets the plan’s highest grade go at once only when the EPAO’s setting says so', () => {
    const highest = { ...released, highestGrade: true };
    expect(claimHeld(highest, SETTINGS, '2020-12-18')).to.not.equal(null);
    expect(claimHeld(highest, { ...SETTINGS, claimHighestGradeEarly: true }, '2020-12-18')).to.equal(null);
    expect(claimHeld(released, { ...SETTINGS, claimHighestGradeEarly: true }, '2020-12-18')).to.not.equal(null);
  });

  it('never lets a result under appeal go, whatever the date or setting', () => {
    const appealed = { ...released, appealOpen: true, highestGrade: true };
    expect(claimHeld(appealed, { ...SETTINGS, claimHighestGradeEarly: true }, '2030-01-01')).to.deep.equal({
      until: null,
      why: 'An appeal is open: a result under appeal is not claimed',
    });
  });
});

describe('certificate claims: the service’s request', () => {
  it('is the service’s CreateCertificateRequest, named by the result, with the QA date as the achievement date', () => {
    const delivery = { ...good().delivery!, department: 'Education', addressLine2: 'Holborn' };
    const row = claimRow(good({ delivery }), TODAY, SETTINGS);
    expect(certificateRequest(row)).to.deep.equal({
      RequestId: 'attempt-7',
      Standard: { StandardCode: 569, StandardReference: 'ST0815' },
      Learner: { Uln: Number(ULN), FamilyName: 'Okafor' },
      LearningDetails: { Version: '1.0', OverallGrade: 'Pass', AchievementDate: '2025-05-01' },
      PostalContact: {
        ContactName: 'Dana Reilly',
        Department: 'Education',
        Organisation: 'Transport Workers Union',
        AddressLine1: '128 Theobald’s Road',
        AddressLine2: 'Holborn',
        City: 'London',
        PostCode: 'WC1X 8TN',
      },
    });
  });

  it('goes in batches of at most 25, the service’s limit', () => {
    expect(inBatches([]).length).to.equal(0);
    expect(inBatches(Array.from({ length: 25 }, (_, i) => i)).map((b) => b.length)).to.deep.equal([25]);
    expect(inBatches(Array.from({ length: 26 }, (_, i) => i)).map((b) => b.length)).to.deep.equal([25, 1]);
  });
});

describe('EPA records: a Fail or a withdrawal, as the service records it', () => {
  const failed = good({ overallGrade: 'Fail', kind: 'resit', delivery: null, certificatePermission: false });

  it('needs the learner and standard and an EPA date by the service’s rules, but no postal contact or permission', () => {
    expect(epaRecordProblems(failed, TODAY)).to.deep.equal([]);
    expect(epaRecordProblems({ ...failed, epaDate: '2016-12-31' }, TODAY)).to.deep.equal([CLAIM_MESSAGES.tooEarly]);
    expect(epaRecordProblems({ ...failed, epaDate: '2025-06-16' }, TODAY)).to.deep.equal([CLAIM_MESSAGES.future]);
    expect(epaRecordProblems({ ...failed, familyName: ' ' }, TODAY)).to.deep.equal([CLAIM_MESSAGES.familyName]);
    expect(epaRecordProblems(good(), TODAY)).to.deep.equal(['A Pass is a certificate claim, not an EPA record']);
  });

  it('says what to do when an earlier outcome was recorded in the service another way: an update there', () => {
    expect(epaRecordProblems({ ...failed, earlierSent: true }, TODAY)).to.deep.equal([CLAIM_MESSAGES.earlierSent]);
    expect(claimRow({ ...failed, earlierSent: true }, TODAY, SETTINGS)).to.include({
      sends: 'epa_record',
      valid: false,
    });
  });

  it('updates the record this platform sent: its EPA reference, and every outcome it is to hold, oldest first', () => {
    const earlierRecord = {
      reference: '00000042',
      epas: [{ date: '2025-01-10', outcome: 'Fail' as const, kind: 'first' as const }],
    };
    const row = claimRow({ ...failed, earlierSent: true, earlierRecord }, TODAY, SETTINGS);
    expect(row).to.include({ sends: 'epa_update', valid: true });
    expect(serviceRequest(row)).to.deep.equal({
      RequestId: 'attempt-7',
      EpaReference: '00000042',
      Standard: { StandardCode: 569, StandardReference: 'ST0815' },
      Learner: { Uln: Number(ULN), FamilyName: 'Okafor' },
      LearningDetails: { Version: '1.0' },
      EpaDetails: {
        Epas: [
          { EpaDate: '2025-01-10', EpaOutcome: 'Fail', Resit: false, Retake: false },
          { EpaDate: '2025-04-28', EpaOutcome: 'Fail', Resit: true, Retake: false },
        ],
      },
    });
    // A certificate after a sent Fail is a new certificate: the service makes one over a submitted Fail.
    expect(claimRow(good({ earlierSent: true, earlierRecord }), TODAY, SETTINGS)).to.include({
      sends: 'certificate',
      valid: true,
      updates: null,
    });
  });

  it('is the service’s CreateEpaRequest with the outcome, its date and the resit or retake flags', () => {
    const row = claimRow(failed, TODAY, SETTINGS);
    expect(row).to.include({ sends: 'epa_record', valid: true });
    expect(epaRecordRequest(row)).to.deep.equal({
      RequestId: 'attempt-7',
      Standard: { StandardCode: 569, StandardReference: 'ST0815' },
      Learner: { Uln: Number(ULN), FamilyName: 'Okafor' },
      LearningDetails: { Version: '1.0' },
      EpaDetails: { Epas: [{ EpaDate: '2025-04-28', EpaOutcome: 'Fail', Resit: true, Retake: false }] },
    });
    const withdrawn = claimRow({ ...failed, overallGrade: 'Withdrawn', kind: 'retake' }, TODAY, SETTINGS);
    expect(epaRecordRequest(withdrawn).EpaDetails.Epas[0]).to.include({ EpaOutcome: 'Withdrawn', Retake: true });
  });
});

describe('certificate claims: rows and the CSV export', () => {
  it('gives the LARS code as the standard code, a blank option and where the certificate is posted', () => {
    const row = claimRow(good(), TODAY, SETTINGS);
    expect(row).to.include({
      standardCode: 569,
      standardReference: 'ST0815',
      version: '1.0',
      option: '',
      valid: true,
    });
    expect(row.delivery).to.include({ contactName: 'Dana Reilly', postcode: 'WC1X 8TN' });
    expect(row.reasons).to.deep.equal([]);
    const bad = claimRow(good({ familyName: '' }), TODAY, SETTINGS);
    expect(bad.valid).to.equal(false);
    expect(bad.reasons).to.deep.equal([CLAIM_MESSAGES.familyName]);
  });

  it('writes the columns in order, one line per row, quoting where needed', () => {
    const delivery = { ...good().delivery!, organisation: 'Unite "the union"' };
    const csv = claimsCsv([claimRow(good({ familyName: 'O’Neill, Jr', delivery }), TODAY, SETTINGS)]);
    expect(csv.startsWith('\uFEFF'), 'the byte-order mark a spreadsheet needs').to.equal(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines[0]).to.equal(CLAIM_COLUMNS.map((c) => c.header).join(','));
    expect(lines[0]).to.equal(
      'ULN,FamilyName,GivenNames,StandardCode,StandardReference,Version,Option,OverallGrade,AchievementDate,SendCertificateTo',
    );
    expect(lines[1]).to.equal(
      `${ULN},"O’Neill, Jr",Ada,569,ST0815,1.0,,Pass,2025-05-01,"Dana Reilly, Unite ""the union"", 128 Theobald’s Road, London, WC1X 8TN"`,
    );
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
