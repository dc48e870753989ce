import { expect } from 'chai';
import supertest from 'supertest';
import { auditEvents, sessions } from '../../src/db/schema.js';
import { $, PASSWORD, csrfFrom, setCookies, signedInAgent, testApp, type TestContext } from '../support/app.js';

describe('sign-in and sessions', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('sends a visitor to sign in, then back to the page they asked for', async () => {
    const agent = supertest.agent(ctx.app);
    const res = await agent.get('/standards/ST0815/1.0');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/sign-in?returnTo=%2Fstandards%2FST0815%2F1.0');
    const page = await agent.get(res.headers.location!);
    const signIn = await agent
      .post('/sign-in')
      .type('form')
      .send({
        email: ctx.users.admin.email,
        password: PASSWORD,
        returnTo: '/standards/ST0815/1.0',
        _csrf: csrfFrom(page.text),
      });
    expect(signIn.status).to.equal(302);
    expect(signIn.headers.location).to.equal('/standards/ST0815/1.0');
    expect((await agent.get('/standards/ST0815/1.0')).status).to.equal(200);
  });

  it('never redirects off the site after sign-in', async () => {
    const agent = supertest.agent(ctx.app);
    const page = await agent.get('/sign-in');
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({
        email: ctx.users.admin.email,
        password: PASSWORD,
        returnTo: '//evil.example/x',
        _csrf: csrfFrom(page.text),
      });
    expect(res.headers.location).to.equal('/');
  });

  it('refuses a wrong password with an error summary and keeps the email', async () => {
    const agent = supertest.agent(ctx.app);
    const page = await agent.get('/sign-in');
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: ctx.users.admin.email, password: 'wrong-password', _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(401);
    const doc = $(res.text);
    expect(doc('.govuk-error-summary').text()).to.contain('Enter a correct email address and password');
    expect(doc('.govuk-error-summary a').attr('href')).to.equal('#email');
    expect(doc('input#email').val()).to.equal(ctx.users.admin.email);
    expect(doc('title').text()).to.match(/^Error: /);
  });

  it('says which fields are missing', async () => {
    const agent = supertest.agent(ctx.app);
    const page = await agent.get('/sign-in');
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: '', password: '', _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(400);
    const links = $(res.text)('.govuk-error-summary a')
      .map((_, a) => $(res.text)(a).text())
      .get();
    expect(links).to.deep.equal(['Enter your email address', 'Enter your password']);
  });

  it('refuses a form without a CSRF token, or with another browser’s token', async () => {
    const agent = supertest.agent(ctx.app);
    await agent.get('/sign-in');
    const without = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: ctx.users.admin.email, password: PASSWORD });
    expect(without.status).to.equal(403);
    expect(without.text).to.contain('This form has expired');
    const otherBrowser = supertest.agent(ctx.app);
    const otherToken = csrfFrom((await otherBrowser.get('/sign-in')).text);
    const forged = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: ctx.users.admin.email, password: PASSWORD, _csrf: otherToken });
    expect(forged.status).to.equal(403);
    expect(setCookies(without).join(';')).not.to.contain('epa_session=');
  });

  it('refuses sign-out without a CSRF token, so another site cannot sign people out', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect((await agent.post('/sign-out').type('form').send({})).status).to.equal(403);
    expect((await agent.get('/standards')).status).to.equal(200);
  });

  it('sets an httpOnly, SameSite session cookie and a fresh session id at every sign-in', async () => {
    const agent = supertest.agent(ctx.app);
    const page = await agent.get('/sign-in');
    const first = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: ctx.users.admin.email, password: PASSWORD, _csrf: csrfFrom(page.text) });
    const cookie = setCookies(first).find((c: string) => c.startsWith('epa_session='))!;
    expect(cookie)
      .to.match(/HttpOnly/i)
      .and.to.match(/SameSite=Lax/i);
    const again = await agent.get('/sign-in'); // signed in already: redirected home
    expect(again.status).to.equal(302);
    const home = await agent.get('/');
    const second = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: ctx.users.admin.email, password: PASSWORD, _csrf: csrfFrom(home.text) });
    const cookie2 = setCookies(second).find((c: string) => c.startsWith('epa_session='))!;
    expect(cookie2.split(';')[0]).not.to.equal(cookie.split(';')[0]);
    expect(ctx.db.select().from(sessions).all()).to.have.length(1);
  });

  it('destroys the session at sign-out', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const home = await agent.get('/');
    expect(home.status).to.equal(200);
    const out = await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) });
    expect(out.status).to.equal(302);
    expect(ctx.db.select().from(sessions).all()).to.have.length(0);
    expect((await agent.get('/standards')).status).to.equal(302);
  });

  it('lets a browser with an expired session cookie sign in again', async () => {
    const agent = supertest.agent(ctx.app);
    await agent.get('/sign-in'); // sets the visitor cookie
    // The browser still sends last week's session cookie with the page request; the reply clears it.
    const jar = agent.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).toValueString();
    const page = await supertest(ctx.app).get('/sign-in').set('Cookie', `${jar}; epa_session=left-over-from-last-week`);
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: ctx.users.admin.email, password: PASSWORD, _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/');
  });

  it('records sign-ins in the audit log', async () => {
    await signedInAgent(ctx.app, ctx.users.qa.email);
    const rows = ctx.db
      .select()
      .from(auditEvents)
      .all()
      .filter((r) => r.action === 'user.signed_in');
    expect(rows.map((r) => r.actorLabel)).to.deep.equal([ctx.users.qa.email]);
  });

  it('limits sign-in attempts', async () => {
    const limited = await testApp({ signInAttempts: 3 });
    const agent = supertest.agent(limited.app);
    const token = csrfFrom((await agent.get('/sign-in')).text);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await agent.post('/sign-in').type('form').send({ email: 'x@test.example', password: 'nope', _csrf: token }))
          .status,
      );
    }
    expect(statuses).to.deep.equal([401, 401, 401, 429]);
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email: limited.users.admin.email, password: PASSWORD, _csrf: token });
    expect(res.status).to.equal(429);
    expect(res.text).to.contain('Too many sign-in attempts');
  });

  it('sends security headers', async () => {
    const res = await supertest(ctx.app).get('/sign-in');
    expect(res.headers['content-security-policy']).to.contain("default-src 'self'");
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-powered-by']).to.equal(undefined);
  });

  it('shows a friendly 404 without details', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await agent.get('/no-such-page');
    expect(res.status).to.equal(404);
    expect($(res.text)('h1').text()).to.equal('Page not found');
  });
});
