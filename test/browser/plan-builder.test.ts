/**
 * An administrator builds a two-method plan for ST0815 from nothing in a browser without
 * JavaScript, fixes each problem the builder reports by following its link, and publishes it.
 * Every page is checked with axe on the way, and on a 390 px phone no page scrolls sideways.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { DEMO_USERS } from '../../src/demo/index.js';
import { getPlanById } from '../../src/plans/store.js';
import { BrowserUser, launchBrowser, startApp, type RunningApp } from './support.js';

const KNOWLEDGE = Array.from({ length: 14 }, (_, i) => `K${i + 1}`);
const SKILLS_AND_BEHAVIOURS = [
  ...Array.from({ length: 17 }, (_, i) => `S${i + 1}`),
  ...Array.from({ length: 7 }, (_, i) => `B${i + 1}`),
];

async function summary(page: Page): Promise<string[]> {
  return page.locator('.govuk-error-summary li').allInnerTexts();
}

async function tick(page: Page, codes: readonly string[]): Promise<void> {
  for (const code of codes) await page.getByRole('checkbox', { name: new RegExp(`^${code}: `) }).check();
}

describe('Browser journey: building an assessment plan', function () {
  let browser: Browser;
  let app: RunningApp;
  const admin = DEMO_USERS.find((u) => u.role === 'admin')!.email;

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  it('builds a two-method plan from nothing, fixes what the builder reports, and publishes it', async function () {
    const user = await BrowserUser.signIn(browser, app.baseUrl, admin, { javaScript: false });
    const page = user.page;
    try {
      await user.open('/standards/ST0815/1.0');
      await user.follow(page.getByRole('link', { name: 'Build a plan for this version' }));
      await page.getByRole('radio', { name: 'Start from nothing' }).check();
      await user.follow(page.getByRole('button', { name: 'Start the draft' }));
      const overview = page.url();
      expect(await page.locator('.govuk-error-summary__title').innerText()).to.match(/^This plan has \d+ problems$/);

      // The first problem's link leads to its field.
      await user.follow(page.getByRole('link', { name: 'Enter the assessment period, in months' }));
      expect(new URL(page.url()).hash).to.equal('#epaPeriodMonths');
      await page.getByLabel('Plan id').fill('ST0815-1.0-two-methods');
      await page.getByLabel('Title', { exact: true }).fill('Trade union official: a two-method plan (test data)');
      await page.getByLabel('EPA period in months').fill('3');
      await page.getByLabel('Resit window in months').fill('3');
      await page.getByLabel('Retake window in months').fill('6');
      await user.follow(page.getByRole('button', { name: 'Save' }));
      expect(await page.locator('.govuk-notification-banner').innerText()).to.contain('Saved');

      await user.open(new URL(overview).pathname);
      await user.follow(page.getByRole('link', { name: 'Add a method' }));
      await page.getByLabel('Id', { exact: true }).fill('test');
      await page.getByLabel('Name', { exact: true }).fill('Knowledge test');
      await page.getByLabel('Description').fill('A written test of the knowledge (test data).');
      await page.getByLabel('How long it takes, in minutes').fill('90');
      await page.getByRole('checkbox', { name: 'In person' }).check();
      await tick(page, KNOWLEDGE);
      await user.follow(page.getByRole('button', { name: 'Save' }));
      // Its KSBs have no criterion yet: the method's own page says so, at the KSBs.
      expect(await summary(page)).to.include(
        'Method 1: KSB K1 is assessed by method "test" but no pass criterion of that method maps to it',
      );

      await user.open(new URL(overview).pathname);
      await user.follow(page.getByRole('link', { name: 'Add a method' }));
      await page.getByLabel('Id', { exact: true }).fill('discussion');
      await page.getByLabel('Name', { exact: true }).fill('Professional discussion');
      await page.getByLabel('Description').fill('A discussion of the apprentice’s work (test data).');
      await page.getByLabel('How long it takes, in minutes').fill('60');
      await page.getByRole('checkbox', { name: 'Remote (video call)' }).check();
      await page.getByLabel('Days after Knowledge test').fill('7');
      await tick(page, SKILLS_AND_BEHAVIOURS);
      await user.follow(page.getByRole('button', { name: 'Save' }));

      for (const [method, id, codes] of [
        ['Knowledge test', 'T1', KNOWLEDGE],
        ['Professional discussion', 'D1', SKILLS_AND_BEHAVIOURS],
      ] as const) {
        await user.open(new URL(overview).pathname);
        await user.follow(page.getByRole('link', { name: 'Add a criterion' }));
        await page.getByLabel('Criterion id').fill(id);
        await page.getByLabel('The method it belongs to').selectOption({ label: method });
        await page.getByLabel('Theme', { exact: true }).fill('Everything (test data)');
        await page.getByLabel('What the apprentice does').fill('Shows every KSB of the method (test data).');
        await tick(page, codes);
        await user.follow(page.getByRole('button', { name: 'Save' }));
      }

      await user.open(new URL(overview).pathname);
      const left = await summary(page);
      expect(left.some((p) => p.startsWith('Missing combination: test=Fail, discussion=Fail'))).to.equal(true);
      await user.follow(page.getByRole('link', { name: 'Missing combination: test=Fail, discussion=Fail' }));
      for (const a of ['Fail', 'Pass', 'Distinction'])
        for (const b of ['Fail', 'Pass', 'Distinction']) {
          const overall =
            a === 'Fail' || b === 'Fail' ? 'Fail' : a === 'Distinction' && b === 'Distinction' ? 'Distinction' : 'Pass';
          await page
            .getByLabel(`Overall grade when Knowledge test is ${a} and Professional discussion is ${b}`)
            .selectOption(overall);
        }
      await user.follow(page.getByRole('button', { name: 'Save' }));

      await user.open(new URL(overview).pathname);
      expect(await page.locator('.govuk-error-summary').count()).to.equal(0);
      expect(await page.locator('main').innerText()).to.contain('It has no problems: it can be published.');
      if (process.env.SCREENSHOT_DIR)
        await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'plan-builder.png'), fullPage: true });
      await page.getByRole('radio', { name: /^No: publish it beside the current plan/ }).check();
      await user.follow(page.getByRole('button', { name: 'Publish the plan' }));
      expect(await user.heading()).to.equal('Trade union official: a two-method plan (test data)');
      expect(await page.locator('.govuk-notification-banner').innerText()).to.contain('The plan is published.');

      const plan = getPlanById(app.db, 'ST0815-1.0-two-methods')!;
      expect(plan.methods.map((m) => [m.id, m.ksbs.length, m.after])).to.deep.equal([
        ['test', 14, []],
        ['discussion', 24, [{ method: 'test', minDaysBetween: 7 }]],
      ]);
      expect(plan.combination).to.have.length(9);
    } finally {
      await user.close();
    }
  });
});
