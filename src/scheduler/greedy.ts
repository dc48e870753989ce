import { conflictedOn, inPersonOnlyReason, type Instance, type Job } from './instance.js';

/** Where one method of one job goes: assessor index, day number and slot start. */
export interface Placement {
  method: number;
  assessor: number;
  day: number;
  slot: string;
}

export interface GreedyResult {
  /** Per job (same order as instance.jobs): its placements, or the reason it was left out. */
  placements: (Placement[] | { leftOut: string })[];
  /** Assessments per assessor index. */
  load: number[];
}

/**
 * The method whose earliest day is latest decides when an apprentice can finish: it is placed
 * first. Methods tied to others by order rules follow in plan order; methods with no order
 * rule at all come last, so they fill days before the deciding one at no cost.
 */
function placementOrder(job: Job): number[] {
  const related = (i: number) =>
    job.methods[i]!.after.length > 0 || job.methods.some((m) => m.after.some((a) => a.index === i));
  const key = job.methods.reduce((best, m, i) => (m.release >= job.methods[best]!.release ? i : best), 0);
  const indices = job.methods.map((_, i) => i);
  const first = related(key) ? indices.filter(related) : [key, ...indices.filter((i) => i !== key && related(i))];
  return [...first, ...indices.filter((i) => !first.includes(i))];
}

/**
 * Earliest-day list scheduling. Apprentices are taken in order of the day they could
 * finish at the earliest (then the end of their EPA period, then id); each method goes on
 * the earliest day its rules allow on which an eligible assessor has room, to the assessor
 * with the smallest share of their capacity taken so far (which balances the load). For one method with equal
 * release offsets this is the classic optimal rule for unit jobs with release dates; the
 * lower bound in bound.ts says how far from optimal it is on each instance.
 */
export interface GreedyOptions {
  /** Random perturbations for restarts: jitter added to each apprentice's place in the order (days), and how often an assessor is picked at random. */
  rand?: () => number;
  jitterDays?: number;
  randomAssessor?: number;
}

export function greedySchedule(instance: Instance, options: GreedyOptions = {}): GreedyResult {
  const rand = options.rand;
  const jitter = rand ? instance.jobs.map(() => rand() * (options.jitterDays ?? 0)) : instance.jobs.map(() => 0);
  const dayCapacity = instance.dayCapacity.map((days) => [...days]);
  const weekCapacity = instance.weekCapacity.map((weeks) => [...weeks]);
  const used = instance.slots.map((days) => days.map(() => 0));
  const load = instance.assessors.map(() => 0);
  // Load is balanced as a share of what each assessor can take over the horizon.
  const capacity = instance.dayCapacity.map((days) =>
    Math.max(
      1,
      days.reduce((sum, c) => sum + c, 0),
    ),
  );
  // Free places per day over all assessors, to skip full days quickly.
  const freeOnDay = instance.dates.map((_, t) => dayCapacity.reduce((sum, days) => sum + days[t]!, 0));

  const finishBy = (job: Job) => Math.max(...job.methods.map((m) => m.release));
  const order = instance.jobs
    .map((job, index) => ({ job, index, key: finishBy(job) + jitter[index]! }))
    .sort((a, b) => a.key - b.key || a.job.deadline - b.job.deadline || a.job.apprentice.id - b.job.apprentice.id);

  const placements: GreedyResult['placements'] = instance.jobs.map(() => ({ leftOut: '' }));
  for (const { job, index } of order) {
    const placed: Placement[] = [];
    const take = (p: Placement) => {
      dayCapacity[p.assessor]![p.day]!--;
      weekCapacity[p.assessor]![instance.weekOf[p.day]!]!--;
      freeOnDay[p.day]!--;
      load[p.assessor]!++;
      placed.push(p);
    };
    let failed = inPersonOnlyReason(job.methods.map((m) => m.method));
    for (const i of failed === null ? placementOrder(job) : []) {
      const jm = job.methods[i]!;
      let from = jm.release;
      for (const rule of jm.after)
        from = Math.max(from, placed.find((p) => p.method === rule.index)!.day + rule.minDays);
      let choice: Placement | null = null;
      for (let t = from; t <= job.deadline && !choice; t++) {
        if (freeOnDay[t]! === 0 || placed.some((p) => p.day === t)) continue;
        let best = -1;
        const free = job.eligible.filter(
          (k) =>
            dayCapacity[k]![t]! > 0 && weekCapacity[k]![instance.weekOf[t]!]! > 0 && !conflictedOn(instance, job, k, t),
        );
        if (rand && free.length > 0 && rand() < (options.randomAssessor ?? 0))
          best = free[Math.floor(rand() * free.length)]!;
        else for (const k of free) if (best < 0 || load[k]! / capacity[k]! < load[best]! / capacity[best]!) best = k;
        if (best >= 0)
          choice = { method: i, assessor: best, day: t, slot: instance.slots[best]![t]![used[best]![t]!]! };
      }
      if (!choice) {
        failed =
          jm.release > job.deadline
            ? `${jm.method.name} cannot take place before the EPA period ends`
            : from > job.deadline
              ? `There was no room early enough for ${jm.method.name} to follow ${jm.after.map((a) => job.methods[a.index]!.method.name).join(' and ')} before the EPA period ends`
              : `No eligible assessor has room for ${jm.method.name} between ${instance.dates[from]} and ${instance.dates[job.deadline]}`;
        break;
      }
      used[choice.assessor]![choice.day]!++;
      take(choice);
    }
    if (failed !== null) {
      // All of an apprentice's methods or none: give back what was taken.
      for (const p of placed) {
        dayCapacity[p.assessor]![p.day]!++;
        weekCapacity[p.assessor]![instance.weekOf[p.day]!]!++;
        freeOnDay[p.day]!++;
        load[p.assessor]!--;
        used[p.assessor]![p.day]!--;
      }
      placements[index] = {
        leftOut:
          job.eligible.length === 0
            ? 'No assessor is competent for this standard and free of conflicts of interest'
            : failed,
      };
    } else {
      placements[index] = placed;
    }
  }
  return { placements, load };
}
