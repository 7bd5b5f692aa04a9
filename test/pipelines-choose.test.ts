import { describe, expect, it } from 'vitest';
import { choosePipeline, paretoFront, parseTopsisWeights, topsis, type Candidate } from '../suites/preprocessing/pipelines/choose.ts';

const fig = (median: number, half = 0) => ({ median, low: median - half, high: median + half });
const pipeline = (label: string, threads: number, perCore: number, loop: number, half = 0, rssMb = 100): Candidate => ({ label, threads, perCore: fig(perCore, half), loopP99: fig(loop), rssMb });

describe('choosePipeline', () => {
  it('picks the highest requests/s per core among pipelines under the loop SLO', () => {
    const fast = pipeline('fast on main', 1, 300, 40);
    const pool = pipeline('pool×2', 3, 200, 2, 5);
    const slow = pipeline('slow pool×2', 3, 120, 1.5, 5);
    const choice = choosePipeline([fast, pool, slow], 10);
    expect(choice.winner).toBe(pool);
    expect(choice.overSlo).toEqual([fast]);
    expect(choice.runnerUp).toBe(slow);
    expect(choice.runnerUpCost).toBeCloseTo(0.4, 10);
  });

  it('breaks a tie inside the best interval by fewer threads', () => {
    const best = pipeline('pool×4', 5, 200, 2, 20);
    const tied = pipeline('pool×2', 3, 185, 3, 20);
    const outside = pipeline('pool×1', 2, 150, 3, 5);
    const choice = choosePipeline([best, tied, outside], 10);
    expect(choice.winner).toBe(tied);
    expect(choice.tiedWith).toEqual([best]);
    // The runner-up keeps the loop freer than the winner: best, at 2 ms against 3 ms, at a cost of −8%.
    expect(choice.runnerUp).toBe(best);
    expect(choice.runnerUpCost).toBeCloseTo(1 - 200 / 185, 10);
  });

  it('a pipeline at exactly the SLO is over it', () => {
    const choice = choosePipeline([pipeline('a', 1, 100, 10)], 10);
    expect(choice.winner).toBeUndefined();
    expect(choice.overSlo.map((c) => c.label)).toEqual(['a']);
  });

  it('says so when no pipeline meets the SLO', () => {
    const choice = choosePipeline([pipeline('a', 1, 100, 50), pipeline('b', 3, 90, 12)], 10);
    expect(choice).toEqual({ tiedWith: [], overSlo: [expect.objectContaining({ label: 'a' }), expect.objectContaining({ label: 'b' })] });
  });

  it('has no runner-up when no eligible pipeline keeps the loop freer than the winner', () => {
    const choice = choosePipeline([pipeline('a', 1, 100, 1), pipeline('b', 1, 90, 2)], 10);
    expect(choice.winner?.label).toBe('a');
    expect(choice.runnerUp).toBeUndefined();
  });
});

describe('paretoFront', () => {
  it('keeps the candidates no other beats on both axes', () => {
    const a = pipeline('a', 1, 300, 40);
    const b = pipeline('b', 3, 200, 2);
    const c = pipeline('c', 3, 150, 3); // dominated by b
    const d = pipeline('d', 3, 100, 1);
    expect(paretoFront([a, b, c, d]).map((x) => x.label)).toEqual(['a', 'b', 'd']);
  });
});

describe('topsis', () => {
  it('ranks a candidate best on every criterion first, with score 1, and the worst on every one last, with 0', () => {
    const good = pipeline('good', 1, 300, 1, 0, 50);
    const bad = pipeline('bad', 1, 100, 30, 0, 400);
    const mid = pipeline('mid', 1, 200, 10, 0, 200);
    const ranked = topsis([bad, mid, good]);
    expect(ranked.map((r) => r.candidate.label)).toEqual(['good', 'mid', 'bad']);
    expect(ranked[0].score).toBe(1);
    expect(ranked[2].score).toBe(0);
  });

  it('follows the weights: all weight on loop delay ranks by loop delay alone', () => {
    const fast = pipeline('fast', 1, 300, 20);
    const calm = pipeline('calm', 1, 100, 1);
    expect(topsis([fast, calm], { perCore: 0, loopP99: 1, rss: 0 }).map((r) => r.candidate.label)).toEqual(['calm', 'fast']);
    expect(topsis([fast, calm], { perCore: 1, loopP99: 0, rss: 0 }).map((r) => r.candidate.label)).toEqual(['fast', 'calm']);
  });

  it('parses weights and refuses bad ones with the expected form', () => {
    expect(parseTopsisWeights('0.6, 0.3,0.1')).toEqual({ perCore: 0.6, loopP99: 0.3, rss: 0.1 });
    for (const bad of ['1,2', '-1,1,1', '0,0,0', 'a,b,c']) expect(parseTopsisWeights(bad)).toMatch(/^--topsis-weights '.*': expected three non-negative numbers/);
  });
});
