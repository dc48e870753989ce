import fs from 'node:fs';
import Database from 'better-sqlite3';
import { carryFiles, filesFolderOf, namedFiles } from '../ops/evidence-backup.js';
import { backupDatabase } from '../ops/backup.js';
import { restoreDatabase, RestoreRefused, type DatabaseSummary } from '../ops/restore.js';

/**
 * `npm run backup -- FILE` copies the database (DATABASE_PATH) to FILE while the app runs, and the
 * evidence files it names (FILES_PATH) to FILE.files;
 * `npm run restore -- FILE [--yes]` puts a backup back once the app is stopped (ops/restore.ts):
 * it shows the backup beside the live database and asks, or takes `--yes`.
 */

export interface BackupIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Asks a question at a terminal; null when there is none to ask at. */
  ask: ((question: string) => Promise<string>) | null;
  now: () => Date;
}

const USAGE = 'Usage: npm run backup -- FILE   or   npm run restore -- FILE [--yes]';

export async function runBackupCommand(
  { databasePath, filesPath }: { databasePath: string; filesPath: string },
  argv: readonly string[],
  io: BackupIo,
): Promise<number> {
  const [command, ...rest] = argv;
  const yes = rest.includes('--yes');
  const files = rest.filter((a) => a !== '--yes');
  if ((command !== 'backup' && command !== 'restore') || files.length !== 1 || (command === 'backup' && yes)) {
    io.err(USAGE);
    return 2;
  }
  const file = files[0]!;
  if (command === 'backup') {
    // Like the database file, its files' folder is never written over: a stale one could hide a damaged file.
    if (fs.existsSync(filesFolderOf(file))) {
      io.err(`${filesFolderOf(file)} already exists: choose a new file name`);
      return 1;
    }
    // Read-only, and only a database that exists: a mistyped path must not back up a new, empty one.
    const source = new Database(databasePath, { readonly: true, fileMustExist: true });
    const { pages } = await backupDatabase(source, file).finally(() => source.close());
    // Then the evidence files the copy names (not those of later uploads), beside it.
    const copy = new Database(file, { readonly: true, fileMustExist: true });
    const hashes = (() => {
      try {
        return namedFiles(copy);
      } finally {
        copy.close();
      }
    })();
    try {
      await carryFiles(hashes, filesPath, filesFolderOf(file));
    } catch (error) {
      // A file erased while the backup ran: no half backup is left to be restored later.
      fs.rmSync(file, { force: true });
      fs.rmSync(filesFolderOf(file), { recursive: true, force: true });
      io.err(`Nothing was backed up: ${(error as Error).message}. Run the backup again.`);
      return 1;
    }
    io.out(
      `Backed up ${databasePath} to ${file} (${pages} pages), and its ${hashes.length} evidence file(s) to ${filesFolderOf(file)}.`,
    );
    return 0;
  }
  try {
    const outcome = await restoreDatabase(file, databasePath, {
      now: io.now(),
      filesPath,
      confirm: async (backup, live) => {
        for (const line of comparison(file, backup, databasePath, live)) io.out(line);
        if (yes) return true;
        if (!io.ask) {
          io.err('Nothing was restored: there is no terminal to ask in, so confirm with --yes.');
          return false;
        }
        const answer = await io.ask(`Replace ${databasePath} with this backup? Type yes to go ahead: `);
        if (answer.trim().toLowerCase() === 'yes') return true;
        io.err('Nothing was restored.');
        return false;
      },
    });
    if (!outcome.restored) return 1;
    if (outcome.migrated > 0)
      io.out(
        `The backup's schema was ${outcome.migrated} migration(s) behind this version: it was brought up to date.`,
      );
    if (outcome.keptAs) io.out(`The database it replaced is kept as ${outcome.keptAs}.`);
    io.out(
      `Restored ${file} into ${databasePath} (${outcome.pages} pages); ${outcome.files} evidence file(s) put back into ${filesPath}. Start the app again.`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RestoreRefused) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

/** The two databases side by side: what the restore brings and what it replaces. */
function comparison(
  file: string,
  backup: DatabaseSummary,
  databasePath: string,
  live: DatabaseSummary | null,
): string[] {
  const rows: [string, (s: DatabaseSummary) => string][] = [
    ['Last change', (s) => s.lastChange ?? 'none recorded'],
    ['User accounts', (s) => s.counts.users.toLocaleString('en-GB')],
    ['Apprentices', (s) => s.counts.apprentices.toLocaleString('en-GB')],
    ['Bookings', (s) => s.counts.bookings.toLocaleString('en-GB')],
    ['Results', (s) => s.counts.results.toLocaleString('en-GB')],
    ['Evidence files', (s) => s.counts.files.toLocaleString('en-GB')],
    ['Schema', (s) => (s.schema.state === 'older' ? `${s.schema.behind} migration(s) behind: migrated` : 'current')],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    `Backup:  ${file}`,
    `Live:    ${databasePath}${live ? '' : ' (none yet)'}`,
    '',
    `${''.padEnd(width)}  ${'Backup'.padEnd(24)}  Live`,
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value(backup).padEnd(24)}  ${live ? value(live) : '-'}`),
    '',
  ];
}
