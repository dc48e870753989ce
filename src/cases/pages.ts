import { Router, type Response } from 'express';
import { internalPageFor, pageFor, userOf } from '../auth/authorize.js';
import { AREA_ROLES } from '../auth/roles.js';
import { methodNames } from '../bookings/store.js';
import { daysBetween } from '../calendar.js';
import type { Clock } from '../clock.js';
import { dateLabel, isoInstant, londonDateOf, londonTime } from '../dates.js';
import type { Db } from '../db/connection.js';
import { CASE_KINDS, CASE_SANCTIONS } from '../db/vocabulary.js';
import { pageAsked, pager } from '../http/paging.js';
import { refusalError, renderRefusal, valueOrThrow } from '../http/results.js';
import { formErrors } from '../http/forms.js';
import { caseAppealState, lodgeCaseAppeal } from '../appeals/service.js';
import { appealSummary } from '../grading/appeal-pages.js';
import { fullName } from '../names.js';
import { paths, routes } from '../paths.js';
import { attachUpload, filesForPage } from '../evidence/pages.js';
import { caseEvidenceOf } from '../evidence/service.js';
import type { Result } from '../validation/result.js';
import {
  CASE_KIND_LABELS,
  CASE_STATUS_LABELS,
  OUTCOME_LABELS,
  SANCTION_LABELS,
  SUBJECT_LABELS,
  holdsResult,
} from './rules.js';
import {
  assessorsInScope,
  assignInvestigator,
  caseFor,
  choosesHolds,
  decides,
  decideCase,
  decisionsAbout,
  endCaseHold,
  holdResultForCase,
  investigatorsFor,
  openCase,
  providersInScope,
  subjectsFor,
} from './service.js';
import { holdingCounts, holdsOfCase, pageOfCases, type CaseRow, type FoundCase } from './store.js';
import type { CurrentUser } from '../users/store.js';

const ageWords = (days: number) => (days === 0 ? 'Today' : days === 1 ? '1 day' : `${days} days`);

/** What a case is against, in words. */
function subjectWords(
  c: CaseRow,
  names: { apprentice?: string | null; method?: string | null; assessor?: string | null; provider?: string | null },
) {
  if (c.against === 'assessment')
    return `${names.method ?? 'An assessment'} of ${names.apprentice ?? 'an apprentice'} (attempt ${c.attemptNumber ?? 1})`;
  if (c.against === 'assessor') return `Assessor ${names.assessor ?? c.assessorUserId}`;
  return `Training provider ${names.provider ?? c.providerUkprn} (UKPRN ${c.providerUkprn})`;
}

/**
 * Malpractice and maladministration: opening a case, the cases list (administrators: every case,
 * with its age; anyone else: those they opened or investigate), a case's page, assigning its
 * investigator and the decision.
 */
export function casePages(db: Db, clock: Clock): Router {
  const router = Router();
  // External quality assurers open no case and investigate none (they sit on appeal panels only).
  const openers = internalPageFor(...AREA_ROLES.cases);
  const now = () => isoInstant(clock.now());
  const today = () => londonDateOf(now());

  /* ---------- Opening a case ---------- */

  const renderNew = (res: Response, locals: object) => {
    const user = userOf(res);
    const names = methodNames(db);
    res.render('cases/new', {
      title: 'Report malpractice or maladministration',
      kinds: CASE_KINDS.map((k) => ({
        value: k,
        text: CASE_KIND_LABELS[k],
        hint:
          k === 'malpractice'
            ? 'Something done on purpose that breaks the rules of an assessment, such as copying, or an assessor giving answers'
            : 'A mistake or neglect in running an assessment, such as the wrong time allowed or records lost',
      })),
      subjects: subjectsFor(user).map((s) => ({ value: s, text: SUBJECT_LABELS[s] })),
      methods: [{ value: '', text: 'Choose the method' }, ...[...names].map(([value, text]) => ({ value, text }))],
      assessors: [
        { value: '', text: 'Choose an assessor' },
        ...assessorsInScope(db, user).map((a) => ({ value: String(a.id), text: a.name })),
      ],
      providers: [
        { value: '', text: 'Choose a training provider' },
        ...providersInScope(db, user).map((p) => ({ value: p.ukprn, text: `${p.name} (${p.ukprn})` })),
      ],
      canAssessor: subjectsFor(user).includes('assessor'),
      canProvider: subjectsFor(user).includes('provider'),
      backLink: paths.cases,
      values: {},
      ...locals,
    });
  };
  router.get(paths.newCase, openers, (req, res) => {
    const query = req.query as Record<string, unknown>;
    const pick = (key: string) => (typeof query[key] === 'string' ? query[key] : undefined);
    renderNew(res, {
      values: { against: pick('uln') ? 'assessment' : undefined, uln: pick('uln'), methodId: pick('methodId') },
    });
  });
  router.post(paths.newCase, openers, (req, res) => {
    const done = openCase(db, userOf(res), req.body, now());
    if (done.ok) return res.redirect(`${paths.case(done.value.id)}?opened=1`);
    renderRefusal(res, done, (errors) => renderNew(res, { values: req.body as object, ...errors }), {
      kind: 'kind',
      against: 'against',
    });
  });

  /* ---------- Decisions about the user ---------- */

  /**
   * The upheld decisions about the user's organisation (a training provider's, which it may
   * appeal: Ofqual General Condition I1.1(c)) or about themselves (an assessor's).
   */
  const renderDecisions = (
    res: Response,
    asked: unknown,
    extra: {
      status?: number;
      kept?: object;
      errorList?: object[];
      /** A refused appeal's case, and each of its fields' messages. */
      caseId?: number;
      errors?: Record<string, string>;
    } = {},
  ) => {
    const user = userOf(res);
    const on = today();
    const page = valueOrThrow(decisionsAbout(db, user, pageAsked(asked)));
    res.status(extra.status ?? 200).render('cases/decisions', {
      title: user.role === 'provider' ? 'Decisions about your organisation' : 'Decisions about you',
      organisation: user.role === 'provider',
      rows: page.rows.map((c) => {
        const { appeal, deadline, refusal } =
          user.role === 'provider' ? caseAppealState(db, c, on) : { appeal: undefined, deadline: null, refusal: '' };
        return {
          id: c.id,
          kindLabel: CASE_KIND_LABELS[c.kind],
          decidedOn: c.decidedAt ? londonTime(c.decidedAt) : '',
          sanction: c.sanction ? SANCTION_LABELS[c.sanction] : '',
          reason: c.decisionReason,
          setAside: c.setAsideAt !== null,
          appeal: appeal ? appealSummary(appeal) : null,
          deadline: deadline ? dateLabel(deadline) : null,
          appealAction: refusal === null ? paths.decisionAboutMeAppeal(c.id) : null,
          // The values sent back with a refused appeal go to its own form only.
          kept: extra.caseId === c.id ? extra.kept : undefined,
          errors: extra.caseId === c.id ? extra.errors : undefined,
        };
      }),
      pager: pager(page, (n) => `${paths.decisionsAboutMe}?page=${n}`),
      backLink: paths.cases,
      errorList: extra.errorList,
    });
  };

  router.get(paths.decisionsAboutMe, pageFor('provider', 'assessor'), (req, res) => {
    renderDecisions(res, req.query.page);
  });

  // A training provider appeals a decision about itself (the apprentice's own are appealed from their results page).
  router.post(routes.decisionAboutMeAppeal, pageFor('provider'), (req, res) => {
    const lodged = lodgeCaseAppeal(db, userOf(res), req.params.caseId, req.body, today(), null);
    if (lodged.ok) return res.redirect(303, paths.appeal(lodged.value.id));
    if (lodged.kind !== 'invalid' && lodged.kind !== 'conflict') throw refusalError(lodged);
    renderDecisions(res, (req.body as { page?: unknown }).page, {
      status: lodged.kind === 'invalid' ? 400 : 409,
      kept: req.body as object,
      caseId: Number(req.params.caseId),
      errors: formErrors(lodged.problems).errors,
      errorList: lodged.problems.map((p) => ({
        href: p.path ? `#${p.path}-${String(req.params.caseId)}` : '',
        text: p.message,
      })),
    });
  });

  /* ---------- The list ---------- */

  router.get(paths.cases, openers, (req, res) => {
    const user = userOf(res);
    const on = today();
    const names = methodNames(db);
    const show = req.query['show'] === 'decided' ? 'decided' : 'open';
    const page = pageOfCases(db, user.role === 'admin' ? { show } : { mine: user.id }, pageAsked(req.query['page']));
    const holding = holdingCounts(
      db,
      page.rows.map((r) => r.case.id),
    );
    res.render('cases/list', {
      title: 'Malpractice and maladministration',
      admin: user.role === 'admin',
      show,
      rows: page.rows.map((r) => ({
        ...r.case,
        href: paths.case(r.case.id),
        kindLabel: CASE_KIND_LABELS[r.case.kind],
        statusLabel: CASE_STATUS_LABELS[r.case.status],
        subject:
          user.role === 'admin'
            ? subjectWords(r.case, {
                apprentice: r.givenNames ? `${r.givenNames} ${r.familyName} (${r.uln})` : null,
                method: r.methodId ? (names.get(r.methodId) ?? r.methodId) : null,
                assessor: r.assessorName,
                provider: r.providerName,
              })
            : SUBJECT_LABELS[r.case.against],
        openedOn: londonDateOf(r.case.openedAt),
        age: ageWords(
          daysBetween(londonDateOf(r.case.openedAt), r.case.decidedAt ? londonDateOf(r.case.decidedAt) : on),
        ),
        investigator: r.investigatorName,
        holds: holdsResult(r.case),
        // What a case against an assessor or a provider holds by name: for administrators (the apprentices need not be the opener's).
        holding: user.role === 'admin' ? (holding.get(r.case.id) ?? 0) : 0,
      })),
      pager: pager(page, (n) => `${paths.cases}?show=${show}&page=${n}`),
      openHref: paths.cases,
      decidedHref: `${paths.cases}?show=decided`,
      newHref: paths.newCase,
      decisions:
        user.role === 'provider' || user.role === 'assessor'
          ? {
              href: paths.decisionsAboutMe,
              text: user.role === 'provider' ? 'Decisions about your organisation' : 'Decisions about you',
            }
          : null,
    });
  });

  /* ---------- A case ---------- */

  const renderCase = (res: Response, found: FoundCase, locals: object = {}, status = 200) => {
    const user = userOf(res);
    const c = found.case;
    const canAssign = user.role === 'admin' && c.status !== 'decided';
    const files = caseEvidenceOf(db, user, { id: String(c.id) }, 'view');
    // A refused end of a hold names it, so that its form is shown open with the error.
    const endingHold = 'endingHold' in locals && typeof locals.endingHold === 'number' ? locals.endingHold : undefined;
    const holds = c.against === 'assessment' ? null : holdsShown(found, user, endingHold);
    res.status(status).render('cases/case', {
      title: `${CASE_KIND_LABELS[c.kind]} case ${c.id}`,
      // Its documents: the allegation's evidence and the investigation's; added while it is undecided.
      evidence: filesForPage(
        db,
        { apprentice: files.ok ? files.value.apprentice : null, recordType: 'case', recordKey: String(c.id) },
        c.status === 'decided' ? null : paths.caseFiles(c.id),
        'Only those who see the case see its documents: the assessment organisation’s administrators, whoever opened it and its investigator.',
      ),
      c: {
        ...c,
        kindLabel: CASE_KIND_LABELS[c.kind],
        statusLabel: CASE_STATUS_LABELS[c.status],
        subjectLabel: SUBJECT_LABELS[c.against],
        subject: subjectWords(c, {
          apprentice: found.givenNames
            ? `${fullName({ givenNames: found.givenNames, familyName: found.familyName! })} (ULN ${found.uln})`
            : null,
          method: found.methodId ? (methodNames(db).get(found.methodId) ?? found.methodId) : null,
          assessor: found.assessorName,
          provider: found.providerName,
        }),
        assessmentOn: found.bookingStartsAt ? londonTime(found.bookingStartsAt) : null,
        openedOn: londonTime(c.openedAt),
        decidedOn: c.decidedAt ? londonTime(c.decidedAt) : null,
        outcomeLabel: c.outcome ? OUTCOME_LABELS[c.outcome] : null,
        sanctionLabel: c.sanction ? SANCTION_LABELS[c.sanction] : null,
        holds: holdsResult(c),
        holding: holds?.holding ?? 0,
      },
      openedBy: found.openedByName,
      investigator: found.investigatorName,
      holds,
      assignAction: canAssign ? paths.caseInvestigator(c.id) : null,
      investigators: canAssign
        ? [
            { value: '', text: 'Choose an investigator' },
            ...investigatorsFor(db, found).map((u) => ({
              value: String(u.id),
              text: `${u.name} (${u.role === 'admin' ? 'administrator' : 'quality assurer'})`,
            })),
          ]
        : [],
      decideAction: c.status === 'investigating' && decides(user, found) ? paths.caseDecision(c.id) : null,
      outcomes: [
        { value: 'upheld', text: 'Upheld' },
        { value: 'not_upheld', text: 'Not upheld' },
      ],
      sanctions: [
        { value: '', text: 'Choose a sanction' },
        ...CASE_SANCTIONS.filter((s) => c.against === 'assessment' || s === 'warning').map((s) => ({
          value: s,
          text: SANCTION_LABELS[s],
        })),
      ],
      values: {},
      flash:
        res.req.query['opened'] === '1'
          ? 'The case has been opened. The assessment organisation will investigate it.'
          : undefined,
      backLink: paths.cases,
      ...locals,
    });
  };
  const shown = (res: Response, id: unknown) => valueOrThrow(caseFor(db, userOf(res), id, 'view'));

  /**
   * The results a case against an assessor or a provider holds, and the forms that change them:
   * for administrators and its investigator only. Its opener may be a provider or an assessor, and
   * the apprentices named need not be theirs to see.
   */
  const holdsShown = (found: FoundCase, user: CurrentUser, endingHold: number | undefined) => {
    const c = found.case;
    if (user.role !== 'admin' && c.investigatorUserId !== user.id) return null;
    const changes = choosesHolds(user, found);
    const all = holdsOfCase(db, c.id);
    const rows = all.map((h) => ({
      id: h.hold.id,
      apprentice: `${fullName({ givenNames: h.givenNames, familyName: h.familyName })} (ULN ${h.uln})`,
      attemptNumber: h.hold.attemptNumber,
      reason: h.hold.reason,
      named: `${londonTime(h.hold.addedAt)}${h.addedByName ? ` by ${h.addedByName}` : ''}`,
      ended: h.hold.endedAt ? `${londonTime(h.hold.endedAt)}${h.endedByName ? ` by ${h.endedByName}` : ''}` : null,
      endReason: h.hold.endReason,
      endAction: changes && !h.hold.endedAt ? paths.caseHoldEnd(c.id, h.hold.id) : null,
      ending: endingHold === h.hold.id,
    }));
    return {
      decided: c.status === 'decided',
      whose: c.against === 'assessor' ? 'this assessor assessed' : 'with this training provider',
      rows,
      holding: c.status === 'decided' ? 0 : all.filter((h) => !h.hold.endedAt).length,
      addAction: changes ? paths.caseHolds(c.id) : null,
    };
  };

  router.get(routes.case, openers, (req, res) =>
    renderCase(res, shown(res, req.params.id), req.query.uploaded === '1' ? { flash: 'The file is uploaded.' } : {}),
  );
  // Its documents arrive through acceptEvidence (app.ts), which has checked who may add to it.
  router.post(
    routes.caseFiles,
    openers,
    attachUpload(
      db,
      clock,
      'case',
      (res, params, locals, status) => renderCase(res, shown(res, (params as { id?: unknown }).id), locals, status),
      (record) => paths.case(record.recordKey),
    ),
  );

  const answer = (
    res: Response,
    id: string,
    done: Result<unknown>,
    body: unknown,
    fieldIds: Record<string, string>,
  ) => {
    if (done.ok) return res.redirect(paths.case(id));
    renderRefusal(res, done, (errors) => renderCase(res, shown(res, id), { values: body, ...errors }, 400), fieldIds);
  };
  router.post(routes.caseInvestigator, pageFor('admin'), (req, res) =>
    answer(res, String(req.params.id), assignInvestigator(db, userOf(res), req.params.id, req.body), req.body, {}),
  );
  router.post(routes.caseHolds, openers, (req, res) =>
    answer(res, String(req.params.id), holdResultForCase(db, userOf(res), req.params.id, req.body, now()), req.body, {
      uln: 'hold-uln',
      holdReason: 'holdReason',
    }),
  );
  router.post(routes.caseHoldEnd, openers, (req, res) => {
    const id = String(req.params.id);
    const done = endCaseHold(db, userOf(res), req.params.id, req.params.holdId, req.body, now());
    if (done.ok) return res.redirect(paths.case(id));
    const holdId = Number(req.params.holdId);
    renderRefusal(
      res,
      done,
      (errors) =>
        renderCase(
          res,
          shown(res, id),
          { values: {}, endValues: req.body as unknown, endingHold: holdId, ...errors },
          400,
        ),
      { endReason: `end-reason-${holdId}` },
    );
  });
  router.post(routes.caseDecision, openers, (req, res) =>
    answer(res, String(req.params.id), decideCase(db, userOf(res), req.params.id, req.body, now()), req.body, {
      outcome: 'outcome',
    }),
  );

  return router;
}
