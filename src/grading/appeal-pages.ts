import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ApprenticeDetail } from '../apprentices/store.js';
import { appealFor } from '../appeals/service.js';
import { findRequest } from '../adjustments/store.js';
import { KIND_LABELS, STATUS_LABELS } from '../adjustments/rules.js';
import { SANCTION_LABELS } from '../cases/rules.js';
import { decisionShown, methodNameOf } from '../cases/service.js';
import { findCase } from '../cases/store.js';
import { attachUpload, filesForPage } from '../evidence/pages.js';
import { valueOrThrow } from '../http/results.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { paths, routes } from '../paths.js';
import { actorOf, findUser, type CurrentUser } from '../users/store.js';
import { criteriaView, keptDecisions } from './forms.js';
import { APPEAL_DECISION_LABELS } from './model.js';
import {
  type AppealRow,
  involvedInAppeal,
  decideAppeal,
  decisionsOf,
  gradingById,
  epaoSettingsOf,
  openAppeals,
  resultsOf,
} from './store.js';
import { affectedRange, outcomeDueOn, outcomeOverdue } from '../appeals/rules.js';
import { affectedResults, appealedGradings, panelCandidates, panelOf } from '../appeals/store.js';
import { dateLabel, londonDateOf, todayInLondon } from '../dates.js';
import { isSupportedDate } from '../calendar.js';
import { planFor, reasonField } from './page-helpers.js';

/** An appeal as a decision's page lists it: when it was lodged, where it stands, and its page. */
export function appealSummary(appeal: Pick<AppealRow, 'id' | 'lodgedOn' | 'decision'>) {
  return {
    href: paths.appeal(appeal.id),
    lodgedOn: dateLabel(appeal.lodgedOn),
    decision: appeal.decision ? APPEAL_DECISION_LABELS[appeal.decision] : 'Waiting for a decision',
  };
}

/** Appeals: the queue and the independent reviewer's decision. */
export function appealPages(db: Db, clock: Clock): Router {
  const router = Router();

  /* ---------- Appeals ---------- */

  const reviewers = pageFor(...AREA_ROLES.appealReview);
  // The provider and employer see their apprentice's appeals (appealFor keeps them to their own).
  const appealViewers = pageFor(...AREA_ROLES.appealReview, 'provider', 'employer');

  router.get(paths.appeals, reviewers, (_req, res) => {
    const today = todayInLondon(clock.now());
    res.render('grading/appeals', {
      title: 'Appeals',
      rows: openAppeals(db).map((r) => {
        const dueOn = dueOf(r.appeal);
        return {
          ...r,
          subject:
            r.requestKind !== null
              ? `${KIND_LABELS[r.requestKind]}: refused`
              : r.appeal.caseId !== null
                ? `Decision after an investigation${r.providerName !== null ? ' into the training provider' : ''}: ${r.caseSanction ? SANCTION_LABELS[r.caseSanction] : ''}`
                : `Result, attempt ${r.attemptNumber}: ${r.overallGrade}`,
          href: paths.appeal(r.appeal.id),
          // Whom it is about: the apprentice, or a training provider appealing a decision about itself.
          name:
            r.givenNames !== null && r.familyName !== null
              ? fullName({ givenNames: r.givenNames, familyName: r.familyName })
              : (r.providerName ?? ''),
          reference: r.uln !== null ? `ULN ${r.uln}` : `UKPRN ${r.providerUkprn ?? ''}`,
          due: dateLabel(dueOn),
          overdue: outcomeOverdue(dueOn, today),
        };
      }),
    });
  });

  /** The appeal in the URL, for someone who may see it (appealFor: reviewers, and its apprentice's provider and employer). */
  const loadAppeal = (user: CurrentUser, id: unknown) => {
    const found = valueOrThrow(appealFor(db, user, id, 'view'));
    const { appeal, provider } = found;
    // Whom the appeal is about, as its pages name them: the apprentice, or a training provider appealing a decision about itself.
    const about = found.apprentice
      ? `${fullName(found.apprentice)} (ULN ${found.apprentice.uln})`
      : `${provider!.name} (UKPRN ${provider!.ukprn})`;
    const titled = found.apprentice ? fullName(found.apprentice) : provider!.name;
    if (appeal.caseId === null) return { ...appealOfApprentice(user, appeal, found.apprentice!), about, titled };
    const c = findCase(db, appeal.caseId)!;
    // The panel reads what the decision was made on; nobody else with a part in the case reads it
    // here (administrators see every case anyway).
    const reviewer = user.role === 'admin' || (isReviewer(user) && !involvedInAppeal(db, appeal).has(user.id));
    return {
      appeal,
      apprentice: found.apprentice,
      provider,
      about,
      titled,
      attempt: null,
      plan: null,
      request: null,
      caseDecision: {
        ...decisionShown(db, c.case, c.methodId),
        // The assessment the case was about: the panel reads its evidence (renderAppeal).
        bookingId: c.case.bookingId,
        // What the panel reads to decide (the provider sees the decision and its reasons only).
        allegation: reviewer ? c.case.allegation : null,
        files: reviewer
          ? filesForPage(db, { apprentice: found.apprentice, recordType: 'case', recordKey: String(c.case.id) }, null)
              .files
          : [],
        href: user.role === 'admin' ? paths.case(c.case.id) : null,
      },
    };
  };

  /** An appeal about an apprentice's result or a request's decision, as loadAppeal gives it. */
  const appealOfApprentice = (user: CurrentUser, appeal: AppealRow, apprentice: ApprenticeDetail) => {
    if (appeal.requestId !== null) {
      const { request } = findRequest(db, appeal.requestId)!;
      // The decision appealed, as it was when the appeal was lodged (an upheld appeal reopens the request).
      const appealed = appeal.decisionAppealed;
      const status = (appealed?.status ?? request.status) as keyof typeof STATUS_LABELS;
      const decidedAt = appealed ? appealed.decidedAt : request.decidedAt;
      const decidedBy = appealed ? appealed.decidedBy : request.decidedBy;
      const record = { apprentice, recordType: 'assessment_request' as const, recordKey: String(request.id) };
      return {
        appeal,
        apprentice,
        provider: null,
        attempt: null,
        plan: null,
        request: {
          id: request.id,
          kindLabel: KIND_LABELS[request.kind],
          statusLabel: STATUS_LABELS[status],
          nowLabel: STATUS_LABELS[request.status],
          decidedBy: decidedBy === null ? null : (findUser(db, decidedBy)?.name ?? null),
          decidedOn: decidedAt ? dateLabel(londonDateOf(decidedAt)) : null,
          decisionReason: appealed ? appealed.reason : request.decisionReason,
          details: request.details,
          // Special consideration names the assessment affected: the panel reads its evidence (renderAppeal).
          bookingId: request.bookingId,
          method: methodNameOf(db, request.methodId),
          // What the panel reads to decide: the request and its evidence (quality assurers on the panel too).
          files: filesForPage(db, record, null).files,
          // The request's page is for administrators and its provider.
          href: user.role === 'admin' || user.role === 'provider' ? paths.request(request.id) : null,
        },
        caseDecision: null,
      };
    }
    const attempt = resultsOf(db, apprentice, false).find((r) => r.attempt.id === appeal.attemptId)!;
    return {
      appeal,
      apprentice,
      provider: null,
      attempt,
      plan: planFor(db, apprentice),
      request: null,
      caseDecision: null,
    };
  };

  /** The day the appeal's outcome is due: kept at lodging; for one lodged before it was kept, from the setting. */
  const dueOf = (appeal: { dueOn: string | null; lodgedOn: string }) =>
    appeal.dueOn ?? outcomeDueOn(appeal.lodgedOn, epaoSettingsOf(db).appealDecisionWorkingDays);

  /** The appeal's documents, and the upload form for someone who may add to them while it waits. */
  const documentsOf = (user: CurrentUser, appeal: AppealRow, apprentice: ApprenticeDetail | null) =>
    filesForPage(
      db,
      { apprentice, recordType: 'appeal', recordKey: String(appeal.id) },
      appeal.decision === null && (user.role === 'admin' || user.role === 'provider')
        ? paths.appealFiles(appeal.id)
        : null,
      apprentice
        ? 'The apprentice’s own statement, or evidence for the grounds. The panel sees every document.'
        : 'Evidence for the grounds. The panel sees every document.',
    );

  /** The appeal as its provider or employer sees it: what was lodged, when the outcome is due, the decision, the documents. */
  const renderLodged = (res: Response, user: CurrentUser, id: unknown, locals: object = {}, status = 200) => {
    const { appeal, apprentice, about, titled, attempt, request, caseDecision } = loadAppeal(user, id);
    const dueOn = dueOf(appeal);
    res.status(status).render('grading/appeal-lodged', {
      title: `Appeal: ${titled}`,
      backLink: request
        ? paths.request(request.id)
        : apprentice
          ? paths.apprenticeResults(apprentice.uln)
          : paths.decisionsAboutMe,
      appeal,
      apprentice,
      about,
      attempt,
      request,
      caseDecision,
      due: {
        on: dateLabel(dueOn),
        overdue: !appeal.decision && outcomeOverdue(dueOn, todayInLondon(clock.now())),
      },
      decision: appeal.decision ? APPEAL_DECISION_LABELS[appeal.decision] : null,
      evidence: documentsOf(user, appeal, apprentice),
      flash: res.req.query['uploaded'] === '1' ? 'The document is uploaded.' : undefined,
      ...locals,
    });
  };

  const isReviewer = (user: CurrentUser) => (AREA_ROLES.appealReview as readonly string[]).includes(user.role);

  /**
   * An upheld appeal's other results to review: the same assessors' gradings of the same methods
   * as the result appealed, in a date range around its assessments (Ofqual General Condition I1.4).
   */
  const affectedFor = (
    user: CurrentUser,
    appeal: { id: number; attemptId: number | null },
    apprenticeId: number,
    asked: { from: string; to: string } | undefined,
  ) => {
    if (appeal.attemptId === null) return null;
    const graded = appealedGradings(db, appeal.attemptId);
    if (graded.length === 0) return null;
    const range = asked ?? affectedRange(londonDateOf(graded[0]!.startsAt));
    const found = affectedResults(db, graded, apprenticeId, range);
    return {
      action: paths.appeal(appeal.id),
      values: range,
      rows: found.rows.map((r) => ({
        ...r,
        name: fullName(r),
        assessed: dateLabel(londonDateOf(r.startsAt)),
        // The results page is the administrators' (a quality assurer on the panel reads the list).
        href: user.role === 'admin' ? paths.apprenticeResults(r.uln) : null,
      })),
      total: found.total,
      more: found.total > found.rows.length,
    };
  };

  const renderAppeal = (
    res: Response,
    user: CurrentUser,
    id: unknown,
    extra: {
      status?: number;
      errorList?: object[];
      values?: { decision?: unknown; reasons?: unknown; g?: unknown; panel?: unknown };
      errors?: { panel?: string; evidenceFile?: string };
      range?: { from: string; to: string };
      /** The range form sent back with its errors and values. */
      rangeForm?: object;
    } = {},
  ) => {
    const { appeal, apprentice, about, titled, attempt, plan, request, caseDecision } = loadAppeal(user, id);
    const postedFor = (gradingId: number) =>
      typeof extra.values?.g === 'object' && extra.values.g !== null
        ? (extra.values.g as Record<string, unknown>)[`g${gradingId}`]
        : undefined;
    const involved = involvedInAppeal(db, appeal);
    const conflicted = involved.has(user.id);
    const candidates = panelCandidates(db, involved);
    const me = candidates.find((m) => m.id === user.id);
    const others = candidates.filter((m) => m.id !== user.id && !m.involved);
    const dueOn = dueOf(appeal);
    const today = todayInLondon(clock.now());
    const panel = appeal.decision ? panelOf(db, appeal.id) : [];
    // What the panel reads besides the grading: the evidence of each graded method (a result's
    // appeal), of the assessment a case was about (a case decision's) or of the assessment a
    // special consideration was asked for (a refusal's), downloaded in the assessment's own scope
    // (bookingEvidenceOf).
    const filesOfBooking = (bookingId: number | null | undefined) =>
      bookingId == null
        ? []
        : filesForPage(db, { apprentice, recordType: 'booking', recordKey: String(bookingId) }, null).files;
    const assessment = caseDecision ?? request;
    const assessmentFiles =
      assessment?.bookingId != null
        ? [{ name: assessment.method ?? 'The assessment', files: filesOfBooking(assessment.bookingId) }]
        : (attempt?.methods ?? [])
            .filter((m) => m.gradingId !== null)
            .map((m) => ({ name: m.name, files: filesOfBooking(gradingById(db, m.gradingId!)?.bookingId) }));
    res.status(extra.status ?? 200).render('grading/appeal', {
      title: `Appeal: ${titled}`,
      backLink: paths.appeals,
      appeal,
      apprentice,
      about,
      attempt,
      request,
      caseDecision,
      assessmentFiles,
      conflicted,
      decision: appeal.decision ? APPEAL_DECISION_LABELS[appeal.decision] : null,
      due: { on: dateLabel(dueOn), overdue: !appeal.decision && outcomeOverdue(dueOn, today) },
      panel: panel.map((m) => `${m.name}${m.external ? ' (external)' : ''}`).join(', '),
      panelForm: {
        you: me?.external
          ? 'You are on the panel, as an external reviewer.'
          : 'You are on the panel. Name at least one external reviewer with you.',
        items: others.map((m) => ({
          value: String(m.id),
          text: `${m.name}${m.external ? ' (external reviewer)' : ''}`,
        })),
        noExternal: !me?.external && !others.some((m) => m.external),
        checked: extra.values?.panel ?? [],
        error: extra.errors?.panel,
      },
      affected:
        appeal.decision === 'upheld' && attempt && apprentice
          ? (extra.rangeForm ?? { ...affectedFor(user, appeal, apprentice.id, extra.range), errors: {} })
          : null,
      open: appeal.decision === null && !conflicted,
      action: paths.appeal(appeal.id),
      gradings: (attempt?.methods ?? [])
        .filter((m) => m.gradingId !== null && m.outcome === 'graded')
        .map((m) => {
          const stored = decisionsOf(db, m.gradingId!);
          const shown = keptDecisions(
            plan!.criteria.filter((c) => c.method === m.methodId),
            postedFor(m.gradingId!),
            stored,
          );
          return {
            ...m,
            themes: criteriaView(plan!, m.methodId, shown).map((t) => ({
              ...t,
              criteria: t.criteria.map((c) => ({ ...c, name: `g[g${m.gradingId}][${c.id}]` })),
            })),
          };
        }),
      values: {
        decision: extra.values?.decision,
        reasons: typeof extra.values?.reasons === 'string' ? extra.values.reasons : '',
      },
      evidence: documentsOf(user, appeal, apprentice),
      errors: extra.errors,
      flash: res.req.query['uploaded'] === '1' ? 'The document is uploaded.' : undefined,
      errorList: extra.errorList,
    });
  };

  /** The other results' date range, when the reviewer sets one (a GET form: the list can be bookmarked). */
  const rangeQuery = z.object({ from: z.string().trim().optional(), to: z.string().trim().optional() });

  router.get(routes.appeal, appealViewers, (req, res) => {
    const user = userOf(res);
    if (!isReviewer(user)) return renderLodged(res, user, req.params.id);
    const asked = rangeQuery.safeParse(req.query);
    const { from = '', to = '' } = asked.success ? asked.data : {};
    // The dates choose the other results an upheld appeal against a result lists; on any other appeal they mean nothing.
    const { appeal } = loadAppeal(user, req.params.id);
    if ((!from && !to) || appeal.decision !== 'upheld' || appeal.attemptId === null)
      return renderAppeal(res, userOf(res), req.params.id);
    const errors: Record<string, string> = {};
    if (!isSupportedDate(from)) errors.from = 'Enter the first day as YYYY-MM-DD, for example 2026-09-01';
    if (!isSupportedDate(to)) errors.to = 'Enter the last day as YYYY-MM-DD, for example 2026-12-31';
    else if (!errors.from && to < from) errors.to = 'The last day must be the same as or after the first day';
    if (Object.keys(errors).length === 0) return renderAppeal(res, userOf(res), req.params.id, { range: { from, to } });
    renderAppeal(res, userOf(res), req.params.id, {
      status: 400,
      rangeForm: { action: paths.appeal(Number(req.params.id)), values: { from, to }, errors, invalid: true },
      errorList: Object.entries(errors).map(([field, text]) => ({ href: `#${field}`, text })),
    });
  });

  const decideSchema = z.object({
    decision: z.enum(['upheld', 'not_upheld'], { error: 'Choose upheld or not upheld' }),
    // The other members of the panel, by user id (the form's checkboxes: none, one or several).
    panel: z.preprocess(
      (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v]),
      z
        .array(
          z
            .string()
            .regex(/^\d{1,9}$/, 'Choose the panel from the list')
            .transform(Number),
        )
        .max(20),
    ),
    reasons: reasonField('the reasons for the decision'),
    // Keyed `g<grading id>`: a numeric key would make the form parser build an array.
    g: z
      .record(
        z.string().regex(/^g\d+$/),
        z.record(
          z.string(),
          z.object({ met: z.enum(['yes', 'no']).optional(), evidence: z.string().max(2000).optional() }),
        ),
      )
      .default({}),
  });

  router.post(routes.appeal, reviewers, (req, res) => {
    const user = userOf(res);
    const { appeal } = loadAppeal(user, req.params.id);
    const body = req.body as Record<string, unknown>;
    const values = { decision: body.decision, reasons: body.reasons, g: body.g, panel: body.panel };
    const form = decideSchema.safeParse(body);
    if (!form.success) {
      const issue = form.error.issues[0]!;
      const href =
        issue.path[0] === 'reasons'
          ? '#reasons'
          : issue.path[0] === 'decision'
            ? '#decision-upheld'
            : issue.path[0] === 'panel'
              ? '#panel'
              : '';
      return renderAppeal(res, user, req.params.id, {
        status: 400,
        values,
        errorList: [
          {
            href,
            text:
              issue.path[0] === 'g'
                ? 'The criterion decisions could not be read: choose met or not met for each'
                : issue.message,
          },
        ],
      });
    }
    // Only criteria whose decision or note the reviewer changed count as changes.
    const changes =
      form.data.decision === 'upheld'
        ? Object.entries(form.data.g).flatMap(([key, posted]) => {
            const gradingId = key.slice(1);
            const current = decisionsOf(db, Number(gradingId));
            const decisions = current.flatMap((c) => {
              const p = posted[c.criterionId];
              if (!p?.met) return [];
              const met = p.met === 'yes';
              const evidence = (p.evidence ?? c.evidence).trim();
              return met !== c.met || evidence !== c.evidence ? [{ criterionId: c.criterionId, met, evidence }] : [];
            });
            return decisions.length ? [{ gradingId: Number(gradingId), decisions }] : [];
          })
        : [];
    const result = decideAppeal(
      db,
      appeal.id,
      { decision: form.data.decision, reasons: form.data.reasons, changes, panel: form.data.panel },
      { ...actorOf(user), userId: user.id },
      clock.now(),
    );
    if (!result.ok)
      return renderAppeal(res, user, req.params.id, {
        status: result.problems || result.field ? 400 : 409,
        values,
        ...(result.field === 'panel' ? { errors: { panel: result.message } } : {}),
        errorList: [
          { text: result.message, ...(result.field === 'panel' ? { href: '#panel' } : {}) },
          ...(result.problems ?? []).map((p) => ({ text: p.message })),
        ],
      });
    res.redirect(303, paths.appeals);
  });

  // Documents for an appeal (read into the store by acceptEvidence in app.ts, for those who may add them).
  router.post(
    routes.appealFiles,
    pageFor('admin', 'provider'),
    attachUpload(
      db,
      clock,
      'appeal',
      (res, params, locals, status) => {
        const user = userOf(res);
        const id = (params as { id: string }).id;
        if (isReviewer(user)) renderAppeal(res, user, id, { status, ...locals });
        else renderLodged(res, user, id, locals, status);
      },
      (record) => paths.appeal(record.recordKey),
    ),
  );

  return router;
}
