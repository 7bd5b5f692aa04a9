/**
 * Experiment 8: the template corpus — render cost vs turns per engine and family, and how many templates
 * each engine renders identically to the reference. Exp 8 rows carry the family in `model`, the corpus
 * template id in `template`; `compat` rows say ok / unsupported (differs: … or error: …).
 */
import type { ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, ENGINE_COLORS, ENGINE_ORDER, MEDIAN_TOOLTIP, SCHEMA, fixedScale, measured, missingReason, titleBlock, withInterval } from '../../../visualization/style.ts';

const COST_TITLE = 'What does rendering a real chat template cost as the history grows, per engine and template family?';
const COMPAT_TITLE = 'How many real chat templates does each engine render identically to the reference (@huggingface/jinja)?';

const STATUS_ORDER = ['ok', 'differs', 'error'];
const STATUS_COLORS = ['#009E73', '#E69F00', '#D55E00'];

function engineColor(engines: string[]) {
  return { field: 'engine', type: 'nominal' as const, title: 'engine', scale: fixedScale(ENGINE_ORDER, ENGINE_COLORS, engines) };
}

function buildCost(rows: ResultRow[]): VegaLiteSpec {
  const render = measured(rows, 'render');
  if (render.length === 0) return noDataSpec(COST_TITLE, missingReason(rows, ['render']));
  const values = render.map((r) => {
    const w = withInterval(r);
    return { family: r.model || 'other', template: r.template, engine: String(r.engine), turns: r.turns, median: w.median as number, ci_low: w.ci_low, ci_high: w.ci_high, p99: r.p99, n: r.n };
  });
  const families = new Set(values.map((v) => v.family)).size;
  const x = { field: 'turns', type: 'quantitative' as const, title: 'turns (log)', scale: { type: 'log' as const }, axis: { values: [1, 10, 100], format: 'd' } };
  return {
    $schema: SCHEMA,
    title: titleBlock(COST_TITLE, [
      'Median render time of a parsed template (system + N alternating turns, ~20 tokens per message); one line per template, log–log.',
      'Only templates an engine renders identically to the reference are timed for it (see the compatibility table).',
    ]),
    config: CONFIG,
    data: { values },
    facet: { field: 'family', type: 'nominal', title: null, header: { labelExpr: "'family ' + datum.value" } },
    columns: Math.min(4, families),
    spec: {
      width: 170,
      height: 140,
      mark: { type: 'line', point: { size: 25, filled: true }, strokeWidth: 1.5 },
      encoding: {
        x,
        y: { field: 'median', type: 'quantitative', title: 'render (ms, log)', scale: { type: 'log' } },
        color: engineColor([...new Set(values.map((v) => v.engine))]),
        detail: { field: 'template' },
        tooltip: [{ field: 'template' }, { field: 'engine' }, { field: 'turns' }, ...MEDIAN_TOOLTIP, { field: 'p99', format: '.4~g' }],
      },
    },
    resolve: { scale: { y: 'shared' } },
  } as VegaLiteSpec;
}

function compatStatus(r: ResultRow): string {
  return r.status === 'ok' ? 'ok' : r.error.startsWith('differs') ? 'differs' : 'error';
}

function buildCompat(rows: ResultRow[]): VegaLiteSpec {
  // ok / unsupported are verdicts; an `error` row means the point itself failed and says nothing about the engine.
  const compat = rows.filter((r) => r.metric === 'compat' && r.status !== 'error');
  if (compat.length === 0) return noDataSpec(COMPAT_TITLE, missingReason(rows, ['compat']));
  const values = compat.map((r) => ({ engine: r.engine, template: r.template, family: r.model, status: compatStatus(r), status_order: STATUS_ORDER.indexOf(compatStatus(r)), detail: r.error }));
  const total = new Set(compat.map((r) => r.template)).size;
  return {
    $schema: SCHEMA,
    title: titleBlock(COMPAT_TITLE, [`${total} templates, each rendered with 1/10/100-turn chats (and a tool call where supported).`, 'ok = identical output; differs = renders something else; error = throws.']),
    config: CONFIG,
    data: { values },
    width: 460,
    height: { step: 34 },
    mark: { type: 'bar', height: { band: 0.65 } },
    encoding: {
      y: { field: 'engine', type: 'nominal', title: 'engine', sort: ENGINE_ORDER },
      x: { aggregate: 'count', type: 'quantitative', title: 'templates' },
      color: { field: 'status', type: 'nominal', title: 'status', scale: fixedScale(STATUS_ORDER, STATUS_COLORS, STATUS_ORDER), sort: STATUS_ORDER },
      order: { field: 'status_order' },
      tooltip: [{ field: 'engine' }, { field: 'status' }, { aggregate: 'count', title: 'templates' }],
    },
  } as VegaLiteSpec;
}

export const corpusCharts: ChartDefinition[] = [
  { id: 'compat', title: COMPAT_TITLE, build: buildCompat },
  { id: 'render-cost', title: COST_TITLE, build: buildCost },
];
