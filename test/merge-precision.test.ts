/**
 * A merge recomputes results.csv from what the shards wrote (replicates.csv, samples.jsonl). For a row with
 * samples it must reach exactly the figures the run computed in memory: one shard of one (--shard 1/1) is
 * merged and its combined rows are compared with the shard run's own, to the last bit.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Progress } from '../common/progress.ts';
import { parseResultsCsv } from '../common/run-folder.ts';
import { QUICK_PLAN } from '../common/timing.ts';
import { mergeShards } from '../suites/merge.ts';
import { runExperiments } from '../suites/orchestrator.ts';
import suite, { combinedRows, precise } from './fixtures/precision-suite.ts';
import { tempDir } from './helpers.ts';

const selected = { suite, experiment: precise };
const quiet = () => new Progress(process.stderr, false);

async function runAndMerge(runs: number) {
  const shard = await runExperiments({
    selection: [selected],
    outBase: tempDir(),
    options: { quick: true, seed: 5, suites: {}, plan: QUICK_PLAN, signal: new AbortController().signal },
    runs,
    pointTimeout: 60,
    shard: { index: 1, count: 1 },
    args: {},
    progress: quiet(),
  });
  const merged = await mergeShards({ dirs: [shard.dir], outBase: tempDir(), resolve: () => selected, progress: quiet() });
  const results = (dir: string) => parseResultsCsv(readFileSync(join(dir, 'results.csv'), 'utf8')).map(({ run_id: _, ...row }) => row);
  return { direct: combinedRows.get(shard.dir)!, merged: combinedRows.get(merged.dir)!, directCsv: results(shard.dir), mergedCsv: results(merged.dir) };
}

describe('merge precision', () => {
  it.each([3, 1])('a merged row with samples equals the run\'s own combined row exactly (%i processes)', async (runs) => {
    const { direct, merged, directCsv, mergedCsv } = await runAndMerge(runs);
    expect(direct.map((r) => r.metric)).toEqual(['latency', 'latency', 'b_vs_a']);
    // Every field of the in-memory rows (median, p90, p99, the interval, mean, sd, n, the replication figures, the derived ratio), not only 6 digits of them.
    expect(merged).toEqual(direct);
    expect(mergedCsv).toEqual(directCsv);
  }, 120_000);
});
