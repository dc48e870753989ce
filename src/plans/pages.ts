import { AREA_ROLES } from '../auth/roles.js';
import { Router } from 'express';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { formErrors } from '../http/forms.js';
import { binaryKindOf } from '../http/uploads.js';
import { paths } from '../paths.js';
import { actorOf } from '../users/store.js';
import { importPlanText } from './store.js';

const TITLE = 'Import an assessment plan';

/** Admin page: upload a plan file. A file with any problem changes nothing and lists every problem. */
export function planAdminRoutes(db: Db): Router {
  const router = Router();
  const adminOnly = pageFor(...AREA_ROLES.administration);

  router.get(paths.admin.importPlan, adminOnly, (_req, res) => {
    res.render('plans/import', { title: TITLE });
  });

  router.post(paths.admin.importPlan, adminOnly, (req, res) => {
    const file = req.file;
    if (!file || file.size === 0) {
      return res.status(400).render('plans/import', {
        title: TITLE,
        ...formErrors([{ path: 'planFile', message: 'Select a plan file (JSON)' }]),
      });
    }
    const kind = binaryKindOf(file.buffer);
    if (kind)
      return res.status(400).render('plans/import', {
        title: TITLE,
        ...formErrors([
          { path: 'planFile', message: `The selected file must be a JSON file: ${file.originalname} is ${kind}` },
        ]),
      });
    const result = importPlanText(db, file.buffer.toString('utf8'), actorOf(userOf(res)));
    if (!result.ok) {
      return res.status(422).render('plans/import', {
        title: TITLE,
        fileName: file.originalname,
        problems: result.problems,
        ...formErrors([
          {
            path: 'planFile',
            message: `${file.originalname} has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; nothing was imported`,
          },
        ]),
      });
    }
    const { plan, replaced, isDefault, warnings } = result.value;
    res.render('plans/imported', {
      title: 'Plan imported',
      plan,
      replaced,
      isDefault,
      warnings,
      href: paths.plan(plan.standard.reference, plan.standard.version),
    });
  });
  return router;
}
