import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { Duration } from 'luxon';
import supertest from 'supertest';
import { PASSWORD_MESSAGES, passwordProblem } from '../../src/auth/password-rules.js';
import type { Clock } from '../../src/clock.js';
import { apiTokens, auditEvents, sessions } from '../../src/db/schema.js';
import { loadConfig } from '../../src/config.js';
import { $, PASSWORD, csrfFrom, postForm, signedInAgent, testApp, type TestContext } from '../support/app.js';
import { testClock } from '../support/clock.js';

/** A clock the test moves forward (an hour for a reset link, days for a token). */
function movableClock(): Clock & { advance: (d: Duration | object) => void } {
  let offset = Duration.fromMillis(0);
  return {
    now: () => testClock.now().plus(offset),
    advance: (d) => (offset = offset.plus(Duration.fromObject(d))),
  };
}

const BASE_URL = 'https://epa.example.org';
const NEW_PASSWORD = 'trumpet lantern orchard';

describe('accounts as a security team expects', () => {
  describe('password rules (src/auth/password-rules.ts)', () => {
    it('takes 12 characters or more, and refuses 11', () => {
      expect(passwordProblem('a'.repeat(11) + 'é')).to.equal(null);
      expect(passwordProblem('plum-granite')).to.equal(null);
      expect(passwordProblem('plum-granit')).to.equal(PASSWORD_MESSAGES.short);
      // Characters, not bytes or UTF-16 units: 11 emoji are 11 characters.
      expect(passwordProblem('😀'.repeat(11))).to.equal(PASSWORD_MESSAGES.short);
    });

    it('takes 200 characters and refuses 201', () => {
      expect(passwordProblem('x'.repeat(200))).to.equal(null);
      expect(passwordProblem('x'.repeat(201))).to.equal(PASSWORD_MESSAGES.long);
    });

    it('refuses a common password of any length in any case, and takes an uncommon one', () => {
      for (const common of ['qwerty123456', 'QWERTY123456', '1q2w3e4r5t6y', 'leavemealone'])
        expect(passwordProblem(common), common).to.equal(PASSWORD_MESSAGES.common);
      expect(passwordProblem('qwerty123456!')).to.equal(null);
    });
  });

  describe('configuration', () => {
    it('builds links on BASE_URL, required and https in production; TRUST_PROXY off unless set', () => {
      const production = { NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(40) };
      expect(() => loadConfig(production)).to.throw('BASE_URL is required');
      expect(() => loadConfig({ ...production, BASE_URL: 'http://epa.example.org' })).to.throw('must be https://');
      expect(loadConfig({ ...production, BASE_URL: 'https://epa.example.org/' }).baseUrl).to.equal(BASE_URL);
      expect(loadConfig({ NODE_ENV: 'development', PORT: '4000' }).baseUrl).to.equal('http://localhost:4000');
      expect(loadConfig({}).trustProxy).to.equal(false);
      expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).to.equal(1);
      expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).to.equal('loopback, 10.0.0.0/8');
      expect(() => loadConfig({ TRUST_PROXY: 'true' })).to.throw('TRUST_PROXY');
    });
  });

  describe('through the app', () => {
    let ctx: TestContext;
    let clock: ReturnType<typeof movableClock>;
    beforeEach(async () => {
      clock = movableClock();
      ctx = await testApp({ clock, config: { baseUrl: BASE_URL } });
    });
    const audit = (action: string) =>
      ctx.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.action, action))
        .all()
        .map((e) => ({ entityId: e.entityId, actor: e.actorLabel, reason: e.reason }));
    const signIn = async (email: string, password = PASSWORD) => {
      const agent = supertest.agent(ctx.app);
      const page = await agent.get('/sign-in');
      const res = await agent
        .post('/sign-in')
        .type('form')
        .send({ email, password, _csrf: csrfFrom(page.text) });
      return { agent, res };
    };
    const userUrl = () => `/admin/users/${ctx.users.employer.id}`;

    it('an administrator disables an account: its sessions and tokens stop at once, sign-in says so, and it can be enabled again', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
      const token = await postForm(admin, userUrl(), `${userUrl()}/tokens`, {});
      const secret = $(token.text)('#api-token').text();
      const api = () => supertest(ctx.app).get('/api/v1/standards').set('Authorization', `Bearer ${secret}`);
      expect((await api()).status).to.equal(200);

      // A reason is needed: the form comes back with its error, and nothing changes.
      const noReason = await postForm(admin, userUrl(), `${userUrl()}/disable`, { reason: ' ' });
      expect(noReason.status).to.equal(400);
      expect($(noReason.text)('.govuk-error-summary a').attr('href')).to.equal('#disable-reason');
      expect((await employer.get('/')).status).to.equal(200);

      const disabled = await postForm(admin, userUrl(), `${userUrl()}/disable`, { reason: 'Left the union' });
      expect(disabled.status).to.equal(303);
      const page = $((await admin.get(disabled.headers.location!)).text);
      expect(page('#account-status').text()).to.contain('Disabled');
      expect(page('.govuk-notification-banner, [role="alert"]').text()).to.contain('their sessions have ended');
      expect((await employer.get('/')).status).to.equal(302);
      const refused = await api();
      expect(refused.status).to.equal(401);
      expect(refused.body.errors[0].message).to.contain('its account is disabled');
      const again = await signIn(ctx.users.employer.email);
      expect(again.res.status).to.equal(403);
      expect($(again.res.text)('.govuk-error-summary').text()).to.contain('This account is disabled');
      // A wrong password still says only that the details are wrong.
      const guess = await signIn(ctx.users.employer.email, 'not-the-password');
      expect(guess.res.status).to.equal(401);
      expect(guess.res.text).to.not.contain('disabled');
      // No new token for a disabled account either: it would start working when the account is enabled again.
      const tokensBefore = ctx.db.select().from(apiTokens).all().length;
      const noToken = await postForm(admin, userUrl(), `${userUrl()}/tokens`, { days: '30' });
      expect(noToken.status).to.equal(409);
      expect($(noToken.text)('.govuk-error-summary a').attr('href')).to.equal('#token-days');
      expect($(noToken.text)('.govuk-error-summary').text()).to.contain('enable it before giving it an API token');
      expect(ctx.db.select().from(apiTokens).all()).to.have.length(tokensBefore);
      expect(audit('user.disabled')).to.deep.equal([
        { entityId: String(ctx.users.employer.id), actor: ctx.users.admin.email, reason: 'Left the union' },
      ]);

      await postForm(admin, userUrl(), `${userUrl()}/enable`, { reason: 'Rejoined' });
      expect((await signIn(ctx.users.employer.email)).res.status).to.equal(302);
      expect((await api()).status).to.equal(200);
      expect(audit('user.enabled').map((e) => e.reason)).to.deep.equal(['Rejoined']);
    });

    it('an administrator cannot disable their own account', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const own = `/admin/users/${ctx.users.admin.id}`;
      expect($((await admin.get(own)).text)('form[action$="/disable"]')).to.have.length(0);
      const res = await postForm(admin, own, `${own}/disable`, { reason: 'Testing' });
      expect(res.status).to.equal(409);
      expect($(res.text)('main').text()).to.contain('You cannot disable your own account');
      expect((await admin.get('/')).status).to.equal(200);
    });

    it('an administrator ends all of a user’s sessions: they sign in again', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const laptop = await signedInAgent(ctx.app, ctx.users.employer.email);
      const phone = await signedInAgent(ctx.app, ctx.users.employer.email);
      const res = await postForm(admin, userUrl(), `${userUrl()}/sessions/end`, { reason: 'Lost laptop' });
      expect(res.status).to.equal(303);
      for (const agent of [laptop, phone]) expect((await agent.get('/')).status).to.equal(302);
      expect(ctx.db.select().from(sessions).where(eq(sessions.userId, ctx.users.employer.id)).all()).to.have.length(0);
      expect(audit('user.sessions_ended').map((e) => e.reason)).to.deep.equal(['Lost laptop']);
      expect((await signIn(ctx.users.employer.email)).res.status).to.equal(302);
    });

    it('a reset link is built on BASE_URL, shown once, works once within the hour, and ends the user’s sessions', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
      const issued = await postForm(admin, userUrl(), `${userUrl()}/password-reset`, {});
      expect(issued.status).to.equal(200);
      const link = $(issued.text)('#reset-link').text();
      // The request came to 127.0.0.1; the link names the configured address, never the Host header.
      expect(link).to.match(/^https:\/\/epa\.example\.org\/reset-password\/[A-Za-z0-9_-]{40,}$/);
      const path = new URL(link).pathname;

      const visitor = supertest.agent(ctx.app);
      const form = await visitor.get(path);
      expect(form.status).to.equal(200);
      expect($(form.text)('#reset-email').text()).to.equal(ctx.users.employer.email);
      const send = async (newPassword: string, confirmPassword = newPassword) =>
        visitor
          .post(path)
          .type('form')
          .send({ newPassword, confirmPassword, _csrf: csrfFrom((await visitor.get(path)).text) });
      // Without the form's token (another site posting to the link), refused and nothing changes.
      const forged = await supertest(ctx.app)
        .post(path)
        .type('form')
        .send({ newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(forged.status).to.equal(403);
      expect((await visitor.get(path)).status).to.equal(200);
      const common = await send('qwerty123456');
      expect(common.status).to.equal(400);
      expect($(common.text)('.govuk-error-summary').text()).to.contain(PASSWORD_MESSAGES.common);
      const mismatch = await send(NEW_PASSWORD, `${NEW_PASSWORD}x`);
      expect($(mismatch.text)('.govuk-error-summary').text()).to.contain('The passwords do not match');

      const done = await send(NEW_PASSWORD);
      expect(done.status).to.equal(200);
      expect($(done.text)('h1').text()).to.contain('Password changed');
      expect((await employer.get('/')).status).to.equal(302);
      expect((await signIn(ctx.users.employer.email)).res.status).to.equal(401);
      expect((await signIn(ctx.users.employer.email, NEW_PASSWORD)).res.status).to.equal(302);
      // Used: it does not work again.
      const reused = await visitor.get(path);
      expect(reused.status).to.equal(404);
      expect($(reused.text)('main').text()).to.contain('Ask your administrator for a new link');
      expect(audit('user.password_reset_issued').map((e) => e.actor)).to.deep.equal([ctx.users.admin.email]);
      expect(audit('user.password_reset_used').map((e) => e.actor)).to.deep.equal([ctx.users.employer.email]);
    });

    it('a reset link stops working after an hour, and when a newer one is made', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const linkOf = async () =>
        new URL($((await postForm(admin, userUrl(), `${userUrl()}/password-reset`, {})).text)('#reset-link').text())
          .pathname;
      const first = await linkOf();
      clock.advance({ minutes: 59 });
      expect((await supertest(ctx.app).get(first)).status).to.equal(200);
      clock.advance({ minutes: 1 });
      expect((await supertest(ctx.app).get(first)).status).to.equal(404);
      const second = await linkOf();
      const third = await linkOf();
      expect((await supertest(ctx.app).get(second)).status).to.equal(404);
      expect((await supertest(ctx.app).get(third)).status).to.equal(200);
    });

    it('a user changes their own password: the current one is checked, the rules apply, and their other sessions end', async () => {
      const here = await signedInAgent(ctx.app, ctx.users.assessor.email);
      const elsewhere = await signedInAgent(ctx.app, ctx.users.assessor.email);
      const change = (fields: Record<string, string>) =>
        postForm(here, '/account/password', '/account/password', fields);
      const wrong = await change({ currentPassword: 'nope', newPassword: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
      expect(wrong.status).to.equal(400);
      expect($(wrong.text)('.govuk-error-summary a').attr('href')).to.equal('#currentPassword');
      const short = await change({ currentPassword: PASSWORD, newPassword: 'short', confirmPassword: 'short' });
      expect($(short.text)('#newPassword-error').text()).to.contain(PASSWORD_MESSAGES.short);
      expect((await elsewhere.get('/')).status).to.equal(200);

      const done = await change({
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        confirmPassword: NEW_PASSWORD,
      });
      expect(done.status).to.equal(200);
      expect((await here.get('/')).status).to.equal(200);
      expect((await elsewhere.get('/')).status).to.equal(302);
      expect((await signIn(ctx.users.assessor.email, NEW_PASSWORD)).res.status).to.equal(302);
      expect(audit('user.password_changed').map((e) => e.actor)).to.deep.equal([ctx.users.assessor.email]);
    });

    it('an API token works for the days chosen (90 unless told), says so when made, and records when it was last used', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const made = await postForm(admin, userUrl(), `${userUrl()}/tokens`, { days: '2' });
      expect($(made.text)('main').text()).to.contain('works for 2 days');
      const secret = $(made.text)('#api-token').text();
      const call = () => supertest(ctx.app).get('/api/v1/standards').set('Authorization', `Bearer ${secret}`);
      const row = () => ctx.db.select().from(apiTokens).where(eq(apiTokens.userId, ctx.users.employer.id)).get()!;
      expect(row().lastUsedAt).to.equal(null);
      expect((await call()).status).to.equal(200);
      expect(row().lastUsedAt!.slice(0, 16), 'to the minute').to.equal(clock.now().toUTC().toISO().slice(0, 16));
      clock.advance({ days: 2, minutes: -1 });
      expect((await call()).status).to.equal(200);
      clock.advance({ minutes: 1 });
      expect((await call()).status).to.equal(401);
      // Two days on, the administrator's session has ended too: they sign in again.
      const later = await signedInAgent(ctx.app, ctx.users.admin.email);
      const list = $((await later.get(userUrl())).text);
      expect(list('#user-tokens tbody tr').text()).to.contain('Expired');

      const standard = await postForm(later, userUrl(), `${userUrl()}/tokens`, { days: '' });
      expect($(standard.text)('main').text()).to.contain('works for 90 days');
      const tooLong = await postForm(later, userUrl(), `${userUrl()}/tokens`, { days: '366' });
      expect(tooLong.status).to.equal(400);
      expect($(tooLong.text)('.govuk-error-summary a').attr('href')).to.equal('#token-days');
      expect(
        ctx.db
          .select()
          .from(apiTokens)
          .where(and(eq(apiTokens.userId, ctx.users.employer.id)))
          .all(),
      ).to.have.length(2);
    });
  });

  describe('sign-in limits', () => {
    const attempt = async (app: TestContext['app'], email: string, from?: string) => {
      const agent = supertest.agent(app);
      const page = await agent.get('/sign-in');
      const post = agent.post('/sign-in').type('form');
      if (from) post.set('X-Forwarded-For', from);
      return (await post.send({ email, password: 'wrong-password', _csrf: csrfFrom(page.text) })).status;
    };

    it('limits failures per account, from whatever address they come (addresses as TRUST_PROXY lets the app see them)', async () => {
      const ctx = await testApp({ signInAttempts: 3, accountSignInAttempts: 2, config: { trustProxy: 'loopback' } });
      const email = ctx.users.qa.email;
      expect([
        await attempt(ctx.app, email, '203.0.113.1'),
        await attempt(ctx.app, email, '203.0.113.2'),
        await attempt(ctx.app, email, '203.0.113.3'),
      ]).to.deep.equal([401, 401, 429]);
      // Another account from a fresh address is not held back.
      expect(await attempt(ctx.app, ctx.users.admin.email, '203.0.113.4')).to.equal(401);
    });

    it('ignores X-Forwarded-For without TRUST_PROXY: one address cannot pose as many', async () => {
      const ctx = await testApp({ signInAttempts: 3, accountSignInAttempts: 100 });
      const statuses = [];
      for (let i = 1; i <= 4; i++) statuses.push(await attempt(ctx.app, `nobody${i}@test.example`, `203.0.113.${i}`));
      expect(statuses).to.deep.equal([401, 401, 401, 429]);
    });
  });
});
