/** The strategy × workers points shared by the queue (3) and contention (4) experiments. */
import os from 'node:os';
import { STRATEGIES, isParallel, type StrategyId } from '../common/strategies/index.ts';
import type { RunOptions } from '../suites/types.ts';

export const BATCH_SIZE = 64;
export const TURNS = 100;
export const TOKENS_PER_REQUEST = 1000;

export function cores(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** 1, 2, 4, … up to 2× cores (the last one oversubscribes on purpose). */
export function workerCounts(): number[] {
  const counts: number[] = [];
  for (let w = 1; w <= 2 * cores(); w *= 2) counts.push(w);
  if (counts[counts.length - 1] !== 2 * cores()) counts.push(2 * cores());
  return counts;
}

export function strategyPoints(options: RunOptions & { strategies?: string[] }, counts = workerCounts()): { strategy: StrategyId; workers: number }[] {
  const selected = (options.strategies ?? [...STRATEGIES]) as StrategyId[];
  return selected.flatMap((strategy) => (isParallel(strategy) ? counts.map((workers) => ({ strategy, workers })) : [{ strategy, workers: 1 }]));
}
