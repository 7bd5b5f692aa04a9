/**
 * Client-side serving metrics in vLLM's vocabulary (benchmarks/benchmark_serving.py), computed from
 * the timestamps a streaming client recorded:
 *   TTFT  time to first token: request issued → first chunk carrying content
 *   ITL   inter-token latency: every gap between consecutive content chunks
 *   TPOT  time per output token after the first: (E2E − TTFT) / (output tokens − 1)
 *   E2E   request issued → stream finished
 * Output tokens are counted with the model's tokenizer on the generated text (not by chunk count).
 * Goodput: completed requests per second that meet every SLO given.
 */
import { summarize, type Summary } from '../../common/stats/stats.ts';

/**
 * Timings object a llama.cpp-style server reports in its final chunk: timed inside the server process
 * (by llama.cpp in llama-server; by prepbench's own wrapper, backend/llama-engine.ts, in the embedded one).
 */
export interface BackendTimings {
  prompt_n?: number;
  prompt_ms?: number;
  predicted_n?: number;
  predicted_ms?: number;
  predicted_per_second?: number;
  [key: string]: unknown;
}

/** One request as the client saw it. Times are ms on one monotonic clock (performance.now()). */
export interface RequestRecord {
  /** Request number in its load run (warm-ups negative), set by the load generator. */
  index?: number;
  /** When the request was issued (for the gateway experiment: when it reached the gateway). */
  start: number;
  /** Arrival time of every chunk that carried generated content; [0] is the first token. */
  chunkTimes: number[];
  /** When the stream ended (or failed). */
  end: number;
  /** Generated text, concatenated. */
  text: string;
  /** Output tokens counted with the model's tokenizer (filled in after the run, outside timing). */
  outputTokens?: number;
  /** Token counts the server reported (`usage`), when it did. */
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  timings?: BackendTimings;
  /** Set when the request failed; a failed request counts in no latency metric. */
  error?: string;
  /** Client time spent handling each network read (read resolved → parsed → recorded), µs. */
  clientUs?: number[];
  /** Free-form per-request extras (e.g. preprocessing time at the gateway). */
  extra?: Record<string, number>;
}

export interface RequestMetrics {
  ttft: number;
  itl: number[];
  tpot: number | undefined;
  e2e: number;
  outputTokens: number;
}

/** Per-request metrics of a successful request; undefined for a failed one or one that produced nothing. */
export function requestMetrics(r: RequestRecord): RequestMetrics | undefined {
  if (r.error || r.chunkTimes.length === 0) return undefined;
  const ttft = r.chunkTimes[0] - r.start;
  const e2e = r.end - r.start;
  const itl: number[] = [];
  for (let i = 1; i < r.chunkTimes.length; i++) itl.push(r.chunkTimes[i] - r.chunkTimes[i - 1]);
  const outputTokens = r.outputTokens ?? r.chunkTimes.length;
  const tpot = outputTokens > 1 ? (e2e - ttft) / (outputTokens - 1) : undefined;
  return { ttft, itl, tpot, e2e, outputTokens };
}

export interface Slo {
  /** ms */
  ttft?: number;
  /** ms */
  tpot?: number;
  /** ms */
  e2e?: number;
}

export function meetsSlo(m: RequestMetrics, slo: Slo): boolean {
  if (slo.ttft !== undefined && !(m.ttft <= slo.ttft)) return false;
  if (slo.tpot !== undefined && !(m.tpot !== undefined && m.tpot <= slo.tpot)) return false;
  if (slo.e2e !== undefined && !(m.e2e <= slo.e2e)) return false;
  return true;
}

export function hasSlo(slo: Slo): boolean {
  return slo.ttft !== undefined || slo.tpot !== undefined || slo.e2e !== undefined;
}

export interface Aggregate {
  requests: number;
  completed: number;
  failed: number;
  /** First error message seen (with a count of how many requests failed with it). */
  errors: { message: string; count: number }[];
  /** Measured window: first request issued → last request finished, ms. */
  durationMs: number;
  ttft: Summary;
  itl: Summary;
  tpot: Summary;
  e2e: Summary;
  outputTokens: Summary;
  totalOutputTokens: number;
  /** completed requests / s */
  requestThroughput: number;
  /** output tokens / s (completed requests) */
  outputThroughput: number;
  /** requests / s meeting every SLO (undefined without an SLO) */
  goodput?: number;
  /** share of completed+failed requests meeting every SLO, % */
  goodputShare?: number;
  samples: { ttft: number[]; itl: number[]; tpot: number[]; e2e: number[]; outputTokens: number[] };
}

export function aggregate(records: readonly RequestRecord[], slo: Slo = {}): Aggregate {
  const ttft: number[] = [];
  const itl: number[] = [];
  const tpot: number[] = [];
  const e2e: number[] = [];
  const outputTokens: number[] = [];
  const errorCounts = new Map<string, number>();
  let good = 0;
  let failed = 0;
  for (const r of records) {
    const m = requestMetrics(r);
    if (!m) {
      failed++;
      const msg = r.error ?? 'no content received';
      errorCounts.set(msg, (errorCounts.get(msg) ?? 0) + 1);
      continue;
    }
    ttft.push(m.ttft);
    itl.push(...m.itl);
    if (m.tpot !== undefined) tpot.push(m.tpot);
    e2e.push(m.e2e);
    outputTokens.push(m.outputTokens);
    if (hasSlo(slo) && meetsSlo(m, slo)) good++;
  }
  const starts = records.map((r) => r.start);
  const ends = records.map((r) => r.end);
  const durationMs = records.length > 0 ? Math.max(...ends) - Math.min(...starts) : 0;
  const seconds = durationMs / 1000;
  const totalOutputTokens = outputTokens.reduce((s, x) => s + x, 0);
  const perSecond = (x: number) => (seconds > 0 ? x / seconds : NaN);
  return {
    requests: records.length,
    completed: records.length - failed,
    failed,
    errors: [...errorCounts].map(([message, count]) => ({ message, count })),
    durationMs,
    ttft: summarize(ttft),
    itl: summarize(itl),
    tpot: summarize(tpot),
    e2e: summarize(e2e),
    outputTokens: summarize(outputTokens),
    totalOutputTokens,
    requestThroughput: perSecond(records.length - failed),
    outputThroughput: perSecond(totalOutputTokens),
    goodput: hasSlo(slo) ? perSecond(good) : undefined,
    goodputShare: hasSlo(slo) && records.length > 0 ? (100 * good) / records.length : undefined,
    samples: { ttft, itl, tpot, e2e, outputTokens },
  };
}

/**
 * Decode rate seen by the client for one request: content chunks after the first / time from first to
 * last chunk, tokens/s. Counted in chunks (one per token for llama.cpp-style servers) so it is comparable
 * with the server-timed `predicted_per_second`.
 */
export function clientDecodeRate(r: RequestRecord): number | undefined {
  if (r.error || r.chunkTimes.length < 2) return undefined;
  const span = r.chunkTimes[r.chunkTimes.length - 1] - r.chunkTimes[0];
  return span > 0 ? ((r.chunkTimes.length - 1) * 1000) / span : undefined;
}

