/** Experiment 2: the chat-history tax — cost vs turns at a fixed token total, and growth vs one turn. */
import { hasFigure, type ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, MEDIAN_TOOLTIP, SCHEMA, fixedScale, measured, missingReason, titleBlock, withInterval } from '../../../visualization/style.ts';

const TITLE = 'With total tokens fixed, how much more do templating and tokenizing cost as the same tokens are spread over more turns?';

const SERIES_ORDER = ['template · jinja', 'template · nunjucks', 'tokenize · js', 'tokenize · native'];
const SERIES_COLORS = ['#d95f02', '#e7298a', '#1b9e77', '#7570b3'];

/** "template · jinja" / "tokenize · native": the stage and the implementation doing it. */
function series(r: ResultRow): string {
  const stage = r.metric.replace(/_growth$/, '');
  return `${stage} · ${stage === 'template' ? r.engine : r.tokenizer}`;
}

function points(rows: ResultRow[], metrics: string[]) {
  return measured(rows, metrics).map((r) => {
    const w = withInterval(r);
    return { template: r.template, series: series(r), stage: r.metric.replace(/_growth$/, ''), turns: r.turns, tokens: r.tokens, median: w.median as number, ci_low: w.ci_low, ci_high: w.ci_high, n: r.n };
  });
}

/** One row of small multiples (one per template): CI band, line and points of median vs turns. */
function panel(values: ReturnType<typeof points>, yTitle: string, colorScale: ReturnType<typeof fixedScale>) {
  const x = { field: 'turns', type: 'quantitative' as const, title: 'turns in the chat (log scale)', scale: { type: 'log' as const }, axis: { values: [1, 2, 5, 10, 20, 50, 100], format: 'd' } };
  const y = { type: 'quantitative' as const, scale: { type: 'log' as const }, title: yTitle };
  const color = { field: 'series', type: 'nominal' as const, title: 'stage · engine or tokenizer', scale: colorScale };
  return {
    data: { values },
    facet: { field: 'template', type: 'nominal' as const, title: null, header: { labelExpr: "'template ' + datum.value" } },
    columns: Math.min(3, new Set(values.map((v) => v.template)).size),
    spec: {
      width: 230,
      height: 200,
      layer: [
        { mark: { type: 'area' as const, opacity: 0.18 }, encoding: { x, y: { ...y, field: 'ci_low' }, y2: { field: 'ci_high' }, color } },
        {
          mark: { type: 'line' as const, point: true },
          encoding: {
            x,
            y: { ...y, field: 'median' },
            color,
            strokeDash: { field: 'stage', type: 'nominal' as const, legend: null, scale: { domain: ['template', 'tokenize'], range: [[1, 0], [5, 3]] } },
            tooltip: [{ field: 'template' }, { field: 'series', title: 'series' }, { field: 'turns' }, { field: 'tokens', title: 'total tokens' }, ...MEDIAN_TOOLTIP],
          },
        },
      ],
    },
  };
}

function build(rows: ResultRow[]): VegaLiteSpec {
  const latency = points(rows, ['template', 'tokenize']);
  if (latency.length === 0) return noDataSpec(TITLE, missingReason(rows, ['template', 'tokenize']));
  const growth = points(rows, ['template_growth', 'tokenize_growth']);
  const colorScale = fixedScale(SERIES_ORDER, SERIES_COLORS, [...new Set([...latency, ...growth].map((v) => v.series))]);
  const failed = [...new Set(rows.filter((r) => !hasFigure(r.status)).map((r) => `${r.template} ${r.engine || r.tokenizer}`))];
  const tokens = [...new Set(latency.map((v) => v.tokens).filter((t) => t !== ''))].join(' / ');
  const subtitle = [
    `${tokens ? `${tokens} content tokens in every chat. ` : ''}Top: median per call (main thread), band = 95% CI. Bottom: relative to the 1-turn chat (1× = no tax).`,
    ...(failed.length > 0 ? [`Missing (unsupported or failed): ${failed.join('; ')}.`] : []),
  ];
  const top = panel(latency, 'median time per call (ms, log)', colorScale);
  const bottom = growth.length > 0 ? panel(growth, '× the 1-turn median (log)', colorScale) : undefined;
  return {
    $schema: SCHEMA,
    title: titleBlock(TITLE, subtitle),
    config: CONFIG,
    vconcat: bottom ? [top, bottom] : [top],
    resolve: { scale: { color: 'shared', strokeDash: 'shared' } },
  };
}

export const historyCharts: ChartDefinition[] = [{ id: 'history', title: TITLE, build }];
