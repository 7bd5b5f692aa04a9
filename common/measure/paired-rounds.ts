/**
 * Paired rounds: the variants a finding compares (engines, tokenizers, strategies, chat lengths) run
 * inside one process in R rounds; each round runs every variant for one short slice, in a fresh seeded
 * random order. A machine that changes speed during the process (these shared machines flip between
 * states ≈1.6× apart) then slows every variant of a round alike, and a ratio taken within each round
 * cancels it — Google Benchmark's random interleaving, zenbench's paired rounds.
 *
 * Before a slice the young generation is collected when the process runs with --expose-gc (as mitata
 * collects between benchmarks), so most of one variant's garbage is not paid inside the next variant's
 * slice; what reaches the old generation is spread over all variants by the shuffled order. A full
 * collection would cost ≈270 ms with a tokenizer's vocabulary on the heap; a minor one ≈0.6 ms.
 */
import { deriveSeed, shuffle } from '../stats/rng.ts';
import type { RoundsRecord, RowInput, Warmup } from '../results/results.ts';
import type { RunOptions } from './run-options.ts';
import { median, summarize } from '../stats/stats.ts';

export interface Variant {
  name: string;
  /** One call: what a sample times (awaited only when it returns a promise, so a sync call pays no microtask hop). */
  fn: () => unknown;
  /** Called just before and after each of the variant's slices (outside the timed calls), e.g. to meter a window. */
  enter?(): void;
  leave?(): void;
}

export interface RoundsPlan {
  rounds: number;
  /** Minimum time of one variant's slice in a round, ms (calls continue until it and `minCalls` are met). */
  sliceMs: number;
  minCalls: number;
  /** Warm-up before the first round: every variant at least `warmupCalls` calls, all of them together at least `warmupMs`. */
  warmupMs: number;
  warmupCalls: number;
}

export interface RoundsResult {
  /** The seed the round orders came from. */
  seed: number;
  /** Variant names in the order each round ran them. */
  order: string[][];
  /** Per variant: per round, the duration in ms of every call of its slice. */
  slices: Record<string, number[][]>;
  warmup: Record<string, Warmup>;
  /** Whether the young generation was collected before every slice (the process has --expose-gc). */
  gcBetweenSlices: boolean;
}

/** The order of round `round`: a Fisher–Yates shuffle seeded by (seed, round); the same inputs give the same order. */
export function roundOrder(names: readonly string[], seed: number, round: number): string[] {
  return shuffle(names, deriveSeed(seed, round));
}

const gc = (globalThis as { gc?: (options: { type: 'minor' }) => void }).gc;
const collectGarbage = gc ? () => gc({ type: 'minor' }) : undefined;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | undefined)?.then === 'function';
}

async function slice(fn: () => unknown, minMs: number, minCalls: number): Promise<number[]> {
  const times: number[] = [];
  const t0 = performance.now();
  while (times.length < minCalls || performance.now() - t0 < minMs) {
    const start = performance.now();
    const out = fn();
    if (isThenable(out)) await out;
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Warm-up in passes that call every variant once, in a seeded order, until each has had `warmupCalls`
 * calls and the passes together have lasted `warmupMs`: the variants share their code (one engine, one
 * tokenizer, one pool), so they tier up together, and a variant gets as many calls as a pass has room for.
 */
async function warmUpTogether(variants: readonly Variant[], plan: RoundsPlan, seed: number, signal?: AbortSignal): Promise<Record<string, Warmup>> {
  const warmup: Record<string, Warmup> = Object.fromEntries(variants.map((v) => [v.name, { n: 0, ms: 0 }]));
  const byName = new Map(variants.map((v) => [v.name, v]));
  const t0 = performance.now();
  for (let pass = 1; !signal?.aborted; pass++) {
    for (const name of roundOrder([...byName.keys()], seed, -pass)) {
      const start = performance.now();
      const out = byName.get(name)!.fn();
      if (isThenable(out)) await out;
      warmup[name] = { n: warmup[name].n + 1, ms: warmup[name].ms + performance.now() - start };
    }
    if (pass >= plan.warmupCalls && performance.now() - t0 >= plan.warmupMs) break;
  }
  return warmup;
}

/**
 * Warms the variants up together, then runs `plan.rounds` rounds. Stops after the current
 * round when `signal` aborts, with the rounds it has.
 */
export async function runPairedRounds(variants: readonly Variant[], plan: RoundsPlan, seed: number, hooks: { signal?: AbortSignal; onRound?(done: number, total: number): void } = {}): Promise<RoundsResult> {
  const names = variants.map((v) => v.name);
  if (names.length === 0) throw new Error('paired rounds need at least one variant');
  if (new Set(names).size !== names.length) throw new Error(`paired rounds need distinct variant names: ${names.join(', ')}`);
  const byName = new Map(variants.map((v) => [v.name, v]));
  const warmup = await warmUpTogether(variants, plan, seed, hooks.signal);
  const slices: Record<string, number[][]> = Object.fromEntries(names.map((n) => [n, []]));
  const order: string[][] = [];
  for (let round = 0; round < plan.rounds && !hooks.signal?.aborted; round++) {
    const names_ = roundOrder(names, seed, round);
    for (const name of names_) {
      const variant = byName.get(name)!;
      collectGarbage?.();
      variant.enter?.();
      slices[name].push(await slice(variant.fn, plan.sliceMs, plan.minCalls));
      variant.leave?.();
    }
    order.push(names_);
    hooks.onRound?.(round + 1, plan.rounds);
  }
  return { seed, order, slices, warmup, gcBetweenSlices: collectGarbage !== undefined };
}

/** The seed of a point's rounds: from the run's seed, the experiment, the point's own key and the process's replicate index. */
export function roundsSeed(options: Pick<RunOptions, 'seed' | 'replicate'>, experiment: number, salt = 0): number {
  return deriveSeed(options.seed, 4099, experiment, salt, options.replicate ?? 0);
}

/** The rows of a point with its rounds' seed and order on the first (the runner moves them to env.json). */
export function withRounds(rows: RowInput[], result: RoundsResult): RowInput[] {
  const record: RoundsRecord = { seed: result.seed, order: result.order, gcBetweenSlices: result.gcBetweenSlices };
  return rows.map((r, i) => (i === 0 ? { ...r, rounds: record } : r));
}

/** Every call's duration of a variant, over all rounds (the samples of its row). */
export function samplesOf(result: RoundsResult, name: string): number[] {
  return result.slices[name].flat();
}

/** A variant's figure in each round: the median call duration of its slice. */
export function roundFigures(result: RoundsResult, name: string): number[] {
  return result.slices[name].map(median);
}

/** `f` of the round figures of `names`, round by round: one paired figure per round (a ratio, a share). */
export function perRound(result: RoundsResult, names: readonly string[], f: (...figures: number[]) => number): number[] {
  const figures = names.map((n) => roundFigures(result, n));
  return figures[0].map((_, r) => f(...figures.map((fs) => fs[r])));
}

/**
 * The row of a paired figure (ratio, share, growth, speedup) in one process: its per-round values are the
 * samples, the figure is their median over rounds and the interval that median's order-statistic 95% CI.
 * The runner then combines processes (common/results/replicates.ts).
 */
export function pairedRow(metric: string, unit: string, perRoundValues: number[], note: string, params?: RowInput['params']): RowInput {
  // A % taken round by round is one variant's part of the round's whole (a stage's share): it stays inside 0–100.
  const percent = unit === '%' ? { percent: true } : {};
  return { params, metric, unit, summary: summarize(perRoundValues), samples: perRoundValues, note: `${note}; per round, median over ${perRoundValues.length} rounds`, ...percent };
}

/** A variant's measured row: every call of every round as samples, with the variant's warm-up. */
export function variantRow(result: RoundsResult, name: string, metric: string, note: string, params?: RowInput['params']): RowInput {
  const samples = samplesOf(result, name);
  return { params, metric, unit: 'ms', summary: summarize(samples), samples, warmup: result.warmup[name], note };
}
