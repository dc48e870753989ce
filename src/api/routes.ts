import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Db } from '../db/connection.js';
import { requireRole, userOf } from '../http/authorize.js';
import { HttpError, statusOf } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { getPlanForStandard, importPlan } from '../plans/store.js';
import { loadStandardFromParams } from '../standards/routes.js';
import { listStandards } from '../standards/store.js';
import { actorOf, findTokenUser } from '../users/store.js';
import type { Problem } from '../validation/problems.js';
import { openApiDocument } from './openapi.js';

export const API_BODY_LIMIT = '1mb';

/** Every API error has this one shape. */
export function apiErrors(problems: Problem[]): { errors: Problem[] } {
  return { errors: problems };
}

/** Bearer-token authentication: `Authorization: Bearer epa_…`. No cookies, so no CSRF. */
function authenticate(db: Db): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? findTokenUser(db, match[1]!) : undefined;
    if (!user) {
      res.set('WWW-Authenticate', 'Bearer realm="epa"');
      throw new HttpError(401, match ? 'The API token is not valid or has been revoked' : 'Send an API token: Authorization: Bearer <token>');
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
    const message =
      status === 500
        ? 'Something went wrong on our side; nothing was changed by this request'
        : status === 413
          ? `The request body is larger than ${API_BODY_LIMIT.toUpperCase()}`
          : status === 400 && !(error instanceof HttpError)
            ? 'The request body is not valid JSON'
            : error instanceof Error
              ? error.message
              : 'Bad request';
    res.status(status).json(apiErrors([{ path: '', message }]));
  };
}

export function apiRoutes(db: Db, log: (error: unknown) => void): Router {
  const router = Router();
  router.use(express.json({ limit: API_BODY_LIMIT }));

  router.get('/openapi.json', (_req, res) => res.json(openApiDocument()));

  router.use(authenticate(db));

  router.get(paths.standards, (_req, res) => {
    res.json({
      standards: listStandards(db).map(({ reference, version, title, level, status, route, planId }) => ({ reference, version, title, level, status, route, planId })),
    });
  });

  router.get(routes.standard, (req, res) => {
    res.json(loadStandardFromParams(db, req.params).std);
  });

  router.get(routes.plan, (req, res) => {
    const { id, std } = loadStandardFromParams(db, req.params);
    const plan = getPlanForStandard(db, id);
    if (!plan) throw new HttpError(404, `No assessment plan has been loaded for ${std.reference} v${std.version}`);
    res.json(plan);
  });

  router.post('/plans', requireRole('admin'), (req, res) => {
    const result = importPlan(db, req.body, actorOf(userOf(res)));
    if (!result.ok) return res.status(422).json(apiErrors(result.problems));
    res.status(result.value.replaced ? 200 : 201).json({ id: result.value.plan.id, replaced: result.value.replaced });
  });

  router.use(() => {
    throw new HttpError(404, 'No such API endpoint');
  });
  router.use(apiErrorHandler(log));
  return router;
}
