import type { Criterion, PlanFile } from './schema.js';

export interface ThemeGroup {
  theme: string;
  pass: Criterion[];
  distinction: Criterion[];
}

/** A method's criteria grouped by theme, in the order the plan first names each theme. */
export function criteriaByTheme(plan: PlanFile, methodId: string): ThemeGroup[] {
  const groups = new Map<string, ThemeGroup>();
  for (const criterion of plan.criteria.filter((c) => c.method === methodId)) {
    const group = groups.get(criterion.theme) ?? { theme: criterion.theme, pass: [], distinction: [] };
    group[criterion.level].push(criterion);
    groups.set(criterion.theme, group);
  }
  return [...groups.values()];
}

/** For each KSB of the standard (in its order), which methods assess it. */
export function ksbCoverage(
  plan: PlanFile,
  ksbCodes: readonly string[],
): { code: string; methods: boolean[]; covered: boolean }[] {
  return ksbCodes.map((code) => {
    const methods = plan.methods.map((m) => m.ksbs.includes(code));
    return { code, methods, covered: methods.some(Boolean) };
  });
}
