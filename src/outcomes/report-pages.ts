import { reportQuerySchema } from './schemas.js';
import { filterOf, reportScope } from './service.js';
import { todayInLondon } from '../dates.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import { methodNames } from '../bookings/store.js';
import { listAssessorUsers } from '../bookings/assessor-store.js';
import type { Db } from '../db/connection.js';
import { memoUntilChange } from '../db/change-stamp.js';
import { internalPageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { getPlanForStandard } from '../plans/store.js';
import { listStandards } from '../standards/store.js';
import { listEmployers, listProviders, type CurrentUser } from '../users/store.js';
import { problemsFromZod } from '../validation/problems.js';
import { barChart, lineChart } from './charts.js';
import { spreadsheetCsv } from './csv.js';
import { dashboardFigures, ksbShortfall, type Figures, type KsbShortfall } from './dashboard.js';

const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)}%`);

/** The dashboard's tables, each shown on the page and downloadable as CSV. */
function tables(f: Figures) {
  return {
    summary: {
      caption: 'Summary',
      header: ['Figure', 'Value'],
      rows: [
        ['Results', f.results],
        ['Pass rate (any grade but Fail, of results other than Withdrawn)', percent(f.passRate)],
        ['Distinction rate', percent(f.distinctionRate)],
        ['First attempts with a result', f.firstAttempts],
        ['First-attempt pass rate', percent(f.firstAttemptPassRate)],
        ['Resits', f.resits],
        ['Retakes', f.retakes],
        ['Appeals lodged', f.appeals.lodged],
        ['Appeals upheld', f.appeals.upheld],
        ['Appeals not upheld', f.appeals.notUpheld],
        ['Appeals waiting for a decision', f.appeals.open],
        ['Apprentices waiting for a booking', f.bookingsWaiting],
      ] as (string | number)[][],
    },
    grades: {
      caption: 'Results by grade',
      header: ['Grade', 'Results'],
      rows: f.byGrade.map((g) => [g.grade, g.count]),
    },
    timings: {
      caption: 'Days from gateway acceptance (first attempts)',
      header: ['Measure', 'Apprentices', 'Median days', '90th percentile days'],
      rows: [
        ['To the first booking made', f.daysToBooking.count, f.daysToBooking.median ?? '–', f.daysToBooking.p90 ?? '–'],
        ['To the result', f.daysToResult.count, f.daysToResult.median ?? '–', f.daysToResult.p90 ?? '–'],
      ],
    },
    months: {
      caption: 'Results by month',
      header: ['Month', 'Results', 'Passes', 'Pass rate'],
      rows: f.byMonth.map((m) => [m.month, m.results, m.passes, percent(m.results ? m.passes / m.results : null)]),
    },
  };
}

function shortfallTable(rows: KsbShortfall[]) {
  return {
    caption: 'KSB shortfall',
    header: [
      'KSB',
      'Decisions',
      'Not met',
      'Not met rate',
      'Decisions in Fails',
      'Not met in Fails',
      'Not met rate in Fails',
    ],
    rows: rows.map((r) => [
      r.ksb,
      r.decisions,
      r.notMet,
      percent(r.rate),
      r.failDecisions,
      r.failNotMet,
      percent(r.failRate),
    ]),
  };
}

/** The EPAO dashboard, the KSB shortfall report, their CSV downloads, and GET /api/v1/reports/outcomes. */
export function reportRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  // Not an external quality assurer's: per-assessor figures over unreleased and held results too.
  const readers = internalPageFor(...AREA_ROLES.reports);

  /** The filter form's context (partials see only what they are given): its action, values, errors and choices. */
  const filters = (user: CurrentUser, action: string, values: object, errors: object = {}) => ({
    filters: { action, values, ...errors, ...options(user) },
  });
  // The choices are read from four lists on every page of the reports, so kept until the database changes.
  const options = (user: CurrentUser) =>
    optionsUntilChange(db, user.role === 'provider' ? 'provider' : 'all', () => readOptions(user));
  const readOptions = (user: CurrentUser) => ({
    standards: [
      { value: '', text: 'All standards' },
      // The versions we assess (approved); a version newly in the catalogue has no results to filter.
      ...listStandards(db)
        .filter((s) => s.approved)
        .map((s) => ({
          value: `${s.reference}/${s.version}`,
          text: `${s.title} (${s.reference} v${s.version})`,
        })),
    ],
    providers:
      user.role === 'provider'
        ? null
        : [{ value: '', text: 'All providers' }, ...listProviders(db).map((p) => ({ value: p.ukprn, text: p.name }))],
    employers: [{ value: '', text: 'All employers' }, ...listEmployers(db).map((e) => ({ value: e.id, text: e.name }))],
    assessors: [
      { value: '', text: 'All assessors' },
      ...listAssessorUsers(db).map((a) => ({ value: String(a.id), text: a.name })),
    ],
    methods: [{ value: '', text: 'All methods' }, ...[...methodNames(db)].map(([value, text]) => ({ value, text }))],
  });

  const optionsUntilChange = memoUntilChange<ReturnType<typeof readOptions>>(2);

  /** Reads the filters; a bad one re-renders the page with the error summary and the values kept. */
  const readFilter = (res: Response, query: unknown, view: string, title: string, action: string) => {
    const user = userOf(res);
    const scope = reportScope(user);
    // A provider's reports are always its own: a provider filter in the address is ignored.
    const values: Record<string, unknown> =
      typeof query === 'object' && query !== null ? { ...(query as Record<string, unknown>) } : {};
    if (user.role === 'provider') delete values.provider;
    const parsed = reportQuerySchema.safeParse(values);
    if (!parsed.success) {
      const errors = formErrors(problemsFromZod(parsed.error));
      res.status(400).render(view, { title, errorList: errors.errorList, ...filters(user, action, values, errors) });
      return null;
    }
    const filter = filterOf(db, parsed.data, scope);
    if ('unknownStandard' in filter) {
      const errors = formErrors([{ path: 'standard', message: 'Choose a standard from the list' }]);
      res.status(400).render(view, { title, errorList: errors.errorList, ...filters(user, action, values, errors) });
      return null;
    }
    const csvQuery = new URLSearchParams(
      Object.entries(parsed.data).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
    ).toString();
    return { user, scope, filter, values, csvQuery, query: parsed.data };
  };

  router.get(paths.reports, readers, (req, res) => {
    const title = 'Outcomes dashboard';
    const read = readFilter(res, req.query, 'outcomes/dashboard', title, paths.reports);
    if (!read) return;
    const figures = dashboardFigures(db, read.filter, read.scope, todayInLondon(clock.now()));
    const t = tables(figures);
    res.render('outcomes/dashboard', {
      title,
      ...filters(read.user, paths.reports, read.values),
      scoped: read.scope.kind !== 'all',
      figures,
      rates: { pass: percent(figures.passRate), distinction: percent(figures.distinctionRate) },
      tables: Object.entries(t).map(([name, table]) => ({ ...table, csv: paths.reportCsv(name, read.csvQuery) })),
      gradeChart: barChart(
        {
          id: 'chart-grades',
          title: 'Results by grade',
          description: `Bar chart of ${figures.results} results by grade; the same figures are in the table "Results by grade".`,
        },
        figures.byGrade.map((g) => ({ label: g.grade, value: g.count })),
      ),
      monthChart: lineChart(
        {
          id: 'chart-months',
          title: 'Pass rate by month',
          description:
            'Line chart of the share of results each month that were a pass; the figures are in the table "Results by month".',
        },
        figures.byMonth.map((m) => ({ label: m.month, value: m.results ? m.passes / m.results : 0 })),
        { max: 1, format: (n) => `${Math.round(n * 100)}%` },
      ),
      shortfallHref: `${paths.ksbShortfall}${read.csvQuery ? `?${read.csvQuery}` : ''}`,
      consistencyHref: AREA_ROLES.consistency.some((role) => role === read.user.role)
        ? paths.assessorConsistency
        : null,
    });
  });

  router.get(paths.ksbShortfall, readers, (req, res) => {
    const title = 'KSB shortfall';
    const read = readFilter(res, req.query, 'outcomes/ksb-shortfall', title, paths.ksbShortfall);
    if (!read) return;
    if (read.filter.standardVersionId === undefined) {
      return res.render('outcomes/ksb-shortfall', {
        title,
        ...filters(read.user, paths.ksbShortfall, read.values),
        chooseStandard: true,
      });
    }
    const plan = getPlanForStandard(db, read.filter.standardVersionId);
    if (!plan) throw new HttpError(404, 'This standard has no assessment plan');
    const rows = ksbShortfall(db, plan, read.filter, read.scope);
    res.render('outcomes/ksb-shortfall', {
      title,
      ...filters(read.user, paths.ksbShortfall, read.values),
      scoped: read.scope.kind !== 'all',
      table: shortfallTable(rows),
      csv: paths.reportCsv('ksb-shortfall', read.csvQuery),
    });
  });

  router.get(routes.reportCsv, readers, (req, res) => {
    const read = readFilter(res, req.query, 'outcomes/dashboard', 'Outcomes dashboard', paths.reports);
    if (!read) return;
    const name = String(req.params.table);
    let table: { header: string[]; rows: (string | number)[][] } | undefined;
    if (name === 'ksb-shortfall') {
      const plan =
        read.filter.standardVersionId !== undefined ? getPlanForStandard(db, read.filter.standardVersionId) : undefined;
      if (!plan) throw new HttpError(400, 'Choose a standard for the KSB shortfall');
      table = shortfallTable(ksbShortfall(db, plan, read.filter, read.scope));
    } else {
      const all = tables(dashboardFigures(db, read.filter, read.scope, todayInLondon(clock.now()))) as Record<
        string,
        { header: string[]; rows: (string | number)[][] }
      >;
      table = Object.hasOwn(all, name) ? all[name] : undefined;
    }
    if (!table) throw new HttpError(404, 'There is no such table');
    res.type('text/csv; charset=utf-8').attachment(`${name}.csv`).send(spreadsheetCsv(table.header, table.rows));
  });

  return router;
}
