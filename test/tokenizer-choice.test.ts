/**
 * --tokenizers: a pipeline runs any tokenizer library that loads the shipped vocabulary, its ids are
 * checked against the Rust tokenizer before it is timed, and every strategy gives the main thread's ids.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { identicalIds, prepareTokenizer } from '../common/assets/tokenizer-choice.ts';
import { loadTokenizer } from '../common/assets/tokenizers.ts';
import { createPreprocessor } from '../common/measure/pipeline.ts';
import { generateBatch } from '../common/text/data.ts';
import { TIKTOKEN_ADAPTERS } from '../common/assets/tiktoken-adapters.ts';
import { tiktokenVocabulary } from '../common/assets/tiktoken-ranks.ts';
import { compareIds } from '../common/assets/tokenizer-parity.ts';
import { startStrategy, type Strategy } from '../common/strategies/index.ts';

const started: Strategy[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

describe('tokenizer choice', () => {
  const prompt = '<|start_header_id|>user<|end_header_id|>\n\nHello, 世界! 12345 <|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n';

  it('a library with the reference ids encodes like the Rust tokenizer; one without is named with the position', async () => {
    const native = await loadTokenizer('llama3.1', 'native').encode(prompt);
    expect(await (await prepareTokenizer('llama3.1', 'ms-tiktokenizer')).encode(prompt)).toEqual(native);
    expect(await identicalIds('llama3.1', 'tiktoken', [prompt])).toBeUndefined();
    // gpt-tokenizer encodes a special token that does not start its search as plain text (see experiment 10).
    expect(await identicalIds('llama3.1', 'gpt-tokenizer', ['hi', prompt])).toBe('its ids differ from tokenizers (Rust) at token 2 of text 2 of 2');
    expect(await identicalIds('qwen3', 'llama3-tokenizer-js', [prompt])).toBe('Llama 3 vocabulary only: the library ships its own and cannot load another');
    await expect(prepareTokenizer('qwen3', 'llama3-tokenizer-js')).rejects.toThrow('tokenizer llama3-tokenizer-js cannot load qwen3: Llama 3 vocabulary only');
  });

  it('a vocabulary with two ranks swapped is reported as differing at the first token that uses one of them', async () => {
    const text = 'The cat sat on the mat. Hello world, hello world!';
    const native = { library: 'native' as const, model: 'llama3.1', offThread: true, encode: loadTokenizer('llama3.1', 'native').encode };
    const expected = await native.encode(text);
    const vocab = tiktokenVocabulary('llama3.1');
    if (!vocab.ok) throw new Error(vocab.reason);
    const swapped = expected[4];
    const other = 50_000;
    const tokens = [...vocab.vocabulary.tokens];
    [tokens[swapped], tokens[other]] = [tokens[other], tokens[swapped]];
    const built = await TIKTOKEN_ADAPTERS.tiktoken({ ...vocab.vocabulary, tokens });
    if (!built.ok) throw new Error(built.reason);
    const corrupted = { library: 'tiktoken' as const, model: 'llama3.1', offThread: false, encode: built.encode };
    const verdict = await compareIds(corrupted, native, text);
    expect(verdict).toMatchObject({ identical: false, position: expected.indexOf(swapped) });
    if (!verdict.identical) {
      expect(verdict.expected[0]).toBe(swapped);
      expect(verdict.actual[0]).toBe(other);
    }
    // The intact vocabulary gives the reference ids on the same text.
    const intact = await TIKTOKEN_ADAPTERS.tiktoken(vocab.vocabulary);
    expect(intact.ok && (await compareIds({ ...corrupted, encode: intact.encode }, native, text))).toEqual({ identical: true });
  });

  it('main, pool and process strategies with tiktoken give the ids of tiktoken on the main thread, which are the Rust ids', async () => {
    const config = { template: 'llama3.1', engine: 'jinja' as const, tokenizer: 'tiktoken' as const };
    const pre = await createPreprocessor(config);
    const js = loadTokenizer('llama3.1', 'js');
    const chats = generateBatch({ seed: 3, turns: 6, totalTokens: 300, system: true }, 4, { encode: js.encodeSync!, decode: js.decode });
    const prompts = chats.map((c) => pre.render(c));
    const native = loadTokenizer('llama3.1', 'native');
    const expected = await Promise.all(prompts.map((p) => native.encode(p)));
    expect(await Promise.all(prompts.map((p) => pre.tokenize(p)))).toEqual(expected);
    for (const [id, workers] of [['main', 1], ['pool', 2], ['process', 1]] as const) {
      const strategy = await startStrategy(id, workers, config);
      started.push(strategy);
      const ids = await Promise.all(chats.map(async (messages) => (await strategy.run({ op: 'prepare', messages })).ids));
      expect(ids.map((x) => Array.from(x!)), id).toEqual(expected);
    }
  }, 120_000);
});
