import type { AssessorFacts, BookingFacts, MethodFacts } from '../bookings/model.js';

/** An apprentice whose gateway is accepted and who has no active booking yet. */
export interface SchedulerApprentice {
  id: number;
  employerId: string;
  providerUkprn: string;
  standardVersionId: number;
  /** Gateway acceptance: the first day of the EPA period. */
  gatewayDate: string;
  /** The last day of the EPA period. */
  epaEnd: string;
  /** Every method of the apprentice's plan. */
  methods: MethodFacts[];
}

export interface SchedulerInput {
  /** The first date a proposal may use (tomorrow in London: nothing is booked in the past). */
  firstDay: string;
  /** The last date a proposal may use, when the administrator limits the horizon; otherwise each EPA period's end. */
  lastDay?: string;
  apprentices: SchedulerApprentice[];
  assessors: AssessorFacts[];
  /** The assessors' active bookings: they keep their time and count against capacity. */
  existing: BookingFacts[];
}

/** One proposed hold. Every proposal is remote: no place has to be found for it. */
export interface ProposedBooking {
  apprenticeId: number;
  methodId: string;
  assessorUserId: number;
  /** London wall-clock start, 'YYYY-MM-DDTHH:MM'. */
  localStart: string;
}

export interface LeftOut {
  apprenticeId: number;
  reason: string;
}

export interface ScheduleQuality {
  /** Total days from gateway acceptance to each scheduled apprentice's last assessment, plus the penalty for anyone left out. */
  objective: number;
  /** No schedule of the model can do better than this (see bound.ts). */
  bound: number;
  /** (objective - bound) / objective; 0 when both are 0. */
  gap: number;
  /** Days an apprentice left out counts for, per method (longer than any wait the horizon allows). */
  penaltyPerMethod: number;
}

export interface AssessorLoad {
  assessorUserId: number;
  name: string;
  count: number;
}

export interface Schedule extends ScheduleQuality {
  bookings: ProposedBooking[];
  leftOut: LeftOut[];
  load: AssessorLoad[];
  /** Milliseconds spent building the model, bounding, on the first pass and on all scheduling (first pass and restarts); how many restarts ran. */
  timings: { model: number; bound: number; firstPass: number; schedule: number; restarts: number };
}
