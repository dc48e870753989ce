import fs from 'node:fs';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { validUlns } from '../../src/apprentices/uln.js';
import { apprentices, learningBreaks, offTheJobHours, plans } from '../../src/db/schema.js';
import { textProblem, textProblems } from '../../src/validation/text.js';
import { decimalInput } from '../../src/validation/fields.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { apprenticeCsv, isoDate, readyApprentice, today } from '../support/apprentices.js';

const ULNS = validUlns(3, 560_000_000);

describe('text the platform stores: the same rules for forms, the API, CSV imports and uploaded files', () => {
  describe('the rule (src/validation/text.ts)', () => {
    it('takes any printable text, in any script, with joiners and emoji', () => {
      for (const text of ['Llŷr Zoë Łukasiewicz-O’Brien', '李小龍', 'محمد', '👩‍👩‍👧', 'a\u200db', 'Ünïcödé\u00a0space'])
        expect(textProblem(text, false), text).to.equal(null);
    });

    it('refuses NUL, escape, DEL and the C1 controls everywhere, naming the character', () => {
      const cases: [string, string][] = [
        ['Ada\u0000', 'contains a NUL (U+0000), which cannot be saved: remove it'],
        ['Ada\u001b[31m', 'contains an escape (U+001B), which cannot be saved: remove it'],
        ['Ada\u007f', 'contains a control character (U+007F), which cannot be saved: remove it'],
        ['Ada\u0085', 'contains a control character (U+0085), which cannot be saved: remove it'],
        ['Ada\u0008', 'contains a control character (U+0008), which cannot be saved: remove it'],
      ];
      for (const [text, message] of cases) {
        expect(textProblem(text, false), JSON.stringify(text)).to.equal(message);
        expect(textProblem(text, true), JSON.stringify(text)).to.equal(message);
      }
    });

    it('takes line breaks and tabs in multi-line fields only', () => {
      for (const text of ['First line\nsecond', 'Windows\r\nline', 'Pasted\tcolumns']) {
        expect(textProblem(text, true), JSON.stringify(text)).to.equal(null);
        expect(textProblem(text, false), JSON.stringify(text)).to.not.equal(null);
      }
      expect(textProblem('Smith\nJones', false)).to.equal('must be on one line: remove the line break');
      expect(textProblem('Smith\tJones', false)).to.equal('contains a tab (U+0009), which cannot be saved: remove it');
    });

    it('refuses a lone surrogate but takes a pair', () => {
      expect(textProblem('Ada\ud800', true)).to.equal('is not valid Unicode text (it has a lone surrogate)');
      expect(textProblem('\udc00Ada', false)).to.equal('is not valid Unicode text (it has a lone surrogate)');
      expect(textProblem('\ud83d\ude00', false)).to.equal(null);
    });

    it('leaves passwords alone: only their hash is stored', () => {
      expect(textProblems({ password: 'tab\there', newPassword: 'nul\u0000', email: 'a@b.c' })).to.deep.equal([]);
    });

    it('judges multi-line by the nearest key, and checks keys too', () => {
      expect(
        textProblems({
          givenNames: 'A\nB',
          reason: 'A\nB',
          decisions: [{ criterionId: 'PR1', evidence: 'Seen\nin the report' }, { criterionId: 'PR\n2' }],
          ['bad\u0000key']: 'x',
        }),
      ).to.deep.equal([
        { path: 'givenNames', message: '"givenNames" must be on one line: remove the line break' },
        { path: 'decisions[1].criterionId', message: '"criterionId" must be on one line: remove the line break' },
        { path: '', message: 'A field name contains a NUL (U+0000), which cannot be saved: remove it' },
      ]);
    });
  });

  describe('numbers are decimal only (src/validation/fields.ts decimalInput)', () => {
    it('reads decimal digits with a sign or a point, and leaves everything else to be refused', () => {
      for (const [text, number] of [
        ['37.5', 37.5],
        [' 16 ', 16],
        ['+2', 2],
        ['-0.5', -0.5],
        ['.5', 0.5],
        ['10.', 10],
      ] as const)
        expect(decimalInput(text), text).to.equal(number);
      for (const value of ['0x10', '0b11', '0o7', '1e3', 'Infinity', 'NaN', '', ' ', '1,000', '٣', true, null])
        expect(decimalInput(value), String(value)).to.equal(value);
      expect(decimalInput(37.5)).to.equal(37.5);
    });
  });

  describe('through the app', () => {
    let ctx: TestContext;
    beforeEach(async () => (ctx = await testApp()));
    const count = () => ctx.db.select().from(apprentices).all().length;

    it('a form: refused with an error summary naming the field, nothing saved; a multi-line reason is kept whole', async () => {
      const a = readyApprentice(ctx.db, ULNS[0]!, 'Ada', 'Okafor');
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      const url = `/apprentices/${a.uln}/breaks/new`;
      const day = (name: string, d: ReturnType<typeof today>) => ({
        [`${name}[day]`]: String(d.day),
        [`${name}[month]`]: String(d.month),
        [`${name}[year]`]: String(d.year),
      });
      const dates = {
        ...day('from', today().minus({ months: 3 })),
        ...day('to', today().minus({ months: 3, days: -5 })),
      };
      const refused = await postForm(provider, url, url, { ...dates, reason: 'Medical\u0000leave' });
      expect(refused.status).to.equal(400);
      const page = $(refused.text);
      expect(page('.govuk-error-summary li').text().trim()).to.equal(
        '"reason" contains a NUL (U+0000), which cannot be saved: remove it',
      );
      expect(page('main p.govuk-body').first().text()).to.contain('Nothing was saved');
      expect(ctx.db.select().from(learningBreaks).all()).to.have.length(0);

      const kept = await postForm(provider, url, url, { ...dates, reason: 'Medical leave\r\nSigned off by the GP' });
      expect(kept.status).to.equal(302);
      expect(ctx.db.select().from(learningBreaks).get()!.reason).to.equal('Medical leave\r\nSigned off by the GP');
    });

    it('the API: 400 naming the field, nothing saved', async () => {
      const before = count();
      const res = await supertest(ctx.app)
        .post('/api/v1/apprentices')
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
        .send({ uln: ULNS[1], givenNames: 'Ada', familyName: 'Okafor\nSmith' });
      expect(res.status).to.equal(400);
      expect(res.body.errors).to.deep.equal([
        { path: 'familyName', message: '"familyName" must be on one line: remove the line break' },
      ]);
      expect(count()).to.equal(before);
    });

    it('a number in hex, an exponent or a JSON true is refused with the field’s message; decimal text is read', async () => {
      const a = readyApprentice(ctx.db, ULNS[0]!, 'Ada', 'Okafor');
      const log = (hours: unknown) =>
        supertest(ctx.app)
          .post(`/api/v1/apprentices/${a.uln}/off-the-job-hours`)
          .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
          .send({ date: isoDate(today().minus({ days: 3 })), hours, activity: 'Branch finance course' });
      for (const hours of ['0x10', true, '1e1']) {
        const res = await log(hours);
        expect(res.status, String(hours)).to.equal(422);
        expect(res.body.errors, String(hours)).to.deep.equal([
          { path: 'hours', message: 'Enter the hours as a number' },
        ]);
      }
      const logged = () =>
        ctx.db
          .select()
          .from(offTheJobHours)
          .where(eq(offTheJobHours.activity, 'Branch finance course'))
          .all()
          .map((l) => l.hours);
      expect(logged()).to.deep.equal([]);
      expect((await log('7.5')).status).to.equal(201);
      expect(logged()).to.deep.equal([7.5]);
    });

    it('a CSV import: each cell named by line and column, and nothing written', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const csv = apprenticeCsv([
        { uln: ULNS[1]!, familyName: 'Okafor' },
        { uln: ULNS[2]!, familyName: 'Smith\tJones' },
      ]);
      const page = await admin.get('/apprentices/import');
      const before = count();
      const res = await admin
        .post('/apprentices/import')
        .field('_csrf', csrfFrom(page.text))
        .attach('csvFile', Buffer.from(csv), { filename: 'apprentices.csv', contentType: 'text/csv' });
      expect(res.status).to.equal(422);
      expect($(res.text)('.govuk-error-summary').text()).to.contain('apprentices.csv has 1 problem on 1 line(s)');
      expect(
        $(res.text)('#import-problems tbody tr')
          .map((_, tr) =>
            $(res.text)(tr)
              .find('th, td')
              .map((_i, c) => $(res.text)(c).text().trim())
              .get()
              .join(' | '),
          )
          .get(),
      ).to.deep.equal(['3 | family_name | The value contains a tab (U+0009), which cannot be saved: remove it']);
      expect(count()).to.equal(before);
    });

    it('a plan file: the upload page refuses what the API refuses, a lone surrogate included', async () => {
      const text = fs
        .readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')
        .replace('"id": "ST0815-1.0-demo"', '"id": "ST0815-1.0-other"')
        .replace('"title": "', '"title": "\\ud800');
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const form = await admin.get('/admin/plans/import');
      const page = await admin
        .post('/admin/plans/import')
        .field('_csrf', csrfFrom(form.text))
        .attach('planFile', Buffer.from(text), { filename: 'plan.json', contentType: 'application/json' });
      expect(page.status).to.equal(422);
      expect($(page.text)('main').text()).to.contain('"title" is not valid Unicode text (it has a lone surrogate)');
      const api = await supertest(ctx.app)
        .post('/api/v1/plans')
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
        .set('Content-Type', 'application/json')
        .send(text);
      expect(api.status).to.equal(400);
      expect(api.body.errors).to.deep.equal([
        { path: 'title', message: '"title" is not valid Unicode text (it has a lone surrogate)' },
      ]);
      expect(ctx.db.select().from(plans).where(eq(plans.id, 'ST0815-1.0-other')).all()).to.have.length(0);
    });
  });
});
