import { parse } from 'csv-parse/sync';

/*
 * How a spreadsheet opens a CSV file, for the download tests: csv-parse (an independent parser)
 * splits it with the separator the user's spreadsheet uses, honouring quotes as Excel and
 * LibreOffice do, optionally trimming spaces as LibreOffice's import dialog can. Then each cell
 * is judged as they judge it: text starting with "=", "+", "-" or "@" is run as a formula,
 * unless it is a plain number; a leading apostrophe makes the cell text.
 */

export type Separator = ',' | ';' | '\t' | '|';

export interface OpenedCsv {
  /** Whether the file starts with a UTF-8 byte-order mark (Excel reads UTF-8 only with one). */
  utf8Marked: boolean;
  cells: string[][];
  /** Whether the parser gave up on some records (a quote another separator opened runs on): then the file is also judged split plainly. */
  skipped: boolean;
}

export function openAsSpreadsheet(file: string, separator: Separator = ',', trim = false): OpenedCsv {
  const utf8Marked = file.startsWith('\uFEFF');
  let skipped = false;
  const cells: string[][] = parse(utf8Marked ? file.slice(1) : file, {
    delimiter: separator,
    relax_quotes: true,
    relax_column_count: true,
    trim,
    // A quote opened by another separator's split may run to the end: that record is kept, as raw text, to be judged too.
    skip_records_with_error: true,
    on_skip: () => {
      skipped = true;
    },
  });
  return { utf8Marked, cells, skipped };
}

/**
 * Whether a spreadsheet would run this cell's text as a formula. Judged strictly: spaces, tabs,
 * line breaks and stray quotes before the sign are passed over, as some import settings do.
 */
export function runsAsFormula(cell: string): boolean {
  const text = cell.replace(/^[\s"]+/, '');
  return /^[=+\-@]/.test(text) && !/^[+-]?\d+(\.\d+)?$/.test(text.trim());
}

/** Every cell of the file that some spreadsheet, with any common separator, would run as a formula. */
export function formulaCells(file: string): string[] {
  const found: string[] = [];
  for (const separator of [',', ';', '\t', '|'] as const)
    for (const trim of [false, true])
      for (const opened of [openAsSpreadsheet(file, separator, trim)]) {
        for (const row of opened.cells)
          for (const cell of row) if (runsAsFormula(cell)) found.push(`${JSON.stringify(separator)}: ${cell}`);
        // Where the parser gave up, judge the whole file split the plain way, quotes and all: every piece as a cell.
        if (opened.skipped)
          for (const line of file.split(/\r?\n/))
            for (const piece of line.split(separator))
              if (runsAsFormula(piece)) found.push(`${JSON.stringify(separator)} (split plainly): ${piece}`);
      }
  return found;
}
