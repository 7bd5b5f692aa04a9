/** Experiment 3: how long a batch of requests (64; quick: 16) takes to prepare, per strategy and worker count. */
import { hasFigure, type ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, SCHEMA, STRATEGY_COLORS, STRATEGY_ORDER, measured, missingReason, titleBlock } from '../../../visualization/style.ts';
import { requestsOf } from '../queue-points.ts';
import { cpuCounts, cpuRuleLayer, cpuRules, strategyColor, strategyLayers, workerPoints, workersAxis, type CpuRule, type WorkerPoint } from './workers-panel.ts';

const TITLE = 'How long does the GPU wait for a batch of chat requests to be templated, tokenized and collated, per strategy and worker count?';

const HEIGHT = 230;

function facetPanel(values: (WorkerPoint | CpuRule)[], layer: unknown[]) {
  return {
    data: { values },
    facet: { field: 'template', type: 'nominal' as const, title: null, header: { labelExpr: "'template ' + datum.value" } },
    columns: Math.min(3, new Set(values.map((v) => v.template)).size),
    spec: { width: 300, height: HEIGHT, layer },
  };
}

function build(rows: ResultRow[]): VegaLiteSpec {
  const prepare = workerPoints(measured(rows, 'batch_prepare'));
  if (prepare.length === 0) return noDataSpec(TITLE, missingReason(rows, ['batch_prepare']));
  const share = workerPoints(measured(rows, 'template_share'));
  const color = strategyColor([...prepare, ...share]);
  // Where logical CPUs (and physical cores) end, when the rows carry the machine's topology; a facet
  // (template) only sees its own rows, so each gets its rules.
  const counts = cpuCounts(rows);
  const rulesFor = (values: WorkerPoint[]) => cpuRules(counts, [...new Set(values.map((v) => v.template))].map((template) => ({ template })));
  const marks = cpuRules(counts);
  const x = workersAxis([...prepare, ...share], marks.map((r) => r.x_pos));
  const withRules = (values: WorkerPoint[], layer: unknown[]) =>
    marks.length > 0 ? facetPanel([...values, ...rulesFor(values)], [cpuRuleLayer(x, HEIGHT), { transform: [{ filter: "datum.kind !== 'cpu_rule'" }], layer }]) : facetPanel(values, layer);
  // main runs on one thread: its median is drawn across the panel as the line to beat.
  const mainRule = {
    transform: [{ filter: "datum.strategy === 'main'" }],
    mark: { type: 'rule' as const, strokeDash: [4, 4], color: STRATEGY_COLORS[STRATEGY_ORDER.indexOf('main')], opacity: 0.7 },
    encoding: { y: { field: 'median', type: 'quantitative' as const } },
  };
  const panels = [
    withRules(prepare, [mainRule, ...strategyLayers(prepare, `batch of ${requestsOf(rows)} ready after (ms)`, { zero: true }, color, x)]),
  ];
  if (share.length > 0) panels.push(withRules(share, strategyLayers(share, 'template share of batch time (%)', { domain: [0, 100] }, color, x)));
  const failed = rows.filter((r) => !hasFigure(r.status)).map((r) => `${strategyLabelOf(r)}: ${r.status}`);
  const templates = new Set(prepare.map((v) => v.template));
  // The share panel exists only in full runs (quick ones measure no template_share): name panels only when there are two.
  const [first, second] = templates.size > 1 ? ['Top', 'Bottom'] : ['Left', 'Right'];
  const panelText = share.length > 0 ? `${first}: batch preparation time, whiskers 95% CI; dashed line: main thread. ${second}: template rendering share of it.` : 'Batch preparation time, whiskers 95% CI; dashed line: main thread.';
  const subtitle = [
    `${panelText} Pools include every round trip; native = main-thread template + Rust tokenizer on libuv threads.`,
    ...(marks.length > 0 ? [`Dotted verticals: ${marks.map((r) => r.label).join(', ')}.`] : []),
    ...(failed.length > 0 ? [`Failed points: ${[...new Set(failed)].join('; ')}.`] : []),
  ];
  return {
    $schema: SCHEMA,
    title: titleBlock(TITLE, subtitle),
    config: CONFIG,
    ...(templates.size > 1 ? { vconcat: panels } : { hconcat: panels }),
    resolve: { scale: { color: 'shared' } },
  } as VegaLiteSpec;
}

function strategyLabelOf(r: ResultRow): string {
  return [r.template, r.strategy, r.workers].filter((x) => x !== '').join(' ');
}

export const queueCharts: ChartDefinition[] = [{ id: 'queue', title: TITLE, build }];
