import { performance } from 'node:perf_hooks';
import { lowerBound } from './bound.js';
import { greedySchedule } from './greedy.js';
import { buildInstance, penaltyPerMethod } from './instance.js';
import type { Schedule, SchedulerInput } from './model.js';

/**
 * Proposes a schedule for every apprentice in the input and says how good it is: its
 * objective, a lower bound no schedule can beat, and the gap between them. Pure: it reads
 * the input and writes nothing.
 */
export async function proposeSchedule(input: SchedulerInput): Promise<Schedule> {
  const started = performance.now();
  const instance = buildInstance(input);
  const built = performance.now();
  const { placements, load } = greedySchedule(instance);
  const scheduled = performance.now();
  const penalty = penaltyPerMethod(instance);
  const bound = await lowerBound(instance, penalty);
  const bounded = performance.now();

  let objective = 0;
  const bookings: Schedule['bookings'] = [];
  const leftOut: Schedule['leftOut'] = [];
  instance.jobs.forEach((job, j) => {
    const placed = placements[j]!;
    if ('leftOut' in placed) {
      leftOut.push({ apprenticeId: job.apprentice.id, reason: placed.leftOut });
      objective += penalty * job.methods.length;
      return;
    }
    objective += Math.max(...placed.map((p) => p.day)) - job.gateway;
    for (const p of [...placed].sort((a, b) => a.day - b.day)) {
      bookings.push({ apprenticeId: job.apprentice.id, methodId: job.methods[p.method]!.method.id, assessorUserId: instance.assessors[p.assessor]!.userId, localStart: `${instance.dates[p.day]}T${p.slot}` });
    }
  });

  return {
    bookings,
    leftOut,
    objective,
    bound: bound.value,
    gap: objective === 0 ? 0 : (objective - bound.value) / objective,
    penaltyPerMethod: penalty,
    load: instance.assessors.map((a, k) => ({ assessorUserId: a.userId, name: a.name, count: load[k]! })),
    timings: { model: built - started, schedule: scheduled - built, bound: bounded - scheduled },
  };
}
