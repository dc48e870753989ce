/**
 * Every URL of the app, spelled once, as the pattern Express mounts. `routes` is the table itself
 * (routers mount its patterns); `paths` is made from it: a pattern without parameters is its own
 * path, and one with parameters becomes a function that fills them in order, each encoded
 * (`paths.apprentice(uln)` for `/apprentices/:uln`). `routes.api` holds the JSON API's paths,
 * relative to `routes.api.root`.
 */
export const routes = {
  home: '/',
  health: '/health',
  search: '/search',
  signIn: '/sign-in',
  signOut: '/sign-out',
  changePassword: '/account/password',
  resetPassword: '/reset-password/:token',
  standards: '/standards',
  importStandards: '/standards/import',
  standard: '/standards/:reference/:version',
  plan: '/standards/:reference/:version/plan',
  offTheJobMinimum: '/standards/:reference/:version/off-the-job-minimum',
  qualificationNumber: '/standards/:reference/:version/qualification-number',
  approval: '/standards/:reference/:version/approval',
  newPlanDraft: '/standards/:reference/:version/plans/new',
  planDraft: '/plan-drafts/:draft',
  planDraftDetails: '/plan-drafts/:draft/details',
  planDraftKsbs: '/plan-drafts/:draft/ksbs',
  planDraftGrades: '/plan-drafts/:draft/grades',
  planDraftExport: '/plan-drafts/:draft/plan.json',
  planDraftPublish: '/plan-drafts/:draft/publish',
  planDraftDiscard: '/plan-drafts/:draft/discard',
  planDraftItem: '/plan-drafts/:draft/:list/:item',
  apprentices: '/apprentices',
  newApprentice: '/apprentices/new',
  importApprentices: '/apprentices/import',
  importTemplate: '/apprentices/import/template.csv',
  apprentice: '/apprentices/:uln',
  apprenticeMarking: '/apprentices/:uln/marking',
  editApprentice: '/apprentices/:uln/edit',
  correctUln: '/apprentices/:uln/uln',
  addQualification: '/apprentices/:uln/qualifications/new',
  qualification: '/apprentices/:uln/qualifications/:id',
  qualificationFiles: '/apprentices/:uln/qualifications/:id/files',
  hoursLog: '/apprentices/:uln/hours',
  logHours: '/apprentices/:uln/hours/new',
  importHours: '/apprentices/:uln/hours/import',
  hoursTemplate: '/apprentices/:uln/hours/import/template.csv',
  correctHours: '/apprentices/:uln/hours/:id/edit',
  removeHours: '/apprentices/:uln/hours/:id/remove',
  learningBreak: '/apprentices/:uln/breaks/new',
  removeLearningBreak: '/apprentices/:uln/breaks/:id/remove',
  earlierEpisode: '/apprentices/:uln/earlier-episodes/new',
  removeEarlierEpisode: '/apprentices/:uln/earlier-episodes/:id/remove',
  flexibility: '/apprentices/:uln/english-maths-flexibility',
  withdrawFlexibility: '/apprentices/:uln/english-maths-flexibility/withdraw',
  priorLearning: '/apprentices/:uln/prior-learning',
  behaviourVerification: '/apprentices/:uln/behaviour-verification',
  certificateDelivery: '/apprentices/:uln/certificate-delivery',
  gatewayItem: '/apprentices/:uln/gateway-items/:itemId',
  gatewayItemFiles: '/apprentices/:uln/gateway-items/:itemId/files',
  evidenceFile: '/evidence/:id',
  declaration: '/apprentices/:uln/declaration',
  newAdjustment: '/apprentices/:uln/adjustments/new',
  newConsideration: '/apprentices/:uln/special-consideration/new',
  requests: '/requests',
  cases: '/cases',
  newCase: '/cases/new',
  decisionsAboutMe: '/cases/decisions-about-you',
  decisionAboutMeAppeal: '/cases/decisions-about-you/:caseId/appeal',
  case: '/cases/:id',
  caseInvestigator: '/cases/:id/investigator',
  caseDecision: '/cases/:id/decision',
  caseFiles: '/cases/:id/files',
  caseHolds: '/cases/:id/holds',
  caseHoldEnd: '/cases/:id/holds/:holdId/end',
  request: '/requests/:id',
  requestFiles: '/requests/:id/files',
  appealFiles: '/appeals/:id/files',
  requestAppeal: '/requests/:id/appeal',
  requestDecision: '/requests/:id/decision',
  withdrawRequest: '/requests/:id/withdraw',
  requestEpa: '/apprentices/:uln/request-epa',
  gatewayQueue: '/gateway',
  reviewSubmission: '/gateway/submissions/:id',
  bookings: '/bookings',
  newBooking: '/bookings/new',
  booking: '/bookings/:id',
  bookingPlace: '/bookings/:id/place',
  bookingFiles: '/bookings/:id/files',
  bookingAction: '/bookings/:id/:action',
  gradeBooking: '/bookings/:id/grade',
  autoSchedules: '/bookings/auto-schedule',
  autoSchedule: '/bookings/auto-schedule/:id',
  autoScheduleAction: '/bookings/auto-schedule/:id/:action',
  schedule: '/schedule',
  assessors: '/assessors',
  assessor: '/assessors/:id',
  assessorLeave: '/assessors/:id/leave',
  assessorConflict: '/assessors/:id/conflicts',
  assessorCalendar: '/assessors/:id/calendar',
  assessorCalendarRevoke: '/assessors/:id/calendar/revoke',
  calendarFeed: '/calendar/:token',
  outbox: '/outbox',
  moderation: '/moderation',
  moderate: '/moderation/:id',
  results: '/results',
  releaseResults: '/results/release',
  apprenticeResults: '/apprentices/:uln/results',
  attemptAction: '/apprentices/:uln/results/:attemptId/:action',
  resultPdf: '/apprentices/:uln/results/:attemptId/result.pdf',
  caseDecisionAppeal: '/apprentices/:uln/results/decisions/:caseId/appeal',
  appeals: '/appeals',
  appeal: '/appeals/:id',
  personalData: '/apprentices/:uln/personal-data',
  exportPersonalData: '/apprentices/:uln/personal-data/export',
  erasePersonalData: '/apprentices/:uln/personal-data/erase',
  reports: '/reports',
  reportCsv: '/reports/tables/:table.csv',
  ksbShortfall: '/reports/ksb-shortfall',
  assessorConsistency: '/reports/assessor-consistency',
  consistencyAssessor: '/reports/assessor-consistency/:assessorId',
  ofqualOutcomes: '/reports/ofqual-outcomes',
  ofqualOutcomesCsv: '/reports/ofqual-outcomes/outcomes.csv',
  ofqualRegistrations: '/reports/ofqual-registrations',
  ofqualRegistrationsCsv: '/reports/ofqual-registrations/registrations.csv',
  claims: '/claims',
  claimsCsv: '/claims/claims.csv',
  claimsJson: '/claims/claims.json',
  epaRecordsJson: '/claims/epa-records.json',
  markClaimed: '/claims/mark',
  sendClaims: '/claims/send',
  admin: {
    importPlan: '/admin/plans/import',
    users: '/admin/users',
    newUser: '/admin/users/new',
    user: '/admin/users/:id',
    disableUser: '/admin/users/:id/disable',
    enableUser: '/admin/users/:id/enable',
    endUserSessions: '/admin/users/:id/sessions/end',
    userPasswordReset: '/admin/users/:id/password-reset',
    userTokens: '/admin/users/:id/tokens',
    userMarker: '/admin/users/:id/marker',
    userExternalReviewer: '/admin/users/:id/external-reviewer',
    revokeToken: '/admin/tokens/:id/revoke',
    audit: '/admin/audit',
    settings: '/admin/settings',
  },
  api: {
    root: '/api/v1',
    openapi: '/openapi.json',
    plans: '/plans',
    apprentices: {
      list: '/apprentices',
      import: '/apprentices/import',
      one: '/apprentices/:uln',
      uln: '/apprentices/:uln/uln',
      qualifications: '/apprentices/:uln/qualifications',
      qualificationFiles: '/apprentices/:uln/qualifications/:id/files',
      hours: '/apprentices/:uln/off-the-job-hours',
      oneHoursEntry: '/apprentices/:uln/off-the-job-hours/:id',
      gatewayItem: '/apprentices/:uln/gateway-items/:itemId',
      gatewayItemFiles: '/apprentices/:uln/gateway-items/:itemId/files',
      evidenceFile: '/evidence/:id',
      declarations: '/apprentices/:uln/declarations',
      breaks: '/apprentices/:uln/breaks',
      oneBreak: '/apprentices/:uln/breaks/:id',
      earlierEpisodes: '/apprentices/:uln/earlier-episodes',
      oneEarlierEpisode: '/apprentices/:uln/earlier-episodes/:id',
      markings: '/apprentices/:uln/markings',
      flexibility: '/apprentices/:uln/english-maths-flexibility',
      priorLearning: '/apprentices/:uln/prior-learning',
      behaviourVerification: '/apprentices/:uln/behaviour-verification',
      certificateDelivery: '/apprentices/:uln/certificate-delivery',
      gateway: '/apprentices/:uln/gateway',
      submissions: '/apprentices/:uln/gateway/submissions',
    },
    gateway: {
      queue: '/gateway/submissions',
      decision: '/gateway/submissions/:id/decision',
    },
    bookings: {
      list: '/bookings',
      one: '/bookings/:id',
      files: '/bookings/:id/files',
      assessors: '/assessors',
      availability: '/assessors/:id/availability',
      unavailability: '/assessors/:id/unavailability',
      conflicts: '/assessors/:id/conflicts',
      calendar: '/assessors/:id/calendar',
    },
    results: {
      results: '/results/:uln',
      grade: '/bookings/:id/grade',
      pdf: '/results/:uln/pdf',
    },
  },
} as const;

/** How many parameters a pattern has, as a tuple of their values. */
type ParamValues<P extends string> = P extends `${string}:${string}/${infer Rest}`
  ? [string | number, ...ParamValues<`/${Rest}`>]
  : P extends `${string}:${string}`
    ? [string | number]
    : [];

type Builders<T> = {
  [K in keyof T]: T[K] extends string
    ? ParamValues<T[K]> extends []
      ? T[K]
      : (...values: ParamValues<T[K]>) => string
    : Builders<T[K]>;
};

/** A parameter: a name, which may be followed by a literal suffix such as `.csv`. */
const PARAMETER = /:([A-Za-z_$][\w$]*)/g;

/** Fills a pattern's parameters, in order, each encoded as one path segment. */
export function fill(pattern: string, values: readonly (string | number)[]): string {
  let i = 0;
  return pattern.replace(PARAMETER, () => encodeURIComponent(String(values[i++])));
}

function builders<T extends Record<string, unknown>>(table: T): Builders<T> {
  return Object.fromEntries(
    Object.entries(table).map(([key, value]) => {
      if (typeof value !== 'string') return [key, builders(value as Record<string, unknown>)];
      return [key, /:[A-Za-z_$]/.test(value) ? (...values: (string | number)[]) => fill(value, values) : value];
    }),
  ) as Builders<T>;
}

const built = builders(routes);

export const paths = {
  ...built,
  /** A report table's CSV download, with the report's filters as its query string. */
  reportCsv: (table: string, query: string) => `${built.reportCsv(table)}${query ? `?${query}` : ''}`,
  /** The OpenAPI document's full path (the API's other paths are relative to its root). */
  openapi: `${routes.api.root}${routes.api.openapi}`,
};

/** An API path in OpenAPI's form: `/apprentices/{uln}` for `/apprentices/:uln`. */
export const openApiPath = (pattern: string): string => pattern.replace(PARAMETER, '{$1}');
