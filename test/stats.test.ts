import { describe, expect, it } from 'vitest';
import { medianCiRanks, quantileSorted, ratioOfMedians, summarize } from '../common/stats/stats.ts';

describe('summarize', () => {
  it('computes median, percentiles, mean and sd of known data', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s.n).toBe(5);
    expect(s.median).toBe(3);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    expect(s.p90).toBeCloseTo(4.6, 12);
  });

  it('brackets the median with a 95% CI from order statistics', () => {
    const data = Array.from({ length: 100 }, (_, i) => i + 1);
    const s = summarize(data);
    expect(s.ciLow).toBeLessThan(s.median);
    expect(s.ciHigh).toBeGreaterThan(s.median);
    // n = 100: ranks 50 ± 9.8 → the 40th and 60th values (1-based).
    expect([s.ciLow, s.ciHigh]).toEqual([40, 60]);
    expect(medianCiRanks(100)).toEqual([39, 59]);
  });

  it('returns NaN for no samples instead of throwing', () => {
    expect(summarize([]).median).toBeNaN();
  });

  it('interpolates quantiles linearly', () => {
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
  });

  it('gives a ratio of medians with a conservative interval', () => {
    const a = summarize([10, 10, 10, 10, 10, 10, 10]);
    const b = summarize([5, 5, 5, 5, 5, 5, 5]);
    expect(ratioOfMedians(a, b)).toEqual({ ratio: 2, low: 2, high: 2 });
  });

  it('ratio interval on spread samples: numerator low / denominator high to numerator high / denominator low', () => {
    // n = 20: CI ranks 4 and 14 (0-based), i.e. the 5th and 15th smallest values.
    expect(medianCiRanks(20)).toEqual([4, 14]);
    // Numerator 3, 6, …, 60 (shuffled): median 31.5, CI [15, 45].
    const num = summarize([42, 3, 60, 27, 15, 6, 51, 36, 9, 57, 18, 33, 45, 12, 24, 54, 21, 39, 48, 30]);
    expect([num.median, num.ciLow, num.ciHigh]).toEqual([31.5, 15, 45]);
    // Denominator 2, 3, …, 21 (shuffled): median 11.5, CI [6, 16].
    const den = summarize([17, 2, 9, 21, 12, 5, 14, 3, 19, 8, 11, 16, 4, 20, 7, 13, 10, 18, 6, 15]);
    expect([den.median, den.ciLow, den.ciHigh]).toEqual([11.5, 6, 16]);
    expect(ratioOfMedians(num, den)).toEqual({ ratio: 31.5 / 11.5, low: 15 / 16, high: 45 / 6 });
    expect(ratioOfMedians(den, num)).toEqual({ ratio: 11.5 / 31.5, low: 6 / 45, high: 16 / 15 });
  });
});
