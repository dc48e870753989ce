import * as cheerio from 'cheerio';
import supertest from 'supertest';
import { csrfFrom, signedInAgent, tokenFor, type TestContext } from './app.js';
import { changedTables, fingerprint, integrityProblems, type Fingerprint } from './fixture.js';
import { injectedMarkup, stackTraceIn } from './hostile.js';

/*
 * The checks every answer to a property test's request must pass, for pages and the API, and
 * the browsers and tokens the tests ask with.
 */

export type Role = 'admin' | 'assessor' | 'qa' | 'provider' | 'employer';
export interface Browser {
  agent: supertest.Agent;
  csrf: string;
}

/** A browser signed in as this role (or a visitor), with its form token. */
export async function browserFor(ctx: TestContext, who: Role | 'anonymous'): Promise<Browser> {
  const agent = await signedInAgent(ctx.app, who === 'anonymous' ? undefined : ctx.users[who].email);
  const csrf = csrfFrom((await agent.get(who === 'anonymous' ? '/sign-in' : '/')).text);
  return { agent, csrf };
}

/** One browser and one API token per role, made once per test file. */
export async function sessionsFor(ctx: TestContext) {
  const browsers = new Map<Role | 'anonymous', Browser>();
  const tokens = new Map<Role, string>();
  for (const who of ['anonymous', 'admin', 'assessor', 'qa', 'provider', 'employer'] as const) {
    browsers.set(who, await browserFor(ctx, who));
    if (who !== 'anonymous') tokens.set(who, tokenFor(ctx.db, ctx.users[who].id));
  }
  return { browsers, tokens };
}

interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** Titles the error page uses for statuses with no message of their own (src/http/errors.ts). */
const PARSER_TITLES = [
  'There is a problem with your request',
  'The file or form is too large',
  'The request is not in a format this service reads',
];

/** Unexpected errors the app logged (it logs every 500): the test app's `errors` must stay empty. */
export function loggedErrors(ctx: TestContext): string[] {
  return ctx.errors.map((e) => `logged: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}

/**
 * A page's answer: never a server error or a stack trace; refusals of input show the GOV.UK
 * error summary (or, for forms that refuse with a message page, that page with its message);
 * nothing the input held appears as markup.
 */
export function pageProblems(res: Answer, options: { errorPage?: boolean; download?: string } = {}): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  const trace = stackTraceIn(res.text ?? '');
  if (trace) problems.push(`shows a stack trace or source path: ${trace}`);
  if (res.status >= 300 && res.status < 400) {
    const location = String(res.headers.location ?? '');
    if (!/^\/(?![/\\])/.test(location)) problems.push(`redirects off the site: ${location}`);
    return problems;
  }
  if (options.download && res.status < 300) {
    if (!String(res.headers['content-type']).startsWith(options.download))
      problems.push(`answered ${String(res.headers['content-type'])}, not ${options.download}`);
    if (!String(res.headers['content-disposition']).startsWith('attachment'))
      problems.push('a download without Content-Disposition: attachment');
    return problems;
  }
  if (!String(res.headers['content-type']).startsWith('text/html'))
    problems.push(`answered ${String(res.headers['content-type'])}, not a page`);
  problems.push(...injectedMarkup(res.text).map((m) => `injected markup: ${m}`));
  if (res.status >= 400 && res.status < 500) {
    const $ = cheerio.load(res.text);
    const summary = $('.govuk-error-summary .govuk-error-summary__list li')
      .map((_, li) => $(li).text().trim())
      .get()
      .filter(Boolean);
    const heading = $('main h1').first().text().trim();
    const message = $('main h1').first().next('p.govuk-body').text().trim();
    const errorPage = heading !== '' && message !== '';
    // Refusals of the input itself (400, 401, 422) re-render the form with the summary, unless the parser refused it or the route answers with a message page.
    const validation = [400, 401, 422].includes(res.status);
    if (validation && summary.length === 0 && !(errorPage && (options.errorPage || PARSER_TITLES.includes(message)))) {
      problems.push(
        `refused with ${res.status} without a GOV.UK error summary${errorPage ? ` (an error page: "${heading}: ${message}")` : ''}`,
      );
    }
    if (!validation && summary.length === 0 && !errorPage)
      problems.push(`refused with ${res.status} and neither an error summary nor a message`);
    if (message === 'Sorry, there is a problem with the service. Try again later.')
      problems.push('shows the message of a server error');
  }
  return problems;
}

/** An API answer: JSON, never a server error or a stack trace; refusals are { errors: [{ path, message }] } with a 4xx. */
export function apiProblems(res: Answer): string[] {
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`answered ${res.status}`);
  const trace = stackTraceIn(res.text ?? '');
  if (trace) problems.push(`shows a stack trace or source path: ${trace}`);
  if (res.status === 204) return problems;
  if (!String(res.headers['content-type']).startsWith('application/json'))
    problems.push(`answered ${String(res.headers['content-type'])}, not JSON`);
  if (res.status >= 400) {
    const errors = (res.body as { errors?: unknown } | undefined)?.errors;
    if (!Array.isArray(errors) || errors.length === 0)
      problems.push(`refused with ${res.status} without an errors list: ${res.text.slice(0, 200)}`);
    else {
      for (const e of errors as Record<string, unknown>[]) {
        if (typeof e?.path !== 'string' || typeof e.message !== 'string' || e.message.trim() === '')
          problems.push(`an error is not { path, message }: ${JSON.stringify(e).slice(0, 200)}`);
      }
    }
  }
  return problems;
}

/** Tables whose changes are not changes anyone made: sessions (sign-in and out) and the sequence counters. */
const BOOKKEEPING = ['sessions', 'sqlite_sequence'];

/**
 * What the database must look like after an answer. Refused (4xx): exactly as before, no
 * partial write. Accepted: sound (foreign keys, integrity) and, if anything that matters
 * changed, an audit event recorded with it (every change is audited in its transaction).
 */
export function databaseProblems(ctx: TestContext, before: Fingerprint, status: number): string[] {
  const after = fingerprint(ctx.db);
  const changed = changedTables(before, after);
  if (status >= 400) return changed.length ? [`refused with ${status} but changed ${changed.join(', ')}`] : [];
  const problems = integrityProblems(ctx.db).map((p) => `database: ${p}`);
  const mattering = changed.filter((t) => !BOOKKEEPING.some((b) => t.startsWith(`${b} `)));
  if (mattering.length > 0 && !mattering.some((t) => t.startsWith('audit_events ')))
    problems.push(`changed ${mattering.join(', ')} without an audit event`);
  return problems;
}
