import { RESULT_GRADES, type AttemptKind, type ResultGrade } from '../grading/model.js';
import { toCsv } from './csv.js';

/**
 * The regulator's (Ofqual's) "End-point assessment outcomes" file: one row per apprentice
 * attempt with a result, every value checked against the format's regular expressions before
 * it may be downloaded. Pure: no Express, no database.
 *
 * Source: Ofqual, "End-Point Assessment (EPA) Outcomes – file format" (gov.uk, updated
 * 12 February 2024; republished as "End-point assessment outcomes – file format", updated
 * 6 March 2025), read with its companion "End-Point Assessment Outcomes: guide to the data
 * submission process" (updated 12 February 2024). The file is CSV; its first row is the
 * column names below, in this order.
 *
 * From the published table (name, position, regular expression):
 *   1 ReportingDate                ^(20)\d\d[-](0[1-9]|1[012])[-](0[1-9]|[12][0-9]|3[01])$  date the file is due (given by Ofqual)
 *   2 AwardingOrganisation         ^.{1,100}$   the EPAO's name
 *   3 AwardingOrganisationID       ^(EPA)([0-9][0-9][0-9][0-9])$  EPAxxxx
 *   4 StandardTitle                ^.{1,100}$
 *   5 StandardID                   ^(ST)([0-9][0-9][0-9][0-9])$   STxxxx
 *   6 AssessmentPlanVersionNumber  ^.{1,10}$    -2 where not available
 *   7 QualificationNumber          ^.{1,10}$    -2 where not available: the standard version's number on
 *                                  Ofqual's register, recorded by an administrator, else -2
 *   8 ULN                          ^.{1,10}$    -2 where the apprentice has no ULN
 *   9 CandidateIdentifierOther     any other identifier; -2 when the ULN is given (length assumed 1–20,
 *                                  as in Ofqual's other outcome formats)
 * (The gov.uk preview prints the EPA and ST patterns with a stray space, "( EPA)" and "[0- 9]";
 * the registrations format of March 2025 prints them without it, as here.)
 *
 * NOT CONFIRMED: the copy of the table available when this was written stopped after
 * column 9. The guide says the file carries the grade of each assessment component and of
 * the EPA as a whole; the columns from 10 on are this platform's reading of that, to be
 * checked against the full published table (they are declared here, in one place, so that
 * correcting them changes nothing else):
 *  10–17 Component1Method, Component1Grade … Component4Method, Component4Grade
 *        (method as named in the assessment plan; grade Fail, Withdrawn or one of the grades the
 *        apprenticeship service records; -2 where the slot is unused or the method has no grade)
 *  18 EPAGrade        the same grades
 *  19 EPAGradeDate    the result date, same pattern as ReportingDate
 *  20 ResitOrRetake   No, Resit or Retake
 */

/** Ofqual's "not available" value. */
export const NOT_AVAILABLE = '-2';

/** How many components (assessment methods) one row has room for. */
export const COMPONENT_SLOTS = 4;

export interface OfqualColumn {
  name: string;
  pattern: RegExp;
  /** What the pattern accepts, in words, for the problems list. */
  rule: string;
  /** True where the column, its position and pattern come from the published table. */
  published: boolean;
}

export const DATE = /^(20)\d\d[-](0[1-9]|1[012])[-](0[1-9]|[12][0-9]|3[01])$/;
export const DATE_RULE = 'a date written yyyy-mm-dd in the years 2000 to 2099';
const text = (max: number): Pick<OfqualColumn, 'pattern' | 'rule'> => ({
  pattern: new RegExp(`^.{1,${max}}$`),
  rule: `1 to ${max} characters`,
});
const GRADE_VALUES = RESULT_GRADES.join('|');

function componentColumns(): OfqualColumn[] {
  return Array.from({ length: COMPONENT_SLOTS }, (_, i) => [
    { name: `Component${i + 1}Method`, ...text(100), published: false },
    {
      name: `Component${i + 1}Grade`,
      pattern: new RegExp(`^(${GRADE_VALUES}|-2)$`),
      rule: `one of ${GRADE_VALUES.split('|').join(', ')}, or -2`,
      published: false,
    },
  ]).flat();
}

/**
 * The columns Ofqual's EPA returns begin with, the same names and order in the outcomes file and
 * the registrations file: who reports, which standard and EPA, and which apprentice.
 */
export const OFQUAL_IDENTITY_COLUMNS: readonly OfqualColumn[] = [
  { name: 'ReportingDate', pattern: DATE, rule: DATE_RULE, published: true },
  { name: 'AwardingOrganisation', ...text(100), published: true },
  {
    name: 'AwardingOrganisationID',
    pattern: /^(EPA)([0-9][0-9][0-9][0-9])$/,
    rule: 'EPA followed by four digits, for example EPA1234',
    published: true,
  },
  { name: 'StandardTitle', ...text(100), published: true },
  {
    name: 'StandardID',
    pattern: /^(ST)([0-9][0-9][0-9][0-9])$/,
    rule: 'ST followed by four digits, for example ST1234',
    published: true,
  },
  { name: 'AssessmentPlanVersionNumber', ...text(10), published: true },
  { name: 'QualificationNumber', ...text(10), published: true },
  { name: 'ULN', ...text(10), published: true },
  { name: 'CandidateIdentifierOther', ...text(20), published: true },
];

/** Every column of the outcomes file, in order. */
export const OFQUAL_COLUMNS: readonly OfqualColumn[] = [
  ...OFQUAL_IDENTITY_COLUMNS,
  ...componentColumns(),
  {
    name: 'EPAGrade',
    pattern: new RegExp(`^(${GRADE_VALUES})$`),
    rule: `one of ${GRADE_VALUES.split('|').join(', ')}`,
    published: false,
  },
  { name: 'EPAGradeDate', pattern: DATE, rule: DATE_RULE, published: false },
  { name: 'ResitOrRetake', pattern: /^(No|Resit|Retake)$/, rule: 'No, Resit or Retake', published: false },
];

export const OFQUAL_HEADER: readonly string[] = OFQUAL_COLUMNS.map((c) => c.name);

/** The EPAO's details the file needs, as held in the settings. */
export interface OfqualSettings {
  epaoName: string | null;
  epaNumber: string | null;
}

/** Why the file cannot be made from these settings, or null when it can. */
export function ofqualSettingsProblem(settings: OfqualSettings): string | null {
  const missing = [
    !settings.epaoName?.trim() && 'the EPAO’s name',
    !settings.epaNumber?.trim() && 'its EPA number',
  ].filter((m): m is string => typeof m === 'string');
  return missing.length > 0
    ? `The outcomes file needs ${missing.join(' and ')}: an administrator can enter ${missing.length > 1 ? 'them' : 'it'} in Settings.`
    : null;
}

/** The apprentice and standard a row of an Ofqual EPA return is about. */
export interface OfqualIdentity {
  uln: string | null;
  givenNames: string;
  familyName: string;
  standardTitle: string;
  standardReference: string;
  /** The assessment plan's version: the standard version it belongs to; null when not known. */
  planVersion: string | null;
  /** The EPA's number on Ofqual's register, as recorded on the standard version; null when not recorded. */
  qualificationNumber: string | null;
}

/** The values of the identity columns, in order. */
export function identityValues(settings: OfqualSettings, reportingDate: string, a: OfqualIdentity): string[] {
  return [
    reportingDate,
    (settings.epaoName ?? '').trim(),
    (settings.epaNumber ?? '').trim(),
    a.standardTitle,
    a.standardReference,
    a.planVersion ?? NOT_AVAILABLE,
    a.qualificationNumber ?? NOT_AVAILABLE,
    a.uln ?? NOT_AVAILABLE,
    // Every apprentice here has a ULN, so no other identifier is needed.
    NOT_AVAILABLE,
  ];
}

/** One attempt with a result, as the file needs it. */
export interface OfqualAttempt extends OfqualIdentity {
  attemptId: number;
  attemptNumber: number;
  kind: AttemptKind;
  overallGrade: ResultGrade;
  resultOn: string;
  /** In the plan's order: each method's name and its grade in this attempt (Withdrawn for a withdrawal; null when it has none). */
  components: { name: string; grade: ResultGrade | null }[];
}

/** The values of one row, in column order. */
export function ofqualValues(settings: OfqualSettings, reportingDate: string, a: OfqualAttempt): string[] {
  const components = Array.from({ length: COMPONENT_SLOTS }, (_, i) => {
    const c = a.components[i];
    return c ? [c.name, c.grade ?? NOT_AVAILABLE] : [NOT_AVAILABLE, NOT_AVAILABLE];
  }).flat();
  const values = [
    ...identityValues(settings, reportingDate, a),
    ...components,
    a.overallGrade,
    a.resultOn,
    a.kind === 'first' ? 'No' : a.kind === 'resit' ? 'Resit' : 'Retake',
  ];
  if (values.length !== OFQUAL_COLUMNS.length)
    throw new Error(`An outcomes row has ${values.length} values for ${OFQUAL_COLUMNS.length} columns`);
  return values;
}

/** Every value that breaks its column's pattern, in column order; empty when the row is valid. */
export function ofqualProblems(values: readonly string[], columns: readonly OfqualColumn[] = OFQUAL_COLUMNS): string[] {
  if (values.length !== columns.length)
    return [`The row has ${values.length} values; the file has ${columns.length} columns`];
  return columns.flatMap((column, i) => {
    const value = values[i]!;
    return column.pattern.test(value) ? [] : [`${column.name} “${value}” is not ${column.rule}`];
  });
}

export interface OfqualRow {
  attempt: OfqualAttempt;
  values: string[];
  problems: string[];
}

/** Each attempt's row with its problems; a row with problems is listed, never downloaded. */
export function ofqualRows(
  settings: OfqualSettings,
  reportingDate: string,
  attempts: readonly OfqualAttempt[],
): OfqualRow[] {
  return attempts.map((attempt) => {
    const values = ofqualValues(settings, reportingDate, attempt);
    const problems = ofqualProblems(values);
    if (attempt.components.length > COMPONENT_SLOTS)
      problems.push(
        `The plan has ${attempt.components.length} assessment methods; the file has room for ${COMPONENT_SLOTS}`,
      );
    return { attempt, values, problems };
  });
}

/** The file: the header and the rows that passed every check. */
export function ofqualCsv(rows: readonly Pick<OfqualRow, 'values' | 'problems'>[]): string {
  return toCsv(
    OFQUAL_HEADER,
    rows.filter((r) => r.problems.length === 0).map((r) => r.values),
  );
}
