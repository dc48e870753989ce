import { Router } from 'express';
import type { Db } from '../db/connection.js';
import { valueOrThrow } from '../http/results.js';
import { paths, routes } from '../paths.js';
import { standardFromParams } from './service.js';
import { listStandards } from './store.js';

/** GET /standards and /standards/{reference}/{version}: the catalogue, for every signed-in API user. */
export function standardsApi(db: Db): Router {
  const router = Router();
  router.get(paths.standards, (_req, res) => {
    res.json({
      standards: listStandards(db).map(({ reference, version, title, level, status, route, planId }) => ({
        reference,
        version,
        title,
        level,
        status,
        route,
        planId,
      })),
    });
  });
  router.get(routes.standard, (req, res) => {
    res.json(valueOrThrow(standardFromParams(db, req.params)).std);
  });
  return router;
}
