import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Database from 'better-sqlite3';
import { EvidenceStorage } from '../evidence/storage.js';

/*
 * The evidence store's files travel with the database. A backup FILE has its files beside it, in
 * FILE.files (laid out as FILES_PATH is: ab/abcdef…, each named by its SHA-256): every file its
 * database names, and no other, each a copy of its own (cloned, costing no space until either
 * changes, where the file system can). A restore checks every file the backup's database names is there with the bytes
 * its name says, before it changes anything, and then puts back those the live store lacks.
 */

/** Where a backup's files are kept: beside it. */
export const filesFolderOf = (backupFile: string) => `${backupFile}.files`;

/** The hashes of every file a database names (none for a database from before the evidence store). */
export function namedFiles(client: Database.Database): string[] {
  const table = client.prepare("select 1 from sqlite_master where type = 'table' and name = 'evidence_files'").get();
  if (!table) return [];
  return (
    client.prepare('select distinct sha256 from evidence_files order by sha256').all() as { sha256: string }[]
  ).map((r) => r.sha256);
}

/** Copies each file of `hashes` from one store into another, owner-only; those already there are kept. */
export async function carryFiles(hashes: readonly string[], from: string, to: string): Promise<{ carried: number }> {
  const source = new EvidenceStorage(from);
  const target = new EvidenceStorage(to);
  let carried = 0;
  for (const sha of hashes) {
    const into = target.pathOf(sha);
    if (fs.existsSync(into)) continue;
    await fs.promises.mkdir(path.dirname(into), { recursive: true, mode: 0o700 });
    const from = source.pathOf(sha);
    if (!fs.existsSync(from)) throw new Error(`The evidence store has no file ${sha}`);
    // A copy of its own (never a link: a backup must not share bytes with the store it was taken
    // from), cloned where the file system can (copy on write), written under a temporary name first.
    const partial = `${into}.partial`;
    await fs.promises.copyFile(from, partial, fs.constants.COPYFILE_FICLONE);
    await fs.promises.chmod(partial, 0o600);
    await fs.promises.rename(partial, into);
    carried++;
  }
  return { carried };
}

/** What is wrong with a store's copy of each file of `hashes`: missing, or bytes that are not the ones named. */
export async function fileProblems(hashes: readonly string[], root: string): Promise<string[]> {
  const store = new EvidenceStorage(root);
  const problems: string[] = [];
  for (const sha of hashes) {
    const file = store.pathOf(sha);
    if (!fs.existsSync(file)) {
      problems.push(`${sha} is missing`);
      continue;
    }
    const hash = createHash('sha256');
    await pipeline(fs.createReadStream(file), hash);
    if (hash.digest('hex') !== sha) problems.push(`${sha} is damaged: its bytes are not the ones named`);
  }
  return problems;
}
