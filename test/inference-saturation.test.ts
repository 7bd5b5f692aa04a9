/**
 * Client saturation: send lag from due and actual send times, its summary, the saturation rule at its
 * boundaries, and the lag and event-loop delay runLoad reports (fake clock where exact; a deliberately
 * blocked loop where the point is that the client fell behind — asserted as lower bounds the block
 * implies, which hold on any machine).
 */
import { describe, expect, it, vi } from 'vitest';
import { arrivalSchedule, runLoad, type LoadResult, type LoadSpec, type SendRequest } from '../suites/inference/load.ts';
import type { RequestRecord } from '../suites/inference/metrics.ts';
import { lagLimit, lagStats, saturationVerdict, sendLags } from '../suites/inference/saturation.ts';
import { ONE_THREAD_LOAD, SPREAD_LOAD, judgeClient, withClientVerdict } from '../suites/inference/client-rows.ts';

const record = (start: number): RequestRecord => ({ start, chunkTimes: [performance.now()], end: performance.now(), text: 'x' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A request that takes `ms`. */
const taking = (ms: number) => async () => {
  const start = performance.now();
  await sleep(ms);
  return record(start);
};

/** runLoad with setTimeout and performance.now on vitest's fake clock, run to the end; the real clock is restored. */
async function loadOnFakeClock(send: SendRequest, spec: LoadSpec): Promise<LoadResult> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  try {
    const run = runLoad(send, spec);
    await vi.runAllTimersAsync();
    return await run;
  } finally {
    vi.useRealTimers();
  }
}

describe('send lag', () => {
  it('is actual − due per request', () => {
    expect(sendLags([10, 20, 30.5, 40], [10, 23, 30.25, 52])).toEqual([0, 3, -0.25, 12]);
    expect(() => sendLags([1, 2], [1])).toThrow(/one actual time per due time, got 1 for 2/);
  });

  it('p50, p99 (interpolated) and max; zeros without requests', () => {
    // 0..100: type-7 quantiles land on the values themselves.
    const lags = Array.from({ length: 101 }, (_, i) => 100 - i);
    expect(lagStats(lags)).toEqual({ p50: 50, p99: 99, max: 100, n: 101 });
    expect(lagStats([4, 1])).toEqual({ p50: 2.5, p99: 1 + 3 * 0.99, max: 4, n: 2 });
    expect(lagStats([])).toEqual({ p50: 0, p99: 0, max: 0, n: 0 });
  });
});

describe('saturation rule: p99 > max(absMs, pct% × mean inter-arrival)', () => {
  const lag = (p99: number) => ({ p50: 0, p99, max: p99, n: 100 });

  it('open loop: the absolute floor at high rates, the share of the gap at low rates; at the limit is not saturated', () => {
    // 100/s: 10% of 10 ms = 1 ms < 5 ms → limit 5 ms.
    expect(lagLimit({ meanInterArrivalMs: 10 })).toBe(5);
    expect(saturationVerdict(lag(5), { meanInterArrivalMs: 10 }).saturated).toBe(false);
    expect(saturationVerdict(lag(5.001), { meanInterArrivalMs: 10 }).saturated).toBe(true);
    // 5/s: 10% of 200 ms = 20 ms > 5 ms → limit 20 ms.
    expect(lagLimit({ meanInterArrivalMs: 200 })).toBe(20);
    expect(saturationVerdict(lag(20), { meanInterArrivalMs: 200 }).saturated).toBe(false);
    expect(saturationVerdict(lag(20.001), { meanInterArrivalMs: 200 }).saturated).toBe(true);
    // Exactly where the two parts meet: 50 ms gaps → both 5 ms.
    expect(lagLimit({ meanInterArrivalMs: 50 })).toBe(5);
  });

  it('closed loop: the absolute part only', () => {
    expect(lagLimit({})).toBe(5);
    expect(saturationVerdict(lag(5), {}).saturated).toBe(false);
    expect(saturationVerdict(lag(5.001), {}).saturated).toBe(true);
  });

  it('configurable threshold', () => {
    const t = { absMs: 2, pct: 50 };
    expect(lagLimit({ meanInterArrivalMs: 10 }, t)).toBe(5);
    expect(lagLimit({ meanInterArrivalMs: 2 }, t)).toBe(2);
    expect(lagLimit({}, t)).toBe(2);
    expect(saturationVerdict(lag(4.9), { meanInterArrivalMs: 10 }, t).saturated).toBe(false);
    expect(saturationVerdict(lag(5.1), { meanInterArrivalMs: 10 }, t).saturated).toBe(true);
  });

  it('the reason carries the figures; nothing sent is not saturated', () => {
    const v = saturationVerdict({ p50: 1.5, p99: 12.25, max: 30, n: 200 }, { meanInterArrivalMs: 20 });
    expect(v).toEqual({
      saturated: true,
      reason:
        'client saturated: requests left later than scheduled (send lag p50 1.5 ms, p99 12.3 ms, max 30 ms over 200 requests; limit 5 ms = max(5 ms, 10% of the 20 ms mean inter-arrival time)); the load generator, not the server, limits this point',
    });
    expect(saturationVerdict({ p50: 0, p99: 0.5, max: 1, n: 3 }, {}).reason).toBe('client kept up (send lag p50 0 ms, p99 0.5 ms, max 1 ms over 3 requests; limit 5 ms (closed loop: absolute limit only))');
    expect(saturationVerdict(lagStats([]), {})).toEqual({ saturated: false, reason: 'no request was sent: no send lag to judge' });
  });
});

describe('the verdict a saturated point takes', () => {
  const lags = [1, 2, 40];
  const load = { lags, lag: lagStats(lags), loopDelay: { p99: 3, max: 5 }, loadWorkers: 1 } as unknown as LoadResult;
  const measured = [{ metric: 'ttft', unit: 'ms', value: 9 }, { metric: 'tpot', unit: 'ms', value: 1, status: 'error' as const, error: 'boom' }];

  it("ends with the experiment's remedy: more load workers only where --load-workers is read", () => {
    for (const remedy of [SPREAD_LOAD, ONE_THREAD_LOAD]) {
      const judgement = judgeClient(load, {}, { absMs: 5, pct: 10 }, {}, remedy);
      expect(judgement.saturated).toBe(true);
      expect(judgement.reason).toBe(`${saturationVerdict(load.lag, {}).reason} — ${remedy}`);
      expect(withClientVerdict(measured, judgement).map((r) => [r.status, r.error])).toEqual([['client_saturated', judgement.reason], ['error', 'boom']]);
    }
    expect(SPREAD_LOAD).toContain('--load-workers');
    expect(ONE_THREAD_LOAD).toBe('this experiment sends from one thread (it takes no --load-workers): measure it on a less busy machine or at a lower concurrency');
  });

  it('a client that kept up: the reason has no remedy and the rows keep their status', () => {
    const judgement = judgeClient({ ...load, lags: [1], lag: lagStats([1]) }, {}, { absMs: 5, pct: 10 }, {}, SPREAD_LOAD);
    expect(judgement.reason).toMatch(/^client kept up \(/);
    expect(withClientVerdict(measured, judgement)).toBe(measured);
  });
});

describe('runLoad records when each request was due and sent', () => {
  it('open loop: due at the scheduled time; fake timers fire at whole ms, so sent is the due time rounded down', async () => {
    const out = await loadOnFakeClock(taking(100), { rate: 200, seed: 7, requests: 8, durationMs: 10_000, warmup: 2 });
    const schedule = arrivalSchedule(8, 200, 7);
    const start = out.sends[0].due - schedule[0];
    expect(out.sends.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.records.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    out.sends.forEach((s, i) => {
      expect(s.due - start).toBeCloseTo(schedule[i], 9);
      expect(s.sent).toBe(start + Math.floor(schedule[i]));
    });
    expect(out.lag.n).toBe(8);
    expect(out.lag.max).toBeLessThanOrEqual(0);
    expect(out.loadWorkers).toBe(1);
  });

  it('open loop under an in-flight cap: a request held back by the cap is due when its slot frees', async () => {
    // 100 ms requests, one at a time, arriving every few ms: request i leaves when request i−1 ends.
    const out = await loadOnFakeClock(taking(100), { rate: 200, concurrency: 1, seed: 7, requests: 4, durationMs: 10_000, warmup: 0 });
    const start = out.sends[0].due - arrivalSchedule(4, 200, 7)[0];
    expect(out.sends.map((s) => s.sent - start)).toEqual([0, 100, 200, 300].map((t) => t + Math.floor(arrivalSchedule(4, 200, 7)[0])));
    expect(out.sends.slice(1).map((s) => s.sent - s.due)).toEqual([0, 0, 0]);
  });

  it('closed loop: due when the client became free, so the lag is 0 when nothing else holds the loop', async () => {
    const out = await loadOnFakeClock(taking(20), { concurrency: 2, seed: 1, requests: 6, durationMs: 10_000, warmup: 0 });
    const t0 = out.sends[0].due;
    expect(out.sends.map((s) => [s.index, s.due - t0, s.sent - t0])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [2, 20, 20],
      [3, 20, 20],
      [4, 40, 40],
      [5, 40, 40],
    ]);
    expect(out.lag).toEqual({ p50: 0, p99: 0, max: 0, n: 6 });
  });

  it('a loop the client blocks sends the next requests late, and its event-loop delay shows the block', async () => {
    // Seed 3 at 200/s: request 10 is due at 31.3 ms, 11 at 31.8 ms. Sending request 10 blocks the thread for
    // 40 ms, so request 11 cannot leave before 40 ms after request 10 did, whatever the machine's speed.
    const BLOCK = 40;
    const send = async (i: number) => {
      const start = performance.now();
      if (i === 10) while (performance.now() - start < BLOCK);
      await sleep(1);
      return record(start);
    };
    const out = await runLoad(send, { rate: 200, seed: 3, requests: 20, durationMs: 60_000, warmup: 0 });
    const [s10, s11] = [out.sends[10], out.sends[11]];
    expect(s11.sent - s10.sent).toBeGreaterThanOrEqual(BLOCK);
    // lag₁₁ ≥ lag₁₀ + 40 − (due₁₁ − due₁₀); a timer fires at most 1 ms early, so lag₁₀ > −1.
    expect(s11.sent - s11.due).toBeGreaterThan(BLOCK - (s11.due - s10.due) - 1);
    expect(out.lag.max).toBeGreaterThanOrEqual(s11.sent - s11.due);
    expect(saturationVerdict(out.lag, { meanInterArrivalMs: 5 }).saturated).toBe(true);
    // The monitor's timer (10 ms) cannot fire during the block: one interval spans it, minus the resolution.
    expect(out.loopDelay.max).toBeGreaterThanOrEqual(BLOCK - 10);
  });
});
