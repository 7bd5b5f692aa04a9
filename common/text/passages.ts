/**
 * Passages of a kind of text, many and fast: seeded, each from its own seed, about a given number of
 * tokens (by characters, no token count kept — experiment 10 times tokenizers on them and reports their
 * measured counts). Real kinds are assistant replies uncut (real-chat.ts); synthetic is the 100-word
 * generator's text (common/text/data.ts).
 */
import { syntheticText } from './data.ts';
import { createRng, deriveSeed } from '../stats/rng.ts';
import { REAL_KINDS, type RealKind } from './kinds.ts';
import { replyText } from './real-chat.ts';

export const PASSAGE_KINDS = [...REAL_KINDS, 'synthetic'] as const;
export type PassageKind = RealKind | 'synthetic';

/**
 * Characters per token of each kind's replies: the median passage holds about `tokens` tokens (measured on
 * 100 passages with Llama 3.1's and Qwen3's tokenizers; multilingual passages range 0.6–2.5× the median,
 * Chinese and Hindi holding the most tokens per character).
 */
const CHARS_PER_TOKEN: Record<PassageKind, number> = { english: 4.6, code: 4.3, multilingual: 1.8, synthetic: 5.6 };

/** Passage `index` of the stream `seed`: the same arguments give the same text. */
export function passage(kind: PassageKind, tokens: number, seed: number, index: number): string {
  const rng = createRng(deriveSeed(seed, index));
  const chars = Math.round(tokens * CHARS_PER_TOKEN[kind]);
  return kind === 'synthetic' ? syntheticText(rng, chars) : replyText(kind, rng, chars);
}

/**
 * `count` distinct passages of the stream `seed`, from index `from`: an index that repeats a passage of
 * this call is skipped (UDHR is small: 5 of 100 multilingual passages repeat another). Passages of other
 * calls may still repeat one of these.
 */
export function passages(kind: PassageKind, tokens: number, count: number, seed: number, from = 0): string[] {
  const out = new Set<string>();
  for (let i = from; out.size < count && i < from + 4 * count + 16; i++) out.add(passage(kind, tokens, seed, i));
  return [...out];
}
