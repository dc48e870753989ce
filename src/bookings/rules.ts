import { DateTime } from 'luxon';
import { addDays, daysBetween } from '../calendar.js';
import { ZONE } from '../dates.js';
import {
  ACTIVE_STATUSES,
  REGION_LABELS,
  type AssessorFacts,
  type BookingFacts,
  type BookingRequest,
  type BookingStatus,
  type Refusal,
} from './model.js';

/**
 * When a booking happens. Bookings are made in London wall-clock time and stored as UTC
 * instants: a 10:00 booking is 10:00 in London in winter and in summer, whatever the UTC
 * offset that day. A wall-clock time that does not exist (skipped when the clocks go
 * forward) is refused rather than moved.
 */
export interface BookingTimes {
  startsAt: string;
  endsAt: string;
  /** London calendar date, weekday (1 = Monday) and wall-clock times. */
  date: string;
  weekday: number;
  startTime: string;
  endTime: string;
}

export function bookingTimes(localStart: string, durationMinutes: number): BookingTimes | { error: string } {
  if (!/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/.test(localStart))
    return { error: 'Give the start as a real date and time, YYYY-MM-DDTHH:MM' };
  const start = DateTime.fromISO(localStart, { zone: ZONE });
  if (!start.isValid) return { error: 'That date and time does not exist' };
  if (start.toFormat("yyyy-MM-dd'T'HH:mm") !== localStart)
    return { error: `${localStart.replace('T', ' ')} does not exist in London: the clocks go forward that night` };
  const end = start.plus({ minutes: durationMinutes });
  return {
    startsAt: start.toUTC().toISO(),
    endsAt: end.toUTC().toISO(),
    date: start.toISODate(),
    weekday: start.weekday,
    startTime: start.toFormat('HH:mm'),
    endTime: end.toFormat('HH:mm'),
  };
}

/** The London date, weekday and ISO week of a stored UTC instant. */
export function londonDay(instant: string): { date: string; week: string } {
  const at = DateTime.fromISO(instant, { zone: 'utc' }).setZone(ZONE);
  return { date: at.toISODate()!, week: `${at.weekYear}-W${String(at.weekNumber).padStart(2, '0')}` };
}

const isActive = (b: BookingFacts) => ACTIVE_STATUSES.includes(b.status);
const overlaps = (a: { startsAt: string; endsAt: string }, b: { startsAt: string; endsAt: string }) =>
  Date.parse(a.startsAt) < Date.parse(b.endsAt) && Date.parse(b.startsAt) < Date.parse(a.endsAt);
const at = (instant: string) => DateTime.fromISO(instant, { zone: 'utc' }).setZone(ZONE).toFormat('d MMM yyyy HH:mm');

/** Why this assessor may not assess this apprentice on this date (conflict of interest), or null. */
export function conflictOfInterest(
  assessor: AssessorFacts,
  apprentice: BookingRequest['apprentice'],
  date: string,
): string | null {
  if (assessor.ownEmployerId !== null && assessor.ownEmployerId === apprentice.employerId)
    return `${assessor.name} works for the apprentice’s employer`;
  if (assessor.ownProviderUkprn !== null && assessor.ownProviderUkprn === apprentice.providerUkprn)
    return `${assessor.name} works for the apprentice’s training provider`;
  for (const c of assessor.declaredConflicts) {
    const organisation = c.kind === 'employer' ? apprentice.employerId : apprentice.providerUkprn;
    if (c.organisationId === organisation && c.from <= date && (c.to === null || c.to >= date)) {
      return `${assessor.name} declared a conflict with the apprentice’s ${c.kind === 'employer' ? 'employer' : 'training provider'}: ${c.reason}`;
    }
  }
  return null;
}

/** What a booking is judged on before anyone is named to assess it. */
type AssessmentRequest = Omit<BookingRequest, 'assessor' | 'region' | 'now'>;

/**
 * When a component may take place. One at the end (every component of an EPA plan) waits for
 * the gateway: inside the EPA period, and no earlier than the plan's days after acceptance. One
 * taken during the apprenticeship (a reformed plan's, Skills England, "Requirements and guidance
 * for apprenticeship assessment", 2026) may happen from the start of the apprenticeship (or of a
 * resit or retake), before gateway to completion, and no later than the end of the assessment
 * period once there is one.
 */
function timingRefusals(request: AssessmentRequest, date: string): Refusal[] {
  const { method, epaPeriod } = request;
  if (method.timing === 'during') {
    if (date < request.onProgrammeFrom)
      return [
        {
          code: 'outside_epa_period',
          message: `${method.name} is taken during the apprenticeship, which starts on ${request.onProgrammeFrom}`,
        },
      ];
    if (epaPeriod && date > epaPeriod.end)
      return [
        {
          code: 'outside_epa_period',
          message: `${date} is after the assessment period ends (${epaPeriod.end})`,
        },
      ];
    return [];
  }
  if (!epaPeriod) return [];
  const refusals: Refusal[] = [];
  if (date < epaPeriod.start || date > epaPeriod.end) {
    refusals.push({
      code: 'outside_epa_period',
      message: `${date} is outside the EPA period (${epaPeriod.start} to ${epaPeriod.end})`,
    });
  }
  const earliest = addDays(epaPeriod.start, method.earliestDayAfterGateway);
  if (date >= epaPeriod.start && date < earliest) {
    refusals.push({
      code: 'too_soon_after_gateway',
      message: `${method.name} cannot take place before ${earliest} (${method.earliestDayAfterGateway} days after gateway acceptance)`,
    });
  }
  return refusals;
}

/** Whether the component waits for gateway acceptance, and it has not come: then nothing else is worth saying. */
function waitingForGateway(request: AssessmentRequest): Refusal | null {
  if (request.epaPeriod || request.method.timing === 'during') return null;
  return {
    code: 'gateway_not_accepted',
    message: 'The gateway has not been accepted, so no assessment can be booked yet',
  };
}

/**
 * What the apprentice's side says of an assessment at this time, whoever assesses it: its
 * timing; the method not already booked in this attempt; the plan's method order; a delivery
 * mode the method allows; and the apprentice not booked at an overlapping time.
 */
function apprenticeRefusals(request: AssessmentRequest, times: BookingTimes, others: BookingFacts[]): Refusal[] {
  const { apprentice, method } = request;
  const everyApprenticeBooking = others.filter((b) => b.apprenticeId === apprentice.id);
  // Resits and retakes book a method again: only this attempt's bookings count as booked and for order.
  const apprenticeBookings = everyApprenticeBooking.filter((b) => (b.attempt ?? 1) === (request.attempt ?? 1));
  const refusals = timingRefusals(request, times.date);
  if (apprenticeBookings.some((b) => b.methodId === method.id)) {
    refusals.push({ code: 'method_already_booked', message: `${method.name} is already booked for this apprentice` });
  }
  for (const rule of method.after) {
    if (!request.methods.some((m) => m.id === rule.method)) continue;
    const before = apprenticeBookings.find((b) => b.methodId === rule.method);
    const name = request.methods.find((m) => m.id === rule.method)?.name ?? rule.method;
    if (!before) {
      refusals.push({ code: 'method_order', message: `${name} must be booked before ${method.name}` });
    } else if (daysBetween(londonDay(before.startsAt).date, times.date) < rule.minDaysBetween) {
      refusals.push({
        code: 'method_order',
        message: `${method.name} must be at least ${rule.minDaysBetween} days after ${name} (${londonDay(before.startsAt).date}), so from ${addDays(londonDay(before.startsAt).date, rule.minDaysBetween)}`,
      });
    }
  }
  for (const later of request.methods.filter((m) => m.after.some((r) => r.method === method.id))) {
    const booked = apprenticeBookings.find((b) => b.methodId === later.id);
    const gap = later.after.find((r) => r.method === method.id)!.minDaysBetween;
    if (booked && daysBetween(times.date, londonDay(booked.startsAt).date) < gap) {
      refusals.push({
        code: 'method_order',
        message: `${later.name} is booked for ${londonDay(booked.startsAt).date}, which must be at least ${gap} days after ${method.name}`,
      });
    }
  }
  if (!method.delivery.includes(request.mode)) {
    refusals.push({
      code: 'delivery_mode',
      message: method.adjusted?.remote
        ? `${method.name} is to be taken remotely for this apprentice`
        : `${method.name} cannot be delivered ${request.mode === 'in_person' ? 'in person' : 'remotely'}`,
    });
  }
  const own = everyApprenticeBooking.find((b) => overlaps(b, times));
  if (own)
    refusals.push({
      code: 'apprentice_double_booked',
      message: `The apprentice is already booked at ${at(own.startsAt)}`,
    });
  return refusals;
}

/** A booking request before an assessor is chosen: what the apprentice's side is judged on. */
export type AssessmentCheck = Omit<BookingRequest, 'assessor' | 'region'>;

/** What the apprentice's side says of an assessment at this time (see judgeAssessment). */
export interface AssessmentJudgement {
  refusals: Refusal[];
  /** When it would run; null when the time itself is refused, or nothing after the first reason is worth saying. */
  times: BookingTimes | null;
  /** The other active bookings, which the assessor's checks read. */
  others: BookingFacts[];
}

/**
 * Every reason an assessment may not take place at this time whoever assesses it (no refusals:
 * an assessor the rules allow may take it): the component is not an assessor's to book, the
 * gateway is not accepted, the time does not exist or has passed, the component's timing, the
 * plan's method order, the method already booked, a delivery mode the method does not allow, or
 * the apprentice booked at an overlapping time. The booking form says these once, before it
 * judges any assessor (assessorRefusals).
 */
export function judgeAssessment(request: AssessmentCheck): AssessmentJudgement {
  const { method } = request;
  const others = request.existing.filter((b) => b.id !== request.replacing && isActive(b));
  if (method.marker === 'provider')
    return {
      refusals: [
        {
          code: 'marked_by_provider',
          message: `${method.name} is marked by the apprentice’s training provider: their marker records it, not an assessor`,
        },
      ],
      times: null,
      others,
    };
  const waiting = waitingForGateway(request);
  if (waiting) return { refusals: [waiting], times: null, others };
  const times = bookingTimes(request.localStart, method.durationMinutes);
  if ('error' in times) return { refusals: [{ code: 'invalid_start', message: times.error }], times: null, others };
  const refusals: Refusal[] = [];
  if (request.now !== undefined && Date.parse(times.startsAt) <= Date.parse(request.now)) {
    refusals.push({ code: 'in_the_past', message: `${request.localStart.replace('T', ' ')} has already passed` });
  }
  refusals.push(...apprenticeRefusals(request, times, others));
  return { refusals, times, others };
}

/**
 * Every reason this booking may not be made (empty: it may). All the rules of the issue:
 * judgeAssessment's, then the assessor's (assessorRefusals). A provider-marked component is never
 * booked with an assessor: its marker records it (checkMarking).
 */
export function checkBooking(request: BookingRequest): Refusal[] {
  const judged = judgeAssessment(request);
  return judged.times
    ? [...judged.refusals, ...assessorRefusals(request, judged.times, judged.others)]
    : judged.refusals;
}

/**
 * The assessor's side of a booking at `times`: competent, free of conflicts, available, working
 * then, within capacity, not already booked, and covering the region of an in-person assessment.
 */
export function assessorRefusals(request: BookingRequest, times: BookingTimes, others: BookingFacts[]): Refusal[] {
  const { apprentice, assessor } = request;
  const refusals: Refusal[] = [];
  const assessorBookings = others.filter((b) => b.assessorUserId === assessor.userId);

  if (!assessor.standardVersionIds.includes(apprentice.standardVersionId)) {
    refusals.push({
      code: 'assessor_not_competent',
      message: `${assessor.name} is not recorded as competent to assess this standard`,
    });
  }
  const conflict = conflictOfInterest(assessor, apprentice, times.date);
  if (conflict) refusals.push({ code: 'assessor_conflicted', message: conflict });
  const away = assessor.unavailable.find((u) => u.from <= times.date && times.date <= u.to);
  if (away)
    refusals.push({
      code: 'assessor_unavailable',
      message: `${assessor.name} is unavailable from ${away.from} to ${away.to} (${away.reason})`,
    });
  const working = assessor.workingHours.some(
    (w) =>
      w.weekday === times.weekday &&
      w.start <= times.startTime &&
      times.endTime <= w.end &&
      times.startTime < times.endTime,
  );
  if (!working)
    refusals.push({
      code: 'outside_working_hours',
      message: `${times.startTime}–${times.endTime} on ${DateTime.fromISO(times.date).toFormat('cccc')} is outside ${assessor.name}’s working hours`,
    });

  const day = londonDay(times.startsAt);
  const sameDay = assessorBookings.filter((b) => londonDay(b.startsAt).date === day.date).length;
  if (sameDay >= assessor.perDay)
    refusals.push({
      code: 'over_daily_capacity',
      message: `${assessor.name} already has ${sameDay} assessment${sameDay === 1 ? '' : 's'} on ${day.date} (at most ${assessor.perDay} a day)`,
    });
  const sameWeek = assessorBookings.filter((b) => londonDay(b.startsAt).week === day.week).length;
  if (sameWeek >= assessor.perWeek)
    refusals.push({
      code: 'over_weekly_capacity',
      message: `${assessor.name} already has ${sameWeek} assessments in week ${day.week} (at most ${assessor.perWeek} a week)`,
    });
  const clash = assessorBookings.find((b) => overlaps(b, times));
  if (clash)
    refusals.push({
      code: 'assessor_double_booked',
      message: `${assessor.name} is already booked at ${at(clash.startsAt)}`,
    });

  if (request.mode === 'in_person') {
    if (!request.region)
      refusals.push({ code: 'outside_regions', message: 'Say which region an in-person assessment takes place in' });
    else if (!assessor.regions.includes(request.region))
      refusals.push({
        code: 'outside_regions',
        message: `${assessor.name} does not cover ${REGION_LABELS[request.region]} for in-person assessments`,
      });
  }
  return refusals;
}

/** A provider's member of staff who may mark provider-marked components. */
export interface MarkerFacts {
  userId: number;
  name: string;
  providerUkprn: string | null;
  canMark: boolean;
}

export type MarkingRequest = AssessmentRequest & { marker: MarkerFacts };

/**
 * Every reason this provider's marker may not record a provider-marked component at this time
 * (Skills England, "Requirements and guidance for apprenticeship assessment", 2026: the provider
 * marks the component and the assessment organisation moderates it). The marker has the marker
 * permission and works for the apprentice's own provider; the component's timing, order and
 * delivery are the plan's as for any booking; neither the marker nor the apprentice is booked at
 * the same time. It may be recorded after it took place, so a past time is allowed.
 */
export function checkMarking(request: MarkingRequest): Refusal[] {
  const { apprentice, method, marker } = request;
  if (method.marker !== 'provider')
    return [
      {
        code: 'not_a_marker',
        message: `${method.name} is marked by the assessment organisation: it is booked with an assessor`,
      },
    ];
  if (!marker.canMark || marker.providerUkprn !== apprentice.providerUkprn)
    return [
      {
        code: 'not_a_marker',
        message: `${marker.name} is not a marker at the apprentice’s training provider`,
      },
    ];
  const waiting = waitingForGateway(request);
  if (waiting) return [waiting];
  const times = bookingTimes(request.localStart, method.durationMinutes);
  if ('error' in times) return [{ code: 'invalid_start', message: times.error }];
  const others = request.existing.filter((b) => b.id !== request.replacing && isActive(b));
  const refusals = apprenticeRefusals(request, times, others);
  const clash = others.find((b) => b.assessorUserId === marker.userId && overlaps(b, times));
  if (clash)
    refusals.push({
      code: 'assessor_double_booked',
      message: `${marker.name} is already marking another component at ${at(clash.startsAt)}`,
    });
  return refusals;
}

/* ---------- The booking state machine ---------- */

export const BOOKING_ACTIONS = ['confirm', 'decline', 'cancel', 'complete'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/** The life of a booking: held → confirmed or declined (by the assessor); held or confirmed → cancelled; confirmed → completed. */
export const BOOKING_TRANSITIONS: Record<
  BookingAction,
  {
    from: BookingStatus[];
    to: BookingStatus;
    /** What someone is told who gives no reason where one is needed; null: none is needed. */
    needsReason: string | null;
  }
> = {
  confirm: { from: ['held'], to: 'confirmed', needsReason: null },
  decline: { from: ['held'], to: 'declined', needsReason: 'Enter why you are declining this booking' },
  cancel: { from: ['held', 'confirmed'], to: 'cancelled', needsReason: 'Enter why the booking is cancelled' },
  complete: { from: ['confirmed'], to: 'completed', needsReason: null },
};

/** What can still happen to a booking in this status. */
export function allowedActions(status: BookingStatus): BookingAction[] {
  return BOOKING_ACTIONS.filter((action) => BOOKING_TRANSITIONS[action].from.includes(status));
}
