import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import supertest from 'supertest';
import { addApprentices, addQualification, findApprenticeByUln } from '../../src/apprentices/store.js';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import type { Db } from '../../src/db/connection.js';
import {
  apprentices,
  auditEvents,
  flexibilityJudgements,
  gatewaySubmissions,
  plans,
  standardVersions,
} from '../../src/db/schema.js';
import { submitForGateway } from '../../src/gateway/store.js';
import { importPlan } from '../../src/plans/store.js';
import { readFileSync } from 'node:fs';
import { $, postForm, signedInAgent, testApp, tokenFor, type TestContext } from '../support/app.js';
import { SETUP, isoDate, readyApprentice, today } from '../support/apprentices.js';

/*
 * The records the gateway rules read besides the apprentice's own, as a provider keeps them:
 * breaks in learning, an earlier episode, the flexibility judgement, prior learning, the kind of
 * each off-the-job entry and the certificate permission; and the standard version's published
 * off-the-job minimum, which an administrator records. Each is shown on the apprentice's page,
 * changes the checks, and is audited. Who may reach each form is in the permission matrix.
 */

const ULNS = validUlns(20, 540_000_000);
type Agent = ReturnType<typeof supertest.agent>;

async function page(agent: Agent, url: string) {
  const res = await agent.get(url);
  return { status: res.status, doc: $(res.text) };
}

function checkOf(doc: ReturnType<typeof $>, code: string) {
  const cells = doc(`#check-${code} td`);
  return { status: cells.eq(0).text().trim(), reason: cells.eq(1).text().trim() };
}

const dateFields = (name: string, d: DateTime) => ({
  [`${name}[day]`]: String(d.day),
  [`${name}[month]`]: String(d.month),
  [`${name}[year]`]: String(d.year),
});

/** The first day of the month `monthsAgo` months back: after 1 August 2025 on any test clock, and never a month end. */
const startMonthsAgo = (monthsAgo: number) => today().startOf('month').minus({ months: monthsAgo });

/** An apprentice of the test provider and employer who started `monthsAgo` months ago aged `age`. */
function apprentice(db: Db, i: number, monthsAgo: number, age = 24): ApprenticeDetail {
  const start = startMonthsAgo(monthsAgo);
  const added = addApprentices(
    db,
    [
      {
        line: 1,
        input: {
          uln: ULNS[i]!,
          givenNames: 'Rowan',
          familyName: `Example${i}`,
          dateOfBirth: isoDate(start.minus({ years: age, days: 20 })),
          startDate: isoDate(start),
          plannedEndDate: isoDate(start.plus({ months: 18 })),
          standardReference: 'ST0815',
          standardVersion: '1.0',
          providerUkprn: '10061234',
          employerId: 'transport-workers-union',
          weeklyHours: 37.5,
          bslFirstLanguage: false,
          englishMathsChoice: null,
        },
      },
    ],
    SETUP,
    'test',
  );
  if (!added.ok) throw new Error(JSON.stringify(added.problems));
  return findApprenticeByUln(db, ULNS[i]!)!;
}

function auditOf(ctx: TestContext, action: string) {
  return ctx.db.select().from(auditEvents).where(eq(auditEvents.action, action)).all();
}

describe('records the gateway rules read', () => {
  let ctx: TestContext;
  let provider: Agent;
  beforeEach(async () => {
    ctx = await testApp();
    provider = await signedInAgent(ctx.app, ctx.users.provider.email);
  });

  describe('breaks in learning', () => {
    it('moves the earliest date back by the break, shows it, and audits it with its reason', async () => {
      const a = apprentice(ctx.db, 0, 6);
      const start = startMonthsAgo(6);
      const url = `/apprentices/${a.uln}`;
      // 8 months from the first of a month end on the last day of the month before.
      expect((await page(provider, url)).doc('#earliest-practical-end').text()).to.equal(
        isoDate(start.plus({ months: 8 }).minus({ days: 1 })),
      );
      const res = await postForm(provider, `${url}/breaks/new`, `${url}/breaks/new`, {
        ...dateFields('from', start.plus({ months: 1 })),
        ...dateFields('to', start.plus({ months: 1, days: 9 })),
        reason: 'Medical leave',
      });
      expect(res.status).to.equal(302);
      expect(res.headers.location).to.equal(`${url}#practical-period`);
      const after = (await page(provider, url)).doc;
      expect(after('#earliest-practical-end').text()).to.equal(
        isoDate(start.plus({ days: 10 }).plus({ months: 8 }).minus({ days: 1 })),
      );
      expect(after('#learning-breaks tbody tr').first().text()).to.contain('Medical leave');
      expect(checkOf(after, 'practical_period').reason).to.contain('10 days of breaks in learning left out');
      const audit = auditOf(ctx, 'learning_break.recorded');
      expect(audit.map((e) => [e.entityId, e.actorLabel, e.reason])).to.deep.equal([
        [a.uln, ctx.users.provider.email, 'Medical leave'],
      ]);
    });

    it('refuses an overlapping break or one before the start, keeping the values and writing nothing', async () => {
      const a = apprentice(ctx.db, 1, 6);
      const start = startMonthsAgo(6);
      const url = `/apprentices/${a.uln}/breaks/new`;
      const first = {
        ...dateFields('from', start.plus({ days: 20 })),
        ...dateFields('to', start.plus({ days: 30 })),
        reason: 'Family reasons',
      };
      expect((await postForm(provider, url, url, first)).status).to.equal(302);
      const overlap = await postForm(provider, url, url, {
        ...dateFields('from', start.plus({ days: 30 })),
        ...dateFields('to', start.plus({ days: 40 })),
        reason: 'Second break',
      });
      expect(overlap.status).to.equal(400);
      const doc = $(overlap.text);
      expect(doc('.govuk-error-summary').text()).to.contain(
        `This overlaps the break from ${isoDate(start.plus({ days: 20 }))} to ${isoDate(start.plus({ days: 30 }))}`,
      );
      expect(doc('.govuk-error-summary a').attr('href')).to.equal('#from-day');
      expect(doc('#reason').text().trim()).to.equal('Second break');
      const early = await postForm(provider, url, url, {
        ...dateFields('from', start.minus({ days: 3 })),
        ...dateFields('to', start.plus({ days: 2 })),
        reason: 'Before the start',
      });
      expect(early.status).to.equal(400);
      expect($(early.text)('.govuk-error-summary').text()).to.contain(
        `A break must start on or after the start date, ${a.startDate}`,
      );
      const reversed = await postForm(provider, url, url, {
        ...dateFields('from', start.plus({ days: 60 })),
        ...dateFields('to', start.plus({ days: 50 })),
        reason: 'Backwards',
      });
      expect($(reversed.text)('.govuk-error-summary').text()).to.contain(
        'The last day must be on or after the first day',
      );
      expect(auditOf(ctx, 'learning_break.recorded')).to.have.length(1);
    });

    it('removes a break recorded in error, with the reason in the audit log', async () => {
      const a = apprentice(ctx.db, 2, 6);
      const start = startMonthsAgo(6);
      const url = `/apprentices/${a.uln}`;
      await postForm(provider, `${url}/breaks/new`, `${url}/breaks/new`, {
        ...dateFields('from', start.plus({ days: 5 })),
        ...dateFields('to', start.plus({ days: 5 })),
        reason: 'Typed against the wrong apprentice',
      });
      const removeHref = (await page(provider, url)).doc('#learning-breaks a').attr('href')!;
      const noReason = await postForm(provider, removeHref, removeHref, { reason: '   ' });
      expect(noReason.status).to.equal(400);
      expect($(noReason.text)('.govuk-error-summary').text()).to.contain('Say why this is being removed');
      expect((await postForm(provider, removeHref, removeHref, { reason: 'Wrong apprentice' })).status).to.equal(302);
      expect((await page(provider, url)).doc('#learning-breaks tbody').text()).to.contain('None recorded.');
      expect(auditOf(ctx, 'learning_break.removed').map((e) => e.reason)).to.deep.equal(['Wrong apprentice']);
      expect((await page(provider, removeHref)).status).to.equal(404);
    });
  });

  describe('restarts', () => {
    it('counts the earlier episode towards the practical period, under the rules of the original start', async () => {
      const a = apprentice(ctx.db, 3, 3);
      const start = startMonthsAgo(3);
      const url = `/apprentices/${a.uln}`;
      expect(checkOf((await page(provider, url)).doc, 'practical_period').status).to.equal('Not met');
      const tooLate = await postForm(provider, `${url}/earlier-episodes/new`, `${url}/earlier-episodes/new`, {
        ...dateFields('startDate', start.minus({ months: 6 })),
        ...dateFields('endDate', start),
        provider: 'Another college',
        reason: 'Moved away',
      });
      expect(tooLate.status).to.equal(400);
      expect($(tooLate.text)('.govuk-error-summary').text()).to.contain(
        `The earlier episode must end before this record's start date, ${a.startDate}`,
      );
      expect($(tooLate.text)('#provider').val()).to.equal('Another college');
      // Six months in an earlier episode that started after 1 August 2025: with three months here, 8 are not yet served; with seven months, they are.
      const res = await postForm(provider, `${url}/earlier-episodes/new`, `${url}/earlier-episodes/new`, {
        ...dateFields('startDate', start.minus({ months: 7 })),
        ...dateFields('endDate', start.minus({ days: 1 })),
        provider: 'Another college (UKPRN 10099999)',
        reason: 'Moved away; restarted here',
      });
      expect(res.status).to.equal(302);
      const after = (await page(provider, url)).doc;
      expect(checkOf(after, 'practical_period').status).to.equal('Met');
      expect(checkOf(after, 'practical_period').reason).to.contain(
        `of the earlier episode counted (a restart: the rules of the original start on ${isoDate(start.minus({ months: 7 }))} apply)`,
      );
      expect(after('#earlier-episodes').text()).to.contain(
        'Another college (UKPRN 10099999): Moved away; restarted here',
      );
      expect(auditOf(ctx, 'earlier_episode.recorded').map((e) => e.entityId)).to.deep.equal([a.uln]);
    });
  });

  describe('the English and maths flexibility judgement', () => {
    it('lets Entry Level 3 count once recorded with its evidence, and not after it is withdrawn', async () => {
      const a = apprentice(ctx.db, 4, 10, 17);
      for (const subject of ['english', 'maths'] as const)
        addQualification(
          ctx.db,
          a,
          {
            subject,
            type: 'entry_level',
            level: 3,
            grade: 'Pass',
            achievedOn: isoDate(startMonthsAgo(12)),
            certificateReference: `EL3-${subject}`,
          },
          SETUP,
        );
      const url = `/apprentices/${a.uln}`;
      expect(checkOf((await page(provider, url)).doc, 'maths').status).to.equal('Not met');
      const form = `${url}/english-maths-flexibility`;
      const missing = await postForm(provider, form, form, { reference: 'EHCP 4471' });
      expect(missing.status).to.equal(400);
      const doc = $(missing.text);
      expect(doc('.govuk-error-summary').text())
        .to.contain('Select what the judgement is based on')
        .and.to.contain('Enter the date of the evidence');
      expect(doc('#reference').val()).to.equal('EHCP 4471');
      const res = await postForm(provider, form, form, {
        basis: 'professional_judgement',
        ...dateFields('decidedOn', startMonthsAgo(14)),
        reference: 'Educational psychologist report, learner file',
      });
      expect(res.status).to.equal(302);
      const after = (await page(provider, url)).doc;
      expect(checkOf(after, 'maths')).to.deep.include({ status: 'Met' });
      expect(checkOf(after, 'maths').reason).to.contain('Entry Level 3');
      expect(after('#flexibility').text()).to.contain('Educational psychologist report, learner file');
      expect(auditOf(ctx, 'flexibility_judgement.recorded')).to.have.length(1);

      const withdraw = `${form}/withdraw`;
      expect((await postForm(provider, withdraw, withdraw, { reason: 'Recorded in error' })).status).to.equal(302);
      expect(checkOf((await page(provider, url)).doc, 'maths').status).to.equal('Not met');
      expect(auditOf(ctx, 'flexibility_judgement.withdrawn').map((e) => e.reason)).to.deep.equal(['Recorded in error']);
    });

    it('says on the page when a judgement carried over from the EHC plan flag still needs its evidence', async () => {
      const a = apprentice(ctx.db, 5, 10, 17);
      ctx.db.insert(flexibilityJudgements).values({ apprenticeId: a.id, basis: 'ehc_plan' }).run();
      const doc = (await page(provider, `/apprentices/${a.uln}`)).doc;
      expect(doc('#flexibility').text()).to.contain('Its evidence still has to be recorded');
      expect(checkOf(doc, 'english').reason).to.contain('is recorded without its evidence');
      const form = (await page(provider, `/apprentices/${a.uln}/english-maths-flexibility`)).doc;
      expect(form('#flexibility-unevidenced').text()).to.contain('has no evidence yet');
      expect(form('input[name="basis"][value="ehc_plan"]').attr('checked')).to.equal('checked');
    });
  });

  describe('off-the-job training from 1 August 2025', () => {
    it("reduces the version's published minimum by prior learning, never below 187 hours", async () => {
      const a = apprentice(ctx.db, 6, 9);
      const url = `/apprentices/${a.uln}`;
      expect(checkOf((await page(provider, url)).doc, 'off_the_job').reason).to.contain(
        '0 hours logged of the 400 required: the published minimum for ST0815 version 1.0',
      );
      const form = `${url}/prior-learning`;
      const noReason = await postForm(provider, form, form, { hours: '150' });
      expect(noReason.status).to.equal(400);
      expect($(noReason.text)('.govuk-error-summary').text()).to.contain('Say what prior learning was recognised');
      expect($(noReason.text)('#hours').val()).to.equal('150');
      await postForm(provider, form, form, { hours: '150', reason: 'Level 3 employment law certificate' });
      expect(checkOf((await page(provider, url)).doc, 'off_the_job').reason).to.contain(
        'of the 250 required: the published minimum of 400 hours for ST0815 version 1.0, less 150 hours of recognised prior learning',
      );
      await postForm(provider, form, form, { hours: '300', reason: 'Level 3 certificate and two years as a rep' });
      const floored = (await page(provider, url)).doc;
      expect(checkOf(floored, 'off_the_job').reason)
        .to.contain('of the 187 required')
        .and.to.contain('but never below 187 hours');
      expect(floored('#prior-learning').text()).to.contain('300 hours recognised');
      expect(auditOf(ctx, 'prior_learning.recorded').map((e) => e.after)).to.deep.equal([
        { priorLearningHours: 150, priorLearningReason: 'Level 3 employment law certificate' },
        { priorLearningHours: 300, priorLearningReason: 'Level 3 certificate and two years as a rep' },
      ]);
    });

    it('says, without falling back to an abolished rule, when the version has no published figure', async () => {
      ctx.db.update(standardVersions).set({ offTheJobMinimumHours: null, offTheJobMinimumSource: null }).run();
      const a = apprentice(ctx.db, 7, 9);
      const reason = checkOf((await page(provider, `/apprentices/${a.uln}`)).doc, 'off_the_job');
      expect(reason.status).to.equal('Not met');
      expect(reason.reason).to.contain('No published minimum off-the-job hours is recorded for ST0815 version 1.0');
      expect(reason.reason).not.to.contain('6 hours a week');
    });

    it('logs progress reviews apart: shown, but not counted', async () => {
      const a = apprentice(ctx.db, 8, 9);
      const url = `/apprentices/${a.uln}`;
      const form = `${url}/hours/new`;
      expect((await page(provider, form)).doc('input[name="kind"]')).to.have.length(4);
      await postForm(provider, form, form, {
        ...dateFields('date', today().minus({ days: 3 })),
        hours: '2',
        activity: 'Twelve-week review',
        kind: 'progress_review',
      });
      await postForm(provider, form, form, {
        ...dateFields('date', today().minus({ days: 2 })),
        hours: '6',
        activity: 'Negotiation workshop',
      });
      const doc = (await page(provider, url)).doc;
      expect(checkOf(doc, 'off_the_job').reason)
        .to.contain('6 hours logged of the 400 required')
        .and.to.contain('2 hours of progress review, which is not off-the-job training, do not count.');
      expect(doc('#hours-log').text()).to.contain('Progress review: not off-the-job training, so it does not count');
      expect(doc('#hours + p').text()).to.contain('6 hours of off-the-job training logged in all');
    });
  });

  describe('the published minimum on the standard version', () => {
    it('is recorded by an administrator, audited, shown on the page and in the API', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const form = '/standards/ST0815/1.0/off-the-job-minimum';
      const bad = await postForm(admin, form, form, { hours: '0', source: 'Annex' });
      expect(bad.status).to.equal(400);
      expect($(bad.text)('.govuk-error-summary').text()).to.contain('The minimum must be at least 1 hour');
      expect($(bad.text)('#source').text().trim()).to.equal('Annex');
      const res = await postForm(admin, form, form, {
        hours: '412',
        source: 'Funding rules 2025 to 2026, published minimum off-the-job hours',
      });
      expect(res.status).to.equal(302);
      const shown = (await page(admin, '/standards/ST0815/1.0')).doc('#off-the-job-minimum').text();
      expect(shown).to.contain('412 hours').and.to.contain('Funding rules 2025 to 2026');
      const audit = auditOf(ctx, 'standard.off_the_job_minimum_recorded');
      expect(audit.map((e) => [e.entityId, e.actorLabel, e.after])).to.deep.equal([
        [
          'ST0815 1.0',
          ctx.users.admin.email,
          {
            offTheJobMinimumHours: 412,
            offTheJobMinimumSource: 'Funding rules 2025 to 2026, published minimum off-the-job hours',
          },
        ],
      ]);
      const api = await supertest(ctx.app)
        .get('/api/v1/standards/ST0815/1.0')
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`);
      expect(api.body).to.include({ offTheJobMinimumHours: 412 });
      // A provider sees the figure, without the link to change it.
      expect((await page(provider, '/standards/ST0815/1.0')).doc('#off-the-job-minimum a')).to.have.length(0);
    });
  });

  describe('the Ofqual qualification number on the standard version', () => {
    it('is recorded by an administrator with where it was checked, audited, shown, given by the API and removed', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const form = '/standards/ST0815/1.0/qualification-number';
      expect((await page(admin, '/standards/ST0815/1.0')).doc('#qualification-number').text()).to.contain(
        'Not recorded',
      );
      const bad = await postForm(admin, form, form, { qualificationNumber: '6031234', source: '' });
      expect(bad.status).to.equal(400);
      expect(
        $(bad.text)('.govuk-error-summary li')
          .map((_, li) => $(bad.text)(li).text().trim())
          .get(),
      ).to.deep.equal([
        'Enter the qualification number as on Ofqual’s register, for example 603/1234/5',
        'Say where you checked the number (for example Ofqual’s register and the date)',
      ]);
      expect($(bad.text)('#qualificationNumber').val()).to.equal('6031234');
      const res = await postForm(admin, form, form, {
        qualificationNumber: ' 603/1234/x ',
        source: 'Ofqual register, checked 6 December 2026',
      });
      expect(res.status).to.equal(302);
      expect((await page(admin, '/standards/ST0815/1.0')).doc('#qualification-number').text()).to.contain('603/1234/X');
      const api = await supertest(ctx.app)
        .get('/api/v1/standards/ST0815/1.0')
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`);
      expect(api.body).to.include({ qualificationNumber: '603/1234/X' });
      expect((await page(provider, '/standards/ST0815/1.0')).doc('#qualification-number a')).to.have.length(0);
      // Blank removes it, audited like the rest.
      await postForm(admin, form, form, { qualificationNumber: '', source: 'Recorded against the wrong version' });
      expect(
        auditOf(ctx, 'standard.qualification_number_recorded').map((e) => [e.actorLabel, e.before, e.after, e.reason]),
      ).to.deep.equal([
        [
          ctx.users.admin.email,
          { qualificationNumber: null },
          { qualificationNumber: '603/1234/X' },
          'Ofqual register, checked 6 December 2026',
        ],
        [
          ctx.users.admin.email,
          { qualificationNumber: '603/1234/X' },
          { qualificationNumber: null },
          'Recorded against the wrong version',
        ],
      ]);
    });
  });

  describe("the apprentice's permission to claim the certificate", () => {
    it('is a gateway check the provider records; the employer cannot record it', async () => {
      const a = readyApprentice(ctx.db, ULNS[9]!, 'Tess', 'Permission');
      ctx.db.run(
        // Built ready, then the permission taken away to record it through the page.
        `update gateway_declarations set certificate_permission_at = null, certificate_permission_by = null where apprentice_id = ${a.id}`,
      );
      const url = `/apprentices/${a.uln}`;
      const before = (await page(provider, url)).doc;
      expect(checkOf(before, 'certificate_permission').status).to.equal('Not met');
      expect(before(`form[action="${url}/request-epa"]`)).to.have.length(0);
      const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
      expect((await postForm(employer, url, `${url}/declaration`, { part: 'certificate_permission' })).status).to.equal(
        403,
      );
      expect((await postForm(provider, url, `${url}/declaration`, { part: 'certificate_permission' })).status).to.equal(
        302,
      );
      const after = (await page(provider, url)).doc;
      expect(checkOf(after, 'certificate_permission').status).to.equal('Met');
      expect(after('#certificate-permission').text()).to.contain('Given');
      expect(after(`form[action="${url}/request-epa"]`)).to.have.length(1);
      expect(
        auditOf(ctx, 'gateway_declaration.certificate_permission_confirmed').map((e) => [e.entityId, e.actorLabel]),
      ).to.deep.include([a.uln, ctx.users.provider.email]);
    });

    it('is not asked of a submission made before the check existed', async () => {
      const a = readyApprentice(ctx.db, ULNS[10]!, 'Olive', 'Earlier');
      const submitted = submitForGateway(ctx.db, a, isoDate(today()), SETUP);
      if (!submitted.ok) throw new Error(submitted.message);
      // The evaluation as it was stored before the certificate permission was a check.
      const old = submitted.submission.evaluation as { checks: { code: string }[]; ready: boolean };
      ctx.db
        .update(gatewaySubmissions)
        .set({ evaluation: { ...old, checks: old.checks.filter((c) => c.code !== 'certificate_permission') } })
        .where(eq(gatewaySubmissions.id, submitted.submission.id))
        .run();
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const url = `/gateway/submissions/${submitted.submission.id}`;
      const review = (await page(admin, url)).doc;
      expect(review('input[name="checks[certificate_permission][decision]"]')).to.have.length(0);
      const accept = Object.fromEntries(
        ['practical_period', 'off_the_job', 'english', 'maths', 'plan_items', 'employer_declaration'].map((c) => [
          `checks[${c}][decision]`,
          'accept',
        ]),
      );
      const res = await postForm(admin, url, url, { ...accept, outcome: 'accepted' });
      expect(res.status).to.equal(302);
      const row = ctx.db
        .select()
        .from(gatewaySubmissions)
        .where(and(eq(gatewaySubmissions.id, submitted.submission.id)))
        .get()!;
      expect(row.status).to.equal('accepted');
    });
  });

  describe('through the API', () => {
    it('takes the same records with the same checks, scope and audit as the pages', async () => {
      const a = apprentice(ctx.db, 14, 6);
      const start = startMonthsAgo(6);
      const api = supertest(ctx.app);
      const as = (user: 'provider' | 'employer' | 'otherProvider') => `Bearer ${tokenFor(ctx.db, ctx.users[user].id)}`;
      const url = (path: string) => `/api/v1/apprentices/${a.uln}/${path}`;

      const before = await api
        .post(url('breaks'))
        .set('Authorization', as('provider'))
        .send({
          from: isoDate(start.minus({ days: 1 })),
          to: isoDate(start.plus({ days: 3 })),
          reason: 'Illness',
        });
      expect(before.status).to.equal(422);
      expect(before.body.errors).to.deep.equal([
        { path: 'from', message: `A break must start on or after the start date, ${a.startDate}` },
      ]);
      const ok = await api
        .post(url('breaks'))
        .set('Authorization', as('provider'))
        .send({
          from: isoDate(start.plus({ days: 10 })),
          to: isoDate(start.plus({ days: 13 })),
          reason: 'Illness',
        });
      expect(ok.status).to.equal(201);
      expect(ok.body).to.deep.equal({ uln: a.uln });
      expect(
        (
          await api
            .put(url('prior-learning'))
            .set('Authorization', as('otherProvider'))
            .send({ hours: 10, reason: 'x' })
        ).status,
      ).to.equal(404);
      const prior = await api
        .put(url('prior-learning'))
        .set('Authorization', as('provider'))
        .send({ hours: 100, reason: 'Level 3 certificate' });
      expect(prior.status).to.equal(200);
      const gateway = await api.get(url('gateway')).set('Authorization', as('provider'));
      const checks = gateway.body.checks as { code: string; reason: string }[];
      expect(checks.find((c) => c.code === 'practical_period')!.reason).to.contain(
        '4 days of breaks in learning left out',
      );
      expect(checks.find((c) => c.code === 'off_the_job')!.reason).to.contain('of the 300 required');
      const verification = await api
        .put(url('behaviour-verification'))
        .set('Authorization', as('employer'))
        .send({
          verifierName: 'Dana Reilly',
          verifiedOn: isoDate(today()),
          statement: 'Shows integrity',
        });
      expect(verification.status).to.equal(409);
      expect(auditOf(ctx, 'learning_break.recorded').map((e) => e.actorLabel)).to.deep.equal([
        ctx.users.provider.email,
      ]);
    });
  });

  describe('retired and moved fields', () => {
    it('refuses the old ehc_plan column and ehcPlan field, saying what replaced them, and writes nothing', async () => {
      const header =
        'uln,given_names,family_name,date_of_birth,start_date,planned_end_date,standard_reference,standard_version,provider_ukprn,employer_id,weekly_hours,ehc_plan';
      const start = isoDate(startMonthsAgo(15));
      const end = isoDate(startMonthsAgo(15).plus({ months: 18 }));
      const line = `${ULNS[11]},Sam,Lee,2000-01-01,${start},${end},ST0815,1.0,10061234,transport-workers-union,37.5,yes`;
      const token = (await provider.get('/apprentices/import')).text;
      const csv = await provider
        .post('/apprentices/import')
        .field('_csrf', $(token)('input[name="_csrf"]').val() as string)
        .attach('csvFile', Buffer.from(`${header}\n${line}\n`), 'old-template.csv');
      expect($(csv.text)('main').text()).to.contain('The ehc_plan column is retired');
      const api = await supertest(ctx.app)
        .post('/api/v1/apprentices')
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`)
        .send({
          uln: ULNS[12],
          givenNames: 'Sam',
          familyName: 'Lee',
          dateOfBirth: '2000-01-01',
          startDate: start,
          plannedEndDate: end,
          standardReference: 'ST0815',
          standardVersion: '1.0',
          employerId: 'transport-workers-union',
          weeklyHours: 37.5,
          ehcPlan: true,
          englishMathsChoice: 'pursue',
        });
      expect(api.status).to.equal(422);
      const messages = (api.body as { errors: { path: string; message: string }[] }).errors.map((e) => e.path);
      expect(messages).to.include.members(['ehcPlan', 'englishMathsChoice']);
      expect(JSON.stringify(api.body)).to.contain('pursue is now employer_requires');
      expect(findApprenticeByUln(ctx.db, ULNS[11]!)).to.equal(undefined);
      expect(findApprenticeByUln(ctx.db, ULNS[12]!)).to.equal(undefined);
    });

    it("reads a plan file's offTheJobMinimumHours for one more release, with a warning", async () => {
      const admin = supertest(ctx.app);
      const auth = `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`;
      const plan = (await admin.get('/api/v1/standards/ST0815/1.0/plan').set('Authorization', auth)).body as Record<
        string,
        unknown
      >;
      ctx.db.update(standardVersions).set({ offTheJobMinimumHours: null, offTheJobMinimumSource: null }).run();
      const moved = await admin
        .post('/api/v1/plans')
        .set('Authorization', auth)
        .send({ ...plan, offTheJobMinimumHours: 350 });
      expect(moved.status).to.equal(200);
      expect(moved.body.warnings).to.deep.equal([
        'offTheJobMinimumHours in a plan file is deprecated and will be refused in the next release: remove it from the file. Its figure, 350 hours, is now recorded as the published minimum of ST0815 version 1.0.',
      ]);
      const version = () => ctx.db.select().from(standardVersions).get()!;
      expect(version()).to.include({
        offTheJobMinimumHours: 350,
        offTheJobMinimumSource: 'From the assessment plan file ST0815-1.0-demo',
      });
      const ignored = await admin
        .post('/api/v1/plans')
        .set('Authorization', auth)
        .send({ ...plan, offTheJobMinimumHours: 500 });
      expect(ignored.body.warnings[0]).to.contain(
        'Its figure, 500 hours, was not used: ST0815 version 1.0 records 350 hours, which the gateway uses.',
      );
      expect(version().offTheJobMinimumHours).to.equal(350);
    });
  });

  describe('reformed plans', () => {
    const REFORMED = 'ST0815-1.0-reformed-demo';
    beforeEach(() => {
      const imported = importPlan(
        ctx.db,
        JSON.parse(readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8')),
        SETUP,
      );
      if (!imported.ok) throw new Error(JSON.stringify(imported.problems));
    });

    it("use the reformed words and add the employer's verification of behaviours to gateway to completion", async () => {
      const a = readyApprentice(ctx.db, ULNS[13]!, 'Ravi', 'Reformed');
      ctx.db.update(apprentices).set({ planId: REFORMED }).where(eq(apprentices.id, a.id)).run();
      const url = `/apprentices/${a.uln}`;
      const before = (await page(provider, url)).doc;
      expect(before('#checks').text()).to.match(/^Gateway to completion checks on/);
      expect(checkOf(before, 'employer_behaviour_verification')).to.deep.equal({
        status: 'Not met',
        reason:
          'The employer has not yet verified the behaviours the plan leaves to them (B1, B2, B3, B4, B5, B6 and B7). The employer records who verified them, when, and their statement.',
      });
      expect(before('#cannot-request').text()).to.contain('The apprenticeship assessment can be requested once');
      expect(before('#declaration').text()).to.equal('Gateway to completion declaration');
      expect(before('#submissions + p').text()).to.equal('The apprenticeship assessment has not been requested yet.');
      expect((await page(provider, `${url}/behaviour-verification`)).status).to.equal(403);

      const employer = await signedInAgent(ctx.app, ctx.users.employer.email);
      const form = `${url}/behaviour-verification`;
      expect((await page(employer, form)).doc('#verified-ksbs li')).to.have.length(7);
      const future = await postForm(employer, form, form, {
        verifierName: 'Dana Reilly, regional secretary',
        ...dateFields('verifiedOn', today().plus({ days: 1 })),
        statement: 'Shows integrity and resilience in casework.',
      });
      expect(future.status).to.equal(400);
      expect($(future.text)('.govuk-error-summary').text()).to.contain('cannot be in the future');
      expect($(future.text)('.govuk-error-summary a').attr('href')).to.equal('#verifiedOn-day');
      expect($(future.text)('#verifierName').val()).to.equal('Dana Reilly, regional secretary');
      const res = await postForm(employer, form, form, {
        verifierName: 'Dana Reilly, regional secretary',
        ...dateFields('verifiedOn', today()),
        statement: 'Shows integrity and resilience in casework.',
      });
      expect(res.status).to.equal(302);
      const after = (await page(provider, url)).doc;
      expect(checkOf(after, 'employer_behaviour_verification').status).to.equal('Met');
      expect(after('#behaviour-verification + p').text()).to.contain('Dana Reilly, regional secretary');
      expect(after(`form[action="${url}/request-epa"] button`).text().trim()).to.equal(
        'Request apprenticeship assessment',
      );
      expect(auditOf(ctx, 'behaviour_verification.recorded').map((e) => [e.entityId, e.actorLabel])).to.deep.equal([
        [a.uln, ctx.users.employer.email],
      ]);

      const api = await supertest(ctx.app)
        .get(`/api/v1/apprentices/${a.uln}/gateway`)
        .set('Authorization', `Bearer ${tokenFor(ctx.db, ctx.users.provider.id)}`);
      expect(api.body.checks.map((c: { code: string }) => c.code)).to.include.members([
        'certificate_permission',
        'employer_behaviour_verification',
      ]);
    });

    it("sit beside the version's default plan: an apprentice follows the plan their record names", async () => {
      const api = supertest(ctx.app);
      const admin = `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}`;
      // Importing it again replaces it in place (its id), and it stays beside the default.
      const again = await api
        .post('/api/v1/plans')
        .set('Authorization', admin)
        .send(JSON.parse(readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8')));
      expect(again.status).to.equal(200);
      const held = ctx.db.select({ id: plans.id, isDefault: plans.isDefault }).from(plans).orderBy(plans.id).all();
      expect(held).to.deep.equal([
        { id: 'ST0815-1.0-demo', isDefault: true },
        { id: REFORMED, isDefault: false },
      ]);

      // Through the CSV import: a plan of the version is taken; another version's or none is refused.
      const provider = await signedInAgent(ctx.app, ctx.users.provider.email);
      const header =
        'uln,given_names,family_name,date_of_birth,start_date,planned_end_date,standard_reference,standard_version,provider_ukprn,employer_id,weekly_hours,plan_id';
      const start = startMonthsAgo(4);
      const line = (i: number, planId: string) =>
        `${ULNS[i]},Pat,Plan${i},${isoDate(start.minus({ years: 30 }))},${isoDate(start)},${isoDate(start.plus({ months: 12 }))},ST0815,1.0,10061234,transport-workers-union,30,${planId}`;
      const upload = async (csv: string) => {
        const form = (await provider.get('/apprentices/import')).text;
        return provider
          .post('/apprentices/import')
          .field('_csrf', $(form)('input[name="_csrf"]').val() as string)
          .attach('csvFile', Buffer.from(csv), 'plans.csv');
      };
      const refused = await upload(`${header}\n${line(15, 'no-such-plan')}\n`);
      expect($(refused.text)('main').text()).to.contain('ST0815 version 1.0 has no assessment plan "no-such-plan"');
      expect(findApprenticeByUln(ctx.db, ULNS[15]!)).to.equal(undefined);
      const taken = await upload(`${header}\n${line(15, REFORMED)}\n${line(16, '')}\n`);
      expect(taken.status).to.equal(200);
      expect(findApprenticeByUln(ctx.db, ULNS[15]!)!.planId).to.equal(REFORMED);
      expect(findApprenticeByUln(ctx.db, ULNS[16]!)!.planId).to.equal(null);
      // Each is evaluated on their own plan: only the reformed plan's apprentice has behaviours to be verified.
      const checksOf = async (i: number) =>
        (await page(provider, `/apprentices/${ULNS[i]}`)).doc('#gateway-checks tbody tr').length;
      expect(await checksOf(15)).to.equal((await checksOf(16)) + 1);
    });

    it('show core, sampled and employer-verified KSBs apart on the plan page', async () => {
      // The version's default plan is still the EPA plan; the reformed one is beside it.
      const standard = (await page(provider, '/standards/ST0815/1.0')).doc;
      expect(standard('main').text()).to.contain('(for apprentices whose record names it)');
      expect((await page(provider, '/standards/ST0815/1.0/plan')).doc('#plan-regime').text()).to.contain(
        'End-point assessment plan',
      );
      const doc = (await page(provider, `/standards/ST0815/1.0/plan?id=${REFORMED}`)).doc;
      expect(doc('#plan-regime').text()).to.contain('Apprenticeship assessment plan');
      const row = (code: string) =>
        doc('#ksb-coverage tbody tr')
          .filter((_, tr) => doc(tr).find('th').text().trim() === code)
          .find('td')
          .first()
          .text()
          .trim();
      expect(row('B1')).to.equal('Verified by the employer');
      expect(row('K12')).to.equal('Sampled');
      expect(row('K1')).to.equal('Core');
      expect(doc('#ksb-coverage').text()).not.to.contain('Gap');
      expect(doc('#method-project').text()).to.contain('during the apprenticeship, before gateway to completion');
      expect(doc('#method-project').text()).to.contain('marked by the training provider');
    });
  });
});
