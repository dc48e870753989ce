import type { Statement } from 'better-sqlite3';
import type { Db } from './connection.js';

/*
 * A stamp that changes whenever the database may have changed: this connection's count of
 * changed rows (total_changes) and SQLite's data_version, which moves when another connection
 * (the command line, a restore) commits. Two prepared statements of a few microseconds, so a
 * read that is costly to compute can be kept until the stamp moves: a stale answer is
 * impossible, whatever wrote and however.
 */
const statements = new WeakMap<Db, { ownChanges: Statement; otherCommits: Statement }>();

export function changeStamp(db: Db): string {
  let prepared = statements.get(db);
  if (!prepared) {
    prepared = {
      ownChanges: db.$client.prepare('select total_changes()').pluck(),
      otherCommits: db.$client.prepare('pragma data_version').pluck(),
    };
    statements.set(db, prepared);
  }
  return `${String(prepared.ownChanges.get())}/${String(prepared.otherCommits.get())}`;
}

/** Remembers values computed from the database until its change stamp moves (at most `size` keys, the oldest dropped first). */
export function memoUntilChange<T>(size = 500) {
  const memo = new WeakMap<Db, Map<string, { stamp: string; value: T }>>();
  return (db: Db, key: string, compute: () => T): T => {
    const stamp = changeStamp(db);
    let entries = memo.get(db);
    if (!entries) memo.set(db, (entries = new Map<string, { stamp: string; value: T }>()));
    const hit = entries.get(key);
    if (hit && hit.stamp === stamp) return hit.value;
    const value = compute();
    entries.delete(key);
    // Kept under the stamp it was read at: a commit while it was read makes the next ask read again.
    entries.set(key, { stamp, value });
    if (entries.size > size) entries.delete(entries.keys().next().value!);
    return value;
  };
}
