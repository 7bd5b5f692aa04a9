/**
 * report.html: one self-contained page per run — environment, and per experiment its question, charts
 * (vega-embed, interactive tooltips), summary table, failed/unsupported rows, and the experiment's own
 * section if it declares one. Every script and spec is inlined and a Content-Security-Policy forbids
 * any request, so the page works offline and cannot leak one.
 */
import { pointText, type ResultRow } from '../common/results/results.ts';
import { visibleCaveats, type Answering, type ExperimentFindings, type Finding } from '../common/results/findings.ts';
import { summaryLines } from '../common/results/summary-table.ts';
import { browserBundles } from './bundles.ts';
import type { RunData } from '../common/results/run-folder.ts';
import type { ChartOutcome } from './write-charts.ts';

/** What the report needs to know about an experiment (an Experiment satisfies it). */
export interface ReportExperiment extends Answering {
  id: number;
  title: string;
  question: string;
  headline?: string[];
  /** An HTML section of the experiment's own (e.g. a table of a file it wrote), from the run folder. */
  reportSection?(runDir: string): string | undefined;
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
/** Inline script text must not close its own <script> element. */
const inlineScript = (js: string) => js.replace(/<\/(script)/gi, '<\\/$1');
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function table(head: string[] | undefined, body: string[][], cls = ''): string {
  if (body.length === 0) return '';
  const thead = head ? `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${thead}<tbody>${body
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function calibration(noise: unknown): string | undefined {
  const n = noise as { start?: { calibrationMs?: number }; end?: { calibrationMs?: number }; warning?: string } | undefined;
  if (n?.start?.calibrationMs === undefined) return undefined;
  return `${n.start.calibrationMs} → ${n.end?.calibrationMs ?? '?'} ms${n.warning ? ` — ${n.warning}` : ''}`;
}

/** A merged run: which shards, on which machines, and any gap (a partial merge). */
function mergedFrom(merged: unknown, shards: unknown): string | undefined {
  const m = merged as { count: number; missing: number[] } | undefined;
  if (!m) return undefined;
  const list = ((shards ?? []) as { index: number; cpu?: string; cores?: number }[]).map((s) => `${s.index}/${m.count} on ${s.cpu ?? '?'} (${s.cores ?? '?'} cores)`);
  const gap = m.missing.length > 0 ? ` — PARTIAL: shard${m.missing.length > 1 ? 's' : ''} ${m.missing.join(', ')} missing` : '';
  return `${list.join('; ')}${gap}`;
}

function environment(env: Record<string, unknown>): string {
  const options = (env.options ?? {}) as Record<string, unknown>;
  const fields: [string, unknown][] = [
    ['run', env.runId],
    ['started', env.timestamp],
    ['CPU', env.cpu],
    ['cores', env.cores],
    ['memory', env.memoryGiB !== undefined ? `${env.memoryGiB} GiB` : undefined],
    ['OS', env.os],
    ['Node.js', env.node],
    ['V8', env.v8],
    ['libuv threadpool', env.uvThreadpoolSize],
    ['git commit', env.gitCommit],
    ['arguments', Array.isArray(env.argv) ? (env.argv as string[]).join(' ') || '(none)' : undefined],
    ['options', Object.keys(options).length ? Object.entries(options).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`).join('  ') : undefined],
    ['wall time', env.wallSeconds !== undefined ? `${env.wallSeconds} s` : undefined],
    ['interrupted', env.interrupted],
    ['rows / error rows', env.rows !== undefined ? `${env.rows} / ${env.errorRows}` : undefined],
    ['processes per point', (env.replication as { runs?: number } | undefined)?.runs],
    ['calibration (start → end)', calibration(env.noise)],
    ['merged from shards', mergedFrom(env.merged, env.shards)],
  ];
  const packages = Object.entries((env.packages ?? {}) as Record<string, string>);
  const rows = fields.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [esc(k), `<code>${esc(v)}</code>`]);
  if (packages.length) rows.push(['packages', packages.map(([n, v]) => `<code>${esc(n)}@${esc(v)}</code>`).join(' ')]);
  return rows.length ? table(undefined, rows, 'env') : '<p class="warn">env.json is missing: environment unknown.</p>';
}

function failures(rows: ResultRow[]): string {
  const bad = rows.filter((r) => r.status !== 'ok');
  if (bad.length === 0) return '<p class="ok">No error, unsupported or flagged rows.</p>';
  return `<h3>Error, unsupported and flagged rows (${bad.length})</h3>${table(
    ['point', 'metric', 'status', 'reason'],
    bad.map((r) => [esc(pointText(r)), esc(r.metric), `<span class="status-${esc(r.status)}">${esc(r.status)}</span>`, esc(r.error)]),
    'failures',
  )}`;
}

function summary(rows: ResultRow[], e: ReportExperiment): string {
  const [head, ...body] = summaryLines(rows, [{ experiment: e.id, title: e.title, metrics: e.headline }]);
  const ok = body.filter((l) => l[7] === 'ok');
  if (ok.length === 0) return '';
  return `<h3>Summary (headline metrics)</h3>${table(head.slice(1), ok.map((l) => l.slice(1).map(esc)), 'summary')}`;
}

export interface ReportInput {
  run: RunData;
  experiments: ReportExperiment[];
  charts: ChartOutcome[];
  findings?: ExperimentFindings[];
  /** The notice of an interrupted or partial run, at the top of the page. */
  notice?: string;
}

/** One finding with its caveats and a link to the chart that shows it. */
function findingItem(f: Finding, experiment: number, charts: ChartOutcome[]): string {
  const chart = f.chart ? charts.find((c) => c.name === `${experiment}-${f.chart}`) : undefined;
  const link = chart ? ` <a class="chart-link" href="#chart-${esc(chart.name)}">chart ${esc(chart.name)}</a>` : '';
  const shown = visibleCaveats(f);
  const caveats = shown.length > 0 ? `<div class="warn">caution: ${esc(shown.join('; '))}</div>` : '';
  return `<li data-finding="${esc(f.id)}">${esc(f.text)}${link}${caveats}</li>`;
}

/** The Verdict section (which pipeline to run), before the Answers; none when no experiment gives one. */
function verdict(findings: ExperimentFindings[], charts: ChartOutcome[]): string {
  const items = findings.flatMap((e) => e.findings.filter((f) => f.verdict).map((f) => findingItem(f, e.experiment, charts)));
  return items.length > 0 ? `<section id="verdict"><h2>Verdict</h2><ul>${items.join('')}</ul></section>\n` : '';
}

/** The Answers section: each experiment's findings but the verdict. */
function answers(findings: ExperimentFindings[], charts: ChartOutcome[]): string {
  const items = findings.map((e) => {
    const list = e.findings.filter((f) => !f.verdict).map((f) => findingItem(f, e.experiment, charts));
    const problem = e.error ? `<li class="warn">findings could not be computed: ${esc(e.error)}</li>` : e.findings.length === 0 ? '<li>no finding: the rows it needs are missing or failed</li>' : '';
    const partial = e.partial ? `<li class="warn partial"><strong>${esc(e.partial)}</strong></li>` : '';
    return `<h3><a href="#exp-${e.experiment}">${e.experiment}. ${esc(e.title)}</a></h3><ul>${partial}${list.join('')}${problem}</ul>`;
  });
  return `<section id="answers"><h2>Answers</h2>${items.join('\n') || '<p>No experiment of this run declares findings.</p>'}</section>`;
}

/** The experiment's own section; a failure shows in its place and leaves the rest of the report intact. */
function ownSection(e: ReportExperiment, runDir: string): string {
  try {
    return e.reportSection?.(runDir) ?? '';
  } catch (err) {
    return `<p class="warn">section failed: ${esc((err as Error).message)}</p>`;
  }
}

export function reportHtml({ run, experiments, charts, findings = [], notice }: ReportInput): string {
  const runId = String(run.env.runId ?? run.rows[0]?.run_id ?? 'unknown run');
  const ids = [...new Set(run.rows.map((r) => r.experiment))].filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  const known = new Map(experiments.map((e) => [e.id, e]));
  const specs: Record<string, unknown> = {};
  const sections = ids.map((id) => {
    const e = known.get(id) ?? { id, title: `experiment ${id}`, question: '(this experiment is not in the registry of this checkout)' };
    const rows = run.rows.filter((r) => r.experiment === id);
    const mine = charts.filter((c) => c.experiment === id);
    const figures = mine
      .map((c) => {
        if (c.spec) specs[c.name] = c.spec;
        const files = c.files.map((f) => `<a href="${esc(f)}">${esc(f.replace(`${c.name}.`, ''))}</a>`).join(' · ');
        const problem = c.error ? `<p class="warn">chart problem: ${esc(c.error)}</p>` : '';
        return `<figure><div class="chart" id="chart-${esc(c.name)}" data-chart="${esc(c.name)}"></div><figcaption>${esc(c.name)} — ${files}</figcaption>${problem}</figure>`;
      })
      .join('\n');
    return `<section id="exp-${id}"><h2>Experiment ${id} — ${esc(e.title)}</h2><p class="question">${esc(e.question)}</p>${figures || '<p>No charts declared for this experiment.</p>'}${summary(rows, e)}${failures(rows)}${ownSection(e, run.dir)}</section>`;
  });
  const toc = ids.map((id) => `<a href="#exp-${id}">${id} ${esc(known.get(id)?.title ?? '')}</a>`).join(' · ');
  const scripts = browserBundles()
    .map((b) => `<script data-bundle="${esc(b.name)}">${inlineScript(b.source)}</script>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prepbench run ${esc(runId)}</title>
<style>
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 24px auto; max-width: 1400px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 40px; border-bottom: 1px solid #ccc; padding-bottom: 4px; } h3 { font-size: 15px; }
.question { font-style: italic; color: #444; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0 16px; } th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } table.env td:first-child { font-weight: bold; white-space: nowrap; }
figure { margin: 16px 0; } figcaption { font-size: 11px; color: #666; }
.warn { color: #b35900; } .ok { color: #2a7a2a; }
.status-ok { color: #2a7a2a; font-weight: bold; } .status-error { color: #c62828; font-weight: bold; } .status-unsupported, .status-differs { color: #b35900; font-weight: bold; }
.detail { color: #666; font-size: 11px; max-width: 380px; } .cost { white-space: nowrap; }
</style></head>
<body>
<h1>prepbench run ${esc(runId)}</h1>
${notice ? `<p class="warn notice" id="run-notice"><strong>${esc(notice)}</strong></p>\n` : ''}<nav>${toc}</nav>
${verdict(findings, charts)}${answers(findings, charts)}
<h2>Environment</h2>
${environment(run.env)}
${sections.join('\n')}
<script type="application/json" id="chart-specs">${inlineJson(specs)}</script>
${scripts}
<script>
(function () {
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  document.querySelectorAll('.chart').forEach(function (el) {
    var spec = specs[el.dataset.chart];
    if (!spec) { el.textContent = 'no spec for this chart'; return; }
    vegaEmbed(el, spec, { actions: false, renderer: 'svg' }).catch(function (err) {
      el.textContent = 'chart failed: ' + err;
      console.error('chart ' + el.dataset.chart + ' failed', err);
    });
  });
})();
</script>
</body></html>
`;
}
