import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Backups through SQLite's online backup API (better-sqlite3's `backup`): the database stays
 * open and in use while it is copied page by page; writes made through the same connection
 * while it runs are carried into the copy, and writes from another process make it start
 * again, so the file written is always one consistent state of the database.
 */
export async function backupDatabase(source: Database.Database, file: string): Promise<{ pages: number }> {
  // A backup holds personal data and password hashes: never over another file, readable by its owner only.
  if (fs.existsSync(file)) throw new Error(`${file} already exists: choose a new file name`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.closeSync(fs.openSync(file, 'wx', 0o600));
  const progress = await source.backup(file);
  fs.chmodSync(file, 0o600);
  return { pages: progress.totalPages };
}

/**
 * Restores a backup into the database at `target`, through the same backup API (so a running
 * app's readers see either the old or the restored database, never a mix). The backup is
 * checked first: it must be a SQLite database that passes `integrity_check` and holds this
 * app's tables.
 */
export async function restoreDatabase(file: string, target: string): Promise<{ pages: number }> {
  if (!fs.existsSync(file)) throw new Error(`There is no backup at ${file}`);
  const backup = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = backup.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`The backup is damaged: ${String(integrity)}`);
    const tables = backup
      .prepare(
        "select name from sqlite_master where type = 'table' and name in ('apprentices', 'users', '__drizzle_migrations')",
      )
      .all();
    if (tables.length < 3) throw new Error('That file is not a backup of this app’s database');
    const progress = await backup.backup(target);
    return { pages: progress.totalPages };
  } finally {
    backup.close();
  }
}
