import { expect } from 'chai';
import Handlebars from 'handlebars';
import { testApp, type TestContext } from '../support/app.js';
import { apiProblems, databaseProblems, pageProblems } from '../support/answers.js';
import { fingerprint } from '../support/fixture.js';
import {
  HTML_PAYLOADS,
  applyFormEdits,
  encodeForm,
  injectedMarkup,
  receivedFormValue,
  stackTraceIn,
} from '../support/hostile.js';

/* The property tests' own checks, on answers known to be bad: each must be caught (and good ones passed). */

const html = (body: string) =>
  `<!DOCTYPE html><html><head><title>t</title><link rel="icon" href="data:,"></head><body><main>${body}</main></body></html>`;
const answer = (status: number, text: string, type = 'text/html; charset=utf-8') => ({
  status,
  text,
  headers: { 'content-type': type },
  body: type.startsWith('application/json') ? (JSON.parse(text) as unknown) : undefined,
});

describe('the property tests’ checks', () => {
  it('find every payload echoed unescaped, and none echoed as Handlebars escapes it', () => {
    for (const payload of HTML_PAYLOADS.filter((p) => /<|on\w+=/.test(p))) {
      const escaped = Handlebars.escapeExpression(payload);
      expect(
        injectedMarkup(html(`<p>${escaped}</p><input value="${escaped}"><textarea>${escaped}</textarea>`)),
        payload,
      ).to.deep.equal([]);
      expect(
        injectedMarkup(html(`<p>${payload}</p><input value="${payload}"><input value='${payload}'>`)),
        payload,
      ).to.not.deep.equal([]);
    }
  });

  it('find a stack trace or a source path in an answer', () => {
    expect(stackTraceIn('Error: boom\n    at handler (/work/main/src/app.ts:10:5)')).to.be.a('string');
    expect(stackTraceIn('SqliteError: UNIQUE constraint failed')).to.be.a('string');
    expect(stackTraceIn('<p>The date must be a real date, for example 2025-09-01</p>')).to.equal(undefined);
  });

  it('refuse a server error, a refused form without its error summary, and a refusal that is not { errors: [{ path, message }] }', () => {
    expect(pageProblems(answer(500, html('<h1>Sorry</h1><p class="govuk-body">Try later</p>')))).to.not.deep.equal([]);
    expect(pageProblems(answer(400, html('<h1>Add an apprentice</h1><form></form>')))).to.not.deep.equal([]);
    expect(
      pageProblems(
        answer(
          400,
          html(
            '<div class="govuk-error-summary"><ul class="govuk-error-summary__list"><li><a href="#uln">Enter the ULN</a></li></ul></div><h1>Add</h1>',
          ),
        ),
      ),
    ).to.deep.equal([]);
    expect(apiProblems(answer(422, '{"errors":[{"path":"uln"}]}', 'application/json'))).to.not.deep.equal([]);
    expect(
      apiProblems(answer(422, '{"errors":[{"path":"uln","message":"Enter the ULN"}]}', 'application/json')),
    ).to.deep.equal([]);
    expect(apiProblems(answer(400, '<html></html>'))).to.not.deep.equal([]);
  });

  describe('the database', () => {
    let ctx: TestContext;
    before(async () => {
      ctx = await testApp();
    });

    it('finds a write in a refused request, and a change without an audit event in an accepted one', () => {
      const before = fingerprint(ctx.db);
      ctx.db.$client.prepare("update employers set name = name || ' (changed)' where rowid = 1").run();
      expect(databaseProblems(ctx, before, 400)).to.have.length(1);
      expect(databaseProblems(ctx, before, 302)[0]).to.contain('without an audit event');
    });

    it('sees no change when nothing was written', () => {
      const before = fingerprint(ctx.db);
      ctx.db.$client.prepare('select * from employers').all();
      expect(databaseProblems(ctx, before, 400)).to.deep.equal([]);
    });
  });

  it('encode form values as a browser would, except lone surrogates, which stay undecodable', () => {
    expect(
      encodeForm(applyFormEdits([['a', '1']], [{ kind: 'date', prefix: 'd', parts: ['31', '4', '2025'] }])),
    ).to.equal('a=1&d%5Bday%5D=31&d%5Bmonth%5D=4&d%5Byear%5D=2025');
    expect(receivedFormValue('é😀')).to.equal('é😀');
    expect(receivedFormValue('a\uD800')).to.equal('a%ED%A0%80');
  });
});
