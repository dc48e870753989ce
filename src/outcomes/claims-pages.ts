import { fullName } from '../names.js';
import { isoInstant } from '../dates.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import type { FormErrors } from '../http/forms.js';
import { paths } from '../paths.js';
import { actorOf } from '../users/store.js';
import {
  certificateRequest,
  claimsCsvChunks,
  epaRecordRequest,
  claimsToAmend,
  isReady,
  markClaimed,
  requestBatchesJson,
  unclaimedClaimBatches,
  unclaimedClaims,
  type ClaimRow,
} from './claims.js';
import { streamChunks } from '../http/stream.js';

/** Each row of each batch, as `as` makes it. */
function* mapped<T>(batches: Iterable<readonly ClaimRow[]>, as: (row: ClaimRow) => T): Generator<T> {
  for (const rows of batches) for (const row of rows) yield as(row);
}
import { epaoSettingsOf } from '../grading/store.js';
import type { ServiceClient } from '../certificates/client.js';
import { refusedByService, sendToService } from '../certificates/sending.js';

/** Certificate claims: the page, its downloads and marking them claimed, administrators only (Ofqual's returns: ofqual-pages.ts). */
export function claimsRoutes(db: Db, clock: Clock, service: ServiceClient | null = null): Router {
  const router = Router();
  const admins = pageFor(...AREA_ROLES.claims);

  /* ---------- Certificate claims ---------- */

  const renderClaims = (
    res: Response,
    extra: { status?: number; flash?: string; errorList?: FormErrors['errorList'] } = {},
  ) => {
    // The list as of now: the downloads and the marking below cover exactly these results.
    const asOf = isoInstant(clock.now());
    const rows = unclaimedClaims(db, todayInLondon(clock.now()), epaoSettingsOf(db), asOf);
    const ready = rows.filter(isReady);
    const valid = ready.filter((r) => r.sends === 'certificate');
    const records = ready.filter((r) => r.sends !== 'certificate');
    const linked = <T extends { uln: string; givenNames: string; familyName: string }>(r: T) => ({
      ...r,
      name: fullName(r).trim(),
      href: paths.apprenticeResults(r.uln),
    });
    res.status(extra.status ?? 200).render('outcomes/claims', {
      title: 'Certificate claims',
      valid: valid.map((r) => ({
        ...linked(r),
        postedTo: r.delivery ? `${r.delivery.contactName}, ${r.delivery.organisation}, ${r.delivery.postcode}` : '',
      })),
      records: records.map((r) => ({
        ...linked(r),
        attempt: r.kind === 'first' ? 'First attempt' : r.kind === 'resit' ? 'Resit' : 'Retake',
        sentAs: r.updates ? `An update of EPA record ${r.updates.reference}` : 'A new EPA record',
      })),
      updatesCount: records.filter((r) => r.updates).length,
      held: rows.filter((r) => r.valid && !isReady(r)).map(linked),
      invalid: rows.filter((r) => !r.valid).map(linked),
      amend: claimsToAmend(db).map(linked),
      refusedByService: refusedByService(db).map(linked),
      sendAction: service ? paths.sendClaims : null,
      sendLabel: `Send ${ready.length === 1 ? 'this result' : `these ${ready.length} results`} to the apprenticeship service`,
      csvHref: `${paths.claimsCsv}?asOf=${encodeURIComponent(asOf)}`,
      jsonHref: `${paths.claimsJson}?asOf=${encodeURIComponent(asOf)}`,
      epaJsonHref: `${paths.epaRecordsJson}?asOf=${encodeURIComponent(asOf)}`,
      markAction: paths.markClaimed,
      asOf,
      readyCount: ready.length,
      markLabel: ready.length === 1 ? 'Mark this result as claimed' : `Mark these ${ready.length} results as claimed`,
      ofqualHref: paths.ofqualOutcomes,
      registrationsHref: paths.ofqualRegistrations,
      flash: extra.flash,
      errorList: extra.errorList,
    });
  };

  router.get(paths.claims, admins, (req, res) => {
    const count = (name: string) => {
      const value = req.query[name];
      return typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
    };
    const marked = count('marked');
    const sent = count('sent');
    const results = (n: number) => `${n} result${n === 1 ? '' : 's'}`;
    renderClaims(res, {
      flash:
        marked !== undefined
          ? `${results(marked)} marked as claimed.`
          : sent !== undefined
            ? [
                `${results(sent)} sent to the apprenticeship service and claimed.`,
                count('refused') ? `${results(count('refused')!)} refused by the service: see below.` : '',
                count('failed')
                  ? 'Some could not be sent: the service did not take the call (its answer is in the audit log). Send again later.'
                  : '',
              ]
                .filter(Boolean)
                .join(' ')
            : undefined,
    });
  });

  /** The `asOf` instant a claims page was shown at (absent: now). */
  const asOfSchema = z.object({
    asOf: z.iso
      .datetime({ offset: false, error: 'The list’s time is not valid: open the claims page again' })
      .optional(),
  });
  const asOfOf = (value: unknown) => {
    const parsed = asOfSchema.safeParse(value);
    if (!parsed.success) throw new HttpError(400, 'The list’s time is not valid: open the claims page again');
    return parsed.data.asOf;
  };

  /**
   * The claims a download holds, a batch at a time as it is written (files of every unclaimed
   * result are long): those ready that the service takes as `sends`, released by the list's time
   * (or by when the download began).
   */
  const readyBatches = (query: unknown, sends: ClaimRow['sends']) => {
    // Read before the download starts, so a bad time is answered with its error, not a cut file.
    const now = clock.now();
    const batches = unclaimedClaimBatches(db, todayInLondon(now), epaoSettingsOf(db), asOfOf(query) ?? isoInstant(now));
    // The first batch is read now too: a failure there is an error page, not a file cut after its header.
    const first = batches.next();
    return (function* () {
      if (first.done) return;
      yield first.value.filter((r) => isReady(r) && r.sends === sends);
      for (const rows of batches) yield rows.filter((r) => isReady(r) && r.sends === sends);
    })();
  };

  router.get(paths.claimsCsv, admins, async (req, res) => {
    const batches = readyBatches(req.query, 'certificate');
    res.attachment(`certificate-claims-${todayInLondon(clock.now())}.csv`).type('text/csv');
    await streamChunks(res, claimsCsvChunks(batches));
  });

  router.get(paths.claimsJson, admins, async (req, res) => {
    const batches = readyBatches(req.query, 'certificate');
    // The apprenticeship service's own requests: each batch the body of one POST /api/v1/certificate.
    res.attachment(`certificate-requests-${todayInLondon(clock.now())}.json`).type('application/json');
    await streamChunks(res, requestBatchesJson(mapped(batches, certificateRequest)));
  });

  router.get(paths.epaRecordsJson, admins, async (req, res) => {
    const batches = readyBatches(req.query, 'epa_record');
    // Each batch the body of one POST /api/v1/epa.
    res.attachment(`epa-record-requests-${todayInLondon(clock.now())}.json`).type('application/json');
    await streamChunks(res, requestBatchesJson(mapped(batches, epaRecordRequest)));
  });

  /** Sends the claims ready now to the apprenticeship service (when its address and key are configured). */
  router.post(paths.sendClaims, admins, async (req, res) => {
    if (!service)
      throw new HttpError(
        409,
        'Sending to the apprenticeship service is not set up (APPRENTICESHIP_SERVICE_URL and APPRENTICESHIP_SERVICE_KEY): download the requests instead',
      );
    // The results the page listed when the button was pressed (a form without asOf: every ready result now).
    const outcome = await sendToService(
      db,
      service,
      actorOf(userOf(res)),
      clock.now(),
      epaoSettingsOf(db),
      asOfOf(req.body),
    );
    if ('busy' in outcome)
      throw new HttpError(
        409,
        'A send to the apprenticeship service is already under way: wait for it, then look again',
      );
    const query = new URLSearchParams({
      sent: String(outcome.sent),
      refused: String(outcome.refused),
      failed: String(outcome.failures.length),
    });
    res.redirect(303, `${paths.claims}?${query.toString()}`);
  });

  router.post(paths.markClaimed, admins, (req, res) => {
    // Exactly the results the page listed (and its downloads held): released up to the page's time, valid, unclaimed.
    const asOf = asOfOf(req.body);
    if (!asOf)
      return renderClaims(res, {
        status: 400,
        errorList: [{ href: '', text: 'Open the claims page and mark the results it lists' }],
      });
    const settings = epaoSettingsOf(db);
    const ids = unclaimedClaims(db, todayInLondon(clock.now()), settings, asOf)
      .filter(isReady)
      .map((r) => r.attemptId);
    if (ids.length === 0)
      return renderClaims(res, { status: 400, errorList: [{ href: '', text: 'There are no claims to mark' }] });
    const result = markClaimed(
      db,
      ids,
      actorOf(userOf(res)),
      todayInLondon(clock.now()),
      isoInstant(clock.now()),
      settings,
    );
    // The list changed since the page was shown (another administrator, or a result changed): nothing was marked.
    if (!result.ok)
      return renderClaims(res, {
        status: 409,
        errorList: [
          { href: '', text: 'Nothing was marked: the list has changed since it was shown. Check it and try again.' },
          ...result.refusals.map((r) => ({ href: '', text: r.message })),
        ],
      });
    res.redirect(303, `${paths.claims}?marked=${result.marked}`);
  });

  return router;
}
