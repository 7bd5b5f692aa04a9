/**
 * Latency sampling on the calling thread, through tinybench: warm-up (JIT, caches) first, then at least
 * `iterations` samples and at least `time` ms of them. Every sample is kept (in milliseconds) so the
 * statistics are ours to compute and the raw data can be written out.
 */
import { Bench } from 'tinybench';

export interface SamplingPlan {
  /** Warm-up calls before sampling (not recorded). */
  warmupIterations: number;
  /** Minimum recorded samples. */
  iterations: number;
  /** Minimum sampling time in ms (sampling continues until both minimums are met). */
  time: number;
}

export const QUICK_PLAN: SamplingPlan = { warmupIterations: 5, iterations: 15, time: 50 };
export const FULL_PLAN: SamplingPlan = { warmupIterations: 20, iterations: 50, time: 1000 };

/** Samples of `fn` in ms, in recorded order is not guaranteed (tinybench keeps them sorted). */
export async function sampleLatency(name: string, fn: () => unknown, plan: SamplingPlan): Promise<number[]> {
  const bench = new Bench({
    name,
    iterations: plan.iterations,
    time: plan.time,
    warmup: plan.warmupIterations > 0,
    warmupIterations: plan.warmupIterations,
    warmupTime: 0,
    retainSamples: true,
    throws: true,
  });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0].result as any;
  if (result.state === 'errored') throw result.error;
  const samples: number[] | undefined = result.latency?.samples;
  if (!samples || samples.length === 0) throw new Error(`${name}: no samples recorded (state ${result.state})`);
  return [...samples];
}

/** Times one async call in ms (for coarse work such as a whole batch, where tinybench's loop does not fit). */
export async function timeOnce(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}
