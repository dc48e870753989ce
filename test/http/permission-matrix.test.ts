import { readFeed } from '../support/calendar.js';
import { now } from '../support/clock.js';
import { expect } from 'chai';
import supertest from 'supertest';
import { issueCalendarToken } from '../../src/bookings/assessor-store.js';
import { todayInLondon } from '../../src/dates.js';
import { csrfFrom, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { SETUP } from '../support/apprentices.js';
import { listRoutes } from '../support/routes.js';
import { buildFixture, OTHER_ASSESSOR_EMAIL, type Fixture } from '../support/fixture.js';

/*
 * The permission matrix: every route the router answers (read from the router itself, so a new
 * route without a row here fails the first test), asked by each role, with the status each
 * should get. Path parameters name one record: apprentice A of `provider` and `employer`, with
 * two bookings of `assessor` (graded, moderated, released and appealed). `otherProvider` and a
 * second assessor reach for A's records; apprentice B (of `otherProvider`, at another employer)
 * must never show up for anyone outside its scope.
 *
 * Statuses: pages send an anonymous visitor to sign in (302) and refuse a signed-in user of
 * another role (403); a record outside the user's scope is not there (404). The API answers 401
 * without a token. Forms and JSON bodies are sent empty (or made invalid on purpose) so that an
 * allowed role stops at validation (400/422) or at a state rule (409) and changes nothing; the
 * few actions that need no body (propose a schedule, issue or revoke a calendar link, create an
 * API token) do run. A refused form or API call must write nothing, and no answer (a refusal
 * included) may show a role an apprentice outside its scope.
 *
 * Sessions are rotated at sign-in and destroyed at sign-out: see test/http/auth.test.ts ('sets
 * an httpOnly, SameSite session cookie and a fresh session id at every sign-in', 'destroys the
 * session at sign-out'); not repeated here.
 */

const WHO = ['anonymous', 'admin', 'assessor', 'qa', 'provider', 'employer', 'otherProvider', 'otherAssessor'] as const;
type Who = (typeof WHO)[number];
/** Over the 500 characters a reason may have: the form is read (and refused) only after the permission checks. */
const LONG_REASON = 'x'.repeat(501);

/** Whose records each role must never see: an apprentice's ULN or family name in an answer to them is a leak. */
const FOREIGN: Record<Who, ('a' | 'b')[]> = {
  anonymous: ['a', 'b'],
  admin: [],
  assessor: ['b'],
  qa: [],
  provider: ['b'],
  employer: ['b'],
  otherProvider: ['a'],
  otherAssessor: ['a', 'b'],
};

interface Case {
  /** The request, with the fixture's ids filled in. */
  url: (f: Fixture) => string;
  /** Expected status per role, in the order of WHO. */
  statuses: string;
  /** Form fields (pages, besides `_csrf`) or the JSON body (API); empty by default. */
  body?: Record<string, unknown>;
  /** Which of several cases of one route this is (an `:action`). */
  label?: string;
  /** Each role asks with a session of its own, signed in for this request only (signing out ends it). */
  fresh?: boolean;
  /** The secret in the URL is the only key (the calendar feed): anyone holding it reads the feed. */
  secretUrl?: boolean;
}

type UrlOf = string | ((f: Fixture) => string);
const row = (statuses: string, url: UrlOf, more: Omit<Case, 'url' | 'statuses'> = {}): Case => ({
  statuses,
  url: typeof url === 'string' ? () => url : url,
  ...more,
});

/* The expectations. Columns:                anon admin asr  qa  prov empl oPrv oAsr */
const TABLE: Record<string, Case | Case[]> = {
  'GET /health': row('200 200 200 200 200 200 200 200', '/health'),
  'GET /search': row('302 200 200 200 200 200 200 200', '/search?q=zz'),
  'GET /assets/govuk-frontend.min.css': row('200 200 200 200 200 200 200 200', '/assets/govuk-frontend.min.css'),
  'GET /': row('302 200 200 200 200 200 200 200', '/'),
  'GET /sign-in': row('200 302 302 302 302 302 302 302', '/sign-in'),
  'POST /sign-in': row('400 400 400 400 400 400 400 400', '/sign-in'),
  'POST /sign-out': row('302 302 302 302 302 302 302 302', '/sign-out', { fresh: true }),
  'GET /account/password': row('302 200 200 200 200 200 200 200', '/account/password'),
  'POST /account/password': row('401 400 400 400 400 400 400 400', '/account/password'),
  // A reset link's secret is its only key: one that is not (or no longer) valid is not there for anyone.
  'GET /reset-password/:token': row('404 404 404 404 404 404 404 404', '/reset-password/not-a-real-secret'),
  'POST /reset-password/:token': row('404 404 404 404 404 404 404 404', '/reset-password/not-a-real-secret'),

  'GET /standards': row('302 200 200 200 200 200 200 200', '/standards'),
  'GET /standards/import': row('302 200 403 403 403 403 403 403', '/standards/import'),
  'POST /standards/import': row('401 400 403 403 403 403 403 403', '/standards/import'),
  'GET /standards/:reference/:version': row('302 200 200 200 200 200 200 200', '/standards/ST0815/1.0'),
  'GET /standards/:reference/:version/plan': row('302 200 200 200 200 200 200 200', '/standards/ST0815/1.0/plan'),
  'GET /standards/:reference/:version/off-the-job-minimum': row(
    '302 200 403 403 403 403 403 403',
    '/standards/ST0815/1.0/off-the-job-minimum',
  ),
  'POST /standards/:reference/:version/off-the-job-minimum': row(
    '401 400 403 403 403 403 403 403',
    '/standards/ST0815/1.0/off-the-job-minimum',
  ),
  'GET /standards/:reference/:version/qualification-number': row(
    '302 200 403 403 403 403 403 403',
    '/standards/ST0815/1.0/qualification-number',
  ),
  'POST /standards/:reference/:version/qualification-number': row(
    '401 400 403 403 403 403 403 403',
    '/standards/ST0815/1.0/qualification-number',
  ),
  'GET /standards/:reference/:version/approval': row(
    '302 200 403 403 403 403 403 403',
    '/standards/ST0815/1.0/approval',
  ),
  'POST /standards/:reference/:version/approval': row(
    '401 400 403 403 403 403 403 403',
    '/standards/ST0815/1.0/approval',
  ),

  // The evidence store: a gateway item's upload (providers and administrators, in scope; the form is
  // sent without a file, so an allowed role stops at "Select a file"); a file's download (whoever sees the record).
  'POST /apprentices/:uln/qualifications/:id/files': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/qualifications/${f.qualification}/files`,
  ),
  'POST /apprentices/:uln/gateway-items/:itemId/files': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio/files`,
  ),
  'GET /evidence/:id': [
    // Assessors and quality assurers may download, but only what their records hold: their assessments' evidence, a case of theirs, an appeal's documents.
    row('302 200 404 404 200 200 404 404', (f) => `/evidence/${f.evidenceFile}`, { label: 'gateway item' }),
    // A request's evidence: its provider and administrators only (the employer sees A, not this).
    row('302 200 404 404 200 404 404 404', (f) => `/evidence/${f.requestFile}`, { label: 'request' }),
    // An appeal's documents: the reviewers, and the apprentice's provider and employer.
    row('302 200 404 200 200 200 404 404', (f) => `/evidence/${f.appealFile}`, { label: 'appeal' }),
    // An assessment's evidence: whoever sees the booking (its assessor among them) and, once graded, quality assurers.
    row('302 200 200 200 200 404 404 404', (f) => `/evidence/${f.bookingFile}`, { label: 'assessment' }),
    // A case's documents: those who see the case (administrators, its opener, its investigator) alone.
    row('302 200 200 404 404 404 404 404', (f) => `/evidence/${f.caseFile}`, { label: 'case' }),
  ],
  // Reasonable adjustments and special consideration: A's provider asks, administrators decide;
  // nobody else sees a request (its reason may be medical), not even the employer. Empty forms stop
  // at validation; withdrawing a decided request is refused (409).
  'GET /apprentices/:uln/adjustments/new': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/adjustments/new`,
  ),
  'POST /apprentices/:uln/adjustments/new': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/adjustments/new`,
  ),
  'GET /apprentices/:uln/special-consideration/new': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/special-consideration/new`,
  ),
  'POST /apprentices/:uln/special-consideration/new': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/special-consideration/new`,
  ),
  'GET /requests': row('302 200 403 403 403 403 403 403', '/requests'),
  'GET /requests/:id': row('302 200 403 403 200 403 404 403', (f) => `/requests/${f.request}`),
  'POST /requests/:id/files': row('401 400 403 403 400 403 404 403', (f) => `/requests/${f.request}/files`),
  // Only the provider appeals a request's refusal; A's request waits for its decision, so there is nothing to appeal yet.
  'POST /requests/:id/appeal': row('401 403 403 403 409 403 404 403', (f) => `/requests/${f.request}/appeal`, {
    body: { grounds: 'The evidence was not read' },
  }),
  'POST /requests/:id/decision': row('401 400 403 403 403 403 403 403', (f) => `/requests/${f.request}/decision`),
  'POST /requests/:id/withdraw': row(
    '401 409 403 403 409 403 404 403',
    (f) => `/requests/${f.decidedRequest}/withdraw`,
  ),
  // Malpractice and maladministration: those who meet assessments report; a case is seen by
  // administrators, its opener (here the assessor) and its investigator only; empty forms stop at validation.
  'GET /cases': row('302 200 200 200 200 403 200 200', '/cases'),
  // Upheld decisions against the provider (its users) or the assessor (themselves): nobody else's.
  'GET /cases/decisions-about-you': row('302 403 200 403 200 403 200 200', '/cases/decisions-about-you'),
  // A's provider appeals the warning it was given (an empty form stops at validation); another provider finds no such decision.
  'POST /cases/decisions-about-you/:caseId/appeal': row(
    '401 403 403 403 400 403 404 403',
    (f) => `/cases/decisions-about-you/${f.providerDecision}/appeal`,
  ),
  'GET /cases/new': row('302 200 200 200 200 403 200 200', '/cases/new'),
  'POST /cases/new': row('401 400 400 400 400 403 400 400', '/cases/new'),
  'GET /cases/:id': row('302 200 200 404 404 403 404 404', (f) => `/cases/${f.case}`),
  'POST /cases/:id/investigator': row('401 400 403 403 403 403 403 403', (f) => `/cases/${f.case}/investigator`),
  'POST /cases/:id/files': row('401 400 400 404 404 403 404 404', (f) => `/cases/${f.case}/files`),
  'POST /cases/:id/decision': row('401 400 403 404 404 403 404 404', (f) => `/cases/${f.case}/decision`),
  // The results a case against a provider holds: administrators and its investigator (none yet) choose them.
  'POST /cases/:id/holds': row('401 400 403 404 404 403 404 404', (f) => `/cases/${f.case}/holds`),
  // No hold is named in the fixture (a hold on A's result would hold A's claim for every other test): the reason is read first.
  'POST /cases/:id/holds/:holdId/end': row('401 400 403 404 404 403 404 404', (f) => `/cases/${f.case}/holds/1/end`),
  // The plan builder: administrators only. Empty forms stop at validation and change nothing.
  'GET /standards/:reference/:version/plans/new': row(
    '302 200 403 403 403 403 403 403',
    '/standards/ST0815/1.0/plans/new',
  ),
  'POST /standards/:reference/:version/plans/new': row(
    '401 400 403 403 403 403 403 403',
    '/standards/ST0815/1.0/plans/new',
  ),
  'GET /plan-drafts/:draft': row('302 200 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}`),
  'GET /plan-drafts/:draft/details': row(
    '302 200 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/details`,
  ),
  'POST /plan-drafts/:draft/details': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/details`,
  ),
  'GET /plan-drafts/:draft/ksbs': row('302 200 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/ksbs`),
  'POST /plan-drafts/:draft/ksbs': row('401 400 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/ksbs`),
  'GET /plan-drafts/:draft/grades': row('302 200 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/grades`),
  'POST /plan-drafts/:draft/grades': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/grades`,
  ),
  'GET /plan-drafts/:draft/plan.json': row(
    '302 200 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/plan.json`,
  ),
  'POST /plan-drafts/:draft/publish': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/publish`,
  ),
  'GET /plan-drafts/:draft/discard': row(
    '302 200 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/discard`,
  ),
  'POST /plan-drafts/:draft/discard': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/discard`,
  ),
  'GET /plan-drafts/:draft/:list/:item': [
    row('302 200 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/methods/1`, { label: 'a method' }),
    row('302 200 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/criteria/new`, {
      label: 'a new criterion',
    }),
    row('302 404 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/gateway-items/9`, {
      label: 'past the list',
    }),
    row('302 404 403 403 403 403 403 403', (f) => `/plan-drafts/${f.planDraft}/duties/0`, { label: 'no such list' }),
    row('302 404 403 403 403 403 403 403', '/plan-drafts/999999/methods/0', { label: 'no such draft' }),
  ],
  'POST /plan-drafts/:draft/:list/:item': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/plan-drafts/${f.planDraft}/methods/0`,
  ),

  'GET /apprentices': row('302 200 403 403 200 200 200 403', '/apprentices'),
  'GET /apprentices/new': row('302 200 403 403 200 403 200 403', '/apprentices/new'),
  'POST /apprentices/new': row('401 400 403 403 400 403 400 403', '/apprentices/new'),
  'GET /apprentices/import/template.csv': row('302 200 403 403 200 403 200 403', '/apprentices/import/template.csv'),
  'GET /apprentices/import': row('302 200 403 403 200 403 200 403', '/apprentices/import'),
  'POST /apprentices/import': row('401 400 403 403 400 403 400 403', '/apprentices/import'),
  'GET /apprentices/:uln': row('302 200 403 403 200 200 404 403', (f) => `/apprentices/${f.a.uln}`),
  'GET /apprentices/:uln/edit': row('302 200 403 403 200 403 404 403', (f) => `/apprentices/${f.a.uln}/edit`),
  'POST /apprentices/:uln/edit': row('401 400 403 403 400 403 404 403', (f) => `/apprentices/${f.a.uln}/edit`),
  'GET /apprentices/:uln/uln': row('302 200 403 403 403 403 403 403', (f) => `/apprentices/${f.a.uln}/uln`),
  'POST /apprentices/:uln/uln': row('401 400 403 403 403 403 403 403', (f) => `/apprentices/${f.a.uln}/uln`),
  'GET /apprentices/:uln/qualifications/new': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/qualifications/new`,
  ),
  'POST /apprentices/:uln/qualifications/new': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/qualifications/new`,
  ),
  'GET /apprentices/:uln/hours': row('302 200 403 403 200 200 404 403', (f) => `/apprentices/${f.a.uln}/hours`),
  'GET /apprentices/:uln/hours/import': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/import`,
  ),
  'POST /apprentices/:uln/hours/import': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/import`,
  ),
  'GET /apprentices/:uln/hours/import/template.csv': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/import/template.csv`,
  ),
  'GET /apprentices/:uln/hours/:id/edit': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/edit`,
  ),
  'POST /apprentices/:uln/hours/:id/edit': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/edit`,
  ),
  'GET /apprentices/:uln/hours/:id/remove': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/remove`,
  ),
  'POST /apprentices/:uln/hours/:id/remove': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/remove`,
  ),
  'GET /apprentices/:uln/hours/new': row('302 200 403 403 200 403 404 403', (f) => `/apprentices/${f.a.uln}/hours/new`),
  'POST /apprentices/:uln/hours/new': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/hours/new`,
  ),
  'GET /apprentices/:uln/qualifications/:id': row(
    '302 200 403 403 200 200 404 403',
    (f) => `/apprentices/${f.a.uln}/qualifications/${f.qualification}`,
  ),
  'GET /apprentices/:uln/gateway-items/:itemId': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio`,
  ),
  'POST /apprentices/:uln/gateway-items/:itemId': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio`,
  ),
  'GET /apprentices/:uln/breaks/new': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/breaks/new`,
  ),
  'POST /apprentices/:uln/breaks/new': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/breaks/new`,
  ),
  'GET /apprentices/:uln/breaks/:id/remove': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/breaks/${f.learningBreak}/remove`,
  ),
  'POST /apprentices/:uln/breaks/:id/remove': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/breaks/${f.learningBreak}/remove`,
  ),
  'GET /apprentices/:uln/earlier-episodes/new': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/earlier-episodes/new`,
  ),
  'POST /apprentices/:uln/earlier-episodes/new': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/earlier-episodes/new`,
  ),
  'GET /apprentices/:uln/earlier-episodes/:id/remove': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}/remove`,
  ),
  'POST /apprentices/:uln/earlier-episodes/:id/remove': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}/remove`,
  ),
  'GET /apprentices/:uln/english-maths-flexibility': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/english-maths-flexibility`,
  ),
  'POST /apprentices/:uln/english-maths-flexibility': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/english-maths-flexibility`,
  ),
  'GET /apprentices/:uln/english-maths-flexibility/withdraw': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/english-maths-flexibility/withdraw`,
  ),
  'POST /apprentices/:uln/english-maths-flexibility/withdraw': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/english-maths-flexibility/withdraw`,
  ),
  'GET /apprentices/:uln/prior-learning': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/prior-learning`,
  ),
  'POST /apprentices/:uln/prior-learning': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/prior-learning`,
  ),
  'GET /apprentices/:uln/certificate-delivery': row(
    '302 200 403 403 200 403 404 403',
    (f) => `/apprentices/${f.a.uln}/certificate-delivery`,
  ),
  'POST /apprentices/:uln/certificate-delivery': row(
    '401 400 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/certificate-delivery`,
  ),
  // A's plan is an EPA plan, which leaves no behaviours to the employer: the employer's page says so, and a post is refused by that rule.
  'GET /apprentices/:uln/behaviour-verification': row(
    '302 403 403 403 403 200 404 403',
    (f) => `/apprentices/${f.a.uln}/behaviour-verification`,
  ),
  'POST /apprentices/:uln/behaviour-verification': row(
    '401 403 403 403 403 409 404 403',
    (f) => `/apprentices/${f.a.uln}/behaviour-verification`,
  ),
  'POST /apprentices/:uln/declaration': row(
    '401 400 403 403 400 400 404 403',
    (f) => `/apprentices/${f.a.uln}/declaration`,
  ),
  // A's gateway was accepted: asking again is refused by the rules, after the permission checks.
  'POST /apprentices/:uln/request-epa': row(
    '401 409 403 403 409 403 404 403',
    (f) => `/apprentices/${f.a.uln}/request-epa`,
  ),
  'GET /apprentices/:uln/personal-data': row(
    '302 200 403 403 403 403 403 403',
    (f) => `/apprentices/${f.a.uln}/personal-data`,
  ),
  'POST /apprentices/:uln/personal-data/export': row(
    '401 200 403 403 403 403 403 403',
    (f) => `/apprentices/${f.a.uln}/personal-data/export`,
  ),
  'POST /apprentices/:uln/personal-data/erase': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/apprentices/${f.a.uln}/personal-data/erase`,
  ),

  'GET /gateway': row('302 200 403 403 403 403 403 403', '/gateway'),
  'GET /gateway/submissions/:id': row('302 200 403 403 403 403 403 403', (f) => `/gateway/submissions/${f.submission}`),
  'POST /gateway/submissions/:id': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/gateway/submissions/${f.submission}`,
  ),

  'GET /bookings/auto-schedule': row('302 200 403 403 403 403 403 403', '/bookings/auto-schedule'),
  'POST /bookings/auto-schedule': row('401 303 403 403 403 403 403 403', '/bookings/auto-schedule'),
  'GET /bookings/auto-schedule/:id': row(
    '302 200 403 403 403 403 403 403',
    (f) => `/bookings/auto-schedule/${f.proposal}`,
  ),
  // The fixture's proposal was discarded: neither action can run again.
  'POST /bookings/auto-schedule/:id/:action': [
    row('401 409 403 403 403 403 403 403', (f) => `/bookings/auto-schedule/${f.proposal}/commit`, { label: 'commit' }),
    row('401 409 403 403 403 403 403 403', (f) => `/bookings/auto-schedule/${f.proposal}/discard`, {
      label: 'discard',
    }),
  ],

  'GET /apprentices/:uln/results/:attemptId/result.pdf': row(
    '302 200 403 403 200 200 404 403',
    (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/result.pdf`,
  ),
  'GET /bookings/:id/grade': row('302 403 200 403 404 403 404 404', (f) => `/bookings/${f.booking}/grade`),
  'POST /bookings/:id/grade': row('401 403 400 403 404 403 404 404', (f) => `/bookings/${f.booking}/grade`),
  'GET /apprentices/:uln/marking': row('302 403 403 403 200 403 404 403', (f) => `/apprentices/${f.a.uln}/marking`),
  'POST /apprentices/:uln/marking': row('401 403 403 403 400 403 404 403', (f) => `/apprentices/${f.a.uln}/marking`),
  'GET /moderation': row('302 403 403 200 403 403 403 403', '/moderation'),
  'GET /moderation/:id': row('302 403 403 200 403 403 403 403', (f) => `/moderation/${f.grading}`),
  'POST /moderation/:id': row('401 403 403 400 403 403 403 403', (f) => `/moderation/${f.grading}`),
  'GET /results': row('302 200 403 403 403 403 403 403', '/results'),
  'POST /results/release': row('401 400 403 403 403 403 403 403', '/results/release'),
  'GET /apprentices/:uln/results': row('302 200 403 403 200 200 404 403', (f) => `/apprentices/${f.a.uln}/results`),
  // A's provider appeals the decision on A's malpractice case (an empty form stops at validation).
  'POST /apprentices/:uln/results/decisions/:caseId/appeal': row(
    '401 403 403 403 400 403 404 403',
    (f) => `/apprentices/${f.a.uln}/results/decisions/${f.caseDecision}/appeal`,
  ),
  // A's result is released and appealed: releasing again and a resit are refused by the rules.
  'POST /apprentices/:uln/results/:attemptId/:action': [
    row('401 409 403 403 403 403 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/release`, {
      label: 'release',
    }),
    row('401 400 403 403 403 403 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/exceptional`, {
      label: 'exceptional',
    }),
    row('401 403 403 403 409 409 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/further`, {
      label: 'further',
    }),
    row('401 403 403 403 400 400 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/appeal`, {
      label: 'appeal',
    }),
    // Only the apprentice's employer answers a provider's request for a resit or retake; A has none waiting.
    row('401 403 403 403 403 409 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/agree`, {
      label: 'agree',
    }),
    row('401 403 403 403 403 400 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/decline`, {
      label: 'decline',
    }),
    // Only the apprentice's provider withdraws its own waiting request; A has none waiting.
    row('401 403 403 403 409 403 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/withdraw`, {
      label: 'withdraw',
    }),
    // Only an administrator decides a no-show or malpractice; an empty form is refused.
    row('401 400 403 403 403 403 404 403', (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/outcome`, {
      label: 'outcome',
    }),
  ],
  'GET /appeals': row('302 200 403 200 403 403 403 403', '/appeals'),
  // The reviewers see every appeal; A's provider and employer see A's (the other provider is told there is none).
  'GET /appeals/:id': row('302 200 403 200 200 200 404 403', (f) => `/appeals/${f.appeal}`),
  'POST /appeals/:id/files': row('401 400 403 403 400 403 404 403', (f) => `/appeals/${f.appeal}/files`),
  'POST /appeals/:id': row('401 400 403 400 403 403 403 403', (f) => `/appeals/${f.appeal}`),
  'GET /admin/settings': row('302 200 403 403 403 403 403 403', '/admin/settings'),
  'POST /admin/settings': row('401 400 403 403 403 403 403 403', '/admin/settings'),

  'GET /reports': row('302 200 403 200 200 403 200 403', '/reports'),
  'GET /reports/ksb-shortfall': row('302 200 403 200 200 403 200 403', '/reports/ksb-shortfall?standard=ST0815%2F1.0'),
  'GET /reports/tables/:table.csv': row('302 200 403 200 200 403 200 403', '/reports/tables/summary.csv'),
  'GET /reports/assessor-consistency': row('302 200 403 200 403 403 403 403', '/reports/assessor-consistency'),
  'GET /reports/assessor-consistency/:assessorId': row(
    '302 200 403 200 403 403 403 403',
    (f) => `/reports/assessor-consistency/${f.assessor}`,
  ),
  'GET /claims': row('302 200 403 403 403 403 403 403', '/claims'),
  'GET /claims/claims.csv': row('302 200 403 403 403 403 403 403', '/claims/claims.csv'),
  'GET /claims/claims.json': row('302 200 403 403 403 403 403 403', '/claims/claims.json'),
  'GET /claims/epa-records.json': row('302 200 403 403 403 403 403 403', '/claims/epa-records.json'),
  'POST /claims/mark': row('401 400 403 403 403 403 403 403', '/claims/mark'),
  'POST /claims/send': row('401 409 403 403 403 403 403 403', '/claims/send'),
  'GET /reports/ofqual-outcomes': row('302 200 403 403 403 403 403 403', '/reports/ofqual-outcomes'),
  'GET /reports/ofqual-outcomes/outcomes.csv': row(
    '302 200 403 403 403 403 403 403',
    () =>
      `/reports/ofqual-outcomes/outcomes.csv?reportingDate=${todayInLondon(now())}&from=2020-01-01&to=${todayInLondon(now())}`,
  ),
  'GET /reports/ofqual-registrations': row('302 200 403 403 403 403 403 403', '/reports/ofqual-registrations'),
  'GET /reports/ofqual-registrations/registrations.csv': row(
    '302 200 403 403 403 403 403 403',
    () =>
      `/reports/ofqual-registrations/registrations.csv?reportingDate=${todayInLondon(now())}&from=2020-01-01&to=${todayInLondon(now())}`,
  ),

  'GET /bookings': row('302 200 403 403 403 403 403 403', '/bookings'),
  'GET /bookings/new': row('302 200 403 403 403 403 403 403', (f) => `/bookings/new?uln=${f.a.uln}`),
  'POST /bookings': row('401 400 403 403 403 403 403 403', '/bookings'),
  'GET /bookings/:id': row('302 200 200 404 200 200 404 404', (f) => `/bookings/${f.booking}`),
  // Its assessor and administrators may change where it takes place; a link that is not a web address stops them first.
  // An assessment's evidence (D's discussion, not yet graded): its assessor, the provider and administrators add to it.
  'POST /bookings/:id/files': row('401 400 400 403 400 403 404 404', (f) => `/bookings/${f.gradableBooking}/files`),
  'POST /bookings/:id/place': row('401 400 400 404 403 403 404 404', (f) => `/bookings/${f.booking}/place`, {
    body: { link: 'not a web address' },
  }),
  // The booking is confirmed and graded: the over-long reason stops whoever may act before anything changes.
  'POST /bookings/:id/:action': [
    row('401 403 400 404 403 403 404 404', (f) => `/bookings/${f.booking}/confirm`, {
      label: 'confirm',
      body: { reason: LONG_REASON },
    }),
    row('401 403 400 404 403 403 404 404', (f) => `/bookings/${f.booking}/decline`, {
      label: 'decline',
      body: { reason: LONG_REASON },
    }),
    row('401 400 403 404 403 403 404 404', (f) => `/bookings/${f.booking}/cancel`, {
      label: 'cancel',
      body: { reason: LONG_REASON },
    }),
    row('401 400 403 404 403 403 404 404', (f) => `/bookings/${f.booking}/complete`, {
      label: 'complete',
      body: { reason: LONG_REASON },
    }),
  ],
  'GET /schedule': row('302 403 200 403 403 403 403 200', '/schedule'),
  'GET /calendar/:token': row(
    '200 200 200 200 200 200 200 200',
    (f) => `/calendar/${issueCalendarToken(ctx.db, f.assessor, SETUP)}.ics`,
    { secretUrl: true },
  ),
  'GET /outbox': row('302 200 403 403 403 403 403 403', '/outbox'),
  'GET /assessors': row('302 200 403 403 403 403 403 403', '/assessors'),
  'GET /assessors/:id': row('302 200 200 403 403 403 403 404', (f) => `/assessors/${f.assessor}`),
  'POST /assessors/:id': row('401 400 403 403 403 403 403 403', (f) => `/assessors/${f.assessor}`),
  'POST /assessors/:id/leave': row('401 400 400 403 403 403 403 404', (f) => `/assessors/${f.assessor}/leave`),
  'POST /assessors/:id/conflicts': row('401 400 400 403 403 403 403 404', (f) => `/assessors/${f.assessor}/conflicts`),
  'POST /assessors/:id/calendar': row('401 200 200 403 403 403 403 404', (f) => `/assessors/${f.assessor}/calendar`),
  'POST /assessors/:id/calendar/revoke': row(
    '401 302 302 403 403 403 403 404',
    (f) => `/assessors/${f.assessor}/calendar/revoke`,
  ),

  'GET /admin/plans/import': row('302 200 403 403 403 403 403 403', '/admin/plans/import'),
  'POST /admin/plans/import': row('401 400 403 403 403 403 403 403', '/admin/plans/import'),
  'GET /admin/users': row('302 200 403 403 403 403 403 403', '/admin/users'),
  'GET /admin/users/new': row('302 200 403 403 403 403 403 403', '/admin/users/new'),
  'POST /admin/users/new': row('401 400 403 403 403 403 403 403', '/admin/users/new'),
  'GET /admin/users/:id': row('302 200 403 403 403 403 403 403', (f) => `/admin/users/${f.employerUser}`),
  'POST /admin/users/:id/disable': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/admin/users/${f.employerUser}/disable`,
  ),
  'POST /admin/users/:id/enable': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/admin/users/${f.employerUser}/enable`,
  ),
  'POST /admin/users/:id/sessions/end': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/admin/users/${f.employerUser}/sessions/end`,
  ),
  'POST /admin/users/:id/password-reset': row(
    '401 200 403 403 403 403 403 403',
    (f) => `/admin/users/${f.employerUser}/password-reset`,
  ),
  'POST /admin/users/:id/tokens': row(
    '401 200 403 403 403 403 403 403',
    (f) => `/admin/users/${f.employerUser}/tokens`,
  ),
  'POST /admin/users/:id/marker': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/admin/users/${f.employerUser}/marker`,
  ),
  'POST /admin/users/:id/external-reviewer': row(
    '401 400 403 403 403 403 403 403',
    (f) => `/admin/users/${f.qaUser}/external-reviewer`,
  ),
  'POST /admin/tokens/:id/revoke': row('401 400 403 403 403 403 403 403', (f) => `/admin/tokens/${f.apiToken}/revoke`, {
    body: { reason: LONG_REASON },
  }),
  'GET /admin/audit': row('302 200 403 403 403 403 403 403', '/admin/audit'),

  /* The API: a bearer token per role; bodies are `{}`, so an allowed caller gets 422. */
  'GET /api/v1/openapi.json': row('200 200 200 200 200 200 200 200', '/api/v1/openapi.json'),
  'GET /api/v1/standards': row('401 200 200 200 200 200 200 200', '/api/v1/standards'),
  'GET /api/v1/standards/:reference/:version': row('401 200 200 200 200 200 200 200', '/api/v1/standards/ST0815/1.0'),
  'GET /api/v1/standards/:reference/:version/plan': row(
    '401 200 200 200 200 200 200 200',
    '/api/v1/standards/ST0815/1.0/plan',
  ),
  'POST /api/v1/plans': row('401 422 403 403 403 403 403 403', '/api/v1/plans'),
  'GET /api/v1/apprentices': row('401 200 403 403 200 200 200 403', '/api/v1/apprentices'),
  'POST /api/v1/apprentices': row('401 422 403 403 422 403 422 403', '/api/v1/apprentices'),
  'POST /api/v1/apprentices/import': row('401 422 403 403 422 403 422 403', '/api/v1/apprentices/import'),
  'GET /api/v1/apprentices/:uln': row('401 200 403 403 200 200 404 403', (f) => `/api/v1/apprentices/${f.a.uln}`),
  'GET /api/v1/apprentices/:uln/gateway': row(
    '401 200 403 403 200 200 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/gateway`,
  ),
  'PUT /api/v1/apprentices/:uln/uln': row(
    '401 422 403 403 403 403 403 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/uln`,
  ),
  'PUT /api/v1/apprentices/:uln/off-the-job-hours/:id': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours/${f.hoursEntry}`,
  ),
  'DELETE /api/v1/apprentices/:uln/off-the-job-hours/:id': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours/${f.hoursEntry}`,
  ),
  'POST /api/v1/apprentices/:uln/breaks': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/breaks`,
  ),
  'POST /api/v1/apprentices/:uln/earlier-episodes': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/earlier-episodes`,
  ),
  // The evidence store: an empty upload (no multipart file) stops at 422; the list and a download follow the record's scope.
  'POST /api/v1/apprentices/:uln/qualifications/:id/files': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/qualifications/${f.qualification}/files`,
  ),
  'GET /api/v1/apprentices/:uln/qualifications/:id/files': row(
    '401 200 403 403 200 200 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/qualifications/${f.qualification}/files`,
  ),
  'POST /api/v1/apprentices/:uln/gateway-items/:itemId/files': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/gateway-items/portfolio/files`,
  ),
  'GET /api/v1/apprentices/:uln/gateway-items/:itemId/files': row(
    '401 200 403 403 200 200 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/gateway-items/portfolio/files`,
  ),
  'GET /api/v1/evidence/:id': [
    row('401 200 404 404 200 200 404 404', (f) => `/api/v1/evidence/${f.evidenceFile}`, { label: 'gateway item' }),
    row('401 200 404 404 200 404 404 404', (f) => `/api/v1/evidence/${f.requestFile}`, { label: 'request' }),
    row('401 200 200 200 200 404 404 404', (f) => `/api/v1/evidence/${f.bookingFile}`, { label: 'assessment' }),
    row('401 200 200 404 404 404 404 404', (f) => `/api/v1/evidence/${f.caseFile}`, { label: 'case' }),
  ],
  'DELETE /api/v1/apprentices/:uln/breaks/:id': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/breaks/${f.learningBreak}`,
  ),
  'DELETE /api/v1/apprentices/:uln/earlier-episodes/:id': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}`,
  ),
  'DELETE /api/v1/apprentices/:uln/english-maths-flexibility': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/english-maths-flexibility`,
  ),
  'POST /api/v1/apprentices/:uln/markings': row(
    '401 403 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/markings`,
  ),
  'PUT /api/v1/apprentices/:uln/english-maths-flexibility': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/english-maths-flexibility`,
  ),
  'PUT /api/v1/apprentices/:uln/prior-learning': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/prior-learning`,
  ),
  'PUT /api/v1/apprentices/:uln/certificate-delivery': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/certificate-delivery`,
  ),
  // A's plan asks the employer for nothing: only A's employer gets that far (409).
  'PUT /api/v1/apprentices/:uln/behaviour-verification': row(
    '401 403 403 403 403 409 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/behaviour-verification`,
  ),
  'GET /api/v1/apprentices/:uln/qualifications': row(
    '401 200 403 403 200 200 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/qualifications`,
  ),
  'POST /api/v1/apprentices/:uln/qualifications': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/qualifications`,
  ),
  'POST /api/v1/apprentices/:uln/off-the-job-hours': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours`,
  ),
  'PUT /api/v1/apprentices/:uln/gateway-items/:itemId': row(
    '401 422 403 403 422 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/gateway-items/portfolio`,
  ),
  // The part decides which permission applies, so the body is read first: an invalid one is 422 whatever the ULN (nothing is read or written).
  'POST /api/v1/apprentices/:uln/declarations': row(
    '401 422 403 403 422 422 422 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/declarations`,
  ),
  'POST /api/v1/apprentices/:uln/gateway/submissions': row(
    '401 409 403 403 409 403 404 403',
    (f) => `/api/v1/apprentices/${f.a.uln}/gateway/submissions`,
  ),
  'GET /api/v1/gateway/submissions': row('401 200 403 403 403 403 403 403', '/api/v1/gateway/submissions'),
  'POST /api/v1/gateway/submissions/:id/decision': row(
    '401 422 403 403 403 403 403 403',
    (f) => `/api/v1/gateway/submissions/${f.submission}/decision`,
  ),
  'GET /api/v1/results/:uln/pdf': row('401 200 403 403 200 200 404 403', (f) => `/api/v1/results/${f.a.uln}/pdf`),
  'GET /api/v1/results/:uln': row('401 200 403 403 200 200 404 403', (f) => `/api/v1/results/${f.a.uln}`),
  'PUT /api/v1/bookings/:id/grade': row(
    '401 403 422 403 404 403 404 404',
    (f) => `/api/v1/bookings/${f.booking}/grade`,
  ),
  'GET /api/v1/reports/outcomes': row('401 200 403 200 200 403 200 403', '/api/v1/reports/outcomes'),
  'GET /api/v1/claims': row('401 200 403 403 403 403 403 403', '/api/v1/claims'),
  'POST /api/v1/claims/mark': row('401 422 403 403 403 403 403 403', '/api/v1/claims/mark'),
  'GET /api/v1/bookings': row('401 200 200 403 200 200 200 200', '/api/v1/bookings'),
  'POST /api/v1/bookings': row('401 422 403 403 403 403 403 403', '/api/v1/bookings'),
  'POST /api/v1/bookings/:id/files': row(
    '401 422 422 403 422 403 404 404',
    (f) => `/api/v1/bookings/${f.gradableBooking}/files`,
  ),
  'GET /api/v1/bookings/:id/files': row(
    '401 200 200 404 200 403 404 404',
    (f) => `/api/v1/bookings/${f.gradableBooking}/files`,
  ),
  'GET /api/v1/bookings/:id': row('401 200 200 404 200 200 404 404', (f) => `/api/v1/bookings/${f.booking}`),
  'PATCH /api/v1/bookings/:id': row('401 422 422 404 422 422 404 404', (f) => `/api/v1/bookings/${f.booking}`),
  'GET /api/v1/assessors': row('401 200 403 403 403 403 403 403', '/api/v1/assessors'),
  'GET /api/v1/assessors/:id/availability': row(
    '401 200 200 404 404 404 404 404',
    (f) => `/api/v1/assessors/${f.assessor}/availability?date=${todayInLondon(now())}`,
  ),
  'POST /api/v1/assessors/:id/unavailability': row(
    '401 422 422 404 404 404 404 404',
    (f) => `/api/v1/assessors/${f.assessor}/unavailability`,
  ),
  'GET /api/v1/assessors/:id/conflicts': row(
    '401 200 200 404 404 404 404 404',
    (f) => `/api/v1/assessors/${f.assessor}/conflicts`,
  ),
  'POST /api/v1/assessors/:id/calendar': row(
    '401 201 201 404 404 404 404 404',
    (f) => `/api/v1/assessors/${f.assessor}/calendar`,
  ),
  'DELETE /api/v1/assessors/:id/calendar': row(
    '401 204 204 404 404 404 404 404',
    (f) => `/api/v1/assessors/${f.assessor}/calendar`,
  ),
  'POST /api/v1/assessors/:id/conflicts': row(
    '401 422 422 404 404 404 404 404',
    (f) => `/api/v1/assessors/${f.assessor}/conflicts`,
  ),
};

/* ---------- Helpers ---------- */

const casesOf = (route: string): Case[] => [TABLE[route]!].flat();
const methodOf = (route: string) => route.split(' ')[0]!;
const isApi = (route: string) => route.split(' ')[1]!.startsWith('/api/');
const REFUSED = new Set([401, 403, 404]);

function statusesOf(c: Case): Record<Who, number> {
  const list = c.statuses.trim().split(/\s+/).map(Number);
  if (list.length !== WHO.length || list.some((s) => !Number.isInteger(s)))
    throw new Error(`"${c.statuses}" does not give one status for each of ${WHO.join(', ')}`);
  return Object.fromEntries(WHO.map((who, i) => [who, list[i]!])) as Record<Who, number>;
}

type Agent = supertest.Agent;
let ctx: TestContext;
let fixture: Fixture;
const agents = new Map<Who, { agent: Agent; csrf: string }>();
const bearers = new Map<Who, string>();

function emailOf(who: Exclude<Who, 'anonymous'>): string {
  return who === 'otherAssessor' ? OTHER_ASSESSOR_EMAIL : ctx.users[who].email;
}

/** A browser for this role, signed in (except the visitor), with its form token. */
async function browser(who: Who): Promise<{ agent: Agent; csrf: string }> {
  const agent = await signedInAgent(ctx.app, who === 'anonymous' ? undefined : emailOf(who));
  const csrf = csrfFrom((await agent.get(who === 'anonymous' ? '/sign-in' : '/')).text);
  return { agent, csrf };
}

function call(client: Agent, method: string, url: string) {
  switch (method) {
    case 'GET':
      return client.get(url);
    case 'POST':
      return client.post(url);
    case 'PUT':
      return client.put(url);
    case 'PATCH':
      return client.patch(url);
    case 'DELETE':
      return client.delete(url);
    default:
      throw new Error(`No requests with ${method} in this test yet`);
  }
}

/** One request as this role: pages through the role's browser (forms with its token), the API with its bearer token. */
async function ask(who: Who, route: string, c: Case, url: string, options: { csrf?: 'own' | 'none' | 'foreign' } = {}) {
  const method = methodOf(route);
  if (isApi(route)) {
    const bare = call(supertest.agent(ctx.app), method, url);
    const req = who === 'anonymous' ? bare : bare.set('Authorization', `Bearer ${bearers.get(who)!}`);
    return method === 'GET' ? req : req.send(c.body ?? {});
  }
  const { agent, csrf } = c.fresh ? await browser(who) : agents.get(who)!;
  const req = call(agent, method, url);
  if (method === 'GET') return req;
  const token = { own: { _csrf: csrf }, none: {}, foreign: { _csrf: agents.get('anonymous')!.csrf } }[
    options.csrf ?? 'own'
  ];
  return req.type('form').send({ ...c.body, ...token });
}

/** Rows in every table: a refused request must leave each count as it was. */
function rowCounts(): Record<string, number> {
  const client = ctx.db.$client;
  const tables = client
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, (client.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]),
  );
}

/** What an answer must not contain for this role: the ULN and family name of apprentices outside its scope. */
function leaksIn(who: Who, text: string): string[] {
  return FOREIGN[who].flatMap((key) => {
    const a = fixture[key];
    return [a.uln, a.familyName]
      .filter((s) => text.includes(s))
      .map((s) => `${who} was shown ${s} (apprentice ${key.toUpperCase()})`);
  });
}

/* ---------- The tests ---------- */

describe('permission matrix', function () {
  this.timeout(60_000);

  before(async () => {
    ctx = await testApp();
    fixture = await buildFixture(ctx);
    for (const who of WHO) {
      agents.set(who, await browser(who));
      if (who !== 'anonymous')
        bearers.set(who, tokenFor(ctx.db, who === 'otherAssessor' ? fixture.otherAssessor : ctx.users[who].id));
    }
  });

  it('has a row for every route the router answers, and none for a route it does not', () => {
    const answered = listRoutes(ctx.app);
    expect(
      answered.filter((r) => !(r in TABLE)),
      'routes without expectations: add them to TABLE',
    ).to.deep.equal([]);
    expect(
      Object.keys(TABLE).filter((r) => !answered.includes(r)),
      'expectations for routes that no longer exist',
    ).to.deep.equal([]);
  });

  describe('each route, asked by each role', () => {
    for (const route of Object.keys(TABLE)) {
      for (const c of casesOf(route)) {
        const expected = statusesOf(c);
        it(`${route}${c.label ? ` (${c.label})` : ''}: ${WHO.map((w) => `${w} ${expected[w]}`).join(', ')}`, async () => {
          const url = c.url(fixture);
          const problems: string[] = [];
          for (const who of WHO) {
            const before = methodOf(route) === 'GET' ? undefined : rowCounts();
            const res = await ask(who, route, c, url);
            if (res.status !== expected[who]) problems.push(`${who}: expected ${expected[who]}, got ${res.status}`);
            // A calendar feed must read as calendar apps read it (RFC 5545, two parsers).
            if (res.status === 200 && String(res.headers['content-type']).startsWith('text/calendar'))
              expect(readFeed(res.text), `${who}: the feed's events`).to.have.length.greaterThan(0);
            if (res.status === 302 && who === 'anonymous' && !/^\/sign-in(\?|$)/.test(String(res.headers.location)))
              problems.push(`anonymous: redirected to ${res.headers.location} rather than to sign in`);
            // A redirect's body repeats its address (which may hold a ULN); any other answer, a refusal included, must not show a foreign record.
            if (!(res.status >= 300 && res.status < 400) && !c.secretUrl)
              problems.push(...leaksIn(who, typeof res.text === 'string' ? res.text : JSON.stringify(res.body)));
            if (before && REFUSED.has(res.status)) {
              const after = rowCounts();
              const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
              if (changed.length)
                problems.push(`${who}: refused with ${res.status} but wrote to ${changed.join(', ')}`);
            }
          }
          expect(problems, `${route} ${url}`).to.deep.equal([]);
        });
      }
    }
  });

  describe('forms without a CSRF token, or with another browser’s, are refused and write nothing', () => {
    const SIGNED_IN = WHO.filter((w) => w !== 'anonymous' && w !== 'otherProvider' && w !== 'otherAssessor');
    for (const route of Object.keys(TABLE)) {
      // A reset link's form is used by nobody signed in: its token check is tried in test/http/accounts.test.ts.
      if (
        methodOf(route) === 'GET' ||
        isApi(route) ||
        route === 'POST /sign-in' ||
        route === 'POST /reset-password/:token'
      )
        continue;
      const c = casesOf(route)[0]!;
      const expected = statusesOf(c);
      // An administrator if they may use the form, otherwise a role that may: a refusal must come from the missing token.
      const who = SIGNED_IN.find((w) => !REFUSED.has(expected[w]));
      it(`${route}${c.label ? ` (${c.label})` : ''}, as ${who ?? 'nobody'}`, async () => {
        expect(who, 'no signed-in role may use this form').to.not.equal(undefined);
        for (const csrf of ['none', 'foreign'] as const) {
          const before = rowCounts();
          const res = await ask(who!, route, { ...c, fresh: false }, c.url(fixture), { csrf });
          expect(res.status, `${csrf} token`).to.equal(403);
          expect(res.text).to.contain('This form has expired or did not come from this service');
          expect(rowCounts(), `${csrf} token`).to.deep.equal(before);
        }
      });
    }

    it('refuses an upload (a multipart form) without a token, and writes nothing', async () => {
      const { agent } = agents.get('admin')!;
      for (const [url, field] of [
        ['/admin/plans/import', 'planFile'],
        ['/apprentices/import', 'csvFile'],
        ['/standards/import', 'standardsFile'],
      ] as const) {
        const before = rowCounts();
        const res = await agent.post(url).attach(field, Buffer.from('uln\n'), 'upload.csv');
        expect(res.status, url).to.equal(403);
        expect(rowCounts(), url).to.deep.equal(before);
      }
    });
  });
});
