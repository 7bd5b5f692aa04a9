/**
 * One look for every chart: fonts that exist both headless (resvg, DejaVu) and in a browser, fixed
 * colours per strategy/engine/tokenizer/stage so a name keeps its colour across charts, and the small
 * row helpers every spec builder needs.
 */
import type { Config } from 'vega-lite';
import { hasFigure, type ParamValue, type ResultRow } from '../common/results/results.ts';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** DejaVu Sans is what resvg is given; browsers fall back to their sans-serif. */
export const FONT = 'DejaVu Sans, Verdana, sans-serif';

export const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: 12,
  title: { fontSize: 14, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260, titleLimit: 300, symbolOpacity: 1 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  view: { stroke: '#ddd' },
};

/**
 * Strategies in the order and with the names the CLI uses, after `idle`: the colour of a `mode` idle slice (no load).
 * Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
 */
export const STRATEGY_ORDER = ['idle', 'main', 'pool', 'process', 'native'];
export const STRATEGY_COLORS = ['#999999', '#D55E00', '#0072B2', '#009E73', '#CC79A7'];

export const STAGE_ORDER = ['template', 'tokenize', 'collate'];
export const STAGE_COLORS = ['#e6550d', '#3182bd', '#31a354'];

export const ENGINE_ORDER = ['jinja', 'nunjucks'];
export const ENGINE_COLORS = ['#1f77b4', '#ff7f0e'];

/** A colour scale that keeps the fixed colours for known names and stays valid for new ones. */
export function fixedScale(order: string[], colors: string[], present: string[]): { domain: string[]; range: string[] } {
  const known = order.filter((n) => present.includes(n));
  const extra = [...new Set(present.filter((n) => !order.includes(n)))].sort();
  const spare = ['#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  return { domain: [...known, ...extra], range: [...known.map((n) => colors[order.indexOf(n)]), ...extra.map((_, i) => spare[i % spare.length])] };
}

/** Rows of one metric (or several) that measured something: status ok and a numeric median. */
export function measured(rows: ResultRow[], metrics: string | string[]): ResultRow[] {
  const wanted = Array.isArray(metrics) ? metrics : [metrics];
  return rows.filter((r) => wanted.includes(r.metric) && hasFigure(r.status) && typeof r.median === 'number' && Number.isFinite(r.median));
}

/** Why a chart has nothing to show: no rows of the metric at all, or every one failed. */
export function missingReason(rows: ResultRow[], metrics: string[]): string {
  const mine = rows.filter((r) => metrics.includes(r.metric));
  const failed = rows.filter((r) => !hasFigure(r.status));
  if (mine.length === 0 && failed.length > 0) return `every point failed (${failed.length} error/unsupported rows; see the list below)`;
  if (mine.length === 0) return `no ${metrics.join(' / ')} rows in this run (experiment not run or interrupted)`;
  return `all ${mine.length} ${metrics.join(' / ')} rows are error or unsupported`;
}

/** `pool×2` as the CLI prints a point; main/native/idle need no worker count. */
export function strategyLabel(r: { readonly [param: string]: ParamValue }): string {
  return r.strategy === 'pool' || r.strategy === 'process' ? `${r.strategy}×${r.workers}` : String(r.strategy);
}

/** Tooltip fields shared by charts that plot a median with its interval. */
export const MEDIAN_TOOLTIP = [
  { field: 'median', type: 'quantitative', title: 'median', format: '.4~g' },
  { field: 'ci_low', type: 'quantitative', title: '95% CI low', format: '.4~g' },
  { field: 'ci_high', type: 'quantitative', title: '95% CI high', format: '.4~g' },
  { field: 'n', type: 'quantitative', title: 'samples' },
] as const;

/** The interval of a row, falling back to the median when the row has none (single values). */
export function withInterval<T extends ResultRow>(r: T): T & { ci_low: number; ci_high: number } {
  const m = r.median as number;
  return { ...r, ci_low: typeof r.ci_low === 'number' ? r.ci_low : m, ci_high: typeof r.ci_high === 'number' ? r.ci_high : m };
}

/** Breaks a title or subtitle into lines of at most `width` characters (Vega does not wrap text). */
export function wrap(text: string | string[], width = 95): string[] {
  const out: string[] = [];
  for (const paragraph of Array.isArray(text) ? text : [text]) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
  }
  return out;
}

/** The title block of a chart: the question, and what is drawn. */
export function titleBlock(question: string, subtitle: string[] = []): { text: string[]; subtitle?: string[] } {
  return subtitle.length > 0 ? { text: wrap(question, 80), subtitle: wrap(subtitle, 110) } : { text: wrap(question, 80) };
}
