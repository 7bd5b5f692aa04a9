/** Experiment 1: where the CPU time of one ~1k-token request goes (template / tokenize / collate). */
import { hasFigure, type ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, MEDIAN_TOOLTIP, SCHEMA, STAGE_COLORS, STAGE_ORDER, fixedScale, measured, missingReason, titleBlock, withInterval } from '../../../visualization/style.ts';

const TITLE = 'For one ~1k-token request, how is CPU time split between chat template, tokenization and collation?';

/**
 * One bar per engine × tokenizer of a template: its engine's template stage, its tokenizer's tokenize
 * stage and the template's collate stage, all measured in the same paired rounds. A bar is drawn only
 * when all three stages were measured: a missing stage would make it look cheap.
 */
function build(rows: ResultRow[]): VegaLiteSpec {
  const [templates, tokenizes, collates] = STAGE_ORDER.map((s) => measured(rows, [s]));
  const complete = templates.flatMap((t) =>
    tokenizes
      .filter((k) => k.template === t.template)
      .flatMap((k) => {
        const c = collates.find((x) => x.template === t.template);
        return c ? [{ point: `${t.template} · ${t.engine} · ${k.tokenizer}`, engine: t.engine, tokenizer: k.tokenizer, group: [t, k, c] }] : [];
      }),
  );
  if (complete.length === 0) return noDataSpec(TITLE, missingReason(rows, STAGE_ORDER));

  const values = complete.flatMap(({ point, engine, tokenizer, group }) =>
    group.map((r) => {
      const w = withInterval(r);
      return { point, model: r.model, template: r.template, engine, tokenizer, stage: r.metric, stage_order: STAGE_ORDER.indexOf(r.metric), median: w.median as number, ci_low: w.ci_low, ci_high: w.ci_high, n: r.n };
    }),
  );
  const key = (r: ResultRow) => [r.template, r.engine || r.tokenizer].filter(Boolean).join(' · ');
  const skipped = [...new Set(rows.filter((r) => STAGE_ORDER.includes(r.metric) && !hasFigure(r.status)).map(key))];
  const subtitle = ['Rows: template · engine · tokenizer. Stacked medians on the main thread, measured in the same paired rounds (number = their sum, ms); whiskers: 95% CI of each stage median, at the end of its segment.'];
  if (skipped.length > 0) subtitle.push(`Not drawn (a stage failed or is unsupported): ${skipped.join('; ')}.`);

  return {
    $schema: SCHEMA,
    title: titleBlock(TITLE, subtitle),
    config: CONFIG,
    data: { values },
    transform: [
      { stack: 'median', groupby: ['point'], sort: [{ field: 'stage_order', order: 'ascending' }], as: ['x0', 'x1'] },
      { calculate: 'datum.x1 - (datum.median - datum.ci_low)', as: 'err_low' },
      { calculate: 'datum.x1 + (datum.ci_high - datum.median)', as: 'err_high' },
    ],
    width: 520,
    height: { step: 24 },
    encoding: {
      // No axis title: a long rotated title taller than the plot would push the plot down.
      y: { field: 'point', type: 'nominal', title: null, sort: { field: 'point' }, axis: { labelLimit: 320 } },
    },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          x: { field: 'x0', type: 'quantitative', title: 'median CPU time per request (ms)' },
          x2: { field: 'x1' },
          color: { field: 'stage', type: 'nominal', title: 'stage', scale: fixedScale(STAGE_ORDER, STAGE_COLORS, STAGE_ORDER), sort: STAGE_ORDER },
          order: { field: 'stage_order' },
          tooltip: [{ field: 'point', title: 'point' }, { field: 'stage', title: 'stage' }, ...MEDIAN_TOOLTIP],
        },
      },
      {
        mark: { type: 'rule', color: '#222', strokeWidth: 1.2 },
        encoding: { x: { field: 'err_low', type: 'quantitative' }, x2: { field: 'err_high' } },
      },
      {
        // The per-request total, written just past the last whisker so it never overlaps it.
        transform: [{ aggregate: [{ op: 'sum', field: 'median', as: 'total' }, { op: 'max', field: 'err_high', as: 'end' }], groupby: ['point'] }],
        mark: { type: 'text', align: 'left', dx: 5, fontSize: 11, color: '#333' },
        encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'total', type: 'quantitative', format: '.3~g' } },
      },
    ],
  };
}

export const anatomyCharts: ChartDefinition[] = [{ id: 'anatomy', title: TITLE, build }];
