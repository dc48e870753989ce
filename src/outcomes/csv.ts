/**
 * CSV for every download (report tables, certificate claims, the regulator's file): RFC 4180
 * quoting, CRLF line ends, and no formula injection (OWASP, "CSV Injection").
 *
 * A spreadsheet runs a cell as a formula when it starts with =, +, - or @ (or a tab or carriage
 * return before one), also after it trims leading spaces, as LibreOffice's import can. Such
 * text is prefixed with an apostrophe, which spreadsheets show as text; a number such as -2
 * (the regulator's "not available") or +44 stays a number, and is left alone.
 *
 * A file may be opened with another separator than the comma: a semicolon (Excel and
 * LibreOffice in most of Europe), a tab or a pipe. Then a new cell starts after any of them, and
 * quotes in the middle of the line no longer protect it ("Smith;=HYPERLINK(…)"). So a formula
 * sign after a separator (and any spaces or quotes) inside the text gets its apostrophe too.
 */
export type CsvValue = string | number | null | undefined;

/** Files people open in a spreadsheet start with a UTF-8 byte-order mark, so Excel reads them as UTF-8. */
export const BYTE_ORDER_MARK = '\uFEFF';

const NUMBER = /^[+-]?\d+(\.\d+)?$/;
/** Where a cell may start (the text's start, or after a separator or line break) and, after spaces or quotes, a formula sign. */
const FORMULA_START = /(^|[,;\t|\r\n])([\s"]*)(?=[=+\-@])/g;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && !NUMBER.test(text)) text = text.replace(FORMULA_START, "$1$2'");
  return /[",;\t|\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return csvLines([header, ...rows]);
}

/** Rows as CSV lines, each ended with CRLF (nothing for no rows): a file written a batch at a time. */
export function csvLines(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((row) => row.map(csvCell).join(',') + '\r\n').join('');
}

/** A CSV file meant to be opened in a spreadsheet: the byte-order mark, then the CSV. */
export function spreadsheetCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return BYTE_ORDER_MARK + toCsv(header, rows);
}
