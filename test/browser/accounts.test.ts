/**
 * Accounts as an administrator and a user keep them in a browser: on a 390 px phone without
 * JavaScript, the administrator makes a password-reset link for a colleague, who chooses a new
 * password through it and signs in with it; then the administrator disables the account, and the
 * colleague is told so at sign-in. Every page is checked with axe, and none scrolls sideways.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { DEMO_USERS } from '../../src/demo/index.js';
import { BrowserUser, PHONE, launchBrowser, sidewaysScroll, startApp, type RunningApp } from './support.js';

const NEW_PASSWORD = 'lantern orchard trumpet';

describe('Browser journey: accounts', function () {
  let browser: Browser;
  let app: RunningApp;
  const admin = DEMO_USERS.find((u) => u.role === 'admin')!;
  const colleague = DEMO_USERS.find((u) => u.role === 'quality_assurer')!;

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
  });
  after(async function () {
    await browser?.close();
    await app?.close();
  });

  it('a reset link made by the administrator lets a colleague choose a new password; a disabled account is told so', async function () {
    const boss = await BrowserUser.signIn(browser, app.baseUrl, admin.email, { javaScript: false });
    try {
      await boss.page.setViewportSize(PHONE);
      await boss.navigate('Users');
      await boss.follow(boss.page.getByRole('link', { name: colleague.name, exact: true }));
      expect(await boss.heading()).to.equal(colleague.name);
      expect(await sidewaysScroll(boss.page)).to.equal(0);
      if (process.env.SCREENSHOT_DIR)
        await boss.page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, 'user-page.png'), fullPage: true });
      await boss.follow(boss.page.getByRole('button', { name: 'Make a password reset link' }));
      const link = (await boss.page.locator('#reset-link').innerText()).trim();
      expect(await sidewaysScroll(boss.page)).to.equal(0);

      const visitor = await BrowserUser.visit(browser, app.baseUrl, { javaScript: false });
      try {
        await visitor.page.setViewportSize(PHONE);
        await visitor.open(new URL(link).pathname);
        expect(await visitor.heading()).to.equal('Choose a new password');
        await visitor.page.getByLabel('New password', { exact: true }).fill('password1234');
        await visitor.page.getByLabel('New password again').fill('password1234');
        await visitor.follow(visitor.page.getByRole('button', { name: 'Set the new password' }));
        expect(await visitor.page.locator('.govuk-error-summary').innerText()).to.contain('commonly used passwords');
        await visitor.page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await visitor.page.getByLabel('New password again').fill(NEW_PASSWORD);
        await visitor.follow(visitor.page.getByRole('button', { name: 'Set the new password' }));
        expect(await visitor.heading()).to.equal('Password changed');
        await visitor.follow(visitor.page.getByRole('link', { name: 'Sign in with your new password' }));
        await visitor.page.getByLabel('Email address').fill(colleague.email);
        await visitor.page.getByLabel('Password').fill(NEW_PASSWORD);
        await visitor.follow(visitor.page.getByRole('button', { name: 'Sign in' }));
        expect(new URL(visitor.page.url()).pathname).to.equal('/');
      } finally {
        await visitor.close();
      }

      await boss.open(
        `/admin/users/${app.db.$client.prepare('select id from users where email = ?').pluck().get(colleague.email) as number}`,
      );
      await boss.page.getByLabel('Why are you disabling it?').fill('Left the organisation');
      await boss.follow(boss.page.getByRole('button', { name: 'Disable the account' }));
      expect(await boss.page.locator('#account-status').innerText()).to.contain('Disabled');

      const again = await BrowserUser.visit(browser, app.baseUrl, { javaScript: false });
      try {
        await again.open('/sign-in');
        await again.page.getByLabel('Email address').fill(colleague.email);
        await again.page.getByLabel('Password').fill(NEW_PASSWORD);
        await again.page.getByRole('button', { name: 'Sign in' }).click();
        await again.page.waitForLoadState('load');
        expect(await again.page.locator('.govuk-error-summary').innerText()).to.contain('This account is disabled');
      } finally {
        await again.close();
      }
    } finally {
      await boss.close();
    }
  });
});
