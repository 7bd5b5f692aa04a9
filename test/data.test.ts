import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { countChatTokens, generateBatch, generateChat, type TokenCounter } from '../common/text/data.ts';

const counters: Record<string, TokenCounter> = {};

beforeAll(() => {
  for (const model of ['llama3.1', 'qwen3']) {
    const t = loadTokenizer(model, 'js');
    counters[model] = { encode: t.encodeSync!, decode: t.decode };
  }
});

describe('seeded chat generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateChat({ seed: 7, turns: 5, totalTokens: 300 }, counters['llama3.1']);
    const b = generateChat({ seed: 7, turns: 5, totalTokens: 300 }, counters['llama3.1']);
    const c = generateChat({ seed: 8, turns: 5, totalTokens: 300 }, counters['llama3.1']);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  for (const model of ['llama3.1', 'qwen3']) {
    it.each([
      [1, 1000],
      [10, 1000],
      [100, 1000],
      [100, 5000],
      [3, 37],
    ])(`${model}: %i turns hold exactly %i tokens`, (turns, totalTokens) => {
      const chat = generateChat({ seed: 42, turns, totalTokens, system: true }, counters[model]);
      expect(chat).toHaveLength(turns + 1);
      expect(countChatTokens(chat, counters[model])).toBe(totalTokens);
      expect(chat[0].role).toBe('system');
      chat.slice(1).forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant'));
      // Contents are trimmed, as templates that `| trim` would leave them.
      for (const m of chat) expect(m.content).toBe(m.content.trim());
    });
  }

  it('mixes prose, code and markdown lists', () => {
    const text = generateChat({ seed: 3, turns: 30, totalTokens: 6000 }, counters['llama3.1']).map((m) => m.content).join('\n');
    expect(text).toMatch(/```/);
    expect(text).toMatch(/^- \*\*/m);
  });

  it('makes distinct requests in a batch', () => {
    const batch = generateBatch({ seed: 1, turns: 4, totalTokens: 100 }, 3, counters['llama3.1']);
    expect(new Set(batch.map((c) => JSON.stringify(c))).size).toBe(3);
  });

  it('rejects impossible specs with a clear message', () => {
    expect(() => generateChat({ seed: 1, turns: 10, totalTokens: 5 }, counters['llama3.1'])).toThrow(/must be ≥ number of messages/);
    expect(() => generateChat({ seed: 1, turns: 0, totalTokens: 5 }, counters['llama3.1'])).toThrow(/positive integer/);
  });
});
