import { now, todayIso } from '../support/clock.js';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { attemptMethods, epaAttempts, gradings } from '../../src/db/schema.js';
import { lodgeAppeal, moderate, releaseResults, startFurtherAttempt } from '../../src/grading/store.js';
import { addMonths } from '../../src/calendar.js';
import { testApp, tokenFor, type TestContext } from '../support/app.js';
import { SETUP } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, bookingStatus, pastBooking } from '../support/grading.js';
import { planFileSchema } from '../../src/plans/schema.js';
import fs from 'node:fs';

const plan = planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));
const criteriaOf = (method: string) => plan.criteria.filter((c) => c.method === method);
/** Every criterion of a method met, except those named (not met, with evidence). */
const decisions = (method: string, notMet: string[] = []) =>
  criteriaOf(method).map((c) => ({
    criterionId: c.id,
    met: !notMet.includes(c.id),
    evidence: notMet.includes(c.id) ? 'The campaign plan did not show this' : '',
  }));

describe('API: grading and results', () => {
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let project: number;
  let discussion: number;
  let api: supertest.Agent;
  const as = (who: 'admin' | 'assessor' | 'provider' | 'otherProvider' | 'employer' | 'qa') => ({
    Authorization: `Bearer ${tokenFor(ctx.db, ctx.users[who].id)}`,
  });

  beforeEach(async () => {
    ctx = await testApp();
    api = supertest.agent(ctx.app);
    a = acceptedLongAgo(ctx.db, validUlns(1, 720_000_000)[0]!, 'Rhys', 'Results');
    assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
    project = pastBooking(ctx.db, a, ctx.users.assessor.id, 'project', 5);
    discussion = pastBooking(ctx.db, a, ctx.users.assessor.id, 'discussion', 7);
  });

  it('grades a booking from the assessor’s own system: the grade is derived, the booking completed', async () => {
    const res = await api
      .put(`/api/v1/bookings/${project}/grade`)
      .set(as('assessor'))
      .send({ decisions: decisions('project', ['PRD1']) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({
      status: 'submitted',
      grade: 'Pass',
      outcome: 'graded',
      uln: a.uln,
      methodId: 'project',
    });
    expect(res.body.decisions.find((d: { criterionId: string }) => d.criterionId === 'PRD1')).to.deep.include({
      met: false,
      evidence: 'The campaign plan did not show this',
    });
    expect(bookingStatus(ctx.db, project)).to.equal('completed');
    const again = await api
      .put(`/api/v1/bookings/${project}/grade`)
      .set(as('assessor'))
      .send({ decisions: decisions('project') });
    expect(again.status).to.equal(409);
  });

  it('answers 422 naming each criterion undecided or without evidence, and writes nothing', async () => {
    const some = decisions('project')
      .slice(1)
      .map((d, i) => (i === 0 ? { ...d, met: false, evidence: '' } : d));
    const res = await api.put(`/api/v1/bookings/${project}/grade`).set(as('assessor')).send({ decisions: some });
    expect(res.status).to.equal(422);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).to.include(`decisions.${criteriaOf('project')[0]!.id}`);
    expect(paths).to.include(`decisions.${some[0]!.criterionId}`);
    expect(ctx.db.select().from(gradings).all()).to.deep.equal([]);
    const bad = await api
      .put(`/api/v1/bookings/${project}/grade`)
      .set(as('assessor'))
      .send({ decisions: [{ criterionId: 'PR1', met: 'yes' }] });
    expect(bad.status).to.equal(422);
  });

  it('lets only the booking’s assessor grade, and only once it has taken place', async () => {
    for (const who of ['admin', 'provider', 'qa'] as const)
      expect(
        (
          await api
            .put(`/api/v1/bookings/${project}/grade`)
            .set(as(who))
            .send({ decisions: decisions('project') })
        ).status,
        who,
      ).to.equal(403);
    expect(
      (await api.put(`/api/v1/bookings/${project}/grade`).send({ decisions: decisions('project') })).status,
    ).to.equal(401);
    expect(
      (
        await api
          .put('/api/v1/bookings/99999/grade')
          .set(as('assessor'))
          .send({ decisions: decisions('project') })
      ).status,
    ).to.equal(404);
    expect(ctx.db.select().from(gradings).all()).to.deep.equal([]);
  });

  it('shows results to providers and employers only once released; administrators see every attempt with its status', async () => {
    expect(
      (
        await api
          .put(`/api/v1/bookings/${project}/grade`)
          .set(as('assessor'))
          .send({ decisions: decisions('project') })
      ).status,
    ).to.equal(200);
    expect(
      (
        await api
          .put(`/api/v1/bookings/${discussion}/grade`)
          .set(as('assessor'))
          .send({ decisions: decisions('discussion') })
      ).status,
    ).to.equal(200);

    const admin = await api.get(`/api/v1/results/${a.uln}`).set(as('admin'));
    expect(admin.status).to.equal(200);
    expect(admin.body.results).to.have.length(1);
    expect(admin.body.results[0]).to.include({
      attempt: 1,
      overallGrade: 'Distinction',
      released: false,
      status: 'awaiting_moderation',
      capped: false,
    });
    for (const who of ['provider', 'employer'] as const) {
      const res = await api.get(`/api/v1/results/${a.uln}`).set(as(who));
      expect(res.status, who).to.equal(200);
      expect(res.body.results, who).to.deep.equal([]);
    }

    // Both gradings were sampled (the assessor's first assessments): moderate them, then release.
    ctx.db.update(gradings).set({ moderation: 'agreed' }).run();
    const attempt = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!;
    expect(releaseResults(ctx.db, [attempt.id], SETUP, now()).ok).to.equal(true);
    const provider = await api.get(`/api/v1/results/${a.uln}`).set(as('provider'));
    expect(provider.body.results[0]).to.include({ attempt: 1, overallGrade: 'Distinction', released: true, cap: null });
    expect(provider.body.results[0].methods.map((m: { grade: string }) => m.grade)).to.deep.equal([
      'Distinction',
      'Distinction',
    ]);

    expect((await api.get(`/api/v1/results/${a.uln}`).set(as('otherProvider'))).status).to.equal(404);
    for (const who of ['assessor', 'qa'] as const)
      expect((await api.get(`/api/v1/results/${a.uln}`).set(as(who))).status, who).to.equal(403);
  });

  it('answers 422, not 500, when a criterion is given twice', async () => {
    const twice = [...decisions('project'), decisions('project')[0]!];
    const res = await api.put(`/api/v1/bookings/${project}/grade`).set(as('assessor')).send({ decisions: twice });
    expect(res.status).to.equal(422);
    expect(res.body.errors[0].message).to.contain('is given twice');
    expect(ctx.db.select().from(gradings).all()).to.deep.equal([]);
  });

  it('keeps an assessment recorded as malpractice out of reach of criterion changes at moderation', async () => {
    const res = await api
      .put(`/api/v1/bookings/${project}/grade`)
      .set(as('assessor'))
      .send({
        outcome: 'malpractice',
        outcomeReason: 'Work copied from another apprentice',
        decisions: decisions('project'),
      });
    expect(res.status).to.equal(200);
    expect(res.body.grade).to.equal('Fail');
    const grading = ctx.db.select().from(gradings).get()!;
    const changed = moderate(
      ctx.db,
      grading.id,
      {
        decision: 'changed',
        rationale: 'Reconsidered',
        changes: [{ criterionId: 'PR1', met: true, evidence: 'fine' }],
      },
      { userId: ctx.users.qa.id, label: 'qa' },
      now(),
    );
    expect(changed.ok).to.equal(false);
    expect(ctx.db.select().from(gradings).get()!.grade).to.equal('Fail');
    const withoutReason = await api
      .put(`/api/v1/bookings/${discussion}/grade`)
      .set(as('assessor'))
      .send({ outcome: 'did_not_attend', decisions: [] });
    expect(withoutReason.status).to.equal(422);
    expect(withoutReason.body.errors[0].path).to.equal('outcomeReason');
  });

  describe('after a released Fail', () => {
    let attemptId: number;
    const providerActor = () => ({ userId: ctx.users.provider.id, label: 'provider' });
    beforeEach(async () => {
      await api
        .put(`/api/v1/bookings/${project}/grade`)
        .set(as('assessor'))
        .send({ decisions: decisions('project', ['PR1']) });
      await api
        .put(`/api/v1/bookings/${discussion}/grade`)
        .set(as('assessor'))
        .send({ decisions: decisions('discussion', ['PD1']) });
      ctx.db.update(gradings).set({ moderation: 'agreed' }).run();
      attemptId = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!.id;
      expect(releaseResults(ctx.db, [attemptId], SETUP, now()).ok).to.equal(true);
    });

    it('allows one appeal per result, and no resit while it is open', () => {
      expect(lodgeAppeal(ctx.db, attemptId, 'The evidence was overlooked', providerActor(), todayIso()).ok).to.equal(
        true,
      );
      const second = lodgeAppeal(ctx.db, attemptId, 'Again', providerActor(), todayIso());
      expect(second.ok).to.equal(false);
      const resit = startFurtherAttempt(
        ctx.db,
        a,
        { choices: { project: 'resit', discussion: 'resit' }, actionPlan: null },
        providerActor(),
        now(),
        null,
      );
      expect(resit.ok).to.equal(false);
      if (!resit.ok) expect(resit.message).to.contain('appeal');
    });

    it('gives each failed method its own window when one is resat and the other retaken, and closes appeals on the earlier attempt', () => {
      const started = startFurtherAttempt(
        ctx.db,
        a,
        { choices: { project: 'resit', discussion: 'retake' }, actionPlan: 'Six weeks of casework supervision' },
        providerActor(),
        now(),
        null,
      );
      expect(started.ok).to.equal(true);
      const rows = ctx.db
        .select()
        .from(attemptMethods)
        .where(eq(attemptMethods.attemptId, started.ok ? started.attempt.id : -1))
        .all();
      const result = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get()!;
      // Resit: 3 months from the result; retake: 6 months (the demo plan's windows).
      expect(Object.fromEntries(rows.map((r) => [r.methodId, [r.mode, r.deadline]]))).to.deep.equal({
        project: ['resit', addMonths(result.resultOn!, 3)],
        discussion: ['retake', addMonths(result.resultOn!, 6)],
      });
      const late = lodgeAppeal(ctx.db, attemptId, 'Too late now', providerActor(), todayIso());
      expect(late.ok).to.equal(false);
    });
  });
});
