import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { addDays, addMonths, daysBetween, isCalendarDate, isSupportedDate, partsOf } from '../../src/calendar.js';

/*
 * The gateway rules do their date arithmetic with calendar.ts's integer helpers, on every
 * apprentice of every dashboard and import. luxon, a general date library, is the oracle here.
 */
const iso = (d: DateTime) => d.toISODate()!;
const anyDay = fc
  .integer({ min: 0, max: 200 * 366 })
  .map((n) => iso(DateTime.utc(1900, 1, 1).plus({ days: n })))
  .filter((d) => d <= '2100-12-31');

describe('calendar dates (YYYY-MM-DD)', () => {
  it('takes real calendar dates and nothing else', () => {
    for (const good of ['2024-02-29', '2000-02-29', '1900-01-01', '2025-12-31', '2025-04-30'])
      expect(isCalendarDate(good), good).to.equal(true);
    const bad = [
      '2025-02-29', // not a leap year
      '1900-02-29', // a century that is not a leap year
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '1899-12-31', // before the service's dates
      '2025-1-01',
      '2025-01-1',
      '25-01-01',
      '2025/01/01',
      '2025-01-01 ',
      ' 2025-01-01',
      '２０２５-01-01', // full-width digits
      '2025-0a-01',
      '',
    ];
    for (const value of bad) expect(isCalendarDate(value), JSON.stringify(value)).to.equal(false);
  });

  it('agrees with luxon on which strings are real dates', () => {
    const candidate = fc
      .tuple(fc.integer({ min: 1890, max: 2110 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
      .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    fc.assert(
      fc.property(candidate, (value) => {
        const real = DateTime.fromISO(value, { zone: 'utc' }).isValid && value >= '1900-01-01';
        expect(isCalendarDate(value), value).to.equal(real);
        expect(isSupportedDate(value), value).to.equal(real && value <= '2100-12-31');
      }),
      { numRuns: 3000 },
    );
  });

  it('adds days, months and counts days between as luxon does', () => {
    fc.assert(
      fc.property(anyDay, fc.integer({ min: -800, max: 800 }), fc.integer({ min: -40, max: 40 }), (day, n, months) => {
        const parts = partsOf(day);
        expect(parts).to.deep.equal({
          year: Number(day.slice(0, 4)),
          month: Number(day.slice(5, 7)),
          day: Number(day.slice(8)),
        });
        const start = DateTime.fromISO(day, { zone: 'utc' });
        expect(addDays(day, n)).to.equal(iso(start.plus({ days: n })));
        // luxon, like this service, ends at the month's last day when it is shorter (31 Jan + 1 month = 28 or 29 Feb).
        expect(addMonths(day, months)).to.equal(iso(start.plus({ months })));
        expect(daysBetween(day, addDays(day, n))).to.equal(n);
      }),
      { numRuns: 3000 },
    );
  });
});
