/**
 * The inside of one load worker thread (started through load-worker.mjs): runs its share of each phase the
 * parent sends, with the sender built from the phase's RequestPlan, on its own event loop. The thread
 * outlives a run, so a pool serves many runs (and its JIT stays warm). Times cross the thread boundary
 * on the parent's performance.now() clock: `shift` = this thread's timeOrigin − the parent's (0 where
 * Node gives workers the process's origin, as Node 20 does).
 */
import { setMaxListeners } from 'node:events';
import { startLoopDelayMonitor, type LoopDelay } from '../../common/monitor/event-loop.ts';
import { runPhase, type Phase, type PhaseOutcome } from './load-phase.ts';
import type { RequestRecord } from './metrics.ts';
import { planSender, type RequestPlan } from './request-plan.ts';

export interface LoadWorkerInit {
  self: number;
  of: number;
  /** The parent's performance.timeOrigin. */
  parentOrigin: number;
}

/** A phase as the parent sends it: start and deadline on the parent's clock; this worker adds its share. */
export interface PhaseMessage {
  type: 'phase';
  plan: RequestPlan;
  phase: Omit<Phase, 'self' | 'of'>;
  counters: Int32Array;
  /** Measure this thread's event-loop delay during the phase at this resolution, ms (the measured phase, not the warm-up). */
  monitorMs?: number;
}

export type WorkerReply = { type: 'ready' } | ({ type: 'done'; loopDelay?: LoopDelay } & PhaseOutcome) | { type: 'failed'; message: string };

/** A record with every time moved by `shift` ms (worker clock + shift = parent clock). */
function shiftRecord(r: RequestRecord, shift: number): RequestRecord {
  return { ...r, start: r.start + shift, end: r.end + shift, chunkTimes: r.chunkTimes.map((t) => t + shift) };
}

export function loadWorker(init: LoadWorkerInit): { phase(m: PhaseMessage): Promise<WorkerReply>; abort(): void } {
  const shift = performance.timeOrigin - init.parentOrigin;
  // The phase running now: an abort ends it, and the next phase starts with a fresh signal.
  let controller = new AbortController();
  return {
    async phase({ plan, phase, counters, monitorMs }) {
      controller = new AbortController();
      // Every request in flight listens for the abort, as in runLoad.
      setMaxListeners(0, controller.signal);
      try {
        const delay = monitorMs === undefined ? undefined : startLoopDelayMonitor(monitorMs);
        const out = await runPhase(planSender(plan), { ...phase, start: phase.start - shift, deadline: phase.deadline - shift, self: init.self, of: init.of }, counters, controller.signal);
        return {
          type: 'done',
          loopDelay: delay?.stop(),
          records: out.records.map((r) => shiftRecord(r, shift)),
          sends: out.sends.map((s) => ({ index: s.index, due: s.due + shift, sent: s.sent + shift })),
        };
      } catch (err) {
        return { type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
    },
    abort: () => controller.abort(),
  };
}
