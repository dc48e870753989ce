import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/*
 * Committed migrations are frozen, as Flyway does it: `checksums.json` beside them lists each
 * migration's SHA-256 (the same hash drizzle records in __drizzle_migrations when it applies one).
 * A database that has applied a migration never applies it again, so editing a migration that has
 * landed would leave databases in the field with a schema no fresh install has. The test suite
 * fails when a listed migration changes; new migrations join the list with `npm run db:freeze`.
 */

export const MANIFEST_NAME = 'checksums.json';

const journalSchema = z.object({ entries: z.array(z.object({ tag: z.string().regex(/^[\w-]+$/) })) });
const manifestSchema = z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/));

/** The migrations drizzle applies, in order, by tag (the file name without `.sql`). */
export function migrationTags(folder: string): string[] {
  const journal = journalSchema.parse(JSON.parse(fs.readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')));
  return journal.entries.map((e) => e.tag);
}

export function migrationChecksum(folder: string, tag: string): string {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(folder, `${tag}.sql`), 'utf8'))
    .digest('hex');
}

export function readManifest(folder: string): Record<string, string> {
  const file = path.join(folder, MANIFEST_NAME);
  return fs.existsSync(file) ? manifestSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))) : {};
}

/** What is wrong between the migrations and their manifest: changed, missing or unlisted migrations. */
export function manifestProblems(folder: string): string[] {
  const manifest = readManifest(folder);
  const tags = migrationTags(folder);
  const problems: string[] = [];
  for (const [tag, checksum] of Object.entries(manifest)) {
    if (!tags.includes(tag))
      problems.push(
        `${tag} is in ${MANIFEST_NAME} but no longer among the migrations: a landed migration is never removed`,
      );
    else if (!fs.existsSync(path.join(folder, `${tag}.sql`))) problems.push(`${tag}.sql is missing`);
    else if (migrationChecksum(folder, tag) !== checksum)
      problems.push(`${tag}.sql has changed since it was frozen: add a new migration instead of editing a landed one`);
  }
  for (const tag of tags) {
    if (!(tag in manifest)) problems.push(`${tag} is not in ${MANIFEST_NAME}: run npm run db:freeze once it is final`);
  }
  return problems;
}

/** Adds every migration not yet listed (never changing a listed one); returns the tags added. */
export function freezeNewMigrations(folder: string): string[] {
  const manifest = readManifest(folder);
  const added = migrationTags(folder).filter((tag) => !(tag in manifest));
  for (const tag of added) manifest[tag] = migrationChecksum(folder, tag);
  fs.writeFileSync(path.join(folder, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return added;
}
