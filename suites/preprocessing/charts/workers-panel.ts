/**
 * The shared shape of experiments 3 and 4: a metric vs worker count, one line per strategy, with 95% CI
 * whiskers, on a log₂ workers axis. Points of different strategies at the same worker count are nudged
 * apart horizontally (`x_pos`) so none hides another; the axis and tooltip show the true count.
 */
import type { ResultRow } from '../../../common/results/results.ts';
import { MEDIAN_TOOLTIP, STRATEGY_COLORS, STRATEGY_ORDER, fixedScale, measured, strategyLabel, withInterval } from '../../../visualization/style.ts';

/** Nudge between neighbouring strategies, in log₂ units (the same apparent gap at every worker count). */
const NUDGE = 0.06;
/** The axis extends this factor beyond the smallest and largest worker count. */
const PAD = 1.3;

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
  const strategies = [...new Set(rows.map((r) => String(r.strategy)))];
  const order = fixedScale(STRATEGY_ORDER, STRATEGY_COLORS, strategies).domain;
  return rows.map((r) => {
    const w = withInterval(r);
    const workers = typeof r.workers === 'number' ? r.workers : 1;
    const offset = (order.indexOf(String(r.strategy)) - (order.length - 1) / 2) * NUDGE;
    return { template: String(r.template), engine: String(r.engine), strategy: String(r.strategy), point: strategyLabel(r), workers, x_pos: workers * 2 ** offset, median: w.median as number, ci_low: w.ci_low, ci_high: w.ci_high, n: r.n, ...extra(r) };
  });
}

export function strategyColor(values: { strategy: string }[]) {
  return { field: 'strategy', type: 'nominal' as const, title: 'strategy', scale: fixedScale(STRATEGY_ORDER, STRATEGY_COLORS, [...new Set(values.map((v) => v.strategy))]) };
}

/**
 * x: worker count on a log₂ scale (the counts double), ticks at the counts measured; the domain also
 * covers `marks` (the CPU rules) and leaves a margin so no point sits on the edge.
 */
export function workersAxis(values: WorkerPoint[], marks: number[] = []) {
  const counts = [...new Set(values.map((v) => v.workers))].filter((w) => w > 0).sort((a, b) => a - b);
  const all = [...counts, ...marks.filter((m) => m > 0)];
  return {
    field: 'x_pos',
    type: 'quantitative' as const,
    title: 'workers (threads / processes), log₂ scale',
    scale: { type: 'log' as const, base: 2, domain: [Math.min(1, ...all) / PAD, Math.max(1, ...all) * PAD], nice: false },
    axis: { values: counts, format: 'd' },
  };
}

/** Logical CPUs and physical cores, from the `logical_cpus` / `physical_cores` rows experiment 4 writes. */
export function cpuCounts(rows: ResultRow[]): { logical?: number; physical?: number } {
  const value = (metric: string) => measured(rows, metric)[0]?.median as number | undefined;
  return { logical: value('logical_cpus'), physical: value('physical_cores') };
}

interface CpuMark {
  which: 'logical' | 'physical';
  x_pos: number;
  label: string;
}

/** A rule's data row, with the facet fields it belongs to. */
export interface CpuRule extends CpuMark {
  kind: 'cpu_rule';
  [facet: string]: unknown;
}

/**
 * Data rows of the vertical rules: where logical CPUs end, and where physical cores end when they differ
 * (SMT). One set per facet (`facets` gives each one's field values), since a facet only sees its rows.
 */
export function cpuRules(counts: { logical?: number; physical?: number }, facets: Record<string, string>[] = [{}]): CpuRule[] {
  const rules: CpuMark[] = [];
  if (counts.logical) rules.push({ which: 'logical', x_pos: counts.logical, label: `${counts.logical} logical CPUs${counts.physical === counts.logical ? ' (= physical cores)' : ''}` });
  if (counts.physical && counts.physical !== counts.logical) rules.push({ which: 'physical', x_pos: counts.physical, label: `${counts.physical} physical cores` });
  return facets.flatMap((f) => rules.map((r): CpuRule => ({ ...f, kind: 'cpu_rule', ...r })));
}

/**
 * The rules of `cpuRules` rows, each labelled along its left side from the bottom of a panel `height`
 * pixels high (where speedups and batch times leave room), so labels never run off the plot.
 */
export function cpuRuleLayer(x: ReturnType<typeof workersAxis>, height: number) {
  return {
    transform: [{ filter: "datum.kind === 'cpu_rule'" }],
    layer: [
      { mark: { type: 'rule' as const, color: '#555', strokeDash: [2, 3] }, encoding: { x } },
      {
        mark: { type: 'text' as const, angle: 270, align: 'left' as const, baseline: 'bottom' as const, dy: -3, color: '#555', fontSize: 11 },
        encoding: { x, y: { value: height - 4 }, text: { field: 'label' } },
      },
    ],
  };
}

/**
 * Lines (strategies with several worker counts), whiskers and points of `median` vs workers. Panels
 * sharing a legend must pass one `color` built from all their values, or Vega-Lite merges two
 * different domain/range pairs and mis-colours strategies; likewise one `x` when other layers (the CPU
 * rules) widen the workers axis.
 */
export function strategyLayers(values: WorkerPoint[], yTitle: string, yScale: Record<string, unknown> = {}, color = strategyColor(values), x = workersAxis(values)) {
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
