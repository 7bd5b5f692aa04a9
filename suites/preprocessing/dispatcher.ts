/**
 * The dispatcher's share of a pool or process point (experiment 3): how busy the main thread is while
 * it hands a batch to the workers and collates the answers, what that costs per request, and the
 * ceiling it implies — Amdahl's bound on speedup whatever the worker count, because every request needs
 * this much of the one main thread.
 */
import { pairedRow } from '../../common/paired-rounds.ts';
import type { RowInput } from '../../common/results.ts';
import type { TaskEncoding } from '../../common/strategies/tasks.ts';
import type { DispatchLoad } from '../../common/workload.ts';

/** Main-thread CPU time below this (ten /proc ticks) is too coarse to report per request. */
const MIN_CPU_MS = 100;

/** Metric-name suffix of a task encoding: none for the default `clone`, `_json` for `json`. */
export const encodingSuffix = (encoding: TaskEncoding): string => (encoding === 'clone' ? '' : `_${encoding}`);

/** Rows of a point's dispatch load (the runner adds the point's parameters to them). */
export function dispatcherRows(d: DispatchLoad, encoding: TaskEncoding = 'clone'): RowInput[] {
  const suffix = encodingSuffix(encoding);
  const scope = `over the timed batch_prepare${suffix} batches (task encoding ${encoding})`;
  const rows: RowInput[] = [
    { metric: `dispatcher_elu${suffix}`, unit: '%', value: 100 * d.loopUtilization, note: `main-thread event-loop utilization ${scope}` },
    { metric: `dispatch_per_request${suffix}`, unit: 'us', value: (1000 * d.activeMs) / d.requests, note: `main-thread busy time (event loop active, wall clock) per dispatched request ${scope}: send, receive, collate` },
  ];
  // Fewer than ten 10-ms ticks would make the figure mostly rounding: then it is left out.
  if (d.cpuMs !== undefined && d.cpuMs >= MIN_CPU_MS) {
    rows.push({ metric: `dispatch_cpu_per_request${suffix}`, unit: 'us', value: (1000 * d.cpuMs) / d.requests, note: `main-thread CPU time (/proc, 10 ms ticks) per dispatched request ${scope}` });
  }
  if (d.workerUtilization.length > 0) {
    const pct = d.workerUtilization.map((u) => 100 * u);
    rows.push(
      { metric: `worker_elu_min${suffix}`, unit: '%', value: Math.min(...pct), note: `least busy worker thread's event-loop utilization ${scope}` },
      { metric: `worker_elu_max${suffix}`, unit: '%', value: Math.max(...pct), note: `busiest worker thread's event-loop utilization ${scope}` },
    );
  }
  return rows;
}

/**
 * The dispatch ceiling of a pool or process strategy, per round: main's batch time over the main thread's
 * busy time while the strategy dispatched the same batch in that round — (work per request) / (dispatch
 * cost per request), Amdahl's bound on speedup whatever the worker count. Both figures come from the same
 * round, so a change of machine speed moves them alike. Busy time (event loop active, wall clock) is never
 * below CPU time, so the ceiling is conservative.
 */
export function ceilingPerRound(mainBatchMs: readonly number[], dispatcherActiveMs: readonly number[]): number[] {
  if (mainBatchMs.length !== dispatcherActiveMs.length) throw new Error(`ceiling per round: ${mainBatchMs.length} main batches but ${dispatcherActiveMs.length} dispatch windows`);
  return mainBatchMs.flatMap((m, r) => (dispatcherActiveMs[r] > 0 ? [m / dispatcherActiveMs[r]] : []));
}

/** The ceiling row of a strategy point (task encoding `encoding`), paired per round; none when no round had a busy dispatcher. */
export function ceilingRows(mainBatchMs: readonly number[], load: DispatchLoad, encoding: TaskEncoding, params: RowInput['params']): RowInput[] {
  const values = ceilingPerRound(mainBatchMs, load.activeMsPerWindow);
  if (values.length === 0) return [];
  return [pairedRow(`dispatch_ceiling${encodingSuffix(encoding)}`, 'x', values, `Amdahl bound: main's batch_prepare / the main thread's busy time dispatching the same batch (task encoding ${encoding}) in the same round`, params)];
}
