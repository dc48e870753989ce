import fs from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { CSV_COLUMNS } from '../../src/apprentices/import.js';
import path from 'node:path';
import { TEST_CONFIG, testApp, type TestContext } from '../support/app.js';
import { isoDate, today } from '../support/apprentices.js';
import {
  databaseProblems,
  loggedErrors,
  pageProblems,
  sessionsFor,
  type Browser,
  type Role,
} from '../support/answers.js';
import { buildFixture, fingerprint, type Fixture } from '../support/fixture.js';
import {
  HTML_PAYLOADS,
  RUNS,
  SEED,
  UNICODE_STRINGS,
  WRONG_FILES,
  applyJsonEdits,
  brief,
  csvRecipe,
  csvText,
  jsonEdits,
  randomKey,
  storableText,
  textEdits,
} from '../support/hostile.js';
import { API_SPECS, DEMO_PLAN, PAGE_SPECS, casesOf, ulnFor, type ApiSpec, type PageSpec } from './specs.js';

/*
 * The two upload pages (a CSV of apprentices, an assessment plan), sent files that are hostile,
 * broken or of the wrong kind, under hostile names and types, with extra fields, as multipart
 * bodies that are well-formed and as ones that are not. Every answer: a page, no server error
 * or stack trace, the error summary (or, for a body the upload parser cannot read, a page that
 * says why), the file name escaped wherever it is shown, nothing written when refused, and
 * every row whole when the file is accepted.
 */

/** How evidence files start: kinds the store takes, and programs, scripts and pages it refuses. */
const EVIDENCE_STARTS = [
  '%PDF-1.7\n',
  '\x89PNG\r\n\x1a\n',
  'GIF89a',
  'ID3\x04',
  'Plain notes of the assessment\n',
  'MZ\x90\x00',
  '\x7fELF',
  '#!/bin/sh\n',
  '<html><script>',
  'PK\x03\x04',
];

const FILE_NAMES = [
  'apprentices.csv',
  'plan.json',
  ...HTML_PAYLOADS.map((p) => `${p}.csv`),
  ...UNICODE_STRINGS.filter((u) => u.trim() !== '' && !/["\\\t\r\n]|\p{Cc}/u.test(u)).map((u) => `${u}.csv`),
  `${'x'.repeat(300)}.csv`,
  '../../etc/passwd',
  'C:\\Windows\\win.ini',
  '.csv',
  'no-extension',
  'a;b=c.csv',
];
const FILE_TYPES = [
  'text/csv',
  'application/json',
  'application/vnd.ms-excel',
  'application/octet-stream',
  'text/plain',
  'image/png',
  'application/x-msdownload',
  '',
];

/** Multipart bodies that are not whole forms (the boundary is "x"); each carries the CSRF token where it can. */
const brokenMultipart = (field: string, csrf: string): [string, string][] => [
  ['multipart/form-data', 'no boundary'],
  ['multipart/form-data; boundary=x', 'no parts at all'],
  [
    'multipart/form-data; boundary=x',
    `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--x\r\nContent-Disposition: form-data; name="${field}"; filename="a.csv"\r\n\r\nuln\r\n`,
  ],
  ['multipart/form-data; boundary=x', '--x\r\nbroken header line\r\n\r\nv\r\n--x--\r\n'],
  [
    'multipart/form-data; boundary=x',
    `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--x\r\nContent-Disposition: form-data; name="${field}"; filename="a.csv"\r\n\r\nuln\r\n--x\r\nContent-Disposition: form-data; name="${field}"; filename="b.csv"\r\n\r\nuln\r\n--x--\r\n`,
  ],
  [
    'multipart/form-data; boundary=x',
    `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--x\r\nContent-Disposition: form-data; name="other"; filename="b.csv"\r\n\r\nuln\r\n--x--\r\n`,
  ],
  [
    'multipart/form-data; boundary=x',
    `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--x\r\nContent-Disposition: form-data; name="big"\r\n\r\n${'x'.repeat(5000)}\r\n--x--\r\n`,
  ],
];

/** A field name a multipart header can carry (no quotes or line breaks, which the client library would not escape). */
const fieldName = randomKey.map((k) => k.replace(/["\r\n\\]/g, '_')).filter((k) => k !== '' && k !== '_csrf');

interface World {
  ctx: TestContext;
  f: Fixture;
  browsers: Map<Role | 'anonymous', Browser>;
}

async function world(): Promise<World> {
  const ctx = await testApp();
  const f = await buildFixture(ctx);
  return { ctx, f, browsers: (await sessionsFor(ctx)).browsers };
}

const csvRow = (f: Fixture, uln: string) => [
  uln,
  'Ada',
  'Lovelace',
  '2000-01-15',
  '2024-09-01',
  '2026-03-01',
  'ST0815',
  '1.0',
  f.a.providerUkprn,
  f.a.employerId,
  '37.5',
  'no',
  'no',
  '',
];
const planSpec = API_SPECS['POST /api/v1/plans'] as ApiSpec;
/** The test catalogue's version with core and options (test data), and the fields the edits aim at. */
const CATALOGUE_ELEMENT = (
  JSON.parse(fs.readFileSync('test/fixtures/catalogue/standards.json', 'utf8')) as Record<string, unknown>[]
)[1]!;
const CATALOGUE_TEXT_FIELDS = ['title', 'route', 'overviewOfRole', 'knowledges.0.detail', 'options.0.title'];
const CATALOGUE_FIELDS = [
  ...CATALOGUE_TEXT_FIELDS,
  'version',
  'level',
  'status',
  'larsCode',
  'typicalDuration',
  'earliestStartDate',
  'coreAndOptions',
  'knowledges',
  'duties',
  'duties.0.mappedKnowledge',
  'options',
];

describe('property: the upload pages, hostile files', function () {
  this.timeout(120_000);
  let runNumber = 200_000;

  before(() => {
    console.log(`      property seed ${SEED}, ${RUNS} runs a route (PROPERTY_SEED=${SEED} repeats this run)`);
  });

  it('covers every upload the generators know', () => {
    const uploads = Object.entries(PAGE_SPECS).flatMap(([route, spec]) =>
      casesOf(spec)
        .filter((c) => c.upload)
        .map(() => route),
    );
    expect(uploads.sort()).to.deep.equal([
      'POST /admin/plans/import',
      'POST /appeals/:id/files',
      'POST /apprentices/:uln/gateway-items/:itemId/files',
      'POST /apprentices/:uln/hours/import',
      'POST /apprentices/:uln/qualifications/:id/files',
      'POST /apprentices/import',
      'POST /bookings/:id/files',
      'POST /cases/:id/files',
      'POST /requests/:id/files',
      'POST /standards/import',
    ]);
  });

  for (const [route, spec] of Object.entries(PAGE_SPECS)) {
    for (const c of casesOf(spec)) {
      if (!c.upload) continue;
      it(route, async () => {
        // Each upload page has a database of its own: an accepted plan replaces the plan the other records use.
        const w = await world();
        const kind = c.upload!.kind;
        const input = fc
          .record({
            who: fc.constantFrom(...c.as),
            content: fc.oneof(
              {
                weight: 5,
                arbitrary:
                  kind === 'csv'
                    ? csvRecipe.map((recipe) => ({ csv: recipe }))
                    : kind === 'catalogue'
                      ? fc
                          .record({
                            text: textEdits(CATALOGUE_TEXT_FIELDS),
                            edits: fc.option(jsonEdits(CATALOGUE_FIELDS), { nil: undefined, freq: 2 }),
                          })
                          .map((catalogue) => ({ catalogue }))
                      : kind === 'evidence'
                        ? fc
                            .record({
                              start: fc.constantFrom(...EVIDENCE_STARTS),
                              rest: fc.uint8Array({ maxLength: 2000 }),
                            })
                            .map((evidence) => ({ evidence }))
                        : kind === 'hours'
                          ? fc
                              .record({
                                activity: storableText,
                                hours: fc.constantFrom('3', '7.5', '0', '-1', '25', 'x', ''),
                              })
                              .map((hours) => ({ hours }))
                          : fc
                              .record({
                                text: textEdits(planSpec.text ?? []),
                                edits: fc.option(jsonEdits(planSpec.fields), { nil: undefined, freq: 2 }),
                              })
                              .map((plan) => ({ plan })),
              },
              { weight: 1, arbitrary: fc.constantFrom(...WRONG_FILES).map((wrong) => ({ wrong })) },
              { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((bytes) => ({ bytes })) },
              {
                weight: 1,
                arbitrary: fc
                  .nat({ max: brokenMultipart(c.upload!.field, '').length - 1 })
                  .map((broken) => ({ broken })),
              },
            ),
            name: fc.oneof(
              fc.constantFrom(...FILE_NAMES),
              storableText.map((t) => t.replace(/["\r\n\\]/g, '_') || 'x'),
            ),
            type: fc.constantFrom(...FILE_TYPES),
            fields: fc.array(
              fc.tuple(
                fieldName,
                fc.oneof(
                  { weight: 6, arbitrary: storableText },
                  { weight: 1, arbitrary: fc.constant('x'.repeat(5000)) },
                ),
              ),
              { maxLength: 2 },
            ),
            noFile: fc.nat({ max: 9 }).map((x) => x === 0),
          })
          .map((v) => Object.assign(v, { [fc.toStringMethod]: () => brief(v, 600) }));
        await fc.assert(
          fc.asyncProperty(input, async (v) => {
            const problems = await uploadOnce(w, c, v);
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

  type Content =
    | { csv: Parameters<typeof csvText>[0] }
    | { plan: { text: Parameters<typeof applyJsonEdits>[1]; edits: Parameters<typeof applyJsonEdits>[1] | undefined } }
    | { hours: { activity: string; hours: string } }
    | { evidence: { start: string; rest: Uint8Array } }
    | {
        catalogue: {
          text: Parameters<typeof applyJsonEdits>[1];
          edits: Parameters<typeof applyJsonEdits>[1] | undefined;
        };
      }
    | { wrong: (typeof WRONG_FILES)[number] }
    | { bytes: Uint8Array }
    | { broken: number };

  /** Whatever the answer, no upload is left half received in the evidence store. */
  async function evidenceLeftovers(): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const incoming = path.join(TEST_CONFIG.filesPath, 'incoming');
    const left = fs.existsSync(incoming) ? fs.readdirSync(incoming) : [];
    return left.length === 0 ? [] : [`left ${left.length} file(s) half received in the evidence store`];
  }

  async function uploadOnce(
    w: World,
    c: PageSpec,
    v: { who: string; content: Content; name: string; type: string; fields: [string, string][]; noFile: boolean },
  ): Promise<string[]> {
    const { ctx, f } = w;
    const n = runNumber++;
    const browser = w.browsers.get(v.who as Role)!;
    const field = c.upload!.field;
    const url = c.url(f);
    let ulns: string[] = [];
    let data: Buffer | undefined;
    let name = v.name;
    let type = v.type;
    let raw: [string, string] | undefined;
    const content = v.content;
    if ('csv' in content) {
      const text = csvText(content.csv, Object.keys(CSV_COLUMNS), (i) => csvRow(f, ulnFor(n * 4 + i)));
      ulns = content.csv.rows.map((_, i) => ulnFor(n * 4 + i));
      data = Buffer.from(text);
    } else if ('plan' in content) {
      data = Buffer.from(
        JSON.stringify(
          applyJsonEdits(structuredClone(DEMO_PLAN) as unknown as Record<string, unknown>, [
            ...content.plan.text,
            ...(content.plan.edits ?? []),
          ]),
        ),
      );
    } else if ('catalogue' in content) {
      // One version of the test catalogue (its test data), edited, under a reference of this run's own.
      const element = applyJsonEdits(
        { ...structuredClone(CATALOGUE_ELEMENT), referenceNumber: `ST${String(1000 + (n % 9000)).padStart(4, '0')}` },
        [...content.catalogue.text, ...(content.catalogue.edits ?? [])],
      );
      data = Buffer.from(JSON.stringify([element]));
    } else if ('evidence' in content) {
      // A file that starts as a kind the store takes (or as a program or script), then anything.
      data = Buffer.concat([Buffer.from(content.evidence.start, 'latin1'), Buffer.from(content.evidence.rest)]);
    } else if ('hours' in content) {
      const quoted = `"${content.hours.activity.replace(/"/g, '""')}"`;
      data = Buffer.from(
        `date,hours,activity\n${isoDate(today().minus({ days: 10 }))},${content.hours.hours},${quoted}\n`,
      );
    } else if ('wrong' in content) {
      data = content.wrong.content;
      name = content.wrong.name;
      type = content.wrong.type;
    } else if ('bytes' in content) {
      data = Buffer.from(content.bytes);
    } else {
      raw = brokenMultipart(field, browser.csrf)[content.broken]!;
    }
    const before = fingerprint(ctx.db);
    let req = browser.agent.post(url);
    if (raw) {
      req = req.set('Content-Type', raw[0]).send(raw[1]);
    } else {
      req = req.field('_csrf', browser.csrf);
      for (const [k, value] of v.fields) req = req.field(k, value);
      if (!v.noFile) req = req.attach(field, data!, type ? { filename: name, contentType: type } : name);
    }
    const res = await req;
    if (process.env.PROPERTY_STATS)
      console.log(
        `        ${res.status} ${url} ${brief(raw ?? { name, type, fields: v.fields.length, size: data?.length, noFile: v.noFile }, 160)}`,
      );
    const problems = [
      ...pageProblems(res, { errorPage: true }),
      ...loggedErrors(ctx),
      ...databaseProblems(ctx, before, res.status),
      ...(c.upload!.kind === 'evidence' ? await evidenceLeftovers() : []),
    ];
    if (res.status === 200 && 'csv' in content && !v.noFile && problems.length === 0) {
      // Every row of an accepted file is stored, each one whole.
      for (const uln of ulns) {
        const row = ctx.db.$client.prepare('select given_names from apprentices where uln = ?').get(uln);
        if (!row) problems.push(`the file was accepted but apprentice ${uln} is not stored`);
      }
    }
    return problems.map(
      (p) =>
        `${url} as ${v.who} → ${res.status}: ${p}\n  sent: ${brief(raw ?? { name, type, fields: v.fields, content: data?.toString('utf8') }, 500)}`,
    );
  }
});
