import { isoInstant } from '../dates.js';
import { Router } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { epaoSettingsOf } from '../grading/store.js';
import { pageFor } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/forms.js';
import { fullName } from '../names.js';
import { paths } from '../paths.js';
import { dateField } from '../validation/fields.js';
import {
  OFQUAL_COLUMNS,
  OFQUAL_HEADER,
  ofqualRows,
  ofqualSettingsProblem,
  type OfqualColumn,
  type OfqualIdentity,
  type OfqualSettings,
} from './ofqual.js';
import { REGISTRATION_COLUMNS, REGISTRATION_HEADER, registrationRows } from './ofqual-registrations.js';
import { ofqualAttempts, ofqualRegistrations, unreleasedInPeriod, type ExportBatch } from './ofqual-store.js';
import { csvLines } from './csv.js';
import { streamChunks } from '../http/stream.js';
import type { Clock } from '../clock.js';

/** The reporting period of a return, from the GET form or the download link. */
const periodSchema = z
  .object({
    reportingDate: dateField('reporting date').refine(
      (d) => /^20\d\d-/.test(d),
      'The reporting date must be in the years 2000 to 2099',
    ),
    from: dateField('start of the period'),
    to: dateField('end of the period'),
  })
  .refine((p) => p.from <= p.to, {
    path: ['to'],
    message: 'The end of the period must be the same as or after its start',
  });
type Period = z.infer<typeof periodSchema>;

const periodQuery = (p: Period) =>
  new URLSearchParams({ reportingDate: p.reportingDate, from: p.from, to: p.to }).toString();

/** How many rows of a return the page previews. */
const PREVIEW_ROWS = 200;

interface ReturnRow {
  values: string[];
  problems: string[];
  uln: string | null;
  name: string;
  attempt: number;
}

/** One of Ofqual's EPA returns: its page's words, its columns, its rows for a period and its file. */
interface OfqualReturn {
  page: string;
  download: string;
  title: string;
  view: string;
  columns: readonly OfqualColumn[];
  /** The file's first line. */
  header: readonly string[];
  /** The period's rows, or one batch of them, with the key of the last row read (for the next batch). */
  read: (
    db: Db,
    settings: OfqualSettings,
    period: Period,
    batch: ExportBatch,
  ) => { rows: ReturnRow[]; last?: { on: string; id: number } };
  fileName: (reportingDate: string) => string;
  /** Anything the page says about the period besides the rows (results not yet released). */
  extra: (db: Db, period: Period) => object;
}

/** A row as the page lists it: whom it is about, its values and its problems. */
const listed = (
  who: OfqualIdentity & { attemptNumber: number },
  row: Pick<ReturnRow, 'values' | 'problems'>,
): ReturnRow => ({
  values: row.values,
  problems: row.problems,
  uln: who.uln,
  name: fullName(who),
  attempt: who.attemptNumber,
});

export const OFQUAL_RETURNS: OfqualReturn[] = [
  {
    page: paths.ofqualOutcomes,
    download: paths.ofqualOutcomesCsv,
    title: 'Regulator’s outcomes file',
    view: 'outcomes/ofqual-outcomes',
    columns: OFQUAL_COLUMNS,
    header: OFQUAL_HEADER,
    read: (db, settings, period, batch) => {
      const attempts = ofqualAttempts(db, period.from, period.to, batch);
      const last = attempts.at(-1);
      return {
        rows: ofqualRows(settings, period.reportingDate, attempts).map((r) => listed(r.attempt, r)),
        ...(last ? { last: { on: last.resultOn, id: last.attemptId } } : {}),
      };
    },
    fileName: (d) => `epa-outcomes-${d}.csv`,
    extra: (db, period) => ({ unreleased: unreleasedInPeriod(db, period.from, period.to) }),
  },
  {
    page: paths.ofqualRegistrations,
    download: paths.ofqualRegistrationsCsv,
    title: 'Regulator’s registrations file',
    view: 'outcomes/ofqual-registrations',
    columns: REGISTRATION_COLUMNS,
    header: REGISTRATION_HEADER,
    read: (db, settings, period, batch) => {
      const registrations = ofqualRegistrations(db, period.from, period.to, batch);
      const last = registrations.at(-1);
      return {
        rows: registrationRows(settings, period.reportingDate, registrations).map((r) => listed(r.registration, r)),
        ...(last ? { last: { on: last.submittedOn, id: last.submissionId } } : {}),
      };
    },
    fileName: (d) => `epa-registrations-${d}.csv`,
    extra: () => ({}),
  },
];

/** Rows a download reads and writes at a time. */
const EXPORT_BATCH = 2_000;

/**
 * A return's file, a batch of rows at a time: the header, then the rows that pass every check,
 * among those decided or released by `asOf` (when the download began).
 */
export function* returnFile(
  ret: Pick<OfqualReturn, 'header' | 'read'>,
  db: Db,
  settings: OfqualSettings,
  period: Period,
  asOf: string,
  size = EXPORT_BATCH,
): Generator<string> {
  yield csvLines([ret.header]);
  let after: ExportBatch['after'];
  for (;;) {
    const { rows, last } = ret.read(db, settings, period, { asOf, limit: size, ...(after ? { after } : {}) });
    const good = rows.filter((r) => r.problems.length === 0).map((r) => r.values);
    if (good.length > 0) yield csvLines(good);
    if (rows.length < size || !last) return;
    after = last;
  }
}

/** Ofqual's EPA returns (outcomes, registrations): each a page that checks every row, and its file. Administrators only. */
export function ofqualRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  const admins = pageFor(...AREA_ROLES.claims);

  for (const ret of OFQUAL_RETURNS) {
    router.get(ret.page, admins, (req, res) => {
      const settings = epaoSettingsOf(db);
      const settingsProblem = ofqualSettingsProblem(settings);
      const query = req.query as Record<string, unknown>;
      const asked = ['reportingDate', 'from', 'to'].some((k) => query[k] !== undefined);
      const values = { reportingDate: query.reportingDate, from: query.from, to: query.to };
      const page = {
        title: ret.title,
        action: ret.page,
        settingsHref: paths.admin.settings,
        settingsProblem,
        columns: ret.columns.map((c) => c.name),
        publishedColumns: ret.columns.filter((c) => c.published).length,
        values,
      };
      if (!asked) return res.render(ret.view, page);
      const form = parseForm(periodSchema, values);
      if (!form.ok)
        return res.status(400).render(ret.view, { ...page, errors: form.errors, errorList: form.errorList });
      const period = form.value;
      const { rows } = ret.read(db, settings, period, {});
      const good = rows.filter((r) => r.problems.length === 0);
      res.render(ret.view, {
        ...page,
        ...ret.extra(db, period),
        period,
        total: rows.length,
        valid: good.length,
        problems: rows.filter((r) => r.problems.length > 0),
        preview: good.slice(0, PREVIEW_ROWS).map((r) => r.values),
        previewCut: good.length > PREVIEW_ROWS ? PREVIEW_ROWS : null,
        downloadHref: settingsProblem || good.length === 0 ? null : `${ret.download}?${periodQuery(period)}`,
      });
    });

    router.get(ret.download, admins, async (req, res) => {
      const query = req.query as Record<string, unknown>;
      const form = parseForm(periodSchema, { reportingDate: query.reportingDate, from: query.from, to: query.to });
      if (!form.ok) throw new HttpError(400, form.errorList.map((e) => e.text).join('; '));
      const settings = epaoSettingsOf(db);
      const settingsProblem = ofqualSettingsProblem(settings);
      if (settingsProblem) throw new HttpError(409, settingsProblem);
      res.attachment(ret.fileName(form.value.reportingDate)).type('text/csv');
      await streamChunks(res, returnFile(ret, db, settings, form.value, isoInstant(clock.now())));
    });
  }
  return router;
}
