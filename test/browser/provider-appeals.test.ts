/**
 * A training provider appeals a decision about itself, in a browser without JavaScript: an
 * administrator opens a maladministration case against the demo provider and the quality assurer
 * investigates and upholds it with a warning; the provider reads it under Decisions about your
 * organisation, sends a blank appeal (to see the error summary), then lodges its grounds; the
 * external reviewer, who had no part in the case, upholds the appeal, and the provider sees the
 * warning set aside. Every page is checked with axe on the way, and on a 390 px phone no page
 * scrolls sideways.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { DEMO_PROVIDERS, DEMO_USERS } from '../../src/demo/index.js';
import { demoEmail, keepScreenshot, BrowserUser, launchBrowser, startApp, type RunningApp } from './support.js';

describe('Browser journey: a training provider appeals a decision about itself', function () {
  let browser: Browser;
  let app: RunningApp;
  const providerUser = DEMO_USERS.find((u) => u.role === 'provider')!;
  const provider = DEMO_PROVIDERS.find((p) => p.ukprn === providerUser.ukprn)!;
  const qaUser = DEMO_USERS.find((u) => u.role === 'quality_assurer' && !u.externalReviewer)!;
  const GROUNDS = 'The gateway evidence was sent on the day the organisation asked for it (test data)';

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  /** Signs `email` in without JavaScript, runs `steps`, and closes the session whatever happens. */
  async function as(email: string, steps: (user: BrowserUser) => Promise<void>): Promise<void> {
    const user = await BrowserUser.signIn(browser, app.baseUrl, email, { javaScript: false });
    try {
      await steps(user);
    } finally {
      await user.context.close();
    }
  }

  it('is decided against the provider, appealed by it, and set aside by an independent panel', async function () {
    let casePath = '';
    await as(demoEmail('admin'), async (admin) => {
      await admin.open('/cases/new');
      await admin.page.getByLabel('Maladministration', { exact: true }).check();
      await admin.page.getByLabel('A training provider', { exact: true }).check();
      await admin.page
        .getByLabel('If a training provider: which one')
        .selectOption({ label: `${provider.name} (${provider.ukprn})` });
      await admin.page.getByLabel('What happened?').fill('Gateway evidence arrived after the gateway (test data)');
      await admin.follow(admin.page.getByRole('button', { name: /Open the case/i }));
      casePath = new URL(admin.page.url()).pathname;
      await admin.page.getByLabel('Investigator').selectOption({ label: `${qaUser.name} (quality assurer)` });
      await admin.follow(admin.page.getByRole('button', { name: 'Assign' }));
    });
    await as(qaUser.email, async (qa) => {
      await qa.open(casePath);
      await qa.page.getByLabel('Upheld', { exact: true }).check();
      await qa.page.getByLabel('If upheld: the sanction').selectOption('warning');
      await qa.page.getByLabel('Reason for the decision').fill('Three portfolios reached us late (test data)');
      await qa.follow(qa.page.getByRole('button', { name: 'Record the decision' }));
      expect(await qa.page.locator('#case-decision').innerText()).to.contain('A warning');
    });

    let appealPath = '';
    await as(providerUser.email, async (user) => {
      const page = user.page;
      await user.open('/cases');
      await user.follow(page.getByRole('link', { name: 'Decisions about your organisation' }));
      expect(await user.heading()).to.equal('Decisions about your organisation');
      const lodge = page.getByRole('button', { name: 'Lodge an appeal against this decision' });
      await user.follow(lodge);
      expect(await page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Give the grounds for the appeal',
      ]);
      // The summary's link goes to the field to fix.
      const target = await page.locator('.govuk-error-summary a').getAttribute('href');
      expect(await page.locator(target!).count()).to.equal(1);
      await page.getByLabel(/your grounds/).fill(GROUNDS);
      await user.follow(lodge);
      expect(await user.heading()).to.match(/^Appeal lodged /);
      expect(await page.locator('.govuk-caption-l').innerText()).to.contain(
        `${provider.name} (UKPRN ${provider.ukprn})`,
      );
      expect(await page.locator('#appeal-grounds').innerText()).to.equal(GROUNDS);
      await keepScreenshot(page, 'provider-appeal.png');
      appealPath = new URL(page.url()).pathname;
    });

    // The external reviewer had no part in the case: their home lists the appeal, and they may decide alone.
    await as(demoEmail('quality_assurer', true), async (reviewer) => {
      await reviewer.open('/appeals');
      const row = reviewer.page.locator('tr', { hasText: provider.name });
      expect(await row.innerText()).to.contain('Decision after an investigation into the training provider: A warning');
      await reviewer.follow(row.getByRole('link'));
      expect(new URL(reviewer.page.url()).pathname).to.equal(appealPath);
      expect(await reviewer.page.locator('#appeal-case-allegation').innerText()).to.contain(
        'Gateway evidence arrived after the gateway (test data)',
      );
      await reviewer.page.getByLabel(/^Upheld/).check();
      await reviewer.page.getByLabel('Reasons', { exact: true }).fill('The evidence was on time (test data)');
      await reviewer.follow(reviewer.page.getByRole('button', { name: /Record the decision/ }));
      // Back on the list, the appeal no longer waits; its page has the decision and the panel.
      expect(await reviewer.page.locator('tr', { hasText: provider.name }).count()).to.equal(0);
      await reviewer.open(appealPath);
      expect(await reviewer.page.locator('#appeal-decision').innerText()).to.contain('Upheld');
    });

    await as(providerUser.email, async (user) => {
      await user.open('/cases/decisions-about-you');
      const decision = user.page.locator('.govuk-summary-card', { hasText: 'Three portfolios reached us late' });
      expect(await decision.innerText())
        .to.contain('Set aside on appeal')
        .and.contain('Upheld');
      expect(await decision.locator('form').count()).to.equal(0);
    });
  });
});
