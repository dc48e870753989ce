import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/connection.js';
import { apprentices, evidenceFiles, users } from '../db/schema.js';

export type EvidenceRecordType = (typeof evidenceFiles.$inferInsert)['recordType'];

export function insertEvidenceFile(tx: Queryable, values: typeof evidenceFiles.$inferInsert): number {
  return tx.insert(evidenceFiles).values(values).returning({ id: evidenceFiles.id }).get().id;
}

/** How many files each record of `recordType` of the apprentice has, by record key (one query for a list of records). */
export function fileCounts(db: Queryable, apprenticeId: number, recordType: EvidenceRecordType): Map<string, number> {
  return new Map(
    db
      .select({ key: evidenceFiles.recordKey, n: count() })
      .from(evidenceFiles)
      .where(and(eq(evidenceFiles.apprenticeId, apprenticeId), eq(evidenceFiles.recordType, recordType)))
      .groupBy(evidenceFiles.recordKey)
      .all()
      .map((r) => [r.key, r.n]),
  );
}

/** The files of one record, the first uploaded first, with who uploaded each. */
export function filesOfRecord(
  db: Queryable,
  apprenticeId: number | null,
  recordType: EvidenceRecordType,
  recordKey: string,
) {
  return db
    .select({
      id: evidenceFiles.id,
      fileName: evidenceFiles.fileName,
      size: evidenceFiles.size,
      mediaType: evidenceFiles.mediaType,
      uploadedAt: evidenceFiles.uploadedAt,
      uploadedBy: users.name,
    })
    .from(evidenceFiles)
    .leftJoin(users, eq(users.id, evidenceFiles.uploadedBy))
    .where(
      and(
        apprenticeId === null ? isNull(evidenceFiles.apprenticeId) : eq(evidenceFiles.apprenticeId, apprenticeId),
        eq(evidenceFiles.recordType, recordType),
        eq(evidenceFiles.recordKey, recordKey),
      ),
    )
    .orderBy(asc(evidenceFiles.id))
    .all();
}

/** One file with its apprentice's ULN (the scope it is seen in; null for a case about no apprentice). */
export function findEvidenceFile(db: Queryable, id: number) {
  return db
    .select({ file: evidenceFiles, uln: apprentices.uln })
    .from(evidenceFiles)
    .leftJoin(apprentices, eq(apprentices.id, evidenceFiles.apprenticeId))
    .where(eq(evidenceFiles.id, id))
    .get();
}

/** Whether any record names the file of this hash. */
export function fileInUse(db: Queryable, sha256: string): boolean {
  return (
    db.select({ id: evidenceFiles.id }).from(evidenceFiles).where(eq(evidenceFiles.sha256, sha256)).get() !== undefined
  );
}
