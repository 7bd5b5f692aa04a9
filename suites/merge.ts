/**
 * `npm run merge`: joins the run folders of the shards of one run (`--shard K/N`) into one run folder —
 * every shard's per-process rows and samples, statistics recomputed over the pooled replicates, ratios
 * derived across shards, env.json listing each shard's machine, charts and report.html. It refuses
 * shards of different commits, arguments or plans, a shard given twice, and missing shards (unless
 * partial merges are allowed, which env.json and the report then record).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowKey } from '../common/compare/compare-runs.ts';
import { mergeCoverage, runNotice } from '../common/results/coverage.ts';
import { Progress } from '../common/cli/progress.ts';
import { ResultWriter, paramColumns, paramsOf, type ResultRow, type RowInput, type RowStatus } from '../common/results/results.ts';
import { summarize } from '../common/stats/stats.ts';
import type { Topology } from '../common/measure/topology.ts';
import { parseReplicatesCsv, parseResultsCsv } from '../common/results/run-folder.ts';
import { createRunFolder, declaredParams, renderReport, rowCounts, writeEnv, writeResults, type Collected, type Selected } from './run-output.ts';
import type { RunOptions } from './types.ts';

/** Bad shards or folders: exit code 2. */
export class MergeInputError extends Error {}

interface ShardRun {
  dir: string;
  env: Record<string, any>;
  shard: { index: number; count: number; plan: string };
}

/** Recorded arguments that legitimately differ between shards. */
const PER_SHARD_ARGS = new Set(['out', 'shard', 'progress', 'table', 'resume']);

function readShard(dir: string): ShardRun {
  const envPath = join(dir, 'env.json');
  if (!existsSync(envPath)) throw new MergeInputError(`${dir}: not a run folder (no env.json)`);
  let env: Record<string, any>;
  try {
    env = JSON.parse(readFileSync(envPath, 'utf8'));
  } catch (err) {
    throw new MergeInputError(`${envPath}: not valid JSON (${(err as Error).message})`);
  }
  if (!env.shard) throw new MergeInputError(`${dir}: not a shard (env.json has no "shard"; run with --shard K/N)`);
  if (!existsSync(join(dir, 'replicates.csv'))) throw new MergeInputError(`${dir}: no replicates.csv`);
  return { dir, env, shard: env.shard };
}

const argsOf = (env: Record<string, any>) => JSON.stringify(Object.entries(env.options ?? {}).filter(([k]) => !PER_SHARD_ARGS.has(k)).sort(([a], [b]) => a.localeCompare(b)));

/** Checks that the shards belong together; returns the missing shard numbers. */
export function checkShards(shards: readonly ShardRun[], allowPartial: boolean): number[] {
  if (shards.length === 0) throw new MergeInputError('no shard folders given');
  const [first] = shards;
  for (const s of shards.slice(1)) {
    if (s.env.gitCommit !== first.env.gitCommit) throw new MergeInputError(`shards come from different commits: ${first.env.gitCommit} (${first.dir}) and ${s.env.gitCommit} (${s.dir})`);
    if (argsOf(s.env) !== argsOf(first.env)) throw new MergeInputError(`shards were run with different arguments: ${first.dir} and ${s.dir} (compare "options" in their env.json)`);
    if (s.shard.count !== first.shard.count || s.shard.plan !== first.shard.plan) throw new MergeInputError(`shards belong to different plans: ${first.shard.index}/${first.shard.count} plan ${first.shard.plan} (${first.dir}) and ${s.shard.index}/${s.shard.count} plan ${s.shard.plan} (${s.dir})`);
  }
  const seen = new Map<number, string>();
  for (const s of shards) {
    if (seen.has(s.shard.index)) throw new MergeInputError(`shard ${s.shard.index}/${s.shard.count} given twice: ${seen.get(s.shard.index)} and ${s.dir}`);
    seen.set(s.shard.index, s.dir);
  }
  const missing = Array.from({ length: first.shard.count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0 && !allowPartial) throw new MergeInputError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${first.shard.count} (--allow-partial merges without them and records the gap)`);
  return missing;
}

/**
 * A per-process row of replicates.csv back as the RowInput the experiment produced: samples re-attached,
 * figures as written (every digit), and the `signed`, `proportion`, `percent` or `exact` flag from its `kind`, which
 * decide how the processes' figures combine.
 */
export function rowInputOf(r: ResultRow, samples?: number[]): RowInput {
  const input: RowInput = { params: Object.fromEntries(paramsOf(r, paramColumns(Object.keys(r)))), metric: r.metric, unit: r.unit };
  if (r.status !== 'ok') input.status = r.status as RowStatus;
  if (r.kind === 'signed') input.signed = true;
  if (r.kind === 'proportion') input.proportion = true;
  if (r.kind === 'percent') input.percent = true;
  if (r.kind === 'exact') input.exact = true;
  if (r.error) input.error = r.error;
  if (r.note) input.note = r.note;
  if (typeof r.warmup_n === 'number' && typeof r.warmup_ms === 'number') input.warmup = { n: r.warmup_n, ms: r.warmup_ms };
  if (samples && samples.length > 0) return { ...input, summary: summarize(samples), samples };
  if (typeof r.median === 'number') {
    input.value = r.median;
    if (typeof r.ci_low === 'number') input.low = r.ci_low;
    if (typeof r.ci_high === 'number') input.high = r.ci_high;
  }
  return input;
}

/** A run folder's samples.jsonl by row and replicate (`${rowKey}|${replicate}`). */
export function samplesOf(dir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const path = join(dir, 'samples.jsonl');
  if (!existsSync(path)) return out;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line);
    out.set(`${rowKey(rec)}|${rec.replicate}`, rec.samples);
  }
  return out;
}

export interface MergeRequest {
  dirs: string[];
  outBase: string;
  allowPartial?: boolean;
  /** The registry's experiment for an id (tests pass their fixture suites). */
  resolve(experiment: number): Selected;
  progress?: Progress;
}

export async function mergeShards(request: MergeRequest): Promise<{ dir: string; runId: string; rows: number; missing: number[]; notice?: string }> {
  const shards = request.dirs.map(readShard).sort((a, b) => a.shard.index - b.shard.index);
  const missing = checkShards(shards, request.allowPartial ?? false);
  const progress = request.progress ?? new Progress();
  const { dir, runId } = createRunFolder(request.outBase);
  const experiments = [...new Set(shards.flatMap((s) => ((s.env.options?.experiments ?? []) as number[])))].map((id) => request.resolve(id).experiment);
  const params = declaredParams(experiments);
  const replicateWriter = new ResultWriter(dir, params, 'replicates.csv', true);
  const collected = new Map<number, Collected>();
  const base = shards[0].env;
  // The machine each experiment was measured on: the env.json of the first shard with its rows.
  const topologies = new Map<number, Topology>();
  const entryOf = (id: number) => {
    if (!collected.has(id)) collected.set(id, { selected: request.resolve(id), points: [], rows: [], failures: [] });
    return collected.get(id)!;
  };
  for (const s of shards) {
    // Failures outside any point (a matrix or a child's teardown) are only in the shard's results.csv.
    const shardRows = existsSync(join(s.dir, 'results.csv')) ? parseResultsCsv(readFileSync(join(s.dir, 'results.csv'), 'utf8')) : [];
    for (const row of shardRows.filter((r) => r.status === 'error' && (r.metric === 'matrix' || r.metric === 'teardown'))) {
      entryOf(Number(row.experiment)).failures.push({ ...rowInputOf(row), note: `shard ${s.shard.index}/${s.shard.count}` });
    }
    const samples = samplesOf(s.dir);
    for (const { row, replicate, point } of parseReplicatesCsv(readFileSync(join(s.dir, 'replicates.csv'), 'utf8'))) {
      if (point === undefined) continue; // derived per replicate: derived again below, across shards
      const input = rowInputOf(row, samples.get(`${rowKey(row)}|${replicate}`));
      entryOf(Number(row.experiment)).rows.push({ point, replicate, row: input });
      if (s.env.topology && !topologies.has(Number(row.experiment))) topologies.set(Number(row.experiment), s.env.topology);
      replicateWriter.write({ ...row, run_id: runId }, input.samples, replicate, point);
    }
  }
  const options = { ...(base.options ?? {}), runDir: dir, signal: new AbortController().signal, progress: () => {} } as unknown as RunOptions;
  const writer = new ResultWriter(dir, params);
  const runs = Number(base.replication?.runs) || 1;
  const runsByExperiment: Record<string, number> = base.replication?.runsByExperiment ?? {};
  const entries = [...collected.values()].sort((a, b) => a.selected.experiment.id - b.selected.experiment.id);
  await writeResults(entries, options, (id) => Number(runsByExperiment[id]) || runs, writer, replicateWriter, runId, (id) => topologies.get(id));
  const env = {
    ...base,
    runId,
    shard: undefined,
    // Per machine in `shards`: the run-level figures of one shard would misdescribe the others.
    noise: undefined,
    wallSeconds: undefined,
    interrupted: shards.some((s) => s.env.interrupted === true),
    coverage: mergeCoverage(shards.map((s) => s.env.coverage)),
    merged: { from: shards.map((s) => s.dir), count: shards[0].shard.count, plan: shards[0].shard.plan, missing },
    shards: shards.map((s) => ({ index: s.shard.index, dir: s.dir, runId: s.env.runId, cpu: s.env.cpu, cores: s.env.cores, topology: s.env.topology, node: s.env.node, noise: s.env.noise, wallSeconds: s.env.wallSeconds, interrupted: s.env.interrupted })),
    ...rowCounts(writer.rows),
  };
  const written = writeEnv(dir, env);
  await renderReport({ dir, rows: writer.rows, env: written }, entries.map((e) => e.selected.experiment), progress);
  const notice = runNotice(written);
  return { dir, runId, rows: writer.rows.length, missing, ...(notice ? { notice } : {}) };
}
