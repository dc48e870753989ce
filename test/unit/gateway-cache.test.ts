import { now } from '../support/clock.js';
import fs from 'node:fs';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import {
  addApprentices,
  addQualification,
  findApprenticeByUln,
  insertCheckedApprentices,
  rowsToAdd,
} from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { apprentices, gatewayStatusCache } from '../../src/db/schema.js';
import {
  cacheNewApprentices,
  dashboardPage,
  gatewayOverview,
  refreshGatewayCache,
  statusesToStore,
  workOutNewApprentices,
} from '../../src/gateway/store.js';
import { importForUser } from '../../src/apprentices/service.js';
import { findUser } from '../../src/users/store.js';
import { apprenticeInput, storedStatuses, variedRecords } from '../support/apprentices.js';
import { importPlanText } from '../../src/plans/store.js';
import { testApp, testDb } from '../support/app.js';
import { buildFixture } from '../support/fixture.js';

const on = now().toISODate();
const [ULN] = validUlns(1, 300_000_000);

async function oneApprentice() {
  const { db } = await testDb();
  const start = DateTime.fromISO(on).minus({ months: 20 });
  const added = addApprentices(
    db,
    [
      {
        line: 1,
        input: {
          uln: ULN!,
          givenNames: 'Cass',
          familyName: 'Cache',
          dateOfBirth: start.minus({ years: 17 }).toISODate()!,
          startDate: start.toISODate()!,
          plannedEndDate: start.plus({ months: 18 }).toISODate()!,
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
    SYSTEM_ACTOR,
    'test',
  );
  if (!added.ok) throw new Error('setup');
  return { db, apprentice: findApprenticeByUln(db, ULN!)! };
}

const unmetOf = (db: Awaited<ReturnType<typeof oneApprentice>>['db']) =>
  dashboardPage(db, { kind: 'all' }, on, {}, 1, 25).rows[0]!.unmet;

describe('gateway status cache', () => {
  it('is filled on the first dashboard view and used afterwards', async () => {
    const { db } = await oneApprentice();
    expect(db.select().from(gatewayStatusCache).all()).to.have.length(0);
    expect(unmetOf(db)).to.include('maths');
    expect(
      db
        .select()
        .from(gatewayStatusCache)
        .all()
        .map((r) => r.evaluatedOn),
    ).to.deep.equal([on]);
  });

  it('keeps an evaluation across days until the day its state could change, then works that one out again', async () => {
    const { db, apprentice } = await oneApprentice();
    dashboardPage(db, { kind: 'all' }, on, {}, 1, 25);
    const row = () => db.select().from(gatewayStatusCache).get()!;
    const first = row();
    // Planned to end 2 months ago, with nothing dated ahead: only new evidence can change it.
    expect(first.validUntil).to.equal(null);
    const tomorrow = DateTime.fromISO(on).plus({ days: 1 }).toISODate()!;
    dashboardPage(db, { kind: 'all' }, tomorrow, {}, 1, 25);
    expect(row().evaluatedOn, 'not worked out again the next day').to.equal(on);

    // Maths achieved, dated next week: the status holds until that day, and is worked out again on it.
    const nextWeek = DateTime.fromISO(on).plus({ days: 7 }).toISODate()!;
    addQualification(
      db,
      apprentice,
      { subject: 'maths', type: 'gcse', level: 2, grade: '5', achievedOn: nextWeek, certificateReference: 'MATHS-1' },
      SYSTEM_ACTOR,
    );
    expect(unmetOf(db)).to.include('maths');
    expect(row().validUntil).to.equal(nextWeek);
    const dayBefore = DateTime.fromISO(nextWeek).minus({ days: 1 }).toISODate()!;
    expect(dashboardPage(db, { kind: 'all' }, dayBefore, {}, 1, 25).rows[0]!.unmet).to.include('maths');
    expect(row().evaluatedOn).to.equal(on);
    expect(dashboardPage(db, { kind: 'all' }, nextWeek, {}, 1, 25).rows[0]!.unmet).to.not.include('maths');
    expect(row().evaluatedOn).to.equal(nextWeek);
  });

  it('is cleared by a trigger when evidence changes, through the stores or not', async () => {
    const { db, apprentice } = await oneApprentice();
    expect(unmetOf(db)).to.include.members(['english', 'maths']);
    addQualification(
      db,
      apprentice,
      { subject: 'maths', type: 'gcse', level: 2, grade: '6', achievedOn: '2015-08-20', certificateReference: 'M1' },
      SYSTEM_ACTOR,
    );
    expect(unmetOf(db)).to.include('english').and.not.include('maths');
    db.$client
      .prepare(
        "insert into qualifications (apprentice_id, subject, type, level, grade, achieved_on, certificate_reference) values (?, 'english', 'gcse', 2, '7', '2015-08-20', 'E1')",
      )
      .run(apprentice.id);
    expect(unmetOf(db)).not.to.include('english');
  });

  it('is cleared for every apprentice of a standard version when its plan is replaced', async () => {
    const { db } = await oneApprentice();
    expect(unmetOf(db)).to.include('plan_items');
    const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as {
      gatewayItems: unknown[];
    };
    plan.gatewayItems = [];
    expect(importPlanText(db, JSON.stringify(plan), SYSTEM_ACTOR).ok).to.equal(true);
    expect(db.select().from(gatewayStatusCache).all()).to.have.length(0);
    expect(unmetOf(db)).not.to.include('plan_items');
  });

  it('filters and counts by state and unmet check in SQL', async () => {
    const { db } = await oneApprentice();
    const notReady = dashboardPage(db, { kind: 'all' }, on, { state: 'not_ready', unmet: 'maths' }, 1, 25);
    expect(notReady.matching).to.equal(1);
    expect(notReady.counts.not_ready).to.equal(1);
    expect(dashboardPage(db, { kind: 'all' }, on, { state: 'ready' }, 1, 25).rows).to.have.length(0);
    expect(dashboardPage(db, { kind: 'provider', ukprn: '10078452' }, on, {}, 1, 25).total).to.equal(0);
    // The whole organisation's counts are its one provider's.
    const [{ ukprn }] = db.select({ ukprn: apprentices.providerUkprn }).from(apprentices).all() as [{ ukprn: string }];
    const everyone = dashboardPage(db, { kind: 'all' }, on, {}, 1, 25).counts;
    expect(everyone).to.deep.equal(dashboardPage(db, { kind: 'provider', ukprn }, on, {}, 1, 25).counts);
    expect(Object.values(everyone).reduce((a, b) => a + b, 0)).to.equal(1);
  });

  it('holds the same states for an import’s apprentices as a full evaluation works out', async () => {
    const { db, users } = await testDb();
    const rows = variedRecords(validUlns(48, 310_000_000)).map((input, i) => ({ line: i + 2, input }));
    const imported = importForUser(db, findUser(db, users.admin.id)!, { rows, problems: [] }, 'test', on);
    expect(imported).to.deep.equal({ ok: true, count: 48 });
    const cached = () => storedStatuses(db);
    const fromImport = cached();
    expect(fromImport).to.have.length(48);
    // Nothing is ready with nothing recorded, but the practical period is met for some and not others.
    const periodUnmet = fromImport.map((r) => r.unmet.includes(',practical_period,'));
    expect(periodUnmet).to.include(true).and.to.include(false);
    db.delete(gatewayStatusCache).run();
    refreshGatewayCache(db, { kind: 'all' }, on);
    expect(cached()).to.deep.equal(fromImport);
  });

  describe('worked out before the import’s write transaction', () => {
    /** Two new apprentices' rows, and their states worked out ahead on the plan as it stands. */
    async function ahead() {
      const { db } = await testDb();
      const rows = validUlns(2, 320_000_000).map((uln, i) => ({
        line: i + 2,
        input: apprenticeInput(uln, `Given${i}`, 'Ahead'),
      }));
      const ahead = workOutNewApprentices(
        db,
        rowsToAdd(
          db,
          rows.map((r) => r.input),
        )!,
        on,
      );
      const write = () =>
        db.transaction(() =>
          cacheNewApprentices(db, insertCheckedApprentices(db, rows, SYSTEM_ACTOR, 'test'), on, ahead),
        );
      const unmet = () =>
        db
          .select()
          .from(gatewayStatusCache)
          .all()
          .map((r) => r.unmet);
      return { db, ahead, write, unmet };
    }

    it('stores the states worked out ahead when nothing they read has changed', async () => {
      const { ahead: states, write, unmet } = await ahead();
      for (const state of states.byUln.values()) expect(state.unmet).to.include('plan_items');
      // Marked, so that the test sees which were stored: the ones worked out ahead.
      for (const state of states.byUln.values()) state.unmet = ['maths'];
      write();
      expect(unmet()).to.deep.equal([',maths,', ',maths,']);
    });

    it('works the states out again when the plan changed in between', async () => {
      const { db, write, unmet } = await ahead();
      const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as {
        gatewayItems: unknown[];
      };
      plan.gatewayItems = [];
      expect(importPlanText(db, JSON.stringify(plan), SYSTEM_ACTOR).ok).to.equal(true);
      write();
      expect(unmet()).to.have.length(2);
      for (const row of unmet()) expect(row).not.to.include('plan_items');
    });
  });

  it('stores for each apprentice the state, unmet checks and end the dashboard’s own evaluation works out', async () => {
    // The fixture's apprentices stand at every gateway stage, with evidence of every kind.
    const ctx = await testApp();
    await buildFixture(ctx);
    for (const day of [on, DateTime.fromISO(on).plus({ months: 7 }).toISODate()!]) {
      const stored = statusesToStore(ctx.db, { kind: 'all' }, day).sort((a, b) => a[0] - b[0]);
      const shown = gatewayOverview(ctx.db, { kind: 'all' }, day)
        .map((r) => [r.apprentice.id, r.state, `,${r.unmet.join(',')},`, r.changesOn])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
      expect(stored.length, day).to.be.greaterThan(3);
      expect(stored, day).to.deep.equal(shown);
      expect(new Set(stored.map((r) => r[1])).size, day).to.be.greaterThan(1);
    }
  });
});
