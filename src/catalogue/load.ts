import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../audit/audit.js';
import { parseJsonText } from '../plans/parse.js';
import { importPlan } from '../plans/store.js';
import { checkStandard } from '../standards/rules.js';
import { standardFileSchema } from '../standards/schema.js';
import { findStandardVersionId, importStandard } from '../standards/store.js';
import { problemsFromZod, type Problem } from '../validation/problems.js';
import type { Db } from '../db/connection.js';
import { epaoApprovals, plans } from '../db/schema.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));

function describe(file: string, problems: Problem[]): Error {
  return new Error(
    `${path.basename(file)} is not valid:\n${problems.map((p) => `  ${p.path || '(file)'}: ${p.message}`).join('\n')}`,
  );
}

function jsonFiles(folder: string): string[] {
  return fs.existsSync(folder)
    ? fs
        .readdirSync(folder)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => path.join(folder, f))
    : [];
}

/**
 * Loads every standard in fixtures/standards and, for a standard version that has no plan
 * yet, its plan from fixtures/plans. A plan an EPAO has since imported is never overwritten.
 */
export function loadCatalogue(db: Db, fixtures = FIXTURES): void {
  for (const file of jsonFiles(path.join(fixtures, 'standards'))) {
    const json = parseJsonText(fs.readFileSync(file, 'utf8'));
    if (!json.ok) throw describe(file, json.problems);
    const parsed = standardFileSchema.safeParse(json.value);
    if (!parsed.success) throw describe(file, problemsFromZod(parsed.error));
    const problems = checkStandard(parsed.data);
    if (problems.length > 0) throw describe(file, problems);
    // A standard shipped with the platform is one this organisation assesses: approved as it is loaded.
    if (importStandard(db, parsed.data, SYSTEM_ACTOR).created)
      db.insert(epaoApprovals)
        .values({
          standardVersionId: findStandardVersionId(db, parsed.data.reference, parsed.data.version)!,
          source: `Loaded with the platform (fixtures/standards/${path.basename(file)})`,
          recordedAt: new Date().toISOString(),
        })
        .run();
  }
  for (const file of jsonFiles(path.join(fixtures, 'plans'))) {
    const json = parseJsonText(fs.readFileSync(file, 'utf8'));
    if (!json.ok) throw describe(file, json.problems);
    const standard = (json.value as { standard?: { reference?: string; version?: string } }).standard;
    const versionId =
      standard?.reference && standard.version
        ? findStandardVersionId(db, standard.reference, standard.version)
        : undefined;
    if (
      versionId !== undefined &&
      db.select({ id: plans.id }).from(plans).where(eq(plans.standardVersionId, versionId)).get()
    )
      continue;
    const result = importPlan(db, json.value, SYSTEM_ACTOR);
    if (!result.ok) throw describe(file, result.problems);
  }
}
