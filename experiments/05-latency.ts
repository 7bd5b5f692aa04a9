/**
 * Experiment 5 — the latency wall: how do time-to-first-token and time-per-output-token grow as more
 * requests run at once, and which concurrency levels are Pareto-optimal (no other level gives more
 * throughput at lower TTFT)? Also: what does the client itself cost per streamed chunk?
 */
import { streamRequest, replayOverhead, type ClientKind } from '../common/inference/client.ts';
import { paretoFront } from '../common/inference/metrics.ts';
import { startResourceMonitor } from '../common/inference/monitor.ts';
import { runLoad, type SendRequest } from '../common/inference/load.ts';
import type { DatasetPrompt, PromptSet, TargetSpec } from '../common/inference/options.ts';
import { boundsOf, coordsOf, countOutputTokens, inferenceOf, openPoint, resourceRows, runRows, syntheticTexts } from '../common/inference/run.ts';
import { writeInferenceSummary } from '../common/inference/summary.ts';
import type { RowInput } from '../common/results.ts';
import { summarize } from '../common/stats.ts';
import type { Experiment, RunOptions } from '../suites/types.ts';
import { latencyCharts } from '../suites/inference/charts.ts';

type Point =
  | { kind: 'overhead' }
  | { kind: 'load'; target: TargetSpec; prompts: PromptSet; concurrency?: number; rate?: number };

const OVERHEAD_CHUNKS = 256;

export function defaultPromptSet(quick: boolean): PromptSet {
  return quick ? { name: 'synthetic-128in-32out', inputTokens: 128, outputTokens: 32 } : { name: 'synthetic-512in-128out', inputTokens: 512, outputTokens: 128 };
}

const texts = new Map<string, string[]>();

/** The prompt of request `i` of a set (synthetic texts are generated once per shape). */
function promptFor(set: PromptSet, i: number, seed: number, pool: number): DatasetPrompt {
  if (set.prompts) return set.prompts[((i % set.prompts.length) + set.prompts.length) % set.prompts.length];
  const key = `${seed}/${set.inputTokens}/${pool}`;
  if (!texts.has(key)) texts.set(key, syntheticTexts(seed, pool, set.inputTokens ?? 128));
  const list = texts.get(key)!;
  return { messages: [{ role: 'user', content: list[((i % pool) + pool) % pool] }] };
}

export const latency: Experiment<Point> = {
  id: 5,
  slug: 'latency',
  title: 'Latency wall',
  question: 'As concurrency grows, how do TTFT and TPOT grow against throughput, and which concurrency levels are Pareto-optimal?',
  matrix(options) {
    const inf = inferenceOf(options);
    const sets = inf.prompts ?? [defaultPromptSet(options.quick)];
    const loads: { concurrency?: number; rate?: number }[] = inf.rates
      ? inf.rates.map((rate) => ({ rate, concurrency: inf.concurrency ? Math.max(...inf.concurrency) : undefined }))
      : (inf.concurrency ?? (options.quick ? [1, 2, 4] : [1, 2, 4, 8, 16])).map((concurrency) => ({ concurrency }));
    const points: Point[] = [{ kind: 'overhead' }];
    for (const target of inf.targets) for (const prompts of sets) for (const l of loads) points.push({ kind: 'load', target, prompts, ...l });
    return points;
  },
  // All load points of the experiment share one process: they measure one started target, not the client's own code.
  group: () => `inference ${5}`,
  label: (p) => (p.kind === 'overhead' ? 'client overhead (replay)' : `${p.target.name} ${p.prompts.name} ${p.rate !== undefined ? `rate=${p.rate}/s` : `c=${p.concurrency}`}`),
  coordinates: (p) =>
    p.kind === 'overhead'
      ? {}
      : { target: p.target.name, model: p.target.model, dataset: p.prompts.name, tokens: p.prompts.inputTokens, concurrency: p.concurrency, rate: p.rate },
  headline: ['backend_startup', 'ttft', 'tpot', 'itl', 'output_throughput', 'goodput', 'pareto_front_p50', 'decode_rate_ratio', 'client_overhead_fetch', 'client_overhead_openai', 'client_parse_per_chunk', 'request_errors'],
  async run(point, options) {
    if (point.kind === 'overhead') return overheadRows();
    return runPoint(point, options);
  },
  derive(rows) {
    const derived: RowInput[] = [];
    const groups = new Map<string, RowInput[]>();
    for (const r of rows) {
      if (r.concurrency === undefined && r.rate === undefined) continue;
      const key = `${r.target}\u0000${r.dataset}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const group of groups.values()) {
      const loads = [...new Set(group.map((r) => `${r.concurrency ?? ''}/${r.rate ?? ''}`))];
      const pts = loads.flatMap((l) => {
        const at = group.filter((r) => `${r.concurrency ?? ''}/${r.rate ?? ''}` === l);
        const thr = at.find((r) => r.metric === 'output_throughput');
        const ttft = at.find((r) => r.metric === 'ttft');
        return thr?.value !== undefined && ttft?.summary ? [{ coords: coordsOf(ttft), throughput: thr.value, p50: ttft.summary.median, p99: ttft.summary.p99 }] : [];
      });
      for (const q of ['p50', 'p99'] as const) {
        const front = paretoFront(pts.map((p) => ({ throughput: p.throughput, latency: p[q] })));
        pts.forEach((p, i) =>
          derived.push({ ...p.coords, metric: `pareto_front_${q}`, unit: 'bool', value: front[i] ? 1 : 0, note: `1 = on the Pareto front of output throughput ↑ vs ${q} TTFT ↓ (no other load level of this target/dataset is better in both)` }),
        );
      }
    }
    const fetchRow = rows.find((r) => r.metric === 'client_overhead_fetch');
    const sdkRow = rows.find((r) => r.metric === 'client_overhead_openai');
    if (fetchRow?.summary && sdkRow?.summary) {
      derived.push({ metric: 'sdk_overhead_vs_fetch', unit: 'us', value: sdkRow.summary.median - fetchRow.summary.median, note: 'openai SDK minus fetch client, median µs per streamed chunk (replayed from memory)' });
    }
    return derived;
  },
  writeFiles(rows, options) {
    writeInferenceSummary(options.runDir, { id: latency.id, title: latency.title, question: latency.question, headline: latency.headline!, rows });
  },
  charts: latencyCharts,
};

async function overheadRows(): Promise<RowInput[]> {
  const rows: RowInput[] = [];
  for (const kind of ['fetch', 'openai'] as ClientKind[]) {
    const samples = await replayOverhead(kind, OVERHEAD_CHUNKS, 15);
    rows.push({
      metric: `client_overhead_${kind}`,
      unit: 'us',
      summary: summarize(samples),
      samples,
      note: `client CPU per streamed chat chunk, ${OVERHEAD_CHUNKS} chunks replayed from memory one per read: stream read + SSE parse + JSON parse + bookkeeping (${kind === 'fetch' ? 'plain fetch + own SSE parser' : 'openai SDK v6 stream iterator'}); no network, no server`,
    });
  }
  return rows;
}

async function runPoint(point: Extract<Point, { kind: 'load' }>, options: RunOptions): Promise<RowInput[]> {
  const inf = inferenceOf(options);
  const base = latency.coordinates(point);
  const opened = await openPoint(point.target, options, base);
  if ('failed' in opened) return opened.failed;
  const { target, coords, rows } = opened;
  const bounds = boundsOf(options);
  const outputTokens = point.prompts.outputTokens ?? (options.quick ? 32 : 128);
  const pool = Math.min(64, bounds.requests + bounds.warmup);
  const client: ClientKind = point.target.client;
  const send: SendRequest = (i, signal) => {
    const p = promptFor(point.prompts, i, options.seed, pool);
    return streamRequest(client, {
      baseURL: target.baseURL,
      model: target.model,
      ...(p.messages ? { messages: p.messages } : { prompt: p.prompt }),
      maxTokens: p.maxTokens ?? outputTokens,
      ignoreEos: true,
      timeoutMs: bounds.timeoutMs,
      idleTimeoutMs: bounds.idleTimeoutMs,
      signal,
    });
  };
  promptFor(point.prompts, 0, options.seed, pool); // generates the synthetic prompts before anything is timed
  options.progress(`${latency.label(point)}: ${bounds.requests} requests`);
  const monitor = startResourceMonitor(target.pid);
  const load = await runLoad(send, { concurrency: point.concurrency, rate: point.rate, seed: options.seed, requests: bounds.requests, durationMs: bounds.durationMs, warmup: bounds.warmup }, options.signal);
  const resources = monitor.stop();
  countOutputTokens(load.records);
  const prompts = point.prompts.prompts
    ? `prompts from ${point.prompts.name} (${point.prompts.prompts.length}, cycled), max_tokens ${point.prompts.outputTokens ?? outputTokens} unless a line sets it`
    : `${point.prompts.inputTokens}-token seeded user messages (chat template applied by the server), ${outputTokens} output tokens`;
  const what = `request sent by the ${client} client (${point.rate !== undefined ? `Poisson ${point.rate}/s, seed ${options.seed}` : `closed loop, ${point.concurrency} concurrent`}; ${prompts}; ignore_eos)`;
  rows.push(...runRows(load.records, coords, inf.slo, what).rows, ...resourceRows(resources, coords));
  if (load.skipped > 0) rows.push({ ...coords, metric: 'requests_skipped', unit: 'count', value: load.skipped, note: `not issued: the ${bounds.durationMs / 1000} s time bound was reached first` });
  return rows;
}
