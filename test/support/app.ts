import os from 'node:os';
import path from 'node:path';
import { checkingContract } from './api-contract.js';
import fs from 'node:fs';
import type { Express } from 'express';
import * as cheerio from 'cheerio';
import type { Logger } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Role } from '../../src/auth/roles.js';
import { openDatabase, openDatabaseCopy, type Db } from '../../src/db/connection.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { testClock } from './clock.js';
import { employers, providers, standardVersions, users } from '../../src/db/schema.js';
import { DEMO_EMPLOYERS, DEMO_PROVIDERS } from '../../src/demo/index.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { createApiToken } from '../../src/users/store.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';

export const PASSWORD = 'correct-horse-battery';

export interface TestUser {
  id: number;
  email: string;
  role: Role;
}

/** One user per role, plus a second provider and employer to test scope. */
export const TEST_USERS = {
  admin: { email: 'admin@test.example', role: 'admin' },
  assessor: { email: 'assessor@test.example', role: 'assessor' },
  qa: { email: 'qa@test.example', role: 'quality_assurer' },
  provider: { email: 'provider@test.example', role: 'provider', ukprn: DEMO_PROVIDERS[0]!.ukprn },
  otherProvider: { email: 'provider2@test.example', role: 'provider', ukprn: DEMO_PROVIDERS[1]!.ukprn },
  employer: { email: 'employer@test.example', role: 'employer', employerId: DEMO_EMPLOYERS[0]!.id },
} as const satisfies Record<string, { email: string; role: Role; ukprn?: string; employerId?: string }>;
export type TestUserKey = keyof typeof TEST_USERS;

/**
 * The configuration the tests run with, read by the same function as production's. Test users'
 * passwords are hashed with a tiny scrypt cost, so signing in costs microseconds, not 100 ms.
 */
export const TEST_CONFIG = loadConfig({
  NODE_ENV: 'test',
  SESSION_SECRET: 'test-secret-that-is-long-enough-0123456789',
  PASSWORD_HASH_COST: '16',
  // The evidence store's files: a folder of this test process's own, never the repository's.
  FILES_PATH: path.join(os.tmpdir(), `epa-test-files-${process.pid}`),
});

interface Template {
  image: Buffer;
  users: Record<TestUserKey, TestUser>;
}
let template: Promise<Template> | undefined;

/** The published off-the-job minimum the test catalogue records for ST0815 1.0 (a test figure). */
export const TEST_OFF_THE_JOB_MINIMUM = { offTheJobMinimumHours: 400, offTheJobMinimumSource: 'Test figure' };

/** One migrated database with the catalogue, the demo organisations and the test users, made once per process. */
async function buildTemplate(): Promise<Template> {
  const db = openDatabase(':memory:');
  loadCatalogue(db);
  db.insert(providers).values(DEMO_PROVIDERS).run();
  db.insert(employers).values(DEMO_EMPLOYERS).run();
  // Apprentices the tests date from today start after 1 August 2025 on some clocks: their off-the-job minimum is the version's.
  db.update(standardVersions).set(TEST_OFF_THE_JOB_MINIMUM).run();
  const hash = await hashPassword(PASSWORD, TEST_CONFIG.passwordHashCost);
  const created = {} as Record<TestUserKey, TestUser>;
  for (const [key, u] of Object.entries(TEST_USERS) as [TestUserKey, (typeof TEST_USERS)[TestUserKey]][]) {
    const row = db
      .insert(users)
      .values({
        email: u.email,
        name: key,
        role: u.role,
        providerUkprn: 'ukprn' in u ? u.ukprn : null,
        employerId: 'employerId' in u ? u.employerId : null,
        passwordHash: hash,
      })
      .returning({ id: users.id })
      .get();
    created[key] = { id: row.id, email: u.email, role: u.role };
  }
  const image = db.$client.serialize();
  db.$client.close();
  return { image, users: created };
}

/**
 * A fresh database with the catalogue, demo organisations and the test users: a copy of the
 * template, in memory, or written to `file` (and opened as the app opens its file) when one is given.
 */
export async function testDb(file = ':memory:'): Promise<{ db: Db; users: Record<TestUserKey, TestUser> }> {
  const { image, users: created } = await (template ??= buildTemplate());
  if (file === ':memory:') return { db: openDatabaseCopy(image), users: { ...created } };
  fs.writeFileSync(file, image);
  return { db: openDatabase(file), users: { ...created } };
}

export interface TestContext {
  app: Express;
  db: Db;
  users: Record<TestUserKey, TestUser>;
  errors: unknown[];
}

/** The real app (same composition root as production) over a fresh database. */
export async function testApp(
  options: {
    signInAttempts?: number;
    accountSignInAttempts?: number;
    logger?: Logger;
    file?: string;
    clock?: Clock;
    /** Over the test configuration (the apprenticeship service's address and key, for one). */
    config?: Partial<Config>;
    figureWaitMs?: number;
    uploadIdleMs?: number;
  } = {},
): Promise<TestContext> {
  const { db, users } = await testDb(options.file);
  const errors: unknown[] = [];
  const app = createApp({
    db,
    config: { ...TEST_CONFIG, ...options.config },
    clock: options.clock ?? testClock,
    log: (e) => errors.push(e),
    signInAttempts: options.signInAttempts ?? 1000,
    accountSignInAttempts: options.accountSignInAttempts ?? 1000,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.figureWaitMs !== undefined ? { figureWaitMs: options.figureWaitMs } : {}),
    ...(options.uploadIdleMs !== undefined ? { uploadIdleMs: options.uploadIdleMs } : {}),
  });
  return { app: checkingContract(app), db, users, errors };
}

export function csrfFrom(html: string): string {
  const token = cheerio.load(html)('input[name="_csrf"]').first().val();
  if (typeof token !== 'string' || token === '') throw new Error('No CSRF token on the page');
  return token;
}

/** A browser-like client: keeps cookies and reads the CSRF token from the last page it fetched. */
export async function signedInAgent(app: Express, email: string | undefined) {
  const agent = supertest.agent(app);
  if (email) {
    const page = await agent.get('/sign-in');
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ email, password: PASSWORD, _csrf: csrfFrom(page.text) });
    if (res.status !== 302) throw new Error(`Sign-in as ${email} failed with ${res.status}`);
  }
  return agent;
}

/** Posts a form the way a browser would: fetch the page for its token, then submit. */
export async function postForm(
  agent: supertest.Agent,
  pageUrl: string,
  actionUrl: string,
  fields: Record<string, unknown>,
) {
  const page = await agent.get(pageUrl);
  return agent
    .post(actionUrl)
    .type('form')
    .send({ ...fields, _csrf: csrfFrom(page.text) });
}

export function tokenFor(db: Db, userId: number): string {
  return createApiToken(db, userId, SYSTEM_ACTOR, testClock.now(), 90).token;
}

export const $ = (html: string) => cheerio.load(html);

/** The Set-Cookie headers of a response, as a list. */
export function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const value = res.headers['set-cookie'];
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}
