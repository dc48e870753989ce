import { readFeed } from '../support/calendar.js';
import { now } from '../support/clock.js';
import { expect } from 'chai';
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import supertest from 'supertest';
import { issueCalendarToken } from '../../src/bookings/assessor-store.js';
import { createPasswordReset } from '../../src/users/store.js';
import { todayInLondon } from '../../src/dates.js';
import { testApp, type TestContext } from '../support/app.js';
import { apiProblems, loggedErrors, pageProblems, sessionsFor, type Browser, type Role } from '../support/answers.js';
import { SETUP } from '../support/apprentices.js';
import { buildFixture, type Fixture } from '../support/fixture.js';
import {
  DATE_STRINGS,
  HTML_PAYLOADS,
  NUMBER_STRINGS,
  RUNS,
  SEED,
  SQL_PAYLOADS,
  UNICODE_STRINGS,
  brief,
  encodeForm,
  randomKey,
  type Pairs,
} from '../support/hostile.js';
import { listRoutes } from '../support/routes.js';

/*
 * Every GET route (pages, downloads and the API), asked with hostile query strings by a role
 * that may see it: the names its GET forms and handlers read (filters, dates, pages, flags)
 * and random ones, with hostile values, arrays and objects (`from[toString]=x` included).
 * Every answer: no server error or stack trace, no markup from the query; the API answers JSON.
 */

type Kind = 'page' | 'download' | 'api';
interface GetSpec {
  as: Role | 'anonymous';
  url: (f: Fixture, ctx: TestContext) => string;
  kind?: Kind;
  /** Query names the handler reads (besides those of the page's GET forms). */
  query?: string[];
}

const REPORT_FILTERS = ['from', 'to', 'standard', 'provider', 'employer', 'assessor', 'method'];
const DATE_PARTS = (prefix: string) => [`${prefix}[day]`, `${prefix}[month]`, `${prefix}[year]`];

const GET_SPECS: Record<string, GetSpec> = {
  'GET /health': { as: 'anonymous', url: () => '/health', kind: 'api' },
  'GET /search': { as: 'provider', url: () => '/search', query: ['q'] },
  'GET /assets/govuk-frontend.min.css': {
    as: 'anonymous',
    url: () => '/assets/govuk-frontend.min.css',
    kind: 'download',
  },
  'GET /api/v1/openapi.json': { as: 'anonymous', url: () => '/api/v1/openapi.json', kind: 'api' },
  'GET /api/v1/standards': { as: 'admin', url: () => '/api/v1/standards', kind: 'api' },
  'GET /api/v1/standards/:reference/:version': { as: 'admin', url: () => '/api/v1/standards/ST0815/1.0', kind: 'api' },
  'GET /api/v1/standards/:reference/:version/plan': {
    as: 'admin',
    url: () => '/api/v1/standards/ST0815/1.0/plan',
    kind: 'api',
  },
  'GET /api/v1/apprentices': {
    as: 'provider',
    url: () => '/api/v1/apprentices',
    kind: 'api',
    query: ['state', 'status', 'on'],
  },
  'GET /api/v1/apprentices/:uln': { as: 'admin', url: (f) => `/api/v1/apprentices/${f.a.uln}`, kind: 'api' },
  'GET /api/v1/apprentices/:uln/gateway': {
    as: 'admin',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/gateway`,
    kind: 'api',
    query: ['on'],
  },
  'GET /api/v1/gateway/submissions': { as: 'admin', url: () => '/api/v1/gateway/submissions', kind: 'api' },
  'GET /api/v1/results/:uln/pdf': { as: 'admin', url: (f) => `/api/v1/results/${f.a.uln}/pdf`, kind: 'download' },
  'GET /api/v1/results/:uln': { as: 'employer', url: (f) => `/api/v1/results/${f.a.uln}`, kind: 'api' },
  'GET /api/v1/apprentices/:uln/gateway-items/:itemId/files': {
    as: 'employer',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/gateway-items/portfolio/files`,
    kind: 'api',
  },
  'GET /api/v1/apprentices/:uln/qualifications': {
    as: 'employer',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/qualifications`,
    kind: 'api',
  },
  'GET /api/v1/apprentices/:uln/qualifications/:id/files': {
    as: 'employer',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/qualifications/${f.qualification}/files`,
    kind: 'api',
  },
  'GET /api/v1/bookings/:id/files': {
    as: 'assessor',
    url: (f) => `/api/v1/bookings/${f.gradableBooking}/files`,
    kind: 'api',
  },
  'GET /api/v1/evidence/:id': { as: 'employer', url: (f) => `/api/v1/evidence/${f.evidenceFile}`, kind: 'download' },
  'GET /api/v1/reports/outcomes': {
    as: 'admin',
    url: () => '/api/v1/reports/outcomes',
    kind: 'api',
    query: REPORT_FILTERS,
  },
  'GET /api/v1/claims': { as: 'admin', url: () => '/api/v1/claims', kind: 'api' },
  'GET /api/v1/bookings': {
    as: 'assessor',
    url: () => '/api/v1/bookings',
    kind: 'api',
    query: ['from', 'to', 'status'],
  },
  'GET /api/v1/bookings/:id': { as: 'admin', url: (f) => `/api/v1/bookings/${f.booking}`, kind: 'api' },
  'GET /api/v1/assessors': { as: 'admin', url: () => '/api/v1/assessors', kind: 'api' },
  'GET /api/v1/assessors/:id/availability': {
    as: 'assessor',
    url: (f) => `/api/v1/assessors/${f.assessor}/availability?date=${todayInLondon(now())}`,
    kind: 'api',
    query: ['date'],
  },
  'GET /api/v1/assessors/:id/conflicts': {
    as: 'admin',
    url: (f) => `/api/v1/assessors/${f.assessor}/conflicts`,
    kind: 'api',
  },
  'GET /': { as: 'provider', url: () => '/' },
  'GET /sign-in': { as: 'anonymous', url: () => '/sign-in', query: ['returnTo'] },
  'GET /standards': { as: 'employer', url: () => '/standards', query: ['q', 'ours', 'page'] },
  'GET /standards/import': { as: 'admin', url: () => '/standards/import' },
  'GET /standards/:reference/:version': { as: 'qa', url: () => '/standards/ST0815/1.0' },
  'GET /standards/:reference/:version/plan': {
    as: 'admin',
    url: () => '/standards/ST0815/1.0/plan',
    query: ['id', 'published'],
  },
  'GET /apprentices/:uln/personal-data': { as: 'admin', url: (f) => `/apprentices/${f.a.uln}/personal-data` },
  'GET /apprentices': { as: 'provider', url: () => '/apprentices', query: ['state', 'unmet', 'page'] },
  'GET /apprentices/new': { as: 'admin', url: () => '/apprentices/new' },
  'GET /apprentices/import/template.csv': {
    as: 'provider',
    url: () => '/apprentices/import/template.csv',
    kind: 'download',
  },
  'GET /apprentices/import': { as: 'admin', url: () => '/apprentices/import' },
  'GET /apprentices/:uln/edit': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/edit` },
  'GET /apprentices/:uln/uln': { as: 'admin', url: (f) => `/apprentices/${f.a.uln}/uln` },
  'GET /apprentices/:uln': { as: 'employer', url: (f) => `/apprentices/${f.a.uln}` },
  'GET /apprentices/:uln/qualifications/new': { as: 'admin', url: (f) => `/apprentices/${f.a.uln}/qualifications/new` },
  'GET /apprentices/:uln/hours/new': { as: 'admin', url: (f) => `/apprentices/${f.a.uln}/hours/new` },
  'GET /apprentices/:uln/hours': {
    as: 'employer',
    url: (f) => `/apprentices/${f.a.uln}/hours`,
    query: ['kind', 'from', 'to', 'page', 'logged', 'corrected', 'removed', 'imported'],
  },
  'GET /apprentices/:uln/hours/import': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/hours/import` },
  'GET /apprentices/:uln/hours/import/template.csv': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/hours/import/template.csv`,
    kind: 'download',
  },
  'GET /apprentices/:uln/hours/:id/edit': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/edit`,
  },
  'GET /apprentices/:uln/hours/:id/remove': {
    as: 'admin',
    url: (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/remove`,
  },
  'GET /apprentices/:uln/marking': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/marking` },
  'GET /apprentices/:uln/breaks/new': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/breaks/new` },
  'GET /apprentices/:uln/breaks/:id/remove': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/breaks/${f.learningBreak}/remove`,
  },
  'GET /apprentices/:uln/earlier-episodes/new': {
    as: 'admin',
    url: (f) => `/apprentices/${f.a.uln}/earlier-episodes/new`,
  },
  'GET /apprentices/:uln/earlier-episodes/:id/remove': {
    as: 'admin',
    url: (f) => `/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}/remove`,
  },
  'GET /apprentices/:uln/english-maths-flexibility': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/english-maths-flexibility`,
  },
  'GET /apprentices/:uln/english-maths-flexibility/withdraw': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/english-maths-flexibility/withdraw`,
  },
  'GET /apprentices/:uln/prior-learning': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/prior-learning` },
  'GET /apprentices/:uln/certificate-delivery': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/certificate-delivery`,
  },
  'GET /standards/:reference/:version/off-the-job-minimum': {
    as: 'admin',
    url: () => '/standards/ST0815/1.0/off-the-job-minimum',
  },
  'GET /standards/:reference/:version/qualification-number': {
    as: 'admin',
    url: () => '/standards/ST0815/1.0/qualification-number',
  },
  'GET /standards/:reference/:version/approval': { as: 'admin', url: () => '/standards/ST0815/1.0/approval' },
  'GET /standards/:reference/:version/plans/new': { as: 'admin', url: () => '/standards/ST0815/1.0/plans/new' },
  'GET /evidence/:id': { as: 'employer', url: (f) => `/evidence/${f.evidenceFile}`, kind: 'download' },
  'GET /apprentices/:uln/adjustments/new': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/adjustments/new` },
  'GET /apprentices/:uln/special-consideration/new': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/special-consideration/new`,
  },
  'GET /requests': { as: 'admin', url: () => '/requests', query: ['show', 'page'] },
  'GET /cases': { as: 'admin', url: () => '/cases', query: ['show', 'page'] },
  'GET /cases/decisions-about-you': { as: 'provider', url: () => '/cases/decisions-about-you', query: ['page'] },
  'GET /cases/new': { as: 'assessor', url: () => '/cases/new', query: ['uln', 'methodId'] },
  'GET /cases/:id': { as: 'assessor', url: (f) => `/cases/${f.case}`, query: ['opened'] },
  'GET /requests/:id': { as: 'provider', url: (f) => `/requests/${f.request}`, query: ['made', 'uploaded'] },
  'GET /plan-drafts/:draft': { as: 'admin', url: (f) => `/plan-drafts/${f.planDraft}`, query: ['saved'] },
  'GET /plan-drafts/:draft/details': {
    as: 'admin',
    url: (f) => `/plan-drafts/${f.planDraft}/details`,
    query: ['saved'],
  },
  'GET /plan-drafts/:draft/ksbs': { as: 'admin', url: (f) => `/plan-drafts/${f.planDraft}/ksbs`, query: ['saved'] },
  'GET /plan-drafts/:draft/grades': { as: 'admin', url: (f) => `/plan-drafts/${f.planDraft}/grades`, query: ['saved'] },
  'GET /plan-drafts/:draft/plan.json': {
    as: 'admin',
    url: (f) => `/plan-drafts/${f.planDraft}/plan.json`,
    kind: 'download',
  },
  'GET /plan-drafts/:draft/discard': { as: 'admin', url: (f) => `/plan-drafts/${f.planDraft}/discard` },
  'GET /plan-drafts/:draft/:list/:item': {
    as: 'admin',
    url: (f) => `/plan-drafts/${f.planDraft}/methods/0`,
    query: ['saved'],
  },
  'GET /apprentices/:uln/behaviour-verification': {
    as: 'employer',
    url: (f) => `/apprentices/${f.a.uln}/behaviour-verification`,
  },
  'GET /apprentices/:uln/qualifications/:id': {
    as: 'employer',
    url: (f) => `/apprentices/${f.a.uln}/qualifications/${f.qualification}`,
  },
  'GET /apprentices/:uln/gateway-items/:itemId': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio`,
  },
  'GET /gateway': { as: 'admin', url: () => '/gateway' },
  'GET /gateway/submissions/:id': { as: 'admin', url: (f) => `/gateway/submissions/${f.openSubmission}` },
  'GET /bookings/auto-schedule': { as: 'admin', url: () => '/bookings/auto-schedule' },
  'GET /bookings/auto-schedule/:id': {
    as: 'admin',
    url: (f) => `/bookings/auto-schedule/${f.proposal}`,
    query: ['page'],
  },
  'GET /apprentices/:uln/results/:attemptId/result.pdf': {
    as: 'provider',
    url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/result.pdf`,
    kind: 'download',
  },
  'GET /bookings/:id/grade': { as: 'assessor', url: (f) => `/bookings/${f.gradableBooking}/grade`, query: ['saved'] },
  'GET /moderation': { as: 'qa', url: () => '/moderation' },
  'GET /moderation/:id': { as: 'qa', url: (f) => `/moderation/${f.pendingGrading}` },
  'GET /results': { as: 'admin', url: () => '/results', query: ['released'] },
  'GET /apprentices/:uln/results': { as: 'provider', url: (f) => `/apprentices/${f.a.uln}/results`, query: ['done'] },
  'GET /appeals': { as: 'qa', url: () => '/appeals' },
  'GET /appeals/:id': { as: 'admin', url: (f) => `/appeals/${f.appeal}`, query: ['from', 'to', 'uploaded'] },
  'GET /admin/settings': { as: 'admin', url: () => '/admin/settings', query: ['saved'] },
  'GET /reports': { as: 'provider', url: () => '/reports', query: REPORT_FILTERS },
  'GET /reports/ksb-shortfall': {
    as: 'qa',
    url: () => '/reports/ksb-shortfall?standard=ST0815%2F1.0',
    query: REPORT_FILTERS,
  },
  'GET /reports/tables/:table.csv': {
    as: 'admin',
    url: () => '/reports/tables/summary.csv',
    kind: 'download',
    query: REPORT_FILTERS,
  },
  'GET /reports/assessor-consistency': {
    as: 'qa',
    url: () => '/reports/assessor-consistency',
    query: ['standard', 'method', 'minimum', 'from', 'to'],
  },
  'GET /reports/assessor-consistency/:assessorId': {
    as: 'admin',
    url: (f) => `/reports/assessor-consistency/${f.assessor}`,
    query: ['standard', 'method', 'minimum', 'from', 'to'],
  },
  'GET /claims': { as: 'admin', url: () => '/claims', query: ['marked'] },
  'GET /claims/claims.csv': { as: 'admin', url: () => '/claims/claims.csv', kind: 'download', query: ['asOf'] },
  'GET /claims/claims.json': { as: 'admin', url: () => '/claims/claims.json', kind: 'download', query: ['asOf'] },
  'GET /claims/epa-records.json': {
    as: 'admin',
    url: () => '/claims/epa-records.json',
    kind: 'download',
    query: ['asOf'],
  },
  'GET /reports/ofqual-outcomes': {
    as: 'admin',
    url: () => '/reports/ofqual-outcomes',
    query: ['reportingDate', 'from', 'to'],
  },
  'GET /reports/ofqual-outcomes/outcomes.csv': {
    as: 'admin',
    url: () =>
      `/reports/ofqual-outcomes/outcomes.csv?reportingDate=${todayInLondon(now())}&from=2020-01-01&to=${todayInLondon(now())}`,
    kind: 'download',
    query: ['reportingDate', 'from', 'to'],
  },
  'GET /reports/ofqual-registrations': {
    as: 'admin',
    url: () => '/reports/ofqual-registrations',
    query: ['reportingDate', 'from', 'to'],
  },
  'GET /reports/ofqual-registrations/registrations.csv': {
    as: 'admin',
    url: () =>
      `/reports/ofqual-registrations/registrations.csv?reportingDate=${todayInLondon(now())}&from=2020-01-01&to=${todayInLondon(now())}`,
    kind: 'download',
    query: ['reportingDate', 'from', 'to'],
  },
  'GET /bookings': { as: 'admin', url: () => '/bookings', query: ['booked', 'page'] },
  'GET /bookings/new': {
    as: 'admin',
    url: (f) => `/bookings/new?uln=${f.b.uln}`,
    query: [
      'uln',
      'methodId',
      ...DATE_PARTS('date'),
      'date',
      'time',
      'mode',
      'region',
      'location',
      'link',
      'replace',
      'refused',
    ],
  },
  'GET /bookings/:id': { as: 'employer', url: (f) => `/bookings/${f.booking}` },
  'GET /schedule': { as: 'assessor', url: () => '/schedule', query: ['status', 'from', 'page'] },
  'GET /calendar/:token': {
    as: 'anonymous',
    url: (f, ctx) => `/calendar/${issueCalendarToken(ctx.db, f.assessor, SETUP)}.ics`,
    kind: 'download',
  },
  'GET /outbox': { as: 'admin', url: () => '/outbox' },
  'GET /assessors': { as: 'admin', url: () => '/assessors' },
  'GET /assessors/:id': { as: 'assessor', url: (f) => `/assessors/${f.assessor}`, query: ['saved'] },
  'GET /admin/plans/import': { as: 'admin', url: () => '/admin/plans/import' },
  'GET /admin/users': { as: 'admin', url: () => '/admin/users', query: ['added', 'revoked'] },
  'GET /admin/users/new': { as: 'admin', url: () => '/admin/users/new' },
  'GET /admin/users/:id': { as: 'admin', url: (f) => `/admin/users/${f.employerUser}`, query: ['done'] },
  'GET /account/password': { as: 'employer', url: () => '/account/password' },
  'GET /reset-password/:token': {
    as: 'anonymous',
    url: (f, ctx) => {
      const made = createPasswordReset(ctx.db, f.otherAssessor, SETUP, now());
      if (!made.ok) throw new Error(made.problems[0]!.message);
      return `/reset-password/${made.value.token}`;
    },
  },
  'GET /admin/audit': {
    as: 'admin',
    url: () => '/admin/audit',
    query: ['action', 'entityType', 'entityId', 'actor', 'from', 'to', 'page'],
  },
};

/** Query values: hostile, but short enough for a URL (a 100,000-character value is a body's test). */
const queryValue = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      ...HTML_PAYLOADS,
      ...SQL_PAYLOADS,
      ...DATE_STRINGS,
      ...NUMBER_STRINGS,
      ...UNICODE_STRINGS,
      'x'.repeat(3000),
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);

describe('property: every GET route, hostile query strings', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let f: Fixture;
  let browsers: Map<Role | 'anonymous', Browser>;
  let tokens: Map<Role, string>;
  const runs = Math.max(3, Math.round(RUNS / 4));

  before(async () => {
    console.log(`      property seed ${SEED}, ${runs} runs a route (PROPERTY_SEED=${SEED} repeats this run)`);
    ctx = await testApp();
    f = await buildFixture(ctx);
    ({ browsers, tokens } = await sessionsFor(ctx));
  });

  it('has a query generator for every GET route the router answers, and none for a route it does not', () => {
    const gets = listRoutes(ctx.app).filter((r) => r.startsWith('GET '));
    expect(
      gets.filter((r) => !(r in GET_SPECS)),
      'GET routes without a generator: add them to GET_SPECS',
    ).to.deep.equal([]);
    expect(
      Object.keys(GET_SPECS).filter((r) => !gets.includes(r)),
      'generators for routes that no longer exist',
    ).to.deep.equal([]);
  });

  for (const [route, spec] of Object.entries(GET_SPECS)) {
    it(route, async () => {
      const kind = spec.kind ?? 'page';
      const base = spec.url(f, ctx);
      const api = base.startsWith('/api/');
      const get = (url: string) =>
        api && spec.as !== 'anonymous'
          ? supertest(ctx.app)
              .get(url)
              .set('Authorization', `Bearer ${tokens.get(spec.as)!}`)
          : browsers.get(spec.as)!.agent.get(url);
      // The names its GET forms use, as the page shows them, with those the handler reads.
      const names = new Set(spec.query ?? []);
      if (kind === 'page') {
        const $ = cheerio.load((await get(base)).text);
        $('form[method=get] [name]').each((_, el) => void names.add($(el).attr('name')!));
      }
      const name = names.size
        ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: randomKey })
        : randomKey;
      const pair = fc.oneof(
        { weight: 4, arbitrary: fc.tuple(name, queryValue).map((p): Pairs => [p]) },
        {
          weight: 1,
          arbitrary: fc
            .tuple(name, fc.constantFrom('toString', 'valueOf', '0', '', 'day', '__proto__'), queryValue)
            .map(([n, sub, v]): Pairs => [[`${n}[${sub}]`, v]]),
        },
        {
          weight: 1,
          arbitrary: fc.tuple(name, queryValue, queryValue).map(([n, a, b]): Pairs => [
            [n, a],
            [n, b],
          ]),
        },
      );
      // Each name as an object whose own toString is text (what `name[toString]=x` parses to), every time: a known hostile shape.
      for (const n of names) {
        const url = `${base}${base.includes('?') ? '&' : '?'}${encodeForm([[`${n}[toString]`, 'x']])}`;
        const res = await get(url);
        const problems = [
          ...(kind === 'api' || (api && res.status >= 400)
            ? apiProblems(res)
            : kind === 'download'
              ? downloadProblems(res)
              : pageProblems(res, { errorPage: true })),
          ...loggedErrors(ctx),
        ];
        ctx.errors.length = 0;
        expect(problems, `GET ${url}`).to.deep.equal([]);
      }
      const input = fc
        .array(pair, { minLength: 1, maxLength: 5 })
        .map((pairs) => Object.assign(pairs.flat(), { [fc.toStringMethod]: () => brief(pairs.flat(), 600) }));
      await fc.assert(
        fc.asyncProperty(input, async (pairs) => {
          const url = `${base}${base.includes('?') ? '&' : '?'}${encodeForm(pairs)}`;
          const res = await get(url);
          const problems =
            kind === 'api' || (api && res.status >= 400)
              ? apiProblems(res)
              : kind === 'download'
                ? downloadProblems(res)
                : pageProblems(res, { errorPage: true });
          problems.push(...loggedErrors(ctx));
          if (problems.length > 0) {
            ctx.errors.length = 0;
            throw new Error(
              problems.map((p) => `GET ${url.slice(0, 300)} as ${spec.as} → ${res.status}: ${p}`).join('\n'),
            );
          }
        }),
        { seed: SEED, numRuns: runs, endOnFailure: true },
      );
    });
  }
});

/** A download (CSV, PDF, calendar, JSON file): no server error and no stack trace; a refusal is a page. */
function downloadProblems(res: {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}): string[] {
  if (res.status >= 400) return pageProblems(res, { errorPage: true });
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  if (String(res.headers['content-type']).startsWith('text/html')) problems.push('answered a page, not a download');
  if (res.status === 200 && String(res.headers['content-type']).startsWith('text/calendar')) {
    try {
      readFeed(res.text);
    } catch (error) {
      problems.push(`a calendar feed that calendar apps would not read: ${(error as Error).message}`);
    }
  }
  return problems;
}
