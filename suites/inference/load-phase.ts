/// <reference lib="es2024.sharedmemory" />
/**
 * One phase of a load run (warm-up or measured) on the calling thread: the open loop (requests at their
 * scheduled times, optionally under a cap on requests in flight) or the closed loop (clients that send
 * the next request when their previous one finished). The in-process run and every load worker run this
 * same code; with several workers each takes its share (request i ≡ self mod of, or client c ≡ self mod
 * of) and they coordinate through shared counters: the next request to claim (closed loop) and the
 * requests in flight (the cap is one cap over all workers, as in one process).
 * Every issued request gets its due and actual send time (see saturation.ts for what "due" means).
 */
import type { RequestRecord } from './metrics.ts';

/** Sends request number `index` (0-based, warm-ups are negative); must resolve (errors go in the record). */
export type SendRequest = (index: number, signal: AbortSignal) => Promise<RequestRecord>;

export type PhaseShape =
  /** `schedule[i]`: when request i of the phase is due, ms after the phase start. */
  | { kind: 'open'; schedule: number[]; cap: number }
  | { kind: 'closed'; concurrency: number };

export interface Phase {
  shape: PhaseShape;
  count: number;
  /** Index of the phase's first request (warm-ups are negative). */
  offset: number;
  /** Phase start and the time after which no request is issued, on this thread's performance.now() clock. */
  start: number;
  deadline: number;
  /** This thread is issuer `self` of `of`. */
  self: number;
  of: number;
}

/** When request `index` was due and when it was actually issued, performance.now() ms. */
export interface SendTime {
  index: number;
  due: number;
  sent: number;
}

export interface PhaseOutcome {
  /** By index; each record's `index` set. */
  records: RequestRecord[];
  /** By index; one per issued request. */
  sends: SendTime[];
}

const NEXT = 0;
const INFLIGHT = 1;

/** The counters one phase's issuers share: next request to claim, requests in flight. Shareable with workers. */
export function phaseCounters(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

const sleepUntil = (t: number) => {
  const wait = t - performance.now();
  return wait > 0 ? new Promise((r) => setTimeout(r, wait)) : undefined;
};

/** Takes one in-flight slot under `cap`; waits (on any thread's release) while all are taken. */
async function acquire(counters: Int32Array, cap: number, signal: AbortSignal): Promise<'free' | 'waited' | 'aborted'> {
  let waited = false;
  for (;;) {
    const cur = Atomics.load(counters, INFLIGHT);
    if (cur < cap) {
      if (Atomics.compareExchange(counters, INFLIGHT, cur, cur + 1) === cur) return waited ? 'waited' : 'free';
      continue;
    }
    if (signal.aborted) return 'aborted';
    waited = true;
    const w = Atomics.waitAsync(counters, INFLIGHT, cur);
    if (w.async) await w.value;
  }
}

function release(counters: Int32Array): void {
  Atomics.sub(counters, INFLIGHT, 1);
  Atomics.notify(counters, INFLIGHT);
}

async function openLoop(send: SendRequest, p: Phase, schedule: number[], cap: number, counters: Int32Array, signal: AbortSignal, out: PhaseOutcome): Promise<void> {
  const inflight = new Set<Promise<void>>();
  // A waiter for a slot must re-check on abort, or it would sleep until a release that never comes.
  const wake = () => Atomics.notify(counters, INFLIGHT);
  signal.addEventListener('abort', wake, { once: true });
  for (let i = p.self; i < p.count; i += p.of) {
    const scheduled = p.start + schedule[i];
    // Due after the time bound: never issued, so not waited for either (at a very low rate the wait could
    // exceed Node's longest timer, 2^31−1 ms, which would fire at once).
    if (scheduled >= p.deadline) break;
    await sleepUntil(scheduled);
    const slot = await acquire(counters, cap, signal);
    if (slot === 'aborted') break;
    if (performance.now() >= p.deadline || signal.aborted) {
      release(counters);
      break;
    }
    const index = i + p.offset;
    const sent = performance.now();
    // Held back by the cap: due when the slot freed, which is the load shape, not the client falling behind.
    out.sends.push({ index, due: slot === 'waited' ? sent : scheduled, sent });
    const done: Promise<void> = send(index, signal).then((r) => {
      r.index = index;
      out.records.push(r);
      release(counters);
      inflight.delete(done);
    });
    inflight.add(done);
  }
  await Promise.all(inflight);
  signal.removeEventListener('abort', wake);
}

async function closedLoop(send: SendRequest, p: Phase, concurrency: number, counters: Int32Array, signal: AbortSignal, out: PhaseOutcome): Promise<void> {
  await sleepUntil(p.start);
  const clients: Promise<void>[] = [];
  for (let c = p.self; c < Math.min(concurrency, p.count); c += p.of) {
    clients.push(
      (async () => {
        let due = p.start;
        while (performance.now() < p.deadline && !signal.aborted) {
          const i = Atomics.add(counters, NEXT, 1);
          if (i >= p.count) break;
          const index = i + p.offset;
          out.sends.push({ index, due, sent: performance.now() });
          const r = await send(index, signal);
          r.index = index;
          out.records.push(r);
          due = performance.now();
        }
      })(),
    );
  }
  await Promise.all(clients);
}

/** Runs this thread's share of a phase; resolves when all its requests have finished. */
export async function runPhase(send: SendRequest, phase: Phase, counters: Int32Array, signal: AbortSignal): Promise<PhaseOutcome> {
  const out: PhaseOutcome = { records: [], sends: [] };
  if (phase.shape.kind === 'open') await openLoop(send, phase, phase.shape.schedule, phase.shape.cap, counters, signal, out);
  else await closedLoop(send, phase, phase.shape.concurrency, counters, signal, out);
  out.records.sort((a, b) => a.index! - b.index!);
  out.sends.sort((a, b) => a.index - b.index);
  return out;
}
