/**
 * A merge recomputes results.csv from what the shards wrote (replicates.csv, samples.jsonl). It must reach
 * exactly the figures the run computed in memory: one shard of one (--shard 1/1) is merged and its
 * combined rows are compared with the shard run's own, to the last bit — rows with samples, a single value
 * (replicates.csv at full precision), and rows whose flags decide their combination (a signed difference,
 * a proportion, a constant measured or derived: replicates.csv's `kind`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Progress } from '../common/cli/progress.ts';
import type { ResultRow } from '../common/results/results.ts';
import { parseResultsCsv } from '../common/results/run-folder.ts';
import { tInterval } from '../common/stats/replicate-stats.ts';
import { summarize } from '../common/stats/stats.ts';
import { mergeShards } from '../suites/merge.ts';
import { runExperiments } from '../suites/orchestrator.ts';
import suite, { combinedRows, precise } from './fixtures/precision-suite.ts';
import { fixtureRequest, tempDir } from './helpers.ts';

const selected = { suite, experiment: precise };
const quiet = () => new Progress(process.stderr, false);

async function runAndMerge(runs: number) {
  const shard = await runExperiments(fixtureRequest(selected, { seed: 5, runs, shard: { index: 1, count: 1 } }));
  const merged = await mergeShards({ dirs: [shard.dir], outBase: tempDir(), resolve: () => selected, progress: quiet() });
  // The run's id differs between a run and its merge; every other field must not.
  const anyRun = (rows: ResultRow[]) => rows.map(({ run_id: _, ...row }) => row);
  const results = (dir: string) => anyRun(parseResultsCsv(readFileSync(join(dir, 'results.csv'), 'utf8')));
  return { direct: anyRun(combinedRows.get(shard.dir)!), merged: anyRun(combinedRows.get(merged.dir)!), directCsv: results(shard.dir), mergedCsv: results(merged.dir) };
}

/** Each combined row's interval kind in the run's results.csv, by metric (template a's latency first). */
const INTERVALS = {
  3: [['latency', 'log-t'], ['a_minus_ref', 't'], ['on_front', 'share'], ['bracket', 'log-t'], ['threads', ''], ['latency', 'log-t'], ['b_vs_a', 'log-t'], ['ideal', '']],
  1: [['latency', 'order-stat'], ['a_minus_ref', 'order-stat'], ['on_front', 'share'], ['bracket', 'given'], ['threads', ''], ['latency', 'order-stat'], ['b_vs_a', ''], ['ideal', '']],
};

describe('merge precision', () => {
  it.each([3, 1] as const)('a merged row equals the run\'s own combined row exactly: samples, a single value, a signed, a proportion and constant rows (%i processes)', async (runs) => {
    const { direct, merged, directCsv, mergedCsv } = await runAndMerge(runs);
    expect(directCsv.map((r) => [r.metric, r.interval])).toEqual(INTERVALS[runs]);
    // Every field of the in-memory rows (median, p90, p99, the interval and its kind, mean, sd, n, the
    // replication figures, the flags, the derived ratio), not only 6 digits of them.
    expect(merged).toEqual(direct);
    expect(mergedCsv).toEqual(directCsv);
    const row = (metric: string) => direct.find((r) => r.metric === metric)!;
    expect([row('a_minus_ref').kind, row('on_front').kind]).toEqual(['signed', 'proportion']);
    // Constants (measured in a point, derived per process) keep their value, no interval, in the run and the merge alike.
    const constants = (csv: typeof directCsv) => csv.filter((r) => r.metric === 'threads' || r.metric === 'ideal').map((r) => [r.metric, r.median, r.ci_low, r.ci_high, r.interval, r.status, r.runs]);
    const expected = [['threads', 3, '', '', '', 'ok', runs], ['ideal', 2.12346, '', '', '', 'ok', runs]];
    expect(constants(directCsv)).toEqual(expected);
    expect(constants(mergedCsv)).toEqual(expected);
    expect([row('threads').kind, row('ideal').kind, row('ideal').median]).toEqual(['exact', 'exact', 2.123456789]);
    if (runs === 3) {
      // The difference is the mean of the per-process medians (not their geometric mean), its interval Student's t.
      const medians = [0, 1, 2].map((replicate) => Array.from({ length: 11 + 4 * replicate }, (_, i) => 0.1234567891 + 0.0000123457 * ((i * 7) % 11) + 0.0012345679 * replicate - 0.1 + 0.0003456789 * (i % 3)));
      expect(row('a_minus_ref').median).toBe(tInterval(medians.map((m) => summarize(m).median)).center);
      // 100, 0, 100: two processes of three, no interval.
      expect([row('on_front').median, row('on_front').ci_low, row('on_front').ci_high]).toEqual([200 / 3, '', '']);
    }
  }, 120_000);
});
