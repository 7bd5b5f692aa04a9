/**
 * Experiment 4's contention rows: the idle slice is a mode of its own (`mode` idle, no strategy), the
 * strategies' slices are mode load; the answers and charts read the idle slice from its mode.
 */
import { describe, expect, it } from 'vitest';
import { toRow, type ResultRow, type RowInput } from '../common/results/results.ts';
import { CONTENTION_PARAMS, contention, sliceParams } from '../experiments/preprocessing/04-contention.ts';
import { contentionCharts } from '../suites/preprocessing/charts/contention.ts';
import { QUEUE_PARAMS, batchCoordinates } from '../suites/preprocessing/queue-points.ts';
import type { VegaLiteSpec } from '../visualization/chart.ts';
import { compileWarnings } from './chart-checks.ts';

const IDLE = sliceParams(undefined, 'js');
const MAIN = sliceParams({ strategy: 'main', workers: 1 }, 'js');
const POOL = sliceParams({ strategy: 'pool', workers: 2 }, 'js');
const NATIVE = sliceParams({ strategy: 'native', workers: 1 }, 'js');

/** A results.csv row of the contention point: the runner's coordinates, then the slice's own parameters. */
function row(slice: RowInput['params'], metric: string, median: number): ResultRow {
  const input: RowInput = { params: { ...batchCoordinates({ template: 'llama3.1-full', engine: 'jinja', requests: 64, text: 'mixed', file: false }), ...slice }, metric, unit: 'ms', value: median, low: median / 2, high: median * 2 };
  return { ...Object.fromEntries(CONTENTION_PARAMS.map((p) => [p, ''])), ...toRow(input, { run_id: 'r', suite: 'preprocessing', experiment: 4 }, contention.params) };
}

describe('experiment 4: the idle slice is a mode, not a strategy', () => {
  it('declares mode before strategy among experiment 3\'s parameters', () => {
    expect(CONTENTION_PARAMS).toEqual(['model', 'template', 'engine', 'tokenizer', 'mode', 'strategy', 'workers', 'text', 'turns', 'tokens', 'requests']);
    expect(contention.params).toBe(CONTENTION_PARAMS);
    expect(QUEUE_PARAMS).not.toContain('mode');
  });

  it('a slice\'s row parameters: idle has no strategy (and 0 workers); every strategy point is under load', () => {
    expect(IDLE).toStrictEqual({ mode: 'idle', workers: 0 });
    expect(MAIN).toStrictEqual({ mode: 'load', strategy: 'main', workers: 1, tokenizer: 'js' });
    expect(POOL).toStrictEqual({ mode: 'load', strategy: 'pool', workers: 2, tokenizer: 'js' });
    expect(NATIVE).toStrictEqual({ mode: 'load', strategy: 'native', workers: 1, tokenizer: 'native' });
    const idle = row(IDLE, 'loop_delay_p99', 1);
    expect([idle.mode, idle.strategy, idle.workers, idle.tokenizer]).toEqual(['idle', '', 0, '']);
  });

  const rows = [row(POOL, 'loop_delay_p99', 3), row(IDLE, 'loop_delay_p99', 0.5), row(MAIN, 'loop_delay_p99', 10), row(IDLE, 'loop_delay_max', 4), row(MAIN, 'loop_delay_max', 40)]
    .concat([row(MAIN, 'health_latency', 50), row(IDLE, 'health_latency', 1), row(POOL, 'health_latency', 2)]);
  const values = (spec: VegaLiteSpec) => (spec as { data: { values: Record<string, unknown>[] } }).data.values;
  const bars = (spec: VegaLiteSpec) => (spec as { encoding: { y: { sort: string[] } }; layer: { encoding: { color?: { scale: unknown } } }[] });

  it('loop delay and /health charts: the idle bar comes from the mode, first and in the no-load grey', () => {
    for (const [id, metric, field] of [['loop-delay', 'loop_delay_p99', 'p99'], ['health', 'health_latency', 'median']] as const) {
      const spec = contentionCharts.find((c) => c.id === id)!.build(rows);
      expect(compileWarnings(spec), id).toEqual([]);
      const expected = rows.filter((r) => r.metric === metric).map((r) => ({ point: r.mode === 'idle' ? 'idle (no load)' : r.strategy === 'pool' ? 'pool×2' : 'main', strategy: r.mode === 'idle' ? 'idle' : r.strategy, [field]: r.median }));
      expect(values(spec).map((v) => ({ point: v.point, strategy: v.strategy, [field]: v[field] })), id).toEqual(expected);
      expect(bars(spec).encoding.y.sort, id).toEqual(['idle (no load)', 'main', 'pool×2']);
      expect(bars(spec).layer[0].encoding.color?.scale, id).toEqual({ domain: ['idle', 'main', 'pool'], range: ['#999999', '#D55E00', '#0072B2'] });
    }
    // The idle bar's tooltip max is the idle slice's own loop_delay_max.
    const delay = values(contentionCharts.find((c) => c.id === 'loop-delay')!.build(rows));
    expect(delay.map((v) => [v.point, v.max])).toEqual([['pool×2', ''], ['idle (no load)', 4], ['main', 40]]);
  });

  it('the answers quote the idle slice by its mode', () => {
    const measured = [row(MAIN, 'loop_delay_p99', 6), row(POOL, 'loop_delay_p99', 2), row(IDLE, 'loop_delay_p99', 1), { ...row(POOL, 'loop_delay_p99_vs_main', 4), unit: 'ms' }];
    const [delay] = contention.answers!(measured, { cores: 2 });
    expect(delay.text).toBe("Under the serving load the main thread's event-loop delay p99 is 6 ms (95% CI 3–12); with a pool of 2 workers it is 2 ms (95% CI 1–4) (idle: 1 ms (95% CI 0.5–2)): 4 ms (95% CI 2–8) less than on the main thread (main − pool, paired per round).");
  });
});
