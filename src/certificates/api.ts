import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import { requireRole, userOf } from '../auth/authorize.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/connection.js';
import { sendResult } from '../http/results.js';
import { routes } from '../paths.js';
import { recordCertificateDelivery } from './service.js';
import type { DeliveryRow } from './store.js';

/** The certificate's postal contact as the API gives it back. */
export function deliveryJson(uln: string, d: DeliveryRow) {
  return {
    uln,
    sendTo: d.sendTo,
    contactName: d.contactName,
    department: d.department,
    organisation: d.organisation,
    addressLine1: d.addressLine1,
    addressLine2: d.addressLine2,
    addressLine3: d.addressLine3,
    city: d.city,
    postcode: d.postcode,
  };
}

export function certificateApi(db: Db, clock: Clock): Router {
  const router = Router();
  router.put(routes.api.apprentices.certificateDelivery, requireRole(...AREA_ROLES.apprenticeEditors), (req, res) => {
    const result = recordCertificateDelivery(db, userOf(res), req.params.uln, req.body, clock.now());
    sendResult(res, result, (r) => deliveryJson(r.apprentice.uln, r.delivery));
  });
  return router;
}
