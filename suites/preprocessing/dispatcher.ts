/**
 * The dispatcher's share of a pool or process point (experiment 3): how busy the main thread is while
 * it hands a batch to the workers and collates the answers, what that costs per request, and the
 * ceiling it implies — Amdahl's bound on speedup whatever the worker count, because every request needs
 * this much of the one main thread.
 */
import { pairedRow } from '../../common/measure/paired-rounds.ts';
import type { RowInput } from '../../common/results/results.ts';
import type { TaskEncoding } from '../../common/strategies/tasks.ts';
import { sum } from '../../common/stats/stats.ts';
import { activeMsOf, type DispatchLoad } from '../../common/measure/workload.ts';

/** Main-thread CPU time below this many ticks of its clock is too coarse to report per request. */
const MIN_CPU_TICKS = 10;

/** Where the main thread's CPU time was read, as the rows' notes say it. */
const CPU_SOURCE = { schedstat: '/proc schedstat, on-CPU ns', stat: '/proc stat, 10 ms ticks' } as const;

/** Metric-name suffix of a task encoding: none for the default `clone`, `_json` for `json`. */
export const encodingSuffix = (encoding: TaskEncoding): string => (encoding === 'clone' ? '' : `_${encoding}`);

/** Rows of a point's dispatch load (the runner adds the point's parameters to them). */
export function dispatcherRows(d: DispatchLoad, encoding: TaskEncoding = 'clone'): RowInput[] {
  const suffix = encodingSuffix(encoding);
  const scope = `over the timed batch_prepare${suffix} batches (task encoding ${encoding})`;
  const rows: RowInput[] = [
    { metric: `dispatcher_elu${suffix}`, unit: '%', value: 100 * d.loopUtilization, note: `main-thread event-loop utilization ${scope}` },
    { metric: `dispatch_per_request${suffix}`, unit: 'us', value: (1000 * activeMsOf(d)) / d.requests, note: `main-thread busy time (event loop active, wall clock) per dispatched request ${scope}: send, receive, collate` },
  ];
  const cpuMs = d.cpu ? sum(d.cpu.msPerWindow) : 0;
  // Fewer than ten ticks of the clock would make the figure mostly rounding: then it is left out.
  if (d.cpu && cpuMs >= MIN_CPU_TICKS * d.cpu.resolutionMs) {
    rows.push({ metric: `dispatch_cpu_per_request${suffix}`, unit: 'us', value: (1000 * cpuMs) / d.requests, note: `main-thread CPU time (${CPU_SOURCE[d.cpu.source]}) per dispatched request ${scope}` });
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
 * The main thread's dispatch cost in each window: its on-CPU time where a fine clock (schedstat) has it —
 * on 2 cores the dispatcher shares the machine with its workers, and the time it waits runnable for a core
 * is contention, not dispatch cost — else its busy time (event loop active, wall clock), never below it.
 */
export function dispatchCostPerWindow(load: DispatchLoad): { ms: number[]; what: string } {
  if (load.cpu?.source === 'schedstat') return { ms: load.cpu.msPerWindow, what: "the main thread's CPU time (/proc schedstat)" };
  return { ms: load.activeMsPerWindow, what: "the main thread's busy time (event loop active, wall clock; no per-thread CPU clock finer than 10 ms here)" };
}

/**
 * The dispatch ceiling of a pool or process strategy, per round: main's batch time over the dispatcher's
 * cost while the strategy dispatched the same batch in that round — (work per request) / (dispatch cost
 * per request), Amdahl's bound on speedup whatever the worker count. Both figures come from the same
 * round, so a change of machine speed moves them alike.
 */
export function ceilingPerRound(mainBatchMs: readonly number[], dispatcherMs: readonly number[]): number[] {
  if (mainBatchMs.length !== dispatcherMs.length) throw new Error(`ceiling per round: ${mainBatchMs.length} main batches but ${dispatcherMs.length} dispatch windows`);
  return mainBatchMs.flatMap((m, r) => (dispatcherMs[r] > 0 ? [m / dispatcherMs[r]] : []));
}

/** The ceiling row of a strategy point (task encoding `encoding`), paired per round; none when no round had a busy dispatcher. */
export function ceilingRows(mainBatchMs: readonly number[], load: DispatchLoad, encoding: TaskEncoding, params: RowInput['params']): RowInput[] {
  const cost = dispatchCostPerWindow(load);
  const values = ceilingPerRound(mainBatchMs, cost.ms);
  if (values.length === 0) return [];
  return [pairedRow(`dispatch_ceiling${encodingSuffix(encoding)}`, 'x', values, `Amdahl bound: main's batch_prepare / ${cost.what} dispatching the same batch (task encoding ${encoding}) in the same round`, params)];
}
