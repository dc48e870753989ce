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
