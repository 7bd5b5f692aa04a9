/**
 * --precision and --extend (issue 29 part 3): after the planned processes, groups whose headline or
 * flagged rows are wider than ±P get k·(h/P)² processes in all (Stein's two-stage rule), within the
 * budget, and rows measured in more processes than planned get the two-stage interval. Its coverage is
 * checked on simulated runs; the runner's part on test/fixtures/spread-suite.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { combineReplicates } from '../common/results/replicates.ts';
import { LOG_SCALE, logTInterval, twoStageInterval } from '../common/stats/replicate-stats.ts';
import { createRng } from '../common/stats/rng.ts';
import type { ResultRow } from '../common/results/results.ts';
import { pointsOf, withAfter } from '../suites/precision.ts';
import type { Experiment, Suite } from '../suites/types.ts';
import { runExperiments, type RunRequest } from '../suites/orchestrator.ts';
import suite, { figureOf, spread } from './fixtures/spread-suite.ts';
import { cli, fixtureRequest, onlyRun, readCsv, tempDir } from './helpers.ts';

const envOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
const half = (i: { center: number; low: number; high: number }) => (100 * (i.high - i.low)) / 2 / i.center;
/** What the rule wants for `noisy` from its 3 planned processes at ±10%. */
const noisyWants = () => Math.ceil(3 * (half(logTInterval([0, 1, 2].map((r) => figureOf('noisy', r)))) / 10) ** 2);

const request = (budgetSeconds: number): RunRequest => fixtureRequest({ suite, experiment: spread }, { seed: 42, runs: 3, precision: { target: 10, budgetSeconds } });

describe('the adaptive rule keeps 95% coverage', () => {
  const z = (() => {
    const rng = createRng(29);
    return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  })();

  /** One simulated run of the rule on one row: k planned processes, then as many as the rule wants (at most 30). */
  function simulate(k: number, sigma: number, target: number): { covered: boolean; processes: number } {
    const figures = Array.from({ length: k }, () => Math.exp(sigma * z()));
    const rows = (n: number) => figures.slice(0, n).map((value, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', value } }));
    const [first] = combineReplicates(rows(k), k);
    const h = (100 * (first.high! - first.low!)) / 2 / first.value!;
    const wants = h > target ? Math.min(30, Math.ceil(k * (h / target) ** 2)) : k;
    while (figures.length < wants) figures.push(Math.exp(sigma * z()));
    const [row] = combineReplicates(rows(figures.length), k);
    return { covered: row.low! <= 1 && 1 <= row.high!, processes: figures.length };
  }

  it.each([
    [3, 0.1],
    [3, 0.15],
    [3, 0.3],
    [5, 0.2],
    [6, 0.15],
  ])('k = %i planned processes, between-process sd %f on the log scale, target ±10%: coverage within 95% ± 3% over 2000 simulated runs', (k, sigma) => {
    const runs = Array.from({ length: 2000 }, () => simulate(k, sigma, 10));
    const coverage = runs.filter((r) => r.covered).length / runs.length;
    expect(coverage).toBeGreaterThanOrEqual(0.92);
    expect(coverage).toBeLessThanOrEqual(0.98);
    // The rule did add processes (else this would only test the fixed-n interval).
    expect(runs.some((r) => r.processes > k)).toBe(true);
  });

  it('a row measured in more processes than planned gets the two-stage interval: center over all, spread of the planned ones', () => {
    const figures = [10, 12, 9, 11, 10.5, 9.5];
    const [row] = combineReplicates(figures.map((value, replicate) => ({ replicate, row: { metric: 'm', unit: 'ms', value } })), 3);
    const expected = twoStageInterval(figures, figures.slice(0, 3), LOG_SCALE);
    expect([row.value, row.low, row.high]).toEqual([expected.center, expected.low, expected.high]);
    expect(row.note).toBe('two-stage interval (--precision): the spread of the 3 planned processes, over 6');
  });
});

describe('--precision on a run', () => {
  it('adds processes to the wide group only, up to what its planned processes ask for, and states the rule', async () => {
    const outcome = await runExperiments(request(600));
    const env = envOf(outcome.dir);
    const wants = noisyWants();
    expect(wants).toBeGreaterThan(3);
    expect(env.precision.groups).toEqual([{ group: 'exp 93 point 1', planned: 3, processes: wants, wanted: wants }]);
    expect(readCsv(join(outcome.dir, 'results.csv')).map((r) => [r.template, r.runs])).toEqual([['calm', '3'], ['noisy', String(wants)]]);
    expect(env.precision.rows.map((r: { metric: string; processes: number; processesAfter: number }) => [r.metric, r.processes, r.processesAfter])).toEqual([['latency', 3, 3], ['latency', 3, wants]]);
    const noisy = env.precision.rows[1];
    expect(noisy.before).toBeGreaterThan(10);
    expect(noisy.after).toBeLessThan(noisy.before);
    expect(readFileSync(join(outcome.dir, 'summary.md'), 'utf8')).toContain(`> **Precision ±10% (--precision, two-stage rule; headline and flagged rows): ${wants - 3} processes added`);
  }, 120_000);

  it('stops where the budget ends: no process is started that would not fit, the rows that did not reach P are named', async () => {
    const outcome = await runExperiments(request(0.001));
    const env = envOf(outcome.dir);
    expect(env.precision.groups).toEqual([{ group: 'exp 93 point 1', planned: 3, processes: 3, wanted: noisyWants() }]);
    expect(readFileSync(join(outcome.dir, 'summary.md'), 'utf8')).toContain(`0 processes added in 0 s of a 0.001 s budget (exp 93 point 1 3 → 3); 1 of 2 judged rows wider than ±10%: latency ±${Math.ceil(env.precision.rows[1].before)}%.**`);
  }, 120_000);

  it('npm run bench -- --extend DIR --precision 10% adds them to a finished run in its folder', async () => {
    process.env.PREPBENCH_SUITES = 'test/fixtures/spread-suite.ts';
    const out = tempDir();
    expect((await cli('--exp', '93', '--quick', '--runs', '3', '--no-progress', '--out', out)).code).toBe(0);
    const dir = onlyRun(out);
    expect(readCsv(join(dir, 'results.csv')).map((r) => r.runs)).toEqual(['3', '3']);
    const extended = await cli('--extend', dir, '--precision', '10%', '--budget', '5m', '--no-progress');
    expect(extended.code).toBe(0);
    expect(readCsv(join(dir, 'results.csv')).map((r) => r.runs)).toEqual(['3', String(noisyWants())]);
    expect(envOf(dir).precision).toMatchObject({ target: 10, budgetSeconds: 300 });
    expect((await cli('--extend', dir, '--budget', '5m')).stderr).toBe('error: --extend needs --precision P: the half-width to reach, e.g. --precision 10%\n');
    expect((await cli('--exp', '93', '--budget', '5m')).stderr).toBe('error: --budget is the time --precision may spend; give --precision too\n');
    expect((await cli('--exp', '93', '--precision', '60%')).stderr).toContain("'60%' is not a percentage from 0.5% to 50% (e.g. 10%).");
    expect((await cli('--exp', '93', '--precision', '10%', '--budget', '8d')).stderr).toContain("'8d' is not a duration from 1 s to 7 days (e.g. 300, 5m, 1h).");
  }, 180_000);
});

describe('the precision record', () => {
  it("finds each judged row's half-width after the extension in the written rows, a digit-only name measured as text included", () => {
    const written = [{ experiment: 5, metric: 'ttft', target: 8000, median: 10, ci_low: 9, ci_high: 11, runs: 7 }, { experiment: 5, metric: 'ttft', target: 'b', median: 10, ci_low: 8, ci_high: 12, runs: 7 }] as unknown as ResultRow[];
    const record = { target: 5, budgetSeconds: 60, rule: '', spentSeconds: 0, groups: [], rows: [{ experiment: 5, metric: 'ttft', params: { target: '8000' }, before: 20, processes: 3 }, { experiment: 5, metric: 'ttft', params: { target: 'b' }, before: 30, processes: 3 }] };
    expect(withAfter(record, written).rows.map((r) => [r.params.target, r.after, r.processesAfter])).toEqual([['8000', 10, 7], ['b', 20, 7]]);
  });

  it('maps a row to the points whose set coordinates it carries: one left unset (a model the server names) or a number read back from text still matches', () => {
    const points = [{ target: 'embedded', port: 8000 }, { target: 'other', port: 8001 }];
    const experiment = { coordinates: (p: (typeof points)[number]) => ({ target: p.target, model: undefined, port: String(p.port) }) } as unknown as Experiment;
    const entry = { selected: { experiment, suite: {} as Suite }, points };
    expect(pointsOf(entry, { params: { target: 'embedded', model: 'llama-3.2-1b', port: 8000 }, metric: 'ttft', unit: 'ms' })).toEqual([0]);
    expect(pointsOf(entry, { params: { model: 'llama-3.2-1b' }, metric: 'ratio', unit: 'x' })).toEqual([0, 1]);
    expect(pointsOf(entry, { params: { target: 'third' }, metric: 'ttft', unit: 'ms' })).toEqual([]);
  });
});
