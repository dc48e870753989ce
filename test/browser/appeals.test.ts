/**
 * An appeal in a browser without JavaScript: the provider appeals a refused reasonable adjustment
 * with the apprentice's statement and a document; a quality assurer who took no part in the
 * refusal decides it with the external reviewer on the panel, and the request waits for a
 * decision again. Every page is checked with axe on the way, and on a 390 px phone no page
 * scrolls sideways.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { decideRequest, makeRequest } from '../../src/adjustments/service.js';
import { isoInstant } from '../../src/dates.js';
import { findUserForSignIn } from '../../src/users/store.js';
import { SETUP, apprenticeInput } from '../support/apprentices.js';
import { now } from '../support/clock.js';
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

describe('Browser journey: an appeal against a refused adjustment', function () {
  let browser: Browser;
  let app: RunningApp;
  let requestId: number;
  const [uln] = validUlns(1, 732_000_000);
  const email = demoEmail;
  const shot = (user: BrowserUser, name: string) => keepScreenshot(user.page, name);

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    const added = addApprentices(
      app.db,
      [{ line: 1, input: apprenticeInput(uln!, 'Ada', 'Appellant') }],
      SETUP,
      'test',
    );
    if (!added.ok) throw new Error(JSON.stringify(added.problems));
    const made = makeRequest(
      app.db,
      findUserForSignIn(app.db, email('provider'))!,
      uln!,
      'adjustment',
      { methodId: '', types: ['extra_time'], extraTimePercent: '25', reason: 'Slow processing speed (test data)' },
      isoInstant(now()),
    );
    if (!made.ok) throw new Error(JSON.stringify(made.problems));
    requestId = made.value.id;
    const refused = decideRequest(
      app.db,
      findUserForSignIn(app.db, email('admin'))!,
      String(requestId),
      { status: 'refused', reason: 'The report does not show the need (test data)' },
      isoInstant(now()),
    );
    if (!refused.ok) throw new Error(JSON.stringify(refused.problems));
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    expect(app?.errors ?? []).to.deep.equal([]);
  });

  it('is lodged by the provider with a statement and a document, and decided by a panel with an external reviewer', async function () {
    const provider = await BrowserUser.signIn(browser, app.baseUrl, email('provider'), { javaScript: false });
    const page = provider.page;
    let appealPath: string | undefined;
    try {
      await provider.open(`/requests/${requestId}`);
      await provider.follow(page.getByRole('button', { name: 'Lodge an appeal' }));
      expect(await page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Give the grounds for the appeal',
      ]);
      await page.getByLabel('Grounds for the appeal').fill('The specialist report was not read (test data)');
      await page
        .getByLabel('The apprentice’s own statement (optional)')
        .fill('I need the time to read each question twice (test data)');
      await provider.follow(page.getByRole('button', { name: 'Lodge an appeal' }));
      appealPath = new URL(page.url()).pathname;
      expect(appealPath).to.match(/^\/appeals\/\d+$/);
      expect(await page.locator('#appeal-decision').innerText()).to.equal('Waiting for the panel’s decision');
      await page.getByLabel('Upload a file').setInputFiles({
        name: 'statement.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4\nThe apprentice’s statement (test data)\n'),
      });
      await provider.follow(page.getByRole('button', { name: 'Upload', exact: true }));
      expect(await page.locator('#evidence-files').innerText()).to.contain('statement.pdf');
      await page.setViewportSize(PHONE);
      expect(await sidewaysScroll(page)).to.equal(0);
      await shot(provider, 'appeal-lodged.png');
    } finally {
      await provider.context.close();
    }

    const qa = await BrowserUser.signIn(browser, app.baseUrl, email('quality_assurer'), { javaScript: false });
    try {
      await qa.open('/appeals');
      const row = qa.page.locator('#open-appeals tbody tr', { hasText: 'Ada Appellant' });
      expect(await row.innerText()).to.contain('Reasonable adjustment: refused');
      await qa.follow(row.getByRole('link', { name: 'Ada Appellant' }));
      expect(await qa.page.locator('#appeal-statement').innerText()).to.contain('read each question twice');
      expect(await qa.page.locator('#evidence-files').innerText()).to.contain('statement.pdf');
      await qa.page.getByRole('radio', { name: /^Upheld/ }).check();
      await qa.page.getByLabel('Reasons').fill('The report shows the need (test data)');
      // No external reviewer yet: the panel is refused, with the form kept.
      await qa.follow(qa.page.getByRole('button', { name: 'Record the decision' }));
      expect(await qa.page.locator('.govuk-error-summary li').allInnerTexts()).to.deep.equal([
        'Name at least one external reviewer on the panel: an appeal is decided by at least one person who is not an employee of the assessment organisation',
      ]);
      expect(await qa.page.getByLabel('Reasons').inputValue()).to.equal('The report shows the need (test data)');
      await qa.page.getByRole('checkbox', { name: 'Tomasz Nowak (external reviewer)' }).check();
      await qa.page.setViewportSize(PHONE);
      expect(await sidewaysScroll(qa.page)).to.equal(0);
      await shot(qa, 'appeal-panel.png');
      await qa.follow(qa.page.getByRole('button', { name: 'Record the decision' }));
      expect(new URL(qa.page.url()).pathname).to.equal('/appeals');
      await qa.open(appealPath);
      expect(await qa.page.locator('#appeal-panel').innerText()).to.contain('Tomasz Nowak (external)');
    } finally {
      await qa.context.close();
    }

    const again = await BrowserUser.signIn(browser, app.baseUrl, email('provider'), { javaScript: false });
    try {
      await again.open(`/requests/${requestId}`);
      expect(await again.page.locator('#request-status').innerText()).to.equal('Awaiting decision');
      expect(await again.page.locator('#request-appeal').innerText()).to.contain('Upheld');
    } finally {
      await again.context.close();
    }
  });
});
