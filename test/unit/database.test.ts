import { eq, isNull } from 'drizzle-orm';
import { TEST_CONFIG } from '../support/app.js';
import { now } from '../support/clock.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { SYSTEM_ACTOR, recordAudit } from '../../src/audit/audit.js';
import { openDatabase, readSnapshot } from '../../src/db/connection.js';
import {
  apprentices,
  auditEvents,
  employers,
  ksbs,
  plans,
  providers,
  standardVersions,
  users,
} from '../../src/db/schema.js';
import { DEMO_USERS, loadDemoData } from '../../src/demo/index.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import { DEMO_ASSESSORS } from '../../src/demo/scheduling.js';
import { importPlanText } from '../../src/plans/store.js';

describe('database', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-db-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates, migrates and seeds a new file, and keeps every row when started again', async () => {
    const file = path.join(dir, 'nested', 'epa.sqlite');
    const first = openDatabase(file);
    loadCatalogue(first);
    await loadDemoData(first, now(), TEST_CONFIG.passwordHashCost);
    first.insert(employers).values({ id: 'added-later', name: 'Added later' }).run();
    const plan = JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as { title: string };
    plan.title = 'Edited by the EPAO';
    expect(importPlanText(first, JSON.stringify(plan), SYSTEM_ACTOR).ok).to.equal(true);
    const counts = (db: typeof first) => ({
      versions: db.select().from(standardVersions).all().length,
      ksbs: db.select().from(ksbs).all().length,
      users: db.select().from(users).all().length,
      providers: db.select().from(providers).all().length,
      employers: db.select().from(employers).all().length,
      audit: db.select().from(auditEvents).all().length,
    });
    const before = counts(first);
    first.$client.close();

    const second = openDatabase(file);
    loadCatalogue(second);
    await loadDemoData(second, now(), TEST_CONFIG.passwordHashCost);
    expect(counts(second)).to.deep.equal(before);
    // One demo user per role, plus the three other demo assessors.
    expect(before).to.include({ versions: 1, ksbs: 38, users: DEMO_USERS.length + DEMO_ASSESSORS.length - 1 });
    expect(second.select().from(plans).where(eq(plans.isDefault, true)).get()!.title).to.equal('Edited by the EPAO');
    // The demo holds the reformed demonstration plan beside the EPA plan, and some demo apprentices follow each.
    expect(
      second.select({ id: plans.id, isDefault: plans.isDefault }).from(plans).orderBy(plans.id).all(),
    ).to.deep.equal([
      { id: 'ST0815-1.0-demo', isDefault: true },
      { id: 'ST0815-1.0-reformed-demo', isDefault: false },
    ]);
    const onPlan = (planId: string | null) =>
      second
        .select({ id: apprentices.id })
        .from(apprentices)
        .where(planId === null ? isNull(apprentices.planId) : eq(apprentices.planId, planId))
        .all().length;
    expect(onPlan('ST0815-1.0-reformed-demo')).to.be.greaterThan(0);
    expect(onPlan(null)).to.be.greaterThan(onPlan('ST0815-1.0-reformed-demo'));
    expect(second.$client.pragma('foreign_keys', { simple: true })).to.equal(1);
    expect(second.$client.pragma('journal_mode', { simple: true })).to.equal('wal');
    second.$client.close();
  });

  it('reads a snapshot that stays as it was while the app goes on writing, until it is closed', () => {
    const db = openDatabase(path.join(dir, 'epa.sqlite'));
    try {
      const count = (of: typeof db) => of.select().from(auditEvents).all().length;
      const before = count(db);
      const snapshot = readSnapshot(db);
      recordAudit(db, SYSTEM_ACTOR, { action: 'employer.added', entityType: 'employer', entityId: 'after' });
      expect(count(db)).to.equal(before + 1);
      expect(count(snapshot.db)).to.equal(before);
      snapshot.close();
      expect(snapshot.db.$client.open).to.equal(false);
      // An in-memory database has no file to open again: it is read in place.
      const memory = openDatabase(':memory:');
      expect(readSnapshot(memory).db).to.equal(memory);
    } finally {
      db.$client.close();
    }
  });

  it('rolls back a change and its audit row together', () => {
    const db = openDatabase(':memory:');
    expect(() =>
      db.transaction((tx) => {
        tx.insert(employers).values({ id: 'x', name: 'X' }).run();
        recordAudit(tx, SYSTEM_ACTOR, { action: 'employer.added', entityType: 'employer', entityId: 'x' });
        throw new Error('failure mid-write');
      }),
    ).to.throw('failure mid-write');
    expect(db.select().from(employers).all()).to.deep.equal([]);
    expect(db.select().from(auditEvents).all()).to.deep.equal([]);
  });
});
