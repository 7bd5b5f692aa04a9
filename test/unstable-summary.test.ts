/** The end-of-run count of unstable rows, split into paired ratios and shares and absolute figures. */
import { describe, expect, it } from 'vitest';
import { toRow, unstableSummary, type RowInput } from '../common/results/results.ts';

const base = { run_id: 'r', suite: 'preprocessing', experiment: 1 };
const row = (unit: string, low: number, high: number, extra: Partial<RowInput> = {}) => toRow({ metric: 'm', unit, summary: { n: 3, median: 10, mean: 10, sd: 1, min: 9, max: 11, p90: 11, p99: 11, ciLow: low, ciHigh: high }, ...extra }, base);

describe('unstableSummary', () => {
  it('counts unstable ratios and shares apart from absolute figures, over the rows with an interval', () => {
    const rows = [
      row('x', 9.5, 10.5),
      { ...row('x', 5, 15), status: 'unstable' as const },
      { ...row('%', 5, 15), status: 'unstable' as const },
      row('ms', 9, 11),
      { ...row('ms', 1, 19), status: 'unstable' as const },
      { ...row('ms', 9, 11), ci_low: '' as const },
      { ...row('ms', 9, 11), status: 'error' as const },
    ];
    expect(unstableSummary(rows)).toBe('3 unstable (2 of 3 ratios and shares, 1 of 2 absolute figures)');
  });
});
