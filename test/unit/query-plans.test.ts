import { expect } from 'chai';
import { and, inArray } from 'drizzle-orm';
import { HELD_ULNS, scopeCondition } from '../../src/apprentices/store.js';
import { apprentices } from '../../src/db/schema.js';
import { openDatabase, type Db } from '../../src/db/connection.js';
import { loadCatalogue } from '../../src/catalogue/load.js';
import {
  missingInBatch,
  missingInScope,
  pageSelect,
  reviewQueueSelect,
  scopeCountQueries,
  stoppedHolding,
} from '../../src/gateway/store.js';
import { moderationQueueSelect } from '../../src/grading/store.js';
import { candidatesSelect, unclaimedAfter } from '../../src/outcomes/claims.js';
import { OPEN_SUBMISSIONS } from '../../src/bookings/store.js';

/*
 * The plans SQLite chooses for the dashboard's page, before and after ANALYZE gives it statistics
 * (production databases get them; the plan must not turn into a scan of every apprentice and a
 * sort when they do). The data is skewed as real data is: one provider and one employer hold most
 * apprentices, and a few cache rows are from an earlier day.
 */

const ON = '2024-03-05';

function skewedDatabase(): Db {
  const db = openDatabase(':memory:');
  loadCatalogue(db);
  const c = db.$client;
  for (let p = 0; p < 10; p++)
    c.prepare('insert into providers (ukprn, name) values (?, ?)').run(String(10000000 + p), `P${p}`);
  for (let e = 0; e < 20; e++) c.prepare('insert into employers (id, name) values (?, ?)').run(`e${e}`, `E${e}`);
  const version = c.prepare('select id from standard_versions limit 1').pluck().get();
  const apprentice = c.prepare(
    `insert into apprentices (uln, given_names, family_name, date_of_birth, start_date, planned_end_date, standard_version_id, provider_ukprn, employer_id, weekly_hours)
     values (?, 'Given', ?, '1990-01-01', '2023-01-01', '2024-06-01', ?, ?, ?, 37.5)`,
  );
  const cached = c.prepare(
    "insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet) values (?, ?, ?, ',')",
  );
  const submission = c.prepare(
    `insert into gateway_submissions (apprentice_id, attempt, status, submitted_on, submitted_at, evaluation, epa_period_start, epa_period_end)
     values (?, 1, ?, '2023-11-01', '2023-11-01T10:00:00.000Z', '{}', '2023-11-20', '2024-02-20')`,
  );
  const attempt = c.prepare(
    `insert into epa_attempts (apprentice_id, number, kind, started_on, overall_grade, result_on, released_at, claimed_at)
     values (?, 1, 'first', '2023-12-01', ?, ?, ?, ?)`,
  );
  c.transaction(() => {
    for (let i = 0; i < 5000; i++) {
      const dominant = i < 4500;
      const row = apprentice.run(
        String(1_000_000_000 + i),
        `Family${i % 997}`,
        version,
        String(10000000 + (dominant ? 3 : i % 10)),
        `e${dominant ? 4 : i % 20}`,
      );
      cached.run(row.lastInsertRowid, i % 50 === 0 ? '2024-03-04' : ON, i % 3 ? 'ready' : 'not_ready');
      // Nearly every request accepted long ago; most of those apprentices have their result.
      submission.run(row.lastInsertRowid, i % 25 === 0 ? 'submitted' : 'accepted');
      // Most results long claimed, a few released and waiting to be claimed, some not yet released.
      attempt.run(
        row.lastInsertRowid,
        i % 7 ? 'Pass' : null,
        `2024-0${1 + (i % 3)}-1${i % 10}`,
        i % 7 ? '2024-03-01T10:00:00.000Z' : null,
        i % 10 === 0 ? null : '2024-03-02T10:00:00.000Z',
      );
    }
  })();
  return db;
}

/** The plan of a query built by a store, its values as given. */
const planOfQuery = (db: Db, query: { sql: string; params: unknown[] }) =>
  (db.$client.prepare(`explain query plan ${query.sql}`).all(...query.params) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');

/** The plan's steps for one page of a scope. */
function planOf(db: Db, kind: 'all' | 'provider' | 'employer'): string[] {
  const query = pageSelect(db, kind).toSQL();
  const named: Record<string, unknown> = {
    scopeId: kind === 'provider' ? '10000003' : kind === 'employer' ? 'e4' : null,
    on: ON,
    state: null,
    unmet: null,
    limit: 50,
    offset: 0,
  };
  const values = query.params.map((p) => (p && typeof p === 'object' && 'name' in p ? named[String(p.name)] : p));
  return (db.$client.prepare(`explain query plan ${query.sql}`).all(...values) as { detail: string }[]).map(
    (r) => r.detail,
  );
}

describe('query plans: the dashboard page walks an index in name order, with or without statistics', () => {
  const INDEX = {
    all: 'apprentices_listed',
    provider: 'apprentices_provider_listed',
    employer: 'apprentices_employer_listed',
  };

  for (const analysed of [false, true])
    it(`${analysed ? 'after' : 'before'} ANALYZE`, () => {
      const db = skewedDatabase();
      if (analysed) db.$client.exec('analyze');
      for (const kind of ['all', 'provider', 'employer'] as const) {
        const plan = planOf(db, kind);
        expect(plan.join(' | '), kind).to.contain(`SEARCH apprentices USING INDEX ${INDEX[kind]}`);
        expect(plan.join(' | '), kind).to.not.match(/TEMP B-TREE|SCAN apprentices|SCAN gateway_status_cache/);
      }
      db.$client.close();
    });
});

describe('query plans: the counts read the scope tally (a provider’s or employer’s rows of it) and the statuses that stopped holding, never every status', () => {
  const SCOPES = [
    { kind: 'all' },
    { kind: 'provider', ukprn: '10000003' },
    { kind: 'employer', employerId: 'e4' },
  ] as const;
  for (const analysed of [false, true])
    it(`${analysed ? 'after' : 'before'} ANALYZE`, () => {
      const db = skewedDatabase();
      if (analysed) db.$client.exec('analyze');
      for (const scope of SCOPES) {
        const { byState, byUnmet, listed, stopped } = scopeCountQueries(db, scope, ON);
        const [states, unmet, count] = [byState, byUnmet, listed].map((query) => planOfQuery(db, query.toSQL()));
        // What the tally counts less what has stopped holding: read along the days, as a new day's are.
        const stoppedPlan = planOfQuery(db, stopped.toSQL());
        expect(stoppedPlan, scope.kind).to.contain('INDEX gateway_status_cache_valid_until (valid_until<?)');
        expect(stoppedPlan, scope.kind).to.contain('INDEX gateway_status_cache_state (evaluated_on>?)');
        expect(stoppedPlan, scope.kind).to.not.match(/SCAN/);
        // Everyone's counts read all of the tally's rows (a few hundred); a scope's, its own.
        const tally = {
          all: 'SCAN gateway_scope_tally',
          provider: 'SEARCH gateway_scope_tally USING INDEX sqlite_autoindex_gateway_scope_tally_1 (provider_ukprn=?',
          employer: 'SEARCH gateway_scope_tally USING INDEX gateway_scope_tally_employer (employer_id=?)',
        }[scope.kind];
        expect(states, scope.kind).to.contain(tally);
        expect(unmet, scope.kind).to.contain(tally);
        expect(count, scope.kind).to.match(
          /SEARCH apprentices USING COVERING INDEX apprentices_(provider_|employer_)?listed/,
        );
        expect([states, unmet, count].join(' | '), scope.kind).to.not.match(
          /SCAN apprentices|SCAN gateway_status_cache/,
        );
      }
      db.$client.close();
    });
});

describe('query plans: the statuses to work out again on a new day are found along a batch of ids, not the scope’s index', () => {
  for (const analysed of [false, true])
    it(`${analysed ? 'after' : 'before'} ANALYZE`, () => {
      const db = skewedDatabase();
      if (analysed) db.$client.exec('analyze');
      for (const scope of [
        { kind: 'all' },
        { kind: 'provider', ukprn: '10000003' },
        { kind: 'employer', employerId: 'e4' },
      ] as const) {
        // A provider’s or employer’s reads its own index instead, in one pass.
        if (scope.kind !== 'all') {
          const own = planOfQuery(db, missingInScope(db, scope, ON).toSQL());
          expect(own, scope.kind).to.match(
            /^SEARCH apprentices USING (COVERING )?INDEX apprentices_(provider|employer)_listed/,
          );
          expect(own, scope.kind).to.contain('SEARCH gateway_status_cache USING INTEGER PRIMARY KEY (rowid=?)');
          expect(own, scope.kind).to.not.match(/SCAN/);
        }
        const plan = planOfQuery(db, missingInBatch(db, scope, ON, 2_000).toSQL());
        expect(plan, scope.kind).to.match(/^SEARCH apprentices USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
        expect(plan, scope.kind).to.contain('SEARCH gateway_status_cache USING INTEGER PRIMARY KEY (rowid=?)');
        // First, and most days all: the statuses that stopped holding, along the days they stop.
        const stoppedPlan = planOfQuery(db, stoppedHolding(db, scope, ON).toSQL());
        expect(stoppedPlan, scope.kind).to.contain('INDEX gateway_status_cache_valid_until (valid_until<?)');
        expect(stoppedPlan, scope.kind).to.contain('INDEX gateway_status_cache_state (evaluated_on>?)');
        expect(stoppedPlan, scope.kind).to.match(/SEARCH apprentices (EXISTS )?USING INTEGER PRIMARY KEY \(rowid=\?\)/);
        expect(stoppedPlan, scope.kind).to.not.match(/SCAN/);
      }
      db.$client.close();
    });
});

describe('query plans: the review, moderation and booking queues and the claims files are read in order from their indexes', () => {
  for (const analysed of [false, true])
    it(`${analysed ? 'after' : 'before'} ANALYZE`, () => {
      const db = skewedDatabase();
      if (analysed) db.$client.exec('analyze');
      const review = planOfQuery(db, reviewQueueSelect(db).limit(50).toSQL());
      expect(review).to.contain('USING INDEX gateway_submissions_queue');
      expect(review).to.not.contain('TEMP B-TREE');
      const moderation = planOfQuery(db, moderationQueueSelect(db).limit(50).toSQL());
      expect(moderation).to.contain('USING INDEX gradings_moderation_queue');
      expect(moderation).to.not.contain('TEMP B-TREE');
      // The booking queue's accepted submissions, along their own index, the finished left out from the attempts' index alone.
      const queue = planOfQuery(db, { sql: OPEN_SUBMISSIONS, params: [] });
      expect(queue).to.match(/^SCAN s USING COVERING INDEX gateway_submissions_accepted/);
      expect(queue).to.contain('SCAN e USING COVERING INDEX epa_attempts_latest_graded');
      expect(queue).to.not.contain('TEMP B-TREE');
      // A claims file's batches, the first and one after a key: each read along the unclaimed results' index.
      for (const after of [undefined, { on: '2024-02-15', id: 40 }, { on: null, id: 40 }]) {
        const claims = planOfQuery(db, candidatesSelect(db, unclaimedAfter(ON, after), 2000).toSQL());
        expect(claims, JSON.stringify(after)).to.match(/^SCAN epa_attempts USING INDEX epa_attempts_unclaimed/);
        // (A temporary tree orders an earlier outcome's list inside one row; the rows themselves are never sorted.)
        expect(claims, JSON.stringify(after)).to.not.contain('TEMP B-TREE FOR ORDER BY');
      }
      db.$client.close();
    });
});

describe('query plans: apprentices named by id are looked up by id, not read along the listing index', () => {
  for (const analysed of [false, true])
    it(`${analysed ? 'after' : 'before'} ANALYZE`, () => {
      const db = skewedDatabase();
      if (analysed) db.$client.exec('analyze');
      // As the status upkeep after a write reads the apprentices whose statuses it cleared (several, in any order).
      const ids = Array.from({ length: 40 }, (_, i) => 1 + i * 97);
      const query = db
        .select({ id: apprentices.id, name: apprentices.familyName })
        .from(apprentices)
        .where(and(scopeCondition({ kind: 'all' }), inArray(apprentices.id, ids)))
        .toSQL();
      const plan = (db.$client.prepare(`explain query plan ${query.sql}`).all(...query.params) as { detail: string }[])
        .map((r) => r.detail)
        .join(' | ');
      expect(plan).to.equal('SEARCH apprentices USING INTEGER PRIMARY KEY (rowid=?)');
      db.$client.close();
    });
});

describe('query plans: an import batch’s ULNs are each looked up in the ULN index', () => {
  for (const analysed of [false, true])
    it(`${analysed ? 'after' : 'before'} ANALYZE`, () => {
      const db = skewedDatabase();
      if (analysed) db.$client.exec('analyze');
      const plan = (
        db.$client.prepare(`explain query plan ${HELD_ULNS}`).all(JSON.stringify(['1000000043'])) as {
          detail: string;
        }[]
      )
        .map((r) => r.detail)
        .join(' | ');
      expect(plan).to.contain('SEARCH a USING COVERING INDEX apprentices_uln_unique (uln=?)');
      expect(plan).to.not.contain('SCAN a');
      db.$client.close();
    });
});
