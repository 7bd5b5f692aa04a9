/**
 * The goodput search's chart: SLO attainment at every load the search measured, per target · prompt set,
 * with the highest load found to meet the target (max_goodput_rate or max_goodput_concurrency) marked and
 * its bracket shaded. Rows read:
 *   slo_attainment        one per search step: median = % of requests meeting every SLO at the step's
 *                         `rate` (or `concurrency`); status client_saturated = the client could not keep up
 *                         (drawn apart: not a server result); optional `attainment` = the target, %
 *   max_goodput_rate /    median = the load found (ci_low/ci_high: a 95% interval over processes, not drawn)
 *   max_goodput_concurrency
 *   goodput_bracket_low /  median = the search's bracket around it: the last load that met the target, the
 *   goodput_bracket_high   first that missed it or saturated the client (high absent: none was reached)
 */
import { hasFigure, type ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, SCHEMA, fixedScale, missingReason, titleBlock } from '../../../visualization/style.ts';

const TITLE = 'What is the highest load at which the target share of requests still meets the SLO?';
const FOUND = ['max_goodput_rate', 'max_goodput_concurrency'];
/** Status of a step where the load generator fell behind its schedule (saturationVerdict). */
const CLIENT_SATURATED = 'client_saturated';
const OUTCOMES = ['meets target', 'misses target', 'client saturated', 'measured'];
const OUTCOME_SHAPES = ['circle', 'triangle-down', 'cross', 'square'];

const num = (x: unknown): number | undefined => (x === '' || x === undefined || x === null || !Number.isFinite(Number(x)) ? undefined : Number(x));
const series = (r: ResultRow) => [r.target, r.dataset].filter((v) => v !== '' && v !== undefined).join(' · ') || 'target';

function outcome(r: ResultRow, target: number | undefined): string {
  if (String(r.status) === CLIENT_SATURATED) return 'client saturated';
  if (target === undefined) return 'measured';
  return (r.median as number) >= target ? 'meets target' : 'misses target';
}

function buildGoodput(rows: ResultRow[]): VegaLiteSpec {
  const attained = rows.filter((r) => r.metric === 'slo_attainment' && num(r.median) !== undefined && hasFigure(r.status));
  // The search runs along one axis: rate when its steps have one, else concurrency.
  const axis = attained.some((r) => num(r.rate) !== undefined) ? 'rate' : 'concurrency';
  const steps = attained.flatMap((r) => {
    const load = num(r[axis]);
    if (load === undefined || !(load > 0)) return [];
    const target = num(r.attainment);
    return [{ series: series(r), load, attainment: r.median as number, outcome: outcome(r, target), target: target ?? null, note: r.note }];
  });
  if (steps.length === 0) return noDataSpec(TITLE, missingReason(rows, ['slo_attainment']));
  const bracketEnd = (metric: string, r: ResultRow) => num(rows.find((b) => b.metric === metric && series(b) === series(r) && hasFigure(b.status))?.median);
  const found = rows
    .filter((r) => FOUND.includes(r.metric) && hasFigure(r.status) && num(r.median) !== undefined)
    .map((r) => {
      const value = r.median as number;
      const [low, high] = [bracketEnd('goodput_bracket_low', r) ?? value, bracketEnd('goodput_bracket_high', r) ?? value];
      return { series: series(r), value, low, high, label: `max ${Number(value.toPrecision(3))}${axis === 'rate' ? '/s' : ''} (bracket ${low}–${high})` };
    });
  const targets = [...new Set(steps.flatMap((s) => (s.target === null ? [] : [s.target])))].map((target) => ({ target }));
  const x = { field: 'load', type: 'quantitative' as const, title: axis === 'rate' ? 'request rate (requests/s, Poisson)' : 'concurrent requests', scale: { type: 'log' as const, base: 2 }, axis: { values: [...new Set(steps.map((s) => s.load))].sort((a, b) => a - b) } };
  const y = { field: 'attainment', type: 'quantitative' as const, title: 'requests meeting every SLO (%)', scale: { domain: [0, 100] } };
  const color = { field: 'series', type: 'nominal' as const, title: 'target · prompts' };
  return {
    $schema: SCHEMA,
    title: titleBlock(TITLE, [
      'One point per search step (doubling, then bisection); dashed line: the target share of requests; shaded band and vertical rule: the bracket and the highest load found to meet the target.',
      'A client-saturated step (the load generator fell behind its schedule) is no server result: where one bounds the bracket, the server may sustain more.',
    ]),
    config: CONFIG,
    width: 460,
    height: 260,
    layer: [
      ...(found.length > 0
        ? [
            { data: { values: found }, mark: { type: 'rect' as const, opacity: 0.15 }, encoding: { x: { ...x, field: 'low' }, x2: { field: 'high' }, color } },
            { data: { values: found }, mark: { type: 'rule' as const, strokeWidth: 2 }, encoding: { x: { ...x, field: 'value' }, color, tooltip: [{ field: 'series' }, { field: 'value', format: '.4~g' }, { field: 'low', format: '.4~g' }, { field: 'high', format: '.4~g' }] } },
            { data: { values: found }, mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -6, fontSize: 11 }, encoding: { x: { ...x, field: 'value' }, y: { datum: 100 }, text: { field: 'label' }, color } },
          ]
        : []),
      ...(targets.length > 0 ? [{ data: { values: targets }, mark: { type: 'rule' as const, color: '#555', strokeDash: [4, 4] }, encoding: { y: { field: 'target', type: 'quantitative' as const } } }] : []),
      // Client-saturated steps stay off the line: they say nothing about the server's curve.
      { data: { values: steps.filter((s) => s.outcome !== 'client saturated') }, mark: { type: 'line' as const, color: '#999', strokeWidth: 1 }, encoding: { x, y, detail: { field: 'series' }, order: { field: 'load' } } },
      {
        data: { values: steps },
        mark: { type: 'point' as const, size: 80, strokeWidth: 2, filled: true },
        encoding: {
          x,
          y,
          color,
          shape: { field: 'outcome', type: 'nominal' as const, title: 'step', scale: fixedScale(OUTCOMES, OUTCOME_SHAPES, steps.map((s) => s.outcome)) },
          tooltip: [{ field: 'series' }, { field: 'load', format: '.4~g' }, { field: 'attainment', format: '.3~g' }, { field: 'outcome' }, { field: 'note' }],
        },
      },
    ],
  } as VegaLiteSpec;
}

export const goodputCharts: ChartDefinition[] = [{ id: 'goodput-search', title: TITLE, build: buildGoodput }];
