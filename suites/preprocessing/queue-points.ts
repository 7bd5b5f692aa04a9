/** The strategy × workers points shared by the queue (3) and contention (4) experiments. */
import os from 'node:os';
import { isParallel, type StrategyId } from '../../common/strategies/index.ts';
import { getTemplateVariant } from '../../common/assets/models.ts';
import type { Params, RowInput } from '../../common/results.ts';
import type { RunOptions } from '../types.ts';
import { preprocessingOptions } from './cli.ts';

export const BATCH_SIZE = 64;
export const TURNS = 100;
export const TOKENS_PER_REQUEST = 1000;

export function cores(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/**
 * Full: 1, 2, 4, … up to 2× cores (the last oversubscribes on purpose). Quick: 1 and the core count —
 * every extra pool costs seconds of start-up (each worker loads its own tokenizer).
 */
export function workerCounts(quick = false): number[] {
  if (quick) return [...new Set([1, cores()])];
  const counts: number[] = [];
  for (let w = 1; w <= 2 * cores(); w *= 2) counts.push(w);
  if (counts[counts.length - 1] !== 2 * cores()) counts.push(2 * cores());
  return counts;
}

/** The selected strategies (--strategies), each parallel one at every worker count (--workers, or the defaults of the mode). */
export function strategyPoints(options: Pick<RunOptions, 'quick' | 'suites'>, counts?: number[]): { strategy: StrategyId; workers: number }[] {
  const { strategies, workers } = preprocessingOptions(options);
  const parallelCounts = counts ?? workers ?? workerCounts(options.quick);
  return strategies.flatMap((strategy) => (isParallel(strategy) ? parallelCounts.map((workers) => ({ strategy, workers })) : [{ strategy, workers: 1 }]));
}

/**
 * Child-process group of a batch-workload point, shared by experiments 3 and 4: every strategy of one
 * template and engine shares a process (its tokenizer, chats and started pools), except native, which
 * runs another tokenizer on the main thread. The work of pool and process points runs in their own
 * workers, so it carries no history of the other points; the order of points rotates across replicates.
 */
export function tokenizerGroup(p: { template: string; engine: string; strategy: string }): string {
  return `batch workload ${p.template} ${p.engine} ${p.strategy === 'native' ? 'native' : 'js'}`;
}

/**
 * `suspect` when a pool or process speedup over main — the same work on more threads — has its CI
 * lower bound above the core count: no history-free measurement can do that.
 */
export function speedupBound(row: RowInput): string | undefined {
  if (!row.metric.startsWith('speedup') || row.metric.endsWith('_ideal') || !isParallel(row.params?.strategy as StrategyId)) return undefined;
  const low = row.low;
  if (low === undefined || !(low > cores())) return undefined;
  return `speedup CI lower bound ${low.toFixed(2)}× exceeds the ${cores()} cores doing the same work: one of the two figures is biased`;
}

/** The parameters of a batch-workload point's rows (experiments 3 and 4), in results.csv column order. */
export const QUEUE_PARAMS = ['model', 'template', 'engine', 'tokenizer', 'strategy', 'workers', 'turns', 'tokens'] as const;

/** Row coordinates of a batch-workload point (tokenizer follows the strategy: native tokenizes natively). */
export function queueCoordinates(p: { template: string; engine: string; strategy: string; workers: number }): Params {
  return {
    model: getTemplateVariant(p.template).model,
    template: p.template,
    engine: p.engine,
    tokenizer: p.strategy === 'native' ? 'native' : 'js',
    strategy: p.strategy,
    workers: p.workers,
    turns: TURNS,
    tokens: TOKENS_PER_REQUEST,
  };
}
