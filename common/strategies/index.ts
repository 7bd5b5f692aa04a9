/**
 * Execution strategies — the axis the suite exists for. Each runs the same Task with the same
 * PipelineConfig and must return the same result:
 *   main     everything on the main thread (blocks the event loop for the whole task)
 *   pool     piscina worker-thread pool of N threads (round trip = structured clone both ways)
 *   process  workerpool pool of N child processes (round trip = IPC JSON both ways)
 *   native   main thread, template rendered in JS, tokenized by the native Rust binding on libuv's
 *            threadpool (tokenization leaves the event loop; templating does not)
 * Start-up (loading assets in every worker) happens in `startStrategy`, outside any timed region,
 * and is reported as `startupMs`.
 */
import { Piscina } from 'piscina';
import workerpool from 'workerpool';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { UnknownNameError, getTemplateVariant } from '../assets/models.ts';
import { createPreprocessor, type PipelineConfig } from '../measure/pipeline.ts';
import { handleTask, type Task, type TaskResult, type WorkerIdentity } from './tasks.ts';
import type { WorkerInit } from './worker-handler.ts';

export const STRATEGIES = ['main', 'pool', 'process', 'native'] as const;
export type StrategyId = (typeof STRATEGIES)[number];

export interface Strategy {
  id: StrategyId;
  workers: number;
  config: PipelineConfig;
  /** Wall time from creation until every worker had loaded its assets and answered, ms. */
  startupMs: number;
  run(task: Task): Promise<TaskResult>;
  close(): Promise<void>;
  /** The worker threads (pool only), for their event-loop utilization. */
  threads?(): Worker[];
}

export function assertStrategy(name: string): StrategyId {
  if (!(STRATEGIES as readonly string[]).includes(name)) throw new UnknownNameError('strategy', name, STRATEGIES);
  return name as StrategyId;
}

/** Whether the strategy has a worker count (main and native always use the one main thread). */
export function isParallel(id: StrategyId): boolean {
  return id === 'pool' || id === 'process';
}

export async function startStrategy(id: StrategyId, workers: number, config: PipelineConfig): Promise<Strategy> {
  const t0 = performance.now();
  switch (id) {
    case 'main':
    case 'native': {
      const effective: PipelineConfig = id === 'native' ? { ...config, tokenizer: 'native' } : config;
      const pre = await createPreprocessor(effective);
      return {
        id,
        workers: 1,
        config: effective,
        startupMs: performance.now() - t0,
        run: serialOnEventLoop((task) => handleTask(pre, task)),
        close: async () => {},
      };
    }
    case 'pool':
    case 'process': {
      const init: WorkerInit = { config, templateSource: await getTemplateVariant(config.template).load() };
      return id === 'pool' ? startPiscina(workers, init, t0) : startProcessPool(workers, init, t0);
    }
  }
}

/**
 * Main-thread tasks start one at a time, each in its own turn of the event loop — as requests arriving
 * on separate sockets would. Without this, a batch submitted with Promise.all would run as one long
 * synchronous block (awaits of settled promises never yield to timers or I/O), which no server does.
 * Only the synchronous part is serialized: the native tokenizer's threadpool work, started at the end
 * of a turn, still overlaps the next request's rendering. The hop costs microseconds and is inside the
 * round trip reported for main and native.
 */
function serialOnEventLoop(handle: (task: Task) => Promise<TaskResult>): (task: Task) => Promise<TaskResult> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    // Wrapped in an object so the chain waits for the synchronous part, not for the result.
    const started = tail.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => ({ result: handle(task) }));
    tail = started.catch(() => {});
    return started.then(({ result }) => result);
  };
}

/** The TypeScript module both worker entries (pool-worker.mjs, process-worker.mjs) load. */
export const WORKER_HANDLER_MODULE = new URL('./worker-handler.ts', import.meta.url).href;

/** How this process's workers load that module (common/build/import-ts.mjs: prebuilt when the runner's map has it), which their start-up includes. */
export function workerCodeLoad(): string {
  const prebuilt = JSON.parse(process.env.PREPBENCH_PREBUILT || '{}') as Record<string, string>;
  return fileURLToPath(WORKER_HANDLER_MODULE) in prebuilt ? 'handler prebuilt as JavaScript' : 'handler TypeScript through tsx';
}

async function startPiscina(workers: number, init: WorkerInit, t0: number): Promise<Strategy> {
  const { config } = init;
  const pool = new Piscina({
    filename: new URL('./pool-worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    workerData: init,
  });
  const strategy: Strategy = {
    id: 'pool',
    workers,
    config,
    startupMs: 0,
    run: (task) => pool.run(task),
    close: () => pool.destroy(),
    threads: () => pool.threads,
  };
  try {
    await awaitAllWorkers(workers, () => pool.run(null, { name: 'identity' }));
  } catch (err) {
    await pool.destroy().catch(() => {});
    throw err;
  }
  strategy.startupMs = performance.now() - t0;
  return strategy;
}

async function startProcessPool(workers: number, init: WorkerInit, t0: number): Promise<Strategy> {
  const { config } = init;
  const pool = workerpool.pool(fileURLToPath(new URL('./process-worker.mjs', import.meta.url)), {
    workerType: 'process',
    minWorkers: workers,
    maxWorkers: workers,
    forkArgs: [JSON.stringify(init)],
  });
  const strategy: Strategy = {
    id: 'process',
    workers,
    config,
    startupMs: 0,
    run: (task) => pool.exec('run', [task]) as Promise<TaskResult>,
    close: async () => {
      await pool.terminate(true);
    },
  };
  try {
    await awaitAllWorkers(workers, () => pool.exec('identity', []) as Promise<WorkerIdentity>);
  } catch (err) {
    await pool.terminate(true).catch(() => {});
    throw err;
  }
  strategy.startupMs = performance.now() - t0;
  return strategy;
}

/**
 * Sends waves of identity pings until `workers` distinct workers have answered: a worker that answered
 * has finished loading its template and tokenizer.
 */
async function awaitAllWorkers(workers: number, ping: () => Promise<WorkerIdentity>): Promise<void> {
  const seen = new Set<string>();
  for (let wave = 0; wave < 50 && seen.size < workers; wave++) {
    const answers = await Promise.all(Array.from({ length: workers * 2 }, ping));
    for (const a of answers) seen.add(`${a.pid}/${a.threadId}`);
  }
  if (seen.size < workers) throw new Error(`only ${seen.size} of ${workers} workers answered during start-up`);
}
