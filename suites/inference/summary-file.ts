/**
 * inference-summary.md / inference-summary.json beside results.csv: the inference experiments' rows of
 * this run (samples left out), rewritten after each inference experiment so a partial run has one too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RowInput } from '../../common/results.ts';

interface Section {
  id: number;
  title: string;
  question: string;
  headline: string[];
  rows: RowInput[];
}

const runs = new Map<string, Map<number, Section>>();

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

export function pointLabel(r: RowInput): string {
  const parts: string[] = [];
  if (r.strategy) parts.push(r.strategy + (r.workers !== undefined && (r.strategy === 'pool' || r.strategy === 'process') ? `×${r.workers}` : ''));
  if (r.template && r.template !== 'llama3.1') parts.push(r.template);
  if (r.engine) parts.push(r.engine);
  if (r.concurrency !== undefined) parts.push(`${r.rate !== undefined ? 'max ' : ''}c=${r.concurrency}`);
  if (r.rate !== undefined) parts.push(`rate=${r.rate}/s`);
  return parts.join(' ');
}

function table(rows: RowInput[]): string {
  const head = ['target', 'prompts', 'point', 'metric', 'median', 'p90', 'p99', '95% CI', 'unit', 'status'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const s = r.summary;
    const median = s ? s.median : r.value;
    const lo = s ? s.ciLow : r.low;
    const hi = s ? s.ciHigh : r.high;
    const ci = lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi) ? `${fmt(lo)}–${fmt(hi)}` : '';
    const status = (r.status ?? 'ok') === 'ok' ? 'ok' : `${r.status}: ${(r.error ?? '').slice(0, 120)}`;
    const cells = [r.target ?? '', r.dataset ?? '', pointLabel(r), r.metric, fmt(median), fmt(s?.p90), fmt(s?.p99), ci, r.unit, status];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

const RESOURCE_METRICS = ['client_cpu', 'client_peak_rss', 'loop_delay_p99', 'loop_delay_max', 'server_cpu'];

/** One line per point: CPU %, peak RSS, event-loop delay. */
function resourceTable(rows: RowInput[]): string {
  const key = (r: RowInput) => `${r.target ?? ''}\u0000${r.dataset ?? ''}\u0000${pointLabel(r)}`;
  const points = [...new Map(rows.map((r) => [key(r), r])).values()];
  const head = ['target', 'prompts', 'point', 'client CPU %', 'client peak RSS MB', 'loop delay p99 ms', 'loop delay max ms', 'server CPU %'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const p of points) {
    const v = (m: string) => fmt(rows.find((r) => key(r) === key(p) && r.metric === m)?.value);
    lines.push(`| ${[p.target ?? '', p.dataset ?? '', pointLabel(p), v('client_cpu'), v('client_peak_rss'), v('loop_delay_p99'), v('loop_delay_max'), v('server_cpu')].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Records an experiment's rows for this run folder and rewrites both summary files. */
export function writeInferenceSummary(runDir: string, section: Section): void {
  let sections = runs.get(runDir);
  if (!sections) runs.set(runDir, (sections = new Map()));
  sections.set(section.id, section);
  const ordered = [...sections.values()].sort((a, b) => a.id - b.id);
  const md: string[] = ['# Inference suite summary', '', `Run folder: \`${runDir}\`. Every row is also in results.csv (raw samples in samples.jsonl); notes say what each figure includes.`, ''];
  for (const s of ordered) {
    const shown = s.rows.filter((r) => (r.status ?? 'ok') !== 'ok' || s.headline.includes(r.metric));
    md.push(`## ${s.id}. ${s.title}`, '', s.question, '', table(shown), '');
    const resources = s.rows.filter((r) => RESOURCE_METRICS.includes(r.metric) && (r.status ?? 'ok') === 'ok');
    if (resources.length > 0) md.push('Resources during each run (client/gateway process, embedded server process):', '', resourceTable(resources), '');
  }
  writeFileSync(join(runDir, 'inference-summary.md'), md.join('\n'));
  const json = {
    runDir,
    experiments: ordered.map((s) => ({
      id: s.id,
      title: s.title,
      question: s.question,
      rows: s.rows.map(({ samples, summary, ...r }) => ({
        ...r,
        point: pointLabel(r),
        ...(summary ? { n: summary.n, median: summary.median, p90: summary.p90, p99: summary.p99, mean: summary.mean, sd: summary.sd, ci_low: summary.ciLow, ci_high: summary.ciHigh } : {}),
      })),
    })),
  };
  writeFileSync(join(runDir, 'inference-summary.json'), JSON.stringify(json, null, 2));
}
