/**
 * English and maths at gateway.
 *
 * Sources:
 * - Level 2 (GCSE 9–4 / A*–C, Functional Skills level 2 or an accepted equivalent) for a
 *   standard at level 3 or above; level 1 for a level 2 standard, where a 16–18 apprentice who
 *   already holds level 1 must also "take the assessments for a level 2" before the end-point
 *   assessment (apprenticeship funding rules, English and maths; employer rules E158.3 of
 *   earlier years, unchanged in substance for 2025 to 2026).
 * - Entry Level 3 instead, for an apprentice with a learning difficulty or disability, only on a
 *   recorded, evidenced judgement: an EHC plan, a statement of special educational needs, a
 *   learning difficulty assessment, or (since 2024 to 2025) an appropriate professional's
 *   evidenced judgement, without an EHC plan. Self-declaration is not enough.
 * - British Sign Language qualifications instead of English where BSL is the first language.
 * - From 11 February 2025, apprentices aged 19 or over at the start "will no longer be required
 *   to hold or achieve English and maths qualifications to pass their apprenticeship" (DfE,
 *   "Changes to English and maths requirements", February 2025). They may still study them
 *   (then the evidence is having taken the assessment), or the employer may require them to be
 *   achieved (then as for 16–18). Age is taken at the original start (a restart keeps it).
 */
import { ageOn } from '../calendar.js';
import type { CheckCode, CheckResult, GatewayApprentice, GatewayEvidence, Qualification, Subject } from './model.js';
import { FLEXIBILITY_BASIS_LABELS, QUALIFICATION_TYPE_LABELS } from './model.js';
import { originalStart } from './practical-period.js';
import { day, plural } from './wording.js';

/** Evaluations from this date: English and maths are optional for apprentices aged 19 or over at the start. */
export const ENGLISH_MATHS_OPTIONAL_FROM = '2025-02-11';
/** Age at start from which English and maths became optional (evaluations from 11 February 2025). */
export const ENGLISH_MATHS_OPTIONAL_AGE = 19;

/**
 * The level of English and maths a standard requires: level 2 for a standard at level 3 or
 * above; level 1 for a level 2 standard (kept simple: a standard below level 2 also gets 1).
 */
export function requiredEnglishMathsLevel(standardLevel: number): 1 | 2 {
  return standardLevel >= 3 ? 2 : 1;
}

const GCSE_LEVEL_2_GRADES = ['9', '8', '7', '6', '5', '4', 'a*', 'a', 'b', 'c'];
const GCSE_LEVEL_1_GRADES = ['3', '2', '1', 'd', 'e', 'f', 'g'];
/** Grades that record an attempt, not an achievement. */
const NOT_ACHIEVED_GRADES = ['fail', 'u', 'x', 'unclassified', 'not achieved', 'ungraded'];

function normalGrade(grade: string): string {
  return grade.trim().toLowerCase();
}

/**
 * The level a GCSE, Functional Skills or other qualification is achieved at, or null when it
 * is not a pass: GCSE 9–4 / A*–C is level 2, 3–1 / D–G level 1, anything else (U, X) none;
 * Functional Skills count at their level only with the grade Pass; an accepted equivalent
 * ('other') counts at its level unless recorded as a Fail. Entry Level and BSL are handled
 * separately (they count only with a flexibility judgement / BSL as first language).
 */
export function achievedLevel(q: Qualification): number | null {
  const grade = normalGrade(q.grade);
  switch (q.type) {
    case 'gcse':
      if (GCSE_LEVEL_2_GRADES.includes(grade)) return 2;
      if (GCSE_LEVEL_1_GRADES.includes(grade)) return 1;
      return null;
    case 'functional_skills':
      return grade === 'pass' ? q.level : null;
    case 'other':
      return NOT_ACHIEVED_GRADES.includes(grade) ? null : q.level;
    case 'entry_level':
    case 'bsl':
      return null;
  }
}

/** A judgement lets Entry Level 3 count only once its evidence (date and reference) is recorded. */
function flexibilityEvidenced(apprentice: GatewayApprentice): boolean {
  return apprentice.flexibility !== null && apprentice.flexibility.reference !== null;
}

/**
 * Does this qualification meet the apprentice's English (or maths) requirement on `on`?
 * - only qualifications in that subject achieved on or before `on` count;
 * - GCSE, Functional Skills and accepted equivalents count at the level they were achieved
 *   at, which must reach the required level (see requiredEnglishMathsLevel);
 * - with an evidenced flexibility judgement the requirement is Entry Level 3: Entry Level 3
 *   meets it, and so does anything at level 1 or above; without one Entry Level never counts;
 * - a British Sign Language qualification meets the English requirement when BSL is the
 *   apprentice's first language; it never counts for maths.
 */
export function qualificationCounts(
  q: Qualification,
  subject: Subject,
  apprentice: GatewayApprentice,
  on: string,
): boolean {
  if (q.subject !== subject) return false;
  if (day(q.achievedOn, 'achievement date') > day(on, 'evaluation date')) return false;
  const failed = NOT_ACHIEVED_GRADES.includes(normalGrade(q.grade));
  const flexible = flexibilityEvidenced(apprentice);
  const required = flexible ? 1 : requiredEnglishMathsLevel(apprentice.standardLevel);
  // A BSL qualification stands in for English at the level it was achieved at.
  if (q.type === 'bsl') return subject === 'english' && apprentice.bslFirstLanguage && !failed && q.level >= required;
  if (q.type === 'entry_level') return flexible && q.level >= 3 && !failed;
  const level = achievedLevel(q);
  if (level === null) return false;
  return level >= required;
}

/** A result at `level` or above in the subject, whatever the grade, dated on or before `on` (and after `after`): evidence the assessment was taken. */
function takenAt(q: Qualification, subject: Subject, level: number, on: string, after = ''): boolean {
  if (q.subject !== subject || q.achievedOn > on || q.achievedOn <= after) return false;
  if (q.type === 'gcse') return level <= 2;
  if (q.type === 'entry_level') return false;
  if (q.type === 'bsl') return subject === 'english' && q.level >= level;
  return q.level >= level;
}

function describeQualification(q: Qualification): string {
  const cert = `achieved ${q.achievedOn} (certificate ${q.certificateReference})`;
  switch (q.type) {
    case 'gcse':
      return `GCSE grade ${q.grade.trim()} ${cert}`;
    case 'functional_skills':
      return `Functional Skills level ${q.level} (${q.grade.trim()}) ${cert}`;
    case 'entry_level':
      return `Entry Level ${q.level} ${cert}, which meets the requirement with the recorded flexibility judgement`;
    case 'bsl':
      return `British Sign Language qualification level ${q.level} ${cert}, which stands in for English as BSL is the apprentice's first language`;
    case 'other':
      return `${QUALIFICATION_TYPE_LABELS.other} at level ${q.level} ${cert}`;
  }
}

const SUBJECT_NAMES: Record<Subject, string> = { english: 'English', maths: 'maths' };

function flexibilityNote(apprentice: GatewayApprentice): string | null {
  const judgement = apprentice.flexibility;
  if (judgement === null) return null;
  const basis = FLEXIBILITY_BASIS_LABELS[judgement.basis];
  if (judgement.reference === null)
    return `A flexibility judgement (${basis}) is recorded without its evidence: record its date and reference, and Entry Level 3 or above will be enough.`;
  return `With the recorded flexibility judgement (${basis}, ${judgement.reference}), Entry Level 3 or above is enough.`;
}

/** The qualification requirement, as for an apprentice aged 16 to 18 at the start. */
function achievementCheck(
  subject: Subject,
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  on: string,
  context: string,
): CheckResult {
  const code: CheckCode = subject;
  const name = SUBJECT_NAMES[subject];
  const ofSubject = evidence.qualifications.filter((q) => q.subject === subject);
  const meeting = ofSubject.find((q) => qualificationCounts(q, subject, apprentice, on));
  const level = requiredEnglishMathsLevel(apprentice.standardLevel);
  if (meeting !== undefined) {
    const start = originalStart(apprentice);
    const youngAtStart = ageOn(apprentice.dateOfBirth, start) < ENGLISH_MATHS_OPTIONAL_AGE;
    // Level 2 standards: a 16–18 apprentice who already held level 1 at the start must also take level 2.
    const heldAtStart = Math.max(
      0,
      ...ofSubject.filter((q) => q.achievedOn <= start).map((q) => achievedLevel(q) ?? 0),
    );
    if (level === 1 && youngAtStart && heldAtStart === 1 && !ofSubject.some((q) => takenAt(q, subject, 2, on, start))) {
      return {
        code,
        status: 'unmet',
        reason: `Level 1 ${name} was already held at the start (${describeQualification(meeting)}), so the apprentice must also take the level 2 ${name} assessment during the apprenticeship, before the end-point assessment. Record its result (any grade).${context}`,
      };
    }
    return { code, status: 'met', reason: `Met by ${describeQualification(meeting)}.${context}` };
  }

  const gcse = level === 2 ? 'a GCSE at grade 4/C or above' : 'a GCSE at grade 1/G or above';
  const parts = [
    `No level ${level} ${name} evidence. Add ${gcse}, Functional Skills level ${level}, or an accepted equivalent.`,
  ];
  const flexibility = flexibilityNote(apprentice);
  if (flexibility !== null) parts.push(flexibility);
  if (subject === 'english' && apprentice.bslFirstLanguage)
    parts.push("As British Sign Language is the apprentice's first language, a BSL qualification can be used instead.");
  const future = ofSubject.filter((q) => day(q.achievedOn, 'achievement date') > day(on, 'evaluation date')).length;
  if (future > 0)
    parts.push(
      `${plural(future, 'qualification')} achieved after ${on} ${future === 1 ? 'does' : 'do'} not count yet.`,
    );
  return { code, status: 'unmet', reason: parts.join(' ') + context };
}

export function englishMathsCheck(
  subject: Subject,
  apprentice: GatewayApprentice,
  evidence: GatewayEvidence,
  on: string,
): CheckResult {
  const code: CheckCode = subject;
  const name = SUBJECT_NAMES[subject];
  const ageAtStart = ageOn(apprentice.dateOfBirth, originalStart(apprentice));
  const optional =
    ageAtStart >= ENGLISH_MATHS_OPTIONAL_AGE && day(on, 'evaluation date') >= ENGLISH_MATHS_OPTIONAL_FROM;
  if (!optional) return achievementCheck(subject, apprentice, evidence, on, '');

  const why = `English and maths are not required for apprentices aged 19 or over at the start since 11 February 2025 (aged ${ageAtStart} at the start)`;
  switch (apprentice.englishMathsChoice) {
    case null:
      return { code, status: 'not_applicable', reason: `${why}. Record whether the apprentice is studying them.` };
    case 'not_studying':
      return { code, status: 'not_applicable', reason: `${why}, and the apprentice is not studying them.` };
    case 'employer_requires':
      return achievementCheck(
        subject,
        apprentice,
        evidence,
        on,
        ' The employer requires English and maths to be achieved, so the qualification is needed.',
      );
    case 'studying': {
      const level = requiredEnglishMathsLevel(apprentice.standardLevel);
      const taken = evidence.qualifications.find((q) => takenAt(q, subject, level, on));
      if (taken !== undefined)
        return {
          code,
          status: 'met',
          reason: `The apprentice is studying ${name} and took the level ${level} assessment: ${taken.type === 'gcse' ? 'GCSE' : QUALIFICATION_TYPE_LABELS[taken.type]} grade ${taken.grade.trim()} on ${taken.achievedOn}. Achieving it is not required.`,
        };
      return {
        code,
        status: 'unmet',
        reason: `The apprentice is studying ${name}, so they must take the level ${level} ${name} assessment before gateway; achieving it is not required. Record its result (any grade), or record that they are not studying ${name}.`,
      };
    }
  }
}
