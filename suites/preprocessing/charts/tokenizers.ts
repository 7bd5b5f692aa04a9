/** Experiment 10: tokens/s of every tokenizer library with the reference's ids, by model and prompt size. */
import { hasFigure, type ResultRow } from '../../../common/results/results.ts';
import type { ChartDefinition, VegaLiteSpec } from '../../../visualization/chart.ts';
import { noDataSpec } from '../../../visualization/no-data.ts';
import { CONFIG, MEDIAN_TOOLTIP, SCHEMA, measured, missingReason, titleBlock, withInterval } from '../../../visualization/style.ts';

const TITLE = 'Which tokenizer library encodes fastest with the reference ids, per model, prompt size and kind of text?';

/**
 * Libraries left out of a model's panel: their ids differ from the reference's, or they cannot load its
 * vocabulary. The pathological inputs' ids (rows with `chars`) are checked in another process and gate no timing.
 */
function excluded(rows: ResultRow[]): string[] {
  const out = rows.filter((r) => r.metric === 'ids' && !r.chars && !hasFigure(r.status)).map((r) => `${r.model} · ${r.library}: ${r.error.startsWith('differs') ? 'differs' : 'unsupported'}`);
  return [...new Set(out)];
}

function build(rows: ResultRow[]): VegaLiteSpec {
  const encode = measured(rows, 'encode');
  if (encode.length === 0) return noDataSpec(TITLE, missingReason(rows, ['encode']));
  // tokens/s with its interval, from the encode time (a rate is its inverse: the interval's ends swap).
  const values = encode.map((r) => {
    const w = withInterval(r);
    const tokens = Number(r.tokens);
    const rate = (ms: number) => (1000 * tokens) / ms;
    return { model: r.model, library: r.library, tokens, size: r.text ? `${r.text} (≈${tokens} tokens)` : `${tokens} tokens`, rate: rate(w.median as number), rate_low: rate(w.ci_high), rate_high: rate(w.ci_low), median: w.median, ci_low: w.ci_low, ci_high: w.ci_high, n: r.n };
  });
  const x = { type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'tokens per second (log scale)' };
  const out = excluded(rows);
  return {
    $schema: SCHEMA,
    title: titleBlock(TITLE, [
      'Median encode time of each library as tokens/s, whiskers: 95% CI over processes; only libraries whose ids equal tokenizers (Rust) on every checked text are timed.',
      ...(out.length > 0 ? [`Not timed: ${out.join('; ')}.`] : []),
    ]),
    config: CONFIG,
    data: { values },
    facet: { row: { field: 'model', type: 'nominal', title: null } },
    spec: {
      width: 460,
      height: { step: 14 },
      encoding: { y: { field: 'library', type: 'nominal', title: null }, yOffset: { field: 'size', type: 'nominal' }, color: { field: 'size', type: 'nominal', title: 'prompt or text' } },
      layer: [
        { mark: { type: 'rule' }, encoding: { x: { ...x, field: 'rate_low' }, x2: { field: 'rate_high' } } },
        { mark: { type: 'point', filled: true }, encoding: { x: { ...x, field: 'rate' }, tooltip: [{ field: 'library' }, { field: 'size' }, { field: 'rate', title: 'tokens/s', format: '.3s' }, ...MEDIAN_TOOLTIP] } },
      ],
    },
  } as VegaLiteSpec;
}

export const tokenizerCharts: ChartDefinition[] = [{ id: 'tokens-per-s', title: TITLE, build }];
