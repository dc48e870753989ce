/**
 * A reasonable adjustment in a browser without JavaScript: the provider asks for one (fixing what
 * the form says is missing) and uploads the evidence; an administrator finds it in their list and
 * approves it in part; the provider sees the decision. Then an assessor reports malpractice and an
 * administrator finds the case. Every page is checked with axe on the way, and on a 390 px phone
 * no page scrolls sideways.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { DEMO_USERS } from '../../src/demo/index.js';
import { SETUP, apprenticeInput } from '../support/apprentices.js';
import { BrowserUser, PHONE, launchBrowser, sidewaysScroll, startApp, type RunningApp } from './support.js';

describe('Browser journey: reasonable adjustments and malpractice cases', function () {
  let browser: Browser;
  let app: RunningApp;
  const [uln] = validUlns(1, 731_000_000);
  const user = (role: string) => DEMO_USERS.find((u) => u.role === role)!.email;

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    const added = addApprentices(app.db, [{ line: 1, input: apprenticeInput(uln!, 'Ada', 'Adjusted') }], SETUP, 'test');
    if (!added.ok) throw new Error(JSON.stringify(added.problems));
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  it('asks for an adjustment with its evidence, and the assessment organisation approves it in part', async function () {
    const provider = await BrowserUser.signIn(browser, app.baseUrl, user('provider'), { javaScript: false });
    const page = provider.page;
    try {
      await provider.open(`/apprentices/${uln}`);
      await provider.follow(page.getByRole('link', { name: 'Request a reasonable adjustment' }));
      await page.getByRole('checkbox', { name: 'Extra time' }).check();
      await page.getByRole('checkbox', { name: 'A British Sign Language interpreter' }).check();
      await provider.follow(page.getByRole('button', { name: 'Send the request' }));
      expect(await page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Enter the extra time needed, as a percentage',
        'Say why the apprentice needs the adjustment',
      ]);
      expect(await page.getByRole('checkbox', { name: 'Extra time' }).isChecked()).to.equal(true);
      // The summary's link is to the field, on the same page.
      await page.getByRole('link', { name: 'Enter the extra time needed, as a percentage' }).click();
      expect(new URL(page.url()).hash).to.equal('#extraTimePercent');
      await page.getByLabel(/If extra time: how much/).fill('25');
      await page.getByLabel('Why is it needed?').fill('Deaf since birth; BSL is her first language (test data)');
      await provider.follow(page.getByRole('button', { name: 'Send the request' }));
      expect(await page.locator('#request-status').innerText()).to.equal('Awaiting decision');

      await page.getByLabel('Upload a file').setInputFiles({
        name: 'audiology letter.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4\nAn audiology letter (test data)\n'),
      });
      await provider.follow(page.getByRole('button', { name: 'Upload', exact: true }));
      expect(await page.locator('#evidence-files').innerText()).to.contain('audiology letter.pdf');
      await page.setViewportSize(PHONE);
      expect(await sidewaysScroll(page)).to.equal(0);
      if (process.env.SCREENSHOT_DIR)
        await page.screenshot({
          path: path.join(process.env.SCREENSHOT_DIR, 'adjustment-request.png'),
          fullPage: true,
        });
    } finally {
      await provider.context.close();
    }

    const admin = await BrowserUser.signIn(browser, app.baseUrl, user('admin'), { javaScript: false });
    try {
      await admin.navigate('Adjustments');
      const row = admin.page.locator('#requests tbody tr', { hasText: 'Ada Adjusted' });
      expect(await row.innerText()).to.contain('Extra time (25%), a British Sign Language interpreter');
      await admin.follow(row.getByRole('link', { name: 'Ada Adjusted' }));
      await admin.page.getByLabel('Approve in part').check();
      await admin.page
        .getByRole('group', { name: 'If approved in part: what is approved' })
        .getByLabel('A British Sign Language interpreter')
        .check();
      await admin.page
        .getByLabel('Reason for the decision')
        .fill('An interpreter is arranged; extra time is not needed with one');
      await admin.follow(admin.page.getByRole('button', { name: 'Record the decision' }));
      expect(await admin.page.locator('#request-status').innerText()).to.equal('Approved in part');
      expect(await admin.page.locator('#approved').innerText()).to.equal('A British Sign Language interpreter');
      await admin.page.setViewportSize(PHONE);
      expect(await sidewaysScroll(admin.page)).to.equal(0);
      if (process.env.SCREENSHOT_DIR)
        await admin.page.screenshot({
          path: path.join(process.env.SCREENSHOT_DIR, 'adjustment-decided.png'),
          fullPage: true,
        });
    } finally {
      await admin.context.close();
    }
  });

  it('takes a malpractice report about a provider, which the administrators find with its age', async function () {
    const qa = await BrowserUser.signIn(browser, app.baseUrl, user('quality_assurer'), { javaScript: false });
    try {
      await qa.navigate('Cases');
      await qa.follow(qa.page.getByRole('link', { name: 'Report malpractice or maladministration' }));
      await qa.page.getByRole('radio', { name: 'Maladministration' }).check();
      await qa.page.getByRole('radio', { name: 'A training provider' }).check();
      await qa.follow(qa.page.getByRole('button', { name: 'Open the case' }));
      expect(await qa.page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Select a training provider from the list',
        'Describe what happened: the allegation',
      ]);
      // The choices survive the failed form.
      expect(await qa.page.getByRole('radio', { name: 'A training provider' }).isChecked()).to.equal(true);
      await qa.page.getByLabel('If a training provider: which one').selectOption('10061234');
      await qa.page
        .getByLabel('What happened?')
        .fill('Gateway declarations signed before the evidence existed (test data)');
      await qa.follow(qa.page.getByRole('button', { name: 'Open the case' }));
      expect(await qa.page.locator('#case-status').innerText()).to.equal('Open: no investigator yet');
    } finally {
      await qa.context.close();
    }
    const admin = await BrowserUser.signIn(browser, app.baseUrl, user('admin'), { javaScript: false });
    try {
      await admin.navigate('Cases');
      const row = admin.page.locator('#cases tbody tr').first();
      expect(await row.innerText())
        .to.contain('Maladministration case')
        .and.to.contain('Today');
      await admin.follow(row.getByRole('link'));
      expect(await admin.heading()).to.match(/^Maladministration case \d+$/);
    } finally {
      await admin.context.close();
    }
  });
});
