import { valueOrThrow } from '../http/results.js';
import { confirmDeclarationPart, requestEpa } from '../gateway/service.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { QUALIFICATION_TYPES, QUALIFICATION_TYPE_LABELS } from '../gateway/model.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseForm } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { planItemInputSchema, qualificationInputSchema, declarationInputSchema } from './schema.js';
import { addQualification, recordPlanItem } from './store.js';
import { DATE_FIELDS, loadApprentice } from './page-helpers.js';
import { renderGatewayItem, renderQualification } from '../evidence/pages.js';
import { gatewayItemOf, qualificationOf } from '../evidence/service.js';

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
    const id = addQualification(db, a, form.value, actorOf(userOf(res)));
    // On to its page, where its certificate is uploaded.
    res.redirect(`${paths.qualification(a.uln, String(id))}?added=1`);
  });

  // After the form's /new, which the record's own address would otherwise take.
  router.get(routes.qualification, viewers, (req, res) => {
    const target = valueOrThrow(qualificationOf(db, userOf(res), req.params, 'view'));
    const flash =
      req.query.uploaded === '1'
        ? 'The file is uploaded.'
        : req.query.added === '1'
          ? 'The evidence is recorded. Upload its certificate here, if you have it.'
          : undefined;
    renderQualification(res, db, userOf(res), target, { flash });
  });

  router.get(routes.gatewayItem, editors, (req, res) => {
    const target = valueOrThrow(gatewayItemOf(db, userOf(res), req.params, 'edit'));
    renderGatewayItem(res, db, target, { flash: req.query.uploaded === '1' ? 'The file is uploaded.' : undefined });
  });

  router.post(routes.gatewayItem, editors, (req, res) => {
    const target = valueOrThrow(gatewayItemOf(db, userOf(res), req.params, 'edit'));
    const { apprentice: a, item } = target;
    const form = parseForm(planItemInputSchema, { ...(req.body as object), itemId: item.id });
    if (!form.ok)
      return renderGatewayItem(
        res,
        db,
        target,
        { values: req.body as object, errors: form.errors, errorList: form.errorList },
        400,
      );
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
