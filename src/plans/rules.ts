import type { Problem } from '../validation/problems.js';
import { formatPath } from '../validation/problems.js';
import type { Grade, PlanFile } from './schema.js';
import { gradeListProblems } from './grades.js';

/** Every assignment of one grade to each method: the rows a complete combination table must hold. */
export function allGradeCombinations(methodIds: readonly string[], grades: readonly Grade[]): Record<string, Grade>[] {
  return methodIds.reduce<Record<string, Grade>[]>(
    (combos, methodId) => combos.flatMap((combo) => grades.map((grade) => ({ ...combo, [methodId]: grade }))),
    [{}],
  );
}

/**
 * The most rows a combination table may need (three grades over six methods, or nine over three).
 * Past it the table could not be written out or checked one combination at a time, and no
 * published plan comes near it.
 */
export const MAX_COMBINATIONS = 729;

/** How many rows a complete combination table needs: one per assignment of a grade to each method. */
export function combinationCount(methods: number, grades: number): number {
  return methods === 0 ? 0 : grades ** methods;
}

function combinationKey(methodIds: readonly string[], methods: Record<string, Grade>): string {
  return methodIds.map((id) => `${id}=${methods[id]}`).join(', ');
}

function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  at: (index: number) => string,
  what: string,
): Problem[] {
  const seen = new Map<string, number>();
  const problems: Problem[] = [];
  items.forEach((item, index) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) seen.set(k, index);
    else problems.push({ path: at(index), message: `Duplicate ${what} "${k}" (first used at ${at(first)})` });
  });
  return problems;
}

/**
 * Checks a plan that already has the right shape against the standard it belongs to and
 * against itself. Each problem names the place in the file, so an EPAO can fix it.
 */
export function checkPlan(
  plan: PlanFile,
  standardKsbCodes: readonly string[],
  options: readonly { title: string; ksbs: readonly string[] }[] = [],
): Problem[] {
  const problems: Problem[] = [];
  const known = new Set(standardKsbCodes);
  const methodIds = plan.methods.map((m) => m.id);
  const methodIdSet = new Set(methodIds);
  const ref = `${plan.standard.reference} v${plan.standard.version}`;

  problems.push(
    ...duplicates(
      plan.methods,
      (m) => m.id,
      (i) => formatPath(['methods', i, 'id']),
      'method id',
    ),
  );
  problems.push(
    ...duplicates(
      plan.criteria,
      (c) => c.id,
      (i) => formatPath(['criteria', i, 'id']),
      'criterion id',
    ),
  );
  problems.push(
    ...duplicates(
      plan.gatewayItems,
      (g) => g.id,
      (i) => formatPath(['gatewayItems', i, 'id']),
      'gateway item id',
    ),
  );

  problems.push(
    ...duplicates(
      plan.methodGrades,
      (g) => g,
      (i) => formatPath(['methodGrades', i]),
      'grade',
    ),
  );
  problems.push(
    ...duplicates(
      plan.overallGrades,
      (g) => g,
      (i) => formatPath(['overallGrades', i]),
      'grade',
    ),
  );
  problems.push(...gradeListProblems(plan));
  plan.methods.forEach((m, i) =>
    problems.push(
      ...duplicates(
        m.ksbs,
        (k) => k,
        (j) => formatPath(['methods', i, 'ksbs', j]),
        'KSB',
      ),
    ),
  );
  plan.criteria.forEach((c, i) =>
    problems.push(
      ...duplicates(
        c.ksbs,
        (k) => k,
        (j) => formatPath(['criteria', i, 'ksbs', j]),
        'KSB',
      ),
    ),
  );
  problems.push(...orderCycles(plan));

  plan.methods.forEach((method, i) => {
    method.ksbs.forEach((code, j) => {
      if (!known.has(code))
        problems.push({
          path: formatPath(['methods', i, 'ksbs', j]),
          message: `Unknown KSB code "${code}": ${ref} has no such KSB`,
        });
    });
    method.after.forEach((rule, j) => {
      if (!methodIdSet.has(rule.method))
        problems.push({
          path: formatPath(['methods', i, 'after', j, 'method']),
          message: `Unknown method "${rule.method}"`,
        });
      else if (rule.method === method.id)
        problems.push({
          path: formatPath(['methods', i, 'after', j, 'method']),
          message: 'A method cannot have to follow itself',
        });
    });
  });

  plan.criteria.forEach((criterion, i) => {
    const method = plan.methods.find((m) => m.id === criterion.method);
    if (!method) {
      problems.push({ path: formatPath(['criteria', i, 'method']), message: `Unknown method "${criterion.method}"` });
    }
    criterion.ksbs.forEach((code, j) => {
      const at = formatPath(['criteria', i, 'ksbs', j]);
      if (!known.has(code)) problems.push({ path: at, message: `Unknown KSB code "${code}": ${ref} has no such KSB` });
      else if (method && !method.ksbs.includes(code))
        problems.push({ path: at, message: `KSB ${code} is not assessed by method "${method.id}"` });
    });
  });

  plan.methods.forEach((method, i) => {
    const byPassCriteria = new Set(
      plan.criteria.filter((c) => c.method === method.id && c.level === 'pass').flatMap((c) => c.ksbs),
    );
    method.ksbs.forEach((code, j) => {
      if (known.has(code) && !byPassCriteria.has(code)) {
        problems.push({
          path: formatPath(['methods', i, 'ksbs', j]),
          message: `KSB ${code} is assessed by method "${method.id}" but no pass criterion of that method maps to it`,
        });
      }
    });
  });

  // A plan for one option covers that option's KSBs; any other plan, every KSB of the version.
  let required: readonly string[] = standardKsbCodes;
  if (plan.option !== undefined) {
    const option = options.find((o) => o.title === plan.option);
    if (option) required = option.ksbs;
    else
      problems.push({
        path: 'option',
        message:
          options.length === 0
            ? `${ref} has no options: a plan for it assesses every KSB, so leave the option out`
            : `${ref} has no option "${plan.option}": it has ${options.map((o) => `"${o.title}"`).join(', ')}`,
      });
  }
  problems.push(...checkRegime(plan, standardKsbCodes, ref, required));

  problems.push(...checkCombinationTable(plan, methodIds));

  if (!plan.overallGrades.includes(plan.resitRetakeGradeCap)) {
    problems.push({
      path: 'resitRetakeGradeCap',
      message: `"${plan.resitRetakeGradeCap}" is not one of the overall grades`,
    });
  }
  return problems;
}

export type KsbRole = 'core' | 'sampled' | 'employer_verified';

/** How a plan treats a KSB: every KSB of an `epa` plan is core (assessed by some method). */
export function ksbRole(plan: Pick<PlanFile, 'employerVerifiedKsbs' | 'sampledKsbs'>, code: string): KsbRole {
  if (plan.employerVerifiedKsbs.includes(code)) return 'employer_verified';
  if (plan.sampledKsbs.includes(code)) return 'sampled';
  return 'core';
}

/**
 * What each regime allows. An `epa` plan assesses every KSB of the standard at the end, marked by
 * the assessment organisation. A reformed plan (Skills England, "Requirements and guidance for
 * apprenticeship assessment", 2026) has behaviours verified once by the employer and assessed by
 * no component; core knowledge and skills assessed by some component; sampled ones that some
 * criterion can cover; and components during the apprenticeship or marked by the provider.
 */
function checkRegime(
  plan: PlanFile,
  standardKsbCodes: readonly string[],
  ref: string,
  required: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  const known = new Set(standardKsbCodes);
  if (plan.regime === 'epa') {
    if (plan.employerVerifiedKsbs.length > 0)
      problems.push({
        path: 'employerVerifiedKsbs',
        message: 'Only a reformed plan (regime "apprenticeship-assessment") has KSBs verified by the employer',
      });
    if (plan.sampledKsbs.length > 0)
      problems.push({
        path: 'sampledKsbs',
        message:
          'Only a reformed plan (regime "apprenticeship-assessment") samples KSBs; in an EPA plan every KSB is assessed',
      });
    plan.methods.forEach((m, i) => {
      if (m.timing !== 'end')
        problems.push({
          path: formatPath(['methods', i, 'timing']),
          message:
            'An end-point assessment takes place after gateway: only a reformed plan has components during the apprenticeship',
        });
      if (m.marker !== 'assessment_organisation')
        problems.push({
          path: formatPath(['methods', i, 'marker']),
          message:
            'An end-point assessment is marked by the assessment organisation: only a reformed plan has provider-marked components',
        });
    });
  }
  plan.methods.forEach((m, i) => {
    if (m.moderationSamplePercent !== undefined && m.marker !== 'provider')
      problems.push({
        path: formatPath(['methods', i, 'moderationSamplePercent']),
        message:
          'Only a provider-marked component has a moderation sample: the assessment organisation’s own marking is sampled by its quality assurance settings',
      });
    for (const rule of m.after) {
      const before = plan.methods.find((other) => other.id === rule.method);
      if (m.timing === 'during' && before?.timing === 'end')
        problems.push({
          path: formatPath(['methods', i, 'after']),
          message: `${m.name} is taken during the apprenticeship, so it cannot wait for ${before.name}, which is taken at the end`,
        });
    }
  });
  for (const [field, codes] of [
    ['employerVerifiedKsbs', plan.employerVerifiedKsbs],
    ['sampledKsbs', plan.sampledKsbs],
  ] as const) {
    problems.push(
      ...duplicates(
        codes,
        (k) => k,
        (j) => formatPath([field, j]),
        'KSB',
      ),
    );
    codes.forEach((code, j) => {
      if (!known.has(code))
        problems.push({ path: formatPath([field, j]), message: `Unknown KSB code "${code}": ${ref} has no such KSB` });
    });
  }
  plan.sampledKsbs.forEach((code, j) => {
    if (plan.employerVerifiedKsbs.includes(code))
      problems.push({
        path: formatPath(['sampledKsbs', j]),
        message: `KSB ${code} cannot be both sampled and verified by the employer`,
      });
    else if (code.startsWith('B'))
      problems.push({
        path: formatPath(['sampledKsbs', j]),
        message: `Behaviour ${code} cannot be sampled: knowledge and skills are core or sampled, behaviours are verified by the employer or core`,
      });
  });
  const verified = new Set(plan.employerVerifiedKsbs);
  plan.methods.forEach((m, i) =>
    m.ksbs.forEach((code, j) => {
      if (verified.has(code))
        problems.push({
          path: formatPath(['methods', i, 'ksbs', j]),
          message: `KSB ${code} is verified by the employer, so no component assesses it`,
        });
    }),
  );
  const assessed = new Set(plan.methods.flatMap((m) => m.ksbs));
  const coverable = new Set(plan.criteria.flatMap((c) => c.ksbs));
  const forOption = plan.option === undefined ? '' : ` (option "${plan.option}")`;
  for (const code of required) {
    // An EPA plan's lists are refused above; every KSB of it is core.
    const role = plan.regime === 'epa' ? 'core' : ksbRole(plan, code);
    if (role === 'core' && !assessed.has(code))
      problems.push({
        path: 'methods',
        message:
          plan.regime === 'epa'
            ? `KSB ${code} of ${ref}${forOption} is assessed by no method`
            : `Core KSB ${code} of ${ref}${forOption} is assessed by no component`,
      });
    if (role === 'sampled' && !coverable.has(code))
      problems.push({
        path: 'criteria',
        message: `Sampled KSB ${code} of ${ref}${forOption} is covered by no criterion, so no assessment could sample it`,
      });
  }
  return problems;
}

/** Methods whose `after` rules lead back to themselves could never be scheduled. */
function orderCycles(plan: PlanFile): Problem[] {
  const follows = new Map(plan.methods.map((m) => [m.id, m.after.map((a) => a.method)]));
  const problems: Problem[] = [];
  plan.methods.forEach((method, i) => {
    const seen = new Set<string>();
    const stack = [...(follows.get(method.id) ?? [])].filter((id) => id !== method.id);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === method.id) {
        problems.push({
          path: formatPath(['methods', i, 'after']),
          message: `The order rules go round in a circle: method "${method.id}" must come after itself`,
        });
        return;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(follows.get(id) ?? []));
    }
  });
  return problems;
}

function checkCombinationTable(plan: PlanFile, methodIds: string[]): Problem[] {
  const needed = combinationCount(methodIds.length, plan.methodGrades.length);
  if (needed > MAX_COMBINATIONS)
    return [
      {
        path: 'combination',
        message: `${methodIds.length} methods with ${plan.methodGrades.length} grades each need a combination table of ${needed.toLocaleString('en-GB')} rows; at most ${MAX_COMBINATIONS} are possible: use fewer methods or grades`,
      },
    ];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  plan.combination.forEach((row, i) => {
    const named = Object.keys(row.methods);
    let ok = true;
    for (const id of named) {
      if (!methodIds.includes(id)) {
        problems.push({ path: formatPath(['combination', i, 'methods', id]), message: `Unknown method "${id}"` });
        ok = false;
      } else if (!plan.methodGrades.includes(row.methods[id]!)) {
        problems.push({
          path: formatPath(['combination', i, 'methods', id]),
          message: `"${row.methods[id]}" is not one of the method grades`,
        });
        ok = false;
      }
    }
    for (const id of methodIds) {
      if (!named.includes(id)) {
        problems.push({
          path: formatPath(['combination', i, 'methods']),
          message: `No grade given for method "${id}"`,
        });
        ok = false;
      }
    }
    if (!plan.overallGrades.includes(row.overall)) {
      problems.push({
        path: formatPath(['combination', i, 'overall']),
        message: `"${row.overall}" is not one of the overall grades`,
      });
    }
    if (!ok) return;
    const key = combinationKey(methodIds, row.methods);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({
        path: formatPath(['combination', i]),
        message: `Combination ${key} appears twice (also at combination[${first}])`,
      });
    } else {
      seen.set(key, i);
    }
  });
  for (const combo of allGradeCombinations(methodIds, plan.methodGrades)) {
    const key = combinationKey(methodIds, combo);
    if (!seen.has(key)) problems.push({ path: 'combination', message: `Missing combination: ${key}` });
  }
  return problems;
}

/** The overall grade for a set of method grades, read from the plan's combination table. */
export function combineGrades(plan: PlanFile, methodGrades: Record<string, Grade>): Grade | undefined {
  const methodIds = plan.methods.map((m) => m.id);
  const key = combinationKey(methodIds, methodGrades);
  return plan.combination.find((row) => combinationKey(methodIds, row.methods) === key)?.overall;
}
