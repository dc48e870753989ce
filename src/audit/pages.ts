import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor } from '../auth/authorize.js';
import { parseForm } from '../http/forms.js';
import { paths } from '../paths.js';
import { auditFilterSchema } from './schema.js';
import { distinctEntityTypes, listAuditEvents } from './store.js';

function show(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value, null, 1);
}

export function auditRoutes(db: Db): Router {
  const router = Router();
  router.get(paths.admin.audit, pageFor(...AREA_ROLES.administration), (req, res) => {
    const form = parseForm(auditFilterSchema, req.query);
    const values = req.query;
    const entityTypes = [{ value: '', text: 'Any' }, ...distinctEntityTypes(db).map((t) => ({ value: t, text: t }))];
    if (!form.ok) {
      return res.status(400).render('audit/list', {
        title: 'Audit log',
        values,
        entityTypes,
        errors: form.errors,
        errorList: form.errorList,
        rows: [],
      });
    }
    const { rows, total, pages } = listAuditEvents(db, form.value);
    const query = new URLSearchParams(
      Object.entries(form.value).filter(([k, v]) => k !== 'page' && v !== undefined) as [string, string][],
    );
    const pageHref = (page: number) =>
      `${paths.admin.audit}?${new URLSearchParams([...query, ['page', String(page)]]).toString()}`;
    res.render('audit/list', {
      title: 'Audit log',
      values,
      entityTypes,
      total,
      rows: rows.map((r) => ({ ...r, before: show(r.before), after: show(r.after) })),
      page: form.value.page,
      pages,
      previous: form.value.page > 1 ? pageHref(form.value.page - 1) : null,
      next: form.value.page < pages ? pageHref(form.value.page + 1) : null,
    });
  });
  return router;
}
