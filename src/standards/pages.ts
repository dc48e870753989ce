import { refusalError, renderRefusal } from '../http/results.js';
import {
  recordOfqualQualificationNumber,
  recordPublishedOffTheJobMinimum,
  recordVersionApproval,
  standardFromParams,
} from './service.js';
import { Router, type Response } from 'express';
import type { StandardFile } from './schema.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { criteriaByTheme, ksbCoverage } from '../plans/presentation.js';
import { getPlanById, getPlanForStandard, plansOfVersion } from '../plans/store.js';
import { wordsFor } from '../plans/words.js';
import { KSB_KINDS, dutyKsbMatrix, ksbKind } from './rules.js';
import { levelGrades } from '../plans/grades.js';
import { approvalOf, cataloguePage, versionOptions } from './store.js';
import { openDraftsOfVersion } from '../plans/builder/store.js';
import { pageAsked, pager } from '../http/paging.js';
import fs from 'node:fs';
import { formErrors } from '../http/forms.js';
import { binaryKindOf } from '../http/uploads.js';
import { actorOf } from '../users/store.js';
import { describeCatalogueImport, importCatalogue } from '../catalogue/import.js';
import { z } from 'zod';
import { isoInstant, londonTime } from '../dates.js';
import type { Clock } from '../clock.js';

/** The catalogue's search: words to find (anything not text is ignored), only ours, the page. */
const catalogueQuery = z.object({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .catch(undefined)
    .transform((q) => q || undefined),
  ours: z.preprocess((v) => v === 'yes', z.boolean()),
  page: z.unknown().optional().transform(pageAsked),
});

/** The first 4 KB of a file on disk: enough to tell a JSON file from an image, a PDF or a program. */
function firstBytes(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** The standard version named in the URL, or a 404 page. */
function loadStandardFromParams(db: Db, params: unknown) {
  const found = standardFromParams(db, params);
  if (!found.ok) throw refusalError(found);
  return found.value;
}

export function standardsRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  router.use(paths.standards, pageFor(...AREA_ROLES.standards));
  const adminOnly = pageFor(...AREA_ROLES.administration);

  router.get(paths.standards, (req, res) => {
    const query = catalogueQuery.parse(req.query);
    const found = cataloguePage(db, query, query.page);
    const link = (page: number) =>
      `${paths.standards}?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), ...(query.ours ? { ours: 'yes' } : {}), page: String(page) }).toString()}`;
    res.render('standards/catalogue', {
      title: 'Standards',
      query,
      oursItems: [{ value: 'yes', text: 'Only those we are approved to assess' }],
      oursChecked: query.ours ? 'yes' : '',
      canImport: userOf(res).role === 'admin',
      total: found.total,
      pager: pager(found, link),
      standards: found.rows.map((s) => ({
        ...s,
        href: paths.standard(s.reference, s.version),
        planHref: s.planId ? paths.plan(s.reference, s.version) : null,
      })),
    });
  });

  /* ---------- The national catalogue's file, uploaded ---------- */
  const IMPORT_TITLE = 'Import the national catalogue';
  router.get(paths.importStandards, adminOnly, (_req, res) => {
    res.render('standards/import', { title: IMPORT_TITLE });
  });
  router.post(paths.importStandards, adminOnly, async (req, res) => {
    const file = req.file;
    const refuse = (message: string) =>
      res.status(400).render('standards/import', {
        title: IMPORT_TITLE,
        ...formErrors([{ path: 'standardsFile', message }]),
      });
    if (!file?.path || file.size === 0) return refuse('Select the standards file (JSON)');
    // The temporary file is removed before the answer (acceptUpload also removes it if the request ends sooner).
    const kind = binaryKindOf(firstBytes(file.path));
    const summary = kind ? null : await importCatalogue(db, fs.createReadStream(file.path), actorOf(userOf(res)));
    await fs.promises.rm(file.path, { force: true });
    if (!summary) return refuse(`The selected file must be a JSON file: ${file.originalname} is ${kind}`);
    // Each version is all or nothing: the page answers 422 only when the file changed nothing and something was wrong.
    const wrote = summary.added.length + summary.changed.length > 0;
    const wrong = summary.fault !== null || summary.refused.length > 0;
    const errorList = [
      ...(summary.fault ? [{ href: '#catalogue-fault', text: summary.fault }] : []),
      ...summary.refused.map((r) => ({
        href: '#catalogue-refused',
        text: `Element ${r.element}${r.version ? ` (${r.version})` : ''} was refused; nothing of it was imported`,
      })),
    ];
    res.status(!wrote && wrong ? 422 : 200).render('standards/imported', {
      title: 'Catalogue imported',
      fileName: file.originalname,
      errorList: errorList.length > 0 ? errorList : undefined,
      summary,
      lines: describeCatalogueImport(summary),
      refused: summary.refused.map((r) => ({
        ...r,
        problems: r.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; '),
      })),
    });
  });

  router.get(routes.standard, (req, res) => {
    const { id, std } = loadStandardFromParams(db, req.params);
    const plan = getPlanForStandard(db, id);
    const matrix = dutyKsbMatrix(std);
    const groups = (Object.keys(KSB_KINDS) as (keyof typeof KSB_KINDS)[]).map((kind) => ({
      heading: KSB_KINDS[kind],
      ksbs: std.ksbs.filter((k) => ksbKind(k.code) === kind),
    }));
    res.render('standards/standard', {
      title: `${std.title} (${std.reference} v${std.version})`,
      std,
      groups,
      matrix,
      unreferenced: matrix.rows.filter((r) => r.unreferenced).map((r) => r.code),
      plan: plan ? { title: plan.title, demo: plan.demo, href: paths.plan(std.reference, std.version) } : null,
      otherPlans: plansOfVersion(db, id)
        .filter((p) => !p.isDefault)
        .map((p) => ({ ...p, href: `${paths.plan(std.reference, std.version)}?id=${encodeURIComponent(p.id)}` })),
      canRecordMinimum: userOf(res).role === 'admin',
      approval: approvalOf(db, id) ?? null,
      options: versionOptions(db, id),
      drafts:
        userOf(res).role === 'admin'
          ? openDraftsOfVersion(db, id).map((d) => ({
              title: d.title || 'A plan with no title yet',
              changed: londonTime(d.updatedAt),
              href: paths.planDraft(String(d.id)),
            }))
          : [],
    });
  });

  const approvalPage = (res: Response, std: StandardFile, locals: object) =>
    res.render('standards/approval', {
      title: 'Approval to assess this version',
      std,
      backLink: paths.standard(std.reference, std.version),
      choices: [
        { value: 'yes', text: 'Yes, we are approved to assess this version' },
        { value: 'no', text: 'No, we are not (new apprentices on it are refused)' },
      ],
      ...locals,
    });
  router.get(routes.approval, adminOnly, (req, res) => {
    const { id, std } = loadStandardFromParams(db, req.params);
    approvalPage(res, std, { values: { approved: approvalOf(db, id) ? 'yes' : 'no', source: '' } });
  });
  router.post(routes.approval, adminOnly, (req, res) => {
    const { std } = loadStandardFromParams(db, req.params);
    const done = recordVersionApproval(db, userOf(res), req.params, req.body, isoInstant(clock.now()));
    if (done.ok) return res.redirect(`${paths.standard(std.reference, std.version)}#approval`);
    renderRefusal(res, done, (errors) => approvalPage(res, std, { values: req.body as object, ...errors }));
  });

  const minimumPage = (res: Response, std: StandardFile, locals: object) =>
    res.render('standards/off-the-job-minimum', {
      title: 'Published minimum off-the-job hours',
      std,
      backLink: paths.standard(std.reference, std.version),
      ...locals,
    });
  router.get(routes.offTheJobMinimum, adminOnly, (req, res) => {
    const { std } = loadStandardFromParams(db, req.params);
    minimumPage(res, std, {
      values: { hours: std.offTheJobMinimumHours ?? '', source: std.offTheJobMinimumSource ?? '' },
    });
  });
  router.post(routes.offTheJobMinimum, adminOnly, (req, res) => {
    const { std } = loadStandardFromParams(db, req.params);
    const done = recordPublishedOffTheJobMinimum(db, userOf(res), req.params, req.body);
    if (done.ok) return res.redirect(`${paths.standard(std.reference, std.version)}#off-the-job-minimum`);
    renderRefusal(res, done, (errors) => minimumPage(res, std, { values: req.body as object, ...errors }));
  });

  const numberPage = (res: Response, std: StandardFile, locals: object) =>
    res.render('standards/qualification-number', {
      title: 'Ofqual qualification number',
      std,
      backLink: paths.standard(std.reference, std.version),
      ...locals,
    });
  router.get(routes.qualificationNumber, adminOnly, (req, res) => {
    const { std } = loadStandardFromParams(db, req.params);
    numberPage(res, std, { values: { qualificationNumber: std.qualificationNumber ?? '', source: '' } });
  });
  router.post(routes.qualificationNumber, adminOnly, (req, res) => {
    const { std } = loadStandardFromParams(db, req.params);
    const done = recordOfqualQualificationNumber(db, userOf(res), req.params, req.body);
    if (done.ok) return res.redirect(`${paths.standard(std.reference, std.version)}#qualification-number`);
    renderRefusal(res, done, (errors) => numberPage(res, std, { values: req.body as object, ...errors }));
  });

  /** What the plan page says after the builder published it (`?published=N`: apprentices kept on the previous plan). */
  const publishedFlash = (asked: unknown) => {
    if (typeof asked !== 'string' || !/^\d{1,9}$/.test(asked)) return undefined;
    const kept = Number(asked);
    return kept === 0
      ? 'The plan is published.'
      : `The plan is published. ${kept} apprentice${kept === 1 ? '' : 's'} already booked keep${kept === 1 ? 's' : ''} the plan they are being assessed under.`;
  };
  router.get(routes.plan, (req, res) => {
    const { id, std } = loadStandardFromParams(db, req.params);
    // ?id= shows another plan of the version; without it, the version's default plan.
    const asked = typeof req.query.id === 'string' ? getPlanById(db, req.query.id) : undefined;
    const plan =
      asked && asked.standard.reference === std.reference && asked.standard.version === std.version
        ? asked
        : typeof req.query.id === 'string'
          ? undefined
          : getPlanForStandard(db, id);
    if (!plan) throw new HttpError(404, `No assessment plan has been loaded for ${std.reference} v${std.version}`);
    res.render('standards/plan', {
      title: plan.title,
      std,
      plan,
      words: wordsFor(plan),
      levelGrades: levelGrades(plan),
      reformed: plan.regime === 'apprenticeship-assessment',
      verified: plan.employerVerifiedKsbs,
      sampled: plan.sampledKsbs,
      backLink: paths.standard(std.reference, std.version),
      flash: publishedFlash(req.query.published),
      canBuild: userOf(res).role === 'admin',
      methods: plan.methods.map((m) => ({ ...m, themes: criteriaByTheme(plan, m.id) })),
      // A plan for one option covers that option's KSBs.
      coverage: ksbCoverage(
        plan,
        versionOptions(db, id).find((o) => o.title === plan.option)?.ksbs ?? std.ksbs.map((k) => k.code),
      ),
      combination: plan.combination.map((row) => ({
        grades: plan.methods.map((m) => row.methods[m.id]),
        overall: row.overall,
      })),
    });
  });

  return router;
}
