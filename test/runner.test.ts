/**
 * The measuring child processes: rows cross the process boundary unchanged, and a child that throws,
 * crashes, exits non-zero or hangs costs only error rows for its own points.
 */
import { describe, expect, it } from 'vitest';
import type { RowInput } from '../common/results/results.ts';
import { QUICK_PLAN } from '../common/measure/timing.ts';
import type { ChildJob } from '../suites/child-protocol.ts';
import { liveChildren, runJobInChild } from '../suites/child-runner.ts';
import { runExperiments } from '../suites/orchestrator.ts';
import { Progress } from '../common/cli/progress.ts';
import suite, { fixture, rowsOf } from './fixtures/runner-suite.ts';

/** What the parent receives: the point's rows, each carrying the point's parameters (added by the child). */
const received = (point: string, seed: number) => rowsOf(seed).map((row) => ({ ...row, params: { strategy: 'main', template: point } }));
import { readCsv, tempDir } from './helpers.ts';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';

const POINTS = fixture.matrix({} as never) as string[];
const options = { quick: true, seed: 5, suites: {}, plan: QUICK_PLAN, runDir: tempDir() };

/** Whether a process still runs: gone, or killed and waiting to be reaped (a zombie), is not running. */
function running(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

async function runJob(names: string[], timeoutMs = 60_000) {
  const job: ChildJob = { entry: suite.entry, items: names.map((label) => ({ experiment: fixture.id, point: POINTS.indexOf(label), label })), options };
  const rows = new Map<string, RowInput[]>();
  const errors = new Map<string, string>();
  const outcome = await runJobInChild(job, timeoutMs, new AbortController().signal, {
    onPointStart: () => {},
    onRows: (i, r) => rows.set(names[i], r),
    onPointError: (i, m) => errors.set(names[i], m),
    onProgress: () => {},
  });
  return { rows, errors, outcome };
}

describe('child processes', () => {
  it('round-trips rows and samples from child to parent unchanged', async () => {
    const { rows, errors } = await runJob(['a:ok', 'f:ok']);
    expect(errors.size).toBe(0);
    expect(rows.get('a:ok')).toEqual(received('a:ok', 5));
    expect(rows.get('f:ok')).toEqual(received('f:ok', 5));
  });

  it('a point that throws is an error row and the next point is measured', async () => {
    const { rows, errors } = await runJob(['b:throw', 'f:ok']);
    expect(errors.get('b:throw')).toBe('point threw on purpose');
    expect(rows.get('f:ok')).toEqual(received('f:ok', 5));
  });

  it('a crashing child turns its unmeasured points into error rows', async () => {
    const { rows, errors, outcome } = await runJob(['a:ok', 'c:crash', 'f:ok']);
    expect(rows.get('a:ok')).toEqual(received('a:ok', 5));
    expect(errors.get('c:crash')).toMatch(/^the child process exited with signal SIGABRT while measuring this point/);
    expect(errors.get('f:ok')).toMatch(/^the child process exited with signal SIGABRT before this point started/);
    expect(outcome.unfinished.sort()).toEqual([1, 2]);
  });

  it('a child that exits non-zero names its exit code', async () => {
    const { errors } = await runJob(['d:exit']);
    expect(errors.get('d:exit')).toMatch(/^the child process exited with code 3 while measuring this point/);
  });

  it('a hanging point is killed at the point timeout', async () => {
    const { errors } = await runJob(['e:hang', 'f:ok'], 1500);
    expect(errors.get('e:hang')).toMatch(/^timed out after 1\.5 s \(--point-timeout\) while measuring this point/);
    expect(errors.get('f:ok')).toMatch(/^timed out after 1\.5 s \(--point-timeout\) before this point started/);
    expect(liveChildren()).toBe(0);
  });

  it("a killed child takes its own worker processes with it", async () => {
    const { errors } = await runJob(['g:orphan'], 1500);
    expect(errors.get('g:orphan')).toMatch(/^timed out after 1\.5 s/);
    const pid = Number(readFileSync(join(options.runDir, 'orphan.pid'), 'utf8'));
    expect(running(pid)).toBe(false);
  });

  it('a run with failing children completes, with error rows beside the measured ones', async () => {
    const outcome = await runExperiments({
      selection: [{ suite, experiment: fixture }],
      outBase: tempDir(),
      options: { ...options, signal: new AbortController().signal },
      runs: 1,
      pointTimeout: 2,
      args: {},
      progress: new Progress(process.stderr, false),
    });
    const rows = readCsv(join(outcome.dir, 'results.csv'));
    const byPoint = (p: string) => rows.filter((r) => r.template === p).map((r) => `${r.metric}:${r.status}`);
    expect(byPoint('a:ok')).toEqual(['latency:unstable', 'count:unstable']);
    expect(byPoint('f:ok')).toEqual(['latency:unstable', 'count:unstable']);
    for (const p of ['b:throw', 'c:crash', 'd:exit', 'e:hang', 'g:orphan']) expect(byPoint(p)).toEqual(['point:error']);
    expect(rows.find((r) => r.metric === 'ok_rows')?.median).toBe('2');
  });
});
