/**
 * Statistical tests for the assessor consistency report: pure functions, no Express, no db.
 *
 * Numerics: every factorial and gamma function is taken as a logarithm (Lanczos log-gamma), and
 * probabilities are summed relative to the largest term, so tables of thousands of gradings
 * neither overflow nor lose the small p-values that matter.
 */

/* ---------- Log-gamma and log-factorial ---------- */

/** Lanczos approximation with the widely published g = 7, n = 9 coefficients (Godfrey): relative error near 1e-15. */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`logGamma needs a positive finite number, not ${x}`);
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 − x) = π / sin(πx); keeps the approximation in its accurate range.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln n! for small n, exactly summed once: the counts in a report are mostly small. */
const LOG_FACTORIALS: number[] = [0];
for (let n = 1; n <= 256; n++) LOG_FACTORIALS.push(LOG_FACTORIALS[n - 1]! + Math.log(n));

/** ln n! for a whole number n ≥ 0. */
export function logFactorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`logFactorial needs a whole number ≥ 0, not ${n}`);
  return n < LOG_FACTORIALS.length ? LOG_FACTORIALS[n]! : logGamma(n + 1);
}

function checkCounts(counts: readonly number[], what: string): void {
  for (const c of counts)
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`${what} must be whole numbers ≥ 0, not ${c}`);
}

/* ---------- Fisher's exact test (2 × 2) ---------- */

export interface FisherResult {
  /** Two-sided: the probability, under independence with the margins fixed, of a table no more likely than the one observed. */
  p: number;
  /** One-sided: P(top-left cell ≤ observed), i.e. evidence that the odds ratio is below 1. */
  pLess: number;
  /** One-sided: P(top-left cell ≥ observed), i.e. evidence that the odds ratio is above 1. */
  pGreater: number;
  /** The sample odds ratio ad / bc (Infinity or NaN when a cell is 0), for description only. */
  oddsRatio: number;
}

/** R's fisher.test counts tables whose probability is within this relative tolerance of the observed one as "no more likely". */
const FISHER_RELATIVE_TOLERANCE = 1 + 1e-7;

/**
 * Fisher's exact test of independence for the 2 × 2 table [[a, b], [c, d]].
 *
 * With the margins fixed, the top-left cell x follows the hypergeometric distribution
 * P(x) = C(a+b, x) C(c+d, a+c−x) / C(n, a+c). The two-sided p-value sums P(x) over every x with
 * P(x) ≤ P(observed) × (1 + 1e-7), as R's fisher.test does (the tolerance keeps tables that are
 * exactly as likely, but differ in the last bits of floating point, on the right side).
 */
export function fisherExact2x2(a: number, b: number, c: number, d: number): FisherResult {
  checkCounts([a, b, c, d], 'The cells of a 2 × 2 table');
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const n = row1 + row2;
  const lo = Math.max(0, col1 - row2);
  const hi = Math.min(row1, col1);
  const constant =
    logFactorial(row1) + logFactorial(row2) + logFactorial(col1) + logFactorial(n - col1) - logFactorial(n);
  const logP = (x: number) =>
    constant - logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(row2 - col1 + x);

  const logs: number[] = [];
  let top = -Infinity;
  for (let x = lo; x <= hi; x++) {
    const l = logP(x);
    logs.push(l);
    if (l > top) top = l;
  }
  // Sum relative to the most likely table: no term underflows unless it is negligible beside it.
  const weights = logs.map((l) => Math.exp(l - top));
  const total = weights.reduce((s, w) => s + w, 0);
  const observed = weights[a - lo]!;

  let two = 0;
  let less = 0;
  let greater = 0;
  weights.forEach((w, i) => {
    const x = lo + i;
    if (w <= observed * FISHER_RELATIVE_TOLERANCE) two += w;
    if (x <= a) less += w;
    if (x >= a) greater += w;
  });
  const clamp = (p: number) => Math.min(1, Math.max(0, p));
  return {
    p: clamp(two / total),
    pLess: clamp(less / total),
    pGreater: clamp(greater / total),
    oddsRatio: (a * d) / (b * c),
  };
}

/* ---------- Pearson's chi-square test (r × c) ---------- */

/**
 * The regularised upper incomplete gamma function Q(s, x) = Γ(s, x) / Γ(s), for s > 0, x ≥ 0.
 * Below x = s + 1 by the power series of P = 1 − Q; above it by the continued fraction for Q
 * (modified Lentz), which keeps its relative accuracy far into the tail (Numerical Recipes §6.2).
 */
export function regularisedUpperGamma(s: number, x: number): number {
  if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`The shape must be positive and finite, not ${s}`);
  if (!(x >= 0)) throw new RangeError(`x must be ≥ 0, not ${x}`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = s * Math.log(x) - x - logGamma(s);
  const EPS = 1e-16;
  const MAX_ITERATIONS = 10_000;
  if (x < s + 1) {
    let term = 1 / s;
    let sum = term;
    for (let k = 1; k < MAX_ITERATIONS; k++) {
      term *= x / (s + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(logPrefix)));
  }
  const TINY = 1e-300;
  let b = x + 1 - s;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefix) * h));
}

/** P(χ² with `df` degrees of freedom ≥ statistic). */
export function chiSquareUpperTail(statistic: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`Degrees of freedom must be a whole number ≥ 1, not ${df}`);
  if (!(statistic >= 0)) throw new RangeError(`A chi-square statistic must be ≥ 0, not ${statistic}`);
  return regularisedUpperGamma(df / 2, statistic / 2);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  p: number;
  /** Counts expected under independence, row by row. */
  expected: number[][];
  /** The smallest expected count: the usual approximation is trusted when every one is at least 5. */
  minExpected: number;
}

/**
 * Pearson's chi-square test of independence for an r × c table of counts (no continuity
 * correction: R's chisq.test(x, correct = FALSE)). Every row and every column must have a
 * positive total, since an empty one has no expected counts; leave such rows and columns out first.
 */
export function chiSquareIndependence(table: readonly (readonly number[])[]): ChiSquareResult {
  const r = table.length;
  const c = table[0]?.length ?? 0;
  if (r < 2 || c < 2) throw new RangeError('A chi-square test needs at least 2 rows and 2 columns');
  if (table.some((row) => row.length !== c))
    throw new RangeError('Every row of the table must have the same number of columns');
  for (const row of table) checkCounts(row, 'The cells of a table');
  const rowTotals = table.map((row) => row.reduce((s, v) => s + v, 0));
  const colTotals = Array.from({ length: c }, (_, j) => table.reduce((s, row) => s + row[j]!, 0));
  if (rowTotals.some((t) => t === 0) || colTotals.some((t) => t === 0))
    throw new RangeError('Every row and column of the table must have a positive total');
  const n = rowTotals.reduce((s, v) => s + v, 0);
  const expected = rowTotals.map((rt) => colTotals.map((ct) => (rt * ct) / n));
  let statistic = 0;
  table.forEach((row, i) =>
    row.forEach((observed, j) => {
      const e = expected[i]![j]!;
      statistic += ((observed - e) * (observed - e)) / e;
    }),
  );
  const df = (r - 1) * (c - 1);
  return { statistic, df, p: chiSquareUpperTail(statistic, df), expected, minExpected: Math.min(...expected.flat()) };
}

/* ---------- Holm–Bonferroni ---------- */

/**
 * Holm's step-down adjustment of p-values for m tests (Holm 1979): with the p-values sorted
 * ascending, the k-th (1-based) becomes max over j ≤ k of min(1, (m − j + 1) p(j)). Rejecting
 * where the adjusted p is below α controls the family-wise error rate at α under any dependence
 * between the tests. Returned in the order given, as R's p.adjust(p, "holm").
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`A p-value must be between 0 and 1, not ${p}`);
  const m = pValues.length;
  // Ties keep their given order (a stable sort), which does not change the adjusted values.
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
