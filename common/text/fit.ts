/**
 * Cutting real text to an exact token count. The approach of common/text/data.ts' textOfTokens — cut the id
 * sequence at the budget, decode, re-count — but the cut is moved inside the passage itself, never padded
 * with filler words, so a message stays in its one language: by words, or by characters where the script
 * has no spaces (Chinese, Japanese).
 */
import type { TokenCounter } from './data.ts';

const FENCE = /^```/gm;
/** How far (characters) a word boundary is looked for before stepping one character instead. */
const WORD_REACH = 24;
/** Character positions tried on either side of the cut when word steps jump over the budget (each costs an encode of the whole message). */
const SCAN = 16;

/** A code block left open by the cut is closed, as a finished reply would close it. */
function closed(text: string): string {
  return (text.match(FENCE)?.length ?? 0) % 2 === 1 ? `${text}\n\`\`\`` : text;
}

/** Never between the two halves of a surrogate pair. */
function onCodePoint(text: string, end: number): number {
  const c = text.charCodeAt(end - 1);
  return c >= 0xd800 && c <= 0xdbff ? end - 1 : end;
}

const isSpace = (ch: string) => /\s/.test(ch);

function stepBack(text: string, end: number): number {
  for (let i = end - 1; i > 0 && i >= end - WORD_REACH; i--) if (isSpace(text[i]) && !isSpace(text[i - 1])) return i;
  return onCodePoint(text, end - 1);
}

function stepForward(text: string, end: number): number {
  for (let i = end + 1; i < text.length && i <= end + WORD_REACH; i++) if (isSpace(text[i]) && !isSpace(text[i - 1])) return i;
  return Math.min(text.length, end + ((text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1));
}

/**
 * A prefix of `body` (trimmed; with `closeBlocks`, a code block left open by the cut closed) of exactly
 * `budget` tokens. `body` must hold more than `budget` tokens; `ids` are its ids. Undefined when no cut
 * near the budget gives it exactly: some passages have none (", 29" in Llama 3's vocabulary goes from 14
 * tokens to 16), and the caller draws another.
 */
export function fitToTokens(body: string, budget: number, counter: TokenCounter, ids: readonly number[], closeBlocks: boolean): string | undefined {
  if (budget < 1) throw new Error(`token budget must be ≥ 1, got ${budget}`);
  const textAt = (end: number) => {
    const text = body.slice(0, end).trim();
    return closeBlocks ? closed(text) : text;
  };
  const countAt = (end: number) => {
    const text = textAt(end);
    return text ? counter.encode(text).length : 0;
  };
  let end = firstCut(body, budget, counter, ids, countAt);
  let count = countAt(end);
  // Back by words until at or under the budget, then forward until a step would pass it.
  while (count > budget && end > 0) count = countAt((end = stepBack(body, end)));
  while (count < budget && end < body.length) {
    const next = stepForward(body, end);
    const c = countAt(next);
    if (c > budget) break;
    [end, count] = [next, c];
  }
  if (count === budget) return textAt(end);
  // The last word step jumped over the budget (a word of several tokens, or a code block's closing
  // fence appearing): try each character position around the cut.
  for (let d = 1; d <= SCAN; d++) {
    for (const e of [end + d, end - d]) {
      if (e > 0 && e <= body.length && onCodePoint(body, e) === e && countAt(e) === budget) return textAt(e);
    }
  }
  return undefined;
}

/**
 * Where the decoded first `budget` ids end in `body` (within a token or two of the budget). A decoder may
 * drop spaces before punctuation (Llama 3's `clean_up_tokenization_spaces`: " '" → "'"), so the decoded
 * text is matched to the body skipping the spaces it lost; where it differs otherwise (a tokenizer that
 * normalizes), a binary search over character positions for the longest prefix within the budget.
 */
function firstCut(body: string, budget: number, counter: TokenCounter, ids: readonly number[], countAt: (end: number) => number): number {
  const decoded = counter.decode(ids.slice(0, budget)).replace(/\uFFFD+$/, '');
  const end = alignedEnd(body, decoded);
  if (end !== undefined) return end;
  let [lo, hi] = [0, body.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (countAt(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The end in `body` of `decoded`, a copy of its start that may lack some whitespace; undefined if it differs otherwise. */
function alignedEnd(body: string, decoded: string): number | undefined {
  let i = 0;
  for (const ch of decoded) {
    while (i < body.length && body.startsWith(ch, i) === false && isSpace(body[i])) i++;
    if (!body.startsWith(ch, i)) return undefined;
    i += ch.length;
  }
  return i;
}
