import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { AREA_ROLES } from '../auth/roles.js';
import { pageFor, userOf } from '../auth/authorize.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { OFF_THE_JOB_KINDS, OFF_THE_JOB_KIND_LABELS } from '../gateway/model.js';
import { formErrors } from '../http/forms.js';
import { pageAsked, pager } from '../http/paging.js';
import { refusalError, renderRefusal } from '../http/results.js';
import { binaryKindOf } from '../http/uploads.js';
import { BYTE_ORDER_MARK } from '../outcomes/csv.js';
import { paths, routes } from '../paths.js';
import { dateQuery } from '../validation/fields.js';
import { HOURS_CSV_COLUMNS, HOURS_CSV_TEMPLATE } from './hours-csv.js';
import { DATE_FIELDS, PROBLEMS_SHOWN, dateParts, loadApprentice } from './page-helpers.js';
import {
  correctOffTheJob,
  importOffTheJobLog,
  logOffTheJobHours,
  offTheJobEntryFor,
  removeOffTheJob,
} from './service.js';
import { offTheJobLog, type ApprenticeDetail, type OffTheJobEntry } from './store.js';
import { canActOn } from './access.js';

const KINDS = OFF_THE_JOB_KINDS.map((value) => ({ value, text: OFF_THE_JOB_KIND_LABELS[value] }));

const logQuery = z.object({
  kind: z.enum(OFF_THE_JOB_KINDS).optional().catch(undefined),
  from: dateQuery('from').catch(undefined),
  to: dateQuery('to').catch(undefined),
});

/** An entry as its form shows it: its first day, and its last when it is a span. */
const entryValues = (e: OffTheJobEntry) => ({
  date: dateParts(e.fromDate ?? e.date),
  to: e.fromDate ? dateParts(e.date) : {},
  hours: String(e.hours),
  activity: e.activity,
  kind: e.kind,
});

/**
 * The off-the-job training log: a day's or a week's hours at a time, a CSV log all or nothing,
 * the whole log filtered and paged, and each entry corrected or removed with a reason. Everything
 * is written through apprentices/service.ts (scope, rules, audit), as the API is.
 */
export function hoursPages(db: Db, clock: Clock): Router {
  const router = Router();
  const viewers = pageFor(...AREA_ROLES.apprentices);
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);
  const today = () => todayInLondon(clock.now());

  /* ---------- The log ---------- */

  router.get(routes.hoursLog, viewers, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'view');
    const filter = logQuery.parse(req.query);
    const log = offTheJobLog(db, a, filter, pageAsked(req.query.page));
    const canEdit = canActOn(userOf(res), a, 'edit');
    const query = new URLSearchParams(
      Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const flash =
      req.query.logged === '1'
        ? 'The hours have been logged.'
        : req.query.corrected === '1'
          ? 'The entry has been corrected.'
          : req.query.removed === '1'
            ? 'The entry has been removed.'
            : typeof req.query.imported === 'string' && /^\d{1,5}$/.test(req.query.imported)
              ? `${req.query.imported} entries have been logged from the file.`
              : undefined;
    res.render('apprentices/hours-log', {
      flash,
      title: `Off-the-job training log: ${a.givenNames} ${a.familyName}`,
      a,
      canEdit,
      kinds: [{ value: '', text: 'Any' }, ...KINDS],
      values: req.query,
      total: log.total,
      hours: log.hours,
      rows: log.rows.map((e) => ({
        ...e,
        days: e.fromDate ? `${e.fromDate} to ${e.date}` : e.date,
        kindLabel: OFF_THE_JOB_KIND_LABELS[e.kind],
        counts: e.kind === 'training',
        editHref: canEdit ? paths.correctHours(a.uln, e.id) : null,
        removeHref: canEdit ? paths.removeHours(a.uln, e.id) : null,
      })),
      pager: pager(
        log,
        (page) => `${paths.hoursLog(a.uln)}?${new URLSearchParams([...query, ['page', String(page)]]).toString()}`,
      ),
      backLink: `${paths.apprentice(a.uln)}#hours`,
    });
  });

  /* ---------- A day or a span ---------- */

  const hoursForm = (res: Response, a: ApprenticeDetail, locals: object) =>
    res.render('apprentices/hours', {
      title: 'Log off-the-job training',
      a,
      kinds: KINDS,
      action: paths.logHours(a.uln),
      submitText: 'Log hours',
      values: {},
      backLink: `${paths.apprentice(a.uln)}#hours`,
      ...locals,
    });

  router.get(routes.logHours, editors, (req, res) => {
    hoursForm(res, loadApprentice(db, res, req.params.uln, 'edit'), {});
  });

  router.post(routes.logHours, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const done = logOffTheJobHours(db, userOf(res), req.params.uln, req.body, today());
    if (done.ok) return res.redirect(303, `${paths.hoursLog(a.uln)}?logged=1`);
    renderRefusal(res, done, (errors) => hoursForm(res, a, { values: req.body as object, ...errors }), DATE_FIELDS);
  });

  /* ---------- Correcting and removing an entry ---------- */

  const entryFor = (res: Response, uln: unknown, id: unknown) => {
    const found = offTheJobEntryFor(db, userOf(res), uln, id);
    if (!found.ok) throw refusalError(found);
    return found.value;
  };

  const correctForm = (res: Response, a: ApprenticeDetail, entry: OffTheJobEntry, locals: object) =>
    hoursForm(res, a, {
      title: 'Correct an off-the-job entry',
      action: paths.correctHours(a.uln, entry.id),
      submitText: 'Save the correction',
      correcting: true,
      backLink: paths.hoursLog(a.uln),
      ...locals,
    });

  router.get(routes.correctHours, editors, (req, res) => {
    const { apprentice, entry } = entryFor(res, req.params.uln, req.params.id);
    correctForm(res, apprentice, entry, { values: entryValues(entry) });
  });

  router.post(routes.correctHours, editors, (req, res) => {
    const { apprentice, entry } = entryFor(res, req.params.uln, req.params.id);
    const done = correctOffTheJob(db, userOf(res), req.params.uln, req.params.id, req.body, today());
    if (done.ok) return res.redirect(303, `${paths.hoursLog(apprentice.uln)}?corrected=1`);
    renderRefusal(
      res,
      done,
      (errors) => correctForm(res, apprentice, entry, { values: req.body as object, ...errors }),
      DATE_FIELDS,
    );
  });

  const removeForm = (res: Response, a: ApprenticeDetail, entry: OffTheJobEntry, locals: object) =>
    res.render('apprentices/hours-remove', {
      title: 'Remove an off-the-job entry',
      a,
      entry: { ...entry, days: entry.fromDate ? `${entry.fromDate} to ${entry.date}` : entry.date },
      action: paths.removeHours(a.uln, entry.id),
      values: {},
      backLink: paths.hoursLog(a.uln),
      ...locals,
    });

  router.get(routes.removeHours, editors, (req, res) => {
    const { apprentice, entry } = entryFor(res, req.params.uln, req.params.id);
    removeForm(res, apprentice, entry, {});
  });

  router.post(routes.removeHours, editors, (req, res) => {
    const { apprentice, entry } = entryFor(res, req.params.uln, req.params.id);
    const done = removeOffTheJob(db, userOf(res), req.params.uln, req.params.id, req.body);
    if (done.ok) return res.redirect(303, `${paths.hoursLog(apprentice.uln)}?removed=1`);
    renderRefusal(res, done, (errors) => removeForm(res, apprentice, entry, { values: req.body as object, ...errors }));
  });

  /* ---------- A CSV log ---------- */

  const importForm = (res: Response, a: ApprenticeDetail, locals: object) =>
    res.render('apprentices/hours-import', {
      title: 'Import an off-the-job log',
      a,
      columns: HOURS_CSV_COLUMNS,
      kinds: OFF_THE_JOB_KINDS,
      backLink: paths.hoursLog(a.uln),
      ...locals,
    });

  router.get(routes.hoursTemplate, editors, (req, res) => {
    loadApprentice(db, res, req.params.uln, 'edit');
    res
      .attachment('off-the-job-log.csv')
      .type('text/csv; charset=utf-8')
      .send(BYTE_ORDER_MARK + HOURS_CSV_TEMPLATE);
  });

  router.get(routes.importHours, editors, (req, res) => {
    importForm(res, loadApprentice(db, res, req.params.uln, 'edit'), {});
  });

  router.post(routes.importHours, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const file = req.file;
    const kind = file ? binaryKindOf(file.buffer) : null;
    if (!file || file.size === 0 || kind) {
      res.status(400);
      return importForm(
        res,
        a,
        formErrors([
          {
            path: 'csvFile',
            message: kind
              ? `The selected file must be a CSV file: it is ${kind}`
              : 'Select a CSV file of off-the-job hours',
          },
        ]),
      );
    }
    const done = importOffTheJobLog(
      db,
      userOf(res),
      req.params.uln,
      file.buffer.toString('utf8'),
      `csv:${file.originalname}`,
      today(),
    );
    if (done.ok) return res.redirect(303, `${paths.hoursLog(a.uln)}?imported=${done.value.count}`);
    if (done.kind !== 'rows') throw refusalError(done);
    res.status(422);
    importForm(res, a, {
      fileName: file.originalname,
      problems: done.problems.slice(0, PROBLEMS_SHOWN),
      ...formErrors([
        {
          path: 'csvFile',
          message: `${file.originalname} has ${done.problems.length} problem${done.problems.length === 1 ? '' : 's'}; no hours were logged`,
        },
      ]),
    });
  });

  return router;
}
