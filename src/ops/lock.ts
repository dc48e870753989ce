import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';

/**
 * Who has a database file open for writing: the running app, or a restore. A lock file beside the
 * database (`epa.sqlite.lock`), made with O_EXCL so only one holder can make it, holds the holder's
 * process id, host and purpose. A lock whose process has gone (a crash, a killed container on this
 * host) is stale and is taken over. The app holds it from start to shutdown; a restore refuses
 * while it is held, and holds it itself so the app cannot start half-way through.
 */

export type LockPurpose = 'app' | 'restore';

const lockSchema = z.object({
  pid: z.int().positive(),
  host: z.string(),
  purpose: z.enum(['app', 'restore']),
  since: z.string(),
});
export type LockHolder = z.infer<typeof lockSchema>;

export const lockFileOf = (databasePath: string) => `${databasePath}.lock`;

/** Whether the process is alive on this host (signal 0 tests without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the database's lock, or null when nobody holds it (or only a stale lock is left). */
function lockHolder(databasePath: string): LockHolder | null {
  let text: string;
  try {
    text = fs.readFileSync(lockFileOf(databasePath), 'utf8');
  } catch {
    return null;
  }
  let parsed: ReturnType<typeof lockSchema.safeParse>;
  try {
    parsed = lockSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const holder = parsed.data;
  // A lock from another host cannot be checked from here: it is taken as held.
  if (holder.host === os.hostname() && !alive(holder.pid)) return null;
  return holder;
}

export class DatabaseLocked extends Error {
  constructor(readonly holder: LockHolder) {
    super(describeHolder(holder));
  }
}

/** What a refusal says about the holder, with how to stop the app. */
function describeHolder(holder: LockHolder): string {
  return holder.purpose === 'app'
    ? `The app is running with this database open (process ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
        `Stop it first: press Ctrl+C in the terminal running npm start, or stop its service (for example ` +
        `"systemctl stop epa" or "docker stop" for a container), then run this again.`
    : `A restore into this database is under way (process ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
        `Wait for it to finish, then start the app.`;
}

/**
 * Takes the database's lock for this process, replacing a stale one; throws DatabaseLocked while
 * another live process holds it. Returns the release, which removes the lock only if it is still ours.
 */
export function holdLock(databasePath: string, purpose: LockPurpose, now: () => Date = () => new Date()): () => void {
  const file = lockFileOf(databasePath);
  const mine: LockHolder = { pid: process.pid, host: os.hostname(), purpose, since: now().toISOString() };
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      return () => {
        const holder = lockHolder(databasePath);
        if (holder?.pid === mine.pid && holder.since === mine.since) fs.rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = lockHolder(databasePath);
      if (holder) throw new DatabaseLocked(holder);
      // Stale (its process has gone) or unreadable: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}
