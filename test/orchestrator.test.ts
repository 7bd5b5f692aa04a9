import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Progress } from '../common/progress.ts';
import { CSV_COLUMNS } from '../common/results.ts';
import { summarize } from '../common/stats.ts';
import { QUICK_PLAN } from '../common/timing.ts';
import { createRunFolder, runExperiments } from '../suites/orchestrator.ts';
import type { Experiment, Suite } from '../suites/types.ts';
import { onlyRun, readCsv, readCsvHeader, tempDir } from './helpers.ts';

function fakeSuite(onPoint: (p: number) => void = () => {}): Suite {
  const experiment: Experiment<number> = {
    id: 99,
    slug: 'fake',
    title: 'fake',
    question: 'does the orchestrator survive a failing point?',
    matrix: () => [1, 2, 3],
    label: (p) => `p${p}`,
    coordinates: (p) => ({ strategy: 'main', turns: p }),
    async run(p) {
      onPoint(p);
      if (p === 2) throw new Error('template exploded, with "quotes", commas\nand a newline');
      return [{ strategy: 'main', turns: p, metric: 'latency', unit: 'ms', summary: summarize([p, p + 1, p + 2]), samples: [p, p + 1, p + 2] }];
    },
    derive: (rows) => [{ metric: 'count', unit: 'rows', value: rows.length }],
  };
  return { name: 'fake', description: 'fake', experiments: [experiment] };
}

function options(signal = new AbortController().signal) {
  return { quick: true, seed: 1, models: ['llama3.1'], engines: ['jinja'], strategies: ['main'], plan: QUICK_PLAN, signal };
}

describe('orchestrator', () => {
  it('turns a failing point into an error row and measures the rest', async () => {
    const suite = fakeSuite();
    const base = tempDir();
    const outcome = await runExperiments({ selection: [{ suite, experiment: suite.experiments[0] }], outBase: base, options: options(), args: {}, progress: new Progress(process.stderr, false) });
    const rows = readCsv(join(outcome.dir, 'results.csv'));
    expect(rows.map((r) => [r.turns, r.metric, r.status])).toEqual([
      ['1', 'latency', 'ok'],
      ['2', 'point', 'error'],
      ['3', 'latency', 'ok'],
      ['', 'count', 'ok'],
    ]);
    // The CSV quoting survives quotes, commas and newlines in a message.
    expect(rows[1].error).toBe('template exploded, with "quotes", commas and a newline');
    expect(outcome.errors).toHaveLength(1);
    expect(readCsvHeader(join(outcome.dir, 'results.csv'))).toEqual(CSV_COLUMNS);
    // Existing columns keep their positions; the inference suite's coordinates are appended at the end.
    expect(CSV_COLUMNS.slice(0, 24)).toEqual(['run_id', 'suite', 'experiment', 'model', 'template', 'engine', 'tokenizer', 'strategy', 'workers', 'turns', 'tokens', 'metric', 'unit', 'n', 'median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'status', 'error', 'note']);
    expect(CSV_COLUMNS.slice(24)).toEqual(['concurrency', 'rate', 'target', 'dataset']);
    expect(rows[0]).toMatchObject({ concurrency: '', rate: '', target: '', dataset: '' });
    const samples = readFileSync(join(outcome.dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.map((s) => s.samples)).toEqual([[1, 2, 3], [3, 4, 5]]);
    const env = JSON.parse(readFileSync(join(outcome.dir, 'env.json'), 'utf8'));
    expect(env).toMatchObject({ runId: outcome.runId, interrupted: false, rows: 4, errorRows: 1 });
    expect(env.cores).toBeGreaterThan(0);
    expect(env.node).toBe(process.version);
    expect(env.packages['@huggingface/jinja']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('keeps rows measured before an interruption on disk', async () => {
    const controller = new AbortController();
    const suite = fakeSuite((p) => p === 2 && controller.abort());
    const base = tempDir();
    await runExperiments({ selection: [{ suite, experiment: suite.experiments[0] }], outBase: base, options: options(controller.signal), args: {}, progress: new Progress(process.stderr, false) });
    const dir = onlyRun(base);
    const rows = readCsv(join(dir, 'results.csv'));
    expect(rows.map((r) => r.turns)).toEqual(['1', '2']);
    expect(JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')).interrupted).toBe(true);
  });

  it('never reuses a run folder', () => {
    const base = tempDir();
    const now = new Date('2026-01-02T03:04:05.678Z');
    const a = createRunFolder(base, now);
    const b = createRunFolder(base, now);
    expect(a.dir).not.toBe(b.dir);
    expect(readdirSync(base).sort()).toEqual(['2026-01-02T03-04-05Z', '2026-01-02T03-04-05Z-2']);
    expect(existsSync(b.dir)).toBe(true);
  });
});
