/**
 * Runs selected experiments: the run's lifecycle. Every figure is measured in fresh child processes: each
 * group of points (one point unless the experiment groups points that cannot bias each other) runs in its
 * own process, `runs` times, in interleaved rounds (suites/work-plan.ts). Per-process rows reach
 * replicates.csv and samples.jsonl as they arrive; at the end (also after Ctrl-C) suites/run-output.ts
 * combines them into results.csv with intervals over processes, as `npm run merge` does for shards. A
 * crash, hang or non-zero exit of a child becomes an error row and the run goes on. Each run gets its own
 * folder and never overwrites another.
 */
import { collectEnvironment } from '../common/results/environment.ts';
import { errorMessage } from '../common/cli/error-message.ts';
import { coverageOf, runNotice } from '../common/results/coverage.ts';
import { noiseRecord, noiseSnapshot } from '../common/measure/machine-noise.ts';
import { Progress } from '../common/cli/progress.ts';
import { mean } from '../common/stats/stats.ts';
import { ResultWriter, toRow, type ResultRow, type RoundsRecord, type RowInput } from '../common/results/results.ts';
import type { ReportOutcome } from '../visualization/build-report.ts';
import { prepareLauncher, runJobInChild, type ChildLauncher, type JobOutcome } from './child-runner.ts';
import { createRunFolder, declaredParams, renderReport, rowCounts, writeEnv, writeResults, type Collected, type Selected } from './run-output.ts';
import { planExtensions, reachPrecision, withAfter, type Precision } from './precision.ts';
import { checkMatrix, loadMeasured, previousRun, remainingWork } from './resume.ts';
import { RunFiles } from './run-files.ts';
import type { RunOptions } from './types.ts';
import { ORDER_DESCRIPTION, planHash, planWork, shardOf, type Shard, type WorkItem, type WorkUnit } from './work-plan.ts';

// RunRequest.selection's type, for callers that build a request (the CLI).
export type { Selected } from './run-output.ts';

export interface RunRequest {
  selection: Selected[];
  outBase: string;
  options: Omit<RunOptions, 'progress' | 'runDir'>;
  /** Independent processes per point (--runs, else the mode's default). */
  runs: number;
  /** Experiments measured in another number of processes than `runs` (their own default when --runs is not given). */
  runsByExperiment?: Readonly<Record<number, number>>;
  /** Seconds one point may take in its child before it is killed and the point becomes an error row. */
  pointTimeout: number;
  /** Measure only this shard of the work list (--shard K/N); `npm run merge` joins the shards. */
  shard?: Shard;
  /** Everything the user asked for, recorded in env.json. */
  args: Record<string, unknown>;
  progress?: Progress;
  /** Kept up to date with what of the folder is complete (for a user who quits before the end). */
  files?: RunFiles;
  /** A stopped run's folder (--resume): only the processes it has not measured are run, in it. */
  resume?: string;
  /** The command line's arguments, recorded in env.json for --resume (default: this process's). */
  argv?: readonly string[];
  /** --precision: after the planned processes, more where intervals are wider (suites/precision.ts). */
  precision?: Precision;
}

export interface RunOutcome {
  dir: string;
  runId: string;
  rows: ResultRow[];
  errors: ResultRow[];
  /** Rows flagged unstable (interval too wide) and suspect (breaks a physical bound). */
  unstable: ResultRow[];
  suspect: ResultRow[];
  wallSeconds: number;
  /** Set when the machine changed speed during the run (calibration at start vs end). */
  noiseWarning?: string;
  /** Charts and report.html written at the end; undefined if that step failed (results.csv is unaffected). */
  report?: ReportOutcome;
  /** What an interrupted run or a shard covers (as summary.md and report.html say it); undefined for a whole run. */
  notice?: string;
}

/** The seed and order of one point's paired rounds in one process (env.json, replication.pairedRounds). */
interface RoundsLogEntry extends RoundsRecord {
  experiment: number;
  point: number;
  label: string;
  replicate: number;
}

/** The processes each point of experiment `id` is measured in: its own number, else the run's. */
export function processesOf(request: Pick<RunRequest, 'runs' | 'runsByExperiment'>, id: number): number {
  return request.runsByExperiment?.[id] ?? request.runs;
}

/** "3 processes per point", or when experiments differ "3–6 processes per point (exp 8: 3; exp 3, 4: 5; exp 1, 2: 6)". */
export function processesText(experiments: readonly number[], runsOf: (id: number) => number): string {
  const byRuns = new Map<number, number[]>();
  for (const id of experiments) byRuns.set(runsOf(id), [...(byRuns.get(runsOf(id)) ?? []), id]);
  const runs = [...byRuns.keys()].sort((a, b) => a - b);
  const plural = (n: number) => `${n} process${n === 1 ? '' : 'es'}`;
  if (runs.length <= 1) return `${plural(runs[0] ?? 0)} per point`;
  const each = runs.map((r) => `exp ${byRuns.get(r)!.join(', ')}: ${r}`).join('; ');
  return `${runs[0]}–${plural(runs[runs.length - 1])} per point (${each})`;
}

export async function runExperiments(request: RunRequest): Promise<RunOutcome> {
  const progress = request.progress ?? new Progress();
  const previous = request.resume === undefined ? undefined : previousRun(request.resume);
  const { dir, runId } = request.resume !== undefined && previous ? { dir: request.resume, runId: previous.runId } : createRunFolder(request.outBase);
  const files = request.files ?? new RunFiles();
  files.dir = dir;
  const params = declaredParams(request.selection.map((s) => s.experiment));
  const replicateWriter = new ResultWriter(dir, params, 'replicates.csv', true);
  const startNoise = noiseSnapshot();
  const env = collectEnvironment({ ...request.args, experiments: request.selection.map((s) => s.experiment.id) }, request.argv);
  const runsOf = (id: number) => processesOf(request, id);
  const launcher = await prepareLauncher([...new Set(request.selection.map((s) => s.suite))]);
  if (launcher.record.start === 'tsx') progress.line(`children start through tsx (${launcher.record.reason})`);
  const replication = { runs: request.runs, runsByExperiment: request.runsByExperiment ?? {}, order: ORDER_DESCRIPTION, seed: request.options.seed, isolation: 'a fresh child process per point group and replicate', children: launcher.record, pointTimeoutSeconds: request.pointTimeout };
  // A resumed run keeps the stopped run's env.json (its arguments) until it has its own.
  if (!previous) writeEnv(dir, { runId, ...env, replication, noise: { start: startNoise } });
  progress.line(`run ${runId} → ${dir} (${processesText(request.selection.map((s) => s.experiment.id), runsOf)}; calibration ${startNoise.calibrationMs} ms)`);

  const options: RunOptions = { ...request.options, runDir: dir, topology: env.topology, progress: (d) => progress.detail(d) };
  const signal = options.signal;
  const collected: Collected[] = [];
  for (const selected of request.selection) {
    const entry: Collected = { selected, points: [], rows: [], failures: [] };
    try {
      entry.points = await selected.experiment.matrix(options);
      // Said, not silent: an experiment whose options select nothing (e.g. one that needs a flag).
      if (entry.points.length === 0) progress.line(`exp ${selected.experiment.id} ${selected.experiment.slug}: nothing to measure with these options (${selected.experiment.question})`);
    } catch (err) {
      entry.failures.push({ metric: 'matrix', unit: '', status: 'error', error: errorMessage(err) });
    }
    collected.push(entry);
  }
  const matrix = Object.fromEntries(collected.map((c) => [String(c.selected.experiment.id), c.points.map((p) => c.selected.experiment.label(p))]));
  if (previous) checkMatrix(dir, previous, matrix);
  // The matrix on record from the start, so a run killed before its end can still be resumed safely.
  else writeEnv(dir, { runId, ...env, replication, noise: { start: startNoise }, matrix });
  const fullPlan = planWork(
    collected.map((c) => ({ experiment: c.selected.experiment.id, suite: c.selected.suite.name, runs: runsOf(c.selected.experiment.id), groups: c.points.map((p) => c.selected.experiment.group?.(p)), pointRuns: c.points.map((p) => c.selected.experiment.pointRuns?.(p)) })),
    request.options.seed,
  );
  const done = previous ? loadMeasured(dir, collected, params) : new Set<string>();
  const ownPlan = request.shard ? shardOf(fullPlan, request.shard) : fullPlan;
  const plan = remainingWork(ownPlan, done);
  const labelOf = (item: WorkItem) => {
    const c = collected.find((e) => e.selected.experiment.id === item.experiment)!;
    return c.selected.experiment.label(c.points[item.point]);
  };
  const shard = request.shard ? { ...request.shard, plan: planHash(fullPlan, labelOf), groups: [...new Set(plan.map((u) => u.group))] } : undefined;
  const itemsOf = (id: number) => plan.reduce((n, u) => n + u.items.filter((i) => i.experiment === id).length, 0);
  progress.plan(collected.map((c) => ({ key: c.selected.experiment.id, label: `exp ${c.selected.experiment.id} ${c.selected.experiment.slug}`, total: itemsOf(c.selected.experiment.id) })));

  const { signal: _parentSignal, ...parentOptions } = request.options;
  const childOptions = { ...parentOptions, runDir: dir };
  const unitSeconds: { group: string; replicate: number; points: number; seconds: number; startupSeconds?: number; calibrationMs?: number }[] = [];
  const roundsLog: RoundsLogEntry[] = [];
  const measure = async (unit: WorkUnit) => {
    // Processes the plan did not count (--precision) extend their experiments' totals.
    for (const item of unit.items) if (unit.replicate >= runsOf(item.experiment)) progress.addWork(item.experiment, 1);
    const t0 = performance.now();
    const { startupMs, calibrationMs } = await runUnit(unit, collected, childOptions, request, replicateWriter, runId, progress, roundsLog, launcher);
    const startupSeconds = startupMs === undefined ? {} : { startupSeconds: Number((startupMs / 1000).toFixed(2)) };
    unitSeconds.push({ group: unit.group, replicate: unit.replicate, points: unit.items.length, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)), ...startupSeconds, ...(calibrationMs === undefined ? {} : { calibrationMs }) });
  };
  for (const unit of plan) {
    if (signal.aborted) break;
    await measure(unit);
  }
  // --precision: more processes where the intervals are wider than asked, judged on the planned ones.
  const secondsOf = (group: string) => mean(unitSeconds.filter((u) => u.group === group).map((u) => u.seconds));
  const precision = request.precision && !signal.aborted ? await reachPrecision(request.precision, planExtensions(collected, ownPlan, options, runsOf, request.precision.target, runId), measure, (g) => secondsOf(g) || 0, signal) : undefined;
  if (precision) progress.line(`precision ±${precision.target}%: ${precision.groups.map((g) => `${g.group} ${g.planned} → ${g.processes} processes`).join('; ') || 'every judged row already within it'}`);

  const endNoise = noiseSnapshot();
  const noise = noiseRecord(startNoise, endNoise);
  const writer = new ResultWriter(dir, params);
  files.stage = 'results';
  await writeResults(collected, options, runsOf, writer, replicateWriter, runId);
  progress.finish();

  const wallSeconds = progress.elapsedSeconds() + (previous?.wallSeconds ?? 0);
  const precisionRecord = precision ? { precision: withAfter(precision, writer.rows) } : {};
  // A resumed run: the stopped run's processes and arguments, and each session's share of the work.
  const before = previous ? { argv: previous.argv, resumed: [...(previous.resumed ?? []), { processes: plan.length, wallSeconds: Number(progress.elapsedSeconds().toFixed(1)) }] } : {};
  const processes = [...((previous?.replication?.processes ?? []) as typeof unitSeconds), ...unitSeconds];
  const pairedRounds = [...((previous?.replication?.pairedRounds ?? []) as RoundsLogEntry[]), ...roundsLog];
  const errors = writer.rows.filter((r) => r.status === 'error');
  const unstable = writer.rows.filter((r) => r.status === 'unstable');
  const suspect = writer.rows.filter((r) => r.status === 'suspect');
  // Planned (the full plan, also in a shard) against measured, per experiment: the notices of an interrupted or partial run.
  const coverage = coverageOf(collected.map((c) => ({ experiment: c.selected.experiment.id, labels: matrix[String(c.selected.experiment.id)], planned: fullPlan.reduce((n, u) => n + u.items.filter((i) => i.experiment === c.selected.experiment.id).length, 0), reported: c.rows })));
  const written = writeEnv(dir, { runId, ...env, ...before, replication: { ...replication, units: (previous?.replication as { units?: number } | undefined)?.units ?? plan.length, processes, pairedRounds }, ...(shard ? { shard } : {}), noise, wallSeconds: Number(wallSeconds.toFixed(1)), interrupted: signal.aborted, coverage, matrix, ...precisionRecord, ...rowCounts(writer.rows) });
  if (noise.warning) progress.line(`warning: ${noise.warning}`);
  files.stage = 'report';
  // The answers and the report from the rows and env.json as written, in memory: the records `npm run report` reads back.
  const report = await renderReport({ dir, rows: writer.rows, env: written }, request.selection.map((s) => s.experiment), progress);
  files.stage = 'done';
  const notice = runNotice(written);
  return { dir, runId, rows: writer.rows, errors, unstable, suspect, wallSeconds, noiseWarning: noise.warning, report, ...(notice ? { notice } : {}) };
}

async function runUnit(unit: WorkUnit, collected: Collected[], options: Omit<RunOptions, 'signal' | 'progress'>, request: RunRequest, writer: ResultWriter, runId: string, progress: Progress, roundsLog: RoundsLogEntry[], launcher: ChildLauncher): Promise<JobOutcome> {
  const entries = unit.items.map((item) => collected.find((c) => c.selected.experiment.id === item.experiment)!);
  const labelOf = (i: number) => entries[i].selected.experiment.label(entries[i].points[unit.items[i].point]);
  const keep = (i: number, measured: RowInput) => {
    const { suite, experiment } = entries[i].selected;
    const { rounds, ...row } = measured;
    if (rounds) roundsLog.push({ experiment: experiment.id, point: unit.items[i].point, label: labelOf(i), replicate: unit.replicate, ...rounds });
    entries[i].rows.push({ point: unit.items[i].point, replicate: unit.replicate, row });
    writer.write(toRow(row, { run_id: runId, suite: suite.name, experiment: experiment.id }), row.samples, unit.replicate, unit.items[i].point);
  };
  const items = unit.items.map((item, i) => ({ ...item, label: labelOf(i) }));
  const outcome = await runJobInChild({ entry: entries[0].selected.suite.entry, items, options: { ...options, replicate: unit.replicate } }, request.pointTimeout * 1000, request.options.signal, {
    onPointStart: (i) => {
      const planned = processesOf(request, unit.items[i].experiment);
      const run = unit.replicate < planned ? `${unit.replicate + 1}/${planned}` : `${unit.replicate + 1} (--precision)`;
      progress.pointStarted(`  exp ${unit.items[i].experiment} run ${run} ${labelOf(i)}`);
    },
    onRows: (i, rows) => {
      for (const row of rows) keep(i, row);
      progress.advance(unit.items[i].experiment);
    },
    onPointError: (i, message) => {
      const { experiment } = entries[i].selected;
      keep(i, { params: experiment.coordinates(entries[i].points[unit.items[i].point]), metric: 'point', unit: '', status: 'error', error: errorMessage(message) });
      progress.line(`  exp ${experiment.id} point ${labelOf(i)} FAILED: ${errorMessage(message)}`);
      progress.advance(experiment.id);
    },
    onProgress: (detail) => progress.detail(detail),
  }, launcher);
  if (outcome.teardownError) entries[0].failures.push({ metric: 'teardown', unit: '', status: 'error', error: errorMessage(outcome.teardownError) });
  return outcome;
}
