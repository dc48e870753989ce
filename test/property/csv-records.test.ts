import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { CsvSyntaxError, forEachCsvRecord } from '../../src/apprentices/csv-records.js';
import { SEED } from '../support/hostile.js';

/*
 * The apprentice import's CSV reader against csv-parse, an independent parser (the one the hours
 * import uses), with the options both imports are documented to read by: on random files of
 * values with commas, quotes, line breaks, spaces, accents and emoji, quoted or not, with any
 * line ending, blank lines and a byte-order mark, the two read the same records, and where one
 * refuses a file the other does too.
 */

const OPTIONS = { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true } as const;

interface Read {
  records: string[][];
  /** Each record's first line. */
  lines: number[];
}

/** What our reader reads, or that it refused the file. */
function ours(text: string): Read | 'refused' {
  const read: Read = { records: [], lines: [] };
  try {
    forEachCsvRecord(Buffer.from(text), (fields, line) => {
      read.records.push(fields);
      read.lines.push(line);
    });
  } catch (error) {
    if (error instanceof CsvSyntaxError) return 'refused';
    throw error;
  }
  return read;
}

/**
 * What csv-parse reads. It tells the line a record ends on, and counts a CRLF inside a value as
 * two lines (from then on its line numbers are one more for each); the record's first line is
 * worked out from that.
 */
function theirs(text: string): Read | 'refused' {
  const read: Read = { records: [], lines: [] };
  let crlfs = 0;
  try {
    parse(text, {
      ...OPTIONS,
      on_record: (record: string[], { lines }) => {
        read.records.push(record);
        const inside = record.join('');
        crlfs += (inside.match(/\r\n/g) ?? []).length;
        read.lines.push(lines - crlfs - (inside.match(/\r\n|\r|\n/g) ?? []).length);
        return null;
      },
    });
  } catch {
    return 'refused';
  }
  return read;
}

const LETTERS = ['a', 'Z', '7', 'é', 'Ł', 'ß', '日', '😀', '-', '/', '.', "'"];
const SPECIAL = [',', '"', '\n', '\r\n', ' ', '\t', '\u00a0'];
/** A value: letters, and sometimes the characters that make a CSV value need quotes. */
const value = fc
  .array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LETTERS) }, fc.constantFrom(...SPECIAL)), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

const needsQuotes = (v: string) => /[",\r\n]/.test(v) || v !== v.trim();

/** A value as a spreadsheet or a person writes it: in quotes when it must be, sometimes when it need not be, with spaces around. */
const written = fc
  .record({ value, quote: fc.boolean(), before: fc.constantFrom('', ' ', '\t'), after: fc.constantFrom('', ' ') })
  .map(({ value: v, quote, before, after }) =>
    quote || needsQuotes(v) ? `${before}"${v.replaceAll('"', '""')}"${after}` : `${before}${v}${after}`,
  );

const file = fc
  .record({
    lines: fc.array(
      fc.oneof({ weight: 6, arbitrary: fc.array(written, { minLength: 1, maxLength: 5 }) }, fc.constant([])),
      {
        minLength: 1,
        maxLength: 12,
      },
    ),
    ending: fc.constantFrom('\n', '\r\n', '\r'),
    bom: fc.boolean(),
    finalEnding: fc.boolean(),
  })
  .map(({ lines, ending, bom, finalEnding }) => {
    // A value's own line breaks are the file's.
    const text = lines.map((values) => values.join(',').replace(/\r\n|\n/g, ending)).join(ending);
    return `${bom ? '\uFEFF' : ''}${text}${finalEnding ? ending : ''}`;
  });

describe('CSV records: the import’s reader reads what csv-parse reads', () => {
  it('reads the same records, each from the line it starts on, from well-formed files', () => {
    fc.assert(
      fc.property(file, (text) => {
        const read = ours(text);
        expect(read).to.not.equal('refused');
        expect(read).to.deep.equal(theirs(text));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('refuses the files csv-parse refuses (a quote out of place or left open) and reads the rest alike', () => {
    const broken = fc
      .record({ text: file, at: fc.nat(), stray: fc.constantFrom('"', 'x"', '"x', '" x') })
      .map(({ text, at, stray }) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + stray + text.slice(i);
      });
    fc.assert(
      fc.property(broken, (text) => {
        expect(ours(text)).to.deep.equal(theirs(text));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('tells where the trouble is in a file it refuses', () => {
    const refusal = (text: string) => {
      try {
        forEachCsvRecord(Buffer.from(text), () => {});
      } catch (error) {
        if (error instanceof CsvSyntaxError) return { line: error.line, message: error.message };
      }
      return null;
    };
    expect(refusal('a,b\nc,d"e\n')).to.deep.equal({
      line: 2,
      message:
        'line 2 has a quote inside a value that does not start with one (put the whole value in quotes and double the quote inside it)',
    });
    expect(refusal('a,b\n"c\nd"x,e\n')).to.deep.equal({
      line: 3,
      message: 'line 3 has text after the closing quote of a value (a quote inside a value in quotes is doubled)',
    });
    expect(refusal('a,b\nc,d\ne,"f\n\n')).to.deep.equal({
      line: 3,
      message: 'the value in quotes on line 3 has no closing quote',
    });
  });

  it('stops when told to, and reads a file with old Mac line ends, a comma at its very end, a value of spaces in quotes and mixed line ends', () => {
    const seen: string[][] = [];
    forEachCsvRecord(Buffer.from('a,b\rc,d\re,f\r'), (fields) => {
      seen.push(fields);
      return seen.length < 2;
    });
    expect(seen).to.deep.equal([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    const lines: [string[], number][] = [];
    forEachCsvRecord(Buffer.from('a,"  "\r\rb,\r",",'), (fields, line) => void lines.push([fields, line]));
    expect(lines).to.deep.equal([
      [['a', '  '], 1],
      [['b', ''], 3],
      [[',', ''], 4],
    ]);
    // A file edited by hand may mix line ends: each line ends where it ends.
    const mixed: [string[], number][] = [];
    forEachCsvRecord(Buffer.from('h\r\nx\ny\rz'), (fields, line) => void mixed.push([fields, line]));
    expect(mixed).to.deep.equal([
      [['h'], 1],
      [['x'], 2],
      [['y'], 3],
      [['z'], 4],
    ]);
  });

  it('reads a file once, whatever its line ends: the bytes it decodes and searches are a few times the file’s, not the file’s times its lines', () => {
    // Counted, not timed: each Buffer method the reader uses, with how far it reads.
    const work = (text: string) => {
      const proto = Buffer.prototype;
      const { toString, indexOf } = proto;
      let decoded = 0;
      let searched = 0;
      proto.toString = function (this: Buffer, ...args: Parameters<Buffer['toString']>) {
        decoded += (args[2] ?? this.length) - (args[1] ?? 0);
        return toString.apply(this, args) as string;
      } as Buffer['toString'];
      proto.indexOf = function (this: Buffer, ...args: Parameters<Buffer['indexOf']>) {
        const at = indexOf.apply(this, args) as number;
        const from = typeof args[1] === 'number' ? args[1] : 0;
        searched += (at === -1 ? this.length : at) - from;
        return at;
      } as Buffer['indexOf'];
      let records = 0;
      try {
        forEachCsvRecord(Buffer.from(text), () => void records++);
      } finally {
        proto.toString = toString;
        proto.indexOf = indexOf;
      }
      return { records, decoded: decoded / text.length, searched: searched / text.length };
    };
    const line = '1000000043,Jordan,Ellis,2001-04-12,"Ellis, Jr",37.5';
    for (const ending of ['\n', '\r\n', '\r']) {
      const read = work(`${line}${ending}`.repeat(5_000));
      expect(read.records, JSON.stringify(ending)).to.equal(5_000);
      expect(read.decoded, JSON.stringify(ending)).to.be.below(2);
      expect(read.searched, JSON.stringify(ending)).to.be.below(4);
    }
  });
});
