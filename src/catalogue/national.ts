import { z } from 'zod';
import type { Problem } from '../validation/problems.js';
import { formatPath, problemsFromZod } from '../validation/problems.js';

/*
 * One standard version as the national catalogue publishes it: Skills England's standards file,
 * a JSON array with one element per version. The field names and their meaning follow the
 * apprenticeship service's own importer (SkillsFundingAgency/das-courses-api,
 * Domain/ImportTypes/SkillsEngland/Apprenticeship.cs, and Domain/Entities/StandardImport.cs for
 * the KSB codes and the options), which reads the same file:
 * - a KSB's code is its kind's letter and its 1-based place in its own list (K1, K2, …); its
 *   identity is its published id (knowledgeId, skillId, behaviourId);
 * - duties map KSBs and options by id (mappedKnowledge, mappedSkills, mappedBehaviour,
 *   mappedOptions); isThisACoreDuty is 1 for a core duty;
 * - with coreAndOptions, an option's KSBs are those of the core duties and of the duties mapped
 *   to it (every KSB, when the version lists no duties);
 * - typicalDuration is in months; the version is "major.minor".
 * Only the fields the platform uses are read; others are ignored, as that importer ignores them.
 */

/** The statuses the catalogue gives a version; only versions approved (or once approved) are imported. */
export const IMPORTED_STATUSES = ['Approved for delivery', 'Retired', 'Withdrawn'] as const;
const NOT_YET_STATUSES = ['In development', 'Proposal in development'] as const;

const text = z.string().trim();
const optionalText = z.string().trim().nullish();
const date = z.iso.date().nullish();
const id = z.string().trim().min(1, 'An id must not be blank');
const ksbList = (idField: 'knowledgeId' | 'skillId' | 'behaviourId') =>
  z.array(z.object({ [idField]: id, detail: text.min(1, 'A KSB needs its text') })).nullish();

export const nationalVersionSchema = z.object({
  referenceNumber: z
    .string()
    .trim()
    .regex(/^ST\d{4}$/, 'referenceNumber must look like ST0815'),
  version: z
    .string()
    .trim()
    .regex(/^\d+\.\d+$/, 'version must look like 1.0'),
  title: text.min(1, 'title must not be blank'),
  level: z.int().min(2).max(7),
  status: z.enum([...IMPORTED_STATUSES, ...NOT_YET_STATUSES]),
  larsCode: z.int().nonnegative(),
  route: text.min(1, 'route must not be blank'),
  typicalDuration: z.int().positive(),
  maxFunding: z.int().nonnegative().nullish(),
  overviewOfRole: optionalText,
  typicalJobTitles: z.array(text).nullish(),
  eQAProvider: z.object({ providerName: optionalText }).nullish(),
  regulated: z.boolean().nullish(),
  assessmentPlanUrl: optionalText,
  approvedForDelivery: date,
  lastUpdated: date,
  earliestStartDate: date,
  latestStartDate: date,
  latestEndDate: date,
  coreAndOptions: z.boolean().nullish(),
  knowledges: ksbList('knowledgeId'),
  skills: ksbList('skillId'),
  behaviours: ksbList('behaviourId'),
  duties: z
    .array(
      z.object({
        dutyID: id,
        dutyDetail: text,
        isThisACoreDuty: z.union([z.literal(0), z.literal(1)]).nullish(),
        mappedKnowledge: z.array(id).nullish(),
        mappedSkills: z.array(id).nullish(),
        mappedBehaviour: z.array(id).nullish(),
        mappedOptions: z.array(id).nullish(),
      }),
    )
    .nullish(),
  options: z.array(z.object({ optionId: id, title: text.min(1, 'An option needs its title') })).nullish(),
});
export type NationalVersion = z.infer<typeof nationalVersionSchema>;

/** A version as the platform holds it, worked out from the catalogue's element. */
export interface CatalogueVersion {
  reference: string;
  version: string;
  title: string;
  level: number;
  status: string;
  larsCode: number;
  route: string;
  typicalDurationMonths: number;
  maxFundingPounds: number;
  overview: string;
  typicalJobTitles: string[];
  eqaProvider: string;
  regulated: boolean | null;
  assessmentPlanUrl: string | null;
  approvedForDelivery: string | null;
  dateUpdated: string | null;
  earliestStartDate: string | null;
  latestStartDate: string | null;
  latestEndDate: string | null;
  coreAndOptions: boolean;
  ksbs: { code: string; text: string; publishedId: string }[];
  duties: { number: number; text: string; publishedId: string; core: boolean; ksbs: string[] }[];
  options: { title: string; publishedId: string; ksbs: string[] }[];
}

/** The catalogue's text with its HTML markup taken out (overviewOfRole is HTML), spaces tidied. */
export function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&rsquo;/g, '’')
    .replace(/\s+/g, ' ')
    .trim();
}

/** KSB codes in published order: knowledge, then skills, then behaviours. */
function ksbOrder(codes: Iterable<string>, all: readonly { code: string }[]): string[] {
  const wanted = new Set(codes);
  return all.filter((k) => wanted.has(k.code)).map((k) => k.code);
}

export type Mapped =
  { ok: true; version: CatalogueVersion } | { ok: false; skipped: string } | { ok: false; problems: Problem[] };

/**
 * One element of the national file as the version the platform holds: its KSBs coded by place,
 * its duties' KSBs by code, and each option's KSBs. A version not yet approved is skipped; one
 * whose mapping is broken (an id a duty names that the version does not list) is refused whole.
 */
export function fromNational(element: unknown): Mapped {
  const parsed = nationalVersionSchema.safeParse(element);
  if (!parsed.success) return { ok: false, problems: problemsFromZod(parsed.error) };
  const v = parsed.data;
  if (!(IMPORTED_STATUSES as readonly string[]).includes(v.status))
    return { ok: false, skipped: `${v.status}: not yet approved for delivery` };
  const problems: Problem[] = [];
  const codeOf = new Map<string, string>();
  const ksbs: CatalogueVersion['ksbs'] = [];
  const lists = [
    ['K', 'knowledges', (v.knowledges ?? []).map((k) => ({ id: k.knowledgeId as string, detail: k.detail as string }))],
    ['S', 'skills', (v.skills ?? []).map((k) => ({ id: k.skillId as string, detail: k.detail as string }))],
    ['B', 'behaviours', (v.behaviours ?? []).map((k) => ({ id: k.behaviourId as string, detail: k.detail as string }))],
  ] as const;
  for (const [letter, field, list] of lists)
    list.forEach((k, i) => {
      if (codeOf.has(k.id))
        problems.push({ path: formatPath([field, i]), message: `The id ${k.id} is given to two KSBs` });
      const code = `${letter}${i + 1}`;
      codeOf.set(k.id, code);
      ksbs.push({ code, text: k.detail, publishedId: k.id });
    });
  if (ksbs.length === 0) problems.push({ path: 'knowledges', message: 'The version lists no KSBs' });
  const optionIds = new Set((v.options ?? []).map((o) => o.optionId));
  // Duties whose text is a lone "." are placeholders in the catalogue; the service leaves them out too.
  const duties = (v.duties ?? [])
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => d.dutyDetail !== '.' && d.dutyDetail !== '')
    .map(({ d, i }, n) => {
      const mapped = [...(d.mappedKnowledge ?? []), ...(d.mappedSkills ?? []), ...(d.mappedBehaviour ?? [])];
      for (const ksbId of mapped)
        if (!codeOf.has(ksbId))
          problems.push({
            path: formatPath(['duties', i]),
            message: `Duty ${n + 1} maps ${ksbId}, which is no KSB of this version`,
          });
      for (const optionId of d.mappedOptions ?? [])
        if (!optionIds.has(optionId))
          problems.push({
            path: formatPath(['duties', i, 'mappedOptions']),
            message: `Duty ${n + 1} maps the option ${optionId}, which the version does not list`,
          });
      return {
        number: n + 1,
        text: d.dutyDetail,
        publishedId: d.dutyID,
        core: d.isThisACoreDuty === 1,
        ksbs: ksbOrder(
          mapped.flatMap((ksbId) => codeOf.get(ksbId) ?? []),
          ksbs,
        ),
        options: d.mappedOptions ?? [],
      };
    });
  const coreAndOptions = v.coreAndOptions ?? false;
  const titles = new Set<string>();
  const options = coreAndOptions
    ? (v.options ?? []).map((o, i) => {
        if (titles.has(o.title))
          problems.push({ path: formatPath(['options', i, 'title']), message: `Two options are called "${o.title}"` });
        titles.add(o.title);
        const own = duties.filter((d) => d.core || d.options.includes(o.optionId));
        return {
          title: o.title,
          publishedId: o.optionId,
          ksbs:
            duties.length === 0
              ? ksbs.map((k) => k.code)
              : ksbOrder(
                  own.flatMap((d) => d.ksbs),
                  ksbs,
                ),
        };
      })
    : [];
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    version: {
      reference: v.referenceNumber,
      version: v.version,
      title: v.title,
      level: v.level,
      status: v.status,
      larsCode: v.larsCode,
      route: v.route,
      typicalDurationMonths: v.typicalDuration,
      maxFundingPounds: v.maxFunding ?? 0,
      overview: plainText(v.overviewOfRole ?? ''),
      typicalJobTitles: (v.typicalJobTitles ?? []).filter(Boolean),
      eqaProvider: v.eQAProvider?.providerName ?? '',
      regulated: v.regulated ?? null,
      assessmentPlanUrl: v.assessmentPlanUrl || null,
      approvedForDelivery: v.approvedForDelivery ?? null,
      dateUpdated: v.lastUpdated ?? null,
      earliestStartDate: v.earliestStartDate ?? null,
      latestStartDate: v.latestStartDate ?? null,
      latestEndDate: v.latestEndDate ?? null,
      coreAndOptions,
      ksbs,
      duties: duties.map(({ options: _options, ...duty }) => duty),
      options,
    },
  };
}

/**
 * What differs between a version as held and as published, in words a person can check
 * ("K3's text", "maxFundingPounds: 12000 → 15000"), in two parts: the version's own facts (its
 * status, dates, funding, links: always brought up to date) and its content (KSBs, duties,
 * options: what assessments are planned and graded against, never rewritten once in use).
 * Both are empty when the two are the same.
 */
export function differences(
  held: CatalogueVersion,
  published: CatalogueVersion,
): { facts: string[]; content: string[] } {
  const facts: string[] = [];
  const content: string[] = [];
  const show = (value: unknown) => (Array.isArray(value) ? value.join(', ') : String(value));
  for (const field of FACT_FIELDS)
    if (show(held[field]) !== show(published[field]))
      facts.push(`${field}: ${show(held[field])} → ${show(published[field])}`);
  if (held.coreAndOptions !== published.coreAndOptions)
    content.push(`coreAndOptions: ${String(held.coreAndOptions)} → ${String(published.coreAndOptions)}`);
  // A version loaded from a file of its own (not the catalogue) has no published ids to compare.
  const fromCatalogue = held.ksbs.some((k) => k.publishedId !== '');
  const heldKsbs = new Map(held.ksbs.map((k) => [k.code, k]));
  const publishedKsbs = new Map(published.ksbs.map((k) => [k.code, k]));
  for (const [code, k] of publishedKsbs) {
    const h = heldKsbs.get(code);
    if (!h) content.push(`${code} added`);
    else if (h.text !== k.text) content.push(`${code}'s text`);
    else if (fromCatalogue && h.publishedId !== k.publishedId) content.push(`${code}'s published id`);
  }
  for (const code of heldKsbs.keys()) if (!publishedKsbs.has(code)) content.push(`${code} removed`);
  if (held.duties.length !== published.duties.length)
    content.push(`duties: ${held.duties.length} → ${published.duties.length}`);
  else
    held.duties.forEach((d, i) => {
      const p = published.duties[i]!;
      if (d.text !== p.text) content.push(`duty ${d.number}'s text`);
      if (d.ksbs.join(',') !== p.ksbs.join(',')) content.push(`duty ${d.number}'s KSBs`);
      if (fromCatalogue && d.core !== p.core)
        content.push(`duty ${d.number} ${p.core ? 'now core' : 'no longer core'}`);
    });
  const heldOptions = new Map(held.options.map((o) => [o.title, o.ksbs.join(',')]));
  for (const o of published.options)
    if (!heldOptions.has(o.title)) content.push(`option ${o.title} added`);
    else if (heldOptions.get(o.title) !== o.ksbs.join(',')) content.push(`option ${o.title}'s KSBs`);
  for (const title of heldOptions.keys())
    if (!published.options.some((o) => o.title === title)) content.push(`option ${title} removed`);
  return { facts, content };
}

/** The version's own facts, as the catalogue gives them (its KSBs, duties and options are its content). */
export const FACT_FIELDS = [
  'title',
  'level',
  'status',
  'larsCode',
  'route',
  'typicalDurationMonths',
  'maxFundingPounds',
  'overview',
  'typicalJobTitles',
  'eqaProvider',
  'regulated',
  'assessmentPlanUrl',
  'approvedForDelivery',
  'dateUpdated',
  'earliestStartDate',
  'latestStartDate',
  'latestEndDate',
] as const satisfies readonly (keyof CatalogueVersion)[];
