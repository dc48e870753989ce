import { now } from './clock.js';
import { DateTime } from 'luxon';
import type { Actor } from '../../src/audit/audit.js';
import type { ApprenticeInput } from '../../src/apprentices/schema.js';
import {
  addApprentices,
  addOffTheJobHours,
  confirmDeclaration,
  findApprenticeByUln,
  recordPlanItem,
  type ApprenticeDetail,
} from '../../src/apprentices/store.js';
import type { Db } from '../../src/db/connection.js';
import { gatewayStatusCache } from '../../src/db/schema.js';
import { CSV_COLUMNS } from '../../src/apprentices/import.js';
import { ENGLISH_MATHS_CHOICES } from '../../src/db/vocabulary.js';

export const SETUP: Actor = { userId: null, label: 'test setup' };
export const today = () => now().setZone('Europe/London').startOf('day');
export const isoDate = (d: DateTime) => d.toISODate()!;

/**
 * An import file with the template's columns (src/apprentices/import.ts), one line for each
 * apprentice named, each started 14 months ago at the test provider and transport-workers-union.
 */
/** A CSV file of these records, in the template's columns, as a spreadsheet would save it. */
export function recordsCsv(records: readonly ApprenticeInput[]): string {
  const cell = (value: string | number | boolean | null | undefined) =>
    value === true ? 'yes' : value === false ? 'no' : value === null || value === undefined ? '' : String(value);
  const lines = records.map((record) =>
    Object.values(CSV_COLUMNS)
      .map((field) => cell(record[field]))
      .join(','),
  );
  return `${Object.keys(CSV_COLUMNS).join(',')}\n${lines.join('\n')}\n`;
}

export function apprenticeCsv(rows: { uln: string; familyName: string }[]): string {
  const columns = Object.keys(CSV_COLUMNS);
  const line = ({ uln, familyName }: { uln: string; familyName: string }) =>
    columns
      .map(
        (c) =>
          ({
            uln,
            given_names: 'Ada',
            family_name: familyName,
            date_of_birth: isoDate(today().minus({ years: 30 })),
            start_date: isoDate(today().minus({ months: 14 })),
            planned_end_date: isoDate(today().plus({ months: 4 })),
            standard_reference: 'ST0815',
            standard_version: '1.0',
            provider_ukprn: '10061234',
            employer_id: 'transport-workers-union',
            weekly_hours: '37.5',
          })[c] ?? '',
      )
      .join(',');
  return [columns.join(','), ...rows.map(line)].join('\n');
}

/**
 * An apprentice ready for the gateway, built through the stores: started 19 months ago aged 24,
 * at provider 10061234 and transport-workers-union (the test provider and employer), with seven
 * hours a week off the job until two weeks ago, the plan's items and the declaration.
 */
/** An apprentice's record as the forms and import take it: started 19 months ago aged 24, at the test provider and employer. */
export function apprenticeInput(uln: string, given: string, family: string): ApprenticeInput {
  const start = today().minus({ months: 19 });
  return {
    uln,
    givenNames: given,
    familyName: family,
    dateOfBirth: isoDate(start.minus({ years: 24, days: 40 })),
    startDate: isoDate(start),
    plannedEndDate: isoDate(start.plus({ months: 18 })),
    standardReference: 'ST0815',
    standardVersion: '1.0',
    providerUkprn: '10061234',
    employerId: 'transport-workers-union',
    weeklyHours: 37.5,
    bslFirstLanguage: false,
    englishMathsChoice: null,
  };
}

export function readyApprentice(db: Db, uln: string, given: string, family: string): ApprenticeDetail {
  const start = today().minus({ months: 19 });
  const input = apprenticeInput(uln, given, family);
  const added = addApprentices(db, [{ line: 1, input }], SETUP, 'test');
  if (!added.ok) throw new Error(JSON.stringify(added.problems));
  const a = findApprenticeByUln(db, input.uln)!;
  for (let d = start.plus({ days: 3 }); d <= today().minus({ days: 14 }); d = d.plus({ weeks: 1 })) {
    addOffTheJobHours(
      db,
      a,
      { date: isoDate(d), hours: 7, activity: 'Representing a member at a grievance hearing', kind: 'training' },
      SETUP,
    );
  }
  recordPlanItem(db, a, 'portfolio', 'portfolios/evidence.pdf', SETUP);
  recordPlanItem(db, a, 'project-proposal', 'proposals/campaign.pdf', SETUP);
  for (const part of ['employer', 'provider', 'apprentice', 'certificate_permission'] as const)
    confirmDeclaration(db, a, part, SETUP, now());
  return a;
}

/** Every stored gateway status (the cache's rows, by apprentice), to compare one way of storing them with another. */
export function storedStatuses(db: Db) {
  return db
    .select()
    .from(gatewayStatusCache)
    .orderBy(gatewayStatusCache.apprenticeId)
    .all()
    .map(({ apprenticeId, evaluatedOn, state, unmet, validUntil }) => ({
      apprenticeId,
      evaluatedOn,
      state,
      unmet,
      validUntil,
    }));
}

/**
 * New apprentices' records that differ in everything the gateway rules read of one: starts either
 * side of 1 August 2025 and of the practical period's end, part and full time, under and over 19
 * at the start, with and without BSL and each English and maths choice.
 */
export function variedRecords(ulns: readonly string[]): ApprenticeInput[] {
  return ulns.map((uln, i) => {
    const start = today().minus({ days: 60 + i * 23 });
    return {
      ...apprenticeInput(uln, `Given${i}`, `Family${i}`),
      dateOfBirth: isoDate(start.minus({ years: i % 2 ? 17 : 30, days: i })),
      startDate: isoDate(start),
      plannedEndDate: isoDate(start.plus({ months: 20 })),
      weeklyHours: i % 3 ? 37.5 : 16,
      bslFirstLanguage: i % 5 === 0,
      englishMathsChoice: i % 4 === 3 ? null : ENGLISH_MATHS_CHOICES[i % 4]!,
    };
  });
}
