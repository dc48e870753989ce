import { and, eq } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import { SYSTEM_ACTOR } from '../audit/audit.js';
import type { Role } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../catalogue/load.js';
import { employers, plans, providers, standardVersions, users } from '../db/schema.js';
import { importPlanText } from '../plans/store.js';
import { recordOffTheJobMinimum } from '../standards/store.js';
import { createUser } from '../users/store.js';
import { DEMO_REFORMED_PLAN_ID, loadDemoApprentices } from './apprentices.js';
import { loadDemoGrading } from './grading.js';
import { loadDemoScheduling } from './scheduling.js';

/** The demo sign-ins, one per role. The password is for demo users only and is printed at start. */
export const DEMO_PASSWORD = 'demo-password-1';
export const DEMO_USERS: {
  email: string;
  name: string;
  role: Role;
  ukprn?: string;
  employerId?: string;
  canMark?: boolean;
  externalReviewer?: boolean;
}[] = [
  { email: 'admin@epao.example', name: 'Amira Okafor', role: 'admin' },
  { email: 'assessor@epao.example', name: 'Gareth Pryce', role: 'assessor' },
  { email: 'qa@epao.example', name: 'Helen Marsh', role: 'quality_assurer' },
  // An independent member of appeal panels, not an employee of the assessment organisation.
  {
    email: 'appeals@independent-review.example',
    name: 'Tomasz Nowak',
    role: 'quality_assurer',
    externalReviewer: true,
  },
  // A marker: she marks the provider-marked component of her apprentices on the reformed demonstration plan.
  {
    email: 'provider@northern-learning.example',
    name: 'Priya Desai',
    role: 'provider',
    ukprn: '10061234',
    canMark: true,
  },
  {
    email: 'employer@transport-union.example',
    name: 'Declan Reilly',
    role: 'employer',
    employerId: 'transport-workers-union',
  },
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

/** The off-the-job minimum the demo uses for ST0815 1.0 while no published figure is recorded. */
export const DEMO_OFF_THE_JOB_MINIMUM = {
  hours: 400,
  source:
    'Demonstration figure, not the published minimum: an administrator replaces it with the figure published for ST0815 version 1.0',
};

/**
 * The demo's apprentices who started from 1 August 2025 need a published minimum; our sources
 * give none for ST0815 1.0, so the demo records a figure that says it is a demonstration. A
 * figure already recorded is left alone.
 */
function loadDemoOffTheJobMinimum(db: Db): void {
  const version = db
    .select({ id: standardVersions.id, hours: standardVersions.offTheJobMinimumHours })
    .from(standardVersions)
    .where(and(eq(standardVersions.reference, 'ST0815'), eq(standardVersions.version, '1.0')))
    .get();
  if (version && version.hours === null)
    db.transaction((tx) => recordOffTheJobMinimum(tx, version.id, DEMO_OFF_THE_JOB_MINIMUM, SYSTEM_ACTOR));
}

/** Loads the reformed demonstration plan (fixtures/plans/reformed) as a second plan of ST0815 1.0, once. */
function loadDemoReformedPlan(db: Db): void {
  if (db.select({ id: plans.id }).from(plans).where(eq(plans.id, DEMO_REFORMED_PLAN_ID)).get()) return;
  const file = path.join(FIXTURES, 'plans', 'reformed', `${DEMO_REFORMED_PLAN_ID}.json`);
  const imported = importPlanText(db, fs.readFileSync(file, 'utf8'), SYSTEM_ACTOR);
  if (!imported.ok) throw new Error(`${file}: ${imported.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
}

/**
 * Demo organisations, one user per role and apprentices in every gateway state, dated relative to
 * `now`. Safe to run again: nothing already there is touched.
 */
export async function loadDemoData(db: Db, now: DateTime, hashCost: number): Promise<void> {
  db.insert(providers).values(DEMO_PROVIDERS).onConflictDoNothing().run();
  db.insert(employers).values(DEMO_EMPLOYERS).onConflictDoNothing().run();
  for (const user of DEMO_USERS) {
    if (db.select({ id: users.id }).from(users).where(eq(users.email, user.email)).get()) continue;
    const result = await createUser(db, { ...user, password: DEMO_PASSWORD }, SYSTEM_ACTOR, hashCost);
    if (!result.ok) throw new Error(`Demo user ${user.email}: ${result.problems.map((p) => p.message).join('; ')}`);
  }
  loadDemoOffTheJobMinimum(db);
  loadDemoReformedPlan(db);
  loadDemoApprentices(db, now);
  await loadDemoScheduling(db, DEMO_PASSWORD, now, hashCost);
  loadDemoGrading(db, now);
}
