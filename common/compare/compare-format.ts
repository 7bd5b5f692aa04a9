/** Presentation of a run comparison: the stdout table, the CSV records, the "only in A/B" list. */
import type { ResultRow } from '../results/results.ts';
import { pointLabel, type ComparedRow } from './compare-runs.ts';

/** A value with 4 significant digits, without exponent for ordinary magnitudes. */
export function fmtValue(x: number): string {
  if (!Number.isFinite(x)) return '';
  const abs = Math.abs(x);
  if (abs >= 1e4) return x.toFixed(0);
  if (abs !== 0 && abs < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

export function fmtChange(pct: number): string {
  if (!Number.isFinite(pct)) return '';
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(2)} %`;
}

export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return '';
  if (p < 1e-16) return '<1e-16'; // below double precision near 1: only "far smaller" is meaningful
  return p < 1e-4 ? p.toExponential(1) : p.toFixed(4);
}

/** The last column: significance marks for a tested row, otherwise why there is no verdict. */
export function verdictCell(r: ComparedRow): string {
  if (r.verdict === 'tested') return r.stars;
  if (r.verdict === 'not ok') return r.reason;
  return r.verdict;
}

const HEADER = ['exp', 'point', 'metric', 'unit', 'median A', 'median B', 'change', '95% CI B/A', 'p', 'sig'];
const RIGHT = new Set(['median A', 'median B', 'change', '95% CI B/A', 'p']);

export function tableCells(r: ComparedRow): string[] {
  const ci = Number.isFinite(r.ciLow) && Number.isFinite(r.ciHigh) ? `${r.ciLow.toFixed(3)}–${r.ciHigh.toFixed(3)}` : '';
  return [String(r.experiment), r.point, r.metric, r.unit, fmtValue(r.medianA), fmtValue(r.medianB), fmtChange(r.changePct), ci, fmtP(r.p), verdictCell(r)];
}

/** A fixed-width text table, one line per compared row. */
export function formatTable(rows: readonly ComparedRow[]): string {
  const lines = [HEADER, ...rows.map(tableCells)];
  const widths = HEADER.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines
    .map((l) => l.map((c, i) => (RIGHT.has(HEADER[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n') + '\n';
}

export const CSV_HEADER = [
  'suite', 'experiment', 'point', 'metric', 'unit', 'n_a', 'n_b', 'median_a', 'median_b', 'change_pct', 'ratio', 'ci_low', 'ci_high',
  'p', 'test', 'significance', 'verdict', 'reason',
];

/** One CSV record per compared row (numbers unrounded; empty where not applicable). */
export function csvRecords(rows: readonly ComparedRow[]): (string | number)[][] {
  const n = (x: number): number | '' => (Number.isFinite(x) ? x : '');
  return [
    CSV_HEADER,
    ...rows.map((r) => [
      r.suite, r.experiment, r.point, r.metric, r.unit, r.nA, r.nB, n(r.medianA), n(r.medianB), n(r.changePct),
      Number.isFinite(r.changePct) ? n(r.medianB / r.medianA) : '', n(r.ciLow), n(r.ciHigh), n(r.p), r.test, r.stars, r.verdict, r.reason,
    ]),
  ];
}

/** "exp <id>  <point>  <metric>" lines, at most `max`, then "… and N more". */
export function listRows(rows: readonly ResultRow[], max = 10): string[] {
  const out = rows.slice(0, max).map((r) => `  exp ${r.experiment}  ${pointLabel(r)}  ${r.metric}`);
  if (rows.length > max) out.push(`  … and ${rows.length - max} more`);
  return out;
}
