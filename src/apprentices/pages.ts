import { valueOrThrow } from '../http/results.js';
import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { CHECK_CODES, CHECK_LABELS, QUALIFICATION_TYPES, QUALIFICATION_TYPE_LABELS } from '../gateway/model.js';
import { GATEWAY_STATES, GATEWAY_STATE_LABELS } from '../gateway/status.js';
import {
  checkDecisionsOf,
  dashboardPage,
  evaluateApprentice,
  gatewayState,
  submissionsOf,
  submitForGateway,
} from '../gateway/store.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors, parseForm, textField } from '../http/forms.js';
import { binaryKindOf } from '../http/uploads.js';
import { apprenticeBookings } from '../bookings/pages.js';
import { paths, routes } from '../paths.js';
import { listStandards } from '../standards/store.js';
import { actorOf, listEmployers, listProviders, type CurrentUser } from '../users/store.js';
import { apprenticeScope, canActOn, type ApprenticeAction } from './access.js';
import { CSV_TEMPLATE, columnFor, parseApprenticeCsv } from './import.js';
import {
  apprenticeInputSchema,
  offTheJobInputSchema,
  planItemInputSchema,
  qualificationInputSchema,
  declarationInputSchema,
  type ApprenticeInput,
} from './schema.js';
import { apprenticeFor, importDefaults, importForUser } from './service.js';
import {
  addApprentices,
  addOffTheJobHours,
  addQualification,
  confirmDeclaration,
  recordPlanItem,
  updateApprentice,
  type ApprenticeDetail,
} from './store.js';

export const DASHBOARD_PAGE_SIZE = 25;

const dashboardQuery = z.object({
  state: z.enum(GATEWAY_STATES).optional().catch(undefined),
  unmet: z.enum(CHECK_CODES).optional().catch(undefined),
  page: z.coerce.number().int().min(1).catch(1).default(1),
});

/** How many of an import's problems the page lists (the summary gives the total). */
const PROBLEMS_SHOWN = 1000;

/** Date input fields point the error summary at the day box. */
const DATE_FIELDS = {
  dateOfBirth: 'dateOfBirth-day',
  startDate: 'startDate-day',
  plannedEndDate: 'plannedEndDate-day',
  achievedOn: 'achievedOn-day',
  date: 'date-day',
};

function dateParts(iso: string | undefined) {
  if (!iso) return {};
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
}

/** The apprentice in the URL, if the signed-in user may do this to it (see apprenticeFor). */
function loadApprentice(db: Db, res: Response, uln: unknown, action: ApprenticeAction): ApprenticeDetail {
  return valueOrThrow(apprenticeFor(db, userOf(res), uln, action));
}

export function apprenticeRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  const viewers = pageFor(...AREA_ROLES.apprentices);
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);

  /* ---------- Dashboard ---------- */
  router.get(paths.apprentices, viewers, (req, res) => {
    const user = userOf(res);
    const query = dashboardQuery.parse(req.query);
    const on = todayInLondon(clock.now());
    const { rows, counts, total, matching, page, pages } = dashboardPage(
      db,
      apprenticeScope(user),
      on,
      query,
      query.page,
      DASHBOARD_PAGE_SIZE,
    );
    const link = (p: number) =>
      `${paths.apprentices}?${new URLSearchParams({ ...(query.state ? { state: query.state } : {}), ...(query.unmet ? { unmet: query.unmet } : {}), page: String(p) }).toString()}`;
    res.render('apprentices/dashboard', {
      title: 'Apprentices',
      on,
      canAdd: user.role !== 'employer',
      total,
      shown: matching,
      states: [
        { value: '', text: 'Any status' },
        ...GATEWAY_STATES.map((s) => ({ value: s, text: `${GATEWAY_STATE_LABELS[s]} (${counts[s]})` })),
      ],
      checks: [{ value: '', text: 'Any' }, ...CHECK_CODES.map((c) => ({ value: c, text: CHECK_LABELS[c] }))],
      values: query,
      rows: rows.map((r) => ({
        href: paths.apprentice(r.uln),
        name: fullName(r),
        uln: r.uln,
        employer: r.employerName,
        provider: r.providerName,
        startDate: r.startDate,
        state: r.state,
        stateLabel: GATEWAY_STATE_LABELS[r.state],
        unmet: r.unmet.map((c) => CHECK_LABELS[c]),
      })),
      page,
      pages,
      previous: page > 1 ? link(page - 1) : null,
      next: page < pages ? link(page + 1) : null,
    });
  });

  /* ---------- Add, import, edit ---------- */
  const formOptions = (user: CurrentUser) => ({
    standards: listStandards(db).map((s) => ({
      value: `${s.reference}/${s.version}`,
      text: `${s.title} (${s.reference} v${s.version})`,
    })),
    providers:
      user.role === 'provider'
        ? null
        : listProviders(db).map((p) => ({ value: p.ukprn, text: `${p.name} (${p.ukprn})` })),
    employers: [
      { value: '', text: 'Select the employer' },
      ...listEmployers(db).map((e) => ({ value: e.id, text: e.name })),
    ],
    ehcItems: [
      {
        value: 'yes',
        text: 'Has an EHC plan, a statement of special educational needs or a learning difficulty assessment',
      },
    ],
    bslItems: [{ value: 'yes', text: 'British Sign Language is their first language' }],
    choices: [
      { value: '', text: 'Not recorded, or not applicable (16–18 at start)' },
      { value: 'pursue', text: 'Aged 19 or over at start: chose to work towards English and maths' },
      { value: 'not_pursue', text: 'Aged 19 or over at start: chose not to' },
    ],
  });

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
    ehcPlan: a.ehcPlan === true || (a.ehcPlan as unknown) === 'yes' ? ['yes'] : [],
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
    res.attachment('apprentices-template.csv').type('text/csv').send(CSV_TEMPLATE);
  });

  router.get(paths.importApprentices, editors, (_req, res) => {
    res.render('apprentices/import', { title: 'Import apprentices', backLink: paths.apprentices });
  });

  router.post(paths.importApprentices, editors, (req, res) => {
    const user = userOf(res);
    const file = req.file;
    if (!file || file.size === 0)
      return res.status(400).render('apprentices/import', {
        title: 'Import apprentices',
        backLink: paths.apprentices,
        ...formErrors([{ path: 'csvFile', message: 'Select a CSV file of apprentices' }]),
      });
    const kind = binaryKindOf(file.buffer);
    if (kind) {
      const spreadsheet = kind.includes('Excel')
        ? '. In Excel, save it as “CSV UTF-8 (comma delimited)” and select that file'
        : '';
      return res.status(400).render('apprentices/import', {
        title: 'Import apprentices',
        backLink: paths.apprentices,
        ...formErrors([
          {
            path: 'csvFile',
            message: `The selected file must be a CSV file: ${file.originalname} is ${kind}${spreadsheet}`,
          },
        ]),
      });
    }
    const result = importForUser(
      db,
      user,
      parseApprenticeCsv(file.buffer.toString('utf8'), importDefaults(user)),
      `csv:${file.originalname}`,
    );
    if (result.ok)
      return res.render('apprentices/imported', {
        title: 'Apprentices imported',
        count: result.count,
        fileName: file.originalname,
      });
    const problems = result.problems.map((p) => ({ ...p, path: columnFor(p.path) }));
    problems.sort((a, b) => a.line - b.line);
    res.status(422).render('apprentices/import', {
      title: 'Import apprentices',
      backLink: paths.apprentices,
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
    });
  });

  router.get(routes.editApprentice, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    res.render('apprentices/form', {
      title: `Edit ${fullName(a)}`,
      action: paths.editApprentice(a.uln),
      submitText: 'Save changes',
      values: formValues(a),
      ...formOptions(userOf(res)),
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
        ...formOptions(user),
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

  /* ---------- The apprentice's page ---------- */
  router.get(routes.apprentice, viewers, (req, res) => {
    const user = userOf(res);
    const a = loadApprentice(db, res, req.params.uln, 'view');
    const on = todayInLondon(clock.now());
    const { evaluation, latest, plan, evidence } = evaluateApprentice(db, a, on);
    const canEdit = canActOn(user, a, 'edit');
    const submissions = submissionsOf(db, a.id).map((s) => ({
      ...s,
      checks: checkDecisionsOf(db, s.id).map((d) => ({ ...d, label: CHECK_LABELS[d.checkCode] })),
      reviewHref: canActOn(user, a, 'review') && s.status === 'submitted' ? paths.reviewSubmission(s.id) : null,
    }));
    const state = gatewayState(evaluation, latest);
    res.render('apprentices/show', {
      title: fullName(a),
      a,
      on,
      plan,
      state,
      stateLabel: GATEWAY_STATE_LABELS[state],
      checks: evaluation.checks.map((c) => ({ ...c, label: CHECK_LABELS[c.code] })),
      ready: evaluation.ready,
      canEdit,
      canRequest: canEdit && evaluation.ready && latest?.status !== 'submitted' && latest?.status !== 'accepted',
      canConfirmEmployer: canActOn(user, a, 'employer_declaration'),
      qualifications: evidence.qualificationRows.map((q) => ({ ...q, typeLabel: QUALIFICATION_TYPE_LABELS[q.type] })),
      hours: evidence.hoursEntries,
      hoursTotal: evidence.hoursEntries.reduce((sum, h) => sum + h.hours, 0),
      items: (plan?.gatewayItems ?? []).map((item) => ({
        ...item,
        provided: evidence.itemRows.find((r) => r.itemId === item.id),
        href: paths.gatewayItem(a.uln, item.id),
      })),
      declaration: evidence.declaration,
      submissions,
      epaPeriod: latest?.status === 'accepted' ? { start: latest.epaPeriodStart, end: latest.epaPeriodEnd } : null,
      resultsHref: paths.apprenticeResults(a.uln),
      personalDataHref: (AREA_ROLES.personalData as readonly string[]).includes(user.role)
        ? paths.personalData(a.uln)
        : null,
      bookings: apprenticeBookings(db, a.id),
      backLink: paths.apprentices,
    });
  });

  /* ---------- Evidence ---------- */
  const qualificationOptions = {
    subjects: [
      { value: 'english', text: 'English' },
      { value: 'maths', text: 'Maths' },
    ],
    types: QUALIFICATION_TYPES.map((t) => ({ value: t, text: QUALIFICATION_TYPE_LABELS[t] })),
  };

  router.get(routes.addQualification, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    res.render('apprentices/qualification', {
      title: 'Add English or maths evidence',
      a,
      values: {},
      ...qualificationOptions,
      backLink: paths.apprentice(a.uln),
    });
  });

  router.post(routes.addQualification, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const form = parseForm(qualificationInputSchema, req.body, DATE_FIELDS);
    if (!form.ok)
      return res.status(400).render('apprentices/qualification', {
        title: 'Add English or maths evidence',
        a,
        values: req.body as object,
        errors: form.errors,
        errorList: form.errorList,
        ...qualificationOptions,
        backLink: paths.apprentice(a.uln),
      });
    addQualification(db, a, form.value, actorOf(userOf(res)));
    res.redirect(`${paths.apprentice(a.uln)}#evidence`);
  });

  router.get(routes.logHours, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    res.render('apprentices/hours', {
      title: 'Log off-the-job training',
      a,
      values: {},
      backLink: paths.apprentice(a.uln),
    });
  });

  router.post(routes.logHours, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const form = parseForm(offTheJobInputSchema, req.body, DATE_FIELDS);
    if (!form.ok)
      return res.status(400).render('apprentices/hours', {
        title: 'Log off-the-job training',
        a,
        values: req.body as object,
        errors: form.errors,
        errorList: form.errorList,
        backLink: paths.apprentice(a.uln),
      });
    addOffTheJobHours(db, a, form.value, actorOf(userOf(res)));
    res.redirect(`${paths.apprentice(a.uln)}#hours`);
  });

  const planItemOf = (a: ApprenticeDetail, itemId: unknown) => {
    const { plan } = evaluateApprentice(db, a, todayInLondon(clock.now()));
    const item = plan?.gatewayItems.find((i) => i.id === itemId);
    if (!item) throw new HttpError(404, 'The assessment plan has no such gateway item');
    return item;
  };

  router.get(routes.gatewayItem, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const item = planItemOf(a, req.params.itemId);
    res.render('apprentices/gateway-item', {
      title: item.name,
      a,
      item,
      values: {},
      backLink: paths.apprentice(a.uln),
    });
  });

  router.post(routes.gatewayItem, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const item = planItemOf(a, req.params.itemId);
    const form = parseForm(planItemInputSchema, { ...(req.body as object), itemId: item.id });
    if (!form.ok)
      return res.status(400).render('apprentices/gateway-item', {
        title: item.name,
        a,
        item,
        values: req.body as object,
        errors: form.errors,
        errorList: form.errorList,
        backLink: paths.apprentice(a.uln),
      });
    recordPlanItem(db, a, item.id, form.value.reference, actorOf(userOf(res)));
    res.redirect(`${paths.apprentice(a.uln)}#gateway-items`);
  });

  router.post(routes.declaration, viewers, (req, res) => {
    loadApprentice(db, res, req.params.uln, 'view');
    const form = declarationInputSchema.safeParse(req.body);
    if (!form.success) throw new HttpError(400, 'Say whose confirmation this is');
    const part = form.data.part;
    const a = loadApprentice(db, res, req.params.uln, part === 'employer' ? 'employer_declaration' : 'edit');
    confirmDeclaration(db, a, part, actorOf(userOf(res)), clock.now());
    res.redirect(`${paths.apprentice(a.uln)}#declaration`);
  });

  router.post(routes.requestEpa, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const result = submitForGateway(db, a, todayInLondon(clock.now()), actorOf(userOf(res)));
    if (!result.ok) throw new HttpError(409, result.message);
    res.redirect(`${paths.apprentice(a.uln)}#submissions`);
  });

  return router;
}
