/**
 * A case against an assessor holding results, in a browser without JavaScript: an administrator
 * opens the case, names a result it holds (a blank ULN first, to see the error summary), sees the
 * release page hold it back, then ends the hold with a reason. Every page is checked with axe on
 * the way, and on a 390 px phone no page scrolls sideways.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { validUlns } from '../../src/apprentices/uln.js';
import { DEMO_USERS } from '../../src/demo/index.js';
import { completedResult } from '../support/fixture.js';
import {
  demoEmail,
  demoUsersContext,
  keepScreenshot,
  BrowserUser,
  launchBrowser,
  startApp,
  type RunningApp,
} from './support.js';

describe('Browser journey: results held by a case against an assessor', function () {
  let browser: Browser;
  let app: RunningApp;
  let assessorName: string;
  const [uln] = validUlns(1, 742_000_000);
  const email = (role: string) => demoEmail(role);

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    const result = completedResult(demoUsersContext(app), uln!);
    assessorName = app.db.$client.prepare('select name from users where id = ?').pluck().get(result.assessor) as string;
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  it('is opened against the assessor, holds the result named, and lets it go with a reason', async function () {
    const admin = await BrowserUser.signIn(browser, app.baseUrl, email('admin'), { javaScript: false });
    const page = admin.page;
    try {
      await admin.open('/cases/new');
      await page.getByLabel('Malpractice', { exact: true }).check();
      await page.getByLabel('An assessor', { exact: true }).check();
      await page.getByLabel('If an assessor: which one').selectOption({ label: assessorName });
      await page.getByLabel('What happened?').fill('Grades copied between candidates (test data)');
      await admin.follow(page.getByRole('button', { name: /Open the case/i }));
      expect(await admin.heading()).to.match(/^Malpractice case \d+$/);
      expect(await page.locator('#no-holds').innerText()).to.equal('It holds no results yet.');

      const hold = page.getByRole('button', { name: 'Hold this result' });
      await page.getByLabel('Why the case holds it').fill('Graded by this assessor (test data)');
      await admin.follow(hold);
      expect(await page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Enter the ULN of the apprentice whose result the case holds',
      ]);
      expect(await page.getByLabel('Why the case holds it').inputValue()).to.equal(
        'Graded by this assessor (test data)',
      );
      await page.getByLabel('The apprentice’s ULN').fill(uln!);
      await admin.follow(hold);
      expect(await page.locator('#case-holds').innerText()).to.equal('Holding 1 result');
      expect(await page.locator('.govuk-summary-card__title').innerText()).to.contain(`(ULN ${uln})`);
      await keepScreenshot(page, 'case-holds.png');
      const casePath = new URL(page.url()).pathname;

      await admin.open('/results');
      expect(await page.locator('tr', { hasText: uln! }).innerText()).to.contain(
        'Held by a malpractice or maladministration case',
      );

      await admin.open(casePath);
      await page.getByText('Stop holding this result').click();
      await page.getByLabel('Why the case no longer holds it').fill('Named by mistake (test data)');
      await admin.follow(page.getByRole('button', { name: 'Stop holding it' }));
      expect(await page.locator('#case-holds').count()).to.equal(0);
      expect(await page.locator('.govuk-summary-card').innerText()).to.contain('Named by mistake (test data)');
      await admin.open('/results');
      expect(await page.locator('tr', { hasText: uln! }).innerText()).to.not.contain('Held by');
    } finally {
      await admin.context.close();
    }
  });

  it('tells the assessor an upheld decision about their assessments, on a page of its own', async function () {
    // The case above: the administrator who opened it assigns the quality assurer, who decides it.
    const qaUser = DEMO_USERS.find((u) => u.role === 'quality_assurer' && !u.externalReviewer)!;
    const admin = await BrowserUser.signIn(browser, app.baseUrl, email('admin'), { javaScript: false });
    let casePath: string;
    try {
      await admin.open('/cases');
      await admin.follow(admin.page.getByRole('link', { name: /^Malpractice case \d+$/ }).first());
      casePath = new URL(admin.page.url()).pathname;
      await admin.page.getByLabel('Investigator').selectOption({ label: `${qaUser.name} (quality assurer)` });
      await admin.follow(admin.page.getByRole('button', { name: 'Assign' }));
    } finally {
      await admin.context.close();
    }
    const qa = await BrowserUser.signIn(browser, app.baseUrl, qaUser.email, { javaScript: false });
    try {
      await qa.open(casePath);
      await qa.page.getByLabel('Upheld', { exact: true }).check();
      await qa.page.getByLabel('If upheld: the sanction').selectOption('warning');
      await qa.page
        .getByLabel('Reason for the decision')
        .fill('Grades were entered before the assessment ended (test data)');
      await qa.follow(qa.page.getByRole('button', { name: 'Record the decision' }));
      expect(await qa.page.locator('#case-decision').innerText()).to.contain('A warning');
    } finally {
      await qa.context.close();
    }
    const assessorEmail = app.db.$client
      .prepare('select email from users where name = ?')
      .pluck()
      .get(assessorName) as string;
    const assessor = await BrowserUser.signIn(browser, app.baseUrl, assessorEmail, { javaScript: false });
    try {
      await assessor.open('/cases');
      await assessor.follow(assessor.page.getByRole('link', { name: 'Decisions about you' }));
      expect(await assessor.heading()).to.equal('Decisions about you');
      expect(await assessor.page.locator('.govuk-summary-card').innerText()).to.contain(
        'Grades were entered before the assessment ended (test data)',
      );
    } finally {
      await assessor.context.close();
    }
  });
});
