import type { Db } from '../db/connection.js';
import { runInWorker } from '../ops/worker.js';
import { writeGate } from '../ops/write-gate.js';
import { missingEvaluations, statusCacheComplete, storeEvaluations, type CacheRow } from './store.js';

/*
 * The gateway status cache, filled at start-up in a worker thread. After an install, a migration
 * that empties the cache, or a restore, every apprentice's status is missing, and the first
 * dashboard would work out all of them on the thread that answers requests (seconds at 100,000
 * apprentices, with everyone waiting). Instead the app starts a worker on its own connection,
 * which works them out and stores them in one write; meanwhile only a page that needs statuses
 * still missing waits for it (untilStatusesCanBeStored), without holding anyone else up.
 */

const ALL = { kind: 'all' } as const;
const warming = new WeakMap<Db, Promise<number>>();

/**
 * Starts the worker when the database is a file and some apprentice has no status for `on`;
 * resolves with how many statuses it stored (null when there was nothing to do).
 */
export function warmStatusCache(db: Db, on: string): Promise<number> | null {
  const client = db.$client;
  if (client.memory || !client.name || warming.has(db) || statusCacheComplete(db, ALL, on)) return null;
  const work = runInWorker<number>(
    new URL('./warm-up-worker.js', import.meta.url),
    { databasePath: client.name, on },
    writeGate(db),
  ).finally(() => warming.delete(db));
  warming.set(db, work);
  return work;
}

/** The start-up fill still running, if any (a failed one counts as finished: pages work out their own). */
export function statusesWarming(db: Db): Promise<unknown> | undefined {
  return warming.get(db)?.catch(() => undefined);
}

/** What another connection's commit moves (SQLite's data_version). */
const dataVersion = (db: Db) => db.$client.pragma('data_version', { simple: true }) as number;

function readMissing(db: Db, on: string): { version: number; rows: CacheRow[] } {
  const version = dataVersion(db);
  return { version, rows: [...missingEvaluations(db, ALL, on)].flat() };
}

/**
 * In the worker: works out every missing status, then (once the app lets it write) stores them.
 * If the app committed anything after they were read, what they read may have changed (evidence
 * empties an apprentice's status): they are read again, twice while others may still write, and
 * at the last inside the write transaction, which nobody can commit around.
 */
export async function warmUp(db: Db, on: string, mayWrite: () => Promise<void>): Promise<number> {
  let read = readMissing(db, on);
  for (let tries = 1; tries < 3 && dataVersion(db) !== read.version; tries++) read = readMissing(db, on);
  await mayWrite();
  return db.$client
    .transaction(() => {
      const rows = dataVersion(db) === read.version ? read.rows : readMissing(db, on).rows;
      storeEvaluations(db, on, rows);
      return rows.length;
    })
    .immediate();
}
