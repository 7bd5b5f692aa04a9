/**
 * A tiny end-to-end run of the real preprocessing suite through the CLI, in two processes per point: every
 * experiment produces rows with statistics over both processes, and the run folder is complete. Pools are left out to keep it short (they are
 * covered by strategies.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUICK_CORPUS } from '../common/assets/corpus.ts';
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
    const tokenize = rows.find((row) => row.experiment === '1' && row.metric === 'tokenize' && row.tokenizer === 'js')!;
    // Two processes of at least 15 samples each; the interval is over the two per-process medians.
    expect(Number(tokenize.n)).toBeGreaterThanOrEqual(30);
    expect(tokenize.runs).toBe('2');
    expect(Number(tokenize.ci_low)).toBeLessThanOrEqual(Number(tokenize.median));
    expect(Number(tokenize.median)).toBeLessThanOrEqual(Number(tokenize.ci_high));
    expect(Number(tokenize.p99)).toBeGreaterThanOrEqual(Number(tokenize.p90));
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
    const sampleLines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n');
    expect(sampleLines.length).toBeGreaterThan(10);
    expect(JSON.parse(sampleLines[0]).samples.length).toBeGreaterThan(0);
  }, 600_000); // about 20 fresh processes, each loading a tokenizer: a budget, not a speed assertion
});
