import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor } from '../auth/authorize.js';
import { londonTime } from '../dates.js';
import { parseForm } from '../http/forms.js';
import { pager } from '../http/paging.js';
import { paths } from '../paths.js';
import { ACTION_WORDS, auditSentence } from './rules.js';
import { auditFilterSchema, type AuditFilter } from './schema.js';
import { auditSubject, distinctEntityTypes, listAuditEvents, type AuditRow } from './store.js';

function show(value: unknown): string {
  return value === null || value === undefined ? '' : JSON.stringify(value, null, 1);
}

/** A record type as people say it: "gateway submission", "api token". */
const typeWords = (entityType: string) => entityType.replace(/_/g, ' ');

/** The filter as a query string (without the page), for the pager and for "every change to this record". */
function filterQuery(filter: Partial<AuditFilter>): URLSearchParams {
  return new URLSearchParams(
    Object.entries(filter).filter(([k, v]) => k !== 'page' && typeof v === 'string' && v !== '') as [string, string][],
  );
}

/** The audit log for administrators: each entry a sentence linking its record, filtered and paged. */
export function auditRoutes(db: Db): Router {
  const router = Router();

  const entryView = (row: AuditRow) => {
    const subject = auditSubject(db, row.entityType, row.entityId);
    return {
      id: row.id,
      at: londonTime(row.at, 'd LLL yyyy, HH:mm:ss'),
      sentence: auditSentence(row.actorName ?? row.actorLabel, row.action, subject, row.reason),
      href: subject.href,
      action: row.action,
      actedAs: row.actorLabel,
      sameRecord: `${paths.admin.audit}?${filterQuery({ entityType: row.entityType, entityId: row.entityId }).toString()}`,
      before: show(row.before),
      after: show(row.after),
    };
  };

  router.get(paths.admin.audit, pageFor(...AREA_ROLES.administration), (req, res) => {
    const form = parseForm(auditFilterSchema, req.query);
    const values = req.query;
    const options = {
      entityTypes: [
        { value: '', text: 'Any' },
        ...distinctEntityTypes(db).map((t) => ({ value: t, text: typeWords(t) })),
      ],
      actions: [
        { value: '', text: 'Anything' },
        ...Object.entries(ACTION_WORDS)
          .map(([value, words]) => ({ value, text: `${words} (${value})` }))
          .sort((a, b) => a.text.localeCompare(b.text, 'en-GB')),
      ],
    };
    if (!form.ok)
      return res.status(400).render('audit/list', {
        title: 'Audit log',
        values,
        ...options,
        errors: form.errors,
        errorList: form.errorList,
        rows: [],
      });
    const found = listAuditEvents(db, form.value, form.value.page);
    const query = filterQuery(form.value);
    res.render('audit/list', {
      title: 'Audit log',
      values,
      ...options,
      total: found.total,
      rows: found.rows.map(entryView),
      pager: pager(
        found,
        (page) => `${paths.admin.audit}?${new URLSearchParams([...query, ['page', String(page)]]).toString()}`,
      ),
    });
  });
  return router;
}
