import type { Db } from '../db/connection.js';
import { runInWorker } from '../ops/worker.js';
import { writeGate } from '../ops/write-gate.js';
import { missingEvaluations, statusCacheComplete } from './store.js';

/*
 * The gateway status cache, filled at start-up in a worker thread. After an install, a migration
 * that empties the cache, or a restore, every apprentice's status is missing, and the first
 * dashboard would work out all of them on the thread that answers requests (seconds at 100,000
 * apprentices, with everyone waiting). Instead the app starts a worker on its own connection,
 * which works them out and stores them (two short writes around the work); meanwhile only a page
 * that needs statuses still missing waits for it (untilStatusesCanBeStored), without holding
 * anyone else up.
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

/** A status not worked out yet: it holds on no day, so every page still counts it as missing. */
const MARK_DAY = '9999-12-31';

/**
 * Marks every apprentice with no status holding on the day (@on). The cache's triggers delete an
 * apprentice's row whenever anything the rules read about them changes, so a mark still there
 * at the end means their evidence has not changed since it was made.
 */
const MARK = `insert into gateway_status_cache (apprentice_id, evaluated_on, state, unmet, valid_until)
  select a.id, '${MARK_DAY}', 'not_ready', ',,', null from apprentices a
  where not exists (select 1 from gateway_status_cache c where c.apprentice_id = a.id
    and c.evaluated_on <= @on and (c.valid_until is null or c.valid_until > @on))
  on conflict (apprentice_id) do update set evaluated_on = excluded.evaluated_on, state = excluded.state,
    unmet = excluded.unmet, valid_until = excluded.valid_until`;

/** A status worked out, stored only where the mark is still there (neither its evidence changed nor a page stored one). */
const FILL = `update gateway_status_cache set evaluated_on = ?, state = ?, unmet = ?, valid_until = ?
  where apprentice_id = ? and evaluated_on = '${MARK_DAY}'`;

/**
 * In the worker: marks the apprentices whose status is missing (one short write), works their
 * statuses out with nobody waiting, then stores each where its mark is still there (another
 * short write). Evidence that changed meanwhile took its mark away, so a status is never stored
 * from evidence that has since changed: a page works that one out when it is asked.
 */
export async function warmUp(db: Db, on: string, mayWrite: () => Promise<void>, wrote: () => void): Promise<number> {
  await mayWrite();
  const marked = db.$client.prepare(MARK).run({ on }).changes;
  wrote();
  if (marked === 0) return 0;
  const rows = [...missingEvaluations(db, ALL, on)].flat();
  await mayWrite();
  const fill = db.$client.prepare(FILL);
  return db.$client.transaction(() =>
    rows.reduce((n, [id, state, unmet, validUntil]) => n + fill.run(on, state, unmet, validUntil, id).changes, 0),
  )();
}
