import type { Express } from 'express';
import * as cheerio from 'cheerio';
import type { Logger } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import type { Role } from '../../src/auth/roles.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { employers, providers, users } from '../../src/db/schema.js';
import { DEMO_EMPLOYERS, DEMO_PROVIDERS, loadCatalogue } from '../../src/db/seed.js';
import { createApiToken } from '../../src/users/store.js';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';

export const PASSWORD = 'correct-horse-battery';
let passwordHash: Promise<string> | undefined;

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

/** A fresh database (in memory unless a file is given) with the catalogue, demo organisations and the test users. */
export async function testDb(file = ':memory:'): Promise<{ db: Db; users: Record<TestUserKey, TestUser> }> {
  const db = openDatabase(file);
  loadCatalogue(db);
  db.insert(providers).values(DEMO_PROVIDERS).run();
  db.insert(employers).values(DEMO_EMPLOYERS).run();
  passwordHash ??= hashPassword(PASSWORD);
  const hash = await passwordHash;
  const created = {} as Record<TestUserKey, TestUser>;
  for (const [key, u] of Object.entries(TEST_USERS) as [TestUserKey, (typeof TEST_USERS)[TestUserKey]][]) {
    const row = db
      .insert(users)
      .values({ email: u.email, name: key, role: u.role, providerUkprn: 'ukprn' in u ? u.ukprn : null, employerId: 'employerId' in u ? u.employerId : null, passwordHash: hash })
      .returning({ id: users.id })
      .get();
    created[key] = { id: row.id, email: u.email, role: u.role };
  }
  return { db, users: created };
}

export interface TestContext {
  app: Express;
  db: Db;
  users: Record<TestUserKey, TestUser>;
  errors: unknown[];
}

/** The real app (same composition root as production) over a fresh database. */
export async function testApp(options: { signInAttempts?: number; logger?: Logger; file?: string } = {}): Promise<TestContext> {
  const { db, users } = await testDb(options.file);
  const errors: unknown[] = [];
  const app = createApp({
    db,
    config: { env: 'test', sessionSecret: 'test-secret-that-is-long-enough-0123456789' },
    log: (e) => errors.push(e),
    signInAttempts: options.signInAttempts ?? 1000,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { app, db, users, errors };
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
    const res = await agent.post('/sign-in').type('form').send({ email, password: PASSWORD, _csrf: csrfFrom(page.text) });
    if (res.status !== 302) throw new Error(`Sign-in as ${email} failed with ${res.status}`);
  }
  return agent;
}

/** Posts a form the way a browser would: fetch the page for its token, then submit. */
export async function postForm(agent: supertest.Agent, pageUrl: string, actionUrl: string, fields: Record<string, string>) {
  const page = await agent.get(pageUrl);
  return agent.post(actionUrl).type('form').send({ ...fields, _csrf: csrfFrom(page.text) });
}

export function tokenFor(db: Db, userId: number): string {
  return createApiToken(db, userId, SYSTEM_ACTOR).token;
}

export const $ = (html: string) => cheerio.load(html);

/** The Set-Cookie headers of a response, as a list. */
export function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const value = res.headers['set-cookie'];
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}
