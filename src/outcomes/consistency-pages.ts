import { dateLabel, londonTime } from '../dates.js';
import { fullName } from '../names.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { AREA_ROLES } from '../auth/roles.js';
import { isSupportedDate } from '../calendar.js';
import type { Db } from '../db/connection.js';
import { internalPageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseForm, type FormErrors } from '../http/forms.js';
import { MODERATION_LABELS } from '../grading/model.js';
import { paths, routes } from '../paths.js';
import { findUser } from '../users/store.js';
import { blankToUndefined, recordId } from '../validation/fields.js';
import {
  assessorConsistency,
  FLAG_LEVEL,
  gradingsBehind,
  MINIMUM_GRADINGS,
  plansHeld,
  type AssessorComparison,
  type Comparison,
  type ConsistencyFilter,
  type PlanHeld,
} from './consistency.js';

const TITLE = 'Assessor consistency';

/** A standard version in the filter: its reference and version, e.g. ST0815-1.0. */
const standardKey = (p: Pick<PlanHeld, 'reference' | 'version'>) => `${p.reference}-${p.version}`;

const minimumMessage = `Enter the minimum number of gradings as a whole number from ${MINIMUM_GRADINGS.min} to ${MINIMUM_GRADINGS.max}`;
const optionalDate = (label: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string({ error: `Enter the ${label} as YYYY-MM-DD, for example 2026-03-31` })
      .refine(
        (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && isSupportedDate(v),
        `Enter the ${label} as a real date, YYYY-MM-DD, for example 2026-03-31`,
      )
      .optional(),
  );

/**
 * The filter, as query parameters. Blank or absent: the first plan held, its first method, the
 * default minimum and no dates. The standard and method must be those of a plan held.
 */
function filterSchema(held: PlanHeld[]) {
  return z
    .object({
      standard: z.preprocess(blankToUndefined, z.string({ error: 'Choose a standard version' }).optional()),
      method: z.preprocess(blankToUndefined, z.string({ error: 'Choose an assessment method' }).optional()),
      minimum: z.preprocess(
        blankToUndefined,
        z
          .string({ error: minimumMessage })
          .regex(/^\d{1,3}$/, minimumMessage)
          .transform(Number)
          .refine((n) => n >= MINIMUM_GRADINGS.min && n <= MINIMUM_GRADINGS.max, minimumMessage)
          .optional(),
      ),
      from: optionalDate('first date'),
      to: optionalDate('last date'),
    })
    .transform((q, ctx) => {
      const chosen = q.standard === undefined ? held[0] : held.find((p) => standardKey(p) === q.standard);
      if (!chosen) {
        ctx.addIssue({
          code: 'custom',
          path: ['standard'],
          message: 'Choose a standard version that has an assessment plan',
        });
        return z.NEVER;
      }
      const method =
        q.method === undefined ? chosen.plan.methods[0] : chosen.plan.methods.find((m) => m.id === q.method);
      if (!method) {
        ctx.addIssue({
          code: 'custom',
          path: ['method'],
          message: `Choose a method of the ${chosen.reference} version ${chosen.version} plan`,
        });
        return z.NEVER;
      }
      if (q.from && q.to && q.from > q.to) {
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: 'The last date must be the same as or after the first date',
        });
        return z.NEVER;
      }
      return { held: chosen, method, minimum: q.minimum ?? MINIMUM_GRADINGS.default, from: q.from, to: q.to };
    });
}

type Filter = z.infer<ReturnType<typeof filterSchema>>;

const filterOf = (f: Filter): ConsistencyFilter => ({
  standardVersionId: f.held.standardVersionId,
  methodId: f.method.id,
  from: f.from,
  to: f.to,
});

/** The filter as a query string, so links keep it. */
function queryOf(f: Filter): string {
  const q = new URLSearchParams({ standard: standardKey(f.held), method: f.method.id, minimum: String(f.minimum) });
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  return q.toString();
}

/** What was typed, to fill the form again: strings only (a repeated or nested parameter is dropped). */
function submitted(query: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (typeof query === 'object' && query !== null)
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') values[k] = v;
  return values;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
/** p-values to four decimal places; anything smaller as "< 0.0001". */
export const formatP = (p: number | null) => (p === null ? '' : p < 0.0001 ? '< 0.0001' : p.toFixed(4));
const londonDate = (instant: string) => londonTime(instant, 'd LLL yyyy');

function testLabel(a: AssessorComparison): string {
  if (!a.test) return a.status === 'too_few' ? 'Not tested: too few gradings' : 'Not tested: nothing to compare';
  if (a.test.kind === 'chi_square') return `Chi-square, ${a.test.df} df`;
  return `Fisher’s exact: ${a.test.tables.map((t) => `${t.grade} or not`).join('; ')}`;
}

function testDescription(a: AssessorComparison): string {
  if (!a.test) return testLabel(a);
  if (a.test.kind === 'chi_square') {
    return `Pearson’s chi-square test on the whole spread of grades: X² = ${a.test.statistic.toFixed(2)} with ${a.test.df} degrees of freedom (every expected count at least 5; the smallest is ${a.test.minExpected.toFixed(1)}).`;
  }
  const parts = a.test.tables.map((t) => `${t.grade} against the other grades (p = ${formatP(t.p)})`);
  if (parts.length === 1)
    return `Fisher’s exact test of ${parts[0]}: some expected counts are below 5, too few for the chi-square test.`;
  return `Fisher’s exact tests of ${parts.join(' and of ')}, the smaller p-value doubled for the two tests: some expected counts are below 5, too few for the chi-square test.`;
}

/** One sentence in plain words on what the figures say about this assessor. */
function verdict(a: AssessorComparison, minimum: number): string {
  const d = a.largestDifference;
  const difference = d
    ? `${d.grade} in ${percent(d.rate)} of their gradings, against ${percent(d.othersRate)} for the other assessors`
    : '';
  if (a.status === 'too_few')
    return `Fewer than ${minimum} gradings: too few to tell a real difference from chance, so not tested.`;
  if (a.status === 'untestable')
    return a.others.total === 0
      ? 'No other assessor has gradings to compare with.'
      : 'Every grading, theirs and the others’, has the same grade: there is no difference to test.';
  if (a.flagged)
    return `Flagged: the spread of grades differs from the other assessors’ by more than chance is likely to explain (largest difference: ${difference}). Look at the gradings below.`;
  return `Not flagged: any difference (largest: ${difference}) is within what chance could explain.`;
}

function tag(a: AssessorComparison): { text: string; colour: string } {
  if (a.flagged) return { text: 'Flagged', colour: 'red' };
  if (a.status === 'tested') return { text: 'Not flagged', colour: 'green' };
  return { text: a.status === 'too_few' ? 'Too few gradings' : 'Not tested', colour: 'grey' };
}

function assessorView(a: AssessorComparison, f: Filter) {
  return {
    name: a.name,
    href: `${paths.consistencyAssessor(a.assessorId)}?${queryOf(f)}`,
    total: a.total,
    rates: a.shares.map((s, i) => ({
      grade: s.grade,
      count: s.count,
      own: percent(s.rate),
      others: percent(a.others.shares[i]!.rate),
      othersCount: a.others.shares[i]!.count,
    })),
    othersTotal: a.others.total,
    testLabel: testLabel(a),
    testDescription: testDescription(a),
    p: formatP(a.p),
    adjustedP: formatP(a.adjustedP),
    tag: tag(a),
    flagged: a.flagged,
    verdict: verdict(a, f.minimum),
  };
}

function formView(held: PlanHeld[], values: Record<string, string>, filter: Filter | null) {
  const several = held.length > 1;
  return {
    standardItems: held.map((p) => ({
      value: standardKey(p),
      text: `${p.title} (${p.reference} version ${p.version})`,
    })),
    methodItems: held.flatMap((p) =>
      p.plan.methods.map((m) => ({ value: m.id, text: several ? `${m.name} (${p.reference} ${p.version})` : m.name })),
    ),
    values: filter
      ? {
          standard: standardKey(filter.held),
          method: filter.method.id,
          minimum: String(filter.minimum),
          from: filter.from ?? '',
          to: filter.to ?? '',
        }
      : values,
    hasPlans: held.length > 0,
    minimumDefault: MINIMUM_GRADINGS.default,
    minimumRange: MINIMUM_GRADINGS,
    flagLevel: FLAG_LEVEL,
  };
}

/** The period in words, to follow "graded". */
function periodText(f: Filter): string {
  if (f.from && f.to) return `from ${dateLabel(f.from)} to ${dateLabel(f.to)}`;
  if (f.from) return `on or after ${dateLabel(f.from)}`;
  if (f.to) return `on or before ${dateLabel(f.to)}`;
  return 'at any time';
}

function summaryOf(f: Filter, c: Comparison) {
  return {
    standard: `${f.held.title} (${f.held.reference} version ${f.held.version})`,
    method: f.method.name,
    period: periodText(f),
    totalGradings: c.totalGradings,
    assessorCount: c.assessors.length,
    compared: c.compared,
    flagged: c.assessors.filter((a) => a.flagged).length,
    minimum: f.minimum,
  };
}

export function consistencyRoutes(db: Db): Router {
  const router = Router();

  const parse = (held: PlanHeld[], query: unknown): { ok: true; filter: Filter } | ({ ok: false } & FormErrors) => {
    const form = parseForm(filterSchema(held), query);
    return form.ok ? { ok: true, filter: form.value } : form;
  };

  router.get(paths.assessorConsistency, internalPageFor(...AREA_ROLES.consistency), (req, res) => {
    const held = plansHeld(db);
    if (held.length === 0) return res.render('outcomes/consistency', { title: TITLE, ...formView(held, {}, null) });
    const parsed = parse(held, req.query);
    if (!parsed.ok) {
      return res.status(400).render('outcomes/consistency', {
        title: TITLE,
        ...formView(held, submitted(req.query), null),
        errors: parsed.errors,
        errorList: parsed.errorList,
      });
    }
    const { filter } = parsed;
    const comparison = assessorConsistency(db, filterOf(filter), filter.held.plan, filter.minimum);
    res.render('outcomes/consistency', {
      title: TITLE,
      ...formView(held, {}, filter),
      results: true,
      grades: comparison.grades,
      // Assessor, gradings, one per grade, test, p, adjusted p, flag.
      columnCount: comparison.grades.length + 6,
      summary: summaryOf(filter, comparison),
      assessors: comparison.assessors.map((a) => assessorView(a, filter)),
    });
  });

  router.get(routes.consistencyAssessor, internalPageFor(...AREA_ROLES.consistency), (req, res: Response) => {
    const id = recordId.safeParse(req.params.assessorId);
    const assessor = id.success ? findUser(db, id.data) : undefined;
    if (!assessor || assessor.role !== 'assessor') throw new HttpError(404, 'There is no such assessor');
    const backLink = paths.assessorConsistency;
    const parsed = parse(plansHeld(db), req.query);
    if (!parsed.ok) {
      // No form on this page: the summary says what is wrong without links to fields.
      const errorList = parsed.errorList.map((e) => ({ text: e.text }));
      return res.status(400).render('outcomes/consistency-assessor', {
        title: `${TITLE}: ${assessor.name}`,
        backLink,
        assessorName: assessor.name,
        errorList,
      });
    }
    const { filter } = parsed;
    const comparison = assessorConsistency(db, filterOf(filter), filter.held.plan, filter.minimum);
    const mine = comparison.assessors.find((a) => a.assessorId === assessor.id);
    const isQualityAssurer = userOf(res).role === 'quality_assurer';
    const methodName = filter.method.name;
    const gradingRows = gradingsBehind(db, filterOf(filter), assessor.id).map((g) => ({
      apprentice: fullName(g),
      uln: g.uln,
      method: methodName,
      attempt: g.attempt,
      assessedOn: dateLabel(g.assessedOn),
      gradedOn: londonDate(g.submittedAt),
      grade: g.grade,
      assessorGrade: g.assessorGrade && g.assessorGrade !== g.grade ? g.assessorGrade : null,
      moderation: MODERATION_LABELS[g.moderation],
      // The moderation page shows sampled gradings only.
      moderationHref: isQualityAssurer && g.moderation !== 'not_sampled' ? paths.moderate(g.gradingId) : null,
    }));
    res.render('outcomes/consistency-assessor', {
      title: `${TITLE}: ${assessor.name}`,
      backLink: `${backLink}?${queryOf(filter)}`,
      backLinkText: 'Back to assessor consistency',
      assessorName: assessor.name,
      summary: summaryOf(filter, comparison),
      grades: comparison.grades,
      assessor: mine ? assessorView(mine, filter) : null,
      gradings: gradingRows,
      flagLevel: FLAG_LEVEL,
    });
  });

  return router;
}
