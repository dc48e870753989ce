import { expect } from 'chai';
import { compareAssessors, testAssessor } from '../../src/outcomes/consistency.js';
import {
  chiSquareIndependence,
  chiSquareUpperTail,
  fisherExact2x2,
  holmAdjust,
  logFactorial,
  logGamma,
  regularisedUpperGamma,
} from '../../src/outcomes/statistics.js';

/** |actual − expected| within a relative tolerance of expected. */
function close(actual: number, expected: number, relative = 1e-9): void {
  expect(Math.abs(actual - expected), `${actual} ≈ ${expected}`).to.be.at.most(Math.abs(expected) * relative);
}

describe('statistics', () => {
  describe('logGamma and logFactorial', () => {
    it('matches known values', () => {
      // Γ(1/2) = √π.
      close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14);
      // Γ(1) = Γ(2) = 1.
      expect(Math.abs(logGamma(1))).to.be.below(1e-14);
      expect(Math.abs(logGamma(2))).to.be.below(1e-14);
      // Γ(5) = 4! = 24.
      close(logGamma(5), Math.log(24), 1e-14);
      // ln 1000! = 5912.128178488163 (Stirling series; the same value as Python's math.lgamma(1001)).
      close(logFactorial(1000), 5912.128178488163, 1e-13);
      // ln 170! = 706.5730622457874, beyond which 170! itself would overflow a double (math.lgamma(171)).
      close(logFactorial(170), 706.5730622457874, 1e-13);
      close(logFactorial(257), logGamma(258), 1e-13);
      // Γ(x) for x < 0.5 through the reflection formula: Γ(0.1) = 9.513507698668732 (A&S table 6.1 / math.gamma(0.1)).
      close(logGamma(0.1), Math.log(9.513507698668732), 1e-13);
    });

    it('sums small factorials exactly and refuses nonsense', () => {
      expect(logFactorial(0)).to.equal(0);
      close(logFactorial(10), Math.log(3628800), 1e-14);
      expect(() => logFactorial(-1)).to.throw(RangeError);
      expect(() => logFactorial(2.5)).to.throw(RangeError);
      expect(() => logGamma(0)).to.throw(RangeError);
    });
  });

  describe("Fisher's exact test (2 × 2)", () => {
    it('gives the tea-tasting p-values of R’s fisher.test documentation', () => {
      // R ?fisher.test, TeaTasting [[3, 1], [1, 3]]: alternative "greater" p = 0.2429. By hand the
      // hypergeometric probabilities of x = 0…4 are 1, 16, 36, 16, 1 over 70, so
      // two-sided = (1 + 16 + 16 + 1) / 70 = 0.4857…, greater = 17/70, less = 69/70.
      const r = fisherExact2x2(3, 1, 1, 3);
      close(r.p, 34 / 70);
      close(r.pGreater, 17 / 70);
      close(r.pLess, 69 / 70);
      expect(r.oddsRatio).to.equal(9);
    });

    it('gives the convictions p-value of R’s fisher.test documentation', () => {
      // R ?fisher.test, Convictions (column-filled matrix(c(2, 10, 15, 3), nrow = 2)) = [[2, 15], [10, 3]]:
      // alternative "less" p = 0.0004652. Exactly, by rational arithmetic (Python fractions):
      // less = 0.00046518094336290503, two-sided = 3571/6653325.
      const r = fisherExact2x2(2, 15, 10, 3);
      close(r.pLess, 0.00046518094336290503);
      expect(r.pLess.toPrecision(4)).to.equal('0.0004652');
      close(r.p, 3571 / 6653325);
    });

    it('keeps its accuracy where factorials overflow a double and in the far tail', () => {
      // Exact rational arithmetic (Python fractions over math.comb), cross-checked with scipy.stats.fisher_exact:
      // [[510, 490], [490, 510]] two-sided p = 0.39549420191013 (n = 2000: 2000! overflows a double).
      close(fisherExact2x2(510, 490, 490, 510).p, 0.39549420191013);
      // [[30, 70], [80, 920]]: two-sided p = 2.475537903042548e-09.
      close(fisherExact2x2(30, 70, 80, 920).p, 2.475537903042548e-9);
      // [[0, 10], [10, 0]]: only this table and its mirror are as extreme: 2 / C(20, 10) = 1/92378.
      close(fisherExact2x2(0, 10, 10, 0).p, 1 / 92378);
      // [[1, 9], [11, 3]]: 41/14858.
      close(fisherExact2x2(1, 9, 11, 3).p, 41 / 14858);
    });

    it('counts tables as likely as the observed one despite rounding (R’s relative tolerance)', () => {
      // [[5, 5], [5, 5]] is the most likely table, symmetric: every table is at most as likely, p = 1.
      expect(fisherExact2x2(5, 5, 5, 5).p).to.equal(1);
      // A symmetric table's mirror image has exactly the same probability: both tails count equally.
      const r = fisherExact2x2(1, 4, 4, 1);
      close(r.p, 2 * r.pLess);
    });

    it('handles empty margins and refuses non-counts', () => {
      expect(fisherExact2x2(0, 0, 3, 4).p).to.equal(1);
      expect(fisherExact2x2(0, 0, 0, 0).p).to.equal(1);
      expect(() => fisherExact2x2(1.5, 2, 3, 4)).to.throw(RangeError);
      expect(() => fisherExact2x2(-1, 2, 3, 4)).to.throw(RangeError);
    });
  });

  describe('chi-square', () => {
    it('gives tail probabilities at published critical values', () => {
      // Critical values of χ² at the 5% level (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.4): 3.841 (1 df), 18.307 (10 df).
      close(chiSquareUpperTail(3.841458820694124, 1), 0.05, 1e-12);
      close(chiSquareUpperTail(18.307038053275146, 10), 0.05, 1e-12);
      // Closed forms: with 2 df the tail is e^(−x/2); with 4 df it is e^(−x/2)(1 + x/2).
      close(chiSquareUpperTail(5.991464547107979, 2), 0.05, 1e-12);
      close(chiSquareUpperTail(100, 2), Math.exp(-50), 1e-12);
      close(chiSquareUpperTail(3, 4), Math.exp(-1.5) * 2.5, 1e-12);
      close(chiSquareUpperTail(0.5, 4), Math.exp(-0.25) * 1.25, 1e-12);
      // With 1 df the tail is erfc(√(x/2)); at x = 1 that is 0.31731050786291415 (2·(1 − Φ(1))).
      close(chiSquareUpperTail(1, 1), 0.31731050786291415, 1e-12);
      expect(chiSquareUpperTail(0, 3)).to.equal(1);
      expect(regularisedUpperGamma(2, Infinity)).to.equal(0);
    });

    it('tests the party identification table of R’s chisq.test documentation', () => {
      // R ?chisq.test (Agresti 2007, p. 39): M = [[762, 327, 468], [484, 239, 477]],
      // "X-squared = 30.07, df = 2, p-value = 2.954e-07".
      const r = chiSquareIndependence([
        [762, 327, 468],
        [484, 239, 477],
      ]);
      close(r.statistic, 30.070149095754672, 1e-12);
      expect(r.df).to.equal(2);
      close(r.p, 2.9535891832117595e-7, 1e-9);
      close(r.expected[0]![0]!, (1557 * 1246) / 2757, 1e-12);
      close(r.minExpected, (1200 * 566) / 2757, 1e-12);
    });

    it('gives a 2 × 2 test without continuity correction, worked by hand', () => {
      // [[12, 5], [7, 9]], n = 33: expected [[17·19/33, 17·14/33], [16·19/33, 16·14/33]]; every
      // |O − E| = 12 − 323/33 = 73/33, so X² = (73/33)² · 33 · (1/323 + 1/238 + 1/304 + 1/224) = 2.43058.
      // p = erfc(√(X²/2)) = 0.118989 (scipy.stats.chi2_contingency(…, correction=False) agrees).
      const r = chiSquareIndependence([
        [12, 5],
        [7, 9],
      ]);
      const byHand = (73 / 33) ** 2 * 33 * (1 / 323 + 1 / 238 + 1 / 304 + 1 / 224);
      close(r.statistic, byHand, 1e-12);
      close(r.p, 0.118989205532145, 1e-9);
    });

    it('refuses tables it cannot test', () => {
      expect(() => chiSquareIndependence([[1, 2]])).to.throw(RangeError);
      expect(() =>
        chiSquareIndependence([
          [1, 0],
          [2, 0],
        ]),
      ).to.throw(/positive total/);
      expect(() =>
        chiSquareIndependence([
          [1, 2],
          [3, 4, 5],
        ]),
      ).to.throw(RangeError);
      expect(() => chiSquareUpperTail(1, 0)).to.throw(RangeError);
    });
  });

  describe('Holm–Bonferroni', () => {
    it('adjusts a small vector as worked by hand', () => {
      // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 → made monotone 0.02, 0.03, 0.06, 0.06;
      // returned in the order given.
      const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
      [0.03, 0.06, 0.06, 0.02].forEach((expected, i) => close(adjusted[i]!, expected, 1e-12));
    });

    it('matches R’s p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm")', () => {
      // By hand: 0.05, 0.08, 0.09, max(0.09, 0.08), max(0.09, 0.05) = 0.05 0.08 0.09 0.09 0.09.
      const adjusted = holmAdjust([0.01, 0.02, 0.03, 0.04, 0.05]);
      [0.05, 0.08, 0.09, 0.09, 0.09].forEach((expected, i) => close(adjusted[i]!, expected, 1e-12));
    });

    it('caps at 1, keeps ties equal and accepts an empty list', () => {
      expect(holmAdjust([0.5, 0.6, 0.9])).to.deep.equal([1, 1, 1]);
      const tied = holmAdjust([0.02, 0.02, 0.5]);
      expect(tied[0]).to.equal(tied[1]);
      close(tied[0]!, 0.06, 1e-12);
      expect(holmAdjust([])).to.deep.equal([]);
      expect(holmAdjust([0.3])).to.deep.equal([0.3]);
      expect(() => holmAdjust([1.2])).to.throw(RangeError);
      expect(() => holmAdjust([Number.NaN])).to.throw(RangeError);
    });
  });

  describe('comparing assessors (src/outcomes/consistency.ts)', () => {
    const GRADES3 = ['Fail', 'Pass', 'Distinction'] as const;

    it('uses the chi-square test on the whole spread when every expected count is at least 5', () => {
      // Four assessors with 60 gradings each; A against B + C + D = [[20, 30, 10], [24, 119, 37]]: every
      // expected count at least 11. X² = 12.0471, 2 df, p = 0.0024210 (scipy.stats.chi2_contingency, correction=False).
      const rows = [
        { assessorId: 1, name: 'A', counts: { Fail: 20, Pass: 30, Distinction: 10 } },
        { assessorId: 2, name: 'B', counts: { Fail: 8, Pass: 40, Distinction: 12 } },
        { assessorId: 3, name: 'C', counts: { Fail: 9, Pass: 38, Distinction: 13 } },
        { assessorId: 4, name: 'D', counts: { Fail: 7, Pass: 41, Distinction: 12 } },
      ];
      const result = compareAssessors(rows, GRADES3, 10);
      expect(result.compared).to.equal(4);
      expect(result.totalGradings).to.equal(240);
      const a = result.assessors.find((x) => x.name === 'A')!;
      expect(a.test).to.include({ kind: 'chi_square', df: 2 });
      close(a.p!, 0.0024210216511438157, 1e-9);
      // Holm over four: A has the smallest p, so × 4.
      close(a.adjustedP!, 4 * 0.0024210216511438157, 1e-9);
      expect(a.flagged).to.equal(true);
      expect(a.largestDifference).to.deep.include({ grade: 'Fail' });
      // The others' p-values (0.504, 0.711, 0.294) are adjusted with holmAdjust like any list.
      const others = result.assessors.filter((x) => x.name !== 'A');
      expect(others.every((x) => !x.flagged)).to.equal(true);
      const adjusted = holmAdjust(result.assessors.map((x) => x.p!));
      result.assessors.forEach((x, i) => close(x.adjustedP!, adjusted[i]!, 1e-12));
      expect(result.assessors[0]!.name).to.equal('A');
    });

    it('falls back to Fisher on Fail and on Distinction, doubling the smaller p, when expected counts are small', () => {
      // Own [5, 1, 0] against others [26, 56, 14] (expected Distinctions 6 × 14/102 = 0.8): Fail or not
      // [[5, 1], [26, 70]] p = 0.0095058; Distinction or not [[0, 6], [14, 82]] p = 0.59269
      // (scipy.stats.fisher_exact); the smaller doubled, 2 × 0.0095058.
      const tested = testAssessor(GRADES3, { Fail: 5, Pass: 1 }, { Fail: 26, Pass: 56, Distinction: 14 })!;
      expect(tested.test.kind).to.equal('fisher');
      if (tested.test.kind !== 'fisher') return;
      expect(tested.test.tables.map((t) => t.grade)).to.deep.equal(['Fail', 'Distinction']);
      close(tested.test.tables[0]!.p, 0.009505755219028788, 1e-9);
      close(tested.test.tables[1]!.p, 0.5926916402980503, 1e-9);
      close(tested.p, 2 * 0.009505755219028788, 1e-9);
    });

    it('makes one Fisher test when only two grades occur, and none when one does', () => {
      // Only Fail and Pass: [[8, 2], [10, 30]], two-sided p = 0.0022686 (scipy.stats.fisher_exact); not doubled.
      const two = testAssessor(GRADES3, { Fail: 8, Pass: 2 }, { Fail: 10, Pass: 30 })!;
      expect(two.test).to.deep.include({ kind: 'fisher' });
      close(two.p, 0.0022685879037093876, 1e-9);
      expect(testAssessor(GRADES3, { Pass: 12 }, { Pass: 40 })).to.equal(null);
      expect(testAssessor(GRADES3, { Pass: 12, Fail: 3 }, {})).to.equal(null);
    });

    it('leaves assessors below the minimum untested and out of the correction, but among the others', () => {
      const rows = [
        { assessorId: 1, name: 'Many', counts: { Fail: 2, Pass: 15, Distinction: 3 } },
        { assessorId: 2, name: 'Few', counts: { Fail: 4 } },
        { assessorId: 3, name: 'Alone', counts: { Pass: 20 } },
      ];
      const result = compareAssessors(rows, GRADES3, 10);
      const byName = Object.fromEntries(result.assessors.map((a) => [a.name, a]));
      expect(byName.Few).to.deep.include({ status: 'too_few', p: null, adjustedP: null, flagged: false, total: 4 });
      expect(result.compared).to.equal(2);
      // "Many" is compared with Few + Alone pooled: 4 Fails among the others' 24 gradings.
      expect(byName.Many!.others.shares.find((s) => s.grade === 'Fail')!.count).to.equal(4);
      expect(byName.Many!.others.total).to.equal(24);
      expect(result.grades).to.deep.equal(['Fail', 'Pass', 'Distinction']);
      expect(compareAssessors(rows, GRADES3, 5).compared).to.equal(2);
      expect(
        compareAssessors([{ assessorId: 1, name: 'Only', counts: { Pass: 30 } }], GRADES3, 10).assessors[0]!.status,
      ).to.equal('untestable');
    });
  });
});
