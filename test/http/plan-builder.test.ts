import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import type supertest from 'supertest';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { importCatalogue } from '../../src/catalogue/import.js';
import { apprentices, auditEvents, plans } from '../../src/db/schema.js';
import { allGradeCombinations, combineGrades } from '../../src/plans/rules.js';
import { planFileSchema, type PlanFile } from '../../src/plans/schema.js';
import { getPlanById, importPlan } from '../../src/plans/store.js';
import { findStandardVersionId, versionOptions } from '../../src/standards/store.js';
import { $, csrfFrom, signedInAgent, testApp, type TestContext } from '../support/app.js';
import { buildFixture } from '../support/fixture.js';

/*
 * The plan builder, as an administrator uses it: every part of a plan through its own form, the
 * plan's problems on every page as they stand, and publishing as a new plan that never replaces
 * one in use. The demo plan is the yardstick: built from nothing, it must come out the same.
 */

const demo: PlanFile = planFileSchema.parse(JSON.parse(readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));

type Fields = Record<string, string | string[]>;

describe('plan builder', () => {
  let ctx: TestContext;
  let admin: supertest.Agent;
  beforeEach(async () => {
    ctx = await testApp();
    admin = await signedInAgent(ctx.app, ctx.users.admin.email);
  });

  /** Fetches a form's page for its token and sends the form, as a browser does. */
  async function send(url: string, fields: Fields, action = url) {
    const page = await admin.get(url);
    expect(page.status, `GET ${url}`).to.equal(200);
    return admin
      .post(action)
      .type('form')
      .send({ ...fields, _csrf: csrfFrom(page.text) });
  }

  async function start(from: string, version = 'ST0815/1.0'): Promise<string> {
    const res = await send(`/standards/${version}/plans/new`, { from });
    expect(res.status, res.text).to.equal(302);
    return res.headers.location as string;
  }

  const summary = (html: string) =>
    $(html)('.govuk-error-summary li')
      .map((_, li) => $(html)(li).text().trim())
      .get();
  const summaryLinks = (html: string) =>
    $(html)('.govuk-error-summary a')
      .map((_, a) => `${$(html)(a).attr('href')} ${$(html)(a).text().trim()}`)
      .get();

  const methodFields = (m: PlanFile['methods'][number]): Fields => ({
    id: m.id,
    name: m.name,
    description: m.description,
    durationMinutes: String(m.durationMinutes),
    delivery: m.delivery,
    timing: m.timing,
    marker: m.marker,
    moderationSamplePercent: '',
    earliestDayAfterGateway: String(m.earliestDayAfterGateway),
    ksbs: m.ksbs,
  });

  it('builds the demo plan from nothing, one form at a time, showing the problems as they stand, and publishes it unchanged', async () => {
    const draft = await start('nothing');
    const first = await admin.get(draft);
    expect($(first.text)('.govuk-error-summary__title').text().trim()).to.match(/^This plan has \d+ problems$/);
    expect(summaryLinks(first.text)).to.include.members([
      `${draft}/details#epaPeriodMonths Enter the assessment period, in months`,
      `${draft}#methods Add at least one method`,
    ]);

    const details = await send(`${draft}/details`, {
      id: 'ST0815-1.0-built',
      title: demo.title,
      regime: 'epa',
      demo: 'yes',
      notice: demo.notice!,
      epaPeriodMonths: '3',
      resitWindowMonths: '3',
      retakeWindowMonths: '6',
      maxAttempts: '',
      wholeAssessmentMonths: '',
    });
    expect(details.status).to.equal(302);
    const afterDetails = await admin.get(details.headers.location as string);
    expect($(afterDetails.text)('.govuk-notification-banner').text()).to.contain('Saved');
    expect($(afterDetails.text)('#epaPeriodMonths').val()).to.equal('3');
    // Nothing left to fix on this page: its summary is gone, though the plan still has problems elsewhere.
    expect($(afterDetails.text)('.govuk-error-summary')).to.have.length(0);

    const [project, discussion] = demo.methods;
    const added = await send(`${draft}/methods/new`, methodFields(project!));
    expect(added.headers.location).to.equal(`${draft}/methods/0?saved=1`);
    const projectPage = await admin.get(added.headers.location as string);
    // Its KSBs have no pass criterion yet: said on the method's own page, at its KSBs.
    expect(summaryLinks(projectPage.text)).to.include(
      '#ksbs Method 1: KSB K2 is assessed by method "project" but no pass criterion of that method maps to it',
    );
    expect($(projectPage.text)('#ksbs-error').text()).to.contain('KSB K2 is assessed by method "project"');
    await send(`${draft}/methods/new`, methodFields(discussion!));

    for (const c of demo.criteria) {
      const res = await send(`${draft}/criteria/new`, {
        id: c.id,
        method: c.method,
        theme: c.theme,
        level: c.level,
        text: c.text,
        ksbs: c.ksbs,
      });
      expect(res.status, `${c.id}: ${res.text}`).to.equal(302);
    }
    for (const g of demo.gatewayItems) await send(`${draft}/gateway-items/new`, { ...g });

    // The grid: one cell per combination of the two methods' grades, in the order the page draws them.
    const grid = await admin.get(`${draft}/grades`);
    expect($(grid.text)('table select')).to.have.length(9);
    expect($(grid.text)('label[for="overall-1"]').text()).to.equal(
      `Overall grade when ${project!.name} is Fail and ${discussion!.name} is Pass`,
    );
    const cells = Object.fromEntries(
      allGradeCombinations(['project', 'discussion'], demo.methodGrades).map((combo, i) => [
        `overall-${i}`,
        combineGrades(demo, combo)!,
      ]),
    );
    const grades = await send(`${draft}/grades`, {
      'methodGrades-0': 'Fail',
      'methodGrades-1': 'Pass',
      'methodGrades-2': 'Distinction',
      'overallGrades-0': 'Fail',
      'overallGrades-1': 'Pass',
      'overallGrades-2': 'Distinction',
      resitRetakeGradeCap: 'Pass',
      ...cells,
    });
    expect(grades.status).to.equal(302);

    const ready = await admin.get(draft);
    expect($(ready.text)('.govuk-error-summary')).to.have.length(0);
    expect($(ready.text)('main').text()).to.contain('It has no problems: it can be published.');
    expect($(ready.text)('#coverage-K1').text()).to.contain('Assessed: 1 pass');
    expect($(ready.text)('#coverage .govuk-tag--red, table .govuk-tag--red')).to.have.length(0);

    const published = await send(draft, { makeDefault: 'no' }, `${draft}/publish`);
    expect(published.status).to.equal(302);
    expect(published.headers.location).to.equal('/standards/ST0815/1.0/plan?id=ST0815-1.0-built&published=0');
    expect(getPlanById(ctx.db, 'ST0815-1.0-built')).to.deep.equal({ ...demo, id: 'ST0815-1.0-built' });
    // Published beside the demo plan, which stays the default.
    const row = ctx.db.select().from(plans).where(eq(plans.id, 'ST0815-1.0-built')).get()!;
    expect(row.isDefault).to.equal(false);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'plan.published')).all();
    expect(audit.map((a) => a.entityId)).to.deep.equal(['ST0815-1.0-built']);
  });

  it('exports a copy of the demo plan as a file that imports back as the demo plan unchanged', async () => {
    const draft = await start(demo.id);
    const page = await admin.get(draft);
    expect($(page.text)('main').text()).to.contain(`Started from a copy of ${demo.id}.`);
    const file = await admin.get(`${draft}/plan.json`);
    expect(file.headers['content-disposition']).to.equal('attachment; filename=ST0815-1.0-demo-2.json');
    const exported = JSON.parse(file.text) as PlanFile;
    expect(exported.id).to.equal('ST0815-1.0-demo-2');
    const imported = importPlan(ctx.db, { ...exported, id: demo.id }, SYSTEM_ACTOR);
    expect(imported.ok).to.equal(true);
    expect(getPlanById(ctx.db, demo.id)).to.deep.equal(demo);
  });

  it('copies a plan to another version by KSB identity, says which KSBs changed, and reports what that leaves uncovered', async () => {
    await importCatalogue(
      ctx.db,
      Readable.from([readFileSync('test/fixtures/catalogue/standards.json', 'utf8')]),
      SYSTEM_ACTOR,
    );
    const combination = allGradeCombinations(['only'], ['Fail', 'Pass']).map((methods) => ({
      methods,
      overall: methods.only!,
    }));
    const plan = {
      id: 'ST9902-1.0-test',
      title: 'Test plan (test data)',
      standard: { reference: 'ST9902', version: '1.0' },
      demo: true,
      epaPeriodMonths: 3,
      methodGrades: ['Fail', 'Pass'],
      overallGrades: ['Fail', 'Pass'],
      methods: [
        {
          id: 'only',
          name: 'Interview',
          description: 'Test data',
          durationMinutes: 60,
          delivery: ['remote'],
          ksbs: ['K1', 'K2', 'S1', 'B1'],
        },
      ],
      criteria: [
        { id: 'C1', method: 'only', theme: 'All', level: 'pass', text: 'Test data', ksbs: ['K1', 'K2', 'S1', 'B1'] },
      ],
      combination,
      resit: { windowMonths: 3 },
      retake: { windowMonths: 6 },
      resitRetakeGradeCap: 'Pass',
      gatewayItems: [],
    };
    const loaded = importPlan(ctx.db, plan, SYSTEM_ACTOR);
    expect(loaded.ok, JSON.stringify(loaded)).to.equal(true);

    const draft = await start('ST9902-1.0-test', 'ST9902/1.1');
    const page = await admin.get(draft);
    const changes = $(page.text)('#ksb-changes').text().replace(/\s+/g, ' ');
    expect(changes).to.contain('Not in version 1.1, so left out of the copy: K2.');
    expect(changes).to.contain('New in version 1.1, assessed by nothing yet: K2, K3.');
    expect(summary(page.text)).to.include.members([
      'KSB K2 of ST9902 v1.1 is assessed by no method',
      'KSB K3 of ST9902 v1.1 is assessed by no method',
    ]);
    expect($(page.text)('#coverage-K1').text()).to.contain('Assessed: 1 pass');
    expect($(page.text)('#coverage-K3').text()).to.contain('No method assesses it');
  });

  it('builds a plan for one option of a version with options, covering that option’s KSBs', async () => {
    await importCatalogue(
      ctx.db,
      Readable.from([readFileSync('test/fixtures/catalogue/standards.json', 'utf8')]),
      SYSTEM_ACTOR,
    );
    const options = versionOptions(ctx.db, findStandardVersionId(ctx.db, 'ST9901', '1.0')!);
    const draft = await start('nothing', 'ST9901/1.0');
    const details = $((await admin.get(`${draft}/details`)).text);
    expect(
      details('#option option')
        .map((_, o) => details(o).text())
        .get(),
    ).to.deep.equal(['Every option', ...options.map((o) => o.title)]);
    const everyKsb = $((await admin.get(draft)).text)('tr[id^="coverage-"]').length;

    const saved = await send(`${draft}/details`, {
      id: 'ST9901-1.0-road',
      title: 'Road vehicles plan (test data)',
      regime: 'epa',
      option: 'Road vehicles',
      notice: '',
      epaPeriodMonths: '3',
      resitWindowMonths: '3',
      retakeWindowMonths: '6',
      maxAttempts: '',
      wholeAssessmentMonths: '',
    });
    expect(saved.status).to.equal(302);
    const page = $((await admin.get(draft)).text);
    expect(page('#plan-option').text()).to.contain('Road vehicles');
    const road = options.find((o) => o.title === 'Road vehicles')!;
    expect(road.ksbs.length).to.be.below(everyKsb);
    expect(
      page('tr[id^="coverage-"] th')
        .map((_, th) => page(th).text())
        .get(),
    ).to.deep.equal(road.ksbs);
    expect(JSON.parse((await admin.get(`${draft}/plan.json`)).text)).to.include({ option: 'Road vehicles' });
  });

  it('refuses a form drawn from the draft as it was before another change, and changes nothing', async () => {
    const draft = await start(demo.id);
    const gradesPage = await admin.get(`${draft}/grades`);
    const revision = $(gradesPage.text)('input[name="revision"]').val() as string;
    // Another window removes the first method: the grid's cells would now mean other combinations.
    const project = await admin.get(`${draft}/methods/0`);
    const removed = await admin
      .post(`${draft}/methods/0`)
      .type('form')
      .send({
        _csrf: csrfFrom(project.text),
        action: 'remove',
        revision: $(project.text)('input[name="revision"]').val(),
      });
    expect(removed.status).to.equal(302);
    const before = JSON.parse((await admin.get(`${draft}/plan.json`)).text) as unknown;
    const stale = await admin
      .post(`${draft}/grades`)
      .type('form')
      .send({ _csrf: csrfFrom(gradesPage.text), revision, resitRetakeGradeCap: 'Pass', 'overall-0': 'Distinction' });
    expect(stale.status).to.equal(409);
    expect($(stale.text)('main').text()).to.contain('This draft has changed since this page was opened');
    expect(JSON.parse((await admin.get(`${draft}/plan.json`)).text)).to.deep.equal(before);
  });

  it('says a table of too many combinations cannot be held, and every page of the draft still opens', async () => {
    const draft = await start('nothing');
    for (let i = 0; i < 7; i++)
      await send(`${draft}/methods/new`, { ...methodFields(demo.methods[0]!), id: `m${i}`, name: `Method ${i}` });
    const page = await admin.get(draft);
    expect(page.status).to.equal(200);
    expect(summary(page.text)).to.include(
      '7 methods with 3 grades each need a combination table of 2,187 rows; at most 729 are possible: use fewer methods or grades',
    );
    const grades = await admin.get(`${draft}/grades`);
    expect(grades.status).to.equal(200);
    expect($(grades.text)('#combination').text()).to.contain('more combinations than a table can hold');
  });

  it('puts a duplicate method id right without touching what names the other method', async () => {
    const draft = await start(demo.id);
    // The second method is given the first's id by mistake, then renamed back.
    const discussion = methodFields(demo.methods[1]!);
    await send(`${draft}/methods/1`, { ...discussion, id: 'project' });
    // Renamed while its old id named nothing else: its criteria went with it.
    const duplicated = JSON.parse((await admin.get(`${draft}/plan.json`)).text) as PlanFile;
    expect(duplicated.criteria.every((c) => c.method === 'project')).to.equal(true);
    await send(`${draft}/methods/1`, { ...discussion, id: 'discussion-2' });
    // Renamed while the first method still has the id: every criterion naming "project" stays with it.
    const renamed = JSON.parse((await admin.get(`${draft}/plan.json`)).text) as PlanFile;
    expect(renamed.methods.map((m) => m.id)).to.deep.equal(['project', 'discussion-2']);
    expect(renamed.criteria.filter((c) => c.method !== 'project')).to.deep.equal([]);
  });

  it('keeps what was typed and says what is wrong when a field cannot be held, and saves a half-done part', async () => {
    const draft = await start('nothing');
    const fields = { ...methodFields(demo.methods[0]!), durationMinutes: 'an hour', name: 'Project' };
    const refused = await send(`${draft}/methods/new`, fields);
    expect(refused.status).to.equal(400);
    expect(summary(refused.text)).to.deep.equal(['Enter how long it takes as a whole number from 0 to 480, like 3']);
    expect($(refused.text)('#durationMinutes').val()).to.equal('an hour');
    expect($(refused.text)('#name').val()).to.equal('Project');
    expect($(refused.text)('input[name="ksbs"][value="K2"]').attr('checked')).to.not.equal(undefined);

    // An empty name is a problem of the plan, not of the form: saved, and listed.
    const saved = await send(`${draft}/methods/new`, { ...fields, durationMinutes: '60', name: '' });
    expect(saved.status).to.equal(302);
    const page = await admin.get(saved.headers.location as string);
    expect(summaryLinks(page.text)).to.include('#name Method 1: Enter a name');
  });

  it('publishes only a plan with no problems, never over a published id, and keeps booked apprentices on their plan', async () => {
    const f = await buildFixture(ctx);
    const draft = await start(demo.id);
    /** The details form of the copy: its id, and its period (empty: a problem). */
    const details = (id: string, epaPeriodMonths: string) =>
      send(`${draft}/details`, {
        id,
        title: 'Changed',
        regime: 'epa',
        demo: 'yes',
        notice: '',
        epaPeriodMonths,
        resitWindowMonths: '3',
        retakeWindowMonths: '6',
        maxAttempts: '',
        wholeAssessmentMonths: '',
      });
    const withProblem = await details(demo.id, '');
    expect(withProblem.status).to.equal(302);
    const refused = await send(draft, { makeDefault: 'yes' }, `${draft}/publish`);
    expect(refused.status).to.equal(400);
    expect($(refused.text)('#form').text()).to.contain(
      'This plan has 1 problem: fix it before publishing (the draft is saved)',
    );

    await details(demo.id, '4');
    const sameId = await send(draft, { makeDefault: 'yes' }, `${draft}/publish`);
    expect(sameId.status).to.equal(400);
    expect($(sameId.text)('#form').text()).to.contain(
      `A plan with the id ${demo.id} is already published, and a published plan never changes`,
    );
    expect(getPlanById(ctx.db, demo.id)).to.deep.equal(demo);

    await details('ST0815-1.0-r2', '4');
    const onDefault = ctx.db
      .select({ uln: apprentices.uln, planId: apprentices.planId })
      .from(apprentices)
      .where(
        and(
          eq(apprentices.standardVersionId, findStandardVersionId(ctx.db, 'ST0815', '1.0')!),
          eq(apprentices.uln, f.a.uln),
        ),
      )
      .get();
    expect(onDefault?.planId).to.equal(null);
    const published = await send(draft, { makeDefault: 'yes' }, `${draft}/publish`);
    expect(published.status).to.equal(302);
    // A has bookings under the demo plan: it keeps it; the new plan is the version's default now.
    const a = ctx.db.select({ planId: apprentices.planId }).from(apprentices).where(eq(apprentices.uln, f.a.uln)).get();
    expect(a?.planId).to.equal(demo.id);
    expect(ctx.db.select().from(plans).where(eq(plans.id, 'ST0815-1.0-r2')).get()?.isDefault).to.equal(true);
    expect(getPlanById(ctx.db, demo.id)).to.deep.equal(demo);
    expect(getPlanById(ctx.db, 'ST0815-1.0-r2')?.epaPeriodMonths).to.equal(4);

    // The draft is now the record of what was published: it shows no forms and refuses changes.
    const after = await admin.get(draft);
    expect($(after.text)('#published').text()).to.contain('This draft was published as the plan ST0815-1.0-r2');
    expect($(after.text)('form[action$="/publish"]')).to.have.length(0);
    const change = await admin
      .post(`${draft}/details`)
      .type('form')
      .send({ _csrf: csrfFrom(after.text), id: 'x', regime: 'epa' });
    expect(change.status).to.equal(409);
    expect($(change.text)('main').text()).to.contain('which never changes: start a new draft from it');
  });
});
