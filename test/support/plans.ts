import type { Grade, PlanFile } from '../../src/plans/schema.js';

/**
 * The plan with its grades renamed everywhere they appear (the grade lists, the combination table
 * and the resit cap), for tests of plans that use the apprenticeship service's other grades:
 * `regraded(plan, { Pass: 'Credit', Distinction: 'Pass with excellence' })`.
 */
export function regraded<
  P extends Pick<PlanFile, 'methodGrades' | 'overallGrades' | 'combination' | 'resitRetakeGradeCap'>,
>(plan: P, renames: Partial<Record<Grade, Grade>>): P {
  const to = (g: Grade) => renames[g] ?? g;
  return {
    ...plan,
    methodGrades: plan.methodGrades.map(to),
    overallGrades: plan.overallGrades.map(to),
    combination: plan.combination.map((row) => ({
      methods: Object.fromEntries(Object.entries(row.methods).map(([m, g]) => [m, to(g)])),
      overall: to(row.overall),
    })),
    resitRetakeGradeCap: to(plan.resitRetakeGradeCap),
  };
}
