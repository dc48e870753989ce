/**
 * An appeal against a decision after an investigation, in a browser without JavaScript: the
 * provider reads the decision on the apprentice's results page and appeals it; the quality assurer
 * who moderated the assessment is kept off the panel, the external reviewer decides it alone, and
 * the Fail the decision gave is undone. Every page is checked with axe on the way, and on a 390 px phone no
 * page scrolls sideways.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { validUlns } from '../../src/apprentices/uln.js';
import { completedResult, upheldCase } from '../support/fixture.js';
import {
  demoEmail,
  demoUsersContext,
  keepScreenshot,
  BrowserUser,
  PHONE,
  launchBrowser,
  sidewaysScroll,
  startApp,
  type RunningApp,
} from './support.js';

describe('Browser journey: an appeal against a decision after an investigation', function () {
  let browser: Browser;
  let app: RunningApp;
  let caseId: number;
  const [uln] = validUlns(1, 733_000_000);
  const email = demoEmail;
  const shot = (user: BrowserUser, name: string) => keepScreenshot(user.page, name);

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    const ctx = demoUsersContext(app);
    const result = completedResult(ctx, uln!);
    caseId = upheldCase(ctx, {
      opener: result.assessor,
      investigator: ctx.users.admin.id,
      uln: uln!,
      methodId: 'project',
      sanction: 'fail',
    });
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  it('is lodged by the provider from the results page; the moderator is kept off the panel, and the external reviewer decides it', async function () {
    const results = `/apprentices/${uln}/results`;
    const provider = await BrowserUser.signIn(browser, app.baseUrl, email('provider'), { javaScript: false });
    const page = provider.page;
    let appealPath: string | undefined;
    try {
      await provider.open(results);
      const decision = page.locator(`#case-decision-${caseId}`);
      expect(await decision.innerText()).to.contain('The assessment graded Fail');
      await provider.follow(page.getByRole('button', { name: 'Lodge an appeal against this decision' }));
      expect(await page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Give the grounds for the appeal',
      ]);
      await page.getByLabel(/Appeal this decision \(by .*\): your grounds/).fill('The notes were allowed (test data)');
      await provider.follow(page.getByRole('button', { name: 'Lodge an appeal against this decision' }));
      appealPath = new URL(page.url()).pathname;
      expect(appealPath).to.match(/^\/appeals\/\d+$/);
      expect(await page.locator('#appeal-subject').innerText()).to.contain('The assessment graded Fail');
      await page.setViewportSize(PHONE);
      expect(await sidewaysScroll(page)).to.equal(0);
      await provider.open(results);
      expect(await sidewaysScroll(page)).to.equal(0);
      await shot(provider, 'case-decision-appealed.png');
    } finally {
      await provider.context.close();
    }

    const moderator = await BrowserUser.signIn(browser, app.baseUrl, email('quality_assurer'), { javaScript: false });
    try {
      await moderator.open(appealPath);
      expect(await moderator.page.locator('#appeal-conflicted').innerText()).to.contain(
        'You took part in the case or the assessment',
      );
    } finally {
      await moderator.context.close();
    }

    const qa = await BrowserUser.signIn(browser, app.baseUrl, email('quality_assurer', true), { javaScript: false });
    try {
      await qa.open('/appeals');
      const row = qa.page.locator('#open-appeals tbody tr', { hasText: 'Decision after an investigation' });
      expect(await row.innerText()).to.contain('The assessment graded Fail');
      await qa.follow(row.getByRole('link'));
      expect(await qa.page.locator('#appeal-case-allegation').innerText()).to.contain('Notes brought in');
      await qa.page.getByRole('radio', { name: /^Upheld/ }).check();
      await qa.page.getByLabel('Reasons').fill('The notes were an approved adjustment (test data)');
      await qa.page.setViewportSize(PHONE);
      expect(await sidewaysScroll(qa.page)).to.equal(0);
      await shot(qa, 'case-appeal-panel.png');
      await qa.follow(qa.page.getByRole('button', { name: 'Record the decision' }));
      expect(new URL(qa.page.url()).pathname).to.equal('/appeals');
    } finally {
      await qa.context.close();
    }

    const admin = await BrowserUser.signIn(browser, app.baseUrl, email('admin'), { javaScript: false });
    try {
      await admin.open(results);
      expect(await admin.page.locator(`#case-decision-${caseId}`).innerText()).to.contain('Set aside on appeal');
      expect(await admin.page.locator('#attempt-1 h2').innerText()).to.contain('Distinction');
    } finally {
      await admin.context.close();
    }
  });
});
