/**
 * Which engines and tokenizer libraries may enter experiment 11, decided on the very batch it measures:
 * an engine only if it renders every chat of the batch identically to the reference (@huggingface/jinja),
 * a library only if its ids equal the Rust tokenizer's on every rendered prompt. Of the identical
 * libraries, a short interleaved screen keeps the fastest few (each pipeline costs a pool and a slice per
 * round); @huggingface/tokenizers (`js`) always stays, as half of the transformers.js default.
 */
import type { PreparedTokenizer } from '../../../common/assets/tokenizers.ts';
import type { TokenizerChoice } from '../../../common/assets/tokenizer-choice.ts';
import { firstDifference } from '../../../common/assets/tokenizer-parity.ts';
import { median } from '../../../common/stats/stats.ts';
import { describeDifference } from '../../../common/templates/engines.ts';

/** A library as loaded for the screen, or why it could not load the model's vocabulary. */
export type Loaded = { choice: TokenizerChoice; tokenizer: PreparedTokenizer } | { choice: TokenizerChoice; reason: string };

export interface Screened {
  choice: TokenizerChoice;
  /** Why the library is out (ids differ, cannot load), or undefined when its ids are identical. */
  excluded?: string;
  /** Tokens per second in the screen (identical libraries only). */
  tokensPerS?: number;
}

/** Each library's ids against the reference's on every prompt; the identical ones timed in interleaved rounds. */
export async function screenLibraries(loaded: readonly Loaded[], reference: Pick<PreparedTokenizer, 'encode'>, prompts: readonly string[], rounds = 3): Promise<Screened[]> {
  const screened: Screened[] = [];
  const identical: { choice: TokenizerChoice; tokenizer: PreparedTokenizer; ms: number[] }[] = [];
  const expected = await Promise.all(prompts.map((p) => reference.encode(p)));
  for (const lib of loaded) {
    if ('reason' in lib) {
      screened.push({ choice: lib.choice, excluded: `cannot load the vocabulary: ${lib.reason}` });
      continue;
    }
    let excluded: string | undefined;
    for (const [i, text] of prompts.entries()) {
      const verdict = firstDifference(expected[i], await lib.tokenizer.encode(text));
      if (!verdict.identical) {
        excluded = `ids differ from the reference at token ${verdict.position} of prompt ${i + 1} of ${prompts.length} (${verdict.expected.join(',')} expected, ${verdict.actual.join(',')} given)`;
        break;
      }
    }
    if (excluded) screened.push({ choice: lib.choice, excluded });
    else identical.push({ choice: lib.choice, tokenizer: lib.tokenizer, ms: [] });
  }
  const tokens = expected.reduce((n, ids) => n + ids.length, 0);
  for (let r = 0; r < rounds; r++) {
    for (const lib of r % 2 ? [...identical].reverse() : identical) {
      const start = performance.now();
      for (const p of prompts) await lib.tokenizer.encode(p);
      lib.ms.push(performance.now() - start);
    }
  }
  for (const lib of identical) {
    screened.push({ choice: lib.choice, tokensPerS: (tokens * 1000) / median(lib.ms) });
  }
  return screened;
}

/** The `keep` fastest identical libraries, and `js` whatever its speed (the default's tokenizer). */
export function fastestLibraries(screened: readonly Screened[], keep: number): TokenizerChoice[] {
  const ranked = screened.filter((s) => s.tokensPerS !== undefined).sort((a, b) => b.tokensPerS! - a.tokensPerS!);
  const kept = ranked.slice(0, keep).map((s) => s.choice);
  return ranked.some((s) => s.choice === 'js') && !kept.includes('js') ? [...kept, 'js'] : kept;
}

/** Milliseconds per pass of `fn` over its work: the median of `passes` (odd) passes, the callers' passes interleaved. */
export function interleavedMs(fns: readonly (() => void)[], passes = 3): number[] {
  const ms: number[][] = fns.map(() => []);
  for (let r = 0; r < passes; r++) {
    for (const i of fns.keys()) {
      const k = r % 2 ? fns.length - 1 - i : i;
      const start = performance.now();
      fns[k]();
      ms[k].push(performance.now() - start);
    }
  }
  return ms.map(median);
}

/** Undefined when `render` gives the reference's text for every chat, else where it first differs. */
export function sameRendering(reference: readonly string[], rendered: readonly string[]): string | undefined {
  for (const [i, text] of reference.entries()) {
    if (rendered[i] !== text) return `chat ${i + 1}: ${describeDifference(text, rendered[i])}`;
  }
  return undefined;
}
