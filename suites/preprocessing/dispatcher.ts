/**
 * The dispatcher's share of a pool or process point (experiment 3): how busy the main thread is while
 * it hands a batch to the workers and collates the answers, what that costs per request, and the
 * ceiling it implies — Amdahl's bound on speedup whatever the worker count, because every request needs
 * this much of the one main thread.
 */
import type { RowInput } from '../../common/results.ts';
import { TASK_ENCODINGS, type TaskEncoding } from '../../common/strategies/tasks.ts';
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
 * Per pool/process point of one replicate: (main-thread work per request) / (dispatch cost per request),
 * where the work per request is the main strategy's batch_prepare median / the batch's requests in the same replicate, and
 * the dispatch cost is the main thread's busy time per request — available in every replicate, never
 * below its CPU time, so the ceiling is conservative and every replicate measures the same thing.
 */
export function dispatchCeilings(rows: readonly RowInput[], requests: number): RowInput[] {
  return rows.flatMap((r) => {
    const encoding = TASK_ENCODINGS.find((e) => r.metric === `dispatch_per_request${encodingSuffix(e)}`);
    if (!encoding || r.value === undefined || !(r.value > 0)) return [];
    const main = rows.find((m) => m.metric === 'batch_prepare' && m.params?.strategy === 'main' && m.params?.template === r.params?.template && m.params?.engine === r.params?.engine && m.summary);
    if (!main) return [];
    const workUs = (1000 * main.summary!.median) / requests;
    // The row's parameters (its point's) carry over to the ceiling.
    const { value, note: _note, metric: _metric, ...same } = r;
    return [{ ...same, metric: `dispatch_ceiling${encodingSuffix(encoding)}`, unit: 'x', value: workUs / value, note: `Amdahl bound: main-thread work per request (${workUs.toFixed(0)} µs) / the dispatcher's busy time per request (task encoding ${encoding})` }];
  });
}
