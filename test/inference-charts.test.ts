/**
 * The inference charts (suites/inference/charts/index.ts), built from a few hand-written rows: each compiles
 * with vega-lite without warnings, encodes only fields its data has, carries exactly the values the rows
 * give (and nothing from failed or other-metric rows), has the expected marks, and shows a "no data"
 * panel when there is nothing to draw.
 */
import * as vl from 'vega-lite';
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../common/results/results.ts';
import { gatewayCharts, latencyCharts, prefixCharts } from '../suites/inference/charts/index.ts';
import inferenceSuite from '../suites/inference/index.ts';
import type { ChartDefinition, VegaLiteSpec } from '../visualization/chart.ts';
import { compileWarnings, fields } from './chart-checks.ts';

function row(over: Partial<ResultRow>): ResultRow {
  return {
    run_id: 'r', suite: 'inference', experiment: 5, model: 'mock-llama', template: '', engine: '', tokenizer: '', mode: '', strategy: '', workers: '', turns: '', tokens: '',
    metric: '', unit: 'ms', n: 24, median: '', p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    concurrency: '', rate: '', target: 'mock', dataset: 'synthetic', runs: '', between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '',
    ...over,
  };
}

// Experiment 5: three concurrency levels; c=4 buys little throughput at a much higher TTFT.
const LATENCY: ResultRow[] = [1, 2, 4].flatMap((c, i) => [
  row({ concurrency: c, metric: 'output_throughput', unit: 'tokens/s', median: [100, 180, 190][i] }),
  row({ concurrency: c, metric: 'ttft', median: [10, 15, 40][i], p99: [20, 30, 90][i] }),
  // Shares of processes in which the level was on the front.
  row({ concurrency: c, metric: 'pareto_front_p50', unit: '%', median: [100, 100, 100][i] }),
  row({ concurrency: c, metric: 'pareto_front_p99', unit: '%', median: [100, 66.6667, 0][i] }),
]).concat(
  // A failed level and an unrelated metric: neither may appear.
  row({ concurrency: 8, metric: 'output_throughput', status: 'error', error: 'boom' }),
  row({ concurrency: 8, metric: 'ttft', status: 'error', error: 'boom' }),
  row({ concurrency: 1, metric: 'itl', median: 3 }),
);

// Experiment 6: TTFT inflation and loop delay per way of preprocessing at two concurrency levels: the
// baseline (mode baseline, no strategy; loop delay only) and mode preprocess with each strategy.
const GATEWAY: ResultRow[] = [1, 4]
  .map((c, j) => row({ experiment: 6, mode: 'baseline', concurrency: c, metric: 'loop_delay_p99', median: 2 + j }))
  .concat(
    (['main', 'pool', 'process'] as const).flatMap((strategy, m) =>
      [1, 4].flatMap((c, j) => [
        row({ experiment: 6, mode: 'preprocess', strategy, concurrency: c, metric: 'ttft_inflation', unit: 'x', median: 1 + m + j, ci_low: 0.5 + m + j, ci_high: 1.5 + m + j }),
        row({ experiment: 6, mode: 'preprocess', strategy, concurrency: c, metric: 'loop_delay_p99', median: 10 * (m + 1) * (j + 1) }),
      ]),
    ),
  );

// Experiment 7: shared prefix vs unique prompts; the unique row has no interval (falls back to its median).
const PREFIX: ResultRow[] = [
  row({ experiment: 7, dataset: 'shared-prefix', metric: 'ttft', median: 12, ci_low: 11, ci_high: 14 }),
  row({ experiment: 7, dataset: 'unique', metric: 'ttft', median: 30 }),
  row({ experiment: 7, dataset: 'unique', metric: 'prompt_tokens_evaluated', unit: 'tokens', median: 500 }),
];

const values = (spec: VegaLiteSpec) => (spec as { data: { values: Record<string, unknown>[] } }).data.values;
const layerMarks = (spec: VegaLiteSpec) => ((spec as { layer?: { mark: { type: string } }[]; spec?: { layer: { mark: { type: string } }[] } }).layer ?? (spec as { spec: { layer: { mark: { type: string } }[] } }).spec.layer).map((l) => l.mark.type);
const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

/** Compiles without warnings to a Vega spec, and every field it encodes exists in its data. */
function expectValid(spec: VegaLiteSpec): void {
  expect((spec as { usermeta?: { noData?: string } }).usermeta?.noData).toBeUndefined();
  expect(compileWarnings(spec)).toEqual([]);
  expect(vl.compile(spec).spec.marks?.length).toBeGreaterThanOrEqual(1);
  const { used, available } = fields(spec);
  expect([...used].filter((f) => !available.has(f))).toEqual([]);
}

describe('inference charts', () => {
  it('experiments 5, 6, 7, 9 declare these charts, each titled with a question', () => {
    const declared = inferenceSuite.experiments.map((e) => [e.id, (e.charts ?? []).map((c) => c.id)]);
    expect(declared).toEqual([[5, ['throughput-ttft']], [6, ['ttft-inflation', 'loop-delay']], [7, ['prefix-ttft']], [9, ['goodput-search']]]);
    for (const c of inferenceSuite.experiments.flatMap((e) => e.charts ?? [])) expect(c.title, c.id).toMatch(/\?$/);
  });

  it('throughput vs TTFT: one point per level and quantile, Pareto flags per quantile, faceted p50 | p99', () => {
    const spec = latencyCharts[0].build(LATENCY);
    expectValid(spec);
    expect(values(spec).map((v) => pick(v, ['load', 'quantile', 'throughput', 'ttft', 'pareto']))).toEqual([
      { load: 'c=1', quantile: 'p50 TTFT', throughput: 100, ttft: 10, pareto: 'Pareto front' },
      { load: 'c=1', quantile: 'p99 TTFT', throughput: 100, ttft: 20, pareto: 'Pareto front' },
      { load: 'c=2', quantile: 'p50 TTFT', throughput: 180, ttft: 15, pareto: 'Pareto front' },
      { load: 'c=2', quantile: 'p99 TTFT', throughput: 180, ttft: 30, pareto: 'Pareto front in some processes' },
      { load: 'c=4', quantile: 'p50 TTFT', throughput: 190, ttft: 40, pareto: 'Pareto front' },
      { load: 'c=4', quantile: 'p99 TTFT', throughput: 190, ttft: 90, pareto: 'dominated' },
    ]);
    expect(values(spec).every((v) => v.series === 'mock · synthetic')).toBe(true);
    expect((spec as { facet: { column: { field: string } } }).facet.column.field).toBe('quantile');
    expect(layerMarks(spec)).toEqual(['line', 'point', 'text']);
  });

  it('a rate run is labelled by its rate', () => {
    const rated = LATENCY.filter((r) => r.concurrency === 1 && r.status === 'ok').map((r) => ({ ...r, rate: 2.5 }));
    expect(values(latencyCharts[0].build(rated)).map((v) => v.load)).toEqual(['2.5/s', '2.5/s']);
  });

  it('TTFT inflation: median and CI per mode and concurrency, a baseline rule at 1×, modes in fixed colours', () => {
    const spec = gatewayCharts[0].build(GATEWAY);
    expectValid(spec);
    expect(values(spec).map((v) => pick(v, ['mode', 'concurrency', 'median', 'ci_low', 'ci_high']))).toEqual([
      { mode: 'main', concurrency: 1, median: 1, ci_low: 0.5, ci_high: 1.5 },
      { mode: 'main', concurrency: 4, median: 2, ci_low: 1.5, ci_high: 2.5 },
      { mode: 'pool', concurrency: 1, median: 2, ci_low: 1.5, ci_high: 2.5 },
      { mode: 'pool', concurrency: 4, median: 3, ci_low: 2.5, ci_high: 3.5 },
      { mode: 'process', concurrency: 1, median: 3, ci_low: 2.5, ci_high: 3.5 },
      { mode: 'process', concurrency: 4, median: 4, ci_low: 3.5, ci_high: 4.5 },
    ]);
    expect(layerMarks(spec)).toEqual(['rule', 'line', 'rule']);
    const line = (spec as { layer: { encoding: Record<string, any> }[] }).layer[1].encoding;
    expect(line.x.axis.values).toEqual([1, 4]);
    expect(line.x.scale).toEqual({ type: 'log', base: 2 });
    expect(line.color.scale).toEqual({ domain: ['main', 'pool', 'process'], range: ['#D55E00', '#0072B2', '#009E73'] });
  });

  it('loop delay: p99 per mode and concurrency, the baseline (its mode, no strategy) in grey', () => {
    const spec = gatewayCharts[1].build(GATEWAY);
    expectValid(spec);
    expect(values(spec)).toEqual([
      { mode: 'baseline', concurrency: 1, p99: 2 },
      { mode: 'baseline', concurrency: 4, p99: 3 },
      { mode: 'main', concurrency: 1, p99: 10 },
      { mode: 'main', concurrency: 4, p99: 20 },
      { mode: 'pool', concurrency: 1, p99: 20 },
      { mode: 'pool', concurrency: 4, p99: 40 },
      { mode: 'process', concurrency: 1, p99: 30 },
      { mode: 'process', concurrency: 4, p99: 60 },
    ]);
    expect((spec as { mark: { type: string } }).mark.type).toBe('line');
    expect((spec as { encoding: { y: { field: string } } }).encoding.y.field).toBe('p99');
    expect((spec as { encoding: { color: { scale: unknown } } }).encoding.color.scale).toEqual({ domain: ['baseline', 'main', 'pool', 'process'], range: ['#7f7f7f', '#D55E00', '#0072B2', '#009E73'] });
  });

  it('prefix: one bar per prompt set with its CI (the median when it has none)', () => {
    const spec = prefixCharts[0].build(PREFIX);
    expectValid(spec);
    expect(values(spec).map((v) => pick(v, ['variant', 'target', 'median', 'ci_low', 'ci_high']))).toEqual([
      { variant: 'shared-prefix', target: 'mock', median: 12, ci_low: 11, ci_high: 14 },
      { variant: 'unique', target: 'mock', median: 30, ci_low: 30, ci_high: 30 },
    ]);
    expect(layerMarks(spec)).toEqual(['bar', 'rule']);
  });

  const CHARTS: [ChartDefinition, ResultRow[]][] = [[latencyCharts[0], LATENCY], [gatewayCharts[0], GATEWAY], [gatewayCharts[1], GATEWAY], [prefixCharts[0], PREFIX]];
  it.each(CHARTS.map(([c, rows]) => [c.id, c, rows] as const))('%s: a "no data" panel for no rows and for all-error rows', (_id, chart, rows) => {
    const allError = rows.map((r): ResultRow => ({ ...r, status: 'error', error: 'boom', median: '' }));
    const reasons = [[], allError].map((input) => {
      const spec = chart.build(input);
      expect(compileWarnings(spec)).toEqual([]);
      return (spec as { usermeta?: { noData?: string } }).usermeta?.noData;
    });
    expect(reasons[0]).toMatch(/^no .* rows in this run/);
    expect(reasons[1]).toMatch(/^all \d+ .* rows are error or unsupported$/);
  });
});
