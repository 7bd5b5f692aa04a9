/**
 * Sharding and merging: three shards of a tiny matrix run as concurrent local processes (the cluster,
 * simulated), and the merge equals the unsharded run's points with statistics over the pooled replicates.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowKey } from '../common/compare/compare-runs.ts';
import { Progress } from '../common/cli/progress.ts';
import { combineReplicates, flagUnstable } from '../common/results/replicates.ts';
import { roundedRow, toRow, type ResultRow } from '../common/results/results.ts';
import { MergeInputError, mergeShards, rowInputOf } from '../suites/merge.ts';
import { runExperiments, type RunOutcome, type RunRequest } from '../suites/orchestrator.ts';
import { parseReplicatesCsv, parseResultsCsv } from '../common/results/run-folder.ts';
import suite, { sharded } from './fixtures/shard-suite.ts';
import { fixtureRequest, readCsv, tempDir } from './helpers.ts';

const selected = { suite, experiment: sharded };
const request = (outBase: string, shard?: { index: number; count: number }, runs = 2): RunRequest => fixtureRequest(selected, { seed: 3, outBase, runs, shard });
const merge = (dirs: string[], allowPartial = false) => mergeShards({ dirs, outBase: tempDir(), allowPartial, resolve: () => selected, progress: new Progress(process.stderr, false) });

let whole: RunOutcome;
let shards: RunOutcome[];

beforeAll(async () => {
  whole = await runExperiments(request(tempDir()));
  const base = tempDir();
  shards = await Promise.all([1, 2, 3].map((index) => runExperiments(request(base, { index, count: 3 }))));
}, 300_000);

const keysOf = (dir: string) => readCsv(join(dir, 'results.csv')).map((r) => `${r.template}|${r.metric}`).sort();

describe('shards and merge', () => {
  it('every process group lands on exactly one shard, all its replicates with it', () => {
    const groups = shards.map((s) => JSON.parse(readFileSync(join(s.dir, 'env.json'), 'utf8')).shard.groups as string[]);
    expect(groups.flat().sort()).toEqual(['exp 96 point 2', 'exp 96 point 3', 'exp 96 point 4', 'sharded/pair']);
    for (const s of shards) {
      const replicates = readCsv(join(s.dir, 'replicates.csv')).filter((r) => r.point !== '');
      for (const t of new Set(replicates.map((r) => r.template))) expect(replicates.filter((r) => r.template === t && r.metric === 'latency').map((r) => r.replicate).sort()).toEqual(['0', '1']);
    }
  });

  it('derives with the topology of the shard that measured, not the merging machine\'s', async () => {
    const copies = shards.map((s) => {
      const dir = join(tempDir(), 'shard');
      cpSync(s.dir, dir, { recursive: true });
      return dir;
    });
    const envPath = join(copies[0], 'env.json');
    const env = JSON.parse(readFileSync(envPath, 'utf8'));
    writeFileSync(envPath, JSON.stringify({ ...env, topology: { ...env.topology, logicalCpus: 64 } }));
    const merged = await merge(copies);
    const seen = readCsv(join(merged.dir, 'results.csv')).find((r) => r.metric === 'cpus_seen')!;
    expect(Number(seen.median)).toBe(64);
    expect(Number(readCsv(join(whole.dir, 'results.csv')).find((r) => r.metric === 'cpus_seen')!.median)).toBe(JSON.parse(readFileSync(join(whole.dir, 'env.json'), 'utf8')).topology.logicalCpus);
  });

  it('the merged run has exactly the points of the unsharded run, each once, with statistics over the pooled replicates', async () => {
    const merged = await merge(shards.map((s) => s.dir));
    expect(keysOf(merged.dir)).toEqual(keysOf(whole.dir));
    // Recompute every measured row from the merged per-process rows and samples.
    const samples = new Map(readFileSync(join(merged.dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((s) => [`${rowKey(s)}|${s.replicate}`, s.samples]));
    const perProcess = parseReplicatesCsv(readFileSync(join(merged.dir, 'replicates.csv'), 'utf8'))
      .filter((r) => r.point !== undefined)
      .map((r) => ({ replicate: r.replicate, row: rowInputOf(r.row, samples.get(`${rowKey(r.row)}|${r.replicate}`)) }));
    const expected = combineReplicates(perProcess).map(flagUnstable).map((r) => roundedRow(toRow(r, { run_id: merged.runId, suite: 'sharded', experiment: 96 })));
    const actual = parseResultsCsv(readFileSync(join(merged.dir, 'results.csv'), 'utf8')).filter((r) => r.metric !== 'p5_vs_p1' && r.metric !== 'cpus_seen');
    const pick = (r: ResultRow) => [r.template, r.metric, r.median, r.ci_low, r.ci_high, r.interval, r.n, r.runs];
    expect(actual.map(pick).sort()).toEqual(expected.map(pick).sort());
    // The ratio is derived across shards (p1 and p5 were measured on different shards), per replicate.
    const ratio = readCsv(join(merged.dir, 'results.csv')).find((r) => r.metric === 'p5_vs_p1')!;
    expect(ratio.runs).toBe('2');
    const env = JSON.parse(readFileSync(join(merged.dir, 'env.json'), 'utf8'));
    expect(env.shards.map((s: { index: number }) => s.index)).toEqual([1, 2, 3]);
    expect(env.merged).toMatchObject({ count: 3, missing: [] });
  });

  it('refuses a duplicate or missing shard, shards of another plan or commit; --allow-partial records the gap', async () => {
    const [a, b, c] = shards.map((s) => s.dir);
    await expect(merge([a, b, b, c])).rejects.toThrow(new MergeInputError(`shard 2/3 given twice: ${b} and ${b}`));
    await expect(merge([a, b])).rejects.toThrow(new MergeInputError('missing shard 3 of 3 (--allow-partial merges without them and records the gap)'));
    const partial = await merge([a, b], true);
    expect(partial.missing).toEqual([3]);
    expect(readFileSync(join(partial.dir, 'report.html'), 'utf8')).toContain('PARTIAL: shard 3 missing');
    const other = await runExperiments(request(tempDir(), { index: 3, count: 3 }, 1));
    await expect(merge([a, b, other.dir])).rejects.toThrow(/^shards belong to different plans: 1\/3 plan \w+ \(.+\) and 3\/3 plan \w+ \(.+\)$/);
    const moved = join(tempDir(), 'shard3');
    cpSync(c, moved, { recursive: true });
    const env = JSON.parse(readFileSync(join(moved, 'env.json'), 'utf8'));
    writeFileSync(join(moved, 'env.json'), JSON.stringify({ ...env, gitCommit: 'another-commit' }));
    await expect(merge([a, b, moved])).rejects.toThrow(/^shards come from different commits: /);
    await expect(merge([join(tempDir(), 'nothing')])).rejects.toThrow(/not a run folder \(no env.json\)/);
    await expect(merge([whole.dir])).rejects.toThrow(/not a shard/);
  }, 120_000);
});
