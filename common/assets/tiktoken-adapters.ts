/**
 * The tiktoken-style libraries, each fed the vocabulary derived from the shipped tokenizer.json
 * (tiktoken-ranks.ts). Each adapter encodes every added token found in the text as a special token,
 * as the reference does for a rendered prompt, and adds no BOS. Libraries are imported on first use, so
 * a load time includes the library's own start-up (tiktoken's WASM instantiation).
 */
import { jsPattern, type TiktokenVocabulary, tiktokenRankFile } from './tiktoken-ranks.ts';

export type Encode = (text: string) => number[];
export type AdapterOutcome = { ok: true; encode: Encode } | { ok: false; reason: string };

export const TIKTOKEN_ADAPTERS = {
  /** WASM build of OpenAI's Rust tiktoken; its regex engine (fancy-regex) reads the pattern as written. */
  tiktoken: async (v) => {
    const { Tiktoken } = await import('tiktoken');
    const enc = new Tiktoken(tiktokenRankFile(v), specials(v), v.pattern);
    return ok(v, (text) => Array.from(enc.encode(text, 'all')));
  },
  /**
   * js-tiktoken's rank format is not tiktoken's file: each line is `<name> <first rank> <token> <token> …`
   * (its bundled ranks are stored that way); a `base64 rank` line parses as a name and an offset with no
   * tokens, which leaves the vocabulary empty — so the ranks go in as one line of all tokens from rank 0.
   */
  'js-tiktoken': async (v) => {
    const { Tiktoken: JsTiktoken } = await import('js-tiktoken/lite');
    return withJsPattern(v, (pat_str) => {
      const bpe_ranks = `ranks 0 ${v.tokens.map((t) => Buffer.from(t).toString('base64')).join(' ')}`;
      const enc = new JsTiktoken({ pat_str, special_tokens: specials(v), bpe_ranks });
      return ok(v, (text) => enc.encode(text, 'all'));
    });
  },
  /**
   * gpt-tokenizer's public GptEncoding only builds OpenAI's named encodings (its constructor is private,
   * getEncodingApi takes an encoding name and supplies that encoding's regex and specials); its
   * BytePairEncodingCore, exported as `gpt-tokenizer/BytePairEncodingCore`, takes custom ranks, specials
   * and split regex. Ranks are strings where the bytes are valid UTF-8, byte arrays otherwise (its format);
   * ignoreBOM keeps a token's leading U+FEFF, which TextDecoder drops by default: `\ufeff\n` would become
   * a second `\n` and take its rank.
   */
  'gpt-tokenizer': async (v) => {
    const { BytePairEncodingCore } = await import('gpt-tokenizer/BytePairEncodingCore');
    return withJsPattern(v, (pattern) => {
      const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
      const bytePairRankDecoder = v.tokens.map((t) => {
        try {
          return utf8.decode(t);
        } catch {
          return Array.from(t);
        }
      });
      const specialTokensEncoder = new Map(Object.entries(specials(v)));
      const core = new BytePairEncodingCore({ bytePairRankDecoder, specialTokensEncoder, tokenSplitRegex: new RegExp(pattern, 'gu') });
      const allowed = new Set(specialTokensEncoder.keys());
      return ok(v, (text) => core.encodeNative(text, allowed));
    });
  },
  'ms-tiktokenizer': async (v) => {
    const { TikTokenizer } = await import('@microsoft/tiktokenizer');
    return withJsPattern(v, (pattern) => {
      const ranks = new Map(v.tokens.map((t, rank) => [t, rank]));
      const enc = new TikTokenizer(ranks, new Map(Object.entries(specials(v))), pattern);
      const allowed = Object.keys(specials(v));
      return ok(v, (text) => enc.encode(text, allowed));
    });
  },
} satisfies Record<string, (v: TiktokenVocabulary) => Promise<AdapterOutcome>>;

/**
 * Specials longest first: the libraries match them with a regex alternation in key order (first
 * alternative wins), the reference takes the longest match.
 */
function specials(v: TiktokenVocabulary): Record<string, number> {
  return Object.fromEntries(Object.entries(v.specialTokens).sort(([a], [b]) => b.length - a.length));
}

/** The reference applies tokenizer.json's NFC normalizer before the split; these libraries have none. */
function ok(v: TiktokenVocabulary, encode: Encode): AdapterOutcome {
  return { ok: true, encode: v.nfc ? (text) => encode(text.normalize('NFC')) : encode };
}

function withJsPattern(v: TiktokenVocabulary, build: (pattern: string) => AdapterOutcome): AdapterOutcome {
  const pattern = jsPattern(v.pattern);
  if (pattern === undefined) return { ok: false, reason: `split regex ${v.pattern} has no JavaScript RegExp equivalent` };
  return build(pattern);
}
