/** The readable end-of-run table (stderr and summary.md): headline metrics, one line per point. */
import { hasFigure } from './results.ts';
import type { ResultRow } from './results.ts';

export interface HeadlineSelection {
  experiment: number;
  title: string;
  metrics?: string[];
}

function point(r: ResultRow): string {
  const parts = [r.template, r.engine, r.tokenizer, r.strategy && r.strategy !== 'main' && r.workers !== '' ? `${r.strategy}×${r.workers}` : r.strategy];
  if (r.experiment === 2 && r.turns !== '') parts.push(`${r.turns} turns`);
  // Inference suite coordinates (appended columns; absent from older rows).
  if (r.target && r.target !== 'embedded') parts.push(r.target);
  if (r.dataset) parts.push(r.dataset);
  if (r.concurrency !== undefined && r.concurrency !== '') parts.push(`c=${r.concurrency}`);
  if (r.rate !== undefined && r.rate !== '') parts.push(`${r.rate}/s`);
  return parts.filter(Boolean).join(' ');
}

function fmt(x: number | ''): string {
  if (x === '') return '';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

export function summaryLines(rows: ResultRow[], selections: HeadlineSelection[]): string[][] {
  const header = ['exp', 'point', 'metric', 'median', 'p99', '95% CI', 'unit', 'status'];
  const lines: string[][] = [header];
  for (const sel of selections) {
    for (const r of rows) {
      if (r.experiment !== sel.experiment) continue;
      if (hasFigure(r.status) && sel.metrics && !sel.metrics.includes(r.metric)) continue;
      const ci = r.ci_low !== '' && r.ci_high !== '' ? `${fmt(r.ci_low)}–${fmt(r.ci_high)}` : '';
      lines.push([String(r.experiment), point(r), r.metric, fmt(r.median), fmt(r.p99), ci, r.unit, r.status === 'ok' ? 'ok' : `${r.status}: ${r.error.slice(0, 60)}`]);
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
