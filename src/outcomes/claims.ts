import { heldByCaseSql } from '../cases/store.js';
import { caseAppealOpenSql } from '../appeals/store.js';
import { and, asc, eq, inArray, isNotNull, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { londonDateOf } from '../dates.js';
import { planForApprentice } from '../plans/store.js';
import { topGrade } from '../plans/grades.js';
import type { Actor } from '../audit/audit.js';
import { recordAudit } from '../audit/audit.js';
import { validateUln } from '../apprentices/uln.js';
import { addDays, isCalendarDate } from '../calendar.js';
import type { Db, Queryable } from '../db/connection.js';
import {
  appeals,
  apprentices,
  certificateDeliveries,
  employers,
  epaAttempts,
  gatewayDeclarations,
  gradings,
  moderations,
  standardVersions,
} from '../db/schema.js';
import type { AttemptKind, ResultGrade } from '../grading/model.js';
import { appealDeadline } from '../grading/rules.js';
import { SERVICE_POSTCODE } from '../certificates/rules.js';
import { optionTitles } from '../standards/store.js';
import type { DeliveryRow } from '../certificates/store.js';
import { BYTE_ORDER_MARK, csvLines } from './csv.js';

/**
 * Certificate claims: released passing results (any grade the service records) ready for the
 * apprenticeship service's "record a grade" step, each checked with that service's own rules
 * before it may be exported, and each held until its appeal period has ended. A Fail (or a
 * withdrawal) is an EPA outcome, not a certificate claim: it goes to the service as an EPA record.
 *
 * The service's rules (SkillsFundingAgency/das-assessor-service, Application.Api/Validators/
 * ExternalApi/Certificates): a 10-digit ULN and a family name; a standard code and reference
 * of the same standard, and its version; a grade from its list (never Fail); an achievement
 * date from 1 January 2017 and not in the future; a postal contact (contact name, address line 1,
 * city, a UK postcode; the organisation for submission). Ours besides: the apprentice's
 * permission to claim the certificate (the gateway declaration), and an achievement date that is
 * the day the result passed internal quality assurance.
 */

/** Every grade the apprenticeship service records on a certificate (its CertificateGrade constants, Fail aside). */
export const SERVICE_GRADES = [
  'Pass',
  'Credit',
  'Merit',
  'Distinction',
  'Pass with excellence',
  'Outstanding',
  'No grade awarded',
] as const;

/** The overall grades that lead to a certificate: every grade the service records, whichever a plan uses. */
export const CLAIMABLE_GRADES = SERVICE_GRADES satisfies readonly ResultGrade[];
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
  noDelivery: 'Where the certificate is posted has not been recorded (the apprentice’s page: Certificate)',
  badPostcode: 'The certificate’s postcode is not one the apprenticeship service accepts',
  noPermission: 'The apprentice has not given permission to claim the certificate (the gateway declaration)',
  earlierSent:
    'An earlier outcome of this apprentice was recorded in the service outside this platform: record this one there as an update of that EPA record',
  optionNotNeeded:
    'The apprentice has an option recorded, but the standard version has no options: remove it from their record',
  optionMissing: (options: readonly string[]) =>
    `The standard version has options: record the apprentice’s option (${options.join('; ')}) on their record`,
  optionUnknown: (option: string, options: readonly string[]) =>
    `“${option}” is not an option of the standard version: record one of ${options.join('; ')}`,
} as const;

/** Outcomes the service records as EPA records, not certificates (its EpaOutcome values besides Pass). */
export const EPA_RECORD_GRADES = ['Fail', 'Withdrawn'] as const satisfies readonly ResultGrade[];

/** One outcome of an EPA record (an item of the service's EpaDetails.Epas). */
export interface EpaEntry {
  date: string;
  outcome: (typeof EPA_RECORD_GRADES)[number];
  kind: AttemptKind;
}

/** The postal contact of a claim, as recorded for the apprentice. */
export type ClaimDelivery = Omit<DeliveryRow, 'apprenticeId' | 'recordedBy' | 'recordedAt'>;

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
  /** The option the apprentice follows (its published title), and the options their version has (none: it has none). */
  courseOption: string | null;
  versionOptions: readonly string[];
  overallGrade: ResultGrade;
  /** The day the result passed internal quality assurance: its last moderation, or its release where none was sampled. */
  achievementDate: string | null;
  /** The employer, by name. */
  employerName: string | null;
  /** Where the certificate is posted; null until recorded. */
  delivery: ClaimDelivery | null;
  /** The apprentice's permission for the assessment organisation to claim the certificate. */
  certificatePermission: boolean;
  /** The day the result was released (London), from which its appeal period runs. */
  releasedOn: string | null;
  /** An appeal is lodged and not decided. */
  appealOpen: boolean;
  /** A malpractice or maladministration case holds the result (src/cases). */
  caseOpen?: boolean;
  /** The result is the plan's highest grade, which no appeal can raise. */
  highestGrade: boolean;
  /** The attempt: first, resit or retake (an EPA record's flags). */
  kind: AttemptKind;
  /** The day the result was complete: an EPA record's date. */
  epaDate: string | null;
  /** An earlier attempt of the apprentice was already sent to the service (or marked as recorded there). */
  earlierSent: boolean;
  /**
   * The apprentice's EPA record in the service, when this platform sent the last earlier outcome
   * itself: its reference and the outcomes it holds, oldest first. A further outcome updates it.
   */
  earlierRecord: { reference: string; epas: EpaEntry[] } | null;
}

/** Every reason the apprenticeship service would refuse this claim; empty when it is valid. */
export function claimProblems(claim: ClaimCandidate, today: string): string[] {
  const problems: string[] = [];
  if (!(CLAIMABLE_GRADES as readonly string[]).includes(claim.overallGrade))
    problems.push(CLAIM_MESSAGES.notCertificate(claim.overallGrade));
  problems.push(...learnerProblems(claim), ...dateProblems(claim.achievementDate, today));
  if (!claim.delivery) problems.push(CLAIM_MESSAGES.noDelivery);
  else if (!SERVICE_POSTCODE.test(claim.delivery.postcode)) problems.push(CLAIM_MESSAGES.badPostcode);
  if (!claim.certificatePermission) problems.push(CLAIM_MESSAGES.noPermission);
  return problems;
}

/**
 * Every reason the service would refuse this Fail or withdrawal as an EPA record (its
 * Validators/ExternalApi/Epas/BatchEpaRequestValidator.cs and CreateBatchEpaRequestValidator.cs):
 * the learner and standard as for a certificate, and an EPA date from 2017 and not in the future.
 * A second record for the same apprentice is an update of the first in the service, by its EPA
 * reference: sent directly when this platform sent the first and so holds the reference; otherwise
 * (the first was recorded another way) it is listed with what to do.
 */
export function epaRecordProblems(record: ClaimCandidate, today: string): string[] {
  return [
    ...((EPA_RECORD_GRADES as readonly string[]).includes(record.overallGrade)
      ? []
      : [`A ${record.overallGrade} is a certificate claim, not an EPA record`]),
    ...learnerProblems(record),
    ...dateProblems(record.epaDate, today),
    ...(record.earlierSent && !record.earlierRecord ? [CLAIM_MESSAGES.earlierSent] : []),
  ];
}

/** The learner and standard the service looks up: ULN, family name, standard code and reference, version. */
function learnerProblems(claim: ClaimCandidate): string[] {
  const problems: string[] = [];
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
  problems.push(...optionProblems(claim));
  return problems;
}

/**
 * The service's option rule, for certificates and EPA records alike (its BatchCertificateRequest
 * and BatchEpaRequest validators): a version without options takes no CourseOption ("No course
 * option available for this Standard and version. Must be empty"); a version with options takes
 * one of them, compared ignoring case ("Invalid course option for this Standard and version").
 */
function optionProblems({ courseOption, versionOptions }: ClaimCandidate): string[] {
  if (versionOptions.length === 0) return courseOption ? [CLAIM_MESSAGES.optionNotNeeded] : [];
  if (!courseOption) return [CLAIM_MESSAGES.optionMissing(versionOptions)];
  const known = versionOptions.some((o) => o.toLowerCase() === courseOption.toLowerCase());
  return known ? [] : [CLAIM_MESSAGES.optionUnknown(courseOption, versionOptions)];
}

/** The service's date rules: given, not before 1 January 2017, not in the future. */
function dateProblems(date: string | null, today: string): string[] {
  if (!date || !isCalendarDate(date)) return [CLAIM_MESSAGES.noDate];
  if (date < EARLIEST_ACHIEVEMENT_DATE) return [CLAIM_MESSAGES.tooEarly];
  return date > today ? [CLAIM_MESSAGES.future] : [];
}

export interface ClaimTimingSettings {
  appealWorkingDays: number;
  claimHighestGradeEarly: boolean;
}

/**
 * When a claim may go: never while an appeal is open; otherwise once the result's appeal period
 * has ended (the day after its last day to appeal), or at once for the plan's highest grade when
 * the EPAO's setting says so, since no appeal can raise it. Null: it may go now.
 */
export function claimHeld(
  claim: Pick<ClaimCandidate, 'appealOpen' | 'caseOpen' | 'highestGrade' | 'releasedOn'>,
  settings: ClaimTimingSettings,
  today: string,
): { until: string | null; why: string } | null {
  if (claim.appealOpen) return { until: null, why: 'An appeal is open: a result under appeal is not claimed' };
  if (claim.caseOpen)
    return {
      until: null,
      why: 'A malpractice or maladministration case holds the result: it is not claimed until the case allows',
    };
  if (claim.highestGrade && settings.claimHighestGradeEarly) return null;
  if (!claim.releasedOn) return { until: null, why: 'Not released' };
  const lastDay = appealDeadline(claim.releasedOn, settings.appealWorkingDays);
  return today > lastDay ? null : { until: addDays(lastDay, 1), why: `The appeal period runs until ${lastDay}` };
}

/** A claim as listed (page, CSV and API): the candidate with its validation and timing. */
export interface ClaimRow {
  attemptId: number;
  uln: string;
  familyName: string;
  givenNames: string;
  standardCode: number | null;
  standardReference: string | null;
  version: string | null;
  /** The option the apprentice follows, as the service's CourseOption; blank on a version without options. */
  option: string;
  overallGrade: ResultGrade;
  achievementDate: string | null;
  delivery: ClaimDelivery | null;
  valid: boolean;
  /** Why the apprenticeship service would refuse it; empty when valid. */
  reasons: string[];
  /** Held: the day it may go (null: not while an appeal is open); undefined when it may go now. */
  heldUntil?: string | null;
  heldWhy?: string;
  /**
   * What goes to the service: a certificate (a passing grade), an EPA record (Fail, Withdrawn), or an
   * update of the apprentice's EPA record there with this outcome added.
   */
  sends: 'certificate' | 'epa_record' | 'epa_update';
  kind: AttemptKind;
  epaDate: string | null;
  /** An update's record: its reference and the outcomes it already holds. */
  updates: { reference: string; epas: EpaEntry[] } | null;
}

export function claimRow(claim: ClaimCandidate, today: string, settings: ClaimTimingSettings): ClaimRow {
  const record = (EPA_RECORD_GRADES as readonly string[]).includes(claim.overallGrade);
  const sends = !record ? 'certificate' : claim.earlierRecord ? 'epa_update' : 'epa_record';
  const reasons = record ? epaRecordProblems(claim, today) : claimProblems(claim, today);
  const held = claimHeld(claim, settings, today);
  return {
    attemptId: claim.attemptId,
    uln: claim.uln,
    familyName: claim.familyName,
    givenNames: claim.givenNames,
    standardCode: claim.larsCode,
    standardReference: claim.standardReference,
    version: claim.version,
    option: claim.courseOption ?? '',
    overallGrade: claim.overallGrade,
    achievementDate: claim.achievementDate,
    delivery: claim.delivery,
    valid: reasons.length === 0,
    reasons,
    ...(held ? { heldUntil: held.until, heldWhy: held.why } : {}),
    sends,
    kind: claim.kind,
    epaDate: claim.epaDate,
    updates: record ? claim.earlierRecord : null,
  };
}

/** Whether the claim may go now: valid, and not held. */
export const isReady = (row: ClaimRow) => row.valid && row.heldUntil === undefined;

/**
 * The claim as the apprenticeship service's certificate request (its CreateCertificateRequest:
 * RequestId, Standard, Learner, LearningDetails, PostalContact). The RequestId names the result,
 * so each answer is matched to it. Only for a valid claim.
 */
export function certificateRequest(row: ClaimRow) {
  const d = row.delivery!;
  return {
    RequestId: `attempt-${row.attemptId}`,
    Standard: { StandardCode: row.standardCode!, StandardReference: row.standardReference! },
    Learner: { Uln: Number(row.uln), FamilyName: row.familyName },
    LearningDetails: {
      ...(row.option ? { CourseOption: row.option } : {}),
      Version: row.version!,
      OverallGrade: row.overallGrade,
      AchievementDate: row.achievementDate!,
    },
    PostalContact: {
      ContactName: d.contactName,
      ...(d.department ? { Department: d.department } : {}),
      Organisation: d.organisation,
      AddressLine1: d.addressLine1,
      ...(d.addressLine2 ? { AddressLine2: d.addressLine2 } : {}),
      ...(d.addressLine3 ? { AddressLine3: d.addressLine3 } : {}),
      City: d.city,
      PostCode: d.postcode,
    },
  };
}
export type CertificateRequest = ReturnType<typeof certificateRequest>;

const epaItem = (e: { date: string; outcome: string; kind: AttemptKind }) => ({
  EpaDate: e.date,
  EpaOutcome: e.outcome,
  Resit: e.kind === 'resit',
  Retake: e.kind === 'retake',
});

/**
 * A Fail or withdrawal as the service's EPA record request (its CreateEpaRequest: RequestId,
 * Standard, Learner, LearningDetails with the version, EpaDetails with the outcome, its date and
 * whether it was a resit or a retake). Only for a valid record.
 */
export function epaRecordRequest(row: ClaimRow) {
  return {
    RequestId: `attempt-${row.attemptId}`,
    Standard: { StandardCode: row.standardCode!, StandardReference: row.standardReference! },
    Learner: { Uln: Number(row.uln), FamilyName: row.familyName },
    LearningDetails: { ...(row.option ? { CourseOption: row.option } : {}), Version: row.version! },
    EpaDetails: { Epas: [epaItem({ date: row.epaDate!, outcome: row.overallGrade, kind: row.kind })] },
  };
}

/**
 * A further Fail or withdrawal as the service's EPA record update (its UpdateEpaRequest, PUT
 * /api/v1/epa): the record's EpaReference, and every outcome it is to hold, since the service
 * replaces the record's list with the one sent (Handlers/ExternalApi/Epas/UpdateBatchEpaHandler.cs).
 */
export function epaUpdateRequest(row: ClaimRow) {
  const { RequestId, ...rest } = epaRecordRequest(row);
  const epas = [...row.updates!.epas, { date: row.epaDate!, outcome: row.overallGrade, kind: row.kind }];
  return { RequestId, EpaReference: row.updates!.reference, ...rest, EpaDetails: { Epas: epas.map(epaItem) } };
}

/** What goes to the service for a valid row: its certificate request, EPA record request or EPA record update. */
export const serviceRequest = (row: ClaimRow) =>
  row.sends === 'certificate'
    ? certificateRequest(row)
    : row.sends === 'epa_update'
      ? epaUpdateRequest(row)
      : epaRecordRequest(row);

/** The service takes at most this many certificates in one request (its batch limit). */
export const SERVICE_BATCH_LIMIT = 25;

/** Requests in batches the service accepts: each batch is the body of one POST /api/v1/certificate. */
export function inBatches<T>(requests: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < requests.length; i += SERVICE_BATCH_LIMIT)
    batches.push(requests.slice(i, i + SERVICE_BATCH_LIMIT));
  return batches;
}

const postedTo = (d: ClaimDelivery | null) =>
  d
    ? [d.contactName, d.department, d.organisation, d.addressLine1, d.addressLine2, d.addressLine3, d.city, d.postcode]
        .filter(Boolean)
        .join(', ')
    : null;

/** The CSV's columns (a list for people), in order, with the value of each. */
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
  { header: 'SendCertificateTo', value: (r) => postedTo(r.delivery) },
];

export function claimsCsv(rows: readonly ClaimRow[]): string {
  return [...claimsCsvChunks([rows])].join('');
}

/** The claims CSV written a batch of rows at a time (for a download streamed as it is read): the header, then each batch's lines. */
export function* claimsCsvChunks(batches: Iterable<readonly ClaimRow[]>): Generator<string> {
  yield BYTE_ORDER_MARK + csvLines([CLAIM_COLUMNS.map((c) => c.header)]);
  for (const rows of batches)
    if (rows.length > 0) yield csvLines(rows.map((r) => CLAIM_COLUMNS.map((c) => c.value(r))));
}

/**
 * Requests as one JSON array of the batches the service takes (inBatches), written a batch at
 * a time as the requests come: the same text as JSON.stringify(inBatches(all), null, 2).
 */
export function* requestBatchesJson<T>(requests: Iterable<T>): Generator<string> {
  let batch: T[] = [];
  let opened = false;
  const written = () => {
    // Each batch is an element of the outer array: its lines indented one level. (Not /^/gm: it
    // also matches after U+2028 and U+2029, which JSON leaves as they are inside a name.)
    const text = `${opened ? ',' : '['}\n  ${JSON.stringify(batch, null, 2).replace(/\n/g, '\n  ')}`;
    opened = true;
    batch = [];
    return text;
  };
  for (const request of requests) {
    batch.push(request);
    if (batch.length === SERVICE_BATCH_LIMIT) yield written();
  }
  if (batch.length > 0) yield written();
  yield opened ? '\n]' : '[]';
}

/* ---------- Queries ---------- */

const candidateColumns = {
  attemptId: epaAttempts.id,
  uln: apprentices.uln,
  familyName: apprentices.familyName,
  givenNames: apprentices.givenNames,
  standardVersionId: apprentices.standardVersionId,
  planId: apprentices.planId,
  courseOption: apprentices.courseOption,
  standardReference: standardVersions.reference,
  larsCode: standardVersions.larsCode,
  version: standardVersions.version,
  overallGrade: epaAttempts.overallGrade,
  kind: epaAttempts.kind,
  epaDate: epaAttempts.resultOn,
  releasedAt: epaAttempts.releasedAt,
  claimedAt: epaAttempts.claimedAt,
  earlierSent: sql<number>`exists (select 1 from ${epaAttempts} e where e.apprentice_id = ${epaAttempts.apprenticeId}
    and e.number < ${epaAttempts.number} and e.claimed_at is not null)`,
  // The reference the service gave the last earlier outcome sent (null when it was recorded another way).
  earlierReference: sql<string | null>`(select e.service_reference from ${epaAttempts} e
    where e.apprentice_id = ${epaAttempts.apprenticeId} and e.number < ${epaAttempts.number} and e.claimed_at is not null
    order by e.number desc limit 1)`,
  // The earlier outcomes sent as EPA records, oldest first, as JSON.
  earlierEpas: sql<string>`(select json_group_array(json_object('date', e.result_on, 'outcome', e.claimed_grade,
    'kind', e.kind) order by e.number) from ${epaAttempts} e
    where e.apprentice_id = ${epaAttempts.apprenticeId} and e.number < ${epaAttempts.number} and e.claimed_at is not null
    and e.claimed_grade in ('Fail', 'Withdrawn'))`,
  employerName: employers.name,
  delivery: certificateDeliveries,
  certificatePermissionAt: gatewayDeclarations.certificatePermissionAt,
  // The last moderation of any of the attempt's gradings: when the result passed quality assurance.
  moderatedAt: sql<
    string | null
  >`(select max(m.created_at) from ${moderations} m join ${gradings} g on g.id = m.grading_id
    where g.attempt_id = ${epaAttempts.id})`,
  // An appeal against the result, or against a decision after an investigation into its assessments.
  appealOpen: sql<number>`(exists (select 1 from ${appeals} x where x.attempt_id = ${epaAttempts.id} and x.decision is null)
    or ${caseAppealOpenSql(epaAttempts.apprenticeId, epaAttempts.number)})`,
  caseOpen: heldByCaseSql(epaAttempts.apprenticeId, epaAttempts.number),
};

/** After the claim whose key (result date, attempt) is `after`, in the list's order (a result with no date first, as SQLite sorts). */
const afterKey = ({ on, id }: { on: string | null; id: number }) =>
  on === null
    ? sql`((${epaAttempts.resultOn} is null and ${epaAttempts.id} > ${id}) or ${epaAttempts.resultOn} is not null)`
    : sql`(${epaAttempts.resultOn} > ${on} or (${epaAttempts.resultOn} = ${on} and ${epaAttempts.id} > ${id}))`;

const londonDay = (instant: string | null) => (instant ? londonDateOf(instant) : null);

/** The query behind `candidates` (its SQL is what the query-plan test explains). */
export function candidatesSelect(db: Queryable, where: SQL | undefined, limit = -1) {
  return db
    .select(candidateColumns)
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .leftJoin(standardVersions, eq(standardVersions.id, apprentices.standardVersionId))
    .leftJoin(employers, eq(employers.id, apprentices.employerId))
    .leftJoin(certificateDeliveries, eq(certificateDeliveries.apprenticeId, apprentices.id))
    .leftJoin(gatewayDeclarations, eq(gatewayDeclarations.apprenticeId, apprentices.id))
    .where(where)
    .orderBy(asc(epaAttempts.resultOn), asc(epaAttempts.id))
    .limit(limit);
}

/** A batch of unclaimed results after `after` (the last key of the batch before), released by `releasedUpTo`. */
export const unclaimedAfter = (releasedUpTo: string, after?: { on: string | null; id: number }) =>
  and(unclaimed(releasedUpTo), after ? afterKey(after) : undefined);

/**
 * The attempts matching `where`, as claims, with what the timing needs: the oldest result first
 * (a result with no date before any), at most `limit` of them.
 */
function candidates(
  db: Queryable,
  where: SQL | undefined,
  limit = -1,
): (ClaimCandidate & { claimedAt: string | null })[] {
  const options = optionTitles(db);
  const highest = new Map<string, ResultGrade | undefined>();
  const highestOf = (apprentice: { planId: string | null; standardVersionId: number }) => {
    const key = apprentice.planId ?? `version ${apprentice.standardVersionId}`;
    if (!highest.has(key)) {
      highest.set(key, topGrade(planForApprentice(db, apprentice)?.overallGrades ?? []));
    }
    return highest.get(key);
  };
  return candidatesSelect(db, where, limit)
    .all()
    .flatMap(
      ({
        delivery,
        certificatePermissionAt,
        moderatedAt,
        releasedAt,
        appealOpen,
        caseOpen,
        earlierSent,
        earlierReference,
        earlierEpas,
        standardVersionId,
        planId,
        ...r
      }) => {
        if (!r.overallGrade) return [];
        const releasedOn = londonDay(releasedAt);
        return [
          {
            ...r,
            overallGrade: r.overallGrade,
            // Internal quality assurance passed at the last moderation, or at release where nothing was sampled.
            achievementDate: londonDay(moderatedAt) ?? releasedOn,
            delivery: delivery ? deliveryOfRow(delivery) : null,
            certificatePermission: certificatePermissionAt !== null,
            releasedOn,
            appealOpen: Boolean(appealOpen),
            caseOpen: Boolean(caseOpen),
            earlierSent: Boolean(earlierSent),
            earlierRecord: earlierReference
              ? { reference: earlierReference, epas: JSON.parse(earlierEpas) as EpaEntry[] }
              : null,
            highestGrade: r.overallGrade === highestOf({ planId, standardVersionId }),
            versionOptions: options.get(standardVersionId) ?? [],
          },
        ];
      },
    );
}

function deliveryOfRow(row: DeliveryRow): ClaimDelivery {
  const { sendTo, contactName, department, organisation, addressLine1, addressLine2, addressLine3, city, postcode } =
    row;
  return { sendTo, contactName, department, organisation, addressLine1, addressLine2, addressLine3, city, postcode };
}

/**
 * Released results not yet sent to the service: passing grades as certificate
 * claims, Fail and Withdrawn as EPA records; each with its validation and whether it is held
 * (its appeal period not over, or an appeal open).
 * An erased apprentice's result cannot be claimed: the service needs the ULN and name it no longer has.
 * `releasedUpTo` (a UTC instant) fixes the list as it was when a page showed it, so that the
 * downloads and the marking that follow it cover exactly the same results.
 */
export function unclaimedClaims(
  db: Queryable,
  today: string,
  settings: ClaimTimingSettings,
  releasedUpTo?: string,
): ClaimRow[] {
  return candidates(db, unclaimed(releasedUpTo)).map((c) => claimRow(c, today, settings));
}

/** Released results not yet claimed (released by `releasedUpTo` when given), of apprentices not erased. */
const unclaimed = (releasedUpTo?: string) =>
  and(
    isNotNull(epaAttempts.releasedAt),
    isNull(epaAttempts.claimedAt),
    // Unary + keeps SQLite from starting at another index (the apprentices' on erased_at, the
    // reports' on the grade: every apprentice or result) when it has no statistics: the results
    // waiting for a claim are read along their own index (epa_attempts_unclaimed).
    sql`+${apprentices.erasedAt} is null`,
    inArray(sql`+${epaAttempts.overallGrade}`, [...CLAIMABLE_GRADES, ...EPA_RECORD_GRADES]),
    releasedUpTo === undefined ? undefined : lte(epaAttempts.releasedAt, releasedUpTo),
  );

/** How many results a claims file reads at a time. */
export const CLAIM_BATCH = 2000;

/**
 * unclaimedClaims, read `size` at a time in the same order, for a file written as it is read:
 * only one batch is in memory. The results are those released by `releasedUpTo` (when the
 * download began), so one released meanwhile is not half in the file.
 */
export function* unclaimedClaimBatches(
  db: Queryable,
  today: string,
  settings: ClaimTimingSettings,
  releasedUpTo: string,
  size = CLAIM_BATCH,
): Generator<ClaimRow[]> {
  let after: { on: string | null; id: number } | undefined;
  for (;;) {
    // Read along epa_attempts_unclaimed from where the last batch ended: each batch costs its own size.
    const rows = candidates(db, unclaimedAfter(releasedUpTo, after), size);
    if (rows.length > 0) yield rows.map((c) => claimRow(c, today, settings));
    if (rows.length < size) return;
    const last = rows[rows.length - 1]!;
    after = { on: last.epaDate, id: last.attemptId };
  }
}

/** Claimed results whose grade an upheld appeal has changed since: their certificates need amending. */
export function claimsToAmend(db: Queryable) {
  return db
    .select({
      attemptId: epaAttempts.id,
      uln: apprentices.uln,
      givenNames: apprentices.givenNames,
      familyName: apprentices.familyName,
      claimedGrade: epaAttempts.claimedGrade,
      overallGrade: epaAttempts.overallGrade,
      claimedAt: epaAttempts.claimedAt,
    })
    .from(epaAttempts)
    .innerJoin(apprentices, eq(apprentices.id, epaAttempts.apprenticeId))
    .where(
      and(
        isNotNull(epaAttempts.claimedAt),
        isNotNull(epaAttempts.claimedGrade),
        sql`${epaAttempts.claimedGrade} is not ${epaAttempts.overallGrade}`,
      ),
    )
    .orderBy(asc(epaAttempts.claimedAt))
    .all();
}

export interface ClaimRefusal {
  attemptId: number;
  message: string;
}

/**
 * Marks results as claimed (their certificate claims sent or exported), all or nothing: each must
 * be a released, unclaimed passing result that passes every rule and is not held,
 * checked again in the transaction that writes. One audit row per result, with the claim.
 */
export function markClaimed(
  db: Db,
  attemptIds: readonly number[],
  actor: Actor,
  today: string,
  now: string,
  settings: ClaimTimingSettings,
): { ok: true; marked: number } | { ok: false; refusals: ClaimRefusal[] } {
  const ids = [...new Set(attemptIds)];
  return db.transaction(
    (tx) => {
      const found = new Map(candidates(tx, inArray(epaAttempts.id, ids)).map((c) => [c.attemptId, c]));
      const refusals: ClaimRefusal[] = [];
      const rows: ClaimRow[] = [];
      for (const id of ids) {
        const c = found.get(id);
        if (!c)
          refusals.push({ attemptId: id, message: `Result ${id} does not exist, is not complete or is not released` });
        else if (!c.releasedOn) refusals.push({ attemptId: id, message: `Result ${id} has not been released` });
        else if (c.claimedAt) refusals.push({ attemptId: id, message: `Result ${id} has already been claimed` });
        else {
          const row = claimRow(c, today, settings);
          if (!row.valid)
            refusals.push({ attemptId: id, message: `Result ${id} (ULN ${c.uln}): ${row.reasons.join('; ')}` });
          else if (row.heldUntil !== undefined)
            refusals.push({ attemptId: id, message: `Result ${id} (ULN ${c.uln}) is held: ${row.heldWhy}` });
          else rows.push(row);
        }
      }
      if (refusals.length > 0) return { ok: false as const, refusals };
      for (const row of rows) {
        tx.update(epaAttempts)
          .set({ claimedAt: now, claimedBy: actor.userId, claimedGrade: row.overallGrade })
          .where(eq(epaAttempts.id, row.attemptId))
          .run();
        recordAudit(tx, actor, {
          action: 'claim.marked',
          entityType: 'attempt',
          entityId: row.attemptId,
          before: { claimedAt: null },
          after: { claimedAt: now, sent: serviceRequest(row) },
        });
      }
      return { ok: true as const, marked: rows.length };
    },
    { behavior: 'immediate' },
  );
}
