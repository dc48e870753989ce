import fs from 'node:fs';
import { expect } from 'chai';
import supertest from 'supertest';
import { auditEvents, plans } from '../../src/db/schema.js';
import { testApp, tokenFor, type TestContext } from '../support/app.js';
import { GRADES } from '../../src/db/vocabulary.js';

const demoPlan = () =>
  JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as Record<string, unknown> & {
    methods: { ksbs: string[] }[];
  };

describe('JSON API', () => {
  let ctx: TestContext;
  let api: supertest.Agent;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  let adminToken: string;
  let providerToken: string;

  beforeEach(async () => {
    ctx = await testApp();
    api = supertest.agent(ctx.app);
    adminToken = tokenFor(ctx.db, ctx.users.admin.id);
    providerToken = tokenFor(ctx.db, ctx.users.provider.id);
  });

  it('answers 401 JSON without a token or with a bad one', async () => {
    for (const headers of [{}, { Authorization: 'Bearer epa_not-a-real-token' }, { Authorization: 'Basic abc' }]) {
      const res = await api.get('/api/v1/standards').set(headers);
      expect(res.status).to.equal(401);
      expect(res.type).to.equal('application/json');
      expect(res.body.errors[0].message).to.be.a('string').and.not.contain('at ');
      expect(res.headers['www-authenticate']).to.contain('Bearer');
    }
  });

  it('lists standards and returns ST0815 v1.0 with duties and KSBs', async () => {
    const list = await api.get('/api/v1/standards').set(as(providerToken));
    expect(list.status).to.equal(200);
    expect(list.body.standards).to.deep.equal([
      {
        reference: 'ST0815',
        version: '1.0',
        title: 'Trade union official',
        level: 4,
        status: 'Approved for delivery',
        route: 'Business and administration',
        planId: 'ST0815-1.0-demo',
      },
    ]);
    const one = await api.get('/api/v1/standards/ST0815/1.0').set(as(providerToken));
    expect(one.body.duties).to.have.length(14);
    expect(one.body.ksbs).to.have.length(38);
    expect(one.body.ksbs.find((k: { code: string }) => k.code === 'K9').text).to.contain('ACAS codes of practice');
  });

  it('returns the plan, and 404 JSON for what is not there', async () => {
    const plan = await api.get('/api/v1/standards/ST0815/1.0/plan').set(as(providerToken));
    expect(plan.status).to.equal(200);
    expect(plan.body.demo).to.equal(true);
    expect(plan.body.combination).to.have.length(9);
    for (const path of [
      '/api/v1/standards/ST0815/2.0',
      '/api/v1/standards/ST0815/2.0/plan',
      '/api/v1/nothing-here',
      '/api/v1/standards/bad/1.0',
    ]) {
      const res = await api.get(path).set(as(providerToken));
      expect(res.status, path).to.equal(404);
      expect(res.body.errors).to.have.length(1);
    }
  });

  it('imports a plan for an admin (200 when it replaces one) and refuses others with 403', async () => {
    const plan = demoPlan();
    plan.title = 'Replaced over the API';
    const forbidden = await api.post('/api/v1/plans').set(as(providerToken)).send(plan);
    expect(forbidden.status).to.equal(403);
    expect(forbidden.body.errors[0].message).to.contain('permission');
    const res = await api.post('/api/v1/plans').set(as(adminToken)).send(plan);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ id: 'ST0815-1.0-demo', replaced: true, isDefault: true, warnings: [] });
    expect(ctx.db.select().from(plans).get()!.title).to.equal('Replaced over the API');
  });

  it('answers 201 for a plan of a standard version that had none', async () => {
    ctx.db.delete(plans).run();
    const res = await api.post('/api/v1/plans').set(as(adminToken)).send(demoPlan());
    expect(res.status).to.equal(201);
  });

  it('answers 422 with every problem and its path, and writes nothing', async () => {
    const plan = demoPlan();
    plan.methods[0]!.ksbs.push('K15');
    plan.epaPeriodMonths = -1;
    const auditCount = ctx.db.select().from(auditEvents).all().length;
    const shape = await api.post('/api/v1/plans').set(as(adminToken)).send(plan);
    expect(shape.status).to.equal(422);
    expect(shape.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['epaPeriodMonths']);
    plan.epaPeriodMonths = 3;
    const rules = await api.post('/api/v1/plans').set(as(adminToken)).send(plan);
    expect(rules.status).to.equal(422);
    expect(rules.body.errors).to.deep.include({
      path: `methods[0].ksbs[${plan.methods[0]!.ksbs.length - 1}]`,
      message: 'Unknown KSB code "K15": ST0815 v1.0 has no such KSB',
    });
    expect(ctx.db.select().from(auditEvents).all()).to.have.length(auditCount);
  });

  it('answers 400 for malformed JSON and 413 for a body over 1 MB', async () => {
    const bad = await api
      .post('/api/v1/plans')
      .set(as(adminToken))
      .set('Content-Type', 'application/json')
      .send('{"id": ');
    expect(bad.status).to.equal(400);
    expect(bad.body.errors[0].message).to.equal('The request body is not valid JSON');
    const big = await api
      .post('/api/v1/plans')
      .set(as(adminToken))
      .send({ padding: 'x'.repeat(1024 * 1024 + 1) });
    expect(big.status).to.equal(413);
    expect(big.body.errors[0].message).to.contain('1 MB');
  });

  it('publishes an OpenAPI description generated from the schemas, without a token', async () => {
    const res = await api.get('/api/v1/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.body.openapi).to.equal('3.1.0');
    expect(Object.keys(res.body.paths)).to.include.members([
      '/standards',
      '/standards/{reference}/{version}',
      '/standards/{reference}/{version}/plan',
      '/plans',
    ]);
    const planSchema = res.body.components.schemas.Plan;
    expect(planSchema.required).to.include.members(['methods', 'criteria', 'combination']);
    expect(planSchema.properties.methodGrades.items.enum).to.deep.equal([...GRADES]);
    expect(res.body.paths['/plans'].post.responses).to.have.keys(
      '200',
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '422',
    );
  });
});

describe('JSON API: what it refuses before reading a body', () => {
  it('answers 401 to an anonymous request, whatever its body', async () => {
    const ctx = await testApp();
    const res = await supertest(ctx.app)
      .post('/api/v1/plans')
      .set('Content-Type', 'application/json')
      .send('{"broken": ');
    expect(res.status).to.equal(401);
  });

  it('answers 415 to a body that is not JSON, and 400 to a malformed path', async () => {
    const ctx = await testApp();
    const token = tokenFor(ctx.db, ctx.users.admin.id);
    const text = await supertest(ctx.app)
      .post('/api/v1/plans')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(text.status).to.equal(415);
    expect(text.body.errors[0].message).to.contain('application/json');
    const bad = await supertest(ctx.app).get('/api/v1/standards/ST0815/%').set('Authorization', `Bearer ${token}`);
    expect(bad.status).to.equal(400);
    expect(bad.body.errors[0].message).not.to.contain('JSON');
  });

  it('refuses a plan whose id another standard version’s plan already uses', async () => {
    const ctx = await testApp();
    const token = tokenFor(ctx.db, ctx.users.admin.id);
    const standard = JSON.parse(fs.readFileSync('fixtures/standards/ST0815-1.0.json', 'utf8')) as { version: string };
    standard.version = '1.1';
    const { importStandard } = await import('../../src/standards/store.js');
    const { standardFileSchema } = await import('../../src/standards/schema.js');
    importStandard(ctx.db, standardFileSchema.parse(standard), { userId: null, label: 'test' });
    const plan = demoPlan();
    (plan.standard as { version: string }).version = '1.1';
    const res = await supertest(ctx.app).post('/api/v1/plans').set('Authorization', `Bearer ${token}`).send(plan);
    expect(res.status).to.equal(422);
    expect(res.body.errors).to.deep.equal([
      {
        path: 'id',
        message:
          'The id "ST0815-1.0-demo" is already the id of another standard version’s plan; give this plan its own id',
      },
    ]);
    expect(ctx.errors).to.deep.equal([]);
  });
});
