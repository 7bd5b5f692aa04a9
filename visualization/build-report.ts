/**
 * Charts + report.html for a run: from its rows and env.json record — in memory at the end of a run, read
 * back from the folder by `npm run report` (common/results/run-folder.ts), the same records either way —
 * and the files experiments wrote. One code path, so a rebuilt report equals the original.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartDefinition } from './chart.ts';
import { runNotice, type Coverage } from '../common/results/coverage.ts';
import { collectFindings, formatFindings, formatVerdict, type ExperimentFindings } from '../common/results/findings.ts';
import { formatMarkdown, summaryLines } from '../common/results/summary-table.ts';
import type { RunData } from '../common/results/run-folder.ts';
import { hasFigure, pointText, type ResultRow } from '../common/results/results.ts';
import { reportHtml, type ReportExperiment } from './report-html.ts';
import { writeCharts, type ChartOutcome } from './write-charts.ts';

export type ReportSource = ReportExperiment & { charts?: ChartDefinition[] };

export interface ReportOutcome {
  charts: ChartOutcome[];
  /** What the run found, per experiment (also at the top of report.html and summary.md). */
  findings: ExperimentFindings[];
  reportPath: string;
  /** Wall time of building and rendering every chart (SVG + PNG), ms. */
  chartsMs: number;
  /** Wall time of the whole step including loading the run and writing report.html, ms. */
  totalMs: number;
  /** Set when the run was interrupted or is partial (a shard, a partial merge): what it covers. */
  notice?: string;
}

export async function buildReport(run: RunData, experiments: ReportSource[]): Promise<ReportOutcome> {
  const t0 = performance.now();
  const { dir } = run;
  const present = new Set(run.rows.map((r) => r.experiment));
  const t1 = performance.now();
  const charts = await writeCharts(dir, experiments.filter((e) => present.has(e.id)), run.rows);
  const chartsMs = performance.now() - t1;
  const findings = collectFindings(experiments, run.rows, { cores: Number(run.env.cores) || 1 }, (run.env.coverage as Coverage | undefined)?.experiments);
  const notice = runNotice(run.env);
  const reportPath = join(dir, 'report.html');
  writeFileSync(reportPath, reportHtml({ run, experiments, charts, findings, notice }));
  writeFileSync(join(dir, 'summary.md'), summaryMarkdown(run, experiments, findings, notice));
  return { charts, findings, reportPath, chartsMs, totalMs: performance.now() - t0, ...(notice ? { notice } : {}) };
}

/** summary.md: the notice of an interrupted or partial run, the Answers, then the headline table of every experiment. */
function summaryMarkdown(run: RunData, experiments: ReportSource[], findings: ExperimentFindings[], notice: string | undefined): string {
  const selections = experiments.filter((e) => run.rows.some((r) => r.experiment === e.id)).map((e) => ({ experiment: e.id, title: e.title, metrics: e.headline }));
  const wall = typeof run.env.wallSeconds === 'number' ? `wall time ${run.env.wallSeconds} s\n\n` : '';
  const warning = notice ? `> **${notice}**\n\n` : '';
  return `# prepbench run ${String(run.env.runId ?? '')}\n\n${warning}${wall}${formatVerdict(findings, true)}${answersMarkdown(findings)}${flagsMarkdown(run.rows)}## Table\n\n${formatMarkdown(summaryLines(run.rows, selections))}\n`;
}

/** The Answers section of summary.md; none when no experiment of the run declares answers. */
function answersMarkdown(findings: ExperimentFindings[]): string {
  const text = formatFindings(findings, true);
  return text ? `## Answers\n\n${text}\n` : '';
}

/** Rows that keep a figure but are flagged (unstable, suspect, client_saturated): how many, and the first one's reason. */
function flagsMarkdown(rows: ResultRow[]): string {
  const flagged = rows.filter((r) => r.status !== 'ok' && hasFigure(r.status));
  if (flagged.length === 0) return '';
  const lines = [...new Set(flagged.map((r) => r.status))].map((status) => {
    const mine = flagged.filter((r) => r.status === status);
    return `- **${status}**: ${mine.length} row${mine.length > 1 ? 's' : ''}; first: exp ${mine[0].experiment} ${pointText(mine[0])} ${mine[0].metric}: ${mine[0].error}`;
  });
  return `## Flagged rows\n\n${lines.join('\n')}\n\n`;
}

/** One line per problem chart, for stderr. */
export function chartProblems(outcome: ReportOutcome): string[] {
  return outcome.charts.filter((c) => c.error).map((c) => `chart ${c.name}: ${c.error}`);
}
