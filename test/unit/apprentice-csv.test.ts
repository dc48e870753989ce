import { expect } from 'chai';
import { CSV_TEMPLATE, MAX_IMPORT_ROWS, parseApprenticeCsv } from '../../src/apprentices/import.js';
import { parseHoursCsv } from '../../src/apprentices/hours-csv.js';

/*
 * An uploaded CSV is read from its bytes as they came (src/apprentices/import.ts), never copied
 * into one string of the whole file: the same apprentices and the same refusals as from its text.
 */
const [header, row] = CSV_TEMPLATE.trim().split('\n') as [string, string];
const BOM = '\uFEFF';

describe('an apprentices CSV read from its bytes', () => {
  it('reads the same rows as from its text, with a byte-order mark, Windows line ends and a quoted comma', () => {
    const text = `${BOM}${header}\r\n${row.replace('Ellis', '"Ellis, Jr"').replace('Jordan', 'Zoë')}\r\n`;
    const fromBytes = parseApprenticeCsv(Buffer.from(text, 'utf8'));
    expect(fromBytes.problems).to.deep.equal([]);
    expect(fromBytes.rows.map((r) => [r.line, r.input.givenNames, r.input.familyName])).to.deep.equal([
      [2, 'Zoë', 'Ellis, Jr'],
    ]);
    expect(parseApprenticeCsv(text)).to.deep.equal(fromBytes);
  });

  it('refuses bytes that are not UTF-8, and UTF-8 that holds the replacement character of an earlier garbling', () => {
    const windows1252 = Buffer.from(`${header}\n${row.replace('Jordan', 'Zoë')}\n`, 'latin1');
    const garbled = Buffer.from(`${header}\n${row.replace('Jordan', 'Zo\uFFFD')}\n`, 'utf8');
    for (const bytes of [windows1252, garbled])
      expect(parseApprenticeCsv(bytes).problems[0]?.message).to.contain('The file is not saved as UTF-8');
    expect(parseApprenticeCsv(Buffer.from(`${header}\n${row}\n`, 'utf8')).problems).to.deep.equal([]);
  });

  it('refuses a file of one row more than the limit, and counts byte-order marks and blank lines as nothing', () => {
    const lines = (count: number) => `${BOM}${header}\n${`${row}\n\n${BOM}\n`.repeat(count)}`;
    const over = parseApprenticeCsv(Buffer.from(lines(MAX_IMPORT_ROWS + 1)));
    expect(over.rows).to.have.length(0);
    expect(over.problems).to.have.length(1);
    expect(over.problems[0]!.message).to.contain('more than 100,000 apprentices');
    // At the limit the file is read: every row is the same ULN, so the database's check would refuse it, not the count.
    const at = parseApprenticeCsv(Buffer.from(lines(MAX_IMPORT_ROWS)));
    expect(at.problems).to.deep.equal([]);
    expect(at.rows).to.have.length(MAX_IMPORT_ROWS);
  });

  it('tells each problem on the line its row starts on, past blank lines and a value over two lines', () => {
    const twoLines = row.replace('Jordan', '"Jordan\nLee"');
    const read = parseApprenticeCsv(`${header}\n\n${twoLines}\n${row.replace('1000000043', '12')}\n`);
    expect(read.problems.map((p) => [p.line, p.path])).to.deep.equal([
      [3, 'given_names'],
      [5, 'uln'],
    ]);
  });

  it('refuses a file with a quote out of place, saying on which line', () => {
    const read = parseApprenticeCsv(`${header}\n${row}\n${row.replace('Ellis', 'El"lis')}\n`);
    expect(read.rows).to.deep.equal([]);
    expect(read.problems).to.deep.equal([
      {
        line: 3,
        path: '(file)',
        message:
          'The file is not valid CSV: line 3 has a quote inside a value that does not start with one (put the whole value in quotes and double the quote inside it)',
      },
    ]);
  });

  it('names at most 20 wrong columns of a header, counting the rest, however many it has', () => {
    const extra = Array.from({ length: 5_000 }, (_, i) => `extra_${i}`);
    const read = parseApprenticeCsv(`${[header, ...extra].join(',')}\n${row}\n`);
    expect(read.problems).to.deep.equal([
      {
        line: 1,
        path: '(header)',
        message: `Unknown columns: ${extra.slice(0, 20).join(', ')} and 4980 more. Use the template’s columns.`,
      },
    ]);
    // The off-the-job hours import names them the same way.
    expect(parseHoursCsv(`date,hours,activity,${extra.join(',')}\n`).problems[0]?.message).to.equal(
      `Unknown columns: ${extra.slice(0, 20).join(', ')} and 4980 more (the columns are date, to, hours, activity, kind)`,
    );
    const twice = parseApprenticeCsv(`${header},${header},uln\n${row},${row},${row.split(',')[0]!}\n`);
    expect(twice.problems.map((p) => p.message)).to.deep.equal([
      `Columns given twice: ${header.split(',').join(', ')}`,
    ]);
  });

  it('tells a header’s problems on its own line, names a column with no name as blank, and refuses a column given twice in an hours log', () => {
    expect(parseApprenticeCsv(`\n\n${header},\n${row},\n`).problems).to.deep.equal([
      { line: 3, path: '(header)', message: 'Unknown column: (blank). Use the template’s columns.' },
    ]);
    expect(parseHoursCsv('\ndate,hours,activity,hours\n2025-09-01,3,Reading,4\n').problems).to.deep.equal([
      { line: 2, path: '(header)', message: 'Column given twice: hours' },
    ]);
  });
});
