/**
 * Experiment 11's candidates: a library enters only if its ids equal the reference on every prompt of the
 * measured batch, an engine only if it renders the batch as the reference does.
 */
import { describe, expect, it } from 'vitest';
import { loadTokenizer, type PreparedTokenizer } from '../common/assets/tokenizers.ts';
import { fastestLibraries, sameRendering, screenLibraries } from '../suites/preprocessing/pipelines/candidates.ts';

const PROMPTS = ['The quick brown fox jumps over the lazy dog.', 'Tokenizers agree on plain English; do they agree on this too? Ünïcödé, 漢字, emoji 🙂.'];

/** The JS tokenizer with the ranks of two tokens swapped: what a vocabulary with one rank moved encodes. */
function withSwappedRank(tok: PreparedTokenizer, a: number, b: number): PreparedTokenizer {
  const swap = (ids: number[]) => ids.map((id) => (id === a ? b : id === b ? a : id));
  return { ...tok, encodeSync: (text) => swap(tok.encodeSync!(text)), encode: async (text) => swap(await tok.encode(text)) };
}

describe('screenLibraries', () => {
  it('keeps a library with the reference ids and excludes one with a swapped rank, naming where it differs', async () => {
    const reference = loadTokenizer('llama3.1', 'native');
    const js = loadTokenizer('llama3.1', 'js');
    const [the, quick] = await reference.encode('The quick');
    const screened = await screenLibraries(
      [
        { choice: 'js', tokenizer: js },
        { choice: 'tiktoken', tokenizer: withSwappedRank(js, the, quick) },
        { choice: 'gpt-tokenizer', reason: 'no such vocabulary' },
      ],
      reference,
      PROMPTS,
    );
    expect(screened.find((s) => s.choice === 'js')).toEqual({ choice: 'js', tokensPerS: expect.any(Number) });
    // The first prompt starts with "The quick": the swapped ranks differ at its first token.
    const ids = await reference.encode(PROMPTS[0]);
    const swapped = ids.slice(0, 8).map((id) => (id === the ? quick : id === quick ? the : id));
    expect(screened.find((s) => s.choice === 'tiktoken')?.excluded).toBe(`ids differ from the reference at token 0 of prompt 1 of 2 (${ids.slice(0, 8).join(',')} expected, ${swapped.join(',')} given)`);
    expect(screened.find((s) => s.choice === 'gpt-tokenizer')).toEqual({ choice: 'gpt-tokenizer', excluded: 'cannot load the vocabulary: no such vocabulary' });
    expect(fastestLibraries(screened, 2)).toEqual(['js']);
  });
});

describe('fastestLibraries', () => {
  it('keeps the fastest identical ones and js besides', () => {
    const screened = [
      { choice: 'js' as const, tokensPerS: 1 },
      { choice: 'tiktoken' as const, tokensPerS: 5 },
      { choice: 'ms-tiktokenizer' as const, tokensPerS: 9 },
      { choice: 'js-tiktoken' as const, excluded: 'ids differ' },
    ];
    expect(fastestLibraries(screened, 2)).toEqual(['ms-tiktokenizer', 'tiktoken', 'js']);
    expect(fastestLibraries(screened, 3)).toEqual(['ms-tiktokenizer', 'tiktoken', 'js']);
  });
});

describe('sameRendering', () => {
  it('is undefined for identical renders and names the chat and character where one differs', () => {
    expect(sameRendering(['a', 'b'], ['a', 'b'])).toBeUndefined();
    expect(sameRendering(['a', 'hello'], ['a', 'help!'])).toBe('chat 2: differs at char 3: reference "hello" vs "help!"');
  });
});
