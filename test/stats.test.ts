import { describe, expect, it } from 'vitest';
import { medianCiRanks, quantileSorted, ratioOfMedians, summarize } from '../common/stats.ts';

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
});
