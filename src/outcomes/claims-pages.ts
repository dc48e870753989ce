import { fullName } from '../names.js';
import { isoInstant } from '../dates.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { epaoSettingsOf } from '../grading/store.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseForm, type FormErrors } from '../http/forms.js';
import { paths } from '../paths.js';
import { actorOf } from '../users/store.js';
import { dateField } from '../validation/fields.js';
import { CLAIM_COLUMNS, claimsCsv, exportedClaim, markClaimed, unclaimedClaims } from './claims.js';
import { OFQUAL_COLUMNS, OFQUAL_HEADER, ofqualCsv, ofqualRows, ofqualSettingsProblem } from './ofqual.js';
import { ofqualAttempts, unreleasedInPeriod } from './ofqual-store.js';

/** The reporting period of the regulator's outcomes file, from a GET form or the download link. */
const periodSchema = z
  .object({
    reportingDate: dateField('reporting date').refine(
      (d) => /^20\d\d-/.test(d),
      'The reporting date must be in the years 2000 to 2099',
    ),
    from: dateField('start of the period'),
    to: dateField('end of the period'),
  })
  .refine((p) => p.from <= p.to, {
    path: ['to'],
    message: 'The end of the period must be the same as or after its start',
  });
type Period = z.infer<typeof periodSchema>;

const periodQuery = (p: Period) =>
  new URLSearchParams({ reportingDate: p.reportingDate, from: p.from, to: p.to }).toString();

/** How many rows of the outcomes file the page previews. */
const PREVIEW_ROWS = 200;

/** Certificate claims and the regulator's outcomes file: pages and downloads, administrators only. */
export function claimsRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  const admins = pageFor(...AREA_ROLES.claims);

  /* ---------- Certificate claims ---------- */

  const renderClaims = (
    res: Response,
    extra: { status?: number; flash?: string; errorList?: FormErrors['errorList'] } = {},
  ) => {
    // The list as of now: the downloads and the marking below cover exactly these results.
    const asOf = isoInstant(clock.now());
    const rows = unclaimedClaims(db, todayInLondon(clock.now()), asOf);
    const valid = rows.filter((r) => r.valid);
    res.status(extra.status ?? 200).render('outcomes/claims', {
      title: 'Certificate claims',
      columns: CLAIM_COLUMNS.map((c) => c.header),
      valid: valid.map((r) => ({
        ...r,
        name: fullName(r),
        href: paths.apprenticeResults(r.uln),
      })),
      invalid: rows
        .filter((r) => !r.valid)
        .map((r) => ({ ...r, name: fullName(r).trim(), href: paths.apprenticeResults(r.uln) })),
      csvHref: `${paths.claimsCsv}?asOf=${encodeURIComponent(asOf)}`,
      jsonHref: `${paths.claimsJson}?asOf=${encodeURIComponent(asOf)}`,
      markAction: paths.markClaimed,
      asOf,
      markLabel: valid.length === 1 ? 'Mark this result as claimed' : `Mark these ${valid.length} results as claimed`,
      ofqualHref: paths.ofqualOutcomes,
      flash: extra.flash,
      errorList: extra.errorList,
    });
  };

  router.get(paths.claims, admins, (req, res) => {
    const marked =
      typeof req.query.marked === 'string' && /^\d+$/.test(req.query.marked) ? req.query.marked : undefined;
    renderClaims(res, {
      flash: marked ? `${marked} result${marked === '1' ? '' : 's'} marked as claimed.` : undefined,
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

  router.get(paths.claimsCsv, admins, (req, res) => {
    const today = todayInLondon(clock.now());
    const valid = unclaimedClaims(db, today, asOfOf(req.query)).filter((r) => r.valid);
    res.attachment(`certificate-claims-${today}.csv`).type('text/csv').send(claimsCsv(valid));
  });

  router.get(paths.claimsJson, admins, (req, res) => {
    const today = todayInLondon(clock.now());
    const valid = unclaimedClaims(db, today, asOfOf(req.query)).filter((r) => r.valid);
    res
      .attachment(`certificate-claims-${today}.json`)
      .type('application/json')
      .send(JSON.stringify({ generatedOn: today, claims: valid.map(exportedClaim) }, null, 2));
  });

  router.post(paths.markClaimed, admins, (req, res) => {
    // Exactly the results the page listed (and its downloads held): released up to the page's time, valid, unclaimed.
    const asOf = asOfOf(req.body);
    if (!asOf)
      return renderClaims(res, {
        status: 400,
        errorList: [{ href: '', text: 'Open the claims page and mark the results it lists' }],
      });
    const ids = unclaimedClaims(db, todayInLondon(clock.now()), asOf)
      .filter((r) => r.valid)
      .map((r) => r.attemptId);
    if (ids.length === 0)
      return renderClaims(res, { status: 400, errorList: [{ href: '', text: 'There are no claims to mark' }] });
    const result = markClaimed(db, ids, actorOf(userOf(res)), todayInLondon(clock.now()), isoInstant(clock.now()));
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

  /* ---------- The regulator's outcomes file ---------- */

  router.get(paths.ofqualOutcomes, admins, (req, res) => {
    const settings = epaoSettingsOf(db);
    const settingsProblem = ofqualSettingsProblem(settings);
    const query = req.query as Record<string, unknown>;
    const asked = ['reportingDate', 'from', 'to'].some((k) => query[k] !== undefined);
    const values = { reportingDate: query.reportingDate, from: query.from, to: query.to };
    const page = {
      title: 'Regulator’s outcomes file',
      action: paths.ofqualOutcomes,
      settingsHref: paths.admin.settings,
      settingsProblem,
      columns: OFQUAL_HEADER,
      publishedColumns: OFQUAL_COLUMNS.filter((c) => c.published).length,
      values,
    };
    if (!asked) return res.render('outcomes/ofqual-outcomes', page);
    const form = parseForm(periodSchema, values);
    if (!form.ok)
      return res
        .status(400)
        .render('outcomes/ofqual-outcomes', { ...page, errors: form.errors, errorList: form.errorList });
    const period = form.value;
    const rows = ofqualRows(settings, period.reportingDate, ofqualAttempts(db, period.from, period.to));
    const good = rows.filter((r) => r.problems.length === 0);
    res.render('outcomes/ofqual-outcomes', {
      ...page,
      period,
      total: rows.length,
      valid: good.length,
      unreleased: unreleasedInPeriod(db, period.from, period.to),
      problems: rows
        .filter((r) => r.problems.length > 0)
        .map((r) => ({
          uln: r.attempt.uln,
          name: fullName(r.attempt),
          attempt: r.attempt.attemptNumber,
          problems: r.problems,
        })),
      preview: good.slice(0, PREVIEW_ROWS).map((r) => r.values),
      previewCut: good.length > PREVIEW_ROWS ? PREVIEW_ROWS : null,
      downloadHref: settingsProblem || good.length === 0 ? null : `${paths.ofqualOutcomesCsv}?${periodQuery(period)}`,
    });
  });

  router.get(paths.ofqualOutcomesCsv, admins, (req, res) => {
    const query = req.query as Record<string, unknown>;
    const form = parseForm(periodSchema, { reportingDate: query.reportingDate, from: query.from, to: query.to });
    if (!form.ok) throw new HttpError(400, form.errorList.map((e) => e.text).join('; '));
    const settings = epaoSettingsOf(db);
    const settingsProblem = ofqualSettingsProblem(settings);
    if (settingsProblem) throw new HttpError(409, settingsProblem);
    const { reportingDate, from, to } = form.value;
    const rows = ofqualRows(settings, reportingDate, ofqualAttempts(db, from, to));
    res.attachment(`epa-outcomes-${reportingDate}.csv`).type('text/csv').send(ofqualCsv(rows));
  });

  return router;
}
