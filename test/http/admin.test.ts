import fs from 'node:fs';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { apiTokens, auditEvents, plans, users } from '../../src/db/schema.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { now, todayIso } from '../support/clock.js';
import { SETUP, readyApprentice } from '../support/apprentices.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';

const demoPlanText = () => fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8');

describe('admin: importing a plan', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  async function upload(content: string | Buffer, filename = 'plan.json') {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const token = csrfFrom((await agent.get('/admin/plans/import')).text);
    return agent.post('/admin/plans/import').field('_csrf', token).attach('planFile', Buffer.from(content), filename);
  }

  it('imports a valid plan, replacing the earlier one, audited with before and after', async () => {
    const plan = JSON.parse(demoPlanText()) as { title: string; notice: string };
    plan.title = 'Trade union official – EPAO revised plan';
    const res = await upload(JSON.stringify(plan));
    expect(res.status).to.equal(200);
    expect($(res.text)('.govuk-panel__title').text()).to.equal('Plan replaced');
    const stored = ctx.db.select().from(plans).all();
    expect(stored.map((p) => p.title)).to.deep.equal(['Trade union official – EPAO revised plan']);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'plan.replaced')).all();
    expect(audit).to.have.length(1);
    expect(audit[0]!.actorLabel).to.equal(ctx.users.admin.email);
    expect((audit[0]!.before as { title: string }).title).to.contain('demonstration');
    expect((audit[0]!.after as { title: string }).title).to.equal(plan.title);
  });

  it("adds a plan with a new id beside the version's default plan, and says so", async () => {
    const res = await upload(fs.readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8'));
    expect(res.status).to.equal(200);
    const doc = $(res.text);
    expect(doc('.govuk-panel__title').text()).to.equal('Plan imported');
    expect(doc('main').text()).to.contain('It is a plan of ST0815 version 1.0 beside its default plan');
    expect(
      ctx.db.select({ id: plans.id, isDefault: plans.isDefault }).from(plans).orderBy(plans.id).all(),
    ).to.deep.equal([
      { id: 'ST0815-1.0-demo', isDefault: true },
      { id: 'ST0815-1.0-reformed-demo', isDefault: false },
    ]);
  });

  it('refuses a plan with problems, lists each with its place, and changes nothing', async () => {
    const plan = JSON.parse(demoPlanText()) as {
      title: string;
      criteria: { id: string; ksbs: string[] }[];
      combination: unknown[];
    };
    plan.title = 'Broken';
    plan.criteria[1]!.id = plan.criteria[0]!.id;
    plan.criteria[2]!.ksbs.push('K77');
    plan.combination.pop();
    const before = ctx.db.select().from(plans).all();
    const auditBefore = ctx.db.select().from(auditEvents).all().length;
    const res = await upload(JSON.stringify(plan), 'broken-plan.json');
    expect(res.status).to.equal(422);
    const doc = $(res.text);
    expect(doc('.govuk-error-summary').text()).to.contain('broken-plan.json has 3 problems; nothing was imported');
    const places = doc('#plan-problems tbody tr td:first-child')
      .map((_, td) => doc(td).text())
      .get();
    expect(places).to.include.members([
      'criteria[1].id',
      'criteria[2].ksbs[' + (plan.criteria[2]!.ksbs.length - 1) + ']',
      'combination',
    ]);
    expect(ctx.db.select().from(plans).all()).to.deep.equal(before);
    expect(ctx.db.select().from(auditEvents).all()).to.have.length(auditBefore + 1); // only the sign-in
  });

  it('refuses a file that is not JSON, or no file at all, with a message', async () => {
    const notJson = await upload('{ "id": ', 'plan.json');
    expect(notJson.status).to.equal(422);
    expect($(notJson.text)('#plan-problems').text()).to.contain('not valid JSON');
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const token = csrfFrom((await agent.get('/admin/plans/import')).text);
    const none = await agent.post('/admin/plans/import').field('_csrf', token);
    expect(none.status).to.equal(400);
    expect($(none.text)('.govuk-error-summary a').attr('href')).to.equal('#planFile');
  });

  it('refuses a file over 1 MB with 413', async () => {
    const res = await upload(Buffer.alloc(1024 * 1024 + 10, 0x20));
    expect(res.status).to.equal(413);
  });

  it('refuses an upload without the form token', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await agent.post('/admin/plans/import').attach('planFile', Buffer.from(demoPlanText()), 'plan.json');
    expect(res.status).to.equal(403);
  });
});

describe('admin: users and tokens', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('adds a provider user scoped to a UKPRN, who can then sign in', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await postForm(agent, '/admin/users/new', '/admin/users/new', {
      name: 'Sam Lee',
      email: 'Sam.Lee@Provider.example',
      role: 'provider',
      ukprn: '10078452',
      employerId: '',
      password: 'a-long-enough-password',
    });
    expect(res.status).to.equal(302);
    const list = await agent.get(res.headers.location!);
    expect($(list.text)('.govuk-notification-banner').text()).to.contain(
      'Sam Lee (sam.lee@provider.example) can now sign in as Training provider',
    );
    const user = ctx.db.select().from(users).where(eq(users.email, 'sam.lee@provider.example')).get()!;
    expect(user.providerUkprn).to.equal('10078452');
    expect(user.passwordHash).to.match(/^scrypt\$/);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'user.created')).all();
    expect(audit.map((a) => a.entityId)).to.deep.equal([String(user.id)]);
    expect(JSON.stringify(audit[0]!.after)).not.to.contain('password');
  });

  it('re-shows the form with every error and the values kept (but never the password)', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await postForm(agent, '/admin/users/new', '/admin/users/new', {
      name: '<b>Sam</b>',
      email: 'not-an-email',
      role: 'provider',
      ukprn: '',
      employerId: 'health-care-union',
      password: 'short',
    });
    expect(res.status).to.equal(400);
    const doc = $(res.text);
    const hrefs = doc('.govuk-error-summary a')
      .map((_, a) => doc(a).attr('href'))
      .get();
    expect(hrefs).to.deep.equal(['#email', '#ukprn', '#employerId', '#password']);
    expect(doc('input#name').val()).to.equal('<b>Sam</b>');
    expect(doc('b').length).to.equal(0);
    expect(doc('input#password').val() ?? '').to.equal('');
    expect(doc('input[name="role"][value="provider"]').attr('checked')).to.not.equal(undefined);
    expect(ctx.db.select().from(users).all()).to.have.length(6);
  });

  it('creates one user when the same form is sent twice at once, and says so for the other', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const token = csrfFrom((await agent.get('/admin/users/new')).text);
    const fields = {
      name: 'Twice',
      email: 'twice@epao.example',
      role: 'assessor',
      ukprn: '',
      employerId: '',
      password: 'a-long-enough-password',
      _csrf: token,
    };
    const results = await Promise.all([1, 2, 3].map(() => agent.post('/admin/users/new').type('form').send(fields)));
    expect(results.map((r) => r.status).sort()).to.deep.equal([302, 400, 400]);
    expect(ctx.db.select().from(users).where(eq(users.email, 'twice@epao.example')).all()).to.have.length(1);
    expect(ctx.errors).to.deep.equal([]);
  });

  it('refuses an email that is already used', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await postForm(agent, '/admin/users/new', '/admin/users/new', {
      name: 'Dup',
      email: ctx.users.qa.email,
      role: 'assessor',
      ukprn: '',
      employerId: '',
      password: 'a-long-enough-password',
    });
    expect(res.status).to.equal(400);
    expect($(res.text)('.govuk-error-summary').text()).to.contain('already exists');
  });

  it('creates an API token shown once and revokes it with a reason, audited', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const created = await postForm(agent, '/admin/users', `/admin/users/${ctx.users.provider.id}/tokens`, {});
    const token = $(created.text)('#api-token').text();
    expect(token).to.match(/^epa_/);
    expect((await agent.get('/api/v1/standards')).status).to.equal(401); // cookies do not work on the API
    const api = await import('supertest').then((m) => m.default(ctx.app));
    expect((await api.get('/api/v1/standards').set('Authorization', `Bearer ${token}`)).status).to.equal(200);
    const row = ctx.db.select().from(apiTokens).get()!;
    expect(row.tokenHash).not.to.contain(token);
    const revoked = await postForm(agent, '/admin/users', `/admin/tokens/${row.id}/revoke`, { reason: 'Laptop lost' });
    expect(revoked.status).to.equal(302);
    expect($((await agent.get(revoked.headers.location!)).text)('.govuk-notification-banner').text()).to.contain(
      `Token ${row.id} has been revoked`,
    );
    expect((await api.get('/api/v1/standards').set('Authorization', `Bearer ${token}`)).status).to.equal(401);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'api_token.revoked')).get()!;
    expect(audit.reason).to.equal('Laptop lost');
    expect(audit.actorLabel).to.equal(ctx.users.admin.email);
    const again = await postForm(agent, '/admin/users', `/admin/tokens/${row.id}/revoke`, {});
    expect(again.status).to.equal(404);
  });

  it('answers 404 for tokens of users that do not exist', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect((await postForm(agent, '/admin/users', '/admin/users/999/tokens', {})).status).to.equal(404);
    expect((await postForm(agent, '/admin/users', '/admin/users/abc/tokens', {})).status).to.equal(404);
  });
});

describe('admin: audit log', () => {
  const entries = (html: string) => {
    const doc = $(html);
    return doc('#audit-events .app-audit__sentence')
      .map((_, p) => doc(p).text().replace(/\s+/g, ' ').trim())
      .get();
  };

  it('reads each change as a sentence naming who, what, the record (linked) and why', async () => {
    const ctx = await testApp();
    const a = readyApprentice(ctx.db, validUlns(1, 712_000_000)[0]!, 'Ellie', 'Parker');
    const submitted = submitForGateway(ctx.db, a, todayIso(), SETUP);
    if (!submitted.ok) throw new Error(submitted.message);
    const admin = { userId: ctx.users.admin.id, label: ctx.users.admin.email };
    const decided = decideSubmission(
      ctx.db,
      submitted.submission.id,
      {
        checks: CHECK_CODES.map((code) => ({ code, accepted: true, reason: null })),
        outcome: 'accepted',
        reason: 'Every check met; portfolio seen',
      },
      3,
      todayIso(),
      admin,
      now(),
    );
    expect(decided.ok).to.equal(true);
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = await agent.get('/admin/audit');
    const doc = $(page.text);
    const sentence = `admin accepted the gateway for Ellie Parker (ULN ${a.uln}), gateway request ${submitted.submission.id}: Every check met; portfolio seen`;
    expect(entries(page.text)).to.include(sentence);
    expect(entries(page.text)).to.include('admin signed in');
    const entry = doc('#audit-events li').filter((_, li) => doc(li).text().includes('accepted the gateway'));
    expect(entry.find(`.app-audit__sentence a[href="/apprentices/${a.uln}"]`).text()).to.equal(
      `Ellie Parker (ULN ${a.uln})`,
    );
    expect(entry.find('code').text()).to.equal('gateway.accepted');
    // "Every change to this record" filters by it.
    const same = entry
      .find('a')
      .filter((_, l) => doc(l).text() === 'Every change to this record')
      .attr('href')!;
    expect(entries((await agent.get(same)).text)).to.deep.equal([
      sentence,
      `test setup requested EPA for Ellie Parker (ULN ${a.uln}), gateway request ${submitted.submission.id}`,
    ]);
  });

  it('filters by person (name or email), what happened, record and date, and pages 50 at a time', async () => {
    const ctx = await testApp();
    for (let i = 0; i < 55; i++) tokenFor(ctx.db, ctx.users.provider.id);
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const all = $((await agent.get('/admin/audit')).text);
    expect(all('#audit-events li')).to.have.length(50);
    expect(all('.govuk-pagination').text()).to.contain('Page 1 of 2');
    const byAction = await agent.get('/admin/audit?action=api_token.created');
    expect($(byAction.text)('#audit-count').text()).to.contain('55 events, page 1 of 2');
    const next = $(byAction.text)('a[rel=next]').attr('href')!;
    expect(next).to.equal('/admin/audit?action=api_token.created&page=2');
    expect(entries((await agent.get(next)).text)).to.have.length(5);
    // The select offers each action in words.
    expect(all('select#action option[value="gateway.accepted"]').text()).to.equal(
      'accepted the gateway (gateway.accepted)',
    );
    const filtered = $((await agent.get('/admin/audit?action=plan.')).text);
    expect(entries(filtered.html())).to.have.length(1);
    expect(filtered('#audit-count').text()).to.contain('1 event');
    const byName = $((await agent.get('/admin/audit?actor=admi')).text);
    expect(entries(byName.html())).to.deep.equal(['admin signed in']);
    const literal = $((await agent.get('/admin/audit?actor=%25')).text);
    expect(literal('#audit-count').text()).to.contain('0 events');
    const bad = await agent.get('/admin/audit?from=2026-02-30');
    expect(bad.status).to.equal(400);
    expect($(bad.text)('.govuk-error-summary a').attr('href')).to.equal('#from');
    const reversed = await agent.get('/admin/audit?from=2026-03-02&to=2026-03-01');
    expect($(reversed.text)('.govuk-error-summary').text()).to.contain('same as or after');
  });
});
