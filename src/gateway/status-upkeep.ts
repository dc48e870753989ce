import type { Db } from '../db/connection.js';
import { storeStatusesOf } from './store.js';
import { warmStatusCache } from './warm-up.js';

/*
 * Each apprentice's gateway status is worked out again as soon as a write changes their evidence,
 * not when a page next asks for it. The cache's triggers (migration 0003) delete a status whenever
 * anything the rules read changes, whichever code made the change. A temporary trigger on the
 * app's own connection notes each status deleted; once a writing request has answered, while
 * the write gate still counts it (so an import's write waits for it, src/ops/write-gate.ts), the
 * statuses it cleared are worked out and stored. A page then finds them stored, and never has
 * to wait for SQLite's one write lock to store one (untilStatusesCanBeStored in service.ts),
 * which while an import holds that lock could take seconds.
 *
 * The note is per connection and per process: writes made by a worker on its own connection
 * (the start-up fill, an import) store their own statuses or leave them to the pages, as before.
 */
const NOTE_CLEARED = `
  create temp table if not exists gateway_statuses_cleared (apprentice_id integer primary key);
  create temp trigger if not exists gateway_statuses_cleared_note after delete on main.gateway_status_cache
  begin insert or ignore into gateway_statuses_cleared (apprentice_id) values (old.apprentice_id); end;`;

/** Starts noting, on this connection, every gateway status a write clears. */
export function noteClearedStatuses(db: Db): void {
  db.$client.exec(NOTE_CLEARED);
}

/**
 * How many cleared statuses a request works out itself after its write (a few milliseconds).
 * More than this at once (a plan replaced for a whole standard) is work for the start-up fill's
 * worker thread, so that nobody waits behind it.
 */
export const RESTORE_AT_ONCE = 200;

/**
 * Works out and stores the statuses cleared since the last call, on `on`. Returns how many it
 * stored; 0 when there were none, or too many, which it hands to a worker (a file database) or
 * leaves to the pages that need them (an in-memory one), and either way forgets.
 */
export function restoreClearedStatuses(
  db: Db,
  on: string,
  log: (error: unknown) => void,
  atOnce = RESTORE_AT_ONCE,
): number {
  const ids = db.$client
    .prepare('select apprentice_id from temp.gateway_statuses_cleared order by apprentice_id limit ?')
    .pluck()
    .all(atOnce + 1) as number[];
  if (ids.length === 0) return 0;
  db.$client.prepare('delete from temp.gateway_statuses_cleared').run();
  if (ids.length > atOnce) {
    // Should the worker fail, a page works out what it left, as after a failed start-up fill.
    void warmStatusCache(db, on)?.catch(log);
    return 0;
  }
  return storeStatusesOf(db, ids, on);
}
