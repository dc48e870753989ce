import { valueOrThrow } from '../http/results.js';
import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { unreferenced } from '../evidence/service.js';
import type { EvidenceStorage } from '../evidence/storage.js';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { ApprenticeDetail } from '../apprentices/store.js';
import { apprenticeFor } from '../apprentices/service.js';
import { readSnapshot, type Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { parseForm, type FormErrors } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { eraseApprentice, erasureBlockers } from './erasure.js';
import { recordIdsOf } from './records.js';
import { subjectAccessExport } from './subject-access.js';
import { jsonChunks } from '../http/json-stream.js';
import { streamChunks } from '../http/stream.js';

const erasureForm = z.object({
  reason: z
    .string({ error: 'Enter the reason for the erasure' })
    .trim()
    .min(1, 'Enter the reason for the erasure')
    .max(500, 'The reason must be 500 characters or fewer'),
  confirm: z.literal('yes', { error: 'Confirm that you understand the erasure cannot be undone' }),
});

/** Subject access and erasure for one apprentice: pages for the EPAO's administrators. */
export function privacyRoutes(db: Db, clock: Clock, evidence: EvidenceStorage): Router {
  const router = Router();
  const admins = pageFor(...AREA_ROLES.personalData);
  const load = (res: Response, uln: unknown) => valueOrThrow(apprenticeFor(db, userOf(res), uln, 'review'));

  const render = (
    res: Response,
    a: ApprenticeDetail,
    extra: Partial<FormErrors> & { status?: number; values?: object; refused?: string[] } = {},
  ) => {
    const blockers = extra.refused ?? erasureBlockers(db, recordIdsOf(db, a));
    res.status(extra.status ?? 200).render('privacy/personal-data', {
      title: `Personal data: ${fullName(a)}`,
      a,
      exportAction: paths.exportPersonalData(a.uln),
      eraseAction: paths.erasePersonalData(a.uln),
      blockers,
      confirmItems: [
        {
          value: 'yes',
          text: "I understand that the apprentice's personal data will be erased and cannot be recovered",
        },
      ],
      values: extra.values ?? {},
      errors: extra.errors,
      errorList: extra.errorList,
      backLink: paths.apprentice(a.uln),
    });
  };

  router.get(routes.personalData, admins, (req, res) => render(res, load(res, req.params.uln)));

  router.post(routes.exportPersonalData, admins, async (req, res) => {
    const a = load(res, req.params.uln);
    // One state of the database for the whole file, however long it takes to send (others' writes go on).
    const snapshot = readSnapshot(db);
    try {
      const rest = jsonChunks(subjectAccessExport(snapshot.db, a, clock.now()));
      // The first piece is made before anything is sent: a failure so far is an error page, not a broken file.
      const first = rest.next();
      res.attachment(`personal-data-${a.uln}.json`).type('application/json');
      try {
        await streamChunks(
          res,
          (function* () {
            if (!first.done) yield first.value;
            yield* rest;
          })(),
        );
      } finally {
        // Audited once sent, or as cut short if the download stopped part-way: either way, some of it left.
        recordAudit(db, actorOf(userOf(res)), {
          action: 'apprentice.personal_data_exported',
          entityType: 'apprentice',
          entityId: a.uln,
          reason: res.writableEnded ? 'Subject access request' : 'Subject access request (the download was cut short)',
        });
      }
    } finally {
      snapshot.close();
    }
  });

  router.post(routes.erasePersonalData, admins, async (req, res) => {
    const a = load(res, req.params.uln);
    const form = parseForm(erasureForm, req.body, { confirm: 'confirm' });
    if (!form.ok)
      return render(res, a, {
        status: 400,
        values: req.body as object,
        errors: form.errors,
        errorList: form.errorList,
      });
    const result = eraseApprentice(db, a, actorOf(userOf(res)), form.value.reason, clock.now());
    if (!result.ok) return render(res, a, { status: 409, values: req.body as object, refused: result.reasons });
    // Their files' bytes leave the disk too (a file another record also names stays for it).
    for (const sha256 of new Set(result.releasedFiles)) if (unreferenced(db, sha256)) await evidence.remove(sha256);
    res.render('privacy/erased', {
      title: 'Personal data erased',
      placeholderUln: result.placeholderUln,
      changed: Object.entries(result.changed)
        .filter(([, n]) => n > 0)
        .map(([what, n]) => ({ what, n })),
      backLink: paths.apprentices,
    });
  });

  return router;
}
