import { isUtf8 } from 'node:buffer';
import { CsvSyntaxError, forEachCsvRecord } from './csv-records.js';
import { textProblem } from '../validation/text.js';
import { LIMITS } from '../http/limits.js';
import { formatPath } from '../validation/problems.js';
import type { RowProblem } from './store.js';
import type { z } from 'zod';
import {
  apprenticeDateProblems,
  apprenticeFieldsSchema,
  apprenticeInputSchema,
  type ApprenticeInput,
} from './schema.js';

/** The CSV columns, in template order, and the field each fills. */
export const CSV_COLUMNS = {
  uln: 'uln',
  given_names: 'givenNames',
  family_name: 'familyName',
  date_of_birth: 'dateOfBirth',
  start_date: 'startDate',
  planned_end_date: 'plannedEndDate',
  standard_reference: 'standardReference',
  standard_version: 'standardVersion',
  provider_ukprn: 'providerUkprn',
  employer_id: 'employerId',
  weekly_hours: 'weeklyHours',
  plan_id: 'planId',
  bsl_first_language: 'bslFirstLanguage',
  english_maths_choice: 'englishMathsChoice',
  course_option: 'courseOption',
} as const satisfies Record<string, keyof ApprenticeInput>;
type CsvColumn = keyof typeof CSV_COLUMNS;
const FIELD_TO_COLUMN = Object.fromEntries(
  Object.entries(CSV_COLUMNS).map(([column, field]) => [field, column]),
) as Record<string, CsvColumn>;

export const MAX_IMPORT_ROWS = LIMITS.importRows;
const TOO_MANY_ROWS = `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-GB')} apprentices; import at most ${MAX_IMPORT_ROWS.toLocaleString('en-GB')} at a time`;

export const CSV_TEMPLATE = `${Object.keys(CSV_COLUMNS).join(',')}\n1000000043,Jordan,Ellis,2001-04-12,2025-09-01,2027-03-01,ST0815,1.0,10061234,transport-workers-union,37.5,,no,studying,\n`;

/** Columns of older templates, with what replaced them. */
const RETIRED_COLUMNS: Record<string, string> = {
  ehc_plan:
    "The ehc_plan column is retired: record an English and maths flexibility judgement (its basis, date and reference) on the apprentice's page instead, and remove the column",
};

/** The date columns: a spreadsheet saved in the UK writes them as DD/MM/YYYY. */
const CSV_DATE_FIELDS: readonly string[] = [
  'dateOfBirth',
  'startDate',
  'plannedEndDate',
] satisfies (keyof ApprenticeInput)[];

/** A CSV date as YYYY-MM-DD, from that or from DD/MM/YYYY (never MM/DD: a UK file); anything else as it came. */
export function csvDate(value: string): string {
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value.trim());
  return uk ? `${uk[3]}-${uk[2]!.padStart(2, '0')}-${uk[1]!.padStart(2, '0')}` : value;
}

/** A date field's "must be a real date" message, in the formats a CSV takes. */
export function csvDateMessage(message: string): string {
  return /must be a real date/.test(message)
    ? `${message.replace(/, for example.*$/, '')}, as YYYY-MM-DD or DD/MM/YYYY (for example 2025-09-01 or 01/09/2025)`
    : message;
}

/**
 * In line order, the first problem of each line's field: one message per field, never a cascade
 * (a date that is not one is not also "under 16"; an unknown employer not also refused twice).
 * Problems of the file, its header or a whole line ("(header)") are each kept.
 */
export function onePerField(problems: RowProblem[]): RowProblem[] {
  const told = new Set<string>();
  return [...problems]
    .sort((a, b) => a.line - b.line)
    .filter((p) => {
      if (p.path.startsWith('(')) return true;
      const key = `${p.line}\u0000${p.path}`;
      if (told.has(key)) return false;
      told.add(key);
      return true;
    });
}

/** A row that passed the schema, with its line in the file (or position in the array). */
export interface ValidRow {
  line: number;
  input: ApprenticeInput;
}

/** The rows that passed the schema and the problems of those that did not, so that later checks can add to the list. */
export interface ImportResult {
  rows: ValidRow[];
  problems: RowProblem[];
}

/** Takes valid rows as a file is read, a batch at a time, in line order. */
export type RowSink = (rows: ValidRow[]) => void;

/** How many valid rows a sink is given at a time. */
const ROWS_AT_ONCE = 2_000;

/** The field name a person sees for a problem: the CSV column for a CSV, the JSON field otherwise. */
export function columnFor(field: string): string {
  return Object.hasOwn(FIELD_TO_COLUMN, field) ? FIELD_TO_COLUMN[field]! : field;
}

/**
 * The fields a cohort's rows have in common: its standard, provider, employer, plan, dates, hours
 * and choices. Each of their values is checked once (by the schema's own rule for that field) and
 * its answer shared, and so is the value itself: a large file's rows each held a string of their
 * own as read, about a third of their memory at 100,000 rows.
 */
const SHARED_FIELDS = [
  'standardReference',
  'standardVersion',
  'providerUkprn',
  'employerId',
  'planId',
  'courseOption',
  'englishMathsChoice',
  'startDate',
  'plannedEndDate',
  'weeklyHours',
  'bslFirstLanguage',
  'ehcPlan',
] as const satisfies readonly (keyof ApprenticeInput)[];
type SharedField = (typeof SHARED_FIELDS)[number];

/** The most values of one field whose answers are kept (a column of names would otherwise be kept whole). */
const ANSWERS_KEPT = 1_000;

/**
 * A field's answer: its value as the schema gives it, or the schema's issues; and whether zod
 * would go on to an object's own rules after them (a value of the wrong type stops it, a value too
 * long does not).
 */
type FieldAnswer =
  | { ok: true; value: unknown; present: boolean }
  | { ok: false; issues: z.core.$ZodIssue[]; goesOn: boolean; value: unknown };

/** A row's answer: its record, or the schema's issues. */
type RowChecked = { success: true; data: ApprenticeInput } | { success: false; issues: z.core.$ZodIssue[] };
type RowCheck = (values: Record<string, unknown>) => RowChecked;

/** apprenticeInputSchema as a RowCheck (a JSON array's rows). */
const wholeSchema: RowCheck = (values) => {
  const parsed = apprenticeInputSchema.safeParse(values);
  return parsed.success ? parsed : { success: false, issues: parsed.error.issues };
};

/** The mask that picks one field of a schema. */
const onlyField = (field: SharedField): { [F in SharedField]?: true } => ({ [field]: true });

/**
 * apprenticeInputSchema for CSV rows, in parts: the fields of each row's own (ULN, names, birth
 * date) with the schema's own rules for them, each SHARED_FIELDS value with its field's rule once
 * for all the rows that have it, and then the rules across the dates, when zod would apply them.
 * The same answer as the whole schema, issues in the same order (a property test holds the two
 * equal on random rows), for a fraction of the work on a file of a few cohorts.
 */
export function csvRowSchema() {
  // Whether zod went on to the object's own rules, and the values it gave them (a refused value
  // included): noted by a rule on each part.
  let wentOn = false;
  let given: Record<string, unknown> = {};
  const noteWentOn = (value: Record<string, unknown>) => {
    wentOn = true;
    given = value;
  };
  const own = apprenticeFieldsSchema
    .omit(Object.fromEntries(SHARED_FIELDS.map((f) => [f, true])) as { [F in SharedField]: true })
    .superRefine(noteWentOn);
  const fieldSchemas = new Map<SharedField, z.ZodType>(
    SHARED_FIELDS.map((field) => [field, apprenticeFieldsSchema.pick(onlyField(field)).superRefine(noteWentOn)]),
  );
  const answers = new Map(SHARED_FIELDS.map((field) => [field, new Map<unknown, FieldAnswer>()]));
  const order = new Map(Object.keys(apprenticeFieldsSchema.shape).map((field, i) => [field, i]));
  const answerFor = (field: SharedField, value: unknown): FieldAnswer => {
    const kept = answers.get(field)!;
    const known = kept.get(value);
    if (known) return known;
    wentOn = false;
    const parsed = fieldSchemas.get(field)!.safeParse({ [field]: value });
    const answer: FieldAnswer = parsed.success
      ? {
          ok: true,
          value: (parsed.data as Record<string, unknown>)[field],
          present: Object.hasOwn(parsed.data as object, field),
        }
      : { ok: false, issues: parsed.error.issues, goesOn: wentOn, value: wentOn ? given[field] : undefined };
    if (kept.size < ANSWERS_KEPT) kept.set(value, answer);
    return answer;
  };
  return (values: Record<string, unknown>): RowChecked => {
    wentOn = false;
    const parsed = own.safeParse(values);
    let goesOn = wentOn;
    const issues: z.core.$ZodIssue[] = parsed.success ? [] : [...parsed.error.issues];
    const data: Record<string, unknown> = parsed.success ? parsed.data : {};
    // The dates as zod would give them to the rules across them.
    const dates = {
      dateOfBirth: given.dateOfBirth,
      startDate: undefined as unknown,
      plannedEndDate: undefined as unknown,
    };
    for (const field of SHARED_FIELDS) {
      const answer = answerFor(field, values[field]);
      if (answer.ok) {
        if (answer.present) data[field] = answer.value;
      } else {
        issues.push(...answer.issues);
        goesOn &&= answer.goesOn;
      }
      if (field === 'startDate' || field === 'plannedEndDate') dates[field] = answer.value;
    }
    // In the schema's order: each field's issues, then the rules across the dates.
    if (issues.length > 0) issues.sort((a, b) => order.get(String(a.path[0]))! - order.get(String(b.path[0]))!);
    if (goesOn)
      for (const { path, message } of apprenticeDateProblems(dates))
        issues.push({ code: 'custom', path: [path], message, input: values });
    return issues.length > 0 ? { success: false, issues } : { success: true, data: data as ApprenticeInput };
  };
}

/**
 * Validates rows one at a time, as they are read, with the same schema as the form and the API,
 * collecting every problem (with its line and field) rather than stopping at the first; only the
 * valid rows are kept. `defaults` fills blank fields (a provider's own UKPRN).
 */
function rowValidator(defaults: Partial<Record<keyof ApprenticeInput, string>>, asColumns: boolean, sink: RowSink) {
  let batch: ValidRow[] = [];
  const problems: RowProblem[] = [];
  const defaultEntries = Object.entries(defaults);
  const check: RowCheck = asColumns ? csvRowSchema() : wholeSchema;
  const flush = () => {
    if (batch.length === 0) return;
    sink(batch);
    batch = [];
  };
  return {
    problems,
    /** Gives the sink the rows it has not been given yet. */
    flush,
    /** Checks one row; `values` is the validator's own to fill in (a copy, never the caller's input). */
    add(line: number, values: Record<string, unknown>): void {
      // The text rules of every form and API body (validation/text.ts): every field here is one line.
      let unsavable = false;
      for (const field in values) {
        const value = values[field];
        const problem = typeof value === 'string' ? textProblem(value, false) : null;
        if (problem) {
          problems.push({ line, path: asColumns ? columnFor(field) : field, message: `The value ${problem}` });
          unsavable = true;
        }
      }
      if (unsavable) return;
      for (const [field, value] of defaultEntries)
        if (values[field] === undefined || values[field] === '') values[field] = value;
      if (asColumns)
        for (const field of CSV_DATE_FIELDS)
          if (typeof values[field] === 'string') values[field] = csvDate(values[field]);
      const parsed = check(values);
      if (parsed.success) {
        batch.push({ line, input: parsed.data });
        if (batch.length === ROWS_AT_ONCE) flush();
        return;
      }
      // Every issue is kept here; onePerField leaves the first of each field once the database's are added.
      for (const issue of parsed.issues) {
        const path = asColumns ? columnFor(String(issue.path[0] ?? '')) : formatPath(issue.path);
        const message =
          asColumns && CSV_DATE_FIELDS.includes(issue.path[0] as never) ? csvDateMessage(issue.message) : issue.message;
        problems.push({ line, path, message });
      }
    },
  };
}

const NO_APPRENTICES: ImportResult = {
  rows: [],
  problems: [{ line: 1, path: '(file)', message: 'The file has no apprentices in it' }],
};

const NOT_UTF8: ImportResult = {
  rows: [],
  problems: [
    {
      line: 1,
      path: '(file)',
      message:
        'The file is not saved as UTF-8, so names with accents would be garbled. In Excel, save it as “CSV UTF-8 (comma delimited)”.',
    },
  ],
};

/** U+FFFD, the replacement character, in UTF-8: what a file garbled by an earlier conversion holds in place of its letters. */
const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD');

/** Reads a CSV file of apprentices (readApprenticeCsv), keeping every valid row. */
export function parseApprenticeCsv(
  file: string | Uint8Array,
  defaults: Partial<Record<keyof ApprenticeInput, string>> = {},
): ImportResult {
  const rows: ValidRow[] = [];
  const read = readApprenticeCsv(file, defaults, (batch) => {
    for (const row of batch) rows.push(row);
  });
  return { rows: read.refusedWhole ? [] : rows, problems: read.problems };
}

/**
 * What reading a file found: every problem of its rows, or the problem for which the whole file
 * is refused (not UTF-8, not CSV, a wrong header, too many rows, none). A file refused whole may
 * have given the sink rows before the problem was found: they are not to be kept.
 */
export interface ReadOutcome {
  problems: RowProblem[];
  refusedWhole: boolean;
}

const refusedWhole = (problems: RowProblem[]): ReadOutcome => ({ problems, refusedWhole: true });

/**
 * Reads a CSV file of apprentices (header row required; columns in any order; extra columns
 * refused), as uploaded (its bytes, which must be UTF-8) or as text, giving `sink` each valid row
 * as it is read. The bytes are read as they are, never copied into a string of the whole file,
 * and an import stages the rows as they come (import-stage.ts) rather than holding them all.
 */
export function readApprenticeCsv(
  file: string | Uint8Array,
  defaults: Partial<Record<keyof ApprenticeInput, string>>,
  sink: RowSink,
): ReadOutcome {
  const bytes =
    typeof file === 'string' ? Buffer.from(file) : Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (!isUtf8(bytes) || bytes.includes(REPLACEMENT_CHARACTER)) return refusedWhole(NOT_UTF8.problems);
  if (recordsMoreThan(bytes, MAX_IMPORT_ROWS + 1))
    return refusedWhole([{ line: 1, path: '(file)', message: TOO_MANY_ROWS }]);
  // Each record is checked as the parser reads it and then dropped: only the valid rows go on, to the sink. The header comes first; if it is wrong, reading stops there.
  let headerProblems: RowProblem[] | null = null;
  let fields: (keyof ApprenticeInput)[] | null = null;
  const lengthProblems: RowProblem[] = [];
  // The sink's own failure (a database error while staging rows) is not the file's: it goes on up.
  let sinkFailure = null as { error: unknown } | null;
  const validator = rowValidator(defaults, true, (rows) => {
    try {
      sink(rows);
    } catch (error) {
      sinkFailure = { error };
      throw error;
    }
  });
  let count = 0;
  try {
    // Stop reading one record past the limit (the header, the most rows allowed, one more): a file of millions of short lines must not be read whole into memory.
    forEachCsvRecord(bytes, (record, line) => {
      if (!fields) {
        const header = checkHeader(record, defaults, line);
        if (!header.ok) {
          headerProblems = header.problems;
          return false;
        }
        fields = header.fields;
        return true;
      }
      if (++count > MAX_IMPORT_ROWS) return false;
      if (record.length !== fields.length)
        lengthProblems.push({
          line,
          path: '(row)',
          message: `This line has ${record.length} values; the header has ${fields.length}`,
        });
      const values: Record<string, unknown> = {};
      fields.forEach((field, i) => (values[field] = record[i]));
      validator.add(line, values);
      return true;
    });
  } catch (error) {
    if (sinkFailure) throw sinkFailure.error;
    if (!(error instanceof CsvSyntaxError)) throw error;
    return refusedWhole([{ line: error.line, path: '(file)', message: `The file is not valid CSV: ${error.message}` }]);
  }
  if (headerProblems) return refusedWhole(headerProblems);
  if (!fields) {
    const header = checkHeader([], defaults);
    return refusedWhole(header.ok ? NO_APPRENTICES.problems : header.problems);
  }
  if (count === 0) return refusedWhole(NO_APPRENTICES.problems);
  if (count > MAX_IMPORT_ROWS) return refusedWhole([{ line: 1, path: '(file)', message: TOO_MANY_ROWS }]);
  validator.flush();
  return { problems: [...lengthProblems, ...validator.problems], refusedWhole: false };
}

/** How many of a header's wrong columns a message names; it counts the rest. */
const NAMES_LISTED = 20;

/**
 * Column names for a message: the first NAMES_LISTED, and how many more (a file's header may have
 * thousands); a column with no name (a spreadsheet's trailing comma) as "(blank)".
 */
export function namesListed(names: readonly string[]): string {
  const listed = names
    .slice(0, NAMES_LISTED)
    .map((name) => name || '(blank)')
    .join(', ');
  return names.length > NAMES_LISTED ? `${listed} and ${names.length - NAMES_LISTED} more` : listed;
}

/**
 * A header's columns given more than once, each named once, found with a set in one pass (a
 * header of a million columns is refused at once, not in hours), as a message; null when none is.
 */
export function repeatedColumns(header: readonly string[]): string | null {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) repeated.add(h);
    seen.add(h);
  }
  return repeated.size === 0
    ? null
    : `Column${repeated.size > 1 ? 's' : ''} given twice: ${namesListed([...repeated])}`;
}

/** The CSV header's columns as fields, or what is wrong with it: retired, repeated, unknown or missing columns. */
function checkHeader(
  record: string[],
  defaults: Partial<Record<keyof ApprenticeInput, string>>,
  line = 1,
): { ok: true; fields: (keyof ApprenticeInput)[] } | { ok: false; problems: RowProblem[] } {
  const header = record.map((h) => h.toLowerCase());
  const known = Object.keys(CSV_COLUMNS);
  // Own keys only: a column named "constructor" is not a retired column.
  const retired = new Set(header.filter((h) => Object.hasOwn(RETIRED_COLUMNS, h)));
  if (retired.size > 0)
    return {
      ok: false,
      problems: [...retired].map((h) => ({ line, path: '(header)', message: RETIRED_COLUMNS[h]! })),
    };
  const unknown = [...new Set(header.filter((h) => !known.includes(h)))];
  const repeated = repeatedColumns(header);
  if (repeated) return { ok: false, problems: [{ line, path: '(header)', message: repeated }] };
  const optional = [
    'plan_id',
    'course_option',
    'bsl_first_language',
    'english_maths_choice',
    ...Object.keys(defaults).map(columnFor),
  ];
  const missing = known.filter((c) => !header.includes(c) && !optional.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    const problems: RowProblem[] = [];
    if (unknown.length > 0)
      problems.push({
        line,
        path: '(header)',
        message: `Unknown column${unknown.length > 1 ? 's' : ''}: ${namesListed(unknown)}. Use the template’s columns.`,
      });
    if (missing.length > 0)
      problems.push({
        line,
        path: '(header)',
        message: `Missing column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      });
    return { ok: false, problems };
  }
  return { ok: true, fields: header.map((column) => CSV_COLUMNS[column as CsvColumn]) };
}

/**
 * Whether the CSV file (UTF-8) has more than `most` records (lines with something on them, line
 * breaks inside quoted fields not counted), found in one pass without parsing: a file of millions
 * of short lines is refused at once rather than parsed (the parser builds an error object for
 * every line whose length differs from the header's). It never counts more records than the
 * parser reads, so a file within the limit is never refused by it: a quote, a line break, a space
 * and a tab are each one byte in UTF-8 and never part of another character, and the bytes of a
 * byte-order mark (EF BB BF) count as blank, as the mark itself does.
 */
function recordsMoreThan(bytes: Uint8Array, most: number): boolean {
  let records = 0;
  let quoted = false;
  let blank = true;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x22) {
      quoted = !quoted;
      blank = false;
    } else if (!quoted && (c === 0x0a || c === 0x0d)) {
      if (!blank && ++records > most) return true;
      blank = true;
    } else if (c !== 0x20 && c !== 0x09 && c !== 0xef && c !== 0xbb && c !== 0xbf) {
      blank = false;
    }
  }
  return !blank && records + 1 > most;
}

/** Reads a JSON array of apprentices (API); each problem's line is the 1-based position in the array. */
export function parseApprenticeArray(
  value: unknown,
  defaults: Partial<Record<keyof ApprenticeInput, string>> = {},
): ImportResult {
  if (!Array.isArray(value))
    return { rows: [], problems: [{ line: 0, path: '(body)', message: 'Send a JSON array of apprentices' }] };
  if (value.length > MAX_IMPORT_ROWS)
    return {
      rows: [],
      problems: [
        {
          line: 0,
          path: '(body)',
          message: `The array has more than ${MAX_IMPORT_ROWS.toLocaleString('en-GB')} apprentices; import at most ${MAX_IMPORT_ROWS.toLocaleString('en-GB')} at a time`,
        },
      ],
    };
  if (value.length === 0) return NO_APPRENTICES;
  const rows: ValidRow[] = [];
  const validator = rowValidator(defaults, false, (batch) => {
    for (const row of batch) rows.push(row);
  });
  value.forEach((values, index) =>
    validator.add(
      index + 1,
      typeof values === 'object' && values !== null ? { ...(values as Record<string, unknown>) } : {},
    ),
  );
  validator.flush();
  return { rows, problems: validator.problems };
}
