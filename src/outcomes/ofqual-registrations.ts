import { toCsv } from './csv.js';
import {
  DATE,
  DATE_RULE,
  NOT_AVAILABLE,
  OFQUAL_IDENTITY_COLUMNS,
  identityValues,
  ofqualProblems,
  type OfqualColumn,
  type OfqualIdentity,
  type OfqualSettings,
} from './ofqual.js';

/**
 * The regulator's (Ofqual's) "End-point assessment registrations" file: one row for each EPA
 * taken in the reporting period (an assessment completed in it), whenever the apprentice was
 * registered and passed gateway, every value checked before the file may be downloaded. Pure.
 *
 * Source: Ofqual, "End-point assessment registrations: guide to the data submission process"
 * (gov.uk, published 3 March 2025) and its "File format" table (EPA_registrations_file_format.csv,
 * updated 3 March 2025). The file is CSV with the column names as its first row. The guide
 * collects "EPA registrations, including gateway submissions and sign-offs", for "all EPAs
 * taken within the reporting period, regardless of when EPA registrations, gateway submissions
 * and sign-offs took place".
 *
 * From the published table, columns 1 to 9 are those of the outcomes file (ReportingDate,
 * AwardingOrganisation, AwardingOrganisationID, StandardTitle, StandardID,
 * AssessmentPlanVersionNumber — here with no -2 allowed —, QualificationNumber, ULN,
 * CandidateIdentifierOther), with the same patterns.
 *
 * NOT CONFIRMED: the copy of the table available when this was written stopped at column 9.
 * The columns from 10 on are this platform's reading of the guide's "registrations, gateway
 * submissions and sign-offs", to be checked against the published table before submission:
 *  10 EPARegistrationDate   the day the apprentice was registered with the EPAO (their record added)
 *  11 GatewaySubmissionDate the day the provider requested EPA (the gateway submission)
 *  12 GatewaySignOffDate    the day the EPAO accepted the gateway (every EPA taken has one)
 */

const dateOrNotAvailable: Pick<OfqualColumn, 'pattern' | 'rule'> = {
  pattern: new RegExp(`${DATE.source}|^-2$`),
  rule: `${DATE_RULE}, or -2`,
};

export const REGISTRATION_COLUMNS: readonly OfqualColumn[] = [
  ...OFQUAL_IDENTITY_COLUMNS.map((c) =>
    // The registrations table gives no -2 for the plan version: it must be 1 to 10 characters other than -2.
    c.name === 'AssessmentPlanVersionNumber'
      ? { ...c, pattern: /^(?!-2$).{1,10}$/, rule: '1 to 10 characters (not -2)' }
      : c,
  ),
  { name: 'EPARegistrationDate', pattern: DATE, rule: DATE_RULE, published: false },
  { name: 'GatewaySubmissionDate', pattern: DATE, rule: DATE_RULE, published: false },
  { name: 'GatewaySignOffDate', ...dateOrNotAvailable, published: false },
];

export const REGISTRATION_HEADER: readonly string[] = REGISTRATION_COLUMNS.map((c) => c.name);

/** One EPA taken in the period: the apprentice, their registration and their gateway. */
export interface OfqualRegistration extends OfqualIdentity {
  submissionId: number;
  /** The gateway submission's number for this apprentice (1, then 2 after a rejection). */
  attemptNumber: number;
  registeredOn: string;
  submittedOn: string;
  signedOffOn: string | null;
}

export interface RegistrationRow {
  registration: OfqualRegistration;
  values: string[];
  problems: string[];
}

export function registrationValues(settings: OfqualSettings, reportingDate: string, r: OfqualRegistration): string[] {
  return [...identityValues(settings, reportingDate, r), r.registeredOn, r.submittedOn, r.signedOffOn ?? NOT_AVAILABLE];
}

/** Each registration's row with its problems; a row with problems is listed, never downloaded. */
export function registrationRows(
  settings: OfqualSettings,
  reportingDate: string,
  registrations: readonly OfqualRegistration[],
): RegistrationRow[] {
  return registrations.map((registration) => {
    const values = registrationValues(settings, reportingDate, registration);
    return { registration, values, problems: ofqualProblems(values, REGISTRATION_COLUMNS) };
  });
}

/** The file: the header and the rows that passed every check. */
export function registrationsCsv(rows: readonly Pick<RegistrationRow, 'values' | 'problems'>[]): string {
  return toCsv(
    REGISTRATION_HEADER,
    rows.filter((r) => r.problems.length === 0).map((r) => r.values),
  );
}
