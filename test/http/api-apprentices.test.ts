import { now } from '../support/clock.js';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import supertest from 'supertest';
import { validUlns } from '../../src/apprentices/uln.js';
import { apprentices, auditEvents, gatewaySubmissions } from '../../src/db/schema.js';
import { testApp, tokenFor, type TestContext } from '../support/app.js';

const today = now().setZone('Europe/London').startOf('day');
const iso = (d: DateTime) => d.toISODate()!;
const [ULN_A, ULN_B, ULN_C, ULN_D] = validUlns(4, 700_000_000);

function apprentice(uln: string, overrides: Record<string, unknown> = {}) {
  return {
    uln,
    givenNames: 'Jordan',
    familyName: 'Ellis',
    dateOfBirth: iso(today.minus({ years: 25 })),
    startDate: iso(today.minus({ months: 20 })),
    plannedEndDate: iso(today.minus({ months: 2 })),
    standardReference: 'ST0815',
    standardVersion: '1.0',
    providerUkprn: '10061234',
    employerId: 'transport-workers-union',
    weeklyHours: 37.5,
    bslFirstLanguage: false,
    englishMathsChoice: 'employer_requires',
    ...overrides,
  };
}

describe('JSON API: apprentices and the gateway', () => {
  let ctx: TestContext;
  let api: supertest.Agent;
  const tokens: Record<string, string> = {};
  const as = (who: string) => ({ Authorization: `Bearer ${tokens[who]}` });

  beforeEach(async () => {
    ctx = await testApp();
    api = supertest.agent(ctx.app);
    for (const who of ['admin', 'provider', 'otherProvider', 'employer', 'assessor'] as const)
      tokens[who] = tokenFor(ctx.db, ctx.users[who].id);
  });

  it('adds an apprentice (201) and reads it back; the ULN is unique', async () => {
    const created = await api.post('/api/v1/apprentices').set(as('provider')).send(apprentice(ULN_A!));
    expect(created.status).to.equal(201);
    expect(created.headers.location).to.equal(`/api/v1/apprentices/${ULN_A}`);
    expect(created.body).to.include({ uln: ULN_A, familyName: 'Ellis', providerUkprn: '10061234' });
    const again = await api.post('/api/v1/apprentices').set(as('provider')).send(apprentice(ULN_A!));
    expect(again.status).to.equal(422);
    expect(again.body.errors).to.deep.equal([
      { path: 'uln', message: `An apprentice with ULN ${ULN_A} already exists` },
    ]);
    expect((await api.get(`/api/v1/apprentices/${ULN_A}`).set(as('employer'))).body.givenNames).to.equal('Jordan');
  });

  it('answers 422 naming each bad field, including which ULN check failed', async () => {
    const res = await api
      .post('/api/v1/apprentices')
      .set(as('admin'))
      .send(apprentice('1234567890', { startDate: '2025-02-30', weeklyHours: -3 }));
    expect(res.status).to.equal(422);
    const byPath = Object.fromEntries(
      res.body.errors.map((e: { path: string; message: string }) => [e.path, e.message]),
    );
    expect(byPath.uln).to.contain('check digit');
    expect(byPath.startDate).to.contain('real date');
    expect(byPath.weeklyHours).to.contain('at least 1');
    expect(ctx.db.select().from(apprentices).all()).to.have.length(0);
  });

  it('keeps providers and employers to their own apprentices', async () => {
    await api.post('/api/v1/apprentices').set(as('provider')).send(apprentice(ULN_A!));
    await api
      .post('/api/v1/apprentices')
      .set(as('admin'))
      .send(apprentice(ULN_B!, { providerUkprn: '10078452', employerId: 'health-care-union' }));
    expect((await api.get(`/api/v1/apprentices/${ULN_A}`).set(as('otherProvider'))).status).to.equal(404);
    expect((await api.get(`/api/v1/apprentices/${ULN_B}/gateway`).set(as('provider'))).status).to.equal(404);
    expect((await api.get(`/api/v1/apprentices/${ULN_B}`).set(as('employer'))).status).to.equal(404);
    expect((await api.get(`/api/v1/apprentices/${ULN_A}`).set(as('assessor'))).status).to.equal(403);
    const mine = await api.get('/api/v1/apprentices').set(as('provider'));
    expect(mine.body.apprentices.map((a: { uln: string }) => a.uln)).to.deep.equal([ULN_A]);
    const all = await api.get('/api/v1/apprentices').set(as('admin'));
    expect(all.body.apprentices).to.have.length(2);
    const write = await api
      .post(`/api/v1/apprentices/${ULN_B}/off-the-job-hours`)
      .set(as('provider'))
      .send({ date: iso(today), hours: 3, activity: 'x' });
    expect(write.status).to.equal(404);
    const employerWrite = await api.post(`/api/v1/apprentices/${ULN_A}/qualifications`).set(as('employer')).send({});
    expect(employerWrite.status).to.equal(403);
    const providerSpoof = await api
      .post('/api/v1/apprentices')
      .set(as('provider'))
      .send(apprentice(ULN_C!, { providerUkprn: '10078452' }));
    expect(providerSpoof.status).to.equal(201);
    expect(providerSpoof.body.providerUkprn).to.equal('10061234');
  });

  it('imports CSV all or nothing, listing every bad line', async () => {
    const header =
      'uln,given_names,family_name,date_of_birth,start_date,planned_end_date,standard_reference,standard_version,provider_ukprn,employer_id,weekly_hours,bsl_first_language,english_maths_choice';
    const row = (uln: string, dob = '1999-01-01') =>
      `${uln},Sam,Lee,${dob},2025-01-06,2026-07-06,ST0815,1.0,10061234,transport-workers-union,37.5,no,`;
    const bad = [header, row(ULN_A!), row('0123456789'), row(ULN_B!, '1999-02-30'), row(ULN_A!)].join('\n');
    const refused = await api
      .post('/api/v1/apprentices/import')
      .set(as('provider'))
      .set('Content-Type', 'text/csv')
      .send(bad);
    expect(refused.status).to.equal(422);
    expect(refused.body.errors).to.deep.equal([
      { line: 3, path: 'uln', message: 'ULN cannot start with 0' },
      {
        line: 4,
        path: 'date_of_birth',
        message:
          'The date of birth must be a real date, as YYYY-MM-DD or DD/MM/YYYY (for example 2025-09-01 or 01/09/2025)',
      },
      { line: 5, path: 'uln', message: `ULN ${ULN_A} is also on line 2` },
    ]);
    expect(ctx.db.select().from(apprentices).all()).to.have.length(0);
    const repeated = await api
      .post('/api/v1/apprentices/import')
      .set(as('provider'))
      .set('Content-Type', 'text/csv')
      .send([header, row(ULN_A!), row(ULN_A!)].join('\n'));
    expect(repeated.body.errors).to.deep.equal([{ line: 3, path: 'uln', message: `ULN ${ULN_A} is also on line 2` }]);
    const good = await api
      .post('/api/v1/apprentices/import')
      .set(as('provider'))
      .set('Content-Type', 'text/csv')
      .send([header, row(ULN_A!), row(ULN_B!)].join('\n'));
    expect(good.status).to.equal(201);
    expect(good.body).to.deep.equal({ imported: 2 });
    expect(ctx.db.select().from(apprentices).all()).to.have.length(2);
  });

  it('refuses a CSV with a column given twice or not saved as UTF-8, and dates outside 1900–2100', async () => {
    const header = 'uln,uln,given_names';
    const twice = await api
      .post('/api/v1/apprentices/import')
      .set(as('provider'))
      .set('Content-Type', 'text/csv')
      .send(`${header}\n${ULN_A},${ULN_B},Sam\n`);
    expect(twice.body.errors).to.deep.equal([{ line: 1, path: '(header)', message: 'Column given twice: uln' }]);
    const latin1 = Buffer.concat([
      Buffer.from('uln,given_names\n1000000043,Zo'),
      Buffer.from([0xeb]),
      Buffer.from('\n'),
    ]);
    // A Windows-1252 file (Excel's usual "CSV") read as UTF-8: refused, not stored with garbled names.
    const garbled = await api
      .post('/api/v1/apprentices/import')
      .set(as('provider'))
      .set('Content-Type', 'text/csv; charset=utf-8')
      .send(latin1);
    expect(garbled.status).to.equal(422);
    expect(garbled.body.errors[0].message).to.contain('UTF-8');
    const future = await api
      .post('/api/v1/apprentices')
      .set(as('provider'))
      .send(apprentice(ULN_A!, { startDate: '9999-01-01', plannedEndDate: '9999-06-01' }));
    expect(future.status).to.equal(422);
    expect(future.body.errors.map((e: { message: string }) => e.message)).to.include(
      'The start date must be between 1900 and 2100',
    );
    const oldOn = await api.get('/api/v1/apprentices?on=1800-01-01').set(as('provider'));
    expect(oldOn.status).to.equal(422);
    expect(oldOn.body.errors[0].message).to.contain('between 1900-01-01 and 2100-12-31');
  });

  it('imports a JSON array, refusing rows for another provider', async () => {
    const refused = await api
      .post('/api/v1/apprentices/import')
      .set(as('provider'))
      .send([apprentice(ULN_A!), apprentice(ULN_B!, { providerUkprn: '10078452' })]);
    expect(refused.status).to.equal(422);
    expect(refused.body.errors).to.deep.equal([
      { line: 2, path: 'providerUkprn', message: 'You can only add apprentices for your own UKPRN (10061234)' },
    ]);
    expect(ctx.db.select().from(apprentices).all()).to.have.length(0);
    expect(
      (await api.post('/api/v1/apprentices/import').set(as('provider')).send({ not: 'an array' })).status,
    ).to.equal(422);
    const ok = await api
      .post('/api/v1/apprentices/import')
      .set(as('admin'))
      .send([apprentice(ULN_A!), apprentice(ULN_B!, { providerUkprn: '10078452' })]);
    expect(ok.status).to.equal(201);
  });

  it('evaluates the gateway on a given date, takes evidence, submits and is reviewed', async () => {
    await api.post('/api/v1/apprentices').set(as('provider')).send(apprentice(ULN_D!));
    const before = await api.get(`/api/v1/apprentices/${ULN_D}/gateway`).set(as('provider'));
    expect(before.body.ready).to.equal(false);
    expect(before.body.checks.map((c: { code: string }) => c.code)).to.deep.equal([
      'practical_period',
      'off_the_job',
      'english',
      'maths',
      'plan_items',
      'employer_declaration',
      'certificate_permission',
    ]);
    const early = await api
      .get(`/api/v1/apprentices/${ULN_D}/gateway?on=${iso(today.minus({ months: 19 }))}`)
      .set(as('provider'));
    expect(early.body.checks[0]).to.include({ code: 'practical_period', status: 'unmet' });
    expect((await api.get(`/api/v1/apprentices/${ULN_D}/gateway?on=2025-02-30`).set(as('provider'))).status).to.equal(
      422,
    );

    const h = (path: string) => api.post(`/api/v1/apprentices/${ULN_D}${path}`).set(as('provider'));
    for (const subject of ['english', 'maths'])
      expect(
        (
          await h('/qualifications').send({
            subject,
            type: 'gcse',
            level: 2,
            grade: '6',
            achievedOn: '2017-08-24',
            certificateReference: `C-${subject}`,
          })
        ).status,
      ).to.equal(201);
    expect(
      (
        await h('/off-the-job-hours').send({
          date: iso(today.minus({ days: 7 })),
          hours: 500,
          activity: 'Block release',
        })
      ).status,
    ).to.equal(422);
    for (let week = 1; week <= 60; week++)
      await h('/off-the-job-hours').send({
        date: iso(today.minus({ weeks: week })),
        hours: 8,
        activity: 'Union learning course',
      });
    for (const item of ['portfolio', 'project-proposal'])
      expect(
        (
          await api
            .put(`/api/v1/apprentices/${ULN_D}/gateway-items/${item}`)
            .set(as('provider'))
            .send({ reference: `store/${item}` })
        ).status,
      ).to.equal(200);
    expect(
      (await api.put(`/api/v1/apprentices/${ULN_D}/gateway-items/nothing`).set(as('provider')).send({ reference: 'x' }))
        .status,
    ).to.equal(404);
    expect((await h('/declarations').send({ part: 'employer' })).status).to.equal(403);
    expect(
      (await api.post(`/api/v1/apprentices/${ULN_D}/declarations`).set(as('employer')).send({ part: 'employer' }))
        .status,
    ).to.equal(201);
    const early409 = await h('/gateway/submissions');
    expect(early409.status).to.equal(409);
    expect(early409.body.errors[0].message).to.match(/not yet confirmed/i);
    for (const part of ['provider', 'apprentice', 'certificate_permission']) await h('/declarations').send({ part });

    const ready = await api.get(`/api/v1/apprentices/${ULN_D}/gateway`).set(as('provider'));
    expect(ready.body.checks.filter((c: { status: string }) => c.status === 'unmet')).to.deep.equal([]);
    const submitted = await h('/gateway/submissions');
    expect(submitted.status).to.equal(201);
    expect(submitted.body).to.include({ attempt: 1, status: 'submitted', submittedOn: iso(today) });
    expect((await h('/gateway/submissions')).status).to.equal(409);

    expect((await api.get('/api/v1/gateway/submissions').set(as('provider'))).status).to.equal(403);
    const queue = await api.get('/api/v1/gateway/submissions').set(as('admin'));
    expect(queue.body.submissions.map((s: { uln: string }) => s.uln)).to.deep.equal([ULN_D]);
    const id = submitted.body.id as number;
    const accept = Object.fromEntries(
      [
        'practical_period',
        'off_the_job',
        'english',
        'maths',
        'plan_items',
        'employer_declaration',
        'certificate_permission',
      ].map((c) => [c, { decision: 'accept' }]),
    );
    expect(
      (
        await api
          .post(`/api/v1/gateway/submissions/${id}/decision`)
          .set(as('provider'))
          .send({ checks: accept, outcome: 'accepted' })
      ).status,
    ).to.equal(403);
    const wrong = await api
      .post(`/api/v1/gateway/submissions/${id}/decision`)
      .set(as('admin'))
      .send({ checks: { ...accept, maths: { decision: 'reject' } }, outcome: 'accepted' });
    expect(wrong.status).to.equal(422);
    expect(wrong.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['checks.maths.reason', 'outcome']);
    const decided = await api
      .post(`/api/v1/gateway/submissions/${id}/decision`)
      .set(as('admin'))
      .send({ checks: accept, outcome: 'accepted', reason: 'All evidence seen' });
    expect(decided.status).to.equal(200);
    expect(decided.body).to.include({
      status: 'accepted',
      epaPeriodStart: iso(today),
      epaPeriodEnd: iso(today.plus({ months: 3 })),
    });
    expect(
      (
        await api
          .post(`/api/v1/gateway/submissions/${id}/decision`)
          .set(as('admin'))
          .send({ checks: accept, outcome: 'accepted' })
      ).status,
    ).to.equal(409);
    expect(
      (
        await api
          .post('/api/v1/gateway/submissions/99999/decision')
          .set(as('admin'))
          .send({ checks: accept, outcome: 'accepted' })
      ).status,
    ).to.equal(404);
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .all()
      .filter((a) => a.action === 'gateway.accepted');
    expect(audit).to.have.length(1);
    expect(audit[0]!.reason).to.equal('All evidence seen');
    expect(ctx.db.select().from(gatewaySubmissions).get()!.status).to.equal('accepted');
  });

  it('describes the apprentice endpoints in the OpenAPI document', async () => {
    const doc = await api.get('/api/v1/openapi.json');
    expect(Object.keys(doc.body.paths)).to.include.members([
      '/apprentices',
      '/apprentices/import',
      '/apprentices/{uln}',
      '/apprentices/{uln}/gateway',
      '/apprentices/{uln}/gateway/submissions',
      '/gateway/submissions/{id}/decision',
    ]);
    expect(doc.body.components.schemas.ApprenticeInput.properties.uln.type).to.equal('string');
  });
});
