/**
 * Load generation: closed-loop concurrency (N clients, each sends its next request when the previous one
 * finished) or open-loop Poisson arrivals at a request rate (seeded exponential gaps, optionally capped
 * at a maximum number in flight, like vLLM's --max-concurrency). Bounded by a request count and by time.
 * Warm-up requests run first, under the same load shape, and are not returned.
 */
import { setMaxListeners } from 'node:events';
import { createRng } from '../../common/rng.ts';
import type { RequestRecord } from './metrics.ts';

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
}

/** Sends request number `index` (0-based, warm-ups are negative); must resolve (errors go in the record). */
export type SendRequest = (index: number, signal: AbortSignal) => Promise<RequestRecord>;

export interface LoadResult {
  records: RequestRecord[];
  /** First measured request issued → last finished, ms. */
  wallMs: number;
  /** Requests not issued because the time bound or an abort ended the run. */
  skipped: number;
}

export function validateLoad(spec: LoadSpec): void {
  if (spec.rate === undefined && !(spec.concurrency && spec.concurrency >= 1)) throw new Error('load needs a concurrency ≥ 1 or a rate > 0');
  if (spec.rate !== undefined && !(spec.rate > 0)) throw new Error(`rate must be > 0, got ${spec.rate}`);
  if (!(spec.requests >= 1)) throw new Error(`requests must be ≥ 1, got ${spec.requests}`);
}

async function closedLoop(send: SendRequest, count: number, concurrency: number, deadline: number, signal: AbortSignal, offset: number): Promise<{ records: RequestRecord[]; skipped: number }> {
  const records: RequestRecord[] = new Array(count);
  let next = 0;
  const clients = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count && performance.now() < deadline && !signal.aborted) {
      const i = next++;
      records[i] = await send(i + offset, signal);
    }
  });
  await Promise.all(clients);
  const done = records.filter(Boolean);
  return { records: done, skipped: count - done.length };
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

async function openLoop(send: SendRequest, count: number, rate: number, cap: number, seed: number, deadline: number, signal: AbortSignal, offset: number): Promise<{ records: RequestRecord[]; skipped: number }> {
  const schedule = arrivalSchedule(count, rate, seed);
  const records: RequestRecord[] = [];
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = t0 + schedule[i] - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    while (inflight.size >= cap) await Promise.race(inflight);
    if (performance.now() >= deadline || signal.aborted) break;
    const p: Promise<void> = send(i + offset, signal).then((r) => {
      records.push(r);
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  return { records, skipped: count - records.length };
}

export async function runLoad(send: SendRequest, spec: LoadSpec, signal: AbortSignal = new AbortController().signal): Promise<LoadResult> {
  validateLoad(spec);
  // Every request in flight listens for the run's abort: more than EventTarget's default of 10 is expected.
  setMaxListeners(0, signal);
  const run = (count: number, deadline: number, offset: number) =>
    spec.rate !== undefined
      ? openLoop(send, count, spec.rate, spec.concurrency ?? Infinity, spec.seed, deadline, signal, offset)
      : closedLoop(send, count, spec.concurrency!, deadline, signal, offset);
  if (spec.warmup > 0) await run(spec.warmup, performance.now() + spec.durationMs, -spec.warmup);
  const t0 = performance.now();
  const { records, skipped } = await run(spec.requests, t0 + spec.durationMs, 0);
  const end = records.length > 0 ? Math.max(...records.map((r) => r.end)) : performance.now();
  return { records, wallMs: end - t0, skipped };
}
