/**
 * CSV for every download (report tables, certificate claims, the regulator's file): RFC 4180
 * quoting, CRLF line ends, and no formula injection. Text a spreadsheet would run as a
 * formula is prefixed with an apostrophe; a negative whole number such as -2 (the regulator's
 * "not available") is left alone.
 */
export type CsvValue = string | number | null | undefined;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+@\t\r]|^-(?!\d+$)/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
