import { Router, type Request, type Response } from 'express';
import { pageFor, userOf } from '../../auth/authorize.js';
import { AREA_ROLES } from '../../auth/roles.js';
import type { Clock } from '../../clock.js';
import { isoInstant } from '../../dates.js';
import type { Db } from '../../db/connection.js';
import { GRADES } from '../../db/vocabulary.js';
import type { FormErrors } from '../../http/forms.js';
import { renderRefusal, valueOrThrow } from '../../http/results.js';
import { paths, routes } from '../../paths.js';
import type { Problem } from '../../validation/problems.js';
import { COMPONENT_MARKERS, COMPONENT_TIMINGS, CRITERION_LEVELS, DELIVERY_MODES } from '../schema.js';
import { wordsFor } from '../words.js';
import { GRADE_PLACES, KSB_ROLES } from './forms.js';
import { combinationGrid, coverage, fixAt, LIST_KEYS, planDocument, sameSection, type FixAt } from './rules.js';
import {
  discardDraft,
  itemIn,
  itemOf,
  loadDraft,
  publishDraft,
  saveDetails,
  saveGrades,
  saveItem,
  saveKsbRoles,
  startChoices,
  startDraft,
  type DraftContext,
} from './service.js';

/*
 * The plan builder's pages (administrators). Each page is a plain form that works without
 * JavaScript; saving keeps the draft whatever its problems, and every page lists the problems of
 * its own part (the overview lists them all), each linked to the field that fixes it.
 */

const WORDS = {
  delivery: { in_person: 'In person', remote: 'Remote (video call)' },
  timing: { end: 'At the end, after gateway', during: 'During the apprenticeship, before gateway to completion' },
  marker: { assessment_organisation: 'The assessment organisation', provider: 'The training provider (moderated)' },
  level: { pass: 'Pass', distinction: 'Distinction' },
  role: {
    core: 'Core: assessed every time',
    sampled: 'Sampled: an assessment covers a sample',
    employer_verified: 'Verified by the employer',
  },
} as const;

const items = <K extends string>(values: readonly K[], words: Record<K, string>) =>
  values.map((value) => ({ value, text: words[value] }));

/** The URL of the page a problem is fixed on, with the field's anchor. */
function problemHref(id: number, at: FixAt): string {
  const draft = String(id);
  const section = at.section;
  const page =
    typeof section === 'object'
      ? paths.planDraftItem(draft, section.list, String(section.index))
      : section === 'overview'
        ? paths.planDraft(draft)
        : { details: paths.planDraftDetails, ksbs: paths.planDraftKsbs, grades: paths.planDraftGrades }[section](draft);
  return `${page}#${at.field}`;
}

/** The draft's problems that belong on one page, as that page's error summary and field messages. */
function problemsOn(context: DraftContext, section: FixAt['section'] | null): FormErrors {
  const errors: Record<string, string> = {};
  const errorList: FormErrors['errorList'] = [];
  if (section === null) return { errors, errorList };
  for (const problem of context.problems) {
    const at = fixAt(problem.path, context.draft);
    if (!sameSection(at.section, section)) continue;
    errors[at.field] ??= problem.message;
    errorList.push({ href: `#${at.field}`, text: problem.message });
  }
  return { errors, errorList };
}

/** Every problem of the draft, each linked to the page and field that fixes it. */
function allProblems(context: DraftContext): FormErrors['errorList'] {
  return context.problems.map((p: Problem) => ({
    href: problemHref(context.row.id, fixAt(p.path, context.draft)),
    text: p.message,
  }));
}

/** The criteria's themes so far, so a new criterion joins one by its exact words. */
function themeHint(themes: readonly string[]): string {
  const known = [...new Set(themes.filter(Boolean))];
  const base = 'Criteria are grouped by theme on the grading form.';
  return known.length === 0 ? base : `${base} Themes so far: ${known.join('; ')}.`;
}

const problemTitle = (n: number) => (n === 0 ? undefined : `This plan has ${n} problem${n === 1 ? '' : 's'}`);

export function planBuilderRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  const adminOnly = pageFor(...AREA_ROLES.administration);
  const now = () => isoInstant(clock.now());
  const draftUrl = (context: DraftContext) => paths.planDraft(String(context.row.id));
  const flash = (req: Request) =>
    req.query.saved === '1' ? 'Saved. The plan’s problems below are as they stand now.' : undefined;

  /** A section page: the form with the draft's values (or those just sent), its own problems or the form's errors. */
  const sectionPage = (
    res: Response,
    view: string,
    title: string,
    context: DraftContext,
    section: FixAt['section'] | null,
    locals: object,
    failed?: FormErrors,
  ) => {
    const own = failed ?? problemsOn(context, section);
    res.render(`plans/builder/${view}`, {
      title,
      std: context.std,
      draft: context.draft,
      words: wordsFor(context.draft),
      backLink: draftUrl(context),
      backLinkText: 'Back to the plan',
      revision: context.row.updatedAt,
      errorTitle: failed ? undefined : problemTitle(own.errorList.length),
      ...own,
      ...locals,
    });
  };

  /* ---------- Starting a draft ---------- */

  const startPage = (req: Request, res: Response, locals: object) => {
    const { std, plans } = valueOrThrow(startChoices(db, userOf(res), req.params));
    res.render('plans/builder/start', {
      title: 'Build an assessment plan',
      std,
      backLink: paths.standard(std.reference, std.version),
      choices: [
        {
          value: 'nothing',
          text: 'Start from nothing',
          hint: 'Only the standard’s KSBs and the usual grades are filled in.',
        },
        ...plans.map((p) => ({
          value: p.id,
          text: `A copy of ${p.title} (${p.id})`,
          hint: p.sameVersion
            ? 'A plan of this version: everything is copied.'
            : `A plan of version ${p.version}: its KSB codes are carried across by each KSB’s published identity, and the next page shows what changed.`,
        })),
      ],
      ...locals,
    });
  };
  router.get(routes.newPlanDraft, adminOnly, (req, res) => startPage(req, res, { values: { from: 'nothing' } }));
  router.post(routes.newPlanDraft, adminOnly, (req, res) => {
    const done = startDraft(db, userOf(res), req.params, req.body, now());
    if (done.ok) return res.redirect(paths.planDraft(String(done.value.id)));
    renderRefusal(res, done, (errors) => startPage(req, res, { values: req.body as object, ...errors }));
  });

  /* ---------- The overview: every part, every problem, the coverage, publishing ---------- */

  const overviewPage = (res: Response, context: DraftContext, locals: object = {}) => {
    const { draft, std, row } = context;
    const id = String(row.id);
    const criteriaByMethod = draft.methods.map((m) => ({
      name: m.name || m.id || 'A method with no name yet',
      criteria: draft.criteria.flatMap((c, index) =>
        c.method === m.id ? [{ ...c, href: paths.planDraftItem(id, 'criteria', String(index)) }] : [],
      ),
    }));
    const methodIds = new Set(draft.methods.map((m) => m.id));
    const unplaced = draft.criteria.flatMap((c, index) =>
      methodIds.has(c.method) ? [] : [{ ...c, href: paths.planDraftItem(id, 'criteria', String(index)) }],
    );
    res.render('plans/builder/overview', {
      title: draft.title || 'A plan with no title yet',
      std,
      draft,
      row,
      words: wordsFor(draft),
      origin: row.origin,
      errorTitle: problemTitle(context.problems.length),
      errorList: allProblems(context),
      problemCount: context.problems.length,
      methods: draft.methods.map((m, index) => ({ ...m, href: paths.planDraftItem(id, 'methods', String(index)) })),
      criteriaByMethod,
      unplaced,
      gatewayItems: draft.gatewayItems.map((g, index) => ({
        ...g,
        href: paths.planDraftItem(id, 'gateway-items', String(index)),
      })),
      coverage: coverage(draft, context.ksbs, context.options),
      grid: combinationGrid(draft),
      links: {
        details: paths.planDraftDetails(id),
        ksbs: paths.planDraftKsbs(id),
        grades: paths.planDraftGrades(id),
        newMethod: paths.planDraftItem(id, 'methods', 'new'),
        newCriterion: paths.planDraftItem(id, 'criteria', 'new'),
        newGatewayItem: paths.planDraftItem(id, 'gateway-items', 'new'),
        exportJson: paths.planDraftExport(id),
        publish: paths.planDraftPublish(id),
        discard: paths.planDraftDiscard(id),
        standard: paths.standard(std.reference, std.version),
        published: row.publishedPlanId
          ? `${paths.plan(std.reference, std.version)}?id=${encodeURIComponent(row.publishedPlanId)}`
          : null,
      },
      defaultPlan: context.defaultPlan,
      publishChoices: [
        {
          value: 'yes',
          text: 'Yes: apprentices on this version follow it from now on',
          hint: 'Apprentices already booked keep the plan they are being assessed under.',
        },
        { value: 'no', text: 'No: publish it beside the current plan' },
      ],
      values: { makeDefault: 'yes' },
      ...locals,
    });
  };

  router.get(routes.planDraft, adminOnly, (req, res) => {
    overviewPage(res, valueOrThrow(loadDraft(db, userOf(res), req.params)), { flash: flash(req) });
  });

  router.get(routes.planDraftExport, adminOnly, (req, res) => {
    const { draft, row } = valueOrThrow(loadDraft(db, userOf(res), req.params));
    res.attachment(`${draft.id || `plan-draft-${row.id}`}.json`);
    res.type('application/json').send(`${JSON.stringify(planDocument(draft), null, 2)}\n`);
  });

  router.post(routes.planDraftPublish, adminOnly, (req, res) => {
    const done = publishDraft(db, userOf(res), req.params, req.body, now());
    if (done.ok) {
      const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
      const kept = done.value.keptOnPrevious;
      return res.redirect(
        `${paths.plan(context.std.reference, context.std.version)}?id=${encodeURIComponent(done.value.planId)}&published=${kept}`,
      );
    }
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    // The refusal first, then the plan's problems it points to.
    renderRefusal(res, done, (errors) =>
      overviewPage(res, context, {
        values: req.body as object,
        publishError: errors.errors.form ?? null,
        errors: errors.errors,
        errorTitle: undefined,
        errorList: [...errors.errorList, ...allProblems(context)],
      }),
    );
  });

  const discardPage = (res: Response, context: DraftContext, locals: object = {}) =>
    res.render('plans/builder/discard', {
      title: 'Discard this draft',
      draft: context.draft,
      backLink: draftUrl(context),
      backLinkText: 'Back to the plan',
      action: paths.planDraftDiscard(String(context.row.id)),
      choices: [
        { value: 'yes', text: 'Yes, discard it' },
        { value: 'no', text: 'No, keep it' },
      ],
      ...locals,
    });
  router.get(routes.planDraftDiscard, adminOnly, (req, res) => {
    discardPage(res, valueOrThrow(loadDraft(db, userOf(res), req.params)));
  });
  router.post(routes.planDraftDiscard, adminOnly, (req, res) => {
    const done = discardDraft(db, userOf(res), req.params, req.body);
    if (done.ok)
      return res.redirect(
        done.value.discarded
          ? `${paths.standard(done.value.reference, done.value.version)}#plan-drafts`
          : paths.planDraft(String(req.params.draft)),
      );
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    renderRefusal(res, done, (errors) => discardPage(res, context, { values: req.body as object, ...errors }));
  });

  /* ---------- The plan's own fields ---------- */

  const detailsValues = (context: DraftContext) => {
    const d = context.draft;
    return {
      id: d.id,
      title: d.title,
      regime: d.regime,
      demo: d.demo ? 'yes' : '',
      option: d.option ?? '',
      notice: d.notice ?? '',
      epaPeriodMonths: d.epaPeriodMonths ?? '',
      resitWindowMonths: d.resit.windowMonths ?? '',
      retakeWindowMonths: d.retake.windowMonths ?? '',
      maxAttempts: d.maxAttempts ?? '',
      wholeAssessmentMonths: d.wholeAssessmentMonths ?? '',
    };
  };
  const detailsPage = (res: Response, context: DraftContext, values: object, failed?: FormErrors, saved?: string) =>
    sectionPage(
      res,
      'details',
      'Plan details',
      context,
      'details',
      {
        values,
        flash: saved,
        demoItems: [{ value: 'yes', text: 'This is a demonstration plan, not the published assessment plan' }],
        // Offered on a version with options, and on any draft that names one (a copy from such a version).
        optionItems:
          context.options.length === 0 && !context.draft.option
            ? null
            : [
                { value: '', text: 'Every option' },
                ...context.options.map((o) => ({ value: o.title, text: o.title })),
                ...(context.draft.option && !context.options.some((o) => o.title === context.draft.option)
                  ? [{ value: context.draft.option, text: `${context.draft.option} (not an option of this version)` }]
                  : []),
              ],
        regimes: [
          {
            value: 'epa',
            text: 'An end-point assessment plan',
            hint: 'Every KSB is assessed after gateway, marked by the assessment organisation.',
          },
          {
            value: 'apprenticeship-assessment',
            text: 'A reformed apprenticeship assessment plan',
            hint: 'Skills England’s reformed plans: components during or at the end, core and sampled KSBs, behaviours verified by the employer.',
          },
        ],
        action: paths.planDraftDetails(String(context.row.id)),
      },
      failed,
    );
  router.get(routes.planDraftDetails, adminOnly, (req, res) => {
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    detailsPage(res, context, detailsValues(context), undefined, flash(req));
  });
  router.post(routes.planDraftDetails, adminOnly, (req, res) => {
    const done = saveDetails(db, userOf(res), req.params, req.body, now());
    if (done.ok) return res.redirect(`${paths.planDraftDetails(String(req.params.draft))}?saved=1`);
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    renderRefusal(res, done, (errors) => detailsPage(res, context, req.body as object, errors));
  });

  /* ---------- KSB roles (reformed plans) ---------- */

  const ksbsPage = (
    res: Response,
    context: DraftContext,
    chosen: Record<string, string>,
    failed?: FormErrors,
    saved?: string,
  ) =>
    sectionPage(
      res,
      'ksbs',
      'How each KSB is assessed',
      context,
      'ksbs',
      {
        flash: saved,
        action: paths.planDraftKsbs(String(context.row.id)),
        reformed: context.draft.regime === 'apprenticeship-assessment',
        ksbs: context.ksbs.map((k) => ({
          ...k,
          name: `role-${k.code}`,
          checked: chosen[`role-${k.code}`] ?? 'core',
          choices: items(KSB_ROLES, WORDS.role),
        })),
      },
      failed,
    );
  const rolesOf = (context: DraftContext) =>
    Object.fromEntries(
      context.ksbs.map((k) => [
        `role-${k.code}`,
        context.draft.employerVerifiedKsbs.includes(k.code)
          ? 'employer_verified'
          : context.draft.sampledKsbs.includes(k.code)
            ? 'sampled'
            : 'core',
      ]),
    );
  router.get(routes.planDraftKsbs, adminOnly, (req, res) => {
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    ksbsPage(res, context, rolesOf(context), undefined, flash(req));
  });
  router.post(routes.planDraftKsbs, adminOnly, (req, res) => {
    const done = saveKsbRoles(db, userOf(res), req.params, req.body, now());
    if (done.ok) return res.redirect(`${paths.planDraftKsbs(String(req.params.draft))}?saved=1`);
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    renderRefusal(res, done, (errors) => ksbsPage(res, context, req.body as Record<string, string>, errors));
  });

  /* ---------- Grades and the combination grid ---------- */

  const gradesPage = (
    res: Response,
    context: DraftContext,
    values: Record<string, string>,
    failed?: FormErrors,
    saved?: string,
  ) => {
    const grid = combinationGrid(context.draft);
    const gradeItems = [{ value: '', text: '' }, ...GRADES.map((g) => ({ value: g, text: g }))];
    const places = (key: 'methodGrades' | 'overallGrades') =>
      Array.from({ length: GRADE_PLACES }, (_, i) => ({
        name: `${key}-${i}`,
        label: i === 0 ? 'Lowest grade' : `Grade ${i + 1}`,
        selected: values[`${key}-${i}`] ?? '',
      }));
    sectionPage(
      res,
      'grades',
      'Grades and how they combine',
      context,
      'grades',
      {
        flash: saved,
        action: paths.planDraftGrades(String(context.row.id)),
        gradeItems,
        methodPlaces: places('methodGrades'),
        overallPlaces: places('overallGrades'),
        capItems: GRADES.map((g) => ({ value: g, text: g })),
        cap: values.resitRetakeGradeCap ?? context.draft.resitRetakeGradeCap,
        grid: {
          ...grid,
          rows: grid.rows.map((row) => ({
            ...row,
            cells: row.cells.map((cell) => ({
              ...cell,
              name: `overall-${cell.index}`,
              selected: values[`overall-${cell.index}`] ?? cell.overall,
              items: [
                { value: '', text: 'Choose' },
                ...context.draft.overallGrades.map((g) => ({ value: g, text: g })),
              ],
            })),
          })),
        },
      },
      failed,
    );
  };
  const gradeValues = (context: DraftContext) => ({
    ...Object.fromEntries(context.draft.methodGrades.map((g, i) => [`methodGrades-${i}`, g])),
    ...Object.fromEntries(context.draft.overallGrades.map((g, i) => [`overallGrades-${i}`, g])),
  });
  router.get(routes.planDraftGrades, adminOnly, (req, res) => {
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    gradesPage(res, context, gradeValues(context), undefined, flash(req));
  });
  router.post(routes.planDraftGrades, adminOnly, (req, res) => {
    const done = saveGrades(db, userOf(res), req.params, req.body, now());
    if (done.ok) return res.redirect(`${paths.planDraftGrades(String(req.params.draft))}?saved=1`);
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    renderRefusal(res, done, (errors) => gradesPage(res, context, req.body as Record<string, string>, errors));
  });

  /* ---------- Methods, criteria and gateway items, one at a time ---------- */

  const itemPage = (
    res: Response,
    context: DraftContext,
    params: unknown,
    values: Record<string, unknown> | undefined,
    failed?: FormErrors,
    saved?: string,
  ) => {
    const { list, item } = valueOrThrow(itemOf(params));
    const draft = context.draft;
    const id = String(context.row.id);
    const words = wordsFor(draft);
    const isNew = item === 'new';
    // A new item has no problems of its own yet: the overview lists the plan's.
    const section = isNew ? null : { list, index: item };
    const common = {
      flash: saved,
      isNew,
      action: paths.planDraftItem(id, list, isNew ? 'new' : String(item)),
      values: values ?? {},
    };
    const ksbItems = context.ksbs.map((k) => ({ value: k.code, text: `${k.code}: ${k.text}` }));
    if (list === 'methods') {
      const others = draft.methods.flatMap((m, i) =>
        i === item
          ? []
          : [{ name: `after-${i}`, label: `Days after ${m.name || m.id}`, value: values?.[`after-${i}`] ?? '' }],
      );
      return sectionPage(
        res,
        'method',
        isNew ? `Add a ${words.method}` : `${words.Method}: ${draft.methods[item]!.name || 'no name yet'}`,
        context,
        section,
        {
          ...common,
          deliveryItems: items(DELIVERY_MODES, WORDS.delivery),
          timingItems: items(COMPONENT_TIMINGS, WORDS.timing),
          markerItems: items(COMPONENT_MARKERS, WORDS.marker),
          others,
          ksbItems,
        },
        failed,
      );
    }
    if (list === 'criteria') {
      return sectionPage(
        res,
        'criterion',
        isNew ? 'Add a criterion' : `Criterion ${draft.criteria[item]!.id || 'with no id yet'}`,
        context,
        section,
        {
          ...common,
          methodItems: [
            { value: '', text: 'Choose' },
            ...draft.methods.map((m) => ({ value: m.id, text: m.name || m.id })),
          ],
          levelItems: items(CRITERION_LEVELS, WORDS.level),
          themeHint: themeHint(draft.criteria.map((c) => c.theme)),
          ksbItems,
        },
        failed,
      );
    }
    return sectionPage(
      res,
      'gateway-item',
      isNew ? 'Add a gateway item' : `Gateway item: ${draft.gatewayItems[item]!.name || 'no name yet'}`,
      context,
      section,
      common,
      failed,
    );
  };

  /** A stored item as its form's values. */
  const itemValues = (
    list: string,
    stored: Record<string, unknown> | undefined,
    context: DraftContext,
  ): Record<string, unknown> | undefined => {
    if (!stored)
      return list === 'methods'
        ? { timing: 'end', marker: 'assessment_organisation', delivery: [], ksbs: [] }
        : list === 'criteria'
          ? { level: 'pass', ksbs: [] }
          : undefined;
    if (list !== 'methods') return stored;
    const method = stored as DraftContext['draft']['methods'][number];
    return {
      ...method,
      durationMinutes: method.durationMinutes ?? '',
      moderationSamplePercent: method.moderationSamplePercent ?? '',
      ...Object.fromEntries(
        method.after.flatMap((rule) => {
          const index = context.draft.methods.findIndex((m) => m.id === rule.method);
          return index === -1 ? [] : [[`after-${index}`, rule.minDaysBetween]];
        }),
      ),
    };
  };

  router.get(routes.planDraftItem, adminOnly, (req, res) => {
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    const { list, item } = valueOrThrow(itemOf(req.params));
    const stored = valueOrThrow(itemIn(context, list, item));
    itemPage(res, context, req.params, itemValues(list, stored, context), undefined, flash(req));
  });
  router.post(routes.planDraftItem, adminOnly, (req, res) => {
    const { list, item } = valueOrThrow(itemOf(req.params));
    const done = saveItem(db, userOf(res), req.params, req.body, now());
    if (done.ok) {
      const removed = (req.body as Record<string, unknown>).action === 'remove';
      if (removed) return res.redirect(`${paths.planDraft(String(req.params.draft))}?saved=1#${list}`);
      const saved = item === 'new' ? (done.value.draft[LIST_KEYS[list]] as unknown[]).length - 1 : item;
      return res.redirect(`${paths.planDraftItem(String(req.params.draft), list, String(saved))}?saved=1`);
    }
    const context = valueOrThrow(loadDraft(db, userOf(res), req.params));
    renderRefusal(res, done, (errors) =>
      itemPage(res, context, req.params, req.body as Record<string, unknown>, errors),
    );
  });

  return router;
}
