import { valueOrThrow } from '../http/results.js';
import { confirmDeclarationPart, requestEpa } from '../gateway/service.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { QUALIFICATION_TYPES, QUALIFICATION_TYPE_LABELS } from '../gateway/model.js';
import { evaluateApprentice } from '../gateway/store.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { planItemInputSchema, qualificationInputSchema, declarationInputSchema } from './schema.js';
import { addQualification, recordPlanItem, type ApprenticeDetail } from './store.js';
import { DATE_FIELDS, loadApprentice } from './page-helpers.js';
import { gatewayItemFileLocals } from '../evidence/pages.js';

/** The gateway evidence: English and maths, off-the-job hours, the plan's items, the declaration, and requesting EPA. */
export function evidencePages(db: Db, clock: Clock): Router {
  const router = Router();
  const viewers = pageFor(...AREA_ROLES.apprentices);
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);

  /* ---------- Evidence ---------- */
  const qualificationOptions = {
    subjects: [
      { value: 'english', text: 'English' },
      { value: 'maths', text: 'Maths' },
    ],
    types: QUALIFICATION_TYPES.map((t) => ({ value: t, text: QUALIFICATION_TYPE_LABELS[t] })),
  };

  router.get(routes.addQualification, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    res.render('apprentices/qualification', {
      title: 'Add English or maths evidence',
      a,
      values: {},
      ...qualificationOptions,
      backLink: paths.apprentice(a.uln),
    });
  });

  router.post(routes.addQualification, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const form = parseForm(qualificationInputSchema, req.body, DATE_FIELDS);
    if (!form.ok)
      return res.status(400).render('apprentices/qualification', {
        title: 'Add English or maths evidence',
        a,
        values: req.body as object,
        errors: form.errors,
        errorList: form.errorList,
        ...qualificationOptions,
        backLink: paths.apprentice(a.uln),
      });
    addQualification(db, a, form.value, actorOf(userOf(res)));
    res.redirect(`${paths.apprentice(a.uln)}#evidence`);
  });

  const planItemOf = (a: ApprenticeDetail, itemId: unknown) => {
    const { plan } = evaluateApprentice(db, a, todayInLondon(clock.now()));
    const item = plan?.gatewayItems.find((i) => i.id === itemId);
    if (!item) throw new HttpError(404, 'The assessment plan has no such gateway item');
    return item;
  };

  router.get(routes.gatewayItem, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const item = planItemOf(a, req.params.itemId);
    res.render('apprentices/gateway-item', {
      title: item.name,
      a,
      item,
      values: {},
      ...gatewayItemFileLocals(db, a, item.id),
      flash: req.query.uploaded === '1' ? 'The file is uploaded.' : undefined,
      backLink: paths.apprentice(a.uln),
    });
  });

  router.post(routes.gatewayItem, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const item = planItemOf(a, req.params.itemId);
    const form = parseForm(planItemInputSchema, { ...(req.body as object), itemId: item.id });
    if (!form.ok)
      return res.status(400).render('apprentices/gateway-item', {
        title: item.name,
        a,
        item,
        values: req.body as object,
        errors: form.errors,
        errorList: form.errorList,
        ...gatewayItemFileLocals(db, a, item.id),
        backLink: paths.apprentice(a.uln),
      });
    recordPlanItem(db, a, item.id, form.value.reference, actorOf(userOf(res)));
    res.redirect(`${paths.apprentice(a.uln)}#gateway-items`);
  });

  router.post(routes.declaration, viewers, (req, res) => {
    loadApprentice(db, res, req.params.uln, 'view');
    const form = declarationInputSchema.safeParse(req.body);
    if (!form.success) throw new HttpError(400, 'Say whose confirmation this is');
    const a = valueOrThrow(confirmDeclarationPart(db, userOf(res), req.params.uln, form.data.part, clock.now()));
    res.redirect(`${paths.apprentice(a.uln)}#declaration`);
  });

  router.post(routes.requestEpa, editors, (req, res) => {
    const { apprentice: a } = valueOrThrow(requestEpa(db, userOf(res), req.params.uln, clock.now()));
    res.redirect(`${paths.apprentice(a.uln)}#submissions`);
  });

  return router;
}
