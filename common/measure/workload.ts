/**
 * Batch workloads: seeded batches of chats, and the
 * measurement of one batch's preparation through a strategy.
 */
import { collate } from './collate.ts';
import { generateBatch } from '../text/data.ts';
import { getTemplateVariant } from '../assets/models.ts';
import { loadTokenizer } from '../assets/tokenizers.ts';
import { deriveSeed } from '../stats/rng.ts';
import type { ChatMessage } from '../templates/engines.ts';
import { chatOf, type TextChatSpec } from '../text/chat.ts';
import type { TextKind } from '../text/kinds.ts';
import type { Strategy } from '../strategies/index.ts';
import type { Task, TaskEncoding, TaskOp } from '../strategies/tasks.ts';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { mainThreadCpuClock, type ThreadCpuClock } from '../monitor/thread-cpu.ts';
import { sum } from '../stats/stats.ts';

export interface BatchSpec {
  template: string;
  seed: number;
  turns: number;
  /** Content tokens per request. */
  tokensPerRequest: number;
  batchSize: number;
  /** Distinct batches to rotate through (so tokenizer caches see new text, as a server would). */
  distinct: number;
  /** The chats' text (--text); synthetic when not given. */
  text?: TextKind;
}

const batchCache = new Map<string, ChatMessage[][][]>();

/** Seeded batches of chats; token counts are measured with the template's model tokenizer (js). */
export function buildBatches(spec: BatchSpec): ChatMessage[][][] {
  const key = JSON.stringify(spec);
  let batches = batchCache.get(key);
  if (!batches) {
    const tok = loadTokenizer(getTemplateVariant(spec.template).model, 'js');
    const counter = { encode: tok.encodeSync!, decode: tok.decode };
    batches = Array.from({ length: spec.distinct }, (_, b) => {
      const chat: TextChatSpec = { seed: deriveSeed(spec.seed, b), turns: spec.turns, totalTokens: spec.tokensPerRequest, system: true, text: spec.text };
      return generateBatch(chat, spec.batchSize, counter, chatOf);
    });
    batchCache.set(key, batches);
  }
  return batches;
}

/**
 * Tasks of one batch for an op: tokenize-only tasks carry pre-rendered prompts. With encoding `json`,
 * messages travel as the JSON text a gateway received (made here, outside any timed region) and ids come
 * back packed.
 */
export function batchTasks(op: TaskOp, batch: ChatMessage[][], rendered?: string[], encoding: TaskEncoding = 'clone'): Task[] {
  const packed = encoding === 'json' ? { packed: true } : {};
  if (op === 'tokenize') {
    if (!rendered) throw new Error('tokenize tasks need rendered prompts');
    return rendered.map((text) => ({ op, text, ...packed }));
  }
  return batch.map((messages) => (encoding === 'json' ? { op, body: JSON.stringify(messages), ...packed } : { op, messages }));
}

/**
 * Wall time of preparing one batch through a strategy, in ms: dispatching every request, the work,
 * the round trip back (for pools), and — when ids come back — collation into one padded Int32Array.
 * This is what a GPU waiting for the batch waits for.
 */
export async function timeBatch(strategy: Strategy, tasks: Task[]): Promise<number> {
  const t0 = performance.now();
  const results = await Promise.all(tasks.map((t) => strategy.run(t)));
  if (results[0]?.ids) collate(results.map((r) => r.ids!));
  return performance.now() - t0;
}

/** What dispatching cost the main thread during the timed batches, and how busy each worker thread was. */
export interface DispatchLoad {
  /** Main-thread event-loop utilization (0–1) over the timed batches. */
  loopUtilization: number;
  /** Requests dispatched in the timed batches. */
  requests: number;
  /** Event-loop utilization (0–1) of each worker thread (pool strategy only; empty otherwise). */
  workerUtilization: number[];
  /** Main-thread busy time (event loop active, wall clock), ms, in each window (one per round), in the order they ran. */
  activeMsPerWindow: number[];
  /** Main-thread CPU time, ms, in each window, and the clock it was read from (Linux; undefined elsewhere). */
  cpu?: { msPerWindow: number[]; source: ThreadCpuClock['source']; resolutionMs: number };
}

/** Main-thread busy time over all windows, ms. */
export const activeMsOf = (load: DispatchLoad): number => sum(load.activeMsPerWindow);

/**
 * Meters the main thread and the worker threads while a strategy's batches run, over any number of
 * windows (`enter`/`leave`): paired rounds time a strategy in one slice per round.
 */
export function dispatchMeter(strategy: Strategy) {
  const threads = strategy.threads?.() ?? [];
  const clock = mainThreadCpuClock();
  let loop = { active: 0, idle: 0 };
  let requests = 0;
  const activeMsPerWindow: number[] = [];
  const cpuMsPerWindow: number[] = [];
  const workers = threads.map(() => ({ active: 0, idle: 0 }));
  let open: { loop: EventLoopUtilization; cpu?: number; threads: EventLoopUtilization[] } | undefined;
  return {
    enter() {
      open = { loop: performance.eventLoopUtilization(), cpu: clock?.read(), threads: threads.map((t) => t.performance.eventLoopUtilization()) };
    },
    /** Closes the window opened by `enter`, in which `dispatched` requests were sent. */
    leave(dispatched: number) {
      if (!open) return;
      const d = performance.eventLoopUtilization(open.loop);
      loop = { active: loop.active + d.active, idle: loop.idle + d.idle };
      activeMsPerWindow.push(d.active);
      if (clock && open.cpu !== undefined) cpuMsPerWindow.push(clock.read() - open.cpu);
      threads.forEach((t, i) => {
        const w = t.performance.eventLoopUtilization(open!.threads[i]);
        workers[i] = { active: workers[i].active + w.active, idle: workers[i].idle + w.idle };
      });
      requests += dispatched;
      open = undefined;
    },
    load(): DispatchLoad {
      const share = (x: { active: number; idle: number }) => x.active / (x.active + x.idle);
      const cpu = clock ? { cpu: { msPerWindow: [...cpuMsPerWindow], source: clock.source, resolutionMs: clock.resolutionMs } } : {};
      return { loopUtilization: share(loop), requests, workerUtilization: workers.map(share), activeMsPerWindow: [...activeMsPerWindow], ...cpu };
    },
  };
}
