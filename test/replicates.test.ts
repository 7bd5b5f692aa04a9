import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { combineReplicates, flagUnstable } from '../common/results/replicates.ts';
import { pairedRow } from '../common/measure/paired-rounds.ts';
import { logTInterval, logitTInterval, tInterval, welchLogRatio } from '../common/stats/replicate-stats.ts';
import { rowInputOf } from '../suites/merge.ts';
import { createRng } from '../common/stats/rng.ts';
import { ResultWriter, toRow, type RowInput } from '../common/results/results.ts';
import { parseReplicatesCsv } from '../common/results/run-folder.ts';
import { equalWeightQuantile, summarize } from '../common/stats/stats.ts';
import { readCsv, tempDir } from './helpers.ts';

/** Standard normal draws (Box–Muller) from the project's seeded PRNG. */
function normals(seed: number) {
  const rng = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

describe('statistics over replicate processes', () => {
  it('the interval covers the true figure in 95% ± 3% of simulated runs (between- and within-process variance)', () => {
    const z = normals(2026);
    const truth = 10;
    const [runs, perProcess, betweenSd, withinSd] = [5, 200, 0.8, 2];
    let covered = 0;
    const trials = 1000;
    for (let t = 0; t < trials; t++) {
      const rows = Array.from({ length: runs }, (_, replicate) => {
        const shift = betweenSd * z();
        const samples = Array.from({ length: perProcess }, () => truth + shift + withinSd * z());
        return { replicate, row: { metric: 'm', unit: 'ms', summary: summarize(samples), samples } };
      });
      const [row] = combineReplicates(rows);
      if (row.summary!.ciLow <= truth && truth <= row.summary!.ciHigh) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.92);
    expect(covered / trials).toBeLessThanOrEqual(0.98);
  });

  it('an interval over one process only (the old way) misses the truth far more often', () => {
    const z = normals(7);
    let covered = 0;
    for (let t = 0; t < 1000; t++) {
      const shift = 0.8 * z();
      const s = summarize(Array.from({ length: 200 }, () => 10 + shift + 2 * z()));
      if (s.ciLow <= 10 && 10 <= s.ciHigh) covered++;
    }
    expect(covered / 1000).toBeLessThan(0.7);
  });

  it('every process weighs the same in p90/p99, however many samples its time budget gave it', () => {
    const fast = Array.from({ length: 1000 }, () => 1);
    const rows = [fast, Array(10).fill(10), Array(10).fill(10)].map((samples, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary: summarize(samples), samples } }));
    const [row] = combineReplicates(rows);
    // Pooled as they come, 98% of the samples are 1 and p90 would be 1; weighted by process, two thirds are 10.
    expect(row.summary).toMatchObject({ p90: 10, p99: 10, n: 1020 });
    expect(row.summary!.median).toBeCloseTo(Math.cbrt(100), 12);
  });

  it('p90/p99 are percentiles of the processes\' samples pooled at equal weight, not a mean of percentiles', () => {
    const sets = [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]];
    const rows = sets.map((samples, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary: summarize(samples), samples } }));
    const [row] = combineReplicates(rows);
    // 20 equally weighted values: the 18th and the 20th (a mean of the two processes' p90s would be 14.6).
    expect(row.summary).toMatchObject({ p90: 18, p99: 20 });
  });

  it('without every process\'s samples, p90/p99 are the mean of per-process percentiles and the note says so; mean and sd still cover every sample', () => {
    const sets = [[1, 2, 3, 4, 10], [2, 3, 4, 5, 6, 7], [3, 4, 5, 20]];
    const summaries = sets.map(summarize);
    const meanOf = (q: 'p90' | 'p99') => (summaries[0][q] + summaries[1][q] + summaries[2][q]) / 3;
    const pooled = summarize(sets.flat());
    const expectFallback = (row: RowInput) => {
      expect(row.note).toBe('p90/p99: mean of per-process percentiles (samples not available)');
      expect(row.summary).toMatchObject({ n: 15, p90: meanOf('p90'), p99: meanOf('p99'), min: 1, max: 20, median: logTInterval([3, 4.5, 4.5]).center });
      expect(row.summary!.mean).toBeCloseTo(pooled.mean, 12);
      expect(row.summary!.sd).toBeCloseTo(pooled.sd, 12);
    };
    // No process kept its samples (a row that carries a summary only)…
    expectFallback(combineReplicates(summaries.map((summary, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary } })))[0]);
    // …or only some did: the tails are never taken over some processes' samples alone.
    expectFallback(combineReplicates(summaries.map((summary, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary, ...(replicate === 0 ? { samples: sets[0] } : {}) } })))[0]);
    // An existing note is kept before it; with every process's samples there is no such note.
    expect(combineReplicates(summaries.map((summary, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary, note: 'per call' } })))[0].note).toBe('per call; p90/p99: mean of per-process percentiles (samples not available)');
    const complete = combineReplicates(sets.map((samples, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary: summarize(samples), samples } })))[0];
    expect(complete.note).toBeUndefined();
    expect(complete.summary).toMatchObject({ n: 15, mean: pooled.mean, sd: pooled.sd, p90: equalWeightQuantile(sets, 0.9), p99: equalWeightQuantile(sets, 0.99) });
  });

  it('combines per-process medians: geometric center, log-scale interval, spread and sample extremes', () => {
    const rows = [[1, 2, 3], [2, 3, 4], [3, 4, 5]].map((samples, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary: summarize(samples), samples } }));
    const [row] = combineReplicates(rows);
    const t = logTInterval([2, 3, 4]);
    expect(row.summary).toMatchObject({ n: 9, ciLow: t.low, ciHigh: t.high, min: 1, max: 5 });
    expect(row.summary!.median).toBeCloseTo(Math.cbrt(24), 12);
    // Within-process half-widths 50%, 33.3% and 25%: their median; the spread is the figures' own sd.
    expect(row.replication).toEqual({ runs: 3, betweenSd: 1, withinHalfPct: 100 / 3 });
  });

  it('positive figures get a log interval (never below 0); figures with a 0 a t-interval truncated at 0; signed ones the whole t-interval', () => {
    const wide = [0.5, 3, 9].map((value, replicate) => ({ replicate, row: { metric: 'x', unit: 'ms', value } }));
    expect(tInterval([0.5, 3, 9]).low).toBeLessThan(0);
    const [logRow] = combineReplicates(wide);
    expect(logRow).toMatchObject({ low: logTInterval([0.5, 3, 9]).low, high: logTInterval([0.5, 3, 9]).high });
    expect(logRow.low).toBeGreaterThan(0);
    const withZero = [0, 3, 9].map((value, replicate) => ({ replicate, row: { metric: 'x', unit: 'count', value } }));
    expect(combineReplicates(withZero)[0]).toMatchObject({ value: 4, low: 0, high: tInterval([0, 3, 9]).high });
    const negative = [-2, 1, 4].map((value, replicate) => ({ replicate, row: { metric: 'added', unit: 'ms', value } }));
    expect(combineReplicates(negative)[0].low).toBe(tInterval([-2, 1, 4]).low);
    // A difference (signed) keeps its whole interval even when every process measured a positive one, and is not judged relative to its figure.
    const signed = [0.2, 5, 9].map((value, replicate) => ({ replicate, row: { metric: 'ttft_added', unit: 'ms', value, signed: true } }));
    const [added] = combineReplicates(signed);
    expect(added.low).toBe(tInterval([0.2, 5, 9]).low);
    expect(added.low).toBeLessThan(0);
    expect(flagUnstable(added).status).toBeUndefined();
  });

  it('keeps failures visible: all-failed groups stay error rows, partial failures are noted', () => {
    const ok = (replicate: number, v: number) => ({ replicate, row: { metric: 'x', unit: 'n', value: v } });
    const failed = (replicate: number) => ({ replicate, row: { metric: 'x', unit: 'n', status: 'error' as const, error: 'boom' } });
    expect(combineReplicates([failed(0), failed(1)])).toEqual([{ metric: 'x', unit: 'n', status: 'error', error: 'boom', note: 'in 2 processes' }]);
    const [partial] = combineReplicates([ok(0, 1), ok(1, 3), failed(2)]);
    expect(partial.value).toBeCloseTo(Math.sqrt(3), 12);
    expect(partial.note).toBe('failed in 1 of 3 processes (error: boom)');
  });

  it('a figure measured by a saturated client keeps its value and the flag, saying in how many processes', () => {
    const row = (replicate: number, v: number, saturated: boolean) => ({ replicate, row: { metric: 'ttft', unit: 'ms', value: v, ...(saturated ? { status: 'client_saturated' as const, error: 'client saturated: lag' } : {}) } });
    const [mixed] = combineReplicates([row(0, 10, false), row(1, 14, true)]);
    expect(mixed).toMatchObject({ status: 'client_saturated', error: 'in 1 of 2 processes: client saturated: lag', replication: { runs: 2 } });
    expect(mixed.value).toBeCloseTo(Math.sqrt(140), 12);
    const [clean] = combineReplicates([row(0, 10, false), row(1, 14, false)]);
    expect(clean.status).toBeUndefined();
    // Saturated rows are not "unstable" candidates: their flag says more.
    expect(flagUnstable({ metric: 'x', unit: 'n', value: 10, low: 1, high: 19, status: 'client_saturated' }).status).toBe('client_saturated');
  });

  it('a proportion (per-process 0 or 100) becomes the share of processes, with no interval and no unstable flag', () => {
    const flags = [100, 0, 100].map((value, replicate) => ({ replicate, row: { metric: 'on_front', unit: '%', value, proportion: true } }));
    const [share] = combineReplicates(flags);
    expect(share).toMatchObject({ value: 200 / 3, replication: { runs: 3 } });
    expect(share.low).toBeUndefined();
    expect(share.high).toBeUndefined();
    expect(flagUnstable(share).status).toBeUndefined();
  });

  it('a share (a % of paired rounds) stays inside 0–100 with 2 processes near 100%: logit-t, where log-t reached 204%', () => {
    const rounds = (center: number) => [center - 0.5, center, center + 0.4];
    const [share] = combineReplicates([88, 99.5].map((center, replicate) => ({ replicate, row: pairedRow('tokenize_share', '%', rounds(center), 'share') })));
    const logit = (p: number) => Math.log(p / (100 - p));
    const logits = [88, 99.5].map(logit);
    const half = 12.706204736174698 * (Math.abs(logits[1] - logits[0]) / Math.sqrt(2)) / Math.sqrt(2);
    const back = (x: number) => 100 / (1 + Math.exp(-x));
    const mid = (logits[0] + logits[1]) / 2;
    expect(share.percent).toBe(true);
    expect(share.interval).toBe('logit-t');
    expect(share.summary!.median).toBeCloseTo(back(mid), 10);
    expect(share.summary!.ciLow).toBeCloseTo(back(mid - half), 10);
    expect(share.summary!.ciHigh).toBeCloseTo(back(mid + half), 10);
    expect(share.summary!.ciHigh).toBeLessThan(100);
    expect(share.summary!.ciLow).toBeGreaterThan(0);
    expect(logTInterval([88, 99.5]).high).toBeGreaterThan(200);
    // The same share at exactly 100 in every process stays at 100, and replicates.csv's kind brings the flag back in a merge.
    expect(logitTInterval([100, 100]).high).toBeLessThanOrEqual(100);
    expect(rowInputOf(toRow(share, { run_id: 'r', suite: 's', experiment: 1 })).percent).toBe(true);
  });

  it('a constant by construction (exact) keeps its value over processes, with no interval, no note about processes and no unstable flag', () => {
    const base = { run_id: 'r', suite: 's', experiment: 1 };
    const constant = (value: number) => ({ metric: 'logical_cpus', unit: 'count', value, note: 'machine topology', exact: true });
    const [row] = combineReplicates([0, 1, 2].map((replicate) => ({ replicate, row: constant(8) })));
    expect(row).toEqual({ metric: 'logical_cpus', unit: 'count', value: 8, note: 'machine topology', exact: true, interval: '', replication: { runs: 3, betweenSd: 0, withinHalfPct: NaN } });
    expect(flagUnstable(row)).toBe(row);
    expect(toRow(row, base)).toMatchObject({ median: 8, mean: 8, n: 1, ci_low: '', ci_high: '', interval: '', status: 'ok', runs: 3, between_sd: 0, note: 'machine topology', kind: 'exact' });
    // Without the flag the same figures read as a measurement with a zero-width interval (and the geometric
    // mean is not even the value to the last bit): what `exact` avoids.
    const [measured] = combineReplicates([0, 1, 2].map((replicate) => ({ replicate, row: { ...constant(8), exact: undefined } })));
    const { ci_low, ci_high, interval } = toRow(measured, base);
    expect([interval, ci_low === ci_high, Number(ci_low)]).toEqual(['log-t', true, expect.closeTo(8, 12)]);
    // One process: its value, not "the interval is within-process only" (there is none).
    const [one] = combineReplicates([{ replicate: 0, row: constant(8) }]);
    expect(toRow(one, base)).toMatchObject({ median: 8, ci_low: '', ci_high: '', interval: '', note: 'machine topology', runs: 1 });
  });

  it('processes that disagree on a constant make it an error row naming each value, not a figure', () => {
    const rows = [8, 8, 16].map((value, replicate) => ({ replicate, row: { metric: 'logical_cpus', unit: 'count', value, exact: true } }));
    const [row] = combineReplicates(rows);
    expect(toRow(flagUnstable(row), { run_id: 'r', suite: 's', experiment: 1 })).toMatchObject({ median: '', ci_low: '', ci_high: '', interval: '', status: 'error', error: 'constant by construction, yet its 3 processes disagree: 8 in 2, 16 in 1', runs: 3 });
  });

  it('names how each row\'s figure and interval were obtained: the interval column of results.csv and replicates.csv', () => {
    const over = (values: number[], extra: Partial<RowInput> = {}) => combineReplicates(values.map((value, replicate) => ({ replicate, row: { metric: 'x', unit: 'ms', value, ...extra } })))[0];
    const cell = (row: RowInput) => toRow(row, { run_id: 'r', suite: 's', experiment: 1 }).interval;
    // Over processes: geometric mean and log-t for positive figures (with samples too); t for a signed
    // difference even when every process measured a positive one, and for a negative figure; t truncated
    // at 0 for figures with a 0; a share of processes for 0/100 flags.
    const sampled = combineReplicates([[1, 2, 3], [2, 3, 4]].map((samples, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', summary: summarize(samples), samples } })))[0];
    expect([sampled, over([1, 2, 4]), over([1, 2, 4], { signed: true }), over([-1, 2, 4]), over([0, 2, 4]), over([100, 0, 100], { proportion: true })].map(cell)).toEqual(['log-t', 'log-t', 't', 't', 't>=0', 'share']);
    // One process keeps its own interval: the order-statistic interval of its samples' median, an
    // interval its experiment gave a single value, none for a bare value; a flag is a share of one process.
    const one = (row: RowInput) => cell(combineReplicates([{ replicate: 0, row }])[0]);
    expect(one({ metric: 'm', unit: 'ms', summary: summarize([1, 2, 3]), samples: [1, 2, 3] })).toBe('order-stat');
    expect(one({ metric: 'ratio', unit: 'x', value: 2, low: 1.5, high: 2.5 })).toBe('given');
    expect(one({ metric: 'count', unit: 'n', value: 2 })).toBe('');
    expect(one({ metric: 'on_front', unit: '%', value: 100, proportion: true })).toBe('share');
    // A failed row has no figure.
    expect(cell(combineReplicates([{ replicate: 0, row: { metric: 'point', unit: '', status: 'error', error: 'boom' } }])[0])).toBe('');
  });

  it('replicates.csv keeps every digit and each row\'s kind; results.csv rounds to 6 digits and has no kind', () => {
    const dir = tempDir();
    const rows: RowInput[] = [
      { metric: 'added', unit: 'ms', signed: true, value: 0.1234567890123, low: -0.0987654321987, high: 0.3456789012345 },
      { metric: 'on_front', unit: '%', proportion: true, value: 100 },
      { metric: 'time', unit: 'ms', value: 1 / 3, warmup: { n: 7, ms: 12.345678901 } },
      { metric: 'cores', unit: 'count', exact: true, value: 4 },
    ];
    const base = { run_id: 'r', suite: 's', experiment: 1 };
    const replicates = new ResultWriter(dir, [], 'replicates.csv', true);
    const results = new ResultWriter(dir, []);
    for (const row of rows) {
      replicates.write(toRow(row, base), undefined, 0, 0);
      results.write(toRow(row, base));
    }
    const back = parseReplicatesCsv(readFileSync(join(dir, 'replicates.csv'), 'utf8'));
    expect(back.map((r) => [r.row.kind, r.row.median, r.row.ci_low, r.row.ci_high, r.row.warmup_ms, r.row.interval])).toEqual([
      ['signed', 0.1234567890123, -0.0987654321987, 0.3456789012345, '', 'given'],
      ['proportion', 100, '', '', '', ''],
      [undefined, 1 / 3, '', '', 12.345678901, ''],
      ['exact', 4, '', '', '', ''],
    ]);
    const csv = readCsv(join(dir, 'results.csv'));
    expect(Object.keys(csv[0])).not.toContain('kind');
    expect(csv.map((r) => [r.median, r.ci_low, r.warmup_ms, r.interval])).toEqual([['0.123457', '-0.0987654', '', 'given'], ['100', '', '', ''], ['0.333333', '', '12.3457', ''], ['4', '', '', '']]);
  });

  it('flags a row unstable when its half-width exceeds 10% of the figure', () => {
    expect(flagUnstable({ metric: 'x', unit: 'n', value: 10, low: 9.1, high: 10.9 }).status).toBeUndefined();
    expect(flagUnstable({ metric: 'x', unit: 'n', value: 10, low: 8.9, high: 11.1 })).toMatchObject({ status: 'unstable', error: '95% CI half-width 11.0% of the figure (limit 10%)' });
  });

  it("Welch's test on log figures: same data → ratio 1 and p = 1; a clear shift is significant", () => {
    const a = [1, 1.1, 0.9, 1.05];
    expect(welchLogRatio(a, a)).toMatchObject({ ratio: 1, p: 1 });
    const shifted = welchLogRatio(a, a.map((x) => 2 * x));
    expect(shifted.ratio).toBeCloseTo(2, 12);
    expect(shifted.p).toBeLessThan(0.001);
    expect(shifted.low).toBeLessThan(2);
    expect(shifted.high).toBeGreaterThan(2);
  });

  // References computed independently in Python with mpmath at 40 digits: Welch–Satterthwaite df from the
  // log figures, p and the 0.975 quantile by numerical integration of the Student t density (the quantile
  // by root-finding); SciPy 1.17's ttest_ind(log b, log a, equal_var=False) agrees to 12 digits.
  it.each([
    { name: 'equal sizes, unequal variances', a: [10, 10.5, 9.8, 10.2], b: [19, 23, 20.5, 17.8], ratio: 1.97428542075, df: 3.42620801037, p: 0.000653153669115, low: 1.66698665365, high: 2.3382328311 },
    { name: 'unequal sizes and variances', a: [101, 98, 103, 99, 100, 102], b: [95, 112, 88, 104], ratio: 0.988578292276, df: 3.12587503013, p: 0.842161193962, low: 0.837966955372, high: 1.16625964031 },
    { name: 'equal sizes, a small shift', a: [1.0, 1.05, 0.97, 1.02, 0.99], b: [1.03, 1.06, 1.01, 1.08, 1.0], ratio: 1.02976556223, df: 7.96202804451, p: 0.176645068862, low: 0.983804503545, high: 1.07787381469 },
  ])("Welch's test matches reference values: $name", ({ a, b, ...expected }) => {
    const r = welchLogRatio(a, b);
    // To 6 significant digits (relative, so the small p is held as tightly as the others).
    for (const key of ['ratio', 'df', 'p', 'low', 'high'] as const) expect(r[key] / expected[key], key).toBeCloseTo(1, 6);
  });
});
