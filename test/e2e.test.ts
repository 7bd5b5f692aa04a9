/**
 * A tiny end-to-end run of the real preprocessing suite through the CLI: every experiment produces ok
 * rows with statistics, and the run folder is complete. Pools are left out to keep it short (they are
 * covered by strategies.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, onlyRun, readCsv, tempDir } from './helpers.ts';

describe('end to end: bench --quick on one model', () => {
  it('writes results.csv, samples.jsonl, env.json and summary.md with rows from experiments 1–4', async () => {
    const base = tempDir();
    const r = await cli('--quick', '--models', 'llama3.1', '--engines', 'jinja', '--strategies', 'main,native', '--out', base, '--no-progress', '--seed', '7');
    expect(r.stderr).toMatch(/rows, 0 errors/);
    expect(r.code).toBe(0);
    const dir = onlyRun(base);
    const rows = readCsv(join(dir, 'results.csv'));
    for (const exp of ['1', '2', '3', '4']) {
      const ok = rows.filter((row) => row.experiment === exp && row.status === 'ok');
      expect(ok.length, `experiment ${exp}`).toBeGreaterThan(0);
    }
    const tokenize = rows.find((row) => row.experiment === '1' && row.metric === 'tokenize' && row.tokenizer === 'js')!;
    expect(Number(tokenize.n)).toBeGreaterThanOrEqual(15);
    expect(Number(tokenize.ci_low)).toBeLessThanOrEqual(Number(tokenize.median));
    expect(Number(tokenize.median)).toBeLessThanOrEqual(Number(tokenize.ci_high));
    expect(Number(tokenize.p99)).toBeGreaterThanOrEqual(Number(tokenize.p90));
    const batches = rows.find((row) => row.experiment === '3' && row.metric === 'batch_prepare' && row.strategy === 'main')!;
    expect(Number(batches.n)).toBeGreaterThanOrEqual(10);
    expect(rows.some((row) => row.experiment === '4' && row.metric === 'loop_delay_p99' && row.strategy === 'main')).toBe(true);
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
    expect(env.options).toMatchObject({ seed: 7, quick: true, models: ['llama3.1'] });
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/\| exp \| point \| metric/);
    const sampleLines = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n');
    expect(sampleLines.length).toBeGreaterThan(10);
    expect(JSON.parse(sampleLines[0]).samples.length).toBeGreaterThan(0);
  });
});
