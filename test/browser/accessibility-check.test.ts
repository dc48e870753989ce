/**
 * The check the journeys rely on must be able to fail: with JavaScript (axe injected into the
 * page) and without (axe run on a copy of the page's HTML), a page broken on purpose is reported
 * with the rule, its help and the offending element.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { DEMO_USERS } from '../../src/demo/index.js';
import { BrowserUser, launchBrowser, startApp, type RunningApp } from './support.js';

/** Takes the sign-in page's email field away from its label, as a template mistake would. */
async function breakEmailLabel(user: BrowserUser): Promise<void> {
  await user.page.evaluate(() => {
    const doc = (
      globalThis as unknown as { document: { querySelector(s: string): { removeAttribute(a: string): void } | null } }
    ).document;
    doc.querySelector('label[for="email"]')?.removeAttribute('for');
  });
}

describe('Browser journeys: the accessibility check itself', function () {
  let browser: Browser;
  let app: RunningApp;

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
  });

  after(async function () {
    await browser?.close();
    await app?.close();
  });

  for (const javaScript of [true, false]) {
    it(`reports a violation with its rule, help and selector (JavaScript ${javaScript ? 'on' : 'off'})`, async function () {
      const visitor = await BrowserUser.visit(browser, app.baseUrl, { javaScript });
      try {
        await visitor.open('/sign-in');
        await breakEmailLabel(visitor);
        let message = '';
        await visitor.checkAccessibility().catch((error: Error) => (message = error.message));
        expect(message).to.contain('on /sign-in');
        expect(message).to.match(/- label \[critical\]: Form elements must have labels/);
        expect(message).to.contain('#email');
      } finally {
        await visitor.close();
      }
    });
  }

  it('signs in through the sign-in page', async function () {
    const admin = await BrowserUser.signIn(browser, app.baseUrl, DEMO_USERS[0]!.email);
    try {
      expect(await admin.heading()).to.equal(`Welcome, ${DEMO_USERS[0]!.name}`);
    } finally {
      await admin.close();
    }
  });
});
