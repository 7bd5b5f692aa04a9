/**
 * Summary statistics for latency samples. The 95% confidence interval is for the MEDIAN and is
 * distribution-free (binomial order statistics), because latency distributions are skewed and a
 * mean ± t·sd interval would mislead.
 */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  p99: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  ciLow: number;
  ciHigh: number;
}

/** Linear-interpolated quantile (R type 7) of an ascending array. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The q-quantile of several samples pooled so that every sample set weighs the same, however many values
 * it has (the inverse of the equal-weight mixture's distribution function): a process that left 1,000
 * samples and one that left 10 count alike.
 */
export function equalWeightQuantile(sets: readonly (readonly number[])[], q: number): number {
  const nonEmpty = sets.filter((s) => s.length > 0);
  if (nonEmpty.length === 0) return NaN;
  const weighted = nonEmpty.flatMap((s) => s.map((value) => ({ value, weight: 1 / (nonEmpty.length * s.length) }))).sort((a, b) => a.value - b.value);
  let cumulative = 0;
  for (const { value, weight } of weighted) {
    cumulative += weight;
    // A tolerance for the rounding of the summed weights.
    if (cumulative >= q - 1e-12) return value;
  }
  return weighted[weighted.length - 1].value;
}

/** Ranks (0-based) bounding a 95% CI of the median: n/2 ± 1.96·√n/2, clamped to the sample. */
export function medianCiRanks(n: number): [number, number] {
  const half = (1.96 * Math.sqrt(n)) / 2;
  const lo = Math.max(0, Math.floor(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  return [lo, hi];
}

/** Median of an unsorted sample (mean of the two middle values for even n); NaN when empty. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function sum(values: readonly number[]): number {
  return values.reduce((s, x) => s + x, 0);
}

export function mean(values: readonly number[]): number {
  return sum(values) / values.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, x) => s + (x - m) ** 2, 0) / (values.length - 1));
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  if (n === 0) return { n, median: NaN, p90: NaN, p99: NaN, mean: NaN, sd: NaN, min: NaN, max: NaN, ciLow: NaN, ciHigh: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const [lo, hi] = medianCiRanks(n);
  return {
    n,
    median: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    mean: mean(sorted),
    sd: sampleSd(sorted),
    min: sorted[0],
    max: sorted[n - 1],
    ciLow: sorted[lo],
    ciHigh: sorted[hi],
  };
}

/** A median and its 95% interval: what a ratio of medians takes (a Summary, or a row's: common/results/results.ts' figureOf). */
export type MedianCi = Pick<Summary, 'median' | 'ciLow' | 'ciHigh'>;

/** Ratio of two medians (e.g. speedup), with a conservative interval from the two CIs. */
export function ratioOfMedians(numerator: MedianCi, denominator: MedianCi): { ratio: number; low: number; high: number } {
  return {
    ratio: numerator.median / denominator.median,
    low: numerator.ciLow / denominator.ciHigh,
    high: numerator.ciHigh / denominator.ciLow,
  };
}
