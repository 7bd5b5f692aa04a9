/**
 * Experiment 11: requests/s per core of every pipeline measured (with intervals), and the trade-off a
 * gateway chooses on — throughput per core against the event loop's delay p99, Pareto front marked.
 */
import type { ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, MEDIAN_TOOLTIP, SCHEMA, measured, missingReason, titleBlock, withInterval } from '../../../visualization/style.ts';
import { candidatesOf, panelsOf, pipelineLabel } from '../pipelines/verdict.ts';
import { paretoFront } from '../pipelines/choose.ts';

const THROUGHPUT = 'How many requests per second per core does each pipeline prepare?';
const PARETO = 'Which pipelines trade throughput per core against a free event loop best?';

function throughput(rows: ResultRow[]): VegaLiteSpec {
  const perCore = measured(rows, 'requests_per_s_per_core');
  if (perCore.length === 0) return noDataSpec(THROUGHPUT, missingReason(rows, ['requests_per_s_per_core']));
  const values = perCore.map((r) => ({ ...withInterval(r), pipeline: pipelineLabel(r), panel: `${r.model}, ${r.text}` }));
  const x = { type: 'quantitative' as const, title: 'requests/s per core' };
  return {
    $schema: SCHEMA,
    title: titleBlock(THROUGHPUT, ['A batch of chats rendered, tokenized and collated; cores = this process’s CPU time / wall time in the same slice. Whiskers: 95% CI over processes.']),
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 440,
      height: { step: 16 },
      encoding: { y: { field: 'pipeline', type: 'nominal', title: null } },
      layer: [
        { mark: { type: 'rule' }, encoding: { x: { ...x, field: 'ci_low' }, x2: { field: 'ci_high' } } },
        { mark: { type: 'point', filled: true }, encoding: { x: { ...x, field: 'median' }, tooltip: [{ field: 'pipeline' }, ...MEDIAN_TOOLTIP] } },
      ],
    },
  } as VegaLiteSpec;
}

function pareto(rows: ResultRow[]): VegaLiteSpec {
  const values = panelsOf(rows).flatMap(({ model, text, rows: panel }) => {
    const candidates = candidatesOf(panel);
    const front = new Set(paretoFront(candidates));
    return candidates.map((c) => ({ panel: `${model}, ${text}`, pipeline: c.label, per_core: c.perCore.median, loop_p99: c.loopP99.median, front: front.has(c) ? 'on the Pareto front' : 'dominated' }));
  });
  if (values.length === 0) return noDataSpec(PARETO, missingReason(rows, ['requests_per_s_per_core', 'loop_delay_p99']));
  return {
    $schema: SCHEMA,
    title: titleBlock(PARETO, ['Each point a pipeline (medians over processes). Up is more throughput per core, left a freer event loop; a pipeline on the front is beaten by none on both.']),
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    spec: {
      width: 300,
      height: 240,
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { field: 'loop_p99', type: 'quantitative', title: 'event-loop delay p99 (ms)' },
        y: { field: 'per_core', type: 'quantitative', title: 'requests/s per core' },
        color: { field: 'front', type: 'nominal', title: null },
        tooltip: [{ field: 'pipeline' }, { field: 'per_core', format: '.3s' }, { field: 'loop_p99', format: '.3' }],
      },
    },
  } as VegaLiteSpec;
}

export const pipelineCharts: ChartDefinition[] = [
  { id: 'throughput', title: THROUGHPUT, build: throughput },
  { id: 'pareto', title: PARETO, build: pareto },
];
