import type { Db } from '../db/connection.js';
import { apprenticeFor } from '../apprentices/service.js';
import { appealById, type AppealRow } from '../grading/store.js';
import { epaAttempts } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { findApprenticeById, type ApprenticeDetail } from '../apprentices/store.js';
import { AREA_ROLES } from '../auth/roles.js';
import type { CurrentUser } from '../users/store.js';
import { recordId } from '../validation/fields.js';
import { ok, refuse, type Result } from '../validation/result.js';

/**
 * An appeal, for someone who may `view` it or `edit` its documents: the appeal reviewers
 * (administrators and quality assurers) see every appeal; the provider and employer see their
 * apprentice's. Documents are added, while the appeal waits for its decision, by the provider
 * (who lodges on the apprentice's behalf) and administrators. Anyone else is told there is none.
 */
export function appealFor(
  db: Db,
  user: CurrentUser,
  id: unknown,
  action: 'view' | 'edit',
): Result<{ appeal: AppealRow; apprentice: ApprenticeDetail }> {
  const parsed = recordId.safeParse(id);
  const appeal = parsed.success ? appealById(db, parsed.data) : undefined;
  const none = refuse('not_found', 'There is no such appeal');
  if (!appeal) return none;
  const attempt = db
    .select({ apprenticeId: epaAttempts.apprenticeId })
    .from(epaAttempts)
    .where(eq(epaAttempts.id, appeal.attemptId))
    .get()!;
  const reviewer = (AREA_ROLES.appealReview as readonly string[]).includes(user.role);
  let apprentice: ApprenticeDetail | undefined;
  if (reviewer) apprentice = findApprenticeById(db, attempt.apprenticeId);
  else {
    const found = findApprenticeById(db, attempt.apprenticeId);
    const seen = found ? apprenticeFor(db, user, found.uln, 'view') : undefined;
    if (seen?.ok) apprentice = seen.value;
  }
  if (!apprentice) return none;
  if (action === 'edit') {
    if (user.role !== 'admin' && user.role !== 'provider')
      return refuse('forbidden', 'The provider adds documents to an appeal, on the apprentice’s behalf');
    if (appeal.decision !== null)
      return refuse('conflict', 'This appeal has been decided: its documents can no longer change');
  }
  return ok({ appeal, apprentice });
}
