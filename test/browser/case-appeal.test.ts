/**
 * An appeal against a decision after an investigation, in a browser without JavaScript: the
 * provider reads the decision on the apprentice's results page and appeals it; the quality assurer
 * who moderated the assessment is kept off the panel, the external reviewer decides it alone, and
 * the Fail the decision gave is undone. Every page is checked with axe on the way, and on a 390 px phone no
 * page scrolls sideways.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { validUlns } from '../../src/apprentices/uln.js';
import { DEMO_USERS } from '../../src/demo/index.js';
import { findUserForSignIn } from '../../src/users/store.js';
import type { TestContext } from '../support/app.js';
import { completedResult, upheldCase } from '../support/fixture.js';
import { BrowserUser, PHONE, launchBrowser, sidewaysScroll, startApp, type RunningApp } from './support.js';

describe('Browser journey: an appeal against a decision after an investigation', function () {
  let browser: Browser;
  let app: RunningApp;
  let caseId: number;
  const [uln] = validUlns(1, 733_000_000);
  const email = (role: string, external = false) =>
    DEMO_USERS.find((u) => u.role === role && (u.externalReviewer ?? false) === external)!.email;
  const shot = async (user: BrowserUser, name: string) => {
    if (process.env.SCREENSHOT_DIR)
      await user.page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, name), fullPage: true });
  };

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    const idOf = (role: string) => ({ id: findUserForSignIn(app.db, email(role))!.id });
    // The fixture's helpers read the database and these users' ids only: the demo users stand in for the test users.
    const ctx = {
      db: app.db,
      users: { admin: idOf('admin'), assessor: idOf('assessor'), qa: idOf('quality_assurer') },
    } as unknown as TestContext;
    const result = completedResult(ctx, uln!);
    caseId = upheldCase(ctx, {
      opener: result.assessor,
      investigator: idOf('admin').id,
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
