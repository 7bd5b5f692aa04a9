/**
 * Which call a timing makes: every tokenizer library whose encode is synchronous is timed through
 * `encodeSync` (no promise, no microtask hop), native through its promise; the rows' notes say which.
 */
import { describe, expect, it } from 'vitest';
import { TOKENIZER_CHOICES, prepareTokenizer, tokenizerNote } from '../common/assets/tokenizer-choice.ts';
import { TOKENIZER_LIBRARIES, loadLibrary } from '../common/assets/tokenizer-libraries.ts';
import { directEncode, encodeCallOf, thenIds } from '../common/assets/tokenizers.ts';
import { encodeVariant } from '../suites/preprocessing/tokenizer-kinds.ts';

const MODEL = 'llama3.1';
const SYNC_CHOICES = ['js', 'tiktoken', 'js-tiktoken', 'gpt-tokenizer', 'ms-tiktokenizer', 'llama3-tokenizer-js'] as const;
/** The Rust tokenizer's ids of these texts (Llama 3.1 vocabulary). */
const EXPECTED: [string, number[]][] = [
  ['Hello, world!', [9906, 11, 1917, 0]],
  ['héllo wörld 你好 🚀 12345', [71, 19010, 385, 289, 9603, 509, 118195, 53901, 11410, 248, 222, 220, 4513, 1774]],
];
/** gpt-tokenizer reads a special token after the first as plain text (experiment 10), so this one is only compared sync against async. */
const WITH_SPECIALS = '<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>';

const isThenable = (x: unknown) => typeof (x as { then?: unknown } | null)?.then === 'function';

describe('prepareTokenizer: encodeSync for every synchronous library', () => {
  it('the sync choices are every choice but native', () => {
    expect([...SYNC_CHOICES, 'native'].sort()).toEqual([...TOKENIZER_CHOICES].sort());
  });

  for (const choice of SYNC_CHOICES) {
    it(`${choice}: encodeSync returns the ids (not a promise), equal to its async encode's`, async () => {
      const tok = await prepareTokenizer(MODEL, choice);
      expect(tok.encodeSync).toBeTypeOf('function');
      for (const [text, ids] of EXPECTED) {
        const sync = tok.encodeSync!(text);
        expect(isThenable(sync)).toBe(false);
        expect(sync).toEqual(ids);
        expect(await tok.encode(text)).toEqual(ids);
      }
      expect(tok.encodeSync!(WITH_SPECIALS)).toEqual(await tok.encode(WITH_SPECIALS));
      expect(directEncode(tok)).toBe(tok.encodeSync);
      expect(encodeCallOf(tok)).toBe('sync call');
      expect(tokenizerNote(choice, tok)).toContain('timed: sync call');
    });
  }

  it('native has no encodeSync: the timed call is its awaited promise', async () => {
    const tok = await prepareTokenizer(MODEL, 'native');
    expect(tok.encodeSync).toBeUndefined();
    const pending = directEncode(tok)(EXPECTED[0][0]);
    expect(isThenable(pending)).toBe(true);
    expect(await pending).toEqual(EXPECTED[0][1]);
    expect(encodeCallOf(tok)).toBe('awaited promise (libuv thread)');
    expect(tokenizerNote('native', tok)).toContain('timed: awaited promise (libuv thread)');
  });
});

describe('experiment 10 times the synchronous call of a synchronous library', () => {
  for (const library of TOKENIZER_LIBRARIES) {
    it(`${library}: the variant's fn returns ${library === 'native' ? 'a promise' : 'the ids, not a promise'}, prompts in turn`, async () => {
      const outcome = await loadLibrary(library, MODEL);
      if (!outcome.ok) throw new Error(outcome.reason);
      const prompts = EXPECTED.map(([text]) => text);
      const { variant, call } = encodeVariant(outcome.tokenizer, prompts);
      expect(variant.name).toBe(library);
      const results = [variant.fn(), variant.fn(), variant.fn()];
      if (library === 'native') {
        expect(call).toBe('awaited promise (libuv thread)');
        expect(results.every(isThenable)).toBe(true);
      } else {
        expect(call).toBe('sync call');
        expect(results.map(isThenable)).toEqual([false, false, false]);
      }
      expect(await Promise.all(results)).toEqual([EXPECTED[0][1], EXPECTED[1][1], EXPECTED[0][1]]);
    });
  }
});

describe('thenIds (experiment 1 total)', () => {
  it('applies f synchronously to ids, after the promise to a promise', async () => {
    const sync = thenIds([1, 2, 3], (ids) => ids.length);
    expect(sync).toBe(3);
    const later = thenIds(Promise.resolve([1, 2]), (ids) => ids.length);
    expect(isThenable(later)).toBe(true);
    expect(await later).toBe(2);
  });
});
