/**
 * The values the database stores in its enumerated columns, one list per column kind. The schema
 * (schema.ts) and the features' models share them: a feature re-exports the lists it owns, with its
 * types and labels beside them. A value is added at the end, never renamed: rows hold it.
 */

/** Every role, spelled once. */
export const ROLES = ['admin', 'assessor', 'quality_assurer', 'provider', 'employer'] as const;

/** A gateway submission's life: submitted, then accepted or rejected by the EPAO. */
export const SUBMISSION_STATUSES = ['submitted', 'accepted', 'rejected'] as const;

/** Where an apprentice stands at the gateway, as the dashboard filters it. */
export const GATEWAY_STATES = ['not_ready', 'ready', 'submitted', 'accepted', 'rejected'] as const;

/** Kinds of English and maths qualification an apprentice can hold. */
export const QUALIFICATION_TYPES = ['gcse', 'functional_skills', 'entry_level', 'bsl', 'other'] as const;

/** The two subjects of the English and maths requirement. */
export const SUBJECTS = ['english', 'maths'] as const;

/**
 * An apprentice aged 19 or over at the start: not studying English and maths, studying them (taking
 * the assessments), or the employer requires them to be achieved. (Migration 0009 turned the old
 * 'pursue' into 'employer_requires' and 'not_pursue' into 'not_studying'.)
 */
export const ENGLISH_MATHS_CHOICES = ['not_studying', 'studying', 'employer_requires'] as const;

/** What an English and maths flexibility judgement (Entry Level 3) rests on. */
export const FLEXIBILITY_BASES = [
  'ehc_plan',
  'sen_statement',
  'learning_difficulty_assessment',
  'professional_judgement',
] as const;

/** The kind of activity an off-the-job log entry records; only `training` counts. */
export const OFF_THE_JOB_KINDS = ['training', 'english_maths', 'progress_review', 'on_programme_assessment'] as const;

/** The gateway checks, in the order they are shown. */
export const CHECK_CODES = [
  'practical_period',
  'off_the_job',
  'english',
  'maths',
  'plan_items',
  'employer_declaration',
  'certificate_permission',
  'employer_behaviour_verification',
] as const;

/** England's regions, where an in-person assessment can take place. */
export const REGIONS = [
  'north_east',
  'north_west',
  'yorkshire_humber',
  'east_midlands',
  'west_midlands',
  'east_of_england',
  'london',
  'south_east',
  'south_west',
] as const;

/** A booking's life: held, then confirmed, declined, completed, cancelled or expired; a completed one is void when the assessment organisation voids its no-show or malpractice. */
export const BOOKING_STATUSES = ['held', 'confirmed', 'declined', 'completed', 'cancelled', 'expired', 'void'] as const;

/** How an assessment ended. Only `graded` is judged criterion by criterion. */
export const OUTCOMES = ['graded', 'withdrawn', 'did_not_attend', 'malpractice'] as const;

/** A grading is a draft until the assessor submits it. */
export const GRADING_STATUSES = ['draft', 'submitted'] as const;

/** Moderation of a submitted grading: not sampled, sampled and waiting, or done. */
export const MODERATION_STATES = ['not_sampled', 'pending', 'agreed', 'changed'] as const;

/** Why a grading was sampled for moderation. */
export const SAMPLE_REASONS = ['first_assessments', 'fail', 'boundary', 'random', 'provider_marked'] as const;

/** An attempt's overall result: a grade, or Withdrawn. (The grades after Withdrawn came later: values are only ever added at the end.) */
export const RESULT_GRADES = [
  'Fail',
  'Pass',
  'Merit',
  'Distinction',
  'Withdrawn',
  'Credit',
  'Pass with excellence',
  'Outstanding',
  'No grade awarded',
] as const;

/** First attempt, resit or retake. */
export const ATTEMPT_KINDS = ['first', 'resit', 'retake'] as const;

/** How an attempt treats each method: assessed in it (first time, resit or retake) or carried over from an earlier attempt. */
export const ATTEMPT_METHOD_MODES = ['first', 'resit', 'retake', 'carried'] as const;

/** An appeal's decision. */
export const APPEAL_DECISIONS = ['upheld', 'not_upheld'] as const;

/**
 * Grades a method or an apprentice can receive, in the words of the apprenticeship service: its
 * CertificateGrade constants (SkillsFundingAgency/das-assessor-service, Domain/Consts/
 * CertificateGrade.cs). "No grade awarded" is the pass of a standard that is not graded. This list
 * has no order: each plan lists the grades it uses from lowest to highest (plans/grades.ts).
 */
export const GRADES = [
  'Fail',
  'Pass',
  'Merit',
  'Distinction',
  'Credit',
  'Pass with excellence',
  'Outstanding',
  'No grade awarded',
] as const;

/** A provider's request for a resit or retake: waiting for the employer, agreed (the attempt started), declined, or withdrawn by the provider. */
export const FURTHER_REQUEST_STATUSES = ['requested', 'agreed', 'declined', 'withdrawn'] as const;

/** The assessment organisation's decision on a no-show or malpractice: it counts as a Fail, it is void (not an attempt), or the result is withheld pending investigation. */
export const OUTCOME_DECISIONS = ['fail', 'void', 'withheld'] as const;

/**
 * Reasonable adjustments a provider may ask for on an apprentice's behalf (Ofqual General
 * Conditions of Recognition, G6; Equality Act 2010, section 96(7)).
 */
export const ADJUSTMENT_TYPES = [
  'extra_time',
  'rest_breaks',
  'reader_or_scribe',
  'bsl_interpreter',
  'remote',
  'other',
] as const;

/** What a provider asks the assessment organisation for: an adjustment before, or special consideration after. */
export const REQUEST_KINDS = ['adjustment', 'special_consideration'] as const;

/** Where a request stands: open until decided or withdrawn. */
export const REQUEST_STATUSES = ['requested', 'approved', 'approved_in_part', 'refused', 'withdrawn'] as const;

/** What approved special consideration does to the result it concerns (Ofqual General Conditions, G7). */
export const CONSIDERATION_EFFECTS = ['not_counted', 'grade_reviewed', 'no_change'] as const;

/** What the evidence store's files belong to (src/evidence): each file belongs to one record. */
export const EVIDENCE_RECORD_TYPES = [
  'gateway_item',
  'assessment_request',
  'appeal',
  'qualification',
  'booking',
  'case',
] as const;

/** Ofqual's two kinds of case (General Conditions A8): malpractice (deliberate) and maladministration (error or neglect). */
export const CASE_KINDS = ['malpractice', 'maladministration'] as const;
/** What a case is against: one assessment of an apprentice, an assessor, or a training provider. */
export const CASE_SUBJECTS = ['assessment', 'assessor', 'provider'] as const;
export const CASE_STATUSES = ['open', 'investigating', 'decided'] as const;
export const CASE_OUTCOMES = ['upheld', 'not_upheld'] as const;
/** What an upheld case does: a warning, or to the assessment it names, void, withheld or Fail. */
export const CASE_SANCTIONS = ['warning', 'result_void', 'result_withheld', 'fail'] as const;
