import { valueOrThrow } from '../http/results.js';
import { isoInstant, todayInLondon } from '../dates.js';
import type { Clock } from '../clock.js';
import { type Response, Router } from 'express';
import { z } from 'zod';
import { AREA_ROLES, PANELS_ONLY, sitsOnPanelsOnly, type Role } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { resultsOf } from '../grading/store.js';
import { userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { openApiPath, paths, routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { parseOr422, UnprocessableError } from '../http/json-errors.js';
import { authErrors, body, error, json, output, ulnParam } from '../http/openapi-parts.js';
import { isReady, markClaimed, serviceRequest, unclaimedClaims } from './claims.js';
import { epaoSettingsOf } from '../grading/store.js';
import { dashboardFigures } from './dashboard.js';
import { claimWithStatusSchema, markClaimsSchema, markedSchema, reportQuerySchema } from './schemas.js';
import { filterOf, reportScope } from './service.js';
import { sendPdf } from './result-pdf.js';
import { apprenticeFor } from '../apprentices/service.js';

/* The outcomes API (inside /api/v1, after its token authentication): reports, certificate claims and result PDFs. */

/** GET /api/v1/reports/outcomes: the dashboard's figures as JSON, with the same filters and scope. */
export function reportsApi(db: Db, clock: Clock): Router {
  const router = Router();
  router.get('/reports/outcomes', (req, res) => {
    const user = userOf(res);
    if (!AREA_ROLES.reports.some((role) => role === user.role))
      throw new HttpError(403, 'Reports are for the EPAO and training providers');
    if (sitsOnPanelsOnly(user)) throw new HttpError(403, PANELS_ONLY);
    const { provider, ...rest } = req.query as Record<string, unknown>;
    const query = parseOr422(reportQuerySchema, user.role === 'provider' ? rest : { ...rest, provider });
    const scope = reportScope(user);
    const filter = filterOf(db, query, scope);
    if ('unknownStandard' in filter) throw new HttpError(404, 'There is no such standard version');
    res.json({
      filter: query,
      scope: scope.kind,
      figures: dashboardFigures(db, filter, scope, todayInLondon(clock.now())),
    });
  });
  return router;
}

export const reportsOpenApi: Record<string, unknown> = {
  '/reports/outcomes': {
    get: {
      summary:
        'The outcomes dashboard’s figures: results by grade, pass and distinction rates, first-attempt pass rate, resits, retakes, appeals, days from gateway to booking and to result (median and 90th percentile), apprentices waiting (administrators and quality assurers: everything; providers: their own released results)',
      parameters: [
        { name: 'from', in: 'query', schema: { type: 'string', format: 'date' } },
        { name: 'to', in: 'query', schema: { type: 'string', format: 'date' } },
        { name: 'standard', in: 'query', schema: { type: 'string', example: 'ST0815/1.0' } },
        { name: 'provider', in: 'query', schema: { type: 'string' } },
        { name: 'employer', in: 'query', schema: { type: 'string' } },
        { name: 'assessor', in: 'query', schema: { type: 'integer' } },
        { name: 'method', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        '200': json(
          output(
            z.object({
              filter: z.record(z.string(), z.unknown()),
              scope: z.string(),
              figures: z.record(z.string(), z.unknown()),
            }),
          ),
          'The figures',
        ),
        ...authErrors,
        '403': error('Assessors and employers'),
        '404': error('No such standard version'),
        '422': error('A bad filter'),
      },
    },
  },
};

function requireClaimsRole(res: Response): ReturnType<typeof userOf> {
  const user = userOf(res);
  if (!(AREA_ROLES.claims as readonly string[]).includes(user.role))
    throw new HttpError(403, 'Certificate claims are for EPAO administrators');
  return user;
}

/**
 * GET /claims: every released passing result not yet claimed, with its
 * validation. POST /claims/mark: marks results as claimed, all or nothing; 422 names each
 * result that cannot be marked, and then nothing is marked.
 */
export function claimsApi(db: Db, clock: Clock): Router {
  const router = Router();

  router.get(paths.claims, (_req, res) => {
    requireClaimsRole(res);
    res.json({
      claims: unclaimedClaims(db, todayInLondon(clock.now()), epaoSettingsOf(db)).map((row) => ({
        attemptId: row.attemptId,
        uln: row.uln,
        familyName: row.familyName,
        givenNames: row.givenNames,
        overallGrade: row.overallGrade,
        achievementDate: row.achievementDate,
        valid: row.valid,
        reasons: row.reasons,
        ready: isReady(row),
        heldUntil: row.heldUntil ?? null,
        heldWhy: row.heldWhy ?? null,
        sends: row.sends,
        request: row.valid ? serviceRequest(row) : null,
      })),
    });
  });

  router.post(paths.markClaimed, (req, res) => {
    const user = requireClaimsRole(res);
    const { attemptIds } = parseOr422(markClaimsSchema, req.body);
    const result = markClaimed(
      db,
      attemptIds,
      actorOf(user),
      todayInLondon(clock.now()),
      isoInstant(clock.now()),
      epaoSettingsOf(db),
    );
    if (!result.ok)
      throw new UnprocessableError(
        result.refusals.map((r) => ({ path: `attemptIds.${attemptIds.indexOf(r.attemptId)}`, message: r.message })),
      );
    res.json({ marked: result.marked, attemptIds: [...new Set(attemptIds)] });
  });

  return router;
}

export const claimsOpenApi: Record<string, unknown> = {
  '/claims': {
    get: {
      summary:
        'Certificate claims (administrators): every released passing result (Pass, Credit, Merit, Distinction, Pass with excellence, Outstanding or No grade awarded) not yet claimed, each checked with the apprenticeship service’s rules (ULN and its check digit, family name, standard and version, achievement date from 2017-01-01 and not in the future). A Fail is an EPA outcome, never a claim.',
      responses: {
        '200': json(
          output(z.object({ claims: z.array(claimWithStatusSchema) })),
          'The claims, oldest result first; only those with valid true may be exported',
        ),
        ...authErrors,
        '403': error('Administrators only'),
      },
    },
  },
  '/claims/mark': {
    post: {
      summary:
        'Mark results as claimed (administrators), once their certificates have been claimed in the apprenticeship service. All or nothing; each change is audited.',
      requestBody: body(markClaimsSchema),
      responses: {
        '200': json(output(markedSchema), 'Every result was marked'),
        ...authErrors,
        '403': error('Administrators only'),
        '415': error('Body not JSON'),
        '422': error(
          'Nothing marked: the body is invalid, or each result that does not exist, is not released, is already claimed, is not a passing grade, or fails a rule is named (path attemptIds.<index>)',
        ),
      },
    },
  },
};

/** GET /results/{uln}/pdf: the latest released attempt for providers and employers, the latest attempt for administrators. */
export function resultPdfApi(db: Db, clock: Clock): Router {
  const router = Router();
  router.get(routes.api.results.pdf, async (req, res) => {
    const user = userOf(res);
    if (!(AREA_ROLES.apprentices as readonly Role[]).includes(user.role))
      throw new HttpError(403, 'Results are for administrators, providers and employers');
    const apprentice = valueOrThrow(apprenticeFor(db, user, req.params.uln, 'view'));
    const latest = resultsOf(db, apprentice, user.role !== 'admin')[0];
    if (!latest)
      throw new HttpError(
        404,
        user.role === 'admin'
          ? 'This apprentice has no EPA attempt yet'
          : 'No result has been released for this apprentice yet',
      );
    await sendPdf(res, db, apprentice, latest, clock.now());
  });
  return router;
}

export const resultPdfOpenApi: Record<string, unknown> = {
  [openApiPath(routes.api.results.pdf)]: {
    get: {
      summary:
        'An apprentice’s EPA result as a PDF (with the EPAO’s name, each method’s grade, the overall grade and feedback per KSB): the latest released attempt for their provider and employer; the latest attempt, released or not, for administrators',
      parameters: [ulnParam],
      responses: {
        '200': {
          description: 'The result as a PDF, sent as an attachment',
          content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
        },
        ...authErrors,
        '403': error('Assessors and quality assurers'),
        '404': error('Not in your scope, or no result (released, for providers and employers) yet'),
      },
    },
  },
};
