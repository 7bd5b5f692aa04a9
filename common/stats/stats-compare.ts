/**
 * Statistics for comparing two runs (`npm run compare`): pure functions, one job each.
 *
 * - bootstrapRatioCi: ratio of medians B/A with a percentile-bootstrap interval (A and B resampled
 *   independently, seeded, so the same inputs always give the same interval).
 * - mannWhitneyU: two-sided Mann-Whitney U test (Wilcoxon rank-sum). Exact null distribution when there
 *   are no ties and both samples are small (n_a · n_b ≤ EXACT_MAX_PRODUCT); otherwise the normal
 *   approximation with tie correction and continuity correction — the same p-values as
 *   scipy.stats.mannwhitneyu(a, b, alternative='two-sided', method='exact' / 'asymptotic').
 * - significanceStars: Node's benchmark/compare.js marks (* p<0.05, ** p<0.01, *** p<0.001).
 */
import { createRng } from './rng.ts';
import { median, quantileSorted } from './stats.ts';

/** Complementary error function, Numerical Recipes' erfcc (Chebyshev fit, fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal distribution, P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface RatioCi {
  /** median(B) / median(A) of the observed samples. */
  ratio: number;
  low: number;
  high: number;
  resamples: number;
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 2,000). */
  resamples?: number;
  /** Seed of the resampling PRNG (default 1): the same seed and inputs give the same interval. */
  seed?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

/**
 * Ratio of medians B/A with a percentile-bootstrap confidence interval: each resample draws n_a values
 * from A and n_b from B with replacement and takes median(B*)/median(A*); the interval is the
 * (1−level)/2 and (1+level)/2 quantiles of those ratios. NaN when a sample is empty or median(A) is 0.
 */
export function bootstrapRatioCi(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): RatioCi {
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const ratio = median(b) / median(a);
  if (a.length === 0 || b.length === 0 || !Number.isFinite(ratio)) return { ratio: NaN, low: NaN, high: NaN, resamples };
  const rng = createRng(options.seed ?? 1);
  const resampleA = medianResampler(a, rng);
  const resampleB = medianResampler(b, rng);
  const ratios: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const ma = resampleA();
    const mb = resampleB();
    // A resample whose median(A*) is 0 has no finite ratio; it is left out (possible only if A has zeros).
    if (ma !== 0) ratios.push(mb / ma);
  }
  if (ratios.length === 0) return { ratio, low: NaN, high: NaN, resamples };
  ratios.sort((x, y) => x - y);
  return { ratio, low: quantileSorted(ratios, (1 - level) / 2), high: quantileSorted(ratios, (1 + level) / 2), resamples };
}

/**
 * Median of one bootstrap resample of `values`, in O(n) without sorting: the sample is sorted once, a
 * resample is n indices drawn uniformly into it (tallied in `counts`), and since the sorted values are
 * non-decreasing, the resample's middle order statistics are the values at its middle drawn indices.
 */
function medianResampler(values: readonly number[], rng: () => number): () => number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const counts = new Uint32Array(n);
  const lowerPos = (n - 1) >> 1; // 0-based positions of the middle element(s) in the sorted resample
  const upperPos = n >> 1;
  return () => {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor(rng() * n)]++;
    let cum = 0;
    let lower = -1;
    for (let idx = 0; idx < n; idx++) {
      cum += counts[idx];
      if (lower < 0 && cum > lowerPos) lower = idx;
      if (cum > upperPos) return (sorted[lower] + sorted[idx]) / 2;
    }
    return sorted[n - 1]; // not reached: the counts sum to n
  };
}

export interface MannWhitneyResult {
  /** U of sample A: the number of pairs (a, b) with a > b, ties counting ½. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/** Largest n_a · n_b for which the exact null distribution is used (when there are no ties). */
export const EXACT_MAX_PRODUCT = 400;

/**
 * Two-sided Mann-Whitney U test of A vs B. Exact (no ties, n_a · n_b ≤ 400) or normal approximation:
 * z = (max(U_a, U_b) − n_a n_b / 2 − ½) / σ, σ² = n_a n_b / 12 · ((N + 1) − Σ(t³ − t) / (N (N − 1)))
 * with t the size of each group of tied values; p = 2 · P(Z > z), at most 1. p = 1 when every value of
 * both samples is the same; NaN when a sample is empty.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) return { u: NaN, p: NaN, method: 'normal' };
  const all = [...a.map((v) => ({ v, fromA: true })), ...b.map((v) => ({ v, fromA: false }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  // Mid-ranks, and Σ(t³ − t) over the groups of ties.
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1].v === all[i].v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].fromA) rankSumA += rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const ua = rankSumA - (na * (na + 1)) / 2;
  const uMax = Math.max(ua, na * nb - ua);
  if (tieTerm === 0 && na * nb <= EXACT_MAX_PRODUCT) {
    return { u: ua, p: Math.min(1, 2 * exactUpperTail(na, nb, uMax)), method: 'exact' };
  }
  const variance = ((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u: ua, p: 1, method: 'normal' };
  const z = (uMax - (na * nb) / 2 - 0.5) / Math.sqrt(variance);
  return { u: ua, p: Math.min(1, 2 * normalSf(z)), method: 'normal' };
}

/** P(U ≥ u) under the null hypothesis for sample sizes m and n, without ties (counting recurrence). */
function exactUpperTail(m: number, n: number, u: number): number {
  // cur[j][k] = number of orderings of j values of A and i values of B in which U (pairs where A's value
  // is the larger) equals k, built up one value of B at a time (i = 1 … n).
  const maxU = m * n;
  let prev: Float64Array[] = Array.from({ length: m + 1 }, () => new Float64Array(maxU + 1));
  for (let j = 0; j <= m; j++) prev[j][0] = 1; // zero values of B: U = 0
  for (let i = 1; i <= n; i++) {
    const cur: Float64Array[] = Array.from({ length: m + 1 }, () => new Float64Array(maxU + 1));
    cur[0][0] = 1;
    for (let j = 1; j <= m; j++) {
      // The largest value is either B's (adds nothing to U: f(i−1, j, k)) or A's (exceeds all i values
      // of B: f(i, j−1, k−i)).
      for (let k = 0; k <= j * i; k++) cur[j][k] = prev[j][k] + (k >= i ? cur[j - 1][k - i] : 0);
    }
    prev = cur;
  }
  const dist = prev[m];
  let total = 0;
  let tail = 0;
  for (let k = 0; k <= maxU; k++) {
    total += dist[k];
    if (k >= u) tail += dist[k];
  }
  return tail / total;
}

/** Node benchmark/compare.js style marks: '***' p<0.001, '**' p<0.01, '*' p<0.05, '' otherwise. */
export function significanceStars(p: number): string {
  if (!Number.isFinite(p)) return '';
  if (p < 0.001) return '***';
  if (p < 0.01) return '**';
  if (p < 0.05) return '*';
  return '';
}
