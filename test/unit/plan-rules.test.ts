import fs from 'node:fs';
import { expect } from 'chai';
import { allGradeCombinations, checkPlan, combineGrades, ksbRole } from '../../src/plans/rules.js';
import { ksbCoverage } from '../../src/plans/presentation.js';
import { parsePlanShape } from '../../src/plans/parse.js';
import type { PlanFile } from '../../src/plans/schema.js';
import { standardFileSchema } from '../../src/standards/schema.js';
import { regraded } from '../support/plans.js';

const standard = standardFileSchema.parse(JSON.parse(fs.readFileSync('fixtures/standards/ST0815-1.0.json', 'utf8')));
const CODES = standard.ksbs.map((k) => k.code);
const demoJson = () =>
  JSON.parse(fs.readFileSync('fixtures/plans/ST0815-1.0-demo.json', 'utf8')) as Record<string, unknown>;
const demoPlan = (): PlanFile => {
  const parsed = parsePlanShape(demoJson());
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
};

const reformedPlan = (): PlanFile => {
  const parsed = parsePlanShape(
    JSON.parse(fs.readFileSync('fixtures/plans/reformed/ST0815-1.0-reformed-demo.json', 'utf8')),
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
};

describe('assessment plan validation', () => {
  it('accepts the demo plan, which assesses every KSB of ST0815', () => {
    expect(checkPlan(demoPlan(), CODES)).to.deep.equal([]);
  });

  it('reports a wrong shape with the place in the file', () => {
    const json = demoJson();
    (json.methods as { durationMinutes: unknown }[])[1]!.durationMinutes = 'an hour';
    const result = parsePlanShape(json);
    expect(result.ok).to.equal(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).to.include('methods[1].durationMinutes');
  });

  it('names unknown KSB codes where they appear', () => {
    const plan = demoPlan();
    plan.methods[0]!.ksbs.push('K99');
    plan.criteria[0]!.ksbs.push('S42');
    const problems = checkPlan(plan, CODES);
    expect(problems).to.deep.include({
      path: `methods[0].ksbs[${plan.methods[0]!.ksbs.length - 1}]`,
      message: 'Unknown KSB code "K99": ST0815 v1.0 has no such KSB',
    });
    expect(
      problems.some(
        (p) => p.path === `criteria[0].ksbs[${plan.criteria[0]!.ksbs.length - 1}]` && p.message.includes('"S42"'),
      ),
    ).to.equal(true);
  });

  it('names a KSB of the standard that no method assesses', () => {
    const plan = demoPlan();
    for (const method of plan.methods) method.ksbs = method.ksbs.filter((c) => c !== 'K14');
    for (const criterion of plan.criteria) criterion.ksbs = criterion.ksbs.filter((c) => c !== 'K14');
    plan.criteria = plan.criteria.filter((c) => c.ksbs.length > 0);
    expect(checkPlan(plan, CODES)).to.deep.equal([
      { path: 'methods', message: 'KSB K14 of ST0815 v1.0 is assessed by no method' },
    ]);
  });

  it('reports duplicate criterion ids with both places', () => {
    const plan = demoPlan();
    plan.criteria[3]!.id = plan.criteria[0]!.id;
    expect(checkPlan(plan, CODES)).to.deep.include({
      path: 'criteria[3].id',
      message: `Duplicate criterion id "${plan.criteria[0]!.id}" (first used at criteria[0].id)`,
    });
  });

  it('reports a combination table that misses a combination', () => {
    const plan = demoPlan();
    const removed = plan.combination.splice(4, 1)[0]!;
    const problems = checkPlan(plan, CODES);
    expect(problems).to.have.length(1);
    expect(problems[0]!.path).to.equal('combination');
    expect(problems[0]!.message).to.equal(
      `Missing combination: project=${removed.methods.project}, discussion=${removed.methods.discussion}`,
    );
  });

  it('reports a combination given twice', () => {
    const plan = demoPlan();
    plan.combination.push({ ...plan.combination[2]!, overall: 'Distinction' });
    expect(checkPlan(plan, CODES)).to.deep.equal([
      {
        path: 'combination[9]',
        message: `Combination project=${plan.combination[2]!.methods.project}, discussion=${plan.combination[2]!.methods.discussion} appears twice (also at combination[2])`,
      },
    ]);
  });

  it('reports combination rows naming unknown methods or grades outside the plan', () => {
    const plan = demoPlan();
    plan.combination[0] = { methods: { project: 'Merit', portfolio: 'Pass' }, overall: 'Pass' };
    const paths = checkPlan(plan, CODES).map((p) => p.path);
    expect(paths).to.include.members([
      'combination[0].methods.project',
      'combination[0].methods.portfolio',
      'combination[0].methods',
      'combination',
    ]);
  });

  it('reports criteria of unknown methods and KSBs a method assesses without a pass criterion', () => {
    const plan = demoPlan();
    plan.criteria[0]!.method = 'observation';
    const problems = checkPlan(plan, CODES);
    expect(problems).to.deep.include({ path: 'criteria[0].method', message: 'Unknown method "observation"' });
    expect(
      problems.some((p) => p.path.startsWith('methods[0].ksbs') && p.message.includes('no pass criterion')),
    ).to.equal(true);
  });
});

describe('a plan for one option', () => {
  // ST0815 has no options; here it is given two, as test data: one without K1, and one with every KSB.
  const OPTIONS = [
    { title: 'Without K1 (test data)', ksbs: CODES.filter((c) => c !== 'K1') },
    { title: 'Everything (test data)', ksbs: CODES },
  ];
  /** The demo plan with K1 assessed nowhere. */
  const withoutK1 = (): PlanFile => {
    const plan = demoPlan();
    return {
      ...plan,
      methods: plan.methods.map((m) => ({ ...m, ksbs: m.ksbs.filter((k) => k !== 'K1') })),
      criteria: plan.criteria.map((c) => ({ ...c, ksbs: c.ksbs.filter((k) => k !== 'K1') })),
    };
  };

  it('covers the KSBs of its option (the core duties’ and its own), not every KSB of the version', () => {
    expect(checkPlan(withoutK1(), CODES, OPTIONS)).to.deep.include({
      path: 'methods',
      message: 'KSB K1 of ST0815 v1.0 is assessed by no method',
    });
    expect(checkPlan({ ...withoutK1(), option: 'Without K1 (test data)' }, CODES, OPTIONS)).to.deep.equal([]);
    expect(checkPlan({ ...withoutK1(), option: 'Everything (test data)' }, CODES, OPTIONS)).to.deep.equal([
      { path: 'methods', message: 'KSB K1 of ST0815 v1.0 (option "Everything (test data)") is assessed by no method' },
    ]);
  });

  it('names an option the version has, and none on a version without options', () => {
    expect(checkPlan({ ...demoPlan(), option: 'Boats' }, CODES, OPTIONS)).to.deep.equal([
      {
        path: 'option',
        message: 'ST0815 v1.0 has no option "Boats": it has "Without K1 (test data)", "Everything (test data)"',
      },
    ]);
    expect(checkPlan({ ...demoPlan(), option: 'Boats' }, CODES)).to.deep.equal([
      {
        path: 'option',
        message: 'ST0815 v1.0 has no options: a plan for it assesses every KSB, so leave the option out',
      },
    ]);
  });
});

describe('combining method grades', () => {
  it('lists every combination of grades', () => {
    expect(allGradeCombinations(['a', 'b'], ['Fail', 'Pass', 'Distinction'])).to.have.length(9);
    expect(allGradeCombinations(['a', 'b', 'c'], ['Fail', 'Pass'])).to.have.length(8);
  });

  it('applies the demo plan: any Fail gives Fail, Distinction + Distinction gives Distinction, otherwise Pass', () => {
    const plan = demoPlan();
    for (const combo of allGradeCombinations(['project', 'discussion'], ['Fail', 'Pass', 'Distinction'])) {
      const grades = Object.values(combo);
      const expected = grades.includes('Fail')
        ? 'Fail'
        : grades.every((g) => g === 'Distinction')
          ? 'Distinction'
          : 'Pass';
      expect(combineGrades(plan, combo), JSON.stringify(combo)).to.equal(expected);
    }
  });
});

describe('assessment plan validation: ids, order rules and grades', () => {
  it('reports duplicate method and gateway item ids', () => {
    const plan = demoPlan();
    plan.gatewayItems.push({ ...plan.gatewayItems[0]! });
    const problems = checkPlan(plan, CODES);
    expect(problems).to.deep.include({
      path: `gatewayItems[${plan.gatewayItems.length - 1}].id`,
      message: `Duplicate gateway item id "${plan.gatewayItems[0]!.id}" (first used at gatewayItems[0].id)`,
    });
    const twice = demoPlan();
    twice.methods[1]!.id = twice.methods[0]!.id;
    expect(checkPlan(twice, CODES).map((p) => p.path)).to.include('methods[1].id');
  });

  it('reports a criterion mapped to a KSB its method does not assess', () => {
    const plan = demoPlan();
    const foreign = plan.methods[1]!.ksbs.find((k) => !plan.methods[0]!.ksbs.includes(k))!;
    const index = plan.criteria.findIndex((c) => c.method === plan.methods[0]!.id);
    plan.criteria[index]!.ksbs.push(foreign);
    expect(checkPlan(plan, CODES)).to.deep.include({
      path: `criteria[${index}].ksbs[${plan.criteria[index]!.ksbs.length - 1}]`,
      message: `KSB ${foreign} is not assessed by method "${plan.methods[0]!.id}"`,
    });
  });

  it('reports order rules naming unknown methods, a method itself, or going round in a circle', () => {
    const plan = demoPlan();
    plan.methods[0]!.after = [{ method: 'observation', minDaysBetween: 0 }];
    plan.methods[1]!.after = [{ method: plan.methods[1]!.id, minDaysBetween: 0 }];
    const problems = checkPlan(plan, CODES);
    expect(problems).to.deep.include({ path: 'methods[0].after[0].method', message: 'Unknown method "observation"' });
    expect(problems).to.deep.include({
      path: 'methods[1].after[0].method',
      message: 'A method cannot have to follow itself',
    });
    const circle = demoPlan();
    circle.methods[0]!.after = [{ method: circle.methods[1]!.id, minDaysBetween: 0 }];
    circle.methods[1]!.after = [{ method: circle.methods[0]!.id, minDaysBetween: 7 }];
    expect(
      checkPlan(circle, CODES)
        .filter((p) => p.message.includes('circle'))
        .map((p) => p.path),
    ).to.deep.equal(['methods[0].after', 'methods[1].after']);
  });

  it('reports repeated KSBs and grades, and a grade cap that is not an overall grade', () => {
    const plan = demoPlan();
    plan.methods[0]!.ksbs.push(plan.methods[0]!.ksbs[0]!);
    plan.methodGrades.push('Pass');
    plan.resitRetakeGradeCap = 'Merit';
    const problems = checkPlan(plan, CODES);
    expect(problems.map((p) => p.path)).to.include.members([
      `methods[0].ksbs[${plan.methods[0]!.ksbs.length - 1}]`,
      'methodGrades[3]',
      'resitRetakeGradeCap',
    ]);
    expect(problems).to.deep.include({
      path: 'resitRetakeGradeCap',
      message: '"Merit" is not one of the overall grades',
    });
  });

  describe('grades: any of the apprenticeship service’s, in the plan’s own order', () => {
    it('accepts a plan using Credit and Pass with excellence, listed lowest first', () => {
      const plan = regraded(demoPlan(), { Pass: 'Credit', Distinction: 'Pass with excellence' });
      expect(checkPlan(plan, CODES)).to.deep.equal([]);
    });

    it('refuses grade lists that do not start with Fail, and accepts them once they do', () => {
      const plan = demoPlan();
      plan.methodGrades = ['Pass', 'Fail', 'Distinction'];
      plan.overallGrades = ['Distinction', 'Pass', 'Fail'];
      const problems = checkPlan(plan, CODES).filter((p) => p.path.endsWith('Grades[0]'));
      expect(problems).to.deep.equal([
        { path: 'methodGrades[0]', message: 'List the grades from lowest to highest, starting with Fail' },
        { path: 'overallGrades[0]', message: 'List the grades from lowest to highest, starting with Fail' },
      ]);
      plan.methodGrades = ['Fail', 'Pass', 'Distinction'];
      plan.overallGrades = ['Fail', 'Pass', 'Distinction'];
      expect(checkPlan(plan, CODES)).to.deep.equal([]);
    });

    it('takes "No grade awarded" as the one passing grade of an ungraded plan, never beside another', () => {
      const ungraded = demoPlan();
      ungraded.methodGrades = ['Fail', 'Pass'];
      ungraded.overallGrades = ['Fail', 'No grade awarded'];
      ungraded.combination = allGradeCombinations(['project', 'discussion'], ungraded.methodGrades).map((methods) => ({
        methods,
        overall: Object.values(methods).includes('Fail') ? 'Fail' : 'No grade awarded',
      }));
      ungraded.resitRetakeGradeCap = 'No grade awarded';
      expect(checkPlan(ungraded, CODES)).to.deep.equal([]);

      const mixed = regraded(demoPlan(), { Pass: 'No grade awarded' });
      expect(checkPlan(mixed, CODES).filter((p) => p.message.includes('No grade awarded'))).to.deep.equal(
        ['methodGrades[1]', 'overallGrades[1]'].map((path) => ({
          path,
          message:
            '"No grade awarded" is the one passing grade of a standard that is not graded: list only Fail with it',
        })),
      );
    });
  });

  describe('regimes', () => {
    it('reads a plan without a regime as an end-point assessment plan, every method at the end, marked by the EPAO', () => {
      const plan = demoPlan();
      expect(plan.regime).to.equal('epa');
      expect(plan.employerVerifiedKsbs).to.deep.equal([]);
      expect(plan.methods.map((m) => [m.timing, m.marker])).to.deep.equal([
        ['end', 'assessment_organisation'],
        ['end', 'assessment_organisation'],
      ]);
    });

    it('accepts the reformed demonstration plan: behaviours verified by the employer, core and sampled KSBs', () => {
      const plan = reformedPlan();
      expect(plan.regime).to.equal('apprenticeship-assessment');
      expect(checkPlan(plan, CODES)).to.deep.equal([]);
      expect(ksbRole(plan, 'B3')).to.equal('employer_verified');
      expect(ksbRole(plan, 'K12')).to.equal('sampled');
      expect(ksbRole(plan, 'K1')).to.equal('core');
      // On the plan page no employer-verified KSB is a gap, and core and sampled show apart.
      const coverage = ksbCoverage(plan, CODES);
      expect(coverage.filter((k) => !k.covered)).to.deep.equal([]);
      expect(coverage.find((k) => k.code === 'B3')).to.include({
        roleLabel: 'Verified by the employer',
        covered: true,
      });
      expect(coverage.find((k) => k.code === 'K12')).to.include({ role: 'sampled', covered: true });
    });

    it('refuses the reformed shape in an end-point assessment plan', () => {
      const plan = { ...reformedPlan(), regime: 'epa' as const };
      const messages = checkPlan(plan, CODES);
      expect(messages).to.deep.include({
        path: 'employerVerifiedKsbs',
        message: 'Only a reformed plan (regime "apprenticeship-assessment") has KSBs verified by the employer',
      });
      expect(messages.map((p) => p.path)).to.include.members(['sampledKsbs', 'methods[0].timing', 'methods[0].marker']);
      // …and in an EPA plan every behaviour must still be assessed.
      expect(messages).to.deep.include({ path: 'methods', message: 'KSB B1 of ST0815 v1.0 is assessed by no method' });
    });

    it('requires every core KSB in some component, and a criterion for every sampled one', () => {
      const plan = reformedPlan();
      plan.methods = plan.methods.map((m) => ({ ...m, ksbs: m.ksbs.filter((k) => k !== 'K1' && k !== 'K13') }));
      plan.criteria = plan.criteria
        .map((c) => ({ ...c, ksbs: c.ksbs.filter((k) => k !== 'K1' && k !== 'K13') }))
        .filter((c) => c.ksbs.length > 0);
      expect(checkPlan(plan, CODES)).to.deep.equal([
        { path: 'methods', message: 'Core KSB K1 of ST0815 v1.0 is assessed by no component' },
        {
          path: 'criteria',
          message: 'Sampled KSB K13 of ST0815 v1.0 is covered by no criterion, so no assessment could sample it',
        },
      ]);
    });

    it('refuses a component that assesses an employer-verified KSB, a sampled behaviour, and a KSB in both lists', () => {
      const plan = reformedPlan();
      plan.methods[1]!.ksbs.push('B2');
      plan.employerVerifiedKsbs = plan.employerVerifiedKsbs.filter((k) => k !== 'B4');
      plan.sampledKsbs.push('B4', 'K1', 'K1');
      plan.employerVerifiedKsbs.push('K1');
      const problems = checkPlan(plan, CODES);
      expect(problems).to.deep.include({
        path: `methods[1].ksbs[${plan.methods[1]!.ksbs.length - 1}]`,
        message: 'KSB B2 is verified by the employer, so no component assesses it',
      });
      expect(problems.map((p) => p.message)).to.include.members([
        'Behaviour B4 cannot be sampled: knowledge and skills are core or sampled, behaviours are verified by the employer or core',
        'KSB K1 cannot be both sampled and verified by the employer',
      ]);
      expect(problems.some((p) => p.message.startsWith('Duplicate KSB "K1"'))).to.equal(true);
    });
  });
});
