import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_PIPELINE, handleChat, truncateIds } from '../suites/inference/gateway.ts';
import { startMockServer } from '../suites/inference/mock-server.ts';
import { generateChat } from '../common/text/data.ts';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { createPreprocessor } from '../common/measure/pipeline.ts';
import { startStrategy, type Strategy } from '../common/strategies/index.ts';

const started: Strategy[] = [];
afterAll(() => Promise.all(started.map((s) => s.close())));

describe('gateway preprocessing modes', () => {
  it('main, pool and process turn the same 100-turn chat into the same token ids, and forward them', async () => {
    const tok = loadTokenizer('llama3.1', 'js');
    const chat = generateChat({ seed: 5, turns: 100, totalTokens: 1500, system: true }, { encode: tok.encodeSync!, decode: tok.decode });
    const reference = await (await createPreprocessor(GATEWAY_PIPELINE)).prepare(chat);
    expect(reference[0]).toBe(128000);
    expect(reference.length).toBeGreaterThan(1500);

    const mock = await startMockServer({ ttftMs: 1, itlMs: 1 });
    try {
      for (const mode of ['main', 'pool', 'process'] as const) {
        const strategy = await startStrategy(mode, 1, GATEWAY_PIPELINE);
        started.push(strategy);
        const ids = (await strategy.run({ op: 'prepare', messages: chat })).ids;
        expect(ids, mode).toEqual(reference);
        // prep_ms spans from the chat's arrival to the end of the strategy's task, and ends before the
        // first token arrives.
        let taskEnd = 0;
        const observed: Strategy = {
          ...strategy,
          run: async (task) => {
            const result = await strategy.run(task);
            taskEnd = performance.now();
            return result;
          },
        };
        const r = await handleChat({ chat }, mode, observed, { baseURL: mock.baseURL, model: mock.model, client: 'fetch' }, { maxPromptIds: 256, maxTokens: 2, timeoutMs: 5000, idleTimeoutMs: 5000 });
        expect(r.error).toBeUndefined();
        expect(r.extra).toMatchObject({ full_ids: reference.length, prompt_ids: 256 });
        expect(r.chunkTimes).toHaveLength(2);
        expect(r.extra!.prep_ms, mode).toBeGreaterThanOrEqual(taskEnd - r.start);
        expect(r.extra!.prep_ms, mode).toBeLessThanOrEqual(r.chunkTimes[0] - r.start);
        expect(mock.requests[mock.requests.length - 1].prompt, mode).toEqual(truncateIds(reference, 256));
      }
      // Baseline sends pre-computed ids without preprocessing.
      const b = await handleChat({ chat, ids: reference }, 'baseline', undefined, { baseURL: mock.baseURL, model: mock.model, client: 'fetch' }, { maxPromptIds: 100_000, maxTokens: 2, timeoutMs: 5000, idleTimeoutMs: 5000 });
      expect(b.error).toBeUndefined();
      expect(b.extra).toMatchObject({ full_ids: reference.length, prompt_ids: reference.length });
      expect(b.extra!.prep_ms).toBeGreaterThanOrEqual(0);
      expect(b.extra!.prep_ms).toBeLessThanOrEqual(b.chunkTimes[0] - b.start);
      expect(mock.requests[mock.requests.length - 1].prompt).toEqual(reference);
    } finally {
      await mock.close();
    }
  });

  it('truncation keeps BOS and the most recent ids', () => {
    expect(truncateIds([1, 2, 3, 4, 5, 6], 4)).toEqual([1, 4, 5, 6]);
    expect(truncateIds([1, 2, 3], 4)).toEqual([1, 2, 3]);
  });
});
