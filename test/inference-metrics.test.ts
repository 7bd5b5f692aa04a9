import { describe, expect, it, vi } from 'vitest';
import { paretoFront } from '../common/stats/pareto.ts';
import { aggregate, clientDecodeRate, meetsSlo, requestMetrics, type RequestRecord } from '../suites/inference/metrics.ts';
import { arrivalSchedule, runLoad } from '../suites/inference/load.ts';

/** A recorded stream with synthetic timestamps (ms). */
function rec(start: number, chunks: number[], end: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return { start, chunkTimes: chunks, end, text: chunks.map(() => 'x').join(''), ...extra };
}

describe('per-request metrics on recorded streams', () => {
  it('TTFT, every ITL gap, TPOT and E2E are exact', () => {
    // Issued at 100, tokens at 150, 160, 175, 205; stream ends at 210.
    const m = requestMetrics(rec(100, [150, 160, 175, 205], 210, { outputTokens: 4 }))!;
    expect(m.ttft).toBe(50);
    expect(m.itl).toEqual([10, 15, 30]);
    expect(m.e2e).toBe(110);
    // (E2E − TTFT) / (tokens − 1) = (110 − 50) / 3
    expect(m.tpot).toBe(20);
  });

  it('TPOT uses the tokenizer count, not the chunk count', () => {
    const m = requestMetrics(rec(0, [10, 20], 40, { outputTokens: 7 }))!;
    expect(m.tpot).toBe(5); // (40 − 10) / 6
    expect(m.itl).toEqual([10]);
  });

  it('one output token has no TPOT; a failed or empty request has no metrics', () => {
    expect(requestMetrics(rec(0, [10], 10, { outputTokens: 1 }))!.tpot).toBeUndefined();
    expect(requestMetrics(rec(0, [10, 20], 30, { error: 'boom' }))).toBeUndefined();
    expect(requestMetrics(rec(0, [], 30))).toBeUndefined();
  });

  it('client decode rate counts chunks after the first over the first→last span', () => {
    expect(clientDecodeRate(rec(0, [100, 110, 120, 130, 140], 150))).toBe(100); // 4 chunks / 40 ms
    expect(clientDecodeRate(rec(0, [100], 150))).toBeUndefined();
  });
});

describe('aggregation', () => {
  const records = [
    rec(0, [20, 30, 40], 40, { outputTokens: 3 }), // ttft 20, tpot 10
    rec(0, [60, 62, 64], 64, { outputTokens: 3 }), // ttft 60, tpot 2
    rec(10, [40, 70, 100], 100, { outputTokens: 3 }), // ttft 30, tpot 30
    rec(50, [], 1000, { error: 'HTTP 500' }),
  ];

  it('throughput over the window from first issue to last end; failures counted', () => {
    const a = aggregate(records);
    expect(a.requests).toBe(4);
    expect(a.completed).toBe(3);
    expect(a.failed).toBe(1);
    expect(a.errors).toEqual([{ message: 'HTTP 500', count: 1 }]);
    expect(a.durationMs).toBe(1000);
    expect(a.requestThroughput).toBe(3);
    expect(a.outputThroughput).toBe(9);
    expect(a.ttft.median).toBe(30);
    expect(a.samples.itl).toEqual([10, 10, 2, 2, 30, 30]);
    expect(a.samples.tpot).toEqual([10, 2, 30]);
    expect(a.goodput).toBeUndefined();
  });

  it('goodput counts requests meeting every SLO, per second of the window', () => {
    const a = aggregate(records, { ttft: 30, tpot: 10 });
    // Request 1 (20, 10) meets both; request 2 fails TTFT; request 3 fails TPOT; request 4 failed.
    expect(a.goodput).toBe(1);
    expect(a.goodputShare).toBe(25);
    expect(aggregate(records, { ttft: 60 }).goodput).toBe(3);
    expect(meetsSlo({ ttft: 5, itl: [], tpot: undefined, e2e: 5, outputTokens: 1 }, { tpot: 10 })).toBe(false);
  });

  it('Pareto front of throughput ↑ vs latency ↓', () => {
    const pts = [
      { throughput: 100, latency: 10 },
      { throughput: 200, latency: 15 },
      { throughput: 150, latency: 20 }, // dominated by the second
      { throughput: 300, latency: 80 },
      { throughput: 300, latency: 90 }, // dominated by the fourth (equal throughput, slower)
    ];
    expect(paretoFront(pts)).toEqual([true, true, false, true, false]);
  });
});

describe('load generation', () => {
  const fake = (delay: number) => async (i: number): Promise<RequestRecord> => {
    const start = performance.now();
    await new Promise((r) => setTimeout(r, delay));
    return rec(start, [performance.now()], performance.now(), { extra: { i } });
  };

  it('closed loop: warm-up excluded, exactly N measured requests, never more than C in flight', async () => {
    let inflight = 0;
    let peak = 0;
    const seen: number[] = [];
    const send = async (i: number) => {
      seen.push(i);
      inflight++;
      peak = Math.max(peak, inflight);
      const r = await fake(5)(i);
      inflight--;
      return r;
    };
    const out = await runLoad(send, { concurrency: 3, seed: 1, requests: 10, durationMs: 10_000, warmup: 2 });
    expect(out.records).toHaveLength(10);
    expect(seen.filter((i) => i < 0)).toEqual([-2, -1]);
    expect(out.records.map((r) => r.extra!.i).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(3);
  });

  it('bounded by time: stops issuing at the deadline', async () => {
    // Fake clock: 20 ms requests one at a time within 100 ms are issued at 0, 20, 40, 60 and 80 ms.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const run = runLoad(fake(20), { concurrency: 1, seed: 1, requests: 1000, durationMs: 100, warmup: 0 });
      await vi.runAllTimersAsync();
      const out = await run;
      expect(out.records.map((r) => r.extra!.i)).toEqual([0, 1, 2, 3, 4]);
      expect(out.skipped).toBe(995);
      expect(out.wallMs).toBe(100);
    } finally {
      vi.useRealTimers();
    }
  });

  it('Poisson arrivals are seeded: same seed, same schedule; another seed, another schedule', () => {
    const a = arrivalSchedule(50, 200, 7);
    expect(a).toHaveLength(50);
    expect(arrivalSchedule(50, 200, 7)).toEqual(a);
    const b = arrivalSchedule(50, 200, 8);
    expect(b).not.toEqual(a);
    expect(b.filter((t, i) => t === a[i])).toEqual([]);
    // Increasing, from after the start; a prefix of a longer schedule (one draw per arrival, in order).
    expect(a[0]).toBeGreaterThan(0);
    expect(a.every((t, i) => i === 0 || t > a[i - 1])).toBe(true);
    expect(arrivalSchedule(20, 200, 7)).toEqual(a.slice(0, 20));
  });

  it('Poisson arrivals: mean rate and exponential gaps over many arrivals', () => {
    // 20,000 gaps at 200/s: the mean gap is 5 ms with a standard error of 5/√20000 ≈ 0.035 ms (0.7%);
    // for exponential gaps, P(gap > mean) = 1/e with a standard error of ≈ 0.0034.
    const n = 20_000;
    for (const seed of [1, 2, 3]) {
      const t = arrivalSchedule(n, 200, seed);
      const rate = n / (t[n - 1] / 1000);
      expect(rate, `seed ${seed}`).toBeGreaterThan(200 * 0.97);
      expect(rate, `seed ${seed}`).toBeLessThan(200 * 1.03);
      const gaps = t.map((x, i) => x - (i === 0 ? 0 : t[i - 1]));
      const above = gaps.filter((g) => g > 5).length / n;
      expect(Math.abs(above - Math.exp(-1)), `seed ${seed}`).toBeLessThan(0.02);
    }
    // Twice the rate, half the span.
    const slow = arrivalSchedule(1000, 100, 4);
    const fast = arrivalSchedule(1000, 200, 4);
    fast.forEach((t, i) => expect(t).toBeCloseTo(slow[i] / 2, 9));
  });

  it('open loop issues request i at its scheduled time, not paced by completions', async () => {
    // Fake clock: each request takes 100 ms, far longer than the ~5 ms gaps; a closed loop would issue
    // request i no earlier than 100·i ms. Fake timers fire at whole ms, so the issue time is the
    // scheduled time rounded down.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const issued: number[] = [];
      const t0 = performance.now();
      const send = async (i: number) => {
        issued[i] = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 100));
        return rec(issued[i], [performance.now()], performance.now(), { extra: { i } });
      };
      const run = runLoad(send, { rate: 200, seed: 7, requests: 8, durationMs: 10_000, warmup: 0 });
      await vi.runAllTimersAsync();
      const out = await run;
      expect(out.records).toHaveLength(8);
      const schedule = arrivalSchedule(8, 200, 7);
      expect(issued).toHaveLength(8);
      issued.forEach((t, i) => {
        expect(t, `request ${i}`).toBeGreaterThanOrEqual(Math.floor(schedule[i]));
        expect(t, `request ${i}`).toBeLessThanOrEqual(schedule[i]);
      });
    } finally {
      vi.useRealTimers();
    }
  });
});
