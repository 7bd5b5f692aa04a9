import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../common/cli/progress.ts';

import { liveChildren } from '../suites/child-runner.ts';
import { processesText, runExperiments, type RunRequest } from '../suites/orchestrator.ts';
import { createRunFolder, declaredParams } from '../suites/run-output.ts';
import { toRow } from '../common/results/results.ts';
import suite, { counting } from './fixtures/fake-suite.ts';
import { AbortingProgress, fixtureRequest, onlyRun, readCsv, readCsvHeader, tempDir } from './helpers.ts';

const request = (outBase: string, runs: number, signal?: AbortSignal, progress?: Progress): RunRequest => fixtureRequest({ suite, experiment: counting }, { outBase, runs, signal, ...(progress ? { progress } : {}) });

describe('orchestrator', () => {
  it('turns a failing point into an error row, measures the rest in every process and combines them', async () => {
    const outcome = await runExperiments(request(tempDir(), 2));
    const rows = readCsv(join(outcome.dir, 'results.csv'));
    expect(rows.map((r) => [r.turns, r.metric, r.status, r.runs])).toEqual([
      ['1', 'latency', 'ok', '2'],
      ['2', 'point', 'error', ''],
      ['3', 'latency', 'ok', '2'],
      ['', 'count', 'ok', '2'],
    ]);
    // env.json lists every process (a group per point here, in 2 replicates), each with its start-up and the calibration workload it timed.
    const replication = JSON.parse(readFileSync(join(outcome.dir, 'env.json'), 'utf8')).replication;
    const processes = replication.processes as { replicate: number; startupSeconds: number; calibrationMs: number }[];
    // The children ran from the prebuilt bundle (common/build/prebuilt.ts), not through tsx.
    expect(replication.children.start).toBe('prebuilt');
    expect(processes.map((p) => p.replicate).sort()).toEqual([0, 0, 0, 1, 1, 1]);
    for (const p of processes) {
      expect(p.startupSeconds).toBeGreaterThan(0);
      expect(p.calibrationMs).toBeGreaterThan(0);
    }
    // The CSV quoting survives quotes, commas and newlines in a message.
    expect(rows[1].error).toBe('template exploded, with "quotes", commas and a newline');
    expect(rows[1].note).toBe('in 2 processes');
    // Both processes measured [1, 2, 3]: the figure is the mean of the per-process medians, the interval is degenerate.
    expect(rows[0]).toMatchObject({ median: '2', ci_low: '2', ci_high: '2', n: '6', between_sd: '0' });
    expect(outcome.errors).toHaveLength(1);
    // Fixed leading columns, the experiment's declared parameters, then metric, statistics and replication.
    expect(readCsvHeader(join(outcome.dir, 'results.csv'))).toEqual([
      'run_id', 'suite', 'experiment', 'strategy', 'turns', 'metric', 'unit', 'n', 'median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'interval', 'status', 'error', 'note',
      'runs', 'between_sd', 'within_half_pct', 'warmup_n', 'warmup_ms',
    ]);
    // Every process's rows, with its replicate index.
    const replicates = readCsv(join(outcome.dir, 'replicates.csv'));
    expect(replicates.map((r) => [r.turns, r.metric, r.replicate]).sort()).toEqual([
      ['', 'count', '0'], ['', 'count', '1'], // derived per process, for compare at the level of processes
      ['1', 'latency', '0'], ['1', 'latency', '1'], ['2', 'point', '0'], ['2', 'point', '1'], ['3', 'latency', '0'], ['3', 'latency', '1'],
    ]);
    const samples = readFileSync(join(outcome.dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.map((s) => [s.turns, s.replicate, s.samples]).sort()).toEqual([
      [1, 0, [1, 2, 3]], [1, 1, [1, 2, 3]], [3, 0, [3, 4, 5]], [3, 1, [3, 4, 5]],
    ]);
    const env = JSON.parse(readFileSync(join(outcome.dir, 'env.json'), 'utf8'));
    expect(env).toMatchObject({ runId: outcome.runId, interrupted: false, rows: 4, errorRows: 1, replication: { runs: 2, units: 6, seed: 1 } });
    expect(env.noise.start.calibrationMs).toBeGreaterThan(0);
    expect(env.noise.end.loadavg).toHaveLength(3);
    expect(env.node).toBe(process.version);
    expect(env.packages['@huggingface/jinja']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('keeps rows measured before an interruption on disk and leaves no child behind', async () => {
    const controller = new AbortController();
    const base = tempDir();
    await runExperiments(request(base, 2, controller.signal, new AbortingProgress(controller, 1)));
    const dir = onlyRun(base);
    const measured = readCsv(join(dir, 'replicates.csv')).filter((r) => r.metric !== 'count');
    expect(measured).toHaveLength(1);
    // The combined table holds that row (and the derived row computed from it).
    expect(readCsv(join(dir, 'results.csv')).map((r) => [r.turns, r.metric])).toEqual([[measured[0].turns, measured[0].metric], ['', 'count']]);
    expect(JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')).interrupted).toBe(true);
    // The experiment's own file is written from the rows on disk, as after a complete run.
    expect(readFileSync(join(dir, 'fake-metrics.txt'), 'utf8')).toBe(`${measured[0].metric},count`);
    expect(readFileSync(join(dir, 'fake-suite.txt'), 'utf8')).toBe('99:2');
    expect(liveChildren()).toBe(0);
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

describe('a point that fails in some processes only', () => {
  it('keeps the figures of the processes that measured, noting the failures, with no separate error row', async () => {
    const { default: flaky, flakyExperiment } = await import('./fixtures/flaky-suite.ts');
    const outcome = await runExperiments({ ...request(tempDir(), 3), selection: [{ suite: flaky, experiment: flakyExperiment }] });
    const rows = readCsv(join(outcome.dir, 'results.csv'));
    expect(rows.map((r) => [r.metric, r.status === 'error' ? 'error' : 'measured', r.runs])).toEqual([['latency', 'measured', '2']]);
    expect(rows[0].note).toBe('the point failed in 1 of 3 processes (fails in one process on purpose)');
    expect(outcome.errors).toHaveLength(0);
  });
});

describe('declared parameters', () => {
  it('a row with a parameter its experiment does not declare, and a parameter named like a fixed column, are refused by name', () => {
    expect(() => toRow({ params: { template: 'x', extra: 1 }, metric: 'm', unit: 'ms' }, { run_id: 'r', suite: 's', experiment: 1 }, ['template'])).toThrow(
      "row 'm' has parameter 'extra', which its experiment does not declare (declared: template)",
    );
    expect(() => declaredParams([{ ...counting, params: ['unit', 'turns'] }])).toThrow("parameter name 'unit' reserved for results.csv's own columns");
  });
});

describe('the run line', () => {
  it('names the processes per point, and each experiment count when they differ', () => {
    expect(processesText([1, 2], () => 3)).toBe('3 processes per point');
    expect(processesText([1], () => 1)).toBe('1 process per point');
    const runs: Record<number, number> = { 1: 6, 2: 6, 3: 5, 4: 5, 8: 3 };
    expect(processesText([1, 2, 3, 4, 8], (id) => runs[id])).toBe('3–6 processes per point (exp 8: 3; exp 3, 4: 5; exp 1, 2: 6)');
  });
});
