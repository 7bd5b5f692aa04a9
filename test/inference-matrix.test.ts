/**
 * Inference points are reproducible: the parent builds the matrix and each child process rebuilds it
 * (matching labels only), so two calls with the same options must give identical points — nothing random
 * in them. What keeps prompts fresh for a server cache (processTag) comes from the options in run().
 */
import { describe, expect, it } from 'vitest';
import { checkedParams } from '../common/results/results.ts';
import { latency } from '../experiments/inference/05-latency.ts';
import { gateway } from '../experiments/inference/06-gateway.ts';
import { prefix, prefixPrompts } from '../experiments/inference/07-prefix.ts';
import { goodput } from '../experiments/inference/09-goodput.ts';
import { inferenceCli } from '../suites/inference/cli.ts';
import { processTag } from '../suites/inference/experiment-helpers.ts';
import type { RunOptions } from '../suites/types.ts';

function options(seed: number, runDir = '/tmp/runs/2026-01-01T00-00-00Z', replicate?: number): RunOptions {
  const inference = inferenceCli.resolve({ gateway: ['main', 'pool', 'process'], search: 'goodput', slo: 'ttft=200,tpot=50' }, { quick: true });
  return { quick: true, seed, replicate, plan: {} as RunOptions['plan'], runDir, signal: new AbortController().signal, progress: () => {}, suites: { inference } };
}

describe('inference matrices', () => {
  it.each([latency, gateway, prefix, goodput].map((e) => [e.id, e] as const))('experiment %i: two calls of matrix(options) give deep-equal points', async (_, experiment) => {
    const [a, b] = [await experiment.matrix(options(7)), await experiment.matrix(options(7))];
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it("experiment 6's markers come from the seed and the point: distinct per point, another seed gives others", async () => {
    const markers = (seed: number) => (gateway.matrix(options(seed)) as { marker: string }[]).map((p) => p.marker);
    expect(new Set(markers(7)).size).toBe(markers(7).length);
    expect(markers(8).filter((m) => markers(7).includes(m))).toEqual([]);
  });

  it("experiment 6's point parameters: the baseline is a mode without strategy, engine, tokenizer or workers; the others preprocess with a strategy", () => {
    const points = gateway.matrix(options(7)) as Parameters<NonNullable<typeof gateway.coordinates>>[0][];
    const params = points.map((p) => gateway.coordinates!(p));
    const pipeline = { template: 'llama3.1', engine: 'jinja', tokenizer: 'js', turns: 100, tokens: 2000 };
    const expected = [1, 4].flatMap((concurrency) => [
      { target: 'embedded', model: undefined, template: 'llama3.1', engine: undefined, tokenizer: undefined, mode: 'baseline', strategy: undefined, workers: undefined, turns: 100, tokens: 2000, concurrency },
      ...['main', 'pool', 'process'].map((strategy) => ({ target: 'embedded', model: undefined, ...pipeline, mode: 'preprocess', strategy, workers: 1, concurrency })),
    ]);
    expect(params).toStrictEqual(expected);
    // Every parameter is declared, so each has its results.csv column.
    for (const p of params) expect(Object.keys(checkedParams({ params: p, metric: 'ttft', unit: 'ms' }, gateway.params))).toEqual(Object.keys(p).filter((k) => p[k] !== undefined));
  });

  it('the process tag names the run folder and the replicate; unique prompts follow it and nothing else', () => {
    expect(processTag(options(7, '/x/2026-01-01T00-00-00Z', 2))).toBe('2026-01-01T00-00-00Z.2');
    const unique = (tag: string) => prefixPrompts('unique', 4, 7, true, tag);
    expect(unique('run-a.0')).toEqual(unique('run-a.0'));
    const [a, b] = [unique('run-a.0'), unique('run-a.1')];
    // Another process: every prompt differs right after BOS; all keep one length.
    a.forEach((p, i) => expect(p[1]).not.toBe(b[i][1]));
    expect(new Set([...a, ...b].map((p) => p.length)).size).toBe(1);
  });
});
