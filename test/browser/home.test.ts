/**
 * Each role starts the day at its home page: the tasks that need them, counted, each opening
 * the list to work through. An administrator and an assessor each follow a task to its end and
 * come home to find it done. Every role's home page is photographed at desktop and phone width
 * (into SCREENSHOT_DIR, or screenshots/, which git ignores) to be looked at.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { validUlns } from '../../src/apprentices/uln.js';
import { users } from '../../src/db/schema.js';
import { DEMO_USERS } from '../../src/demo/index.js';
import { submitForGateway } from '../../src/gateway/store.js';
import { SETUP, isoDate, readyApprentice, today } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from '../support/grading.js';
import { BrowserUser, DESKTOP, PHONE, launchBrowser, sidewaysScroll, startApp, type RunningApp } from './support.js';

const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? 'screenshots';
const CHECKS = 7;

describe('Browser journey: every role starts at its home page', function () {
  let browser: Browser;
  let app: RunningApp;
  const [reviewUln, gradeUln, readyUln] = validUlns(3, 741_000_000) as [string, string, string];
  const email = (role: string) => DEMO_USERS.find((u) => u.role === role)!.email;
  const signIn = (role: string) => BrowserUser.signIn(browser, app.baseUrl, email(role));

  /** The count the home page gives a task, or 0 when it is not listed. */
  const countOf = async (user: BrowserUser, task: string) => {
    const item = user.page.locator(`#task-${task}`);
    return (await item.count()) === 0 ? 0 : Number((await item.locator('.app-task__count').innerText()).trim());
  };

  before(async function () {
    [browser, app] = await Promise.all([launchBrowser(), startApp()]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    // A gateway request to review, an assessment that took place and waits for grading, an apprentice ready to request.
    const c = readyApprentice(app.db, reviewUln, 'Cora', 'Request');
    const submitted = submitForGateway(app.db, c, isoDate(today()), SETUP);
    if (!submitted.ok) throw new Error(submitted.message);
    const assessorId = app.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.email, email('assessor')))
      .get()!.id;
    const g = acceptedLongAgo(app.db, gradeUln, 'Gus', 'Graded', 40);
    assessorProfile(app.db, assessorId, g.standardVersionId);
    pastBooking(app.db, g, assessorId, 'project', 2);
    readyApprentice(app.db, readyUln, 'Rhea', 'Ready');
  });

  after(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const role of ['admin', 'assessor', 'quality_assurer', 'provider', 'employer'])
    it(`${role}: the home page, at desktop and phone width`, async function () {
      const user = await signIn(role);
      expect(await user.heading()).to.match(/^Welcome, /);
      for (const [size, label] of [
        [DESKTOP, 'desktop'],
        [PHONE, 'phone'],
      ] as const) {
        await user.page.setViewportSize(size);
        await user.page.screenshot({ path: path.join(SCREENSHOTS, `home-${role}-${label}.png`), fullPage: true });
        expect(await sidewaysScroll(user.page)).to.equal(0);
        // The header's search box is wide enough to type a ULN into, beside its button.
        const input = (await user.page.locator('#header-search').boundingBox())!;
        const button = (await user.page.locator('.app-search__button').boundingBox())!;
        expect(input.width, label).to.be.greaterThan(150);
        expect(button.y, label).to.be.closeTo(input.y, 10);
      }
      await user.close();
    });

  it('the administrator follows "Gateway requests to review" to the decision, and the count goes down', async function () {
    const admin = await signIn('admin');
    const page = admin.page;
    expect(await countOf(admin, 'reviews')).to.equal(1);
    await admin.follow(page.locator('#task-reviews a'));
    expect(await admin.heading()).to.equal('Gateway reviews');
    await admin.follow(page.getByRole('link', { name: 'Review Cora Request' }));
    const groups = page.getByRole('group').filter({ has: page.getByRole('radio', { name: 'Accept', exact: true }) });
    expect(await groups.count()).to.equal(CHECKS);
    for (const group of await groups.all()) await group.getByRole('radio', { name: 'Accept', exact: true }).check();
    await page.getByRole('radio', { name: /^Accept the gateway/ }).check();
    await admin.follow(page.getByRole('button', { name: 'Record decision' }));
    await admin.follow(page.getByRole('link', { name: 'EPA platform' }));
    expect(await countOf(admin, 'reviews')).to.equal(0);
    // Cora now waits for a booking, with Gus's second method.
    expect(await countOf(admin, 'to-book')).to.equal(2);
    await admin.close();
  });

  it('the assessor follows "Assessments waiting for your grading" to a submitted grade, and the count goes down', async function () {
    const assessor = await signIn('assessor');
    const page = assessor.page;
    expect(await countOf(assessor, 'to-grade')).to.equal(1);
    await assessor.follow(page.locator('#task-to-grade a'));
    expect(await assessor.heading()).to.equal('My schedule');
    await assessor.follow(page.getByRole('link', { name: /^Grade .* for Gus Graded$/ }));
    for (const radio of await page.getByRole('radio', { name: 'Met', exact: true }).all()) await radio.check();
    await page.getByRole('checkbox', { name: /^I confirm these decisions and the grade they give: / }).check();
    await assessor.follow(page.getByRole('button', { name: 'Submit grade' }));
    await assessor.follow(page.getByRole('link', { name: 'EPA platform' }));
    expect(await countOf(assessor, 'to-grade')).to.equal(0);
    await assessor.close();
  });

  it('the provider finds Rhea among the apprentices ready to request assessment', async function () {
    const provider = await signIn('provider');
    expect(await countOf(provider, 'ready')).to.equal(1);
    await provider.follow(provider.page.locator('#task-ready a'));
    expect(await provider.page.getByRole('link', { name: 'Rhea Ready' }).count()).to.equal(1);
    await provider.close();
  });
});
