/**
 * Is the load generator, not the server, limiting the result? A request's send lag is the time from when
 * the load shape made it due to when the client actually issued it:
 *   open loop   due = the scheduled arrival, or the moment a slot freed when an in-flight cap held it back
 *               (waiting for the cap is the load shape, not the client falling behind);
 *   closed loop due = the moment its client became free (previous request resolved). Both happen in one
 *               microtask chain, so the lag is ≈0 by construction: a starved closed loop shows in the
 *               event-loop delay and in a lower request rate, not here.
 * A late timer or a loop busy parsing streams delays every due request, so a high send-lag p99 says the
 * figures describe the client as much as the server.
 */
import { quantileSorted } from '../../common/stats/stats.ts';

export interface LagStats {
  /** ms */
  p50: number;
  /** ms */
  p99: number;
  /** ms */
  max: number;
  /** Requests the figures cover. */
  n: number;
}

/** Per-request send lag, ms: actual − due, pairwise. */
export function sendLags(due: readonly number[], actual: readonly number[]): number[] {
  if (due.length !== actual.length) throw new Error(`send lag needs one actual time per due time, got ${actual.length} for ${due.length}`);
  return due.map((d, i) => actual[i] - d);
}

/** p50, p99 and max of the lags (R type 7 quantiles, as every other summary here); zeros when there are none. */
export function lagStats(lags: readonly number[]): LagStats {
  if (lags.length === 0) return { p50: 0, p99: 0, max: 0, n: 0 };
  const sorted = [...lags].sort((a, b) => a - b);
  return { p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99), max: sorted[sorted.length - 1], n: sorted.length };
}

export interface SaturationThreshold {
  /** Absolute floor, ms: below it lag is timer jitter, whatever the rate. */
  absMs: number;
  /** Share of the mean inter-arrival time, % (open loop only): at low rates, lateness small against the gap between requests is no saturation. */
  pct: number;
}

export const DEFAULT_SATURATION_THRESHOLD: SaturationThreshold = { absMs: 5, pct: 10 };

/** The lag p99 above which a point is client-saturated: max(absMs, pct% × mean inter-arrival); absMs alone for a closed loop. */
export function lagLimit(load: { meanInterArrivalMs?: number }, threshold: SaturationThreshold = DEFAULT_SATURATION_THRESHOLD): number {
  return load.meanInterArrivalMs === undefined ? threshold.absMs : Math.max(threshold.absMs, (threshold.pct / 100) * load.meanInterArrivalMs);
}

const ms = (x: number) => `${Number(x.toPrecision(3))} ms`;

/**
 * Saturated when the send-lag p99 exceeds `lagLimit` (strictly: at the limit is still fine). `meanInterArrivalMs`
 * is 1000 / rate for an open loop and absent for a closed loop. The reason carries the figures, for a row's note.
 */
export function saturationVerdict(lag: LagStats, load: { meanInterArrivalMs?: number }, threshold: SaturationThreshold = DEFAULT_SATURATION_THRESHOLD): { saturated: boolean; reason: string } {
  if (lag.n === 0) return { saturated: false, reason: 'no request was sent: no send lag to judge' };
  const limit = lagLimit(load, threshold);
  const rule =
    load.meanInterArrivalMs === undefined
      ? `limit ${ms(limit)} (closed loop: absolute limit only)`
      : `limit ${ms(limit)} = max(${ms(threshold.absMs)}, ${threshold.pct}% of the ${ms(load.meanInterArrivalMs)} mean inter-arrival time)`;
  const figures = `send lag p50 ${ms(lag.p50)}, p99 ${ms(lag.p99)}, max ${ms(lag.max)} over ${lag.n} requests; ${rule}`;
  return lag.p99 > limit
    ? { saturated: true, reason: `client saturated: requests left later than scheduled (${figures}); the load generator, not the server, limits this point` }
    : { saturated: false, reason: `client kept up (${figures})` };
}
