import type { z } from 'zod';
import { formatPath, type Problem } from '../../validation/problems.js';
import {
  allGradeCombinations,
  checkPlan,
  combinationCount,
  ksbRole,
  MAX_COMBINATIONS,
  type KsbRole,
} from '../rules.js';
import { planFileSchema, type Grade, type Method, type PlanFile } from '../schema.js';

/*
 * The plan builder's decisions, with no database and no HTTP: what a new draft holds, what is
 * wrong with a draft as it stands (the import's checks, in words for a form), where each problem
 * is fixed, the KSB × method coverage, the combination grid, and how a plan's KSB codes carry
 * across to another version of its standard.
 */

/** An option of the version, with its KSBs (the core duties' and its own). */
export interface VersionOption {
  title: string;
  ksbs: readonly string[];
}

/** A method as the builder holds it: a number not yet given is null. */
export type DraftMethod = Omit<Method, 'durationMinutes'> & { durationMinutes: number | null };

/**
 * A plan being built: the plan file's shape, every field present, with numbers not yet given
 * null and texts perhaps empty. Checking it against planFileSchema and checkPlan gives its problems;
 * once it has none it is a plan file as it stands.
 */
export type DraftPlan = Omit<
  PlanFile,
  'epaPeriodMonths' | 'resit' | 'retake' | 'methods' | 'offTheJobMinimumHours' | 'notice'
> & {
  epaPeriodMonths: number | null;
  resit: { windowMonths: number | null };
  retake: { windowMonths: number | null };
  methods: DraftMethod[];
  notice?: string;
};

/** The grades of a plan that has not chosen its own: the commonest grading of a standard. */
const FIRST_GRADES: Grade[] = ['Fail', 'Pass', 'Distinction'];

/** A plan with nothing in it yet but its standard, a suggested id and title, and the commonest grades. */
export function emptyDraft(std: { reference: string; version: string; title: string }, id: string): DraftPlan {
  return {
    id,
    title: `${std.title} (${std.reference} v${std.version}) assessment plan`,
    standard: { reference: std.reference, version: std.version },
    demo: false,
    regime: 'epa',
    employerVerifiedKsbs: [],
    sampledKsbs: [],
    epaPeriodMonths: null,
    methodGrades: [...FIRST_GRADES],
    overallGrades: [...FIRST_GRADES],
    methods: [],
    criteria: [],
    combination: [],
    resit: { windowMonths: null },
    retake: { windowMonths: null },
    resitRetakeGradeCap: 'Pass',
    maxAttempts: null,
    wholeAssessmentMonths: null,
    gatewayItems: [],
  };
}

/** A published plan as a draft to change. The deprecated off-the-job figure stays behind: it belongs to the version. */
export function draftFromPlan(plan: PlanFile): DraftPlan {
  const copy: Partial<Pick<PlanFile, 'offTheJobMinimumHours'>> & Omit<PlanFile, 'offTheJobMinimumHours'> =
    structuredClone(plan);
  delete copy.offTheJobMinimumHours;
  return copy;
}

/** The plan file a draft stands for: what the export gives and what publishing stores. */
export function planDocument(draft: DraftPlan): Record<string, unknown> {
  const { notice, ...rest } = draft;
  return notice ? { ...rest, notice } : rest;
}

/** Names of a plan's fields in a person's words, for the problems a form shows. */
const FIELD_WORDS: Record<string, string> = {
  id: 'an id',
  title: 'a title',
  name: 'a name',
  description: 'a description',
  theme: 'a theme',
  text: 'the criterion’s text',
  method: 'the method it belongs to',
  durationMinutes: 'how long it takes, in minutes',
  delivery: 'how it can be taken',
  ksbs: 'the KSBs',
  epaPeriodMonths: 'the assessment period, in months',
  'resit.windowMonths': 'the resit window, in months',
  'retake.windowMonths': 'the retake window, in months',
  maxAttempts: 'the most attempts allowed',
  wholeAssessmentMonths: 'the months within which every method must be passed',
  earliestDayAfterGateway: 'the earliest day after gateway',
  moderationSamplePercent: 'the moderation sample',
  methodGrades: 'the method grades',
  overallGrades: 'the overall grades',
};

const LIST_WORDS: Record<string, string> = { methods: 'Method', criteria: 'Criterion', gatewayItems: 'Gateway item' };

/** "Method 2: " for a problem inside the second method; nothing for the plan's own fields. */
function placeWords(path: readonly PropertyKey[]): string {
  const [list, index] = path;
  return typeof list === 'string' && typeof index === 'number' && LIST_WORDS[list]
    ? `${LIST_WORDS[list]} ${index + 1}: `
    : '';
}

/** One zod issue with a draft's shape, in the words of the form that fixes it. */
function shapeProblem(issue: z.core.$ZodIssue, draft: DraftPlan): Problem {
  const path = issue.path;
  const value = path.reduce<unknown>(
    (at, key) => (at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined),
    draft,
  );
  const inList = typeof path[1] === 'number' && LIST_WORDS[String(path[0])];
  const field = (inList ? path.slice(2) : path).filter((p) => typeof p === 'string').join('.');
  const words = FIELD_WORDS[field];
  const place = placeWords(path);
  const missing = value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
  let message: string;
  if (missing && words) message = `Enter ${words}`;
  else if (issue.code === 'too_small' && issue.origin === 'array' && path.length === 1 && LIST_WORDS[field])
    message = `Add at least one ${String(LIST_WORDS[field]).toLowerCase()}`;
  else if (issue.code === 'too_small' && issue.origin === 'array' && field === 'ksbs')
    message = 'Choose at least one KSB';
  else if (issue.code === 'too_small' && issue.origin === 'array' && field === 'delivery')
    message = 'Choose at least one way it can be taken';
  else if (issue.code === 'too_small' && issue.origin === 'array' && words)
    message = `Choose at least ${String(issue.minimum)} of ${words}`;
  else message = words ? `${words[0]!.toUpperCase()}${words.slice(1)}: ${issue.message}` : issue.message;
  return { path: formatPath(path), message: `${place}${message}` };
}

/**
 * Everything wrong with a draft as it stands: the plan file's shape in the builder's words, then
 * the import's own checks (checkPlan), which read only the draft's lists and ids and so run even
 * while a number is still missing. Publishing needs this list empty.
 */
export function draftProblems(
  draft: DraftPlan,
  standardKsbCodes: readonly string[],
  options: readonly VersionOption[] = [],
): Problem[] {
  const shaped = planFileSchema.safeParse(planDocument(draft));
  const problems = shaped.success ? [] : shaped.error.issues.map((issue) => shapeProblem(issue, draft));
  const seen = new Set(problems.map((p) => `${p.path} ${p.message}`));
  // checkPlan reads no number of the plan, so a draft's missing ones do not matter to it.
  for (const problem of checkPlan(draft as PlanFile, standardKsbCodes, options)) {
    const key = `${problem.path} ${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push({ ...problem, message: `${placeWords(pathParts(problem.path))}${problem.message}` });
    }
  }
  return problems;
}

/** `methods[1].ksbs[3]` back into its parts. */
function pathParts(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1]! : Number(m[2])));
}

/** The builder's pages: one for the plan's own fields, one for KSB roles, one for grades, and one per item of each list. */
export type DraftSection = 'details' | 'ksbs' | 'grades' | 'overview';
export const DRAFT_LISTS = ['methods', 'criteria', 'gateway-items'] as const;
export type DraftList = (typeof DRAFT_LISTS)[number];
export const LIST_KEYS: Record<DraftList, 'methods' | 'criteria' | 'gatewayItems'> = {
  methods: 'methods',
  criteria: 'criteria',
  'gateway-items': 'gatewayItems',
};

/** Where a problem is fixed: a page of the builder and the id of the field on it. */
export interface FixAt {
  section: DraftSection | { list: DraftList; index: number };
  field: string;
}

const DETAIL_FIELDS: Record<string, string> = {
  option: 'option',
  'resit.windowMonths': 'resitWindowMonths',
  'retake.windowMonths': 'retakeWindowMonths',
};

/** The page and field where a problem at `path` of `draft` is put right. */
export function fixAt(path: string, draft: Pick<DraftPlan, 'employerVerifiedKsbs' | 'sampledKsbs'>): FixAt {
  const parts = pathParts(path);
  const [first, index] = parts;
  const list = DRAFT_LISTS.find((l) => LIST_KEYS[l] === first);
  if (list && typeof index === 'number') {
    const field = String(parts.slice(2).find((p) => typeof p === 'string') ?? 'id');
    return { section: { list, index }, field };
  }
  if (list) return { section: 'overview', field: list };
  if (first === 'employerVerifiedKsbs' || first === 'sampledKsbs') {
    const code = typeof index === 'number' ? draft[first][index] : undefined;
    return { section: 'ksbs', field: code === undefined ? 'roles' : `role-${code}` };
  }
  if (first === 'methodGrades' || first === 'overallGrades')
    return { section: 'grades', field: `${String(first)}-${typeof index === 'number' ? index : 0}` };
  if (first === 'resitRetakeGradeCap') return { section: 'grades', field: 'resitRetakeGradeCap' };
  if (first === 'combination') return { section: 'grades', field: 'combination' };
  const key = parts.filter((p) => typeof p === 'string').join('.');
  return { section: 'details', field: DETAIL_FIELDS[key] ?? (key === 'standard' ? 'id' : key) };
}

/** Whether a place is on the page of a section. */
export function sameSection(a: FixAt['section'], b: FixAt['section']): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.list === b.list && a.index === b.index;
}

/** One row of the coverage matrix: a KSB, how the plan treats it, and what each method does with it. */
export interface CoverageRow {
  code: string;
  text: string;
  role: KsbRole;
  cells: { method: string; assessed: boolean; pass: number; distinction: number }[];
  /** What is wrong with the KSB's coverage, if anything. */
  gap?: string;
}

/**
 * The KSB × method coverage of a draft: for each KSB of the version, which methods assess it and
 * how many of their criteria map to it; a core KSB no method assesses, or one assessed without a
 * pass criterion, is a gap (the same rules as checkPlan, shown where the plan is read).
 */
export function coverage(
  draft: DraftPlan,
  ksbs: readonly { code: string; text: string }[],
  options: readonly VersionOption[] = [],
): CoverageRow[] {
  // A plan for one option covers that option's KSBs only.
  const option = options.find((o) => o.title === draft.option);
  const shown = option ? ksbs.filter((k) => option.ksbs.includes(k.code)) : ksbs;
  return shown.map(({ code, text }) => {
    const role = draft.regime === 'epa' ? 'core' : ksbRole(draft, code);
    const cells = draft.methods.map((m) => {
      const criteria = draft.criteria.filter((c) => c.method === m.id && c.ksbs.includes(code));
      return {
        method: m.id,
        assessed: m.ksbs.includes(code),
        pass: criteria.filter((c) => c.level === 'pass').length,
        distinction: criteria.filter((c) => c.level === 'distinction').length,
      };
    });
    const assessed = cells.filter((c) => c.assessed);
    let gap: string | undefined;
    if (role === 'core' && assessed.length === 0) gap = 'No method assesses it';
    else if (assessed.some((c) => c.pass === 0)) gap = 'A method assesses it with no pass criterion';
    else if (role === 'sampled' && !draft.criteria.some((c) => c.ksbs.includes(code))) gap = 'No criterion covers it';
    return { code, text, role, cells, ...(gap ? { gap } : {}) };
  });
}

/** The grid's combinations, in order; none when there are no methods or too many combinations to lay out (checkPlan reports it). */
function gridCombinations(ids: readonly string[], grades: readonly Grade[]): Record<string, Grade>[] {
  const count = combinationCount(ids.length, grades.length);
  return count === 0 || count > MAX_COMBINATIONS ? [] : allGradeCombinations(ids, grades);
}

/** A cell of the combination grid: the overall grade given when each method has the grade of its row and column. */
export interface GridCell {
  /** Its place in allGradeCombinations (the form's field is `overall[index]`). */
  index: number;
  label: string;
  overall: Grade | '';
}

/**
 * The combination table laid out as a grid: one column per grade of the last method, one row per
 * grades of the others (a single row when the plan has one method).
 */
export function combinationGrid(draft: Pick<DraftPlan, 'methods' | 'methodGrades' | 'combination'>): {
  rowMethods: string[];
  columnMethod: string | undefined;
  columns: Grade[];
  rows: { grades: Grade[]; cells: GridCell[] }[];
  /** The methods and grades need more combinations than a table may hold. */
  tooMany: boolean;
} {
  const ids = draft.methods.map((m) => m.id);
  const names = new Map(draft.methods.map((m) => [m.id, m.name || m.id]));
  const combos = gridCombinations(ids, draft.methodGrades);
  const last = ids.at(-1);
  const width = last === undefined ? 0 : draft.methodGrades.length;
  const rows: { grades: Grade[]; cells: GridCell[] }[] = [];
  combos.forEach((combo, index) => {
    if (index % width === 0) rows.push({ grades: ids.slice(0, -1).map((id) => combo[id]!), cells: [] });
    const found = draft.combination.find((row) => ids.every((id) => row.methods[id] === combo[id]));
    rows.at(-1)!.cells.push({
      index,
      label: `Overall grade when ${ids.map((id) => `${names.get(id)} is ${combo[id]}`).join(' and ')}`,
      overall: found?.overall ?? '',
    });
  });
  return {
    rowMethods: ids.slice(0, -1).map((id) => names.get(id)!),
    columnMethod: last === undefined ? undefined : names.get(last),
    columns: last === undefined ? [] : [...draft.methodGrades],
    rows,
    tooMany: combinationCount(ids.length, draft.methodGrades.length) > MAX_COMBINATIONS,
  };
}

/**
 * The combination table from the grid's cells, read against the methods and grades the grid was
 * drawn with. A cell left empty leaves its row out (checkPlan reports it missing).
 */
export function combinationFromGrid(
  draft: Pick<DraftPlan, 'methods' | 'methodGrades'>,
  overall: readonly (Grade | '')[],
): DraftPlan['combination'] {
  const combos = gridCombinations(
    draft.methods.map((m) => m.id),
    draft.methodGrades,
  );
  return combos.flatMap((methods, i) => (overall[i] ? [{ methods, overall: overall[i] }] : []));
}

/** The items chosen on a form, in the order the plan already had them, new ones after in the form's order. */
export function keepOrder<T>(previous: readonly T[], chosen: readonly T[]): T[] {
  const wanted = new Set(chosen);
  return [...previous.filter((p) => wanted.has(p)), ...chosen.filter((c) => !previous.includes(c))];
}

/** A KSB as it is known across versions: its code in one version, its published identity, its words. */
export interface KsbIdentity {
  code: string;
  publishedId: string | null;
  text: string;
}

export interface KsbMapping {
  /** From the plan's version's code to the new version's code. */
  codes: Map<string, string>;
  /** KSBs whose code differs in the new version. */
  recoded: { from: string; to: string }[];
  /** KSBs of the plan's version with no counterpart in the new one: left out of the copy. */
  dropped: string[];
  /** KSBs new in the new version: the copy assesses none of them yet. */
  added: string[];
}

const sameWords = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * How KSBs carry across two versions of a standard. A KSB is the same KSB when it has the same
 * published id (the catalogue's identity) or, failing that, the same words: the catalogue may give
 * a KSB a new id in each version, and a KSB reworded in a new version is a different KSB, to be
 * assessed afresh. Its code is only its place in its list, so K3 of 1.0 may be K4 of 1.1, and is
 * never assumed to be K3.
 */
export function mapKsbs(from: readonly KsbIdentity[], to: readonly KsbIdentity[]): KsbMapping {
  const byId = new Map(to.filter((k) => k.publishedId).map((k) => [k.publishedId!, k]));
  const byWords = new Map(to.map((k) => [sameWords(k.text), k]));
  const codes = new Map<string, string>();
  const taken = new Set<string>();
  const recoded: KsbMapping['recoded'] = [];
  const dropped: string[] = [];
  for (const ksb of from) {
    const match = (ksb.publishedId ? byId.get(ksb.publishedId) : undefined) ?? byWords.get(sameWords(ksb.text));
    if (!match || taken.has(match.code)) {
      dropped.push(ksb.code);
      continue;
    }
    taken.add(match.code);
    codes.set(ksb.code, match.code);
    if (match.code !== ksb.code) recoded.push({ from: ksb.code, to: match.code });
  }
  return { codes, recoded, dropped, added: to.filter((k) => !taken.has(k.code)).map((k) => k.code) };
}

/**
 * A copy of a plan for another version of its standard, with every KSB code carried across by
 * `mapping`: a KSB with no counterpart leaves every list it was in (the builder then reports what
 * that leaves uncovered), and the combination table, methods and criteria are otherwise kept.
 */
export function copyAcrossVersions(
  plan: PlanFile,
  mapping: KsbMapping,
  target: { reference: string; version: string; id: string },
): DraftPlan {
  const draft = draftFromPlan(plan);
  const carry = (codes: readonly string[]) =>
    codes.flatMap((c) => (mapping.codes.has(c) ? [mapping.codes.get(c)!] : []));
  return {
    ...draft,
    id: target.id,
    standard: { reference: target.reference, version: target.version },
    employerVerifiedKsbs: carry(draft.employerVerifiedKsbs),
    sampledKsbs: carry(draft.sampledKsbs),
    methods: draft.methods.map((m) => ({ ...m, ksbs: carry(m.ksbs) })),
    criteria: draft.criteria.map((c) => ({ ...c, ksbs: carry(c.ksbs) })),
  };
}

/** An id for a new plan that no plan in `taken` has: the base, or the base with the first free number after it. */
export function freePlanId(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
