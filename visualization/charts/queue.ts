/** Experiment 3: how long a batch of 64 requests takes to prepare, per strategy and worker count. */
import { hasFigure, type ResultRow } from '../../common/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../chart.ts';
import { noDataSpec } from '../no-data.ts';
import { CONFIG, SCHEMA, STRATEGY_COLORS, STRATEGY_ORDER, measured, missingReason, titleBlock } from '../style.ts';
import { strategyColor, strategyLayers, workerPoints, type WorkerPoint } from './workers-panel.ts';

const TITLE = 'How long does the GPU wait for a batch of 64 chat requests to be templated, tokenized and collated, per strategy and worker count?';

function facetPanel(values: WorkerPoint[], layer: unknown[]) {
  return {
    data: { values },
    facet: { field: 'template', type: 'nominal' as const, title: null, header: { labelExpr: "'template ' + datum.value" } },
    columns: Math.min(3, new Set(values.map((v) => v.template)).size),
    spec: { width: 300, height: 230, layer },
  };
}

function build(rows: ResultRow[]): VegaLiteSpec {
  const prepare = workerPoints(measured(rows, 'batch_prepare'));
  if (prepare.length === 0) return noDataSpec(TITLE, missingReason(rows, ['batch_prepare']));
  const share = workerPoints(measured(rows, 'template_share'));
  const color = strategyColor([...prepare, ...share]);
  // main runs on one thread: its median is drawn across the panel as the line to beat.
  const mainRule = {
    transform: [{ filter: "datum.strategy === 'main'" }],
    mark: { type: 'rule' as const, strokeDash: [4, 4], color: STRATEGY_COLORS[STRATEGY_ORDER.indexOf('main')], opacity: 0.7 },
    encoding: { y: { field: 'median', type: 'quantitative' as const } },
  };
  const panels = [
    facetPanel(prepare, [mainRule, ...strategyLayers(prepare, 'batch of 64 ready after (ms)', { zero: true }, color)]),
  ];
  if (share.length > 0) panels.push(facetPanel(share, strategyLayers(share, 'template share of batch time (%)', { domain: [0, 100] }, color)));
  const failed = rows.filter((r) => !hasFigure(r.status)).map((r) => `${strategyLabelOf(r)}: ${r.status}`);
  const subtitle = [
    'Left: batch preparation time, whiskers 95% CI; dashed line: main thread. Right: template rendering share of it. Pools include every round trip; native = main-thread template + Rust tokenizer on libuv threads.',
    ...(failed.length > 0 ? [`Failed points: ${[...new Set(failed)].join('; ')}.`] : []),
  ];
  const templates = new Set(prepare.map((v) => v.template));
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
