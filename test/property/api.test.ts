import { expect } from 'chai';
import fc from 'fast-check';
import supertest from 'supertest';
import { CSV_COLUMNS } from '../../src/apprentices/import.js';
import { testApp, type TestContext } from '../support/app.js';
import {
  apiProblems,
  databaseProblems,
  loggedErrors,
  pageProblems,
  sessionsFor,
  type Browser,
  type Role,
} from '../support/answers.js';
import { buildFixture, fingerprint, type Fixture } from '../support/fixture.js';
import {
  MALFORMED_JSON,
  NOT_OBJECTS,
  RUNS,
  SEED,
  applyJsonEdits,
  brief,
  csvRecipe,
  csvText,
  jsonEdits,
  textEdits,
  type CsvRecipe,
  type JsonEdit,
} from '../support/hostile.js';
import { listRoutes } from '../support/routes.js';
import { API_SPECS, casesOf, ulnFor, type ApiSpec } from './specs.js';

/*
 * Every API route that takes a body, sent random and hostile bodies with the bearer token of
 * a role allowed to use it: valid bodies with hostile text, valid bodies with fields of the
 * wrong type, missing and extra fields, bodies that are not objects, text that is not JSON, no
 * body, and JSON sent as another type. Every answer: JSON, no server error or stack trace, a
 * refusal as { errors: [{ path, message }] } with a 4xx that writes nothing; an accepted body
 * leaves a whole record, the same when read back, and escaped on the pages that show it.
 */

const isApiWrite = (route: string) => !route.startsWith('GET ') && route.split(' ')[1]!.startsWith('/api/');
/** Types a JSON body might be mislabelled with (the CSV import reads text/csv, so it is not among them). */
const WRONG_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  'application/json; charset=latin1',
  'application/jsonx',
];
const MODES = ['text', 'text', 'edits', 'edits', 'empty', 'notObject', 'malformed', 'noBody', 'wrongType'] as const;
type Mode = (typeof MODES)[number] | 'csv';

interface World {
  ctx: TestContext;
  f: Fixture;
  browsers: Map<Role | 'anonymous', Browser>;
  tokens: Map<Role, string>;
}

async function world(): Promise<World> {
  const ctx = await testApp();
  const f = await buildFixture(ctx);
  return { ctx, f, ...(await sessionsFor(ctx)) };
}

/** A valid CSV row of the import's columns, in template order. */
const csvRow = (w: World, uln: string) => [
  uln,
  'Ada',
  'Lovelace',
  '2000-01-15',
  '2024-09-01',
  '2026-03-01',
  'ST0815',
  '1.0',
  w.f.a.providerUkprn,
  w.f.a.employerId,
  '37.5',
  'no',
  'no',
  '',
];

describe('property: every API body, hostile bodies', function () {
  this.timeout(120_000);
  let shared: World;
  let runNumber = 100_000;

  before(async () => {
    console.log(`      property seed ${SEED}, ${RUNS} runs a route (PROPERTY_SEED=${SEED} repeats this run)`);
    shared = await world();
  });

  it('has a generator for every API route that takes a body, and none for a route that does not exist', () => {
    const writes = listRoutes(shared.ctx.app).filter(isApiWrite);
    expect(
      writes.filter((r) => !(r in API_SPECS)),
      'API routes without a generator: add them to API_SPECS in test/property/specs.ts',
    ).to.deep.equal([]);
    expect(
      Object.keys(API_SPECS).filter((r) => !writes.includes(r)),
      'generators for routes that no longer exist',
    ).to.deep.equal([]);
  });

  for (const [route, spec] of Object.entries(API_SPECS)) {
    for (const c of casesOf(spec)) {
      it(`${route}${c.label ? ` (${c.label})` : ''}`, async () => {
        // Importing a plan replaces the plan the other routes' records use: it gets a database of its own.
        const w = route === 'POST /api/v1/plans' ? await world() : shared;
        const modes: readonly Mode[] = c.csv
          ? [...MODES, 'csv', 'csv', 'csv']
          : c.valid
            ? MODES
            : MODES.filter((m) => m !== 'text' && m !== 'edits');
        const input = fc
          .record({
            who: fc.constantFrom(...c.as),
            mode: fc.constantFrom(...modes),
            text: textEdits(c.text ?? []),
            edits: jsonEdits(c.fields),
            notObject: fc.constantFrom(...NOT_OBJECTS),
            malformed: fc.constantFrom(...MALFORMED_JSON),
            wrongType: fc.constantFrom(...WRONG_TYPES),
            csv: csvRecipe,
          })
          .map((v) => Object.assign(v, { [fc.toStringMethod]: () => brief(v, 600) }));
        await fc.assert(
          fc.asyncProperty(input, async (v) => {
            const problems = await sendOnce(w, c, v);
            if (problems.length > 0) {
              w.ctx.errors.length = 0;
              throw new Error(problems.join('\n'));
            }
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      });
    }
  }

  describe('impossible dates are invalid input (422 naming the field), never a rule refusal or a server error', () => {
    const cases: [string, 'post' | 'patch', (f: Fixture) => string, string, string][] = [
      ['POST /api/v1/apprentices', 'post', () => '/api/v1/apprentices', 'dateOfBirth', '2001-02-29'],
      ['POST /api/v1/apprentices', 'post', () => '/api/v1/apprentices', 'startDate', '2025-04-31'],
      [
        'POST /api/v1/apprentices/:uln/qualifications',
        'post',
        (f) => `/api/v1/apprentices/${f.a.uln}/qualifications`,
        'achievedOn',
        '2019-06-31',
      ],
      [
        'POST /api/v1/apprentices/:uln/off-the-job-hours',
        'post',
        (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours`,
        'date',
        '2025-02-30',
      ],
      [
        'POST /api/v1/assessors/:id/unavailability',
        'post',
        (f) => `/api/v1/assessors/${f.assessor}/unavailability`,
        'to',
        '2025-09-31',
      ],
      [
        'POST /api/v1/assessors/:id/conflicts',
        'post',
        (f) => `/api/v1/assessors/${f.assessor}/conflicts`,
        'from',
        '2023-11-31',
      ],
      ['POST /api/v1/bookings', 'post', () => '/api/v1/bookings', 'localStart', '2025-02-30T10:00'],
      ['POST /api/v1/bookings', 'post', () => '/api/v1/bookings', 'localStart', '2025-01-10T24:00'],
      ['PATCH /api/v1/bookings/:id', 'patch', (f) => `/api/v1/bookings/${f.booking}`, 'localStart', '2025-13-01T10:00'],
    ];
    for (const [route, method, url, field, value] of cases) {
      it(`${route}: ${field} ${value}`, async () => {
        const { ctx, f, tokens } = shared;
        const spec = casesOf(API_SPECS[route]!).find((c) => c.fields.includes(field)) ?? casesOf(API_SPECS[route]!)[0]!;
        const body = { ...(spec.valid!(f, runNumber++) as Record<string, unknown>), [field]: value };
        const before = fingerprint(ctx.db);
        const res = await supertest(ctx.app)
          [method](url(f))
          .set('Authorization', `Bearer ${tokens.get(spec.as[0] as Role)!}`)
          .send(body);
        expect(res.status, res.text).to.equal(422);
        expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(field);
        expect(databaseProblems(ctx, before, res.status)).to.deep.equal([]);
      });
    }
  });

  async function sendOnce(
    w: World,
    c: ApiSpec,
    v: {
      who: string;
      mode: Mode;
      text: JsonEdit[];
      edits: JsonEdit[];
      notObject: unknown;
      malformed: string;
      wrongType: string;
      csv: CsvRecipe;
    },
  ): Promise<string[]> {
    const { ctx, f } = w;
    const n = runNumber++;
    const who = v.who as Role;
    const url = c.url(f);
    const base = c.valid ? (c.valid(f, n) as Record<string, unknown>) : {};
    let body: Record<string, unknown> | undefined;
    let req = supertest(ctx.app)
      [c.method === 'DELETE' ? 'delete' : (c.method.toLowerCase() as 'post' | 'put' | 'patch')](url)
      .set('Authorization', `Bearer ${w.tokens.get(who)!}`);
    let sent: unknown;
    switch (v.mode) {
      case 'text':
      case 'edits':
      case 'empty':
        body = applyJsonEdits(
          v.mode === 'empty' ? {} : base,
          v.mode === 'text' ? v.text : v.mode === 'edits' ? [...v.text, ...v.edits] : v.edits,
        );
        sent = body;
        req = req.set('Content-Type', 'application/json').send(JSON.stringify(body));
        break;
      case 'notObject':
        sent = v.notObject;
        req = req.set('Content-Type', 'application/json').send(JSON.stringify(v.notObject));
        break;
      case 'malformed':
        sent = v.malformed;
        req = req.set('Content-Type', 'application/json').send(v.malformed);
        break;
      case 'noBody':
        sent = '(no body)';
        break;
      case 'wrongType':
        sent = `${v.wrongType}: ${JSON.stringify(base)}`;
        req = req.set('Content-Type', v.wrongType).send(JSON.stringify(base));
        break;
      case 'csv':
        sent = csvText(v.csv, Object.keys(CSV_COLUMNS), (i) => csvRow(w, ulnFor(n * 4 + i)));
        req = req.set('Content-Type', 'text/csv').send(sent as string);
        break;
    }
    const before = fingerprint(ctx.db);
    const res = await req;
    if (process.env.PROPERTY_STATS) console.log(`        ${res.status} ${url} ${v.mode} ${brief(sent, 160)}`);
    const problems = [...apiProblems(res), ...loggedErrors(ctx), ...databaseProblems(ctx, before, res.status)];
    // A route that takes a multipart upload reads JSON sent as multipart as a broken upload (400).
    const broken = c.multipart && v.wrongType.startsWith('multipart/') && res.status === 400;
    if (v.mode === 'wrongType' && res.status !== 415 && !broken)
      problems.push(`JSON sent as ${v.wrongType} was answered ${res.status}, not 415`);
    if (res.status < 300 && problems.length === 0) {
      if (body && c.stored) problems.push(...c.stored(ctx, f, body));
      // Read back: the record is what the answer said it is.
      const location = res.headers.location;
      if (location) {
        const again = await supertest(ctx.app)
          .get(location)
          .set('Authorization', `Bearer ${w.tokens.get(who)!}`);
        if (again.status !== 200) problems.push(`GET ${location} after creating it answered ${again.status}`);
        else if (JSON.stringify(again.body) !== JSON.stringify(res.body))
          problems.push(`GET ${location} answered ${brief(again.body)}, not what was created: ${brief(res.body)}`);
      }
      // The pages that show what was stored show it escaped.
      const page = body && c.page?.(f, body, res.body);
      if (page) {
        const shown = await w.browsers.get('admin')!.agent.get(page);
        problems.push(...pageProblems(shown).map((p) => `then the page ${page}: ${p}`), ...loggedErrors(ctx));
      }
    }
    return problems.map(
      (p) =>
        `${c.method} ${url} as ${who} (${v.mode}) → ${res.status}: ${p}\n  body: ${brief(sent)}\n  answer: ${brief(res.text, 400)}`,
    );
  }
});
