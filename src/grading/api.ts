import { routes } from '../paths.js';
import { valueOrThrow } from '../http/results.js';
import { gradableBooking, gradeBooking } from './service.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { z } from 'zod';
import { apprenticeFor } from '../apprentices/service.js';
import { findApprenticeById } from '../apprentices/store.js';
import type { Db } from '../db/connection.js';
import { gradeBodySchema } from './forms.js';
import { gradingOfBooking, resultsOf, type AttemptResult } from './store.js';
import { planForApprentice } from '../plans/store.js';
import { GRADES } from '../plans/schema.js';
import { OUTCOMES, RESULT_GRADES } from './model.js';
import { userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { parseOr422 } from '../http/json-errors.js';

export const attemptResultSchema = z.object({
  attempt: z.int(),
  kind: z.enum(['first', 'resit', 'retake']),
  overallGrade: z.enum(RESULT_GRADES).nullable(),
  /** For a capped resit or retake: the grade the methods gave before the cap. */
  combinedGrade: z.enum(RESULT_GRADES).nullable(),
  capped: z.boolean(),
  cap: z.enum(GRADES).nullable(),
  exceptionalCircumstances: z.boolean(),
  resultDate: z.iso.date().nullable(),
  released: z.boolean(),
  releasedAt: z.string().nullable(),
  /** Administrators only: why an unreleased result cannot be released yet. */
  status: z.enum(['in_progress', 'awaiting_moderation', 'ready_to_release', 'released']),
  methods: z.array(
    z.object({
      methodId: z.string(),
      grade: z.enum(GRADES).nullable(),
      outcome: z.enum(OUTCOMES).nullable(),
      carriedOver: z.boolean(),
    }),
  ),
});

function resultJson(r: AttemptResult, cap: string | null) {
  return {
    attempt: r.attempt.number,
    kind: r.attempt.kind,
    overallGrade: r.attempt.overallGrade,
    combinedGrade: r.attempt.combinedGrade,
    capped: r.attempt.capped,
    cap: r.attempt.number > 1 ? cap : null,
    exceptionalCircumstances: r.attempt.exceptionalReason !== null,
    resultDate: r.attempt.resultOn,
    released: r.released,
    releasedAt: r.attempt.releasedAt,
    status: r.released
      ? 'released'
      : !r.attempt.overallGrade
        ? 'in_progress'
        : r.blockedBy
          ? 'awaiting_moderation'
          : 'ready_to_release',
    methods: r.methods.map((m) => ({
      methodId: m.methodId,
      grade: m.grade,
      outcome: m.outcome,
      carriedOver: m.mode === 'carried',
    })),
  };
}

/**
 * GET /results/{uln}: released results only for providers and employers (their own
 * apprentices); administrators see every attempt with its status. PUT /bookings/{id}/grade:
 * an assessor's own system sends criterion decisions, with the same rules as the form.
 */
export function resultsApi(db: Db, clock: Clock): Router {
  const router = Router();

  router.get(routes.api.results.results, (req, res) => {
    const user = userOf(res);
    if (!['admin', 'provider', 'employer'].includes(user.role))
      throw new HttpError(403, 'Results are for administrators, providers and employers');
    const apprentice = valueOrThrow(apprenticeFor(db, user, String(req.params.uln), 'view'));
    const cap = planForApprentice(db, apprentice)?.resitRetakeGradeCap ?? null;
    res.json({
      uln: apprentice.uln,
      results: resultsOf(db, apprentice, user.role !== 'admin').map((r) => resultJson(r, cap)),
    });
  });

  router.put(routes.api.results.grade, (req, res) => {
    const user = userOf(res);
    if (user.role !== 'assessor' && !(user.role === 'provider' && user.canMark))
      throw new HttpError(
        403,
        'Only the booking’s assessor, or the provider’s marker of a provider-marked component, grades it',
      );
    const booking = valueOrThrow(gradableBooking(db, user, req.params.id));
    const body = parseOr422(gradeBodySchema, req.body);
    valueOrThrow(
      gradeBooking(
        db,
        user,
        booking,
        {
          outcome: body.outcome,
          outcomeReason: body.outcomeReason,
          decisions: body.decisions,
          sampledKsbs: body.sampledKsbs,
        },
        { submit: body.submit, now: clock.now() },
      ),
    );
    const { grading, decisions } = gradingOfBooking(db, booking.id);
    const apprentice = findApprenticeById(db, booking.apprenticeId)!;
    res.status(200).json({
      bookingId: booking.id,
      uln: apprentice.uln,
      methodId: booking.methodId,
      status: grading!.status,
      outcome: grading!.outcome,
      grade: grading!.grade,
      sampledForModeration: grading!.moderation === 'pending',
      decisions,
    });
  });

  return router;
}
