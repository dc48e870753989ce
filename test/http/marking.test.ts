import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import {
  apprentices,
  auditEvents,
  behaviourVerifications,
  bookings,
  epaAttempts,
  gradings,
  users,
} from '../../src/db/schema.js';
import { decideSubmission, submitForGateway } from '../../src/gateway/store.js';
import { importPlan } from '../../src/plans/store.js';
import { schedulerInput } from '../../src/scheduler/store.js';
import { $, csrfFrom, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { SETUP, isoDate, readyApprentice, today } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile } from '../support/grading.js';
import { now } from '../support/clock.js';

/*
 * Reformed plans: a component during the apprenticeship is booked before gateway to completion,
 * and a provider-marked one is recorded and marked by a marker at the apprentice's own provider
 * (a provider user an administrator has given the marker permission), then moderated by the
 * assessment organisation before release. The demo reformed plan's project is both.
 */

const ULNS = validUlns(12, 610_000_000);
const REFORMED = 'ST0815-1.0-reformed-demo';

/** The reformed demo plan as a JSON value, to import as it is or changed. */
const reformedPlan = (): {
  id: string;
  methods: { marker: string }[];
} => JSON.parse(readFileSync(`fixtures/plans/reformed/${REFORMED}.json`, 'utf8')) as never;

const dateFields = (name: string, iso: string) => {
  const [year, month, day] = iso.split('-');
  return { [`${name}[day]`]: String(Number(day)), [`${name}[month]`]: String(Number(month)), [`${name}[year]`]: year! };
};

const summaryOf = (html: string) =>
  $(html)('.govuk-error-summary a')
    .map((_, el) => $(html)(el).text().trim())
    .get();

describe('reformed plans: components by timing and by marker', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  const audit = (action: string) => ctx.db.select().from(auditEvents).where(eq(auditEvents.action, action)).all();

  beforeEach(async () => {
    ctx = await testApp();
    const imported = importPlan(ctx.db, reformedPlan(), SETUP);
    if (!imported.ok) throw new Error(JSON.stringify(imported.problems));
    a = readyApprentice(ctx.db, ULNS[0]!, 'Mara', 'Marked');
    ctx.db.update(apprentices).set({ planId: REFORMED }).where(eq(apprentices.id, a.id)).run();
  });

  async function giveMarkerPermission(canMark: 'yes' | 'no' = 'yes') {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    return postForm(admin, '/admin/users', `/admin/users/${ctx.users.provider.id}/marker`, {
      canMark,
      reason: 'Leads the project marking',
    });
  }

  describe('the marker permission', () => {
    it('an administrator gives it to a provider user and takes it away, audited with the reason', async () => {
      const given = await giveMarkerPermission();
      expect(given.status).to.equal(303);
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const list = $((await admin.get(given.headers.location!)).text);
      expect(list('.govuk-notification-banner, [role="alert"], main').text()).to.contain(
        'can now mark provider-marked components',
      );
      expect(list('#users').text()).to.contain('Marker');
      expect((await giveMarkerPermission('no')).status).to.equal(303);
      expect(ctx.db.select().from(users).where(eq(users.id, ctx.users.provider.id)).get()!.canMark).to.equal(false);
      expect(
        [...audit('user.marker_permission_given'), ...audit('user.marker_permission_removed')].map((e) => [
          e.action,
          e.actorLabel,
          e.reason,
        ]),
      ).to.deep.equal([
        ['user.marker_permission_given', ctx.users.admin.email, 'Leads the project marking'],
        ['user.marker_permission_removed', ctx.users.admin.email, 'Leads the project marking'],
      ]);
    });

    it('is refused to anyone but a provider user, and changes nothing', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const res = await postForm(admin, '/admin/users', `/admin/users/${ctx.users.assessor.id}/marker`, {
        canMark: 'yes',
      });
      expect(res.status).to.equal(409);
      expect($(res.text)('main').text()).to.contain('Only a training provider’s users can mark');
      expect(ctx.db.select().from(users).where(eq(users.id, ctx.users.assessor.id)).get()!.canMark).to.equal(false);
    });
  });

  describe('a provider-marked component', () => {
    it('its marker records it before gateway, marks it, and the assessment organisation moderates every one', async () => {
      await giveMarkerPermission();
      const marker = await signedInAgent(ctx.app, ctx.users.provider.email);
      const show = $((await marker.get(`/apprentices/${a.uln}`)).text);
      expect(show('#marking-link').attr('href')).to.equal(`/apprentices/${a.uln}/marking`);
      const url = `/apprentices/${a.uln}/marking`;
      let page = $((await marker.get(url)).text);
      expect(page('#marking-components tbody tr').first().text()).to.contain('Not recorded');
      expect(
        page('input[name="methodId"]')
          .map((_, el) => page(el).attr('value'))
          .get(),
      ).to.deep.equal(['project']);

      const on = isoDate(today().minus({ days: 3 }));
      const res = await postForm(marker, url, url, {
        methodId: 'project',
        ...dateFields('date', on),
        time: '14:00',
        mode: 'remote',
        link: 'https://meet.example/project',
      });
      expect(res.status, $(res.text)('main').text()).to.equal(303);
      const booking = ctx.db.select().from(bookings).where(eq(bookings.apprenticeId, a.id)).get()!;
      expect(res.headers.location).to.equal(`/bookings/${booking.id}/grade`);
      expect(booking).to.include({
        status: 'confirmed',
        submissionId: null,
        assessorUserId: ctx.users.provider.id,
        localStart: `${on}T14:00`,
      });
      expect(audit('booking.marking_recorded').map((e) => e.actorLabel)).to.deep.equal([ctx.users.provider.email]);

      // The assessor's grading form, criterion by criterion; the back link returns to the marking page.
      const form = await marker.get(`/bookings/${booking.id}/grade`);
      expect(form.status).to.equal(200);
      const formDoc = $(form.text);
      expect(formDoc('.govuk-back-link').attr('href')).to.equal(url);
      const fields: Record<string, string> = { outcome: 'graded', action: 'submit', confirm: 'yes' };
      formDoc('[id^="criterion-"]').each((_, el) => {
        const id = formDoc(el).attr('id')!.slice('criterion-'.length);
        fields[`c[${id}][met]`] = 'yes';
        fields[`c[${id}][evidence]`] = '';
      });
      const submitted = await marker
        .post(`/bookings/${booking.id}/grade`)
        .type('form')
        .send({ ...fields, _csrf: csrfFrom(form.text) });
      expect(submitted.status, $(submitted.text)('main').text()).to.equal(303);
      const grading = ctx.db.select().from(gradings).where(eq(gradings.bookingId, booking.id)).get()!;
      // With the plan silent on sampling, the assessment organisation moderates every provider marking.
      expect(grading).to.include({ status: 'submitted', moderation: 'pending', sampleReason: 'provider_marked' });
      page = $((await marker.get(url)).text);
      expect(page('#marking-components tbody tr').first().text()).to.contain('Sampled, waiting for moderation');
      const qa = await signedInAgent(ctx.app, ctx.users.qa.email);
      expect($((await qa.get('/moderation')).text)('main').text()).to.contain('Marked by the training provider');
    });

    it('its marker cancels a recording not yet marked, with a reason, and records it again at another time', async () => {
      await giveMarkerPermission();
      const marker = await signedInAgent(ctx.app, ctx.users.provider.email);
      const url = `/apprentices/${a.uln}/marking`;
      const record = (daysAgo: number) =>
        postForm(marker, url, url, {
          methodId: 'project',
          ...dateFields('date', isoDate(today().minus({ days: daysAgo }))),
          time: '10:00',
          mode: 'remote',
        });
      expect((await record(5)).status).to.equal(303);
      const first = ctx.db.select().from(bookings).where(eq(bookings.apprenticeId, a.id)).get()!;
      const page = $((await marker.get(url)).text);
      expect(page('#marking-components a:contains("Cancel or change")').attr('href')).to.equal(`/bookings/${first.id}`);
      const show = $((await marker.get(`/bookings/${first.id}`)).text);
      expect(show(`form[action="/bookings/${first.id}/cancel"]`)).to.have.length(1);

      // Someone at the provider without the permission cannot cancel it.
      const colleague = await signedInAgent(ctx.app, ctx.users.provider.email);
      ctx.db.update(users).set({ canMark: false }).where(eq(users.id, ctx.users.provider.id)).run();
      const denied = await postForm(colleague, `/bookings/${first.id}`, `/bookings/${first.id}/cancel`, {
        reason: 'Wrong day',
      });
      expect(denied.status).to.equal(403);
      ctx.db.update(users).set({ canMark: true }).where(eq(users.id, ctx.users.provider.id)).run();

      const cancelled = await postForm(marker, `/bookings/${first.id}`, `/bookings/${first.id}/cancel`, {
        reason: 'Recorded on the wrong day',
      });
      expect(cancelled.status).to.equal(302);
      expect(ctx.db.select().from(bookings).where(eq(bookings.id, first.id)).get()).to.include({
        status: 'cancelled',
        statusReason: 'Recorded on the wrong day',
      });
      expect(audit('booking.cancelled').map((e) => [e.actorLabel, e.reason])).to.deep.equal([
        [ctx.users.provider.email, 'Recorded on the wrong day'],
      ]);
      expect(
        $((await marker.get(url)).text)('#marking-components tbody tr')
          .first()
          .text(),
      ).to.contain('Not recorded');
      const again = await record(4);
      expect(again.status, $(again.text)('main').text()).to.equal(303);
      expect(
        ctx.db
          .select({ localStart: bookings.localStart, status: bookings.status })
          .from(bookings)
          .where(eq(bookings.apprenticeId, a.id))
          .all(),
      ).to.deep.equal([
        { localStart: `${isoDate(today().minus({ days: 5 }))}T10:00`, status: 'cancelled' },
        { localStart: `${isoDate(today().minus({ days: 4 }))}T10:00`, status: 'confirmed' },
      ]);
    });

    it('through the API, its marker cancels their own recording and nobody else’s', async () => {
      ctx.db.update(users).set({ canMark: true }).where(eq(users.id, ctx.users.provider.id)).run();
      const api = supertest(ctx.app);
      const made = await api
        .post(`/api/v1/apprentices/${a.uln}/markings`)
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`)
        .send({ methodId: 'project', localStart: `${isoDate(today().minus({ days: 1 }))}T09:00`, mode: 'remote' });
      expect(made.status).to.equal(201);
      const cancel = (userId: number) =>
        api
          .patch(`/api/v1/bookings/${made.body.id}`)
          .set('Authorization', `Bearer ${tokenFor(ctx.db, userId)}`)
          .send({ action: 'cancel', reason: 'Entered twice' });
      expect((await cancel(ctx.users.employer.id)).status).to.equal(403);
      expect((await cancel(ctx.users.assessor.id)).status).to.equal(404);
      const done = await cancel(ctx.users.provider.id);
      expect(done.status, JSON.stringify(done.body)).to.equal(200);
      expect(done.body).to.include({ status: 'cancelled', statusReason: 'Entered twice' });
    });

    it('marked before gateway starts the first attempt, which then runs from the gateway’s acceptance for the reports', async () => {
      ctx.db.update(users).set({ canMark: true }).where(eq(users.id, ctx.users.provider.id)).run();
      const auth = `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`;
      const api = supertest(ctx.app);
      const markedOn = isoDate(today().minus({ days: 20 }));
      const made = await api
        .post(`/api/v1/apprentices/${a.uln}/markings`)
        .set('Authorization', auth)
        .send({ methodId: 'project', localStart: `${markedOn}T09:00`, mode: 'remote' });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      const graded = await api
        .put(`/api/v1/bookings/${made.body.id}/grade`)
        .set('Authorization', auth)
        .send({ decisions: [], submit: false });
      expect(graded.status, JSON.stringify(graded.body)).to.equal(200);
      const attempt = () => ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!;
      expect(attempt().startedOn).to.equal(markedOn);
      // As if it had been recorded on the day it took place, long before gateway.
      ctx.db
        .update(bookings)
        .set({ createdAt: today().minus({ days: 20 }).toUTC().toISO()! })
        .where(eq(bookings.id, made.body.id))
        .run();

      ctx.db
        .insert(behaviourVerifications)
        .values({
          apprenticeId: a.id,
          verifierName: 'Sam Line, branch manager',
          statement: 'Behaviours shown throughout',
          verifiedOn: isoDate(today().minus({ days: 30 })),
          recordedAt: now().toISO(),
        })
        .run();
      const submitted = submitForGateway(ctx.db, a, isoDate(today().minus({ days: 3 })), SETUP);
      if (!submitted.ok) throw new Error(submitted.message);
      const acceptedOn = isoDate(today().minus({ days: 2 }));
      const decided = decideSubmission(
        ctx.db,
        submitted.submission.id,
        { checks: [], outcome: 'accepted', reason: null },
        3,
        acceptedOn,
        SETUP,
        now(),
      );
      expect(decided).to.deep.equal({ ok: true });
      // Booked before gateway, so 0 days from gateway to the first booking.
      expect(attempt()).to.include({ startedOn: acceptedOn, daysToBooking: 0 });
      expect(audit('attempt.start_moved').map((e) => (e.after as { startedOn: string }).startedOn)).to.deep.equal([
        acceptedOn,
      ]);
    });

    it('refuses a time before the apprenticeship started, keeping the values and writing nothing', async () => {
      await giveMarkerPermission();
      const marker = await signedInAgent(ctx.app, ctx.users.provider.email);
      const url = `/apprentices/${a.uln}/marking`;
      const before = isoDate(today().minus({ months: 19, days: 1 }));
      const res = await postForm(marker, url, url, {
        methodId: 'project',
        ...dateFields('date', before),
        time: '14:00',
        mode: 'remote',
      });
      expect(res.status).to.equal(409);
      expect(summaryOf(res.text)).to.deep.equal([
        `Work-based project with presentation and questioning is taken during the apprenticeship, which starts on ${a.startDate}`,
      ]);
      const doc = $(res.text);
      expect(doc('.govuk-error-summary a').attr('href')).to.equal('#date-day');
      expect(doc('input[name="time"]').val()).to.equal('14:00');
      expect(ctx.db.select().from(bookings).all()).to.have.length(0);
    });

    it('is closed to a provider user without the permission, to another provider’s marker, and to the assessment organisation’s assessors', async () => {
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      expect((await provider.get(`/apprentices/${a.uln}/marking`)).status).to.equal(403);
      expect($((await provider.get(`/apprentices/${a.uln}`)).text)('#marking-link')).to.have.length(0);
      ctx.db.update(users).set({ canMark: true }).where(eq(users.id, ctx.users.otherProvider.id)).run();
      const other = await signedInAgent(ctx.app, ctx.users.otherProvider.email);
      expect((await other.get(`/apprentices/${a.uln}/marking`)).status).to.equal(404);

      // The administrator cannot book it with an assessor: no assessor marks it.
      assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
      const refused = await supertest(ctx.app)
        .post('/api/v1/bookings')
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`)
        .send({
          uln: a.uln,
          methodId: 'project',
          assessorUserId: ctx.users.assessor.id,
          localStart: `${isoDate(today().plus({ days: 9 }))}T10:00`,
          mode: 'remote',
        });
      expect(refused.status).to.equal(409);
      expect(refused.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['marked_by_provider']);
      expect(ctx.db.select().from(bookings).all()).to.have.length(0);
    });

    it('is recorded and marked through the API as well', async () => {
      ctx.db.update(users).set({ canMark: true }).where(eq(users.id, ctx.users.provider.id)).run();
      const auth = `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`;
      const api = supertest(ctx.app);
      const made = await api
        .post(`/api/v1/apprentices/${a.uln}/markings`)
        .set('Authorization', auth)
        .send({ methodId: 'project', localStart: `${isoDate(today().minus({ days: 1 }))}T09:00`, mode: 'remote' });
      expect(made.status, JSON.stringify(made.body)).to.equal(201);
      expect(made.body).to.include({ methodId: 'project', status: 'confirmed' });
      const graded = await api
        .put(`/api/v1/bookings/${made.body.id}/grade`)
        .set('Authorization', auth)
        .send({ decisions: [], submit: false });
      expect(graded.status, JSON.stringify(graded.body)).to.equal(200);
      expect(graded.body).to.include({ status: 'draft' });
      const discussion = await api
        .post(`/api/v1/apprentices/${a.uln}/markings`)
        .set('Authorization', auth)
        .send({ methodId: 'discussion', localStart: `${isoDate(today().minus({ days: 1 }))}T12:00`, mode: 'remote' });
      expect(discussion.status).to.equal(409);
      expect(discussion.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['not_a_marker']);
    });
  });

  describe('a component during the apprenticeship marked by the assessment organisation', () => {
    beforeEach(() => {
      const plan = reformedPlan();
      plan.id = 'ST0815-1.0-reformed-during';
      plan.methods[0]!.marker = 'assessment_organisation';
      const imported = importPlan(ctx.db, plan, SETUP);
      if (!imported.ok) throw new Error(JSON.stringify(imported.problems));
      ctx.db.update(apprentices).set({ planId: plan.id }).where(eq(apprentices.id, a.id)).run();
    });

    it('waits in its own queue and is booked before gateway; the component at the end is not', async () => {
      // Beside her: one on the version's default plan (no component during), and one already through gateway.
      readyApprentice(ctx.db, ULNS[1]!, 'Dee', 'Default');
      const through = acceptedLongAgo(ctx.db, ULNS[2]!, 'Gate', 'Accepted', 5);
      ctx.db
        .update(apprentices)
        .set({ planId: 'ST0815-1.0-reformed-during' })
        .where(eq(apprentices.id, through.id))
        .run();
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const index = $((await admin.get('/bookings')).text);
      expect(
        index('#during-queue tbody tr')
          .map((_, el) => index(el).find('td, th').first().text().trim())
          .get(),
      ).to.deep.equal(['Mara Marked']);
      expect(index('#during-queue a').last().attr('href')).to.equal(`/bookings/new?uln=${a.uln}&methodId=project`);
      // The auto-scheduler leaves her to that list, and says why.
      expect(schedulerInput(ctx.db, isoDate(today())).notConsidered).to.deep.equal([
        {
          apprenticeId: a.id,
          reason:
            'Before gateway to completion: book Work-based project with presentation and questioning from the list of components taken during the apprenticeship',
        },
      ]);
      const form = $((await admin.get(`/bookings/new?uln=${a.uln}`)).text);
      expect(form('#during-only').text()).to.contain('only components taken during the apprenticeship can be booked');
      expect(
        form('input[name="methodId"]')
          .map((_, el) => form(el).attr('value'))
          .get(),
      ).to.deep.equal(['project']);

      assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
      const api = supertest(ctx.app);
      const auth = `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`;
      const body = (methodId: string) => ({
        uln: a.uln,
        methodId,
        assessorUserId: ctx.users.assessor.id,
        localStart: `${isoDate(today().plus({ days: 9 }))}T10:00`,
        mode: 'remote',
      });
      const end = await api.post('/api/v1/bookings').set('Authorization', auth).send(body('discussion'));
      expect(end.status).to.equal(409);
      expect(end.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['gateway_not_accepted']);
      const during = await api.post('/api/v1/bookings').set('Authorization', auth).send(body('project'));
      expect(during.status, JSON.stringify(during.body)).to.equal(201);
      expect(ctx.db.select().from(bookings).get()!.submissionId).to.equal(null);
      expect($((await admin.get('/bookings')).text)('#during-queue')).to.have.length(0);
    });
  });
});
