/**
 * Runs one job in a fresh child process and reports what happened to each of its points: rows, an
 * error, or nothing (interrupted). The child leads its own process group, so a timeout or Ctrl-C kills
 * it together with any worker processes it started, and a Ctrl-C in the terminal reaches only the parent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage } from '../common/cli/error-message.ts';
import { PROJECT_CACHE_DIR } from '../common/build/cache-dir.ts';
import { prebuild, type Prebuilt } from '../common/build/prebuilt.ts';
import type { RowInput } from '../common/results/results.ts';
import type { ChildJob, ChildMessage, ParentMessage } from './child-protocol.ts';
import type { Suite } from './types.ts';

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
// --expose-gc: paired rounds collect the heap between slices (common/measure/paired-rounds.ts).
const NODE_FLAGS = ['--expose-gc'];
const STDERR_TAIL = 600;

/** How children start: from a prebuilt bundle of the child entry and the run's suites, or through tsx. */
export interface ChildLauncher {
  prebuilt?: Prebuilt;
  /** What env.json records: `prebuilt` (with the build's time when this run built it) or `tsx` with the reason. */
  record: { start: 'prebuilt'; buildSeconds?: number; dir: string } | { start: 'tsx'; reason: string };
}

/** Children start through tsx: every start transpiles (or reads back) its imports. */
export const TSX_LAUNCHER: ChildLauncher = { record: { start: 'tsx', reason: 'not prebuilt' } };

/** A source file of this project's own (not a package's, not an external suite's). */
function ownSource(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const path = fileURLToPath(url);
  return path.startsWith(ROOT) && !path.slice(ROOT.length).split(sep).includes('node_modules') ? path : undefined;
}

/**
 * Prebuilds the child entry with `suites` (those of this project) and the modules their workers load
 * (common/build/prebuilt.ts). When the build fails the run goes on through tsx and says why.
 */
export async function prepareLauncher(suites: readonly Suite[]): Promise<ChildLauncher> {
  const modules = suites.flatMap((s) => [s.entry, ...(s.workerModules ?? [])]).map(ownSource);
  const entries = [CHILD_ENTRY, ...new Set(modules.filter((m): m is string => m !== undefined))];
  try {
    const prebuilt = await prebuild(entries, ROOT, join(PROJECT_CACHE_DIR, 'build'));
    const buildSeconds = prebuilt.buildMs === undefined ? {} : { buildSeconds: Number((prebuilt.buildMs / 1000).toFixed(2)) };
    return { prebuilt, record: { start: 'prebuilt', dir: prebuilt.dir, ...buildSeconds } };
  } catch (err) {
    return { record: { start: 'tsx', reason: `prebuild failed: ${errorMessage(err)}` } };
  }
}

/** The module, Node flags, environment and suite module of `job`'s child under `launcher`. */
function childStart(job: ChildJob, launcher: ChildLauncher) {
  const outputs = launcher.prebuilt?.outputs;
  const source = ownSource(job.entry);
  const suiteModule = outputs && source ? outputs[source] : undefined;
  if (outputs && suiteModule) {
    const env = { ...process.env, PREPBENCH_PREBUILT: JSON.stringify(outputs) };
    return { module: fileURLToPath(outputs[CHILD_ENTRY]), execArgv: NODE_FLAGS, env, job: { ...job, entry: suiteModule } };
  }
  return { module: CHILD_ENTRY, execArgv: [...NODE_FLAGS, '--import', TSX_LOADER], env: process.env, job };
}

export interface JobCallbacks {
  onPointStart(item: number): void;
  onRows(item: number, rows: RowInput[]): void;
  onPointError(item: number, message: string): void;
  onProgress(detail: string): void;
}

export interface JobOutcome {
  /** Items the child never reported (crash, timeout or interruption); they got error rows unless interrupted. */
  unfinished: number[];
  /** From fork until the child started its first point (Node, the suite module — prebuilt or through tsx), ms; undefined if it never did. */
  startupMs?: number;
  /** The calibration workload (common/measure/machine-noise.ts) timed in the child after its points, ms. */
  calibrationMs?: number;
  teardownError?: string;
}

/** Every child still running, so that an exiting parent never leaves one behind. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/** Children still running (0 once a run has ended or was interrupted). */
export function liveChildren(): number {
  return live.size;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Measures `job` in a new process. `pointTimeoutMs` bounds each point (reset at every point start);
 * `signal` interrupts: the child is killed and its unreported points are left without rows.
 */
export function runJobInChild(job: ChildJob, pointTimeoutMs: number, signal: AbortSignal, callbacks: JobCallbacks, launcher: ChildLauncher = TSX_LAUNCHER): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const forkedAt = performance.now();
    let startupMs: number | undefined;
    let calibrationMs: number | undefined;
    const start = childStart(job, launcher);
    const child = fork(start.module, [], {
      execArgv: start.execArgv,
      env: start.env,
      serialization: 'advanced',
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    live.add(child);
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL)));
    const pending = new Set(job.items.map((_, i) => i));
    let current: number | undefined;
    let failure: string | undefined;
    let teardownError: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    // One --point-timeout for start-up and each point in turn, and one for the teardown after the last.
    const armTimer = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        failure = `timed out after ${pointTimeoutMs / 1000} s (--point-timeout)`;
        killGroup(child, 'SIGKILL');
      }, pointTimeoutMs);
    };
    armTimer();
    const settle = (item: number) => {
      pending.delete(item);
      if (current === item) current = undefined;
      if (pending.size === 0) armTimer();
    };
    const onAbort = () => {
      child.send({ type: 'abort' } satisfies ParentMessage, () => {});
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 2000).unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });

    child.on('message', (message: ChildMessage) => {
      switch (message.type) {
        case 'point-start':
          startupMs ??= performance.now() - forkedAt;
          current = message.item;
          armTimer();
          callbacks.onPointStart(message.item);
          break;
        case 'rows':
          settle(message.item);
          callbacks.onRows(message.item, message.rows);
          break;
        case 'point-error':
          settle(message.item);
          callbacks.onPointError(message.item, message.message);
          break;
        case 'progress':
          callbacks.onProgress(message.detail);
          break;
        case 'done':
          teardownError = message.teardownError;
          calibrationMs = message.calibrationMs;
          break;
      }
    });
    child.on('error', (err) => (failure ??= `could not start the child process: ${err.message}`));
    // 'close' comes after the IPC channel and stdio have drained: no message of the child is lost.
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      // Workers the child started (process pools) must not outlive it, however it ended.
      killGroup(child, 'SIGKILL');
      live.delete(child);
      const unfinished = [...pending];
      if (!signal.aborted && unfinished.length > 0) {
        const how = failure ?? `the child process exited with ${exitSignal ? `signal ${exitSignal}` : `code ${code}`}`;
        const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
        for (const item of unfinished) {
          const where = item === current ? 'while measuring this point' : 'before this point started';
          callbacks.onPointError(item, `${how} ${where}${tail ? `; stderr: ${tail}` : ''}`);
        }
      }
      resolve({ unfinished, startupMs, calibrationMs, teardownError });
    });
    child.send({ type: 'job', job: start.job } satisfies ParentMessage);
  });
}
