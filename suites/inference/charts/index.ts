/**
 * Charts of the inference experiments (declared through Experiment.charts; rendered by visualization/).
 * Experiment 9's chart is in goodput.ts.
 *   5 throughput vs TTFT (p50 and p99) per concurrency, Pareto-front points filled (diamond: in some processes)
 *   6 TTFT inflation per gateway mode vs concurrency (and the gateway's event-loop delay)
 *   7 TTFT with a shared prefix vs unique prompts
 */
import type { ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, MEDIAN_TOOLTIP, SCHEMA, STRATEGY_COLORS, STRATEGY_ORDER, fixedScale, measured, missingReason, titleBlock, withInterval } from '../../../visualization/style.ts';

const num = (x: unknown): number | undefined => (x === '' || x === undefined || x === null || !Number.isFinite(Number(x)) ? undefined : Number(x));
const loadKey = (r: ResultRow) => `${r.target}\u0000${r.dataset}\u0000${r.concurrency}\u0000${r.rate}`;
const series = (r: ResultRow) => [r.target, r.dataset].filter(Boolean).join(' · ');
const loadLabel = (r: ResultRow) => (num(r.rate) !== undefined ? `${r.rate}/s` : `c=${r.concurrency}`);

/** A load level's place on the Pareto front over processes: every one, some, none. */
const FRONT = ['Pareto front', 'Pareto front in some processes', 'dominated'] as const;

const WALL_TITLE = 'As concurrency grows, how much throughput does each level buy, at what time to first token?';

function buildWall(rows: ResultRow[]): VegaLiteSpec {
  const thr = measured(rows, 'output_throughput');
  const ttft = measured(rows, 'ttft');
  // pareto_front_* = % of processes in which the level was on the front.
  const frontOf = (metric: string) => new Map(measured(rows, metric).map((r) => [loadKey(r), num(r.median) ?? 0]));
  const [pareto, pareto99] = [frontOf('pareto_front_p50'), frontOf('pareto_front_p99')];
  const category = (share = 0) => (share >= 100 ? FRONT[0] : share > 0 ? FRONT[1] : FRONT[2]);
  const values = thr.flatMap((t) => {
    const l = ttft.find((r) => loadKey(r) === loadKey(t));
    if (!l) return [];
    const base = { series: series(t), load: loadLabel(t), order: num(t.rate) ?? num(t.concurrency) ?? 0, throughput: t.median as number };
    return [
      { ...base, quantile: 'p50 TTFT', ttft: l.median as number, pareto: category(pareto.get(loadKey(t))) },
      { ...base, quantile: 'p99 TTFT', ttft: num(l.p99) ?? (l.median as number), pareto: category(pareto99.get(loadKey(t))) },
    ];
  });
  if (values.length === 0) return noDataSpec(WALL_TITLE, missingReason(rows, ['output_throughput', 'ttft']));
  const x = { field: 'throughput', type: 'quantitative' as const, title: 'output throughput (tokens/s, tokenizer count)', scale: { zero: true } };
  const y = { field: 'ttft', type: 'quantitative' as const, title: 'time to first token (ms)', scale: { zero: true } };
  return {
    $schema: SCHEMA,
    title: titleBlock(WALL_TITLE, ['One point per load level (label: concurrency); filled circle = on the Pareto front in every process (no other level has more throughput and lower TTFT), filled diamond = in some.', 'Left: median TTFT; right: p99 TTFT. Client-side, warm-up excluded.']),
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'quantile', type: 'nominal', title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 320,
      height: 240,
      layer: [
        { mark: { type: 'line', color: '#999', strokeWidth: 1 }, encoding: { x, y, detail: { field: 'series' }, order: { field: 'order' } } },
        {
          mark: { type: 'point', size: 90, strokeWidth: 2 },
          encoding: {
            x,
            y,
            color: { field: 'series', type: 'nominal', title: 'target · prompts' },
            fill: { condition: { test: `datum.pareto !== '${FRONT[2]}'`, field: 'series', type: 'nominal' }, value: 'white' },
            shape: { field: 'pareto', type: 'nominal', title: null, scale: { domain: [...FRONT], range: ['circle', 'diamond', 'circle'] }, legend: null },
            tooltip: [{ field: 'series' }, { field: 'load' }, { field: 'throughput', format: '.4~g' }, { field: 'ttft', format: '.4~g' }, { field: 'pareto' }],
          },
        },
        { mark: { type: 'text', dy: -12, fontSize: 10, color: '#333' }, encoding: { x, y, text: { field: 'load' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as VegaLiteSpec;
}

const GATEWAY_TITLE = 'When a Node gateway renders and tokenizes 100-turn chats, how much later does the first token arrive — per way of running the preprocessing?';
const LOOP_TITLE = "While the gateway serves, how late do timers fire on its event loop, per preprocessing mode?";

/** Experiment 6's way of preprocessing a row as the charts name it: `baseline` (the row's mode; it has no strategy), else its strategy. */
const preprocessing = (r: ResultRow): string => (r.mode === 'baseline' ? 'baseline' : String(r.strategy));

function modeScale(rows: ResultRow[]) {
  const present = [...new Set(rows.map(preprocessing))];
  const order = ['baseline', ...STRATEGY_ORDER];
  return fixedScale(order, ['#7f7f7f', ...STRATEGY_COLORS], present);
}

/** Log-2 concurrency axis ticked at exactly the levels that were run. */
function concurrencyAxis(values: { concurrency: number | undefined }[]) {
  return { field: 'concurrency', type: 'quantitative' as const, title: 'concurrent requests', scale: { type: 'log' as const, base: 2 }, axis: { values: [...new Set(values.map((v) => v.concurrency))] } };
}

function buildInflation(rows: ResultRow[]): VegaLiteSpec {
  const inflation = measured(rows, 'ttft_inflation');
  if (inflation.length === 0) return noDataSpec(GATEWAY_TITLE, missingReason(rows, ['ttft_inflation']));
  const values = inflation.map((r) => ({ ...withInterval(r), concurrency: num(r.concurrency), mode: preprocessing(r), target: r.target }));
  const x = concurrencyAxis(values);
  const color = { field: 'mode', type: 'nominal' as const, title: 'preprocessing', scale: modeScale(inflation) };
  return {
    $schema: SCHEMA,
    title: titleBlock(GATEWAY_TITLE, ['TTFT median of each mode / TTFT median of the baseline (pre-computed ids, no preprocessing) at the same concurrency; whiskers from both medians\' 95% CIs.', 'main = on the gateway\'s event loop; pool = piscina worker threads; process = sidecar child process.']),
    config: CONFIG,
    data: { values },
    width: 420,
    height: 260,
    layer: [
      { mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { datum: 1 } } },
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'median', type: 'quantitative', title: 'TTFT / baseline TTFT (×)', scale: { zero: false } }, color, tooltip: [{ field: 'mode' }, { field: 'concurrency' }, ...MEDIAN_TOOLTIP] } },
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'ci_low', type: 'quantitative' }, y2: { field: 'ci_high' }, color } },
    ],
  } as VegaLiteSpec;
}

function buildLoop(rows: ResultRow[]): VegaLiteSpec {
  const delay = measured(rows, 'loop_delay_p99');
  if (delay.length === 0) return noDataSpec(LOOP_TITLE, missingReason(rows, ['loop_delay_p99']));
  const values = delay.map((r) => ({ concurrency: num(r.concurrency), mode: preprocessing(r), p99: r.median as number }));
  const x = concurrencyAxis(values);
  return {
    $schema: SCHEMA,
    title: titleBlock(LOOP_TITLE, ['p99 of monitorEventLoopDelay on the gateway\'s main thread during each run (1 ms resolution subtracted).']),
    config: CONFIG,
    data: { values },
    width: 420,
    height: 240,
    mark: { type: 'line', point: true },
    encoding: { x, y: { field: 'p99', type: 'quantitative', title: 'event-loop delay p99 (ms)' }, color: { field: 'mode', type: 'nominal', title: 'preprocessing', scale: modeScale(delay) }, tooltip: [{ field: 'mode' }, { field: 'concurrency' }, { field: 'p99', format: '.3~g' }] },
  } as VegaLiteSpec;
}

const PREFIX_TITLE = 'Does a shared prompt prefix shorten time to first token compared with prompts that share nothing?';

function buildPrefix(rows: ResultRow[]): VegaLiteSpec {
  const ttft = measured(rows, 'ttft');
  if (ttft.length === 0) return noDataSpec(PREFIX_TITLE, missingReason(rows, ['ttft']));
  const values = ttft.map((r) => ({ ...withInterval(r), variant: r.dataset, target: r.target }));
  return {
    $schema: SCHEMA,
    title: titleBlock(PREFIX_TITLE, ['Median TTFT, one request at a time, same prompt length; whiskers: 95% CI of the median.', 'unique prompts start with this run\'s id, so none can be served from a cache.']),
    config: CONFIG,
    data: { values },
    width: 360,
    height: { step: 36 },
    encoding: { y: { field: 'variant', type: 'nominal', title: null }, row: { field: 'target', type: 'nominal', title: null } },
    layer: [
      { mark: { type: 'bar', height: { band: 0.6 } }, encoding: { x: { field: 'median', type: 'quantitative', title: 'TTFT median (ms)' }, color: { field: 'variant', type: 'nominal', legend: null, scale: { domain: ['shared-prefix', 'unique'], range: ['#2ca02c', '#d62728'] } }, tooltip: [{ field: 'variant' }, ...MEDIAN_TOOLTIP] } },
      { mark: { type: 'rule', color: '#222' }, encoding: { x: { field: 'ci_low', type: 'quantitative' }, x2: { field: 'ci_high' } } },
    ],
  } as VegaLiteSpec;
}

export const latencyCharts: ChartDefinition[] = [{ id: 'throughput-ttft', title: WALL_TITLE, build: buildWall }];
export const gatewayCharts: ChartDefinition[] = [
  { id: 'ttft-inflation', title: GATEWAY_TITLE, build: buildInflation },
  { id: 'loop-delay', title: LOOP_TITLE, build: buildLoop },
];
export const prefixCharts: ChartDefinition[] = [{ id: 'prefix-ttft', title: PREFIX_TITLE, build: buildPrefix }];
