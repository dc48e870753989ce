import fs from 'node:fs';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { importNow } from '../../src/apprentices/import-job.js';
import { prepareCsvImport } from '../../src/apprentices/service.js';
import { addApprentices, rowsToAdd } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import type { Db } from '../../src/db/connection.js';
import { apprentices, auditEvents, employers, epaoApprovals, gatewayStatusCache } from '../../src/db/schema.js';
import { ENGLISH_MATHS_CHOICES } from '../../src/db/vocabulary.js';
import { newApprenticeInputs, refreshGatewayCache } from '../../src/gateway/store.js';
import fc from 'fast-check';
import { importPlanText } from '../../src/plans/store.js';
import { findUser, type CurrentUser } from '../../src/users/store.js';
import { apprenticeInput, recordsCsv, storedStatuses, variedRecords } from '../support/apprentices.js';
import { testDb } from '../support/app.js';
import { now } from '../support/clock.js';
import { eq } from 'drizzle-orm';

/*
 * A CSV import stages its rows as the file is read (src/apprentices/import-stage.ts): checked,
 * with their gateway status, in a temporary table, written once the write lock is held. The same
 * answers as checking and writing the rows all at once; what changes while it waits for the lock
 * is checked again.
 */
const on = now().toISODate();
const bytes = (text: string) => new Uint8Array(Buffer.from(text));

async function importer() {
  const { db, users } = await testDb();
  const admin = findUser(db, users.admin.id)!;
  const run = (csv: string, user: CurrentUser = admin) =>
    importNow(db, { user, source: 'test', defaults: {}, input: { kind: 'csv', bytes: bytes(csv) }, on });
  const count = () => db.$client.prepare('select count(*) from apprentices').pluck().get() as number;
  return { db, admin, run, count };
}

/** Whether the connection still holds an import's staging table. */
const staging = (db: Db) =>
  db.$client.prepare("select count(*) from temp.sqlite_master where name = 'import_rows'").pluck().get() === 1;

/**
 * Runs `meanwhile` as the first rows are staged: after the checks have read the references, while
 * the file is still being read (another user's change committed in the seconds a large file takes).
 * Rows are staged by more than one statement (one row, or many at once), so each is watched.
 */
function whileStaging(db: Db, meanwhile: () => void): void {
  const client = db.$client;
  const prepare = client.prepare.bind(client);
  let first = true;
  client.prepare = ((source: string) => {
    const statement = prepare(source);
    if (!source.startsWith('insert into temp.import_rows')) return statement;
    const run = statement.run.bind(statement);
    statement.run = (...values: unknown[]) => {
      if (first) {
        first = false;
        client.prepare = prepare;
        meanwhile();
      }
      return run(...values);
    };
    return statement;
  }) as typeof client.prepare;
}

const cached = storedStatuses;

describe('a CSV import staged as its file is read', () => {
  it('writes every row (two statements of 50 and 23 alone) in name order, its status as a full evaluation works it out, and one audit row of the ULNs in line order', async () => {
    const { db, run } = await importer();
    const records = variedRecords(validUlns(123, 330_000_000));
    expect(run(recordsCsv(records))).to.deep.equal({ ok: true, count: 123 });
    // Written by family name (Family10 before Family2), as the list indexes are ordered: the ids follow.
    const byName = [...records].sort((a, b) => (a.familyName < b.familyName ? -1 : 1));
    expect(byName[2]!.familyName).to.equal('Family10');
    const stored = db.select().from(apprentices).orderBy(apprentices.id).all();
    expect(stored.map((a) => [a.uln, a.familyName, a.weeklyHours, a.bslFirstLanguage])).to.deep.equal(
      byName.map((r) => [r.uln, r.familyName, r.weeklyHours, r.bslFirstLanguage]),
    );
    const fromImport = cached(db);
    expect(fromImport).to.have.length(123);
    expect(fromImport.map((r) => r.unmet.includes(',practical_period,')))
      .to.include(true)
      .and.to.include(false);
    db.delete(gatewayStatusCache).run();
    refreshGatewayCache(db, { kind: 'all' }, on);
    expect(cached(db)).to.deep.equal(fromImport);
    const audit = db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentices.imported')).get()!;
    expect(audit.after).to.deep.equal({ count: 123, source: 'test', ulns: records.map((r) => r.uln) });
    expect(staging(db)).to.equal(false);
  });

  it('writes the rows and their statuses along the staged rows’ own index, sorting nothing while it holds the write lock', async () => {
    const { db, run } = await importer();
    const client = db.$client;
    const prepare = client.prepare.bind(client);
    const plans: string[][] = [];
    client.prepare = (source: string) => {
      if (/^insert into (apprentices|gateway_status_cache)\b/.test(source) && source.includes('temp.import_rows')) {
        const values = Array<null>(source.split('?').length - 1).fill(null);
        plans.push(
          (prepare(`explain query plan ${source}`).all(...values) as { detail: string }[]).map((r) => r.detail),
        );
      }
      return prepare(source);
    };
    expect(run(recordsCsv(variedRecords(validUlns(60, 331_000_000))))).to.deep.equal({ ok: true, count: 60 });
    expect(plans).to.have.length(2);
    for (const plan of plans) {
      expect(plan.join('; ')).to.match(/SCAN t(emp\.import_rows)? USING INDEX import_rows_written/);
      expect(plan.join('; ')).not.to.match(/TEMP B-TREE/);
    }
  });

  it('finds a ULN repeated thousands of lines later, in another batch, and writes nothing', async () => {
    const { db, run, count } = await importer();
    const records = validUlns(2_500, 340_000_000).map((uln, i) => apprenticeInput(uln, `Given${i}`, 'Batch'));
    records[2_400] = { ...records[2_400]!, uln: records[2]!.uln };
    const before = count();
    expect(run(recordsCsv(records))).to.deep.equal({
      ok: false,
      problems: [{ line: 2_402, path: 'uln', message: `ULN ${records[2]!.uln} is also on line 4` }],
    });
    expect(count()).to.equal(before);
    expect(staging(db)).to.equal(false);
  });

  it('lists the problems of rows in every batch, schema and database alike, and a one-row file is audited as one created', async () => {
    const { db, run, count } = await importer();
    const records = validUlns(2_100, 350_000_000).map((uln, i) => apprenticeInput(uln, `Given${i}`, 'Batch'));
    records[5] = { ...records[5]!, employerId: 'no-such-employer' };
    records[2_050] = { ...records[2_050]!, familyName: '' };
    const refused = run(recordsCsv(records));
    expect(refused).to.deep.equal({
      ok: false,
      problems: [
        { line: 7, path: 'employerId', message: 'No employer “no-such-employer” is registered' },
        { line: 2_052, path: 'family_name', message: 'Enter the family name' },
      ],
    });
    expect(count()).to.equal(0);
    expect(run(recordsCsv([records[0]!]))).to.deep.equal({ ok: true, count: 1 });
    const created = db.select().from(auditEvents).where(eq(auditEvents.action, 'apprentice.created')).get()!;
    expect(created.entityId).to.equal(records[0]!.uln);
    expect(created.after).to.include({ uln: records[0]!.uln, givenNames: 'Given0' });
  });

  it('gives every apprentice alike in what the rules read of a new record the evaluation it would have on its own', async () => {
    const { db } = await testDb();
    // A second plan of the version, with no gateway items: records on it are not alike those on the default.
    const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as {
      id: string;
      gatewayItems: unknown[];
    };
    expect(
      importPlanText(db, JSON.stringify({ ...plan, id: 'ST0815-1.0-alike', gatewayItems: [] }), SYSTEM_ACTOR).ok,
    ).to.equal(true);
    const [base] = rowsToAdd(db, [apprenticeInput(validUlns(1, 380_000_000)[0]!, 'Alike', 'Alike')])!;
    // Few starts and ages, so that many records are alike; birthdays anywhere in the year, so that
    // a rule reading the date of birth other than as the age at the start would tell them apart.
    // Starts in the past and the future, the furthest with births after the day of evaluation.
    const record = fc
      .record({
        on: fc.constantFrom(on, DateTime.fromISO(on).plus({ days: 45 }).toISODate()!),
        startDaysAgo: fc.constantFrom(200, 700, 1_200, -300, -8_000),
        planId: fc.constantFrom(null, 'ST0815-1.0-alike'),
        months: fc.constantFrom(12, 30),
        age: fc.integer({ min: 17, max: 20 }),
        birthday: fc.integer({ min: 0, max: 364 }),
        weeklyHours: fc.constantFrom(16, 37.5),
        bslFirstLanguage: fc.boolean(),
        englishMathsChoice: fc.constantFrom(null, ...ENGLISH_MATHS_CHOICES),
      })
      .map((r) => {
        const start = DateTime.fromISO(on).minus({ days: r.startDaysAgo });
        return {
          ...base!,
          planId: r.planId,
          on: r.on,
          startDate: start.toISODate()!,
          plannedEndDate: start.plus({ months: r.months }).toISODate()!,
          dateOfBirth: start.minus({ years: r.age, days: r.birthday }).toISODate()!,
          weeklyHours: r.weeklyHours,
          bslFirstLanguage: r.bslFirstLanguage,
          englishMathsChoice: r.englishMathsChoice,
        };
      });
    let shared = 0;
    fc.assert(
      fc.property(fc.array(record, { minLength: 20, maxLength: 40 }), (records) => {
        const together = newApprenticeInputs(db);
        const seen = new Set<unknown>();
        for (const { on: day, ...r } of records) {
          const state = together.evaluate(r, day);
          if (seen.has(state)) shared++;
          seen.add(state);
          expect(state).to.deep.equal(newApprenticeInputs(db).evaluate(r, day));
        }
      }),
      { numRuns: 100 },
    );
    // The property tried records that did share an evaluation.
    expect(shared).to.be.greaterThan(0);
  });

  describe('what changes while the file is read', () => {
    // More rows than one staging statement takes (50), so the change comes while the rest are still being read.
    async function reading(employerId = 'transport-workers-union', rows = 60) {
      const { db, admin, count } = await importer();
      const records = validUlns(rows, 370_000_000).map((uln, i) => ({
        ...apprenticeInput(uln, `Given${i}`, 'Reading'),
        employerId,
      }));
      const run = () =>
        importNow(db, {
          user: admin,
          source: 'test',
          defaults: {},
          input: { kind: 'csv', bytes: bytes(recordsCsv(records)) },
          on,
        });
      return { db, run, count };
    }

    it('refuses the file when an approval it relies on is withdrawn meanwhile', async () => {
      const { db, run, count } = await reading();
      whileStaging(db, () => db.delete(epaoApprovals).run());
      const refused = run();
      expect(refused.ok ? [] : refused.problems.map((p) => p.message)).to.have.length(60);
      expect(refused.ok ? '' : refused.problems[0]!.message).to.contain('not approved to assess ST0815 version 1.0');
      expect(count()).to.equal(0);
    });

    it('refuses a row whose employer is removed meanwhile, with its problem rather than a failure', async () => {
      const { db, run, count } = await reading('brief-employer');
      db.insert(employers).values({ id: 'brief-employer', name: 'Brief Employer' }).run();
      whileStaging(db, () => db.delete(employers).where(eq(employers.id, 'brief-employer')).run());
      expect(run()).to.deep.equal({
        ok: false,
        problems: Array.from({ length: 60 }, (_, i) => i + 2).map((line) => ({
          line,
          path: 'employerId',
          message: 'No employer “brief-employer” is registered',
        })),
      });
      expect(count()).to.equal(0);
    });

    it('refuses an employer’s name once a second employer has it, as an import of the file then would', async () => {
      const { db, run } = await reading('Transport and Maritime Workers’ Union');
      const [employer] = db.select().from(employers).where(eq(employers.id, 'transport-workers-union')).all();
      expect(employer?.name).to.equal('Transport and Maritime Workers’ Union');
      whileStaging(db, () =>
        db.insert(employers).values({ id: 'twu-2', name: 'transport and maritime workers’ union ' }).run(),
      );
      const refused = run();
      expect(refused.ok ? '' : refused.problems[0]!.message).to.equal(
        '2 employers are named “Transport and Maritime Workers’ Union”: give the employer id (transport-workers-union, twu-2)',
      );
    });

    it('works the statuses out from the plan as it is when a plan is replaced meanwhile', async () => {
      const { db, run } = await reading();
      const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as {
        gatewayItems: unknown[];
      };
      plan.gatewayItems = [];
      whileStaging(db, () => expect(importPlanText(db, JSON.stringify(plan), SYSTEM_ACTOR).ok).to.equal(true));
      expect(run()).to.deep.equal({ ok: true, count: 60 });
      const fromImport = cached(db);
      for (const row of fromImport) expect(row.unmet).not.to.include('plan_items');
      db.delete(gatewayStatusCache).run();
      refreshGatewayCache(db, { kind: 'all' }, on);
      expect(cached(db)).to.deep.equal(fromImport);
    });

    it('lets a database failure while staging go up as one, not as a problem with the file, and leaves no staging table', async () => {
      // More rows than a batch, so that the failure comes while the parser is still reading.
      const { db, run, count } = await reading('transport-workers-union', 2_100);
      whileStaging(db, () => {
        throw new Error('database or disk is full');
      });
      expect(run).to.throw('database or disk is full');
      expect(staging(db)).to.equal(false);
      expect(count()).to.equal(0);
    });
  });

  describe('what changes while it waits for the write lock', () => {
    async function waiting() {
      const { db, admin, count } = await importer();
      const records = validUlns(3, 360_000_000).map((uln, i) => apprenticeInput(uln, `Given${i}`, 'Waiting'));
      const prepared = prepareCsvImport(db, admin, bytes(recordsCsv(records)), {}, on);
      expect(prepared.refused).to.equal(null);
      return { db, records, prepared, count };
    }

    it('refuses a ULN another user added meanwhile, and writes none of the file', async () => {
      const { db, records, prepared, count } = await waiting();
      expect(addApprentices(db, [{ line: 1, input: records[1]! }], SYSTEM_ACTOR, 'form').ok).to.equal(true);
      expect(prepared.write('test')).to.deep.equal({
        ok: false,
        problems: [{ line: 3, path: 'uln', message: `An apprentice with ULN ${records[1]!.uln} already exists` }],
      });
      expect(count()).to.equal(1);
      expect(staging(db)).to.equal(false);
    });

    it('checks the file again when an approval it relies on was withdrawn meanwhile', async () => {
      const { db, prepared, count } = await waiting();
      db.delete(epaoApprovals).run();
      const refused = prepared.write('test');
      expect(refused.ok).to.equal(false);
      expect(refused.ok ? [] : refused.problems.map((p) => [p.line, p.message])).to.deep.equal(
        [2, 3, 4].map((line) => [
          line,
          'This organisation is not approved to assess ST0815 version 1.0: an administrator records the approval on the standard’s page',
        ]),
      );
      expect(count()).to.equal(0);
    });

    it('works the statuses out again when the plan they read changed meanwhile', async () => {
      const { db, prepared } = await waiting();
      expect(cached(db)).to.deep.equal([]);
      const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as {
        gatewayItems: unknown[];
      };
      plan.gatewayItems = [];
      expect(importPlanText(db, JSON.stringify(plan), SYSTEM_ACTOR).ok).to.equal(true);
      expect(prepared.write('test')).to.deep.equal({ ok: true, count: 3 });
      const unmet = cached(db).map((r) => r.unmet);
      expect(unmet).to.have.length(3);
      for (const row of unmet) expect(row).not.to.include('plan_items');
    });
  });
});
