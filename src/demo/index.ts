import { eq } from 'drizzle-orm';
import type { DateTime } from 'luxon';
import { SYSTEM_ACTOR } from '../audit/audit.js';
import type { Role } from '../auth/roles.js';
import type { Db } from '../db/connection.js';
import { employers, providers, users } from '../db/schema.js';
import { createUser } from '../users/store.js';
import { loadDemoApprentices } from './apprentices.js';
import { loadDemoGrading } from './grading.js';
import { loadDemoScheduling } from './scheduling.js';

/** The demo sign-ins, one per role. The password is for demo users only and is printed at start. */
export const DEMO_PASSWORD = 'demo-password-1';
export const DEMO_USERS: { email: string; name: string; role: Role; ukprn?: string; employerId?: string }[] = [
  { email: 'admin@epao.example', name: 'Amira Okafor', role: 'admin' },
  { email: 'assessor@epao.example', name: 'Gareth Pryce', role: 'assessor' },
  { email: 'qa@epao.example', name: 'Helen Marsh', role: 'quality_assurer' },
  { email: 'provider@northern-learning.example', name: 'Priya Desai', role: 'provider', ukprn: '10061234' },
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
  loadDemoApprentices(db, now);
  await loadDemoScheduling(db, DEMO_PASSWORD, now, hashCost);
  loadDemoGrading(db, now);
}
