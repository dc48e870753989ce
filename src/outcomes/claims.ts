import { and, asc, eq, inArray, isNotNull, isNull, lte } from 'drizzle-orm';
import type { Actor } from '../audit/audit.js';
import { recordAudit } from '../audit/audit.js';
import { validateUln } from '../apprentices/uln.js';
import { isCalendarDate } from '../calendar.js';
import type { Db, Queryable } from '../db/connection.js';
import { apprentices, employers, epaAttempts, standardVersions } from '../db/schema.js';
import type { ResultGrade } from '../grading/model.js';
import { spreadsheetCsv } from './csv.js';

/**
 * Certificate claims: released Pass, Merit and Distinction results ready for the
 * apprenticeship service's "record a grade" step, each checked with that service's own rules
 * before it may be exported. A Fail (or a withdrawal) is an EPA outcome, not a certificate
 * claim, so it is never listed here.
 */

/** Only these overall grades lead to a certificate. */
export const CLAIMABLE_GRADES = ['Pass', 'Merit', 'Distinction'] as const satisfies readonly ResultGrade[];
export type ClaimableGrade = (typeof CLAIMABLE_GRADES)[number];

/** The apprenticeship service accepts no achievement date before this one. */
export const EARLIEST_ACHIEVEMENT_DATE = '2017-01-01';

export const CLAIM_MESSAGES = {
  familyName: 'Family name is missing',
  standard: 'Standard is not known: it needs a reference such as ST0815 and a LARS code',
  version: 'Standard version is not known: it needs a version such as 1.0',
  noDate: 'There is no achievement date',
  tooEarly: 'Achievement date is before 1 January 2017',
  future: 'Achievement date is in the future',
  notCertificate: (grade: string) => `A ${grade} is recorded as an EPA outcome, not a certificate claim`,
} as const;

/** One result as the claims export sees it. Nullable fields come from optional joins. */
export interface ClaimCandidate {
  attemptId: number;
  uln: string;
  familyName: string;
  givenNames: string;
  standardReference: string | null;
  /** The standard's LARS code: the numeric "standard code" the apprenticeship service also accepts. */
  larsCode: number | null;
  version: string | null;
  overallGrade: ResultGrade;
  /** The result date: the day the last method was graded. */
  achievementDate: string | null;
  /** Where the certificate goes: the employer, by name. */
  employerName: string | null;
}

/** Every reason the apprenticeship service would refuse this claim; empty when it is valid. */
export function claimProblems(claim: ClaimCandidate, today: string): string[] {
  const problems: string[] = [];
  if (!(CLAIMABLE_GRADES as readonly string[]).includes(claim.overallGrade))
    problems.push(CLAIM_MESSAGES.notCertificate(claim.overallGrade));
  const uln = validateUln(claim.uln);
  if (!uln.ok) problems.push(uln.message);
  if (claim.familyName.trim() === '') problems.push(CLAIM_MESSAGES.familyName);
  if (
    !claim.standardReference ||
    !/^ST\d{4}$/.test(claim.standardReference) ||
    claim.larsCode === null ||
    !Number.isInteger(claim.larsCode) ||
    claim.larsCode <= 0
  )
    problems.push(CLAIM_MESSAGES.standard);
  if (!claim.version || !/^\d+\.\d+$/.test(claim.version)) problems.push(CLAIM_MESSAGES.version);
  if (!claim.achievementDate || !isCalendarDate(claim.achievementDate)) problems.push(CLAIM_MESSAGES.noDate);
  else if (claim.achievementDate < EARLIEST_ACHIEVEMENT_DATE) problems.push(CLAIM_MESSAGES.tooEarly);
  else if (claim.achievementDate > today) problems.push(CLAIM_MESSAGES.future);
  return problems;
}

/** A claim as exported (CSV and JSON) and as listed by the API. */
export interface ClaimRow {
  attemptId: number;
  uln: string;
  familyName: string;
  givenNames: string;
  standardCode: number | null;
  standardReference: string | null;
  version: string | null;
  /** ST0815 has no options: always blank. */
  option: string;
  overallGrade: ResultGrade;
  achievementDate: string | null;
  sendCertificateTo: string | null;
  valid: boolean;
  /** Why the apprenticeship service would refuse it; empty when valid. */
  reasons: string[];
}

export function claimRow(claim: ClaimCandidate, today: string): ClaimRow {
  const reasons = claimProblems(claim, today);
  return {
    attemptId: claim.attemptId,
    uln: claim.uln,
    familyName: claim.familyName,
    givenNames: claim.givenNames,
    standardCode: claim.larsCode,
    standardReference: claim.standardReference,
    version: claim.version,
    option: '',
    overallGrade: claim.overallGrade,
    achievementDate: claim.achievementDate,
    sendCertificateTo: claim.employerName,
    valid: reasons.length === 0,
    reasons,
  };
}

/** A claim as exported: the row without its validation. */
export function exportedClaim(row: ClaimRow): Omit<ClaimRow, 'valid' | 'reasons'> {
  const {
    attemptId,
    uln,
    familyName,
    givenNames,
    standardCode,
    standardReference,
    version,
    option,
    overallGrade,
    achievementDate,
    sendCertificateTo,
  } = row;
  return {
    attemptId,
    uln,
    familyName,
    givenNames,
    standardCode,
    standardReference,
    version,
    option,
    overallGrade,
    achievementDate,
    sendCertificateTo,
  };
}

/** The export's columns, in order, with the value of each. */
export const CLAIM_COLUMNS: readonly { header: string; value: (row: ClaimRow) => string | number | null }[] = [
  { header: 'ULN', value: (r) => r.uln },
  { header: 'FamilyName', value: (r) => r.familyName },
  { header: 'GivenNames', value: (r) => r.givenNames },
  { header: 'StandardCode', value: (r) => r.standardCode },
  { header: 'StandardReference', value: (r) => r.standardReference },
  { header: 'Version', value: (r) => r.version },
  { header: 'Option', value: (r) => r.option },
  { header: 'OverallGrade', value: (r) => r.overallGrade },
  { header: 'AchievementDate', value: (r) => r.achievementDate },
  { header: 'SendCertificateTo', value: (r) => r.sendCertificateTo },
];

export function claimsCsv(rows: readonly ClaimRow[]): string {
  return spreadsheetCsv(
    CLAIM_COLUMNS.map((c) => c.header),
    rows.map((r) => CLAIM_COLUMNS.map((c) => c.value(r))),
  );
}

/* ---------- Queries ---------- */

const candidateColumns = {
  attemptId: epaAttempts.id,
  uln: apprentices.uln,
  familyName: apprentices.familyName,
  givenNames: apprentices.givenNames,
  standardReference: standardVersions.reference,
  larsCode: standardVersions.larsCode,
  version: standardVersions.version,
  overallGrade: epaAttempts.overallGrade,
  achievementDate: epaAttempts.resultOn,
  employerName: employers.name,
};

function candidates(db: Queryable, where: ReturnType<typeof and>): ClaimCandidate[] {
  return db
    .select(candidateColumns)
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .leftJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId))
    .leftJoin(employers, eq(employers.id, apprentices.employerId))
    .where(where)
    .orderBy(asc(epaAttempts.resultOn), asc(epaAttempts.id))
    .all()
    .flatMap((r) => (r.overallGrade ? [{ ...r, overallGrade: r.overallGrade }] : []));
}

/**
 * Released Pass, Merit and Distinction results not yet claimed, each with its validation.
 * An erased apprentice's result cannot be claimed: the service needs the ULN and name it no longer has.
 * `releasedUpTo` (a UTC instant) fixes the list as it was when a page showed it, so that the
 * downloads and the marking that follow it cover exactly the same results.
 */
export function unclaimedClaims(db: Queryable, today: string, releasedUpTo?: string): ClaimRow[] {
  return candidates(
    db,
    and(
      isNotNull(epaAttempts.releasedAt),
      isNull(epaAttempts.claimedAt),
      isNull(apprentices.erasedAt),
      inArray(epaAttempts.overallGrade, [...CLAIMABLE_GRADES]),
      releasedUpTo === undefined ? undefined : lte(epaAttempts.releasedAt, releasedUpTo),
    ),
  ).map((c) => claimRow(c, today));
}

export interface ClaimRefusal {
  attemptId: number;
  message: string;
}

/**
 * Marks results as claimed (their certificate claims exported), all or nothing: each must be
 * a released, unclaimed Pass, Merit or Distinction that passes every rule, checked again in
 * the transaction that writes. One audit row per result.
 */
export function markClaimed(
  db: Db,
  attemptIds: readonly number[],
  actor: Actor,
  today: string,
  now: string,
): { ok: true; marked: number } | { ok: false; refusals: ClaimRefusal[] } {
  const ids = [...new Set(attemptIds)];
  return db.transaction(
    (tx) => {
      const found = new Map(
        tx
          .select({ ...candidateColumns, releasedAt: epaAttempts.releasedAt, claimedAt: epaAttempts.claimedAt })
          .from(epaAttempts)
          .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
          .leftJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId))
          .leftJoin(employers, eq(employers.id, apprentices.employerId))
          .where(inArray(epaAttempts.id, ids))
          .all()
          .map((r) => [r.attemptId, r]),
      );
      const refusals: ClaimRefusal[] = [];
      const rows: ClaimRow[] = [];
      for (const id of ids) {
        const r = found.get(id);
        if (!r) refusals.push({ attemptId: id, message: `Result ${id} does not exist` });
        else if (!r.overallGrade) refusals.push({ attemptId: id, message: `Result ${id} is not complete` });
        else if (!r.releasedAt) refusals.push({ attemptId: id, message: `Result ${id} has not been released` });
        else if (r.claimedAt) refusals.push({ attemptId: id, message: `Result ${id} has already been claimed` });
        else {
          const row = claimRow({ ...r, overallGrade: r.overallGrade }, today);
          if (row.valid) rows.push(row);
          else refusals.push({ attemptId: id, message: `Result ${id} (ULN ${r.uln}): ${row.reasons.join('; ')}` });
        }
      }
      if (refusals.length > 0) return { ok: false as const, refusals };
      for (const row of rows) {
        tx.update(epaAttempts)
          .set({ claimedAt: now, claimedBy: actor.userId })
          .where(eq(epaAttempts.id, row.attemptId))
          .run();
        recordAudit(tx, actor, {
          action: 'claim.marked',
          entityType: 'attempt',
          entityId: row.attemptId,
          before: { claimedAt: null },
          after: { claimedAt: now, claim: exportedClaim(row) },
        });
      }
      return { ok: true as const, marked: rows.length };
    },
    { behavior: 'immediate' },
  );
}
