import { expect } from 'chai';
import supertest from 'supertest';
import { testApp, type TestContext } from '../support/app.js';

/** Every url(…) a style sheet refers to, resolved against the site's root. */
function urlsIn(css: string): string[] {
  return [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
}

describe('style sheets and what they ask for', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await testApp();
  });

  for (const sheet of ['/assets/govuk-frontend.min.css', '/public/app.css'])
    it(`${sheet}: served as CSS, and every file it refers to is served too`, async () => {
      const res = await supertest(ctx.app).get(sheet);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/css/);
      const asked = urlsIn(res.text);
      for (const url of asked) expect((await supertest(ctx.app).get(url)).status, url).to.equal(200);
    });

  it('asks for no GDS Transport font file (the typeface is GOV.UK’s only, and the app does not serve it)', async () => {
    const css = (await supertest(ctx.app).get('/assets/govuk-frontend.min.css')).text;
    expect(urlsIn(css).filter((u) => u.includes('/fonts/'))).to.deep.equal([]);
    expect((await supertest(ctx.app).get('/assets/fonts/light-94a07e06a1-v2.woff2')).status).to.equal(404);
    // Everything else of govuk-frontend's style sheet is kept.
    expect(css).to.contain('.govuk-button{');
    expect(css).to.contain('url(/assets/images/govuk-crest.svg)');
  });
});
