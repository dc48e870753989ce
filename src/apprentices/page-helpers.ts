import { decimalInput } from '../validation/fields.js';
import { valueOrThrow } from '../http/results.js';
import { type Response } from 'express';
import { z } from 'zod';
import { JOURNEY_STATUSES } from './journey.js';
import type { Db } from '../db/connection.js';
import { CHECK_CODES } from '../gateway/model.js';
import { GATEWAY_STATES } from '../gateway/status.js';
import { userOf } from '../auth/authorize.js';
import { type ApprenticeAction } from './access.js';
import { apprenticeFor } from './service.js';
import { type ApprenticeDetail } from './store.js';

/* What the apprentice page groups (*-pages.ts) share. */

export const dashboardQuery = z.object({
  state: z.enum(GATEWAY_STATES).optional().catch(undefined),
  status: z.enum(JOURNEY_STATUSES).optional().catch(undefined),
  unmet: z.enum(CHECK_CODES).optional().catch(undefined),
  page: z.preprocess(decimalInput, z.number().int().min(1).catch(1).default(1)),
});

/** How many of an import's problems the page lists (the summary gives the total). */
export const PROBLEMS_SHOWN = 1000;

/** Date input fields point the error summary at the day box. */
export const DATE_FIELDS = {
  dateOfBirth: 'dateOfBirth-day',
  startDate: 'startDate-day',
  plannedEndDate: 'plannedEndDate-day',
  achievedOn: 'achievedOn-day',
  date: 'date-day',
  from: 'from-day',
  to: 'to-day',
  endDate: 'endDate-day',
  decidedOn: 'decidedOn-day',
  verifiedOn: 'verifiedOn-day',
};

export function dateParts(iso: string | undefined) {
  if (!iso) return {};
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
}

/** The apprentice in the URL, if the signed-in user may do this to it (see apprenticeFor). */
export function loadApprentice(db: Db, res: Response, uln: unknown, action: ApprenticeAction): ApprenticeDetail {
  return valueOrThrow(apprenticeFor(db, userOf(res), uln, action));
}
