import { expect } from 'chai';
import fc from 'fast-check';
import { csvCell, spreadsheetCsv, toCsv } from '../../src/outcomes/csv.js';
import { RUNS, SEED, storableText } from '../support/hostile.js';
import { formulaCells, openAsSpreadsheet } from '../support/spreadsheet.js';

/** Text without the apostrophes that keep a formula sign from starting a cell (to compare a cell with its value). */
const shown = (text: string) => text.replace(/(^[\s"]*|[,;\t|\r\n][\s"]*)'(?=[=+\-@])/g, '$1');
/** Text UTF-8 can carry (a lone surrogate cannot be stored or sent). */
const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

/** Text built to start a formula in a cell of its own: a prefix, a separator, a formula sign, anything. */
const formulaAttempt = fc
  .tuple(
    fc.constantFrom('', ' ', 'Smith', '"'),
    fc.constantFrom('', ',', ';', '\t', '|', '\r\n', '\n', ' '),
    fc.constantFrom('=', '+', '-', '@', ' =', '\t='),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
  )
  .map((parts) => parts.join(''));

describe('CSV downloads as spreadsheets open them', () => {
  it('starts a file meant for a spreadsheet with the UTF-8 byte-order mark, so “Workers’ Union” reads as written', () => {
    const file = spreadsheetCsv(['Employer'], [['Workers’ Union']]);
    const opened = openAsSpreadsheet(file);
    expect(opened.utf8Marked).to.equal(true);
    expect(opened.cells).to.deep.equal([['Employer'], ['Workers’ Union']]);
    expect(Buffer.from(file, 'utf8').subarray(0, 3)).to.deep.equal(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(openAsSpreadsheet(toCsv(['a'], [['b']])).utf8Marked).to.equal(false);
  });

  it('keeps every cell from running as a formula, whatever separator the spreadsheet splits on', () => {
    const risky = [
      '=1+1',
      '+44 20 7946 0000',
      '-x',
      '@SUM(A1)',
      '\t=1+1',
      '  =1+1',
      'Smith;=HYPERLINK("https://evil.example","x")',
      'Smith\t=1+1',
      'Smith|=1+1',
      'Smith, =1+1',
      'a\r\n=1+1',
    ];
    const file = toCsv(
      ['value'],
      risky.map((v) => [v]),
    );
    expect(formulaCells(file)).to.deep.equal([]);
    // Read with the comma, each value comes back whole (shown without the apostrophe).
    expect(
      openAsSpreadsheet(file)
        .cells.slice(1)
        .map(([cell]) => shown(cell!)),
    ).to.deep.equal(risky.map(shown));
  });

  it('leaves numbers as numbers: -2 (the regulator’s “not available”), +44 and 3.5', () => {
    expect([csvCell('-2'), csvCell('+44'), csvCell('3.5'), csvCell(-2), csvCell(null)]).to.deep.equal([
      '-2',
      '+44',
      '3.5',
      '-2',
      '',
    ]);
    expect(csvCell('=HYPERLINK("x")')).to.equal(`"'=HYPERLINK(""x"")"`);
  });

  it('for any text, no spreadsheet runs a formula and the comma-separated file gives the text back', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(storableText, formulaAttempt).filter(wellFormed), { maxLength: 4 }), (values) => {
        const file = toCsv(['a', 'b', 'c', 'd'], [values]);
        expect(formulaCells(file)).to.deep.equal([]);
        const [row] = openAsSpreadsheet(file).cells.slice(1);
        expect((row ?? []).slice(0, values.length).map(shown)).to.deep.equal(values.map(shown));
      }),
      { seed: SEED, numRuns: RUNS * 10 },
    );
  });
});
