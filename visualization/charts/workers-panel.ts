/**
 * The shared shape of experiments 3 and 4: a metric vs worker count, one line per strategy, with 95% CI
 * whiskers. Points of different strategies at the same worker count are nudged apart horizontally
 * (`x_pos`) so none hides another; the axis and tooltip show the true count.
 */
import type { ResultRow } from '../../common/results.ts';
import { MEDIAN_TOOLTIP, STRATEGY_COLORS, STRATEGY_ORDER, fixedScale, strategyLabel, withInterval } from '../style.ts';

const NUDGE = 0.045;

export interface WorkerPoint {
  template: string;
  engine: string;
  strategy: string;
  point: string;
  workers: number;
  x_pos: number;
  median: number;
  ci_low: number;
  ci_high: number;
  n: number | '';
  [extra: string]: unknown;
}

export function workerPoints(rows: ResultRow[], extra: (r: ResultRow) => Record<string, unknown> = () => ({})): WorkerPoint[] {
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const order = fixedScale(STRATEGY_ORDER, STRATEGY_COLORS, strategies).domain;
  return rows.map((r) => {
    const w = withInterval(r);
    const workers = typeof r.workers === 'number' ? r.workers : 1;
    const offset = (order.indexOf(r.strategy) - (order.length - 1) / 2) * NUDGE * Math.max(1, workers / 2);
    return { template: r.template, engine: r.engine, strategy: r.strategy, point: strategyLabel(r), workers, x_pos: workers + offset, median: w.median as number, ci_low: w.ci_low, ci_high: w.ci_high, n: r.n, ...extra(r) };
  });
}

export function strategyColor(values: { strategy: string }[]) {
  return { field: 'strategy', type: 'nominal' as const, title: 'strategy', scale: fixedScale(STRATEGY_ORDER, STRATEGY_COLORS, [...new Set(values.map((v) => v.strategy))]) };
}

/** x: worker count with integer ticks, from 0 so one worker is not on the axis edge. */
export function workersAxis(values: WorkerPoint[]) {
  const max = Math.max(1, ...values.map((v) => v.workers));
  return {
    field: 'x_pos',
    type: 'quantitative' as const,
    title: 'workers (threads / processes)',
    scale: { domain: [0, max + 0.5], nice: false },
    axis: { values: Array.from({ length: max + 1 }, (_, i) => i), format: 'd' },
  };
}

/**
 * Lines (strategies with several worker counts), whiskers and points of `median` vs workers. Panels
 * sharing a legend must pass one `color` built from all their values, or Vega-Lite merges two
 * different domain/range pairs and mis-colours strategies.
 */
export function strategyLayers(values: WorkerPoint[], yTitle: string, yScale: Record<string, unknown> = {}, color = strategyColor(values)) {
  const x = workersAxis(values);
  const y = { type: 'quantitative' as const, title: yTitle, scale: yScale };
  return [
    { mark: { type: 'line' as const, strokeWidth: 2 }, encoding: { x, y: { ...y, field: 'median' }, color, detail: { field: 'template' } } },
    { mark: { type: 'rule' as const, strokeWidth: 1.5 }, encoding: { x, y: { ...y, field: 'ci_low' }, y2: { field: 'ci_high' }, color } },
    {
      mark: { type: 'point' as const, filled: true, size: 60, opacity: 1 },
      encoding: {
        x,
        y: { ...y, field: 'median' },
        color,
        tooltip: [{ field: 'point', title: 'strategy' }, { field: 'workers' }, { field: 'template' }, { field: 'engine' }, ...MEDIAN_TOOLTIP],
      },
    },
  ];
}
