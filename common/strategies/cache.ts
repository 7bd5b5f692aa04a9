/**
 * Started strategies are kept for the whole process: several points may use the same pools, and starting a
 * pool (every worker loading a tokenizer) costs about a second per worker. Start-up is reported once.
 */
import type { PipelineConfig } from '../measure/pipeline.ts';
import { startStrategy, type Strategy, type StrategyId } from './index.ts';

const started = new Map<string, Promise<Strategy>>();

export function getStrategy(id: StrategyId, workers: number, config: PipelineConfig): Promise<Strategy> {
  const key = JSON.stringify([id, workers, config]);
  let s = started.get(key);
  if (!s) {
    s = startStrategy(id, workers, config);
    started.set(key, s);
    // A failed start must not be cached: the next point may try again.
    s.catch(() => started.delete(key));
  }
  return s;
}

export async function closeAllStrategies(): Promise<void> {
  const all = [...started.values()];
  started.clear();
  await Promise.allSettled(all.map(async (p) => (await p).close()));
}
