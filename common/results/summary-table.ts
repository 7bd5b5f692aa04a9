/** The readable end-of-run table (stderr and summary.md): headline metrics, one line per point. */
import { hasFigure, pointText, varyingParams } from './results.ts';
import type { ResultRow } from './results.ts';

export interface HeadlineSelection {
  experiment: number;
  title: string;
  metrics?: string[];
}

/** A figure for a table: about three significant digits; empty when there is none. */
export function formatCell(x: number | '' | null | undefined): string {
  if (x === '' || x === null || x === undefined || !Number.isFinite(x)) return '';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

export function summaryLines(rows: ResultRow[], selections: HeadlineSelection[]): string[][] {
  const header = ['exp', 'point', 'metric', 'median', 'p99', '95% CI', 'unit', 'status'];
  const lines: string[][] = [header];
  for (const sel of selections) {
    const own = rows.filter((r) => r.experiment === sel.experiment);
    // A point is named by the parameters that tell the experiment's points apart.
    const shown = varyingParams(own);
    for (const r of own) {
      if (hasFigure(r.status) && sel.metrics && !sel.metrics.includes(r.metric)) continue;
      const ci = r.ci_low !== '' && r.ci_high !== '' ? `${formatCell(r.ci_low)}–${formatCell(r.ci_high)}` : '';
      lines.push([String(r.experiment), pointText(r, shown), r.metric, formatCell(r.median), formatCell(r.p99), ci, r.unit, r.status === 'ok' ? 'ok' : `${r.status}: ${r.error.slice(0, 60)}`]);
    }
  }
  return lines;
}

export function formatText(lines: string[][]): string {
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) => l.map((cell, c) => (c >= 3 && c <= 5 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n');
}

export function formatMarkdown(lines: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const [head, ...body] = lines;
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((l) => `| ${l.map(esc).join(' | ')} |`)].join('\n');
}
