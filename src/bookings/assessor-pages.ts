import { fullName } from '../names.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { AREA_ROLES } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { byId } from '../validation/fields.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { HttpError } from '../http/errors.js';
import { formErrors, parseForm } from '../http/forms.js';
import { paths, routes } from '../paths.js';
import { listStandards } from '../standards/store.js';
import { actorOf, findUser, listEmployers, listProviders } from '../users/store.js';
import { WEEKDAYS, assessorProfileSchema, conflictSchema, unavailabilitySchema } from './assessor-schema.js';
import { REGIONS, REGION_LABELS } from './model.js';
import { findApprenticeById } from '../apprentices/store.js';
import { bookingsAtRisk, methodNames } from './store.js';
import {
  addUnavailability,
  assessorFacts,
  declareConflict,
  unregisteredOrganisation,
  issueCalendarToken,
  listAssessorUsers,
  revokeCalendarToken,
  saveAssessorProfile,
} from './assessor-store.js';

/** The leave and conflict forms share a page, so their fields have their own names (and ids); the summary links to them. */
const LEAVE_FIELDS = { from: 'leaveFrom-day', to: 'leaveTo-day', reason: 'leaveReason' };
const CONFLICT_FIELDS = {
  kind: 'organisation',
  organisationId: 'organisation',
  from: 'conflictFrom-day',
  to: 'conflictTo-day',
  reason: 'conflictReason',
};
const field = (body: unknown, name: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;

/**
 * Assessor profiles: administrators keep each assessor's competences, regions, capacity,
 * working pattern and leave; conflicts of interest are declared by the assessor (on their
 * schedule) or by an administrator. Every change is audited.
 */
/** `baseUrl`: the app's configured address, which links given to people (the calendar feed) are built from. */
export function assessorRoutes(db: Db, clock: Clock, baseUrl: string): Router {
  const router = Router();
  const admins = pageFor(...AREA_ROLES.administration);
  const assessorOrAdmin = pageFor('admin', 'assessor');

  /** The assessor in the URL; an assessor may only reach their own. */
  const loadAssessor = (res: Response, id: unknown) => {
    const user = userOf(res);
    const assessor = byId(id, (n) => findUser(db, n));
    if (!assessor || assessor.role !== 'assessor' || (user.role === 'assessor' && user.id !== assessor.id))
      throw new HttpError(404, 'There is no such assessor');
    return assessor;
  };

  /** The versions an assessor can be competent in: those we are approved to assess, and any already on their profile. */
  const formOptions = (current: readonly number[] = []) => ({
    standards: listStandards(db)
      .filter((s) => s.approved || current.includes(s.id))
      .map((s) => ({ value: String(s.id), text: `${s.title} (${s.reference} v${s.version})` })),
    regions: REGIONS.map((r) => ({ value: r, text: REGION_LABELS[r] })),
    weekdays: WEEKDAYS,
    employers: [{ value: '', text: 'None' }, ...listEmployers(db).map((e) => ({ value: e.id, text: e.name }))],
    providers: [
      { value: '', text: 'None' },
      ...listProviders(db).map((p) => ({ value: p.ukprn, text: `${p.name} (${p.ukprn})` })),
    ],
    organisations: [
      ...listEmployers(db).map((e) => ({ value: `employer:${e.id}`, text: `Employer: ${e.name}` })),
      ...listProviders(db).map((p) => ({ value: `provider:${p.ukprn}`, text: `Training provider: ${p.name}` })),
    ],
  });

  /** The assessor's bookings to come that a change has broken (profile, leave or conflict): shown on their page. */
  const atRiskOf = (assessorId: number) => {
    const names = methodNames(db);
    return bookingsAtRisk(db, { assessorUserId: assessorId }, clock.now()).map(({ booking, reasons }) => {
      const apprentice = findApprenticeById(db, booking.apprenticeId);
      return {
        href: paths.booking(booking.id),
        when: booking.localStart.replace('T', ' '),
        method: names.get(booking.methodId) ?? booking.methodId,
        apprentice: apprentice ? fullName(apprentice) : '',
        reasons,
      };
    });
  };

  const profilePage = (assessorId: number, extra: object = {}) => {
    const assessor = findUser(db, assessorId)!;
    const facts = assessorFacts(db, assessorId)[0];
    const values = facts
      ? {
          perDay: facts.perDay,
          perWeek: facts.perWeek,
          standardVersionIds: facts.standardVersionIds.map(String),
          regions: facts.regions,
          hours: Object.fromEntries(
            facts.workingHours.map((h) => [
              WEEKDAYS.find((d) => d.weekday === h.weekday)!.key,
              { start: h.start, end: h.end },
            ]),
          ),
          ownEmployerId: facts.ownEmployerId ?? '',
          ownProviderUkprn: facts.ownProviderUkprn ?? '',
        }
      : { perDay: 2, perWeek: 8, standardVersionIds: [], regions: [], hours: {} };
    return {
      title: `Assessor: ${assessor.name}`,
      assessor,
      facts,
      values,
      leaveValues: {},
      conflictValues: {},
      action: paths.assessor(assessorId),
      leaveAction: paths.assessorLeave(assessorId),
      conflictAction: paths.assessorConflict(assessorId),
      calendarAction: paths.assessorCalendar(assessorId),
      calendarRevokeAction: paths.assessorCalendarRevoke(assessorId),
      regionLabels: facts?.regions.map((r) => REGION_LABELS[r]) ?? [],
      atRisk: atRiskOf(assessorId),
      ...formOptions(facts?.standardVersionIds),
      ...extra,
    };
  };

  router.get(paths.assessors, admins, (_req, res) => {
    res.render('assessors/list', {
      title: 'Assessors',
      assessors: listAssessorUsers(db).map((a) => ({ ...a, href: paths.assessor(a.id) })),
    });
  });

  /** Administrators edit the whole profile; an assessor sees their own and records leave and conflicts there. */
  router.get(routes.assessor, assessorOrAdmin, (req, res) => {
    const user = userOf(res);
    const saved = req.query.saved === '1';
    res.render(
      'assessors/profile',
      profilePage(loadAssessor(res, req.params.id).id, {
        canEdit: user.role === 'admin',
        flash: saved ? 'The profile has been saved.' : undefined,
        backLink: user.role === 'admin' ? paths.assessors : paths.schedule,
      }),
    );
  });

  router.post(routes.assessor, admins, (req, res) => {
    const assessor = loadAssessor(res, req.params.id);
    const form = parseForm(assessorProfileSchema, req.body);
    const again = (errors: object) =>
      res
        .status(400)
        .render(
          'assessors/profile',
          profilePage(assessor.id, { canEdit: true, values: req.body as object, ...errors, backLink: paths.assessors }),
        );
    if (!form.ok) return again(form);
    // The choices must be ones the service holds (the form offers only those; a hand-made request may not).
    const knownVersions = new Set(listStandards(db).map((v) => v.id));
    const problems = [
      ...(form.value.ownEmployerId && !listEmployers(db).some((e) => e.id === form.value.ownEmployerId)
        ? [{ path: 'ownEmployerId', message: 'Choose an employer from the list' }]
        : []),
      ...(form.value.ownProviderUkprn && !listProviders(db).some((p) => p.ukprn === form.value.ownProviderUkprn)
        ? [{ path: 'ownProviderUkprn', message: 'Choose a training provider from the list' }]
        : []),
      ...(form.value.standardVersionIds.some((id) => !knownVersions.has(id))
        ? [{ path: 'standardVersionIds', message: 'Choose standards from the list' }]
        : []),
    ];
    if (problems.length > 0) return again(formErrors(problems));
    saveAssessorProfile(db, assessor.id, form.value, actorOf(userOf(res)));
    res.redirect(`${paths.assessor(assessor.id)}?saved=1`);
  });

  router.post(routes.assessorLeave, assessorOrAdmin, (req, res) => {
    const assessor = loadAssessor(res, req.params.id);
    const form = parseForm(
      unavailabilitySchema,
      { from: field(req.body, 'leaveFrom'), to: field(req.body, 'leaveTo'), reason: field(req.body, 'leaveReason') },
      LEAVE_FIELDS,
    );
    if (!form.ok)
      return res.status(400).render(
        'assessors/profile',
        profilePage(assessor.id, {
          canEdit: userOf(res).role === 'admin',
          leaveValues: req.body as object,
          leaveErrors: form.errors,
          errorList: form.errorList,
        }),
      );
    addUnavailability(db, assessor.id, form.value, actorOf(userOf(res)));
    res.redirect(`${paths.assessor(assessor.id)}#leave`);
  });

  router.post(routes.assessorConflict, assessorOrAdmin, (req, res) => {
    const assessor = loadAssessor(res, req.params.id);
    const organisation = field(req.body, 'organisation');
    const [kind, ...rest] = (typeof organisation === 'string' ? organisation : '').split(':');
    let form = parseForm(
      conflictSchema,
      {
        kind,
        organisationId: rest.join(':'),
        from: field(req.body, 'conflictFrom'),
        to: field(req.body, 'conflictTo'),
        reason: field(req.body, 'conflictReason'),
      },
      CONFLICT_FIELDS,
    );
    // The same check as the API: a conflict names a registered employer or provider.
    const unregistered = form.ok ? unregisteredOrganisation(db, form.value.kind, form.value.organisationId) : null;
    if (unregistered)
      form = { ok: false, ...formErrors([{ path: 'organisationId', message: unregistered }], CONFLICT_FIELDS) };
    if (!form.ok)
      return res.status(400).render(
        'assessors/profile',
        profilePage(assessor.id, {
          canEdit: userOf(res).role === 'admin',
          conflictValues: req.body as object,
          conflictErrors: form.errors,
          errorList: form.errorList,
        }),
      );
    declareConflict(db, assessor.id, form.value, actorOf(userOf(res)));
    res.redirect(`${paths.assessor(assessor.id)}#conflicts`);
  });

  /** A new private feed URL, shown once; the assessor subscribes to it in their calendar app. */
  router.post(routes.assessorCalendar, assessorOrAdmin, (req, res) => {
    const assessor = loadAssessor(res, req.params.id);
    if (!assessorFacts(db, assessor.id)[0]) throw new HttpError(409, 'Give the assessor a profile first');
    const token = issueCalendarToken(db, assessor.id, actorOf(userOf(res)));
    const url = `${baseUrl}${paths.calendarFeed(token)}`;
    res.render(
      'assessors/profile',
      profilePage(assessor.id, {
        canEdit: userOf(res).role === 'admin',
        calendarUrl: url,
        flash: 'A new calendar link has been made. Any earlier link no longer works.',
      }),
    );
  });

  router.post(routes.assessorCalendarRevoke, assessorOrAdmin, (req, res) => {
    const assessor = loadAssessor(res, req.params.id);
    revokeCalendarToken(db, assessor.id, actorOf(userOf(res)));
    res.redirect(`${paths.assessor(assessor.id)}#calendar`);
  });

  return router;
}
