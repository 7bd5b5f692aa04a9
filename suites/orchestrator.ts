/**
 * Runs selected experiments point by point. One failing point becomes an error row and the run goes
 * on; rows reach disk as they are measured; each run gets its own folder and never overwrites another.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectEnvironment } from '../common/environment.ts';
import { Progress } from '../common/progress.ts';
import { ResultWriter, toRow, type ResultRow, type RowInput } from '../common/results.ts';
import type { Experiment, RunOptions, Suite } from './types.ts';
import type { ReportOutcome } from '../visualization/report.ts';

export interface Selected {
  suite: Suite;
  experiment: Experiment;
}

export interface RunRequest {
  selection: Selected[];
  outBase: string;
  options: Omit<RunOptions, 'progress' | 'runDir'>;
  /** Everything the user asked for, recorded in env.json. */
  args: Record<string, unknown>;
  progress?: Progress;
}

export interface RunOutcome {
  dir: string;
  runId: string;
  rows: ResultRow[];
  errors: ResultRow[];
  wallSeconds: number;
  /** Charts and report.html written at the end; undefined if that step failed (results.csv is unaffected). */
  report?: ReportOutcome;
}

/** A new folder under `base` named by the UTC start time; a suffix keeps two runs in one second apart. */
export function createRunFolder(base: string, now = new Date()): { dir: string; runId: string } {
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  mkdirSync(base, { recursive: true });
  for (let i = 1; ; i++) {
    const runId = i === 1 ? stamp : `${stamp}-${i}`;
    const dir = join(base, runId);
    if (!existsSync(dir)) {
      mkdirSync(dir);
      return { dir, runId };
    }
  }
}

function errorMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 500);
}

export async function runExperiments(request: RunRequest): Promise<RunOutcome> {
  const progress = request.progress ?? new Progress();
  const { dir, runId } = createRunFolder(request.outBase);
  const writer = new ResultWriter(dir);
  const env = collectEnvironment({ ...request.args, experiments: request.selection.map((s) => s.experiment.id) });
  writeFileSync(join(dir, 'env.json'), JSON.stringify({ runId, ...env }, null, 2));
  progress.line(`run ${runId} → ${dir}`);

  const options: RunOptions = { ...request.options, runDir: dir, progress: (d) => progress.detail(d) };
  const lastOfSuite = new Map(request.selection.map((s) => [s.suite, s.experiment]));
  for (const { suite, experiment } of request.selection) {
    if (options.signal.aborted) break;
    const base = { run_id: runId, suite: suite.name, experiment: experiment.id };
    const record = (input: RowInput) => writer.write(toRow(input, base), input.samples);
    const measured: RowInput[] = [];
    let points: unknown[] = [];
    try {
      points = await experiment.matrix(options);
    } catch (err) {
      record({ metric: 'matrix', unit: '', status: 'error', error: errorMessage(err) });
    }
    progress.line(`experiment ${experiment.id} ${experiment.slug}: ${points.length} points`);
    for (const [i, point] of points.entries()) {
      if (options.signal.aborted) break;
      const label = experiment.label(point);
      progress.line(`  exp ${experiment.id} point ${i + 1}/${points.length} ${label}`);
      try {
        const rows = await experiment.run(point, options);
        for (const row of rows) {
          measured.push(row);
          record(row);
        }
      } catch (err) {
        const row: RowInput = { ...experiment.coordinates(point), metric: 'point', unit: '', status: 'error', error: errorMessage(err) };
        record(row);
        progress.line(`  exp ${experiment.id} point ${label} FAILED: ${row.error}`);
      }
    }
    if (experiment.derive && !options.signal.aborted) {
      try {
        for (const row of experiment.derive(measured, options)) record(row);
      } catch (err) {
        record({ metric: 'derive', unit: '', status: 'error', error: errorMessage(err) });
      }
    }
    try {
      await experiment.teardown?.();
      if (lastOfSuite.get(suite) === experiment || options.signal.aborted) await suite.teardown?.();
    } catch (err) {
      record({ metric: 'teardown', unit: '', status: 'error', error: errorMessage(err) });
    }
  }

  const wallSeconds = progress.elapsedSeconds();
  const errors = writer.rows.filter((r) => r.status === 'error');
  writeFileSync(
    join(dir, 'env.json'),
    JSON.stringify({ runId, ...env, wallSeconds: Number(wallSeconds.toFixed(1)), interrupted: options.signal.aborted, rows: writer.rows.length, errorRows: errors.length }, null, 2),
  );
  const report = await renderReport(dir, request.selection.map((s) => s.experiment), progress);
  return { dir, runId, rows: writer.rows, errors, wallSeconds, report };
}

/**
 * Charts and report.html from the run folder, after every row is on disk. Imported lazily and fully
 * guarded: a chart problem (or a broken Vega install) is reported and never touches results.csv, the
 * exit code or the other charts.
 */
async function renderReport(dir: string, experiments: Experiment[], progress: Progress): Promise<ReportOutcome | undefined> {
  try {
    const { buildReport, chartProblems } = await import('../visualization/report.ts');
    const outcome = await buildReport(dir, experiments);
    progress.line(`charts: ${outcome.charts.length} rendered in ${(outcome.chartsMs / 1000).toFixed(2)} s → ${outcome.reportPath}`);
    for (const problem of chartProblems(outcome)) progress.line(`  ${problem}`);
    return outcome;
  } catch (err) {
    progress.line(`charts and report.html failed (results.csv is intact; retry with npm run report -- ${dir}): ${errorMessage(err)}`);
    return undefined;
  }
}
