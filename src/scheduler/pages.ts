import { londonTime } from '../dates.js';
import { fullName } from '../names.js';
import { expireHolds } from '../bookings/store.js';
import type { Clock } from '../clock.js';
import { Router, type Response } from 'express';
import { inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { AREA_ROLES } from '../auth/roles.js';
import { methodNames } from '../bookings/store.js';
import type { Db } from '../db/connection.js';
import { todayInLondon, ZONE } from '../dates.js';
import { apprentices } from '../db/schema.js';
import { pageFor, userOf } from '../auth/authorize.js';
import { pageAsked, pager, slicePage } from '../http/paging.js';
import { HttpError } from '../http/errors.js';
import { paths, routes } from '../paths.js';
import { actorOf } from '../users/store.js';
import { byId } from '../validation/fields.js';
import {
  commitProposal,
  createProposal,
  discardProposal,
  proposalById,
  recentProposals,
  schedulerInput,
  type CommitRefusal,
} from './store.js';

const PAGE_SIZE = 100;
const STATUS_LABELS = { proposed: 'Waiting for review', committed: 'Booked as holds', discarded: 'Discarded' } as const;

const percent = (gap: number) => `${(gap * 100).toFixed(2)}%`;

/** The auto-scheduler's pages: propose a schedule for the queue, review it, commit it as holds or discard it. */
export function autoScheduleRoutes(db: Db, options: { holdHours: number; clock: Clock }): Router {
  const { clock } = options;
  const router = Router();
  const admins = pageFor(...AREA_ROLES.scheduling);

  const namesOf = (ids: number[]) => {
    const rows = ids.length
      ? db
          .select({
            id: apprentices.id,
            uln: apprentices.uln,
            givenNames: apprentices.givenNames,
            familyName: apprentices.familyName,
          })
          .from(apprentices)
          .where(inArray(apprentices.id, [...new Set(ids)]))
          .all()
      : [];
    return new Map(rows.map((r) => [r.id, { name: fullName(r), uln: r.uln, href: paths.apprentice(r.uln) }]));
  };

  const loadProposal = (id: unknown) => {
    const proposal = byId(id, (n) => proposalById(db, n));
    if (!proposal) throw new HttpError(404, 'There is no such proposal');
    return proposal;
  };

  const renderProposal = (
    res: Response,
    id: unknown,
    page: number,
    refused?: { message: string; refusals: CommitRefusal[] },
  ) => {
    const proposal = loadProposal(id);
    const { schedule } = proposal;
    const listed = slicePage(schedule.bookings, page, PAGE_SIZE);
    const shown = listed.rows;
    const leftOut = [...schedule.leftOut, ...schedule.notConsidered];
    const names = namesOf([...shown, ...leftOut, ...(refused?.refusals ?? [])].map((b) => b.apprenticeId));
    const methods = methodNames(db);
    const assessors = new Map(schedule.load.map((l) => [l.assessorUserId, l.name]));
    const apprenticeCount = new Set(schedule.bookings.map((b) => b.apprenticeId)).size;
    const link = (p: number) => `${paths.autoSchedule(proposal.id)}?page=${p}#proposed-holds`;
    const when = (localStart: string) => DateTime.fromISO(localStart, { zone: ZONE }).toFormat('ccc d LLL yyyy, HH:mm');
    res.status(refused ? 409 : 200).render('scheduler/proposal', {
      title: `Proposed schedule ${proposal.id}`,
      backLink: paths.autoSchedules,
      proposal: {
        ...proposal,
        statusLabel: STATUS_LABELS[proposal.status],
        createdAt: londonTime(proposal.createdAt),
        open: proposal.status === 'proposed',
      },
      figures: {
        holds: schedule.bookings.length,
        apprentices: apprenticeCount,
        objective: schedule.objective,
        meanDays:
          apprenticeCount && schedule.leftOut.length === 0 ? (schedule.objective / apprenticeCount).toFixed(1) : null,
        bound: schedule.bound,
        gap: percent(schedule.gap),
        penalty: schedule.penaltyPerMethod,
        seconds: ((schedule.timings.model + schedule.timings.schedule + schedule.timings.bound) / 1000).toFixed(2),
      },
      commitHref: paths.autoScheduleAction(proposal.id, 'commit'),
      discardHref: paths.autoScheduleAction(proposal.id, 'discard'),
      load: [...schedule.load].sort((a, b) => b.count - a.count),
      leftOut: leftOut.map((l) => ({ ...names.get(l.apprenticeId), reason: l.reason })),
      rows: shown.map((b) => ({
        ...names.get(b.apprenticeId),
        when: when(b.localStart),
        method: methods.get(b.methodId) ?? b.methodId,
        assessor: assessors.get(b.assessorUserId) ?? String(b.assessorUserId),
      })),
      pager: pager(listed, link),
      refused: refused && {
        message: refused.message,
        rows: refused.refusals.slice(0, 50).map((r) => ({
          ...names.get(r.apprenticeId),
          when: when(r.localStart),
          method: methods.get(r.methodId) ?? r.methodId,
          reasons: r.messages,
        })),
        more: Math.max(0, refused.refusals.length - 50),
      },
    });
  };

  router.get(paths.autoSchedules, admins, (_req, res) => {
    expireHolds(db, clock.now());
    const { input, notConsidered } = schedulerInput(db, todayInLondon(clock.now()));
    res.render('scheduler/index', {
      title: 'Schedule the queue',
      backLink: paths.bookings,
      proposeAction: paths.autoSchedules,
      waiting: input.apprentices.length,
      notConsidered: notConsidered.length,
      assessors: input.assessors.length,
      holdHours: options.holdHours,
      proposals: recentProposals(db).map((p) => ({
        ...p,
        href: paths.autoSchedule(p.id),
        createdAt: londonTime(p.createdAt),
        statusLabel: STATUS_LABELS[p.status],
        gap: percent(p.gap),
      })),
    });
  });

  router.post(paths.autoSchedules, admins, async (_req, res) => {
    expireHolds(db, clock.now());
    const proposal = await createProposal(db, actorOf(userOf(res)), todayInLondon(clock.now()));
    res.redirect(303, paths.autoSchedule(proposal.id));
  });

  router.get(routes.autoSchedule, admins, (req, res) => {
    renderProposal(res, req.params.id, pageAsked(req.query.page));
  });

  router.post(routes.autoScheduleAction, admins, (req, res) => {
    const proposal = loadProposal(req.params.id);
    const actor = actorOf(userOf(res));
    if (req.params.action === 'commit') {
      const result = commitProposal(db, proposal.id, actor, { holdHours: options.holdHours, now: clock.now() });
      if (!result.ok) {
        if (result.refusals.length === 0) throw new HttpError(409, result.message);
        return renderProposal(res, String(proposal.id), 1, result);
      }
      return res.redirect(303, `${paths.bookings}?booked=${result.count}`);
    }
    if (req.params.action === 'discard') {
      const result = discardProposal(db, proposal.id, actor, clock.now());
      if (!result.ok) throw new HttpError(409, result.message);
      return res.redirect(303, paths.autoSchedules);
    }
    throw new HttpError(404, 'Page not found');
  });

  return router;
}
