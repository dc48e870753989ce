import { TEST_CONFIG, TEST_OFF_THE_JOB_MINIMUM, type TestContext } from '../support/app.js';

/**
 * Browser journeys: the real app in this process, driven by Debian's chromium through
 * playwright-core, with axe-core run on every page a journey visits.
 *
 * Nothing here downloads a browser: chromium is the system's (/usr/bin/chromium, or
 * CHROMIUM_PATH).
 */
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createApp } from '../../src/app.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { employers, providers, standardVersions } from '../../src/db/schema.js';
import { DEMO_EMPLOYERS, DEMO_PASSWORD, DEMO_PROVIDERS, DEMO_USERS } from '../../src/demo/index.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { createUser, findUserForSignIn } from '../../src/users/store.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The network here is closed: without these flags chromium keeps trying to reach Google's services. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** axe-core's browser build, as installed. */
export const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Where the test server (not the app) serves axe-core and a blank page. Served from the app's own
 * origin, axe is a same-origin script, so the app's Content Security Policy stays in force in the
 * journeys (an inline script tag would need it switched off), and chromium caches its compiled
 * code: injecting it takes a fifth of the time an inline copy does, on every page.
 */
const AXE_URL = '/__browser-tests/axe.min.js';
const BLANK_URL = '/__browser-tests/blank.html';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `No chromium at ${CHROMIUM}: install Debian's chromium package (the browser journeys never download one)`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/* ---------- The app under test ---------- */

export interface RunningApp {
  baseUrl: string;
  db: Db;
  /** Errors the app reported (each a 500 page); the journeys expect none. */
  errors: unknown[];
  close(): Promise<void>;
}

/**
 * The real app (createApp, as production builds it) over a fresh in-memory database with the
 * catalogue (with a test figure for ST0815 1.0's off-the-job minimum), the demo providers and employers and the demo users, one per role (src/demo/index.ts;
 * no demo apprentices, bookings or results), listening on a free port of 127.0.0.1. Only the
 * two /__browser-tests/ addresses are answered by the test server itself.
 */
export async function startApp(): Promise<RunningApp> {
  const db = openDatabase(':memory:');
  loadCatalogue(db);
  db.insert(providers).values(DEMO_PROVIDERS).run();
  db.insert(employers).values(DEMO_EMPLOYERS).run();
  // The published off-the-job minimum the journeys' apprentices (started from 1 August 2025) are held to.
  db.update(standardVersions).set(TEST_OFF_THE_JOB_MINIMUM).run();
  for (const user of DEMO_USERS) {
    const created = await createUser(
      db,
      { ...user, password: DEMO_PASSWORD },
      SYSTEM_ACTOR,
      TEST_CONFIG.passwordHashCost,
    );
    if (!created.ok) throw new Error(`User ${user.email}: ${created.problems.map((p) => p.message).join('; ')}`);
  }
  const errors: unknown[] = [];
  const app = createApp({
    db,
    config: { env: 'test', sessionSecret: 'browser-journeys-secret-0123456789abcdef' },
    log: (error) => errors.push(error),
    // The journeys sign in many times from the same address.
    signInAttempts: 1000,
  });
  const axe = fs.readFileSync(AXE_PATH);
  const server = http.createServer((req, res) => {
    if (req.url === AXE_URL)
      return res
        .writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' })
        .end(axe);
    if (req.url === BLANK_URL)
      return res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end('<!DOCTYPE html><html lang="en"><title>Copy</title></html>');
    app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    db,
    errors,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
      db.$client.close();
    },
  };
}

/* ---------- Accessibility ---------- */

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string; summary: string }[];
}

/** Runs axe-core in the page (injecting it first) and returns its violations as plain data. */
async function runAxe(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ url: AXE_URL });
  return page.evaluate(async (tags) => {
    interface AxeRule {
      id: string;
      impact?: string | null;
      help: string;
      helpUrl: string;
      nodes: { target: unknown[]; failureSummary?: string }[];
    }
    const axe = (globalThis as unknown as { axe: { run(options: object): Promise<{ violations: AxeRule[] }> } }).axe;
    const results = await axe.run({ runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' '),
        summary: n.failureSummary ?? '',
      })),
    }));
  }, AXE_TAGS);
}

/** The failure message: each rule with its help, then every offending element's selector and what to fix. */
export function describeViolations(where: string, violations: Violation[]): string {
  const lines = [
    `${violations.length} accessibility violation${violations.length === 1 ? '' : 's'} (axe-core, ${AXE_TAGS.join(', ')}) on ${where}:`,
  ];
  for (const v of violations) {
    lines.push(`- ${v.id} [${v.impact ?? 'no impact given'}]: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes)
      lines.push(`    ${n.target}${n.summary ? `\n      ${n.summary.replace(/\n/g, '\n      ')}` : ''}`);
  }
  return lines.join('\n');
}

/* ---------- People in the browser ---------- */

export interface VisitOptions {
  /** false: the context runs no script at all (javaScriptEnabled: false). */
  javaScript?: boolean;
}

/**
 * One person at one browser: a context of their own (their own cookies), signed in through the
 * real sign-in page. Every page they reach through `open` and `follow` is checked with axe, and
 * a server error or a browser console error (a resource refused by the Content Security Policy,
 * a missing style sheet) on the way fails the step.
 */
export class BrowserUser {
  /** Pages checked by every user in this process, for a summary check. */
  static pagesChecked = 0;
  private readonly problems: string[] = [];
  /** Without JavaScript a page cannot run axe: a page of another context, with it, reads a copy. */
  private copy: Promise<Page> | undefined;

  private constructor(
    private readonly browser: Browser,
    readonly context: BrowserContext,
    readonly page: Page,
    private readonly javaScript: boolean,
  ) {
    page.on('response', (response) => {
      if (response.status() >= 500)
        this.problems.push(`${response.status()} from ${response.request().method()} ${response.url()}`);
      // A file a page needs (style sheet, script, image, font) that the app does not serve.
      else if (response.status() === 404 && response.request().resourceType() !== 'document')
        this.problems.push(`404 for ${response.request().resourceType()} ${response.url()} on ${page.url()}`);
    });
    // The app serves no font: its pages use the device's own (see src/http/stylesheets.ts).
    page.on('request', (request) => {
      if (request.resourceType() === 'font') this.problems.push(`asked for a font: ${request.url()} on ${page.url()}`);
    });
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const source = message.location().url;
      // A form shown again with its errors is answered 400 or 422 on purpose: chromium logs that too.
      if (
        /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) &&
        source.split('#')[0] === page.url().split('#')[0]
      )
        return;
      this.problems.push(`console error on ${page.url()}: ${message.text()} (${source})`);
    });
    page.on('pageerror', (error) => this.problems.push(`script error on ${page.url()}: ${error.message}`));
  }

  /** A visitor, not signed in. */
  static async visit(browser: Browser, baseUrl: string, options: VisitOptions = {}): Promise<BrowserUser> {
    const javaScript = options.javaScript ?? true;
    const context = await browser.newContext({
      baseURL: baseUrl,
      viewport: DESKTOP,
      javaScriptEnabled: javaScript,
      acceptDownloads: true,
      locale: 'en-GB',
      timezoneId: 'Europe/London',
    });
    context.setDefaultTimeout(30_000);
    return new BrowserUser(browser, context, await context.newPage(), javaScript);
  }

  /** A visitor who signs in as `email` (a demo user, with the demo password) on the sign-in page. */
  static async signIn(
    browser: Browser,
    baseUrl: string,
    email: string,
    options: VisitOptions = {},
  ): Promise<BrowserUser> {
    const user = await BrowserUser.visit(browser, baseUrl, options);
    await user.open('/sign-in');
    await user.page.getByLabel('Email address').fill(email);
    await user.page.getByLabel('Password').fill(DEMO_PASSWORD);
    await user.follow(user.page.getByRole('button', { name: 'Sign in' }));
    if (new URL(user.page.url()).pathname === '/sign-in')
      throw new Error(`Signing in as ${email} failed: ${await user.page.locator('main').innerText()}`);
    return user;
  }

  /** Goes to a path (as typing the address would), expects a success and checks the page. */
  async open(path: string): Promise<void> {
    const response = await this.page.goto(path);
    if (!response?.ok()) throw new Error(`GET ${path} answered ${response?.status() ?? 'nothing'}`);
    await this.checkAccessibility();
  }

  /** Clicks a link or button that loads a page (after any redirect), waits for it and checks it. */
  async follow(target: Locator): Promise<void> {
    await Promise.all([this.page.waitForEvent('load'), target.click()]);
    await this.checkAccessibility();
  }

  /** A link in the header's menu. */
  async navigate(text: string): Promise<void> {
    await this.follow(
      this.page.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: text, exact: true }),
    );
  }

  /** The page's h1, as read. */
  async heading(): Promise<string> {
    return (await this.page.getByRole('heading', { level: 1 }).innerText()).trim();
  }

  /** Runs axe on the page as it is now; fails with every violation (and with any server or console error so far). */
  async checkAccessibility(): Promise<void> {
    if (this.problems.length > 0) throw new Error(this.problems.join('\n'));
    const where = `${new URL(this.page.url()).pathname} (“${await this.page.title()}”)`;
    const violations = this.javaScript ? await runAxe(this.page) : await this.axeOnCopy();
    BrowserUser.pagesChecked += 1;
    if (violations.length > 0) throw new Error(describeViolations(where, violations));
    const sideways = await this.sidewaysOnPhone();
    if (sideways > 0)
      throw new Error(`${where} scrolls ${sideways} px sideways in a phone's window (${PHONE.width} px wide)`);
  }

  /** How far the page scrolls sideways at a phone's width (the window put back as it was after). */
  private async sidewaysOnPhone(): Promise<number> {
    const size = this.page.viewportSize();
    if (!size || size.width <= PHONE.width) return sidewaysScroll(this.page);
    await this.page.setViewportSize(PHONE);
    try {
      return await sidewaysScroll(this.page);
    } finally {
      await this.page.setViewportSize(size);
    }
  }

  /** The page's HTML as it is now, shown on a page of the same origin that runs script, then checked there. */
  private async axeOnCopy(): Promise<Violation[]> {
    const html = await this.page.content();
    this.copy ??= this.browser.newContext({ baseURL: new URL(this.page.url()).origin }).then(async (context) => {
      this.context.on('close', () => void context.close());
      return context.newPage();
    });
    const copy = await this.copy;
    await copy.goto(BLANK_URL);
    await copy.setContent(html, { waitUntil: 'load' });
    return runAxe(copy);
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/** A download started by clicking `link`: its suggested file name and its bytes. */
export async function downloadOf(page: Page, link: Locator): Promise<{ name: string; body: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { name: download.suggestedFilename(), body: fs.readFileSync(await download.path()) };
}

/** A phone's window: no page may scroll sideways in it. */
export const PHONE = { width: 390, height: 844 };

/** A demo user's email by role (an external reviewer, or one of the organisation's own). */
export function demoEmail(role: string, external = false): string {
  return DEMO_USERS.find((u) => u.role === role && (u.externalReviewer ?? false) === external)!.email;
}

/** Keeps a picture of the whole page in SCREENSHOT_DIR, when it is set, to be looked at. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOT_DIR)
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, name), fullPage: true });
}

/**
 * What test/support/fixture.ts's helpers need of a test context, from the app's demo users: they
 * read the database and these users' ids only, so the demo users stand in for the test users.
 */
export function demoUsersContext(app: RunningApp): TestContext {
  const idOf = (role: string) => ({ id: findUserForSignIn(app.db, demoEmail(role))!.id });
  return {
    db: app.db,
    users: { admin: idOf('admin'), assessor: idOf('assessor'), qa: idOf('quality_assurer') },
  } as unknown as TestContext;
}
/** The window every person's browser opens with. */
export const DESKTOP = { width: 1280, height: 800 };

/** How far the page is wider than the window: 0 when nothing scrolls sideways. */
export async function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}
