/**
 * Experiment 10 per kind of text: the libraries in paired rounds over the kind's never-repeated texts
 * (tokens/s, speedup over @huggingface/tokenizers), every library's ids on every one of those texts against
 * the reference (a library that differs keeps no speed figure there), a cold pass against a warm one (first
 * pass over never-seen passages / a repeat of them, paired per round), and how much memory a library keeps
 * after encoding many distinct passages (its cache).
 */
import type { LibraryId, LibraryTokenizer } from '../../common/assets/tokenizer-libraries.ts';
import { caveatsOf, crosses, fmt, withCi, type Finding } from '../../common/results/findings.ts';
import { pairedRow, roundOrder, runPairedRounds, variantRow, withRounds, type RoundsPlan, type Variant } from '../../common/measure/paired-rounds.ts';
import { hasFigure, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { mean } from '../../common/stats/stats.ts';
import { firstDifference, idsDifferenceText } from '../../common/assets/tokenizer-parity.ts';
import { preparedOf } from '../../common/assets/tokenizer-choice.ts';
import { directEncode, encodeCallOf, type EncodeCall } from '../../common/assets/tokenizers.ts';
import { inTurn } from './experiment-helpers.ts';

/**
 * The timed call of a library, over `prompts` in turn: its synchronous encode (every library but
 * native: the slice times the call, no promise), or native's promise (directEncode); `call` says which.
 */
export function encodeVariant(tokenizer: LibraryTokenizer, prompts: readonly string[]): { variant: Variant; call: EncodeCall } {
  const prepared = preparedOf(tokenizer);
  return { variant: { name: tokenizer.library, fn: inTurn(prompts, directEncode(prepared)) }, call: encodeCallOf(prepared) };
}

export interface KindLibrary {
  library: LibraryId;
  tokenizer: LibraryTokenizer;
  /** Why the library gets no speed figure whatever its ids on this kind (it differs on a checked adversarial text). */
  excluded?: string;
}

export interface KindPlan {
  rounds: RoundsPlan;
  seed: number;
  /** The library the speedups divide by. */
  baseline: LibraryId;
  /**
   * Cold vs warm: after one pass over `warmup` (other passages: the JIT is warm, the words of the cold
   * passages are not seen), each round draws `fresh(round)` never-seen passages; each library encodes them
   * once (cold) and again right after (warm), libraries in a seeded order per round.
   */
  coldWarm?: { rounds: number; warmup: readonly string[]; fresh: (round: number) => readonly string[] };
}

/** Memory kept after encoding `passage(0)` … `passage(n - 1)`, for each n of `checkpoints` (ascending). */
export interface GrowthPlan {
  checkpoints: readonly number[];
  passage: (index: number) => string;
  what: string;
}

type Encode = LibraryTokenizer['encode'];

/** "differs at token 517 of text 3/8: expected …, got …", or undefined when every text's ids are the reference's. */
async function firstDiffering(encode: Encode, texts: readonly string[], expected: readonly number[][]): Promise<string | undefined> {
  for (let i = 0; i < texts.length; i++) {
    const d = firstDifference(expected[i], await encode(texts[i]));
    if (!d.identical) return idsDifferenceText(d, `text ${i + 1}/${texts.length}`);
  }
  return undefined;
}

const gc = (globalThis as { gc?: (options?: { type: 'minor' }) => void }).gc;

/** V8 heap used + external memory (a WASM memory counts there), after a full collection when the process has --expose-gc. */
function memoryMb(): number {
  gc?.();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
}

async function pass(encode: Encode, texts: readonly string[]): Promise<number> {
  const start = performance.now();
  for (const text of texts) {
    const ids = encode(text);
    if (!Array.isArray(ids)) await ids;
  }
  return performance.now() - start;
}

/**
 * The rows of one kind of text (`text`, the rows' parameter) for every library. The timed calls walk
 * `texts` once, each library in the same order (warm-up calls first, then `minCalls` a slice; `sliceMs`
 * should be 0), so no library sees a text twice and every library of a round encodes the same texts:
 * the pool must hold warmupCalls + rounds × minCalls texts, or they repeat. A library's ids are checked on
 * every one of them after the timing (before, the check would warm its cache); one that differs keeps
 * only its `ids` row and an `encode` row saying where.
 */
export async function measureTextKind(text: string, texts: readonly string[], libraries: readonly KindLibrary[], reference: { encode: Encode }, plan: KindPlan, hooks: { signal?: AbortSignal; progress(message: string): void }): Promise<RowInput[]> {
  const rows: RowInput[] = [];
  const candidates = libraries.filter((l) => !l.excluded);
  const variants = candidates.map((t) => ({ ...t, ...encodeVariant(t.tokenizer, texts) }));
  const result = variants.length === 0 ? undefined : await runPairedRounds(variants.map((v) => v.variant), plan.rounds, plan.seed, { signal: hooks.signal, onRound: (d, n) => hooks.progress(`${text}: round ${d}/${n}`) });
  // The reference is one of the timed libraries: encoding the texts before the rounds would warm its cache.
  const expected = await Promise.all(texts.map(async (t) => Array.from(await reference.encode(t))));
  const counts = expected.map((ids) => ids.length);
  const tokens = Math.round(mean(counts));
  const timed: KindLibrary[] = [];
  for (const lib of libraries) {
    const params = { library: lib.library, text };
    const differs = await firstDiffering(lib.tokenizer.encode, texts, expected);
    rows.push(differs ? { params, metric: 'ids', unit: 'status', status: 'unsupported', error: differs } : { params, metric: 'ids', unit: 'status', status: 'ok', note: `identical to tokenizers (Rust) on all ${texts.length} timed texts` });
    const why = differs ? `${text}: ${differs}` : lib.excluded;
    if (why) rows.push({ params: { ...params, tokens }, metric: 'encode', unit: 'ms', status: 'unsupported', error: `${why}; no speed figure` });
    else timed.push(lib);
  }
  if (!result || timed.length === 0) return rows;
  // Per round: the tokens of the texts every library encoded in it, and each library's total time on them.
  const { warmupCalls, minCalls } = plan.rounds;
  const roundTokens = result.slices[timed[0].library].map((_, r) => counts.slice(warmupCalls + r * minCalls, warmupCalls + (r + 1) * minCalls).reduce((a, b) => a + b, 0));
  const roundMs = (library: LibraryId) => result.slices[library].map((calls) => calls.reduce((a, b) => a + b, 0));
  const timedBaseline = timed.some((t) => t.library === plan.baseline);
  for (const { library, tokenizer, call } of variants.filter((v) => timed.some((t) => t.library === v.library))) {
    const params = { library, text, tokens };
    const where = `${texts.length} distinct ${text} texts (${Math.min(...counts)}–${Math.max(...counts)} tokens, mean ${tokens}), each library in the same order, none twice`;
    rows.push(
      variantRow(result, library, 'encode', `encode of one of ${where}; timed: ${call}${tokenizer.offThread ? ', off the calling thread, async round trip included' : ''}`, params),
      pairedRow('tokens_per_s', 'tok/s', roundMs(library).map((ms, r) => (1000 * roundTokens[r]) / ms), "tokens of the round's texts / this library's time on them", params),
    );
    if (timedBaseline && library !== plan.baseline) {
      const base = roundMs(plan.baseline);
      rows.push(pairedRow('speedup_vs_hf', 'x', roundMs(library).map((ms, r) => base[r] / ms), "@huggingface/tokenizers' time on the round's texts / this library's on the same texts", params));
    }
  }
  if (plan.coldWarm) rows.push(...(await coldWarm(text, timed, plan.coldWarm, plan.seed, hooks)));
  return withRounds(rows, result);
}

async function coldWarm(text: string, libraries: readonly KindLibrary[], plan: NonNullable<KindPlan['coldWarm']>, seed: number, hooks: { signal?: AbortSignal; progress(message: string): void }): Promise<RowInput[]> {
  for (const { tokenizer } of libraries) await pass(tokenizer.encode, plan.warmup);
  const ratios = new Map<LibraryId, number[]>(libraries.map((l) => [l.library, []]));
  const byName = new Map(libraries.map((l) => [l.library as string, l]));
  let size = 0;
  for (let round = 0; round < plan.rounds && !hooks.signal?.aborted; round++) {
    const fresh = plan.fresh(round);
    size = fresh.length;
    for (const name of roundOrder([...byName.keys()], seed ^ 0xc01d, round)) {
      const { library, tokenizer } = byName.get(name)!;
      gc?.({ type: 'minor' });
      const cold = await pass(tokenizer.encode, fresh);
      gc?.({ type: 'minor' });
      const warm = await pass(tokenizer.encode, fresh);
      ratios.get(library)!.push(cold / warm);
    }
    hooks.progress(`${text}: cold/warm round ${round + 1}/${plan.rounds}`);
  }
  return libraries.map(({ library }) =>
    pairedRow('cold_warm', 'x', ratios.get(library)!, `time of a first pass over ${size} never-seen ${text} passages / a repeat of the same passages right after (after a warm-up pass over ${plan.warmup.length} other passages), paired in each round`, { library, text }),
  );
}

/** `cache_memory` rows of each library (`passages`: the checkpoint), one library after another. */
export async function cacheGrowth(text: string, libraries: readonly KindLibrary[], plan: GrowthPlan, hooks: { progress(message: string): void }): Promise<RowInput[]> {
  const rows: RowInput[] = [];
  // Each library starts from the memory the previous one left: one full collection per checkpoint.
  let before = memoryMb();
  for (const { library, tokenizer } of libraries) {
    let done = 0;
    let now = before;
    for (const n of plan.checkpoints) {
      for (; done < n; done++) {
        const ids = tokenizer.encode(plan.passage(done));
        if (!Array.isArray(ids)) await ids;
      }
      now = memoryMb();
      rows.push({ params: { library, text, passages: n }, metric: 'cache_memory', unit: 'MB', value: now - before, signed: true, note: `V8 heap used + external memory (WASM counts there; native's Rust memory does not) after encoding ${n} distinct ${plan.what} minus before (after a full GC)` });
    }
    before = now;
    hooks.progress(`${text}: ${library} memory after ${done} passages`);
  }
  return rows;
}

/** Tokens per second as the issue's tables write them: 2.80M, 700k. */
const rate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${fmt(x / 1e3)}k` : fmt(x));

/** Rows of the per-kind points: those with a `text` that is a kind (not a checked adversarial text's name). */
const ofKind = (rows: readonly ResultRow[], model: string, metric: string) => rows.filter((r) => r.model === model && r.metric === metric && r.text !== '' && r.text !== undefined && hasFigure(r.status));

/**
 * Per model: the fastest identical library on each kind of text (paired speedup over
 * @huggingface/tokenizers), and whether the winner differs by kind; tokens/s on synthetic text against
 * each real kind, library by library; the cold/warm ratios; the memory kept after the most passages.
 */
export function kindFindings(rows: readonly ResultRow[], model: string, kinds: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const speedups = ofKind(rows, model, 'speedup_vs_hf');
  const order = (text: string) => (kinds.includes(text) ? kinds.indexOf(text) : kinds.length);
  const texts = [...new Set(speedups.map((r) => String(r.text)))].sort((a, b) => order(a) - order(b));
  const winners: { text: string; library: string }[] = [];
  const parts = texts.map((text) => {
    const best = speedups.filter((r) => r.text === text).reduce((b, r) => (Number(r.median) > Number(b.median) ? r : b));
    const perSecond = rows.find((r) => r.model === model && r.metric === 'tokens_per_s' && r.text === text && r.library === best.library);
    if (crosses(best, 1)) return `${text}: none measurably faster than @huggingface/tokenizers (best ${best.library} ${withCi(best)})`;
    if (Number(best.median) < 1) {
      winners.push({ text, library: 'hf' });
      return `${text}: @huggingface/tokenizers itself (the next, ${best.library}, ${withCi(best)})`;
    }
    winners.push({ text, library: String(best.library) });
    return `${text}: ${best.library} ${withCi(best)}${perSecond ? ` (${rate(Number(perSecond.median))} tokens/s)` : ''}`;
  });
  if (parts.length > 0) {
    const distinct = [...new Set(winners.map((w) => w.library))];
    const verdict = distinct.length > 1 ? ` The winner differs by kind of text: ${distinct.map((l) => `${l} on ${winners.filter((w) => w.library === l).map((w) => w.text).join(', ')}`).join('; ')}.` : distinct.length === 1 ? ` The same library wins on every kind measured: ${distinct[0]}.` : '';
    const rows_ = speedups.filter((r) => winners.some((w) => w.text === r.text && w.library === r.library));
    findings.push({ id: `fastest-by-text-${model}`, chart: 'tokens-per-s', caveats: caveatsOf(rows_), text: `${model}, the fastest identical library per kind of text (speedup over @huggingface/tokenizers, paired per round): ${parts.join('; ')}.${verdict}` });
  }
  const rates = ofKind(rows, model, 'tokens_per_s');
  const synthetic = rates.filter((r) => r.text === 'synthetic');
  const real = texts.filter((t) => t !== 'synthetic' && !t.startsWith('chats:'));
  if (synthetic.length > 0 && real.length > 0) {
    const lines = synthetic.flatMap((s) => {
      const others = real.map((text) => rates.find((r) => r.text === text && r.library === s.library)).filter((r) => r !== undefined);
      if (others.length === 0) return [];
      return [`${s.library} ${rate(Number(s.median))} on synthetic → ${others.map((r) => `${r.text} ${rate(Number(r.median))} (×${(Number(r.median) / Number(s.median)).toFixed(2)})`).join(', ')}`];
    });
    if (lines.length > 0) findings.push({ id: `synthetic-vs-real-${model}`, chart: 'tokens-per-s', caveats: caveatsOf(synthetic), text: `${model}, tokens/s on the suite's synthetic text against real text, in the same processes (each library's figure per kind; ×: real / synthetic): ${lines.join('; ')}.` });
  }
  const cold = ofKind(rows, model, 'cold_warm');
  if (cold.length > 0) {
    const byText = [...new Set(cold.map((r) => String(r.text)))].sort((a, b) => order(a) - order(b));
    const text = byText.map((t) => `${t}: ${cold.filter((r) => r.text === t).map((r) => `${r.library} ${withCi(r)}`).join(', ')}`).join('; ');
    findings.push({ id: `cold-warm-${model}`, chart: 'tokens-per-s', caveats: caveatsOf(cold), text: `${model}, a first pass over never-seen passages against a repeat of them (cold / warm time, paired per round; 1× = no cache effect): ${text}.` });
  }
  const memory = ofKind(rows, model, 'cache_memory');
  if (memory.length > 0) {
    const most = Math.max(...memory.map((r) => Number(r.passages)));
    const least = Math.min(...memory.map((r) => Number(r.passages)));
    const byText = [...new Set(memory.map((r) => String(r.text)))].sort((a, b) => order(a) - order(b));
    const text = byText.map((t) => {
      const libs = memory.filter((r) => r.text === t && Number(r.passages) === most);
      return `${t}: ${libs.map((r) => {
        const first = memory.find((x) => x.text === t && x.library === r.library && Number(x.passages) === least);
        return `${r.library} ${fmt(Number(r.median))} MB${first && least !== most ? ` (${fmt(Number(first.median))} after ${least})` : ''}`;
      }).join(', ')}`;
    });
    findings.push({ id: `cache-memory-${model}`, chart: 'tokens-per-s', caveats: [], text: `${model}, memory a library keeps after encoding ${most} distinct passages (V8 heap + external, after a full GC; a figure still growing from ${least} to ${most} passages is a cache without a bound, a leak in a long-running gateway): ${text.join('; ')}.` });
  }
  return findings;
}
