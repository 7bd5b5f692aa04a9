/**
 * Load generation: closed-loop concurrency (N clients, each sends its next request when the previous one
 * finished) or open-loop Poisson arrivals at a request rate (seeded exponential gaps, optionally capped
 * at a maximum number in flight, like vLLM's --max-concurrency). Bounded by a request count and by time.
 * Warm-up requests run first, under the same load shape, and are not returned.
 * The run also judges its own client: every request's send lag (saturation.ts) and the event-loop delay
 * of the thread(s) issuing requests during the measured phase. With `loadWorkers` ≥ 2 the requests are
 * issued and their streams parsed by that many worker threads (load-workers.ts), which needs the requests
 * as a RequestPlan rather than a send function; a plan in-process runs the very sender every worker builds.
 */
import { setMaxListeners } from 'node:events';
import { startLoopDelayMonitor, type LoopDelay } from '../../common/monitor/event-loop.ts';
import { createRng } from '../../common/stats/rng.ts';
import { phaseCounters, runPhase, type PhaseOutcome, type PhaseShape, type SendRequest, type SendTime } from './load-phase.ts';
import { startLoadWorkers, type LoadWorkers, type WorkerPhaseResult } from './load-workers.ts';
import type { RequestRecord } from './metrics.ts';
import { planSender, type RequestPlan } from './request-plan.ts';
import { lagStats, sendLags, type LagStats } from './saturation.ts';

export type { SendRequest } from './load-phase.ts';

export interface LoadSpec {
  /** Closed loop: number of concurrent clients. With `rate`: the cap on requests in flight. */
  concurrency?: number;
  /** Open loop: Poisson arrivals, requests per second. */
  rate?: number;
  /** Seed of the arrival process. */
  seed: number;
  /** Measured requests (at most). */
  requests: number;
  /** No new measured request is issued after this many ms (in-flight ones finish or time out). */
  durationMs: number;
  /** Warm-up requests, excluded from the result. */
  warmup: number;
  /** Threads issuing requests and parsing streams (default 1: this thread, no worker). */
  loadWorkers?: number;
}

export interface LoadResult {
  /** Measured requests by index, each with its `index`. */
  records: RequestRecord[];
  /** First measured request due → last finished, ms. */
  wallMs: number;
  /** Requests not issued because the time bound or an abort ended the run. */
  skipped: number;
  /** Due and actual send time of every measured request issued, by index. */
  sends: SendTime[];
  /** Send lag (actual − due) of each of `sends`, ms. */
  lags: number[];
  /** Their p50, p99 and max. */
  lag: LagStats;
  /** Event-loop delay during the measured phase of the issuing thread whose p99 was highest. */
  loopDelay: LoopDelay;
  loadWorkers: number;
}

/**
 * Resolution of the load threads' event-loop delay monitor, ms: its timer shares the loop it measures, so
 * coarse enough to cost nothing beside the requests, fine enough to see a loop that falls behind.
 */
export const LOOP_DELAY_RESOLUTION_MS = 10;

function validateLoad(spec: LoadSpec): void {
  if (spec.rate === undefined && !(spec.concurrency && spec.concurrency >= 1)) throw new Error('load needs a concurrency ≥ 1 or a rate > 0');
  if (spec.rate !== undefined && !(spec.rate > 0)) throw new Error(`rate must be > 0, got ${spec.rate}`);
  if (!(spec.requests >= 1)) throw new Error(`requests must be ≥ 1, got ${spec.requests}`);
  if (spec.loadWorkers !== undefined && !(Number.isInteger(spec.loadWorkers) && spec.loadWorkers >= 1)) throw new Error(`load workers must be an integer ≥ 1, got ${spec.loadWorkers}`);
}

/**
 * The open loop's arrival schedule: when each of `count` requests is issued, in ms after the start —
 * cumulative exponential gaps −ln(U)/rate (a Poisson process of `rate` requests per second), U from the
 * seeded PRNG. Pure: the same (count, rate, seed) always gives the same times.
 */
export function arrivalSchedule(count: number, rate: number, seed: number): number[] {
  const rng = createRng(seed);
  const times: number[] = new Array(count);
  let t = 0;
  for (let i = 0; i < count; i++) {
    t += (-Math.log(1 - rng()) / rate) * 1000;
    times[i] = t;
  }
  return times;
}

/** The load shape of a phase of `count` requests (one schedule, shared by every issuing thread). */
function phaseShape(spec: LoadSpec, count: number): PhaseShape {
  return spec.rate !== undefined
    ? { kind: 'open', schedule: arrivalSchedule(count, spec.rate, spec.seed), cap: spec.concurrency ?? Infinity }
    : { kind: 'closed', concurrency: spec.concurrency! };
}

/** The result of a measured phase that started at `t0` (records and sends on this thread's clock). */
function loadResult(out: PhaseOutcome, t0: number, count: number, loopDelay: LoopDelay, loadWorkers: number): LoadResult {
  const { records, sends } = out;
  const end = records.length > 0 ? Math.max(...records.map((r) => r.end)) : performance.now();
  const lags = sendLags(
    sends.map((s) => s.due),
    sends.map((s) => s.sent),
  );
  return { records, wallMs: end - t0, skipped: count - records.length, sends, lags, lag: lagStats(lags), loopDelay, loadWorkers };
}

/**
 * Runs the warm-up, then the measured requests. With `loadWorkers` ≥ 2 the run uses `pool` when given (its
 * size must match; the caller closes it), else a pool started for this run and closed after it.
 */
export async function runLoad(source: SendRequest | RequestPlan, spec: LoadSpec, signal: AbortSignal = new AbortController().signal, pool?: LoadWorkers): Promise<LoadResult> {
  validateLoad(spec);
  // Every request in flight listens for the run's abort: more than EventTarget's default of 10 is expected.
  setMaxListeners(0, signal);
  const of = spec.loadWorkers ?? 1;
  if (of > 1 && typeof source === 'function') throw new Error('load workers need the requests as a RequestPlan (data), not a send function');
  if (pool && pool.size !== of) throw new Error(`the load worker pool has ${pool.size} workers, the run asks for ${of}`);
  const workers = of > 1 ? (pool ?? (await startLoadWorkers(of))) : undefined;
  const send = typeof source === 'function' ? source : planSender(source);
  const run = async (count: number, offset: number, monitorMs?: number): Promise<WorkerPhaseResult> => {
    const shape = phaseShape(spec, count);
    if (workers) return workers.run(source as RequestPlan, { shape, count, offset, durationMs: spec.durationMs, monitorMs }, signal);
    const monitor = monitorMs === undefined ? undefined : startLoopDelayMonitor(monitorMs);
    const start = performance.now();
    const out = await runPhase(send, { shape, count, offset, start, deadline: start + spec.durationMs, self: 0, of: 1 }, phaseCounters(), signal);
    return { start, out, loopDelay: monitor?.stop() };
  };
  try {
    if (spec.warmup > 0) await run(spec.warmup, -spec.warmup);
    const { start, out, loopDelay } = await run(spec.requests, 0, LOOP_DELAY_RESOLUTION_MS);
    return loadResult(out, start, spec.requests, loopDelay!, of);
  } finally {
    if (workers !== pool) await workers?.close();
  }
}
