/** Experiments 3 and 4 warm a strategy with prepare batches at its first use in a process, and only then. */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { closeAllStrategies, getStrategy } from '../common/strategies/cache.ts';
import { batchTasks, buildBatches } from '../common/measure/workload.ts';
import { warmStrategy } from '../suites/preprocessing/queue-points.ts';

const config = { template: 'llama3.1-full', engine: 'jinja' as const, tokenizer: 'js' as const };

afterAll(closeAllStrategies);

describe('warmStrategy', () => {
  it('prepares three batches through a strategy the first time a process uses it, none after', async () => {
    const [batch] = buildBatches({ template: config.template, seed: 1, turns: 2, tokensPerRequest: 50, batchSize: 2, distinct: 1 });
    const prepare = batchTasks('prepare', batch);
    const strategy = await getStrategy('main', 1, config);
    const run = vi.spyOn(strategy, 'run');
    expect(await warmStrategy({ strategy: 'main', workers: 1 }, config, prepare)).toBe(strategy);
    expect(run.mock.calls.map(([task]) => task)).toEqual([...prepare, ...prepare, ...prepare]);
    await warmStrategy({ strategy: 'main', workers: 1 }, config, prepare);
    expect(run).toHaveBeenCalledTimes(3 * prepare.length);
  });
});
