/**
 * The max-goodput search on a simulated server of known capacity C (every request meets the SLO up to C,
 * half as many beyond it) and a simulated client that saturates at a known load: the exact loads
 * measured, the bracket around C within the precision, and the stops — start already missing, client
 * saturation, step limit.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../common/stats/rng.ts';
import { searchMaxGoodput, validateGoodputSearch, type GoodputMeasurement } from '../suites/inference/goodput-search.ts';

/** A server that holds the SLO for 99% of requests up to `capacity`, then falls away; a client that saturates at `clientLimit`. */
const simulated = (capacity: number, clientLimit = Infinity) => async (load: number): Promise<GoodputMeasurement> => ({
  attainment: load <= capacity ? 0.99 : (0.5 * capacity) / load,
  saturated: load >= clientLimit,
});
const loads = (r: { steps: { load: number }[] }) => r.steps.map((s) => s.load);

describe('max goodput search', () => {
  it('doubles until the SLO breaks, then bisects to the precision: exact steps for C = 37', async () => {
    const r = await searchMaxGoodput({ measure: simulated(37), start: 1 });
    // 64 misses → bisect [32, 64]: 48 ✗, 40 ✗, 36 ✓, 38 ✗ → (38 − 36)/36 = 5.6% ≤ 10%.
    expect(loads(r)).toEqual([1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 38]);
    expect(r.steps.map((s) => s.meets)).toEqual([true, true, true, true, true, true, false, false, false, true, false]);
    expect(r).toMatchObject({ value: 36, low: 36, high: 38, clientBound: false });
    expect(r.reason).toBeUndefined();
  });

  it('converges on any capacity: low ≤ C < high and (high − low)/low ≤ precision', async () => {
    const rng = createRng(11);
    for (let k = 0; k < 200; k++) {
      const capacity = 2 + rng() * 1000;
      for (const precision of [0.1, 0.02]) {
        const r = await searchMaxGoodput({ measure: simulated(capacity), start: 2, precision, maxSteps: 40 });
        expect(r.reason, `C ${capacity}`).toBeUndefined();
        expect(r.low!).toBeLessThanOrEqual(capacity);
        expect(r.high!).toBeGreaterThan(capacity);
        expect((r.high! - r.low!) / r.low!).toBeLessThanOrEqual(precision);
        expect(r.value).toBe(r.low);
      }
    }
  });

  it('attainment exactly at the target meets it; the target is configurable', async () => {
    const measure = async (load: number) => ({ attainment: load <= 4 ? 0.8 : 0.1, saturated: false });
    // [4, 8]: 6, 5, 4.5, 4.25 miss → (4.25 − 4)/4 = 6.25%.
    expect(await searchMaxGoodput({ measure, start: 1, attainment: 0.8 })).toMatchObject({ value: 4, high: 4.25 });
    expect(await searchMaxGoodput({ measure, start: 1 })).toMatchObject({ value: undefined, high: 1 });
  });

  it('whole-number loads (concurrency): midpoints round down and a bracket of width 1 is final', async () => {
    const r = await searchMaxGoodput({ measure: simulated(5), start: 1, integer: true });
    // 8 misses → [4, 8]: 6 ✗, 5 ✓ → [5, 6].
    expect(loads(r)).toEqual([1, 2, 4, 8, 6, 5]);
    expect(r).toMatchObject({ value: 5, low: 5, high: 6, clientBound: false });
  });

  it('even the start load misses the SLO: no value, and the reason says to start lower', async () => {
    const r = await searchMaxGoodput({ measure: simulated(3), start: 10 });
    expect(loads(r)).toEqual([10]);
    expect(r.value).toBeUndefined();
    expect(r.low).toBeUndefined();
    expect(r.high).toBe(10);
    expect(r.reason).toBe('even the start load 10 misses the SLO (attainment 0.15 < 0.9): start lower');
  });

  it('a saturated client ends the search: never counted as a server miss, the upper end is client-bound', async () => {
    // The server holds up to 100, the client saturates from 20: 1, 2, 4, 8, 16 meet, 32 saturates.
    const r = await searchMaxGoodput({ measure: simulated(100, 20), start: 1 });
    expect(loads(r)).toEqual([1, 2, 4, 8, 16, 32]);
    expect(r.steps.at(-1)).toEqual({ load: 32, attainment: 0.99, saturated: true, meets: false });
    expect(r).toMatchObject({ value: 16, low: 16, high: 32, clientBound: true });
    expect(r.reason).toBe("the client saturated at 32, so that step says nothing about the server: the SLO held up to 16; whether the server meets it at 32 is unknown; spread the load generator over more threads (--load-workers)");
  });

  it('saturation while bisecting stops there too', async () => {
    // C = 37 brackets [32, 64] (64 missed the SLO with the client keeping up); a client that happens to fall
    // behind at 48 ends the search there.
    const measure = async (load: number) => ({ ...(await simulated(37)(load)), saturated: load === 48 });
    const r = await searchMaxGoodput({ measure, start: 1 });
    expect(loads(r)).toEqual([1, 2, 4, 8, 16, 32, 64, 48]);
    expect(r).toMatchObject({ value: 32, low: 32, high: 48, clientBound: true });
  });

  it('saturated at the start: nothing measured for the server', async () => {
    const r = await searchMaxGoodput({ measure: simulated(100, 1), start: 4 });
    expect(r).toMatchObject({ value: undefined, low: undefined, high: 4, clientBound: true });
    expect(r.reason).toBe('the client saturated at 4, so that step says nothing about the server: no load was measured cleanly; spread the load generator over more threads (--load-workers)');
  });

  it('the step limit ends a search that never breaks, or one still bisecting, with a reason', async () => {
    const never = await searchMaxGoodput({ measure: simulated(Infinity), start: 1, maxSteps: 5 });
    expect(loads(never)).toEqual([1, 2, 4, 8, 16]);
    expect(never).toMatchObject({ value: 16, low: 16, high: undefined, clientBound: false });
    expect(never.reason).toBe('the SLO still held at 16 after 5 steps: the limit is higher (raise the start or the step limit)');
    const short = await searchMaxGoodput({ measure: simulated(37), start: 1, maxSteps: 8 });
    expect(loads(short)).toEqual([1, 2, 4, 8, 16, 32, 64, 48]);
    expect(short).toMatchObject({ value: 32, low: 32, high: 48 });
    expect(short.reason).toBe('stopped after 8 steps with the bracket [32, 48] wider than 10%');
  });

  it('rejects a start ≤ 0, precision ≤ 0, attainment outside (0, 1], a fractional step limit or start of whole loads', () => {
    expect(() => validateGoodputSearch({ start: 0 })).toThrow('start load must be > 0, got 0');
    expect(() => validateGoodputSearch({ start: 1, precision: 0 })).toThrow('precision must be > 0, got 0');
    expect(() => validateGoodputSearch({ start: 1, attainment: 1.5 })).toThrow('attainment must be in (0, 1], got 1.5');
    expect(() => validateGoodputSearch({ start: 1, maxSteps: 2.5 })).toThrow('max steps must be an integer ≥ 1, got 2.5');
    expect(() => validateGoodputSearch({ start: 1.5, integer: true })).toThrow('a whole-number load needs a whole start, got 1.5');
  });
});
