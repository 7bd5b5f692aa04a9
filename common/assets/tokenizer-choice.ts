/**
 * The tokenizer a preprocessing pipeline runs: `js` (@huggingface/tokenizers) and `native` (the Rust
 * `tokenizers`), or any other library of tokenizer-libraries.ts that loads the model's shipped
 * vocabulary (`--tokenizers tiktoken,native`). Experiment 10 says which of them give the reference ids;
 * a pipeline checks its choice against the Rust tokenizer before it is timed (identicalIds).
 */
import { UnknownNameError } from './models.ts';
import { compareIds } from './tokenizer-parity.ts';
import { TOKENIZER_LIBRARIES, loadLibrary, type LibraryTokenizer } from './tokenizer-libraries.ts';
import { TOKENIZERS, encodeCallOf, loadTokenizer, type PreparedTokenizer } from './tokenizers.ts';

/** `js` is the library `hf` under the name the suite has always used for it. */
export const TOKENIZER_CHOICES = [...TOKENIZERS, ...TOKENIZER_LIBRARIES.filter((l) => l !== 'hf' && l !== 'native')] as const;
export type TokenizerChoice = (typeof TOKENIZER_CHOICES)[number];

export function assertTokenizerChoice(name: string): TokenizerChoice {
  if (!(TOKENIZER_CHOICES as readonly string[]).includes(name)) throw new UnknownNameError('tokenizer', name, TOKENIZER_CHOICES);
  return name as TokenizerChoice;
}

/**
 * What each tokenizer's figures include (the `note` of its rows), and which call of `tok` (its prepared
 * form) was timed: directEncode's, as encodeCallOf names it.
 */
export function tokenizerNote(choice: TokenizerChoice, tok: PreparedTokenizer): string {
  const timed = encodeCallOf(tok);
  if (choice === 'js') return `@huggingface/tokenizers on the calling thread; timed: ${timed}`;
  if (choice === 'native') return `tokenizers (Rust napi) encode on libuv threadpool; timed: ${timed}, the async round trip included`;
  return `${choice} on the calling thread, with the vocabulary derived from the shipped tokenizer.json; timed: ${timed}`;
}

/**
 * A loaded library as a pipeline's tokenizer. A library whose encode runs on the calling thread
 * (`offThread` false: all but native) returns its ids synchronously: that encode is `encodeSync`, and
 * `encode` gives the same ids as a promise. Native's encode is its promise as is, and it has no
 * `encodeSync`. Decoding is only used to build the seeded chats: the JS tokenizer's, over the same vocabulary.
 */
export function preparedOf(tok: LibraryTokenizer): PreparedTokenizer {
  const { library: id, model } = tok;
  const { decode } = loadTokenizer(model, 'js');
  if (tok.offThread) return { id, model, encode: tok.encode as PreparedTokenizer['encode'], decode };
  const encodeSync = tok.encode as (text: string) => number[];
  return { id, model, encodeSync, encode: async (text) => encodeSync(text), decode };
}

type Loaded = { ok: true; tokenizer: PreparedTokenizer } | { ok: false; reason: string };

const loaded = new Map<string, Promise<Loaded>>();

/** The model's tokenizer in implementation `choice`, loaded once per thread, or why the library cannot load the vocabulary. */
function load(model: string, choice: TokenizerChoice): Promise<Loaded> {
  if (choice === 'js' || choice === 'native') return Promise.resolve({ ok: true, tokenizer: loadTokenizer(model, choice) });
  const key = `${model}/${choice}`;
  let tok = loaded.get(key);
  if (!tok) {
    tok = loadLibrary(choice, model).then((outcome): Loaded => {
      if (!outcome.ok) return outcome;
      return { ok: true, tokenizer: preparedOf(outcome.tokenizer) };
    });
    tok.catch(() => loaded.delete(key));
    loaded.set(key, tok);
  }
  return tok;
}

/** The model's tokenizer in implementation `choice`; a library that cannot load the vocabulary throws its reason. */
export async function prepareTokenizer(model: string, choice: TokenizerChoice): Promise<PreparedTokenizer> {
  const outcome = await load(model, choice);
  if (!outcome.ok) throw new Error(`tokenizer ${choice} cannot load ${model}: ${outcome.reason}`);
  return outcome.tokenizer;
}

/** Undefined when `choice` gives the Rust tokenizer's ids on every text; else where it first differs. */
export async function identicalIds(model: string, choice: TokenizerChoice, texts: readonly string[]): Promise<string | undefined> {
  if (choice === 'native') return undefined;
  const outcome = await load(model, choice);
  if (!outcome.ok) return outcome.reason;
  const reference = loadTokenizer(model, 'native');
  for (const [i, text] of texts.entries()) {
    const verdict = await compareIds(outcome.tokenizer, reference, text);
    if (!verdict.identical) return `its ids differ from tokenizers (Rust) at token ${verdict.position} of text ${i + 1} of ${texts.length}`;
  }
  return undefined;
}
