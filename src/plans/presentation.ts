import type { Criterion, PlanFile } from './schema.js';
import { ksbRole, type KsbRole } from './rules.js';

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

const ROLE_LABELS: Record<KsbRole, string> = {
  core: 'Core',
  sampled: 'Sampled',
  employer_verified: 'Verified by the employer',
};

/**
 * For each KSB of the standard (in its order), its role and which methods assess it. A core KSB
 * is covered when a method assesses it, a sampled one when a criterion can cover it, and one the
 * employer verifies is covered by that verification, not a gap.
 */
export function ksbCoverage(
  plan: PlanFile,
  ksbCodes: readonly string[],
): { code: string; role: KsbRole; roleLabel: string; methods: boolean[]; covered: boolean }[] {
  const coverable = new Set(plan.criteria.flatMap((c) => c.ksbs));
  return ksbCodes.map((code) => {
    const role = ksbRole(plan, code);
    const methods = plan.methods.map((m) => m.ksbs.includes(code));
    const covered =
      role === 'employer_verified' ? true : role === 'sampled' ? coverable.has(code) : methods.some(Boolean);
    return { code, role, roleLabel: ROLE_LABELS[role], methods, covered };
  });
}
