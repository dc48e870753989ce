import { expect } from 'chai';
import supertest from 'supertest';
import { csrfFrom, $, signedInAgent, testApp, type TestContext, type TestUserKey } from '../support/app.js';

const EVERYONE: TestUserKey[] = ['admin', 'assessor', 'qa', 'provider', 'otherProvider', 'employer'];
const NOT_ADMIN: TestUserKey[] = ['assessor', 'qa', 'provider', 'otherProvider', 'employer'];

/** Every page so far, with who may see it. */
const PAGES: { path: string; allowed: TestUserKey[] }[] = [
  { path: '/', allowed: EVERYONE },
  { path: '/standards', allowed: EVERYONE },
  { path: '/standards/ST0815/1.0', allowed: EVERYONE },
  { path: '/standards/ST0815/1.0/plan', allowed: EVERYONE },
  { path: '/admin/plans/import', allowed: ['admin'] },
  { path: '/admin/users', allowed: ['admin'] },
  { path: '/admin/users/new', allowed: ['admin'] },
  { path: '/admin/audit', allowed: ['admin'] },
];

/** Every form action so far: only administrators may post to them. */
const ADMIN_ACTIONS = ['/admin/plans/import', '/admin/users/new', '/admin/users/1/tokens', '/admin/tokens/1/revoke'];

describe('page permissions', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  for (const page of PAGES) {
    it(`GET ${page.path}: anonymous visitors are sent to sign in`, async () => {
      const res = await supertest(ctx.app).get(page.path);
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.match(/^\/sign-in\?returnTo=/);
    });
    for (const who of EVERYONE) {
      const allowed = page.allowed.includes(who);
      it(`GET ${page.path}: ${who} ${allowed ? 'may see it' : 'is refused (403)'}`, async () => {
        const agent = await signedInAgent(ctx.app, ctx.users[who].email);
        const res = await agent.get(page.path);
        expect(res.status).to.equal(allowed ? 200 : 403);
        if (!allowed) expect($(res.text)('h1').text()).to.equal('You do not have permission to see this page');
      });
    }
  }

  for (const action of ADMIN_ACTIONS) {
    for (const who of NOT_ADMIN) {
      it(`POST ${action}: ${who} is refused even with a valid form token`, async () => {
        const agent = await signedInAgent(ctx.app, ctx.users[who].email);
        const token = csrfFrom((await agent.get('/')).text);
        const res = await agent.post(action).type('form').send({ _csrf: token, reason: 'x' });
        expect(res.status).to.equal(403);
      });
    }
    it(`POST ${action}: anonymous visitors are refused`, async () => {
      const agent = supertest.agent(ctx.app);
      const token = csrfFrom((await agent.get('/sign-in')).text);
      expect((await agent.post(action).type('form').send({ _csrf: token })).status).to.equal(401);
    });
  }
});

describe('standards pages', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('lists ST0815 v1.0 in the catalogue with its demo plan', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const doc = $((await agent.get('/standards')).text);
    const row = doc('tbody tr').first();
    expect(row.find('a').first().text()).to.equal('Trade union official');
    expect(row.text()).to.contain('ST0815').and.to.contain('1.0').and.to.contain('Demo');
  });

  it('shows the summary, all 14 duties, 38 KSBs and the KSBs no duty refers to', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.employer.email);
    const doc = $((await agent.get('/standards/ST0815/1.0')).text);
    expect(doc('h1').text()).to.equal('Trade union official (level 4)');
    expect(doc('.app-duty')).to.have.length(14);
    expect(doc('#duty-14').text()).to.contain('negotiating learning agreements with employers');
    expect(doc('#ksb-K9').text()).to.contain('ACAS codes of practice');
    expect(doc('.app-matrix tbody tr')).to.have.length(38);
    expect(
      doc('.app-matrix__row--gap th')
        .map((_, th) => doc(th).text().replace('no duty', '').trim())
        .get(),
    ).to.deep.equal(['K11', 'K12', 'K13', 'K14', 'S15', 'S16', 'S17']);
    expect(doc('#unreferenced-ksbs').text()).to.contain('K11').and.to.contain('S17');
    expect(doc('.app-matrix thead th')).to.have.length(15);
  });

  it('shows the plan with its demo warning, methods, criteria, coverage and combination table', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.assessor.email);
    const doc = $((await agent.get('/standards/ST0815/1.0/plan')).text);
    expect(doc('#demo-plan-warning').text()).to.contain('Demo plan').and.to.contain('not the published');
    expect(doc('.app-method')).to.have.length(2);
    expect(doc('#method-project').text()).to.contain('Work-based project');
    expect(doc('#ksb-coverage tbody tr')).to.have.length(38);
    expect(
      doc('#ksb-coverage tbody tr')
        .first()
        .find('td .govuk-visually-hidden')
        .map((_, el) => doc(el).text())
        .get(),
    ).to.deep.equal(['Not assessed', 'Assessed']); // K1: discussion only
    const combination = doc('#combination-table');
    expect(combination.find('tbody tr')).to.have.length(9);
    const rows = combination
      .find('tbody tr')
      .map((_, tr) =>
        doc(tr)
          .find('td')
          .map((__, td) => doc(td).text())
          .get()
          .join('+'),
      )
      .get();
    expect(rows)
      .to.include('Distinction+Distinction+Distinction')
      .and.to.include('Fail+Distinction+Fail')
      .and.to.include('Pass+Distinction+Pass');
  });

  it('answers 404 for a standard or version that is not held, or a malformed one', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect((await agent.get('/standards/ST0815/9.9')).status).to.equal(404);
    expect((await agent.get('/standards/ST9999/1.0/plan')).status).to.equal(404);
    expect((await agent.get('/standards/not-a-ref/1.0')).status).to.equal(404);
  });
});
