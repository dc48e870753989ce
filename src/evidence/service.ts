import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.js';
import type { Db } from '../db/connection.js';
import { gatewayItemsProvided } from '../db/schema.js';
import { apprenticeFor } from '../apprentices/service.js';
import { recordPlanItem, type ApprenticeDetail } from '../apprentices/store.js';
import { planForApprentice } from '../plans/store.js';
import { actorOf, type CurrentUser } from '../users/store.js';
import { ok, refuse, type Result } from '../validation/result.js';
import { keptFileName } from './rules.js';
import type { StoredFile } from './storage.js';
import { fileInUse, filesOfRecord, findEvidenceFile, insertEvidenceFile } from './store.js';

/*
 * The evidence store's use cases. A file belongs to one record of one apprentice, and is seen by
 * exactly the people who can see that record: for a gateway item, the apprentice's provider, their
 * employer and the assessment organisation's administrators; it is added by those who may edit the
 * record (the provider and administrators).
 */

const itemParams = z.object({ uln: z.string(), itemId: z.string().max(100) });

/** The gateway item of the apprentice in the URL, for `action` (view or edit), with its plan's words. */
export function gatewayItemOf(
  db: Db,
  user: CurrentUser,
  params: unknown,
  action: 'view' | 'edit',
): Result<{ apprentice: ApprenticeDetail; item: { id: string; name: string; description: string } }> {
  const parsed = itemParams.safeParse(params);
  if (!parsed.success) return refuse('not_found', 'There is no such gateway item');
  const found = apprenticeFor(db, user, parsed.data.uln, action);
  if (!found.ok) return found;
  const item = planForApprentice(db, found.value)?.gatewayItems.find((i) => i.id === parsed.data.itemId);
  if (!item) return refuse('not_found', 'The assessment plan has no such gateway item');
  return ok({ apprentice: found.value, item });
}

/** The files of a gateway item, as its page lists them. */
export function gatewayItemFiles(db: Db, apprentice: ApprenticeDetail, itemId: string) {
  return filesOfRecord(db, apprentice.id, 'gateway_item', itemId);
}

/**
 * Attaches a file the store has received to a gateway item, audited; an item not yet recorded as
 * in place is recorded so, with the file as where it is.
 */
export function attachGatewayItemFile(
  db: Db,
  user: CurrentUser,
  params: unknown,
  file: StoredFile & { originalName: string },
  now: string,
): Result<{ id: number; uln: string; itemId: string }> {
  const target = gatewayItemOf(db, user, params, 'edit');
  if (!target.ok) return target;
  const { apprentice, item } = target.value;
  const actor = actorOf(user);
  const fileName = keptFileName(file.originalName);
  const id = db.transaction((tx) => {
    const created = insertEvidenceFile(tx, {
      apprenticeId: apprentice.id,
      recordType: 'gateway_item',
      recordKey: item.id,
      sha256: file.sha256,
      size: file.size,
      mediaType: file.mediaType,
      fileName,
      uploadedBy: user.id,
      uploadedAt: now,
    });
    recordAudit(tx, actor, {
      action: 'evidence.uploaded',
      entityType: 'apprentice',
      entityId: apprentice.uln,
      after: {
        record: `gateway item ${item.id}`,
        file: created,
        fileName,
        size: file.size,
        mediaType: file.mediaType,
        sha256: file.sha256,
      },
    });
    const recorded = tx
      .select({ itemId: gatewayItemsProvided.itemId })
      .from(gatewayItemsProvided)
      .where(and(eq(gatewayItemsProvided.apprenticeId, apprentice.id), eq(gatewayItemsProvided.itemId, item.id)))
      .get();
    if (!recorded) recordPlanItem(db, apprentice, item.id, `Uploaded to the evidence store: ${fileName}`, actor);
    return created;
  });
  return ok({ id, uln: apprentice.uln, itemId: item.id });
}

/** A file to download, for someone who can see its record. */
export function evidenceFileFor(db: Db, user: CurrentUser, id: unknown) {
  const fileId = typeof id === 'string' && /^\d{1,9}$/.test(id) ? Number(id) : undefined;
  const found = fileId === undefined ? undefined : findEvidenceFile(db, fileId);
  if (!found) return refuse('not_found', 'There is no such file');
  const seen = apprenticeFor(db, user, found.uln, 'view');
  if (!seen.ok) return refuse('not_found', 'There is no such file');
  return ok(found.file);
}

/** Whether a file received but perhaps never attached (a refused form) may be removed from disk. */
export const unreferenced = (db: Db, sha256: string) => !fileInUse(db, sha256);
