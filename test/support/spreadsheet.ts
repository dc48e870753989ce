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
}

export function openAsSpreadsheet(file: string, separator: Separator = ',', trim = false): OpenedCsv {
  const utf8Marked = file.startsWith('\uFEFF');
  const cells: string[][] = parse(utf8Marked ? file.slice(1) : file, {
    delimiter: separator,
    relax_quotes: true,
    relax_column_count: true,
    trim,
    // A quote opened by another separator's split may run to the end: keep what was read.
    skip_records_with_error: true,
  });
  return { utf8Marked, cells };
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
      for (const row of openAsSpreadsheet(file, separator, trim).cells)
        for (const cell of row) if (runsAsFormula(cell)) found.push(`${JSON.stringify(separator)}: ${cell}`);
  return found;
}
