import type { Criterion, Grade, PlanFile } from './schema.js';

/**
 * A plan's grade order. Each plan lists the grades it gives, for methods and overall, from lowest to
 * highest with Fail first ("methodGrades": ["Fail", "Pass", "Distinction"]); that list is the only
 * order there is, so a plan may use any of the apprenticeship service's grades (Pass, Credit, Merit,
 * Distinction, Pass with excellence, Outstanding, No grade awarded) and the platform compares them
 * as the plan says.
 */

type Grades = readonly Grade[];

/** The lowest passing grade: what meeting every pass criterion gives. */
export function passGrade(grades: Grades): Grade | undefined {
  return grades[1];
}

/** The highest grade: what meeting every distinction criterion as well gives, when it is above the pass grade. */
export function topGrade(grades: Grades): Grade | undefined {
  return grades.at(-1);
}

/** What meeting every criterion of a level gives, in the plan's words: its pass grade, or its highest method grade. */
export function criterionLevelGrade(plan: Pick<PlanFile, 'methodGrades'>, level: Criterion['level']): Grade {
  return level === 'pass' ? passGrade(plan.methodGrades)! : topGrade(plan.methodGrades)!;
}

/** Both levels' grades, for the pages that explain the rule. */
export function levelGrades(plan: Pick<PlanFile, 'methodGrades'>): Record<Criterion['level'], Grade> {
  return { pass: criterionLevelGrade(plan, 'pass'), distinction: criterionLevelGrade(plan, 'distinction') };
}

/** Whether `grade` is above `than` in the plan's order (a grade the plan does not list is below every grade it does). */
export function isAbove(grades: Grades, grade: Grade, than: Grade): boolean {
  return grades.indexOf(grade) > grades.indexOf(than);
}

/** The problems with a plan's grade lists beyond their shape: Fail first, and "No grade awarded" only as a plan's one passing grade. */
export function gradeListProblems(plan: Pick<PlanFile, 'methodGrades' | 'overallGrades'>) {
  const problems: { path: string; message: string }[] = [];
  for (const key of ['methodGrades', 'overallGrades'] as const) {
    const grades = plan[key];
    if (grades[0] !== 'Fail')
      problems.push({ path: `${key}[0]`, message: 'List the grades from lowest to highest, starting with Fail' });
    const ungraded = grades.indexOf('No grade awarded');
    if (ungraded >= 0 && grades.length > 2)
      problems.push({
        path: `${key}[${ungraded}]`,
        message: '"No grade awarded" is the one passing grade of a standard that is not graded: list only Fail with it',
      });
  }
  return problems;
}
