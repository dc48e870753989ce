import fs from 'node:fs';
import Database from 'better-sqlite3';
import { openDatabase, schemaState, type SchemaState } from '../db/connection.js';
import { backupDatabase } from './backup.js';
import { carryFiles, fileProblems, filesFolderOf, namedFiles } from './evidence-backup.js';
import { DatabaseLocked, holdLock } from './lock.js';

/**
 * Putting a backup back, so that it cannot destroy what it replaces:
 * - never while the app has the database open (its lock, ops/lock.ts), and the app cannot start
 *   while a restore runs;
 * - only a sound backup of this app: `integrity_check`, its tables, at least one user account,
 *   and a schema this code knows (an older one is migrated on a copy as it is restored; the
 *   backup file itself is never changed; a newer one is refused), with every evidence file its
 *   database names beside it, whole (ops/evidence-backup.ts);
 * - only once someone has seen both databases' row counts and last change and said yes;
 * - the database it replaces is kept beside it as a dated file, owner-only like every backup.
 */

export class RestoreRefused extends Error {}

/** What someone confirming a restore is shown about each database. */
export interface DatabaseSummary {
  counts: { users: number; apprentices: number; results: number; bookings: number; files: number };
  /** The last change recorded in the audit log (UTC), or null when it has none. */
  lastChange: string | null;
  schema: SchemaState;
}

const COUNTED = { users: 'users', apprentices: 'apprentices', results: 'epa_attempts', bookings: 'bookings' } as const;

function summarise(client: Database.Database): DatabaseSummary {
  const tables = new Set(
    (client.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
      (t) => t.name,
    ),
  );
  const count = (table: string) =>
    tables.has(table) ? (client.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n : 0;
  const last = tables.has('audit_events')
    ? (client.prepare('select max(created_at) as at from audit_events').get() as { at: string | null }).at
    : null;
  return {
    counts: {
      users: count(COUNTED.users),
      apprentices: count(COUNTED.apprentices),
      results: count(COUNTED.results),
      bookings: count(COUNTED.bookings),
      files: namedFiles(client).length,
    },
    lastChange: last,
    schema: schemaState(client),
  };
}

export interface RestoreOptions {
  /** The evidence store (FILES_PATH) the backup's files are put back into. */
  filesPath: string;
  /** Shown the backup and the live database (null when there is none yet); resolves true to go ahead. */
  confirm: (backup: DatabaseSummary, live: DatabaseSummary | null) => Promise<boolean>;
  now: Date;
}

export type RestoreOutcome =
  { restored: false } | { restored: true; pages: number; keptAs: string | null; migrated: number; files: number };

const stampOf = (now: Date) =>
  now
    .toISOString()
    .replace(/[:.]/g, '')
    .replace(/\d{3}Z$/, 'Z');

/** Restores the backup `file` into the database at `target`; throws RestoreRefused (nothing changed) when it may not. */
export async function restoreDatabase(file: string, target: string, options: RestoreOptions): Promise<RestoreOutcome> {
  if (!fs.existsSync(file)) throw new RestoreRefused(`There is no backup at ${file}`);
  let release: () => void;
  try {
    release = holdLock(target, 'restore');
  } catch (error) {
    if (error instanceof DatabaseLocked) throw new RestoreRefused(`Nothing was restored. ${error.message}`);
    throw error;
  }
  const stamp = stampOf(options.now);
  const migratedCopy = `${target}.restoring-${stamp}`;
  try {
    const backupSummary = checkBackup(file);
    // Every file the backup's database names must be beside it, whole: checked before anything changes.
    const hashes = readOnly(file, namedFiles);
    const problems = await fileProblems(hashes, filesFolderOf(file));
    if (problems.length > 0)
      throw new RestoreRefused(
        `Nothing was restored: the backup's evidence files (${filesFolderOf(file)}) are not all there and whole. ${problems.length} of ${hashes.length}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
      );
    const live = fs.existsSync(target) ? readOnly(target, summarise) : null;
    if (!(await options.confirm(backupSummary, live))) return { restored: false };

    // An older schema is brought up to date on a copy, never in the backup file itself.
    let source = file;
    const migrated = backupSummary.schema.state === 'older' ? backupSummary.schema.behind : 0;
    if (migrated > 0) {
      await readOnly(file, (client) => backupDatabase(client, migratedCopy));
      openDatabase(migratedCopy).$client.close();
      source = migratedCopy;
    }

    // The files first: a file the store already has stays (the replaced database may name it), and
    // one put there before a failure does no harm; the database is kept and replaced only once they are all in.
    let carried: number;
    try {
      ({ carried } = await carryFiles(hashes, filesFolderOf(file), options.filesPath));
    } catch (error) {
      throw new RestoreRefused(
        `Nothing was restored: the evidence files could not be put into ${options.filesPath}: ${(error as Error).message}`,
      );
    }

    let keptAs: string | null = null;
    if (live) {
      keptAs = `${target}.replaced-${stamp}`;
      await readOnly(target, (client) => backupDatabase(client, keptAs!));
    }
    if (!fs.existsSync(target)) fs.closeSync(fs.openSync(target, 'wx', 0o600));
    const pages = await readOnly(source, async (client) => (await client.backup(target)).totalPages);
    return { restored: true, pages, keptAs, migrated, files: carried };
  } finally {
    fs.rmSync(migratedCopy, { force: true });
    for (const suffix of ['-wal', '-shm']) fs.rmSync(`${migratedCopy}${suffix}`, { force: true });
    release();
  }
}

/** The backup's summary, once it is shown to be a sound, non-empty backup this code can restore. */
function checkBackup(file: string): DatabaseSummary {
  let client: Database.Database;
  try {
    client = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new RestoreRefused(`That file cannot be opened as a database: ${(error as Error).message}`);
  }
  try {
    let integrity: unknown;
    try {
      integrity = client.pragma('integrity_check', { simple: true });
    } catch (error) {
      throw new RestoreRefused(`That file is not a database: ${(error as Error).message}`);
    }
    if (integrity !== 'ok') throw new RestoreRefused(`The backup is damaged: ${String(integrity)}`);
    const tables = client
      .prepare(
        "select name from sqlite_master where type = 'table' and name in ('apprentices', 'users', '__drizzle_migrations')",
      )
      .all();
    if (tables.length < 3) throw new RestoreRefused('That file is not a backup of this app’s database');
    const summary = summarise(client);
    if (summary.schema.state === 'foreign')
      throw new RestoreRefused(
        'The backup was made by a newer version of the app (its schema has changes this version does not know): restore it with that version',
      );
    if (summary.counts.users === 0)
      throw new RestoreRefused(
        'The backup is empty: it holds no user accounts, so nobody could sign in. Nothing was restored',
      );
    return summary;
  } finally {
    client.close();
  }
}

function readOnly<T>(file: string, use: (client: Database.Database) => T): T {
  const client = new Database(file, { readonly: true, fileMustExist: true });
  const result = use(client);
  if (result instanceof Promise) return result.finally(() => client.close()) as T;
  client.close();
  return result;
}
