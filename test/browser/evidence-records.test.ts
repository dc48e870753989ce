/**
 * Evidence on the records that now take files, in a browser without JavaScript: a provider adds an
 * English qualification, is taken to its page and uploads the certificate, which the apprentice's
 * record then counts; a quality assurer opens a case and adds a document to it. Every page is
 * checked with axe on the way, and on a 390 px phone no page scrolls sideways.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { SETUP, apprenticeInput } from '../support/apprentices.js';
import {
  demoEmail,
  keepScreenshot,
  BrowserUser,
  PHONE,
  launchBrowser,
  sidewaysScroll,
  startApp,
  type RunningApp,
} from './support.js';

describe('Browser journey: certificates and case documents in the evidence store', function () {
  let browser: Browser;
  let app: RunningApp;
  const [uln] = validUlns(1, 733_000_000);
  const user = (role: string) => demoEmail(role);
  const PDF = (text: string) => Buffer.from(`%PDF-1.4\n${text} (test data)\n`);
  const shot = async (page: BrowserUser['page'], name: string) => {
    await page.setViewportSize(PHONE);
    expect(await sidewaysScroll(page), name).to.equal(0);
    await keepScreenshot(page, name);
  };

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    const added = addApprentices(
      app.db,
      [{ line: 1, input: apprenticeInput(uln!, 'Cora', 'Certified') }],
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

  it('adds English evidence, uploads its certificate on its page, and the record counts it', async function () {
    const provider = await BrowserUser.signIn(browser, app.baseUrl, user('provider'), { javaScript: false });
    const page = provider.page;
    try {
      await provider.open(`/apprentices/${uln}`);
      await provider.follow(page.getByRole('link', { name: 'Add English or maths evidence' }));
      await page.getByRole('radio', { name: 'English' }).check();
      await page.getByLabel('Qualification').selectOption('gcse');
      await page.getByLabel('Level').fill('2');
      await page.getByLabel('Grade').fill('6');
      await page.getByLabel('Day').fill('22');
      await page.getByLabel('Month').fill('8');
      await page.getByLabel('Year').fill('2019');
      await page.getByLabel('Certificate reference').fill('AQA-7781');
      await provider.follow(page.getByRole('button', { name: 'Add evidence' }));
      expect(await provider.heading()).to.equal('English: GCSE');
      expect(await page.locator('.govuk-notification-banner').innerText()).to.contain('Upload its certificate here');
      await page.getByLabel('Upload a file').setInputFiles({
        name: 'english certificate.pdf',
        mimeType: 'application/pdf',
        buffer: PDF('An English GCSE certificate'),
      });
      await provider.follow(page.getByRole('button', { name: 'Upload', exact: true }));
      expect(await page.locator('#evidence-files').innerText()).to.contain('english certificate.pdf');
      await shot(page, 'qualification-certificate.png');
      await page.setViewportSize({ width: 1280, height: 800 });
      await provider.open(`/apprentices/${uln}`);
      const link = page.getByRole('link', { name: '1 file for the English GCSE certificate' });
      expect(await link.count()).to.equal(1);
    } finally {
      await provider.context.close();
    }
  });

  it('opens a case and adds a document to it, which the administrators see with it', async function () {
    const qa = await BrowserUser.signIn(browser, app.baseUrl, user('quality_assurer'), { javaScript: false });
    try {
      await qa.navigate('Cases');
      await qa.follow(qa.page.getByRole('link', { name: 'Report malpractice or maladministration' }));
      await qa.page.getByRole('radio', { name: 'Maladministration' }).check();
      await qa.page.getByRole('radio', { name: 'A training provider' }).check();
      await qa.page.getByLabel('If a training provider: which one').selectOption('10061234');
      await qa.page
        .getByLabel('What happened?')
        .fill('Declarations signed before the evidence was complete (test data)');
      await qa.follow(qa.page.getByRole('button', { name: 'Open the case' }));
      // The upload refused for being a program: the page again, with the error summary.
      await qa.page.getByLabel('Upload a file').setInputFiles({
        name: 'notes.exe',
        mimeType: 'application/octet-stream',
        buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]),
      });
      await qa.follow(qa.page.getByRole('button', { name: 'Upload', exact: true }));
      expect(await qa.page.locator('.govuk-error-summary').innerText()).to.contain('a Windows program');
      await qa.page.getByLabel('Upload a file').setInputFiles({
        name: 'signed declarations.pdf',
        mimeType: 'application/pdf',
        buffer: PDF('Declarations'),
      });
      await qa.follow(qa.page.getByRole('button', { name: 'Upload', exact: true }));
      expect(await qa.page.locator('#evidence-files').innerText()).to.contain('signed declarations.pdf');
      await shot(qa.page, 'case-documents.png');
    } finally {
      await qa.context.close();
    }
    const admin = await BrowserUser.signIn(browser, app.baseUrl, user('admin'), { javaScript: false });
    try {
      await admin.navigate('Cases');
      await admin.follow(admin.page.getByRole('link', { name: /Maladministration case/ }).first());
      expect(await admin.page.locator('#evidence-files').innerText()).to.contain('signed declarations.pdf');
    } finally {
      await admin.context.close();
    }
  });
});
