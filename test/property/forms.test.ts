import { expect } from 'chai';
import * as cheerio from 'cheerio';
import fc from 'fast-check';
import { validUlns } from '../../src/apprentices/uln.js';
import { testApp, type TestContext } from '../support/app.js';
import {
  browserFor,
  databaseProblems,
  loggedErrors,
  pageProblems,
  sessionsFor,
  type Browser,
  type Role,
} from '../support/answers.js';
import { appealedResult, buildFixture, fingerprint, type Fixture } from '../support/fixture.js';
import { RUNS, SEED, applyFormEdits, brief, encodeForm, formEdits, textEdits, type Pairs } from '../support/hostile.js';
import { listRoutes } from '../support/routes.js';
import { PAGE_SPECS, casesOf, type PageSpec } from './specs.js';

/*
 * Every form the router answers (uploads are in uploads.test.ts), sent random and hostile
 * bodies by a role allowed to use it, with its CSRF token: fields of the wrong shape (arrays,
 * objects), huge, unicode and hostile strings, impossible dates and numbers, missing and extra
 * fields, starting from a valid body or from nothing. Every answer: no server error, no stack
 * trace, the error summary for refused input, no markup from the input; a refusal writes
 * nothing; an accepted form leaves whole records and a page that shows them escaped.
 */

/** Form bodies that are not well-formed at all (the CSRF token is added after them). */
const RAW_BODIES = [
  '%',
  '%zz=1',
  '&&&=&',
  '=x',
  'a=%ED%A0%80',
  'a[=1',
  ']]]=1',
  'a=1&a[b]=2',
  'a[]=1&a[x]=2',
  '%00=%00',
  'a=%C0%AF',
  'a[__proto__][x]=1',
  `a=${'%'.repeat(5000)}`,
];

const isForm = (route: string) => !route.startsWith('GET ') && !route.split(' ')[1]!.startsWith('/api/');

describe('property: every form, hostile bodies', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let f: Fixture;
  let browsers: Map<Role | 'anonymous', Browser>;
  let runNumber = 0;
  /** Each form as its page shows it: its field names and the values its radios, checkboxes, selects and hidden fields offer. */
  const shown = new Map<PageSpec, { names: string[]; options: string[] } | string>();

  before(async () => {
    console.log(`      property seed ${SEED}, ${RUNS} runs a route (PROPERTY_SEED=${SEED} repeats this run)`);
    ctx = await testApp();
    f = await buildFixture(ctx);
    browsers = (await sessionsFor(ctx)).browsers;
    for (const spec of Object.values(PAGE_SPECS)) {
      for (const c of casesOf(spec)) {
        if (!c.formPage) continue;
        const res = await browsers.get(c.as[0]!)!.agent.get(c.formPage(f));
        const $ = cheerio.load(res.text);
        const form = $(`form[action="${c.url(f)}"]`);
        if (form.length === 0) {
          shown.set(c, `no form posting to ${c.url(f)} on ${c.formPage(f)} (${res.status})`);
          continue;
        }
        const names = form
          .find('[name]')
          .map((_, el) => $(el).attr('name'))
          .get()
          .filter((n) => n !== '_csrf');
        const options = form
          .find('input[type=radio], input[type=checkbox], input[type=hidden], option')
          .map((_, el) => $(el).attr('value') ?? '')
          .get()
          .filter((v) => v !== '' && v.length < 200);
        shown.set(c, { names: [...new Set(names)], options: [...new Set(options)] });
      }
    }
  });

  /** Values worth trying in any field of a form: those its page offers and those of a valid body. */
  const optionsOf = (c: PageSpec): string[] => {
    const page = shown.get(c);
    return [
      ...new Set([
        ...(typeof page === 'object' ? page.options : []),
        ...(c.valid?.(f, 0) ?? []).map(([, v]) => v).filter((v) => v !== ''),
      ]),
    ].filter((v) => v !== browsers.get('admin')!.csrf);
  };

  it('has a generator for every form the router answers, and none for a form it does not', () => {
    const forms = listRoutes(ctx.app).filter(isForm);
    expect(
      forms.filter((r) => !(r in PAGE_SPECS)),
      'forms without a generator: add them to PAGE_SPECS in test/property/specs.ts',
    ).to.deep.equal([]);
    expect(
      Object.keys(PAGE_SPECS).filter((r) => !forms.includes(r)),
      'generators for forms that no longer exist',
    ).to.deep.equal([]);
  });

  it('knows every field of every form it generates for', () => {
    const problems: string[] = [];
    for (const [route, spec] of Object.entries(PAGE_SPECS)) {
      for (const c of casesOf(spec)) {
        const page = shown.get(c);
        if (page === undefined) continue;
        if (typeof page === 'string') {
          problems.push(`${route}: ${page}`);
          continue;
        }
        const known = [...c.fields(f), ...(c.upload ? [c.upload.field] : [])];
        for (const name of page.names)
          if (!known.includes(name))
            problems.push(`${route}: the form has a field "${name}" the generator does not know`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  for (const [route, spec] of Object.entries(PAGE_SPECS)) {
    for (const c of casesOf(spec)) {
      if (c.upload) continue;
      it(`${route}${c.label ? ` (${c.label})` : ''}`, async () => {
        // Each field as an object whose own toString is text (what `name[toString]=x` parses to), every time: a known hostile shape.
        const sweep = c.fields(f).filter((n) => !n.includes('[') || /\[(day|month|year)\]$/.test(n));
        for (const name of sweep.slice(0, c.target ? 3 : 20)) {
          const base = (c.valid?.(f, runNumber) ?? []).filter(([k]) => k !== name);
          const problems = await sendOnce(c, c.as[0]!, [...base, [`${name}[toString]`, 'x']], undefined);
          if (problems.length > 0) ctx.errors.length = 0;
          expect(problems).to.deep.equal([]);
        }
        const input = fc
          .record({
            who: fc.constantFrom(...c.as),
            // A valid body with hostile text in its free-text fields; a valid body with hostile edits; hostile edits of nothing; a malformed body.
            mode: fc.constantFrom(
              ...(c.valid
                ? (['text', 'text', 'edits', 'edits', 'empty', 'raw'] as const)
                : (['empty', 'empty', 'empty', 'raw'] as const)),
            ),
            text: textEdits(c.text?.(f) ?? []),
            edits: formEdits(c.fields(f), optionsOf(c), c.reach?.(f)),
            raw: fc.constantFrom(...RAW_BODIES),
          })
          .map((v) => Object.assign(v, { [fc.toStringMethod]: () => brief(v, 600) }));
        try {
          await fc.assert(
            fc.asyncProperty(input, async ({ who, mode, text, edits, raw }) => {
              const base = mode === 'text' || mode === 'edits' ? c.valid!(f, runNumber) : [];
              const pairs =
                mode === 'raw'
                  ? undefined
                  : applyFormEdits(base, mode === 'text' ? text : mode === 'edits' ? [...text, ...edits] : edits);
              const problems = await sendOnce(c, who, pairs, mode === 'raw' ? raw : undefined);
              if (problems.length > 0) {
                ctx.errors.length = 0;
                throw new Error(problems.join('\n'));
              }
            }),
            { seed: SEED, numRuns: c.runs ?? RUNS, endOnFailure: true },
          );
        } finally {
          c.after?.(ctx, f);
        }
      });
    }
  }

  describe('found by these tests', () => {
    it('an appeal decision refused part-way (a change to a grading of another result) writes nothing, not even the changes before it', async () => {
      const made = appealedResult(ctx, validUlns(1, 690_000_000)[0]!);
      const { agent, csrf } = browsers.get('admin')!;
      // The first change (this result's project) is valid; the second names D's grading, which is not part of this result.
      const body = new URLSearchParams({
        decision: 'upheld',
        reasons: 'The portfolio was not seen',
        panel: String(f.externalReviewer),
        [`g[g${made.gradings.project}][PR1][met]`]: 'no',
        [`g[g${made.gradings.project}][PR1][evidence]`]: 'Not in the portfolio',
        [`g[g${f.pendingGrading}][PR2][met]`]: 'no',
        [`g[g${f.pendingGrading}][PR2][evidence]`]: 'Not seen',
        _csrf: csrf,
      });
      const before = fingerprint(ctx.db);
      const res = await agent.post(`/appeals/${made.appeal}`).type('form').send(body.toString());
      expect(res.status).to.equal(409);
      expect(cheerio.load(res.text)('.govuk-error-summary').text()).to.contain(
        'A change names a grading that is not part of this result',
      );
      expect(databaseProblems(ctx, before, res.status)).to.deep.equal([]);
    });
  });

  async function sendOnce(
    c: PageSpec,
    who: Role | 'anonymous',
    pairs: Pairs | undefined,
    raw: string | undefined,
  ): Promise<string[]> {
    const target = c.target?.(ctx, f, runNumber) ?? { url: c.url(f) };
    const url = target.url;
    runNumber++;
    const rename = (key: string) => (target.rename ?? []).reduce((k, [from, to]) => k.replaceAll(from, to), key);
    if (pairs) pairs = pairs.map(([k, v]) => [rename(k), v]);
    const browser = c.fresh ? await browserFor(ctx, who) : browsers.get(who)!;
    const body = `${raw ?? encodeForm(pairs ?? [])}&_csrf=${encodeURIComponent(browser.csrf)}`;
    const before = fingerprint(ctx.db);
    const res = await browser.agent.post(url).type('form').send(body);
    const problems = [
      ...pageProblems(res, { errorPage: c.errorPage, download: c.download }),
      ...loggedErrors(ctx),
      ...databaseProblems(ctx, before, res.status),
    ];
    if (process.env.PROPERTY_STATS) console.log(`        ${res.status} ${url} ${brief(raw ?? pairs, 160)}`);
    if (res.status < 400 && pairs && c.stored && problems.length === 0) problems.push(...c.stored(ctx, f, pairs));
    if (res.status >= 300 && res.status < 400 && problems.length === 0) {
      // The page the form leads to shows what was stored: escaped, and without an error.
      const next = await browser.agent.get(String(res.headers.location));
      problems.push(
        ...pageProblems(next).map((p) => `then ${String(res.headers.location).slice(0, 100)}: ${p}`),
        ...loggedErrors(ctx),
      );
    }
    return problems.map((p) => `${url} as ${who} → ${res.status}: ${p}\n  body: ${brief(raw ?? pairs)}`);
  }
});
