import { lastDayOfPeriod } from '../../src/calendar.js';
import { now } from '../support/clock.js';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import supertest from 'supertest';
import type { Actor } from '../../src/audit/audit.js';
import type { ApprenticeInput } from '../../src/apprentices/schema.js';
import {
  addApprentices,
  addOffTheJobHours,
  addQualification,
  confirmDeclaration,
  findApprenticeByUln,
  recordPlanItem,
  type ApprenticeDetail,
} from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import type { Db } from '../../src/db/connection.js';
import { RECENT_HOURS_SHOWN } from '../../src/apprentices/pages.js';
import {
  apprentices,
  auditEvents,
  employers,
  epaAttempts,
  gatewayDeclarations,
  gatewaySubmissions,
  offTheJobHours,
  qualifications,
} from '../../src/db/schema.js';
import { submitForGateway } from '../../src/gateway/store.js';
import {
  $,
  csrfFrom,
  postForm,
  signedInAgent,
  testApp,
  tokenFor,
  type TestContext,
  type TestUserKey,
} from '../support/app.js';

/* ---------- Building apprentices through the stores ---------- */

const ZONE = 'Europe/London';
const today = () => now().setZone(ZONE).startOf('day');
const isoDate = (d: DateTime) => d.toISODate()!;
const SETUP: Actor = { userId: null, label: 'test setup' };

const P1 = '10061234'; // TEST_USERS.provider
const P2 = '10078452'; // TEST_USERS.otherProvider
const TRANSPORT = 'transport-workers-union'; // TEST_USERS.employer
const HEALTH = 'health-care-union';
const PUBLIC = 'public-services-union';

/** Valid ULNs, none of them used by anything else in the test database. */
const ULNS = validUlns(80, 500_000_000);
const uln = (i: number) => ULNS[i]!;

interface Story {
  given?: string;
  family?: string;
  ukprn?: string;
  employerId?: string;
  /** Months between the start and today (19: the practical period is complete). */
  monthsIn?: number;
  /** Age at the start (24: English and maths are optional; 17: they are required). */
  age?: number;
  weeklyHours?: number;
  /** Planned end, in days after the start (default 18 months). */
  plannedDays?: number;
  choice?: 'not_studying' | 'studying' | 'employer_requires' | null;
}

function inputFor(u: string, s: Story = {}): ApprenticeInput {
  const start = today().minus({ months: s.monthsIn ?? 19 });
  return {
    uln: u,
    givenNames: s.given ?? 'Alex',
    familyName: s.family ?? `Learner${u.slice(-4)}`,
    dateOfBirth: isoDate(start.minus({ years: s.age ?? 24, days: 40 })),
    startDate: isoDate(start),
    plannedEndDate: isoDate(
      s.plannedDays === undefined ? start.plus({ months: 18 }) : start.plus({ days: s.plannedDays }),
    ),
    standardReference: 'ST0815',
    standardVersion: '1.0',
    providerUkprn: s.ukprn ?? P1,
    employerId: s.employerId ?? TRANSPORT,
    weeklyHours: s.weeklyHours ?? 37.5,
    bslFirstLanguage: false,
    englishMathsChoice: s.choice ?? null,
  };
}

function addApprentice(db: Db, u: string, s: Story = {}): ApprenticeDetail {
  const result = addApprentices(db, [{ line: 1, input: inputFor(u, s) }], SETUP, 'test');
  if (!result.ok) throw new Error(`Test apprentice: ${JSON.stringify(result.problems)}`);
  return findApprenticeByUln(db, u)!;
}

/** Seven hours of off-the-job training a week from the start until `until` (default yesterday). */
function logWeeklyHours(db: Db, a: ApprenticeDetail, until: DateTime = today().minus({ days: 1 })) {
  for (let d = DateTime.fromISO(a.startDate).plus({ days: 3 }); d <= until; d = d.plus({ weeks: 1 })) {
    addOffTheJobHours(
      db,
      a,
      { date: isoDate(d), hours: 7, activity: 'Negotiation skills workshop', kind: 'training' },
      SETUP,
    );
  }
}

function providePlanItems(db: Db, a: ApprenticeDetail) {
  recordPlanItem(db, a, 'portfolio', 'portfolios/evidence.pdf', SETUP);
  recordPlanItem(db, a, 'project-proposal', 'proposals/campaign.pdf', SETUP);
}

function declareAll(db: Db, a: ApprenticeDetail) {
  for (const part of ['employer', 'provider', 'apprentice', 'certificate_permission'] as const)
    confirmDeclaration(db, a, part, SETUP, now());
}

function gcse(subject: 'english' | 'maths', grade = '5') {
  return {
    subject,
    type: 'gcse',
    level: 2,
    grade,
    achievedOn: isoDate(today().minus({ years: 8 })),
    certificateReference: `AQA-${subject}-1`,
  } as const;
}

/** Hours, plan items and declaration in place: with the defaults (started 19 months ago, aged 24) every check is met. */
function makeReady(db: Db, a: ApprenticeDetail, hoursUntil?: DateTime) {
  logWeeklyHours(db, a, hoursUntil);
  providePlanItems(db, a);
  declareAll(db, a);
}

/* ---------- Reading pages ---------- */

type Agent = Awaited<ReturnType<typeof signedInAgent>>;

async function page(agent: Agent, url: string) {
  const res = await agent.get(url);
  return { status: res.status, doc: $(res.text), text: res.text };
}

function checkOf(doc: ReturnType<typeof $>, code: string) {
  const cells = doc(`#check-${code} td`);
  return { status: cells.eq(0).text().trim(), reason: cells.eq(1).text().trim() };
}

function dashboardNames(doc: ReturnType<typeof $>): string[] {
  return doc('#apprentices tbody tr td:first-child a')
    .map((_, a) => doc(a).text().trim())
    .get();
}

function errorLinks(doc: ReturnType<typeof $>): { href: string; text: string }[] {
  return doc('.govuk-error-summary a')
    .map((_, a) => ({ href: doc(a).attr('href') ?? '', text: doc(a).text().trim() }))
    .get();
}

/** Every row of every table a page action could write, and the audit log without sign-ins. */
function snapshot(db: Db) {
  const tables = [
    'apprentices',
    'qualifications',
    'off_the_job_hours',
    'gateway_items_provided',
    'gateway_declarations',
    'gateway_submissions',
    'gateway_check_decisions',
  ];
  return {
    ...Object.fromEntries(tables.map((t) => [t, db.$client.prepare(`select * from ${t}`).all()])),
    audit: db.$client.prepare(`select * from audit_events where action <> 'user.signed_in'`).all(),
  };
}

/** The fields of the add/edit form for an apprentice record. */
function formFields(input: ApprenticeInput): Record<string, string> {
  const date = (name: string, iso: string) => {
    const d = DateTime.fromISO(iso);
    return { [`${name}[day]`]: String(d.day), [`${name}[month]`]: String(d.month), [`${name}[year]`]: String(d.year) };
  };
  return {
    uln: input.uln,
    givenNames: input.givenNames,
    familyName: input.familyName,
    ...date('dateOfBirth', input.dateOfBirth),
    ...date('startDate', input.startDate),
    ...date('plannedEndDate', input.plannedEndDate),
    standard: `${input.standardReference}/${input.standardVersion}`,
    providerUkprn: input.providerUkprn,
    employerId: input.employerId,
    weeklyHours: String(input.weeklyHours),
    ...(input.bslFirstLanguage ? { bslFirstLanguage: 'yes' } : {}),
    englishMathsChoice: input.englishMathsChoice ?? '',
  };
}

/* ---------- CSV ---------- */

const CSV_HEADER = [
  'uln',
  'given_names',
  'family_name',
  'date_of_birth',
  'start_date',
  'planned_end_date',
  'standard_reference',
  'standard_version',
  'provider_ukprn',
  'employer_id',
  'weekly_hours',
  'plan_id',
  'bsl_first_language',
  'english_maths_choice',
] as const;
type CsvColumn = (typeof CSV_HEADER)[number];

function csvRow(u: string, overrides: Partial<Record<CsvColumn, string>> = {}): string {
  const values: Record<CsvColumn, string> = {
    uln: u,
    given_names: 'Jordan',
    family_name: `Ellis${u.slice(-4)}`,
    date_of_birth: '2001-04-12',
    // Dated from the test clock: started 15 months ago, planned to end in 3 months.
    start_date: isoDate(today().minus({ months: 15 })),
    planned_end_date: isoDate(today().plus({ months: 3 })),
    standard_reference: 'ST0815',
    standard_version: '1.0',
    provider_ukprn: P1,
    employer_id: TRANSPORT,
    weekly_hours: '37.5',
    plan_id: '',
    bsl_first_language: 'no',
    english_maths_choice: 'employer_requires',
    ...overrides,
  };
  return CSV_HEADER.map((c) => values[c]).join(',');
}

const csv = (...rows: string[]) => `${CSV_HEADER.join(',')}\n${rows.join('\n')}\n`;

async function upload(agent: Agent, content: string | Buffer, filename = 'apprentices.csv') {
  const token = csrfFrom((await agent.get('/apprentices/import')).text);
  return agent.post('/apprentices/import').field('_csrf', token).attach('csvFile', Buffer.from(content), filename);
}

function problemRows(doc: ReturnType<typeof $>): { line: number; column: string; message: string }[] {
  return doc('#import-problems tbody tr')
    .map((_, tr) => {
      const cells = doc(tr).find('td');
      return {
        line: Number(cells.eq(0).text().trim()),
        column: cells.eq(1).text().trim(),
        message: cells.eq(2).text().trim(),
      };
    })
    .get();
}

const apprenticeCount = (db: Db) => db.select().from(apprentices).all().length;

/* ======================================================================================= */

describe('apprentices: the dashboard', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  function fourApprentices() {
    addApprentice(ctx.db, uln(0), { given: 'Ada', family: 'Alpha', ukprn: P1, employerId: TRANSPORT });
    addApprentice(ctx.db, uln(1), { given: 'Ben', family: 'Beta', ukprn: P1, employerId: HEALTH });
    addApprentice(ctx.db, uln(2), { given: 'Cai', family: 'Gamma', ukprn: P2, employerId: TRANSPORT });
    addApprentice(ctx.db, uln(3), { given: 'Dee', family: 'Delta', ukprn: P2, employerId: PUBLIC });
  }

  it('shows a provider only its own apprentices, an employer only its own, an administrator all', async () => {
    fourApprentices();
    const seen = async (who: TestUserKey) => {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      const res = await page(agent, '/apprentices');
      expect(res.status, who).to.equal(200);
      return dashboardNames(res.doc);
    };
    expect(await seen('provider')).to.deep.equal(['Ada Alpha', 'Ben Beta']);
    expect(await seen('otherProvider')).to.deep.equal(['Dee Delta', 'Cai Gamma']);
    expect(await seen('employer')).to.deep.equal(['Ada Alpha', 'Cai Gamma']);
    expect(await seen('admin')).to.deep.equal(['Ada Alpha', 'Ben Beta', 'Dee Delta', 'Cai Gamma']);

    const employer = await page(await signedInAgent(ctx.app, ctx.users.employer.email), '/apprentices');
    expect(employer.doc(`a[href="/apprentices/new"]`)).to.have.length(0);
    expect(employer.text).not.to.contain(uln(1)).and.not.to.contain(uln(3));
    const provider = await page(await signedInAgent(ctx.app, ctx.users.provider.email), '/apprentices');
    expect(provider.doc(`a[href="/apprentices/new"]`)).to.have.length(1);
    expect(provider.text).not.to.contain(uln(2)).and.not.to.contain(uln(3));
  });

  it('refuses assessors and quality assurers (403) and sends anonymous visitors to sign in', async () => {
    fourApprentices();
    for (const who of ['assessor', 'qa'] as const) {
      const res = await page(await signedInAgent(ctx.app, ctx.users[who].email), '/apprentices');
      expect(res.status, who).to.equal(403);
      expect(res.text).not.to.contain('Alpha');
    }
    const anonymous = await supertest(ctx.app).get('/apprentices');
    expect(anonymous.status).to.equal(302);
    expect(anonymous.headers.location).to.equal('/sign-in?returnTo=%2Fapprentices');
  });

  it('filters by gateway status and by the check not yet met, and shows each row’s unmet checks', async () => {
    const ready = addApprentice(ctx.db, uln(0), { given: 'Rita', family: 'Ready' });
    makeReady(ctx.db, ready);
    const early = addApprentice(ctx.db, uln(1), { given: 'Ned', family: 'Early', monthsIn: 5 });
    makeReady(ctx.db, early);
    const noMaths = addApprentice(ctx.db, uln(2), { given: 'Mo', family: 'Maths', age: 17 });
    makeReady(ctx.db, noMaths);
    addQualification(ctx.db, noMaths, gcse('english'), SETUP);
    const submitted = addApprentice(ctx.db, uln(3), { given: 'Sam', family: 'Submitted' });
    makeReady(ctx.db, submitted);
    const result = submitForGateway(ctx.db, submitted, isoDate(today()), SETUP);
    expect(result.ok).to.equal(true);

    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const all = await page(agent, '/apprentices');
    const row = (name: string) =>
      all.doc('#apprentices tbody tr').filter((_, tr) => all.doc(tr).find('a').first().text().trim() === name);
    expect(row('Rita Ready').find('.app-unmet').text().trim()).to.equal('None');
    expect(row('Rita Ready').find('.app-state').text().trim()).to.equal('Ready to request EPA');
    expect(row('Mo Maths').find('.app-unmet').text().trim()).to.equal('Maths');
    expect(row('Ned Early').find('.app-unmet').text().trim()).to.equal('Practical period, Off-the-job training');
    expect(row('Sam Submitted').find('.app-state').text().trim()).to.equal('Submitted');

    const names = async (query: string) => dashboardNames((await page(agent, `/apprentices?${query}`)).doc);
    expect(await names('state=ready')).to.deep.equal(['Rita Ready']);
    expect(await names('state=submitted')).to.deep.equal(['Sam Submitted']);
    expect(await names('state=not_ready')).to.deep.equal(['Ned Early', 'Mo Maths']);
    expect(await names('unmet=maths')).to.deep.equal(['Mo Maths']);
    expect(await names('unmet=practical_period')).to.deep.equal(['Ned Early']);
    expect(await names('state=not_ready&unmet=maths')).to.deep.equal(['Mo Maths']);
    expect(await names('state=accepted')).to.deep.equal([]);
    // An unknown filter value is ignored rather than an error.
    expect(await names('state=nonsense')).to.have.length(4);
    const filtered = await page(agent, '/apprentices?unmet=maths');
    expect(filtered.doc('#unmet option[selected]').attr('value')).to.equal('maths');
  });

  it('shows 25 apprentices a page, with links between the pages that keep the filter', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      line: i + 2,
      input: inputFor(uln(i), { given: 'Pat', family: `Page${String(i + 1).padStart(2, '0')}` }),
    }));
    const added = addApprentices(ctx.db, rows, SETUP, 'test');
    expect(added.ok).to.equal(true);
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);

    const first = await page(agent, '/apprentices?state=not_ready');
    const firstNames = dashboardNames(first.doc);
    expect(firstNames).to.have.length(25);
    expect(firstNames[0]).to.equal('Pat Page01');
    expect(firstNames[24]).to.equal('Pat Page25');
    expect(first.doc('#apprentices caption').text()).to.contain('30 apprentices shown, page 1 of 2');
    expect(first.doc('a[rel="prev"]')).to.have.length(0);
    const next = first.doc('a[rel="next"]').attr('href');
    expect(next).to.equal('/apprentices?state=not_ready&page=2');

    const second = await page(agent, next!);
    expect(dashboardNames(second.doc)).to.deep.equal([
      'Pat Page26',
      'Pat Page27',
      'Pat Page28',
      'Pat Page29',
      'Pat Page30',
    ]);
    expect(second.doc('#apprentices caption').text()).to.contain('page 2 of 2');
    expect(second.doc('a[rel="next"]')).to.have.length(0);
    expect(second.doc('a[rel="prev"]').attr('href')).to.equal('/apprentices?state=not_ready&page=1');

    // A page past the end shows the last page, not an empty one.
    expect(dashboardNames((await page(agent, '/apprentices?page=9')).doc)).to.have.length(5);
  });
});

describe('apprentices: who may see and change an apprentice', () => {
  let ctx: TestContext;
  let theirs: ApprenticeDetail; // provider P1, employer health-care-union (not TEST_USERS.employer)
  let ours: ApprenticeDetail; // provider P1, employer transport-workers-union (TEST_USERS.employer)
  beforeEach(async () => {
    ctx = await testApp();
    theirs = addApprentice(ctx.db, uln(0), { given: 'Tess', family: 'Theirs', employerId: HEALTH });
    ours = addApprentice(ctx.db, uln(1), { given: 'Owen', family: 'Ours', employerId: TRANSPORT });
  });

  const pagesOf = (u: string) => [
    `/apprentices/${u}`,
    `/apprentices/${u}/edit`,
    `/apprentices/${u}/qualifications/new`,
    `/apprentices/${u}/hours/new`,
    `/apprentices/${u}/gateway-items/portfolio`,
  ];

  /** Every action on an apprentice, with fields that would be accepted from someone allowed. */
  const actionsOf = (a: ApprenticeDetail): { path: string; fields: Record<string, string> }[] => [
    {
      path: `/apprentices/${a.uln}/edit`,
      fields: {
        ...formFields(inputFor(a.uln, { family: 'Changed', employerId: a.employerId })),
        reason: 'Name change',
      },
    },
    {
      path: `/apprentices/${a.uln}/qualifications/new`,
      fields: {
        subject: 'maths',
        type: 'gcse',
        level: '2',
        grade: '5',
        'achievedOn[day]': '1',
        'achievedOn[month]': '8',
        'achievedOn[year]': '2019',
        certificateReference: 'X1',
      },
    },
    {
      path: `/apprentices/${a.uln}/hours/new`,
      fields: { 'date[day]': '1', 'date[month]': '9', 'date[year]': '2026', hours: '6', activity: 'Workshop' },
    },
    { path: `/apprentices/${a.uln}/gateway-items/portfolio`, fields: { reference: 'portfolio.pdf' } },
    { path: `/apprentices/${a.uln}/declaration`, fields: { part: 'provider' } },
    { path: `/apprentices/${a.uln}/declaration`, fields: { part: 'apprentice' } },
    { path: `/apprentices/${a.uln}/declaration`, fields: { part: 'employer' } },
    { path: `/apprentices/${a.uln}/request-epa`, fields: {} },
  ];

  async function statuses(
    agent: Agent,
    requests: { method: 'GET' | 'POST'; path: string; fields?: Record<string, string> }[],
  ) {
    const token = csrfFrom((await agent.get('/')).text);
    const out: string[] = [];
    for (const r of requests) {
      const res =
        r.method === 'GET'
          ? await agent.get(r.path)
          : await agent
              .post(r.path)
              .type('form')
              .send({ ...r.fields, _csrf: token });
      out.push(`${r.method} ${r.path}${r.fields?.part ? ` part=${r.fields.part}` : ''}: ${res.status}`);
    }
    return out;
  }

  it('another provider gets 404 (not in your records) on every page and action, and nothing is written', async () => {
    makeReady(ctx.db, theirs);
    const before = snapshot(ctx.db);
    const agent = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    const gets = pagesOf(theirs.uln).map((path) => ({ method: 'GET' as const, path }));
    const posts = actionsOf(theirs).map((a) => ({ method: 'POST' as const, ...a }));
    const got = await statuses(agent, [...gets, ...posts]);
    expect(got).to.deep.equal(got.map((line) => line.replace(/\d{3}$/, '404')));
    const res = await page(agent, `/apprentices/${theirs.uln}`);
    expect(res.doc('h1').text()).to.equal('Page not found');
    expect(res.doc('main').text()).to.contain('There is no apprentice with that ULN in your records');
    expect(res.text).not.to.contain('Theirs');
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('another employer gets 404 on the apprentice page and the declaration, exactly as for a ULN that does not exist, and nothing is written', async () => {
    const before = snapshot(ctx.db);
    const agent = await signedInAgent(ctx.app, ctx.users.employer.email);
    const missing = uln(70);
    const requestsFor = (u: string) => [
      ...pagesOf(u).map((path) => ({ method: 'GET' as const, path })),
      ...actionsOf({ ...theirs, uln: u }).map((a) => ({ method: 'POST' as const, ...a })),
    ];
    const forTheirs = await statuses(agent, requestsFor(theirs.uln));
    const forMissing = await statuses(agent, requestsFor(missing));
    // Nothing tells another employer that this apprentice exists.
    expect(forTheirs.map((l) => l.replace(theirs.uln, 'ULN'))).to.deep.equal(
      forMissing.map((l) => l.replace(missing, 'ULN')),
    );
    expect(forTheirs).to.include(`GET /apprentices/${theirs.uln}: 404`);
    expect(forTheirs).to.include(`POST /apprentices/${theirs.uln}/declaration part=employer: 404`);
    // Provider-only pages are refused on the role, whatever the ULN.
    expect(forTheirs).to.include(`GET /apprentices/${theirs.uln}/edit: 403`);
    expect(forTheirs).to.include(`POST /apprentices/${theirs.uln}/hours/new: 403`);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('an employer sees its own apprentice but is refused (403) every change except its declaration', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.employer.email);
    const view = await page(agent, `/apprentices/${ours.uln}`);
    expect(view.status).to.equal(200);
    expect(view.doc('h1').text()).to.equal('Owen Ours');
    expect(view.doc(`a[href="/apprentices/${ours.uln}/edit"]`)).to.have.length(0);
    expect(view.doc(`a[href="/apprentices/${ours.uln}/hours/new"]`)).to.have.length(0);
    expect(view.doc('button').filter((_, b) => view.doc(b).text().includes('Confirm as employer'))).to.have.length(1);
    expect(view.doc('button').filter((_, b) => view.doc(b).text().includes('Confirm as provider'))).to.have.length(0);

    const before = snapshot(ctx.db);
    const gets = pagesOf(ours.uln)
      .slice(1)
      .map((path) => ({ method: 'GET' as const, path }));
    const posts = actionsOf(ours)
      .filter((a) => a.fields.part !== 'employer')
      .map((a) => ({ method: 'POST' as const, ...a }));
    const got = await statuses(agent, [...gets, ...posts]);
    expect(got).to.deep.equal(got.map((line) => line.replace(/\d{3}$/, '403')));
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('the employer confirms the employer declaration; a provider cannot confirm it for them (403)', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const refused = await postForm(provider, `/apprentices/${ours.uln}`, `/apprentices/${ours.uln}/declaration`, {
      part: 'employer',
    });
    expect(refused.status).to.equal(403);
    expect(ctx.db.select().from(gatewayDeclarations).all()).to.have.length(0);
    const providerView = await page(provider, `/apprentices/${ours.uln}`);
    expect(
      providerView.doc('button').filter((_, b) => providerView.doc(b).text().includes('Confirm as employer')),
    ).to.have.length(0);

    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    const res = await postForm(employer, `/apprentices/${ours.uln}`, `/apprentices/${ours.uln}/declaration`, {
      part: 'employer',
    });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`/apprentices/${ours.uln}#declaration`);
    const row = ctx.db.select().from(gatewayDeclarations).where(eq(gatewayDeclarations.apprenticeId, ours.id)).get()!;
    expect(row.employerConfirmedBy).to.equal(ctx.users.employer.id);
    expect(row.providerConfirmedAt).to.equal(null);
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'gateway_declaration.employer_confirmed'))
      .all();
    expect(audit.map((a) => [a.entityId, a.actorLabel])).to.deep.equal([[ours.uln, ctx.users.employer.email]]);
    const after = await page(employer, `/apprentices/${ours.uln}`);
    expect(
      after.doc('#declaration + dl .govuk-summary-list__row').first().find('.govuk-summary-list__value').text().trim(),
    ).to.equal('Confirmed');
    expect(checkOf(after.doc, 'employer_declaration').reason).to.equal(
      'Not yet confirmed by the training provider and the apprentice.',
    );
  });

  it('assessors and quality assurers are refused (403) every apprentice page and action', async () => {
    const before = snapshot(ctx.db);
    for (const who of ['assessor', 'qa'] as const) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      const requests = [
        { method: 'GET' as const, path: '/apprentices' },
        { method: 'GET' as const, path: '/apprentices/new' },
        { method: 'GET' as const, path: '/apprentices/import' },
        { method: 'GET' as const, path: '/apprentices/import/template.csv' },
        ...pagesOf(ours.uln).map((path) => ({ method: 'GET' as const, path })),
        { method: 'POST' as const, path: '/apprentices/new', fields: formFields(inputFor(uln(9))) },
        ...actionsOf(ours).map((a) => ({ method: 'POST' as const, ...a })),
      ];
      const got = await statuses(agent, requests);
      expect(got, who).to.deep.equal(got.map((line) => line.replace(/\d{3}$/, '403')));
    }
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('anonymous visitors are sent to sign in, and their posts are refused (401)', async () => {
    const res = await supertest(ctx.app).get(`/apprentices/${ours.uln}`);
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`/sign-in?returnTo=%2Fapprentices%2F${ours.uln}`);
    const agent = supertest.agent(ctx.app);
    const token = csrfFrom((await agent.get('/sign-in')).text);
    for (const path of [
      `/apprentices/${ours.uln}/request-epa`,
      `/apprentices/${ours.uln}/declaration`,
      '/apprentices/new',
    ]) {
      expect((await agent.post(path).type('form').send({ _csrf: token, part: 'employer' })).status, path).to.equal(401);
    }
    expect(ctx.db.select().from(gatewaySubmissions).all()).to.have.length(0);
  });
});

describe('apprentices: adding one through the form', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('adds the apprentice, audited, and shows their page', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const input = inputFor(uln(0), { given: 'Jordan', family: 'Ellis', choice: 'employer_requires' });
    const res = await postForm(agent, '/apprentices/new', '/apprentices/new', formFields(input));
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`/apprentices/${uln(0)}`);
    const row = ctx.db
      .select()
      .from(apprentices)
      .where(eq(apprentices.uln, uln(0)))
      .get()!;
    expect(row).to.include({
      givenNames: 'Jordan',
      familyName: 'Ellis',
      startDate: input.startDate,
      dateOfBirth: input.dateOfBirth,
      providerUkprn: P1,
      employerId: TRANSPORT,
      weeklyHours: 37.5,
      bslFirstLanguage: false,
      englishMathsChoice: 'employer_requires',
    });
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.created')).all();
    expect(audit.map((a) => [a.entityId, a.actorLabel])).to.deep.equal([[uln(0), ctx.users.provider.email]]);
    const shown = await page(agent, res.headers.location!);
    expect(shown.doc('h1').text()).to.equal('Jordan Ellis');
    expect(shown.doc('.govuk-caption-l').text()).to.contain(`ULN ${uln(0)}`);
  });

  it('uses a provider’s own UKPRN whatever the form says; an administrator chooses the provider', async () => {
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    const form = await page(provider, '/apprentices/new');
    expect(form.doc('select#providerUkprn')).to.have.length(0);
    const res = await postForm(
      provider,
      '/apprentices/new',
      '/apprentices/new',
      formFields(inputFor(uln(0), { ukprn: P2 })),
    );
    expect(res.status).to.equal(302);
    expect(
      ctx.db
        .select()
        .from(apprentices)
        .where(eq(apprentices.uln, uln(0)))
        .get()!.providerUkprn,
    ).to.equal(P1);
    // And the other provider cannot see it.
    const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
    expect((await other.get(`/apprentices/${uln(0)}`)).status).to.equal(404);

    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    expect((await page(admin, '/apprentices/new')).doc('select#providerUkprn option')).to.have.length.greaterThan(1);
    const byAdmin = await postForm(
      admin,
      '/apprentices/new',
      '/apprentices/new',
      formFields(inputFor(uln(1), { ukprn: P2 })),
    );
    expect(byAdmin.status).to.equal(302);
    expect(
      ctx.db
        .select()
        .from(apprentices)
        .where(eq(apprentices.uln, uln(1)))
        .get()!.providerUkprn,
    ).to.equal(P2);
  });

  it('shows the form again with every error linked to its field, the values kept and escaped', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const good = uln(0);
    const badUln = good.slice(0, 9) + String((Number(good[9]) + 1) % 10);
    const fields = {
      ...formFields(inputFor(good)),
      uln: badUln,
      givenNames: '<b>Sam</b>',
      familyName: '"Quote" & <i>co</i>',
      'dateOfBirth[day]': '30',
      'dateOfBirth[month]': '2',
      'dateOfBirth[year]': '2001',
      'startDate[day]': '',
      'startDate[month]': '',
      'startDate[year]': '',
      weeklyHours: 'lots',
    };
    const res = await postForm(agent, '/apprentices/new', '/apprentices/new', fields);
    expect(res.status).to.equal(400);
    const doc = $(res.text);
    const links = errorLinks(doc);
    expect(links.map((l) => l.href)).to.deep.equal(['#uln', '#dateOfBirth-day', '#startDate-day', '#weeklyHours']);
    expect(links[0]!.text).to.equal('ULN check digit is wrong: this is not a valid ULN (check for a typing error)');
    expect(links[1]!.text).to.contain('date of birth must be a real date');
    expect(links[2]!.text).to.equal('Enter the start date');
    expect(doc('#uln-error').text()).to.contain('check digit');
    expect(doc('input#uln').val()).to.equal(badUln);
    expect(doc('input#givenNames').val()).to.equal('<b>Sam</b>');
    expect(doc('input#familyName').val()).to.equal('"Quote" & <i>co</i>');
    expect(doc('main b, main i')).to.have.length(0);
    expect(doc('input#dateOfBirth-day').val()).to.equal('30');
    expect(doc('input#dateOfBirth-month').val()).to.equal('2');
    expect(doc('select#employerId option[selected]').attr('value')).to.equal(TRANSPORT);
    expect(apprenticeCount(ctx.db)).to.equal(0);
  });

  it('refuses a ULN that is already in use', async () => {
    addApprentice(ctx.db, uln(0), { ukprn: P2, employerId: PUBLIC });
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const res = await postForm(
      agent,
      '/apprentices/new',
      '/apprentices/new',
      formFields(inputFor(uln(0), { family: 'Second' })),
    );
    expect(res.status).to.equal(400);
    const links = errorLinks($(res.text));
    expect(links).to.deep.equal([{ href: '#uln', text: `An apprentice with ULN ${uln(0)} already exists` }]);
    expect(
      ctx.db
        .select()
        .from(apprentices)
        .all()
        .map((a) => a.familyName),
    ).to.deep.equal([`Learner${uln(0).slice(-4)}`]);
  });
});

describe('apprentices: CSV import', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('offers the template as a CSV download with the header line', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const importPage = await page(agent, '/apprentices/import');
    expect(importPage.doc('a[href="/apprentices/import/template.csv"]').text()).to.contain('Download the CSV template');
    const res = await agent.get('/apprentices/import/template.csv');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/csv/);
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="?apprentices-template\.csv"?$/);
    // The byte-order mark, so a spreadsheet opens it as UTF-8; the importer reads it with one or without.
    expect(res.text.startsWith('\uFEFF')).to.equal(true);
    const lines = res.text.slice(1).trim().split('\n');
    // The files below leave out the optional course_option column; the template has it.
    expect(lines[0]).to.equal([...CSV_HEADER, 'course_option'].join(','));
    expect(lines).to.have.length(2);
  });

  it('lists the first 1,000 problems of a file with more, and says how many there are', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const bad = validUlns(1200, 510_000_000).map((u) => csvRow(u, { weekly_hours: 'lots' }));
    const res = await upload(agent, csv(...bad));
    expect(res.status).to.equal(422);
    const doc = $(res.text);
    expect(problemRows(doc)).to.have.length(1000);
    expect(problemRows(doc)[999]!.line).to.equal(1001);
    expect(doc('#more-problems').text()).to.contain('The first 1,000 of 1,200 problems are listed');
    expect(errorLinks(doc)[0]!.text).to.contain('has 1200 problems on 1200 line(s)');
    expect(apprenticeCount(ctx.db)).to.equal(0);
  });

  it('imports the template’s own example line unchanged', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const template = (await agent.get('/apprentices/import/template.csv')).text;
    const res = await upload(agent, template, 'apprentices-template.csv');
    expect(
      errorLinks($(res.text))
        .map((l) => l.text)
        .concat(problemRows($(res.text)).map((p) => `${p.line} ${p.column} ${p.message}`)),
    ).to.deep.equal([]);
    expect(res.status).to.equal(200);
    expect(apprenticeCount(ctx.db)).to.equal(1);
  });

  it('imports a good file: every row appears, with one audit row', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const file = csv(
      csvRow(uln(0), { given_names: 'Amy', family_name: 'One' }),
      '',
      csvRow(uln(1), {
        given_names: 'Bo',
        family_name: 'Two',
        provider_ukprn: P2,
        employer_id: HEALTH,
        english_maths_choice: 'not_studying',
      }),
      csvRow(uln(2), { given_names: 'Cy', family_name: 'Three', weekly_hours: '22.5', bsl_first_language: 'yes' }),
    );
    const res = await upload(agent, file, 'intake-2025.csv');
    expect(res.status).to.equal(200);
    const doc = $(res.text);
    expect(doc('.govuk-panel__title').text().trim()).to.equal('3 apprentices imported');
    expect(doc('.govuk-panel__body').text()).to.contain('intake-2025.csv');
    const rows = ctx.db.select().from(apprentices).all();
    expect(rows.map((r) => r.uln)).to.have.members([uln(0), uln(1), uln(2)]);
    const bo = rows.find((r) => r.uln === uln(1))!;
    expect(bo).to.include({ providerUkprn: P2, employerId: HEALTH, englishMathsChoice: 'not_studying' });
    expect(rows.find((r) => r.uln === uln(2))).to.include({ weeklyHours: 22.5, bslFirstLanguage: true });
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentices.imported')).all();
    expect(audit).to.have.length(1);
    expect(audit[0]!.after).to.deep.include({ count: 3, source: 'csv:intake-2025.csv' });
    expect(dashboardNames((await page(agent, '/apprentices')).doc)).to.deep.equal(['Amy One', 'Cy Three', 'Bo Two']);
  });

  it('refuses a file with several bad rows: lists every one with its line and column, and writes nothing', async () => {
    addApprentice(ctx.db, uln(9), { given: 'Already', family: 'Here' });
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const badUln = uln(0).slice(0, 9) + String((Number(uln(0)[9]) + 1) % 10);
    const file = csv(
      csvRow(badUln), // line 2: check digit
      csvRow(uln(1), { start_date: '2025-02-30' }), // line 3: no such date
      csvRow(uln(2), { employer_id: 'no-such-union' }), // line 4: unknown employer
      csvRow(uln(3)), // line 5: fine on its own
      csvRow(uln(3), { family_name: 'Twice' }), // line 6: same ULN as line 5
      csvRow(uln(9)), // line 7: ULN already in the database
      csvRow(uln(4)), // line 8: fine
    );
    const before = snapshot(ctx.db);
    const res = await upload(agent, file, 'bad.csv');
    expect(res.status).to.equal(422);
    const doc = $(res.text);
    const problems = problemRows(doc);
    expect(problems.map((p) => `${p.line} ${p.column}`)).to.deep.equal([
      '2 uln',
      '3 start_date',
      '4 employer_id',
      '6 uln',
      '7 uln',
    ]);
    expect(problems[0]!.message).to.contain('check digit');
    expect(problems[1]!.message).to.contain('start date must be a real date');
    expect(problems[2]!.message).to.contain('no-such-union');
    expect(problems[3]!.message).to.contain('line 5');
    expect(problems[4]!.message).to.contain('already exists');
    expect(doc('.govuk-error-summary').text()).to.contain(
      'bad.csv has 5 problems on 5 line(s); no apprentices were imported',
    );
    expect(snapshot(ctx.db)).to.deep.equal(before);
    expect(apprenticeCount(ctx.db)).to.equal(1);
  });

  it('takes dates as DD/MM/YYYY and an employer by its name, as a spreadsheet gives them; the page lists the employers', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const importPage = await page(agent, '/apprentices/import');
    const listed = importPage
      .doc('#import-employers tbody tr')
      .map((_, tr) =>
        importPage
          .doc(tr)
          .find('td')
          .map((_i, td) => importPage.doc(td).text())
          .get()
          .join(' = '),
      )
      .get();
    expect(listed).to.include.members([
      'Transport and Maritime Workers’ Union = transport-workers-union',
      'Health and Care Staff Union = health-care-union',
    ]);

    const [start, end] = [today().minus({ months: 15 }), today().plus({ months: 3 })];
    const res = await upload(
      agent,
      csv(
        csvRow(uln(0), {
          date_of_birth: '12/04/2001',
          start_date: start.toFormat('dd/MM/yyyy'),
          planned_end_date: end.toFormat('d/M/yyyy'),
          employer_id: '  health and care staff union ',
        }),
      ),
    );
    expect(res.status, res.text.slice(0, 2000)).to.equal(200);
    expect(ctx.db.select().from(apprentices).all()[0]).to.include({
      dateOfBirth: '2001-04-12',
      startDate: isoDate(start),
      plannedEndDate: isoDate(end),
      employerId: HEALTH,
    });
  });

  it('gives one message for each bad field, never a cascade from it; a name two employers share asks for the id', async () => {
    ctx.db.insert(employers).values({ id: 'health-care-union-north', name: 'Health and Care Staff Union' }).run();
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await upload(
      agent,
      csv(
        // Not dates at all, or a US date: each date field once, and nothing about age or order.
        csvRow(uln(0), { date_of_birth: '04/31/2001', start_date: 'September', planned_end_date: '2027/03/01' }),
        csvRow(uln(1), { employer_id: 'Health and Care Staff Union' }),
        csvRow(uln(2), { employer_id: 'Nobody’s Union' }),
      ),
    );
    expect(res.status).to.equal(422);
    expect(problemRows($(res.text))).to.deep.equal([
      {
        line: 2,
        column: 'date_of_birth',
        message:
          'The date of birth must be a real date, as YYYY-MM-DD or DD/MM/YYYY (for example 2025-09-01 or 01/09/2025)',
      },
      {
        line: 2,
        column: 'start_date',
        message:
          'The start date must be a real date, as YYYY-MM-DD or DD/MM/YYYY (for example 2025-09-01 or 01/09/2025)',
      },
      {
        line: 2,
        column: 'planned_end_date',
        message:
          'The planned end date must be a real date, as YYYY-MM-DD or DD/MM/YYYY (for example 2025-09-01 or 01/09/2025)',
      },
      {
        line: 3,
        column: 'employer_id',
        message:
          '2 employers are named “Health and Care Staff Union”: give the employer id (health-care-union, health-care-union-north)',
      },
      { line: 4, column: 'employer_id', message: 'No employer “Nobody’s Union” is registered' },
    ]);
    expect(apprenticeCount(ctx.db)).to.equal(0);
  });

  it('refuses rows that are well formed but clash with the database or each other, writing nothing', async () => {
    addApprentice(ctx.db, uln(9));
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const file = csv(
      csvRow(uln(0)),
      csvRow(uln(1), { employer_id: 'no-such-union' }),
      csvRow(uln(0), { family_name: 'Twice' }),
      csvRow(uln(9)),
      csvRow(uln(2), { provider_ukprn: '19999999' }),
    );
    const before = snapshot(ctx.db);
    const res = await upload(agent, file, 'clashes.csv');
    expect(res.status).to.equal(422);
    expect(problemRows($(res.text)).map((p) => `${p.line} ${p.column}`)).to.deep.equal([
      '3 employer_id',
      '4 uln',
      '5 uln',
      '6 provider_ukprn',
    ]);
    expect(snapshot(ctx.db)).to.deep.equal(before);
  });

  it('refuses a provider’s rows for another UKPRN; a blank UKPRN is the provider’s own', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const before = snapshot(ctx.db);
    const refused = await upload(
      agent,
      csv(csvRow(uln(0)), csvRow(uln(1), { provider_ukprn: P2 }), csvRow(uln(2), { provider_ukprn: '' })),
    );
    expect(refused.status).to.equal(422);
    const problems = problemRows($(refused.text));
    expect(problems.map((p) => `${p.line} ${p.column}`)).to.deep.equal(['3 provider_ukprn']);
    expect(problems[0]!.message).to.contain(`your own UKPRN (${P1})`);
    expect(snapshot(ctx.db)).to.deep.equal(before);

    const fixed = await upload(agent, csv(csvRow(uln(0)), csvRow(uln(2), { provider_ukprn: '' })));
    expect(fixed.status).to.equal(200);
    expect(
      ctx.db
        .select()
        .from(apprentices)
        .all()
        .map((a) => a.providerUkprn),
    ).to.deep.equal([P1, P1]);
  });

  it('refuses unknown and missing columns, naming them', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const header: string[] = [...CSV_HEADER.filter((c) => c !== 'employer_id'), 'nickname'];
    const res = await upload(agent, `${header.join(',')}\n${header.map(() => 'x').join(',')}\n`, 'columns.csv');
    expect(res.status).to.equal(422);
    const problems = problemRows($(res.text));
    expect(problems.map((p) => `${p.line} ${p.column}`)).to.deep.equal(['1 (header)', '1 (header)']);
    expect(problems[0]!.message).to.contain('Unknown column: nickname');
    expect(problems[1]!.message).to.contain('Missing column: employer_id');
    expect(apprenticeCount(ctx.db)).to.equal(0);
  });

  it('refuses an empty file, a file with only the header, and no file at all', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const empty = await upload(agent, '', 'empty.csv');
    expect(empty.status).to.equal(400);
    expect(errorLinks($(empty.text))).to.deep.equal([{ href: '#csvFile', text: 'Select a CSV file of apprentices' }]);

    const headerOnly = await upload(agent, `${CSV_HEADER.join(',')}\n`, 'header.csv');
    expect(headerOnly.status).to.equal(422);
    expect(problemRows($(headerOnly.text)).map((p) => p.message)).to.deep.equal(['The file has no apprentices in it']);

    const token = csrfFrom((await agent.get('/apprentices/import')).text);
    const none = await agent.post('/apprentices/import').field('_csrf', token);
    expect(none.status).to.equal(400);
    expect(errorLinks($(none.text)).map((l) => l.href)).to.deep.equal(['#csvFile']);
    expect(apprenticeCount(ctx.db)).to.equal(0);
  });

  it('refuses an upload without the form token', async () => {
    const agent = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await agent.post('/apprentices/import').attach('csvFile', Buffer.from(csv(csvRow(uln(0)))), 'a.csv');
    expect(res.status).to.equal(403);
    expect(apprenticeCount(ctx.db)).to.equal(0);
  });
});

describe('apprentices: evidence changes the checks', () => {
  let ctx: TestContext;
  let agent: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    agent = await signedInAgent(ctx.app, ctx.users.provider.email);
  });

  it('a maths GCSE at grade 5 turns maths from Not met to Met; a bad form is refused with its errors', async () => {
    const a = addApprentice(ctx.db, uln(0), { age: 17 });
    const url = `/apprentices/${a.uln}`;
    expect(checkOf((await page(agent, url)).doc, 'maths').status).to.equal('Not met');

    const bad = await postForm(agent, `${url}/qualifications/new`, `${url}/qualifications/new`, {
      subject: 'maths',
      type: 'gcse',
      level: '2',
      grade: '',
      'achievedOn[day]': '30',
      'achievedOn[month]': '2',
      'achievedOn[year]': '2025',
      certificateReference: 'AQA-1',
    });
    expect(bad.status).to.equal(400);
    expect(errorLinks($(bad.text)).map((l) => l.href)).to.deep.equal(['#grade', '#achievedOn-day']);
    expect(ctx.db.select().from(qualifications).all()).to.have.length(0);

    const res = await postForm(agent, `${url}/qualifications/new`, `${url}/qualifications/new`, {
      subject: 'maths',
      type: 'gcse',
      level: '2',
      grade: '5',
      'achievedOn[day]': '20',
      'achievedOn[month]': '8',
      'achievedOn[year]': '2024',
      certificateReference: 'AQA-5521',
    });
    expect(res.status).to.equal(302);
    // On to the evidence's own page, to upload its certificate.
    const [added] = ctx.db.select().from(qualifications).all();
    expect(res.headers.location).to.equal(`${url}/qualifications/${added!.id}?added=1`);
    const shown = (await page(agent, res.headers.location!)).doc;
    expect(shown('h1').text()).to.equal('Maths: GCSE');
    expect(shown('.govuk-notification-banner').text()).to.contain('Upload its certificate here');
    expect(shown('form[enctype="multipart/form-data"]').attr('action')).to.equal(
      `${url}/qualifications/${added!.id}/files`,
    );
    const after = (await page(agent, url)).doc;
    expect(checkOf(after, 'maths')).to.deep.equal({
      status: 'Met',
      reason: 'Met by GCSE grade 5 achieved 2024-08-20 (certificate AQA-5521).',
    });
    expect(checkOf(after, 'english').status).to.equal('Not met');
    expect(
      after('#qualifications tbody tr td')
        .map((_, td) => after(td).text())
        .get(),
    ).to.deep.equal(['Maths', 'GCSE', '2', '5', '2024-08-20', 'AQA-5521', 'Upload for the maths GCSE certificate']);
    expect(after('#qualifications tbody tr a').attr('href')).to.equal(`${url}/qualifications/${added!.id}`);
  });

  it('logging hours moves off-the-job training to Met; negative hours and 30 February are refused', async () => {
    // 14 planned days: 2 weeks less 0.2 weeks' leave, at 6 hours a week → 11 hours required.
    const a = addApprentice(ctx.db, uln(0), { plannedDays: 14 });
    const url = `/apprentices/${a.uln}`;
    const hoursForm = `${url}/hours/new`;
    const entry = (date: string, hours: string) => {
      const [year, month, day] = date.split('-');
      return { 'date[day]': day!, 'date[month]': month!, 'date[year]': year!, hours, activity: 'Casework supervision' };
    };
    expect(checkOf((await page(agent, url)).doc, 'off_the_job').reason).to.contain('0 hours logged of the 11 required');

    const negative = await postForm(agent, hoursForm, hoursForm, entry(a.startDate, '-3'));
    expect(negative.status).to.equal(400);
    expect(errorLinks($(negative.text))).to.deep.equal([{ href: '#hours', text: 'Hours must be more than 0' }]);
    expect($(negative.text)('input#hours').val()).to.equal('-3');
    const impossible = await postForm(agent, hoursForm, hoursForm, entry('2025-02-30', '3'));
    expect(impossible.status).to.equal(400);
    const links = errorLinks($(impossible.text));
    expect(links.map((l) => l.href)).to.deep.equal(['#date-day']);
    expect(links[0]!.text).to.contain('date of the training must be a real date');
    expect(ctx.db.select().from(offTheJobHours).all()).to.have.length(0);

    const first = await postForm(agent, hoursForm, hoursForm, entry(a.startDate, '10'));
    expect(first.status).to.equal(303);
    const partly = (await page(agent, url)).doc;
    expect(checkOf(partly, 'off_the_job').status).to.equal('Not met');
    expect(checkOf(partly, 'off_the_job').reason)
      .to.contain('10 hours logged of the 11 required')
      .and.to.contain('1 more hour is needed');

    expect((await postForm(agent, hoursForm, hoursForm, entry(isoDate(today()), '1.5'))).status).to.equal(303);
    const met = (await page(agent, url)).doc;
    expect(checkOf(met, 'off_the_job').status).to.equal('Met');
    expect(met('#hours-log tbody tr')).to.have.length(2);
    expect(met('#hours + p').text()).to.contain('11.5 hours of off-the-job training logged in all');
  });

  it('shows the latest ten off-the-job entries, the latest first, and leaves the whole log to its own page', async () => {
    const a = addApprentice(ctx.db, uln(0));
    logWeeklyHours(ctx.db, a);
    const logged = ctx.db.select().from(offTheJobHours).all();
    expect(logged.length).to.be.greaterThan(RECENT_HOURS_SHOWN);
    const { doc } = await page(agent, `/apprentices/${a.uln}`);
    const dates = doc('#hours-log tbody tr td:first-child')
      .map((_, td) => doc(td).text())
      .get();
    const latest = logged
      .map((h) => h.date)
      .sort()
      .reverse()
      .slice(0, RECENT_HOURS_SHOWN);
    expect(dates).to.deep.equal(latest);
    expect(doc('#hours ~ details summary').first().text().trim()).to.equal(
      `The latest ${RECENT_HOURS_SHOWN} of ${logged.length} entries in the log`,
    );
    expect(doc('#hours + p').text()).to.contain(`${7 * logged.length} hours of off-the-job training logged in all`);
    expect(doc('#hours-log-link').attr('href')).to.equal(`/apprentices/${a.uln}/hours`);
  });

  it('hours dated after the gateway submission do not count, and the page says so', async () => {
    const a = addApprentice(ctx.db, uln(0));
    makeReady(ctx.db, a, today().minus({ days: 6 }));
    const submittedOn = isoDate(today().minus({ days: 5 }));
    expect(submitForGateway(ctx.db, a, submittedOn, SETUP).ok).to.equal(true);
    const before = checkOf((await page(agent, `/apprentices/${a.uln}`)).doc, 'off_the_job').reason;
    const d = today().minus({ days: 2 });
    const res = await postForm(agent, `/apprentices/${a.uln}/hours/new`, `/apprentices/${a.uln}/hours/new`, {
      'date[day]': String(d.day),
      'date[month]': String(d.month),
      'date[year]': String(d.year),
      hours: '7',
      activity: 'After the submission',
    });
    expect(res.status).to.equal(303);
    const reason = checkOf((await page(agent, `/apprentices/${a.uln}`)).doc, 'off_the_job').reason;
    expect(reason).to.contain(`7 hours dated after the gateway submission on ${submittedOn} do not count`);
    expect(reason.split(' hours logged')[0]).to.equal(before.split(' hours logged')[0]);
  });

  it('recording the plan’s gateway items moves them to Met; a blank reference and an unknown item are refused', async () => {
    const a = addApprentice(ctx.db, uln(0));
    const url = `/apprentices/${a.uln}`;
    expect(checkOf((await page(agent, url)).doc, 'plan_items')).to.deep.equal({
      status: 'Not met',
      reason: 'Not yet provided: Portfolio of evidence and Project proposal.',
    });

    const blank = await postForm(agent, `${url}/gateway-items/portfolio`, `${url}/gateway-items/portfolio`, {
      reference: '  ',
    });
    expect(blank.status).to.equal(400);
    expect(errorLinks($(blank.text)).map((l) => l.href)).to.deep.equal(['#reference']);
    expect((await agent.get(`${url}/gateway-items/no-such-item`)).status).to.equal(404);

    expect(
      (
        await postForm(agent, `${url}/gateway-items/portfolio`, `${url}/gateway-items/portfolio`, {
          reference: 'Evidence store: portfolios/p-1',
        })
      ).status,
    ).to.equal(302);
    const one = (await page(agent, url)).doc;
    expect(checkOf(one, 'plan_items')).to.deep.equal({
      status: 'Not met',
      reason: 'Not yet provided: Project proposal.',
    });
    expect(one('#gateway-items + dl').text()).to.contain('In place: Evidence store: portfolios/p-1');

    expect(
      (
        await postForm(agent, `${url}/gateway-items/project-proposal`, `${url}/gateway-items/project-proposal`, {
          reference: 'Proposal signed 2026-09-01',
        })
      ).status,
    ).to.equal(302);
    expect(checkOf((await page(agent, url)).doc, 'plan_items').status).to.equal('Met');
  });

  it('the provider’s, the apprentice’s and the employer’s confirmations move the declaration to Met', async () => {
    const a = addApprentice(ctx.db, uln(0));
    const url = `/apprentices/${a.uln}`;
    expect(checkOf((await page(agent, url)).doc, 'employer_declaration').reason).to.equal(
      'Not yet confirmed by the employer, the training provider and the apprentice.',
    );
    expect((await postForm(agent, url, `${url}/declaration`, { part: 'provider' })).status).to.equal(302);
    expect((await postForm(agent, url, `${url}/declaration`, { part: 'apprentice' })).status).to.equal(302);
    expect(checkOf((await page(agent, url)).doc, 'employer_declaration')).to.deep.equal({
      status: 'Not met',
      reason: 'Not yet confirmed by the employer.',
    });
    const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
    expect((await postForm(employer, url, `${url}/declaration`, { part: 'employer' })).status).to.equal(302);
    expect(checkOf((await page(agent, url)).doc, 'employer_declaration').status).to.equal('Met');
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, 'apprentice'), eq(auditEvents.entityId, a.uln)))
      .all();
    expect(audit.map((e) => e.action)).to.include.members([
      'gateway_declaration.provider_confirmed',
      'gateway_declaration.apprentice_confirmed',
      'gateway_declaration.employer_confirmed',
    ]);
  });
});

describe('apprentices: requesting EPA', () => {
  let ctx: TestContext;
  let agent: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    agent = await signedInAgent(ctx.app, ctx.users.provider.email);
  });

  const hasRequestButton = (doc: ReturnType<typeof $>, u: string) =>
    doc(`form[action="/apprentices/${u}/request-epa"]`).length > 0;

  it('is refused while a check is not met: no button, and a post gets 409 with the reason', async () => {
    const a = addApprentice(ctx.db, uln(0), { monthsIn: 5 });
    makeReady(ctx.db, a);
    const view = await page(agent, `/apprentices/${a.uln}`);
    expect(hasRequestButton(view.doc, a.uln)).to.equal(false);
    expect(view.doc('#cannot-request').text()).to.contain('once every check above is met');
    // Starts from 1 August 2025 need 8 months, earlier starts 12, to the last day of the period.
    const earliest = lastDayOfPeriod(a.startDate, a.startDate >= '2025-08-01' ? 8 : 12);
    expect(checkOf(view.doc, 'practical_period').reason).to.contain(`must still be in training on ${earliest}`);

    const res = await postForm(agent, `/apprentices/${a.uln}`, `/apprentices/${a.uln}/request-epa`, {});
    expect(res.status).to.equal(409);
    const doc = $(res.text);
    expect(doc('h1').text()).to.equal('This cannot be done now');
    expect(doc('main').text())
      .to.contain('EPA cannot be requested yet')
      .and.to.contain(`must still be in training on ${earliest}`);
    expect(ctx.db.select().from(gatewaySubmissions).all()).to.have.length(0);
  });

  it('is accepted when every check is met: the submission is shown, and a second request gets 409', async () => {
    const a = addApprentice(ctx.db, uln(0));
    makeReady(ctx.db, a);
    const url = `/apprentices/${a.uln}`;
    const ready = await page(agent, url);
    expect(ready.doc('#gateway-state').text()).to.equal('Ready to request EPA');
    expect(hasRequestButton(ready.doc, a.uln)).to.equal(true);

    const res = await postForm(agent, url, `${url}/request-epa`, {});
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`${url}#submissions`);
    const after = await page(agent, url);
    expect(after.doc('#gateway-state').text()).to.equal('Submitted');
    expect(after.doc('#submission-1 h3').text()).to.equal(
      `Attempt 1: submitted ${isoDate(today())} — waiting for the EPAO`,
    );
    expect(hasRequestButton(after.doc, a.uln)).to.equal(false);
    const rows = ctx.db.select().from(gatewaySubmissions).all();
    expect(rows.map((s) => [s.attempt, s.status, s.submittedOn, s.submittedBy])).to.deep.equal([
      [1, 'submitted', isoDate(today()), ctx.users.provider.id],
    ]);
    expect(ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'gateway.submitted')).all()).to.have.length(
      1,
    );

    const again = await postForm(agent, url, `${url}/request-epa`, {});
    expect(again.status).to.equal(409);
    expect($(again.text)('main').text()).to.contain('Attempt 1 was submitted').and.to.contain('waiting for the EPAO');
    expect(ctx.db.select().from(gatewaySubmissions).all()).to.have.length(1);
  });
});

describe('apprentices: correcting a ULN', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });
  const correct = (agent: Agent, from: string, fields: Record<string, string>) =>
    postForm(agent, `/apprentices/${from}/uln`, `/apprentices/${from}/uln`, fields);
  const corrections = () =>
    ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.uln_corrected')).all();

  it('lets an administrator correct a ULN with a reason: the record moves to it, audited with the old one', async () => {
    const a = addApprentice(ctx.db, uln(0), { given: 'Ulla', family: 'Typo' });
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const record = await page(admin, `/apprentices/${a.uln}`);
    expect(record.doc('#correct-uln').attr('href')).to.equal(`/apprentices/${a.uln}/uln`);
    const form = await page(admin, `/apprentices/${a.uln}/uln`);
    expect(form.doc('#current-uln').text()).to.equal(a.uln);

    const res = await correct(admin, a.uln, {
      uln: uln(1),
      reason: 'Two digits swapped at enrolment; LRS gives this one',
    });
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`/apprentices/${uln(1)}?uln-corrected=1`);
    const moved = await page(admin, res.headers.location as string);
    expect(moved.doc('[role=alert]').text()).to.contain(`The ULN has been corrected to ${uln(1)}.`);
    expect(moved.doc('h1').text()).to.contain('Ulla Typo');
    expect((await admin.get(`/apprentices/${a.uln}`)).status).to.equal(404);
    // Its history moves with it: the entry that added it is found under the corrected ULN, none under the old.
    const about = (u: string) =>
      ctx.db
        .select({ action: auditEvents.action })
        .from(auditEvents)
        .where(eq(auditEvents.entityId, u))
        .all()
        .map((e) => e.action);
    expect(about(a.uln)).to.deep.equal([]);
    expect(about(uln(1))).to.include.members(['apprentice.created', 'apprentice.uln_corrected']);
    expect(corrections().map((e) => [e.entityId, e.before, e.after, e.reason, e.actorUserId])).to.deep.equal([
      [
        uln(1),
        { uln: a.uln },
        { uln: uln(1) },
        'Two digits swapped at enrolment; LRS gives this one',
        ctx.users.admin.id,
      ],
    ]);
  });

  it('shows the form again, values kept, for a wrong check digit, a blank reason, the same ULN or one already held', async () => {
    const a = addApprentice(ctx.db, uln(0));
    addApprentice(ctx.db, uln(2));
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const badDigit = uln(1).slice(0, 9) + String((Number(uln(1)[9]) + 1) % 10);
    const cases: [Record<string, string>, { href: string; text: string }[]][] = [
      [{ uln: badDigit, reason: 'Typed wrongly' }, [{ href: '#uln', text: '' }]],
      [
        { uln: uln(1), reason: '   ' },
        [{ href: '#reason', text: 'Say why the ULN is being corrected, for example where the right one came from' }],
      ],
      [{ uln: a.uln, reason: 'Typed wrongly' }, [{ href: '#uln', text: `${a.uln} is the ULN already recorded` }]],
      [{ uln: uln(2), reason: 'Typed wrongly' }, [{ href: '#uln', text: `Another apprentice has ULN ${uln(2)}` }]],
    ];
    for (const [fields, expected] of cases) {
      const res = await correct(admin, a.uln, fields);
      expect(res.status, JSON.stringify(fields)).to.equal(400);
      const doc = $(res.text);
      const links = errorLinks(doc);
      expect(links.map((l) => l.href)).to.deep.equal(expected.map((e) => e.href));
      for (const [i, e] of expected.entries()) if (e.text) expect(links[i]!.text).to.equal(e.text);
      expect(doc('input#uln').val()).to.equal(fields.uln);
      expect(doc('textarea#reason').text()).to.equal(fields.reason);
    }
    expect(errorLinks($((await correct(admin, a.uln, cases[0]![0])).text))[0]!.text).to.contain('check digit');
    expect(findApprenticeByUln(ctx.db, a.uln)).to.not.equal(undefined);
    expect(corrections()).to.deep.equal([]);
  });

  it('refuses once a result has gone to the apprenticeship service under the old ULN', async () => {
    const a = addApprentice(ctx.db, uln(0));
    ctx.db
      .insert(epaAttempts)
      .values({
        apprenticeId: a.id,
        number: 1,
        kind: 'first',
        startedOn: '2025-01-01',
        claimedAt: '2025-06-01T10:00:00.000Z',
      })
      .run();
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await correct(admin, a.uln, { uln: uln(1), reason: 'Typed wrongly' });
    expect(res.status).to.equal(400);
    expect(errorLinks($(res.text))).to.deep.equal([
      {
        href: '#uln',
        text: `A result has gone to the apprenticeship service under ULN ${a.uln}: have it corrected there first, then here`,
      },
    ]);
    expect(corrections()).to.deep.equal([]);
  });

  it('is for administrators only: the provider sees no link and is refused (403), and through the API too', async () => {
    const a = addApprentice(ctx.db, uln(0));
    const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
    expect((await page(provider, `/apprentices/${a.uln}`)).doc('#correct-uln')).to.have.length(0);
    expect((await provider.get(`/apprentices/${a.uln}/uln`)).status).to.equal(403);
    const api = (who: TestUserKey) =>
      supertest(ctx.app)
        .put(`/api/v1/apprentices/${a.uln}/uln`)
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users[who].id)}`)
        .send({ uln: uln(1), reason: 'Typed wrongly' });
    expect((await api('provider')).status).to.equal(403);
    expect(findApprenticeByUln(ctx.db, uln(1))).to.equal(undefined);
    const done = await api('admin');
    expect(done.status).to.equal(200);
    expect(done.body).to.include({ uln: uln(1), familyName: a.familyName });
    expect(corrections()).to.have.length(1);
  });
});

describe('apprentices: editing a record', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    ctx = await testApp();
  });

  it('needs a reason, and audits the changed fields before and after with the reason', async () => {
    const a = addApprentice(ctx.db, uln(0), { given: 'Kim', family: 'Old' });
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const url = `/apprentices/${a.uln}/edit`;
    const form = await page(agent, url);
    expect(form.status).to.equal(200);
    expect(form.doc('input#familyName').val()).to.equal('Old');
    expect(form.doc('input#startDate-day').val()).to.equal(String(DateTime.fromISO(a.startDate).day));
    expect(form.doc('input#uln')).to.have.length(0);

    const changed = { ...formFields(inputFor(a.uln, { given: 'Kim', family: 'New', weeklyHours: 30 })) };
    const noReason = await postForm(agent, url, url, { ...changed, reason: '   ' });
    expect(noReason.status).to.equal(400);
    expect(errorLinks($(noReason.text))).to.deep.equal([
      { href: '#reason', text: 'Say why the record is being changed' },
    ]);
    expect($(noReason.text)('input#familyName').val()).to.equal('New');
    expect(ctx.db.select().from(apprentices).get()!.familyName).to.equal('Old');
    expect(ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.updated')).all()).to.have.length(
      0,
    );

    const res = await postForm(agent, url, url, { ...changed, reason: 'Married; hours reduced by contract variation' });
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal(`/apprentices/${a.uln}`);
    expect(ctx.db.select().from(apprentices).get()).to.include({
      familyName: 'New',
      weeklyHours: 30,
      uln: a.uln,
      providerUkprn: P1,
    });
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.updated')).all();
    expect(audit).to.have.length(1);
    expect(audit[0]).to.include({
      entityId: a.uln,
      reason: 'Married; hours reduced by contract variation',
      actorLabel: ctx.users.provider.email,
    });
    expect(audit[0]!.before).to.deep.equal({ familyName: 'Old', weeklyHours: 37.5 });
    expect(audit[0]!.after).to.deep.equal({ familyName: 'New', weeklyHours: 30 });
    expect((await page(agent, `/apprentices/${a.uln}`)).doc('h1').text()).to.equal('Kim New');
  });

  it('keeps a provider’s apprentice with that provider, whatever UKPRN the form sends', async () => {
    const a = addApprentice(ctx.db, uln(0));
    const agent = await signedInAgent(ctx.app, ctx.users.provider.email);
    const url = `/apprentices/${a.uln}/edit`;
    const res = await postForm(agent, url, url, { ...formFields(inputFor(a.uln, { ukprn: P2 })), reason: 'Move it' });
    expect(res.status).to.equal(302);
    expect(ctx.db.select().from(apprentices).get()!.providerUkprn).to.equal(P1);
  });
});
