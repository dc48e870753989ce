/**
 * The records behind the gateway rules, kept in a browser as a provider and an employer keep
 * them: a break in learning, the flexibility judgement, prior learning, and (on a reformed plan)
 * the employer's verification of behaviours. Every page is checked with axe on the way, and on a
 * 390 px phone no page scrolls sideways.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { DEMO_USERS } from '../../src/demo/index.js';
import { importPlan } from '../../src/plans/store.js';
import { SETUP, isoDate, today } from '../support/apprentices.js';
import { BrowserUser, PHONE, launchBrowser, sidewaysScroll, startApp, type RunningApp } from './support.js';

async function fillDate(page: Page, legend: string, date: DateTime): Promise<void> {
  const group = page.getByRole('group', { name: legend });
  await group.getByLabel('Day').fill(String(date.day));
  await group.getByLabel('Month').fill(String(date.month));
  await group.getByLabel('Year').fill(String(date.year));
}

async function errorSummary(page: Page): Promise<string> {
  return (await page.locator('.govuk-error-summary').innerText()).trim();
}

describe('Browser journey: the records behind the gateway rules', function () {
  let browser: Browser;
  let app: RunningApp;
  const [uln] = validUlns(1, 730_000_000);
  const user = (role: string) => DEMO_USERS.find((u) => u.role === role)!.email;

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    // A reformed plan beside the demo EPA plan, followed by this apprentice: the employer has behaviours to verify.
    const imported = importPlan(
      app.db,
      JSON.parse(readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8')),
      SETUP,
    );
    if (!imported.ok) throw new Error(JSON.stringify(imported.problems));
    const start = today().startOf('month').minus({ months: 5 });
    const added = addApprentices(
      app.db,
      [
        {
          line: 1,
          input: {
            uln: uln!,
            givenNames: 'Robin',
            familyName: 'Records',
            dateOfBirth: isoDate(start.minus({ years: 17 })),
            startDate: isoDate(start),
            plannedEndDate: isoDate(start.plus({ months: 14 })),
            standardReference: 'ST0815',
            standardVersion: '1.0',
            providerUkprn: '10061234',
            employerId: 'transport-workers-union',
            weeklyHours: 37.5,
            planId: 'ST0815-1.0-reformed-demo',
            bslFirstLanguage: false,
            englishMathsChoice: null,
          },
        },
      ],
      SETUP,
      'test',
    );
    if (!added.ok) throw new Error(JSON.stringify(added.problems));
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  it('a provider records a break, a flexibility judgement and prior learning on a phone, without JavaScript', async function () {
    const provider = await BrowserUser.signIn(browser, app.baseUrl, user('provider'), { javaScript: false });
    const page = provider.page;
    await page.setViewportSize(PHONE);
    try {
      const start = today().startOf('month').minus({ months: 5 });
      await provider.open(`/apprentices/${uln}`);
      expect(await provider.heading()).to.equal('Robin Records');
      expect(await sidewaysScroll(page)).to.equal(0);
      expect(await page.locator('#checks').innerText()).to.match(/^Gateway to completion checks on/);

      await provider.follow(page.getByRole('link', { name: 'Record a break in learning' }));
      expect(await sidewaysScroll(page)).to.equal(0);
      await provider.follow(page.getByRole('button', { name: 'Record the break' }));
      expect(await errorSummary(page)).to.contain('Enter the first day of the break');
      await fillDate(page, 'First day of the break', start.plus({ months: 1 }));
      await fillDate(page, 'Last day of the break', start.plus({ months: 1, days: 13 }));
      await page.getByLabel('Reason for the break').fill('Bereavement leave');
      await provider.follow(page.getByRole('button', { name: 'Record the break' }));
      expect(await page.locator('#learning-breaks').innerText()).to.contain('Bereavement leave');
      expect(await page.locator('#earliest-practical-end').innerText()).to.equal(
        isoDate(start.plus({ days: 14 }).plus({ months: 8 }).minus({ days: 1 })),
      );

      await provider.follow(page.getByRole('link', { name: 'Record a flexibility judgement' }));
      await page.getByRole('radio', { name: 'Learning difficulty assessment' }).check();
      await fillDate(page, 'Date of the evidence', start.minus({ years: 1 }));
      await page.getByLabel('Evidence reference').fill('LDA 2024, learner file');
      await provider.follow(page.getByRole('button', { name: 'Record the judgement' }));
      expect(await page.locator('#flexibility').innerText()).to.contain('LDA 2024, learner file');

      await provider.follow(page.getByRole('link', { name: 'Record prior learning' }));
      await page.getByLabel('Off-the-job hours recognised as prior learning').fill('120');
      await provider.follow(page.getByRole('button', { name: 'Record prior learning' }));
      expect(await errorSummary(page)).to.contain('Say what prior learning was recognised');
      expect(await page.getByLabel('Off-the-job hours recognised as prior learning').inputValue()).to.equal('120');
      await page.getByLabel('What prior learning was recognised').fill('Level 3 certificate in employment law');
      await provider.follow(page.getByRole('button', { name: 'Record prior learning' }));
      expect(await page.locator('#prior-learning').innerText()).to.contain('120 hours recognised');
      expect(await sidewaysScroll(page)).to.equal(0);
      // SCREENSHOT_DIR=… keeps a picture of the page to look at.
      if (process.env.SCREENSHOT_DIR)
        await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'gateway-records.png'), fullPage: true });
    } finally {
      await provider.close();
    }
  });

  it('the employer verifies the behaviours the reformed plan leaves to them', async function () {
    const employer = await BrowserUser.signIn(browser, app.baseUrl, user('employer'));
    const page = employer.page;
    await page.setViewportSize(PHONE);
    try {
      await employer.open(`/apprentices/${uln}`);
      await employer.follow(page.getByRole('link', { name: 'Verify the behaviours' }));
      expect(await page.locator('#verified-ksbs li').count()).to.equal(7);
      await page.getByLabel('Who verified them').fill('Declan Reilly, regional secretary');
      await fillDate(page, 'Date verified', today());
      await page.getByLabel('Statement').fill('Robin has shown integrity and resilience in every case this year.');
      await employer.follow(page.getByRole('button', { name: 'Record the verification' }));
      const row = page
        .getByRole('row')
        .filter({ has: page.getByRole('rowheader', { name: 'Employer’s verification of behaviours' }) });
      expect(await row.innerText()).to.contain('Met');
      expect(await sidewaysScroll(page)).to.equal(0);
    } finally {
      await employer.close();
    }
  });
});
