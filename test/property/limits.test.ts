import { expect } from 'chai';
import * as cheerio from 'cheerio';
import supertest from 'supertest';
import { CSV_COLUMNS, CSV_TEMPLATE } from '../../src/apprentices/import.js';
import { LIMITS } from '../../src/http/limits.js';
import { testApp, type TestContext } from '../support/app.js';
import { apiProblems, loggedErrors, pageProblems, sessionsFor, type Browser, type Role } from '../support/answers.js';
import { buildFixture, changedTables, fingerprint, type Fixture } from '../support/fixture.js';
import { WRONG_FILES } from '../support/hostile.js';
import { DEMO_PLAN, ulnFor } from './specs.js';

/*
 * Every limit on what the app reads, just over it: a clear refusal (the right status, a page or
 * JSON that says what the limit is), quickly, with nothing written. The limits (src/http/limits.ts):
 * a form or JSON body 1 MB; a plan file 1 MB; a CSV file, or an import's CSV or JSON body, 20 MB;
 * an off-the-job hours log 2 MB;
 * an import 100,000 apprentices; uploads are judged by their content, not their name or type.
 */

const MB = 1024 * 1024;
/** A refusal must come quickly, whatever was sent (the slowest here reads 20 MB). */
const PROMPT_MS = 20_000;

describe('limits: each over-limit request gets a clear refusal', function () {
  this.timeout(60_000);
  let ctx: TestContext;
  let f: Fixture;
  let browsers: Map<Role | 'anonymous', Browser>;
  let tokens: Map<Role, string>;

  before(async () => {
    ctx = await testApp();
    f = await buildFixture(ctx);
    ({ browsers, tokens } = await sessionsFor(ctx));
  });

  afterEach(() => {
    expect(loggedErrors(ctx), 'unexpected errors logged').to.deep.equal([]);
  });

  /** Sends a request, and checks it is answered promptly and writes nothing. */
  async function refused<T extends { status: number }>(send: () => Promise<T>): Promise<T> {
    const before = fingerprint(ctx.db);
    const started = Date.now();
    const res = await send();
    expect(Date.now() - started, 'answered promptly').to.be.below(PROMPT_MS);
    expect(res.status, 'a refusal').to.be.within(400, 499);
    expect(changedTables(before, fingerprint(ctx.db)), 'nothing written').to.deep.equal([]);
    return res;
  }

  const page = (html: string) => {
    const $ = cheerio.load(html);
    return {
      heading: $('main h1').first().text().trim(),
      message: $('main h1').first().next('p').text().trim(),
      summary: $('.govuk-error-summary__list li')
        .map((_, li) => $(li).text().trim())
        .get(),
      problems: $('#import-problems tbody td, #plan-problems tbody td')
        .map((_, td) => $(td).text().trim())
        .get(),
    };
  };
  const api = (method: 'post' | 'put' | 'patch', url: string, who: Role = 'admin') =>
    supertest(ctx.app)
      [method](url)
      .set('Authorization', `Bearer ${tokens.get(who)!}`);
  const admin = () => browsers.get('admin')!;

  describe(`form and JSON bodies: ${LIMITS.bodyLabel}`, () => {
    it(`refuses a form over ${LIMITS.bodyLabel} with 413 and a page that says so`, async () => {
      const { agent, csrf } = admin();
      const body = `_csrf=${encodeURIComponent(csrf)}&givenNames=${'x'.repeat(LIMITS.bodyBytes)}`;
      const res = await refused(() => agent.post('/apprentices/new').type('form').send(body));
      expect(res.status).to.equal(413);
      expect(pageProblems(res)).to.deep.equal([]);
      expect(page(res.text).heading).to.equal('The file or form is too large');
    });

    it(`reads a form just under ${LIMITS.bodyLabel} (and refuses its over-long name with the error summary)`, async () => {
      const { agent, csrf } = admin();
      const body = `_csrf=${encodeURIComponent(csrf)}&givenNames=${'x'.repeat(LIMITS.bodyBytes - 1000)}`;
      const res = await refused(() => agent.post('/apprentices/new').type('form').send(body));
      expect(res.status).to.equal(400);
      expect(page(res.text).summary).to.include('Given names must be 100 characters or fewer');
    });

    it('refuses a form with more than 1,000 fields with 413, even from a visitor', async () => {
      const visitor = browsers.get('anonymous')!;
      const body = `_csrf=${encodeURIComponent(visitor.csrf)}&${Array.from({ length: 1001 }, (_, i) => `f${i}=x`).join('&')}`;
      const res = await refused(() => visitor.agent.post('/sign-in').type('form').send(body));
      expect(res.status).to.equal(413);
      expect(pageProblems(res)).to.deep.equal([]);
    });

    it('refuses a form nested deeper than the parser reads with 400 and a page', async () => {
      const { agent, csrf } = admin();
      const res = await refused(() =>
        agent
          .post('/admin/settings')
          .type('form')
          .send(`_csrf=${encodeURIComponent(csrf)}&a${'[b]'.repeat(40)}=1`),
      );
      expect(res.status).to.equal(400);
      expect(pageProblems(res)).to.deep.equal([]);
      expect(page(res.text).heading).to.equal('There is a problem with your request');
    });

    it(`refuses a JSON body over ${LIMITS.bodyLabel} with 413 JSON naming the limit`, async () => {
      const res = await refused(() =>
        api('post', '/api/v1/apprentices')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ givenNames: 'x'.repeat(LIMITS.bodyBytes) })),
      );
      expect(res.status).to.equal(413);
      expect(apiProblems(res)).to.deep.equal([]);
      expect(res.body).to.deep.equal({
        errors: [{ path: '', message: `The request body is larger than ${LIMITS.bodyLabel}` }],
      });
    });

    it(`refuses a plan over ${LIMITS.bodyLabel} through the API with 413`, async () => {
      const res = await refused(() =>
        api('post', '/api/v1/plans')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ ...DEMO_PLAN, notice: 'x'.repeat(LIMITS.bodyBytes) })),
      );
      expect(res.status).to.equal(413);
      expect(res.body.errors[0].message).to.equal(`The request body is larger than ${LIMITS.bodyLabel}`);
    });
  });

  describe('the JSON API reads only JSON (415 otherwise)', () => {
    const cases: [string, string, string][] = [
      ['POST', '/api/v1/apprentices', 'text/plain'],
      ['POST', '/api/v1/apprentices', 'application/x-www-form-urlencoded'],
      ['POST', '/api/v1/apprentices', 'text/csv'],
      ['POST', '/api/v1/plans', 'application/xml'],
      ['POST', '/api/v1/bookings', 'multipart/form-data; boundary=x'],
      ['PATCH', '/api/v1/bookings/1', 'text/html'],
      ['POST', '/api/v1/apprentices/import', 'application/vnd.ms-excel'],
    ];
    for (const [method, url, type] of cases) {
      it(`${method} ${url} as ${type}: 415`, async () => {
        const res = await refused(() =>
          api(method.toLowerCase() as 'post' | 'patch', url)
            .set('Content-Type', type)
            .send('{"uln":"1000000043"}'),
        );
        expect(res.status).to.equal(415);
        expect(apiProblems(res)).to.deep.equal([]);
        expect(res.body).to.deep.equal({
          errors: [{ path: '', message: 'Send the body as JSON, with Content-Type: application/json' }],
        });
      });
    }

    it('refuses JSON in a charset other than UTF-8 with 415', async () => {
      const res = await refused(() =>
        api('post', '/api/v1/apprentices')
          .set('Content-Type', 'application/json; charset=latin1')
          .send('{"uln":"1000000043"}'),
      );
      expect(res.status).to.equal(415);
      expect(apiProblems(res)).to.deep.equal([]);
    });

    it('asks for the token (401) before reading any body', async () => {
      const res = await refused(() =>
        supertest(ctx.app)
          .post('/api/v1/apprentices')
          .set('Content-Type', 'text/plain')
          .send('x'.repeat(2 * MB)),
      );
      expect(res.status).to.equal(401);
    });

    it('refuses text that is not valid Unicode (a lone surrogate) with 400 naming the field', async () => {
      const res = await refused(() =>
        api('post', '/api/v1/apprentices').set('Content-Type', 'application/json').send('{"givenNames":"Ada\\ud800"}'),
      );
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.deep.equal([
        { path: 'givenNames', message: '"givenNames" is not valid Unicode text (it has a lone surrogate)' },
      ]);
    });
  });

  describe(`an off-the-job hours log: ${LIMITS.hoursFileLabel}`, () => {
    it(`refuses a log over ${LIMITS.hoursFileLabel} with 413 and a page that says so, and takes one just under it as far as its rows`, async () => {
      const { agent, csrf } = admin();
      const send = (content: Buffer) =>
        agent
          .post(`/apprentices/${f.a.uln}/hours/import`)
          .field('_csrf', csrf)
          .attach('csvFile', content, { filename: 'log.csv', contentType: 'text/csv' });
      const over = await refused(() => send(Buffer.alloc(LIMITS.hoursFileBytes + 1, 0x2c)));
      expect(over.status).to.equal(413);
      expect(pageProblems(over)).to.deep.equal([]);
      expect(page(over.text).message).to.equal('The selected file must be smaller than 2 MB');
      // Just under: read, and refused for what it holds (more entries than a log may have), not for its size.
      const entry = `2025-09-01,1,${'x'.repeat(500)}\n`;
      const under = await send(
        Buffer.from(`date,hours,activity\n${entry.repeat(Math.floor((LIMITS.hoursFileBytes - 20) / entry.length))}`),
      );
      expect(under.status).to.equal(422);
      expect(under.text).to.contain('The file has more than 2,000 entries');
    });
  });

  describe(`CSV import: ${LIMITS.csvFileLabel} and ${LIMITS.importRows.toLocaleString('en-GB')} apprentices`, () => {
    const header = Object.keys(CSV_COLUMNS).join(',');
    const tooManyRows = `The file has more than ${LIMITS.importRows.toLocaleString('en-GB')} apprentices; import at most ${LIMITS.importRows.toLocaleString('en-GB')} at a time`;
    const upload = (content: Buffer, name = 'apprentices.csv', type = 'text/csv') => {
      const { agent, csrf } = admin();
      return agent
        .post('/apprentices/import')
        .field('_csrf', csrf)
        .attach('csvFile', content, { filename: name, contentType: type });
    };

    it(`refuses a file over ${LIMITS.csvFileLabel} with 413 and a page that says so`, async () => {
      const res = await refused(() => upload(Buffer.alloc(LIMITS.csvFileBytes + 1, 0x2c)));
      expect(res.status).to.equal(413);
      expect(pageProblems(res)).to.deep.equal([]);
      expect(page(res.text).message).to.equal('The selected file must be smaller than 20 MB');
    });

    it(`refuses a CSV body over ${LIMITS.csvFileLabel} through the API with 413 JSON`, async () => {
      const res = await refused(() =>
        api('post', '/api/v1/apprentices/import')
          .set('Content-Type', 'text/csv')
          .send(`${header}\n${','.repeat(LIMITS.csvFileBytes)}`),
      );
      expect(res.status).to.equal(413);
      expect(res.body).to.deep.equal({
        errors: [{ path: '', message: `The request body is larger than ${LIMITS.csvFileLabel}` }],
      });
    });

    it(`refuses a JSON import over ${LIMITS.csvFileLabel} with 413 JSON`, async () => {
      const res = await refused(() =>
        api('post', '/api/v1/apprentices/import')
          .set('Content-Type', 'application/json')
          .send(`[${'{},'.repeat(LIMITS.csvFileBytes / 3)}{}]`),
      );
      expect(res.status).to.equal(413);
      expect(res.body.errors[0].message).to.equal(`The request body is larger than ${LIMITS.csvFileLabel}`);
    });

    it(`refuses a file of ${(LIMITS.importRows + 1).toLocaleString('en-GB')} rows with 422 and one clear problem`, async () => {
      const res = await refused(() =>
        upload(Buffer.from(`${header}\n${',,,,,,,,,,,,,\n'.repeat(LIMITS.importRows + 1)}`)),
      );
      expect(res.status).to.equal(422);
      expect(pageProblems(res)).to.deep.equal([]);
      expect(page(res.text).problems).to.deep.equal(['1', '(file)', tooManyRows]);
    });

    it('refuses a file of millions of short lines under the size limit promptly, with the same problem (it is not read whole)', async () => {
      const content = Buffer.from(`${header}\n${'x\n'.repeat(9_000_000)}`);
      expect(content.length).to.be.below(LIMITS.csvFileBytes);
      const res = await refused(() => upload(content));
      expect(res.status).to.equal(422);
      expect(page(res.text).problems).to.deep.equal(['1', '(file)', tooManyRows]);
    });

    it('refuses too many rows through the API, as CSV and as a JSON array, with 422 JSON', async () => {
      const csv = await refused(() =>
        api('post', '/api/v1/apprentices/import')
          .set('Content-Type', 'text/csv')
          .send(`${header}\n${',,,,,,,,,,,,,\n'.repeat(LIMITS.importRows + 1)}`),
      );
      expect(csv.status).to.equal(422);
      expect(csv.body).to.deep.equal({ errors: [{ line: 1, path: '(file)', message: tooManyRows }] });
      const json = await refused(() =>
        api('post', '/api/v1/apprentices/import')
          .set('Content-Type', 'application/json')
          .send(`[${'{},'.repeat(LIMITS.importRows)}{}]`),
      );
      expect(json.status).to.equal(422);
      expect(json.body.errors).to.deep.equal([
        {
          line: 0,
          path: '(body)',
          message: `The array has more than ${LIMITS.importRows.toLocaleString('en-GB')} apprentices; import at most ${LIMITS.importRows.toLocaleString('en-GB')} at a time`,
        },
      ]);
    });

    for (const wrong of WRONG_FILES) {
      it(`refuses ${wrong.label} (${wrong.name}, ${wrong.type}) with a message that says what it is`, async () => {
        const res = await refused(() => upload(wrong.content, wrong.name, wrong.type));
        expect(pageProblems(res)).to.deep.equal([]);
        const shown = page(res.text);
        if (wrong.label === 'UTF-16 text') {
          expect(res.status).to.equal(422);
          expect(shown.problems.join(' ')).to.contain('The file is not saved as UTF-8');
        } else {
          expect(res.status).to.equal(400);
          expect(shown.summary).to.have.length(1);
          expect(shown.summary[0]).to.match(
            new RegExp(
              `^The selected file must be a CSV file: ${wrong.name.replace('.', '\\.')} is (a PNG image|a Windows program|a ZIP file, such as an Excel workbook\\. In Excel, save it as “CSV UTF-8 \\(comma delimited\\)” and select that file|a PDF|not a text file)$`,
            ),
          );
        }
      });
    }

    it('judges a file by its content, not its name or type: a good CSV named .txt and sent as image/png is imported', async () => {
      const uln = ulnFor(3999);
      const content = Buffer.from(CSV_TEMPLATE.replace('1000000043', uln));
      const res = await upload(content, 'apprentices.txt', 'image/png');
      expect(res.status).to.equal(200);
      expect(pageProblems(res)).to.deep.equal([]);
      expect(ctx.db.$client.prepare('select uln from apprentices where uln = ?').get(uln)).to.deep.equal({ uln });
    });

    it('refuses two files, a file in another field, and a broken multipart body with 400 and a page that says why', async () => {
      const { agent, csrf } = admin();
      const two = await refused(() =>
        agent
          .post('/apprentices/import')
          .field('_csrf', csrf)
          .attach('csvFile', Buffer.from('uln\n'), 'a.csv')
          .attach('csvFile', Buffer.from('uln\n'), 'b.csv'),
      );
      expect(page(two.text).message).to.equal('Select one file, in the form’s file field, and send the form again');
      const elsewhere = await refused(() =>
        agent.post('/apprentices/import').field('_csrf', csrf).attach('other', Buffer.from('uln\n'), 'a.csv'),
      );
      expect(page(elsewhere.text).message).to.equal(
        'Select one file, in the form’s file field, and send the form again',
      );
      for (const body of [
        'garbage',
        '--x\r\nbroken header line\r\n\r\nv\r\n--x--\r\n',
        `--x\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--x\r\nContent-Disposition: form-data; name="csvFile"; filename="a.csv"\r\n\r\nuln\r\n`,
      ]) {
        const broken = await refused(() =>
          agent.post('/apprentices/import').set('Content-Type', 'multipart/form-data; boundary=x').send(body),
        );
        expect(broken.status).to.equal(400);
        expect(pageProblems(broken, { errorPage: true })).to.deep.equal([]);
        expect(page(broken.text).message).to.equal(
          'The upload could not be read: it was incomplete or malformed. Go back, select the file and try again',
        );
      }
    });
  });

  describe(`plan import: ${Math.round(LIMITS.planFileBytes / MB)} MB, JSON only`, () => {
    const upload = (content: Buffer, name = 'plan.json', type = 'application/json') => {
      const { agent, csrf } = admin();
      return agent
        .post('/admin/plans/import')
        .field('_csrf', csrf)
        .attach('planFile', content, { filename: name, contentType: type });
    };

    it('refuses a file over the limit with 413 and a page that says so', async () => {
      const res = await refused(() => upload(Buffer.alloc(LIMITS.planFileBytes + 1, 0x20)));
      expect(res.status).to.equal(413);
      expect(page(res.text).message).to.equal('The selected file must be smaller than 1 MB');
    });

    for (const wrong of WRONG_FILES) {
      it(`refuses ${wrong.label} (${wrong.name}, ${wrong.type}) with a message that says what it is`, async () => {
        const res = await refused(() => upload(wrong.content, wrong.name, wrong.type));
        expect(pageProblems(res)).to.deep.equal([]);
        const shown = page(res.text);
        if (wrong.label === 'UTF-16 text') {
          expect(res.status).to.equal(422);
          expect(shown.problems.join(' ')).to.contain('The file is not valid JSON');
        } else {
          expect(res.status).to.equal(400);
          expect(shown.summary).to.have.length(1);
          expect(shown.summary[0]).to.match(
            new RegExp(
              `^The selected file must be a JSON file: ${wrong.name.replace('.', '\\.')} is (a PNG image|a Windows program|a ZIP file, such as an Excel workbook|a PDF|not a text file)$`,
            ),
          );
        }
      });
    }

    it('judges a file by its content: the plan named plan.txt and sent as text/plain is imported', async () => {
      const res = await upload(Buffer.from(JSON.stringify(DEMO_PLAN)), 'plan.txt', 'text/plain');
      expect(res.status).to.equal(200);
      expect(pageProblems(res)).to.deep.equal([]);
    });
  });

  it('the fixture is untouched by the refusals above (the apprentice the forms name is as it was)', () => {
    expect(ctx.db.$client.prepare('select given_names as g from apprentices where uln = ?').get(f.a.uln)).to.deep.equal(
      { g: f.a.givenNames },
    );
  });
});
