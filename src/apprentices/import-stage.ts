import type { Db } from '../db/connection.js';
import type { OverviewRow } from '../gateway/store.js';
import { columnValues, NEW_APPRENTICE_COLUMNS, type ApprenticeValues } from './store.js';

/*
 * A CSV import's rows, staged in a temporary table of the importing connection as the file is
 * read: each row checked, as it will be written, with the gateway status it will have. Once the
 * import holds the write lock, one statement writes them all and one more their statuses. The
 * file's rows are never all in memory (at 100,000 rows they were 35 MB and more, held for
 * seconds), and the temporary table is SQLite's own: a file beside the database with a page cache
 * of its own, gone when the connection closes.
 */

/** The apprentices' columns, in the order the staging table and the insert both list them. */
const COLUMNS = NEW_APPRENTICE_COLUMNS;

/** The temporary table's own page cache, in KiB: what it holds beyond that waits in its file. */
const STAGE_CACHE_KIB = 2_048;

/** A status as the cache stores it: its state, unmet checks (",a,b,") and the day it could change. */
type StagedStatus = Pick<OverviewRow, 'state' | 'unmet' | 'changesOn'>;

/** Rows staged a statement: one call into SQLite for 50 rows rather than one each (0.1 s less at 100,000 rows). */
const ROWS_A_STATEMENT = 50;

/**
 * The order the staged rows are written in: by name, as the apprentices' three list indexes
 * (by provider, by employer, and everyone's) are each ordered after their scope. Written in the
 * file's order, each row went to a page of each index far from the last row's, and at 100,000
 * rows into 100,000 the insert took 0.85 to 0.9 s; in this order it took 0.45 s. Their gateway
 * statuses are written in the same order, which is that of the ids the rows were given.
 */
const WRITE_ORDER = ['family_name', 'given_names', 'line'];

/** Values a staged row binds: its line, the apprentice's columns, and its status's three. */
const ROW_WIDTH = 1 + COLUMNS.split(',').length + 3;

/**
 * Starts an empty staging table (any left by an earlier import on this connection is dropped).
 * One import at a time stages on a connection: each worker thread has its own, and an import in
 * place (an in-memory database's) runs from start to end with nothing in between. Rows wait in
 * memory until ROWS_A_STATEMENT have come; `finish` stages the rest.
 */
export function openStage(db: Db) {
  const client = db.$client;
  client.exec(`drop table if exists temp.import_rows;
    create temp table import_rows (line integer primary key, ${COLUMNS}, state text not null, unmet text not null, changes_on text);
    pragma temp.cache_size = -${STAGE_CACHE_KIB};`);
  const row = `(${Array<string>(ROW_WIDTH).fill('?').join(', ')})`;
  const one = client.prepare(`insert into temp.import_rows values ${row}`);
  const many = client.prepare(
    `insert into temp.import_rows values ${Array<string>(ROWS_A_STATEMENT).fill(row).join(', ')}`,
  );
  const waiting: unknown[] = [];
  /** Each status's unmet checks as stored (",a,b,"), made once: statuses alike are one object. */
  const unmetText = new WeakMap<StagedStatus, string>();
  return {
    /** Stages one checked row with its status. */
    add(line: number, v: ApprenticeValues, status: StagedStatus): void {
      let unmet = unmetText.get(status);
      if (unmet === undefined) unmetText.set(status, (unmet = `,${status.unmet.join(',')},`));
      waiting.push(line, ...columnValues(v), status.state, unmet, status.changesOn);
      if (waiting.length === ROWS_A_STATEMENT * ROW_WIDTH) {
        many.run(waiting);
        waiting.length = 0;
      }
    },
    /**
     * Stages the rows still waiting, after the last row, and indexes them in the order they will
     * be written (WRITE_ORDER): before the write lock is taken, so that the write need not sort.
     */
    finish(): void {
      for (let at = 0; at < waiting.length; at += ROW_WIDTH) one.run(waiting.slice(at, at + ROW_WIDTH));
      waiting.length = 0;
      client.exec(`create index temp.import_rows_written on import_rows (${WRITE_ORDER.join(', ')})`);
    },
  };
}

/** Staged rows whose ULN an apprentice now holds (added since the rows were checked), in line order. */
export function stagedUlnsHeld(db: Db): { line: number; uln: string }[] {
  return db.$client
    .prepare(
      'select line, uln from temp.import_rows t where exists (select 1 from apprentices a where a.uln = t.uln) order by line',
    )
    .all() as { line: number; uln: string }[];
}

/**
 * Writes the staged rows and their statuses on `on` (inside the caller's write transaction) and
 * returns their ULNs in line order.
 */
export function writeStaged(db: Db, on: string): string[] {
  if (!db.$client.inTransaction) throw new Error('writeStaged must run inside the transaction that checked the rows');
  const client = db.$client;
  client
    .prepare(
      `insert into apprentices (${COLUMNS}) select ${COLUMNS} from temp.import_rows order by ${WRITE_ORDER.join(', ')}`,
    )
    .run();
  // "where true" lets SQLite read the upsert's "on conflict" as the insert's, not the join's.
  client
    .prepare(
      `insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until)
       select a.id, ?, t.state, t.unmet, t.changes_on from temp.import_rows t join apprentices a on a.uln = t.uln where true
       order by ${WRITE_ORDER.map((column) => `t.${column}`).join(', ')}
       on conflict (apprentice_id) do update set evaluated_on = excluded.evaluated_on, state = excluded.state, unmet = excluded.unmet, valid_until = excluded.valid_until`,
    )
    .run(on);
  return client.prepare('select uln from temp.import_rows order by line').pluck().all() as string[];
}

/** Drops the staging table. */
export function closeStage(db: Db): void {
  db.$client.exec('drop table if exists temp.import_rows');
}
