import { Router, type Response } from 'express';
import type { ApprenticeDetail } from '../apprentices/store.js';
import { loadApprentice } from '../apprentices/page-helpers.js';
import { AREA_ROLES } from '../auth/roles.js';
import { pageFor, userOf } from '../auth/authorize.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { renderRefusal } from '../http/results.js';
import { fullName } from '../names.js';
import { paths, routes } from '../paths.js';
import { SEND_TO, SEND_TO_LABELS } from './rules.js';
import { recordCertificateDelivery } from './service.js';
import { deliveryOf } from './store.js';

/** Where the certificate is posted: a form for the apprentice's provider or an administrator. */
export function certificatePages(db: Db, clock: Clock): Router {
  const router = Router();
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);

  const render = (res: Response, a: ApprenticeDetail, locals: object) =>
    res.render('certificates/delivery', {
      title: 'Where the certificate is posted',
      a,
      name: fullName(a),
      sendTo: SEND_TO.map((value) => ({ value, text: SEND_TO_LABELS[value] })),
      backLink: `${paths.apprentice(a.uln)}#certificate`,
      ...locals,
    });

  router.get(routes.certificateDelivery, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    // Until one is recorded, the form starts from the employer (where most certificates go).
    render(res, a, { values: deliveryOf(db, a.id) ?? { sendTo: 'employer', organisation: a.employerName } });
  });

  router.post(routes.certificateDelivery, editors, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'edit');
    const done = recordCertificateDelivery(db, userOf(res), req.params.uln, req.body, clock.now());
    if (done.ok) return res.redirect(303, `${paths.apprentice(a.uln)}#certificate`);
    renderRefusal(res, done, (errors) => render(res, a, { values: req.body as object, ...errors }));
  });

  return router;
}
