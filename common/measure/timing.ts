/**
 * Latency sampling on the calling thread, through tinybench. Warm-up runs by time (at least
 * `warmupTime` ms and `warmupIterations` calls), because V8 tiers code up over many calls and a fixed
 * handful of calls leaves the first point of a process slower than later ones. Then at least
 * `iterations` samples over at least `time` ms — sampling time, not sample count, is what makes a
 * process's median repeatable. Every sample is kept (in milliseconds).
 */
import { Bench } from 'tinybench';
import type { Warmup } from '../results/results.ts';

export interface SamplingPlan {
  /** Minimum warm-up calls before sampling: not samples, but their count and time are kept (warmup_n, warmup_ms). */
  warmupIterations: number;
  /** Minimum warm-up time in ms (wall clock, from the first warm-up call to the end of the last). */
  warmupTime: number;
  /** Minimum recorded samples. */
  iterations: number;
  /**
   * Minimum sampling time in ms: the recorded calls' durations summed, as tinybench counts its `time`
   * (sampling continues until both minimums are met).
   */
  time: number;
}

export const QUICK_PLAN: SamplingPlan = { warmupIterations: 5, warmupTime: 100, iterations: 15, time: 200 };
export const FULL_PLAN: SamplingPlan = { warmupIterations: 20, warmupTime: 500, iterations: 50, time: 1000 };

export interface Sampled {
  samples: number[];
  warmup: Warmup;
}

/** Calls `fn` until both warm-up minimums are met; returns how many calls and how long. */
async function warmUp(fn: () => unknown, minCalls: number, minMs: number, signal?: AbortSignal): Promise<Warmup> {
  const t0 = performance.now();
  let n = 0;
  while ((n < minCalls || performance.now() - t0 < minMs) && !signal?.aborted) {
    await fn();
    n++;
  }
  return { n, ms: performance.now() - t0 };
}

/** Samples of `fn` in ms (tinybench keeps them sorted, not in recorded order), after a timed warm-up. */
export async function sampleLatency(name: string, fn: () => unknown, plan: SamplingPlan): Promise<Sampled> {
  const warmup = await warmUp(fn, plan.warmupIterations, plan.warmupTime);
  const bench = new Bench({ name, iterations: plan.iterations, time: plan.time, warmup: false, retainSamples: true, throws: true });
  bench.add(name, fn);
  await bench.run();
  const result = bench.tasks[0].result as any;
  if (result.state === 'errored') throw result.error;
  const samples: number[] | undefined = result.latency?.samples;
  if (!samples || samples.length === 0) throw new Error(`${name}: no samples recorded (state ${result.state})`);
  return { samples: [...samples], warmup };
}
