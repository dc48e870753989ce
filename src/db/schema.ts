import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
  type AnySQLiteColumn,
} from 'drizzle-orm/sqlite-core';
import {
  ADJUSTMENT_TYPES,
  CASE_KINDS,
  CASE_OUTCOMES,
  CASE_SANCTIONS,
  CASE_STATUSES,
  CASE_SUBJECTS,
  APPEAL_DECISIONS,
  CONSIDERATION_EFFECTS,
  EVIDENCE_RECORD_TYPES,
  REQUEST_KINDS,
  REQUEST_STATUSES,
  ATTEMPT_KINDS,
  ATTEMPT_METHOD_MODES,
  BOOKING_STATUSES,
  CHECK_CODES,
  ENGLISH_MATHS_CHOICES,
  FLEXIBILITY_BASES,
  FURTHER_REQUEST_STATUSES,
  OFF_THE_JOB_KINDS,
  GATEWAY_STATES,
  GRADES,
  GRADING_STATUSES,
  MODERATION_STATES,
  OUTCOMES,
  OUTCOME_DECISIONS,
  QUALIFICATION_TYPES,
  REGIONS,
  RESULT_GRADES,
  ROLES,
  SAMPLE_REASONS,
  SUBJECTS,
  SUBMISSION_STATUSES,
} from './vocabulary.js';

const createdAt = (name = 'created_at') =>
  text(name)
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

/* ---------- Standards (published data, loaded from fixtures) ---------- */

export const standards = sqliteTable('standards', {
  reference: text('reference').primaryKey(),
  title: text('title').notNull(),
});

export const standardVersions = sqliteTable(
  'standard_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    reference: text('reference')
      .notNull()
      .references(() => standards.reference),
    version: text('version').notNull(),
    title: text('title').notNull(),
    level: integer('level').notNull(),
    larsCode: integer('lars_code').notNull(),
    typicalDurationMonths: integer('typical_duration_months').notNull(),
    maxFundingPounds: integer('max_funding_pounds').notNull(),
    route: text('route').notNull(),
    eqaProvider: text('eqa_provider').notNull(),
    status: text('status').notNull(),
    approvedForDelivery: text('approved_for_delivery').notNull(),
    dateUpdated: text('date_updated').notNull(),
    overview: text('overview').notNull(),
    occupationSummary: text('occupation_summary').notNull(),
    typicalJobTitles: text('typical_job_titles', { mode: 'json' }).$type<string[]>().notNull(),
    englishAndMaths: text('english_and_maths').notNull(),
    /** The published minimum off-the-job hours for starts from 1 August 2025; null until recorded. */
    offTheJobMinimumHours: integer('off_the_job_minimum_hours'),
    /** Where the figure came from (the published source, or why an administrator recorded it). */
    offTheJobMinimumSource: text('off_the_job_minimum_source'),
    /** Ofqual's qualification number for the EPA (for example 603/1234/5); null until recorded. */
    qualificationNumber: text('qualification_number'),
    /** The national catalogue's start-date window for this version (null where it gives none). */
    earliestStartDate: text('earliest_start_date'),
    latestStartDate: text('latest_start_date'),
    latestEndDate: text('latest_end_date'),
    assessmentPlanUrl: text('assessment_plan_url'),
    regulated: integer('regulated', { mode: 'boolean' }),
    /** Core and options: each option's KSBs are the core duties' plus those of the duties mapped to it. */
    coreAndOptions: integer('core_and_options', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('standard_versions_reference_version').on(t.reference, t.version)],
);

export const duties = sqliteTable(
  'duties',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    standardVersionId: integer('standard_version_id')
      .notNull()
      .references(() => standardVersions.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    text: text('text').notNull(),
    criteria: text('criteria').notNull(),
    /** The national catalogue's id for the duty, and whether it is a core duty (null: not from the catalogue). */
    publishedId: text('published_id'),
    core: integer('core', { mode: 'boolean' }),
  },
  (t) => [uniqueIndex('duties_version_number').on(t.standardVersionId, t.number)],
);

/**
 * The standard versions this assessment organisation is approved to assess (on the register of
 * assessment organisations): only these take apprentices. A row is the approval; removing it
 * withdraws it. Who recorded it, when and on what evidence is in the audit log.
 */
export const epaoApprovals = sqliteTable('epao_approvals', {
  standardVersionId: integer('standard_version_id')
    .primaryKey()
    .references(() => standardVersions.id, { onDelete: 'cascade' }),
  /** Where the approval is evidenced (the register and the date it was checked). */
  source: text('source').notNull(),
  recordedAt: text('recorded_at').notNull(),
});

/** A version's options (the national catalogue's), in published order. */
export const standardOptions = sqliteTable(
  'standard_options',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    standardVersionId: integer('standard_version_id')
      .notNull()
      .references(() => standardVersions.id, { onDelete: 'cascade' }),
    publishedId: text('published_id'),
    title: text('title').notNull(),
    position: integer('position').notNull(),
  },
  (t) => [uniqueIndex('standard_options_version_title').on(t.standardVersionId, t.title)],
);

/** The KSBs an option's apprentices are assessed on: the core duties' and its own duties'. */
export const optionKsbs = sqliteTable(
  'option_ksbs',
  {
    optionId: integer('option_id')
      .notNull()
      .references(() => standardOptions.id, { onDelete: 'cascade' }),
    ksbId: integer('ksb_id')
      .notNull()
      .references(() => ksbs.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.optionId, t.ksbId] })],
);

export const ksbs = sqliteTable(
  'ksbs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    standardVersionId: integer('standard_version_id')
      .notNull()
      .references(() => standardVersions.id, { onDelete: 'cascade' }),
    code: text('code').notNull(),
    text: text('text').notNull(),
    position: integer('position').notNull(),
    /** The national catalogue's id for the KSB (its identity; the code is its place in its list). */
    publishedId: text('published_id'),
  },
  (t) => [uniqueIndex('ksbs_version_code').on(t.standardVersionId, t.code)],
);

export const dutyKsbs = sqliteTable(
  'duty_ksbs',
  {
    dutyId: integer('duty_id')
      .notNull()
      .references(() => duties.id, { onDelete: 'cascade' }),
    ksbId: integer('ksb_id')
      .notNull()
      .references(() => ksbs.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.dutyId, t.ksbId] })],
);

/* ---------- Assessment plans (EPAO data: validated documents) ---------- */

export const plans = sqliteTable('plans', {
  id: text('id').primaryKey(),
  /** A version may have several plans (an EPA plan and a reformed one); one of them is its default. */
  standardVersionId: integer('standard_version_id')
    .notNull()
    .references(() => standardVersions.id),
  /** The plan apprentices on this version follow unless their record names another. */
  isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(true),
  title: text('title').notNull(),
  demo: integer('demo', { mode: 'boolean' }).notNull(),
  /** The whole plan as validated by planFileSchema: the single source of its methods, criteria and rules. */
  document: text('document', { mode: 'json' }).notNull(),
  importedAt: createdAt(),
  importedBy: integer('imported_by').references(() => users.id),
});

/**
 * A plan being built in the browser (plans/builder): the plan document as it stands, which may
 * have problems, until it is published as a new plan. Publishing never changes the draft's source.
 */
export const planDrafts = sqliteTable('plan_drafts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  standardVersionId: integer('standard_version_id')
    .notNull()
    .references(() => standardVersions.id),
  /** The plan so far, in the plan file's shape (plans/schema.ts) with fields perhaps still empty. */
  document: text('document', { mode: 'json' }).notNull(),
  /** How the draft began (nothing, a copy, a copy mapped from another version) and what the mapping changed. */
  origin: text('origin', { mode: 'json' }).notNull(),
  createdAt: createdAt(),
  createdBy: integer('created_by').references(() => users.id),
  updatedAt: text('updated_at').notNull(),
  /** The plan it became, once published; a published draft is kept (read only) for the record. */
  publishedPlanId: text('published_plan_id').references(() => plans.id),
});

/* ---------- Organisations and people ---------- */

export const providers = sqliteTable('providers', {
  ukprn: text('ukprn').primaryKey(),
  name: text('name').notNull(),
});

export const employers = sqliteTable('employers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
});

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    providerUkprn: text('provider_ukprn').references(() => providers.ukprn),
    employerId: text('employer_id').references(() => employers.id),
    /** A provider user who may mark their own apprentices' provider-marked components (reformed plans). */
    canMark: integer('can_mark', { mode: 'boolean' }).notNull().default(false),
    passwordHash: text('password_hash').notNull(),
    createdAt: createdAt(),
    /** Set while an administrator has disabled the account: no sign-in, and its sessions and tokens stop. */
    disabledAt: text('disabled_at'),
    /**
     * An appeal reviewer (administrator or quality assurer) who is not an employee of the assessment
     * organisation: every appeal panel needs one (Ofqual General Condition I1.2).
     */
    externalReviewer: integer('external_reviewer', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('users_role').on(t.role)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the cookie value: a stolen database does not yield live sessions. */
    idHash: text('id_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    revokedAt: text('revoked_at'),
    /** After this instant the token no longer works (tokens made before expiries existed got 90 days from the upgrade). */
    expiresAt: text('expires_at'),
    /** When the token last called the API (kept to the minute, not written on every call). */
    lastUsedAt: text('last_used_at'),
  },
  (t) => [index('api_tokens_user').on(t.userId)],
);

/** One-time password-reset links an administrator issues: only the SHA-256 of the secret is kept. */
export const passwordResets = sqliteTable(
  'password_resets',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    expiresAt: text('expires_at').notNull(),
    usedAt: text('used_at'),
  },
  (t) => [index('password_resets_user').on(t.userId)],
);

/* ---------- Audit: one row per change that matters ---------- */

export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: createdAt(),
    /** Null when the system itself acted (seeding, expiry). */
    actorUserId: integer('actor_user_id').references(() => users.id),
    actorLabel: text('actor_label').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    before: text('before', { mode: 'json' }),
    after: text('after', { mode: 'json' }),
    reason: text('reason'),
  },
  (t) => [
    index('audit_entity').on(t.entityType, t.entityId),
    index('audit_at').on(t.at),
    index('audit_actor').on(t.actorUserId),
  ],
);

/* ---------- Apprentices and their gateway evidence ---------- */

export const apprentices = sqliteTable(
  'apprentices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    uln: text('uln').notNull().unique(),
    givenNames: text('given_names').notNull(),
    familyName: text('family_name').notNull(),
    dateOfBirth: text('date_of_birth').notNull(),
    startDate: text('start_date').notNull(),
    plannedEndDate: text('planned_end_date').notNull(),
    standardVersionId: integer('standard_version_id')
      .notNull()
      .references(() => standardVersions.id),
    /** The assessment plan the apprentice follows; null: the version's default plan. */
    planId: text('plan_id').references(() => plans.id),
    /** The version's option the apprentice follows (its title in the national catalogue); null on a version without options. */
    courseOption: text('course_option'),
    providerUkprn: text('provider_ukprn')
      .notNull()
      .references(() => providers.ukprn),
    employerId: text('employer_id')
      .notNull()
      .references(() => employers.id),
    weeklyHours: real('weekly_hours').notNull(),
    bslFirstLanguage: integer('bsl_first_language', { mode: 'boolean' }).notNull().default(false),
    englishMathsChoice: text('english_maths_choice', { enum: ENGLISH_MATHS_CHOICES }),
    /** Recognised prior learning that reduces the published off-the-job minimum (starts from 1 August 2025). */
    priorLearningHours: real('prior_learning_hours').notNull().default(0),
    priorLearningReason: text('prior_learning_reason'),
    /** When the apprentice's personal data was erased (src/privacy/erasure.ts): the row keeps placeholders and the results. */
    erasedAt: text('erased_at'),
    createdAt: createdAt(),
    updatedAt: createdAt('updated_at'),
  },
  // The dashboards list the apprentices who are not erased (all of them, a provider's or an employer's) in name order: these walk in that order.
  (t) => [
    index('apprentices_listed').on(t.erasedAt, t.familyName, t.givenNames),
    index('apprentices_provider_listed').on(t.providerUkprn, t.erasedAt, t.familyName, t.givenNames),
    index('apprentices_employer_listed').on(t.employerId, t.erasedAt, t.familyName, t.givenNames),
  ],
);

export const qualifications = sqliteTable(
  'qualifications',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    subject: text('subject', { enum: SUBJECTS }).notNull(),
    type: text('type', { enum: QUALIFICATION_TYPES }).notNull(),
    level: integer('level').notNull(),
    grade: text('grade').notNull(),
    achievedOn: text('achieved_on').notNull(),
    certificateReference: text('certificate_reference').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('qualifications_apprentice').on(t.apprenticeId)],
);

export const offTheJobHours = sqliteTable(
  'off_the_job_hours',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    /** The day of the training, or the last day of a span logged as one total (a week's hours): it counts from this day. */
    date: text('date').notNull(),
    /** The first day of a span logged as one total; null for a single day. */
    fromDate: text('from_date'),
    hours: real('hours').notNull(),
    activity: text('activity').notNull(),
    /** Only `training` counts; the other kinds are logged but are not off-the-job training. */
    kind: text('kind', { enum: OFF_THE_JOB_KINDS }).notNull().default('training'),
    createdAt: createdAt(),
  },
  (t) => [index('off_the_job_apprentice_date').on(t.apprenticeId, t.date)],
);

/** Breaks in learning: days away from training do not count towards the practical period. */
export const learningBreaks = sqliteTable(
  'learning_breaks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    /** First and last days away, both included. */
    fromDate: text('from_date').notNull(),
    toDate: text('to_date').notNull(),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('learning_breaks_apprentice').on(t.apprenticeId)],
);

/** An earlier episode of the same apprenticeship that this record restarts: it counts towards the practical period. */
export const earlierEpisodes = sqliteTable(
  'earlier_episodes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    startDate: text('start_date').notNull(),
    endDate: text('end_date').notNull(),
    /** Who delivered it (a provider's name or UKPRN) and why it ended, as the provider records it. */
    provider: text('provider').notNull(),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('earlier_episodes_apprentice').on(t.apprenticeId)],
);

/** A provider's request for a resit or retake, waiting for the employer to agree or decline. */
export const furtherAttemptRequests = sqliteTable(
  'further_attempt_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The released, failed attempt to resit or retake. */
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => epaAttempts.id, { onDelete: 'cascade' }),
    /** Each failed method: resit or retake. */
    choices: text('choices', { mode: 'json' }).$type<Record<string, 'resit' | 'retake'>>().notNull(),
    actionPlan: text('action_plan'),
    requestedBy: integer('requested_by').references(() => users.id),
    requestedAt: text('requested_at').notNull(),
    status: text('status', { enum: FURTHER_REQUEST_STATUSES }).notNull(),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: text('decided_at'),
    decisionReason: text('decision_reason'),
  },
  (t) => [index('further_attempt_requests_attempt').on(t.attemptId)],
);

/** Reformed plans: the employer's verification of the apprentice's behaviours, a gateway to completion check. */
export const behaviourVerifications = sqliteTable('behaviour_verifications', {
  apprenticeId: integer('apprentice_id')
    .primaryKey()
    .references(() => apprentices.id, { onDelete: 'cascade' }),
  /** Who at the employer verified them (name and role), as they sign it. */
  verifierName: text('verifier_name').notNull(),
  statement: text('statement').notNull(),
  verifiedOn: text('verified_on').notNull(),
  recordedBy: integer('recorded_by').references(() => users.id),
  recordedAt: text('recorded_at').notNull(),
});

/**
 * Where the apprentice's certificate is posted, as the apprenticeship service's certificate
 * request needs it (its PostalContact): to the apprentice or to the employer, and the address.
 */
export const certificateDeliveries = sqliteTable('certificate_deliveries', {
  apprenticeId: integer('apprentice_id')
    .primaryKey()
    .references(() => apprentices.id, { onDelete: 'cascade' }),
  sendTo: text('send_to', { enum: ['apprentice', 'employer'] }).notNull(),
  contactName: text('contact_name').notNull(),
  department: text('department'),
  organisation: text('organisation').notNull(),
  addressLine1: text('address_line_1').notNull(),
  addressLine2: text('address_line_2'),
  addressLine3: text('address_line_3'),
  city: text('city').notNull(),
  postcode: text('postcode').notNull(),
  recordedBy: integer('recorded_by').references(() => users.id),
  recordedAt: text('recorded_at').notNull(),
});

/** The judgement that lets Entry Level 3 meet the English and maths requirement. */
export const flexibilityJudgements = sqliteTable('flexibility_judgements', {
  apprenticeId: integer('apprentice_id')
    .primaryKey()
    .references(() => apprentices.id, { onDelete: 'cascade' }),
  basis: text('basis', { enum: FLEXIBILITY_BASES }).notNull(),
  /** The evidence: its date and reference. Null on a judgement carried over from the old EHC plan flag. */
  decidedOn: text('decided_on'),
  reference: text('reference'),
  recordedBy: integer('recorded_by').references(() => users.id),
  recordedAt: text('recorded_at'),
});

/** A plan gateway item (e.g. the portfolio) the provider confirms is in place. */
export const gatewayItemsProvided = sqliteTable(
  'gateway_items_provided',
  {
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    itemId: text('item_id').notNull(),
    reference: text('reference').notNull(),
    providedAt: createdAt('provided_at'),
    providedBy: integer('provided_by').references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.apprenticeId, t.itemId] })],
);

/**
 * A file in the evidence store (src/evidence), attached to one record of one apprentice: a gateway
 * item of their plan (`record_key` the item's id) or an adjustment or special-consideration request
 * (`record_key` the request's id). The bytes
 * are on disk under FILES_PATH, named by their SHA-256; two records may share one file.
 */
export const evidenceFiles = sqliteTable(
  'evidence_files',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The apprentice the record is about; null for a malpractice case against an assessor or a provider. */
    apprenticeId: integer('apprentice_id').references(() => apprentices.id, { onDelete: 'cascade' }),
    recordType: text('record_type', { enum: EVIDENCE_RECORD_TYPES }).notNull(),
    recordKey: text('record_key').notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    /** Judged from the content when it arrived, never from the name or the browser's claim. */
    mediaType: text('media_type').notNull(),
    fileName: text('file_name').notNull(),
    uploadedBy: integer('uploaded_by').references(() => users.id),
    uploadedAt: text('uploaded_at').notNull(),
  },
  (t) => [
    index('evidence_files_record').on(t.apprenticeId, t.recordType, t.recordKey),
    index('evidence_files_sha').on(t.sha256),
  ],
);

/** The employer's gateway declaration, with the provider's and the apprentice's confirmation. */
export const gatewayDeclarations = sqliteTable('gateway_declarations', {
  apprenticeId: integer('apprentice_id')
    .primaryKey()
    .references(() => apprentices.id, { onDelete: 'cascade' }),
  employerConfirmedAt: text('employer_confirmed_at'),
  employerConfirmedBy: integer('employer_confirmed_by').references(() => users.id),
  providerConfirmedAt: text('provider_confirmed_at'),
  providerConfirmedBy: integer('provider_confirmed_by').references(() => users.id),
  /** The apprentice confirms through their provider, who records it. */
  apprenticeConfirmedAt: text('apprentice_confirmed_at'),
  apprenticeConfirmedBy: integer('apprentice_confirmed_by').references(() => users.id),
  /** The apprentice's permission for the assessment organisation to apply for their certificate, recorded by the provider. */
  certificatePermissionAt: text('certificate_permission_at'),
  certificatePermissionBy: integer('certificate_permission_by').references(() => users.id),
});

export const gatewaySubmissions = sqliteTable(
  'gateway_submissions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    status: text('status', { enum: SUBMISSION_STATUSES }).notNull(),
    /** London calendar date of the submission: off-the-job hours after it do not count. */
    submittedOn: text('submitted_on').notNull(),
    submittedAt: createdAt('submitted_at'),
    submittedBy: integer('submitted_by').references(() => users.id),
    /** The rules' evaluation when submitted, as the provider saw it. */
    evaluation: text('evaluation', { mode: 'json' }).notNull(),
    decidedAt: text('decided_at'),
    decidedBy: integer('decided_by').references(() => users.id),
    decisionReason: text('decision_reason'),
    /** Accepted: the EPA period the plan sets, from acceptance. */
    epaPeriodStart: text('epa_period_start'),
    epaPeriodEnd: text('epa_period_end'),
  },
  (t) => [
    uniqueIndex('gateway_submissions_attempt').on(t.apprenticeId, t.attempt),
    index('gateway_submissions_open_periods').on(t.status, t.epaPeriodEnd),
    /** The review queue's page, oldest first, read in order without sorting every waiting submission. */
    index('gateway_submissions_queue').on(t.status, t.submittedOn, t.submittedAt, t.id),
    /** The booking queue's accepted submissions, in its order, read without touching the table or sorting. */
    index('gateway_submissions_accepted')
      .on(t.epaPeriodStart, t.id, t.apprenticeId, t.epaPeriodEnd)
      .where(sql`${t.status} = 'accepted'`),
  ],
);

/** The EPAO's decision on each check of a submission. */
export const gatewayCheckDecisions = sqliteTable(
  'gateway_check_decisions',
  {
    submissionId: integer('submission_id')
      .notNull()
      .references(() => gatewaySubmissions.id, { onDelete: 'cascade' }),
    checkCode: text('check_code', { enum: CHECK_CODES }).notNull(),
    accepted: integer('accepted', { mode: 'boolean' }).notNull(),
    reason: text('reason'),
  },
  (t) => [primaryKey({ columns: [t.submissionId, t.checkCode] })],
);

/**
 * Each apprentice's gateway state and unmet checks as evaluated on one date, so the
 * dashboard can filter and page in SQL. A cache: rows for another date are recomputed, and
 * database triggers (migration 0003) delete an apprentice's row whenever anything the rules
 * read about them changes, so no write path can leave it stale.
 */
export const gatewayStatusCache = sqliteTable(
  'gateway_status_cache',
  {
    apprenticeId: integer('apprentice_id')
      .primaryKey()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    evaluatedOn: text('evaluated_on').notNull(),
    state: text('state', { enum: GATEWAY_STATES }).notNull(),
    /** Unmet check codes between commas (",maths,plan_items,"), so one LIKE finds a code. */
    unmet: text('unmet').notNull(),
    /**
     * The first day the state could differ without new evidence (gateway/rules.ts statusChangesOn);
     * null: only new evidence can change it (and the triggers of migration 0003 then clear the row).
     * The row holds from evaluated_on up to the day before.
     */
    validUntil: text('valid_until'),
  },
  (t) => [
    index('gateway_status_cache_state').on(t.evaluatedOn, t.state),
    // A new day's statuses that stop holding, found along the day they stop (gateway/store.ts).
    index('gateway_status_cache_valid_until').on(t.validUntil),
  ],
);

/**
 * The listed apprentices' cached statuses counted by provider, employer, state and unmet checks,
 * kept by triggers on gateway_status_cache (migration 0047) in the same transaction as each change
 * to it. A provider's or employer's counts, and anyone's counts of each unmet check, are then a sum
 * over the scope's rows here, not a read of every status in the scope after each change (150 ms
 * for a provider of 200,000 apprentices, 450 ms for its home page), and everyone's counts a sum
 * over all its rows. It has a row for each kind of status in each provider and employer, however
 * the apprentices' dates differ. It counts every cached status, holding on the day or not: the
 * counts of a day take off the statuses that have stopped holding, found along the cache's own
 * indexes on the days (gateway/store.ts), which are few once the day's statuses are worked out.
 * (Migration 0045 kept the days in the key, so apprentices whose dates all differ made nearly a
 * row each.) Erased apprentices are not counted: no list shows them.
 */
export const gatewayScopeTally = sqliteTable(
  'gateway_scope_tally',
  {
    providerUkprn: text('provider_ukprn').notNull(),
    employerId: text('employer_id').notNull(),
    state: text('state', { enum: GATEWAY_STATES }).notNull(),
    /** The cache row's unmet checks as it stores them (",maths,plan_items,"). */
    unmet: text('unmet').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.providerUkprn, t.employerId, t.state, t.unmet] }),
    index('gateway_scope_tally_employer').on(t.employerId),
  ],
);

/* ---------- Assessors and bookings ---------- */

export const assessorProfiles = sqliteTable('assessor_profiles', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  perDay: integer('per_day').notNull(),
  perWeek: integer('per_week').notNull(),
  /** Organisations the assessor works for: automatic conflicts of interest. */
  ownEmployerId: text('own_employer_id').references(() => employers.id),
  ownProviderUkprn: text('own_provider_ukprn').references(() => providers.ukprn),
  /** SHA-256 of the secret in the assessor's calendar feed URL; null when revoked. */
  calendarTokenHash: text('calendar_token_hash').unique(),
});

export const assessorStandards = sqliteTable(
  'assessor_standards',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    standardVersionId: integer('standard_version_id')
      .notNull()
      .references(() => standardVersions.id),
  },
  (t) => [primaryKey({ columns: [t.userId, t.standardVersionId] })],
);

export const assessorRegions = sqliteTable(
  'assessor_regions',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    region: text('region', { enum: REGIONS }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.region] })],
);

/** Weekly working pattern in London wall-clock time; 1 = Monday. */
export const assessorWorkingHours = sqliteTable(
  'assessor_working_hours',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    weekday: integer('weekday').notNull(),
    start: text('start').notNull(),
    end: text('end').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.weekday] })],
);

export const assessorUnavailability = sqliteTable(
  'assessor_unavailability',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    from: text('from_date').notNull(),
    to: text('to_date').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('assessor_unavailability_user').on(t.userId)],
);

/** Declared links to an employer or provider that stop an assessor assessing its apprentices. */
export const assessorConflicts = sqliteTable(
  'assessor_conflicts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['employer', 'provider'] }).notNull(),
    organisationId: text('organisation_id').notNull(),
    from: text('from_date').notNull(),
    to: text('to_date'),
    reason: text('reason').notNull(),
    declaredAt: createdAt('declared_at'),
    declaredBy: integer('declared_by').references(() => users.id),
  },
  (t) => [index('assessor_conflicts_user').on(t.userId)],
);

export const bookings = sqliteTable(
  'bookings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    /**
     * The accepted gateway submission whose EPA period this booking falls in; null for a
     * reformed plan's component taken during the apprenticeship, booked before gateway to completion.
     */
    submissionId: integer('submission_id').references(() => gatewaySubmissions.id),
    methodId: text('method_id').notNull(),
    /** Which attempt at the EPA this booking belongs to: 1, then 2 for a first resit or retake, and so on. */
    attempt: integer('attempt').notNull().default(1),
    assessorUserId: integer('assessor_user_id')
      .notNull()
      .references(() => users.id),
    /** UTC instants; `localStart` is the London wall-clock time it was booked at. */
    startsAt: text('starts_at').notNull(),
    endsAt: text('ends_at').notNull(),
    localStart: text('local_start').notNull(),
    mode: text('mode', { enum: ['in_person', 'remote'] }).notNull(),
    region: text('region', { enum: REGIONS }),
    location: text('location'),
    link: text('link'),
    status: text('status', { enum: BOOKING_STATUSES }).notNull(),
    /** Why it was declined, cancelled or moved. */
    statusReason: text('status_reason'),
    holdExpiresAt: text('hold_expires_at'),
    /** Bumped on every change, for calendar clients (iCalendar SEQUENCE). */
    sequence: integer('sequence').notNull().default(0),
    rescheduledFromId: integer('rescheduled_from_id'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: createdAt('updated_at'),
  },
  (t) => [
    index('bookings_assessor_start').on(t.assessorUserId, t.startsAt),
    index('bookings_apprentice').on(t.apprenticeId),
    index('bookings_status').on(t.status),
  ],
);

/** Notifications: sent by SMTP when configured, otherwise kept here for an administrator to read. */
export const outbox = sqliteTable('outbox', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  toEmail: text('to_email').notNull(),
  subject: text('subject').notNull(),
  body: text('body').notNull(),
  createdAt: createdAt(),
  sentAt: text('sent_at'),
  error: text('error'),
});

/* ---------- Auto-scheduler proposals ---------- */

/** A schedule the auto-scheduler proposed, kept so that what the administrator reviewed is exactly what is committed. */
export const scheduleProposals = sqliteTable('schedule_proposals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  status: text('status', { enum: ['proposed', 'committed', 'discarded'] }).notNull(),
  /** The first day the proposal may use; a proposal is stale once that day has passed. */
  firstDay: text('first_day').notNull(),
  /** The proposal as computed (src/scheduler/model.ts Schedule), JSON. */
  payload: text('payload').notNull(),
  createdBy: integer('created_by').references(() => users.id),
  createdAt: createdAt(),
  decidedBy: integer('decided_by').references(() => users.id),
  decidedAt: text('decided_at'),
});

/* ---------- Grading, quality assurance, results, resits and appeals ---------- */

/** The EPAO's own settings: one row (id 1). */
export const epaoSettings = sqliteTable('epao_settings', {
  id: integer('id').primaryKey(),
  qaFirstN: integer('qa_first_n').notNull().default(5),
  qaSampleFails: integer('qa_sample_fails', { mode: 'boolean' }).notNull().default(true),
  qaSampleBoundary: integer('qa_sample_boundary', { mode: 'boolean' }).notNull().default(true),
  qaRandomPercent: real('qa_random_percent').notNull().default(10),
  /** Fixes the random draw, so that sampling can be repeated and checked. */
  qaSeed: text('qa_seed').notNull(),
  appealWorkingDays: integer('appeal_working_days').notNull().default(15),
  /** The evidence store's size limits, in megabytes, for each kind of file (src/evidence/rules.ts, FILE_CLASSES); 2,048 at most. */
  evidenceDocumentMb: integer('evidence_document_mb').notNull().default(100),
  evidenceImageMb: integer('evidence_image_mb').notNull().default(50),
  evidenceRecordingMb: integer('evidence_recording_mb').notNull().default(2048),
  /** Working days the assessment organisation gives itself to decide an adjustment or special-consideration request. */
  requestWorkingDays: integer('request_working_days').notNull().default(10),
  /** The EPAO's maximum number of attempts; null: the plan's, if any. */
  maxAttempts: integer('max_attempts'),
  /** As on the Register of End-point Assessment Organisations: printed on results and in the regulator's outcomes file. */
  epaoName: text('epao_name'),
  /** The EPAO's register number, EPA followed by four digits. */
  epaNumber: text('epa_number'),
  /** How apprentices reach the EPAO about a result (printed on the results letter). */
  contactEmail: text('contact_email'),
  contactPhone: text('contact_phone'),
  /** Claim the plan's highest grade as soon as it is released: no appeal can raise it, so waiting for the appeal window gains nothing. */
  claimHighestGradeEarly: integer('claim_highest_grade_early', { mode: 'boolean' }).notNull().default(false),
  /** Working days from an appeal's lodging to its outcome (Ofqual General Condition I1.2: the process sets timelines). */
  appealDecisionWorkingDays: integer('appeal_decision_working_days').notNull().default(20),
  /** Appeals against the plan's highest grade are refused: no outcome could raise it. */
  refuseHighestGradeAppeals: integer('refuse_highest_grade_appeals', { mode: 'boolean' }).notNull().default(false),
});

/** One attempt at the EPA: the first, then each resit or retake. Holds the overall result once every method has a grade. */
export const epaAttempts = sqliteTable(
  'epa_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    kind: text('kind', { enum: ATTEMPT_KINDS }).notNull(),
    startedOn: text('started_on').notNull(),
    /** Resits and retakes: the last day the plan allows for them. */
    deadline: text('deadline'),
    exceptionalReason: text('exceptional_reason'),
    exceptionalBy: integer('exceptional_by').references(() => users.id),
    /** A retake's action plan: the further learning before it. */
    actionPlan: text('action_plan'),
    /** A resit or retake: the employer's agreement (the employer who agreed, and when). */
    employerAgreedBy: integer('employer_agreed_by').references(() => users.id),
    employerAgreedAt: text('employer_agreed_at'),
    combinedGrade: text('combined_grade', { enum: RESULT_GRADES }),
    overallGrade: text('overall_grade', { enum: RESULT_GRADES }),
    capped: integer('capped', { mode: 'boolean' }).notNull().default(false),
    /** The date the last method was graded (the achievement date of a pass). */
    resultOn: text('result_on'),
    /** London date the attempt's first booking was made (for the days from gateway to booking). */
    firstBookingOn: text('first_booking_on'),
    /*
     * Kept with the result for the outcome reports, so that 100,000 results are counted from an
     * index in one pass (see src/outcomes/dashboard.ts): the result's month (YYYY-MM) and whole
     * days from the attempt's start (gateway acceptance for a first attempt) to its first booking
     * and to its result.
     */
    resultMonth: text('result_month'),
    daysToBooking: integer('days_to_booking'),
    daysToResult: integer('days_to_result'),
    releasedAt: text('released_at'),
    releasedBy: integer('released_by').references(() => users.id),
    /** When the certificate claim for this result was exported to the apprenticeship service. */
    claimedAt: text('claimed_at'),
    claimedBy: integer('claimed_by').references(() => users.id),
    /** The grade the claim gave; an appeal that changes the result after it leaves the two apart (an amendment is due). */
    claimedGrade: text('claimed_grade', { enum: RESULT_GRADES }),
    /** Sent to the apprenticeship service directly: its certificate (or EPA) reference, the status it gave, when. */
    serviceReference: text('service_reference'),
    serviceStatus: text('service_status'),
    serviceSentAt: text('service_sent_at'),
    /** The service's own messages when it last refused this result (JSON list); null once taken. */
    serviceErrors: text('service_errors', { mode: 'json' }).$type<string[]>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('epa_attempts_apprentice_number').on(t.apprenticeId, t.number),
    /** Whose latest attempt has its grade (the booking queue leaves them out), from this index alone. */
    index('epa_attempts_latest_graded').on(t.apprenticeId, t.number, t.overallGrade),
    // Cover the outcome reports' two counts in the order they group by, so SQLite streams them without sorting.
    index('epa_attempts_report_grades').on(t.overallGrade, t.number, t.kind, t.resultMonth, t.resultOn, t.releasedAt),
    index('epa_attempts_report_days').on(
      t.number,
      t.daysToResult,
      t.daysToBooking,
      t.resultOn,
      t.releasedAt,
      t.overallGrade,
    ),
    index('epa_attempts_released').on(t.releasedAt),
    // The results released and not yet claimed, in the claims list's order: its files are read along it a batch at a time.
    index('epa_attempts_unclaimed')
      .on(t.resultOn, t.id)
      .where(sql`${t.releasedAt} is not null and ${t.claimedAt} is null`),
  ],
);

export const attemptMethods = sqliteTable(
  'attempt_methods',
  {
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => epaAttempts.id, { onDelete: 'cascade' }),
    methodId: text('method_id').notNull(),
    mode: text('mode', { enum: ATTEMPT_METHOD_MODES }).notNull(),
    /** For a carried method: its grade from the earlier attempt. */
    carriedGrade: text('carried_grade', { enum: GRADES }),
    /** For a resit or retake: the last day the plan allows for it (resits and retakes have different windows). */
    deadline: text('deadline'),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.methodId] })],
);

/** An assessor's grading of one booking: criterion decisions, the derived grade, and its moderation. */
export const gradings = sqliteTable(
  'gradings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    bookingId: integer('booking_id')
      .notNull()
      .unique()
      .references(() => bookings.id),
    attemptId: integer('attempt_id')
      .notNull()
      .references(() => epaAttempts.id),
    methodId: text('method_id').notNull(),
    assessorUserId: integer('assessor_user_id')
      .notNull()
      .references(() => users.id),
    status: text('status', { enum: GRADING_STATUSES }).notNull(),
    outcome: text('outcome', { enum: OUTCOMES }).notNull().default('graded'),
    outcomeReason: text('outcome_reason'),
    /** A no-show or malpractice: the assessment organisation's decision (null: none yet), why, who and when. */
    outcomeDecision: text('outcome_decision', { enum: OUTCOME_DECISIONS }),
    outcomeDecisionReason: text('outcome_decision_reason'),
    outcomeDecidedBy: integer('outcome_decided_by').references(() => users.id),
    outcomeDecidedAt: text('outcome_decided_at'),
    /** Reformed plans: the sampled KSBs this assessment covered (core KSBs are covered every time). */
    sampledKsbs: text('sampled_ksbs', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    /** The method grade now (after any moderation or appeal); null for a draft or a withdrawal. */
    grade: text('grade', { enum: GRADES }),
    /** The grade as the assessor submitted it. */
    assessorGrade: text('assessor_grade', { enum: GRADES }),
    submittedAt: text('submitted_at'),
    sampleReason: text('sample_reason', { enum: SAMPLE_REASONS }),
    sampleDraw: real('sample_draw'),
    moderation: text('moderation', { enum: MODERATION_STATES }).notNull().default('not_sampled'),
    updatedAt: createdAt('updated_at'),
  },
  (t) => [
    index('gradings_attempt').on(t.attemptId),
    index('gradings_assessor').on(t.assessorUserId),
    /** The moderation queue's page, oldest first, read in order at any size. */
    index('gradings_moderation_queue').on(t.moderation, t.submittedAt, t.id),
  ],
);

export const criterionDecisions = sqliteTable(
  'criterion_decisions',
  {
    gradingId: integer('grading_id')
      .notNull()
      .references(() => gradings.id, { onDelete: 'cascade' }),
    criterionId: text('criterion_id').notNull(),
    met: integer('met', { mode: 'boolean' }),
    evidence: text('evidence').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.gradingId, t.criterionId] })],
);

export const moderations = sqliteTable('moderations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  gradingId: integer('grading_id')
    .notNull()
    .references(() => gradings.id),
  moderatorUserId: integer('moderator_user_id')
    .notNull()
    .references(() => users.id),
  decision: text('decision', { enum: ['agreed', 'changed'] }).notNull(),
  rationale: text('rationale').notNull(),
  gradeBefore: text('grade_before', { enum: GRADES }),
  gradeAfter: text('grade_after', { enum: GRADES }),
  createdAt: createdAt(),
});

/**
 * An appeal against one of the assessment organisation's decisions (Ofqual General Condition
 * I1.1): a result (`attemptId`), a decision on a reasonable adjustment or special consideration
 * request (`requestId`), or a malpractice or maladministration decision on an apprentice's
 * assessment (`caseId`). Exactly one of the three.
 */
export const appeals = sqliteTable(
  'appeals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    attemptId: integer('attempt_id').references(() => epaAttempts.id),
    requestId: integer('request_id').references((): AnySQLiteColumn => assessmentRequests.id, { onDelete: 'cascade' }),
    caseId: integer('case_id').references((): AnySQLiteColumn => cases.id, { onDelete: 'cascade' }),
    lodgedBy: integer('lodged_by')
      .notNull()
      .references(() => users.id),
    lodgedOn: text('lodged_on').notNull(),
    grounds: text('grounds').notNull(),
    /** The apprentice's own statement, in their words, when they give one. */
    statement: text('statement'),
    /**
     * A request's appeal: the decision appealed, as it stood when the appeal was lodged (an upheld
     * appeal reopens the request, and a new decision replaces it there).
     */
    decisionAppealed: text('decision_appealed', { mode: 'json' }).$type<{
      status: string;
      decidedBy: number | null;
      decidedAt: string | null;
      reason: string | null;
    }>(),
    /** The day the outcome is due: the EPAO's working days from lodging (null for appeals lodged before it was kept). */
    dueOn: text('due_on'),
    reviewerUserId: integer('reviewer_user_id').references(() => users.id),
    decision: text('decision', { enum: APPEAL_DECISIONS }),
    reasons: text('reasons'),
    decidedAt: text('decided_at'),
    createdAt: createdAt(),
  },
  (t) => [
    // Unqualified column names: SQLite keeps the text, and the table is rebuilt under another name first.
    check('appeals_one_subject', sql`(attempt_id is not null) + (request_id is not null) + (case_id is not null) = 1`),
    index('appeals_request').on(t.requestId),
    index('appeals_case').on(t.caseId),
  ],
);

/** The panel that decided an appeal: the reviewer who recorded the decision and the members they named. */
export const appealPanel = sqliteTable(
  'appeal_panel',
  {
    appealId: integer('appeal_id')
      .notNull()
      .references(() => appeals.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.appealId, t.userId] })],
);

/* ---------- Reasonable adjustments and special consideration ---------- */

/**
 * A provider's request, on an apprentice's behalf, for a reasonable adjustment to an assessment
 * (before it) or for special consideration (after one affected by circumstances outside the
 * apprentice's control), and the assessment organisation's decision (src/adjustments).
 */
export const assessmentRequests = sqliteTable(
  'assessment_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: REQUEST_KINDS }).notNull(),
    /** The plan's method it concerns; null: an adjustment to every method. */
    methodId: text('method_id'),
    /** Special consideration: the booking of the assessment that was affected (its method, attempt and day). */
    bookingId: integer('booking_id').references(() => bookings.id, { onDelete: 'cascade' }),
    /** An adjustment: what was asked for, and the extra time as a percentage of the method's length. */
    types: text('types', { mode: 'json' })
      .$type<(typeof ADJUSTMENT_TYPES)[number][]>()
      .notNull()
      .default(sql`'[]'`),
    extraTimePercent: integer('extra_time_percent'),
    /** The reason (an adjustment) or the circumstances (special consideration): may hold health details. */
    details: text('details').notNull(),
    requestedBy: integer('requested_by').references(() => users.id),
    requestedAt: text('requested_at').notNull(),
    /** The date the assessment organisation is to decide by. */
    decideBy: text('decide_by').notNull(),
    status: text('status', { enum: REQUEST_STATUSES }).notNull().default('requested'),
    /** An approved adjustment: what was approved (all or part of what was asked). */
    approvedTypes: text('approved_types', { mode: 'json' }).$type<(typeof ADJUSTMENT_TYPES)[number][]>(),
    approvedExtraTimePercent: integer('approved_extra_time_percent'),
    /** Approved special consideration: its effect on the result. */
    effect: text('effect', { enum: CONSIDERATION_EFFECTS }),
    decisionReason: text('decision_reason'),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: text('decided_at'),
    /** Bumped on every change: a form from an older page is refused rather than written over a newer state. */
    revision: integer('revision').notNull().default(0),
  },
  (t) => [
    index('assessment_requests_apprentice').on(t.apprenticeId, t.kind),
    index('assessment_requests_queue').on(t.status, t.decideBy, t.id),
  ],
);

/* ---------- Malpractice and maladministration ---------- */

/** What a Fail or void sanction changed on an assessment's grading and booking, as it was before. */
export type GradingBeforeSanction = Pick<
  typeof gradings.$inferSelect,
  | 'grade'
  | 'outcome'
  | 'outcomeReason'
  | 'outcomeDecision'
  | 'outcomeDecisionReason'
  | 'outcomeDecidedBy'
  | 'outcomeDecidedAt'
  | 'moderation'
> & { bookingStatus: (typeof bookings.$inferSelect)['status'] };

/**
 * A malpractice or maladministration case (src/cases): the allegation, who investigates it and the
 * decision with its sanction. A case against an assessment names the apprentice's attempt: its
 * result is held from release and claims while the case is open (or withheld by its sanction).
 */
export const cases = sqliteTable(
  'cases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: CASE_KINDS }).notNull(),
    against: text('against', { enum: CASE_SUBJECTS }).notNull(),
    /** Against an assessment: the apprentice, the booking assessed, and the attempt it belongs to. */
    apprenticeId: integer('apprentice_id').references(() => apprentices.id, { onDelete: 'cascade' }),
    bookingId: integer('booking_id').references(() => bookings.id, { onDelete: 'cascade' }),
    attemptNumber: integer('attempt_number'),
    /** Against an assessor: the user. */
    assessorUserId: integer('assessor_user_id').references(() => users.id),
    /** Against a training provider: its UKPRN. */
    providerUkprn: text('provider_ukprn'),
    allegation: text('allegation').notNull(),
    openedBy: integer('opened_by').references(() => users.id),
    openedAt: text('opened_at').notNull(),
    investigatorUserId: integer('investigator_user_id').references(() => users.id),
    status: text('status', { enum: CASE_STATUSES }).notNull().default('open'),
    outcome: text('outcome', { enum: CASE_OUTCOMES }),
    sanction: text('sanction', { enum: CASE_SANCTIONS }),
    decisionReason: text('decision_reason'),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: text('decided_at'),
    /**
     * A Fail or void sanction: the assessment's grading (and its booking's status) as they were
     * before it, so that an upheld appeal against the decision can put them back.
     */
    beforeSanction: text('before_sanction', { mode: 'json' }).$type<GradingBeforeSanction>(),
    /** When an upheld appeal set the decision aside: its sanction no longer acts on anything. */
    setAsideAt: text('set_aside_at'),
    /**
     * When the provider or assessor an upheld case was against was told its decision and reasons
     * (a decision made before they were told of any, never): only those are shown to them.
     */
    subjectToldAt: text('subject_told_at'),
    revision: integer('revision').notNull().default(0),
  },
  (t) => [
    index('cases_list').on(t.status, t.openedAt, t.id),
    index('cases_result').on(t.apprenticeId, t.attemptNumber),
  ],
);

/**
 * The results a case against an assessor or a training provider holds from release and claims
 * while it is open (a case against an assessment holds its own). Each names an apprentice's
 * attempt: one the assessor assessed, or one of the provider's apprentices'.
 */
export const caseHolds = sqliteTable(
  'case_holds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    caseId: integer('case_id')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    apprenticeId: integer('apprentice_id')
      .notNull()
      .references(() => apprentices.id, { onDelete: 'cascade' }),
    attemptNumber: integer('attempt_number').notNull(),
    reason: text('reason').notNull(),
    addedBy: integer('added_by').references(() => users.id),
    addedAt: text('added_at').notNull(),
    /** Ended before the decision (named by mistake, or cleared): kept, so the apprentice's record shows it was held. */
    endedAt: text('ended_at'),
    endedBy: integer('ended_by').references(() => users.id),
    endReason: text('end_reason'),
  },
  (t) => [
    uniqueIndex('case_holds_once')
      .on(t.caseId, t.apprenticeId, t.attemptNumber)
      .where(sql`${t.endedAt} is null`),
    index('case_holds_result').on(t.apprenticeId, t.attemptNumber),
  ],
);
