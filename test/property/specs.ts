import { deliveryInputSchema } from '../../src/certificates/rules.js';
import { now } from '../support/clock.js';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { bookingBodySchema, conflictBody, markingBodySchema, unavailabilityBody } from '../../src/bookings/api.js';
import { removalSchema } from '../../src/apprentices/service.js';
import {
  apprenticeInputSchema,
  behaviourVerificationInputSchema,
  earlierEpisodeInputSchema,
  flexibilityInputSchema,
  learningBreakInputSchema,
  offTheJobInputSchema,
  priorLearningInputSchema,
  qualificationInputSchema,
  offTheJobRemovalSchema,
  ulnCorrectionSchema,
} from '../../src/apprentices/schema.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import { reviewSchema } from '../../src/gateway/review.js';
import { gradeBodySchema } from '../../src/grading/forms.js';
import { markClaimsSchema } from '../../src/outcomes/schemas.js';
import { planFileSchema, type PlanFile } from '../../src/plans/schema.js';
import type { TestContext } from '../support/app.js';
import { PASSWORD } from '../support/app.js';
import { SETUP as SETUP_ACTOR, isoDate, readyApprentice, today } from '../support/apprentices.js';
import { DateTime } from 'luxon';
import {
  addEarlierEpisode,
  addLearningBreak,
  breaksOf,
  earlierEpisodesOf,
} from '../../src/apprentices/circumstance-store.js';
import { caseHolds, flexibilityJudgements } from '../../src/db/schema.js';
import {
  addExternalReviewer,
  appealedResult,
  completedResult,
  upheldCase,
  warnedProvider,
  caseToDecide,
  caseHoldingA,
  openRequest,
  refusedRequest,
  type Fixture,
} from '../support/fixture.js';
import { sentField, type Pairs } from '../support/hostile.js';
import { DELIVERY_FORM } from '../support/delivery.js';
import { createPasswordReset, findUser } from '../../src/users/store.js';
import { startDraft } from '../../src/plans/builder/service.js';
import { isoInstant } from '../../src/dates.js';
import { recordApproval } from '../../src/standards/store.js';
import { GRADES } from '../../src/db/vocabulary.js';

/*
 * What the property tests need to know of every route that changes something: who may use it,
 * the URL (with the fixture's records), the field names its form or schema uses, a valid body
 * to start from (so that hostile values reach the rules and the database, not only the first
 * check), and for some what must be stored once the request is accepted. The field names come
 * from the views (pages) and the zod schemas (API); a test checks the forms still have no field
 * these lists miss.
 */

export type Who = 'anonymous' | 'admin' | 'assessor' | 'qa' | 'provider' | 'employer';

/** Problems with what was stored after an accepted request (empty: the record is whole). */
type Stored<B> = (ctx: TestContext, f: Fixture, body: B) => string[];

export interface PageSpec {
  label?: string;
  as: Who[];
  url: (f: Fixture) => string;
  /**
   * Each run asks about a record of its own, made by this (for a form that can succeed only once
   * per record), instead of `url`; `rename` turns the fixture's ids in field names into its own.
   */
  target?: (ctx: TestContext, f: Fixture, n: number) => { url: string; rename?: [string, string][] };
  fields: (f: Fixture) => string[];
  /** Free-text fields: hostile text that is still valid input goes here, to be stored and shown. */
  text?: (f: Fixture) => string[];
  /** Well-formed fields that reach for records outside the request's own: another result's grading, another apprentice. */
  reach?: (f: Fixture) => Pairs[];
  /** A body the rules would accept (n is different in every run, for values that must be new). */
  valid?: (f: Fixture, n: number) => Pairs;
  /** The page the form is on (GET, as the first role): every field it has must be in `fields`. */
  formPage?: (f: Fixture) => string;
  /** Accepted requests answer with a download of this type rather than a page. */
  download?: string;
  /** Invalid input is refused with the error page (a message, no form) rather than the form again. */
  errorPage?: boolean;
  /** Each run signs in afresh: the form ends the session. */
  fresh?: boolean;
  /** A multipart upload: the file's field and the kind of file the page reads. */
  upload?: { field: string; kind: 'csv' | 'plan' | 'hours' | 'catalogue' | 'evidence' };
  stored?: Stored<Pairs>;
  /** Fewer runs for a route whose success is slow (the auto-scheduler). */
  runs?: number;
  /** After the route's runs: puts back what they may have changed that the other routes' fixtures need. */
  after?: (ctx: TestContext, f: Fixture) => void;
}

export interface ApiSpec {
  label?: string;
  as: Who[];
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: (f: Fixture) => string;
  fields: string[];
  /** Free-text fields (dotted paths inside the body): hostile text that is still valid input goes here. */
  text?: string[];
  valid?: (f: Fixture, n: number) => unknown;
  /** The import also reads CSV (text/csv). */
  csv?: boolean;
  /** The route takes a multipart upload, not JSON. */
  multipart?: boolean;
  /** After success: a page that shows what was stored, to check it is escaped there too. */
  page?: (f: Fixture, body: Record<string, unknown>, response: unknown) => string | undefined;
  stored?: Stored<Record<string, unknown>>;
}

/* ---------- Values ---------- */

const ULNS = validUlns(4000, 600_000_000);
export const ulnFor = (n: number) => ULNS[n % ULNS.length]!;
/** ULNs for records a test makes itself (never those of ulnFor), each used once. */
const SPARE_ULNS = validUlns(5000, 650_000_000);
let sparesUsed = 0;
const spareUln = () => {
  if (sparesUsed === SPARE_ULNS.length)
    throw new Error('Out of spare ULNs: raise their number in test/property/specs.ts');
  return SPARE_ULNS[sparesUsed++]!;
};
/** ULNs an apprentice's ULN is corrected to, one a run. */
const CORRECTED_ULNS = validUlns(2000, 680_000_000);
/** A new entry in A's off-the-job log, for a run that corrects or removes one. */
const spareHoursEntry = (ctx: TestContext, f: Fixture): number =>
  Number(
    ctx.db.$client
      .prepare(
        `insert into off_the_job_hours (apprentice_id, date, hours, activity, kind) values (?, ?, 3, 'Spare entry', 'training')`,
      )
      .run(f.a.id, day(-40)).lastInsertRowid,
  );
let sparesMade = 0;
/** A user made for one run (an account action must not touch the fixture's users); disabled when asked. */
const spareUser = (ctx: TestContext, disabled = false): number =>
  Number(
    ctx.db.$client
      .prepare(
        "insert into users (email, name, role, password_hash, disabled_at) values (?, 'Spare User', 'assessor', 'scrypt$x', ?) returning id",
      )
      .pluck()
      .get(`spare.${++sparesMade}@test.example`, disabled ? now().toUTC().toISO() : null),
  );
const day = (offset: number) => isoDate(today().plus({ days: offset }));
const parts = (prefix: string, iso: string): Pairs => {
  const [y, m, d] = iso.split('-') as [string, string, string];
  return [
    [`${prefix}[day]`, String(Number(d))],
    [`${prefix}[month]`, String(Number(m))],
    [`${prefix}[year]`, y],
  ];
};
const dateFields = (prefix: string) => [`${prefix}[day]`, `${prefix}[month]`, `${prefix}[year]`];
const keys = (schema: z.ZodType) => Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape);
const DELIVERY_FIELDS = keys(deliveryInputSchema);
const VALID_DELIVERY = DELIVERY_FORM;

export const DEMO_PLAN = JSON.parse(
  readFileSync(new URL('../../fixtures/plans/ST0815-1.0-demo.json', import.meta.url), 'utf8'),
) as PlanFile;
const criteriaOf = (methodId: string) => DEMO_PLAN.criteria.filter((c) => c.method === methodId).map((c) => c.id);
/** Paths inside a plan file that the property test changes besides its top-level fields. */
const PLAN_PATHS = [
  'standard.reference',
  'standard.version',
  'methods.0.id',
  'methods.0.name',
  'methods.0.durationMinutes',
  'methods.0.delivery',
  'methods.0.ksbs',
  'methods.1.after',
  'criteria.0.id',
  'criteria.0.text',
  'criteria.0.ksbs',
  'criteria.1.method',
  'combination.0.methods',
  'combination.0.overall',
  'gatewayItems.0.id',
  'gatewayItems.0.name',
  'gatewayItems.1.description',
];

/** One row of the database, by SQL. */
function row(ctx: TestContext, sql: string, ...params: unknown[]): Record<string, unknown> | undefined {
  return ctx.db.$client.prepare(sql).get(...params) as Record<string, unknown> | undefined;
}

/** Compares stored text with what was sent (after the schema's trim); a field not sent plainly is not compared. */
function sameText(problems: string[], what: string, stored: unknown, sent: unknown) {
  if (typeof sent !== 'string') return;
  if (stored !== sent.trim())
    problems.push(
      `${what}: stored ${JSON.stringify(String(stored).slice(0, 80))}, sent ${JSON.stringify(sent.slice(0, 80))}`,
    );
}

function sameNumber(problems: string[], what: string, stored: unknown, sent: unknown) {
  if (sent === undefined) return;
  if (stored !== Number(typeof sent === 'string' ? sent.trim() : sent))
    problems.push(`${what}: stored ${String(stored)}, sent ${JSON.stringify(sent)}`);
}

const apprenticeStored = (ctx: TestContext, uln: string | undefined, sent: (k: string) => unknown): string[] => {
  const problems: string[] = [];
  const a = uln ? row(ctx, 'select * from apprentices where uln = ?', uln.trim()) : undefined;
  if (!a) return [`no apprentice with ULN ${uln} was stored`];
  sameText(problems, 'given names', a.given_names, sent('givenNames'));
  sameText(problems, 'family name', a.family_name, sent('familyName'));
  sameText(problems, 'employer', a.employer_id, sent('employerId'));
  sameNumber(problems, 'weekly hours', a.weekly_hours, sent('weeklyHours'));
  return problems;
};

/* ---------- The plan builder ---------- */

const ST0815_KSBS: string[] = (
  JSON.parse(readFileSync('fixtures/standards/ST0815-1.0.json', 'utf8')) as { ksbs: { code: string }[] }
).ksbs.map((k) => k.code);
const DRAFT_DETAIL_FIELDS = [
  'id',
  'title',
  'regime',
  'demo',
  'option',
  'notice',
  'epaPeriodMonths',
  'resitWindowMonths',
  'retakeWindowMonths',
  'maxAttempts',
  'wholeAssessmentMonths',
  'revision',
];

/** A new draft, a copy of the demo plan, for a form that can succeed once per draft. */
function copyOfDemoPlan(ctx: TestContext): number {
  const started = startDraft(
    ctx.db,
    findUser(ctx.db, ctx.users.admin.id)!,
    { reference: 'ST0815', version: '1.0' },
    { from: DEMO_PLAN.id },
    isoInstant(now()),
  );
  if (!started.ok) throw new Error('A copy of the demo plan could not be started');
  return started.value.id;
}

/* ---------- Pages ---------- */

const apprenticeFields = () => [
  'uln',
  'givenNames',
  'familyName',
  ...dateFields('dateOfBirth'),
  ...dateFields('startDate'),
  ...dateFields('plannedEndDate'),
  'standard',
  'providerUkprn',
  'employerId',
  'weeklyHours',
  'bslFirstLanguage',
  'englishMathsChoice',
];
const apprenticePairs = (f: Fixture, uln: string): Pairs => [
  ['uln', uln],
  ['givenNames', 'Ada'],
  ['familyName', 'Lovelace'],
  ...parts('dateOfBirth', '2000-01-15'),
  ...parts('startDate', '2024-09-01'),
  ...parts('plannedEndDate', '2026-03-01'),
  ['standard', 'ST0815/1.0'],
  ['providerUkprn', f.a.providerUkprn],
  ['employerId', f.a.employerId],
  ['weeklyHours', '37.5'],
  ['englishMathsChoice', ''],
];
const criterionFields = (prefix: (id: string) => string, methodId: string) =>
  criteriaOf(methodId).flatMap((id) => [`${prefix(id)}[met]`, `${prefix(id)}[evidence]`]);
const WEEKDAY_KEYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

export const PAGE_SPECS: Record<string, PageSpec | PageSpec[]> = {
  'POST /sign-in': {
    as: ['anonymous'],
    url: () => '/sign-in',
    fields: () => ['email', 'password', 'returnTo'],
    text: () => ['email', 'returnTo'],
    valid: (f) => [
      ['email', 'admin@test.example'],
      ['password', PASSWORD],
      ['returnTo', `/apprentices/${f.a.uln}`],
    ],
    formPage: () => '/sign-in',
    fresh: true,
  },
  'POST /sign-out': {
    as: ['admin', 'provider', 'assessor'],
    url: () => '/sign-out',
    fields: () => [],
    fresh: true,
    runs: 8,
  },

  'POST /apprentices/new': {
    as: ['admin', 'provider'],
    url: () => '/apprentices/new',
    fields: apprenticeFields,
    text: () => ['givenNames', 'familyName'],
    valid: (f, n) => apprenticePairs(f, ulnFor(n)),
    formPage: () => '/apprentices/new',
    stored: (ctx, _f, pairs) => apprenticeStored(ctx, sentField(pairs, 'uln'), (k) => sentField(pairs, k)),
  },
  'POST /apprentices/import': {
    as: ['admin', 'provider'],
    url: () => '/apprentices/import',
    fields: () => ['csvFile'],
    upload: { field: 'csvFile', kind: 'csv' },
    formPage: () => '/apprentices/import',
  },
  'POST /apprentices/:uln/edit': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.c.uln}/edit`,
    fields: () => [...apprenticeFields().filter((k) => k !== 'uln'), 'reason'],
    text: () => ['givenNames', 'familyName', 'reason'],
    valid: (f) => [...apprenticePairs(f, f.c.uln).filter(([k]) => k !== 'uln'), ['reason', 'Corrected the spelling']],
    formPage: (f) => `/apprentices/${f.c.uln}/edit`,
    stored: (ctx, f, pairs) => apprenticeStored(ctx, f.c.uln, (k) => sentField(pairs, k)),
  },
  'POST /apprentices/:uln/uln': {
    as: ['admin'],
    url: (f) => `/apprentices/${f.c.uln}/uln`,
    // Each run corrects an apprentice of its own: a correction succeeds once.
    target: (ctx) => ({ url: `/apprentices/${readyApprentice(ctx.db, spareUln(), 'Una', 'Ulnfix').uln}/uln` }),
    fields: () => ['uln', 'reason'],
    text: () => ['reason'],
    valid: (_f, n) => [
      ['uln', CORRECTED_ULNS[n % CORRECTED_ULNS.length]!],
      ['reason', 'Typed wrongly at enrolment; the LRS record gives this one'],
    ],
    formPage: (f) => `/apprentices/${f.c.uln}/uln`,
  },
  'POST /apprentices/:uln/qualifications/new': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/qualifications/new`,
    fields: () => ['subject', 'type', 'level', 'grade', ...dateFields('achievedOn'), 'certificateReference'],
    text: () => ['grade', 'certificateReference'],
    valid: () => [
      ['subject', 'english'],
      ['type', 'gcse'],
      ['level', '2'],
      ['grade', '4'],
      ...parts('achievedOn', '2018-06-20'),
      ['certificateReference', 'CERT-1'],
    ],
    formPage: (f) => `/apprentices/${f.a.uln}/qualifications/new`,
    stored: (ctx, f, pairs) => {
      const q = row(ctx, 'select * from qualifications where apprentice_id = ? order by id desc', f.a.id);
      const problems: string[] = [];
      if (!q) return ['no qualification was stored'];
      sameText(problems, 'grade', q.grade, sentField(pairs, 'grade'));
      sameText(problems, 'certificate reference', q.certificate_reference, sentField(pairs, 'certificateReference'));
      sameNumber(problems, 'level', q.level, sentField(pairs, 'level'));
      return problems;
    },
  },
  'POST /apprentices/:uln/hours/import': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/hours/import`,
    fields: () => ['csvFile'],
    upload: { field: 'csvFile', kind: 'hours' },
    formPage: (f) => `/apprentices/${f.a.uln}/hours/import`,
  },
  'POST /apprentices/:uln/hours/:id/edit': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/edit`,
    // Each run corrects an entry of its own.
    target: (ctx, f) => ({ url: `/apprentices/${f.a.uln}/hours/${spareHoursEntry(ctx, f)}/edit` }),
    fields: () => [...dateFields('date'), ...dateFields('to'), 'hours', 'activity', 'kind', 'reason'],
    text: () => ['activity', 'reason'],
    valid: () => [
      ...parts('date', day(-14)),
      ...parts('to', day(-10)),
      ['hours', '20'],
      ['activity', 'Workshop week'],
      ['kind', 'training'],
      ['reason', 'Logged as one day; it was the week'],
    ],
    formPage: (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/edit`,
  },
  'POST /apprentices/:uln/hours/:id/remove': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/remove`,
    target: (ctx, f) => ({ url: `/apprentices/${f.a.uln}/hours/${spareHoursEntry(ctx, f)}/remove` }),
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Logged twice']],
    formPage: (f) => `/apprentices/${f.a.uln}/hours/${f.hoursEntry}/remove`,
  },
  'POST /apprentices/:uln/hours/new': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/hours/new`,
    fields: () => [...dateFields('date'), ...dateFields('to'), 'hours', 'activity', 'kind'],
    text: () => ['activity'],
    valid: () => [
      ...parts('date', day(-30)),
      ['hours', '3.5'],
      ['activity', 'Casework training'],
      ['kind', 'training'],
    ],
    formPage: (f) => `/apprentices/${f.a.uln}/hours/new`,
    stored: (ctx, f, pairs) => {
      const h = row(ctx, 'select * from off_the_job_hours where apprentice_id = ? order by id desc', f.a.id);
      const problems: string[] = [];
      if (!h) return ['no hours were stored'];
      sameText(problems, 'activity', h.activity, sentField(pairs, 'activity'));
      sameNumber(problems, 'hours', h.hours, sentField(pairs, 'hours'));
      return problems;
    },
  },
  'POST /apprentices/:uln/marking': {
    as: ['provider'],
    url: (f) => `/apprentices/${f.a.uln}/marking`,
    fields: () => ['methodId', ...dateFields('date'), 'time', 'mode', 'location', 'link'],
    text: () => ['location'],
    // A's plan has no provider-marked component: every body is refused, and the page says why.
    errorPage: true,
  },
  'POST /apprentices/:uln/adjustments/new': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/adjustments/new`,
    fields: () => ['methodId', 'types', 'extraTimePercent', 'reason'],
    text: () => ['reason'],
    valid: () => [
      ['methodId', 'discussion'],
      ['types', 'extra_time'],
      ['types', 'bsl_interpreter'],
      ['extraTimePercent', '25'],
      ['reason', 'Dyslexia: slower reading'],
    ],
    formPage: (f) => `/apprentices/${f.a.uln}/adjustments/new`,
    stored: (ctx, f, pairs) => {
      const r = row(
        ctx,
        "select * from assessment_requests where apprentice_id = ? and kind = 'adjustment' order by id desc",
        f.a.id,
      );
      const problems: string[] = [];
      if (!r) return ['no request was stored'];
      sameText(problems, 'reason', r.details, sentField(pairs, 'reason'));
      return problems;
    },
  },
  'POST /apprentices/:uln/special-consideration/new': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/special-consideration/new`,
    fields: () => ['bookingId', 'reason'],
    text: () => ['reason'],
    // D's booking is not A's: it is refused as one of A's assessments.
    reach: (f) => [[['bookingId', String(f.gradableBooking)]]],
    valid: (f) => [
      ['bookingId', String(f.booking)],
      ['reason', 'A fire alarm stopped the presentation'],
    ],
    formPage: (f) => `/apprentices/${f.a.uln}/special-consideration/new`,
    stored: (ctx, f, pairs) => {
      const r = row(
        ctx,
        "select * from assessment_requests where apprentice_id = ? and kind = 'special_consideration' order by id desc",
        f.a.id,
      );
      const problems: string[] = [];
      if (!r) return ['no request was stored'];
      sameText(problems, 'circumstances', r.details, sentField(pairs, 'reason'));
      return problems;
    },
  },
  'POST /requests/:id/decision': {
    as: ['admin'],
    url: (f) => `/requests/${f.request}/decision`,
    target: (ctx, f) => ({ url: `/requests/${openRequest(ctx, f.a.uln)}/decision` }),
    fields: () => ['status', 'approvedTypes', 'approvedExtraTimePercent', 'effect', 'reason', 'revision'],
    text: () => ['reason'],
    valid: () => [
      ['status', 'approved'],
      ['reason', 'The report supports it'],
    ],
    formPage: (f) => `/requests/${f.request}`,
  },
  'POST /requests/:id/appeal': {
    as: ['provider'],
    url: (f) => `/requests/${f.refusedRequest}/appeal`,
    target: (ctx, f) => ({ url: `/requests/${refusedRequest(ctx, f.a.uln)}/appeal` }),
    fields: () => ['grounds', 'statement'],
    text: () => ['grounds', 'statement'],
    valid: () => [
      ['grounds', 'The specialist report was not read'],
      ['statement', 'I need the extra time to read the questions'],
    ],
    formPage: (f) => `/requests/${f.refusedRequest}`,
  },
  'POST /requests/:id/withdraw': {
    as: ['admin', 'provider'],
    url: (f) => `/requests/${f.request}/withdraw`,
    target: (ctx, f) => ({ url: `/requests/${openRequest(ctx, f.a.uln)}/withdraw` }),
    fields: () => [],
    valid: () => [],
    formPage: (f) => `/requests/${f.request}`,
  },
  'POST /cases/new': {
    as: ['admin', 'qa', 'assessor', 'provider'],
    url: () => '/cases/new',
    fields: () => ['kind', 'against', 'uln', 'methodId', 'assessorUserId', 'providerUkprn', 'allegation'],
    text: () => ['allegation'],
    // B is not the provider's, nor assessed by the assessor.
    reach: (f) => [
      [
        ['against', 'assessment'],
        ['uln', f.b.uln],
        ['methodId', 'project'],
      ],
    ],
    valid: (f) => [
      ['kind', 'malpractice'],
      ['against', 'assessment'],
      ['uln', f.a.uln],
      ['methodId', 'discussion'],
      ['allegation', 'Notes seen on the desk'],
    ],
    formPage: () => '/cases/new',
    stored: (ctx, _f, pairs) => {
      const c = row(ctx, 'select * from cases order by id desc');
      const problems: string[] = [];
      if (!c) return ['no case was stored'];
      sameText(problems, 'allegation', c.allegation, sentField(pairs, 'allegation'));
      return problems;
    },
  },
  'POST /cases/:id/investigator': {
    as: ['admin'],
    url: (f) => `/cases/${f.case}/investigator`,
    target: (ctx, f) => ({ url: `/cases/${caseToDecide(ctx, f, false)}/investigator` }),
    fields: () => ['investigatorUserId'],
    reach: (f) => [[['investigatorUserId', String(f.assessor)]]],
    valid: (f) => [['investigatorUserId', String(f.qaUser)]],
    formPage: (f) => `/cases/${f.case}`,
  },
  'POST /cases/:id/decision': {
    as: ['qa'],
    url: (f) => `/cases/${f.case}/decision`,
    target: (ctx, f) => ({ url: `/cases/${caseToDecide(ctx, f)}/decision` }),
    fields: () => ['outcome', 'sanction', 'reason', 'revision'],
    text: () => ['reason'],
    valid: () => [
      ['outcome', 'upheld'],
      ['sanction', 'warning'],
      ['reason', 'The logs were made up'],
    ],
  },
  'POST /cases/:id/holds': {
    as: ['admin'],
    url: (f) => `/cases/${f.case}/holds`,
    target: (ctx, f) => ({ url: `/cases/${caseToDecide(ctx, f)}/holds` }),
    fields: () => ['uln', 'holdReason'],
    text: () => ['holdReason'],
    // B is with another provider: a case against A's provider may not hold B's result.
    reach: (f) => [[['uln', f.b.uln]]],
    valid: (f) => [
      ['uln', f.a.uln],
      ['holdReason', 'Signed off by the provider under investigation'],
    ],
    formPage: (f) => `/cases/${f.case}`,
    stored: (ctx, f, pairs) => {
      const hold = row(ctx, 'select * from case_holds order by id desc limit 1');
      if (!hold) return ['no hold was stored'];
      const problems: string[] = [];
      if (hold.apprentice_id !== f.a.id) problems.push(`the hold names apprentice ${String(hold.apprentice_id)}`);
      sameText(problems, 'holdReason', hold.reason, sentField(pairs, 'holdReason'));
      return problems;
    },
    // The runs' holds would keep A's result from release and claims for the routes after this one.
    after: (ctx) => ctx.db.delete(caseHolds).run(),
  },
  'POST /cases/:id/holds/:holdId/end': {
    as: ['admin'],
    url: (f) => `/cases/${f.case}/holds/1/end`,
    target: (ctx, f) => {
      const { caseId, holdId } = caseHoldingA(ctx, f);
      return { url: `/cases/${caseId}/holds/${holdId}/end` };
    },
    fields: () => ['endReason'],
    text: () => ['endReason'],
    valid: () => [['endReason', 'Named by mistake: the portfolio was signed by the employer']],
    after: (ctx) => ctx.db.delete(caseHolds).run(),
  },
  'POST /apprentices/:uln/breaks/new': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/breaks/new`,
    fields: () => [...dateFields('from'), ...dateFields('to'), 'reason'],
    text: () => ['reason'],
    // Each run a day of its own, after A's start and clear of the fixture's break.
    valid: (f, n) => {
      const from = isoDate(DateTime.fromISO(f.a.startDate).plus({ days: 100 + 2 * n }));
      return [...parts('from', from), ...parts('to', from), ['reason', 'Bereavement leave']];
    },
    formPage: (f) => `/apprentices/${f.a.uln}/breaks/new`,
    stored: (ctx, f, pairs) => {
      const b = row(ctx, 'select * from learning_breaks where apprentice_id = ? order by id desc', f.a.id);
      const problems: string[] = [];
      if (!b) return ['no break was stored'];
      sameText(problems, 'reason', b.reason, sentField(pairs, 'reason'));
      return problems;
    },
  },
  'POST /apprentices/:uln/breaks/:id/remove': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/breaks/${f.learningBreak}/remove`,
    target: (ctx, f, n) => {
      const from = isoDate(DateTime.fromISO(f.a.startDate).plus({ days: 1001 + 2 * n }));
      addLearningBreak(ctx.db, f.a, { from, to: from, reason: 'To remove' }, SETUP_ACTOR);
      return { url: `/apprentices/${f.a.uln}/breaks/${breaksOf(ctx.db, f.a.id).at(-1)!.id}/remove` };
    },
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Recorded against the wrong apprentice']],
    formPage: (f) => `/apprentices/${f.a.uln}/breaks/${f.learningBreak}/remove`,
  },
  'POST /apprentices/:uln/earlier-episodes/new': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/earlier-episodes/new`,
    fields: () => [...dateFields('startDate'), ...dateFields('endDate'), 'provider', 'reason'],
    text: () => ['provider', 'reason'],
    // Each run a day of its own, long before A's start and clear of the fixture's episode.
    valid: (f, n) => {
      const on = isoDate(DateTime.fromISO(f.a.startDate).minus({ days: 400 + 2 * n }));
      return [...parts('startDate', on), ...parts('endDate', on), ['provider', '10099999'], ['reason', 'Moved away']];
    },
    formPage: (f) => `/apprentices/${f.a.uln}/earlier-episodes/new`,
    stored: (ctx, f, pairs) => {
      const e = row(ctx, 'select * from earlier_episodes where apprentice_id = ? order by id desc', f.a.id);
      const problems: string[] = [];
      if (!e) return ['no earlier episode was stored'];
      sameText(problems, 'provider', e.provider, sentField(pairs, 'provider'));
      sameText(problems, 'reason', e.reason, sentField(pairs, 'reason'));
      return problems;
    },
  },
  'POST /apprentices/:uln/earlier-episodes/:id/remove': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}/remove`,
    target: (ctx, f, n) => {
      const on = isoDate(DateTime.fromISO(f.a.startDate).minus({ days: 1001 + 2 * n }));
      addEarlierEpisode(ctx.db, f.a, { startDate: on, endDate: on, provider: 'P', reason: 'To remove' }, SETUP_ACTOR);
      return {
        url: `/apprentices/${f.a.uln}/earlier-episodes/${earlierEpisodesOf(ctx.db, f.a.id).at(-1)!.id}/remove`,
      };
    },
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Recorded against the wrong apprentice']],
    formPage: (f) => `/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}/remove`,
  },
  'POST /apprentices/:uln/english-maths-flexibility': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/english-maths-flexibility`,
    fields: () => ['basis', ...dateFields('decidedOn'), 'reference'],
    text: () => ['reference'],
    valid: () => [['basis', 'professional_judgement'], ...parts('decidedOn', day(-400)), ['reference', 'SENCo report']],
    formPage: (f) => `/apprentices/${f.a.uln}/english-maths-flexibility`,
    stored: (ctx, f, pairs) => {
      const j = row(ctx, 'select * from flexibility_judgements where apprentice_id = ?', f.a.id);
      const problems: string[] = [];
      if (!j) return ['no judgement was stored'];
      sameText(problems, 'reference', j.reference, sentField(pairs, 'reference'));
      return problems;
    },
  },
  'POST /apprentices/:uln/english-maths-flexibility/withdraw': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/english-maths-flexibility/withdraw`,
    target: (ctx, f) => {
      ctx.db
        .insert(flexibilityJudgements)
        .values({ apprenticeId: f.a.id, basis: 'ehc_plan' })
        .onConflictDoNothing()
        .run();
      return { url: `/apprentices/${f.a.uln}/english-maths-flexibility/withdraw` };
    },
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'The plan was recorded for another apprentice']],
    formPage: (f) => `/apprentices/${f.a.uln}/english-maths-flexibility/withdraw`,
  },
  'POST /apprentices/:uln/prior-learning': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/prior-learning`,
    fields: () => ['hours', 'reason'],
    text: () => ['reason'],
    valid: () => [
      ['hours', '40'],
      ['reason', 'Level 3 certificate in employment law'],
    ],
    formPage: (f) => `/apprentices/${f.a.uln}/prior-learning`,
    stored: (ctx, f, pairs) => {
      const a = row(ctx, 'select * from apprentices where id = ?', f.a.id);
      const problems: string[] = [];
      sameNumber(problems, 'prior learning hours', a?.prior_learning_hours, sentField(pairs, 'hours'));
      // 0 hours (however written, -0 too) removes the prior learning, and its reason with it.
      if (Number(sentField(pairs, 'hours')) === 0) {
        if (a?.prior_learning_reason !== null)
          problems.push(`reason: kept ${JSON.stringify(a?.prior_learning_reason)} for 0 hours`);
      } else sameText(problems, 'reason', a?.prior_learning_reason, sentField(pairs, 'reason'));
      return problems;
    },
  },
  'POST /apprentices/:uln/certificate-delivery': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/certificate-delivery`,
    fields: () => [...DELIVERY_FIELDS],
    text: () => ['contactName', 'department', 'organisation', 'addressLine1', 'addressLine2', 'addressLine3', 'city'],
    valid: () => Object.entries(VALID_DELIVERY),
    formPage: (f) => `/apprentices/${f.a.uln}/certificate-delivery`,
    stored: (ctx, f, pairs) => {
      const d = row(ctx, 'select * from certificate_deliveries where apprentice_id = ?', f.a.id);
      const problems: string[] = [];
      for (const [field, column] of [
        ['contactName', 'contact_name'],
        ['organisation', 'organisation'],
        ['addressLine1', 'address_line_1'],
        ['city', 'city'],
      ] as const)
        sameText(problems, field, d?.[column], sentField(pairs, field));
      return problems;
    },
  },
  'POST /standards/:reference/:version/off-the-job-minimum': {
    as: ['admin'],
    url: () => '/standards/ST0815/1.0/off-the-job-minimum',
    fields: () => ['hours', 'source'],
    text: () => ['source'],
    valid: () => [
      ['hours', '420'],
      ['source', 'Funding rules 2025 to 2026, published minimums'],
    ],
    formPage: () => '/standards/ST0815/1.0/off-the-job-minimum',
    stored: (ctx, _f, pairs) => {
      const v = row(ctx, "select * from standard_versions where reference = 'ST0815' and version = '1.0'");
      const problems: string[] = [];
      sameNumber(problems, 'hours', v?.off_the_job_minimum_hours, sentField(pairs, 'hours'));
      sameText(problems, 'source', v?.off_the_job_minimum_source, sentField(pairs, 'source'));
      return problems;
    },
  },
  'POST /standards/:reference/:version/qualification-number': {
    as: ['admin'],
    url: () => '/standards/ST0815/1.0/qualification-number',
    fields: () => ['qualificationNumber', 'source'],
    text: () => ['source'],
    valid: () => [
      ['qualificationNumber', '603/1234/5'],
      ['source', 'Ofqual register, checked 6 December 2026'],
    ],
    formPage: () => '/standards/ST0815/1.0/qualification-number',
    stored: (ctx, _f, pairs) => {
      const v = row(ctx, "select * from standard_versions where reference = 'ST0815' and version = '1.0'");
      const problems: string[] = [];
      const sent = sentField(pairs, 'qualificationNumber');
      if (sent !== undefined) sameText(problems, 'number', v?.qualification_number ?? '', sent.trim().toUpperCase());
      return problems;
    },
  },
  'POST /standards/:reference/:version/approval': {
    as: ['admin'],
    url: () => '/standards/ST0815/1.0/approval',
    fields: () => ['approved', 'source'],
    text: () => ['source'],
    valid: () => [
      ['approved', 'yes'],
      ['source', 'Register of end-point assessment organisations, checked 6 December 2026'],
    ],
    formPage: () => '/standards/ST0815/1.0/approval',
    // A run may withdraw the approval, and then no route after this one could add an apprentice on the version.
    after: (ctx, f) =>
      recordApproval(
        ctx.db,
        f.a.standardVersionId,
        { approved: true, source: 'Restored after the approval form’s runs (test)' },
        SETUP_ACTOR,
        isoInstant(now()),
      ),
    stored: (ctx, _f, pairs) => {
      const a = row(
        ctx,
        "select a.* from epao_approvals a join standard_versions v on v.id = a.standard_version_id where v.reference = 'ST0815' and v.version = '1.0'",
      );
      const problems: string[] = [];
      const approved = sentField(pairs, 'approved');
      if (approved === 'yes') sameText(problems, 'source', a?.source, sentField(pairs, 'source'));
      if (approved === 'no' && a) problems.push('an approval withdrawn is still recorded');
      return problems;
    },
  },
  // The plan builder, on the fixture's draft (a copy of the demo plan).
  'POST /standards/:reference/:version/plans/new': {
    as: ['admin'],
    url: () => '/standards/ST0815/1.0/plans/new',
    fields: () => ['from'],
    valid: (_f, n) => [['from', n % 2 === 0 ? 'nothing' : DEMO_PLAN.id]],
    formPage: () => '/standards/ST0815/1.0/plans/new',
  },
  'POST /plan-drafts/:draft/details': {
    as: ['admin'],
    url: (f) => `/plan-drafts/${f.planDraft}/details`,
    fields: () => DRAFT_DETAIL_FIELDS,
    text: () => ['id', 'title', 'notice'],
    valid: (_f, n) => [
      ['id', `ST0815-1.0-property-${n}`],
      ['title', 'A plan built by the property tests'],
      ['regime', 'epa'],
      ['demo', 'yes'],
      ['notice', 'Test data'],
      ['epaPeriodMonths', '3'],
      ['resitWindowMonths', '3'],
      ['retakeWindowMonths', '6'],
      ['maxAttempts', ''],
      ['wholeAssessmentMonths', ''],
    ],
    formPage: (f) => `/plan-drafts/${f.planDraft}/details`,
    stored: (ctx, f, pairs) => {
      const problems: string[] = [];
      const draft = JSON.parse(
        String(row(ctx, 'select document from plan_drafts where id = ?', f.planDraft)?.document),
      ) as Record<string, unknown>;
      sameText(problems, 'id', draft.id, sentField(pairs, 'id'));
      sameText(problems, 'title', draft.title, sentField(pairs, 'title'));
      return problems;
    },
  },
  'POST /plan-drafts/:draft/ksbs': {
    as: ['admin'],
    url: (f) => `/plan-drafts/${f.planDraft}/ksbs`,
    fields: () => [...ST0815_KSBS.map((code) => `role-${code}`), 'revision'],
    valid: () => ST0815_KSBS.map((code) => [`role-${code}`, 'core']),
    formPage: (f) => `/plan-drafts/${f.planDraft}/ksbs`,
  },
  'POST /plan-drafts/:draft/grades': {
    as: ['admin'],
    url: (f) => `/plan-drafts/${f.planDraft}/grades`,
    fields: () => [
      ...GRADES.flatMap((_, i) => [`methodGrades-${i}`, `overallGrades-${i}`]),
      'resitRetakeGradeCap',
      ...DEMO_PLAN.combination.map((_, i) => `overall-${i}`),
      'revision',
    ],
    valid: () => [
      ...DEMO_PLAN.methodGrades.map((g, i): [string, string] => [`methodGrades-${i}`, g]),
      ...DEMO_PLAN.overallGrades.map((g, i): [string, string] => [`overallGrades-${i}`, g]),
      ['resitRetakeGradeCap', 'Pass'],
      ...DEMO_PLAN.combination.map((_, i): [string, string] => [`overall-${i}`, 'Pass']),
    ],
    formPage: (f) => `/plan-drafts/${f.planDraft}/grades`,
  },
  // Each run publishes a draft of its own (a copy of the demo plan, with an id of its own).
  'POST /plan-drafts/:draft/publish': {
    as: ['admin'],
    url: (f) => `/plan-drafts/${f.planDraft}/publish`,
    target: (ctx) => ({ url: `/plan-drafts/${copyOfDemoPlan(ctx)}/publish` }),
    fields: () => ['makeDefault'],
    valid: () => [['makeDefault', 'no']],
    formPage: (f) => `/plan-drafts/${f.planDraft}`,
  },
  'POST /plan-drafts/:draft/discard': {
    as: ['admin'],
    url: (f) => `/plan-drafts/${f.planDraft}/discard`,
    target: (ctx) => ({ url: `/plan-drafts/${copyOfDemoPlan(ctx)}/discard` }),
    fields: () => ['confirm'],
    valid: () => [['confirm', 'yes']],
    formPage: (f) => `/plan-drafts/${f.planDraft}/discard`,
  },
  'POST /plan-drafts/:draft/:list/:item': [
    {
      label: 'a method',
      as: ['admin'],
      url: (f) => `/plan-drafts/${f.planDraft}/methods/0`,
      fields: () => [
        'id',
        'name',
        'description',
        'durationMinutes',
        'delivery',
        'timing',
        'marker',
        'moderationSamplePercent',
        'earliestDayAfterGateway',
        'after-1',
        'ksbs',
        'action',
        'revision',
      ],
      text: () => ['id', 'name', 'description'],
      valid: () => [
        ['id', 'project'],
        ['name', 'Project'],
        ['description', 'Test data'],
        ['durationMinutes', '60'],
        ['delivery', 'remote'],
        ['timing', 'end'],
        ['marker', 'assessment_organisation'],
        ['moderationSamplePercent', ''],
        ['earliestDayAfterGateway', '0'],
        ['after-1', ''],
        ...DEMO_PLAN.methods[0]!.ksbs.map((code): [string, string] => ['ksbs', code]),
      ],
      formPage: (f) => `/plan-drafts/${f.planDraft}/methods/0`,
    },
    {
      label: 'a criterion',
      as: ['admin'],
      url: (f) => `/plan-drafts/${f.planDraft}/criteria/new`,
      fields: () => ['id', 'method', 'theme', 'level', 'text', 'ksbs', 'revision'],
      text: () => ['id', 'theme', 'text'],
      valid: (_f, n) => [
        ['id', `PX${n}`],
        ['method', 'project'],
        ['theme', 'Test data'],
        ['level', 'pass'],
        ['text', 'Test data'],
        ['ksbs', 'K2'],
      ],
      formPage: (f) => `/plan-drafts/${f.planDraft}/criteria/new`,
    },
    {
      label: 'a gateway item',
      as: ['admin'],
      url: (f) => `/plan-drafts/${f.planDraft}/gateway-items/0`,
      fields: () => ['id', 'name', 'description', 'action', 'revision'],
      text: () => ['id', 'name', 'description'],
      valid: () => [
        ['id', 'portfolio'],
        ['name', 'Portfolio'],
        ['description', 'Test data'],
      ],
      formPage: (f) => `/plan-drafts/${f.planDraft}/gateway-items/0`,
    },
  ],
  // A's plan leaves no behaviours to the employer, so no body is accepted: every one is refused (409), never a 500.
  'POST /apprentices/:uln/behaviour-verification': {
    as: ['employer'],
    url: (f) => `/apprentices/${f.a.uln}/behaviour-verification`,
    fields: () => ['verifierName', ...dateFields('verifiedOn'), 'statement'],
    errorPage: true,
  },
  'POST /apprentices/:uln/gateway-items/:itemId': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio`,
    fields: () => ['reference'],
    text: () => ['reference'],
    valid: () => [['reference', 'portfolios/evidence-v2.pdf']],
    formPage: (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio`,
    stored: (ctx, f, pairs) => {
      const problems: string[] = [];
      sameText(
        problems,
        'reference',
        row(
          ctx,
          "select reference from gateway_items_provided where apprentice_id = ? and item_id = 'portfolio'",
          f.a.id,
        )?.reference,
        sentField(pairs, 'reference'),
      );
      return problems;
    },
  },
  'POST /apprentices/:uln/declaration': {
    as: ['admin', 'provider', 'employer'],
    url: (f) => `/apprentices/${f.a.uln}/declaration`,
    fields: () => ['part'],
    valid: () => [['part', 'provider']],
    errorPage: true,
  },
  'POST /apprentices/:uln/request-epa': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/request-epa`,
    fields: () => [],
  },

  'POST /gateway/submissions/:id': {
    as: ['admin'],
    url: (f) => `/gateway/submissions/${f.openSubmission}`,
    fields: () => [
      ...CHECK_CODES.flatMap((c) => [`checks[${c}][decision]`, `checks[${c}][reason]`]),
      'outcome',
      'reason',
    ],
    text: () => ['reason', ...CHECK_CODES.map((c) => `checks[${c}][reason]`)],
    valid: () => [
      ...CHECK_CODES.map((c): [string, string] => [`checks[${c}][decision]`, 'reject']),
      ...CHECK_CODES.map((c): [string, string] => [`checks[${c}][reason]`, 'Not shown']),
      ['outcome', 'rejected'],
      ['reason', 'Evidence missing'],
    ],
    formPage: (f) => `/gateway/submissions/${f.openSubmission}`,
  },

  'POST /bookings/auto-schedule': {
    as: ['admin'],
    url: () => '/bookings/auto-schedule',
    fields: () => [],
    formPage: () => '/bookings/auto-schedule',
    runs: 4,
  },
  'POST /bookings/auto-schedule/:id/:action': [
    { label: 'commit', as: ['admin'], url: (f) => `/bookings/auto-schedule/${f.proposal}/commit`, fields: () => [] },
    { label: 'discard', as: ['admin'], url: (f) => `/bookings/auto-schedule/${f.proposal}/discard`, fields: () => [] },
  ],

  'POST /bookings/:id/grade': {
    as: ['assessor'],
    url: (f) => `/bookings/${f.gradableBooking}/grade`,
    fields: () => [
      'action',
      'outcome',
      'outcomeReason',
      'confirm',
      ...criterionFields((id) => `c[${id}]`, 'discussion'),
    ],
    text: () => ['outcomeReason', ...criteriaOf('discussion').map((id) => `c[${id}][evidence]`)],
    valid: () => [
      ['action', 'draft'],
      ['outcome', 'graded'],
      ['outcomeReason', ''],
      ...criteriaOf('discussion').flatMap((id): Pairs => [
        [`c[${id}][met]`, 'yes'],
        [`c[${id}][evidence]`, 'Seen in the discussion'],
      ]),
    ],
    formPage: (f) => `/bookings/${f.gradableBooking}/grade`,
  },
  'POST /moderation/:id': {
    as: ['qa'],
    url: (f) => `/moderation/${f.pendingGrading}`,
    fields: () => ['decision', 'rationale', ...criterionFields((id) => `c[${id}]`, 'project')],
    text: () => ['rationale', ...criteriaOf('project').map((id) => `c[${id}][evidence]`)],
    valid: () => [
      ['decision', 'agreed'],
      ['rationale', 'The evidence supports the decisions'],
    ],
    formPage: (f) => `/moderation/${f.pendingGrading}`,
  },
  'POST /results/release': {
    as: ['admin'],
    url: () => '/results/release',
    fields: () => ['attemptIds'],
    valid: (f) => [['attemptIds', String(f.attempt)]],
    errorPage: true,
  },
  'POST /apprentices/:uln/results/:attemptId/:action': [
    {
      label: 'release',
      as: ['admin'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/release`,
      fields: () => [],
    },
    {
      label: 'exceptional',
      as: ['admin'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/exceptional`,
      fields: () => ['reason'],
      text: () => ['reason'],
      valid: () => [['reason', 'Bereavement']],
    },
    {
      label: 'further',
      as: ['provider', 'employer'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/further`,
      fields: () => ['kind[project]', 'kind[discussion]', 'actionPlan'],
      text: () => ['actionPlan'],
      valid: () => [['kind[project]', 'resit']],
    },
    {
      label: 'agree',
      as: ['employer'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/agree`,
      fields: () => [],
    },
    {
      label: 'decline',
      as: ['employer'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/decline`,
      fields: () => ['declineReason'],
      text: () => ['declineReason'],
    },
    {
      label: 'withdraw',
      as: ['provider'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/withdraw`,
      fields: () => [],
    },
    {
      label: 'outcome',
      as: ['admin'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/outcome`,
      fields: () => ['gradingId', 'decision', 'decisionReason'],
      text: () => ['decisionReason'],
    },
    {
      label: 'appeal',
      as: ['provider', 'employer'],
      url: (f) => `/apprentices/${f.a.uln}/results/${f.attempt}/appeal`,
      fields: () => ['grounds'],
      text: () => ['grounds'],
      valid: () => [['grounds', 'The assessor did not see the portfolio']],
    },
  ],
  // Each run appeals a decision of its own: a warning given after an investigation into a result of its own.
  'POST /apprentices/:uln/results/decisions/:caseId/appeal': {
    as: ['provider'],
    url: (f) => `/apprentices/${f.a.uln}/results/decisions/${f.caseDecision}/appeal`,
    target: (ctx) => {
      const made = completedResult(ctx, spareUln());
      const id = upheldCase(ctx, {
        opener: made.assessor,
        investigator: ctx.users.admin.id,
        uln: made.apprentice.uln,
        methodId: 'project',
        sanction: 'warning',
      });
      return { url: `/apprentices/${made.apprentice.uln}/results/decisions/${id}/appeal` };
    },
    fields: () => ['grounds', 'statement'],
    text: () => ['grounds', 'statement'],
    valid: () => [['grounds', 'The notes were the apprentice’s own reasonable adjustment']],
    formPage: (f) => `/apprentices/${f.a.uln}/results`,
  },
  // Each run appeals a decision of its own: a warning given to A's provider after an investigation into it.
  'POST /cases/decisions-about-you/:caseId/appeal': {
    as: ['provider'],
    url: (f) => `/cases/decisions-about-you/${f.providerDecision}/appeal`,
    target: (ctx, f) => ({ url: `/cases/decisions-about-you/${warnedProvider(ctx, f.a.providerUkprn)}/appeal` }),
    fields: () => ['grounds', 'page'],
    text: () => ['grounds'],
    valid: () => [['grounds', 'The evidence was sent on the day the organisation asked for it']],
    formPage: () => '/cases/decisions-about-you',
  },
  // Each run decides an appeal of its own; the field names also reach for a grading that is not part of the result (D's project).
  'POST /appeals/:id': {
    as: ['admin'],
    url: (f) => `/appeals/${f.appeal}`,
    target: (ctx, f) => {
      const made = appealedResult(ctx, spareUln());
      return {
        url: `/appeals/${made.appeal}`,
        rename: [
          [`[g${f.grading}]`, `[g${made.gradings.project}]`],
          [`[g${f.grading + 1}]`, `[g${made.gradings.discussion}]`],
        ],
      };
    },
    fields: (f) => [
      'decision',
      'reasons',
      'panel',
      ...['project', 'discussion'].flatMap((m, i) => criterionFields((id) => `g[g${f.grading + i}][${id}]`, m)),
      ...criterionFields((id) => `g[g${f.pendingGrading}][${id}]`, 'project').slice(0, 4),
    ],
    text: (f) => ['reasons', ...criteriaOf('project').map((id) => `g[g${f.grading}][${id}][evidence]`)],
    valid: (f) => [
      ['decision', 'upheld'],
      ['reasons', 'The portfolio was not seen'],
      ['panel', String(f.externalReviewer)],
      [`g[g${f.grading}][PR1][met]`, 'no'],
      [`g[g${f.grading}][PR1][evidence]`, 'The portfolio did not show it'],
    ],
    reach: (f) => [
      [
        [`g[g${f.pendingGrading}][PR2][met]`, 'no'],
        [`g[g${f.pendingGrading}][PR2][evidence]`, 'Not seen'],
      ],
      [[`g[g${f.grading + 1}][PD1][met]`, 'no']],
      [
        [`g[g${f.grading + 1}][PR1][met]`, 'no'],
        [`g[g${f.grading + 1}][PR1][evidence]`, 'A criterion of the other method'],
      ],
    ],
    formPage: (f) => `/appeals/${f.appeal}`,
  },
  'POST /admin/settings': {
    as: ['admin'],
    url: () => '/admin/settings',
    fields: () => [
      'epaoName',
      'epaNumber',
      'qaFirstN',
      'qaSampleFails',
      'qaSampleBoundary',
      'qaRandomPercent',
      'appealWorkingDays',
      'requestWorkingDays',
      'evidenceDocumentMb',
      'evidenceImageMb',
      'evidenceRecordingMb',
      'maxAttempts',
      'contactEmail',
      'contactPhone',
      'claimHighestGradeEarly',
      'appealDecisionWorkingDays',
      'refuseHighestGradeAppeals',
    ],
    text: () => ['epaoName'],
    valid: () => [
      ['epaoName', 'Fixture Assessment Ltd'],
      ['epaNumber', 'EPA0123'],
      ['qaFirstN', '5'],
      ['qaSampleFails', 'yes'],
      ['qaSampleBoundary', 'yes'],
      ['qaRandomPercent', '10'],
      ['appealWorkingDays', '15'],
      ['appealDecisionWorkingDays', '20'],
      ['requestWorkingDays', '10'],
      ['evidenceDocumentMb', '100'],
      ['evidenceImageMb', '50'],
      ['evidenceRecordingMb', '2048'],
      ['maxAttempts', ''],
      ['contactEmail', 'results@fixture.example'],
      ['contactPhone', '0161 496 0000'],
    ],
    formPage: () => '/admin/settings',
    stored: (ctx, _f, pairs) => {
      const s = row(ctx, 'select * from epao_settings where id = 1')!;
      const problems: string[] = [];
      const name = sentField(pairs, 'epaoName');
      if (name !== undefined) sameText(problems, 'EPAO name', s.epao_name ?? '', name);
      sameNumber(problems, 'first N', s.qa_first_n, sentField(pairs, 'qaFirstN'));
      sameNumber(problems, 'request working days', s.request_working_days, sentField(pairs, 'requestWorkingDays'));
      return problems;
    },
  },
  // Not configured in the tests' app: every send is refused (409) with a message page, never a 500.
  'POST /claims/send': {
    as: ['admin'],
    url: () => '/claims/send',
    fields: () => [],
    errorPage: true,
  },
  'POST /claims/mark': {
    as: ['admin'],
    url: () => '/claims/mark',
    fields: () => ['asOf'],
    valid: () => [['asOf', now().toISO()]],
    errorPage: true,
  },

  'POST /bookings': {
    as: ['admin'],
    url: () => '/bookings',
    fields: () => [
      'uln',
      'methodId',
      ...dateFields('date'),
      'time',
      'mode',
      'region',
      'location',
      'link',
      'replace',
      'assessorUserId',
    ],
    text: () => ['location'],
    valid: (f) => [
      ['uln', f.b.uln],
      ['methodId', 'discussion'],
      ...parts('date', day(9)),
      ['time', '11:00'],
      ['mode', 'remote'],
      ['region', ''],
      ['location', ''],
      ['link', 'https://meet.example/epa'],
      ['assessorUserId', String(f.otherAssessor)],
    ],
    formPage: (f) =>
      `/bookings/new?uln=${f.b.uln}&methodId=discussion&date[day]=${Number(day(9).slice(8))}&date[month]=${Number(day(9).slice(5, 7))}&date[year]=${day(9).slice(0, 4)}&time=11:00&mode=remote`,
    errorPage: true,
  },
  'POST /bookings/:id/:action': [
    {
      label: 'confirm',
      as: ['assessor'],
      url: (f) => `/bookings/${f.booking}/confirm`,
      fields: () => ['reason'],
      valid: () => [['reason', '']],
    },
    {
      label: 'decline',
      as: ['assessor'],
      url: (f) => `/bookings/${f.booking}/decline`,
      fields: () => ['reason'],
      text: () => ['reason'],
      valid: () => [['reason', 'On leave']],
    },
    {
      label: 'cancel',
      as: ['admin'],
      url: (f) => `/bookings/${f.booking}/cancel`,
      fields: () => ['reason'],
      text: () => ['reason'],
      valid: () => [['reason', 'Apprentice unwell']],
    },
    {
      label: 'complete',
      as: ['admin'],
      url: (f) => `/bookings/${f.booking}/complete`,
      fields: () => ['reason'],
      valid: () => [['reason', '']],
    },
  ],
  // The fixture's booking has taken place: a valid change is refused on the page (409), and nothing changes.
  'POST /bookings/:id/place': {
    as: ['assessor', 'admin'],
    url: (f) => `/bookings/${f.booking}/place`,
    fields: () => ['location', 'link', 'reason'],
    text: () => ['location', 'reason'],
    valid: () => [
      ['link', 'https://meet.example/room'],
      ['reason', 'A new room'],
    ],
  },
  'POST /assessors/:id': {
    as: ['admin'],
    url: (f) => `/assessors/${f.assessor}`,
    fields: () => [
      'perDay',
      'perWeek',
      'standardVersionIds',
      'regions',
      ...WEEKDAY_KEYS.flatMap((d) => [`hours[${d}][start]`, `hours[${d}][end]`]),
      'ownEmployerId',
      'ownProviderUkprn',
    ],
    valid: (f) => [
      ['perDay', '6'],
      ['perWeek', '30'],
      ['standardVersionIds', String(f.a.standardVersionId)],
      ['regions', 'london'],
      ...WEEKDAY_KEYS.flatMap((d): Pairs => [
        [`hours[${d}][start]`, '08:00'],
        [`hours[${d}][end]`, '20:00'],
      ]),
      ['ownEmployerId', ''],
      ['ownProviderUkprn', ''],
    ],
    formPage: (f) => `/assessors/${f.assessor}`,
  },
  'POST /assessors/:id/leave': {
    as: ['admin', 'assessor'],
    url: (f) => `/assessors/${f.assessor}/leave`,
    fields: () => [...dateFields('leaveFrom'), ...dateFields('leaveTo'), 'leaveReason'],
    text: () => ['leaveReason'],
    valid: () => [...parts('leaveFrom', day(200)), ...parts('leaveTo', day(201)), ['leaveReason', 'Annual leave']],
    formPage: (f) => `/assessors/${f.assessor}`,
    stored: (ctx, f, pairs) => {
      const problems: string[] = [];
      sameText(
        problems,
        'reason',
        row(ctx, 'select reason from assessor_unavailability where user_id = ? order by id desc', f.assessor)?.reason,
        sentField(pairs, 'leaveReason'),
      );
      return problems;
    },
  },
  'POST /assessors/:id/conflicts': {
    as: ['admin', 'assessor'],
    url: (f) => `/assessors/${f.assessor}/conflicts`,
    fields: () => ['organisation', ...dateFields('conflictFrom'), ...dateFields('conflictTo'), 'conflictReason'],
    text: () => ['conflictReason'],
    valid: () => [
      ['organisation', 'employer:transport-workers-union'],
      ...parts('conflictFrom', '2024-01-01'),
      ['conflictReason', 'Former branch secretary'],
    ],
    formPage: (f) => `/assessors/${f.assessor}`,
    stored: (ctx, f, pairs) => {
      const problems: string[] = [];
      sameText(
        problems,
        'reason',
        row(ctx, 'select reason from assessor_conflicts where user_id = ? order by id desc', f.assessor)?.reason,
        sentField(pairs, 'conflictReason'),
      );
      return problems;
    },
  },
  'POST /assessors/:id/calendar': {
    as: ['admin', 'assessor'],
    url: (f) => `/assessors/${f.assessor}/calendar`,
    fields: () => [],
    formPage: (f) => `/assessors/${f.assessor}`,
  },
  'POST /assessors/:id/calendar/revoke': {
    as: ['admin', 'assessor'],
    url: (f) => `/assessors/${f.assessor}/calendar/revoke`,
    fields: () => [],
  },
  'POST /apprentices/:uln/personal-data/export': {
    as: ['admin'],
    url: (f) => `/apprentices/${f.a.uln}/personal-data/export`,
    fields: () => [],
    formPage: (f) => `/apprentices/${f.a.uln}/personal-data`,
    download: 'application/json',
  },
  'POST /apprentices/:uln/personal-data/erase': {
    as: ['admin'],
    url: (f) => `/apprentices/${f.e.uln}/personal-data/erase`,
    target: (ctx) => ({
      url: `/apprentices/${readyApprentice(ctx.db, spareUln(), 'Erin', 'Zoltan').uln}/personal-data/erase`,
    }),
    fields: () => ['reason', 'confirm'],
    text: () => ['reason'],
    valid: () => [
      ['reason', 'Request 2025-117 of 3 March'],
      ['confirm', 'yes'],
    ],
    formPage: (f) => `/apprentices/${f.e.uln}/personal-data`,
  },
  'POST /standards/import': {
    as: ['admin'],
    url: () => '/standards/import',
    fields: () => ['standardsFile'],
    upload: { field: 'standardsFile', kind: 'catalogue' },
    formPage: () => '/standards/import',
  },
  'POST /apprentices/:uln/gateway-items/:itemId/files': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio/files`,
    fields: () => ['evidenceFile'],
    upload: { field: 'evidenceFile', kind: 'evidence' },
    formPage: (f) => `/apprentices/${f.a.uln}/gateway-items/portfolio`,
  },
  'POST /apprentices/:uln/qualifications/:id/files': {
    as: ['admin', 'provider'],
    url: (f) => `/apprentices/${f.a.uln}/qualifications/${f.qualification}/files`,
    fields: () => ['evidenceFile'],
    upload: { field: 'evidenceFile', kind: 'evidence' },
    formPage: (f) => `/apprentices/${f.a.uln}/qualifications/${f.qualification}`,
  },
  'POST /bookings/:id/files': {
    as: ['admin', 'assessor', 'provider'],
    url: (f) => `/bookings/${f.gradableBooking}/files`,
    fields: () => ['evidenceFile'],
    upload: { field: 'evidenceFile', kind: 'evidence' },
    formPage: (f) => `/bookings/${f.gradableBooking}`,
  },
  'POST /cases/:id/files': {
    as: ['admin', 'assessor'],
    url: (f) => `/cases/${f.case}/files`,
    fields: () => ['evidenceFile'],
    upload: { field: 'evidenceFile', kind: 'evidence' },
    formPage: (f) => `/cases/${f.case}`,
  },
  'POST /requests/:id/files': {
    as: ['admin', 'provider'],
    url: (f) => `/requests/${f.request}/files`,
    fields: () => ['evidenceFile'],
    upload: { field: 'evidenceFile', kind: 'evidence' },
    formPage: (f) => `/requests/${f.request}`,
  },
  'POST /appeals/:id/files': {
    as: ['admin', 'provider'],
    url: (f) => `/appeals/${f.appeal}/files`,
    fields: () => ['evidenceFile'],
    upload: { field: 'evidenceFile', kind: 'evidence' },
    formPage: (f) => `/appeals/${f.appeal}`,
  },
  'POST /admin/plans/import': {
    as: ['admin'],
    url: () => '/admin/plans/import',
    fields: () => ['planFile'],
    upload: { field: 'planFile', kind: 'plan' },
    formPage: () => '/admin/plans/import',
  },
  'POST /admin/users/new': {
    as: ['admin'],
    url: () => '/admin/users/new',
    fields: () => ['name', 'email', 'role', 'ukprn', 'canMark', 'employerId', 'password'],
    text: () => ['name'],
    valid: (_f, n) => [
      ['name', 'New Person'],
      ['email', `new.person.${n}@test.example`],
      ['role', 'assessor'],
      ['ukprn', ''],
      ['employerId', ''],
      ['password', 'a-long-enough-password'],
    ],
    formPage: () => '/admin/users/new',
    stored: (ctx, _f, pairs) => {
      const email = sentField(pairs, 'email');
      const problems: string[] = [];
      const user =
        email === undefined ? undefined : row(ctx, 'select * from users where email = ?', email.trim().toLowerCase());
      if (email !== undefined && !user) return [`no user ${email} was stored`];
      if (user) sameText(problems, 'name', user.name, sentField(pairs, 'name'));
      return problems;
    },
  },
  'POST /admin/users/:id/marker': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.employerUser}/marker`,
    fields: () => ['canMark', 'reason'],
    text: () => ['reason'],
    errorPage: true,
  },
  // Each run marks a reviewer of its own, so the fixture's reviewers stay as they are.
  'POST /admin/users/:id/external-reviewer': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.qaUser}/external-reviewer`,
    target: (ctx) => ({ url: `/admin/users/${addExternalReviewer(ctx)}/external-reviewer` }),
    fields: () => ['externalReviewer', 'reason'],
    text: () => ['reason'],
    valid: () => [
      ['externalReviewer', 'no'],
      ['reason', 'Now employed by the assessment organisation'],
    ],
    formPage: (f) => `/admin/users/${f.qaUser}`,
  },
  'POST /admin/users/:id/tokens': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.employerUser}/tokens`,
    fields: () => ['days'],
    valid: () => [['days', '30']],
    formPage: (f) => `/admin/users/${f.employerUser}`,
  },
  // Account actions act on a user made for each run, so the fixture's users keep their sessions.
  'POST /admin/users/:id/disable': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.employerUser}/disable`,
    target: (ctx) => ({ url: `/admin/users/${spareUser(ctx)}/disable` }),
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Left the organisation']],
    formPage: (f) => `/admin/users/${f.employerUser}`,
  },
  'POST /admin/users/:id/enable': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.employerUser}/enable`,
    target: (ctx) => ({ url: `/admin/users/${spareUser(ctx, true)}/enable` }),
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Back from leave']],
    errorPage: true,
  },
  'POST /admin/users/:id/sessions/end': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.employerUser}/sessions/end`,
    target: (ctx) => ({ url: `/admin/users/${spareUser(ctx)}/sessions/end` }),
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Lost laptop']],
    formPage: (f) => `/admin/users/${f.employerUser}`,
  },
  'POST /admin/users/:id/password-reset': {
    as: ['admin'],
    url: (f) => `/admin/users/${f.employerUser}/password-reset`,
    target: (ctx) => ({ url: `/admin/users/${spareUser(ctx)}/password-reset` }),
    fields: () => [],
    formPage: (f) => `/admin/users/${f.employerUser}`,
  },
  // Hostile and empty bodies only: a valid one would change the fixture's password.
  'POST /account/password': {
    as: ['employer'],
    url: () => '/account/password',
    fields: () => ['currentPassword', 'newPassword', 'confirmPassword'],
    formPage: () => '/account/password',
  },
  'POST /reset-password/:token': {
    as: ['anonymous'],
    url: () => '/reset-password/not-a-real-secret',
    target: (ctx) => {
      const made = createPasswordReset(ctx.db, spareUser(ctx), SETUP_ACTOR, now());
      if (!made.ok) throw new Error(made.problems[0]!.message);
      return { url: `/reset-password/${made.value.token}` };
    },
    fields: () => ['newPassword', 'confirmPassword', 'username'],
    valid: () => [
      ['newPassword', 'correct horse battery staple'],
      ['confirmPassword', 'correct horse battery staple'],
    ],
  },
  'POST /admin/tokens/:id/revoke': {
    as: ['admin'],
    url: (f) => `/admin/tokens/${f.apiToken}/revoke`,
    fields: () => ['reason'],
    text: () => ['reason'],
    valid: () => [['reason', 'Lost laptop']],
    errorPage: true,
  },
};

/* ---------- API ---------- */

const apprenticeJson = (f: Fixture, uln: string) => ({
  uln,
  givenNames: 'Ada',
  familyName: 'Lovelace',
  dateOfBirth: '2000-01-15',
  startDate: '2024-09-01',
  plannedEndDate: '2026-03-01',
  standardReference: 'ST0815',
  standardVersion: '1.0',
  providerUkprn: f.a.providerUkprn,
  employerId: f.a.employerId,
  weeklyHours: 37.5,
  bslFirstLanguage: false,
  englishMathsChoice: null,
});

export const API_SPECS: Record<string, ApiSpec | ApiSpec[]> = {
  'POST /api/v1/plans': {
    as: ['admin'],
    method: 'POST',
    url: () => '/api/v1/plans',
    fields: [...keys(planFileSchema), ...PLAN_PATHS],
    text: [
      'title',
      'notice',
      'methods.0.name',
      'methods.1.description',
      'criteria.0.text',
      'criteria.2.theme',
      'gatewayItems.0.name',
      'gatewayItems.1.description',
    ],
    valid: () => structuredClone(DEMO_PLAN),
    page: () => '/standards/ST0815/1.0/plan',
  },
  'POST /api/v1/apprentices': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: () => '/api/v1/apprentices',
    fields: keys(apprenticeInputSchema),
    text: ['givenNames', 'familyName'],
    valid: (f, n) => apprenticeJson(f, ulnFor(n)),
    page: (_f, body) => (typeof body.uln === 'string' ? `/apprentices/${body.uln.trim()}` : undefined),
    stored: (ctx, _f, body) =>
      apprenticeStored(ctx, typeof body.uln === 'string' ? body.uln : undefined, (k) => body[k]),
  },
  'POST /api/v1/apprentices/import': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: () => '/api/v1/apprentices/import',
    fields: ['0', '1', '2', ...keys(apprenticeInputSchema).flatMap((k) => [`0.${k}`, `1.${k}`])],
    text: ['0.givenNames', '1.familyName'],
    valid: (f, n) => [apprenticeJson(f, ulnFor(n * 4)), apprenticeJson(f, ulnFor(n * 4 + 1))],
    csv: true,
    // Only an array's elements are sent (JSON has no other keys on an array). Array.from drops the
    // generated extra keys, a "constructor" among them, which would break flatMap on the array itself.
    stored: (ctx, _f, body) =>
      (Array.isArray(body) ? Array.from(body as unknown[]) : []).flatMap((one) =>
        typeof one === 'object' && one !== null
          ? apprenticeStored(
              ctx,
              String((one as Record<string, unknown>).uln),
              (k) => (one as Record<string, unknown>)[k],
            )
          : [],
      ),
  },
  'POST /api/v1/apprentices/:uln/qualifications': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/qualifications`,
    fields: keys(qualificationInputSchema),
    text: ['grade', 'certificateReference'],
    valid: () => ({
      subject: 'maths',
      type: 'functional_skills',
      level: 2,
      grade: 'Pass',
      achievedOn: '2019-07-01',
      certificateReference: 'FS-2',
    }),
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  'POST /api/v1/apprentices/:uln/off-the-job-hours': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours`,
    fields: keys(offTheJobInputSchema),
    text: ['activity'],
    valid: () => ({ date: day(-20), hours: 2.5, activity: 'Negotiation skills' }),
    page: (f) => `/apprentices/${f.a.uln}`,
    stored: (ctx, f, body) => {
      const h = row(ctx, 'select * from off_the_job_hours where apprentice_id = ? order by id desc', f.a.id);
      const problems: string[] = [];
      if (!h) return ['no hours were stored'];
      sameText(problems, 'activity', h.activity, body.activity);
      sameNumber(problems, 'hours', h.hours, body.hours);
      return problems;
    },
  },
  'POST /api/v1/apprentices/:uln/breaks': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/breaks`,
    fields: keys(learningBreakInputSchema),
    text: ['reason'],
    // Each run a day of its own, clear of the fixture's break and the form test's.
    valid: (f, n) => {
      const on = isoDate(DateTime.fromISO(f.a.startDate).plus({ days: 3001 + 2 * n }));
      return { from: on, to: on, reason: 'Illness' };
    },
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  'POST /api/v1/apprentices/:uln/earlier-episodes': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/earlier-episodes`,
    fields: keys(earlierEpisodeInputSchema),
    text: ['provider', 'reason'],
    valid: (f, n) => {
      const on = isoDate(DateTime.fromISO(f.a.startDate).minus({ days: 3001 + 2 * n }));
      return { startDate: on, endDate: on, provider: '10099999', reason: 'Moved away' };
    },
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  // Removals: every hostile body is refused before anything is removed; the fixture's records stay for the other suites.
  'PUT /api/v1/apprentices/:uln/off-the-job-hours/:id': {
    as: ['admin', 'provider'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours/${f.hoursEntry}`,
    fields: ['date', 'to', 'hours', 'activity', 'kind', 'reason'],
    text: ['activity', 'reason'],
    valid: () => ({
      date: day(-20),
      hours: 7,
      activity: 'Casework training',
      kind: 'training',
      reason: 'Hours were wrong',
    }),
    page: (f) => `/apprentices/${f.a.uln}/hours`,
  },
  'DELETE /api/v1/apprentices/:uln/off-the-job-hours/:id': {
    as: ['admin', 'provider'],
    method: 'DELETE',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/off-the-job-hours/${f.hoursEntry}`,
    fields: keys(offTheJobRemovalSchema),
    text: ['reason'],
  },
  'DELETE /api/v1/apprentices/:uln/breaks/:id': {
    as: ['admin', 'provider'],
    method: 'DELETE',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/breaks/${f.learningBreak}`,
    fields: keys(removalSchema),
    text: ['reason'],
  },
  'DELETE /api/v1/apprentices/:uln/earlier-episodes/:id': {
    as: ['admin', 'provider'],
    method: 'DELETE',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/earlier-episodes/${f.earlierEpisode}`,
    fields: keys(removalSchema),
    text: ['reason'],
  },
  'DELETE /api/v1/apprentices/:uln/english-maths-flexibility': {
    as: ['admin', 'provider'],
    method: 'DELETE',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/english-maths-flexibility`,
    fields: keys(removalSchema),
    text: ['reason'],
  },
  'POST /api/v1/apprentices/:uln/markings': {
    as: ['provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/markings`,
    fields: keys(markingBodySchema),
    text: ['location'],
  },
  'PUT /api/v1/apprentices/:uln/english-maths-flexibility': {
    as: ['admin', 'provider'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/english-maths-flexibility`,
    fields: keys(flexibilityInputSchema),
    text: ['reference'],
    valid: () => ({ basis: 'ehc_plan', decidedOn: day(-500), reference: 'EHCP 1123' }),
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  'PUT /api/v1/apprentices/:uln/uln': {
    as: ['admin'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/uln`,
    fields: keys(ulnCorrectionSchema),
    text: ['reason'],
    // The ULN it already has: the rules are reached, and the fixture's apprentice keeps its ULN.
    valid: (f) => ({ uln: f.a.uln, reason: 'Typed wrongly at enrolment' }),
  },
  'PUT /api/v1/apprentices/:uln/prior-learning': {
    as: ['admin', 'provider'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/prior-learning`,
    fields: keys(priorLearningInputSchema),
    text: ['reason'],
    valid: () => ({ hours: 20, reason: 'Union rep certificate' }),
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  'PUT /api/v1/apprentices/:uln/certificate-delivery': {
    as: ['admin', 'provider'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/certificate-delivery`,
    fields: [...DELIVERY_FIELDS],
    text: ['contactName', 'department', 'organisation', 'addressLine1', 'addressLine2', 'addressLine3', 'city'],
    valid: () => VALID_DELIVERY,
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  // A's plan leaves no behaviours to the employer: every body is refused (409), never a 500.
  'PUT /api/v1/apprentices/:uln/behaviour-verification': {
    as: ['employer'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/behaviour-verification`,
    fields: keys(behaviourVerificationInputSchema),
    text: ['verifierName', 'statement'],
  },
  'PUT /api/v1/apprentices/:uln/gateway-items/:itemId': {
    as: ['admin', 'provider'],
    method: 'PUT',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/gateway-items/project-proposal`,
    fields: ['reference', 'itemId'],
    text: ['reference'],
    valid: () => ({ reference: 'proposals/v2.pdf' }),
    page: (f) => `/apprentices/${f.a.uln}`,
  },
  // A multipart upload: any JSON body is refused (422: no file) and writes nothing.
  'POST /api/v1/apprentices/:uln/gateway-items/:itemId/files': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/gateway-items/project-proposal/files`,
    fields: ['evidenceFile'],
    multipart: true,
  },
  'POST /api/v1/apprentices/:uln/qualifications/:id/files': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/qualifications/${f.qualification}/files`,
    fields: ['evidenceFile'],
    multipart: true,
  },
  'POST /api/v1/bookings/:id/files': {
    as: ['admin', 'assessor', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/bookings/${f.gradableBooking}/files`,
    fields: ['evidenceFile'],
    multipart: true,
  },
  'POST /api/v1/apprentices/:uln/declarations': {
    as: ['admin', 'provider', 'employer'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/declarations`,
    fields: ['part'],
    valid: () => ({ part: 'apprentice' }),
  },
  'POST /api/v1/apprentices/:uln/gateway/submissions': {
    as: ['admin', 'provider'],
    method: 'POST',
    url: (f) => `/api/v1/apprentices/${f.a.uln}/gateway/submissions`,
    fields: [],
  },
  'POST /api/v1/gateway/submissions/:id/decision': {
    as: ['admin'],
    method: 'POST',
    url: (f) => `/api/v1/gateway/submissions/${f.openSubmission}/decision`,
    fields: [...keys(reviewSchema), ...CHECK_CODES.map((c) => `checks.${c}`)],
    text: ['reason', ...CHECK_CODES.map((c) => `checks.${c}.reason`)],
    valid: () => ({
      checks: Object.fromEntries(CHECK_CODES.map((c) => [c, { decision: 'reject', reason: 'Not shown' }])),
      outcome: 'rejected',
      reason: 'Evidence missing',
    }),
  },
  'PUT /api/v1/bookings/:id/grade': {
    as: ['assessor'],
    method: 'PUT',
    url: (f) => `/api/v1/bookings/${f.gradableBooking}/grade`,
    fields: [
      ...keys(gradeBodySchema),
      'decisions.0',
      'decisions.1.met',
      'decisions.2.evidence',
      'decisions.3.criterionId',
    ],
    text: ['outcomeReason', 'decisions.0.evidence', 'decisions.5.evidence'],
    valid: () => ({
      outcome: 'graded',
      outcomeReason: null,
      submit: false,
      decisions: criteriaOf('discussion').map((criterionId) => ({ criterionId, met: true, evidence: 'Seen' })),
    }),
  },
  'POST /api/v1/claims/mark': {
    as: ['admin'],
    method: 'POST',
    url: () => '/api/v1/claims/mark',
    fields: keys(markClaimsSchema),
    valid: (f) => ({ attemptIds: [f.attempt] }),
  },
  'POST /api/v1/bookings': {
    as: ['admin'],
    method: 'POST',
    url: () => '/api/v1/bookings',
    fields: keys(bookingBodySchema),
    text: ['location'],
    valid: (f) => ({
      uln: f.b.uln,
      methodId: 'discussion',
      assessorUserId: f.otherAssessor,
      localStart: `${day(10)}T10:00`,
      mode: 'remote',
      link: 'https://meet.example/epa',
    }),
    page: (_f, _body, response) =>
      typeof (response as { id?: unknown }).id === 'number'
        ? `/bookings/${(response as { id: number }).id}`
        : undefined,
  },
  'PATCH /api/v1/bookings/:id': [
    {
      label: 'confirm',
      as: ['assessor'],
      method: 'PATCH',
      url: (f) => `/api/v1/bookings/${f.booking}`,
      fields: ['action', 'reason'],
      valid: () => ({ action: 'confirm' }),
    },
    {
      label: 'reschedule',
      as: ['admin'],
      method: 'PATCH',
      url: (f) => `/api/v1/bookings/${f.booking}`,
      fields: ['action', 'reason', 'localStart', 'assessorUserId'],
      text: ['reason'],
      valid: () => ({ action: 'reschedule', reason: 'Clash', localStart: `${day(12)}T10:00` }),
    },
  ],
  'POST /api/v1/assessors/:id/unavailability': {
    as: ['admin', 'assessor'],
    method: 'POST',
    url: (f) => `/api/v1/assessors/${f.assessor}/unavailability`,
    fields: keys(unavailabilityBody),
    text: ['reason'],
    valid: () => ({ from: day(300), to: day(302), reason: 'Training course' }),
    page: (f) => `/assessors/${f.assessor}`,
    stored: (ctx, f, body) => {
      const problems: string[] = [];
      sameText(
        problems,
        'reason',
        row(ctx, 'select reason from assessor_unavailability where user_id = ? order by id desc', f.assessor)?.reason,
        body.reason,
      );
      return problems;
    },
  },
  // No body: each issues (or revokes) the calendar link whatever is sent.
  'POST /api/v1/assessors/:id/calendar': {
    as: ['admin', 'assessor'],
    method: 'POST',
    url: (f) => `/api/v1/assessors/${f.assessor}/calendar`,
    fields: [],
  },
  'DELETE /api/v1/assessors/:id/calendar': {
    as: ['admin', 'assessor'],
    method: 'DELETE',
    url: (f) => `/api/v1/assessors/${f.assessor}/calendar`,
    fields: [],
  },
  'POST /api/v1/assessors/:id/conflicts': {
    as: ['admin', 'assessor'],
    method: 'POST',
    url: (f) => `/api/v1/assessors/${f.assessor}/conflicts`,
    fields: keys(conflictBody),
    text: ['reason'],
    valid: (f) => ({
      kind: 'provider',
      organisationId: f.b.providerUkprn,
      from: '2023-01-01',
      to: null,
      reason: 'Former tutor',
    }),
    page: (f) => `/assessors/${f.assessor}`,
    stored: (ctx, f, body) => {
      const problems: string[] = [];
      sameText(
        problems,
        'reason',
        row(ctx, 'select reason from assessor_conflicts where user_id = ? order by id desc', f.assessor)?.reason,
        body.reason,
      );
      return problems;
    },
  },
};

/** Every case of a route, with its label. */
export const casesOf = <T>(spec: T | T[]): T[] => [spec].flat() as T[];
