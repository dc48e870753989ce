import { importApprentices, importArrivingCsv } from './import-job.js';
import { bodyUpTo, declaredLength, isCsv, isUtf8Csv } from '../http/csv-body.js';
import { LIMITS } from '../http/limits.js';
import { confirmDeclarationPart, requestEpa } from '../gateway/service.js';
import { sendResult, valueOrThrow } from '../http/results.js';
import { paths, routes } from '../paths.js';
import { submissionJson } from '../gateway/api.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { z } from 'zod';
import { apprenticeScope } from './access.js';
import { columnFor } from './import.js';
import { DECLARATION_PARTS, apprenticeInputSchema, planItemInputSchema, qualificationInputSchema } from './schema.js';
import {
  apprenticeFor,
  correctOffTheJob,
  correctUln,
  logOffTheJobHours,
  removeOffTheJob,
  importDefaults,
  importForUser,
  recordEarlierEpisode,
  recordEmployerBehaviourVerification,
  recordFlexibilityJudgement,
  removeCircumstance,
  withdrawFlexibilityJudgement,
  recordLearningBreak,
  recordPriorLearningHours,
  standingOf,
} from './service.js';
import { addQualification, qualificationsOf, recordPlanItem, type ApprenticeDetail } from './store.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import { GATEWAY_STATES } from '../gateway/status.js';
import { JOURNEY_STATUSES } from './journey.js';
import { overviewPage } from '../gateway/store.js';
import { apiPageQuery } from '../http/paging.js';
import { requireRole, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { planForApprentice } from '../plans/store.js';
import { actorOf } from '../users/store.js';
import { dateQuery } from '../validation/fields.js';
import { parseOr422, UnprocessableError } from '../http/json-errors.js';
import { untilStatusesCanBeStored } from '../gateway/service.js';

const onQuery = z.object({ on: dateQuery('on') });
const listQuery = z
  .object({
    state: z.enum(GATEWAY_STATES).optional(),
    status: z.enum(JOURNEY_STATUSES).optional(),
    on: dateQuery('on'),
    ...apiPageQuery.shape,
  })
  .refine((q) => !(q.status && q.state), { path: ['status'], message: 'Filter by status or by state, not both' });
const declarationBody = z.object({
  part: z.enum(DECLARATION_PARTS, {
    error: 'part must be employer, provider, apprentice or certificate_permission',
  }),
});

/** What a write about an apprentice answers: whose record it was. */
const recordedUln = (a: ApprenticeDetail) => ({ uln: a.uln });

/** The apprentice as the API shows it. */
export function apprenticeJson(a: ApprenticeDetail) {
  return {
    uln: a.uln,
    givenNames: a.givenNames,
    familyName: a.familyName,
    dateOfBirth: a.dateOfBirth,
    startDate: a.startDate,
    plannedEndDate: a.plannedEndDate,
    standardReference: a.standardReference,
    standardVersion: a.standardVersion,
    providerUkprn: a.providerUkprn,
    employerId: a.employerId,
    weeklyHours: a.weeklyHours,
    planId: a.planId,
    courseOption: a.courseOption,
    bslFirstLanguage: a.bslFirstLanguage,
    englishMathsChoice: a.englishMathsChoice,
    priorLearningHours: a.priorLearningHours,
  };
}

export function apprenticeApi(db: Db, clock: Clock, uploadIdleMs: number = LIMITS.uploadIdleMs): Router {
  const router = Router();
  const editors = requireRole('admin', 'provider');
  const viewers = requireRole('admin', 'provider', 'employer');

  router.get(routes.api.apprentices.list, viewers, async (req, res) => {
    const query = parseOr422(listQuery, req.query);
    const today = todayInLondon(clock.now());
    const on = query.on ?? today;
    if (on === today) await untilStatusesCanBeStored(db, apprenticeScope(userOf(res)), on);
    // Where each apprentice stands is known as of today, so only today's list shows and filters by it.
    if (query.status && on !== today)
      throw new UnprocessableError([{ path: 'status', message: 'A status is known for today only: leave out on' }]);
    const { state, status } = query;
    const page = overviewPage(db, apprenticeScope(userOf(res)), on, today, { state, status }, query.page);
    res.json({
      on,
      apprentices: page.rows.map((r) => ({
        ...apprenticeJson(r.apprentice),
        gatewayState: r.state,
        unmetChecks: r.unmet,
        ...(r.status ? { status: r.status } : {}),
      })),
      page: page.page,
      pages: page.pages,
      total: page.total,
    });
  });

  router.post(routes.api.apprentices.list, editors, (req, res) => {
    const user = userOf(res);
    const input = parseOr422(apprenticeInputSchema, { ...(req.body as object), ...importDefaults(user) });
    const result = importForUser(db, user, { rows: [{ line: 1, input }], problems: [] }, 'api');
    if (!result.ok) throw new UnprocessableError(result.problems.map(({ path, message }) => ({ path, message })));
    res
      .status(201)
      .location(`/api/v1/apprentices/${input.uln}`)
      .json(apprenticeJson(valueOrThrow(apprenticeFor(db, user, input.uln, 'view'))));
  });

  /** Rows are written only if every row is valid; otherwise 422 lists each problem with its line. */
  router.post(routes.api.apprentices.import, editors, async (req, res) => {
    const user = userOf(res);
    const csv = isCsv(req);
    const job = {
      user,
      source: csv ? 'api:csv' : 'api:json',
      defaults: importDefaults(user),
      on: todayInLondon(clock.now()),
    };
    // A UTF-8 CSV goes to the import as it arrives (no body parser reads it: src/api/routes.ts).
    const result = isUtf8Csv(req)
      ? await importArrivingCsv(
          db,
          job,
          bodyUpTo(req, LIMITS.csvFileBytes, `The request body is larger than ${LIMITS.csvFileLabel}`, uploadIdleMs),
          declaredLength(req),
        )
      : await importApprentices(db, {
          ...job,
          input: csv ? { kind: 'csv', bytes: csvBytes(req.body) } : { kind: 'json', value: req.body as unknown },
        });
    if (!result.ok)
      return res.status(422).json({
        errors: result.problems.map((p) => ({
          line: p.line,
          path: csv ? columnFor(p.path) : p.path,
          message: p.message,
        })),
      });
    res.status(201).json({ imported: result.count });
  });

  router.get(routes.api.apprentices.one, viewers, (req, res) => {
    res.json(apprenticeJson(valueOrThrow(apprenticeFor(db, userOf(res), req.params.uln, 'view'))));
  });

  // An administrator's correction of a ULN entered wrongly; the answer names the apprentice by the new one.
  router.put(routes.api.apprentices.uln, requireRole('admin'), (req, res) => {
    sendResult(res, correctUln(db, userOf(res), req.params.uln, req.body), apprenticeJson);
  });

  router.get(routes.api.apprentices.gateway, viewers, (req, res) => {
    const a = valueOrThrow(apprenticeFor(db, userOf(res), req.params.uln, 'view'));
    const on = parseOr422(onQuery, req.query).on ?? todayInLondon(clock.now());
    const { evaluation, latest, state, journey } = standingOf(db, a, on);
    res.json({
      uln: a.uln,
      on,
      state,
      status: journey,
      ready: evaluation.ready,
      checks: evaluation.checks,
      latestSubmission: latest ? submissionJson(latest) : null,
    });
  });

  router.get(routes.api.apprentices.qualifications, viewers, (req, res) => {
    const a = valueOrThrow(apprenticeFor(db, userOf(res), req.params.uln, 'view'));
    res.json({
      uln: a.uln,
      qualifications: qualificationsOf(db, a.id).map((q) => qualificationJson(a.uln, q)),
    });
  });

  router.post(routes.api.apprentices.qualifications, editors, (req, res) => {
    const a = valueOrThrow(apprenticeFor(db, userOf(res), req.params.uln, 'edit'));
    const id = addQualification(db, a, parseOr422(qualificationInputSchema, req.body), actorOf(userOf(res)));
    res.status(201).json({ uln: a.uln, id, files: qualificationFilesPath(a.uln, id) });
  });

  // Off-the-job hours: the same services as the log's pages (no day after today; corrections and removals need a reason).
  router.post(routes.api.apprentices.hours, editors, (req, res) => {
    sendResult(
      res,
      logOffTheJobHours(db, userOf(res), req.params.uln, req.body, todayInLondon(clock.now())),
      recordedUln,
      201,
    );
  });
  router.put(routes.api.apprentices.oneHoursEntry, editors, (req, res) => {
    sendResult(
      res,
      correctOffTheJob(db, userOf(res), req.params.uln, req.params.id, req.body, todayInLondon(clock.now())),
      recordedUln,
    );
  });
  router.delete(routes.api.apprentices.oneHoursEntry, editors, (req, res) => {
    sendResult(res, removeOffTheJob(db, userOf(res), req.params.uln, req.params.id, req.body), recordedUln);
  });

  router.put(routes.api.apprentices.gatewayItem, editors, (req, res) => {
    const a = valueOrThrow(apprenticeFor(db, userOf(res), req.params.uln, 'edit'));
    const item = planForApprentice(db, a)?.gatewayItems.find((i) => i.id === req.params.itemId);
    if (!item) throw new HttpError(404, 'The assessment plan has no such gateway item');
    const input = parseOr422(planItemInputSchema, { ...(req.body as object), itemId: item.id });
    recordPlanItem(db, a, item.id, input.reference, actorOf(userOf(res)));
    res.json({ uln: a.uln, itemId: item.id, reference: input.reference });
  });

  router.post(routes.api.apprentices.declarations, viewers, (req, res) => {
    const { part } = parseOr422(declarationBody, req.body);
    const a = valueOrThrow(confirmDeclarationPart(db, userOf(res), req.params.uln, part, clock.now()));
    res.status(201).json({ uln: a.uln, part });
  });

  /* The records the gateway rules read besides the apprentice's own: the same services as the pages. */
  const recorded = recordedUln;
  router.post(routes.api.apprentices.breaks, editors, (req, res) => {
    sendResult(res, recordLearningBreak(db, userOf(res), req.params.uln, req.body), recorded, 201);
  });
  router.post(routes.api.apprentices.earlierEpisodes, editors, (req, res) => {
    sendResult(res, recordEarlierEpisode(db, userOf(res), req.params.uln, req.body), recorded, 201);
  });
  router.delete(routes.api.apprentices.oneBreak, editors, (req, res) => {
    sendResult(res, removeCircumstance(db, userOf(res), req.params.uln, 'break', req.params.id, req.body), recorded);
  });
  router.delete(routes.api.apprentices.oneEarlierEpisode, editors, (req, res) => {
    sendResult(
      res,
      removeCircumstance(db, userOf(res), req.params.uln, 'earlier_episode', req.params.id, req.body),
      recorded,
    );
  });
  router.put(routes.api.apprentices.flexibility, editors, (req, res) => {
    sendResult(res, recordFlexibilityJudgement(db, userOf(res), req.params.uln, req.body, clock.now()), recorded);
  });
  router.delete(routes.api.apprentices.flexibility, editors, (req, res) => {
    sendResult(res, withdrawFlexibilityJudgement(db, userOf(res), req.params.uln, req.body), recorded);
  });
  router.put(routes.api.apprentices.priorLearning, editors, (req, res) => {
    sendResult(res, recordPriorLearningHours(db, userOf(res), req.params.uln, req.body), recorded);
  });
  router.put(routes.api.apprentices.behaviourVerification, viewers, (req, res) => {
    sendResult(
      res,
      recordEmployerBehaviourVerification(db, userOf(res), req.params.uln, req.body, clock.now()),
      recorded,
    );
  });

  router.post(routes.api.apprentices.submissions, editors, (req, res) => {
    const result = valueOrThrow(requestEpa(db, userOf(res), req.params.uln, clock.now()));
    res.status(201).json(submissionJson(result.submission));
  });

  return router;
}

/** Where a qualification's certificate files are listed and uploaded. */
const qualificationFilesPath = (uln: string, id: number) =>
  `${paths.api.root}${paths.api.apprentices.qualificationFiles(uln, String(id))}`;

function qualificationJson(uln: string, q: ReturnType<typeof qualificationsOf>[number]) {
  const { id, subject, type, level, grade, achievedOn, certificateReference } = q;
  return { id, subject, type, level, grade, achievedOn, certificateReference, files: qualificationFilesPath(uln, id) };
}

export const qualificationJsonSchema = z.object({
  id: z.int(),
  subject: z.string(),
  type: z.string(),
  level: z.int(),
  grade: z.string(),
  achievedOn: z.string(),
  certificateReference: z.string(),
  files: z.string(),
});

/** A CSV body sent in another character set, decoded to text by express.text, as UTF-8. */
function csvBytes(body: unknown): Uint8Array {
  return Buffer.from(typeof body === 'string' ? body : '');
}
