import { addExternalReviewer } from '../support/fixture.js';
import { isoInstant } from '../../src/dates.js';
import { findUser } from '../../src/users/store.js';
import { Readable } from 'node:stream';
import { attachEvidenceFile } from '../../src/evidence/service.js';
import { decideRequest, makeRequest } from '../../src/adjustments/service.js';
import { EvidenceStorage } from '../../src/evidence/storage.js';
import { recordAudit } from '../../src/audit/audit.js';
import { recordDelivery } from '../../src/certificates/store.js';
import { now, todayIso } from '../support/clock.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { updateApprentice, type ApprenticeDetail } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import {
  apprentices,
  auditEvents,
  behaviourVerifications,
  criterionDecisions,
  epaAttempts,
  gradings,
  outbox,
} from '../../src/db/schema.js';
import { DateTime } from 'luxon';
import {
  addEarlierEpisode,
  addLearningBreak,
  recordFlexibility,
  recordPriorLearning,
} from '../../src/apprentices/circumstance-store.js';
import { decideAppeal, epaoSettingsOf, lodgeAppeal, moderate, releaseResults } from '../../src/grading/store.js';
import { unclaimedClaims } from '../../src/outcomes/claims.js';
import { ofqualAttempts } from '../../src/outcomes/ofqual-store.js';
import { paths } from '../../src/paths.js';
import { planFileSchema } from '../../src/plans/schema.js';
import { scrubText } from '../../src/privacy/erasure.js';
import { $, csrfFrom, signedInAgent, testApp, tokenFor, TEST_CONFIG, type TestContext } from '../support/app.js';
import { isoDate, readyApprentice, SETUP, today } from '../support/apprentices.js';
import { acceptedLongAgo, assessorProfile, pastBooking } from '../support/grading.js';
import { submitForGateway } from '../../src/gateway/store.js';

const GIVEN = 'Philippa';
const FAMILY = 'Wrenfield-Ockham';
const FORMER_FAMILY = 'Wrenfeld-Ockam';
const [ULN, BYSTANDER_ULN, WAITING_ULN] = validUlns(3, 760_000_000) as [string, string, string];
const API = paths.api.root;
const plan = planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));

/** Every text value in every table, as one string per row. */
function everyRow(ctx: TestContext): string[] {
  const client = ctx.db.$client;
  const tables = client
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
    .pluck()
    .all() as string[];
  return tables.flatMap((t) =>
    (client.prepare(`select * from "${t}"`).all() as Record<string, unknown>[]).map(
      (row) => `${t}: ${JSON.stringify(row)}`,
    ),
  );
}

describe('personal data: subject access and erasure', () => {
  let dir: string;
  let file: string;
  let ctx: TestContext;
  let a: ApprenticeDetail;
  let attemptId: number;
  let evidenceSha: string;

  /** An apprentice with everything a real EPA leaves behind: a name corrected, evidence, two graded methods with notes naming them, moderation, release, an appeal and notifications. */
  async function fullHistory() {
    a = acceptedLongAgo(ctx.db, ULN, GIVEN, FORMER_FAMILY);
    const corrected = updateApprentice(
      ctx.db,
      a.id,
      { ...a, familyName: FAMILY },
      SETUP,
      `Spelling of ${GIVEN}'s family name corrected`,
    );
    expect(corrected.ok).to.equal(true);
    // A file in the evidence store, naming them in its name and its bytes.
    const stored = await new EvidenceStorage(TEST_CONFIG.filesPath).receive(
      Readable.from([Buffer.from(`Reflective account by ${GIVEN} ${FAMILY}, ULN ${ULN}\n`)]),
      1024 * 1024,
    );
    evidenceSha = stored.sha256;
    const attached = attachEvidenceFile(
      ctx.db,
      findUser(ctx.db, ctx.users.admin.id)!,
      'gateway_item',
      { uln: ULN, itemId: 'portfolio' },
      { ...stored, originalName: `${GIVEN} ${FAMILY} reflective account.txt` },
      isoInstant(now()),
    );
    expect(attached.ok).to.equal(true);
    // A reasonable adjustment asked for and decided, its reasons naming them.
    const requested = makeRequest(
      ctx.db,
      findUser(ctx.db, ctx.users.admin.id)!,
      ULN,
      'adjustment',
      { methodId: '', types: 'extra_time', extraTimePercent: '25', reason: `${GIVEN} ${FAMILY} has dyslexia` },
      isoInstant(now()),
    );
    expect(requested.ok).to.equal(true);
    const decided = decideRequest(
      ctx.db,
      findUser(ctx.db, ctx.users.admin.id)!,
      String(requested.ok && requested.value.id),
      { status: 'approved', reason: `The dyslexia report on ${GIVEN} supports it` },
      isoInstant(now()),
    );
    expect(decided.ok).to.equal(true);
    // The records the gateway rules read, each with free text about the apprentice.
    const start = DateTime.fromISO(a.startDate);
    addLearningBreak(
      ctx.db,
      a,
      {
        from: start.plus({ months: 2 }).toISODate()!,
        to: start.plus({ months: 2, days: 4 }).toISODate()!,
        reason: `${GIVEN} ${FAMILY} was in hospital`,
      },
      SETUP,
    );
    addEarlierEpisode(
      ctx.db,
      a,
      {
        startDate: start.minus({ months: 8 }).toISODate()!,
        endDate: start.minus({ months: 6 }).toISODate()!,
        provider: `${FAMILY}'s first college`,
        reason: `${GIVEN} moved away`,
      },
      SETUP,
    );
    recordFlexibility(
      ctx.db,
      a,
      {
        basis: 'ehc_plan',
        decidedOn: start.minus({ years: 3 }).toISODate()!,
        reference: `EHC plan of ${GIVEN} ${FAMILY}`,
      },
      SETUP,
      now(),
    );
    recordPriorLearning(ctx.db, a, { hours: 20, reason: `${FAMILY}'s earlier union course` }, SETUP);
    ctx.db
      .insert(behaviourVerifications)
      .values({
        apprenticeId: a.id,
        verifierName: 'Line manager',
        statement: `${GIVEN} ${FAMILY} shows integrity`,
        verifiedOn: start.toISODate()!,
        recordedAt: now().toISO(),
      })
      .run();
    // The certificate posted to the apprentice at home.
    recordDelivery(
      ctx.db,
      a,
      {
        sendTo: 'apprentice',
        contactName: `${GIVEN} ${FAMILY}`,
        department: null,
        organisation: `${GIVEN} ${FAMILY}`,
        addressLine1: '12 Wren Street',
        addressLine2: null,
        addressLine3: null,
        city: 'Leeds',
        postcode: 'LS1 4AP',
      },
      SETUP,
      now(),
    );
    assessorProfile(ctx.db, ctx.users.assessor.id, a.standardVersionId);
    const api = supertest(ctx.app);
    const bearer = { Authorization: `Bearer ${tokenFor(ctx.db, ctx.users.assessor.id)}` };
    for (const [method, daysAgo] of [
      ['project', 5],
      ['discussion', 3],
    ] as const) {
      const booking = pastBooking(ctx.db, a, ctx.users.assessor.id, method, daysAgo);
      const criteria = plan.criteria.filter((c) => c.method === method);
      const decisions = criteria.map((c, i) => ({
        criterionId: c.id,
        met: i !== 0,
        evidence: i === 0 ? `${GIVEN} did not show how ${FAMILY} handled the case` : '',
      }));
      const res = await api.put(`${API}/bookings/${booking}/grade`).set(bearer).send({ decisions, submit: true });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    attemptId = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.apprenticeId, a.id)).get()!.id;
    for (const g of ctx.db.select().from(gradings).where(eq(gradings.attemptId, attemptId)).all()) {
      if (g.moderation === 'pending')
        expect(
          moderate(
            ctx.db,
            g.id,
            { decision: 'agreed', rationale: `Agreed: ${GIVEN} ${FAMILY}'s notes support the grade`, changes: [] },
            { userId: ctx.users.qa.id, label: 'qa' },
            now(),
          ).ok,
        ).to.equal(true);
    }
    expect(releaseResults(ctx.db, [attemptId], SETUP, now()).ok).to.equal(true);
    // What a claim sent to the apprenticeship service keeps in the audit trail: the ULN as a number, the address.
    recordAudit(ctx.db, SETUP, {
      action: 'claim.sent',
      entityType: 'attempt',
      entityId: attemptId,
      after: {
        sent: {
          Learner: { Uln: Number(ULN), FamilyName: FAMILY },
          PostalContact: {
            ContactName: `${GIVEN} ${FAMILY}`,
            AddressLine1: '12 Wren Street',
            City: 'Leeds',
            PostCode: 'LS1 4AP',
          },
        },
      },
    });
    const appeal = lodgeAppeal(
      ctx.db,
      attemptId,
      `${GIVEN} believes the project was misread`,
      { userId: ctx.users.provider.id, label: 'provider' },
      todayIso(),
      `I am ${GIVEN} ${FAMILY}, and my project covered the survey in full.`,
    );
    if (!appeal.ok) throw new Error(appeal.message);
    expect(
      decideAppeal(
        ctx.db,
        appeal.appeal.id,
        {
          decision: 'not_upheld',
          reasons: `${FAMILY}'s project was read in full`,
          changes: [],
          panel: [addExternalReviewer(ctx)],
        },
        { userId: ctx.users.admin.id, label: 'admin' },
        now(),
      ).ok,
    ).to.equal(true);
  }

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-erasure-'));
    file = path.join(dir, 'epa.sqlite');
    ctx = await testApp({ file });
    await fullHistory();
    // Someone else with the same given name, who must be left exactly as they are.
    readyApprentice(ctx.db, BYSTANDER_ULN, GIVEN, 'Smith');
  });

  afterEach(() => {
    ctx.db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has the apprentice in many places before erasure (so the checks below can fail)', () => {
    const rows = everyRow(ctx);
    for (const table of [
      'apprentices',
      'audit_events',
      'outbox',
      'criterion_decisions',
      'moderations',
      'appeals',
      'assessment_requests',
      'learning_breaks',
      'earlier_episodes',
      'flexibility_judgements',
      'behaviour_verifications',
    ]) {
      expect(
        rows.some(
          (r) => r.startsWith(`${table}:`) && (r.includes(FAMILY) || r.includes(ULN) || r.includes(FORMER_FAMILY)),
        ),
        table,
      ).to.equal(true);
    }
  });

  it('exports everything held about the apprentice as JSON in one action, audited; only for administrators', async () => {
    // Years of logs, three a day, more than one batch of the file's (a batch ends mid-day): every one is in it, in date order.
    const log = ctx.db.$client.prepare(
      "insert into off_the_job_hours (apprentice_id, date, hours, activity) values (?, date('2019-01-01', ?), 1, 'Reading')",
    );
    for (let day = 0; day < 400; day++) for (let n = 0; n < 3; n++) log.run(a.id, `+${day} days`);
    const logged = ctx.db.$client
      .prepare('select date from off_the_job_hours where apprentice_id = ? order by date, id')
      .pluck()
      .all(a.id);
    expect(logged.length).to.be.greaterThan(1200);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = await admin.get(paths.personalData(ULN)).expect(200);
    expect($(page.text)('h1').text()).to.include(`${GIVEN} ${FAMILY}`);
    const res = await admin
      .post(paths.exportPersonalData(ULN))
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/application\/json/);
    expect(res.headers['content-disposition']).to.include(`personal-data-${ULN}.json`);
    const data = JSON.parse(res.text);
    expect(data.apprentice).to.include({ uln: ULN, givenNames: GIVEN, familyName: FAMILY });
    expect(data.gatewayEvidence.offTheJobHours.map((h: { date: string }) => h.date)).to.deep.equal(logged);
    expect(data.gatewayEvidence.learningBreaks[0].reason).to.include('in hospital');
    expect(data.gatewayEvidence.earlierEpisodes[0].reason).to.include('moved away');
    expect(data.gatewayEvidence.flexibilityJudgement.reference).to.include('EHC plan of');
    expect(data.gatewayEvidence.behaviourVerification.statement).to.include('shows integrity');
    expect(data.apprentice.priorLearningReason).to.include('earlier union course');
    expect(data.gatewayEvidence.files).to.have.length(1);
    expect(data.gatewayEvidence.files[0]).to.include({
      recordKey: 'portfolio',
      fileName: `${GIVEN} ${FAMILY} reflective account.txt`,
      mediaType: 'text/plain; charset=utf-8',
    });
    expect(data.gatewayEvidence.files[0].download).to.match(/^\/evidence\/\d+$/);
    expect(data.gatewaySubmissions[0].status).to.equal('accepted');
    expect(data.bookings).to.have.length(2);
    expect(data.bookings[0].assessor).to.equal('assessor');
    expect(data.attempts[0].releasedAt).to.be.a('string');
    expect(data.gradings).to.have.length(2);
    expect(data.gradings[0].criteria.some((c: { evidence: string }) => c.evidence.includes(GIVEN))).to.equal(true);
    expect(data.appeals[0].grounds).to.include('misread');
    expect(data.appeals[0].statement).to.include('covered the survey in full');
    expect(data.auditTrail.map((e: { action: string }) => e.action)).to.include.members([
      'apprentice.updated',
      'gateway.submitted',
      'result.released',
      'appeal.lodged',
    ]);
    expect(data.notifications.length).to.be.greaterThan(0);
    expect(JSON.stringify(data)).not.to.include(BYSTANDER_ULN);
    expect(JSON.stringify(data)).not.to.include('@test.example');
    const audit = ctx.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'apprentice.personal_data_exported'))
      .all();
    expect(audit).to.have.length(1);
    expect(audit[0]!).to.include({ actorUserId: ctx.users.admin.id, reason: 'Subject access request' });
  });

  it('refuses the pages and actions to everyone but administrators', async () => {
    for (const who of ['provider', 'employer', 'assessor', 'qa'] as const) {
      const agent = await signedInAgent(ctx.app, ctx.users[who].email);
      const home = await agent.get('/');
      expect((await agent.get(paths.personalData(ULN))).status, who).to.equal(
        who === 'provider' || who === 'employer' ? 403 : 403,
      );
      const csrf = csrfFrom(home.text.includes('_csrf') ? home.text : (await agent.get('/apprentices')).text);
      for (const url of [paths.exportPersonalData(ULN), paths.erasePersonalData(ULN)]) {
        const res = await agent.post(url).type('form').send({ _csrf: csrf, reason: 'x', confirm: 'yes' });
        expect(res.status, `${who} ${url}`).to.equal(403);
        expect(res.text).not.to.include(FAMILY);
      }
    }
    expect(ctx.db.select().from(apprentices).where(eq(apprentices.uln, ULN)).get()!.erasedAt).to.equal(null);
  });

  it('re-renders the erasure form with an error summary and the reason kept when the confirmation is missing', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = await admin.get(paths.personalData(ULN));
    const res = await admin
      .post(paths.erasePersonalData(ULN))
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reason: 'Request ref SAR-17' });
    expect(res.status).to.equal(400);
    const html = $(res.text);
    expect(html('.govuk-error-summary').text()).to.include('Confirm that you understand the erasure cannot be undone');
    expect(html('textarea[name="reason"]').text().trim()).to.equal('Request ref SAR-17');
    expect(ctx.db.select().from(apprentices).where(eq(apprentices.uln, ULN)).get()).to.not.equal(undefined);
  });

  it('refuses to erase an apprentice whose EPA is under way, saying why, and changes nothing', async () => {
    const waiting = readyApprentice(ctx.db, WAITING_ULN, 'Wanda', 'Waitingham');
    expect(submitForGateway(ctx.db, waiting, isoDate(today()), SETUP).ok).to.equal(true);
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = await admin.get(paths.personalData(WAITING_ULN));
    expect($(page.text)('#erasure-blocked').text()).to.include('waiting for review');
    const before = everyRow(ctx);
    const res = await admin
      .post(paths.erasePersonalData(WAITING_ULN))
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reason: 'Request', confirm: 'yes' });
    expect(res.status).to.equal(409);
    expect($(res.text)('#erasure-blocked').text()).to.include('waiting for review');
    expect(everyRow(ctx)).to.deep.equal(before);
  });

  it('erases the name and ULN from every table, the audit trail, the notifications and the file itself, keeping results and statistics', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const api = supertest(ctx.app);
    const bearer = { Authorization: `Bearer ${tokenFor(ctx.db, ctx.users.admin.id)}` };
    const figuresBefore = (await api.get(`${API}/reports/outcomes`).set(bearer).expect(200)).body;
    const decisionsBefore = ctx.db
      .select({ criterionId: criterionDecisions.criterionId, met: criterionDecisions.met })
      .from(criterionDecisions)
      .all();
    const attemptBefore = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get()!;
    const bystanderBefore = everyRow(ctx).filter((r) => r.includes(BYSTANDER_ULN));

    const page = await admin.get(paths.personalData(ULN));
    const res = await admin
      .post(paths.erasePersonalData(ULN))
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        reason: `Erasure request from ${GIVEN} ${FAMILY}, ref ER-4`,
        confirm: 'yes',
      });
    expect(res.status, res.text).to.equal(200);
    expect($(res.text)('h1').text()).to.include('Personal data erased');

    // Nowhere in any row of any table (but the bystander's own, who shares the given name and date of birth)...
    const rows = everyRow(ctx).filter((r) => !r.includes(BYSTANDER_ULN));
    // 'dyslexia': the health detail in an adjustment request's reason and its decision's (audited) reason;
    // 'survey in full': the apprentice's own statement on their appeal, and in its audited lodging.
    for (const needle of [
      ULN,
      GIVEN,
      FAMILY,
      FORMER_FAMILY,
      a.dateOfBirth,
      '12 Wren Street',
      'LS1 4AP',
      'dyslexia',
      'survey in full',
    ]) {
      expect(
        rows.filter((r) => r.includes(needle)),
        needle,
      ).to.deep.equal([]);
    }
    // ...nor in the bytes of the database file and its write-ahead log (no old copies in free space).
    for (const f of [file, `${file}-wal`].filter((f) => fs.existsSync(f))) {
      const bytes = fs.readFileSync(f);
      for (const needle of [ULN, FAMILY, FORMER_FAMILY])
        expect(bytes.includes(Buffer.from(needle, 'utf8')), `${needle} in ${path.basename(f)}`).to.equal(false);
    }

    // ...nor in the evidence store: the file is gone from the disk.
    expect(fs.existsSync(new EvidenceStorage(TEST_CONFIG.filesPath).pathOf(evidenceSha))).to.equal(false);

    // The results and every figure stay.
    expect((await api.get(`${API}/reports/outcomes`).set(bearer).expect(200)).body).to.deep.equal(figuresBefore);
    expect(
      ctx.db
        .select({ criterionId: criterionDecisions.criterionId, met: criterionDecisions.met })
        .from(criterionDecisions)
        .all(),
    ).to.deep.equal(decisionsBefore);
    const attemptAfter = ctx.db.select().from(epaAttempts).where(eq(epaAttempts.id, attemptId)).get()!;
    expect({ ...attemptAfter, exceptionalReason: null }).to.deep.equal({ ...attemptBefore, exceptionalReason: null });
    // The bystander who shares the given name is untouched.
    expect(everyRow(ctx).filter((r) => r.includes(BYSTANDER_ULN))).to.deep.equal(bystanderBefore);

    // The audit trail keeps every row, and records the erasure with its (scrubbed) reason.
    const erased = ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.erased')).get()!;
    expect(erased.actorUserId).to.equal(ctx.users.admin.id);
    expect(erased.reason).to.equal('Erasure request from Erased apprentice, ref ER-4');
    expect(ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.updated')).all()).to.have.length(
      1,
    );
    expect(ctx.db.select().from(outbox).all().length).to.be.greaterThan(0);

    // Nobody lists it, finds it, claims it or reports its ULN to the regulator.
    expect((await admin.get(paths.apprentices)).text).not.to.include('erased-');
    expect((await admin.get(paths.apprentice(ULN))).status).to.equal(404);
    expect(unclaimedClaims(ctx.db, isoDate(today()), epaoSettingsOf(ctx.db)).map((c) => c.attemptId)).not.to.include(
      attemptId,
    );
    const ofqual = ofqualAttempts(ctx.db, '2000-01-01', '2100-01-01').find((r) => r.attemptId === attemptId);
    expect(ofqual?.uln).to.equal(null);
  });

  it('refuses a second erasure of the same record', async () => {
    const admin = await signedInAgent(ctx.app, ctx.users.admin.email);
    const page = await admin.get(paths.personalData(ULN));
    await admin
      .post(paths.erasePersonalData(ULN))
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reason: 'ref 1', confirm: 'yes' })
      .expect(200);
    // The old ULN no longer names anyone.
    const again = await admin
      .post(paths.erasePersonalData(ULN))
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reason: 'ref 2', confirm: 'yes' });
    expect(again.status).to.equal(404);
    expect(ctx.db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.erased')).all()).to.have.length(
      1,
    );
  });
});

describe('scrubText', () => {
  const who = {
    uln: '1234567890',
    names: [{ givenNames: 'Ann Marie', familyName: 'Lee' }],
    placeholderUln: 'erased-7',
  };
  it('replaces the ULN, full names and each name as a whole word only', () => {
    expect(scrubText('Ann Marie Lee (ULN 1234567890)', who)).to.equal('Erased apprentice (ULN erased-7)');
    expect(scrubText('Lee, Ann Marie', who)).to.equal('Erased apprentice');
    expect(scrubText("Ann's annual review with Leeds", who)).to.equal("[erased]'s annual review with Leeds");
  });
});
