/**
 * Experiment 8's section of report.html: the compatibility table of corpus.csv (written by the
 * experiment's writeFiles) — per template its family and, per engine, status and render cost.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

/** HTML-escapes a cell's text. */
const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A table of HTML cells (`body` is already escaped; `head` is escaped here); '' when there are no rows. */
function table(head: string[], body: string[][], cls: string): string {
  if (body.length === 0) return '';
  const thead = `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>`;
  return `<table class="${cls}">${thead}<tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The table of corpus.csv's records. */
export function corpusTable(corpus: Record<string, string>[]): string {
  if (corpus.length === 0) return '';
  const engines = Object.keys(corpus[0]).filter((k) => k.endsWith('_status')).map((k) => k.replace(/_status$/, ''));
  const head = ['template', 'family', 'chars', 'tools', ...engines.flatMap((e) => [`${e} status`, `${e} render ms (1 / 10 / 100 turns)`]), 'note'];
  const body = corpus.map((c) => [
    `<code>${esc(c.template)}</code>`,
    esc(c.family),
    esc(c.chars),
    esc(c.supports_tools),
    ...engines.flatMap((e) => {
      const status = c[`${e}_status`] ?? '';
      const detail = c[`${e}_detail`] ?? '';
      const cost = [1, 10, 100].map((n) => (c[`${e}_median_ms_${n}`] ? Number(c[`${e}_median_ms_${n}`]).toPrecision(3) : '–')).join(' / ');
      return [`<span class="status-${esc(status)}" title="${esc(detail)}">${esc(status)}</span>${detail ? `<div class="detail">${esc(detail.slice(0, 160))}</div>` : ''}`, `<span class="cost">${esc(cost)}</span>`];
    }),
    esc(c.note),
  ]);
  return `<h3>Template compatibility (corpus.csv)</h3><p>ok = output identical to @huggingface/jinja on every conversation; differs = renders something else; error = throws. Render cost = median ms of a parsed template.</p>${table(head, body, 'corpus')}`;
}

/** The section from `<runDir>/corpus.csv`, or undefined when the run has none (experiment 8 not run, or interrupted before it). */
export function corpusReportSection(runDir: string): string | undefined {
  const path = join(runDir, 'corpus.csv');
  if (!existsSync(path)) return undefined;
  const corpus = parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return corpusTable(corpus) || undefined;
}
