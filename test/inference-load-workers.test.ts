/**
 * Load workers against the mock server: the same seeded schedule run by this thread (a RequestPlan
 * in-process) and by 2 worker threads issues the same requests, returns them merged by index with every
 * time on this thread's clock, keeps a closed loop's concurrency and an open loop's in-flight cap over all
 * workers together, and respects the mock's fixed delays in both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, type LoadResult } from '../suites/inference/load.ts';
import { startLoadWorkers } from '../suites/inference/load-workers.ts';
import { requestMetrics } from '../suites/inference/metrics.ts';
import { startMockServer, type MockServer } from '../suites/inference/mock-server.ts';
import type { RequestPlan } from '../suites/inference/request-plan.ts';

const TTFT = 30;
const ITL = 3;
const TOKENS = 6;
let mock: MockServer;
let plan: RequestPlan;

beforeAll(async () => {
  mock = await startMockServer({ ttftMs: TTFT, itlMs: ITL });
  plan = {
    client: 'fetch',
    baseURL: mock.baseURL,
    model: mock.model,
    prompts: ['alpha', 'beta', 'gamma'].map((w) => ({ messages: [{ role: 'user', content: `say ${w}` }] })),
    maxTokens: TOKENS,
    ignoreEos: true,
    timeoutMs: 60_000,
  };
});
afterAll(() => mock.close());

/** The most records whose [start, end] overlap at one instant. */
function maxOverlap(out: LoadResult): number {
  const edges = out.records.flatMap((r) => [[r.start, 1] as const, [r.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d));
  return peak;
}

describe('load workers', () => {
  it('1 and 2 workers follow one seeded schedule: same requests, merged by index, on this thread\'s clock, mock\'s delays respected', async () => {
    const spec = { rate: 20, seed: 5, requests: 24, durationMs: 600_000, warmup: 2 };
    const results: LoadResult[] = [];
    for (const loadWorkers of [1, 2]) {
      const before = performance.now();
      const out = await runLoad(plan, { ...spec, loadWorkers });
      const after = performance.now();
      expect(out.loadWorkers).toBe(loadWorkers);
      expect(out.skipped).toBe(0);
      expect(out.records.map((r) => r.index)).toEqual([...Array(24).keys()]);
      expect(out.sends.map((s) => s.index)).toEqual([...Array(24).keys()]);
      for (const [i, r] of out.records.entries()) {
        expect(r.error, `request ${i}`).toBeUndefined();
        expect(r.chunkTimes).toHaveLength(TOKENS);
        // One clock: the worker's times fall inside this thread's window, after the request was sent.
        expect(r.start).toBeGreaterThanOrEqual(out.sends[i].sent);
        expect(r.start).toBeGreaterThan(before);
        expect(r.end).toBeLessThan(after);
      }
      expect(out.lag.n).toBe(24);
      expect(out.loopDelay.count).toBeGreaterThan(0);
      results.push(out);
    }
    // Both issued request i at the same offset from their start (the shared schedule).
    const offsets = results.map((out) => out.sends.map((s) => s.due - out.sends[0].due));
    offsets[1].forEach((d, i) => expect(d).toBeCloseTo(offsets[0][i], 6));
    // The mock waits TTFT before the first token and ITL between tokens (its timers fire at most 1 ms early):
    // no request can see its first token or its end sooner, nor its first token before the mock's own
    // timed wait (timings.prompt_ms) elapsed — causal bounds, whatever the machine's load (a per-request
    // TPOT floor would not be one: a first chunk read late shortens it). Latencies of the two runs are not
    // compared with each other: on a busy machine nothing bounds their difference.
    for (const out of results) {
      for (const r of out.records) {
        const m = requestMetrics(r)!;
        expect(m.ttft).toBeGreaterThanOrEqual(Math.max(TTFT - 1, r.timings!.prompt_ms!));
        expect(m.e2e).toBeGreaterThanOrEqual(TTFT - 1 + (TOKENS - 1) * (ITL - 1));
      }
    }
    // The same requests in both: request i carried the same prompt (its token count) and got the same answer.
    const answers = results.map((out) => out.records.map((r) => [r.index, r.usage?.prompt_tokens, r.chunkTimes.length, r.text]));
    expect(answers[1]).toEqual(answers[0]);
    // Request i carries prompt i mod 3: the 2-worker run's 24 measured requests are 8 of each.
    expect(mock.requests).toHaveLength(2 * 26);
    const said = mock.requests.slice(-24).map((b) => b.messages[0].content as string);
    expect(['say alpha', 'say beta', 'say gamma'].map((p) => said.filter((s) => s === p).length)).toEqual([8, 8, 8]);
  });

  it('closed loop over 2 workers: exactly the requested count, never more in flight than the concurrency', async () => {
    const out = await runLoad(plan, { concurrency: 3, seed: 1, requests: 13, durationMs: 600_000, warmup: 0, loadWorkers: 2 });
    expect(out.records.map((r) => r.index)).toEqual([...Array(13).keys()]);
    expect(out.records.every((r) => !r.error)).toBe(true);
    expect(maxOverlap(out)).toBeLessThanOrEqual(3);
  });

  it('an in-flight cap holds over all workers together', async () => {
    const out = await runLoad(plan, { rate: 1000, concurrency: 2, seed: 2, requests: 12, durationMs: 600_000, warmup: 0, loadWorkers: 3 });
    expect(out.records.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(maxOverlap(out)).toBeLessThanOrEqual(2);
  });

  it('an abort ends a worker run; what was not issued is skipped', async () => {
    const controller = new AbortController();
    const seen = mock.requests.length;
    const run = runLoad(plan, { rate: 10, seed: 3, requests: 200, durationMs: 600_000, warmup: 0, loadWorkers: 2 }, controller.signal);
    // Aborted once the workers have issued 3 requests (the run would take 20 s).
    while (mock.requests.length < seen + 3) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    const out = await run;
    expect(out.records.length).toBeGreaterThanOrEqual(3);
    expect(out.records.length).toBeLessThan(200);
    expect(out.skipped).toBe(200 - out.records.length);
  });

  it('a pool serves several runs and stays open; its size must match the run\'s', async () => {
    const pool = await startLoadWorkers(2);
    try {
      for (const seed of [1, 2]) {
        const out = await runLoad(plan, { rate: 50, seed, requests: 6, durationMs: 600_000, warmup: 1, loadWorkers: 2 }, undefined, pool);
        expect(out.records.map((r) => [r.index, r.error])).toEqual([...Array(6).keys()].map((i) => [i, undefined]));
      }
      await expect(runLoad(plan, { rate: 50, seed: 1, requests: 6, durationMs: 600_000, warmup: 0, loadWorkers: 3 }, undefined, pool)).rejects.toThrow('the load worker pool has 2 workers, the run asks for 3');
    } finally {
      await pool.close();
    }
  });

  it('workers need the requests as data', async () => {
    await expect(runLoad(async () => ({ start: 0, chunkTimes: [], end: 0, text: '' }), { rate: 1, seed: 1, requests: 1, durationMs: 1000, warmup: 0, loadWorkers: 2 })).rejects.toThrow(
      'load workers need the requests as a RequestPlan (data), not a send function',
    );
    await expect(runLoad(plan, { rate: 1, seed: 1, requests: 1, durationMs: 1000, warmup: 0, loadWorkers: 1.5 })).rejects.toThrow('load workers must be an integer ≥ 1, got 1.5');
  });
});
