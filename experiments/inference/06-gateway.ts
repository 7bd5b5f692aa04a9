/**
 * Experiment 6 — gateway contention, the reason the inference suite lives in prepbench: a Node gateway
 * receives 100-turn chats, renders and tokenizes them, and forwards the token ids to the inference server.
 * How much later does the first token arrive than without preprocessing, and how late do the gateway's
 * timers fire — with the preprocessing on the event loop, in a worker pool, or in a sidecar process?
 */
import { randomUUID } from 'node:crypto';
import { GATEWAY_MODES, GATEWAY_PIPELINE, gatewayStrategy, handleChat, modeWorkers, type GatewayMode } from '../../suites/inference/gateway.ts';
import { runLoad, type SendRequest } from '../../suites/inference/load.ts';
import { startResourceMonitor } from '../../suites/inference/resource-monitor.ts';
import type { TargetSpec } from '../../suites/inference/options.ts';
import { boundsOf, coordsOf, countOutputTokens, inferenceOf, openPoint, resourceRows, runRows } from '../../suites/inference/experiment-helpers.ts';
import { writeInferenceSummary } from '../../suites/inference/summary-file.ts';
import { createRng, deriveSeed } from '../../common/rng.ts';
import { caveatsOf, crosses, pick, withCi, type Finding, type FindingContext } from '../../common/findings.ts';
import type { ResultRow, RowInput } from '../../common/results.ts';
import { ratioOfMedians, summarize } from '../../common/stats.ts';
import type { ChatMessage } from '../../common/templates/engines.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { gatewayCharts } from '../../suites/inference/charts.ts';
import { chatFor, preprocessor } from '../../suites/preprocessing/experiment-helpers.ts';

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

/** Strategies whose start-up was reported (a pool restarted after a teardown is reported again). */
const reportedStartup = new WeakSet<object>();
const runMarker = randomUUID().slice(0, 8);

export const gateway: Experiment<Point> = {
  id: 6,
  slug: 'gateway',
  title: 'Gateway contention',
  question: 'When a Node gateway renders and tokenizes 100-turn chats before forwarding token ids, how much does TTFT inflate and how late does its event loop run — preprocessing on the loop, in a worker pool, or in a sidecar process?',
  matrix(options) {
    const inf = inferenceOf(options);
    const modes = GATEWAY_MODES.filter((m) => m === 'baseline' || options.strategies.includes(m));
    const levels = inf.concurrency ?? (options.quick ? [1, 4] : [1, 2, 4, 8]);
    return inf.targets.flatMap((target) => levels.flatMap((concurrency) => modes.map((mode) => ({ target, mode, concurrency }))));
  },
  // All load points of the experiment share one process: they measure one started target, not the client's own code.
  group: () => `inference ${6}`,
  label: (p) => `${p.target.name} ${p.mode}${p.mode === 'pool' || p.mode === 'process' ? `×${WORKERS}` : ''} c=${p.concurrency}`,
  coordinates: (p) => ({
    target: p.target.name,
    model: p.target.model,
    template: GATEWAY_PIPELINE.template,
    engine: p.mode === 'baseline' ? undefined : GATEWAY_PIPELINE.engine,
    tokenizer: p.mode === 'baseline' ? undefined : GATEWAY_PIPELINE.tokenizer,
    strategy: p.mode,
    workers: p.mode === 'baseline' ? undefined : modeWorkers(p.mode, WORKERS),
    turns: GATEWAY_TURNS,
    tokens: GATEWAY_TOKENS,
    concurrency: p.concurrency,
  }),
  headline: ['ttft', 'ttft_inflation', 'ttft_added', 'prep', 'server_prefill', 'loop_delay_p99', 'gateway_startup', 'request_errors'],
  async run(point, options) {
    const inf = inferenceOf(options);
    const base = gateway.coordinates(point);
    const opened = await openPoint(point.target, options, base);
    if ('failed' in opened) return opened.failed;
    const { target, coords, rows } = opened;
    const bounds = boundsOf(options, { requests: Math.max(32, 12 * point.concurrency), durationS: 10 }, { requests: Math.max(64, 16 * point.concurrency), durationS: 30 });

    const strategy = await gatewayStrategy(point.mode, WORKERS);
    if (strategy) {
      if (!reportedStartup.has(strategy)) {
        reportedStartup.add(strategy);
        rows.push({ ...coords, metric: 'gateway_startup', unit: 'ms', value: strategy.startupMs, note: 'preprocessing strategy start until every worker loaded template + tokenizer (once per run; not in any timed region)' });
      }
    }
    // Requests of this point: distinct chats, each with a unique marker; baseline ids computed up front.
    const chats = chatsFor(options);
    const marker = `${runMarker}-${point.mode}-${point.concurrency}`;
    const requests = new Map<number, { chat: ChatMessage[]; ids?: number[] }>();
    const ref = await preprocessor(GATEWAY_PIPELINE);
    for (let i = -bounds.warmup; i < bounds.requests; i++) {
      const chat = requestChat(chats, i, marker);
      requests.set(i, { chat, ids: point.mode === 'baseline' ? await ref.prepare(chat) : undefined });
    }
    const client = { baseURL: target.baseURL, model: target.model, client: point.target.client };
    const send: SendRequest = (i, signal) =>
      handleChat(requests.get(i)!, point.mode, strategy, client, { maxPromptIds: MAX_PROMPT_IDS, maxTokens: outputTokens(options.seed, i), timeoutMs: bounds.timeoutMs, idleTimeoutMs: bounds.idleTimeoutMs, signal });

    options.progress(`${gateway.label(point)}: ${bounds.requests} requests`);
    const monitor = startResourceMonitor(target.pid);
    const load = await runLoad(send, { concurrency: point.concurrency, seed: options.seed, requests: bounds.requests, durationMs: bounds.durationMs, warmup: bounds.warmup }, options.signal);
    const resources = monitor.stop();
    countOutputTokens(load.records);

    const ok = load.records.filter((r) => !r.error && r.extra);
    const full = ok.length > 0 ? Math.round(summarize(ok.map((r) => r.extra!.full_ids)).median) : undefined;
    const sent = ok.length > 0 ? Math.round(summarize(ok.map((r) => r.extra!.prompt_ids)).median) : undefined;
    const trunc = full !== undefined && sent !== undefined && full > sent ? `; prompt truncated to BOS + last ${sent - 1} of ${full} ids, to keep the CPU server's prefill from dwarfing the gateway's cost` : '';
    const what = point.mode === 'baseline' ? 'chat arrives at the gateway (ids pre-computed, no preprocessing)' : `chat arrives at the gateway (render + tokenize ${point.mode === 'main' ? 'on its event loop' : point.mode === 'pool' ? `in a ${WORKERS}-thread pool` : 'in a sidecar process'}, then forward)`;
    const measured = runRows(load.records, coords, inf.slo, what + trunc);
    rows.push(...measured.rows);
    if (point.mode !== 'baseline' && ok.length > 0) {
      const prep = ok.map((r) => r.extra!.prep_ms);
      rows.push({ ...coords, metric: 'prep', unit: 'ms', summary: summarize(prep), samples: prep, note: `gateway: arrival → token ids ready (render + tokenize of a ${GATEWAY_TURNS}-turn chat, queueing and round trip included)${trunc}` });
    }
    rows.push(...resourceRows(resources, coords));
    return rows;
  },
  derive(rows) {
    const derived: RowInput[] = [];
    const ttfts = rows.filter((r) => r.metric === 'ttft' && r.summary);
    for (const r of ttfts) {
      if (r.strategy === 'baseline') continue;
      const b = ttfts.find((x) => x.strategy === 'baseline' && x.target === r.target && x.concurrency === r.concurrency);
      if (!b) continue;
      const coords = coordsOf(r);
      const { ratio, low: lo, high: hi } = ratioOfMedians(r.summary!, b.summary!);
      derived.push({ ...coords, metric: 'ttft_inflation', unit: 'x', value: ratio, low: lo, high: hi, note: `median TTFT with ${r.strategy} preprocessing / median TTFT of the baseline (pre-computed ids) at concurrency ${r.concurrency}` });
      derived.push({ ...coords, metric: 'ttft_added', unit: 'ms', signed: true, value: r.summary!.median - b.summary!.median, low: r.summary!.ciLow - b.summary!.ciHigh, high: r.summary!.ciHigh - b.summary!.ciLow, note: `median TTFT minus baseline median TTFT at concurrency ${r.concurrency}` });
    }
    return derived;
  },
  writeFiles(rows, options) {
    writeInferenceSummary(options.runDir, { id: gateway.id, title: gateway.title, question: gateway.question, headline: gateway.headline!, rows });
  },
  charts: gatewayCharts,
  answers: gatewayAnswers,
};

function modeText(mode: string, workers: number | ''): string {
  if (mode === 'main') return "on the gateway's event loop";
  if (mode === 'pool') return `in a ${workers}-thread worker pool`;
  if (mode === 'process') return 'in a sidecar process';
  return mode;
}

const withMode = (r: ResultRow): string => (r.strategy === 'baseline' ? 'without preprocessing (baseline)' : `with preprocessing ${modeText(r.strategy, r.workers)}`);

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
    const where = `preprocessing ${modeText(inflation.strategy, inflation.workers)}`;
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
