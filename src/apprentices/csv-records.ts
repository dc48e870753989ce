/*
 * A CSV file's records, read straight from its UTF-8 bytes (RFC 4180: commas between values,
 * double quotes around a value holding a comma, quote or line break, a quote inside one doubled).
 * As spreadsheets write them and as people edit them:
 * - a byte-order mark at the start is passed over;
 * - lines end with CRLF, LF or CR, each line as it ends (a file edited by hand may mix them);
 * - spaces around a value are not part of it (inside quotes they are);
 * - a line with nothing on it but spaces is no record.
 *
 * Both CSV imports (apprentices, off-the-job hours) read by it. csv-parse, with the options
 * { bom, trim, skip_empty_lines, relax_column_count }, reads the same records from a file with
 * one kind of line end, and refuses the same files (a property test holds the two equal). Where
 * they differ: csv-parse keeps the first kind of line end it meets and reads any other as part of
 * a value; it refuses white space other than spaces and tabs (a no-break space) after a closing
 * quote, which is passed over here; and it reads `"" ""` as one empty value, refused here as text
 * after a closing quote. csv-parse was the imports' reader until an apprentice import of 100,000
 * rows spent 0.55 s of its time in it; this reader takes under 0.1 s, splitting a line with no
 * quote in it as it is, searching the file once whatever its line ends, and making no string but
 * the values themselves.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** Why a file is not CSV, and the line where the trouble is. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * Gives `onRecord` each record of a CSV file in turn, with the line it starts on (1 is the first),
 * until it returns false. Throws CsvSyntaxError for a quote out of place or never closed.
 */
export function forEachCsvRecord(
  bytes: Uint8Array,
  onRecord: (fields: string[], line: number) => boolean | void,
): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = buf.length;
  let pos = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 1;
  // Where the next quote, LF and CR are, each looked for again only once it has been passed, so
  // the file is searched once whatever its line ends. A line with no quote is split as it is.
  let nextQuote = buf.indexOf(QUOTE, pos);
  let nextLf = buf.indexOf(LF, pos);
  let nextCr = buf.indexOf(CR, pos);
  while (pos < end) {
    if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf(QUOTE, pos);
    if (nextLf !== -1 && nextLf < pos) nextLf = buf.indexOf(LF, pos);
    if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
    const lineEnd = Math.min(nextLf === -1 ? end : nextLf, nextCr === -1 ? end : nextCr);
    if (nextQuote === -1 || nextQuote > lineEnd) {
      const fields = buf.toString('utf8', pos, lineEnd).split(',');
      for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
      const recordLine = line;
      pos = lineEnd + (buf[lineEnd] === CR && buf[lineEnd + 1] === LF ? 2 : 1);
      line++;
      if (fields.length === 1 && fields[0] === '') continue;
      if (onRecord(fields, recordLine) === false) return;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    let quotedAny = false;
    for (;;) {
      // One value, from `pos`: passing over the spaces before it, is it in quotes?
      let start = pos;
      while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
      let quoteAt = buf[start] === QUOTE ? start : -1;
      let stop = start;
      if (quoteAt === -1) {
        while (stop < end) {
          const c = buf[stop]!;
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            // A quote after other white space (a no-break space) still opens the value; after anything else it is out of place.
            if (buf.toString('utf8', start, stop).trim() !== '')
              throw new CsvSyntaxError(
                `line ${line} has a quote inside a value that does not start with one (put the whole value in quotes and double the quote inside it)`,
                line,
              );
            quoteAt = stop;
            break;
          }
          stop++;
        }
      }
      if (quoteAt === -1) {
        fields.push(stop === start ? '' : buf.toString('utf8', start, stop).trim());
      } else {
        const from = quoteAt + 1;
        let close = from;
        let doubled = false;
        for (;;) {
          close = buf.indexOf(QUOTE, close);
          if (close === -1) throw new CsvSyntaxError(`the value in quotes on line ${line} has no closing quote`, line);
          if (buf[close + 1] !== QUOTE) break;
          doubled = true;
          close += 2;
        }
        const value = buf.toString('utf8', from, close);
        fields.push(doubled ? value.replaceAll('""', '"') : value);
        quotedAny = true;
        line += lineBreaks(buf, from, close);
        stop = close + 1;
        while (stop < end && (buf[stop] === SPACE || buf[stop] === TAB)) stop++;
        if (stop < end && buf[stop] !== COMMA && buf[stop] !== LF && buf[stop] !== CR) {
          // Only white space may follow a closing quote before the comma or the line's end.
          let next = stop;
          while (next < end && buf[next] !== COMMA && buf[next] !== LF && buf[next] !== CR) next++;
          if (buf.toString('utf8', stop, next).trim() !== '')
            throw new CsvSyntaxError(
              `line ${line} has text after the closing quote of a value (a quote inside a value in quotes is doubled)`,
              line,
            );
          stop = next;
        }
      }
      pos = stop;
      if (pos < end && buf[pos] === COMMA) {
        pos++;
        continue;
      }
      break;
    }
    if (pos < end) {
      pos += buf[pos] === CR && buf[pos + 1] === LF ? 2 : 1;
      line++;
    }
    const blank = !quotedAny && fields.length === 1 && fields[0] === '';
    if (!blank && onRecord(fields, recordLine) === false) return;
  }
}

/** The line breaks (CRLF, LF or CR) in buf[from, to). */
function lineBreaks(buf: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c === LF || (c === CR && (i + 1 === to || buf[i + 1] !== LF))) count++;
  }
  return count;
}
