import type { Clock } from '../clock.js';
import { todayInLondon } from '../dates.js';
import { importApprentices } from './import-job.js';
import { BYTE_ORDER_MARK } from '../outcomes/csv.js';
import { fullName } from '../names.js';
import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { formErrors, parseForm, textField } from '../http/forms.js';
import { binaryKindOf } from '../http/uploads.js';
import { BusyError, errorHeaders } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { listStandards, optionTitles } from '../standards/store.js';
import { listPlans } from '../plans/store.js';
import { actorOf, listEmployers, listProviders, type CurrentUser } from '../users/store.js';
import { CSV_TEMPLATE, columnFor } from './import.js';
import { apprenticeInputSchema, type ApprenticeInput } from './schema.js';
import { ENGLISH_MATHS_CHOICES, ENGLISH_MATHS_CHOICE_LABELS } from '../gateway/model.js';
import { correctUln, importDefaults } from './service.js';
import { addApprentices, updateApprentice, type ApprenticeDetail } from './store.js';
import { renderRefusal } from '../http/results.js';
import { DATE_FIELDS, PROBLEMS_SHOWN, dateParts, loadApprentice } from './page-helpers.js';

/** Adding apprentices one by one or by CSV import, and editing a record (with a reason). */
export function recordPages(db: Db, clock: Clock): Router {
  const router = Router();
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);
  const admins = pageFor('admin');

  /* ---------- Add, import, edit ---------- */
  /** The form's choices: the versions this organisation is approved for (and, when editing, the apprentice's own). */
  const formOptions = (user: CurrentUser, current?: { standardReference: string; standardVersion: string }) => {
    const offered = listStandards(db).filter(
      (s) => s.approved || (s.reference === current?.standardReference && s.version === current.standardVersion),
    );
    return {
      standards: offered.map((s) => ({
        value: `${s.reference}/${s.version}`,
        text: `${s.title} (${s.reference} v${s.version})`,
      })),
      courseOptions: courseOptionItems(offered),
      providers:
        user.role === 'provider'
          ? null
          : listProviders(db).map((p) => ({ value: p.ukprn, text: `${p.name} (${p.ukprn})` })),
      employers: [
        { value: '', text: 'Select the employer' },
        ...listEmployers(db).map((e) => ({ value: e.id, text: e.name })),
      ],
      bslItems: [{ value: 'yes', text: 'British Sign Language is their first language' }],
      // Only when some version has more than one plan is there a choice to make.
      plans: ((all) =>
        all.length > new Set(all.map((p) => p.standardVersionId)).size
          ? [
              { value: '', text: "The standard version's default plan" },
              ...all.map((p) => ({ value: p.id, text: `${p.title}${p.demo ? ' (demo)' : ''}` })),
            ]
          : null)(listPlans(db)),
      choices: [
        { value: '', text: 'Not recorded, or not applicable (16–18 at start)' },
        ...ENGLISH_MATHS_CHOICES.map((value) => ({
          value,
          text: `Aged 19 or over at start: ${ENGLISH_MATHS_CHOICE_LABELS[value].replace(/^./, (c) => c.toLowerCase())}`,
        })),
      ],
    };
  };

  /** The options of the versions offered (none unless one has a core and options), each named with its version. */
  const courseOptionItems = (offered: { id: number; reference: string; version: string }[]) => {
    const titles = optionTitles(db);
    const items = offered.flatMap((s) =>
      (titles.get(s.id) ?? []).map((title) => ({ value: title, text: `${title} (${s.reference} v${s.version})` })),
    );
    return items.length === 0 ? null : [{ value: '', text: 'None: the standard has no options' }, ...items];
  };

  /** The form's fields, as the schema wants them; a provider's UKPRN is always their own. */
  const submittedApprentice = (body: unknown, user: CurrentUser) => {
    const b = (body ?? {}) as Record<string, unknown>;
    const [standardReference, standardVersion] = textField(b, 'standard').split('/');
    return {
      ...b,
      standardReference,
      standardVersion,
      providerUkprn: user.role === 'provider' ? user.providerUkprn : b.providerUkprn,
    };
  };

  const formValues = (a: Partial<ApprenticeInput> & { standard?: string }) => ({
    ...a,
    standard: a.standard ?? (a.standardReference ? `${a.standardReference}/${a.standardVersion}` : ''),
    dateOfBirth: typeof a.dateOfBirth === 'object' ? a.dateOfBirth : dateParts(a.dateOfBirth),
    startDate: typeof a.startDate === 'object' ? a.startDate : dateParts(a.startDate),
    plannedEndDate: typeof a.plannedEndDate === 'object' ? a.plannedEndDate : dateParts(a.plannedEndDate),
    bslFirstLanguage: a.bslFirstLanguage === true || (a.bslFirstLanguage as unknown) === 'yes' ? ['yes'] : [],
  });

  router.get(paths.newApprentice, editors, (_req, res) => {
    res.render('apprentices/form', {
      title: 'Add an apprentice',
      action: paths.newApprentice,
      isNew: true,
      submitText: 'Add apprentice',
      values: formValues({ standard: 'ST0815/1.0' }),
      ...formOptions(userOf(res)),
      backLink: paths.apprentices,
    });
  });

  router.post(paths.newApprentice, editors, (req, res) => {
    const user = userOf(res);
    const again = (errors: object) =>
      res.status(400).render('apprentices/form', {
        title: 'Add an apprentice',
        action: paths.newApprentice,
        isNew: true,
        submitText: 'Add apprentice',
        values: formValues(req.body as ApprenticeInput),
        ...errors,
        ...formOptions(user),
        backLink: paths.apprentices,
      });
    const form = parseForm(apprenticeInputSchema, submittedApprentice(req.body, user), DATE_FIELDS);
    if (!form.ok) return again(form);
    const result = addApprentices(db, [{ line: 1, input: form.value }], actorOf(user), 'form');
    if (!result.ok)
      return again(
        formErrors(
          result.problems.map((p) => ({ ...p, path: p.path === 'standardVersion' ? 'standard' : p.path })),
          DATE_FIELDS,
        ),
      );
    res.redirect(paths.apprentice(form.value.uln));
  });

  router.get(paths.importTemplate, editors, (_req, res) => {
    res
      .attachment('apprentices-template.csv')
      .type('text/csv; charset=utf-8')
      .send(BYTE_ORDER_MARK + CSV_TEMPLATE);
  });

  /** The import page: the employers (a row gives one by id or name) and anything about a file sent. */
  const importPage = (extra: object = {}) => ({
    title: 'Import apprentices',
    backLink: paths.apprentices,
    employers: listEmployers(db),
    ...extra,
  });

  router.get(paths.importApprentices, editors, (_req, res) => {
    res.render('apprentices/import', importPage());
  });

  router.post(paths.importApprentices, editors, async (req, res) => {
    const user = userOf(res);
    const file = req.file;
    if (!file || file.size === 0)
      return res
        .status(400)
        .render(
          'apprentices/import',
          importPage(formErrors([{ path: 'csvFile', message: 'Select a CSV file of apprentices' }])),
        );
    const kind = binaryKindOf(file.buffer);
    if (kind) {
      const spreadsheet = kind.includes('Excel')
        ? '. In Excel, save it as “CSV UTF-8 (comma delimited)” and select that file'
        : '';
      return res.status(400).render(
        'apprentices/import',
        importPage(
          formErrors([
            {
              path: 'csvFile',
              message: `The selected file must be a CSV file: ${file.originalname} is ${kind}${spreadsheet}`,
            },
          ]),
        ),
      );
    }
    let result: Awaited<ReturnType<typeof importApprentices>>;
    try {
      result = await importApprentices(db, {
        user,
        source: `csv:${file.originalname}`,
        defaults: importDefaults(user),
        input: { kind: 'csv', bytes: file.buffer },
        on: todayInLondon(clock.now()),
      });
    } catch (error) {
      // Too many imports at once: the form again, saying so (a browser cannot keep the file chosen).
      if (!(error instanceof BusyError)) throw error;
      return res
        .status(503)
        .set(errorHeaders(error))
        .render('apprentices/import', importPage(formErrors([{ path: 'csvFile', message: error.message }])));
    }
    if (result.ok)
      return res.render('apprentices/imported', {
        title: 'Apprentices imported',
        count: result.count,
        fileName: file.originalname,
      });
    const problems = result.problems.map((p) => ({ ...p, path: columnFor(p.path) }));
    problems.sort((a, b) => a.line - b.line);
    res.status(422).render(
      'apprentices/import',
      importPage({
        fileName: file.originalname,
        // A file of thousands of bad lines would make a page of megabytes: the first ones show what to fix.
        problems: problems.slice(0, PROBLEMS_SHOWN),
        moreProblems:
          problems.length > PROBLEMS_SHOWN
            ? { shown: PROBLEMS_SHOWN.toLocaleString('en-GB'), total: problems.length.toLocaleString('en-GB') }
            : null,
        ...formErrors([
          {
            path: 'csvFile',
            message: `${file.originalname} has ${problems.length} problem${problems.length === 1 ? '' : 's'} on ${new Set(problems.map((p) => p.line)).size} line(s); no apprentices were imported`,
          },
        ]),
      }),
    );
  });

  /* ---------- Correcting a ULN (administrators) ---------- */

  const ulnPage = (a: ApprenticeDetail, extra: object = {}) => ({
    title: `Correct the ULN: ${fullName(a)}`,
    a,
    backLink: paths.apprentice(a.uln),
    values: {},
    ...extra,
  });

  router.get(routes.correctUln, admins, (req, res) => {
    res.render('apprentices/uln', ulnPage(loadApprentice(db, res, req.params.uln, 'correct_uln')));
  });

  router.post(routes.correctUln, admins, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'correct_uln');
    const done = correctUln(db, userOf(res), req.params.uln, req.body);
    if (done.ok) return res.redirect(303, `${paths.apprentice(done.value.uln)}?uln-corrected=1`);
    renderRefusal(res, done, (errors) =>
      res.render('apprentices/uln', ulnPage(a, { values: req.body as object, ...errors })),
    );
  });

  router.get(routes.editApprentice, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    res.render('apprentices/form', {
      title: `Edit ${fullName(a)}`,
      action: paths.editApprentice(a.uln),
      submitText: 'Save changes',
      values: formValues(a),
      ...formOptions(userOf(res), a),
      backLink: paths.apprentice(a.uln),
    });
  });

  router.post(routes.editApprentice, editors, (req, res) => {
    const user = userOf(res);
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const body = {
      ...(req.body as object),
      uln: a.uln,
      providerUkprn: user.role === 'provider' ? a.providerUkprn : (req.body as Record<string, unknown>).providerUkprn,
    };
    const again = (errors: object) =>
      res.status(400).render('apprentices/form', {
        title: `Edit ${fullName(a)}`,
        action: paths.editApprentice(a.uln),
        submitText: 'Save changes',
        values: formValues(body as ApprenticeInput),
        ...errors,
        ...formOptions(user, a),
        backLink: paths.apprentice(a.uln),
      });
    const form = parseForm(apprenticeInputSchema, submittedApprentice(body, user), DATE_FIELDS);
    if (!form.ok) return again(form);
    const reason = textField(req.body, 'reason').trim();
    if (!reason) return again(formErrors([{ path: 'reason', message: 'Say why the record is being changed' }]));
    const result = updateApprentice(db, a.id, form.value, actorOf(user), reason.slice(0, 500));
    if (!result.ok) return again(formErrors(result.problems, DATE_FIELDS));
    res.redirect(paths.apprentice(a.uln));
  });

  return router;
}
