import { Router } from 'express';
import { requireRole, userOf } from '../auth/authorize.js';
import type { Db } from '../db/connection.js';
import { apiErrors } from '../http/json-errors.js';
import { valueOrThrow } from '../http/results.js';
import { routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { planFromParams } from './service.js';
import { importPlan } from './store.js';

/** GET a standard version's plan (every API user); POST /plans imports or replaces one (administrators). */
export function plansApi(db: Db): Router {
  const router = Router();
  router.get(routes.plan, (req, res) => {
    res.json(valueOrThrow(planFromParams(db, req.params)));
  });
  router.post(routes.api.plans, requireRole('admin'), (req, res) => {
    const result = importPlan(db, req.body, actorOf(userOf(res)));
    if (!result.ok) return res.status(422).json(apiErrors(result.problems));
    res.status(result.value.replaced ? 200 : 201).json({
      id: result.value.plan.id,
      replaced: result.value.replaced,
      isDefault: result.value.isDefault,
      warnings: result.value.warnings,
    });
  });
  return router;
}
