import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns, envDifferences, loadRunForCompare } from '../common/compare/compare-runs.ts';
import { ResultWriter, toRow, type RowInput } from '../common/results/results.ts';
import { createRng } from '../common/stats/rng.ts';
import { summarize } from '../common/stats/stats.ts';
import { bootstrapRatioCi, mannWhitneyU, significanceStars } from '../common/stats/stats-compare.ts';
import { median } from '../common/stats/stats.ts';
import { runCompareCli } from '../scripts/compare.ts';
import { welchLogRatio } from '../common/stats/replicate-stats.ts';

/** Seeded, skewed "latencies" around `scale`. */
function latencies(seed: number, n: number, scale: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => scale * (1 + 0.2 * -Math.log(1 - rng())));
}

/** The parameter columns of the hand-made runs (experiment 1's). */
const PARAMS = ['model', 'template', 'engine', 'tokenizer', 'strategy', 'workers', 'turns', 'tokens'];

describe('Mann-Whitney U', () => {
  // Expected p-values from scipy 1.17.1: scipy.stats.mannwhitneyu(a, b, alternative='two-sided',
  // method='exact' | 'asymptotic'), computed on this machine and hard-coded here.
  it('exact distribution for small samples without ties', () => {
    // mannwhitneyu([19,22,16,29,24], [20,11,17,12], method='exact') → statistic 17.0, pvalue 0.1111111111111111
    const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(r.method).toBe('exact');
    expect(r.u).toBe(17);
    expect(r.p).toBeCloseTo(0.1111111111111111, 12);
    // 9 vs 10 values, no ties → statistic 65.0, pvalue 0.11275411894606942
    const a = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 3.14, 0.95, 1.4, 0.71];
    const r2 = mannWhitneyU(a, b);
    expect(r2.method).toBe('exact');
    expect(r2.u).toBe(65);
    expect(r2.p).toBeCloseTo(0.11275411894606942, 12);
  });

  it('normal approximation with tie and continuity correction', () => {
    // With ties scipy uses the asymptotic method → statistic 110.0, pvalue 0.030310770034855872
    // (the data of scipy's mannwhitneyu docstring example, Conover's males/females).
    const a = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3, 1.1, 2.2, 2.71];
    const b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29, 0.95, 1.4, 0.71];
    const r = mannWhitneyU(a, b);
    expect(r.method).toBe('normal');
    expect(r.u).toBe(110);
    expect(r.p / 0.030310770034855872).toBeCloseTo(1, 5); // erfc approximation: relative error < 1.2e-7
    // Heavy ties: mannwhitneyu(c, d, method='asymptotic') → statistic 24.5, pvalue 0.010872782816534013
    const r2 = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7], [3, 4, 4, 5, 5, 6, 6, 6, 7, 8, 9, 9]);
    expect(r2.u).toBe(24.5);
    expect(r2.p / 0.010872782816534013).toBeCloseTo(1, 5);
  });

  it('identical samples: p ≈ 1; all values equal: p = 1', () => {
    const a = latencies(1, 40, 2);
    expect(mannWhitneyU(a, [...a]).p).toBeGreaterThan(0.99);
    expect(mannWhitneyU([3, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3]).p).toBe(1);
  });

  it('significance marks like Node compare.js', () => {
    expect([0.2, 0.04, 0.009, 0.0009, NaN].map(significanceStars)).toEqual(['', '*', '**', '***', '']);
  });
});

describe('bootstrap CI of the ratio of medians', () => {
  it('identical samples: ratio 1, CI contains 1', () => {
    const a = latencies(2, 30, 5);
    const ci = bootstrapRatioCi(a, [...a], { seed: 3 });
    expect(ci.ratio).toBe(1);
    expect(ci.low).toBeLessThanOrEqual(1);
    expect(ci.high).toBeGreaterThanOrEqual(1);
  });

  it('clearly shifted samples: CI excludes 1 and p < 0.001', () => {
    const a = latencies(4, 30, 5);
    const b = latencies(5, 30, 7.5);
    const ci = bootstrapRatioCi(a, b, { seed: 3 });
    expect(ci.ratio).toBeCloseTo(median(b) / median(a), 12);
    expect(ci.low).toBeGreaterThan(1);
    expect(ci.low).toBeLessThan(ci.ratio);
    expect(ci.high).toBeGreaterThan(ci.ratio);
    expect(mannWhitneyU(a, b).p).toBeLessThan(0.001);
  });

  it('equals a plain bootstrap (draw n values, sort, take the median) on the same random stream', () => {
    for (const [na, nb] of [[7, 8], [12, 5], [30, 31]]) {
      const a = latencies(20 + na, na, 3).map((x) => Math.round(x * 10) / 10); // with ties
      const b = latencies(40 + nb, nb, 3.3);
      const rng = createRng(5);
      const sa = [...a].sort((x, y) => x - y);
      const sb = [...b].sort((x, y) => x - y);
      const draw = (s: number[]): number => median(Array.from(s, () => s[Math.floor(rng() * s.length)]));
      const ratios = Array.from({ length: 200 }, () => { const ma = draw(sa); return draw(sb) / ma; }).sort((x, y) => x - y);
      const q = (p: number): number => { const pos = (ratios.length - 1) * p; const lo = Math.floor(pos); return ratios[lo] + (ratios[lo + 1] - ratios[lo]) * (pos - lo); };
      const ci = bootstrapRatioCi(a, b, { seed: 5, resamples: 200 });
      expect(ci.low).toBeCloseTo(q(0.025), 12);
      expect(ci.high).toBeCloseTo(q(0.975), 12);
    }
  });

  it('is deterministic under its seed', () => {
    const a = latencies(6, 25, 1);
    const b = latencies(7, 25, 1.1);
    expect(bootstrapRatioCi(a, b, { seed: 9 })).toEqual(bootstrapRatioCi(a, b, { seed: 9 }));
    expect(bootstrapRatioCi(a, b, { seed: 9 })).not.toEqual(bootstrapRatioCi(a, b, { seed: 10 }));
  });
});

describe('matching two run folders', () => {
  let root: string;
  let dirA: string;
  let dirB: string;
  const point = { model: 'llama3.1', template: 'llama3.1', engine: 'jinja', tokenizer: 'js', strategy: 'main', turns: 9, tokens: 1055 };

  function writeRun(dir: string, runId: string, rows: { input: RowInput; samples?: number[] }[], env: Record<string, unknown>): void {
    const w = new ResultWriter(dir, PARAMS);
    for (const { input, samples } of rows) w.write(toRow(input, { run_id: runId, suite: 'preprocessing', experiment: 1 }), samples);
    writeFileSync(join(dir, 'env.json'), JSON.stringify(env));
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'prepbench-compare-'));
    dirA = join(root, 'A');
    dirB = join(root, 'B');
    const same = latencies(10, 20, 1);
    const slow = latencies(11, 20, 1);
    const env = { cpu: 'Test CPU', cores: 2, node: 'v20.20.2', packages: { tokenizers: '0.23.2', nunjucks: '3.2.4' } };
    writeRun(dirA, 'A', [
      { input: { params: point, metric: 'template', unit: 'ms', summary: summarize(same) }, samples: same },
      { input: { params: point, metric: 'tokenize', unit: 'ms', summary: summarize(slow) }, samples: slow },
      { input: { params: point, metric: 'collate', unit: 'ms', summary: summarize([1, 2, 3]) }, samples: [1, 2, 3] },
      { input: { params: point, metric: 'template_share', unit: '%', value: 10 } },
      { input: { params: { ...point, workers: 2 }, metric: 'only_in_a', unit: 'ms', value: 1 } },
    ], env);
    const slower = slow.map((x) => x * 2);
    writeRun(dirB, 'B', [
      // Rows in another order than A's: matching is by coordinates, not position.
      { input: { params: point, metric: 'tokenize', unit: 'ms', summary: summarize(slower) }, samples: slower },
      { input: { params: point, metric: 'template', unit: 'ms', summary: summarize(same) }, samples: [...same] },
      { input: { params: point, metric: 'collate', unit: 'ms', summary: summarize([1, 2, 3]) }, samples: [1, 2, 3] },
      { input: { params: point, metric: 'template_share', unit: '%', value: 12 } },
      { input: { params: { ...point, tokens: 2000 }, metric: 'template', unit: 'ms', value: 1 } },
    ], { ...env, node: 'v22.1.0', packages: { tokenizers: '0.24.0', nunjucks: '3.2.4' } });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('matches rows by coordinates, tests those with samples, lists rows only in one run', () => {
    const cmp = compareRuns(loadRunForCompare(dirA), loadRunForCompare(dirB), { seed: 1 });
    const byMetric = Object.fromEntries(cmp.rows.map((r) => [r.metric, r]));
    expect(Object.keys(byMetric).sort()).toEqual(['collate', 'template', 'template_share', 'tokenize']);
    expect(byMetric.template.verdict).toBe('tested');
    expect(byMetric.template.p).toBeGreaterThan(0.99);
    expect(byMetric.template.changePct).toBe(0);
    expect(byMetric.tokenize.verdict).toBe('tested');
    expect(byMetric.tokenize.changePct).toBeCloseTo(100, 9);
    expect(byMetric.tokenize.p).toBeLessThan(0.001);
    expect(byMetric.tokenize.stars).toBe('***');
    expect(byMetric.tokenize.ciLow).toBeGreaterThan(1);
    expect(byMetric.collate.verdict).toBe('too few samples');
    expect(Number.isNaN(byMetric.collate.p)).toBe(true);
    expect(byMetric.template_share.verdict).toBe('no samples');
    expect(byMetric.template_share.changePct).toBeCloseTo(20, 9);
    expect(cmp.onlyA.map((r) => r.metric)).toEqual(['only_in_a']);
    expect(cmp.onlyB.map((r) => [r.metric, r.tokens])).toEqual([['template', 2000]]);
  });

  it('lists environment differences', () => {
    expect(envDifferences(loadRunForCompare(dirA).env, loadRunForCompare(dirB).env)).toEqual([
      'node: v20.20.2 → v22.1.0',
      'package tokenizers: 0.23.2 → 0.24.0',
    ]);
  });

  it('CLI: table, warning, CSV, --only-significant; exit 0', async () => {
    let out = '';
    const csv = join(root, 'cmp.csv');
    const code = await runCompareCli([dirA, dirB, '--csv', csv], { stdout: (s) => (out += s), stderr: () => {} });
    expect(code).toBe(0);
    expect(out).toMatch(/WARNING: the runs were measured in different environments/);
    expect(out).toMatch(/node: v20\.20\.2 → v22\.1\.0/);
    expect(out).toMatch(/tokenize\s+ms.*\+100\.00 %.*\*\*\*/);
    expect(out).toMatch(/too few samples/);
    expect(out).toMatch(/only in A \(1\):\n.*only_in_a/);
    expect(out).toMatch(/only in B \(1\):/);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^suite,experiment,point,metric,unit,n_a,n_b,median_a,median_b,change_pct,ratio,ci_low,ci_high,p/);
    expect(lines).toHaveLength(5);
    let sig = '';
    expect(await runCompareCli([dirA, dirB, '--only-significant'], { stdout: (s) => (sig += s), stderr: () => {} })).toBe(0);
    expect(sig).toMatch(/tokenize/);
    expect(sig).not.toMatch(/template_share/);
  });

  it('CLI: exit 2 on a missing folder, a folder without results.csv, a malformed samples.jsonl', async () => {
    let err = '';
    const io = { stdout: () => {}, stderr: (s: string) => (err += s) };
    expect(await runCompareCli([join(root, 'nope'), dirB], io)).toBe(2);
    expect(err).toMatch(/run folder not found/);
    expect(await runCompareCli([root, dirB], io)).toBe(2);
    expect(err).toMatch(/no results\.csv/);
    const bad = join(root, 'bad');
    new ResultWriter(bad, PARAMS);
    writeFileSync(join(bad, 'samples.jsonl'), '{"metric": "x", "samples": [1, 2\n');
    expect(await runCompareCli([bad, dirB], io)).toBe(2);
    expect(err).toMatch(/samples\.jsonl:1: not valid JSON/);
  });

  it('npm run compare entry point exits 2 on a missing folder', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/compare.ts', join(root, 'nope'), dirB], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/error: run folder not found/);
  });
});

describe('comparing runs measured in several processes', () => {
  const point = { model: 'llama3.1', template: 'llama3.1', engine: 'jinja', tokenizer: 'js', strategy: 'main', turns: 9, tokens: 1055 };

  /** A run folder whose one row was measured in processes with the given medians. */
  function replicatedRun(medians: number[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'prepbench-compare-rep-'));
    const base = { run_id: 'r', suite: 'preprocessing', experiment: 1 };
    const perProcess = new ResultWriter(dir, PARAMS, 'replicates.csv', true);
    medians.forEach((m, replicate) => perProcess.write(toRow({ params: point, metric: 'template', unit: 'ms', summary: summarize([m - 0.1, m, m + 0.1]) }, base), [m - 0.1, m, m + 0.1], replicate));
    new ResultWriter(dir, PARAMS).write(toRow({ params: point, metric: 'template', unit: 'ms', summary: summarize(medians) }, base));
    writeFileSync(join(dir, 'env.json'), '{}');
    return dir;
  }

  it("tests the per-process medians with Welch's t-test (n = processes)", () => {
    const a = loadRunForCompare(replicatedRun([10, 10.5, 9.8]));
    const b = loadRunForCompare(replicatedRun([20, 21, 19.6]));
    const [row] = compareRuns(a, b).rows;
    const expected = welchLogRatio([10, 10.5, 9.8], [20, 21, 19.6]);
    expect(row).toMatchObject({ test: 'welch', nA: 3, nB: 3, verdict: 'tested', p: expected.p, ciLow: expected.low, ciHigh: expected.high });
    expect(row.p).toBeLessThan(0.001);
  });

  it('two runs of the same processes show no difference', () => {
    const [row] = compareRuns(loadRunForCompare(replicatedRun([10, 10.5, 9.8])), loadRunForCompare(replicatedRun([10, 10.5, 9.8]))).rows;
    expect(row).toMatchObject({ test: 'welch', p: 1, changePct: 0 });
  });
});
