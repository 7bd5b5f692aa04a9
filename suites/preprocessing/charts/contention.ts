/**
 * Experiment 4: does the event loop stay free while batches are prepared (loop delay, /health latency),
 * and how do templating and tokenizing each scale with workers (speedup vs the ideal)?
 */
import type { ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, MEDIAN_TOOLTIP, SCHEMA, STRATEGY_ORDER, measured, missingReason, strategyLabel, titleBlock, withInterval } from '../../../visualization/style.ts';
import { requestsOf } from '../queue-points.ts';
import { cpuCounts, cpuRuleLayer, cpuRules, strategyColor, strategyLayers, workerPoints, workersAxis } from './workers-panel.ts';

const SCALING_TITLE = 'How do templating and tokenizing each scale with workers, compared with ideal linear scaling?';
const DELAY_TITLE = 'While a batch is prepared, how late do timers on the main thread fire, per strategy?';
const HEALTH_TITLE = 'While a batch is prepared, how slow is a concurrent GET /health served by the main thread, per strategy?';

const HEIGHT = 240;
const OPS: Record<string, string> = { render: 'templating', tokenize: 'tokenizing' };

/** A contention row's colour series: `idle` for the idle slice (mode idle, no strategy; drawn in the no-load grey), else its strategy. */
const series = (r: ResultRow): string => (r.mode === 'idle' ? 'idle' : String(r.strategy));

/** `idle (no load)`, `main`, `pool×2`… in strategy order, then by worker count. */
function pointLabel(r: ResultRow): string {
  return r.mode === 'idle' ? 'idle (no load)' : strategyLabel(r);
}
function pointOrder(rows: ResultRow[]): string[] {
  const sorted = [...rows].sort((a, b) => rank(series(a)) - rank(series(b)) || Number(a.workers || 0) - Number(b.workers || 0));
  return [...new Set(sorted.map(pointLabel))];
}
const rank = (s: string) => (STRATEGY_ORDER.includes(s) ? STRATEGY_ORDER.indexOf(s) : STRATEGY_ORDER.length);

function buildScaling(rows: ResultRow[]): VegaLiteSpec {
  const metrics = Object.keys(OPS).map((op) => `speedup_${op}`);
  const speedups = workerPoints(measured(rows, metrics), (r) => ({ kind: 'measured', op: OPS[r.metric.replace('speedup_', '')] }));
  if (speedups.length === 0) return noDataSpec(SCALING_TITLE, missingReason(rows, metrics));
  const idealRows = measured(rows, metrics.map((m) => `${m}_ideal`));
  // The ideal rows are linear capped at the physical cores (experiment 4's derive); the rules come from its topology rows.
  const ideal = idealRows.map((r) => ({ kind: 'ideal', op: OPS[r.metric.replace(/^speedup_|_ideal$/g, '')], workers: r.workers, x_pos: r.workers, ideal: r.median }));
  const counts = cpuCounts(rows);
  const rules = cpuRules(counts, Object.values(OPS).map((op) => ({ op })));
  const values = [...speedups, ...ideal, ...rules];
  const x = workersAxis(speedups, rules.map((r) => r.x_pos));
  const yTitle = 'speedup vs main thread (×)';
  const marked = rules.filter((r) => r.op === OPS.render).map((r) => r.label);
  return {
    $schema: SCHEMA,
    title: titleBlock(SCALING_TITLE, [
      `${requestsOf(rows)}-request batches, one stage only; speedup = main-thread median / strategy median, whiskers 95% CI.`,
      `Grey dashed: ideal (linear, capped at the ${counts.physical ? 'physical cores' : 'core count'}); dotted vertical${marked.length > 1 ? 's' : ''}: ${marked.length > 0 ? marked.join(', ') : 'CPU count not recorded in this run'}. native tokenizes on libuv's threadpool.`,
    ]),
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'op', type: 'nominal', title: null, sort: Object.values(OPS), header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 300,
      height: HEIGHT,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'ideal'" }],
          mark: { type: 'line', color: '#888', strokeDash: [6, 4], point: { color: '#888', size: 20 } },
          encoding: { x, y: { field: 'ideal', type: 'quantitative', title: yTitle }, tooltip: [{ field: 'workers' }, { field: 'ideal', title: 'ideal speedup' }] },
        },
        ...(rules.length > 0 ? [cpuRuleLayer(x, HEIGHT)] : []),
        { transform: [{ filter: "datum.kind === 'measured'" }], layer: strategyLayers(speedups, yTitle, { zero: true }, strategyColor(speedups), x) },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'shared' } },
  } as VegaLiteSpec;
}

function buildLoopDelay(rows: ResultRow[]): VegaLiteSpec {
  const p99 = measured(rows, 'loop_delay_p99');
  if (p99.length === 0) return noDataSpec(DELAY_TITLE, missingReason(rows, ['loop_delay_p99']));
  const other = (r: ResultRow, metric: string) => measured(rows, metric).find((o) => o.mode === r.mode && o.strategy === r.strategy && o.workers === r.workers && o.template === r.template)?.median ?? '';
  // monitorEventLoopDelay minus its 1 ms resolution can be 0: a log axis needs a floor, the label keeps the truth.
  const FLOOR = 0.01;
  const values = p99.map((r) => ({ point: pointLabel(r), strategy: series(r), workers: r.workers, template: r.template, p99: r.median as number, p99_plot: Math.max(FLOOR, r.median as number), p50: other(r, 'loop_delay_p50'), max: other(r, 'loop_delay_max') }));
  const low = Math.min(...values.map((v) => v.p99_plot)) / 2;
  return pointBars(p99, values, {
    question: DELAY_TITLE,
    subtitle: ['Event-loop delay p99 during the load (monitorEventLoopDelay, 1 ms resolution subtracted); log scale.', `Values below ${FLOOR} ms are drawn at ${FLOOR} ms. Lower is better: idle is the floor of this machine.`],
    xTitle: 'event-loop delay p99 (ms, log scale)',
    domain: [low, Math.max(...values.map((v) => v.p99_plot)) * 3],
    barField: 'p99_plot',
    tooltip: [{ field: 'point', title: 'strategy' }, { field: 'template' }, { field: 'p50', title: 'p50 (ms)', format: '.3~g' }, { field: 'p99', title: 'p99 (ms)', format: '.3~g' }, { field: 'max', title: 'max (ms)', format: '.3~g' }],
    layers: (x) => [{ mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { x: { ...x, field: 'p99_plot' }, text: { field: 'p99', format: '.3~g' } } }],
  });
}

function buildHealth(rows: ResultRow[]): VegaLiteSpec {
  const health = measured(rows, 'health_latency');
  if (health.length === 0) return noDataSpec(HEALTH_TITLE, missingReason(rows, ['health_latency']));
  const values = health.map((r) => {
    const w = withInterval(r);
    return { point: pointLabel(r), strategy: series(r), workers: r.workers, template: r.template, median: w.median as number, ci_low: w.ci_low, ci_high: w.ci_high, p99: r.p99, n: r.n };
  });
  // p99 is often 10–100× the median under load: a log axis keeps both readable.
  const all = values.flatMap((v) => [v.ci_low, v.median, typeof v.p99 === 'number' ? v.p99 : v.median]).filter((x) => x > 0);
  const low = all.length > 0 ? Math.min(...all) / 2 : 0.01;
  return pointBars(health, values, {
    question: HEALTH_TITLE,
    subtitle: ['Bar: median, whisker: its 95% CI, black tick: p99. Probed every 5 ms over loopback from a worker thread.'],
    xTitle: '/health latency (ms, log scale)',
    domain: [low, Math.max(low * 10, ...all) * 1.5],
    barField: 'median',
    tooltip: [{ field: 'point', title: 'strategy' }, { field: 'template' }, ...MEDIAN_TOOLTIP, { field: 'p99', title: 'p99', format: '.4~g' }],
    layers: (x) => [
      { mark: { type: 'rule', color: '#222' }, encoding: { x: { ...x, field: 'ci_low' }, x2: { field: 'ci_high' } } },
      { mark: { type: 'tick', color: 'black', thickness: 2, bandSize: 18 }, encoding: { x: { ...x, field: 'p99' } } },
    ],
  });
}

interface PointBarsOptions {
  question: string;
  subtitle: string[];
  xTitle: string;
  /** [low, high] of the log axis; bars start at `low`. */
  domain: [number, number];
  barField: string;
  tooltip: unknown[];
  /** Layers drawn over the bars, given the shared x axis (without its field). */
  layers: (x: { type: 'quantitative'; title: string; scale: { type: 'log'; domain: [number, number] } }) => unknown[];
}

/**
 * One horizontal bar per strategy × workers point (rows in pointOrder) on a log x axis. Bars on a log axis
 * need an explicit base (log 0 is undefined): they start at the domain's low end.
 */
function pointBars(rows: ResultRow[], values: { strategy: string }[], o: PointBarsOptions): VegaLiteSpec {
  const y = { field: 'point', type: 'nominal' as const, title: 'strategy × workers', sort: pointOrder(rows) };
  const x = { type: 'quantitative' as const, title: o.xTitle, scale: { type: 'log' as const, domain: o.domain } };
  return {
    $schema: SCHEMA,
    title: titleBlock(o.question, o.subtitle),
    config: CONFIG,
    data: { values },
    width: 460,
    height: { step: 26 },
    encoding: { y },
    layer: [
      { mark: { type: 'bar', height: { band: 0.7 } }, encoding: { x: { ...x, field: o.barField }, x2: { datum: o.domain[0] }, color: strategyColor(values), tooltip: o.tooltip } },
      ...o.layers(x),
    ],
  } as VegaLiteSpec;
}

export const contentionCharts: ChartDefinition[] = [
  { id: 'scaling', title: SCALING_TITLE, build: buildScaling },
  { id: 'loop-delay', title: DELAY_TITLE, build: buildLoopDelay },
  { id: 'health', title: HEALTH_TITLE, build: buildHealth },
];
