import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { SYSTEM_ACTOR } from '../audit/audit.js';
import type { Role } from '../auth/roles.js';
import { parseJsonText } from '../plans/parse.js';
import { importPlan } from '../plans/store.js';
import { checkStandard } from '../standards/rules.js';
import { standardFileSchema } from '../standards/schema.js';
import { findStandardVersionId, importStandard } from '../standards/store.js';
import { createUser } from '../users/store.js';
import { problemsFromZod, type Problem } from '../validation/problems.js';
import type { Db } from './connection.js';
import { loadDemoApprentices } from './demo-apprentices.js';
import { loadDemoScheduling } from './demo-scheduling.js';
import { loadDemoGrading } from './demo-grading.js';
import { employers, plans, providers, users } from './schema.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));

function describe(file: string, problems: Problem[]): Error {
  return new Error(`${path.basename(file)} is not valid:\n${problems.map((p) => `  ${p.path || '(file)'}: ${p.message}`).join('\n')}`);
}

function jsonFiles(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(folder, f)) : [];
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
    importStandard(db, parsed.data, SYSTEM_ACTOR);
  }
  for (const file of jsonFiles(path.join(fixtures, 'plans'))) {
    const json = parseJsonText(fs.readFileSync(file, 'utf8'));
    if (!json.ok) throw describe(file, json.problems);
    const standard = (json.value as { standard?: { reference?: string; version?: string } }).standard;
    const versionId = standard?.reference && standard.version ? findStandardVersionId(db, standard.reference, standard.version) : undefined;
    if (versionId !== undefined && db.select({ id: plans.id }).from(plans).where(eq(plans.standardVersionId, versionId)).get()) continue;
    const result = importPlan(db, json.value, SYSTEM_ACTOR);
    if (!result.ok) throw describe(file, result.problems);
  }
}

/** The demo sign-ins, one per role. The password is for demo users only and is printed at start. */
export const DEMO_PASSWORD = 'demo-password-1';
export const DEMO_USERS: { email: string; name: string; role: Role; ukprn?: string; employerId?: string }[] = [
  { email: 'admin@epao.example', name: 'Amira Okafor', role: 'admin' },
  { email: 'assessor@epao.example', name: 'Gareth Pryce', role: 'assessor' },
  { email: 'qa@epao.example', name: 'Helen Marsh', role: 'quality_assurer' },
  { email: 'provider@northern-learning.example', name: 'Priya Desai', role: 'provider', ukprn: '10061234' },
  { email: 'employer@transport-union.example', name: 'Declan Reilly', role: 'employer', employerId: 'transport-workers-union' },
];

export const DEMO_PROVIDERS = [
  { ukprn: '10061234', name: 'Northern Labour Learning College' },
  { ukprn: '10078452', name: 'Midlands Workplace Skills Ltd' },
  { ukprn: '10033917', name: 'Capital Union Education Trust' },
];

export const DEMO_EMPLOYERS = [
  { id: 'transport-workers-union', name: 'Transport and Maritime Workers’ Union' },
  { id: 'health-care-union', name: 'Health and Care Staff Union' },
  { id: 'public-services-union', name: 'Public and Civil Services Union' },
  { id: 'teachers-association', name: 'Schools and Colleges Staff Association' },
];

/** Demo organisations, one user per role and apprentices in every gateway state. Safe to run again: nothing already there is touched. */
export async function loadDemoData(db: Db): Promise<void> {
  db.insert(providers).values(DEMO_PROVIDERS).onConflictDoNothing().run();
  db.insert(employers).values(DEMO_EMPLOYERS).onConflictDoNothing().run();
  for (const user of DEMO_USERS) {
    if (db.select({ id: users.id }).from(users).where(eq(users.email, user.email)).get()) continue;
    const result = await createUser(db, { ...user, password: DEMO_PASSWORD }, SYSTEM_ACTOR);
    if (!result.ok) throw new Error(`Demo user ${user.email}: ${result.problems.map((p) => p.message).join('; ')}`);
  }
  loadDemoApprentices(db);
  await loadDemoScheduling(db, DEMO_PASSWORD);
  loadDemoGrading(db);
}
