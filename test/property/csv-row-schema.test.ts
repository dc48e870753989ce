import { expect } from 'chai';
import fc from 'fast-check';
import { csvRowSchema } from '../../src/apprentices/import.js';
import { apprenticeInputSchema } from '../../src/apprentices/schema.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { SEED } from '../support/hostile.js';

/*
 * A CSV row is checked in parts (csvRowSchema in src/apprentices/import.ts): its own fields with
 * the schema's rules for them, each value a cohort shares once for every row that has it, and then
 * the rules across the dates. On random rows of good and bad values, given one after another to
 * one reader as a file's rows are, its answer is the whole schema's: the same record, or the same
 * problems in the same order.
 */

const [uln] = validUlns(1, 600_100_000) as [string];
const pools: Record<string, (string | undefined)[]> = {
  uln: [uln, '', '123', ` ${uln} `, '0000000000', '1000000042', undefined],
  givenNames: ['Jordan', '', ' ', 'x'.repeat(101), '  Zoë  ', undefined],
  familyName: ['Ellis', '', 'x'.repeat(100), undefined],
  // Either side of the 16th birthday (a start on 2020-09-01) and of 1 May 2017. No rule here reads
  // today, so every date is a fixed one in the past.
  dateOfBirth: ['2001-04-12', '2004-09-01', '2004-09-02', '', 'not a date', '2001-02-30', undefined],
  startDate: ['2020-09-01', '2017-04-30', '2017-05-01', ' 2020-09-01 ', '', '2020-13-01', undefined],
  plannedEndDate: ['2022-03-01', '2020-09-01', '2020-09-02', '2017-05-02', '', 'soon', undefined],
  standardReference: ['ST0815', '', 'st0815', 'XX', undefined],
  standardVersion: ['1.0', '', '1', 'abc', undefined],
  providerUkprn: ['10061234', '', '123', 'abcdefgh', undefined],
  employerId: ['transport-workers-union', '', 'x'.repeat(101), ' Some Name ', undefined],
  planId: [undefined, '', 'plan-a', 'x'.repeat(101)],
  courseOption: [undefined, '', '  ', 'Option A', 'x'.repeat(301)],
  weeklyHours: ['37.5', '0.5', '1', '60', '61', '', 'abc', '0x10', ' 30 ', 'true', undefined],
  ehcPlan: [undefined, undefined, undefined, 'yes'],
  bslFirstLanguage: [undefined, '', 'yes', 'no', 'maybe', 'TRUE'],
  englishMathsChoice: [undefined, '', 'studying', 'pursue', 'bad'],
};
const row = fc.record(
  Object.fromEntries(Object.entries(pools).map(([field, pool]) => [field, fc.constantFrom(...pool)])),
);

/** An answer as a person sees it: the record, or each problem's field and message in order. */
function seen(
  answer:
    | { success: true; data: unknown }
    | { success: false; issues: { path: PropertyKey[]; message: string }[] }
    | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
) {
  if (answer.success) return { data: answer.data };
  const issues = 'issues' in answer ? answer.issues : answer.error.issues;
  return { problems: issues.map((issue) => [issue.path.join('.'), issue.message]) };
}

describe('a CSV row checked in parts gets the whole schema’s answer', () => {
  it('on random rows, read one after another', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), (rows) => {
        const check = csvRowSchema();
        for (const values of rows)
          expect(seen(check({ ...values }))).to.deep.equal(seen(apprenticeInputSchema.safeParse({ ...values })));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
