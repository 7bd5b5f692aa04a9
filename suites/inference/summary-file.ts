/**
 * inference-summary.md / inference-summary.json beside results.csv: the inference experiments' rows of
 * this run as results.csv holds them, written once by the suite's writeFiles hook — also after Ctrl-C, so a
 * partial run has both files too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isParamColumn, rowParams, type Params, type ResultRow } from '../../common/results/results.ts';
import { formatCell } from '../../common/results/summary-table.ts';

/** An experiment's part of the summary. */
export interface SummarySection {
  id: number;
  title: string;
  question: string;
  /** Metrics shown in the Markdown table (rows that are not ok are shown too). */
  headline: readonly string[];
  rows: readonly ResultRow[];
}

/** A row of inference-summary.json: its set parameters beside its fixed columns, and a short point label. */
type SummaryRow = ResultRow & { point: string };

interface SummaryDoc {
  runDir: string;
  experiments: { id: number; title: string; question: string; headline: string[]; rows: SummaryRow[] }[];
}

const JSON_FILE = 'inference-summary.json';
const MD_FILE = 'inference-summary.md';

/** What tells a row's point apart within its target and prompt set: mode, template, engine, load. */
function pointLabel(p: Params): string {
  const parts: string[] = [];
  if (p.strategy) parts.push(p.strategy + (p.workers !== undefined && (p.strategy === 'pool' || p.strategy === 'process') ? `×${p.workers}` : ''));
  else if (p.mode) parts.push(String(p.mode));
  if (p.template && p.template !== 'llama3.1') parts.push(String(p.template));
  if (p.engine) parts.push(String(p.engine));
  if (p.concurrency !== undefined) parts.push(`${p.rate !== undefined ? 'max ' : ''}c=${p.concurrency}`);
  if (p.rate !== undefined) parts.push(`rate=${p.rate}/s`);
  return parts.join(' ');
}

/** A row as a summary row: its set parameters (no empty columns), its fixed columns and its point label. */
function summaryRow(row: ResultRow): SummaryRow {
  const params = rowParams(row);
  const fixed = Object.fromEntries(Object.entries(row).filter(([column]) => !isParamColumn(column)));
  return { ...params, ...fixed, point: pointLabel(params) } as SummaryRow;
}

const text = (x: unknown): string => (x === undefined || x === null ? '' : String(x));
const isOk = (r: SummaryRow): boolean => r.status === 'ok';

function table(rows: SummaryRow[]): string {
  const head = ['target', 'prompts', 'point', 'metric', 'median', 'p90', 'p99', '95% CI', 'unit', 'status'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const ci = typeof r.ci_low === 'number' && typeof r.ci_high === 'number' ? `${formatCell(r.ci_low)}–${formatCell(r.ci_high)}` : '';
    const status = isOk(r) ? 'ok' : `${r.status}: ${r.error.slice(0, 120)}`;
    const cells = [text(r.target), text(r.dataset), r.point, r.metric, formatCell(r.median), formatCell(r.p90), formatCell(r.p99), ci, r.unit, status];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

const RESOURCE_METRICS = ['client_cpu', 'client_peak_rss', 'loop_delay_p99', 'loop_delay_max', 'server_cpu'];

/** One line per point: CPU %, peak RSS, event-loop delay. */
function resourceTable(rows: SummaryRow[]): string {
  const key = (r: SummaryRow) => `${text(r.target)}\u0000${text(r.dataset)}\u0000${r.point}`;
  const points = [...new Map(rows.map((r) => [key(r), r])).values()];
  const head = ['target', 'prompts', 'point', 'client CPU %', 'client peak RSS MB', 'loop delay p99 ms', 'loop delay max ms', 'server CPU %'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const p of points) {
    const v = (m: string) => formatCell(rows.find((r) => key(r) === key(p) && r.metric === m)?.median);
    lines.push(`| ${[text(p.target), text(p.dataset), p.point, v('client_cpu'), v('client_peak_rss'), v('loop_delay_p99'), v('loop_delay_max'), v('server_cpu')].join(' | ')} |`);
  }
  return lines.join('\n');
}

function markdown(doc: SummaryDoc): string {
  const md: string[] = ['# Inference suite summary', '', `Run folder: \`${doc.runDir}\`. Every row is also in results.csv (raw samples in samples.jsonl); notes say what each figure includes.`, ''];
  for (const s of doc.experiments) {
    const shown = s.rows.filter((r) => !isOk(r) || s.headline.includes(r.metric));
    md.push(`## ${s.id}. ${s.title}`, '', s.question, '', table(shown), '');
    const resources = s.rows.filter((r) => RESOURCE_METRICS.includes(r.metric) && isOk(r));
    if (resources.length > 0) md.push('Resources during each run (client/gateway process, embedded server process):', '', resourceTable(resources), '');
  }
  return md.join('\n');
}

/** Writes both files from the sections of the experiments that ran. */
export function writeInferenceSummary(runDir: string, sections: readonly SummarySection[]): void {
  const experiments = sections.map((s) => ({ id: s.id, title: s.title, question: s.question, headline: [...s.headline], rows: s.rows.map(summaryRow) })).sort((a, b) => a.id - b.id);
  const doc: SummaryDoc = { runDir, experiments };
  writeFileSync(join(runDir, JSON_FILE), JSON.stringify(doc, null, 2));
  writeFileSync(join(runDir, MD_FILE), markdown(doc));
}
