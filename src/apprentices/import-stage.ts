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

/**
 * Starts an empty staging table (any left by an earlier import on this connection is dropped).
 * One import at a time stages on a connection: each worker thread has its own, and an import in
 * place (an in-memory database's) runs from start to end with nothing in between.
 */
export function openStage(db: Db) {
  const client = db.$client;
  client.exec(`drop table if exists temp.import_rows;
    create temp table import_rows (line integer primary key, ${COLUMNS}, state text not null, unmet text not null, changes_on text);
    pragma temp.cache_size = -${STAGE_CACHE_KIB};`);
  const placeholders = ['line', ...COLUMNS.split(','), 'state', 'unmet', 'changes_on'].fill('?').join(', ');
  const insert = client.prepare(`insert into temp.import_rows values (${placeholders})`);
  return {
    /** Stages one checked row with its status. */
    add(line: number, v: ApprenticeValues, status: StagedStatus): void {
      insert.run(line, ...columnValues(v), status.state, `,${status.unmet.join(',')},`, status.changesOn);
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
  client.prepare(`insert into apprentices (${COLUMNS}) select ${COLUMNS} from temp.import_rows order by line`).run();
  // "where true" lets SQLite read the upsert's "on conflict" as the insert's, not the join's.
  client
    .prepare(
      `insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until)
       select a.id, ?, t.state, t.unmet, t.changes_on from temp.import_rows t join apprentices a on a.uln = t.uln where true
       on conflict (apprentice_id) do update set evaluated_on = excluded.evaluated_on, state = excluded.state, unmet = excluded.unmet, valid_until = excluded.valid_until`,
    )
    .run(on);
  return client.prepare('select uln from temp.import_rows order by line').pluck().all() as string[];
}

/** Drops the staging table. */
export function closeStage(db: Db): void {
  db.$client.exec('drop table if exists temp.import_rows');
}
