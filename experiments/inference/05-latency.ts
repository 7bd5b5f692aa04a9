/**
 * Experiment 5 — the latency wall: how do time-to-first-token and time-per-output-token grow as more
 * requests run at once, and which concurrency levels are Pareto-optimal (no other level gives more
 * throughput at lower TTFT)? Also: what does the client itself cost per streamed chunk?
 */
import { replayOverhead, type ClientKind } from '../../suites/inference/client.ts';
import { SPREAD_LOAD, judgeClient, withClientVerdict } from '../../suites/inference/client-rows.ts';
import type { RequestPlan } from '../../suites/inference/request-plan.ts';
import { paretoFront } from '../../common/stats/pareto.ts';
import { startResourceMonitor } from '../../suites/inference/resource-monitor.ts';
import { runLoad } from '../../suites/inference/load.ts';
import type { PromptSet, TargetSpec } from '../../suites/inference/config.ts';
import { boundsOf, countOutputTokens, defaultPromptSet, openPoint, plannedPrompts, resourceRows, runRows } from '../../suites/inference/experiment-helpers.ts';
import { inferenceOf } from '../../suites/inference/cli.ts';
import { caveatsOf, fmt, pick, ratioText, unpairedRatio, withCi, type Finding } from '../../common/results/findings.ts';
import { figureOf, rowParams, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { summarize } from '../../common/stats/stats.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { latencyCharts } from '../../suites/inference/charts/index.ts';

type Point =
  | { kind: 'overhead' }
  | {
      kind: 'load';
      target: TargetSpec;
      prompts: PromptSet;
      concurrency?: number;
      rate?: number;
      /** The target's first point reports the embedded server's start-up (any point of the process may have started it). */
      reportStartup: boolean;
      /** Threads issuing the requests (--load-workers). */
      loadWorkers: number;
    };

type LoadPoint = Extract<Point, { kind: 'load' }>;

const OVERHEAD_CHUNKS = 256;

const META = {
  id: 5,
  slug: 'latency',
  title: 'Latency wall',
  question: 'As concurrency grows, how do TTFT and TPOT grow against throughput, and which concurrency levels are Pareto-optimal?',
};

const HEADLINE = ['backend_startup', 'ttft', 'tpot', 'itl', 'output_throughput', 'goodput', 'pareto_front_p50', 'decode_rate_ratio', 'client_overhead_fetch', 'client_overhead_openai', 'client_parse_per_chunk', 'request_errors'];

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return p.kind === 'overhead' ? 'client overhead (replay)' : `${p.target.name} ${p.prompts.name} ${p.rate !== undefined ? `rate=${p.rate}/s` : `c=${p.concurrency}`}`;
}

/** A point's parameters, which every row of the point carries (the client-overhead point has none). */
function coordinates(p: Point): Params {
  return p.kind === 'overhead' ? {} : { target: p.target.name, model: p.target.model, dataset: p.prompts.name, tokens: p.prompts.inputTokens, concurrency: p.concurrency, rate: p.rate, load_workers: p.loadWorkers > 1 ? p.loadWorkers : undefined };
}

function matrix(options: RunOptions): Point[] {
  const inf = inferenceOf(options);
  const sets = inf.prompts ?? [defaultPromptSet(options.quick)];
  const loads: { concurrency?: number; rate?: number }[] = inf.rates
    ? inf.rates.map((rate) => ({ rate, concurrency: inf.concurrency ? Math.max(...inf.concurrency) : undefined }))
    : (inf.concurrency ?? (options.quick ? [1, 2, 4] : [1, 2, 4, 8, 16])).map((concurrency) => ({ concurrency }));
  const points: Point[] = [{ kind: 'overhead' }];
  for (const target of inf.targets) {
    let first = true;
    for (const prompts of sets) {
      for (const l of loads) {
        points.push({ kind: 'load', target, prompts, ...l, reportStartup: first, loadWorkers: inf.loadWorkers });
        first = false;
      }
    }
  }
  return points;
}

/** Pareto flags of every load level of each target · prompt set, and the SDK's overhead over fetch. */
function derive(rows: ResultRow[]): RowInput[] {
  const derived: RowInput[] = [];
  const groups = new Map<string, ResultRow[]>();
  const loadOf = (r: ResultRow) => `${r.concurrency}/${r.rate}`;
  for (const r of rows) {
    if (r.concurrency === '' && r.rate === '') continue;
    const key = `${r.target}\u0000${r.dataset}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const measured = (r: ResultRow | undefined): r is ResultRow => r !== undefined && typeof r.median === 'number';
  for (const group of groups.values()) {
    const loads = [...new Set(group.map(loadOf))];
    const pts = loads.flatMap((l) => {
      const at = group.filter((r) => loadOf(r) === l);
      const thr = at.find((r) => r.metric === 'output_throughput');
      const ttft = at.find((r) => r.metric === 'ttft');
      return measured(thr) && measured(ttft) ? [{ params: rowParams(ttft), throughput: figureOf(thr).median, p50: figureOf(ttft).median, p99: figureOf(ttft).p99 }] : [];
    });
    // Per process 100 or 0, so the runner's mean over processes is the share of processes on the front.
    for (const q of ['p50', 'p99'] as const) {
      const front = paretoFront(pts.map((p) => ({ throughput: p.throughput, latency: p[q] })));
      pts.forEach((p, i) =>
        derived.push({ params: p.params, metric: `pareto_front_${q}`, unit: '%', value: front[i] ? 100 : 0, proportion: true, note: `share of processes (0–100) in which this load level was on the Pareto front of output throughput ↑ vs ${q} TTFT ↓ (no other load level of this target/dataset better in both); no interval: it is a share of flags` }),
      );
    }
  }
  const fetchRow = rows.find((r) => r.metric === 'client_overhead_fetch');
  const sdkRow = rows.find((r) => r.metric === 'client_overhead_openai');
  if (measured(fetchRow) && measured(sdkRow)) {
    derived.push({ metric: 'sdk_overhead_vs_fetch', unit: 'us', signed: true, value: figureOf(sdkRow).median - figureOf(fetchRow).median, note: 'openai SDK minus fetch client, median µs per streamed chunk (replayed from memory)' });
  }
  return derived;
}

export const latency: Experiment<Point> = {
  ...META,
  params: ['target', 'model', 'dataset', 'tokens', 'concurrency', 'rate', 'load_workers'],
  reads: ['--load-workers'],
  matrix,
  // All load points of the experiment share one process: they measure one started target, not the client's own code.
  group: () => `inference ${META.id}`,
  label,
  coordinates,
  headline: HEADLINE,
  async run(point, options) {
    if (point.kind === 'overhead') return overheadRows();
    return runPoint(point, options);
  },
  derive,
  charts: latencyCharts,
  answers: latencyAnswers,
};

const levelOf = (r: ResultRow): number => Number(r.rate !== '' ? r.rate : r.concurrency);
const loadName = (r: ResultRow): string => (r.rate !== '' ? `${r.rate} requests/s` : `concurrency ${r.concurrency}`);
/**
 * How a latency metric moves from the lightest to the heaviest load. The two loads ran in different
 * processes, so their ratio's interval comes from both rows' intervals (unpairedRatio); one that
 * includes 1 is no measurable difference.
 */
function growth(id: string, what: string, lo: ResultRow | undefined, hi: ResultRow | undefined): Finding[] {
  if (!lo || !hi || lo === hi) return [];
  const caveats = caveatsOf([lo, hi]);
  const ratio = unpairedRatio(hi, lo);
  if (!Number.isFinite(ratio.low) || !Number.isFinite(ratio.high)) {
    return [{ id, chart: 'throughput-ttft', caveats, row: hi, text: `Median ${what} is ${withCi(lo)} at ${loadName(lo)} and ${withCi(hi)} at ${loadName(hi)} (without 95% intervals over processes no difference is established).` }];
  }
  if (ratio.low <= 1 && 1 <= ratio.high) {
    return [{ id, chart: 'throughput-ttft', caveats, row: hi, text: `No measurable difference in median ${what} between ${loadName(lo)} (${withCi(lo)}) and ${loadName(hi)} (${withCi(hi)}): ${ratioText(ratio)}.` }];
  }
  return [{ id, chart: 'throughput-ttft', caveats, row: hi, text: `Median ${what} ${ratio.ratio > 1 ? 'grows' : 'falls'} from ${withCi(lo)} at ${loadName(lo)} to ${withCi(hi)} at ${loadName(hi)}: ${ratioText(ratio)}.` }];
}

/** Experiment 5's answers, for the first target · prompt set measured: TTFT and TPOT growth, throughput peak and Pareto front, SLO share. */
export function latencyAnswers(rows: ResultRow[]): Finding[] {
  const first = pick(rows, { metric: 'ttft' }) ?? pick(rows, { metric: 'output_throughput' });
  if (!first) return [];
  const of = (metric: string) =>
    rows.filter((r) => r.target === first.target && r.dataset === first.dataset && pick([r], { metric })).sort((a, b) => levelOf(a) - levelOf(b));
  const [ttft, tpot, thr] = [of('ttft'), of('tpot'), of('output_throughput')];
  const findings = [...growth('ttft-growth', 'TTFT', ttft[0], ttft.at(-1)), ...growth('tpot-growth', 'TPOT', tpot[0], tpot.at(-1))];
  if (thr.length > 0) {
    const peak = thr.reduce((a, b) => (Number(b.median) > Number(a.median) ? b : a));
    const front = of('pareto_front_p50')
      .filter((r) => Number(r.median) > 0)
      .map((r) => `${loadName(r)}${Number(r.median) < 100 ? ` (in ${fmt(Number(r.median))}% of processes)` : ''}`);
    const edge = thr.length > 1 && peak === thr.at(-1) ? ', the heaviest load measured (it may rise further)' : '';
    const rise = thr[0] !== peak ? `rises from ${withCi(thr[0])} at ${loadName(thr[0])} to a peak of` : 'peaks at';
    findings.push({
      id: 'throughput-peak',
      chart: 'throughput-ttft',
      caveats: caveatsOf([thr[0], peak]),
      row: peak,
      text: `Output throughput ${rise} ${withCi(peak)} at ${loadName(peak)}${edge}${front.length > 0 ? `; Pareto-optimal (throughput vs median TTFT): ${front.join(', ')}` : ''}.`,
    });
  }
  const shares = of('goodput_share');
  if (shares.length > 0) {
    const slo = shares[0].note.replace(/^share of all requests meeting /, '') || 'the SLO';
    const missed = shares.findIndex((s) => Number(s.median) < 100);
    const full = missed === -1 ? shares.at(-1) : shares[missed - 1];
    const list = shares.map((r) => `${fmt(Number(r.median))}% at ${loadName(r)}`).join(', ');
    findings.push({
      id: 'slo',
      chart: 'throughput-ttft',
      caveats: caveatsOf(shares),
      row: full ?? shares[0],
      text: `Requests meeting ${slo}: ${list}; ${full ? `every request meets it up to ${loadName(full)}` : `some miss it already at ${loadName(shares[0])}`}.`,
    });
  }
  return findings;
}

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

async function runPoint(point: LoadPoint, options: RunOptions): Promise<RowInput[]> {
  const inf = inferenceOf(options);
  const opened = await openPoint(point.target, options, point.reportStartup);
  if ('failed' in opened) return opened.failed;
  const { target, params, rows: startup } = opened;
  const rows: RowInput[] = [];
  const bounds = boundsOf(options);
  const outputTokens = point.prompts.outputTokens ?? (options.quick ? 32 : 128);
  const client: ClientKind = point.target.client;
  // The prompts are generated before anything is timed, as data, so load worker threads can send them too.
  const plan: RequestPlan = {
    client,
    baseURL: target.baseURL,
    model: target.model,
    prompts: plannedPrompts(point.prompts, options.seed, bounds.requests + bounds.warmup),
    maxTokens: outputTokens,
    ignoreEos: true,
    timeoutMs: bounds.timeoutMs,
    idleTimeoutMs: bounds.idleTimeoutMs,
  };
  options.progress(`${label(point)}: ${bounds.requests} requests`);
  const monitor = startResourceMonitor(target.pid);
  const load = await runLoad(plan, { concurrency: point.concurrency, rate: point.rate, seed: options.seed, requests: bounds.requests, durationMs: bounds.durationMs, warmup: bounds.warmup, loadWorkers: point.loadWorkers }, options.signal);
  const resources = monitor.stop();
  countOutputTokens(load.records);
  const prompts = point.prompts.prompts
    ? `prompts from ${point.prompts.name} (${point.prompts.prompts.length}, cycled), max_tokens ${point.prompts.outputTokens ?? outputTokens} unless a line sets it`
    : `${point.prompts.inputTokens}-token seeded user messages (chat template applied by the server), ${outputTokens} output tokens`;
  const what = `request sent by the ${client} client (${point.rate !== undefined ? `Poisson ${point.rate}/s, seed ${options.seed}` : `closed loop, ${point.concurrency} concurrent`}; ${prompts}; ignore_eos)`;
  const judgement = judgeClient(load, point, inf.saturation, params, SPREAD_LOAD);
  rows.push(...runRows(load.records, target.name, params, inf.slo, what).rows, ...resourceRows(resources, params), ...judgement.rows);
  if (load.skipped > 0) rows.push({ params, metric: 'requests_skipped', unit: 'count', value: load.skipped, note: `not issued: the ${bounds.durationMs / 1000} s time bound was reached first` });
  // Start-up rows do not depend on the client: only the measured rows take its verdict.
  return [...startup, ...withClientVerdict(rows, judgement)];
}

export default latency;
