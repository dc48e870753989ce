import highsLoader from 'highs';
import type { Instance } from './instance.js';

/**
 * A lower bound on the best schedule, from a linear programme solved with HiGHS.
 *
 * The problem the scheduler solves (instance.ts): place every method of every apprentice on
 * a day and with an assessor so that
 *   - the day is no earlier than the method's release (gateway acceptance + the plan's
 *     earliest day, pushed back by order rules) and no later than the EPA period's end;
 *   - the assessor is competent for the standard and free of conflicts of interest that day;
 *   - no assessor-day holds more than its capacity and no assessor-week more than its limit;
 *   - an apprentice sits at most one assessment a day, and the plan's order rules hold;
 * minimising  Σ over apprentices of (day of their last assessment − gateway day)
 *           + P × (number of methods of apprentices left out),
 * with P longer than any possible wait, so leaving someone out never pays.
 *
 * The relaxation. Apprentices with the same standard version, gateway day and EPA end are
 * interchangeable, so they form one group g of n_g apprentices. Variables, all ≥ 0 and
 * continuous:
 *   x[g,m,t]  how many of group g take method m on day t (release_m ≤ t ≤ deadline_g);
 *   u[g,m]    how many of group g are not given method m;
 *   y[k,s,t]  how many assessments of standard version s assessor k takes on day t;
 *   Z[g]      the group's total of (last day − gateway day) over its scheduled apprentices.
 * Constraints:
 *   Σ_t x[g,m,t] + u[g,m] = n_g                              every method is placed or missing;
 *   Σ_{g of s, m} x[g,m,t] = Σ_k y[k,s,t]                    placed assessments have assessors;
 *   Σ_s y[k,s,t] ≤ dayCapacity[k][t];  Σ_{t in week, s} y[k,s,t] ≤ weekCapacity[k][w];
 *   Σ_m x[g,m,t] ≤ n_g                                       one assessment a day each;
 *   Z[g] ≥ Σ_t (t − gateway_g) x[g,m,t]             for each m (the last day is at least m's day);
 *   Z[g] ≥ (1/M) Σ_m Σ_t (t − gateway_g) x[g,m,t] + (M − 1)/2 × (n_g − (1/M) Σ_m u[g,m]).
 * Objective: minimise Σ_g Z[g] + P Σ_{g,m} u[g,m].
 *
 * Why it is a bound: any schedule of the problem gives values of these variables that meet
 * every constraint, at a cost no more than the schedule's. The last day of an apprentice is
 * at least the day of each method; and their M methods fall on M different whole days, whose
 * sum is at most M × last − M(M−1)/2, so last ≥ mean day + (M − 1)/2. Only constraints are
 * dropped (whole numbers, which assessor takes whom, conflicts of interest, exact order
 * gaps beyond the releases), so the programme's minimum is no more than the best schedule's.
 * The schedule's objective is a whole number, so the bound is the LP value rounded up (after
 * a 1e-6 allowance for the solver's tolerance).
 */
export interface Bound {
  value: number;
  variables: number;
  constraints: number;
}

let solver: Awaited<ReturnType<typeof highsLoader>> | undefined;

export async function lowerBound(instance: Instance, penalty: number): Promise<Bound> {
  solver ??= await highsLoader();

  interface Group {
    name: string;
    n: number;
    standardVersionId: number;
    gateway: number;
    deadline: number;
    releases: number[];
    /** Methods a proposal can hold (remote); the others can only be missing. */
    remote: boolean[];
  }
  const groups = new Map<string, Group>();
  for (const job of instance.jobs) {
    const key = `${job.apprentice.standardVersionId}|${job.gateway}|${job.deadline}|${job.methods.map((m) => `${m.release}${m.remote ? '' : '!'}`).join(',')}`;
    const group = groups.get(key);
    if (group) group.n++;
    else
      groups.set(key, {
        name: `g${groups.size}`,
        n: 1,
        standardVersionId: job.apprentice.standardVersionId,
        gateway: job.gateway,
        deadline: job.deadline,
        releases: job.methods.map((m) => m.release),
        remote: job.methods.map((m) => m.remote),
      });
  }
  if (groups.size === 0) return { value: 0, variables: 0, constraints: 0 };

  const standards = [...new Set([...groups.values()].map((g) => g.standardVersionId))];
  const days = instance.dates.map((_, t) => t);
  // y[k,s,t] exists where assessor k is competent for s and has room on day t.
  const y = (k: number, s: number, t: number) => `y${k}_${s}_${t}`;
  const competent = (s: number) =>
    instance.assessors
      .map((a, k) => ({ a, k }))
      .filter(({ a }) => a.standardVersionIds.includes(s))
      .map(({ k }) => k);
  const hasRoom = (k: number, t: number) =>
    instance.dayCapacity[k]![t]! > 0 && instance.weekCapacity[k]![instance.weekOf[t]!]! > 0;
  const roomFor = new Map(standards.map((s) => [s, days.map((t) => competent(s).some((k) => hasRoom(k, t)))]));

  const objective: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const x = new Map<string, string[]>(); // `${s}|${t}` → x variables placed on that day
  let variables = 0;

  for (const g of groups.values()) {
    const M = g.releases.length;
    const z = `Z${g.name}`;
    objective.push(`+ ${z}`);
    variables++;
    const perDay = new Map<number, string[]>();
    const meanTerms: string[] = [];
    const missing: string[] = [];
    g.releases.forEach((release, m) => {
      const u = `u${g.name}_${m}`;
      objective.push(`+ ${penalty} ${u}`);
      missing.push(u);
      variables++;
      const placed: string[] = [];
      const lastDayTerms: string[] = [];
      for (let t = release; g.remote[m] && t <= g.deadline; t++) {
        if (!roomFor.get(g.standardVersionId)![t]) continue;
        const v = `x${g.name}_${m}_${t}`;
        variables++;
        placed.push(v);
        perDay.set(t, [...(perDay.get(t) ?? []), v]);
        const key = `${g.standardVersionId}|${t}`;
        x.set(key, [...(x.get(key) ?? []), v]);
        const days = t - g.gateway;
        if (days !== 0) {
          lastDayTerms.push(`- ${days} ${v}`);
          meanTerms.push(`- ${2 * days} ${v}`);
        }
      }
      rows.push(`${[...placed.map((v) => `+ ${v}`), `+ ${u}`].join(' ')} = ${g.n}`);
      if (lastDayTerms.length > 0) rows.push(`${z} ${lastDayTerms.join(' ')} >= 0`);
    });
    if (M > 1) {
      // 2M·Z − 2 Σ (t − gateway) x + (M − 1) Σ u ≥ M (M − 1) n
      rows.push(
        `${2 * M} ${z} ${meanTerms.join(' ')} ${missing.map((u) => `+ ${M - 1} ${u}`).join(' ')} >= ${M * (M - 1) * g.n}`,
      );
      for (const vs of perDay.values()) if (vs.length > 1) rows.push(`${vs.map((v) => `+ ${v}`).join(' ')} <= ${g.n}`);
    }
  }

  const usedY = new Map<number, Map<number, string[]>>(); // k → week → y variables
  for (const s of standards) {
    for (const t of days) {
      const placed = x.get(`${s}|${t}`);
      if (!placed) continue;
      const ys = competent(s)
        .filter((k) => hasRoom(k, t))
        .map((k) => {
          const v = y(k, s, t);
          variables++;
          const weeks = usedY.get(k) ?? new Map<number, string[]>();
          usedY.set(k, weeks);
          const w = instance.weekOf[t]!;
          weeks.set(w, [...(weeks.get(w) ?? []), v]);
          return v;
        });
      rows.push(`${placed.map((v) => `+ ${v}`).join(' ')} ${ys.map((v) => `- ${v}`).join(' ')} = 0`);
    }
  }
  for (const [k, weeks] of usedY) {
    const byDay = new Map<number, string[]>();
    for (const vs of weeks.values())
      for (const v of vs) {
        const t = Number(v.split('_')[2]);
        byDay.set(t, [...(byDay.get(t) ?? []), v]);
      }
    for (const [t, vs] of byDay) {
      if (vs.length === 1) bounds.push(`0 <= ${vs[0]} <= ${instance.dayCapacity[k]![t]}`);
      else rows.push(`${vs.map((v) => `+ ${v}`).join(' ')} <= ${instance.dayCapacity[k]![t]}`);
    }
    for (const [w, vs] of weeks) {
      const dayTotal = vs.reduce((sum, v) => sum + instance.dayCapacity[k]![Number(v.split('_')[2])]!, 0);
      if (dayTotal > instance.weekCapacity[k]![w]!)
        rows.push(`${vs.map((v) => `+ ${v}`).join(' ')} <= ${instance.weekCapacity[k]![w]}`);
    }
  }

  const lp = [
    'Minimize',
    ` obj: ${objective.join(' ')}`,
    'Subject To',
    ...rows.map((r, i) => ` c${i}: ${r}`),
    'Bounds',
    ...bounds.map((b) => ` ${b}`),
    'End',
  ].join('\n');
  const result = solver.solve(lp, {});
  if (result.Status !== 'Optimal')
    throw new Error(`The lower bound could not be computed: HiGHS reports ${result.Status}`);
  return { value: Math.max(0, Math.ceil(result.ObjectiveValue - 1e-6)), variables, constraints: rows.length };
}
