import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import supertest from 'supertest';
import { CSV_COLUMNS } from '../../src/apprentices/import.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { findApprenticeByUln, updateApprentice } from '../../src/apprentices/store.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { importCatalogue } from '../../src/catalogue/import.js';
import { findStandardVersionId, recordApproval, versionOptions } from '../../src/standards/store.js';
import { importPlan, planForApprentice } from '../../src/plans/store.js';
import { apprenticeInput } from '../support/apprentices.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';

/*
 * Options: an apprentice on a version with a core and options (the catalogue fixture's ST9901 1.0:
 * Road vehicles, Rail vehicles; test data) records the option they follow, through the form, the
 * API and the CSV import alike; one on a version without options records none.
 */
describe('an apprentice’s option', () => {
  let ctx: TestContext;
  const ulns = validUlns(6, 598_000_000);
  const ST9901 = 'ST9901 version 1.0';
  beforeEach(async () => {
    ctx = await testApp();
    await importCatalogue(
      ctx.db,
      Readable.from([readFileSync('test/fixtures/catalogue/standards.json', 'utf8')]),
      SYSTEM_ACTOR,
    );
    recordApproval(
      ctx.db,
      findStandardVersionId(ctx.db, 'ST9901', '1.0')!,
      { approved: true, source: 'Test data' },
      SYSTEM_ACTOR,
      '2026-01-01T00:00:00Z',
    );
  });

  const onOptions = (uln: string, courseOption?: string) => ({
    ...apprenticeInput(uln, 'Orla', 'Option'),
    standardReference: 'ST9901',
    ...(courseOption === undefined ? {} : { courseOption }),
  });
  const api = (body: unknown) =>
    supertest(ctx.app)
      .post('/api/v1/apprentices')
      .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
      .send(body as object);

  it('is required on a version with options, must be one of them, and is refused on a version without (API)', async () => {
    const without = await api(onOptions(ulns[0]!));
    expect(without.status).to.equal(422);
    expect(without.body.errors).to.deep.include({
      path: 'courseOption',
      message: `${ST9901} has options: choose the apprentice’s option (Road vehicles; Rail vehicles)`,
    });
    const unknown = await api(onOptions(ulns[0]!, 'Boats'));
    expect(unknown.body.errors).to.deep.include({
      path: 'courseOption',
      message: `“Boats” is not an option of ${ST9901}: choose one of Road vehicles; Rail vehicles`,
    });
    const onST0815 = await api({ ...apprenticeInput(ulns[0]!, 'Orla', 'Option'), courseOption: 'Rail vehicles' });
    expect(onST0815.body.errors).to.deep.include({
      path: 'courseOption',
      message: 'ST0815 version 1.0 has no options: leave the option empty',
    });

    const added = await api(onOptions(ulns[0]!, 'Rail vehicles'));
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect(added.body.courseOption).to.equal('Rail vehicles');
    expect(findApprenticeByUln(ctx.db, ulns[0]!)?.courseOption).to.equal('Rail vehicles');
  });

  it('is chosen on the apprentice form, kept when the form is refused, and shown on the apprentice’s page', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const form = $((await admin.get('/apprentices/new')).text);
    expect(
      form('#courseOption option')
        .map((_, o) => form(o).text())
        .get(),
    ).to.deep.equal([
      'None: the standard has no options',
      'Road vehicles (ST9901 v1.0)',
      'Rail vehicles (ST9901 v1.0)',
    ]);

    const input = onOptions(ulns[1]!);
    const date = (name: string, iso: string) => {
      const [year, month, day] = iso.split('-');
      return { [`${name}[day]`]: day!, [`${name}[month]`]: month!, [`${name}[year]`]: year! };
    };
    const fields = {
      uln: input.uln,
      givenNames: input.givenNames,
      familyName: input.familyName,
      ...date('dateOfBirth', input.dateOfBirth),
      ...date('startDate', input.startDate),
      ...date('plannedEndDate', input.plannedEndDate),
      standard: 'ST9901/1.0',
      courseOption: '',
      providerUkprn: input.providerUkprn,
      employerId: input.employerId,
      weeklyHours: '37.5',
      englishMathsChoice: '',
    };
    const refused = await postForm(admin, '/apprentices/new', '/apprentices/new', fields);
    expect(refused.status).to.equal(400);
    expect($(refused.text)('.govuk-error-summary a[href="#courseOption"]').text()).to.equal(
      `${ST9901} has options: choose the apprentice’s option (Road vehicles; Rail vehicles)`,
    );
    expect($(refused.text)('#standard').val()).to.equal('ST9901/1.0');

    const saved = await postForm(admin, '/apprentices/new', '/apprentices/new', {
      ...fields,
      courseOption: 'Road vehicles',
    });
    expect(saved.status).to.equal(302);
    const page = $((await admin.get(`/apprentices/${input.uln}`)).text);
    expect(page('#course-option .govuk-summary-list__value').text()).to.equal('Road vehicles');
  });

  /** A plan for one option of ST9901 1.0, or for every option (test data): one method assessing the KSBs given. */
  const optionPlan = (id: string, ksbs: readonly string[], option?: string) => ({
    id,
    title: `${option ?? 'Every option'} plan (test data)`,
    standard: { reference: 'ST9901', version: '1.0' },
    demo: true,
    ...(option ? { option } : {}),
    epaPeriodMonths: 3,
    methodGrades: ['Fail', 'Pass'],
    overallGrades: ['Fail', 'Pass'],
    methods: [{ id: 'test', name: 'Test', description: 'Test data', durationMinutes: 60, delivery: ['remote'], ksbs }],
    criteria: [{ id: 'C1', method: 'test', theme: 'All', level: 'pass', text: 'Test data', ksbs }],
    combination: [
      { methods: { test: 'Fail' }, overall: 'Fail' },
      { methods: { test: 'Pass' }, overall: 'Pass' },
    ],
    resit: { windowMonths: 3 },
    retake: { windowMonths: 6 },
    resitRetakeGradeCap: 'Pass',
    gatewayItems: [],
  });
  const imported = (plan: unknown) => {
    const result = importPlan(ctx.db, plan, SYSTEM_ACTOR);
    expect(result.ok, JSON.stringify(result)).to.equal(true);
    return result.ok ? result.value : undefined;
  };

  it('leads to the option’s own plan, which is never the version’s default; another option’s plan is refused', async () => {
    const versionId = findStandardVersionId(ctx.db, 'ST9901', '1.0')!;
    const [roadOption, railOption] = versionOptions(ctx.db, versionId);
    const road = 'ST9901-1.0-road';
    const rail = 'ST9901-1.0-rail';

    // The version's first plan is one option's: it is not the default, so a Rail apprentice follows no plan yet.
    expect(imported(optionPlan(road, roadOption!.ksbs, roadOption!.title))?.isDefault).to.equal(false);
    expect((await api(onOptions(ulns[5]!, 'Rail vehicles'))).status).to.equal(201);
    const railApprentice = findApprenticeByUln(ctx.db, ulns[5]!)!;
    expect(railApprentice.planId).to.equal(null);
    expect(planForApprentice(ctx.db, railApprentice)).to.equal(undefined);

    // A Road apprentice follows the Road plan; another option's plan is refused.
    expect((await api(onOptions(ulns[4]!, 'Road vehicles'))).status).to.equal(201);
    expect(findApprenticeByUln(ctx.db, ulns[4]!)?.planId).to.equal(road);
    const wrongPlan = await api({ ...onOptions(ulns[3]!, 'Rail vehicles'), planId: road });
    expect(wrongPlan.body.errors).to.deep.include({
      path: 'planId',
      message: `The plan "${road}" assesses the option “Road vehicles”: an apprentice on “Rail vehicles” follows another plan`,
    });

    // The Rail plan, once imported, is followed by the Rail apprentice who has nothing booked yet.
    imported(optionPlan(rail, railOption!.ksbs, railOption!.title));
    expect(findApprenticeByUln(ctx.db, ulns[5]!)?.planId).to.equal(rail);

    // A new option leads to that option's plan; a correction never moves the record to another plan,
    // even to its option's own after the administrator chose the version's default.
    const id = findApprenticeByUln(ctx.db, ulns[4]!)!.id;
    const edit = (input: object, why: string) => {
      const done = updateApprentice(ctx.db, id, { ...onOptions(ulns[4]!), ...input }, SYSTEM_ACTOR, why);
      expect(done.ok, JSON.stringify(done)).to.equal(true);
      return findApprenticeByUln(ctx.db, ulns[4]!)!;
    };
    expect(edit({ courseOption: 'Rail vehicles' }, 'Moved to rail').planId).to.equal(rail);
    expect(edit({ familyName: 'Optioned' }, 'Name')).to.include({ planId: rail, courseOption: 'Rail vehicles' });
    expect(edit({ planId: null }, 'The default plan, chosen on the form').planId).to.equal(null);
    expect(edit({ planId: null, familyName: 'Optioned-Again' }, 'Name, on the form').planId).to.equal(null);
    expect(edit({ familyName: 'Optioned' }, 'Name, through a body without the plan').planId).to.equal(null);
  });

  it('comes in the CSV import’s course_option column, checked like the form', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const row = (uln: string, option: string) => {
      const a = onOptions(uln);
      const values: Record<string, string> = {
        uln,
        given_names: a.givenNames,
        family_name: a.familyName,
        date_of_birth: a.dateOfBirth,
        start_date: a.startDate,
        planned_end_date: a.plannedEndDate,
        standard_reference: 'ST9901',
        standard_version: '1.0',
        provider_ukprn: a.providerUkprn,
        employer_id: a.employerId,
        weekly_hours: '37.5',
        plan_id: '',
        bsl_first_language: 'no',
        english_maths_choice: '',
        course_option: option,
      };
      return Object.keys(CSV_COLUMNS)
        .map((c) => values[c])
        .join(',');
    };
    const upload = async (...rows: string[]) => {
      const token = csrfFrom((await provider.get('/apprentices/import')).text);
      return provider
        .post('/apprentices/import')
        .field('_csrf', token)
        .attach('csvFile', Buffer.from(`${Object.keys(CSV_COLUMNS).join(',')}\n${rows.join('\n')}\n`), 'options.csv');
    };
    const refused = await upload(row(ulns[2]!, 'Rail vehicles'), row(ulns[3]!, 'Boats'));
    expect(refused.status).to.equal(422);
    expect($(refused.text)('#import-problems').text()).to.contain(`“Boats” is not an option of ${ST9901}`);
    expect(findApprenticeByUln(ctx.db, ulns[2]!)).to.equal(undefined);

    const imported = await upload(row(ulns[2]!, 'Rail vehicles'), row(ulns[3]!, 'Road vehicles'));
    expect(imported.status).to.equal(200);
    expect([ulns[2]!, ulns[3]!].map((u) => findApprenticeByUln(ctx.db, u)?.courseOption)).to.deep.equal([
      'Rail vehicles',
      'Road vehicles',
    ]);
  });
});
