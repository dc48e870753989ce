import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';
import { fold } from '../folding.js';
import { migrationChecksum, migrationTags } from './migration-manifest.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** The database or a transaction opened on it: what a query helper needs, so callers can pass either. */
export type Queryable = Pick<Db, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete'>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../db/migrations', import.meta.url));

/**
 * Opens (creating if needed) the SQLite database at `file`, or an in-memory one for
 * ':memory:', and brings its schema up to date. Existing rows are kept: migrations
 * only ever add to what is there.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    // It holds personal data and password hashes: readable by its owner only. SQLite gives its WAL
    // and shared-memory files the database file's permissions.
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'wx', 0o600));
  }
  const client = new Database(file);
  if (file !== ':memory:') client.pragma('journal_mode = WAL');
  const db = configure(client);
  migrateKeepingReferences(db);
  return db;
}

/**
 * Runs the migrations with foreign keys off, as SQLite asks for a migration that rebuilds a
 * table (https://www.sqlite.org/lang_altertable.html#otheralter): the migrator's own
 * transaction ignores the migrations' PRAGMA foreign_keys, and a table others refer to cannot be
 * dropped and made anew with them on. Every reference is checked before they are on again, and
 * a database with a broken one is not opened.
 */
function migrateKeepingReferences(db: Db): void {
  db.$client.pragma('foreign_keys = OFF');
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  const broken = db.$client.pragma('foreign_key_check') as { table: string; parent: string }[];
  db.$client.pragma('foreign_keys = ON');
  if (broken.length > 0)
    throw new Error(
      `The database has ${broken.length} broken reference(s) after migrating, the first from ${broken[0]!.table} to ${broken[0]!.parent}`,
    );
}

/** The hashes of this code's migrations, in order (as drizzle records them in __drizzle_migrations). */
let codeMigrations: string[] | undefined;
function migrationHashes(): string[] {
  codeMigrations ??= migrationTags(MIGRATIONS_FOLDER).map((tag) => migrationChecksum(MIGRATIONS_FOLDER, tag));
  return codeMigrations;
}

export type SchemaState = { state: 'current' } | { state: 'older'; behind: number } | { state: 'foreign' };

/**
 * How a database's schema compares with this code's: current; older by some migrations (this code
 * can migrate it); or foreign: made by a newer version of the app, or not this app's at all.
 */
export function schemaState(client: Database.Database): SchemaState {
  const hasTable = client
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  if (!hasTable) return { state: 'foreign' };
  const applied = (
    client.prepare('select hash from __drizzle_migrations order by created_at, rowid').all() as { hash: string }[]
  ).map((r) => r.hash);
  const code = migrationHashes();
  if (applied.length > code.length || applied.some((hash, i) => hash !== code[i])) return { state: 'foreign' };
  return applied.length === code.length
    ? { state: 'current' }
    : { state: 'older', behind: code.length - applied.length };
}

/**
 * Another connection to a database file that is already open and migrated (a worker thread's):
 * the same pragmas as the app's, no migrations.
 */
export function openConnection(file: string): Db {
  return configure(new Database(file, { fileMustExist: true }));
}

/**
 * An in-memory copy of a database serialised with `db.$client.serialize()`. The copy is not
 * migrated again: tests make one migrated, seeded template and copy it for each test, which is
 * much faster than migrating a new database every time.
 */
export function openDatabaseCopy(image: Buffer): Db {
  return configure(new Database(image));
}

function configure(client: Database.Database): Db {
  client.pragma('foreign_keys = ON');
  client.pragma('busy_timeout = 5000');
  // Overwrite deleted and changed content instead of leaving it in free space, so that erased
  // personal data (src/privacy/erasure.ts) cannot be read back from the file.
  client.pragma('secure_delete = ON');
  // fold(text): the text as searches compare it, without accents or case (src/folding.ts).
  client.function('fold', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? fold(text) : null));
  const db = drizzle(client, { schema });
  reuseStatements(db, client);
  return db;
}

/** How many distinct statements a connection keeps compiled. */
const STATEMENTS_KEPT = 1000;

/**
 * drizzle prepares (compiles) every query's SQL again each time it runs it, and on a page of
 * many small queries the compiling costs more than the queries. Its session is given a prepare
 * that keeps each compiled statement by its SQL text (the most recent 1,000) and hands it out
 * again: a statement is made for one SQL text, and its values are bound at each run. drizzle
 * switches a statement to arrays (raw) when it reads columns by position, so a statement handed
 * out is always switched back to objects first. drizzle runs a statement to its end each time
 * (all, get, run; it never iterates), so one statement per SQL text is enough. Only drizzle's
 * queries go through it: the app's own client.prepare is untouched.
 */
function reuseStatements(db: Db, client: Database.Database): void {
  const kept = new Map<string, Database.Statement>();
  const prepare = (text: string): Database.Statement => {
    const found = kept.get(text);
    // Most recently used last, so the oldest goes first.
    kept.delete(text);
    if (found) {
      kept.set(text, found);
      return found.reader ? found.raw(false) : found;
    }
    const statement = client.prepare(text);
    kept.set(text, statement);
    if (kept.size > STATEMENTS_KEPT) kept.delete(kept.keys().next().value!);
    return statement;
  };
  const session = (db as unknown as { session: { client: unknown } }).session;
  session.client = { prepare, transaction: client.transaction.bind(client) };
}

/**
 * Reads from one state of the database over several turns of the event loop (a download written
 * as it is read): a connection of its own in a read transaction, which WAL keeps at the state of
 * its first read while writers go on. `close` ends it. An in-memory database (the tests') has no
 * file to open again, so it is read in place.
 */
export function readSnapshot(db: Db): { db: Db; close: () => void } {
  const client = db.$client;
  if (client.memory || !client.name) return { db, close: () => {} };
  const reader = openConnection(client.name);
  reader.$client.prepare('begin').run();
  // The snapshot is taken at the transaction's first read: now, not at the caller's first query.
  reader.$client.prepare('select count(*) from sqlite_schema').get();
  return {
    db: reader,
    close: () => {
      if (reader.$client.inTransaction) reader.$client.prepare('commit').run();
      reader.$client.close();
    },
  };
}
