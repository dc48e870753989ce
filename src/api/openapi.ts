import { openApiPath, routes } from '../paths.js';
import { z } from 'zod';
import { JOURNEY_STATUSES } from '../apprentices/journey.js';
import {
  authErrors,
  body,
  error,
  input,
  json,
  output,
  pageParam,
  ulnParam,
  type Schema,
} from '../http/openapi-parts.js';
import { apiPageFields } from '../http/paging.js';
import { claimsOpenApi, reportsOpenApi, resultPdfOpenApi } from '../outcomes/api.js';
import { evidenceOpenApi } from '../evidence/api.js';
import {
  apprenticeInputSchema,
  behaviourVerificationInputSchema,
  earlierEpisodeInputSchema,
  flexibilityInputSchema,
  learningBreakInputSchema,
  ulnCorrectionSchema,
  offTheJobCorrectionSchema,
  offTheJobRemovalSchema,
  priorLearningInputSchema,
  offTheJobInputSchema,
  planItemInputSchema,
  qualificationInputSchema,
  DECLARATION_PARTS,
} from '../apprentices/schema.js';
import { CHECK_CODES, ENGLISH_MATHS_CHOICES } from '../gateway/model.js';
import { reviewSchema } from '../gateway/review.js';
import { BOOKING_STATUSES } from '../bookings/model.js';
import {
  bookingBodySchema,
  bookingChangeSchema,
  conflictBody,
  markingBodySchema,
  unavailabilityBody,
} from '../bookings/api.js';
import { removalSchema } from '../apprentices/service.js';
import { qualificationJsonSchema } from '../apprentices/api.js';
import { deliveryInputSchema } from '../certificates/rules.js';
import { attemptResultSchema } from '../grading/api.js';
import { gradeBodySchema } from '../grading/forms.js';
import { GATEWAY_STATES, SUBMISSION_STATUSES } from '../gateway/status.js';
import { planFileSchema } from '../plans/schema.js';
import { GRADES, GRADING_STATUSES, OUTCOMES, REGIONS } from '../db/vocabulary.js';
import { standardFileSchema, standardReference, standardVersion } from '../standards/schema.js';

export const problemSchema = z.object({ path: z.string(), message: z.string() });
export const errorsSchema = z.object({ errors: z.array(problemSchema) });

export const standardSummarySchema = z.object({
  reference: standardReference,
  version: standardVersion,
  title: z.string(),
  level: z.int(),
  status: z.string(),
  route: z.string(),
  planId: z.string().nullable(),
});
export const standardListSchema = z.object({ standards: z.array(standardSummarySchema) });
export const planImportedSchema = z.object({
  id: z.string(),
  replaced: z.boolean(),
  /** Whether it is its version's default plan (a new id beside an existing plan is not). */
  isDefault: z.boolean(),
  warnings: z.array(z.string()),
});
const isoDate = z.iso.date();
export const apprenticeOutputSchema = z.object({
  uln: z.string(),
  givenNames: z.string(),
  familyName: z.string(),
  dateOfBirth: isoDate,
  startDate: isoDate,
  plannedEndDate: isoDate,
  standardReference: standardReference,
  standardVersion: standardVersion,
  providerUkprn: z.string(),
  employerId: z.string(),
  weeklyHours: z.number(),
  /** The assessment plan the apprentice follows; null: their standard version's default plan. */
  planId: z.string().nullable(),
  /** The standard version's option the apprentice follows, by its published title; null on a version without options. */
  courseOption: z.string().nullable(),
  bslFirstLanguage: z.boolean(),
  englishMathsChoice: z.enum(ENGLISH_MATHS_CHOICES).nullable(),
  /** Recognised prior learning that reduces the published off-the-job minimum. */
  priorLearningHours: z.number(),
});
export const submissionOutputSchema = z.object({
  id: z.int(),
  attempt: z.int(),
  status: z.enum(SUBMISSION_STATUSES),
  submittedOn: isoDate,
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
  epaPeriodStart: isoDate.nullable(),
  epaPeriodEnd: isoDate.nullable(),
});
export const gatewayOutputSchema = z.object({
  uln: z.string(),
  on: isoDate,
  state: z.enum(GATEWAY_STATES),
  /** Where the apprentice stands from training to certificate (src/apprentices/journey.ts). */
  status: z.enum(JOURNEY_STATUSES),
  ready: z.boolean(),
  checks: z.array(
    z.object({ code: z.enum(CHECK_CODES), status: z.enum(['met', 'unmet', 'not_applicable']), reason: z.string() }),
  ),
  latestSubmission: submissionOutputSchema.nullable(),
});
export const bookingOutputSchema = z.object({
  id: z.int(),
  methodId: z.string(),
  assessorUserId: z.int(),
  localStart: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  mode: z.enum(['in_person', 'remote']),
  region: z.string().nullable(),
  location: z.string().nullable(),
  link: z.string().nullable(),
  status: z.enum(BOOKING_STATUSES),
  statusReason: z.string().nullable(),
  holdExpiresAt: z.string().nullable(),
  rescheduledFromId: z.int().nullable(),
});
const weekday = z.int().min(1).max(7);
const londonTime = z.string().regex(/^\d{2}:\d{2}$/);
export const assessorOutputSchema = z.object({
  userId: z.int(),
  name: z.string(),
  standardVersionIds: z.array(z.int()),
  regions: z.array(z.enum(REGIONS)),
  perDay: z.int(),
  perWeek: z.int(),
  workingHours: z.array(z.object({ weekday, start: londonTime, end: londonTime })),
  unavailable: z.array(z.object({ from: isoDate, to: isoDate, reason: z.string() })),
  ownEmployerId: z.string().nullable(),
  ownProviderUkprn: z.string().nullable(),
  declaredConflicts: z.array(
    z.object({
      kind: z.enum(['employer', 'provider']),
      organisationId: z.string(),
      from: isoDate,
      to: isoDate.nullable(),
      reason: z.string(),
    }),
  ),
});
const availabilitySchema = z.object({
  assessorUserId: z.int(),
  date: isoDate,
  workingHours: z.object({ weekday, start: londonTime, end: londonTime }).nullable(),
  unavailable: assessorOutputSchema.shape.unavailable,
  bookings: z.array(
    z.object({ id: z.int(), localStart: z.string(), endsAt: z.string(), status: z.enum(BOOKING_STATUSES) }),
  ),
  capacity: z.object({ perDay: z.int(), perWeek: z.int() }),
});
const gradingOutputSchema = z.object({
  bookingId: z.int(),
  uln: z.string(),
  methodId: z.string(),
  status: z.enum(GRADING_STATUSES),
  outcome: z.enum(OUTCOMES),
  grade: z.enum(GRADES).nullable(),
  sampledForModeration: z.boolean(),
  decisions: z.array(z.object({ criterionId: z.string(), met: z.boolean().nullable(), evidence: z.string() })),
});
const assessorRecordedSchema = z.object({ assessorUserId: z.int() });
const rowErrorsSchema = z.object({
  errors: z.array(z.object({ line: z.int(), path: z.string(), message: z.string() })),
});

const standardPathParams = [
  { name: 'reference', in: 'path', required: true, schema: output(standardReference), example: 'ST0815' },
  { name: 'version', in: 'path', required: true, schema: output(standardVersion), example: '1.0' },
];
const writeResponses = {
  '201': json(output(z.object({ uln: z.string() })), 'Recorded'),
  ...authErrors,
  '403': error('You may see this apprentice but not change this'),
  '404': error('No such apprentice in your scope'),
  '422': error('Invalid; each problem names its field'),
};

/** A PUT that records or replaces one record: 200 with the apprentice's ULN. */
const recordResponses = {
  ...Object.fromEntries(Object.entries(writeResponses).filter(([status]) => status !== '201')),
  '200': json(output(z.object({ uln: z.string() })), 'Recorded'),
};

const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } };

let cached: Schema | undefined;

/**
 * The OpenAPI 3.1 description of /api/v1, generated from the same zod schemas that
 * validate requests and shape responses, so the two cannot drift apart.
 */
export function openApiDocument(): Schema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'EPA platform API',
      version: '1.0.0',
      description:
        'Standards, assessment plans and (as the platform grows) apprentices, bookings and results. Authenticate with `Authorization: Bearer <token>`; tokens come from `npm run admin -- create-token` or the Users page. Every error has the shape `{ "errors": [ { "path", "message" } ] }`. Bodies over 1 MB are refused with 413.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Errors: output(errorsSchema),
        Standard: output(standardFileSchema),
        Plan: output(planFileSchema),
        PlanInput: input(planFileSchema),
        Apprentice: output(apprenticeOutputSchema),
        ApprenticeInput: input(apprenticeInputSchema),
        Gateway: output(gatewayOutputSchema),
        Submission: output(submissionOutputSchema),
        Booking: output(bookingOutputSchema),
      },
    },
    paths: {
      ...resultPdfOpenApi,
      ...evidenceOpenApi,
      ...claimsOpenApi,
      ...reportsOpenApi,
      [openApiPath(routes.api.openapi)]: {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': json({ type: 'object', required: ['openapi', 'paths'] }, 'The OpenAPI document') },
        },
      },
      [openApiPath(routes.standards)]: {
        get: {
          summary: 'List the standard versions in the catalogue',
          responses: { '200': json(output(standardListSchema), 'The catalogue'), ...authErrors },
        },
      },
      [openApiPath(routes.standard)]: {
        get: {
          summary: 'One standard version with its duties and KSBs',
          parameters: standardPathParams,
          responses: {
            '200': json({ $ref: '#/components/schemas/Standard' }, 'The standard version'),
            ...authErrors,
            '404': error('No such standard version'),
          },
        },
      },
      [openApiPath(routes.plan)]: {
        get: {
          summary: 'The assessment plan of a standard version',
          parameters: standardPathParams,
          responses: {
            '200': json({ $ref: '#/components/schemas/Plan' }, 'The plan'),
            ...authErrors,
            '404': error('No such standard version, or no plan loaded'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.list)]: {
        get: {
          summary:
            'Apprentices in your scope with their gateway state, unmet checks and (for today) where each stands, by name, 50 a page',
          parameters: [
            pageParam,
            { name: 'state', in: 'query', schema: output(z.enum(GATEWAY_STATES)) },
            {
              name: 'status',
              in: 'query',
              schema: output(z.enum(JOURNEY_STATUSES)),
              description: 'Where the apprentice stands today (not with state; with on, only when on is today)',
            },
            {
              name: 'on',
              in: 'query',
              schema: output(isoDate),
              description: 'Evaluation date; default today (Europe/London)',
            },
          ],
          responses: {
            '200': json(
              output(
                z.object({
                  on: isoDate,
                  apprentices: z.array(
                    apprenticeOutputSchema.extend({
                      gatewayState: z.enum(GATEWAY_STATES),
                      unmetChecks: z.array(z.enum(CHECK_CODES)),
                      status: z.enum(JOURNEY_STATUSES).optional(),
                    }),
                  ),
                  ...apiPageFields,
                }),
              ),
              'The apprentices',
            ),
            ...authErrors,
            '403': error('Not a provider, employer or administrator'),
            '422': error('A query parameter that is not valid'),
          },
        },
        post: {
          summary: 'Add an apprentice (providers: always their own UKPRN)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ApprenticeInput' } } },
          },
          responses: {
            '201': json({ $ref: '#/components/schemas/Apprentice' }, 'Added'),
            ...authErrors,
            '403': error('Not a provider or administrator'),
            '415': error('Body not JSON'),
            '422': error('Invalid, or the ULN is already held; each problem names its field'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.import)]: {
        post: {
          summary:
            'Add many apprentices, all or nothing: a CSV file (text/csv, the template’s columns) or a JSON array of ApprenticeInput',
          requestBody: {
            required: true,
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/json': {
                schema: { type: 'array', items: { $ref: '#/components/schemas/ApprenticeInput' } },
              },
            },
          },
          responses: {
            '201': json(output(z.object({ imported: z.int() })), 'Every row added'),
            ...authErrors,
            '403': error('Not a provider or administrator'),
            '408': error('A CSV body that stopped arriving for 30 seconds; nothing added, and the connection closed'),
            '413': error('Over 20 MB'),
            '422': json(output(rowErrorsSchema), 'Nothing added; every bad row with its line and field'),
            '503': {
              ...error('Two imports are running and four waiting; this one was not started'),
              headers: {
                'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
              },
            },
          },
        },
      },
      [openApiPath(routes.api.apprentices.one)]: {
        get: {
          summary: 'One apprentice',
          parameters: [ulnParam],
          responses: {
            '200': json({ $ref: '#/components/schemas/Apprentice' }, 'The apprentice'),
            ...authErrors,
            '403': error('Not a provider, employer or administrator'),
            '404': error('No such apprentice in your scope'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.uln)]: {
        put: {
          summary: 'Correct a ULN entered wrongly (administrators; the check digit is checked, and the reason audited)',
          parameters: [ulnParam],
          requestBody: body(ulnCorrectionSchema),
          responses: {
            '200': json({ $ref: '#/components/schemas/Apprentice' }, 'The apprentice, under the corrected ULN'),
            ...authErrors,
            '403': error('Not an administrator'),
            '404': error('No such apprentice'),
            '422': error(
              'Invalid, held by another apprentice, the same as now, or already sent to the apprenticeship service under this ULN',
            ),
          },
        },
      },
      [openApiPath(routes.api.apprentices.gateway)]: {
        get: {
          summary: 'Each gateway check with its status and reason',
          parameters: [
            ulnParam,
            {
              name: 'on',
              in: 'query',
              schema: output(isoDate),
              description: 'Evaluation date; default today (Europe/London)',
            },
          ],
          responses: {
            '200': json({ $ref: '#/components/schemas/Gateway' }, 'The evaluation'),
            ...authErrors,
            '403': error('Not a provider, employer or administrator'),
            '404': error('No such apprentice in your scope'),
            '422': error('Bad date'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.qualifications)]: {
        get: {
          summary:
            'The apprentice’s English and maths evidence, each with its id and the address of its certificate’s files',
          parameters: [ulnParam],
          responses: {
            '200': json(
              output(z.object({ uln: z.string(), qualifications: z.array(qualificationJsonSchema) })),
              'The qualifications, the first recorded first',
            ),
            ...authErrors,
            '403': error('Assessors and quality assurers'),
            '404': error('No such apprentice in your scope'),
          },
        },
        post: {
          summary: 'Add English or maths evidence (its certificate is then uploaded to the address it answers with)',
          parameters: [ulnParam],
          requestBody: body(qualificationInputSchema),
          responses: {
            ...writeResponses,
            '201': json(
              output(z.object({ uln: z.string(), id: z.int(), files: z.string() })),
              'Recorded: its id, and where its certificate’s files are listed and uploaded',
            ),
          },
        },
      },
      [openApiPath(routes.api.apprentices.hours)]: {
        post: {
          summary:
            'Log off-the-job training hours: one day, or a span’s total (date is its first day, to its last; at most 31 days); no day after today',
          parameters: [ulnParam],
          requestBody: body(offTheJobInputSchema),
          responses: writeResponses,
        },
      },
      [openApiPath(routes.api.apprentices.oneHoursEntry)]: {
        put: {
          summary:
            'Correct an entry of the off-the-job log (the entry as it should be, and the reason, kept in the audit log)',
          parameters: [ulnParam, idParam],
          requestBody: body(offTheJobCorrectionSchema),
          responses: {
            ...recordResponses,
            '404': error('No such apprentice in your scope, or no such entry in their log'),
          },
        },
        delete: {
          summary: 'Remove an entry of the off-the-job log logged in error (the reason is kept in the audit log)',
          parameters: [ulnParam, idParam],
          requestBody: body(offTheJobRemovalSchema),
          responses: {
            ...recordResponses,
            '404': error('No such apprentice in your scope, or no such entry in their log'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.gatewayItem)]: {
        put: {
          summary: 'Record a plan gateway item as in place',
          parameters: [ulnParam, { name: 'itemId', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body(planItemInputSchema.omit({ itemId: true })),
          responses: {
            ...Object.fromEntries(Object.entries(writeResponses).filter(([status]) => status !== '201')),
            '200': json(
              output(z.object({ uln: z.string(), itemId: z.string(), reference: z.string().nullable() })),
              'Recorded',
            ),
          },
        },
      },
      [openApiPath(routes.api.apprentices.breaks)]: {
        post: {
          summary: 'Record a break in learning (its days do not count towards the practical period)',
          parameters: [ulnParam],
          requestBody: body(learningBreakInputSchema),
          responses: writeResponses,
        },
      },
      [openApiPath(routes.api.apprentices.earlierEpisodes)]: {
        post: {
          summary: 'Record an earlier episode this record restarts (it counts towards the practical period)',
          parameters: [ulnParam],
          requestBody: body(earlierEpisodeInputSchema),
          responses: writeResponses,
        },
      },
      [openApiPath(routes.api.apprentices.oneBreak)]: {
        delete: {
          summary: 'Remove a break in learning recorded in error (the reason is kept in the audit log)',
          parameters: [ulnParam, idParam],
          requestBody: body(removalSchema),
          responses: { ...recordResponses, '404': error('No such apprentice in your scope, or no such break') },
        },
      },
      [openApiPath(routes.api.apprentices.oneEarlierEpisode)]: {
        delete: {
          summary: 'Remove an earlier episode recorded in error (the reason is kept in the audit log)',
          parameters: [ulnParam, idParam],
          requestBody: body(removalSchema),
          responses: { ...recordResponses, '404': error('No such apprentice in your scope, or no such episode') },
        },
      },
      [openApiPath(routes.api.apprentices.flexibility)]: {
        put: {
          summary: 'Record the English and maths flexibility judgement (Entry Level 3), with its evidence',
          parameters: [ulnParam],
          requestBody: body(flexibilityInputSchema),
          responses: recordResponses,
        },
        delete: {
          summary: 'Withdraw the flexibility judgement: Entry Level 3 no longer meets the requirement',
          parameters: [ulnParam],
          requestBody: body(removalSchema),
          responses: recordResponses,
        },
      },
      [openApiPath(routes.api.apprentices.markings)]: {
        post: {
          summary:
            'A provider’s marker records a provider-marked component of their own apprentice (reformed plans), to grade it with PUT /bookings/{id}/grade',
          parameters: [ulnParam],
          requestBody: body(markingBodySchema),
          responses: {
            '201': json({ $ref: '#/components/schemas/Booking' }, 'Recorded, confirmed, ready to mark'),
            ...authErrors,
            '403': error('Only a marker at the apprentice’s own training provider records one'),
            '404': error('No such apprentice in your scope'),
            '409': error('A rule refuses it; each problem names the rule'),
            '422': error('Invalid; each problem names its field'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.priorLearning)]: {
        put: {
          summary: 'Record recognised prior learning, which reduces the published off-the-job minimum (0 removes it)',
          parameters: [ulnParam],
          requestBody: body(priorLearningInputSchema),
          responses: recordResponses,
        },
      },
      [openApiPath(routes.api.apprentices.behaviourVerification)]: {
        put: {
          summary: "The employer's verification of behaviours (reformed plans; the apprentice's employer only)",
          parameters: [ulnParam],
          requestBody: body(behaviourVerificationInputSchema),
          responses: {
            ...recordResponses,
            '409': error("The apprentice's plan does not ask the employer to verify behaviours"),
          },
        },
      },
      [openApiPath(routes.api.apprentices.certificateDelivery)]: {
        put: {
          summary:
            'Where the certificate is posted: to the apprentice or the employer, with the postal contact the apprenticeship service needs (the apprentice’s provider or an administrator)',
          parameters: [ulnParam],
          requestBody: body(deliveryInputSchema),
          responses: {
            ...recordResponses,
            '200': json(
              output(deliveryInputSchema.extend({ uln: z.string(), postcode: z.string() })),
              'Recorded; the postcode as the service expects it (capitals, one space)',
            ),
          },
        },
      },
      [openApiPath(routes.api.apprentices.declarations)]: {
        post: {
          summary: 'Confirm the gateway declaration: employer (employers only), provider or apprentice (providers)',
          parameters: [ulnParam],
          requestBody: body(z.object({ part: z.enum(DECLARATION_PARTS) })),
          responses: {
            ...writeResponses,
            '201': json(output(z.object({ uln: z.string(), part: z.enum(DECLARATION_PARTS) })), 'Confirmed'),
          },
        },
      },
      [openApiPath(routes.api.apprentices.submissions)]: {
        post: {
          summary: 'Request EPA: allowed when every check is met',
          parameters: [ulnParam],
          responses: {
            '201': json({ $ref: '#/components/schemas/Submission' }, 'Submitted'),
            ...authErrors,
            '403': error('Only the apprentice’s provider or an administrator requests EPA'),
            '404': error('No such apprentice in your scope'),
            '409': error('A check is unmet, or a submission is waiting or accepted'),
          },
        },
      },
      [openApiPath(routes.api.gateway.queue)]: {
        get: {
          summary: 'Submissions waiting for review (administrators), oldest first, 50 a page',
          parameters: [pageParam],
          responses: {
            '200': json(
              output(
                z.object({
                  submissions: z.array(submissionOutputSchema.extend({ uln: z.string() })),
                  ...apiPageFields,
                }),
              ),
              'The queue',
            ),
            '422': error('The page is not a whole number from 1'),
            ...authErrors,
            '403': error('Administrators only'),
          },
        },
      },
      [openApiPath(routes.api.gateway.decision)]: {
        post: {
          summary:
            'Decide a submission (administrators): each check accepted or rejected with a reason, and the outcome',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: body(reviewSchema),
          responses: {
            '200': json({ $ref: '#/components/schemas/Submission' }, 'Decided'),
            ...authErrors,
            '403': error('Administrators only'),
            '404': error('No such submission'),
            '409': error('Already decided'),
            '422': error('Invalid decision'),
          },
        },
      },
      [openApiPath(routes.api.bookings.list)]: {
        get: {
          summary:
            'Bookings in your scope: administrators all, assessors their own, providers and employers their apprentices’',
          parameters: [
            { name: 'from', in: 'query', schema: output(isoDate) },
            { name: 'to', in: 'query', schema: output(isoDate) },
            { name: 'status', in: 'query', schema: output(z.enum(BOOKING_STATUSES)) },
          ],
          responses: {
            '200': json(
              output(
                z.object({
                  bookings: z.array(bookingOutputSchema.extend({ uln: z.string(), assessorName: z.string() })),
                }),
              ),
              'The bookings',
            ),
            ...authErrors,
            '403': error('Quality assurers have no bookings to list'),
            '422': error('A query parameter that is not valid'),
          },
        },
        post: {
          summary: 'Hold a booking (administrators); every rule is checked in the transaction that writes it',
          requestBody: body(bookingBodySchema),
          responses: {
            '201': json({ $ref: '#/components/schemas/Booking' }, 'Held'),
            ...authErrors,
            '403': error('Administrators only'),
            '404': error('No such apprentice'),
            '409': error(
              'Refused: each error’s path is the rule’s code (e.g. assessor_double_booked) and its message the reason',
            ),
            '422': error('Invalid body'),
          },
        },
      },
      [openApiPath(routes.api.bookings.one)]: {
        get: {
          summary: 'One booking',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': json({ $ref: '#/components/schemas/Booking' }, 'The booking'),
            ...authErrors,
            '404': error('Not in your scope'),
          },
        },
        patch: {
          summary:
            'Confirm or decline (its assessor); cancel, complete or reschedule (administrators); change where it takes place (its assessor or administrators)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: body(bookingChangeSchema),
          responses: {
            '200': json({ $ref: '#/components/schemas/Booking' }, 'Changed (a reschedule returns the new booking)'),
            ...authErrors,
            '403': error('Not yours to change'),
            '404': error('Not in your scope'),
            '409': error('Not possible in its status, or the new time is refused'),
            '422': error('Invalid body'),
          },
        },
      },
      [openApiPath(routes.api.results.grade)]: {
        put: {
          summary:
            'Grade a booking (its assessor, once it has taken place): every criterion met or not, with the evidence; submit:false saves a draft. The grade is derived by the plan’s rule.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: body(gradeBodySchema),
          responses: {
            '200': json(output(gradingOutputSchema), 'Saved; the grading with its derived grade'),
            ...authErrors,
            '403': error('Assessors only'),
            '404': error('Not your booking'),
            '409': error('Not yet taken place, not confirmed, or already submitted'),
            '422': error(
              'Invalid body; each criterion undecided or without evidence is named (path decisions.<criterion id>)',
            ),
          },
        },
      },
      [openApiPath(routes.api.results.results)]: {
        get: {
          summary:
            'An apprentice’s EPA results: released ones for their provider and employer; every attempt, with its status, for administrators',
          parameters: [{ name: 'uln', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json(
              output(z.object({ uln: z.string(), results: z.array(attemptResultSchema) })),
              'The results, newest attempt first',
            ),
            ...authErrors,
            '403': error('Assessors and quality assurers'),
            '404': error('Not in your scope'),
          },
        },
      },
      [openApiPath(routes.api.bookings.assessors)]: {
        get: {
          summary: 'Assessors with competences, regions, capacity, working hours, leave and conflicts (administrators)',
          responses: {
            '200': json(output(z.object({ assessors: z.array(assessorOutputSchema) })), 'The assessors'),
            ...authErrors,
            '403': error('Administrators only'),
          },
        },
      },
      [openApiPath(routes.api.bookings.availability)]: {
        get: {
          summary:
            'One day of an assessor’s diary: working hours, leave and active bookings (the assessor or administrators)',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
            { name: 'date', in: 'query', required: true, schema: output(isoDate) },
          ],
          responses: {
            '200': json(output(availabilitySchema), 'The day'),
            ...authErrors,
            '404': error('No such assessor in your records'),
            '422': error('Bad date'),
          },
        },
      },
      [openApiPath(routes.api.bookings.unavailability)]: {
        post: {
          summary: 'Record leave or other unavailability (the assessor or administrators)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: body(unavailabilityBody),
          responses: {
            '201': json(output(assessorRecordedSchema), 'Recorded'),
            ...authErrors,
            '404': error('No such assessor in your records'),
            '422': error('Invalid'),
          },
        },
      },
      [openApiPath(routes.api.bookings.calendar)]: {
        post: {
          summary:
            'A new private calendar feed (iCalendar) URL for the assessor, given once; any earlier URL stops working (the assessor or administrators)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '201': {
              description: 'The feed URL, to subscribe to in a calendar app',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['assessorUserId', 'url'],
                    properties: { assessorUserId: { type: 'integer' }, url: { type: 'string', format: 'uri' } },
                  },
                },
              },
            },
            ...authErrors,
            '404': error('No such assessor in your records, or no assessor profile yet'),
          },
        },
        delete: {
          summary: 'Revoke the assessor’s calendar feed URL (the assessor or administrators)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '204': { description: 'Revoked: the feed URL no longer works' },
            ...authErrors,
            '404': error('No such assessor in your records'),
          },
        },
      },
      [openApiPath(routes.api.bookings.conflicts)]: {
        get: {
          summary: 'Declared conflicts of interest',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          responses: {
            '200': json(output(z.object({ conflicts: assessorOutputSchema.shape.declaredConflicts })), 'The conflicts'),
            ...authErrors,
            '404': error('No such assessor in your records'),
          },
        },
        post: {
          summary: 'Declare a conflict of interest with an employer or provider (the assessor or administrators)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
          requestBody: body(conflictBody),
          responses: {
            '201': json(output(assessorRecordedSchema), 'Declared'),
            ...authErrors,
            '404': error('No such assessor in your records'),
            '422': error('Invalid, or an unknown organisation'),
          },
        },
      },
      [openApiPath(routes.api.plans)]: {
        post: {
          summary: 'Import or replace the assessment plan of a standard version (admin)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PlanInput' } } },
          },
          responses: {
            '201': json(output(planImportedSchema), 'Imported'),
            '200': json(output(planImportedSchema), 'Replaced the earlier plan of that standard version'),
            '400': error('The body is not JSON'),
            ...authErrors,
            '403': error('Only administrators may import plans'),
            '413': error('Body over 1 MB'),
            '422': error('The plan has problems; each names its place in the document. Nothing was changed'),
          },
        },
      },
    },
  };
  completeOperations(cached.paths as Record<string, Record<string, Operation>>);
  return cached;
}

type Operation = { operationId?: string; security?: unknown[]; requestBody?: unknown; responses: Schema };

/**
 * What every operation can answer, added where an operation does not say it more precisely: 400
 * (a body that is not JSON, or a URL that cannot be read), 401 (unless it needs no token), and
 * for a request with a body 413 (over its limit) and 415 (not JSON). Each gets an operationId from
 * its method and path, for client generators: `get /apprentices/{uln}/gateway` is
 * `getApprenticesUlnGateway`.
 */
function completeOperations(paths: Record<string, Record<string, Operation>>): void {
  for (const [path, item] of Object.entries(paths))
    for (const [method, operation] of Object.entries(item)) {
      operation.operationId ??= operationIdOf(method, path);
      const responses = operation.responses;
      responses['400'] ??= error('Malformed: a body that is not valid JSON, or a URL that cannot be read');
      if (operation.security?.length !== 0) responses['401'] ??= authErrors['401'];
      if (method !== 'get') {
        responses['413'] ??= error('Body over 1 MB');
        responses['415'] ??= error('A body that is not JSON');
      }
    }
}

function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/\.json$/, '')
    .split(/[/{}.-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return method + words.join('');
}
