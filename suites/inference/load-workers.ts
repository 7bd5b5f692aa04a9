/**
 * The parent side of a load run spread over worker threads: a pool of N load workers that runs each phase
 * on all of them at once — one RequestPlan, one shared schedule, one start time on the parent's clock a
 * little in the future so every worker has the message before the first request is due — and merges
 * their records and send times by request index. A pool can serve many runs (runLoad's `pool`), which
 * spares the workers' start-up (loading TypeScript) and keeps their JIT warm between load points.
 */
import { Worker } from 'node:worker_threads';
import type { LoopDelay } from '../../common/monitor/event-loop.ts';
import { phaseCounters, type PhaseOutcome, type PhaseShape } from './load-phase.ts';
import type { LoadWorkerInit, PhaseMessage, WorkerReply } from './load-worker-thread.ts';
import type { RequestPlan } from './request-plan.ts';

/** The TypeScript module the load worker entry (load-worker.mjs) loads. */
export const LOAD_WORKER_MODULE = new URL('./load-worker-thread.ts', import.meta.url).href;

/** Lead time between posting a phase and its start, ms: a posted message takes well under this to arrive. */
const START_MARGIN_MS = 50;

export interface WorkerPhase {
  shape: PhaseShape;
  count: number;
  offset: number;
  durationMs: number;
  /** Event-loop delay monitor resolution, ms; none for a warm-up. */
  monitorMs?: number;
}

export interface WorkerPhaseResult {
  /** The phase start, parent clock. */
  start: number;
  out: PhaseOutcome;
  /** The delay of the worker whose p99 was highest (when monitored). */
  loopDelay?: LoopDelay;
}

export interface LoadWorkers {
  /** Number of worker threads. */
  size: number;
  run(plan: RequestPlan, phase: WorkerPhase, signal: AbortSignal): Promise<WorkerPhaseResult>;
  close(): Promise<void>;
}

const nextReply = (w: Worker) => new Promise<WorkerReply>((resolve) => w.once('message', resolve));

export async function startLoadWorkers(of: number): Promise<LoadWorkers> {
  const workers = Array.from({ length: of }, (_, self) => {
    const workerData: LoadWorkerInit = { self, of, parentOrigin: performance.timeOrigin };
    return new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData });
  });
  let closing = false;
  // A worker that dies fails the run at once instead of leaving its share unanswered.
  const died = new Promise<never>((_, reject) =>
    workers.forEach((w, i) => {
      w.once('error', (err) => reject(new Error(`load worker ${i} failed: ${err.message}`)));
      w.once('exit', (code) => closing || reject(new Error(`load worker ${i} exited (code ${code})`)));
    }),
  );
  died.catch(() => {});
  const close = async () => {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
  };
  try {
    await Promise.race([Promise.all(workers.map(nextReply)), died]);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    size: of,
    async run(plan, phase, signal) {
      const abort = () => workers.forEach((w) => w.postMessage({ type: 'abort' }));
      signal.addEventListener('abort', abort, { once: true });
      try {
        const counters = phaseCounters();
        const start = performance.now() + START_MARGIN_MS;
        const message: PhaseMessage = { type: 'phase', plan, phase: { shape: phase.shape, count: phase.count, offset: phase.offset, start, deadline: start + phase.durationMs }, counters, monitorMs: phase.monitorMs };
        const replies = workers.map(nextReply);
        workers.forEach((w) => w.postMessage(message));
        if (signal.aborted) abort();
        const done = await Promise.race([Promise.all(replies), died]);
        const out: PhaseOutcome = { records: [], sends: [] };
        let loopDelay: LoopDelay | undefined;
        for (const [i, r] of done.entries()) {
          if (r.type !== 'done') throw new Error(`load worker ${i}: ${r.type === 'failed' ? r.message : `unexpected ${r.type} reply`}`);
          out.records.push(...r.records);
          out.sends.push(...r.sends);
          if (r.loopDelay && !(loopDelay && loopDelay.p99 >= r.loopDelay.p99)) loopDelay = r.loopDelay;
        }
        out.records.sort((a, b) => a.index! - b.index!);
        out.sends.sort((a, b) => a.index - b.index);
        return { start, out, loopDelay };
      } finally {
        signal.removeEventListener('abort', abort);
      }
    },
    close,
  };
}
