/**
 * A tiny end-to-end run of the real preprocessing suite through the CLI, in two processes per point: every
 * experiment produces rows with statistics over both processes, and the run folder is complete. Pools are left out to keep it short (they are
 * covered by strategies.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICK_CORPUS } from '../common/assets/corpus.ts';
import { logTInterval } from '../common/stats/replicate-stats.ts';
import { equalWeightQuantile } from '../common/stats/stats.ts';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';

describe('end to end: bench --quick on one model', () => {
  it('writes results.csv, samples.jsonl, env.json and summary.md with rows from experiments 1–4 and 8', async () => {
    const base = tempDir();
    const r = await cli('--quick', '--runs', '2', '--models', 'llama3.1', '--engines', 'jinja', '--strategies', 'main,native', '--out', base, '--no-progress', '--seed', '7');
    expect(r.stderr).toMatch(/rows, 0 errors/);
    expect(r.code).toBe(0);
    const dir = onlyRun(base);
    const rows = readCsv(join(dir, 'results.csv'));
    for (const exp of ['1', '2', '3', '4', '8']) {
      const ok = rows.filter((row) => row.experiment === exp && row.status !== 'error' && row.median !== '');
      expect(ok.length, `experiment ${exp}`).toBeGreaterThan(0);
    }
    // A combined row recomputed from what each process wrote: replicates.csv's per-process medians give
    // its figure and interval (geometric mean, log-t over 2 processes), samples.jsonl its n and tails.
    const replicates = readCsv(join(dir, 'replicates.csv'));
    const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const close = (actual: string, expected: number) => expect(Number(actual) / expected).toBeCloseTo(1, 4);
    for (const metric of ['tokenize', 'tokenize_speedup']) {
      const combined = rows.find((row) => row.experiment === '1' && row.metric === metric && row.tokenizer === (metric === 'tokenize' ? 'js' : 'native'))!;
      const perProcess = replicates.filter((row) => row.experiment === '1' && row.metric === metric && row.tokenizer === combined.tokenizer);
      expect(perProcess.map((row) => row.replicate).sort()).toEqual(['0', '1']);
      const t = logTInterval(perProcess.map((row) => Number(row.median)));
      expect(combined.runs).toBe('2');
      close(combined.median, t.center);
      close(combined.ci_low, t.low);
      close(combined.ci_high, t.high);
      const sets = samples.filter((l) => l.experiment === 1 && l.metric === metric && l.tokenizer === combined.tokenizer).map((l) => l.samples as number[]);
      expect(sets).toHaveLength(2);
      expect(Number(combined.n)).toBe(sets[0].length + sets[1].length);
      close(combined.p90, equalWeightQuantile(sets, 0.9));
      close(combined.p99, equalWeightQuantile(sets, 0.99));
    }
    const batches = rows.find((row) => row.experiment === '3' && row.metric === 'batch_prepare' && row.strategy === 'main')!;
    expect(Number(batches.n)).toBeGreaterThanOrEqual(6);
    expect(Number(batches.warmup_n)).toBeGreaterThanOrEqual(1);
    expect(rows.some((row) => row.experiment === '4' && row.metric === 'loop_delay_p99' && row.strategy === 'main')).toBe(true);
    // Experiment 8 surveys every quick-corpus template with every engine: a compat row each, count rows, corpus.csv.
    const compat = rows.filter((row) => row.experiment === '8' && row.metric === 'compat' && row.engine === 'jinja');
    expect(compat.map((row) => row.template).sort()).toEqual([...QUICK_CORPUS].sort());
    const okCount = rows.find((row) => row.experiment === '8' && row.metric === 'templates_ok' && row.engine === 'jinja')!;
    expect(Number(okCount.median)).toBe(compat.filter((row) => row.status === 'ok').length);
    const corpusCsv = readCsv(join(dir, 'corpus.csv'));
    expect(corpusCsv.map((row) => row.template).sort()).toEqual([...QUICK_CORPUS].sort());
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
    expect(env.replication).toMatchObject({ runs: 2 });
    expect(env.options).toMatchObject({ seed: 7, quick: true, models: ['llama3.1'] });
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/\| exp \| point \| metric/);
    expect(samples.length).toBeGreaterThan(10);
  }, 600_000); // about 20 fresh processes, each loading a tokenizer: a budget, not a speed assertion
});
