import { REGIONS, BOOKING_STATUSES } from '../db/vocabulary.js';
import type { COMPONENT_MARKERS, COMPONENT_TIMINGS } from '../plans/schema.js';

/**
 * What the booking rules (src/bookings/rules.ts) read and return: plain data, no database
 * or HTTP types. Times are UTC instants (ISO strings); calendar dates are YYYY-MM-DD.
 */

export { REGIONS };
export type ComponentTiming = (typeof COMPONENT_TIMINGS)[number];
export type ComponentMarker = (typeof COMPONENT_MARKERS)[number];
export type Region = (typeof REGIONS)[number];
export const REGION_LABELS: Record<Region, string> = {
  north_east: 'North East',
  north_west: 'North West',
  yorkshire_humber: 'Yorkshire and the Humber',
  east_midlands: 'East Midlands',
  west_midlands: 'West Midlands',
  east_of_england: 'East of England',
  london: 'London',
  south_east: 'South East',
  south_west: 'South West',
};

export { BOOKING_STATUSES };
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
/** Statuses in which a booking takes up the assessor's and the apprentice's time. */
export const ACTIVE_STATUSES: readonly BookingStatus[] = ['held', 'confirmed', 'completed'];

export type DeliveryMode = 'in_person' | 'remote';

/** 1 = Monday … 7 = Sunday (ISO weekday); times are London wall-clock 'HH:MM'. */
export interface WorkingHours {
  weekday: number;
  start: string;
  end: string;
}

export interface AssessorFacts {
  userId: number;
  name: string;
  standardVersionIds: number[];
  regions: Region[];
  perDay: number;
  perWeek: number;
  workingHours: WorkingHours[];
  /** Dated unavailability, inclusive calendar dates. */
  unavailable: { from: string; to: string; reason: string }[];
  /** Organisations the assessor works for: automatic conflicts of interest. */
  ownEmployerId: string | null;
  ownProviderUkprn: string | null;
  /** Declared links to employers and providers. `to` null: still current. */
  declaredConflicts: {
    kind: 'employer' | 'provider';
    organisationId: string;
    from: string;
    to: string | null;
    reason: string;
  }[];
}

export interface BookingFacts {
  id: number;
  apprenticeId: number;
  /** The attempt at the EPA it belongs to (1 when not given). */
  attempt?: number;
  assessorUserId: number;
  methodId: string;
  startsAt: string;
  endsAt: string;
  status: BookingStatus;
}

export interface MethodFacts {
  id: string;
  name: string;
  durationMinutes: number;
  delivery: DeliveryMode[];
  after: { method: string; minDaysBetween: number }[];
  earliestDayAfterGateway: number;
  /** Reformed plans: a component taken during the apprenticeship is booked before gateway to completion (default: at the end). */
  timing?: ComponentTiming;
  /** Reformed plans: a provider-marked component is marked by the provider's own marker, not booked with an assessor (default: the assessment organisation). */
  marker?: ComponentMarker;
  /**
   * The apprentice's approved reasonable adjustments to this method (src/adjustments/rules.ts), if
   * any: `durationMinutes` and `delivery` above already include them.
   */
  adjusted?: { words: string; extraMinutes: number; remote: boolean; planMinutes: number };
}

/** A proposed booking and everything the rules need to judge it. */
export interface BookingRequest {
  apprentice: { id: number; employerId: string; providerUkprn: string; standardVersionId: number };
  /** The accepted gateway's EPA period (calendar dates), or null if the gateway is not accepted. */
  epaPeriod: { start: string; end: string } | null;
  /** The first day a component during the apprenticeship may take place: the apprentice's start date, or a resit's or retake's start. */
  onProgrammeFrom: string;
  method: MethodFacts;
  /** The methods of this attempt, for order rules (a resit or retake leaves out carried methods). */
  methods: MethodFacts[];
  /** The attempt the booking is for (1 when not given): only its own bookings count as "already booked" and for order. */
  attempt?: number;
  assessor: AssessorFacts;
  /** London wall-clock start, 'YYYY-MM-DDTHH:MM'. */
  localStart: string;
  mode: DeliveryMode;
  /** For in-person bookings: where it happens. */
  region: Region | null;
  /** The assessor's and the apprentice's other bookings (any status; the rules look at active ones). */
  existing: BookingFacts[];
  /** A booking being rescheduled is left out of the clash checks. */
  replacing: number | null;
  /** The moment of booking (UTC instant): an assessment cannot be booked to start before it. Omitted when recording history. */
  now?: string;
}

export const REFUSAL_CODES = [
  'gateway_not_accepted',
  'invalid_start',
  'in_the_past',
  'outside_epa_period',
  'too_soon_after_gateway',
  'method_order',
  'method_already_booked',
  'delivery_mode',
  'assessor_not_competent',
  'assessor_conflicted',
  'assessor_unavailable',
  'outside_working_hours',
  'over_daily_capacity',
  'over_weekly_capacity',
  'assessor_double_booked',
  'apprentice_double_booked',
  'outside_regions',
  'marked_by_provider',
  'not_a_marker',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  code: RefusalCode;
  message: string;
}
