import { requestsSection } from '../adjustments/pages.js';
import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { todayInLondon } from '../dates.js';
import {
  CHECK_CODES,
  CHECK_LABELS,
  ENGLISH_MATHS_CHOICE_LABELS,
  FLEXIBILITY_BASIS_LABELS,
  NOT_OFF_THE_JOB,
  OFF_THE_JOB_KIND_LABELS,
  QUALIFICATION_TYPE_LABELS,
} from '../gateway/model.js';
import { earliestPracticalPeriodEnd } from '../gateway/rules.js';
import { GATEWAY_STATES, GATEWAY_STATE_LABELS } from '../gateway/status.js';
import { dashboardPage } from '../gateway/store.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { bookingsShown } from '../bookings/pages.js';
import { apprenticeRecords } from './service.js';
import { paths, routes } from '../paths.js';
import { apprenticeScope, canActOn } from './access.js';
import { dashboardQuery, loadApprentice } from './page-helpers.js';
import { recordPages } from './record-pages.js';
import { evidencePages } from './evidence-pages.js';
import { fileCounts } from '../evidence/store.js';
import { hoursPages } from './hours-pages.js';
import { JOURNEY_STATUSES, JOURNEY_STATUS_LABELS } from './journey.js';
import { circumstancePages } from './circumstance-pages.js';
import { flexibilityOf } from './circumstance-store.js';
import { wordsFor } from '../plans/words.js';
import { untilStatusesCanBeStored } from '../gateway/service.js';

/** The flexibility judgement as the apprentice's page shows it. */
function flexibilityView(row: ReturnType<typeof flexibilityOf>) {
  if (!row) return null;
  return { ...row, basisLabel: FLEXIBILITY_BASIS_LABELS[row.basis], evidenced: row.reference !== null };
}

/** Apprentices shown on each page of the dashboard. */
export const DASHBOARD_PAGE_SIZE = 25;

/** Off-the-job entries the apprentice's page shows, the latest first: a log of years stays on its own page. */
export const RECENT_HOURS_SHOWN = 10;

export function apprenticeRoutes(db: Db, clock: Clock): Router {
  const router = Router();
  const viewers = pageFor(...AREA_ROLES.apprentices);

  /* ---------- Dashboard ---------- */
  router.get(paths.apprentices, viewers, async (req, res) => {
    const user = userOf(res);
    const query = dashboardQuery.parse(req.query);
    const on = todayInLondon(clock.now());
    await untilStatusesCanBeStored(db, apprenticeScope(user), on);
    const { rows, counts, total, matching, page, pages } = dashboardPage(
      db,
      apprenticeScope(user),
      on,
      query,
      query.page,
      DASHBOARD_PAGE_SIZE,
    );
    const link = (p: number) =>
      `${paths.apprentices}?${new URLSearchParams({ ...(query.state ? { state: query.state } : {}), ...(query.status ? { status: query.status } : {}), ...(query.unmet ? { unmet: query.unmet } : {}), page: String(p) }).toString()}`;
    res.render('apprentices/dashboard', {
      title: 'Apprentices',
      on,
      canAdd: user.role !== 'employer',
      total,
      shown: matching,
      states: [
        { value: '', text: 'Any status' },
        ...GATEWAY_STATES.map((s) => ({ value: s, text: `${GATEWAY_STATE_LABELS[s]} (${counts[s]})` })),
      ],
      checks: [{ value: '', text: 'Any' }, ...CHECK_CODES.map((c) => ({ value: c, text: CHECK_LABELS[c] }))],
      statuses: [
        { value: '', text: 'Anywhere' },
        ...JOURNEY_STATUSES.map((s) => ({ value: s, text: JOURNEY_STATUS_LABELS[s] })),
      ],
      values: query,
      rows: rows.map((r) => ({
        href: paths.apprentice(r.uln),
        name: fullName(r),
        uln: r.uln,
        employer: r.employerName,
        provider: r.providerName,
        startDate: r.startDate,
        state: r.state,
        stateLabel: GATEWAY_STATE_LABELS[r.state],
        status: JOURNEY_STATUS_LABELS[r.status],
        unmet: r.unmet.map((c) => CHECK_LABELS[c]),
      })),
      page,
      pages,
      previous: page > 1 ? link(page - 1) : null,
      next: page < pages ? link(page + 1) : null,
    });
  });

  // Before the apprentice's page, whose /apprentices/:uln would otherwise claim /apprentices/new and /import.
  router.use(recordPages(db, clock));

  /* ---------- The apprentice's page ---------- */
  router.get(routes.apprentice, viewers, (req, res) => {
    const user = userOf(res);
    const a = loadApprentice(db, res, req.params.uln, 'view');
    const on = todayInLondon(clock.now());
    const records = apprenticeRecords(db, a, on);
    const { evaluation, latest, plan, evidence, rulesApprentice, state, journey } = records;
    const canEdit = canActOn(user, a, 'edit');
    const submissions = records.submissions.map((s) => ({
      ...s,
      checks: s.checks.map((d) => ({ ...d, label: CHECK_LABELS[d.checkCode] })),
      reviewHref: canActOn(user, a, 'review') && s.status === 'submitted' ? paths.reviewSubmission(s.id) : null,
    }));
    res.render('apprentices/show', {
      requests: requestsSection(db, user, a, on),
      journey: { status: journey, label: JOURNEY_STATUS_LABELS[journey] },
      title: fullName(a),
      flash: req.query['uln-corrected'] === '1' ? `The ULN has been corrected to ${a.uln}.` : undefined,
      a,
      on,
      plan,
      state,
      stateLabel: GATEWAY_STATE_LABELS[state],
      checks: evaluation.checks.map((c) => ({ ...c, label: CHECK_LABELS[c.code] })),
      ready: evaluation.ready,
      canEdit,
      canCorrectUln: canActOn(user, a, 'correct_uln'),
      canRequest: canEdit && evaluation.ready && latest?.status !== 'submitted' && latest?.status !== 'accepted',
      canConfirmEmployer: canActOn(user, a, 'employer_declaration'),
      qualifications: ((files) =>
        evidence.qualificationRows.map((q) => ({
          ...q,
          typeLabel: QUALIFICATION_TYPE_LABELS[q.type],
          subjectLabel: q.subject === 'english' ? 'English' : 'maths',
          href: paths.qualification(a.uln, String(q.id)),
          files: files.get(String(q.id)) ?? 0,
        })))(fileCounts(db, a.id, 'qualification')),
      // The latest few; the whole log has a page of its own (paths.hoursLog), filtered and paged.
      hours: evidence.hoursEntries
        .slice(-RECENT_HOURS_SHOWN)
        .reverse()
        .map((h) => ({
          ...h,
          kindLabel: OFF_THE_JOB_KIND_LABELS[h.kind],
          counts: !NOT_OFF_THE_JOB.has(h.kind),
        })),
      hoursLogged: evidence.hoursEntries.length,
      hoursOlder: evidence.hoursEntries.length > RECENT_HOURS_SHOWN,
      hoursTotal: evidence.hoursEntries
        .filter((h) => !NOT_OFF_THE_JOB.has(h.kind))
        .reduce((sum, h) => sum + h.hours, 0),
      otherHoursTotal: evidence.hoursEntries
        .filter((h) => NOT_OFF_THE_JOB.has(h.kind))
        .reduce((sum, h) => sum + h.hours, 0),
      choiceLabel: a.englishMathsChoice ? ENGLISH_MATHS_CHOICE_LABELS[a.englishMathsChoice] : null,
      flexibility: flexibilityView(records.flexibility),
      breaks: records.breaks.map((b) => ({ ...b, removeHref: paths.removeLearningBreak(a.uln, String(b.id)) })),
      earlierEpisodes: records.earlierEpisodes.map((e) => ({
        ...e,
        removeHref: paths.removeEarlierEpisode(a.uln, String(e.id)),
      })),
      earliestPracticalEnd: earliestPracticalPeriodEnd(rulesApprentice),
      words: wordsFor(plan),
      verification: {
        asked: plan?.regime === 'apprenticeship-assessment' && plan.employerVerifiedKsbs.length > 0,
        ksbs: plan?.employerVerifiedKsbs.join(', '),
        row: records.verification,
      },
      items: (plan?.gatewayItems ?? []).map((item) => ({
        ...item,
        provided: evidence.itemRows.find((r) => r.itemId === item.id),
        href: paths.gatewayItem(a.uln, item.id),
      })),
      declaration: evidence.declaration,
      // The postal address may be the apprentice's home: shown to their provider and administrators only.
      certificate: canActOn(user, a, 'edit')
        ? { shown: true, delivery: records.delivery, href: paths.certificateDelivery(a.uln) }
        : { shown: false },
      submissions,
      epaPeriod: latest?.status === 'accepted' ? { start: latest.epaPeriodStart, end: latest.epaPeriodEnd } : null,
      resultsHref: paths.apprenticeResults(a.uln),
      personalDataHref: (AREA_ROLES.personalData as readonly string[]).includes(user.role)
        ? paths.personalData(a.uln)
        : null,
      bookings: bookingsShown(db, records.bookings),
      markingHref:
        canActOn(user, a, 'mark') && plan?.methods.some((m) => m.marker === 'provider')
          ? paths.apprenticeMarking(a.uln)
          : null,
      backLink: paths.apprentices,
    });
  });

  router.use(hoursPages(db, clock));
  router.use(evidencePages(db, clock));
  router.use(circumstancePages(db, clock));

  return router;
}
