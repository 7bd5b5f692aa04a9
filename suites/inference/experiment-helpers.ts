/**
 * Pieces the inference experiments share: options with defaults, bounds of a run, output-token counting with the
 * model's tokenizer (after the run, outside timing), and the tidy rows of a measured run.
 */
import { basename } from 'node:path';
import { loadTokenizer } from '../../common/assets/tokenizers.ts';
import { createRng, deriveSeed } from '../../common/stats/rng.ts';
import { textOfTokens } from '../../common/text/data.ts';
import type { Params, RowInput } from '../../common/results/results.ts';
import { summarize } from '../../common/stats/stats.ts';
import type { RunOptions } from '../../common/measure/run-options.ts';
import { aggregate, clientDecodeRate, hasSlo, type Aggregate, type RequestRecord, type Slo } from './metrics.ts';
import { inferenceOf } from './cli.ts';
import type { PromptSet, TargetSpec } from './config.ts';
import type { PlannedPrompt } from './request-plan.ts';
import type { RunResources } from './resource-monitor.ts';
import { acquireTarget, type ResolvedTarget } from './targets.ts';

/** The tokenizer outputs are counted with (the embedded backend serves the Llama 3.1 vocabulary). */
export const COUNT_MODEL = 'llama3.1';

export interface Bounds {
  requests: number;
  durationMs: number;
  warmup: number;
  timeoutMs: number;
  idleTimeoutMs: number;
}

export function boundsOf(options: RunOptions, quick = { requests: 24, durationS: 8 }, full = { requests: 64, durationS: 40 }): Bounds {
  const inf = inferenceOf(options);
  const d = options.quick ? quick : full;
  const timeoutMs = (inf.timeoutS ?? (options.quick ? 30 : 120)) * 1000;
  return {
    requests: inf.requests ?? d.requests,
    durationMs: (inf.durationS ?? d.durationS) * 1000,
    warmup: inf.warmup ?? 2,
    timeoutMs,
    idleTimeoutMs: Math.min(timeoutMs, 15_000),
  };
}

/** Largest concurrency any experiment of the run uses: the embedded server gets that many slots. */
export function maxConcurrency(options: RunOptions): number {
  const inf = inferenceOf(options);
  return Math.max(...(inf.concurrency ?? (options.quick ? [4] : [16])));
}

/**
 * The embedded server's model size when its target does not set one: tiny in quick mode (seconds), small
 * in full mode. A --config target's `embedded.size` wins (targets.ts embeddedArgs).
 */
export function embeddedSize(options: RunOptions): 'tiny' | 'small' {
  return options.quick ? 'tiny' : 'small';
}

/** Acquires a target with the run's embedded-server settings (slots = the run's largest concurrency). */
export function acquireFor(spec: TargetSpec, options: RunOptions) {
  return acquireTarget(spec, maxConcurrency(options), embeddedSize(options));
}

/**
 * Acquires a point's target and opens its rows: an error row when the target cannot be reached (the
 * caller returns it and the run goes on), else the rows' own parameters (the model the target serves,
 * which the point may not know) and, for the point chosen to report it, the start-up rows of an
 * embedded server (whichever point started it: start-up is the same figure).
 */
export async function openPoint(
  spec: TargetSpec,
  options: RunOptions,
  reportStartup: boolean,
): Promise<{ failed: RowInput[] } | { target: ResolvedTarget; params: Params; rows: RowInput[] }> {
  let acquired;
  try {
    acquired = await acquireFor(spec, options);
  } catch (err) {
    return { failed: [errorRow(err)] };
  }
  const { target } = acquired;
  const params = { model: target.model };
  return { target, params, rows: reportStartup ? startupRows(target, params) : [] };
}

/** Counts output tokens of every successful record with the Llama 3.1 tokenizer (not the chunk count). */
export function countOutputTokens(records: RequestRecord[]): void {
  const tok = loadTokenizer(COUNT_MODEL, 'js');
  for (const r of records) if (!r.error) r.outputTokens = tok.encodeSync!(r.text).length;
}

/** Seeded prompt texts of exactly `tokens` Llama 3.1 tokens (distinct per index). */
export function syntheticTexts(seed: number, count: number, tokens: number): string[] {
  const tok = loadTokenizer(COUNT_MODEL, 'js');
  const counter = { encode: tok.encodeSync!, decode: tok.decode };
  return Array.from({ length: count }, (_, i) => textOfTokens(createRng(deriveSeed(seed, 7000 + i)), tokens, counter));
}

/** The prompt set of a run without --prompts or a config's prompts. */
export function defaultPromptSet(quick: boolean): PromptSet {
  return quick ? { name: 'synthetic-128in-32out', inputTokens: 128, outputTokens: 32 } : { name: 'synthetic-512in-128out', inputTokens: 512, outputTokens: 128 };
}

/** Seeded synthetic texts by seed, length and count: a pure memo (the same texts for every point of a shape). */
const syntheticMemo = new Map<string, string[]>();

/** Distinct synthetic prompts of a run at most (request i uses prompt i mod their number). */
const SYNTHETIC_POOL = 64;

/**
 * A set's prompts as a request plan sends them, for a run of `requests` (warm-ups included): a dataset's
 * as they are, else one seeded synthetic user message per request, up to SYNTHETIC_POOL.
 */
export function plannedPrompts(set: PromptSet, seed: number, requests: number): PlannedPrompt[] {
  if (set.prompts) return set.prompts;
  const pool = Math.min(SYNTHETIC_POOL, requests);
  const tokens = set.inputTokens ?? 128;
  const key = `${seed}/${tokens}/${pool}`;
  let texts = syntheticMemo.get(key);
  if (!texts) syntheticMemo.set(key, (texts = syntheticTexts(seed, pool, tokens)));
  return texts.map((content) => ({ messages: [{ role: 'user', content }] }));
}

/**
 * Tags prompts no server cache can have seen: this run (its folder name is unique) and this process
 * (its replicate). Built in run() from the options, never in matrix(): the parent and every child must
 * build identical points, and a server outliving the run must still miss.
 */
export function processTag(options: RunOptions): string {
  return `${basename(options.runDir)}.${options.replicate ?? 0}`;
}

/** Error row of a point that could not run (unreachable target…); the runner adds the point's parameters. */
export function errorRow(err: unknown): RowInput {
  return { metric: 'point', unit: '', status: 'error', error: err instanceof Error ? err.message : String(err), note: 'the point could not run (nothing measured); error names the target and the cause' };
}

/** Who times a server's `timings`: named in the notes of the rows built from them. */
const SERVER_TIMER = "by prepbench's wrapper backend/llama-engine.ts on the embedded server, by llama.cpp on llama-server";

/** Start-up rows of an embedded backend (none for an external target), measured outside every timed region. */
export function startupRows(target: ResolvedTarget, params: Params): RowInput[] {
  if (!target.embedded || target.startupMs === undefined) return [];
  const info = target.modelInfo ?? {};
  const desc = ['params', 'vocab', 'layers', 'hidden', 'bytes'].filter((k) => info[k] !== undefined).map((k) => `${k} ${info[k]}`).join(', ');
  const rows: RowInput[] = [{ params, metric: 'backend_startup', unit: 'ms', value: target.startupMs, note: `embedded llama.cpp server, timed inside its process by prepbench's backend/index.ts: GGUF generation (${info.generationMs ? `${Math.round(Number(info.generationMs))} ms this run` : '0: cached'}) + model load + listen; never inside a timed region. ${desc}`.trim() }];
  if (target.spawnMs !== undefined) rows.push({ params, metric: 'backend_spawn', unit: 'ms', value: target.spawnMs, note: 'spawn of the server process → its URL printed (node + tsx start-up included); never inside a timed region' });
  return rows;
}

/**
 * Rows of one measured run against `target` (its name goes into error text): latency summaries (samples
 * kept), throughputs, goodput, errors. `params` are the rows' own parameters beyond the point's
 * coordinates; `what` says what the figures include and goes into every note.
 */
export function runRows(records: RequestRecord[], target: string, params: Params, slo: Slo, what: string): { rows: RowInput[]; agg: Aggregate } {
  const agg = aggregate(records, slo);
  const rows: RowInput[] = [];
  const n = `${agg.completed}/${agg.requests} requests`;
  if (agg.completed > 0) {
    rows.push(
      { params, metric: 'ttft', unit: 'ms', summary: agg.ttft, samples: agg.samples.ttft, note: `time to first token: ${what} → first content chunk; ${n}` },
      { params, metric: 'itl', unit: 'ms', summary: agg.itl, samples: agg.samples.itl, note: `every gap between consecutive content chunks; ${n}` },
      { params, metric: 'e2e', unit: 'ms', summary: agg.e2e, samples: agg.samples.e2e, note: `${what} → stream end; ${n}` },
      { params, metric: 'output_tokens', unit: 'tokens', summary: agg.outputTokens, samples: agg.samples.outputTokens, note: 'generated text re-tokenized with the Llama 3.1 tokenizer' },
      { params, metric: 'request_throughput', unit: 'req/s', value: agg.requestThroughput, note: `completed requests / measured window (${(agg.durationMs / 1000).toFixed(2)} s, warm-up excluded)` },
      { params, metric: 'output_throughput', unit: 'tok/s', value: agg.outputThroughput, note: `output tokens (tokenizer count) / measured window (${(agg.durationMs / 1000).toFixed(2)} s)` },
    );
    if (agg.tpot.n > 0) rows.push({ params, metric: 'tpot', unit: 'ms', summary: agg.tpot, samples: agg.samples.tpot, note: `(E2E − TTFT) / (output tokens − 1) per request; ${n}` });
    if (hasSlo(slo)) {
      const s = Object.entries(slo).map(([k, v]) => `${k} ≤ ${v} ms`).join(', ');
      rows.push(
        { params, metric: 'goodput', unit: 'req/s', value: agg.goodput, note: `requests meeting ${s} / measured window` },
        { params, metric: 'goodput_share', unit: '%', value: agg.goodputShare, note: `share of all requests meeting ${s}` },
      );
    }
    // The server-timed decode rate vs the client's, request by request (the client must not be what is measured).
    const ratios: number[] = [];
    const clientRates: number[] = [];
    const serverRates: number[] = [];
    for (const r of records) {
      const c = clientDecodeRate(r);
      if (c !== undefined) clientRates.push(c);
      const b = r.timings?.predicted_per_second;
      if (c !== undefined && typeof b === 'number' && b > 0) {
        serverRates.push(b);
        ratios.push(c / b);
      }
    }
    if (clientRates.length > 0) rows.push({ params, metric: 'client_decode_rate', unit: 'tok/s', summary: summarize(clientRates), samples: clientRates, note: 'per request: (content chunks − 1) / (last chunk − first chunk), as received' });
    if (ratios.length > 0) {
      rows.push({ params, metric: 'server_timed_decode_rate', unit: 'tok/s', summary: summarize(serverRates), samples: serverRates, note: `per request: timings.predicted_per_second, timed inside the server process (${SERVER_TIMER})` });
      const s = summarize(ratios);
      rows.push({ params, metric: 'decode_rate_ratio', unit: 'x', value: s.median, low: s.ciLow, high: s.ciHigh, note: `median over ${ratios.length} requests of client decode rate / server-timed rate (1 = the client adds nothing)` });
    }
    // The server-timed split of TTFT, when it reports one (llama.cpp-style timings): queue wait and prefill.
    const ok = records.filter((r) => !r.error && r.timings);
    const serverSplit: [string, string, string][] = [
      ['queue_ms', 'server_queue', `server-timed timings.queue_ms (${SERVER_TIMER}): waiting for a free slot before prefill`],
      ['prompt_ms', 'server_prefill', `server-timed timings.prompt_ms (${SERVER_TIMER}): slot taken → first token sampled (prefix lookup, prompt evaluation)`],
    ];
    for (const [field, metric, note] of serverSplit) {
      const xs = ok.flatMap((r) => (typeof r.timings![field] === 'number' ? [r.timings![field] as number] : []));
      if (xs.length > 0) rows.push({ params, metric, unit: 'ms', summary: summarize(xs), samples: xs, note });
    }
    const perRead = records.flatMap((r) => (r.error ? [] : (r.clientUs ?? [])));
    if (perRead.length > 0) rows.push({ params, metric: 'client_parse_per_chunk', unit: 'us', summary: summarize(perRead), samples: perRead, note: 'live, per network read (normally one chunk): client time from the read resolving to the chunk recorded (SSE + JSON parse, timeout bookkeeping); includes any preemption of this thread on a busy machine' });
  }
  if (agg.failed > 0) {
    const top = agg.errors.sort((a, b) => b.count - a.count)[0];
    rows.push({ params, metric: 'request_errors', unit: 'count', value: agg.failed, status: 'error', error: `target ${target}: ${agg.failed} of ${agg.requests} requests failed; ${top.message}${agg.errors.length > 1 ? ` (+${agg.errors.length - 1} other causes)` : ''}`, note: agg.errors.map((e) => `${e.count}× ${e.message}`).join('; ').slice(0, 400) });
  }
  return { rows, agg };
}

export function resourceRows(res: RunResources, params: Params): RowInput[] {
  const window = `over the ${(res.wallMs / 1000).toFixed(2)} s run (warm-up included)`;
  const rows: RowInput[] = [
    { params, metric: 'client_cpu', unit: '%', value: res.cpuPercent, note: `benchmark (client/gateway) process user+system CPU / wall ${window}, its worker threads included, child processes not; 100 = one core` },
    { params, metric: 'client_peak_rss', unit: 'MB', value: res.peakRssMb, note: `benchmark process peak RSS sampled every 50 ms ${window}` },
    { params, metric: 'loop_delay_p99', unit: 'ms', value: res.loop.p99, note: `monitorEventLoopDelay of the client/gateway main thread ${window}` },
    { params, metric: 'loop_delay_max', unit: 'ms', value: res.loop.max, note: `monitorEventLoopDelay of the client/gateway main thread ${window}` },
  ];
  if (res.serverCpuPercent !== undefined) rows.push({ params, metric: 'server_cpu', unit: '%', value: res.serverCpuPercent, note: `embedded server process CPU (/proc) ${window}; 100 = one core` });
  return rows;
}
