import { expect } from 'chai';
import {
  COMPONENT_SLOTS,
  NOT_AVAILABLE,
  OFQUAL_COLUMNS,
  OFQUAL_HEADER,
  ofqualCsv,
  ofqualProblems,
  ofqualRows,
  ofqualSettingsProblem,
  ofqualValues,
  type OfqualAttempt,
} from '../../src/outcomes/ofqual.js';
import {
  REGISTRATION_COLUMNS,
  REGISTRATION_HEADER,
  registrationRows,
  registrationsCsv,
  type OfqualRegistration,
} from '../../src/outcomes/ofqual-registrations.js';

const SETTINGS = { epaoName: 'Northern Union Assessment Ltd', epaNumber: 'EPA0123' };
const REPORTING = '2025-03-31';

const attempt = (change: Partial<OfqualAttempt> = {}): OfqualAttempt => ({
  attemptId: 1,
  uln: '1234567890',
  givenNames: 'Ada',
  familyName: 'Okafor',
  standardTitle: 'Trade union official',
  standardReference: 'ST0815',
  planVersion: '1.0',
  qualificationNumber: null,
  attemptNumber: 1,
  kind: 'first',
  overallGrade: 'Distinction',
  resultOn: '2025-02-14',
  components: [
    { name: 'Work-based project with presentation and questioning', grade: 'Distinction' },
    { name: 'Professional discussion underpinned by a portfolio of evidence', grade: 'Distinction' },
  ],
  ...change,
});

const column = (name: string) => {
  const index = OFQUAL_HEADER.indexOf(name);
  if (index === -1) throw new Error(`No column ${name}`);
  return { index, pattern: OFQUAL_COLUMNS[index]!.pattern };
};
const valueOf = (values: string[], name: string) => values[column(name).index];

describe('Ofqual EPA outcomes file', () => {
  it('has the published columns first, in the published order', () => {
    expect(OFQUAL_HEADER.slice(0, 9)).to.deep.equal([
      'ReportingDate',
      'AwardingOrganisation',
      'AwardingOrganisationID',
      'StandardTitle',
      'StandardID',
      'AssessmentPlanVersionNumber',
      'QualificationNumber',
      'ULN',
      'CandidateIdentifierOther',
    ]);
    expect(OFQUAL_COLUMNS.slice(0, 9).every((c) => c.published)).to.equal(true);
    expect(new Set(OFQUAL_HEADER).size, 'no column twice').to.equal(OFQUAL_HEADER.length);
  });

  it('then each component’s method and grade, and the EPA grade, its date and whether it was a resit or retake', () => {
    const components = Array.from({ length: COMPONENT_SLOTS }, (_, i) => [
      `Component${i + 1}Method`,
      `Component${i + 1}Grade`,
    ]).flat();
    expect(OFQUAL_HEADER.slice(9)).to.deep.equal([...components, 'EPAGrade', 'EPAGradeDate', 'ResitOrRetake']);
  });

  it('gives every column a value, in order, each matching its column’s pattern', () => {
    const values = ofqualValues(SETTINGS, REPORTING, attempt());
    expect(values).to.have.length(OFQUAL_COLUMNS.length);
    OFQUAL_COLUMNS.forEach((c, i) => expect(c.pattern.test(values[i]!), `${c.name} = ${values[i]}`).to.equal(true));
    expect(ofqualProblems(values)).to.deep.equal([]);
    expect(values.slice(0, 9)).to.deep.equal([
      REPORTING,
      SETTINGS.epaoName,
      'EPA0123',
      'Trade union official',
      'ST0815',
      '1.0',
      NOT_AVAILABLE,
      '1234567890',
      NOT_AVAILABLE,
    ]);
    expect(valueOf(values, 'Component1Grade')).to.equal('Distinction');
    expect(valueOf(values, 'Component2Method')).to.equal(
      'Professional discussion underpinned by a portfolio of evidence',
    );
    expect(valueOf(values, 'Component3Method')).to.equal(NOT_AVAILABLE);
    expect(valueOf(values, 'Component3Grade')).to.equal(NOT_AVAILABLE);
    expect(valueOf(values, 'EPAGrade')).to.equal('Distinction');
    expect(valueOf(values, 'EPAGradeDate')).to.equal('2025-02-14');
    expect(valueOf(values, 'ResitOrRetake')).to.equal('No');
  });

  it('uses -2 where a value is not available: the qualification number, an unknown plan version, a method without a grade', () => {
    const values = ofqualValues(
      SETTINGS,
      REPORTING,
      attempt({
        planVersion: null,
        qualificationNumber: null,
        kind: 'retake',
        attemptNumber: 2,
        overallGrade: 'Withdrawn',
        components: [
          { name: 'Project', grade: 'Withdrawn' },
          { name: 'Discussion', grade: null },
        ],
      }),
    );
    expect(valueOf(values, 'QualificationNumber')).to.equal('-2');
    expect(valueOf(values, 'AssessmentPlanVersionNumber')).to.equal('-2');
    expect(valueOf(values, 'Component1Grade')).to.equal('Withdrawn');
    expect(valueOf(values, 'Component2Grade')).to.equal('-2');
    expect(valueOf(values, 'ResitOrRetake')).to.equal('Retake');
    expect(ofqualProblems(values)).to.deep.equal([]);
  });

  it('gives the standard version’s qualification number once an administrator has recorded it', () => {
    const values = ofqualValues(SETTINGS, REPORTING, attempt({ qualificationNumber: '603/1234/5' }));
    expect(valueOf(values, 'QualificationNumber')).to.equal('603/1234/5');
    expect(ofqualProblems(values)).to.deep.equal([]);
  });

  describe('the published patterns', () => {
    const accepts = (name: string, value: string) => column(name).pattern.test(value);

    it('ReportingDate: yyyy-mm-dd in the 2000s', () => {
      for (const ok of ['2025-03-31', '2000-01-01', '2099-12-31'])
        expect(accepts('ReportingDate', ok), ok).to.equal(true);
      for (const bad of ['1999-12-31', '2025-13-01', '2025-3-1', '31/03/2025', '2025-03-32', ''])
        expect(accepts('ReportingDate', bad), bad).to.equal(false);
    });

    it('AwardingOrganisationID: EPA and four digits', () => {
      expect(accepts('AwardingOrganisationID', 'EPA1234')).to.equal(true);
      for (const bad of ['EPA123', 'EPA12345', 'epa1234', ' EPA1234', 'EPAO123'])
        expect(accepts('AwardingOrganisationID', bad), bad).to.equal(false);
    });

    it('StandardID: ST and four digits', () => {
      expect(accepts('StandardID', 'ST0815')).to.equal(true);
      for (const bad of ['ST815', 'st0815', 'ST0815-1.0']) expect(accepts('StandardID', bad), bad).to.equal(false);
    });

    it('text columns: 1 to 100 (names, titles) or 1 to 10 (version, qualification number, ULN) characters', () => {
      expect(accepts('AwardingOrganisation', 'x'.repeat(100))).to.equal(true);
      expect(accepts('AwardingOrganisation', 'x'.repeat(101))).to.equal(false);
      expect(accepts('StandardTitle', '')).to.equal(false);
      expect(accepts('AssessmentPlanVersionNumber', '1.0')).to.equal(true);
      expect(accepts('AssessmentPlanVersionNumber', '12345678901')).to.equal(false);
      expect(accepts('QualificationNumber', '-2')).to.equal(true);
      expect(accepts('ULN', '1234567890')).to.equal(true);
      expect(accepts('ULN', '12345678901')).to.equal(false);
    });
  });

  it('rejects a bad value, naming the column and the rule', () => {
    const values = ofqualValues({ ...SETTINGS, epaNumber: 'EPA12' }, REPORTING, attempt());
    expect(ofqualProblems(values)).to.deep.equal([
      'AwardingOrganisationID “EPA12” is not EPA followed by four digits, for example EPA1234',
    ]);
    const long = ofqualValues(SETTINGS, REPORTING, attempt({ standardTitle: 'T'.repeat(101) }));
    expect(ofqualProblems(long)).to.have.length(1);
    expect(ofqualProblems(long)[0]).to.match(/^StandardTitle /);
    expect(ofqualProblems(values.slice(1))[0]).to.contain('columns');
  });

  it('lists a row with problems instead of putting it in the file', () => {
    const rows = ofqualRows(SETTINGS, REPORTING, [
      attempt(),
      attempt({ attemptId: 2, uln: '12345678901' }),
      attempt({
        attemptId: 3,
        components: Array.from({ length: COMPONENT_SLOTS + 1 }, (_, i) => ({
          name: `Method ${i}`,
          grade: 'Pass' as const,
        })),
      }),
    ]);
    expect(rows.map((r) => r.problems.length)).to.deep.equal([0, 1, 1]);
    expect(rows[1]!.problems[0]).to.match(/^ULN /);
    expect(rows[2]!.problems[0]).to.contain(`room for ${COMPONENT_SLOTS}`);
    const lines = ofqualCsv(rows).split('\r\n');
    expect(lines[0]).to.equal(OFQUAL_HEADER.join(','));
    expect(lines).to.have.length(3); // header, the one good row, and the final line end
    expect(lines[1]).to.equal(ofqualValues(SETTINGS, REPORTING, attempt()).join(','));
  });

  it('needs the EPAO’s name and EPA number', () => {
    expect(ofqualSettingsProblem(SETTINGS)).to.equal(null);
    expect(ofqualSettingsProblem({ epaoName: null, epaNumber: 'EPA0123' })).to.contain('name');
    expect(ofqualSettingsProblem({ epaoName: 'X', epaNumber: ' ' })).to.contain('EPA number');
    expect(ofqualSettingsProblem({ epaoName: null, epaNumber: null })).to.contain('name and its EPA number');
  });
});

describe('Ofqual EPA registrations file', () => {
  const registration = (change: Partial<OfqualRegistration> = {}): OfqualRegistration => ({
    submissionId: 7,
    attemptNumber: 1,
    uln: '1234567890',
    givenNames: 'Ada',
    familyName: 'Okafor',
    standardTitle: 'Trade union official',
    standardReference: 'ST0815',
    planVersion: '1.0',
    qualificationNumber: '603/1234/5',
    registeredOn: '2024-09-02',
    submittedOn: '2025-01-10',
    signedOffOn: '2025-01-14',
    ...change,
  });

  it('begins with the columns it shares with the outcomes file, then the registration and gateway dates', () => {
    expect(REGISTRATION_HEADER.slice(0, 9)).to.deep.equal(OFQUAL_HEADER.slice(0, 9));
    expect(REGISTRATION_HEADER.slice(9)).to.deep.equal([
      'EPARegistrationDate',
      'GatewaySubmissionDate',
      'GatewaySignOffDate',
    ]);
    expect(REGISTRATION_COLUMNS.map((c) => c.published)).to.deep.equal([...Array(9).fill(true), false, false, false]);
  });

  it('gives each EPA its identity and dates, each matching its column', () => {
    const [row] = registrationRows(SETTINGS, REPORTING, [registration()]);
    expect(row!.problems).to.deep.equal([]);
    expect(row!.values).to.deep.equal([
      REPORTING,
      SETTINGS.epaoName,
      'EPA0123',
      'Trade union official',
      'ST0815',
      '1.0',
      '603/1234/5',
      '1234567890',
      NOT_AVAILABLE,
      '2024-09-02',
      '2025-01-10',
      '2025-01-14',
    ]);
    expect(registrationsCsv([row!]).split('\r\n')[0]).to.equal(REGISTRATION_HEADER.join(','));
  });

  it('accepts -2 for a sign-off not made, but not for the plan version, which the registrations table gives no -2', () => {
    const [unsigned] = registrationRows(SETTINGS, REPORTING, [registration({ signedOffOn: null })]);
    expect(unsigned!.values[11]).to.equal('-2');
    expect(unsigned!.problems).to.deep.equal([]);
    const [noVersion] = registrationRows(SETTINGS, REPORTING, [registration({ planVersion: null })]);
    expect(noVersion!.problems).to.deep.equal(['AssessmentPlanVersionNumber “-2” is not 1 to 10 characters (not -2)']);
    expect(registrationsCsv([noVersion!]).trim()).to.equal(REGISTRATION_HEADER.join(','));
    const [badDate] = registrationRows(SETTINGS, REPORTING, [registration({ submittedOn: '1999-12-31' })]);
    expect(badDate!.problems).to.deep.equal([
      'GatewaySubmissionDate “1999-12-31” is not a date written yyyy-mm-dd in the years 2000 to 2099',
    ]);
  });
});
