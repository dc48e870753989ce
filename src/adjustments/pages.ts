import { Router, type Response } from 'express';
import { fullName } from '../names.js';
import { daysBetween } from '../calendar.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Clock } from '../clock.js';
import { isoInstant, londonDateOf, londonTime } from '../dates.js';
import type { Db } from '../db/connection.js';
import { attachUpload, filesForPage } from '../evidence/pages.js';
import { pageAsked, pager } from '../http/paging.js';
import { refusalError, renderRefusal, valueOrThrow } from '../http/results.js';
import { paths, routes } from '../paths.js';
import { loadApprentice } from '../apprentices/page-helpers.js';
import type { ApprenticeDetail } from '../apprentices/store.js';
import type { CurrentUser } from '../users/store.js';
import type { Result } from '../validation/result.js';
import {
  ADJUSTMENT_LABELS,
  EFFECT_LABELS,
  KIND_LABELS,
  MAX_EXTRA_TIME_PERCENT,
  STATUS_LABELS,
  adjustmentWords,
  isOverdue,
  type RequestKind,
} from './rules.js';
import {
  REQUEST_ROLES,
  affectedAssessments,
  decideRequest,
  makeRequest,
  methodsOf,
  requestFor,
  withdrawRequest,
  type FoundRequest,
} from './service.js';
import { pageOfRequests, requestsOfApprentice, type RequestRow } from './store.js';
import { lodgeRequestAppeal, requestAppealState } from '../appeals/service.js';
import { APPEAL_DECISION_LABELS } from '../grading/model.js';
import { ADJUSTMENT_TYPES, CONSIDERATION_EFFECTS } from '../db/vocabulary.js';

const adjustmentItems = ADJUSTMENT_TYPES.map((t) => ({ value: t, text: ADJUSTMENT_LABELS[t] }));
const effectItems = CONSIDERATION_EFFECTS.map((e) => ({ value: e, text: EFFECT_LABELS[e] }));

/** What a request says in a list or on its page: its kind, what it asks for, where it stands. */
function describeRequest(r: RequestRow, methodName: (id: string | null) => string, today: string) {
  return {
    ...r,
    href: paths.request(r.id),
    kindLabel: KIND_LABELS[r.kind],
    statusLabel: STATUS_LABELS[r.status],
    method: methodName(r.methodId),
    asked:
      r.kind === 'adjustment'
        ? adjustmentWords({ types: r.types, extraTimePercent: r.extraTimePercent ?? 0 })
        : 'Special consideration',
    approved:
      r.approvedTypes && r.approvedTypes.length > 0
        ? adjustmentWords({ types: r.approvedTypes, extraTimePercent: r.approvedExtraTimePercent ?? 0 })
        : null,
    effectLabel: r.effect ? EFFECT_LABELS[r.effect] : null,
    requestedOn: londonDateOf(r.requestedAt),
    overdue: isOverdue(r, today),
    open: r.status === 'requested',
  };
}

const methodNamer = (db: Db, a: ApprenticeDetail) => {
  const names = new Map(methodsOf(db, a).map((m) => [m.id, m.name]));
  return (id: string | null) => (id === null ? 'Every method' : (names.get(id) ?? id));
};

/**
 * The apprentice page's section on adjustments and special consideration, for those who may see
 * requests (the provider and administrators); null for anyone else.
 */
export function requestsSection(db: Db, user: CurrentUser, a: ApprenticeDetail, today: string) {
  if (!(REQUEST_ROLES as readonly string[]).includes(user.role)) return null;
  const name = methodNamer(db, a);
  return {
    rows: requestsOfApprentice(db, a.id).map((r) => describeRequest(r, name, today)),
    newAdjustment: paths.newAdjustment(a.uln),
    newConsideration: paths.newConsideration(a.uln),
  };
}

/**
 * Reasonable adjustments and special consideration: the provider's request forms, each request's
 * page (its files, the decision, withdrawal) and the administrators' list.
 */
export function requestPages(db: Db, clock: Clock): Router {
  const router = Router();
  const requesters = pageFor(...REQUEST_ROLES);
  const deciders = pageFor(...AREA_ROLES.requestDecisions);
  const now = () => isoInstant(clock.now());
  const today = () => londonDateOf(now());

  /* ---------- Asking ---------- */

  const requestForm = (route: string, kind: RequestKind, view: string, extra: (a: ApprenticeDetail) => object) => {
    const render = (res: Response, a: ApprenticeDetail, locals: object) =>
      res.render(view, {
        title: kind === 'adjustment' ? 'Request a reasonable adjustment' : 'Request special consideration',
        a,
        backLink: `${paths.apprentice(a.uln)}#requests`,
        values: {},
        ...extra(a),
        ...locals,
      });
    router.get(route, requesters, (req, res) => render(res, loadApprentice(db, res, req.params.uln, 'edit'), {}));
    router.post(route, requesters, (req, res) => {
      const a = loadApprentice(db, res, req.params.uln, 'edit');
      const done = makeRequest(db, userOf(res), req.params.uln, kind, req.body, now());
      if (done.ok) return res.redirect(`${paths.request(done.value.id)}?made=1`);
      renderRefusal(res, done, (errors) => render(res, a, { values: req.body as object, ...errors }), {
        types: 'types',
      });
    });
  };

  requestForm(routes.newAdjustment, 'adjustment', 'adjustments/new-adjustment', (a) => ({
    methods: [
      { value: '', text: 'Every assessment method' },
      ...methodsOf(db, a).map((m) => ({ value: m.id, text: m.name })),
    ],
    adjustmentItems,
    maxPercent: MAX_EXTRA_TIME_PERCENT,
  }));
  requestForm(routes.newConsideration, 'special_consideration', 'adjustments/new-consideration', (a) => ({
    assessments: affectedAssessments(db, a, now()).map((b) => ({
      value: String(b.id),
      text: `${b.methodName}, ${londonTime(b.startsAt)}${b.attempt > 1 ? ` (attempt ${b.attempt})` : ''}`,
    })),
  }));

  /* ---------- One request ---------- */

  const renderRequest = (res: Response, found: FoundRequest, locals: object = {}, status = 200) => {
    const user = userOf(res);
    const { request, apprentice: a } = found;
    const view = describeRequest(request, methodNamer(db, a), today());
    const editable = request.status === 'requested';
    const record = { apprentice: a, recordType: 'assessment_request' as const, recordKey: String(request.id) };
    res.status(status).render('adjustments/request', {
      title: `${view.kindLabel}: ${fullName(a)}`,
      a,
      r: view,
      requestedBy: found.requestedByName,
      decidedBy: found.decidedByName,
      decidedOn: request.decidedAt ? londonDateOf(request.decidedAt) : null,
      evidence: filesForPage(
        db,
        record,
        editable ? paths.requestFiles(request.id) : null,
        'Only the assessment organisation and the training provider see it.',
      ),
      decideAction: editable && user.role === 'admin' ? paths.requestDecision(request.id) : null,
      ...appealOfRequest(user, request),
      withdrawAction: editable ? paths.withdrawRequest(request.id) : null,
      statusItems: [
        { value: 'approved', text: 'Approve' },
        ...(request.kind === 'adjustment' ? [{ value: 'approved_in_part', text: 'Approve in part' }] : []),
        { value: 'refused', text: 'Refuse' },
      ],
      askedItems: adjustmentItems.filter((i) => request.types.includes(i.value)),
      effectItems,
      values: {},
      flash:
        res.req.query['made'] === '1'
          ? 'Your request has been sent to the assessment organisation.'
          : res.req.query['uploaded'] === '1'
            ? 'The file is uploaded.'
            : undefined,
      backLink: user.role === 'admin' ? paths.requests : `${paths.apprentice(a.uln)}#requests`,
      ...locals,
    });
  };
  const shown = (res: Response, id: unknown) => valueOrThrow(requestFor(db, userOf(res), id, 'view'));

  /** The appeal against a refusal: its form for the provider while one may be lodged, or the appeal lodged. */
  const appealOfRequest = (user: CurrentUser, request: RequestRow) => {
    const { appeal, deadline, refusal } = requestAppealState(db, request, today());
    return {
      appealAction: user.role === 'provider' && refusal === null ? paths.requestAppeal(request.id) : null,
      appealDeadline: deadline,
      appeal: appeal
        ? {
            href: paths.appeal(appeal.id),
            lodgedOn: appeal.lodgedOn,
            decision: appeal.decision ? APPEAL_DECISION_LABELS[appeal.decision] : null,
            reasons: appeal.reasons,
          }
        : null,
    };
  };

  // The provider appeals a refusal, on the apprentice's behalf (Ofqual General Condition I1.1).
  router.post(routes.requestAppeal, pageFor('provider'), (req, res) => {
    const id = String(req.params.id);
    const lodged = lodgeRequestAppeal(db, userOf(res), id, req.body, today());
    if (lodged.ok) return res.redirect(303, paths.appeal(lodged.value.id));
    renderRefusal(res, lodged, (errors) =>
      renderRequest(res, shown(res, id), { values: req.body as object, ...errors }, 400),
    );
  });

  router.get(routes.request, requesters, (req, res) => renderRequest(res, shown(res, req.params.id)));

  router.post(
    routes.requestFiles,
    requesters,
    attachUpload(
      db,
      clock,
      'assessment_request',
      (res, params, locals, status) => renderRequest(res, shown(res, (params as { id: string }).id), locals, status),
      (record) => paths.request(record.recordKey),
    ),
  );

  const answer = (res: Response, id: string, done: Result<unknown>, body: unknown) => {
    if (done.ok) return res.redirect(paths.request(id));
    if (done.kind !== 'invalid') throw refusalError(done);
    renderRefusal(res, done, (errors) => renderRequest(res, shown(res, id), { values: body, ...errors }, 400), {
      status: 'status',
    });
  };
  router.post(routes.requestDecision, deciders, (req, res) =>
    answer(res, String(req.params.id), decideRequest(db, userOf(res), req.params.id, req.body, now()), req.body),
  );
  router.post(routes.withdrawRequest, requesters, (req, res) =>
    answer(res, String(req.params.id), withdrawRequest(db, userOf(res), req.params.id, now()), req.body),
  );

  /* ---------- The administrators' list ---------- */

  router.get(paths.requests, deciders, (req, res) => {
    const show = req.query['show'] === 'decided' ? 'decided' : 'open';
    const page = pageOfRequests(db, { show }, pageAsked(req.query['page']));
    const on = today();
    res.render('adjustments/list', {
      title: 'Adjustments and special consideration',
      show,
      rows: page.rows.map((row) => ({
        ...describeRequest(row.request, (id) => id ?? 'Every method', on),
        name: `${row.givenNames} ${row.familyName}`,
        uln: row.uln,
        age: ageWords(daysBetween(londonDateOf(row.request.requestedAt), on)),
      })),
      pager: pager(page, (n) => `${paths.requests}?show=${show}&page=${n}`),
      openHref: paths.requests,
      decidedHref: `${paths.requests}?show=decided`,
    });
  });

  return router;
}

const ageWords = (days: number) => (days === 0 ? 'Today' : days === 1 ? '1 day' : `${days} days`);
