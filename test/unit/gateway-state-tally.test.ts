import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { SYSTEM_ACTOR } from '../../src/audit/audit.js';
import { addApprentices } from '../../src/apprentices/store.js';
import { validUlns } from '../../src/apprentices/uln.js';
import { openConnection, type Db } from '../../src/db/connection.js';
import { GATEWAY_STATES } from '../../src/db/vocabulary.js';
import {
  cachedStateCounts,
  cachedUnmetCounts,
  reconcileScopeTally,
  refreshGatewayCache,
} from '../../src/gateway/store.js';
import { CHECK_CODES } from '../../src/gateway/model.js';
import type { ApprenticeScope } from '../../src/apprentices/access.js';
import { DEMO_EMPLOYERS, DEMO_PROVIDERS } from '../../src/demo/index.js';
import { now } from '../support/clock.js';
import { testDb } from '../support/app.js';
import { apprenticeInput, variedRecords } from '../support/apprentices.js';

/*
 * The dashboards' counts come from a tally the status cache's triggers keep, not from reading
 * every status: everyone's, each provider's and each employer's, by state and by unmet check
 * (migrations 0045 and 0047). Whatever writes the cache (the stores, the start-up fill's marks, a trigger
 * clearing a row, an erasure, an apprentice moved to another provider or employer), the tally's
 * counts must be the cache's own: here they are held equal to a plain
 * count of the cache, for everyone and for each provider and employer, after every step of random
 * sequences of changes, on days before, on and after the ones the statuses were made for.
 */

const ALL = { kind: 'all' } as const;
const PROVIDERS = DEMO_PROVIDERS.slice(0, 2).map((p) => p.ukprn);
const EMPLOYERS = DEMO_EMPLOYERS.slice(0, 2).map((e) => e.id);
const SCOPES: ApprenticeScope[] = [
  ALL,
  ...PROVIDERS.map((ukprn) => ({ kind: 'provider' as const, ukprn })),
  ...EMPLOYERS.map((employerId) => ({ kind: 'employer' as const, employerId })),
];
/** Unmet checks as the cache stores them, a few kinds. */
const UNMET = [',,', ',maths,', ',maths,english,', ',practical_period,off_the_job,'];
const today = DateTime.fromISO(now().toISODate());
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;
const ULNS = validUlns(8, 310_000_000);

async function eightApprentices(file?: string): Promise<{ db: Db; ids: number[] }> {
  const { db } = await testDb(file);
  const added = addApprentices(
    db,
    ULNS.map((uln, i) => {
      // Starts a few months apart, so that their statuses change on different days.
      const start = today.minus({ months: 10 + 2 * i });
      return {
        line: i + 2,
        input: {
          ...apprenticeInput(uln, 'Tally', `Apprentice ${i}`),
          // Two providers and two employers, crossed.
          providerUkprn: PROVIDERS[i % 2]!,
          employerId: EMPLOYERS[Math.floor(i / 2) % 2]!,
          dateOfBirth: start.minus({ years: 20 }).toISODate()!,
          startDate: start.toISODate()!,
          plannedEndDate: start.plus({ months: 15 }).toISODate()!,
        },
      };
    }),
    SYSTEM_ACTOR,
    'test',
  );
  if (!added.ok) throw new Error('setup');
  const ids = db.$client.prepare('select id from apprentices where given_names = ? order by id').pluck().all('Tally');
  return { db, ids: ids as number[] };
}

/** Listed apprentices in scope, as SQL over `a`, and its one value. */
function inScope(scope: ApprenticeScope): [string, string[]] {
  if (scope.kind === 'provider') return ['a.provider_ukprn = ?', [scope.ukprn]];
  if (scope.kind === 'employer') return ['a.employer_id = ?', [scope.employerId]];
  return ['1', []];
}

/** The counts read the long way: every listed apprentice's status in scope that holds on `on`. */
function countedFromTheCache(db: Db, on: string, scope: ApprenticeScope = ALL) {
  const [where, values] = inScope(scope);
  const counts = Object.fromEntries(GATEWAY_STATES.map((s) => [s, 0]));
  const rows = db.$client
    .prepare(
      `select c.state, count(*) as n from apprentices a join gateway_status_cache c on c.apprentice_id = a.id
       where a.erased_at is null and ${where} and c.evaluated_on <= ? and (c.valid_until is null or c.valid_until > ?)
       group by c.state`,
    )
    .all(...values, on, on) as { state: string; n: number }[];
  for (const row of rows) counts[row.state] = row.n;
  const listed = db.$client
    .prepare(`select count(*) from apprentices a where a.erased_at is null and ${where}`)
    .pluck()
    .get(...values) as number;
  return { counts, uncached: listed - rows.reduce((sum, r) => sum + r.n, 0) };
}

/** Each check's count the long way: the listed apprentices in scope not ready on `on` with it unmet. */
function unmetFromTheCache(db: Db, on: string, scope: ApprenticeScope) {
  const [where, values] = inScope(scope);
  const count = db.$client.prepare(
    `select count(*) from apprentices a join gateway_status_cache c on c.apprentice_id = a.id
     where a.erased_at is null and ${where} and c.state = 'not_ready' and c.evaluated_on <= ?
       and (c.valid_until is null or c.valid_until > ?) and instr(c.unmet, ',' || ? || ',') > 0`,
  );
  return Object.fromEntries(CHECK_CODES.map((code) => [code, count.pluck().get(...values, on, on, code)]));
}

type Step =
  | { kind: 'refresh'; offset: number; scope: number }
  | { kind: 'evidence'; who: number }
  | { kind: 'erase'; who: number }
  | { kind: 'mark'; who: number }
  | { kind: 'store'; who: number; offset: number; until: number | null; state: number; unmet: number }
  | { kind: 'clear'; who: number }
  | { kind: 'move'; who: number; provider: number; employer: number };

const who = fc.integer({ min: 0, max: ULNS.length - 1 });
const offset = fc.integer({ min: -40, max: 40 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('refresh' as const), offset, scope: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('evidence' as const), who }),
  fc.record({ kind: fc.constant('erase' as const), who }),
  fc.record({ kind: fc.constant('mark' as const), who }),
  fc.record({
    kind: fc.constant('store' as const),
    who,
    offset,
    until: fc.option(fc.integer({ min: -40, max: 80 })),
    state: fc.integer({ min: 0, max: GATEWAY_STATES.length - 1 }),
    unmet: fc.integer({ min: 0, max: UNMET.length - 1 }),
  }),
  fc.record({ kind: fc.constant('clear' as const), who }),
  fc.record({
    kind: fc.constant('move' as const),
    who,
    provider: fc.integer({ min: 0, max: 1 }),
    employer: fc.integer({ min: 0, max: 1 }),
  }),
);

function take(db: Db, ids: number[], s: Step): void {
  const client = db.$client;
  switch (s.kind) {
    case 'refresh': {
      // A page's refresh: every listed apprentice in its scope then has a status that holds.
      const scope = SCOPES[s.scope]!;
      refreshGatewayCache(db, scope, day(s.offset));
      expect(cachedStateCounts(db, scope, day(s.offset)).uncached, JSON.stringify(s)).to.equal(0);
      return;
    }
    case 'evidence':
      // Any change to the apprentice's record clears their status (migration 0003's trigger).
      client.prepare('update apprentices set weekly_hours = weekly_hours where id = ?').run(ids[s.who]);
      return;
    case 'erase':
      client.prepare("update apprentices set erased_at = '2026-01-01T00:00:00Z' where id = ?").run(ids[s.who]);
      return;
    case 'mark':
      // The start-up fill's mark (gateway/warm-up.ts): a status that holds on no day.
      client
        .prepare(
          `insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until) values (?, '9999-12-31', 'not_ready', ',,', null)
           on conflict (apprentice_id) do update set evaluated_on = excluded.evaluated_on, state = excluded.state, valid_until = excluded.valid_until`,
        )
        .run(ids[s.who]);
      return;
    case 'store':
      client
        .prepare(
          `insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until) values (?, ?, ?, ?, ?)
           on conflict (apprentice_id) do update set evaluated_on = excluded.evaluated_on, state = excluded.state, unmet = excluded.unmet, valid_until = excluded.valid_until`,
        )
        .run(
          ids[s.who],
          day(s.offset),
          GATEWAY_STATES[s.state],
          UNMET[s.unmet],
          s.until === null ? null : day(s.offset + 1 + s.until),
        );
      return;
    case 'clear':
      client.prepare('delete from gateway_status_cache where apprentice_id = ?').run(ids[s.who]);
      return;
    case 'move':
      // Another provider or employer takes the apprentice on (clearing their status, as any change does).
      client
        .prepare('update apprentices set provider_ukprn = ?, employer_id = ? where id = ?')
        .run(PROVIDERS[s.provider], EMPLOYERS[s.employer], ids[s.who]);
  }
}

describe('the gateway counts’ tally', () => {
  it('give the cache’s own counts by state and by unmet check, for everyone and each provider and employer, after any sequence of changes, on any day', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const { db, ids } = await eightApprentices();
        for (const s of steps) {
          take(db, ids, s);
          for (const on of [day(-41), day(-1), day(0), day(1), day(30), day(90)])
            for (const scope of SCOPES) {
              const said = `${JSON.stringify(s)}, on ${on}, ${JSON.stringify(scope)}`;
              expect(cachedStateCounts(db, scope, on), said).to.deep.equal(countedFromTheCache(db, on, scope));
              expect(cachedUnmetCounts(db, scope, on), said).to.deep.equal(unmetFromTheCache(db, on, scope));
            }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('take an apprentice’s status off the scope tally when the apprentice is removed', async () => {
    const { db, ids } = await eightApprentices();
    refreshGatewayCache(db, ALL, day(0));
    const provider = { kind: 'provider' as const, ukprn: PROVIDERS[0]! };
    const before = Object.values(cachedStateCounts(db, provider, day(0)).counts).reduce((a, b) => a + b, 0);
    db.$client.prepare('delete from apprentices where id = ?').run(ids[0]);
    const after = cachedStateCounts(db, provider, day(0));
    expect(Object.values(after.counts).reduce((a, b) => a + b, 0)).to.equal(before - 1);
    expect(after).to.deep.equal(countedFromTheCache(db, day(0), provider));
  });

  it('are put right at start-up when a write bypassed the tally’s triggers', async () => {
    const { db, ids } = await eightApprentices();
    refreshGatewayCache(db, ALL, day(0));
    expect(reconcileScopeTally(db)).to.equal(false);
    // INSERT OR REPLACE deletes the row it replaces without firing delete triggers (recursive triggers are off).
    db.$client
      .prepare(
        `insert or replace into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until) values (?, ?, 'rejected', ',,', null)`,
      )
      .run(ids[0], day(0));
    expect(cachedStateCounts(db, ALL, day(0))).to.not.deep.equal(countedFromTheCache(db, day(0)));
    expect(reconcileScopeTally(db)).to.equal(true);
    expect(cachedStateCounts(db, ALL, day(0))).to.deep.equal(countedFromTheCache(db, day(0)));
    const provider = { kind: 'provider' as const, ukprn: PROVIDERS[0]! };
    expect(cachedStateCounts(db, provider, day(0))).to.deep.equal(countedFromTheCache(db, day(0), provider));
    expect(reconcileScopeTally(db)).to.equal(false);
  });

  it('are kept by triggers on the status cache, at the schema the code migrates to', async () => {
    const { db } = await testDb();
    const triggers = db.$client
      .prepare(
        "select name from sqlite_master where type = 'trigger' and tbl_name = 'gateway_status_cache' order by name",
      )
      .pluck()
      .all();
    expect(triggers).to.include.members([
      'gateway_scope_tally_delete',
      'gateway_scope_tally_insert',
      'gateway_scope_tally_update',
    ]);
  });

  it('count a status stored with an empty end as holding on no day, as the cache’s own reading does', async () => {
    const { db, ids } = await eightApprentices();
    refreshGatewayCache(db, ALL, day(0));
    db.$client.prepare("update gateway_status_cache set valid_until = '' where apprentice_id = ?").run(ids[1]);
    expect(cachedStateCounts(db, ALL, day(0))).to.deep.equal(countedFromTheCache(db, day(0)));
    expect(cachedStateCounts(db, ALL, day(0)).uncached).to.equal(1);
    const provider = { kind: 'provider' as const, ukprn: PROVIDERS[1]! };
    expect(cachedStateCounts(db, provider, day(0))).to.deep.equal(countedFromTheCache(db, day(0), provider));
    expect(cachedStateCounts(db, provider, day(0)).uncached).to.equal(1);
  });

  it('read the tally and the statuses that stopped holding as one, whatever another connection commits between the two reads', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epa-tally-'));
    const file = path.join(dir, 'tally.sqlite');
    const { db, ids } = await eightApprentices(file);
    const other = openConnection(file);
    try {
      refreshGatewayCache(db, ALL, day(0));
      // The first apprentice's status has stopped holding (an empty end), as a start-up mark has.
      db.$client
        .prepare(
          "update gateway_status_cache set state = 'not_ready', unmet = ',maths,', valid_until = '' where apprentice_id = ?",
        )
        .run(ids[0]);
      const employer = { kind: 'employer' as const, employerId: EMPLOYERS[0]! };
      const before = countedFromTheCache(db, day(0), employer);
      expect(before.uncached).to.equal(1);
      // Between the two reads, another connection (a worker) stores the status worked out again.
      const prepare = db.$client.prepare.bind(db.$client);
      let committed = false;
      db.$client.prepare = (source: string) => {
        if (!committed && source.includes('"gateway_status_cache"') && source.includes('group by')) {
          committed = true;
          other.$client
            .prepare(
              "update gateway_status_cache set state = 'ready', unmet = ',,', valid_until = null where apprentice_id = ?",
            )
            .run(ids[0]);
        }
        return prepare(source);
      };
      expect(cachedStateCounts(db, employer, day(0))).to.deep.equal(before);
      expect(committed).to.equal(true);
    } finally {
      other.$client.close();
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('are counted from a row for each kind of status in a provider and employer, however the apprentices’ dates differ', async () => {
    const { db } = await testDb();
    // Sixty apprentices of one provider and employer, each starting on a day of their own.
    const added = addApprentices(
      db,
      variedRecords(validUlns(60, 312_000_000)).map((input, i) => ({ line: i + 2, input })),
      SYSTEM_ACTOR,
      'test',
    );
    expect(added.ok).to.equal(true);
    refreshGatewayCache(db, ALL, day(0));
    const one = (query: string) => db.$client.prepare(query).pluck().get() as number;
    expect(one('select count(distinct valid_until) from gateway_status_cache')).to.be.greaterThan(20);
    const kinds = one('select count(*) from (select distinct state, unmet from gateway_status_cache)');
    expect(kinds).to.be.lessThan(10);
    expect(one('select count(*) from gateway_scope_tally')).to.equal(kinds);
    expect(cachedStateCounts(db, ALL, day(0))).to.deep.equal(countedFromTheCache(db, day(0)));
  });

  it('are counted from a tally of a handful of rows, not from each apprentice’s status', async () => {
    const { db } = await eightApprentices();
    refreshGatewayCache(db, ALL, day(0));
    const tallied = db.$client.prepare('select sum(n) from gateway_scope_tally').pluck().get();
    expect(tallied).to.equal(ULNS.length);
    expect(cachedStateCounts(db, ALL, day(0)).uncached).to.equal(0);
    // Erasing one takes their status away from the counts and the tally alike.
    db.$client.prepare("update apprentices set erased_at = '2026-01-01T00:00:00Z' where uln = ?").run(ULNS[0]);
    expect(db.$client.prepare('select sum(n) from gateway_scope_tally').pluck().get()).to.equal(ULNS.length - 1);
    const counts = cachedStateCounts(db, ALL, day(0));
    expect(Object.values(counts.counts).reduce((a, b) => a + b, 0)).to.equal(ULNS.length - 1);
    expect(counts.uncached).to.equal(0);
  });
});
