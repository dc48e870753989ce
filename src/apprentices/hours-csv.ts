import { CsvSyntaxError, forEachCsvRecord } from './csv-records.js';
import { textProblem } from '../validation/text.js';
import { OFF_THE_JOB_KINDS } from '../gateway/model.js';
import { csvDate, csvDateMessage, namesListed, repeatedColumns } from './import.js';
import { offTheJobInputSchema, type OffTheJobInput } from './schema.js';
import type { RowProblem } from './store.js';

/** A log's columns: `to` (the last day of a span logged as one total) and `kind` may be left out. */
export const HOURS_CSV_COLUMNS = ['date', 'to', 'hours', 'activity', 'kind'] as const;
const REQUIRED = ['date', 'hours', 'activity'];
/** A year of weekly entries many times over; a longer log goes in several files. */
export const MAX_HOURS_ROWS = 2000;

export const HOURS_CSV_TEMPLATE = `${HOURS_CSV_COLUMNS.join(',')}\n01/09/2025,05/09/2025,7.5,Negotiation skills workshop (week),training\n2025-09-12,,3,Shadowing a regional officer,training\n`;

const fileProblem = (message: string): { rows: []; problems: RowProblem[] } => ({
  rows: [],
  problems: [{ line: 1, path: '(file)', message }],
});

/**
 * Reads a CSV log of off-the-job hours: a header line, then one entry a line. Dates are
 * YYYY-MM-DD or DD/MM/YYYY; `kind` is one of OFF_THE_JOB_KINDS (blank is training). Each line is
 * checked with the form's schema.
 */
export function parseHoursCsv(text: string): {
  rows: { line: number; input: OffTheJobInput }[];
  problems: RowProblem[];
} {
  if (text.includes('\uFFFD'))
    return fileProblem('The file is not saved as UTF-8: in Excel, save it as “CSV UTF-8 (comma delimited)”.');
  // Each record with the line it starts on; reading stops one record past the limit.
  const records: { fields: string[]; line: number }[] = [];
  try {
    forEachCsvRecord(Buffer.from(text), (fields, line) => records.push({ fields, line }) <= MAX_HOURS_ROWS + 1);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return fileProblem(`The file is not valid CSV: ${error.message}`);
  }
  const header = records[0]?.fields;
  const headerLine = records[0]?.line ?? 1;
  const lines = records.slice(1);
  if (!header) return fileProblem('The file is empty: it needs a header line and one entry a line');
  const columns = header.map((h) => h.toLowerCase());
  const repeated = repeatedColumns(columns);
  if (repeated) return { rows: [], problems: [{ line: headerLine, path: '(header)', message: repeated }] };
  const unknown = [...new Set(columns.filter((c) => !(HOURS_CSV_COLUMNS as readonly string[]).includes(c)))];
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (unknown.length > 0 || missing.length > 0)
    return {
      rows: [],
      problems: [
        ...(unknown.length
          ? [
              {
                line: headerLine,
                path: '(header)',
                message: `Unknown column${unknown.length > 1 ? 's' : ''}: ${namesListed(unknown)} (the columns are ${HOURS_CSV_COLUMNS.join(', ')})`,
              },
            ]
          : []),
        ...(missing.length
          ? [
              {
                line: headerLine,
                path: '(header)',
                message: `Missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
              },
            ]
          : []),
      ],
    };
  if (lines.length === 0) return fileProblem('The file has no entries in it');
  if (lines.length > MAX_HOURS_ROWS)
    return fileProblem(
      `The file has more than ${MAX_HOURS_ROWS.toLocaleString('en-GB')} entries; import at most ${MAX_HOURS_ROWS.toLocaleString('en-GB')} at a time`,
    );
  const rows: { line: number; input: OffTheJobInput }[] = [];
  const problems: RowProblem[] = [];
  for (const { fields: record, line } of lines) {
    const values: Record<string, string> = {};
    columns.forEach((c, j) => (values[c] = record[j] ?? ''));
    const unsavable = Object.entries(values).filter(([, v]) => textProblem(v, false));
    if (unsavable.length > 0) {
      for (const [column, v] of unsavable)
        problems.push({ line, path: column, message: `The value ${textProblem(v, false)!}` });
      continue;
    }
    const parsed = offTheJobInputSchema.safeParse({
      date: csvDate(values.date ?? ''),
      to: values.to ? csvDate(values.to) : '',
      hours: values.hours,
      activity: values.activity,
      kind: values.kind ?? '',
    });
    if (parsed.success) {
      rows.push({ line, input: parsed.data });
      continue;
    }
    // Every issue is kept here; the import leaves the first of each field (onePerField).
    for (const issue of parsed.error.issues) {
      const path = String(issue.path[0] ?? '(row)');
      const message =
        path === 'kind'
          ? `Give the kind as one of ${OFF_THE_JOB_KINDS.join(', ')}, or leave it blank for training`
          : csvDateMessage(issue.message);
      problems.push({ line, path, message });
    }
  }
  return { rows, problems };
}
