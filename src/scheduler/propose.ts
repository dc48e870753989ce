import { performance } from 'node:perf_hooks';
import { lowerBound } from './bound.js';
import { greedySchedule, type GreedyResult } from './greedy.js';
import { buildInstance, penaltyPerMethod, type Instance } from './instance.js';
import { random } from './random.js';
import type { Schedule, SchedulerInput } from './model.js';

/** How long restarts may run after the first pass (ms). Small queues get many; a queue of thousands gets a few. */
const DEFAULT_SEARCH_MS = 1000;
const MAX_RESTARTS = 200;

function objectiveOf(instance: Instance, placements: GreedyResult['placements'], penalty: number): number {
  return instance.jobs.reduce((total, job, j) => {
    const placed = placements[j]!;
    return (
      total + ('leftOut' in placed ? penalty * job.methods.length : Math.max(...placed.map((p) => p.day)) - job.gateway)
    );
  }, 0);
}

/**
 * The first pass, then restarts with the order of apprentices shuffled within a week of
 * their earliest finish and now and then a different assessor, which escapes choices that
 * leave an apprentice out or late for want of the one assessor who was free of conflicts.
 * The best schedule wins; restarts stop as soon as one meets the lower bound, which proves it
 * optimal. Seeded, so the same queue always gets the same proposal.
 */
function bestOfRestarts(
  instance: Instance,
  penalty: number,
  bound: number,
  searchMs: number,
): GreedyResult & { firstPassMs: number; restarts: number } {
  const started = performance.now();
  let best = greedySchedule(instance);
  let bestObjective = objectiveOf(instance, best.placements, penalty);
  const firstPassMs = performance.now() - started;
  const rand = random(instance.jobs.length);
  let restarts = 0;
  for (; restarts < MAX_RESTARTS && performance.now() - started < searchMs && bestObjective > bound; restarts++) {
    const candidate = greedySchedule(instance, { rand, jitterDays: 7, randomAssessor: 0.2 });
    const objective = objectiveOf(instance, candidate.placements, penalty);
    if (objective < bestObjective) [best, bestObjective] = [candidate, objective];
  }
  return { ...best, firstPassMs, restarts };
}

/**
 * Proposes a schedule for every apprentice in the input and says how good it is: its
 * objective, a lower bound no schedule can beat, and the gap between them. Pure: it reads
 * the input and writes nothing.
 */
export async function proposeSchedule(input: SchedulerInput, options: { searchMs?: number } = {}): Promise<Schedule> {
  const started = performance.now();
  const instance = buildInstance(input);
  const built = performance.now();
  const penalty = penaltyPerMethod(instance);
  const bound = await lowerBound(instance, penalty);
  const bounded = performance.now();
  const { placements, load, firstPassMs, restarts } = bestOfRestarts(
    instance,
    penalty,
    bound.value,
    options.searchMs ?? DEFAULT_SEARCH_MS,
  );
  const scheduled = performance.now();

  const objective = objectiveOf(instance, placements, penalty);
  const bookings: Schedule['bookings'] = [];
  const leftOut: Schedule['leftOut'] = [];
  instance.jobs.forEach((job, j) => {
    const placed = placements[j]!;
    if ('leftOut' in placed) {
      leftOut.push({ apprenticeId: job.apprentice.id, reason: placed.leftOut });
      return;
    }
    for (const p of [...placed].sort((a, b) => a.day - b.day)) {
      bookings.push({
        apprenticeId: job.apprentice.id,
        methodId: job.methods[p.method]!.method.id,
        assessorUserId: instance.assessors[p.assessor]!.userId,
        localStart: `${instance.dates[p.day]}T${p.slot}`,
      });
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
    timings: {
      model: built - started,
      bound: bounded - built,
      firstPass: firstPassMs,
      schedule: scheduled - bounded,
      restarts,
    },
  };
}
