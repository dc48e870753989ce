import { MIGRATIONS_FOLDER } from '../db/connection.js';
import { freezeNewMigrations, manifestProblems } from '../db/migration-manifest.js';

/** `npm run db:freeze`: lists new migrations in db/migrations/checksums.json, and refuses when a listed one has changed. */
const changed = manifestProblems(MIGRATIONS_FOLDER).filter((p) => !p.includes('run npm run db:freeze'));
if (changed.length > 0) {
  console.error(`Frozen migrations have changed; nothing was written:\n  ${changed.join('\n  ')}`);
  process.exitCode = 1;
} else {
  const added = freezeNewMigrations(MIGRATIONS_FOLDER);
  console.log(added.length > 0 ? `Frozen: ${added.join(', ')}` : 'Every migration is already frozen.');
}
