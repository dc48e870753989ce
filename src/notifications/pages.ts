import { Router } from 'express';
import { pageFor } from '../auth/authorize.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { paths } from '../paths.js';
import { outboxMessages } from './store.js';

/** The outbox: every notification the platform has queued, sent or not, for administrators. */
export function notificationPages(db: Db): Router {
  const router = Router();
  router.get(paths.outbox, pageFor(...AREA_ROLES.administration), (_req, res) => {
    res.render('notifications/outbox', { title: 'Outbox', messages: outboxMessages(db) });
  });
  return router;
}
