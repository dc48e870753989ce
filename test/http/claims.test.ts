import { createApp } from '../../src/app.js';
import { checkingContract } from '../support/api-contract.js';
import { testClock } from '../support/clock.js';
import { FakeApprenticeshipService } from '../support/apprenticeship-service.js';
import { recordDelivery } from '../../src/certificates/store.js';
import { now } from '../support/clock.js';
import fs from 'node:fs';
import { expect } from 'chai';
import { and, eq } from 'drizzle-orm';
import supertest from 'supertest';
import type { ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { isoInstant, todayInLondon } from '../../src/dates.js';
import {
  apprentices,
  auditEvents,
  epaAttempts,
  epaoSettings,
  gatewaySubmissions,
  gradings,
  standardOptions,
  standardVersions,
} from '../../src/db/schema.js';
import { findStandardVersionId } from '../../src/standards/store.js';
import { epaoSettingsOf, releaseResults, startFurtherAttempt } from '../../src/grading/store.js';
import {
  CLAIM_MESSAGES,
  SERVICE_BATCH_LIMIT,
  claimsCsvChunks,
  inBatches,
  isReady,
  requestBatchesJson,
  unclaimedClaimBatches,
  unclaimedClaims,
  type ClaimRow,
} from '../../src/outcomes/claims.js';
import { OFQUAL_HEADER } from '../../src/outcomes/ofqual.js';
import { REGISTRATION_HEADER } from '../../src/outcomes/ofqual-registrations.js';
import { OFQUAL_RETURNS, returnFile } from '../../src/outcomes/ofqual-pages.js';
import { DateTime } from 'luxon';
import { paths } from '../../src/paths.js';
import { planFileSchema } from '../../src/plans/schema.js';
import { importPlan } from '../../src/plans/store.js';
import { regraded } from '../support/plans.js';
import {
  $,
  TEST_CONFIG,
  csrfFrom,
  postForm,
  signedInAgent,
  testApp,
  tokenFor,
  type TestContext,
} from '../support/app.js';
import { SETUP, isoDate, today } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from '../support/grading.js';
import { delivery } from '../support/delivery.js';

const plan = planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));
/** Every criterion of a method met, except those named (not met, with evidence). */
const decisions = (method: string, notMet: string[] = []) =>
  plan.criteria
    .filter((c) => c.method === method)
    .map((c) => ({
      criterionId: c.id,
      met: !notMet.includes(c.id),
      evidence: notMet.includes(c.id) ? 'Not shown in the evidence' : '',
    }));

const NON_ADMINS = ['assessor', 'qa', 'provider', 'employer'] as const;
const API = paths.api.root;
/** Where the test apprentices' certificates go: their employer. */
const POSTED_TO = delivery({ department: null, organisation: 'Transport and Maritime Workers’ Union' });
const RELEASED_DAYS_AGO = 40;

describe('certificate claims and the regulator’s outcomes file', () => {
  let ctx: TestContext;
  let api: supertest.Agent;
  const bearer = (who: keyof TestContext['users']) => ({
    Authorization: `Bearer ${tokenFor(ctx.db, ctx.users[who].id)}`,
  });
  const ulns = validUlns(6, 730_000_000);
  /** Distinction, Pass, Fail, and a Pass whose record then loses its family name. */
  let distinction: { a: ApprenticeDetail; attemptId: number };
  let pass: { a: ApprenticeDetail; attemptId: number };
  let fail: { a: ApprenticeDetail; attemptId: number };
  let invalid: { a: ApprenticeDetail; attemptId: number };

  /**
   * Books, grades, moderates and releases both methods, released 40 days ago so the appeal period
   * is over; each apprentice on their own days so the assessor is free; the certificate posted to
   * the employer.
   */
  async function releasedResult(
    index: number,
    family: string,
    notMet: { project?: string[]; discussion?: string[] },
    planId?: string,
  ) {
    const a = acceptedLongAgo(ctx.db, ulns[index]!, 'Sam', family, 100);
    if (planId) ctx.db.update(apprentices).set({ planId }).where(eq(apprentices.id, a.id)).run();
    assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
    const project = pastBooking(ctx.db, a, ctx.users.assessor.id, 'project', 60 + index);
    const discussion = pastBooking(ctx.db, a, ctx.users.assessor.id, 'discussion', 70 + index);
    recordDelivery(ctx.db, a, POSTED_TO, SETUP, now());
    for (const [booking, method] of [
      [project, 'project'],
      [discussion, 'discussion'],
    ] as const) {
      const res = await api
        .put(`${API}/bookings/${booking}/grade`)
        .set(bearer('assessor'))
        .send({ decisions: decisions(method, notMet[method]) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    const attemptId = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!.id;
    ctx.db.update(gradings).set({ moderation: 'agreed' }).where(eq(gradings.attemptId, attemptId)).run();
    const released = releaseResults(ctx.db, [attemptId], SETUP, now().minus({ days: RELEASED_DAYS_AGO }));
    expect(released.ok).to.equal(true);
    return { a, attemptId };
  }
  /** The day the results were released, which passed quality assurance then (London). */
  const releasedOn = () => isoDate(today().minus({ days: RELEASED_DAYS_AGO }));

  beforeEach(async () => {
    ctx = await testApp();
    api = supertest.agent(ctx.app);
    distinction = await releasedResult(0, 'Distinctive', {});
    pass = await releasedResult(1, 'Passmore', { project: ['PRD1'] });
    fail = await releasedResult(2, 'Failsworth', { project: ['PR1'] });
    invalid = await releasedResult(3, 'Nameless', { discussion: ['PDD1'] });
    ctx.db.update(apprentices).set({ familyName: '' }).where(eq(apprentices.id, invalid.a.id)).run();
  });

  const attempt = (id: number) => ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, id)).get()!;

  it('shows the administrator the claimable results, the Fail as an EPA outcome to record, and those that fail a rule with the reason', async () => {
    expect(attempt(distinction.attemptId).overallGrade).to.equal('Distinction');
    expect(attempt(pass.attemptId).overallGrade).to.equal('Pass');
    expect(attempt(fail.attemptId).overallGrade).to.equal('Fail');
    expect(attempt(invalid.attemptId).overallGrade).to.equal('Pass');

    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const res = await admin.get(paths.claims);
    expect(res.status).to.equal(200);
    const page = $(res.text);
    const claimable = page('#claimable tbody tr')
      .toArray()
      .map((tr) =>
        page(tr)
          .find('td')
          .toArray()
          .map((td) => page(td).text().trim()),
      );
    expect(claimable.map((cells) => cells[0]).sort()).to.deep.equal([distinction.a.uln, pass.a.uln].sort());
    const distinctionRow = claimable.find((cells) => cells[0] === distinction.a.uln)!;
    expect(distinctionRow).to.deep.equal([
      distinction.a.uln,
      'Distinctive',
      'Sam',
      'ST0815',
      '569',
      '1.0',
      'None',
      'Distinction',
      releasedOn(),
      'Dana Reilly, Transport and Maritime Workers’ Union, WC1X 8TN',
    ]);

    const invalidRows = page('#invalid-claims tbody tr');
    expect(invalidRows).to.have.length(1);
    expect(invalidRows.text()).to.contain(invalid.a.uln);
    expect(invalidRows.text()).to.contain(CLAIM_MESSAGES.familyName);
    // The Fail is no certificate: it is an EPA outcome to record, as a first attempt.
    expect(page('#claimable').text()).to.not.contain(fail.a.uln);
    const records = page('#epa-records tbody tr');
    expect(records).to.have.length(1);
    expect(
      records
        .find('td')
        .map((_, td) => page(td).text().trim())
        .get(),
    ).to.deep.equal([
      fail.a.uln,
      'Sam Failsworth',
      'Fail',
      attempt(fail.attemptId).resultOn!,
      'First attempt',
      'A new EPA record',
    ]);
    // The downloads and the marking are tied to the list as shown, by its time.
    const asOf = String(page('input[name="asOf"]').val());
    expect(asOf).to.match(/^\d{4}-\d{2}-\d{2}T/);
    expect(page('a[href^="/claims/claims.csv"]').attr('href')).to.equal(
      `${paths.claimsCsv}?asOf=${encodeURIComponent(asOf)}`,
    );
  });

  it('downloads only the valid unclaimed rows, as CSV and as JSON', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const csv = await admin.get(paths.claimsCsv);
    expect(csv.status).to.equal(200);
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    expect(csv.headers['content-disposition']).to.contain('attachment');
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).to.equal(
      'ULN,FamilyName,GivenNames,StandardCode,StandardReference,Version,Option,OverallGrade,AchievementDate,SendCertificateTo',
    );
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).to.deep.equal([distinction.a.uln, pass.a.uln].sort());
    expect(csv.text).to.not.contain(invalid.a.uln);
    expect(csv.text).to.not.contain(fail.a.uln);
    const passLine = lines.find((l) => l.startsWith(pass.a.uln))!;
    expect(passLine).to.equal(
      `${pass.a.uln},Passmore,Sam,569,ST0815,1.0,,Pass,${releasedOn()},"Dana Reilly, Transport and Maritime Workers’ Union, 128 Theobald’s Road, London, WC1X 8TN"`,
    );
    expect(csv.text).to.not.contain(invalid.a.uln);
  });

  it('writes the claims files a batch at a time: the same file whatever the batch size, without what is released after the list was shown', async () => {
    // A result with no date (listed first) and two on the same day (in attempt order): batches resume after each.
    ctx.db.update(epaAttempts).set({ resultOn: null }).where(eq(epaAttempts.id, invalid.attemptId)).run();
    const sameDay = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, distinction.attemptId)).get()!.resultOn;
    ctx.db.update(epaAttempts).set({ resultOn: sameDay }).where(eq(epaAttempts.id, pass.attemptId)).run();
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const asOf = isoInstant(now());
    const whole = (await admin.get(`${paths.claimsCsv}?asOf=${encodeURIComponent(asOf)}`)).text;
    expect(whole.trim().split('\r\n')).to.have.length(3);
    const settings = epaoSettingsOf(ctx.db);
    const ready = (rows: ClaimRow[]) => rows.filter((r) => isReady(r) && r.sends === 'certificate');
    for (const size of [1, 2, 3]) {
      const batches = [...unclaimedClaimBatches(ctx.db, todayInLondon(now()), settings, asOf, size)];
      // Every unclaimed result once (the invalid one and the Fail too), in the list's order, size at a time.
      expect(batches.flat().map((r) => r.attemptId)).to.deep.equal(
        unclaimedClaims(ctx.db, todayInLondon(now()), settings, asOf).map((r) => r.attemptId),
      );
      expect(batches.flat()).to.have.length(4);
      expect(batches.every((b) => b.length <= size)).to.equal(true);
      expect([...claimsCsvChunks(batches.map(ready))].join(''), `in batches of ${size}`).to.equal(whole);
    }
    // The pass released again after the list was shown: not in a download of that list.
    ctx.db
      .update(epaAttempts)
      .set({ releasedAt: isoInstant(now().plus({ minutes: 1 })) })
      .where(eq(epaAttempts.id, pass.attemptId))
      .run();
    const later = (await admin.get(`${paths.claimsCsv}?asOf=${encodeURIComponent(asOf)}`)).text;
    expect(later.trim().split('\r\n')).to.have.length(2);
    expect(later).to.not.contain(pass.a.uln);
    const json = JSON.parse((await admin.get(`${paths.claimsJson}?asOf=${encodeURIComponent(asOf)}`)).text) as {
      RequestId: string;
    }[][];
    expect(json.flat().map((r) => r.RequestId)).to.deep.equal([`attempt-${distinction.attemptId}`]);
  });

  it('writes requests in the service’s batches of 25 as one JSON array, a batch at a time, as JSON.stringify would', () => {
    for (const n of [0, 1, 24, 25, 26, 51]) {
      // A line or paragraph separator is left as it is inside a JSON string, and must stay so.
      const requests = Array.from({ length: n }, (_, i) => ({
        RequestId: `r${i}`,
        Learner: { Uln: i, FamilyName: 'Ann\u2028Marie\u2029Ng' },
      }));
      const chunks = [...requestBatchesJson(requests)];
      expect(chunks.join(''), `${n} requests`).to.equal(JSON.stringify(inBatches(requests), null, 2));
      // One chunk a batch, then the closing bracket.
      expect(chunks, `${n} requests`).to.have.length(Math.ceil(n / SERVICE_BATCH_LIMIT) + 1);
    }
  });

  describe('as the apprenticeship service reads them (its Record a Grade API, faked in test/support)', () => {
    let service: FakeApprenticeshipService;
    let base: string;
    /** The apprenticeship service holds these apprentices as learners on ST0815 1.0 (standard code 569). */
    const knownToService = (...results: { a: { uln: string; familyName: string } }[]) => {
      for (const r of results)
        service.learners.push({
          uln: Number(r.a.uln),
          familyName: r.a.familyName,
          standardCode: 569,
          standardReference: 'ST0815',
          version: '1.0',
        });
    };
    beforeEach(async () => {
      service = new FakeApprenticeshipService(() => todayInLondon(now()));
      knownToService(distinction, pass, fail, invalid);
      service.approvals.set(10000528, new Map([[569, ['1.0']]]));
      service.keys.set('test-key', 10000528);
      base = await service.start();
    });
    afterEach(() => service.stop());

    /** An administrator of the app configured to send to the fake service. */
    const sendingAdmin = () =>
      signedInAgent(
        checkingContract(
          createApp({
            db: ctx.db,
            config: { ...TEST_CONFIG, apprenticeshipService: { url: base, key: 'test-key' } },
            clock: testClock,
            log: () => undefined,
          }),
        ),
        ctx.users.admin.email,
      );

    const post = (batch: unknown) =>
      fetch(`${base}/api/v1/certificate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': 'test-key' },
        body: JSON.stringify(batch),
      });

    it('downloads the service’s own certificate requests, in batches it accepts, and it takes every one', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const json = await admin.get(paths.claimsJson);
      expect(json.status).to.equal(200);
      expect(json.headers['content-disposition']).to.contain(`certificate-requests-${todayInLondon(now())}.json`);
      const batches = JSON.parse(json.text) as { RequestId: string; Learner: { Uln: number } }[][];
      expect(batches).to.have.length(1);
      expect(batches[0]!.map((r) => r.RequestId).sort()).to.deep.equal(
        [`attempt-${distinction.attemptId}`, `attempt-${pass.attemptId}`].sort(),
      );
      expect(batches[0]!.find((r) => r.RequestId === `attempt-${pass.attemptId}`)).to.deep.equal({
        RequestId: `attempt-${pass.attemptId}`,
        Standard: { StandardCode: 569, StandardReference: 'ST0815' },
        Learner: { Uln: Number(pass.a.uln), FamilyName: 'Passmore' },
        LearningDetails: { Version: '1.0', OverallGrade: 'Pass', AchievementDate: releasedOn() },
        PostalContact: {
          ContactName: 'Dana Reilly',
          Organisation: 'Transport and Maritime Workers’ Union',
          AddressLine1: '128 Theobald’s Road',
          City: 'London',
          PostCode: 'WC1X 8TN',
        },
      });
      for (const batch of batches) {
        const answer = await post(batch);
        expect(answer.status).to.equal(200);
        const items = (await answer.json()) as { requestId: string; validationErrors: string[] }[];
        expect(items.map((i) => [i.requestId, i.validationErrors])).to.deep.equal(batch.map((r) => [r.RequestId, []]));
      }
      expect(service.certificates.size).to.equal(2);
    });

    it('sends the apprentice’s option as CourseOption, which the service checks against the version’s options', async () => {
      // Test data: ST0815 1.0 given two options, in the platform and in the service alike.
      const OPTIONS = ['Option A (test data)', 'Option B (test data)'];
      const versionId = findStandardVersionId(ctx.db, 'ST0815', '1.0')!;
      ctx.db
        .insert(standardOptions)
        .values(OPTIONS.map((title, position) => ({ standardVersionId: versionId, title, position })))
        .run();
      service.options.set('569/1.0', OPTIONS);
      ctx.db
        .update(apprentices)
        .set({ courseOption: 'Option B (test data)' })
        .where(eq(apprentices.uln, pass.a.uln))
        .run();

      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const page = $((await admin.get(paths.claims)).text);
      // The Distinction's apprentice has no option recorded: it fails the rule, with what to do.
      expect(page('main').text()).to.contain(CLAIM_MESSAGES.optionMissing(OPTIONS));
      const batches = JSON.parse((await admin.get(paths.claimsJson)).text) as {
        RequestId: string;
        LearningDetails: Record<string, unknown>;
      }[][];
      expect(batches.flat().map((r) => r.RequestId)).to.deep.equal([`attempt-${pass.attemptId}`]);
      const request = batches[0]![0]!;
      expect(request.LearningDetails.CourseOption).to.equal('Option B (test data)');
      const taken = (await (await post([request])).json()) as { validationErrors: string[] }[];
      expect(taken[0]!.validationErrors).to.deep.equal([]);

      // Without it, the service refuses it in its own words.
      const bare = { ...request.LearningDetails };
      delete bare.CourseOption;
      const refused = (await (await post([{ ...request, RequestId: 'bare', LearningDetails: bare }])).json()) as {
        validationErrors: string[];
      }[];
      expect(refused[0]!.validationErrors[0]).to.match(
        /^Invalid course option for this Standard and version\. Must be one of the following: Option A \(test data\), Option B \(test data\)/,
      );
    });

    it('sends every ready claim through the client when configured: created and submitted, claimed with the service’s reference; one it refuses keeps its reasons', async () => {
      // The service knows Passmore by another family name: its learner pre-check refuses that one, in its own words.
      service.learners.find((l) => l.uln === Number(pass.a.uln))!.familyName = 'Passmore-Hill';
      const admin = await sendingAdmin();
      const page = $((await admin.get(paths.claims)).text);
      expect(page('#send-form button').text().trim()).to.equal('Send these 3 results to the apprenticeship service');
      const res = await postForm(admin, paths.claims, paths.sendClaims, {});
      expect(res.status).to.equal(303);
      expect(res.headers.location).to.equal(`${paths.claims}?sent=2&refused=1&failed=0`);

      const lookups = service.received.filter((r) => r.method === 'GET').map((r) => r.path);
      expect(lookups.sort()).to.deep.equal(
        [distinction, pass, fail].map((r) => `/api/v1/learner/${r.a.uln}/${r.a.familyName}/ST0815`).sort(),
      );
      expect(
        service.received.filter((r) => r.method === 'POST').map((r) => [r.path, (r.body as unknown[]).length]),
      ).to.deep.equal([
        ['/api/v1/epa', 1],
        ['/api/v1/certificate', 1],
        ['/api/v1/certificate/submit', 1],
      ]);
      expect(attempt(distinction.attemptId)).to.include({ serviceStatus: 'Submitted', claimedGrade: 'Distinction' });
      expect(attempt(distinction.attemptId).serviceReference).to.equal(
        service.certificates.get(`${distinction.a.uln}/569`),
      );
      expect(attempt(fail.attemptId)).to.include({ serviceStatus: 'Submitted', claimedGrade: 'Fail' });
      expect(attempt(pass.attemptId)).to.include({ claimedAt: null });
      expect(attempt(pass.attemptId).serviceErrors).to.deep.equal(['ULN, FamilyName and Standard not found']);

      const after = $((await admin.get(res.headers.location!)).text);
      expect(after('.govuk-notification-banner, [role="alert"]').text()).to.contain(
        '2 results sent to the apprenticeship service and claimed. 1 result refused by the service: see below.',
      );
      expect(after('#refused-claims tbody tr').text())
        .to.contain(pass.a.uln)
        .and.to.contain('ULN, FamilyName and Standard not found');
      const audit = (action: string) =>
        ctx.db
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.action, action))
          .all()
          .map((e) => Number(e.entityId))
          .sort();
      expect(audit('claim.sent')).to.deep.equal([distinction.attemptId, fail.attemptId].sort());
      expect(audit('claim.refused_by_service')).to.deep.equal([pass.attemptId]);

      // Once the service knows the name, the next send takes it.
      service.learners.find((l) => l.uln === Number(pass.a.uln))!.familyName = 'Passmore';
      const again = await postForm(admin, paths.claims, paths.sendClaims, {});
      expect(again.headers.location).to.equal(`${paths.claims}?sent=1&refused=0&failed=0`);
      expect(attempt(pass.attemptId)).to.include({ serviceStatus: 'Submitted', serviceErrors: null });
    });

    it('claims the grades a plan gives in the service’s words: Credit and Pass with excellence, which it takes', async () => {
      const excellence = {
        ...regraded(plan, { Pass: 'Credit', Distinction: 'Pass with excellence' }),
        id: 'excellence',
      };
      expect(importPlan(ctx.db, excellence, SETUP).ok).to.equal(true);
      const top = await releasedResult(4, 'Excelsior', {}, 'excellence');
      const credit = await releasedResult(5, 'Creditor', { discussion: ['PDD1'] }, 'excellence');
      knownToService(top, credit);

      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const page = $((await admin.get(paths.claims)).text);
      for (const [r, grade] of [
        [top, 'Pass with excellence'],
        [credit, 'Credit'],
      ] as const)
        expect(page(`#claimable tr[data-attempt-id="${r.attemptId}"]`).text()).to.contain(grade);
      const batches = JSON.parse((await admin.get(paths.claimsJson)).text) as {
        RequestId: string;
        LearningDetails: { OverallGrade: string };
      }[][];
      const grades = Object.fromEntries(batches.flat().map((r) => [r.RequestId, r.LearningDetails.OverallGrade]));
      expect(grades).to.include({
        [`attempt-${top.attemptId}`]: 'Pass with excellence',
        [`attempt-${credit.attemptId}`]: 'Credit',
      });
      for (const batch of batches) {
        const items = (await (await post(batch)).json()) as { requestId: string; validationErrors: string[] }[];
        expect(items.filter((i) => i.validationErrors.length > 0)).to.deep.equal([]);
      }
      expect(service.certificates.has(`${top.a.uln}/569`)).to.equal(true);
      expect(service.certificates.has(`${credit.a.uln}/569`)).to.equal(true);
    });

    it('submits a certificate the service already made (an earlier send whose answer was lost), by the reference it names', async () => {
      service.certificates.set(`${distinction.a.uln}/569`, '00000099');
      const admin = await sendingAdmin();
      await admin.get(paths.claims);
      const res = await postForm(admin, paths.claims, paths.sendClaims, {});
      expect(res.headers.location).to.equal(`${paths.claims}?sent=3&refused=0&failed=0`);
      expect(attempt(distinction.attemptId)).to.include({ serviceReference: '00000099', serviceStatus: 'Submitted' });
      expect(service.submitted.has('00000099')).to.equal(true);
    });

    it('sends only the results the page listed: one released after it was shown waits for the next look', async () => {
      ctx.db.update(epaoSettings).set({ claimHighestGradeEarly: true }).run();
      const admin = await sendingAdmin();
      const page = await admin.get(paths.claims);
      const form = $(page.text)('#send-form');
      const asOf = String(form.find('input[name="asOf"]').val());
      expect(form.find('button').text().trim()).to.equal('Send these 3 results to the apprenticeship service');
      // A Distinction released after the page was shown: ready at once by the setting, but not on the page.
      const late = await releasedResult(4, 'Latecomer', {});
      knownToService(late);
      ctx.db
        .update(epaAttempts)
        .set({ releasedAt: isoInstant(DateTime.fromISO(asOf).plus({ milliseconds: 1 })) })
        .where(eq(epaAttempts.id, late.attemptId))
        .run();
      const res = await admin
        .post(paths.sendClaims)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), asOf });
      expect(res.headers.location).to.equal(`${paths.claims}?sent=3&refused=0&failed=0`);
      expect(attempt(late.attemptId).claimedAt).to.equal(null);
      const next = $((await admin.get(paths.claims)).text);
      expect(next(`#claimable tr[data-attempt-id="${late.attemptId}"]`).text()).to.contain('Latecomer');
    });

    it('sends a resit’s Fail as an update of the record it sent the first Fail as, holding both outcomes, which the service takes', async () => {
      const admin = await sendingAdmin();
      await admin.get(paths.claims);
      await postForm(admin, paths.claims, paths.sendClaims, {});
      const reference = attempt(fail.attemptId).serviceReference!;
      expect(attempt(fail.attemptId)).to.include({ serviceStatus: 'Submitted', claimedGrade: 'Fail' });

      // The project is resat 4 weeks after the resit began (the plan's time to redo it), and failed again.
      // A one-day appeal period (the EPAO's setting) lets the resit's outcome go within the test's window.
      ctx.db.update(epaoSettings).set({ appealWorkingDays: 1 }).run();
      const resit = startFurtherAttempt(
        ctx.db,
        fail.a,
        { choices: { project: 'resit' }, actionPlan: null },
        SETUP,
        now().minus({ days: 39 }),
        null,
      );
      if (!resit.ok) throw new Error(resit.message);
      const booking = pastBooking(ctx.db, fail.a, ctx.users.assessor.id, 'project', 10);
      const graded = await api
        .put(`${API}/bookings/${booking}/grade`)
        .set(bearer('assessor'))
        .send({ decisions: decisions('project', ['PR1']) });
      expect(graded.status, JSON.stringify(graded.body)).to.equal(200);
      ctx.db.update(gradings).set({ moderation: 'agreed' }).where(eq(gradings.attemptId, resit.attempt.id)).run();
      expect(releaseResults(ctx.db, [resit.attempt.id], SETUP, now().minus({ days: 8 })).ok).to.equal(true);

      const page = $((await admin.get(paths.claims)).text);
      expect(page(`#epa-records tr[data-attempt-id="${resit.attempt.id}"]`).text())
        .to.contain('Resit')
        .and.to.contain(`An update of EPA record ${reference}`);
      // Only new records go in the download: an update needs the reference only a direct send holds.
      const downloaded = JSON.parse((await admin.get(paths.epaRecordsJson)).text) as { RequestId: string }[][];
      expect(downloaded.flat().map((r) => r.RequestId)).to.not.include(`attempt-${resit.attempt.id}`);

      const res = await postForm(admin, paths.claims, paths.sendClaims, {});
      expect(res.headers.location).to.equal(`${paths.claims}?sent=1&refused=0&failed=0`);
      const put = service.received.filter((r) => r.method === 'PUT');
      expect(put.map((r) => r.path)).to.deep.equal(['/api/v1/epa']);
      expect(put[0]!.body).to.deep.equal([
        {
          RequestId: `attempt-${resit.attempt.id}`,
          EpaReference: reference,
          Standard: { StandardCode: 569, StandardReference: 'ST0815' },
          Learner: { Uln: Number(fail.a.uln), FamilyName: 'Failsworth' },
          LearningDetails: { Version: '1.0' },
          EpaDetails: {
            Epas: [
              { EpaDate: attempt(fail.attemptId).resultOn, EpaOutcome: 'Fail', Resit: false, Retake: false },
              { EpaDate: attempt(resit.attempt.id).resultOn, EpaOutcome: 'Fail', Resit: true, Retake: false },
            ],
          },
        },
      ]);
      expect(service.epaOutcomes.get(reference)).to.deep.equal(['Fail', 'Fail']);
      expect(attempt(resit.attempt.id)).to.include({
        serviceReference: reference,
        serviceStatus: 'Submitted',
        claimedGrade: 'Fail',
      });
    });

    it('without the service configured, offers no sending and refuses a send', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      expect($((await admin.get(paths.claims)).text)('#send-form')).to.have.length(0);
      const res = await postForm(admin, paths.claims, paths.sendClaims, {});
      expect(res.status).to.equal(409);
      expect(service.received).to.deep.equal([]);
    });

    it('downloads the Fail as the service’s EPA record request, which it takes', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const json = await admin.get(paths.epaRecordsJson);
      expect(json.status).to.equal(200);
      const batches = JSON.parse(json.text) as Record<string, unknown>[][];
      expect(batches).to.deep.equal([
        [
          {
            RequestId: `attempt-${fail.attemptId}`,
            Standard: { StandardCode: 569, StandardReference: 'ST0815' },
            Learner: { Uln: Number(fail.a.uln), FamilyName: 'Failsworth' },
            LearningDetails: { Version: '1.0' },
            EpaDetails: {
              Epas: [{ EpaDate: attempt(fail.attemptId).resultOn, EpaOutcome: 'Fail', Resit: false, Retake: false }],
            },
          },
        ],
      ]);
      const answer = await fetch(`${base}/api/v1/epa`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': 'test-key' },
        body: JSON.stringify(batches[0]),
      });
      const items = (await answer.json()) as { requestId: string; epaReference?: string; validationErrors: string[] }[];
      expect(items).to.have.length(1);
      expect(items[0]).to.include({ requestId: `attempt-${fail.attemptId}` });
      expect(items[0]!.validationErrors).to.deep.equal([]);
      expect(items[0]!.epaReference).to.be.a('string');
    });

    it('refuses what the platform never sends, each with the service’s message: the fake applies its rules', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const [request] = (JSON.parse((await admin.get(paths.claimsJson)).text) as Record<string, unknown>[][])[0]!;
      const broken = (change: (r: Record<string, Record<string, unknown>>) => void) => {
        const copy = structuredClone(request) as Record<string, Record<string, unknown>>;
        change(copy);
        return copy;
      };
      const answer = await post([
        broken((r) => (r.PostalContact!.PostCode = 'NOT A CODE')),
        broken((r) => (r.LearningDetails!.OverallGrade = 'Fail')),
        broken((r) => (r.Learner!.FamilyName = 'Someone Else')),
        broken((r) => (r.LearningDetails!.AchievementDate = '2016-12-31')),
        broken((r) => delete r.PostalContact!.City),
      ]);
      const items = (await answer.json()) as { validationErrors: string[] }[];
      expect(items.map((i) => i.validationErrors)).to.deep.equal([
        ['Provide a valid UK postcode'],
        ['Cannot record a Fail grade via API'],
        ['ULN, FamilyName and Standard not found.'],
        ['Achievement date cannot be before 01 01 2017'],
        ['Provide a city or town'],
      ]);
      const tooMany = await post(Array.from({ length: 26 }, () => request));
      expect(tooMany.status).to.equal(403);
      expect(((await tooMany.json()) as { message: string }).message).to.equal('Batch limited to 25 requests');
    });
  });

  it('marks the listed claims as claimed in one audited change; they leave the list and the downloads', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = await admin.get(paths.claims);
    const form = new URLSearchParams({
      _csrf: csrfFrom(page.text),
      asOf: String($(page.text)('input[name="asOf"]').val()),
    });
    // A result released after the page was shown is neither in its downloads nor marked with it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    ctx.db.update(epaAttempts).set({ releasedAt: null }).where(eq(epaAttempts.id, invalid.attemptId)).run();
    ctx.db.update(apprentices).set({ familyName: 'Named' }).where(eq(apprentices.id, invalid.a.id)).run();
    expect(releaseResults(ctx.db, [invalid.attemptId], SETUP, now()).ok).to.equal(true);
    const res = await admin.post(paths.markClaimed).type('form').send(form.toString());
    expect(res.status).to.equal(303);
    expect(res.headers.location).to.equal(`${paths.claims}?marked=3`);

    for (const { attemptId } of [distinction, pass, fail])
      expect(attempt(attemptId))
        .to.include({ claimedBy: ctx.users.admin.id })
        .and.to.have.property('claimedAt')
        .that.is.a('string');
    expect(attempt(invalid.attemptId).claimedAt, 'released after the page was shown').to.equal(null);
    const audit = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'claim.marked')).all();
    expect(audit.map((e) => Number(e.entityId)).sort()).to.deep.equal(
      [distinction.attemptId, pass.attemptId, fail.attemptId].sort(),
    );
    expect(audit[0]).to.include({ actorUserId: ctx.users.admin.id, entityType: 'attempt' });

    const after = await admin.get(res.headers.location!);
    expect(after.text).to.contain('3 results marked as claimed.');
    // The result released since waits for its appeal period.
    expect($(after.text)('#claimable')).to.have.length(0);
    expect($(after.text)('#held-claims').text()).to.contain(invalid.a.uln);
    expect((await admin.get(paths.claimsCsv)).text.trim().split('\r\n')).to.have.length(1);

    // Posting the same list again marks nothing more and says why.
    const again = await admin
      .post(paths.markClaimed)
      .type('form')
      .send(form.toString().replace(/_csrf=[^&]*/, `_csrf=${encodeURIComponent(csrfFrom(after.text))}`));
    expect(again.status).to.equal(400);
    expect(again.text).to.contain('There are no claims to mark');
    // The claim kept the grade it gave: an upheld appeal that changes the result later asks for an amendment.
    expect(attempt(distinction.attemptId).claimedGrade).to.equal('Distinction');
    ctx.db.update(epaAttempts).set({ overallGrade: 'Merit' }).where(eq(epaAttempts.id, distinction.attemptId)).run();
    const amend = $((await admin.get(paths.claims)).text);
    expect(amend('#amend-claims tbody tr').text()).to.contain(distinction.a.uln).and.to.contain('Distinction');
    expect(amend('#amend').next('p').text()).to.contain('Amend each certificate in the apprenticeship service');
    expect(ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'claim.marked')).all()).to.have.length(3);
  });

  describe('API', () => {
    it('lists every result to send with its validation and its request: certificates, and the Fail as an EPA record', async () => {
      const res = await api.get(`${API}/claims`).set(bearer('admin'));
      expect(res.status).to.equal(200);
      const claims = res.body.claims as {
        attemptId: number;
        valid: boolean;
        reasons: string[];
        uln: string;
        ready: boolean;
        sends: string;
        request: { Standard: { StandardCode: number }; EpaDetails?: unknown } | null;
      }[];
      expect(claims.map((c) => c.attemptId).sort()).to.deep.equal(
        [distinction.attemptId, pass.attemptId, fail.attemptId, invalid.attemptId].sort(),
      );
      expect(claims.find((c) => c.attemptId === invalid.attemptId)).to.deep.include({
        valid: false,
        reasons: [CLAIM_MESSAGES.familyName],
      });
      expect(claims.find((c) => c.attemptId === pass.attemptId)).to.deep.include({
        valid: true,
        reasons: [],
        ready: true,
      });
      expect(claims.find((c) => c.attemptId === pass.attemptId)!.request!.Standard.StandardCode).to.equal(569);
      const failed = claims.find((c) => c.uln === fail.a.uln)!;
      expect(failed).to.include({ sends: 'epa_record', valid: true, ready: true });
      expect(failed.request!.EpaDetails).to.deep.equal({
        Epas: [{ EpaDate: attempt(fail.attemptId).resultOn, EpaOutcome: 'Fail', Resit: false, Retake: false }],
      });
    });

    it('marks valid results, all or nothing: 422 names each that cannot be marked', async () => {
      const refused = await api
        .post(`${API}/claims/mark`)
        .set(bearer('admin'))
        .send({ attemptIds: [distinction.attemptId, invalid.attemptId, fail.attemptId, 99999] });
      expect(refused.status).to.equal(422);
      const errors = refused.body.errors as { path: string; message: string }[];
      expect(errors.map((e) => e.path)).to.deep.equal(['attemptIds.1', 'attemptIds.3']);
      expect(errors[0]!.message).to.contain(CLAIM_MESSAGES.familyName);
      expect(errors[1]!.message).to.contain('does not exist');
      expect(attempt(fail.attemptId).claimedAt, 'nothing marked: all or nothing').to.equal(null);
      expect(attempt(distinction.attemptId).claimedAt).to.equal(null);

      const bad = await api.post(`${API}/claims/mark`).set(bearer('admin')).send({ attemptIds: [] });
      expect(bad.status).to.equal(422);
      expect(
        (
          await api
            .post(`${API}/claims/mark`)
            .set(bearer('admin'))
            .send({ attemptIds: ['x'] })
        ).status,
      ).to.equal(422);

      const marked = await api
        .post(`${API}/claims/mark`)
        .set(bearer('admin'))
        .send({ attemptIds: [distinction.attemptId] });
      expect(marked.status, JSON.stringify(marked.body)).to.equal(200);
      expect(marked.body).to.deep.equal({ marked: 1, attemptIds: [distinction.attemptId] });
      expect(attempt(distinction.attemptId).claimedBy).to.equal(ctx.users.admin.id);
      expect(
        ctx.db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.action, 'claim.marked'), eq(auditEvents.entityId, String(distinction.attemptId))))
          .all(),
      ).to.have.length(1);
      const list = await api.get(`${API}/claims`).set(bearer('admin'));
      expect(list.body.claims.map((c: { attemptId: number }) => c.attemptId)).to.not.include(distinction.attemptId);
      const twice = await api
        .post(`${API}/claims/mark`)
        .set(bearer('admin'))
        .send({ attemptIds: [distinction.attemptId] });
      expect(twice.status).to.equal(422);
    });

    it('is described in the OpenAPI document', async () => {
      const doc = await api.get(`${API}/openapi.json`);
      expect(doc.body.paths['/claims'].get).to.have.property('responses');
      expect(doc.body.paths['/claims/mark'].post.requestBody).to.have.property('content');
    });
  });

  it('refuses everyone but administrators: every claims and outcomes-file page, download and API call', async () => {
    const ofqualQuery = `?reportingDate=${todayInLondon(now())}&from=2020-01-01&to=${todayInLondon(now())}`;
    for (const who of NON_ADMINS) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      for (const url of [
        paths.claims,
        paths.claimsCsv,
        paths.claimsJson,
        paths.ofqualOutcomes,
        `${paths.ofqualOutcomes}${ofqualQuery}`,
        `${paths.ofqualOutcomesCsv}${ofqualQuery}`,
      ]) {
        expect((await agent.get(url)).status, `${who} GET ${url}`).to.equal(403);
      }
      const home = await agent.get(paths.home);
      const post = await agent
        .post(paths.markClaimed)
        .type('form')
        .send({ _csrf: csrfFrom(home.text), asOf: now().toISO() });
      expect(post.status, `${who} POST`).to.equal(403);
      expect((await api.get(`${API}/claims`).set(bearer(who))).status, `${who} API GET`).to.equal(403);
      expect(
        (
          await api
            .post(`${API}/claims/mark`)
            .set(bearer(who))
            .send({ attemptIds: [distinction.attemptId] })
        ).status,
        `${who} API POST`,
      ).to.equal(403);
    }
    expect(attempt(distinction.attemptId).claimedAt).to.equal(null);
    const visitor = supertest.agent(ctx.app);
    expect((await visitor.get(paths.claims)).status).to.equal(302);
    expect((await visitor.get(paths.ofqualOutcomes)).status).to.equal(302);
    expect((await api.get(`${API}/claims`)).status).to.equal(401);
  });

  describe('the regulator’s outcomes file', () => {
    const period = () => ({ reportingDate: todayInLondon(now()), from: '2020-01-01', to: todayInLondon(now()) });
    const query = () => new URLSearchParams(period()).toString();

    it('says the EPAO’s name and EPA number are needed, and offers no download, until they are set', async () => {
      const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
      const res = await admin.get(`${paths.ofqualOutcomes}?${query()}`);
      expect(res.status).to.equal(200);
      expect($(res.text)('#settings-problem').text()).to.contain('EPA number');
      expect($(res.text)('#download')).to.have.length(0);
      expect(res.text).to.not.contain(paths.ofqualOutcomesCsv);
      expect((await admin.get(`${paths.ofqualOutcomesCsv}?${query()}`)).status).to.equal(409);
    });

    /** The columns both Ofqual returns begin with, for the Fail's apprentice (no qualification number recorded). */
    const failIdentity = () => [
      todayInLondon(now()),
      'Northern Union Assessment Ltd',
      'EPA0123',
      'Trade union official',
      'ST0815',
      '1.0',
      '-2',
      fail.a.uln,
      '-2',
    ];

    describe('with the EPAO’s settings', () => {
      beforeEach(() => {
        epaoSettingsOf(ctx.db);
        ctx.db.update(epaoSettings).set({ epaoName: 'Northern Union Assessment Ltd', epaNumber: 'EPA0123' }).run();
      });

      it('downloads a CSV whose header row has every column in order, one row per released result (Fails included)', async () => {
        const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
        const page = await admin.get(`${paths.ofqualOutcomes}?${query()}`);
        expect(page.status).to.equal(200);
        const href = $(page.text)('#download').attr('href');
        expect(href).to.equal(`${paths.ofqualOutcomesCsv}?${query()}`);
        expect($(page.text)('#ofqual-preview tbody tr')).to.have.length(4);

        const res = await admin.get(href!);
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.match(/^text\/csv/);
        const lines = res.text.trim().split('\r\n');
        expect(lines[0]).to.equal(OFQUAL_HEADER.join(','));
        expect(
          lines[0]!.startsWith(
            'ReportingDate,AwardingOrganisation,AwardingOrganisationID,StandardTitle,StandardID,AssessmentPlanVersionNumber,QualificationNumber,ULN,CandidateIdentifierOther,',
          ),
        ).to.equal(true);
        expect(lines).to.have.length(5);
        const failRow = lines.find((l) => l.includes(fail.a.uln))!.split(',');
        const at = (name: string) => failRow[OFQUAL_HEADER.indexOf(name)];
        expect(failRow.slice(0, 9)).to.deep.equal(failIdentity());
        expect(at('Component1Method')).to.equal(plan.methods[0]!.name);
        expect(at('Component1Grade')).to.equal('Fail');
        expect(at('Component2Grade')).to.equal('Distinction');
        expect(at('EPAGrade')).to.equal('Fail');
        expect(at('EPAGradeDate')).to.equal(attempt(fail.attemptId).resultOn);
        expect(at('ResitOrRetake')).to.equal('No');
      });

      it('writes the same files a batch at a time, whatever the batch size, and leaves out what is released after the download began', async () => {
        const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
        const settings = epaoSettingsOf(ctx.db);
        const asOf = now().toUTC().toISO();
        for (const [ret, download] of [
          [OFQUAL_RETURNS[0]!, paths.ofqualOutcomesCsv],
          [OFQUAL_RETURNS[1]!, paths.ofqualRegistrationsCsv],
        ] as const) {
          const whole = (await admin.get(`${download}?${query()}`)).text;
          expect(whole.trim().split('\r\n'), download).to.have.length(5);
          for (const size of [1, 2, 3]) {
            const chunks = [...returnFile(ret, ctx.db, settings, period(), asOf, size)];
            expect(chunks.join(''), `${download} in batches of ${size}`).to.equal(whole);
            // The header, then one chunk a batch (a last empty batch writes nothing).
            expect(chunks.length, `${download} in batches of ${size}`).to.equal(1 + Math.ceil(4 / size));
          }
        }
        // Released (or decided) after the download began: not in that download.
        const before = now().minus({ minutes: 1 }).toUTC().toISO();
        ctx.db
          .update(epaAttempts)
          .set({ releasedAt: now().toUTC().toISO() })
          .where(eq(epaAttempts.id, pass.attemptId))
          .run();
        const outcomes = [...returnFile(OFQUAL_RETURNS[0]!, ctx.db, settings, period(), before, 2)].join('');
        expect(outcomes.trim().split('\r\n')).to.have.length(4);
        expect(outcomes).to.not.contain(pass.a.uln);
      });

      it('leaves out results outside the period and those not yet released', async () => {
        ctx.db.update(epaAttempts).set({ releasedAt: null }).where(eq(epaAttempts.id, pass.attemptId)).run();
        ctx.db.update(epaAttempts).set({ resultOn: '2019-06-30' }).where(eq(epaAttempts.id, fail.attemptId)).run();
        const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
        const page = await admin.get(`${paths.ofqualOutcomes}?${query()}`);
        expect($(page.text)('#summary').text()).to.contain('1 result dated in the period not yet released');
        const lines = (await admin.get(`${paths.ofqualOutcomesCsv}?${query()}`)).text.trim().split('\r\n');
        expect(
          lines
            .slice(1)
            .map((l) => l.split(',')[7])
            .sort(),
        ).to.deep.equal([distinction.a.uln, invalid.a.uln].sort());
      });

      it('lists rows that break the format with the reason instead of downloading them', async () => {
        ctx.db
          .update(standardVersions)
          .set({ title: 'T'.repeat(101) })
          .where(eq(standardVersions.id, distinction.a.standardVersionId))
          .run();
        const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
        const page = await admin.get(`${paths.ofqualOutcomes}?${query()}`);
        expect($(page.text)('#ofqual-problems tbody tr')).to.have.length(4);
        expect($(page.text)('#ofqual-problems').text()).to.contain('StandardTitle');
        expect($(page.text)('#download')).to.have.length(0);
        expect((await admin.get(`${paths.ofqualOutcomesCsv}?${query()}`)).text.trim()).to.equal(
          OFQUAL_HEADER.join(','),
        );
      });

      it('shows the form’s errors in the error summary, keeping the values', async () => {
        const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
        const res = await admin.get(`${paths.ofqualOutcomes}?reportingDate=2025-02-30&from=2025-03-01&to=2025-01-01`);
        expect(res.status).to.equal(400);
        const page = $(res.text);
        expect(
          page('.govuk-error-summary a')
            .toArray()
            .map((a) => page(a).attr('href')),
        ).to.deep.equal(['#reportingDate', '#to']);
        expect(page('#from').val()).to.equal('2025-03-01');
        const backwards = $(
          (await admin.get(`${paths.ofqualOutcomes}?reportingDate=2025-03-31&from=2025-03-01&to=2025-01-01`)).text,
        );
        expect(backwards('.govuk-error-summary a').attr('href')).to.equal('#to');
        expect(
          (await admin.get(`${paths.ofqualOutcomesCsv}?reportingDate=x&from=2025-03-01&to=2025-04-01`)).status,
        ).to.equal(400);
        const blank = await admin.get(paths.ofqualOutcomes);
        expect(blank.status).to.equal(200);
        expect($(blank.text)('#ofqual-columns li')).to.have.length(OFQUAL_HEADER.length);
      });

      describe('the registrations file', () => {
        it('has a row for each EPA taken in the period: registration, gateway submission and sign-off dates', async () => {
          const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
          const page = await admin.get(`${paths.ofqualRegistrations}?${query()}`);
          expect(page.status).to.equal(200);
          const doc = $(page.text);
          expect(doc('#summary').text()).to.contain('4 end-point assessments in the period');
          expect(doc('#ofqual-columns').next('p').text()).to.contain('could not be confirmed');
          const href = doc('#download').attr('href');
          expect(href).to.equal(`${paths.ofqualRegistrationsCsv}?${query()}`);

          const res = await admin.get(href!);
          expect(res.status).to.equal(200);
          expect(res.headers['content-disposition']).to.contain(`epa-registrations-${todayInLondon(now())}.csv`);
          const lines = res.text.trim().split('\r\n');
          expect(lines[0]).to.equal(REGISTRATION_HEADER.join(','));
          expect(lines).to.have.length(5);
          const gateway = ctx.db
            .select()
            .from(gatewaySubmissions)
            .where(eq(gatewaySubmissions.apprenticeId, fail.a.id))
            .get()!;
          const registered = DateTime.fromISO(
            ctx.db.select().from(apprentices).where(eq(apprentices.id, fail.a.id)).get()!.createdAt,
            { zone: 'utc' },
          )
            .setZone('Europe/London')
            .toISODate();
          expect(lines.find((l) => l.includes(fail.a.uln))!.split(',')).to.deep.equal([
            ...failIdentity(),
            registered,
            gateway.submittedOn,
            gateway.epaPeriodStart,
          ]);
        });

        it('leaves out EPAs whose assessments fall outside the period, and has nothing to download then', async () => {
          const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
          const none = new URLSearchParams({
            reportingDate: todayInLondon(now()),
            from: '2020-01-01',
            to: '2020-12-31',
          });
          const page = $((await admin.get(`${paths.ofqualRegistrations}?${none.toString()}`)).text);
          expect(page('#summary').text()).to.contain('0 end-point assessments in the period');
          expect(page('#download')).to.have.length(0);
          const csv = await admin.get(`${paths.ofqualRegistrationsCsv}?${none.toString()}`);
          expect(csv.text.trim()).to.equal(REGISTRATION_HEADER.join(','));
        });
      });
    });
  });
});
