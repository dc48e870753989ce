import { ConfigError, loadConfig } from '../config.js';
import Database from 'better-sqlite3';
import { backupDatabase, restoreDatabase } from '../ops/backup.js';

/**
 * `npm run backup -- FILE` copies the database (DATABASE_PATH) to FILE while the app runs;
 * `npm run restore -- FILE` puts a backup back. Restoring replaces everything: stop the app
 * first, or at least expect every session to end.
 */
async function main(): Promise<void> {
  const [command, file] = process.argv.slice(2);
  if ((command !== 'backup' && command !== 'restore') || !file) {
    console.error('Usage: npm run backup -- FILE   or   npm run restore -- FILE');
    process.exit(2);
  }
  const { databasePath } = loadConfig();
  if (command === 'backup') {
    // Read-only, and only a database that exists: a mistyped path must not back up a new, empty one.
    const source = new Database(databasePath, { readonly: true, fileMustExist: true });
    const { pages } = await backupDatabase(source, file).finally(() => source.close());
    console.log(`Backed up ${databasePath} to ${file} (${pages} pages).`);
  } else {
    const { pages } = await restoreDatabase(file, databasePath);
    console.log(`Restored ${file} into ${databasePath} (${pages} pages). Restart the app.`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
