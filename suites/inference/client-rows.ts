/**
 * Rows that judge the load generator itself — per-request send lag and the load threads' event-loop delay
 * — and the verdict every row of the point takes: a point whose client fell behind its schedule is
 * `client_saturated`, keeping its figures, with the lag figures and the remedy in `error`.
 */
import type { Params, RowInput } from '../../common/results/results.ts';
import { summarize } from '../../common/stats/stats.ts';
import type { LoadResult } from './load.ts';
import { saturationVerdict, type SaturationThreshold } from './saturation.ts';

export interface ClientJudgement {
  rows: RowInput[];
  saturated: boolean;
  reason: string;
}

/** What to do about a saturated client in an experiment that takes --load-workers. */
export const SPREAD_LOAD = 'spread it over more load workers (--load-workers)';
/** ... and in one that sends from its main thread only, where --load-workers would be refused. */
export const ONE_THREAD_LOAD = 'this experiment sends from one thread (it takes no --load-workers): measure it on a less busy machine or at a lower concurrency';

/**
 * `rate` set: an open loop whose mean inter-arrival time scales the limit; absent: a closed loop. A
 * saturated judgement's reason ends with `remedy` (SPREAD_LOAD or ONE_THREAD_LOAD).
 */
export function judgeClient(load: LoadResult, shape: { rate?: number }, threshold: SaturationThreshold, params: Params, remedy: string): ClientJudgement {
  const verdict = saturationVerdict(load.lag, { meanInterArrivalMs: shape.rate !== undefined ? 1000 / shape.rate : undefined }, threshold);
  const { lags } = load;
  const threads = load.loadWorkers > 1 ? `${load.loadWorkers} load worker threads` : 'the main thread';
  const rows: RowInput[] = [];
  if (lags.length > 0) {
    // Signed: a timer may fire a fraction of a millisecond early; and a lag near 0 is not judged relative to itself.
    rows.push({ params, metric: 'send_lag', unit: 'ms', signed: true, summary: summarize(lags), samples: lags, note: `per request: actual send − scheduled send (open loop) or − client free (closed loop), issued by ${threads}; max ${load.lag.max.toPrecision(3)} ms` });
  }
  rows.push(
    { params, metric: 'loadgen_loop_delay_p99', unit: 'ms', value: load.loopDelay.p99, note: `event-loop delay p99 of the busiest thread issuing requests (${threads}) during the measured requests` },
    { params, metric: 'loadgen_loop_delay_max', unit: 'ms', value: load.loopDelay.max, note: `event-loop delay max of the busiest thread issuing requests (${threads}) during the measured requests` },
  );
  return { rows, saturated: verdict.saturated, reason: verdict.saturated ? `${verdict.reason} — ${remedy}` : verdict.reason };
}

/** Every measured row of a saturated point takes the status; error rows keep theirs. */
export function withClientVerdict(rows: RowInput[], judgement: ClientJudgement): RowInput[] {
  if (!judgement.saturated) return rows;
  return rows.map((r) => ((r.status ?? 'ok') === 'ok' ? { ...r, status: 'client_saturated', error: judgement.reason } : r));
}
