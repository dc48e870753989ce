import { Router, type Response } from 'express';
import type { Clock } from '../clock.js';
import { AREA_ROLES } from '../auth/roles.js';
import { pageFor, userOf } from '../auth/authorize.js';
import type { Db } from '../db/connection.js';
import { FLEXIBILITY_BASES, FLEXIBILITY_BASIS_LABELS } from '../gateway/model.js';
import { HttpError } from '../http/errors.js';
import { renderRefusal } from '../http/results.js';
import { paths, routes } from '../paths.js';
import type { Result } from '../validation/result.js';
import { behaviourVerificationOf, breaksOf, earlierEpisodesOf, flexibilityOf } from './circumstance-store.js';
import { planForApprentice } from '../plans/store.js';
import { wordsFor } from '../plans/words.js';
import { standardKsbs } from '../standards/store.js';
import { DATE_FIELDS, dateParts, loadApprentice } from './page-helpers.js';
import {
  recordEarlierEpisode,
  recordEmployerBehaviourVerification,
  recordFlexibilityJudgement,
  recordLearningBreak,
  recordPriorLearningHours,
  removeCircumstance,
  withdrawFlexibilityJudgement,
} from './service.js';
import type { ApprenticeDetail } from './store.js';

/**
 * The records the gateway rules read besides the apprentice's own: breaks in learning, an
 * earlier episode (a restart), the English and maths flexibility judgement and prior learning.
 * Each is a form for the apprentice's provider (or an administrator), written through
 * apprentices/service.ts, which checks scope and audits.
 */
export function circumstancePages(db: Db, clock: Clock): Router {
  const router = Router();
  const editors = pageFor(...AREA_ROLES.apprenticeEditors);

  /** A GET that shows the form and a POST that writes it or shows it again with its problems and the values kept. */
  const form = (
    route: string,
    view: string,
    title: string,
    anchor: string,
    write: (res: Response, uln: unknown, body: unknown) => Result<ApprenticeDetail>,
    extra: (a: ApprenticeDetail, params: Record<string, string>) => object = () => ({}),
    initial: (a: ApprenticeDetail, params: Record<string, string>) => object = () => ({}),
  ) => {
    const render = (res: Response, a: ApprenticeDetail, params: Record<string, string>, locals: object) =>
      res.render(view, { title, a, backLink: paths.apprentice(a.uln), ...extra(a, params), ...locals });
    router.get(route, editors, (req, res) => {
      const a = loadApprentice(db, res, req.params.uln, 'edit');
      render(res, a, req.params as Record<string, string>, {
        values: initial(a, req.params as Record<string, string>),
      });
    });
    router.post(route, editors, (req, res) => {
      const a = loadApprentice(db, res, req.params.uln, 'edit');
      const done = write(res, req.params.uln, req.body);
      if (done.ok) return res.redirect(`${paths.apprentice(a.uln)}#${anchor}`);
      renderRefusal(
        res,
        done,
        (errors) => render(res, a, req.params as Record<string, string>, { values: req.body as object, ...errors }),
        DATE_FIELDS,
      );
    });
  };

  form(
    routes.learningBreak,
    'apprentices/learning-break',
    'Record a break in learning',
    'practical-period',
    (res, uln, body) => recordLearningBreak(db, userOf(res), uln, body),
  );
  form(
    routes.earlierEpisode,
    'apprentices/earlier-episode',
    'Record an earlier episode (restart)',
    'practical-period',
    (res, uln, body) => recordEarlierEpisode(db, userOf(res), uln, body),
  );
  form(
    routes.flexibility,
    'apprentices/flexibility',
    'English and maths flexibility judgement',
    'evidence',
    (res, uln, body) => recordFlexibilityJudgement(db, userOf(res), uln, body, clock.now()),
    (a) => ({
      bases: FLEXIBILITY_BASES.map((value) => ({ value, text: FLEXIBILITY_BASIS_LABELS[value] })),
      current: flexibilityOf(db, a.id) ?? null,
    }),
    (a) => {
      const current = flexibilityOf(db, a.id);
      return current
        ? {
            basis: current.basis,
            decidedOn: dateParts(current.decidedOn ?? undefined),
            reference: current.reference ?? '',
          }
        : {};
    },
  );
  form(
    routes.withdrawFlexibility,
    'apprentices/remove',
    'Withdraw the flexibility judgement',
    'evidence',
    (res, uln, body) => withdrawFlexibilityJudgement(db, userOf(res), uln, body),
    (a) => ({
      action: paths.withdrawFlexibility(a.uln),
      what: 'the English and maths flexibility judgement',
      consequence: 'Entry Level 3 will no longer meet the English and maths requirement.',
      button: 'Withdraw the judgement',
    }),
  );
  form(
    routes.priorLearning,
    'apprentices/prior-learning',
    'Record prior learning',
    'hours',
    (res, uln, body) => recordPriorLearningHours(db, userOf(res), uln, body),
    () => ({}),
    (a) => ({ hours: a.priorLearningHours, reason: a.priorLearningReason ?? '' }),
  );
  form(
    routes.removeLearningBreak,
    'apprentices/remove',
    'Remove a break in learning',
    'practical-period',
    (res, uln, body) => removeCircumstance(db, userOf(res), uln, 'break', res.req.params.id, body),
    (a, params) => {
      const found = breaksOf(db, a.id).find((b) => String(b.id) === params.id);
      if (!found) throw new HttpError(404, 'There is no such break in learning');
      return {
        action: paths.removeLearningBreak(a.uln, params.id ?? ''),
        what: `the break from ${found.fromDate} to ${found.toDate}`,
        consequence: 'Its days will count towards the practical period again.',
        button: 'Remove the break',
      };
    },
  );
  form(
    routes.removeEarlierEpisode,
    'apprentices/remove',
    'Remove an earlier episode',
    'practical-period',
    (res, uln, body) => removeCircumstance(db, userOf(res), uln, 'earlier_episode', res.req.params.id, body),
    (a, params) => {
      const found = earlierEpisodesOf(db, a.id).find((e) => String(e.id) === params.id);
      if (!found) throw new HttpError(404, 'There is no such earlier episode');
      return {
        action: paths.removeEarlierEpisode(a.uln, params.id ?? ''),
        what: `the earlier episode from ${found.startDate} to ${found.endDate}`,
        consequence: 'Its days will no longer count towards the practical period.',
        button: 'Remove the episode',
      };
    },
  );
  /* The employer's verification of behaviours (reformed plans): the apprentice's own employer only. */
  const viewers = pageFor(...AREA_ROLES.apprentices);
  const verificationPage = (res: Response, a: ApprenticeDetail, locals: object) => {
    const plan = planForApprentice(db, a);
    const applies = plan?.regime === 'apprenticeship-assessment' && plan.employerVerifiedKsbs.length > 0;
    const ksbs = applies ? standardKsbs(db, a.standardVersionId, plan.employerVerifiedKsbs) : [];
    res.render('apprentices/behaviour-verification', {
      title: 'Verify the apprentice’s behaviours',
      a,
      applies,
      ksbs,
      words: wordsFor(plan),
      backLink: paths.apprentice(a.uln),
      ...locals,
    });
  };
  router.get(routes.behaviourVerification, viewers, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'employer_declaration');
    const current = behaviourVerificationOf(db, a.id);
    verificationPage(res, a, {
      values: current
        ? {
            verifierName: current.verifierName,
            verifiedOn: dateParts(current.verifiedOn),
            statement: current.statement,
          }
        : {},
    });
  });
  router.post(routes.behaviourVerification, viewers, (req, res) => {
    const a = loadApprentice(db, res, req.params.uln, 'employer_declaration');
    const done = recordEmployerBehaviourVerification(db, userOf(res), req.params.uln, req.body, clock.now());
    if (done.ok) return res.redirect(`${paths.apprentice(a.uln)}#declaration`);
    renderRefusal(
      res,
      done,
      (errors) => verificationPage(res, a, { values: req.body as object, ...errors }),
      DATE_FIELDS,
    );
  });
  return router;
}
