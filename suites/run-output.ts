/**
 * A run folder's outputs from its per-process rows: results.csv (the rows of R processes combined by
 * common/results/replicates.ts, ratios derived per process, rows flagged), the experiments' and suites' own
 * files, env.json's row counts, charts and report.html. Used at the end of a run, also after Ctrl-C
 * (suites/orchestrator.ts), and by `npm run merge` on the rows of its shards (suites/merge.ts): one
 * module so both produce the same statistics, and apart from the orchestrator so that a merge, which
 * forks no process, carries none of the run's lifecycle (planning, children, progress).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../common/cli/error-message.ts';
import type { Progress } from '../common/cli/progress.ts';
import { combineReplicates, flagUnstable, type ReplicateRow } from '../common/results/replicates.ts';
import { FIXED_COLUMNS, PROCESS_COLUMNS, isParamColumn, recordOf, toRow, type ResultRow, type ResultWriter, type RowInput } from '../common/results/results.ts';
import type { RunData } from '../common/results/run-folder.ts';
import type { Topology } from '../common/measure/topology.ts';
import type { ReportOutcome } from '../visualization/build-report.ts';
import type { Experiment, RunOptions, Suite } from './types.ts';

/** An experiment chosen for a run, with the suite it belongs to. */
export interface Selected {
  suite: Suite;
  experiment: Experiment;
}

/** What one experiment produced, per replicate process set, with the matrix order of each row. */
export interface Collected {
  selected: Selected;
  points: unknown[];
  /** Rows by point index and replicate, in arrival order within a point. */
  rows: { point: number; replicate: number; row: RowInput }[];
  /** Experiment-level error rows (matrix, teardown), written as they are. */
  failures: RowInput[];
}

/** A new folder under `base` named by the UTC start time; a suffix keeps two runs in one second apart. */
export function createRunFolder(base: string, now = new Date()): { dir: string; runId: string } {
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
  mkdirSync(base, { recursive: true });
  for (let i = 1; ; i++) {
    const runId = i === 1 ? stamp : `${stamp}-${i}`;
    const dir = join(base, runId);
    try {
      // mkdir without `recursive` fails if the folder exists: atomic even when other processes share `base`.
      mkdirSync(dir);
      return { dir, runId };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** env.json's counts of a run's rows: all, and those failed or flagged. */
export function rowCounts(rows: readonly ResultRow[]) {
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  return { rows: rows.length, errorRows: count('error'), unstableRows: count('unstable'), suspectRows: count('suspect'), clientSaturatedRows: count('client_saturated') };
}

/** The parameter columns of a run: every selected experiment's declared parameters, in order of first declaration. */
export function declaredParams(experiments: readonly Experiment[]): string[] {
  const params = [...new Set(experiments.flatMap((e) => e.params))];
  // A parameter named like a fixed column would be overwritten by it, or written twice in the header.
  const reserved = params.filter((p) => !isParamColumn(p));
  if (reserved.length > 0) throw new Error(`parameter name${reserved.length > 1 ? 's' : ''} ${reserved.map((p) => `'${p}'`).join(', ')} reserved for results.csv's own columns (${[...FIXED_COLUMNS, ...PROCESS_COLUMNS].join(', ')})`);
  return params;
}

/**
 * results.csv from every experiment's replicate rows, then the files of each experiment and of each suite
 * (`writeFiles` hooks, from the rows as written); after Ctrl-C and in `npm run merge` too. The rows as
 * results.csv holds them are `writer.rows`: the end of the run builds its answers and report from them.
 */
export async function writeResults(entries: readonly Collected[], options: RunOptions, runsOf: (experiment: number) => number, writer: ResultWriter, replicateWriter: ResultWriter, runId: string, topologyOf?: (experiment: number) => Topology | undefined): Promise<void> {
  const results = [];
  for (const entry of entries) {
    // A merge derives each experiment's rows with the topology of the machine that measured them.
    const topology = topologyOf?.(entry.selected.experiment.id) ?? options.topology;
    results.push({ selected: entry.selected, rows: await writeCombined(entry, { ...options, topology }, runsOf(entry.selected.experiment.id), writer, replicateWriter, runId) });
  }
  for (const suite of new Set(entries.map((e) => e.selected.suite))) {
    const own = results.filter((r) => r.selected.suite === suite);
    try {
      await suite.writeFiles?.(own.map((r) => ({ experiment: r.selected.experiment, rows: r.rows })), options);
    } catch (err) {
      writer.write(toRow({ metric: 'write_files', unit: '', status: 'error', error: `suite ${suite.name}: ${errorMessage(err)}` }, { run_id: runId, suite: suite.name, experiment: own[0].selected.experiment.id }));
    }
  }
}

/** An experiment's rows combined over its processes: figures and intervals, ratios derived per process, flags. */
interface CombinedEntry {
  combined: RowInput[];
  /** The ratios each process derived (replicates.csv keeps them beside the measured rows). */
  derived: ReplicateRow[];
  failures: RowInput[];
}

/**
 * Combines an experiment's replicate rows (`runs` planned per point: a point measured in more gets the
 * two-stage interval), derives ratios per replicate and flags rows — without writing, so that the
 * adaptive precision rule can judge the intervals as they stand.
 */
export function combineEntry(entry: Collected, options: RunOptions, runs: number, runId: string): CombinedEntry {
  const { suite, experiment } = entry.selected;
  const base = { run_id: runId, suite: suite.name, experiment: experiment.id };
  const record = (row: RowInput) => recordOf(row, base, experiment.params);
  // Matrix order, then arrival order within a point (the sort is stable).
  const ordered = noteFailedProcesses([...entry.rows].sort((a, b) => a.point - b.point));
  const measured = combineReplicates(ordered, runs);
  const derived: ReplicateRow[] = [];
  const failures = [...entry.failures];
  if (experiment.derive) {
    for (const replicate of [...new Set(ordered.map((r) => r.replicate))].sort((a, b) => a - b)) {
      const own = ordered.filter((r) => r.replicate === replicate).map((r) => record(r.row));
      try {
        for (const row of experiment.derive(own, options)) {
          // Checked like the rows of a point: an undeclared parameter would silently miss its column.
          toRow(row, base, experiment.params);
          derived.push({ replicate, row });
        }
      } catch (err) {
        failures.push({ metric: 'derive', unit: '', status: 'error', error: errorMessage(err) });
      }
    }
  }
  const combined = [...measured, ...combineReplicates(derived, runs)].map(flagUnstable).map((row) => {
    const reason = experiment.sanity?.(record(row), options);
    return reason && (row.status ?? 'ok') !== 'error' ? { ...row, status: 'suspect' as const, error: reason } : row;
  });
  return { combined, derived, failures };
}

/**
 * Writes an experiment's combined rows to results.csv (per-process ratios to replicates.csv) and its own
 * files; returns the combined rows as results.csv holds them.
 */
async function writeCombined(entry: Collected, options: RunOptions, runs: number, writer: ResultWriter, replicateWriter: ResultWriter, runId: string): Promise<ResultRow[]> {
  const { suite, experiment } = entry.selected;
  const base = { run_id: runId, suite: suite.name, experiment: experiment.id };
  const { combined, derived, failures } = combineEntry(entry, options, runs, runId);
  // Per-process ratios beside the measured rows, for compare at the level of processes.
  for (const { replicate, row } of derived) replicateWriter.write(toRow(row, base, experiment.params), undefined, replicate);
  const written = combined.map((row) => writer.write(toRow(row, base)));
  for (const row of dedupe(failures)) writer.write(toRow(row, base));
  try {
    await experiment.writeFiles?.(written, options);
  } catch (err) {
    writer.write(toRow({ metric: 'write_files', unit: '', status: 'error', error: errorMessage(err) }, base));
  }
  return written;
}

/**
 * A point whose process failed in some replicates but measured in others keeps its figures (from the
 * processes that measured), each with a note of the failures, instead of a separate error row.
 */
function noteFailedProcesses(rows: Collected['rows']): Collected['rows'] {
  const failedAt = (point: number) => rows.filter((r) => r.point === point && r.row.metric === 'point' && r.row.status === 'error');
  const processesOf = (point: number) => new Set(rows.filter((r) => r.point === point).map((r) => r.replicate)).size;
  const measuredPoints = new Set(rows.filter((r) => r.row.metric !== 'point').map((r) => r.point));
  return rows.flatMap((r) => {
    const failed = failedAt(r.point);
    if (failed.length === 0 || !measuredPoints.has(r.point)) return [r];
    if (r.row.metric === 'point') return [];
    const note = `the point failed in ${failed.length} of ${processesOf(r.point)} processes (${failed[0].row.error})`;
    return [{ ...r, row: { ...r.row, note: r.row.note ? `${r.row.note}; ${note}` : note } }];
  });
}

/** The same failure in several processes (a teardown, a derive that throws) is one error row. */
function dedupe(rows: RowInput[]): RowInput[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(`${r.metric}|${r.error}`) && seen.add(`${r.metric}|${r.error}`));
}

/** Writes a run's env.json; returns the record as the file reads back (what `npm run report` reads). */
export function writeEnv(dir: string, env: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(env, null, 2);
  writeFileSync(join(dir, 'env.json'), text);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * Charts and report.html from the run's rows and env.json as written, after every row is on disk: the
 * records `npm run report` reads back from the folder. Imported lazily and fully guarded: a chart problem
 * (or a broken Vega install) is reported and never touches results.csv, the exit code or the other charts.
 */
export async function renderReport(run: RunData, experiments: Experiment[], progress: Progress): Promise<ReportOutcome | undefined> {
  try {
    const { buildReport, chartProblems } = await import('../visualization/build-report.ts');
    const outcome = await buildReport(run, experiments);
    progress.line(`charts: ${outcome.charts.length} rendered in ${(outcome.chartsMs / 1000).toFixed(2)} s → ${outcome.reportPath}`);
    for (const problem of chartProblems(outcome)) progress.line(`  ${problem}`);
    return outcome;
  } catch (err) {
    progress.line(`charts and report.html failed (results.csv is intact; retry with npm run report -- ${run.dir}): ${errorMessage(err)}`);
    return undefined;
  }
}
