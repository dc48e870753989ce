import fs from 'node:fs';
import { addDays, addMonths, partsOf } from '../src/calendar.js';
import type { AssessorFacts, MethodFacts, WorkingHours } from '../src/bookings/model.js';
import { planFileSchema } from '../src/plans/schema.js';
import type { SchedulerInput } from '../src/scheduler/model.js';
import { random } from '../src/scheduler/random.js';

export { random };

/** The two methods of the ST0815 demo plan, read from its fixture. */
export function demoMethods(): MethodFacts[] {
  const plan = planFileSchema.parse(
    JSON.parse(fs.readFileSync(new URL('../fixtures/plans/ST0815-1.0-demo.json', import.meta.url), 'utf8')),
  );
  return plan.methods.map(({ id, name, durationMinutes, delivery, after, earliestDayAfterGateway }) => ({
    id,
    name,
    durationMinutes,
    delivery,
    after,
    earliestDayAfterGateway,
  }));
}

function isWeekday(date: string): boolean {
  const { year, month, day } = partsOf(date);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The date `n` working days (Monday to Friday) after `from`, counting `from` as the first. */
export function workingDaysFrom(from: string, n: number): string {
  let date = from;
  for (let counted = isWeekday(from) ? 1 : 0; counted < n;) {
    date = addDays(date, 1);
    if (isWeekday(date)) counted++;
  }
  return date;
}

/**
 * A queue like an EPAO's after a busy spell: `apprentices` accepted at gateway over the
 * previous 30 days, none booked yet; `assessors` with different capacities
 * and weekly patterns, leave, their own employers, and declared conflicts with employers and
 * providers. The schedule may use the next `workingDays` working days. Starts on 1 March 2027,
 * so the clocks go forward inside the horizon.
 */
export function generateSchedulerInput(options: {
  apprentices: number;
  assessors: number;
  workingDays: number;
  seed?: number;
}): SchedulerInput {
  const rand = random(options.seed ?? 20_261_123);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const firstDay = '2021-03-01'; // a Monday; 2021's calendar is 2027's, clock changes included
  const lastDay = workingDaysFrom(firstDay, options.workingDays);
  const employers = Array.from({ length: 200 }, (_, i) => `EMP${String(i).padStart(4, '0')}`);
  const providers = Array.from({ length: 30 }, (_, i) => String(10_000_000 + i));
  const methods = demoMethods();

  const patterns: WorkingHours[][] = [
    [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    [1, 2, 3, 4].map((weekday) => ({ weekday, start: '08:30', end: '16:30' })),
    [2, 3, 4, 5].map((weekday) => ({ weekday, start: '10:00', end: '16:00' })),
    [1, 3, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:30' })),
  ];
  const assessors: AssessorFacts[] = Array.from({ length: options.assessors }, (_, i) => {
    const unavailable = Array.from({ length: Math.floor(rand() * 3) }, () => {
      const from = addDays(firstDay, Math.floor(rand() * 80));
      return { from, to: addDays(from, Math.floor(rand() * 10)), reason: 'Leave' };
    });
    const declaredConflicts = Array.from({ length: rand() < 0.3 ? 1 + Math.floor(rand() * 3) : 0 }, () => {
      const kind = rand() < 0.7 ? ('employer' as const) : ('provider' as const);
      const dated = rand() < 0.3;
      return {
        kind,
        organisationId: kind === 'employer' ? pick(employers) : pick(providers),
        from: dated ? addDays(firstDay, 20) : '2020-01-01',
        to: dated ? addDays(firstDay, 50) : null,
        reason: 'Former colleague',
      };
    });
    return {
      userId: 1000 + i,
      name: `Assessor ${i + 1}`,
      standardVersionIds: [1],
      regions: [],
      perDay: 2 + Math.floor(rand() * 2),
      perWeek: 8 + Math.floor(rand() * 5),
      workingHours: patterns[i % 10 < 6 ? 0 : (i % 10) - 5 > 3 ? 3 : (i % 10) - 5]!,
      unavailable,
      ownEmployerId: rand() < 0.1 ? pick(employers) : null,
      ownProviderUkprn: rand() < 0.05 ? pick(providers) : null,
      declaredConflicts,
    };
  });

  const apprentices = Array.from({ length: options.apprentices }, (_, i) => {
    const gatewayDate = addDays(firstDay, -1 - Math.floor(rand() * 30));
    return {
      id: i + 1,
      employerId: pick(employers),
      providerUkprn: pick(providers),
      standardVersionId: 1,
      gatewayDate,
      epaEnd: addMonths(gatewayDate, 3),
      methods,
    };
  });

  return { firstDay, lastDay, apprentices, assessors, existing: [] };
}
