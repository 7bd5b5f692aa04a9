/**
 * Which tokens the dummy model emits: "word tokens" — a space followed by ASCII letters (`Ġthe`,
 * `ĠHello`; 43k of Llama 3.1's 128k) — and nothing else, not even end-of-generation tokens: an
 * end-of-generation token under `ignore_eos` would be a token without text (a client's count would be
 * one short), and benchmarks want fixed output lengths anyway. So the model practically never stops by
 * itself; requests run to max_tokens, as with vLLM's dummy weights.
 *
 * Why: random weights over the full vocabulary emit fragments, CJK pieces and reserved special tokens;
 * re-tokenizing such text merges neighbours differently, so a client counting output tokens with the
 * model's tokenizer is several percent off (and wildly off for greedy output, where one token
 * repeats and merges). Word tokens are each a complete pre-tokenizer unit (the Llama 3 regex splits
 * before every space+letters run), and every one is checked to encode back to exactly itself, so the
 * concatenated output re-tokenizes to exactly the generated tokens. Text per token is also closer to
 * real English (≈ 5–6 bytes).
 */
import { loadTokenizer } from '../../../common/assets/tokenizers.ts';

const WORD = /^Ġ[A-Za-z]+$/;

/** allowed[id] = 1 when the model may emit token `id`. */
export function emittableTokens(tokens: readonly string[], tokenizerModel: string): Uint8Array {
  const tok = loadTokenizer(tokenizerModel, 'js');
  const allowed = new Uint8Array(tokens.length);
  tokens.forEach((s, id) => {
    if (!WORD.test(s)) return;
    const ids = tok.encodeSync!(' ' + s.slice(1));
    if (ids.length === 1 && ids[0] === id) allowed[id] = 1;
  });
  return allowed;
}
