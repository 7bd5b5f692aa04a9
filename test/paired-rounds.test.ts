/** Paired rounds (common/measure/paired-rounds.ts) and the statistics a paired ratio gets over processes. */
import { describe, expect, it } from 'vitest';
import { pairedRow, perRound, roundOrder, runPairedRounds, type RoundsResult } from '../common/measure/paired-rounds.ts';
import { combineReplicates } from '../common/results/replicates.ts';
import { logTInterval, unpairedLogRatio } from '../common/stats/replicate-stats.ts';
import { createRng } from '../common/stats/rng.ts';
import { median, summarize } from '../common/stats/stats.ts';

/** Standard normal draws (Box–Muller) from the project's seeded PRNG. */
function normals(seed: number) {
  const rng = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * One process of a two-level model: variant A costs `ratio` × B's time. The process runs at a speed of
 * its own, every round at a speed shared by both variants (the machine's drift), every call with noise of
 * its own; and the process's true ratio differs a little from the run's (what pairing cannot remove).
 */
function simulatedProcess(z: () => number, ratio: number, rounds: number): RoundsResult {
  const process = Math.exp(0.25 * z());
  const processRatio = ratio * Math.exp(0.02 * z());
  const slices: Record<string, number[][]> = { A: [], B: [] };
  for (let r = 0; r < rounds; r++) {
    const machine = process * Math.exp(0.3 * z());
    const calls = (base: number) => Array.from({ length: 5 }, () => base * machine * Math.exp(0.1 * z()));
    slices.A.push(calls(processRatio));
    slices.B.push(calls(1));
  }
  return { seed: 0, order: [], slices, warmup: {}, gcBetweenSlices: false };
}

describe('paired rounds', () => {
  it('a paired ratio covers the truth at 95% ± 3% over 1000 simulated runs, at least 3× narrower than the unpaired ratio of the same data', () => {
    const z = normals(2026);
    const [truth, processes, rounds, trials] = [2, 5, 20, 1000];
    let covered = 0;
    const widths = { paired: [] as number[], unpaired: [] as number[] };
    for (let t = 0; t < trials; t++) {
      const results = Array.from({ length: processes }, () => simulatedProcess(z, truth, rounds));
      const paired = combineReplicates(results.map((r, replicate) => ({ replicate, row: pairedRow('ratio', 'x', perRound(r, ['A', 'B'], (a, b) => a / b), 'A / B') })))[0].summary!;
      if (paired.ciLow <= truth && truth <= paired.ciHigh) covered++;
      widths.paired.push(Math.log(paired.ciHigh / paired.ciLow));
      // The same data without pairing: each variant's own figure over processes, then their ratio.
      const own = (name: string) => combineReplicates(results.map((r, replicate) => ({ replicate, row: { metric: name, unit: 'ms', summary: summarize(r.slices[name].flat()), samples: r.slices[name].flat() } })))[0].summary!;
      const [a, b] = [own('A'), own('B')];
      const unpaired = unpairedLogRatio({ center: a.median, low: a.ciLow, high: a.ciHigh, runs: processes }, { center: b.median, low: b.ciLow, high: b.ciHigh, runs: processes });
      widths.unpaired.push(Math.log(unpaired.high / unpaired.low));
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.92);
    expect(covered / trials).toBeLessThanOrEqual(0.98);
    expect(median(widths.unpaired) / median(widths.paired)).toBeGreaterThanOrEqual(3);
  });

  it('round order is seeded: the same seed replays the same orders, each a permutation, and another seed differs', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const variants = names.map((name) => ({ name, fn: () => undefined }));
    const plan = { rounds: 6, sliceMs: 0, minCalls: 1, warmupMs: 0, warmupCalls: 1 };
    const first = await runPairedRounds(variants, plan, 42);
    const again = await runPairedRounds(variants, plan, 42);
    expect(again.order).toEqual(first.order);
    expect(first.order).toEqual(Array.from({ length: 6 }, (_, r) => roundOrder(names, 42, r)));
    for (const order of first.order) expect([...order].sort()).toEqual(names);
    expect(new Set(first.order.map((o) => o.join())).size).toBeGreaterThan(1);
    expect((await runPairedRounds(variants, plan, 43)).order).not.toEqual(first.order);
  });

  it('runs every variant once per round, in the round order, and keeps every call of its slice', async () => {
    const calls: string[] = [];
    const variants = ['x', 'y', 'z'].map((name) => ({ name, fn: () => void calls.push(name) }));
    const result = await runPairedRounds(variants, { rounds: 4, sliceMs: 0, minCalls: 2, warmupMs: 0, warmupCalls: 3 }, 7);
    // Three warm-up passes of one call each, then per round two calls per variant in the round's order.
    expect(calls.slice(9)).toEqual(result.order.flatMap((order) => order.flatMap((name) => [name, name])));
    expect(Object.fromEntries(Object.entries(result.warmup).map(([k, w]) => [k, w.n]))).toEqual({ x: 3, y: 3, z: 3 });
    for (const name of ['x', 'y', 'z']) expect(result.slices[name].map((s) => s.length)).toEqual([2, 2, 2, 2]);
  });

  it('calls a sync variant back to back (no microtask runs between its calls) and awaits an async one', async () => {
    let microtasks = 0;
    const seen: Record<string, number[]> = { sync: [], async: [] };
    const call = (name: string) => {
      seen[name].push(microtasks);
      queueMicrotask(() => microtasks++);
    };
    const variants = [
      { name: 'sync', fn: () => call('sync') },
      { name: 'async', fn: async () => call('async') },
    ];
    await runPairedRounds(variants, { rounds: 1, sliceMs: 0, minCalls: 3, warmupMs: 0, warmupCalls: 1 }, 1);
    const [s, a] = [seen.sync.slice(1), seen.async.slice(1)];
    expect(s).toEqual([s[0], s[0], s[0]]);
    expect(a[1] - a[0]).toBeGreaterThan(0);
    expect(a[2] - a[1]).toBeGreaterThan(0);
  });

  it('perRound takes f of the variants\' slice medians round by round', () => {
    const result: RoundsResult = { seed: 0, order: [], slices: { a: [[4, 2, 9], [10]], b: [[1, 2, 3], [5, 5]] }, warmup: {}, gcBetweenSlices: false };
    expect(perRound(result, ['a', 'b'], (a, b) => a / b)).toEqual([4 / 2, 10 / 5]);
  });
});

describe('log-scale intervals', () => {
  it('never go below 0, and mirror under ÷: the interval of 1/x is 1 over the interval of x', () => {
    const spread = [0.01, 5, 100];
    const t = logTInterval(spread);
    expect(t.low).toBeGreaterThan(0);
    expect(t.center).toBeCloseTo(Math.cbrt(5), 12);
    const inverse = logTInterval(spread.map((x) => 1 / x));
    expect(inverse.low * t.high).toBeCloseTo(1, 12);
    expect(inverse.high * t.low).toBeCloseTo(1, 12);
    // exp(mean log ± t(0.975, 2)·sd(log)/√3)
    const logs = spread.map(Math.log);
    const m = logs.reduce((s, x) => s + x, 0) / 3;
    const sd = Math.sqrt(logs.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
    expect(t.high / Math.exp(m + (4.302652729749462 * sd) / Math.sqrt(3))).toBeCloseTo(1, 12);
  });
});
