import { performance } from 'node:perf_hooks';
import { proposeSchedule } from '../src/scheduler/propose.js';
import { generateSchedulerInput } from './scheduler-instance.js';

async function run(apprentices: number) {
  const input = generateSchedulerInput({ apprentices, assessors: 60, workingDays: 60 });
  const started = performance.now();
  const schedule = await proposeSchedule(input);
  const seconds = (performance.now() - started) / 1000;
  const counts = schedule.load.map((l) => l.count);
  return { apprentices, seconds, schedule, minLoad: Math.min(...counts), maxLoad: Math.max(...counts) };
}

/** The auto-scheduler on generated queues (bench/scheduler-instance.ts): time, objective, bound and gap. */
export async function runSchedulerBench(): Promise<void> {
  console.log('Auto-scheduler (60 assessors, 2 methods, 60 working days from 1 March 2027)');
  // The target instance first, so that its time includes loading the HiGHS solver.
  const main = await run(2000);
  const s = main.schedule;
  console.log(
    `  2000 apprentices: ${main.seconds.toFixed(2)} s (target under 5 s); objective ${s.objective} days, lower bound ${s.bound}, gap ${(s.gap * 100).toFixed(2)}% (target within 2%)`,
  );
  console.log(
    `    ${s.bookings.length} holds, ${s.leftOut.length} apprentices left out; model ${s.timings.model.toFixed(0)} ms, bound ${s.timings.bound.toFixed(0)} ms (includes loading HiGHS), first pass ${s.timings.firstPass.toFixed(0)} ms, with ${s.timings.restarts} restarts ${s.timings.schedule.toFixed(0)} ms; assessments per assessor ${main.minLoad}–${main.maxLoad}`,
  );
  console.log('  Scaling (same assessors and calendar; restarts stop after 1 s or at the bound):');
  for (const n of [500, 1000, 2000, 4000]) {
    const { seconds, schedule: r } = await run(n);
    const t = r.timings;
    console.log(
      `    ${String(n).padStart(4)} apprentices: ${seconds.toFixed(2)} s in all (model ${t.model.toFixed(0)} ms, bound ${t.bound.toFixed(0)} ms, first pass ${t.firstPass.toFixed(0)} ms, ${t.restarts} restarts); objective ${r.objective}, bound ${r.bound}, gap ${(r.gap * 100).toFixed(2)}%, left out ${r.leftOut.length}`,
    );
  }
}
