import { routes } from '../paths.js';
import { gatewayApi } from '../gateway/api.js';
import { standardsApi } from '../standards/api.js';
import { plansApi } from '../plans/api.js';
import type { Clock } from '../clock.js';
import { resultsApi } from '../grading/api.js';
import { claimsApi, reportsApi, resultPdfApi } from '../outcomes/api.js';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { isCsv, isUtf8Csv } from '../http/csv-body.js';
import type { Db } from '../db/connection.js';
import { errorHeaders, HttpError, statusOf } from '../http/errors.js';
import { findTokenUser } from '../users/store.js';
import { apprenticeApi } from '../apprentices/api.js';
import { bookingApi } from '../bookings/api.js';
import { certificateApi } from '../certificates/api.js';
import { apiErrors, ProblemsError } from '../http/json-errors.js';
import { LIMITS } from '../http/limits.js';
import { refuseUnsavableText } from '../http/text-guard.js';
import { openApiDocument } from './openapi.js';
import { EVIDENCE_UPLOADS, evidenceApi } from '../evidence/api.js';
import { acceptEvidence } from '../evidence/pages.js';
import type { EvidenceStorage } from '../evidence/storage.js';

/** A request that sends a body must send JSON (a CSV import may send CSV; an evidence upload, multipart). */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  const csvImport = req.path === routes.api.apprentices.import && req.is('text/csv');
  const upload =
    req.method === 'POST' && EVIDENCE_UPLOADS.some(([path]) => path.test(req.path)) && req.is('multipart/form-data');
  if (hasBody && !req.is('application/json') && !csvImport && !upload)
    throw new HttpError(415, 'Send the body as JSON, with Content-Type: application/json');
  next();
};

/** Bearer-token authentication: `Authorization: Bearer epa_…`. No cookies, so no CSRF. */
function authenticate(db: Db, clock: Clock): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? findTokenUser(db, match[1]!, clock.now()) : undefined;
    if (!user) {
      res.set('WWW-Authenticate', 'Bearer realm="epa"');
      throw new HttpError(
        401,
        match
          ? 'The API token is not valid: it has expired, been revoked, or its account is disabled'
          : 'Send an API token: Authorization: Bearer <token>',
      );
    }
    res.locals.currentUser = user;
    next();
  };
}

function apiErrorHandler(log: (error: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = statusOf(error);
    if (status === 500) log(error);
    res.set(errorHeaders(error));
    const message =
      status === 500
        ? 'Something went wrong on our side; nothing was changed by this request'
        : error instanceof HttpError
          ? error.message
          : status === 413
            ? `The request body is larger than ${(error as { limit?: number }).limit === LIMITS.csvFileBytes ? LIMITS.csvFileLabel : LIMITS.bodyLabel}`
            : (error as { type?: string }).type === 'entity.parse.failed'
              ? 'The request body is not valid JSON'
              : 'The request could not be read';
    res.status(status).json(apiErrors(error instanceof ProblemsError ? error.problems : [{ path: '', message }]));
  };
}

export function apiRoutes(
  db: Db,
  log: (error: unknown) => void,
  options: { holdHours: number; clock: Clock; baseUrl: string; evidence: EvidenceStorage; uploadIdleMs?: number },
): Router {
  const { holdHours, clock, baseUrl, evidence, uploadIdleMs } = options;
  const router = Router();
  router.get(routes.api.openapi, (_req, res) => res.json(openApiDocument()));

  // Who is asking comes first: an anonymous request is refused before its body is read.
  router.use(authenticate(db, clock));
  // An evidence upload is streamed to the store (its scope checked first), never parsed as a body.
  for (const [, route, recordType] of EVIDENCE_UPLOADS)
    router.post(route, acceptEvidence(db, evidence, recordType, clock));
  router.use(requireJsonBody);
  // An import may be a CSV file or a JSON array as large as a CSV upload; everything else is 1 MB at most.
  // A UTF-8 CSV (the usual) is not read here: the import hands it to its worker as it arrives
  // (src/http/csv-body.ts). One declared in another character set is decoded to text first.
  router.post(
    routes.api.apprentices.import,
    express.text({ type: (req) => isCsv(req) && !isUtf8Csv(req), limit: LIMITS.csvFileBytes }),
    express.json({ limit: LIMITS.csvFileBytes }),
  );
  router.use(express.json({ limit: LIMITS.bodyBytes }));
  router.use(refuseUnsavableText);

  router.use(standardsApi(db));
  router.use(plansApi(db));
  router.use(apprenticeApi(db, clock, uploadIdleMs));
  router.use(gatewayApi(db, clock));
  router.use(resultPdfApi(db, clock));
  router.use(resultsApi(db, clock));
  router.use(reportsApi(db, clock));
  router.use(claimsApi(db, clock));
  router.use(certificateApi(db, clock));
  router.use(bookingApi(db, { holdHours, clock, baseUrl }));
  router.use(evidenceApi(db, evidence, clock));

  router.use(() => {
    throw new HttpError(404, 'No such API endpoint');
  });
  router.use(apiErrorHandler(log));
  return router;
}
