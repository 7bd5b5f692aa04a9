/**
 * Tokenizers behind one interface. `js` is @huggingface/tokenizers (pure JavaScript: encoding runs on
 * the calling thread and blocks its event loop). `native` is the `tokenizers` Rust binding (napi): its
 * encode runs on libuv's threadpool, so the event loop keeps turning — Node's analog of a Rust
 * tokenizer releasing Python's GIL. Both load the same tokenizer.json and give identical ids.
 */
import { Tokenizer as JsTokenizer } from '@huggingface/tokenizers';
import nativeTokenizers from 'tokenizers';
import { UnknownNameError, loadTokenizerConfig, loadTokenizerJson, tokenizerFiles } from './models.ts';

export const TOKENIZERS = ['js', 'native'] as const;
export type TokenizerId = (typeof TOKENIZERS)[number];

export interface PreparedTokenizer {
  /** `js`, `native`, or another library's name (tokenizer-choice.ts). */
  id: string;
  model: string;
  /** Token ids of `text`, without adding special tokens (the chat template already placed them). */
  encode(text: string): Promise<number[]>;
  /** Synchronous encode where the implementation has one (every library but native, whose encode runs off the thread); native has none. */
  encodeSync?: (text: string) => number[];
  decode(ids: number[]): string;
}

/** A tokenizer's encode as one call: synchronous where it can be, so no promise is timed with it. */
export function directEncode(tok: PreparedTokenizer): (text: string) => number[] | Promise<number[]> {
  return tok.encodeSync ?? tok.encode;
}

/** `f` of the ids of a directEncode call: synchronously when the encode was synchronous, else after its promise. */
export function thenIds<T>(ids: number[] | Promise<number[]>, f: (ids: number[]) => T): T | Promise<T> {
  return Array.isArray(ids) ? f(ids) : ids.then(f);
}

/** What a timing of `directEncode(tok)` calls, as the rows' notes say it. */
export type EncodeCall = 'sync call' | 'awaited promise (libuv thread)';

/** The call `directEncode(tok)` makes: the synchronous encode, or (native only) the promise of libuv's threadpool. */
export function encodeCallOf(tok: PreparedTokenizer): EncodeCall {
  return tok.encodeSync ? 'sync call' : 'awaited promise (libuv thread)';
}

export function assertTokenizer(name: string): TokenizerId {
  if (!(TOKENIZERS as readonly string[]).includes(name)) throw new UnknownNameError('tokenizer', name, TOKENIZERS);
  return name as TokenizerId;
}

const cache = new Map<string, PreparedTokenizer>();

/** Loads (once per thread) the tokenizer of `model` in implementation `id`. */
export function loadTokenizer(model: string, id: TokenizerId): PreparedTokenizer {
  const key = `${model}/${id}`;
  let tok = cache.get(key);
  if (!tok) {
    tok = id === 'js' ? loadJs(model) : loadNative(model);
    cache.set(key, tok);
  }
  return tok;
}

function loadJs(model: string): PreparedTokenizer {
  const tok = new JsTokenizer(loadTokenizerJson(model) as any, loadTokenizerConfig(model) as any);
  const encodeSync = (text: string) => tok.encode(text, { add_special_tokens: false }).ids as number[];
  return {
    id: 'js',
    model,
    encodeSync,
    encode: async (text) => encodeSync(text),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
  };
}

function loadNative(model: string): PreparedTokenizer {
  const tok = nativeTokenizers.Tokenizer.fromFile(tokenizerFiles(model).tokenizerJsonPath);
  return {
    id: 'native',
    model,
    encode: async (text) => (await tok.encode(text, null, { addSpecialTokens: false })).getIds(),
    decode: () => {
      throw new Error('decode is provided by the js tokenizer only');
    },
  };
}
