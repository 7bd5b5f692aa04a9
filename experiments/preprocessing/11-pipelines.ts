/**
 * Experiment 11 — pipelines: which template engine, tokenizer library and way of running them should a
 * Node gateway use for this model and this text, and what will it sustain? A pipeline is engine × library
 * × strategy × workers. Candidates are only engines that render the batch identically to the reference
 * and libraries whose ids equal the reference on it (suites/preprocessing/pipelines/candidates.ts). Every
 * candidate prepares the same batch (experiment 3's workload) in paired rounds while /health is probed on
 * a fixed schedule (experiment 4's open-loop prober); the verdict (pipelines/choose.ts) is first among the
 * run's answers. Python's Jinja2 (+ tokenizers) prepares the same batch beside them (pipelines/python-peer.ts).
 */
import type { TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { templateVariantsFor } from '../../common/assets/models.ts';
import { epochNow, startHealthProber, startHealthServer } from '../../common/monitor/health.ts';
import { startLoopDelayMonitor } from '../../common/monitor/event-loop.ts';
import { pairedRow, perRound, roundFigures, roundsSeed, runPairedRounds, variantRow, withRounds, type RoundsResult, type Variant } from '../../common/measure/paired-rounds.ts';
import { preprocessor } from '../../common/measure/preprocessor-cache.ts';
import type { RowInput } from '../../common/results/results.ts';
import { summarize } from '../../common/stats/stats.ts';
import type { StrategyId } from '../../common/strategies/index.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import { TEXT_KINDS, type TextKind } from '../../common/text/kinds.ts';
import { batchTasks, buildBatches, timeBatch } from '../../common/measure/workload.ts';
import { engineList, textKind } from '../../suites/preprocessing/experiment-helpers.ts';
import { pipelineCharts } from '../../suites/preprocessing/charts/pipelines.ts';
import { peerBatchOf, runPythonPeer } from '../../suites/preprocessing/pipelines/python-peer.ts';
import { screenCandidates } from '../../suites/preprocessing/pipelines/screen.ts';
import { pipelineAnswers, pipelineLabel } from '../../suites/preprocessing/pipelines/verdict.ts';
import { TOKENS_PER_REQUEST, TURNS, batchSize, cores, warmStrategy, workerCounts } from '../../suites/preprocessing/queue-points.ts';
import { preprocessingOptions } from '../../suites/preprocessing/cli.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';

interface Point {
  model: string;
  template: string;
  text: TextKind;
  requests: number;
}

type Pipeline = {
  engine: EngineId;
  tokenizer: TokenizerChoice;
  strategy: StrategyId;
  workers: number;
};

/** The transformers.js default: @huggingface/jinja + @huggingface/tokenizers on the main thread. */
const DEFAULT: Pipeline = { engine: 'jinja', tokenizer: 'js', strategy: 'main', workers: 1 };
const HEALTH_INTERVAL_MS = 5;
/** Each slice runs batches for at least SLICE_MS: a fast pipeline's batch takes ≈10 ms, too short for a loop-delay p99 or a CPU share. */
const ROUNDS = { quick: { rounds: 6, warmupCalls: 1, warmupMs: 200 }, full: { rounds: 16, warmupCalls: 2, warmupMs: 1000 } };
const SLICE_MS = 60;
/**
 * Engines and identical libraries kept after the screens (js besides, for the default). Quick keeps one
 * engine, and a pool only for the fastest library: every pool costs 4–16 s to start here (each worker
 * loads its tokenizer), and exp 11 took 45 s per process, half of a quick run, with three pools.
 */
const KEEP = { quick: { engines: 1, libraries: 2 }, full: { engines: 2, libraries: 3 } };

/** The strategies a pipeline may run: quick, main and a pool at the core count; full adds every count and native. */
function strategiesOf(options: RunOptions): { strategy: StrategyId; workers: number }[] {
  const counts = options.quick ? [cores()] : (preprocessingOptions(options).workers ?? workerCounts(false));
  const pools = counts.map((workers) => ({ strategy: 'pool' as const, workers }));
  return [{ strategy: 'main', workers: 1 }, ...pools, ...(options.quick ? [] : [{ strategy: 'native' as const, workers: 1 }])];
}

export const pipelines: Experiment<Point> = {
  id: 11,
  slug: 'pipelines',
  title: 'Pipelines',
  question: 'Which engine, tokenizer library and strategy should a Node gateway run for this model and text, and what will it sustain with the event loop free?',
  params: ['model', 'template', 'text', 'engine', 'tokenizer', 'strategy', 'workers', 'requests'],
  reads: ['--workers', '--text', '--loop-slo', '--topsis-weights'],
  headline: ['requests_per_s_per_core', 'per_core_vs_default', 'loop_delay_p99', 'health_latency', 'rss_added_mb'],
  charts: pipelineCharts,
  matrix(options) {
    const texts = options.quick ? [textKind(options)] : [...TEXT_KINDS];
    return preprocessingOptions(options).models.flatMap((model) => {
      const variants = templateVariantsFor([model]);
      const template = variants[variants.length - 1].id;
      return texts.map((text) => ({ model, template, text, requests: batchSize(options) }));
    });
  },
  label: (p) => `${p.template} ${p.text}`,
  group: (p) => `pipelines ${p.template} ${p.text}`,
  coordinates: (p) => ({ model: p.model, template: p.template, text: p.text, requests: p.requests }),
  run: measurePipelines,
  answers: pipelineAnswers,
};

async function measurePipelines(point: Point, options: RunOptions): Promise<RowInput[]> {
  const batch = buildBatches({ template: point.template, seed: options.seed, turns: TURNS, tokensPerRequest: TOKENS_PER_REQUEST, batchSize: point.requests, distinct: 1, text: point.text })[0];
  const reference = await preprocessor({ template: point.template, engine: 'jinja', tokenizer: 'js' });
  const prompts = batch.map((m) => reference.render(m));
  options.progress(`${point.template} ${point.text}: checking engines and libraries on the batch`);
  const keep = options.quick ? KEEP.quick : KEEP.full;
  const screen = await screenCandidates({ key: `${point.template} ${point.text} ${point.requests}`, model: point.model, template: point.template, batch, prompts, engines: engineList(options), keep, runDir: options.runDir });
  const { engines, libraries } = screen;
  const rows: RowInput[] = [...screen.rows];

  const chosen: Pipeline[] = [];
  for (const engine of engines) {
    for (const s of strategiesOf(options)) {
      // Native tokenizes with the Rust binding whatever the library: one pipeline per engine.
      for (const tokenizer of s.strategy === 'native' ? (['native'] as const) : libraries) {
        // Quick starts one pool per engine, the fastest library's: each pool costs 4–16 s to start here.
        if (options.quick && s.strategy === 'pool' && tokenizer !== libraries[0]) continue;
        chosen.push({ engine, tokenizer, ...s });
      }
    }
  }
  // The default is measured whenever its library gives the reference ids (its engine is the reference).
  if (!chosen.some((p) => pipelineLabel(p) === pipelineLabel(DEFAULT)) && libraries.includes('js')) chosen.unshift(DEFAULT);
  if (chosen.length === 0) return rows;

  const prepare = batchTasks('prepare', batch);
  const watch = new Map<string, { p99: number[]; windows: [number, number][]; cores: number[] }>();
  const variants: Variant[] = [];
  for (const p of chosen) {
    options.progress(`${point.template} ${point.text}: starting ${pipelineLabel(p)}`);
    const rssBefore = process.memoryUsage().rss;
    const strategy = await warmStrategy({ strategy: p.strategy, workers: p.workers }, { template: point.template, engine: p.engine, tokenizer: p.tokenizer }, prepare);
    rows.push({ params: paramsOf(p), metric: 'rss_added_mb', unit: 'MB', value: Math.max(0, process.memoryUsage().rss - rssBefore) / 2 ** 20, exact: false, note: 'resident memory this process grew by when the pipeline started and ran its first batches (a library or engine already loaded by an earlier pipeline adds nothing again)' });
    const w = { p99: [] as number[], windows: [] as [number, number][], cores: [] as number[] };
    watch.set(pipelineLabel(p), w);
    let monitor: { stop(): { p99: number } } | undefined;
    let opened = 0;
    let cpu = process.cpuUsage();
    variants.push({
      name: pipelineLabel(p),
      fn: () => timeBatch(strategy, prepare),
      enter() {
        opened = epochNow();
        cpu = process.cpuUsage();
        monitor = startLoopDelayMonitor(1);
      },
      leave() {
        const used = process.cpuUsage(cpu);
        const wall = epochNow() - opened;
        w.p99.push(monitor!.stop().p99);
        w.windows.push([opened, opened + wall]);
        w.cores.push((used.user + used.system) / 1000 / wall);
      },
    });
  }
  const server = await startHealthServer();
  const prober = await startHealthProber(server.url, HEALTH_INTERVAL_MS);
  const plan = options.quick ? ROUNDS.quick : ROUNDS.full;
  let result: RoundsResult;
  let probes: Awaited<ReturnType<typeof prober.stop>>;
  try {
    result = await runPairedRounds(variants, { rounds: plan.rounds, sliceMs: SLICE_MS, minCalls: 1, warmupMs: plan.warmupMs, warmupCalls: plan.warmupCalls }, roundsSeed(options, 11), { signal: options.signal, onRound: (d, t) => options.progress(`${point.template} ${point.text}: round ${d}/${t}`) });
  } finally {
    probes = await prober.stop();
    await server.close();
  }
  rows.push(...pipelineRows(point, chosen, result, watch, probes));
  // Python's stack beside them, on the same batch: unpaired (its own process, after the rounds).
  options.progress(`${point.template} ${point.text}: Python peer (Jinja2 sandbox)`);
  rows.push(...(await runPythonPeer(await peerBatchOf(reference, batch, prompts), { workers: cores(), quick: options.quick, signal: options.signal })).rows);
  const { loopSloMs, topsisWeights: w } = preprocessingOptions(options);
  rows.push({ metric: 'loop_slo', unit: 'ms', value: loopSloMs, exact: true, note: `selection rule: the highest requests/s per core among pipelines whose loop-delay p99 is under this SLO, ties inside the best's 95% interval broken by fewer threads; TOPSIS weights ${w.perCore},${w.loopP99},${w.rss} (requests/s per core, loop-delay p99, RSS)` });
  rows.push({ metric: 'candidates', unit: 'count', value: chosen.length, exact: true, note: `pipelines measured: engines ${engines.join(', ')} × libraries ${libraries.join(', ')} × strategies ${strategiesOf(options).map((s) => `${s.strategy}×${s.workers}`).join(', ')}` });
  return withRounds(rows, result);
}

function paramsOf(p: Pipeline) {
  return { engine: p.engine, tokenizer: p.tokenizer, strategy: p.strategy, workers: p.workers };
}

function pipelineRows(point: Point, chosen: Pipeline[], result: RoundsResult, watch: Map<string, { p99: number[]; windows: [number, number][]; cores: number[] }>, probes: { samples: number[]; at: number[] }): RowInput[] {
  const rows: RowInput[] = [];
  const base = chosen.find((p) => pipelineLabel(p) === pipelineLabel(DEFAULT));
  const perCore = (name: string) => roundFigures(result, name).map((ms, r) => (point.requests * 1000) / ms / watch.get(name)!.cores[r]);
  for (const p of chosen) {
    const name = pipelineLabel(p);
    const params = paramsOf(p);
    const w = watch.get(name)!;
    const prepared = variantRow(result, name, 'batch_prepare', `${point.requests} requests × ${TURNS} turns: render + tokenize + collate, round trip included for pools`, params);
    const over = `over ${w.p99.length} slices of at least ${SLICE_MS} ms (one batch or more) each`;
    rows.push(
      prepared,
      { params, metric: 'requests_per_s', unit: 'req/s', value: (point.requests * 1000) / prepared.summary!.median, note: `${point.requests} / median batch_prepare` },
      { params, metric: 'cores_used', unit: 'cores', summary: summarize(w.cores), samples: w.cores, note: `this process's CPU time (all its threads) / wall time of each slice, ${over}` },
      pairedRow('requests_per_s_per_core', 'req/s', perCore(name), `requests/s of each slice / the cores it used (CPU time / wall time), ${over}`, params),
      { params, metric: 'loop_delay_p99', unit: 'ms', summary: summarize(w.p99), samples: w.p99, note: `monitorEventLoopDelay p99 of each slice, median ${over}` },
    );
    const health = w.windows.flatMap(([from, to]) => probes.samples.filter((_, i) => probes.at[i] >= from && probes.at[i] < to));
    if (health.length > 0) rows.push({ params, metric: 'health_latency', unit: 'ms', summary: summarize(health), samples: health, note: `GET /health served by this main thread, sent every ${HEALTH_INTERVAL_MS} ms on a fixed schedule (open loop), ${over}` });
    if (base && base !== p) {
      const baseName = pipelineLabel(base);
      rows.push(pairedRow('speedup_vs_default', 'x', perRound(result, [baseName, name], (d, x) => d / x), 'the transformers.js default’s batch_prepare / this one’s in the same round', params));
      const [a, b] = [perCore(baseName), perCore(name)];
      rows.push(pairedRow('per_core_vs_default', 'x', b.map((x, r) => x / a[r]), 'this pipeline’s requests/s per core / the transformers.js default’s in the same round', params));
    }
  }
  return rows;
}

export default pipelines;
