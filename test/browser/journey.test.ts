/**
 * One apprentice from CSV import to certificate claim, in a real browser, as each person who
 * takes part would do it: the training provider (and the employer's declaration), the EPAO's
 * administrator, the assessor, the quality assurer, and the provider again for the result.
 * axe-core checks every page on the way (BrowserUser.open and .follow), error summaries
 * included. The steps share one app and run in order; after a failed step the rest are skipped.
 */
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { validUlns } from '../../src/apprentices/uln.js';
import { isoInstant, ZONE } from '../../src/dates.js';
import { apprentices, bookings, epaAttempts } from '../../src/db/schema.js';
import { DEMO_USERS } from '../../src/demo/index.js';
import { pdfText } from '../support/pdf.js';
import {
  BrowserUser,
  DESKTOP,
  PHONE,
  downloadOf,
  launchBrowser,
  sidewaysScroll,
  startApp,
  type RunningApp,
} from './support.js';

const emailOf = (role: (typeof DEMO_USERS)[number]['role']) => DEMO_USERS.find((u) => u.role === role)!.email;
const nameOf = (role: (typeof DEMO_USERS)[number]['role']) => DEMO_USERS.find((u) => u.role === role)!.name;

const today = DateTime.now().setZone(ZONE).startOf('day');
const iso = (d: DateTime) => d.toISODate()!;
const [ULN, SECOND_ULN] = validUlns(2, 412_345_670) as [string, string];
const APPRENTICE = 'Alex Morgan';
const PROJECT = 'Work-based project with presentation and questioning';
const DISCUSSION = 'Professional discussion underpinned by a portfolio of evidence';
/** The note for the one criterion the discussion does not meet: the apprentice's feedback. */
const SHORTFALL = 'Described a learning agreement but not how it would be kept going after the project ended.';

/** Criteria of the demonstration plan (fixtures/plans/ST0815-1.0-demo.json), in the order the form shows them. */
const CRITERIA = {
  project: [
    'PR1',
    'PR2',
    'PRD1',
    'PR3',
    'PR4',
    'PR5',
    'PR6',
    'PR7',
    'PRD2',
    'PR8',
    'PR9',
    'PRD3',
    'PR10',
    'PR11',
    'PR12',
    'PRD4',
  ],
  discussion: [
    'PD1',
    'PD2',
    'PDD1',
    'PD3',
    'PD4',
    'PD5',
    'PDD2',
    'PD6',
    'PDD3',
    'PD7',
    'PDD4',
    'PD8',
    'PD9',
    'PDD5',
    'PD10',
    'PD11',
  ],
};

/** The criterion's fieldset (its legend starts with the criterion's id). */
const criterion = (page: Page, id: string) => page.getByRole('group', { name: new RegExp(`^${id} `) });

async function decide(page: Page, id: string, met: boolean, evidence: string): Promise<void> {
  const group = criterion(page, id);
  await group.getByRole('radio', { name: met ? 'Met' : 'Not met', exact: true }).check();
  await group.getByLabel(`Evidence seen for ${id}`).fill(evidence);
}

async function fillDate(page: Page, legend: string, date: DateTime): Promise<void> {
  const group = page.getByRole('group', { name: legend });
  await group.getByLabel('Day').fill(String(date.day));
  await group.getByLabel('Month').fill(String(date.month));
  await group.getByLabel('Year').fill(String(date.year));
}

/** The gateway checks table on an apprentice's page: a check's status (Met, Not met, Not applicable). */
async function checkStatus(page: Page, check: string): Promise<string> {
  const table = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'What it means' }) });
  return (
    await table
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: check, exact: true }) })
      .getByRole('cell')
      .first()
      .innerText()
  ).trim();
}

/** The value beside `key` in a GOV.UK summary list. */
async function summaryValue(page: Page, key: string): Promise<string> {
  return (
    await page.getByRole('term').filter({ hasText: key }).locator('xpath=following-sibling::dd[1]').innerText()
  ).trim();
}

const CHECKS = [
  'Practical period',
  'Off-the-job training',
  'English',
  'Maths',
  'Assessment plan gateway items',
  'Gateway declaration',
  'Permission to apply for the certificate',
];

/**
 * The error summary's text, once every link in it has been checked to lead to a field on the
 * page (GOV.UK's error summary links each message to the field to fix).
 */
async function errorSummary(page: Page): Promise<string> {
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  const links = await summary.getByRole('link').all();
  for (const link of links) {
    const href = (await link.getAttribute('href')) ?? '';
    expect(href, `error summary link “${await link.innerText()}”`).to.match(/^#./);
    const target = page.locator(`[id="${decodeURIComponent(href.slice(1))}"]`);
    expect(
      await target.count(),
      `the field ${href} that the error summary’s “${await link.innerText()}” links to`,
    ).to.equal(1);
  }
  return (await summary.innerText()).trim();
}

/**
 * The one step taken behind the browser's back. The grading form opens only once the
 * (confirmed) assessment has started, and the app has no clock a test can move; moving the
 * assessments' start times to earlier today stands for the day of the assessment arriving.
 */
function assessmentDayArrives(app: RunningApp, uln: string): number {
  const apprentice = app.db.select({ id: apprentices.id }).from(apprentices).where(eq(apprentices.uln, uln)).get()!;
  const rows = app.db
    .select()
    .from(bookings)
    .where(and(eq(bookings.apprenticeId, apprentice.id), eq(bookings.status, 'confirmed')))
    .orderBy(bookings.startsAt)
    .all();
  const now = DateTime.now().setZone(ZONE).startOf('minute');
  rows.forEach((booking, i) => {
    // Earlier today, one after the other, each over before the next; never before today.
    const start = DateTime.max(now.startOf('day'), now.minus({ minutes: (rows.length - i) * 90 }));
    const duration = Date.parse(booking.endsAt) - Date.parse(booking.startsAt);
    app.db
      .update(bookings)
      .set({
        startsAt: isoInstant(start),
        endsAt: isoInstant(start.plus({ milliseconds: duration })),
        localStart: start.toFormat("yyyy-MM-dd'T'HH:mm"),
      })
      .where(eq(bookings.id, booking.id))
      .run();
  });
  return rows.length;
}

/**
 * The other step taken behind the browser's back: a claim waits for the result's appeal period
 * (15 working days); moving the release a month back stands for those weeks passing.
 */
function appealPeriodEnds(app: RunningApp, uln: string): void {
  const apprentice = app.db.select({ id: apprentices.id }).from(apprentices).where(eq(apprentices.uln, uln)).get()!;
  app.db
    .update(epaAttempts)
    .set({ releasedAt: isoInstant(DateTime.now().minus({ days: 30 })) })
    .where(eq(epaAttempts.apprenticeId, apprentice.id))
    .run();
}

describe('Browser journey: from CSV import to certificate claim', function () {
  let browser: Browser;
  let app: RunningApp;
  const users: BrowserUser[] = [];
  const signIn = async (role: (typeof DEMO_USERS)[number]['role'], options: { javaScript?: boolean } = {}) => {
    const user = await BrowserUser.signIn(browser, app.baseUrl, emailOf(role), options);
    users.push(user);
    return user;
  };
  let provider: BrowserUser;
  let admin: BrowserUser;
  let assessor: BrowserUser;

  let broken = false;
  beforeEach(function () {
    if (broken) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') broken = true;
  });

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
  });

  after(async function () {
    for (const user of users) await user.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
  });

  it('shows the error summary when signing in with nothing filled in', async function () {
    const visitor = await BrowserUser.visit(browser, app.baseUrl);
    users.push(visitor);
    await visitor.open('/sign-in');
    await visitor.follow(visitor.page.getByRole('button', { name: 'Sign in' }));
    expect(await visitor.heading()).to.equal('Sign in');
    const summary = await errorSummary(visitor.page);
    expect(summary).to.contain('Enter your email address').and.to.contain('Enter your password');
    expect(await visitor.page.title()).to.match(/^Error: /);
  });

  it('1. the provider imports apprentices from a CSV file, adds the gateway evidence and requests EPA', async function () {
    provider = await signIn('provider');
    const page = provider.page;
    await provider.navigate('Apprentices');
    expect(await provider.heading()).to.equal('Apprentices');
    await provider.follow(page.getByRole('button', { name: 'Import from a CSV file' }));
    expect(await provider.heading()).to.equal('Import apprentices');

    // The template gives the columns; the file is written to them.
    const template = await downloadOf(page, page.getByRole('link', { name: 'Download the CSV template' }));
    expect(template.name).to.equal('apprentices-template.csv');
    // A file for a spreadsheet: the UTF-8 byte-order mark, then the header row.
    const [header]: string[][] = parseCsv(template.body.toString('utf8'), { bom: true, relax_column_count: true });
    const columns = header!;
    expect(template.body.subarray(0, 3)).to.deep.equal(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(columns).to.include.members([
      'uln',
      'given_names',
      'family_name',
      'start_date',
      'planned_end_date',
      'employer_id',
      'english_maths_choice',
    ]);

    // Nothing chosen: the error summary.
    await provider.follow(page.getByRole('button', { name: 'Check and import' }));
    expect(await errorSummary(page)).to.contain('Select a CSV file of apprentices');

    // Alex started nine months ago (the 8-month minimum practical period has been served),
    // aged 24, and chose to work towards English and maths, so both need evidence.
    const start = today.minus({ months: 9 });
    const rows = [
      {
        uln: ULN,
        given_names: 'Alex',
        family_name: 'Morgan',
        date_of_birth: iso(start.minus({ years: 24, days: 51 })),
        start_date: iso(start),
        planned_end_date: iso(start.plus({ months: 8 })),
        standard_reference: 'ST0815',
        standard_version: '1.0',
        provider_ukprn: '',
        employer_id: 'transport-workers-union',
        weekly_hours: '37.5',
        bsl_first_language: 'no',
        english_maths_choice: 'employer_requires',
      },
      {
        uln: SECOND_ULN,
        given_names: 'Sam',
        family_name: 'Okoro',
        date_of_birth: iso(today.minus({ years: 21, days: 9 })),
        start_date: iso(today.minus({ months: 3 })),
        planned_end_date: iso(today.plus({ months: 12 })),
        standard_reference: 'ST0815',
        standard_version: '1.0',
        provider_ukprn: '',
        employer_id: 'transport-workers-union',
        weekly_hours: '30',
        bsl_first_language: 'no',
        english_maths_choice: '',
      },
    ];
    const csv = [
      columns.join(','),
      ...rows.map((row) => columns.map((c) => row[c as keyof typeof row] ?? '').join(',')),
    ].join('\n');
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'autumn-cohort.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) });
    await provider.follow(page.getByRole('button', { name: 'Check and import' }));
    expect(await provider.heading()).to.equal('2 apprentices imported');

    await provider.follow(page.getByRole('link', { name: 'See their gateway readiness' }));
    expect(await page.getByRole('row').filter({ hasText: ULN }).innerText()).to.contain(APPRENTICE);
    await provider.follow(page.getByRole('link', { name: APPRENTICE }));
    expect(await provider.heading()).to.equal(APPRENTICE);
    expect(await page.getByText('Not ready', { exact: true }).count()).to.equal(1);
    expect(await checkStatus(page, 'Practical period')).to.equal('Met');
    for (const check of [
      'Off-the-job training',
      'English',
      'Maths',
      'Assessment plan gateway items',
      'Gateway declaration',
      'Permission to apply for the certificate',
    ])
      expect(await checkStatus(page, check)).to.equal('Not met');

    // English and maths: first the form sent empty, then each GCSE.
    await provider.follow(page.getByRole('link', { name: 'Add English or maths evidence' }));
    await provider.follow(page.getByRole('button', { name: 'Add evidence' }));
    expect(await errorSummary(page)).to.contain('Select English or maths');
    for (const [subject, grade, reference] of [
      ['English', '5', 'GCSE-ENG-2018-44812'],
      ['Maths', '4', 'GCSE-MAT-2018-44813'],
    ] as const) {
      if (subject !== 'English')
        await provider.follow(page.getByRole('link', { name: 'Add English or maths evidence' }));
      expect(await provider.heading()).to.equal('Add English or maths evidence');
      await page.getByRole('radio', { name: subject, exact: true }).check();
      await page.getByLabel('Qualification').selectOption({ label: 'GCSE' });
      await page.getByLabel('Level', { exact: true }).fill('2');
      await page.getByLabel('Grade', { exact: true }).fill(grade);
      await fillDate(page, 'Date achieved', DateTime.fromISO('2018-08-23'));
      await page.getByLabel('Certificate reference').fill(reference);
      await provider.follow(page.getByRole('button', { name: 'Add evidence' }));
      // On to the evidence's own page, where its certificate may be uploaded; then back to the record.
      expect(await provider.heading()).to.equal(`${subject}: GCSE`);
      await provider.follow(page.getByRole('link', { name: 'Back', exact: true }));
      expect(await provider.heading()).to.equal(APPRENTICE);
      expect(await checkStatus(page, subject)).to.equal('Met');
    }

    // Off-the-job training, read from the check's reason ("0 hours logged of the N required"),
    // logged a week at a time (a span's total, at most 24 hours for each of its days).
    const offTheJob = await page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'Off-the-job training' }) })
      .innerText();
    const required = Number(/of the ([\d.,]+) required/.exec(offTheJob)![1]!.replace(/,/g, ''));
    expect(required).to.be.greaterThan(0);
    const weekly = 35;
    const weeks = Math.ceil(required / weekly);
    await provider.follow(page.getByRole('link', { name: 'Log off-the-job training' }));
    for (let n = 0; n < weeks; n++) {
      if (n > 0) await provider.follow(page.getByRole('button', { name: 'Log hours' }));
      expect(await provider.heading()).to.equal('Log off-the-job training');
      const monday = start.plus({ weeks: 1 + n });
      await fillDate(page, 'Date of the training, or the first day of the span', monday);
      await fillDate(page, 'Last day of the span (optional)', monday.plus({ days: 4 }));
      await page.getByLabel('Hours', { exact: true }).fill(String(weekly));
      await page.getByLabel('Activity').fill(`Block release, week ${n + 1}: casework, negotiation and organising`);
      await provider.follow(page.getByRole('button', { name: 'Log hours' }));
      expect(await provider.heading()).to.equal('Off-the-job training log');
      expect(await page.getByRole('alert').innerText()).to.contain('The hours have been logged.');
    }
    await provider.open(`/apprentices/${ULN}`);
    expect(await checkStatus(page, 'Off-the-job training')).to.equal('Met');

    // The plan's gateway items.
    for (const [item, reference] of [
      ['Portfolio of evidence', 'evidence-store/alex-morgan/portfolio-v3.pdf'],
      ['Project proposal', 'evidence-store/alex-morgan/campaign-proposal.pdf'],
    ] as const) {
      await provider.follow(page.getByRole('link', { name: `Record ${item}` }));
      expect(await provider.heading()).to.equal(item);
      await page.getByLabel('Where is it?').fill(reference);
      await provider.follow(page.getByRole('button', { name: 'Record as in place' }));
      expect(await summaryValue(page, item)).to.contain(`In place: ${reference}`);
    }
    expect(await checkStatus(page, 'Assessment plan gateway items')).to.equal('Met');

    // The provider's and the apprentice's parts of the declaration; the employer confirms theirs.
    await provider.follow(page.getByRole('button', { name: 'Confirm as provider' }));
    await provider.follow(page.getByRole('button', { name: /^Record apprentice.s confirmation$/ }));
    await provider.follow(page.getByRole('button', { name: /^Record apprentice.s permission$/ }));
    expect(await checkStatus(page, 'Permission to apply for the certificate')).to.equal('Met');

    // Where the certificate is posted: first refused for its postcode, then saved.
    await provider.follow(page.getByRole('link', { name: 'Record where the certificate is posted' }));
    expect(await provider.heading()).to.equal('Where the certificate is posted');
    await page.getByLabel('Name of the person it is posted to').fill('Dana Reilly');
    await page.getByLabel('Address line 1').fill('128 Theobald’s Road');
    await page.getByLabel('Town or city').fill('London');
    await page.getByLabel('Postcode').fill('NOT A CODE');
    await provider.follow(page.getByRole('button', { name: 'Save where the certificate is posted' }));
    expect(await errorSummary(page)).to.contain('Enter a real UK postcode, like SW1A 1AA');
    await page.getByLabel('Postcode').fill('wc1x8tn');
    await provider.follow(page.getByRole('button', { name: 'Save where the certificate is posted' }));
    expect(await page.locator('#certificate-delivery').innerText()).to.contain('London WC1X 8TN');
    const employer = await signIn('employer');
    await employer.navigate('Apprentices');
    await employer.follow(employer.page.getByRole('link', { name: APPRENTICE }));
    await employer.follow(employer.page.getByRole('button', { name: 'Confirm as employer' }));
    expect(await checkStatus(employer.page, 'Gateway declaration')).to.equal('Met');
    await employer.close();

    // Every check met: request EPA.
    await provider.open(`/apprentices/${ULN}`);
    expect(await page.getByText('Ready to request EPA', { exact: true }).count()).to.equal(1);
    for (const check of CHECKS) expect(await checkStatus(page, check), check).to.equal('Met');
    await provider.follow(page.getByRole('button', { name: 'Request EPA' }));
    expect(await page.getByRole('heading', { name: /^Attempt 1: submitted/ }).innerText()).to.contain(
      'waiting for the EPAO',
    );
  });

  it('2. the administrator accepts the gateway, gives the assessor a profile and books the auto-scheduler’s proposal', async function () {
    admin = await signIn('admin');
    const page = admin.page;
    await admin.navigate('Gateway reviews');
    expect(await admin.heading()).to.equal('Gateway reviews');
    await admin.follow(page.getByRole('link', { name: `Review ${APPRENTICE}` }));
    expect(await admin.heading()).to.equal(`Gateway review: ${APPRENTICE}`);

    // Recorded with nothing chosen: every missing decision in the error summary, each naming its check.
    await admin.follow(page.getByRole('button', { name: 'Record decision' }));
    const summary = await errorSummary(page);
    for (const check of CHECKS) expect(summary).to.contain(`Accept or reject the check “${check}”`);

    for (const check of CHECKS) {
      await page
        .getByRole('group', { name: check, exact: true })
        .getByRole('radio', { name: 'Accept', exact: true })
        .check();
    }
    await page.getByRole('radio', { name: /^Accept the gateway/ }).check();
    await admin.follow(page.getByRole('button', { name: 'Record decision' }));
    expect(await admin.heading()).to.equal(APPRENTICE);
    expect(await page.getByText(/^Gateway accepted\. The EPA period runs from/).count()).to.equal(1);

    // The assessor's profile: competent for ST0815, weekdays 09:00 to 17:00.
    await admin.navigate('Assessors');
    await admin.follow(page.getByRole('link', { name: nameOf('assessor') }));
    expect(await admin.heading()).to.equal(nameOf('assessor'));
    await page.getByLabel('Assessments a day, at most').fill('3');
    await page.getByLabel('Assessments a week, at most').fill('10');
    await page
      .getByRole('group', { name: 'Competent to assess' })
      .getByRole('checkbox', { name: /\(ST0815 v1\.0\)/ })
      .check();
    // Each time box is labelled with its day ("Monday From", read out in full; "From" on screen).
    const workingHours = page.getByRole('group', { name: /^Working hours/ });
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await workingHours.getByLabel(`${day} From`, { exact: true }).fill('09:00');
      await workingHours.getByLabel(`${day} to`, { exact: true }).fill('17:00');
    }
    await admin.follow(page.getByRole('button', { name: 'Save profile' }));
    expect(await page.getByRole('alert').innerText()).to.contain('The profile has been saved.');

    // The auto-scheduler: propose, review, book.
    await admin.navigate('Bookings');
    await admin.follow(page.getByRole('link', { name: 'schedule the whole queue' }));
    expect(await admin.heading()).to.equal('Schedule the queue');
    expect(await summaryValue(page, 'Apprentices to schedule')).to.equal('1');
    await admin.follow(page.getByRole('button', { name: 'Propose a schedule' }));
    expect(await admin.heading()).to.match(/^Proposed schedule \d+$/);
    expect(await summaryValue(page, 'Holds proposed')).to.equal('2 for 1 apprentices');
    const holds = page
      .getByRole('table')
      .filter({ has: page.getByRole('columnheader', { name: 'Method' }) })
      .getByRole('row')
      .filter({ hasText: APPRENTICE });
    expect(await holds.count()).to.equal(2);
    for (const row of await holds.all()) expect(await row.innerText()).to.contain(nameOf('assessor'));
    expect(await page.getByText('Not in this proposal').count()).to.equal(0);
    await admin.follow(page.getByRole('button', { name: 'Book these 2 holds' }));
    expect(await admin.heading()).to.equal('Bookings');
    expect(await page.getByRole('alert').innerText()).to.contain(
      '2 holds booked. Each assessor has been asked to confirm theirs.',
    );
  });

  it('3. the assessor confirms the holds and, on the day, grades the project criterion by criterion', async function () {
    assessor = await signIn('assessor');
    const page = assessor.page;
    await assessor.navigate('My schedule');
    expect(await assessor.heading()).to.equal('My schedule');
    const rows = page.getByRole('row').filter({ hasText: APPRENTICE });
    expect(await rows.count()).to.equal(2);
    for (let n = 0; n < 2; n++) await assessor.follow(page.getByRole('button', { name: /^Confirm / }).first());
    for (const row of await rows.all()) expect(await row.innerText()).to.contain('Confirmed');
    expect(await page.getByRole('link', { name: /^Grade / }).count()).to.equal(0);

    expect(assessmentDayArrives(app, ULN)).to.equal(2);

    await assessor.open('/schedule');
    await assessor.follow(page.getByRole('link', { name: `Grade ${PROJECT} for ${APPRENTICE}` }));
    expect(await assessor.heading()).to.equal(`Grade: ${PROJECT}`);

    // Submitted with nothing decided: every criterion is named in the error summary.
    await page.getByRole('checkbox', { name: /^I confirm these decisions/ }).check();
    await assessor.follow(page.getByRole('button', { name: 'Submit grade' }));
    const problems = await errorSummary(page);
    for (const id of CRITERIA.project) expect(problems).to.contain(`Decide whether ${id} is met`);

    // The first theme, kept as a draft; then the rest, and submit.
    const [first, rest] = [CRITERIA.project.slice(0, 3), CRITERIA.project.slice(3)];
    for (const id of first)
      await decide(page, id, true, `${id}: seen in the project report and confirmed in questioning.`);
    await assessor.follow(page.getByRole('button', { name: 'Save draft' }));
    expect(await page.getByRole('alert').innerText()).to.contain('Your draft has been saved.');
    expect(await criterion(page, 'PR1').getByRole('radio', { name: 'Met', exact: true }).isChecked()).to.equal(true);
    for (const id of rest)
      await decide(page, id, true, `${id}: seen in the project report and confirmed in questioning.`);
    // With JavaScript the grade follows the decisions as they are made, before anything is sent.
    const derived = page.locator('#derived-grade');
    await derived.getByText('The plan’s rule gives Distinction: Every criterion met.').waitFor();
    const last = CRITERIA.project.at(-1)!;
    await decide(page, last, false, `${last}: not shown at distinction depth.`);
    await derived.getByText(`The plan’s rule gives Pass: Every pass criterion met; ${last} not met.`).waitFor();
    expect(await page.locator('#confirm-label').innerText()).to.contain('the grade they give: Pass');
    await decide(page, last, true, `${last}: seen in the project report and confirmed in questioning.`);
    await page
      .getByRole('checkbox', { name: 'I confirm these decisions and the grade they give: Distinction' })
      .check();
    await assessor.follow(page.getByRole('button', { name: 'Submit grade' }));
    expect(await page.getByRole('heading', { level: 2, name: 'Distinction' }).count()).to.equal(1);
    expect(await page.getByText(/Only moderation or an appeal can change it now/).count()).to.equal(1);
  });

  it('3b. the grading form works without JavaScript: the assessor grades the professional discussion', async function () {
    const noScript = await signIn('assessor', { javaScript: false });
    const page = noScript.page;
    await noScript.navigate('My schedule');
    await noScript.follow(page.getByRole('link', { name: `Grade ${DISCUSSION} for ${APPRENTICE}` }));
    expect(await noScript.heading()).to.equal(`Grade: ${DISCUSSION}`);
    for (const id of CRITERIA.discussion) {
      if (id === 'PDD5') await decide(page, id, false, SHORTFALL);
      else await decide(page, id, true, `${id}: clear, well-evidenced answers with examples from the portfolio.`);
    }
    // Without a script, “Check the grade” asks the server, and saves nothing.
    await noScript.follow(page.getByRole('button', { name: 'Check the grade' }));
    expect(await page.locator('#derived-grade').innerText()).to.contain(
      'The plan’s rule gives Pass: Every pass criterion met; PDD5 not met.',
    );
    await page.getByRole('checkbox', { name: 'I confirm these decisions and the grade they give: Pass' }).check();
    await noScript.follow(page.getByRole('button', { name: 'Submit grade' }));
    expect(await page.getByRole('heading', { level: 2, name: 'Pass' }).count()).to.equal(1);
    expect(await page.getByText(SHORTFALL).count()).to.equal(1);
    await noScript.close();
  });

  it('4. the quality assurer moderates both gradings (an assessor’s first gradings are always sampled)', async function () {
    const qa = await signIn('quality_assurer');
    const page = qa.page;
    await qa.navigate('Moderation');
    const queue = page.getByRole('row').filter({ hasText: APPRENTICE });
    expect(await queue.count()).to.equal(2);
    for (const row of await queue.all())
      expect(await row.innerText()).to.contain('One of the assessor’s first assessments of this standard');

    for (const [method, grade] of [
      [PROJECT, 'Distinction'],
      [DISCUSSION, 'Pass'],
    ] as const) {
      await qa.follow(page.getByRole('row').filter({ hasText: method }).getByRole('link', { name: APPRENTICE }));
      expect(await qa.heading()).to.equal(`Moderate: ${method}`);
      expect(await summaryValue(page, 'Grade now')).to.equal(grade);
      if (method === PROJECT) {
        // Recorded with no decision: the error summary.
        await qa.follow(page.getByRole('button', { name: 'Record moderation' }));
        expect(await errorSummary(page)).to.contain('Choose whether you agree or change decisions');
      }
      await page.getByRole('radio', { name: 'Agree with the grading' }).check();
      await page
        .getByLabel('Rationale')
        .fill(`Sampled recording reviewed: the decisions and evidence notes support ${grade}.`);
      await qa.follow(page.getByRole('button', { name: 'Record moderation' }));
      expect(await qa.heading()).to.equal('Moderation');
    }
    expect(await page.getByText('Nothing is waiting for moderation.').count()).to.equal(1);
    await qa.close();
  });

  it('5. the administrator releases the result', async function () {
    const page = admin.page;
    await admin.navigate('Results');
    expect(await admin.heading()).to.equal('Results to release');
    const row = page.getByRole('row').filter({ hasText: APPRENTICE });
    expect(await row.getByRole('cell', { name: 'Pass', exact: true }).count()).to.equal(1);
    expect(await row.getByRole('cell', { name: 'Ready', exact: true }).count()).to.equal(1);
    await row.getByRole('checkbox', { name: `Release the result of ${APPRENTICE}` }).check();
    await admin.follow(page.getByRole('button', { name: 'Release the selected results' }));
    expect(await page.getByRole('alert').innerText()).to.contain('1 result released.');
    expect(await page.getByText('No results are waiting to be released.').count()).to.equal(1);
  });

  it('6. the provider reads the result and downloads it as a PDF', async function () {
    const page = provider.page;
    await provider.navigate('Apprentices');
    await provider.follow(page.getByRole('link', { name: APPRENTICE }));
    await provider.follow(page.getByRole('link', { name: 'EPA results' }));
    expect(await provider.heading()).to.equal(`EPA results: ${APPRENTICE}`);
    expect(await page.getByRole('heading', { level: 2 }).filter({ hasText: 'attempt 1' }).innerText()).to.match(
      /: Pass$/,
    );
    const methods = page.getByRole('table', { name: 'Methods' });
    expect(await methods.getByRole('row').filter({ hasText: PROJECT }).innerText()).to.contain('Distinction');
    expect(await methods.getByRole('row').filter({ hasText: DISCUSSION }).innerText()).to.contain('Pass');
    // Feedback by KSB: every pass criterion was met, so every KSB of both methods is evidenced.
    const feedback = page.getByRole('table', { name: /^Feedback by KSB/ });
    expect(await feedback.count()).to.equal(2);
    for (const table of await feedback.all()) {
      const ksbs = table.getByRole('row').filter({ has: page.getByRole('rowheader') });
      expect(await ksbs.count()).to.be.greaterThan(5);
      expect(await ksbs.filter({ hasText: 'Evidenced' }).count()).to.equal(await ksbs.count());
    }

    const link = page.getByRole('link', { name: /^Download the result \(PDF\)/ });
    const pdf = await downloadOf(page, link);
    expect(pdf.body.length).to.be.greaterThan(1000);
    expect(pdf.body.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    const text = await pdfText(pdf.body);
    expect(text).to.contain(APPRENTICE).and.to.contain(ULN).and.to.contain('Pass');
    const response = await page.request.get((await link.getAttribute('href'))!);
    expect(response.status()).to.equal(200);
    expect(response.headers()['content-type']).to.match(/^application\/pdf/);
    expect((await response.body()).length).to.be.greaterThan(0);
  });

  it('7. the administrator exports the certificate claim (CSV) and marks it claimed', async function () {
    const page = admin.page;
    await admin.navigate('Certificate claims');
    expect(await admin.heading()).to.equal('Certificate claims');
    // Released today: it waits for its appeal period, and says until when.
    const waiting = page.getByRole('table', { name: 'Results waiting before they can be claimed' });
    expect(await waiting.getByRole('row').filter({ hasText: ULN }).innerText()).to.contain(
      'The appeal period runs until',
    );
    appealPeriodEnds(app, ULN);
    await page.reload();
    const row = page.getByRole('table', { name: 'Results ready to claim' }).getByRole('row').filter({ hasText: ULN });
    expect(await row.innerText())
      .to.contain('Morgan')
      .and.to.contain('Pass')
      .and.to.contain(iso(DateTime.now().setZone(ZONE)));
    const csv = await downloadOf(page, page.getByRole('link', { name: 'CSV', exact: true }));
    const records = parseCsv(csv.body.toString('utf8'), { bom: true }) satisfies string[][];
    const line = records.find((r) => r.includes(ULN));
    expect(line, `the claims CSV has a line for ${ULN}:\n${csv.body.toString('utf8')}`).to.not.equal(undefined);
    expect(line).to.include('Morgan').and.to.include('Pass');
    await admin.follow(page.getByRole('button', { name: 'Mark this result as claimed' }));
    expect(await page.getByRole('alert').innerText()).to.contain('1 result marked as claimed.');
    expect(await page.getByText('No results are ready to claim.').count()).to.equal(1);
  });

  it('8. the administrator reads the outcome reports and the regulator’s files, on a phone too', async function () {
    const page = admin.page;
    // Each page is checked with axe and for sideways scrolling at a phone's width as it opens.
    for (const path of [
      '/reports',
      '/reports/ksb-shortfall',
      '/reports/assessor-consistency',
      '/reports/ofqual-outcomes',
      '/reports/ofqual-registrations',
      '/admin/audit',
    ])
      await admin.open(path);
    // The audit log reads as sentences: the claim just marked, by the administrator, for the apprentice.
    expect(await page.locator('#audit-events .app-audit__sentence').first().innerText()).to.match(
      new RegExp(`^Amira Okafor .* for ${APPRENTICE} \\(ULN ${ULN}\\)`),
    );
    // The file names the assessment organisation: the page sends the administrator to the settings first.
    await admin.open('/reports/ofqual-outcomes');
    await admin.follow(page.getByRole('link', { name: 'Go to Settings' }));
    expect(await admin.heading()).to.equal('Settings');
    await page
      .getByRole('textbox', { name: /register of end-point assessment organisations/ })
      .fill('Northern Assessment Services');
    await page.getByLabel('EPA number').fill('EPA0123');
    await admin.follow(page.getByRole('button', { name: 'Save settings' }));
    expect(await page.getByRole('alert').innerText()).to.match(/saved/i);
    // The regulator's file preview is far wider than a phone: it scrolls in its own region.
    await page.setViewportSize(PHONE);
    const today = DateTime.now().setZone(ZONE);
    const period = new URLSearchParams({
      reportingDate: iso(today),
      from: iso(today.minus({ days: 30 })),
      to: iso(today),
    });
    await admin.open(`/reports/ofqual-outcomes?${period.toString()}`);
    const preview = page.getByRole('region', { name: 'Preview of the file' });
    expect(await preview.getByRole('row').filter({ hasText: ULN }).count()).to.equal(1);
    const [inner, outer] = await preview.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(outer).to.be.at.most(PHONE.width);
    expect(inner).to.be.greaterThan(outer);
    expect(await sidewaysScroll(page)).to.equal(0);
    await page.setViewportSize(DESKTOP);
  });

  it('reported no server errors and found every page accessible', function () {
    expect(app.errors, 'errors the app logged').to.deep.equal([]);
    expect(BrowserUser.pagesChecked).to.be.greaterThan(60);
    console.log(`      ${BrowserUser.pagesChecked} pages checked with axe-core, none with a violation`);
  });
});
