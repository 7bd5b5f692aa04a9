/**
 * Experiment 6 — gateway contention, the reason the inference suite lives in prepbench: a Node gateway
 * receives 100-turn chats, renders and tokenizes them, and forwards the token ids to the inference server.
 * How much later does the first token arrive than without preprocessing, and how late do the gateway's
 * timers fire — with the preprocessing on the event loop, in a worker pool, or in a sidecar process?
 */
import { GATEWAY_MODES, GATEWAY_PIPELINE, gatewayStrategy, handleChat, modeWorkers, type GatewayMode } from '../../suites/inference/gateway.ts';
import { runLoad, type SendRequest } from '../../suites/inference/load.ts';
import { ONE_THREAD_LOAD, judgeClient, withClientVerdict } from '../../suites/inference/client-rows.ts';
import { startResourceMonitor } from '../../suites/inference/resource-monitor.ts';
import type { TargetSpec } from '../../suites/inference/config.ts';
import { boundsOf, countOutputTokens, openPoint, processTag, resourceRows, runRows } from '../../suites/inference/experiment-helpers.ts';
import { inferenceOf } from '../../suites/inference/cli.ts';
import { createRng, deriveSeed } from '../../common/stats/rng.ts';
import { caveatsOf, crosses, pick, withCi, type Finding, type FindingContext } from '../../common/results/findings.ts';
import { figureOf, rowParams, type ParamValue, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { ratioOfMedians, summarize } from '../../common/stats/stats.ts';
import type { ChatMessage } from '../../common/templates/engines.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { gatewayCharts } from '../../suites/inference/charts/index.ts';
import { chatFor, preprocessor } from '../../common/measure/preprocessor-cache.ts';

export const GATEWAY_TURNS = 100;
export const GATEWAY_TOKENS = 2000;
/**
 * Token ids forwarded per request: BOS + the last 255 ids of the ~2.6k the gateway computed. The embedded
 * server's context would hold them all, but its CPU prefill of 4 × 2.6k tokens would dwarf what this
 * experiment measures (the gateway's own cost); every row's note says the prompt was truncated.
 */
export const MAX_PROMPT_IDS = 256;
/**
 * Output length of request i: seeded, 4–16 tokens, the same sequence in every mode. Equal lengths would
 * keep a closed loop's requests in lockstep (all prefills batched together), which only the baseline —
 * with nothing to stagger arrivals — would enjoy.
 */
export function outputTokens(seed: number, i: number): number {
  return 4 + Math.floor(createRng(deriveSeed(seed, 900, i + 1000))() * 13);
}
const WORKERS = 1;

interface Point {
  target: TargetSpec;
  mode: GatewayMode;
  concurrency: number;
  /**
   * Marks the chats of this point's requests (with the request number and processTag): derived from the
   * seed and the point, so the parent and the child build the same point.
   */
  marker: string;
  /** The target's first point reports the embedded server's start-up (any point of the process may have started it). */
  reportBackendStartup: boolean;
  /** A mode's first point reports its preprocessing strategy's start-up (the strategy is shared by the mode's points). */
  reportGatewayStartup: boolean;
}

/** Distinct seeded chats; each request gets one with a unique marker in its last message (no cache hits). */
function chatsFor(options: RunOptions): ChatMessage[][] {
  const k = options.quick ? 8 : 16;
  return Array.from({ length: k }, (_, i) => chatFor(GATEWAY_PIPELINE.template, { seed: deriveSeed(options.seed, 600 + i), turns: GATEWAY_TURNS, totalTokens: GATEWAY_TOKENS, system: true }));
}

function requestChat(chats: ChatMessage[][], i: number, marker: string): ChatMessage[] {
  const chat = chats[((i % chats.length) + chats.length) % chats.length];
  const last = chat[chat.length - 1];
  return [...chat.slice(0, -1), { ...last, content: `[${marker} #${i}] ${last.content}` }];
}

const META = {
  id: 6,
  slug: 'gateway',
  title: 'Gateway contention',
  question: 'When a Node gateway renders and tokenizes 100-turn chats before forwarding token ids, how much does TTFT inflate and how late does its event loop run — preprocessing on the loop, in a worker pool, or in a sidecar process?',
};

const HEADLINE = ['ttft', 'ttft_inflation', 'ttft_added', 'prep', 'server_prefill', 'loop_delay_p99', 'gateway_startup', 'request_errors'];

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.target.name} ${p.mode}${p.mode === 'pool' || p.mode === 'process' ? `×${WORKERS}` : ''} c=${p.concurrency}`;
}

/**
 * What the gateway does with a chat, as a row's `mode`: `baseline` (it forwards ids computed before the run:
 * TTFT without preprocessing) or `preprocess` (it renders and tokenizes the chat with the row's `strategy`).
 */
type GatewayRowMode = 'baseline' | 'preprocess';

/**
 * A point's parameters, which every row of the point carries: its `mode`, and for `preprocess` the strategy
 * it preprocesses with (the baseline has no strategy, engine, tokenizer or workers).
 */
function coordinates(p: Point): Params {
  const baseline = p.mode === 'baseline';
  return {
    target: p.target.name,
    model: p.target.model,
    template: GATEWAY_PIPELINE.template,
    engine: baseline ? undefined : GATEWAY_PIPELINE.engine,
    tokenizer: baseline ? undefined : GATEWAY_PIPELINE.tokenizer,
    mode: (baseline ? 'baseline' : 'preprocess') satisfies GatewayRowMode,
    strategy: baseline ? undefined : p.mode,
    workers: baseline ? undefined : modeWorkers(p.mode, WORKERS),
    turns: GATEWAY_TURNS,
    tokens: GATEWAY_TOKENS,
    concurrency: p.concurrency,
  };
}

/** Targets × concurrency levels × modes (the baseline and the --gateway strategies). */
function matrix(options: RunOptions): Point[] {
  const inf = inferenceOf(options);
  const modes = GATEWAY_MODES.filter((m) => m === 'baseline' || (inf.gateway as readonly string[]).includes(m));
  const levels = inf.concurrency ?? (options.quick ? [1, 4] : [1, 2, 4, 8]);
  // Start-up is reported by the first point of each target (server) and of each mode (strategy).
  const seen = new Set<string>();
  const firstOf = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  return inf.targets.flatMap((target) =>
    levels.flatMap((concurrency) =>
      modes.map((mode) => ({
        target,
        mode,
        concurrency,
        marker: `s${options.seed}-${mode}-c${concurrency}`,
        reportBackendStartup: firstOf(`target ${target.name}`),
        reportGatewayStartup: mode !== 'baseline' && firstOf(`mode ${mode}`),
      })),
    ),
  );
}

async function run(point: Point, options: RunOptions): Promise<RowInput[]> {
  const inf = inferenceOf(options);
  const opened = await openPoint(point.target, options, point.reportBackendStartup);
  if ('failed' in opened) return opened.failed;
  const { target, params, rows: startup } = opened;
  const rows: RowInput[] = [];
  const bounds = boundsOf(options, { requests: Math.max(32, 12 * point.concurrency), durationS: 10 }, { requests: Math.max(64, 16 * point.concurrency), durationS: 30 });

  const strategy = await gatewayStrategy(point.mode, WORKERS);
  if (strategy && point.reportGatewayStartup) {
    rows.push({ params, metric: 'gateway_startup', unit: 'ms', value: strategy.startupMs, note: 'preprocessing strategy start until every worker loaded template + tokenizer (once per run; not in any timed region)' });
  }
  // Requests of this point: distinct chats, each with the process's tag, the point's marker and its number; baseline ids computed up front.
  const chats = chatsFor(options);
  const marker = `${processTag(options)} ${point.marker}`;
  const requests = new Map<number, { chat: ChatMessage[]; ids?: number[] }>();
  const ref = await preprocessor(GATEWAY_PIPELINE);
  for (let i = -bounds.warmup; i < bounds.requests; i++) {
    const chat = requestChat(chats, i, marker);
    requests.set(i, { chat, ids: point.mode === 'baseline' ? await ref.prepare(chat) : undefined });
  }
  const client = { baseURL: target.baseURL, model: target.model, client: point.target.client };
  const send: SendRequest = (i, signal) =>
    handleChat(requests.get(i)!, point.mode, strategy, client, { maxPromptIds: MAX_PROMPT_IDS, maxTokens: outputTokens(options.seed, i), timeoutMs: bounds.timeoutMs, idleTimeoutMs: bounds.idleTimeoutMs, signal });

  options.progress(`${label(point)}: ${bounds.requests} requests`);
  const monitor = startResourceMonitor(target.pid);
  const load = await runLoad(send, { concurrency: point.concurrency, seed: options.seed, requests: bounds.requests, durationMs: bounds.durationMs, warmup: bounds.warmup }, options.signal);
  const resources = monitor.stop();
  countOutputTokens(load.records);

  const ok = load.records.filter((r) => !r.error && r.extra);
  const full = ok.length > 0 ? Math.round(summarize(ok.map((r) => r.extra!.full_ids)).median) : undefined;
  const sent = ok.length > 0 ? Math.round(summarize(ok.map((r) => r.extra!.prompt_ids)).median) : undefined;
  const trunc = full !== undefined && sent !== undefined && full > sent ? `; prompt truncated to BOS + last ${sent - 1} of ${full} ids, to keep the CPU server's prefill from dwarfing the gateway's cost` : '';
  const what = point.mode === 'baseline' ? 'chat arrives at the gateway (ids pre-computed, no preprocessing)' : `chat arrives at the gateway (render + tokenize ${point.mode === 'main' ? 'on its event loop' : point.mode === 'pool' ? `in a ${WORKERS}-thread pool` : 'in a sidecar process'}, then forward)`;
  const measured = runRows(load.records, target.name, params, inf.slo, what + trunc);
  rows.push(...measured.rows);
  if (point.mode !== 'baseline' && ok.length > 0) {
    const prep = ok.map((r) => r.extra!.prep_ms);
    rows.push({ params, metric: 'prep', unit: 'ms', summary: summarize(prep), samples: prep, note: `gateway: arrival → token ids ready (render + tokenize of a ${GATEWAY_TURNS}-turn chat, queueing and round trip included)${trunc}` });
  }
  // A closed loop: the send lag is ≈0 by construction; the gateway's own loop delay is the figure this experiment measures.
  const judgement = judgeClient(load, {}, inf.saturation, params, ONE_THREAD_LOAD);
  rows.push(...resourceRows(resources, params), ...judgement.rows);
  // Start-up rows do not depend on the client: only the measured rows take its verdict.
  return [...startup, ...withClientVerdict(rows, judgement)];
}

/** How the ratio pairs its figures: a load run per mode cannot share a round with another mode's. */
const BLOCKS = 'both load runs in the same process, one after the other (each mode is a load run of its own, so they are not interleaved in paired rounds)';

/** TTFT inflation and added TTFT of each preprocessing mode against the baseline at the same target and concurrency. */
function derive(rows: ResultRow[]): RowInput[] {
  const derived: RowInput[] = [];
  const ttfts = rows.filter((r) => r.metric === 'ttft' && typeof r.median === 'number');
  for (const r of ttfts) {
    if (r.mode !== 'preprocess') continue;
    const b = ttfts.find((x) => x.mode === 'baseline' && x.target === r.target && x.concurrency === r.concurrency);
    if (!b) continue;
    const [mine, base] = [figureOf(r), figureOf(b)];
    const { ratio, low: lo, high: hi } = ratioOfMedians(mine, base);
    const params = rowParams(r);
    derived.push({ params, metric: 'ttft_inflation', unit: 'x', value: ratio, low: lo, high: hi, note: `median TTFT with ${r.strategy} preprocessing / median TTFT of the baseline (pre-computed ids) at concurrency ${r.concurrency}; ${BLOCKS}` });
    derived.push({ params, metric: 'ttft_added', unit: 'ms', signed: true, value: mine.median - base.median, low: mine.ciLow - base.ciHigh, high: mine.ciHigh - base.ciLow, note: `median TTFT minus baseline median TTFT at concurrency ${r.concurrency}; ${BLOCKS}` });
  }
  return derived;
}

export const gateway: Experiment<Point> = {
  ...META,
  params: ['target', 'model', 'template', 'engine', 'tokenizer', 'mode', 'strategy', 'workers', 'turns', 'tokens', 'concurrency'],
  reads: ['--gateway'],
  matrix,
  // All load points of the experiment share one process: they measure one started target, not the client's own code.
  group: () => `inference ${META.id}`,
  label,
  coordinates,
  headline: HEADLINE,
  run,
  derive,
  charts: gatewayCharts,
  answers: gatewayAnswers,
};

function strategyText(strategy: ParamValue, workers: ParamValue): string {
  if (strategy === 'main') return "on the gateway's event loop";
  if (strategy === 'pool') return `in a ${workers}-thread worker pool`;
  if (strategy === 'process') return 'in a sidecar process';
  return String(strategy);
}

const withMode = (r: ResultRow): string => (r.mode === 'baseline' ? 'without preprocessing (baseline)' : `with preprocessing ${strategyText(r.strategy, r.workers)}`);

/**
 * Experiment 6's answers at the highest concurrency measured (first target): TTFT inflation per
 * preprocessing mode against the baseline, and the gateway's event-loop delay per mode.
 */
export function gatewayAnswers(rows: ResultRow[], context: FindingContext): Finding[] {
  const first = pick(rows, { metric: 'ttft_inflation' }) ?? pick(rows, { metric: 'loop_delay_p99' });
  if (!first) return [];
  const at = (metric: string, c: number) => rows.filter((r) => r.target === first.target && r.concurrency === c && pick([r], { metric }));
  const levels = (metric: string) => rows.filter((r) => r.target === first.target && pick([r], { metric })).map((r) => Number(r.concurrency));
  const findings: Finding[] = [];
  const c = Math.max(...levels('ttft_inflation'));
  for (const inflation of Number.isFinite(c) ? at('ttft_inflation', c) : []) {
    const added = pick(at('ttft_added', c), { strategy: inflation.strategy });
    const where = `preprocessing ${strategyText(inflation.strategy, inflation.workers)}`;
    const caveats = caveatsOf([inflation, added]);
    if (typeof inflation.workers === 'number' && inflation.workers > context.cores) caveats.push(`${inflation.workers} workers on ${context.cores} logical CPUs: they time-share the cores`);
    const later = added && Number(inflation.ci_low) > 1 ? `, ${withCi(added)} later` : '';
    const text = crosses(inflation, 1)
      ? `No measurable TTFT inflation with ${where} at concurrency ${c}: median TTFT ${withCi(inflation)} the baseline's.`
      : `With ${where}, median TTFT at concurrency ${c} is ${withCi(inflation)} the baseline's${later}.`;
    findings.push({ id: `ttft-inflation-${inflation.strategy}`, chart: 'ttft-inflation', caveats, row: inflation, text });
  }
  const cl = Math.max(...levels('loop_delay_p99'));
  const delays = Number.isFinite(cl) ? at('loop_delay_p99', cl) : [];
  if (delays.length > 0) {
    findings.push({
      id: 'loop-delay',
      chart: 'loop-delay',
      caveats: caveatsOf(delays),
      row: pick(delays, { strategy: 'main' }) ?? delays[0],
      text: `Event-loop delay p99 of the gateway at concurrency ${cl}: ${delays.map((d) => `${withCi(d)} ${withMode(d)}`).join(', ')}.`,
    });
  }
  return findings;
}

export default gateway;
