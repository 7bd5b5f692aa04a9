/**
 * The goodput-search chart (suites/inference/charts/goodput.ts) from hand-written rows: compiles without
 * warnings, encodes only fields its data has, carries exactly the steps and the found point the rows give
 * (nothing from failed or other-metric rows), tells client-saturated steps apart, and shows a "no data"
 * panel when there is nothing to draw.
 */
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../common/results/results.ts';
import { goodputCharts } from '../suites/inference/charts/goodput.ts';
import type { VegaLiteSpec } from '../visualization/chart.ts';
import { compileWarnings, fields } from './chart-checks.ts';

function row(over: Record<string, unknown>): ResultRow {
  return {
    run_id: 'r', suite: 'inference', experiment: 5, metric: '', unit: '%', n: 40, median: '', p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    runs: '', between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '', concurrency: '', rate: '', target: 'mock', dataset: 'synthetic', attainment: 90,
    ...over,
  } as ResultRow;
}

// A rate search: 1, 2, 4, 8 met the 90% target, 16 missed it, bisection 12 missed, 10 met → bracket [10, 12].
const SEARCH: ResultRow[] = [
  ...[1, 2, 4, 8, 16, 12, 10].map((rate, i) => row({ rate, metric: 'slo_attainment', median: [100, 100, 97.5, 92.5, 40, 70, 90][i], note: `step ${i + 1}` })),
  // The found load's interval over processes is no bracket: the bracket is in rows of its own.
  row({ metric: 'max_goodput_rate', unit: 'requests/s', median: 10, ci_low: 9, ci_high: 11 }),
  row({ metric: 'goodput_bracket_low', unit: 'requests/s', median: 10 }),
  row({ metric: 'goodput_bracket_high', unit: 'requests/s', median: 12 }),
  // Neither a failed step nor another metric may appear.
  row({ rate: 32, metric: 'slo_attainment', status: 'error', error: 'boom' }),
  row({ rate: 1, metric: 'ttft', unit: 'ms', median: 12 }),
];

const spec = (rows: ResultRow[]) => goodputCharts[0].build(rows);
type Layer = { mark: { type: string }; data: { values: Record<string, unknown>[] } };
const layers = (s: VegaLiteSpec) => (s as unknown as { layer: Layer[] }).layer;
const valuesOf = (s: VegaLiteSpec, mark: string) => layers(s).find((l) => l.mark.type === mark)!.data.values;

function expectValid(s: VegaLiteSpec): void {
  expect((s as { usermeta?: { noData?: string } }).usermeta?.noData).toBeUndefined();
  expect(compileWarnings(s)).toEqual([]);
  const { used, available } = fields(s);
  expect([...used].filter((f) => !available.has(f))).toEqual([]);
}

describe('goodput search chart', () => {
  it('is titled with a question', () => {
    expect(goodputCharts.map((c) => c.id)).toEqual(['goodput-search']);
    expect(goodputCharts[0].title).toMatch(/\?$/);
  });

  it('one point per step, judged against the target; the found load marked with its bracket', () => {
    const s = spec(SEARCH);
    expectValid(s);
    expect(layers(s).map((l) => l.mark.type)).toEqual(['rect', 'rule', 'text', 'rule', 'line', 'point']);
    expect(valuesOf(s, 'point').map((v) => [v.load, v.attainment, v.outcome])).toEqual([
      [1, 100, 'meets target'],
      [2, 100, 'meets target'],
      [4, 97.5, 'meets target'],
      [8, 92.5, 'meets target'],
      [16, 40, 'misses target'],
      [12, 70, 'misses target'],
      [10, 90, 'meets target'],
    ]);
    expect(valuesOf(s, 'rect')).toEqual([{ series: 'mock · synthetic', value: 10, low: 10, high: 12, label: 'max 10/s (bracket 10–12)' }]);
    expect(layers(s)[3].data.values).toEqual([{ target: 90 }]);
    const x = (layers(s)[5] as unknown as { encoding: { x: { title: string; axis: { values: number[] } } } }).encoding.x;
    expect(x.title).toBe('request rate (requests/s, Poisson)');
    expect(x.axis.values).toEqual([1, 2, 4, 8, 10, 12, 16]);
  });

  it('client-saturated steps are drawn apart; a concurrency search uses the concurrency axis; no target, no target line', () => {
    const rows = [1, 2, 4].map((concurrency, i) =>
      row({ concurrency, metric: 'slo_attainment', median: [100, 95, 99][i], attainment: '', status: i === 2 ? 'client_saturated' : 'ok' }),
    );
    const s = spec([...rows, ...[['max_goodput_concurrency', 2], ['goodput_bracket_low', 2], ['goodput_bracket_high', 4]].map(([metric, median]) => row({ metric, unit: 'count', median })), row({ metric: 'goodput_bracket_high', target: 'other', unit: 'count', median: 8 })]);
    expectValid(s);
    expect(valuesOf(s, 'point').map((v) => [v.load, v.outcome])).toEqual([
      [1, 'measured'],
      [2, 'measured'],
      [4, 'client saturated'],
    ]);
    expect(layers(s).map((l) => l.mark.type)).toEqual(['rect', 'rule', 'text', 'line', 'point']);
    expect(valuesOf(s, 'line').map((v) => v.load)).toEqual([1, 2]);
    expect(valuesOf(s, 'text')[0].label).toBe('max 2 (bracket 2–4)');
  });

  it('steps without a found point (search ended short) still chart', () => {
    const s = spec(SEARCH.filter((r) => r.metric !== 'max_goodput_rate'));
    expectValid(s);
    expect(layers(s).map((l) => l.mark.type)).toEqual(['rule', 'line', 'point']);
  });

  it('no attainment rows, or only failed ones: a "no data" panel saying which', () => {
    const noData = (s: VegaLiteSpec) => (s as { usermeta?: { noData?: string } }).usermeta?.noData;
    expect(noData(spec([]))).toBe('no slo_attainment rows in this run (experiment not run or interrupted)');
    expect(noData(spec([row({ rate: 1, metric: 'slo_attainment', status: 'error', error: 'boom' })]))).toBe('all 1 slo_attainment rows are error or unsupported');
  });
});
