import fs from 'node:fs';
import { expect } from 'chai';
import type { Decision, SamplingRules } from '../../src/grading/rules.js';
import {
  DEFAULT_SAMPLING,
  addWorkingDays,
  appealDeadline,
  checkFurtherAttempt,
  decisionsFor,
  samplableKsbs,
  outcomeEffect,
  wholeAssessmentLimit,
  deriveMethodGrade,
  explainMethodGrade,
  isBoundaryCase,
  isWorkingDay,
  ksbCoverage,
  overallGrade,
  sampleReason,
  samplingDraw,
} from '../../src/grading/rules.js';
import type { Grade, PlanFile } from '../../src/plans/schema.js';
import { planFileSchema } from '../../src/plans/schema.js';
import { regraded } from '../support/plans.js';

// The demo plan (fixtures/plans/ST0815-1.0-demo.json) publishes these rules, which the
// expectations below are written from:
//   methods `project` and `discussion`; each criterion is `pass` or `distinction` level;
//   method grade: any pass criterion not met → Fail; all pass met → Pass; all distinction met too → Distinction;
//   combination table: any Fail → Fail; Distinction + Distinction → Distinction; otherwise Pass;
//   resit window 3 months, retake window 6 months; resit/retake cap Pass; maxAttempts null (no limit).
const demoPlan = (): PlanFile =>
  planFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')));
const PLAN = demoPlan();
const METHODS = ['project', 'discussion'] as const;

const criteriaOf = (methodId: string, level: 'pass' | 'distinction') =>
  PLAN.criteria.filter((c) => c.method === methodId && c.level === level).map((c) => c.id);

/**
 * A decision on every criterion of the method: met (with a note) unless `met` says otherwise;
 * a "not met" gets an evidence note unless `evidence` gives one (possibly blank).
 */
function decisions(
  methodId: string,
  met: Record<string, boolean | null> = {},
  evidence: Record<string, string> = {},
): Decision[] {
  return PLAN.criteria
    .filter((c) => c.method === methodId)
    .map((c) => {
      const verdict = Object.hasOwn(met, c.id) ? met[c.id]! : true;
      const note = Object.hasOwn(evidence, c.id)
        ? evidence[c.id]!
        : verdict === false
          ? `Not shown in the evidence for ${c.id}`
          : `Seen in the evidence for ${c.id}`;
      return { criterionId: c.id, met: verdict, evidence: note };
    });
}

describe('grading rules', () => {
  it('the demo plan has what these tests rely on', () => {
    expect(PLAN.methods.map((m) => m.id)).to.deep.equal([...METHODS]);
    expect(PLAN.methodGrades).to.deep.equal(['Fail', 'Pass', 'Distinction']);
    expect(PLAN.resit.windowMonths).to.equal(3);
    expect(PLAN.retake.windowMonths).to.equal(6);
    expect(PLAN.resitRetakeGradeCap).to.equal('Pass');
    expect(PLAN.maxAttempts).to.equal(null);
    for (const methodId of METHODS) {
      // At least two of each level, so "one not met" and "two not met" are different cases.
      expect(criteriaOf(methodId, 'pass').length, methodId).to.be.at.least(2);
      expect(criteriaOf(methodId, 'distinction').length, methodId).to.be.at.least(2);
    }
  });

  describe('explainMethodGrade', () => {
    const [p1, p2] = criteriaOf('project', 'pass') as [string, string];
    const [d1] = criteriaOf('project', 'distinction') as [string];
    const explain = (met: Record<string, boolean | null>, evidence: Record<string, string> = {}) =>
      explainMethodGrade(PLAN, 'project', decisions('project', met, evidence));

    it('names the pass criteria not met, and the Fail they give', () => {
      expect(explain({ [p1]: false })).to.deep.equal({ grade: 'Fail', why: `${p1} not met` });
      expect(explain({ [p1]: false, [p2]: false, [d1]: false })).to.deep.equal({
        grade: 'Fail',
        why: `${p1}, ${p2} not met`,
      });
    });

    it('names the distinction criteria not met when every pass criterion is', () => {
      expect(explain({ [d1]: false })).to.deep.equal({
        grade: 'Pass',
        why: `Every pass criterion met; ${d1} not met`,
      });
    });

    it('says every criterion is met for the top grade', () => {
      expect(explain({})).to.deep.equal({ grade: 'Distinction', why: 'Every criterion met' });
    });

    it('gives no grade while a criterion is undecided, or not met without its note, naming them', () => {
      expect(explain({ [p1]: null })).to.deep.equal({ grade: null, why: `1 criterion still to decide (${p1})` });
      expect(explain({ [p1]: null, [p2]: null, [d1]: false }, { [d1]: '  ' })).to.deep.equal({
        grade: null,
        why: `2 criteria still to decide (${p1}, ${p2}); ${d1} not met without the evidence note the apprentice is given`,
      });
    });
  });

  describe('deriveMethodGrade', () => {
    for (const methodId of METHODS) {
      describe(`method ${methodId}`, () => {
        const pass = criteriaOf(methodId, 'pass');
        const distinction = criteriaOf(methodId, 'distinction');

        it('every pass and every distinction criterion met → Distinction', () => {
          expect(deriveMethodGrade(PLAN, methodId, decisions(methodId))).to.deep.equal({
            complete: true,
            grade: 'Distinction',
          });
        });

        it('every pass criterion met, one distinction criterion not met (with evidence) → Pass', () => {
          for (const id of distinction) {
            expect(deriveMethodGrade(PLAN, methodId, decisions(methodId, { [id]: false })), id).to.deep.equal({
              complete: true,
              grade: 'Pass',
            });
          }
        });

        it('every pass criterion met, no distinction criterion met → Pass', () => {
          const none = Object.fromEntries(distinction.map((id) => [id, false]));
          expect(deriveMethodGrade(PLAN, methodId, decisions(methodId, none))).to.deep.equal({
            complete: true,
            grade: 'Pass',
          });
        });

        it('one pass criterion not met → Fail, even with every distinction criterion met', () => {
          for (const id of pass) {
            expect(deriveMethodGrade(PLAN, methodId, decisions(methodId, { [id]: false })), id).to.deep.equal({
              complete: true,
              grade: 'Fail',
            });
          }
        });

        it('an undecided criterion (null, or no decision at all) → incomplete, listing it', () => {
          const [firstPass] = pass;
          const [firstDistinction] = distinction;
          expect(deriveMethodGrade(PLAN, methodId, decisions(methodId, { [firstPass!]: null }))).to.deep.equal({
            complete: false,
            undecided: [firstPass],
            missingEvidence: [],
          });
          const withoutDistinction = decisions(methodId).filter((d) => d.criterionId !== firstDistinction);
          expect(deriveMethodGrade(PLAN, methodId, withoutDistinction)).to.deep.equal({
            complete: false,
            undecided: [firstDistinction],
            missingEvidence: [],
          });
          // A pass criterion not met does not make a draft with undecided criteria a Fail yet.
          expect(
            deriveMethodGrade(PLAN, methodId, decisions(methodId, { [pass[1]!]: false, [firstDistinction!]: null })),
          ).to.deep.equal({
            complete: false,
            undecided: [firstDistinction],
            missingEvidence: [],
          });
        });

        it('no decisions at all → incomplete, listing every criterion of the method', () => {
          const all = PLAN.criteria.filter((c) => c.method === methodId).map((c) => c.id);
          expect(deriveMethodGrade(PLAN, methodId, [])).to.deep.equal({
            complete: false,
            undecided: all,
            missingEvidence: [],
          });
        });

        it('a "not met" with a blank or whitespace-only evidence note → incomplete, listing it in missingEvidence', () => {
          const [p] = pass;
          const [d] = distinction;
          expect(deriveMethodGrade(PLAN, methodId, decisions(methodId, { [p!]: false }, { [p!]: '' }))).to.deep.equal({
            complete: false,
            undecided: [],
            missingEvidence: [p],
          });
          expect(
            deriveMethodGrade(PLAN, methodId, decisions(methodId, { [d!]: false }, { [d!]: '  \n\t ' })),
          ).to.deep.equal({ complete: false, undecided: [], missingEvidence: [d] });
          // A "met" needs no note; only a "not met" is feedback the apprentice must be given.
          expect(deriveMethodGrade(PLAN, methodId, decisions(methodId, {}, { [p!]: '' }))).to.deep.equal({
            complete: true,
            grade: 'Distinction',
          });
        });
      });
    }

    it('a plan whose method grades lack Distinction gives Pass when every criterion is met', () => {
      const plan = demoPlan();
      plan.methodGrades = ['Fail', 'Pass'];
      for (const methodId of METHODS) {
        expect(deriveMethodGrade(plan, methodId, decisions(methodId)), methodId).to.deep.equal({
          complete: true,
          grade: 'Pass',
        });
        expect(
          deriveMethodGrade(plan, methodId, decisions(methodId, { [criteriaOf(methodId, 'pass')[0]!]: false })),
          methodId,
        ).to.deep.equal({ complete: true, grade: 'Fail' });
      }
    });

    it('gives the plan’s own grades: its pass grade for the pass criteria, its highest for the distinction ones too', () => {
      const plan = regraded(demoPlan(), { Pass: 'Credit', Distinction: 'Pass with excellence' });
      for (const methodId of METHODS) {
        const [pass, distinction] = [criteriaOf(methodId, 'pass')[0]!, criteriaOf(methodId, 'distinction')[0]!];
        expect(deriveMethodGrade(plan, methodId, decisions(methodId)), methodId).to.deep.equal({
          complete: true,
          grade: 'Pass with excellence',
        });
        expect(deriveMethodGrade(plan, methodId, decisions(methodId, { [distinction]: false }))).to.deep.equal({
          complete: true,
          grade: 'Credit',
        });
        expect(deriveMethodGrade(plan, methodId, decisions(methodId, { [pass]: false }))).to.deep.equal({
          complete: true,
          grade: 'Fail',
        });
        // One distinction criterion short of the top grade is a boundary case under the plan's pass grade too.
        expect(isBoundaryCase(plan, methodId, decisions(methodId, { [distinction]: false }))).to.equal(true);
      }
    });

    it('a plan whose highest method grade is Merit gives Merit for the distinction criteria', () => {
      const plan = demoPlan();
      plan.methodGrades = ['Fail', 'Pass', 'Merit'];
      expect(deriveMethodGrade(plan, 'project', decisions('project'))).to.deep.equal({
        complete: true,
        grade: 'Merit',
      });
    });

    it('decisions on another method’s criteria do not count', () => {
      // Every project criterion decided, none of the discussion's: the discussion is all undecided.
      const result = deriveMethodGrade(PLAN, 'discussion', decisions('project'));
      expect(result.complete).to.equal(false);
      if (!result.complete)
        expect(result.undecided).to.deep.equal(PLAN.criteria.filter((c) => c.method === 'discussion').map((c) => c.id));
    });
  });

  describe('overallGrade and the combination table', () => {
    // The rule, written out for every pair of the demo plan's method grades:
    // any Fail → Fail; Distinction + Distinction → Distinction; otherwise Pass.
    const TABLE: [project: Grade, discussion: Grade, overall: Grade][] = [
      ['Fail', 'Fail', 'Fail'],
      ['Fail', 'Pass', 'Fail'],
      ['Fail', 'Distinction', 'Fail'],
      ['Pass', 'Fail', 'Fail'],
      ['Pass', 'Pass', 'Pass'],
      ['Pass', 'Distinction', 'Pass'],
      ['Distinction', 'Fail', 'Fail'],
      ['Distinction', 'Pass', 'Pass'],
      ['Distinction', 'Distinction', 'Distinction'],
    ];
    const FIRST = { isResitOrRetake: false, exceptionalCircumstances: false };

    it('the table above covers all 9 pairs of Fail/Pass/Distinction', () => {
      expect(new Set(TABLE.map(([p, d]) => `${p}/${d}`)).size).to.equal(9);
    });

    for (const [project, discussion, overall] of TABLE) {
      it(`project ${project} + discussion ${discussion} → ${overall}`, () => {
        expect(overallGrade(PLAN, { project, discussion }, FIRST)).to.deep.equal({
          combined: overall,
          grade: overall,
          capped: false,
        });
      });
    }

    it('a method without a grade → undefined', () => {
      expect(overallGrade(PLAN, { project: 'Distinction' }, FIRST)).to.equal(undefined);
      expect(overallGrade(PLAN, { discussion: 'Pass' }, FIRST)).to.equal(undefined);
      expect(overallGrade(PLAN, {}, FIRST)).to.equal(undefined);
    });

    describe('the resit/retake cap (Pass in the demo plan)', () => {
      const RESIT = { isResitOrRetake: true, exceptionalCircumstances: false };

      it('a resit or retake with Distinction + Distinction → Pass, combined Distinction, capped', () => {
        expect(overallGrade(PLAN, { project: 'Distinction', discussion: 'Distinction' }, RESIT)).to.deep.equal({
          combined: 'Distinction',
          grade: 'Pass',
          capped: true,
        });
      });

      it('with exceptional circumstances accepted → Distinction, not capped', () => {
        expect(
          overallGrade(
            PLAN,
            { project: 'Distinction', discussion: 'Distinction' },
            { isResitOrRetake: true, exceptionalCircumstances: true },
          ),
        ).to.deep.equal({
          combined: 'Distinction',
          grade: 'Distinction',
          capped: false,
        });
      });

      it('compares grades in the plan’s order, whatever their names', () => {
        // Outstanding above Distinction, capped at Distinction: the order is the plan's list.
        const plan = regraded(demoPlan(), { Pass: 'Distinction', Distinction: 'Outstanding' });
        expect(plan.resitRetakeGradeCap).to.equal('Distinction');
        expect(overallGrade(plan, { project: 'Outstanding', discussion: 'Outstanding' }, RESIT)).to.deep.equal({
          combined: 'Outstanding',
          grade: 'Distinction',
          capped: true,
        });
        expect(overallGrade(plan, { project: 'Outstanding', discussion: 'Distinction' }, RESIT)).to.deep.equal({
          combined: 'Distinction',
          grade: 'Distinction',
          capped: false,
        });
      });

      it('a first attempt is never capped', () => {
        for (const exceptionalCircumstances of [false, true]) {
          for (const [project, discussion, overall] of TABLE) {
            expect(
              overallGrade(PLAN, { project, discussion }, { isResitOrRetake: false, exceptionalCircumstances }),
            ).to.deep.equal({ combined: overall, grade: overall, capped: false });
          }
        }
      });

      it('a grade at or below the cap is unchanged and not capped: Pass stays Pass, Fail stays Fail', () => {
        expect(overallGrade(PLAN, { project: 'Pass', discussion: 'Distinction' }, RESIT)).to.deep.equal({
          combined: 'Pass',
          grade: 'Pass',
          capped: false,
        });
        expect(overallGrade(PLAN, { project: 'Distinction', discussion: 'Fail' }, RESIT)).to.deep.equal({
          combined: 'Fail',
          grade: 'Fail',
          capped: false,
        });
        expect(overallGrade(PLAN, { project: 'Fail', discussion: 'Fail' }, RESIT)).to.deep.equal({
          combined: 'Fail',
          grade: 'Fail',
          capped: false,
        });
      });
    });
  });

  describe('ksbCoverage', () => {
    const PR2 = PLAN.criteria.find((c) => c.id === 'PR2')!;

    it('a KSB whose mapped pass criteria are all met → evidenced (every KSB of each method)', () => {
      for (const methodId of METHODS) {
        const ksbs = PLAN.methods.find((m) => m.id === methodId)!.ksbs;
        expect(ksbCoverage(PLAN, methodId, decisions(methodId))).to.deep.equal(
          ksbs.map((ksb) => ({ ksb, role: 'core', state: 'evidenced' })),
        );
      }
    });

    it('PR2 (project, pass, maps to K2 only) not met → K2 a shortfall, every other project KSB evidenced', () => {
      expect(PR2.method).to.equal('project');
      expect(PR2.level).to.equal('pass');
      expect(PR2.ksbs).to.deep.equal(['K2']);
      // No other project pass criterion maps to K2 (PRD1 does, but it is a distinction criterion).
      expect(
        PLAN.criteria
          .filter((c) => c.method === 'project' && c.level === 'pass' && c.ksbs.includes('K2'))
          .map((c) => c.id),
      ).to.deep.equal(['PR2']);
      const coverage = ksbCoverage(PLAN, 'project', decisions('project', { PR2: false }));
      const projectKsbs = PLAN.methods.find((m) => m.id === 'project')!.ksbs;
      expect(coverage).to.deep.equal(
        projectKsbs.map((ksb) => ({ ksb, role: 'core', state: ksb === 'K2' ? 'shortfall' : 'evidenced' })),
      );
    });

    it('PR2 undecided → K2 not yet decided, the others evidenced', () => {
      const coverage = ksbCoverage(PLAN, 'project', decisions('project', { PR2: null }));
      expect(coverage.find((k) => k.ksb === 'K2')).to.deep.equal({ ksb: 'K2', role: 'core', state: 'not_yet' });
      expect(coverage.filter((k) => k.ksb !== 'K2').every((k) => k.state === 'evidenced')).to.equal(true);
    });

    it('a distinction criterion not met is no shortfall: PRD1 (K2, K4, S4, S7) not met leaves them evidenced', () => {
      expect(PLAN.criteria.find((c) => c.id === 'PRD1')!.ksbs).to.deep.equal(['K2', 'K4', 'S4', 'S7']);
      const coverage = ksbCoverage(PLAN, 'project', decisions('project', { PRD1: false }));
      expect(coverage.every((k) => k.state === 'evidenced')).to.equal(true);
    });

    it('a KSB mapped by two pass criteria: S6 in the project (PR10 → K6, S6; PR11 → S6)', () => {
      expect(PLAN.criteria.find((c) => c.id === 'PR10')!.ksbs).to.deep.equal(['K6', 'S6']);
      expect(PLAN.criteria.find((c) => c.id === 'PR11')!.ksbs).to.deep.equal(['S6']);
      const state = (met: Record<string, boolean | null>, ksb: string) =>
        ksbCoverage(PLAN, 'project', decisions('project', met)).find((k) => k.ksb === ksb)?.state;
      // PR10 met, PR11 undecided: S6 is not yet decided, but K6 (PR10 only) is evidenced.
      expect(state({ PR11: null }, 'S6')).to.equal('not_yet');
      expect(state({ PR11: null }, 'K6')).to.equal('evidenced');
      // One of the two not met, the other undecided: already a shortfall.
      expect(state({ PR10: false, PR11: null }, 'S6')).to.equal('shortfall');
      expect(state({ PR10: false, PR11: null }, 'K6')).to.equal('shortfall');
      // PR11 not met, PR10 met: S6 a shortfall, K6 evidenced.
      expect(state({ PR11: false }, 'S6')).to.equal('shortfall');
      expect(state({ PR11: false }, 'K6')).to.equal('evidenced');
    });

    it('K2 in the discussion is mapped by PD2 (K2, S1): PD2 not met → K2 and S1 shortfalls, the project’s PR2 irrelevant', () => {
      expect(PLAN.criteria.find((c) => c.id === 'PD2')!.ksbs).to.deep.equal(['K2', 'S1']);
      const discussionKsbs = PLAN.methods.find((m) => m.id === 'discussion')!.ksbs;
      const coverage = ksbCoverage(PLAN, 'discussion', [
        ...decisions('discussion', { PD2: false }),
        ...decisions('project', { PR2: true }),
      ]);
      expect(coverage).to.deep.equal(
        discussionKsbs.map((ksb) => ({
          ksb,
          role: 'core',
          state: ksb === 'K2' || ksb === 'S1' ? 'shortfall' : 'evidenced',
        })),
      );
    });

    it('no decisions → every KSB of the method not yet decided', () => {
      const ksbs = PLAN.methods.find((m) => m.id === 'discussion')!.ksbs;
      expect(ksbCoverage(PLAN, 'discussion', [])).to.deep.equal(
        ksbs.map((ksb) => ({ ksb, role: 'core', state: 'not_yet' })),
      );
    });
  });

  describe('isBoundaryCase', () => {
    for (const methodId of METHODS) {
      const [p1, p2] = criteriaOf(methodId, 'pass');
      const [d1, d2] = criteriaOf(methodId, 'distinction');

      it(`${methodId}: Fail with exactly one pass criterion not met → true`, () => {
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId, { [p1!]: false }))).to.equal(true);
        // A distinction criterion not met as well does not change the count of pass criteria.
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId, { [p1!]: false, [d1!]: false }))).to.equal(true);
      });

      it(`${methodId}: Fail with two pass criteria not met → false`, () => {
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId, { [p1!]: false, [p2!]: false }))).to.equal(false);
      });

      it(`${methodId}: Pass with exactly one distinction criterion not met → true; with two → false`, () => {
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId, { [d1!]: false }))).to.equal(true);
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId, { [d1!]: false, [d2!]: false }))).to.equal(false);
      });

      it(`${methodId}: Distinction → false; incomplete → false`, () => {
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId))).to.equal(false);
        expect(isBoundaryCase(PLAN, methodId, decisions(methodId, { [p1!]: false, [p2!]: null }))).to.equal(false);
      });
    }
  });

  describe('sampled KSBs (reformed plans)', () => {
    const reformed = planFileSchema.parse(
      JSON.parse(fs.readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8')),
    );

    it('lets a method sample the sampled KSBs its criteria map; an EPA plan samples none', () => {
      expect(samplableKsbs(reformed, 'project')).to.deep.equal(['K11', 'S16']);
      expect(samplableKsbs(reformed, 'discussion')).to.deep.equal(['K12', 'K13', 'K14', 'S15', 'S17']);
      expect(samplableKsbs(PLAN, 'project')).to.deep.equal([]);
    });

    it('shows core KSBs as before and sampled ones outside the sample as not sampled', () => {
      const all = reformed.criteria
        .filter((c) => c.method === 'project')
        .map((c) => ({ criterionId: c.id, met: true, evidence: '' }));
      const coverage = ksbCoverage(reformed, 'project', all, ['K11']);
      expect(coverage.filter((k) => k.role === 'sampled')).to.deep.equal([
        { ksb: 'K11', role: 'sampled', state: 'evidenced' },
        { ksb: 'S16', role: 'sampled', state: 'not_sampled' },
      ]);
      expect(coverage.filter((k) => k.role === 'core').every((k) => k.state === 'evidenced')).to.equal(true);
      expect(coverage.some((k) => k.ksb.startsWith('B'))).to.equal(false);
    });
  });

  describe('no-shows and malpractice', () => {
    it('lets a no-show be a Fail or void, and malpractice a Fail, void or withheld; nothing else needs a decision', () => {
      expect(decisionsFor('did_not_attend')).to.deep.equal(['fail', 'void']);
      expect(decisionsFor('malpractice')).to.deep.equal(['fail', 'void', 'withheld']);
      expect(decisionsFor('graded')).to.deep.equal([]);
      expect(decisionsFor('withdrawn')).to.deep.equal([]);
    });

    it('counts a no-show as a Fail until it is voided, and withholds malpractice until it is decided', () => {
      expect(outcomeEffect('did_not_attend', null)).to.deep.equal({ counts: true, withheld: false });
      expect(outcomeEffect('did_not_attend', 'fail')).to.deep.equal({ counts: true, withheld: false });
      expect(outcomeEffect('did_not_attend', 'void')).to.deep.equal({ counts: false, withheld: false });
      expect(outcomeEffect('malpractice', null)).to.deep.equal({ counts: true, withheld: true });
      expect(outcomeEffect('malpractice', 'withheld')).to.deep.equal({ counts: true, withheld: true });
      expect(outcomeEffect('malpractice', 'fail')).to.deep.equal({ counts: true, withheld: false });
      expect(outcomeEffect('malpractice', 'void')).to.deep.equal({ counts: false, withheld: false });
      expect(outcomeEffect('graded', null)).to.deep.equal({ counts: true, withheld: false });
    });
  });

  describe('wholeAssessmentLimit', () => {
    it('applies only when the plan sets one, and ends on the last day of the months, inclusive', () => {
      expect(wholeAssessmentLimit({ wholeAssessmentMonths: null }, '2026-01-31', '2030-01-01')).to.equal(null);
      // 2026-01-31 + 6 months = 2026-07-31.
      expect(wholeAssessmentLimit({ wholeAssessmentMonths: 6 }, '2026-01-31', '2026-07-31')).to.deep.equal({
        lastDay: '2026-07-31',
        passed: false,
      });
      expect(wholeAssessmentLimit({ wholeAssessmentMonths: 6 }, '2026-01-31', '2026-08-01')).to.deep.equal({
        lastDay: '2026-07-31',
        passed: true,
      });
      // 2025-08-31 + 6 months: no 31 February, so the last day of February.
      expect(wholeAssessmentLimit({ wholeAssessmentMonths: 6 }, '2025-08-31', '2026-03-01')?.lastDay).to.equal(
        '2026-02-28',
      );
    });
  });

  describe('checkFurtherAttempt', () => {
    const fail = (releasedOn: string, number = 1) => ({ number, grade: 'Fail' as const, releasedOn });

    it('refuses after a Pass or a Distinction: no resit or retake to improve a pass', () => {
      for (const grade of ['Pass', 'Distinction'] as const) {
        for (const kind of ['resit', 'retake'] as const) {
          const result = checkFurtherAttempt(
            PLAN,
            { number: 1, grade, releasedOn: '2026-06-01' },
            kind,
            '2026-06-02',
            null,
          );
          expect(result.ok, `${grade} ${kind}`).to.equal(false);
          if (!result.ok) expect(result.message).to.include('no resit or retake to improve a pass');
        }
      }
    });

    it('refuses after a withdrawal', () => {
      const result = checkFurtherAttempt(
        PLAN,
        { number: 1, grade: 'Withdrawn', releasedOn: '2026-06-01' },
        'resit',
        '2026-06-02',
        null,
      );
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.message).to.include('withdrew');
    });

    it('after a Fail, a resit may start until the release date + 3 months, inclusive, at a month end', () => {
      // 2022-11-30 + 3 months = "2023-02-30", which does not exist; 2023 is not a leap year → 2023-02-28.
      expect(checkFurtherAttempt(PLAN, fail('2022-11-30'), 'resit', '2022-11-30', null)).to.deep.equal({
        ok: true,
        deadline: '2023-02-28',
      });
      expect(checkFurtherAttempt(PLAN, fail('2022-11-30'), 'resit', '2023-02-28', null)).to.deep.equal({
        ok: true,
        deadline: '2023-02-28',
      });
      const late = checkFurtherAttempt(PLAN, fail('2022-11-30'), 'resit', '2023-03-01', null);
      expect(late.ok).to.equal(false);
      if (!late.ok) expect(late.message).to.include('2023-02-28');
    });

    it('a resit deadline in a leap year, and from the 31st to a 30-day month', () => {
      // 2023-11-30 + 3 months → February 2024, a leap year → 2024-02-29; refused on 1 March.
      expect(checkFurtherAttempt(PLAN, fail('2023-11-30'), 'resit', '2024-02-29', null)).to.deep.equal({
        ok: true,
        deadline: '2024-02-29',
      });
      expect(checkFurtherAttempt(PLAN, fail('2023-11-30'), 'resit', '2024-03-01', null).ok).to.equal(false);
      // 2022-08-31 + 3 months → November has 30 days → 2022-11-30; refused on 1 December.
      expect(checkFurtherAttempt(PLAN, fail('2022-08-31'), 'resit', '2022-11-30', null)).to.deep.equal({
        ok: true,
        deadline: '2022-11-30',
      });
      expect(checkFurtherAttempt(PLAN, fail('2022-08-31'), 'resit', '2022-12-01', null).ok).to.equal(false);
    });

    it('a retake may start until the result date + 6 months, inclusive', () => {
      // 2022-11-30 + 6 months = 2023-05-30 (May has 31 days, so no clamping).
      expect(checkFurtherAttempt(PLAN, fail('2022-11-30'), 'retake', '2023-05-30', null)).to.deep.equal({
        ok: true,
        deadline: '2023-05-30',
      });
      expect(checkFurtherAttempt(PLAN, fail('2022-11-30'), 'retake', '2023-05-31', null).ok).to.equal(false);
      // 2022-08-31 + 6 months → February 2023 → 2023-02-28; a resit of the same result is already refused then.
      expect(checkFurtherAttempt(PLAN, fail('2022-08-31'), 'retake', '2023-02-28', null)).to.deep.equal({
        ok: true,
        deadline: '2023-02-28',
      });
      expect(checkFurtherAttempt(PLAN, fail('2022-08-31'), 'resit', '2023-02-28', null).ok).to.equal(false);
    });

    it('the EPAO’s maximum of 2 attempts: refused after the second, allowed after the first', () => {
      const refused = checkFurtherAttempt(PLAN, fail('2022-11-30', 2), 'resit', '2022-12-01', 2);
      expect(refused.ok).to.equal(false);
      if (!refused.ok) expect(refused.message).to.include('2 attempts');
      expect(checkFurtherAttempt(PLAN, fail('2022-11-30', 1), 'resit', '2022-12-01', 2)).to.deep.equal({
        ok: true,
        deadline: '2023-02-28',
      });
    });

    it('the plan’s own maximum applies when the EPAO sets none; the demo plan has no maximum', () => {
      const plan = demoPlan();
      plan.maxAttempts = 2;
      expect(checkFurtherAttempt(plan, fail('2022-11-30', 2), 'retake', '2022-12-01', null).ok).to.equal(false);
      expect(checkFurtherAttempt(plan, fail('2022-11-30', 1), 'retake', '2022-12-01', null)).to.deep.equal({
        ok: true,
        deadline: '2023-05-30',
      });
      expect(checkFurtherAttempt(PLAN, fail('2022-11-30', 9), 'retake', '2022-12-01', null)).to.deep.equal({
        ok: true,
        deadline: '2023-05-30',
      });
    });

    it('when both the EPAO and the plan set a maximum, the stricter holds', () => {
      const plan = demoPlan();
      plan.maxAttempts = 2;
      // The EPAO allows 3 but the plan 2: a third attempt is refused.
      expect(checkFurtherAttempt(plan, fail('2022-11-30', 2), 'resit', '2022-12-01', 3).ok).to.equal(false);
      // The plan allows 2 but the EPAO 1: a second attempt is refused.
      expect(checkFurtherAttempt(plan, fail('2022-11-30', 1), 'resit', '2022-12-01', 1).ok).to.equal(false);
    });
  });

  describe('quality-assurance sampling', () => {
    const SEED = 'epao-42-sampling-seed';
    const rules = (overrides: Partial<SamplingRules> = {}): SamplingRules => ({
      ...DEFAULT_SAMPLING,
      seed: SEED,
      ...overrides,
    });
    const grading = (
      overrides: Partial<{ id: number; grade: Grade | null; boundary: boolean; priorGradings: number }> = {},
    ) => ({
      id: 1,
      grade: 'Pass' as Grade | null,
      boundary: false,
      priorGradings: 10,
      ...overrides,
    });

    it('the defaults: first 5, fails, boundary cases, 10% at random', () => {
      expect(DEFAULT_SAMPLING).to.deep.equal({ firstN: 5, sampleFails: true, sampleBoundary: true, randomPercent: 10 });
    });

    it('an assessor’s first 5 gradings (0 to 4 before) are always sampled as first_assessments; the 6th is not', () => {
      const noRandom = rules({ randomPercent: 0 });
      for (let prior = 0; prior <= 4; prior++) {
        for (const grade of ['Pass', 'Distinction', 'Fail', null] as const) {
          expect(
            sampleReason(noRandom, grading({ priorGradings: prior, grade, boundary: true })),
            `prior ${prior}, ${grade}`,
          ).to.equal('first_assessments');
        }
      }
      expect(sampleReason(noRandom, grading({ priorGradings: 5 }))).to.equal(null);
      expect(sampleReason(rules({ randomPercent: 0, firstN: 0 }), grading({ priorGradings: 0 }))).to.equal(null);
    });

    it('after the first N: a Fail → fail (if fails are sampled), a boundary case → boundary', () => {
      const noRandom = rules({ randomPercent: 0 });
      expect(sampleReason(noRandom, grading({ grade: 'Fail' }))).to.equal('fail');
      expect(sampleReason(noRandom, grading({ grade: 'Fail', boundary: true }))).to.equal('fail');
      expect(sampleReason(noRandom, grading({ grade: 'Pass', boundary: true }))).to.equal('boundary');
      expect(
        sampleReason(rules({ randomPercent: 0, sampleFails: false }), grading({ grade: 'Fail', boundary: true })),
      ).to.equal('boundary');
      expect(sampleReason(rules({ randomPercent: 0, sampleFails: false }), grading({ grade: 'Fail' }))).to.equal(null);
      expect(sampleReason(rules({ randomPercent: 0, sampleBoundary: false }), grading({ boundary: true }))).to.equal(
        null,
      );
    });

    it('samplingDraw is reproducible: the same seed and id give the same value, in [0, 100)', () => {
      for (let id = 1; id <= 1000; id++) {
        const draw = samplingDraw(SEED, id);
        expect(draw).to.equal(samplingDraw(SEED, id));
        expect(draw).to.be.at.least(0);
        expect(draw).to.be.below(100);
      }
    });

    it('a different seed or a different id generally draws differently', () => {
      let sameAcrossSeeds = 0;
      const values = new Set<number>();
      for (let id = 1; id <= 200; id++) {
        if (samplingDraw(SEED, id) === samplingDraw('another-epao-seed', id)) sameAcrossSeeds++;
        values.add(samplingDraw(SEED, id));
      }
      expect(sameAcrossSeeds).to.be.at.most(2);
      expect(values.size).to.be.at.least(198);
    });

    it('the random draw: sampled exactly when the draw is below randomPercent', () => {
      for (let id = 1; id <= 500; id++) {
        const expected = samplingDraw(SEED, id) < 10 ? 'random' : null;
        expect(sampleReason(rules(), grading({ id })), `id ${id}`).to.equal(expected);
      }
    });

    it('over 10,000 gradings, randomPercent 10 samples 10% ± 1 percentage point', () => {
      let drawn = 0;
      for (let id = 1; id <= 10_000; id++) if (sampleReason(rules(), grading({ id })) === 'random') drawn++;
      expect(drawn).to.be.within(900, 1100);
    });

    it('randomPercent 0 never samples at random; 100 always does', () => {
      for (let id = 1; id <= 2000; id++) {
        expect(sampleReason(rules({ randomPercent: 0 }), grading({ id }))).to.equal(null);
        expect(sampleReason(rules({ randomPercent: 100 }), grading({ id }))).to.equal('random');
      }
    });
  });

  describe('working days in England and Wales', () => {
    it('isWorkingDay: weekends and bank holidays are not working days', () => {
      expect(isWorkingDay('2020-12-19')).to.equal(false); // Saturday
      expect(isWorkingDay('2020-12-20')).to.equal(false); // Sunday
      expect(isWorkingDay('2020-12-25')).to.equal(false); // Christmas Day, a Friday
      expect(isWorkingDay('2020-12-28')).to.equal(false); // Monday, substitute for Boxing Day (Saturday 26th)
      expect(isWorkingDay('2021-01-01')).to.equal(false); // New Year's Day, a Friday
      expect(isWorkingDay('2021-04-02')).to.equal(false); // Good Friday
      expect(isWorkingDay('2021-04-05')).to.equal(false); // Easter Monday
      expect(isWorkingDay('2021-12-27')).to.equal(false); // Monday, substitute for Christmas Day (Saturday 25th)
      expect(isWorkingDay('2021-12-28')).to.equal(false); // Tuesday, substitute for Boxing Day (Sunday 26th)
    });

    it('isWorkingDay: ordinary weekdays are, Christmas Eve and New Year’s Eve included', () => {
      expect(isWorkingDay('2021-04-06')).to.equal(true); // Tuesday after Easter Monday
      expect(isWorkingDay('2020-12-24')).to.equal(true); // Thursday, Christmas Eve is no bank holiday
      expect(isWorkingDay('2020-12-31')).to.equal(true); // Thursday
      expect(isWorkingDay('2020-12-18')).to.equal(true); // Friday
    });

    it('15 working days from Friday 2020-12-18 across Christmas → Wednesday 2021-01-13', () => {
      // The release day itself is not counted.
      // Mon 21 Dec (1), Tue 22 (2), Wed 23 (3), Thu 24 (4); Fri 25 Christmas; Sat 26, Sun 27;
      // Mon 28 Boxing Day substitute; Tue 29 (5), Wed 30 (6), Thu 31 (7); Fri 1 Jan New Year;
      // Sat 2, Sun 3; Mon 4 (8), Tue 5 (9), Wed 6 (10), Thu 7 (11), Fri 8 (12); Mon 11 (13),
      // Tue 12 (14), Wed 13 (15).
      expect(addWorkingDays('2020-12-18', 15)).to.equal('2021-01-13');
      expect(appealDeadline('2020-12-18', 15)).to.equal('2021-01-13');
    });

    it('across Easter 2021 (Good Friday 2 April, Easter Monday 5 April)', () => {
      // From Thursday 2021-04-01, 5 working days: Fri 2 and Mon 5 are bank holidays;
      // Tue 6 (1), Wed 7 (2), Thu 8 (3), Fri 9 (4), Mon 12 (5).
      expect(addWorkingDays('2021-04-01', 5)).to.equal('2021-04-12');
      // From Monday 2021-03-29, 10 working days: Tue 30 (1), Wed 31 (2), Thu 1 Apr (3); Fri 2 and
      // Mon 5 skipped; Tue 6 (4), Wed 7 (5), Thu 8 (6), Fri 9 (7), Mon 12 (8), Tue 13 (9), Wed 14 (10).
      expect(appealDeadline('2021-03-29', 10)).to.equal('2021-04-14');
    });

    it('from a weekend or bank holiday, and zero days', () => {
      // Released Saturday 2020-12-19: Mon 21 (1), Tue 22 (2).
      expect(addWorkingDays('2020-12-19', 2)).to.equal('2020-12-22');
      // Released on Good Friday 2021-04-02: Mon 5 skipped, Tue 6 (1).
      expect(addWorkingDays('2021-04-02', 1)).to.equal('2021-04-06');
      expect(addWorkingDays('2020-12-18', 0)).to.equal('2020-12-18');
      // An ordinary week: Monday 2026-06-01 + 5 → Monday 2026-06-08.
      expect(addWorkingDays('2026-06-01', 5)).to.equal('2026-06-08');
    });
  });
});
