/**
 * Which tokens the dummy model emits: "word tokens" — a space followed by ASCII letters (`Ġthe`,
 * `ĠHello`; 43k of Llama 3.1's 128k) — plus the end-of-generation tokens.
 *
 * Why: random weights over the full vocabulary emit fragments, CJK pieces and reserved special tokens;
 * re-tokenizing such text merges neighbours differently, so a client counting output tokens with the
 * model's tokenizer is several percent off (and wildly off for greedy output, where one token
 * repeats and merges). Word tokens are each a complete pre-tokenizer unit (the Llama 3 regex splits
 * before every space+letters run), and every one is checked to encode back to exactly itself, so the
 * concatenated output re-tokenizes to exactly the generated tokens. Text per token is also closer to
 * real English (≈ 5–6 bytes).
 */
import { loadTokenizer } from '../../assets/tokenizers.ts';

const WORD = /^Ġ[A-Za-z]+$/;
const EOG_TOKENS = ['<|eot_id|>', '<|end_of_text|>', '<|eom_id|>'];

/** allowed[id] = 1 when the model may emit token `id`. */
export function emittableTokens(tokens: readonly string[], tokenizerModel: string): Uint8Array {
  const tok = loadTokenizer(tokenizerModel, 'js');
  const allowed = new Uint8Array(tokens.length);
  tokens.forEach((s, id) => {
    if (!WORD.test(s)) return;
    const ids = tok.encodeSync!(' ' + s.slice(1));
    if (ids.length === 1 && ids[0] === id) allowed[id] = 1;
  });
  for (const s of EOG_TOKENS) {
    const id = tokens.indexOf(s);
    if (id >= 0) allowed[id] = 1;
  }
  return allowed;
}
