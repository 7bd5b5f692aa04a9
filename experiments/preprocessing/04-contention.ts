/**
 * Experiment 4 — event-loop contention: while the serving load of experiment 3 runs under each strategy,
 * how late do this process's timers fire, and how slow is a concurrent light request (/health) it serves?
 * And how does throughput scale with workers, separately for templating and for tokenizing?
 */
import { startHealthProber, startHealthServer } from '../../common/monitor/health.ts';
import { startLoopDelayMonitor, type LoopDelay } from '../../common/monitor/event-loop.ts';
import { caveatsOf, crosses, fmt, overlap, pick, withCi, type Finding } from '../../common/findings.ts';
import { hasFigure, type ResultRow, type RowInput } from '../../common/results.ts';
import { ratioOfMedians, summarize } from '../../common/stats.ts';
import { cpuCountRows, readTopology } from '../../common/topology.ts';
import { getStrategy } from '../../common/strategies/cache.ts';
import { isParallel, type StrategyId } from '../../common/strategies/index.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import { batchTasks, buildBatches, sampleBatches } from '../../common/workload.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { contentionCharts } from '../../suites/preprocessing/charts/contention.ts';
import { engineList, preprocessor, quickTemplate, selectedTemplates } from '../../suites/preprocessing/experiment-helpers.ts';
import { BATCH_SIZE, QUEUE_PARAMS, TOKENS_PER_REQUEST, TURNS, cores, queueCoordinates, speedupBound, strategyPoints, tokenizerGroup } from '../../suites/preprocessing/queue-points.ts';

type Kind = 'contention' | 'scaling';
type ScalingOp = 'render' | 'tokenize';

interface Point {
  kind: Kind;
  template: string;
  engine: EngineId;
  /** 'idle' = no load: the baseline delay and /health latency of this machine. */
  strategy: StrategyId | 'idle';
  workers: number;
  op?: ScalingOp;
}

const HEALTH_INTERVAL_MS = 5;

function batchesFor(point: Point, options: RunOptions) {
  return buildBatches({ template: point.template, seed: options.seed, turns: TURNS, tokensPerRequest: TOKENS_PER_REQUEST, batchSize: BATCH_SIZE, distinct: 1 });
}

async function runContention(point: Point, options: RunOptions): Promise<RowInput[]> {
  const strategy = point.strategy === 'idle' ? undefined : await getStrategy(point.strategy, point.workers, { template: point.template, engine: point.engine, tokenizer: 'js' });
  const tasks = batchesFor(point, options).map((b) => batchTasks('prepare', b));
  const sampling = { warmup: 1, warmupTime: options.quick ? 200 : 1000, batches: options.quick ? 3 : 20 };
  const warmup = strategy ? (await sampleBatches(strategy, tasks, { warmup: sampling.warmup, warmupTime: sampling.warmupTime, batches: 0 })).warmup : undefined;

  const server = await startHealthServer();
  const prober = await startHealthProber(server.url, HEALTH_INTERVAL_MS);
  const loop = startLoopDelayMonitor(1);
  let batchSamples: number[] = [];
  const t0 = performance.now();
  let delay: LoopDelay;
  let health: { samples: number[]; failures: number };
  try {
    if (strategy) {
      batchSamples = (await sampleBatches(strategy, tasks, { warmup: 0, batches: sampling.batches }, (d, t) => options.progress(`contention ${point.strategy}×${point.workers}: batch ${d}/${t}`), options.signal)).samples;
    } else {
      await new Promise((r) => setTimeout(r, options.quick ? 400 : 3000));
    }
  } finally {
    delay = loop.stop();
    health = await prober.stop();
    await server.close();
  }
  const windowMs = performance.now() - t0;
  const rows: RowInput[] = [
    { metric: 'loop_delay_p50', unit: 'ms', value: delay.p50, note: `monitorEventLoopDelay over ${windowMs.toFixed(0)} ms of load` },
    { metric: 'loop_delay_p99', unit: 'ms', value: delay.p99, note: `monitorEventLoopDelay over ${windowMs.toFixed(0)} ms of load` },
    { metric: 'loop_delay_max', unit: 'ms', value: delay.max, note: `monitorEventLoopDelay over ${windowMs.toFixed(0)} ms of load` },
    { metric: 'health_failures', unit: 'count', value: health.failures, note: 'failed /health probes' },
  ];
  if (health.samples.length > 0) {
    rows.push({ metric: 'health_latency', unit: 'ms', summary: summarize(health.samples), samples: health.samples, note: `GET /health served by the loaded main thread, probed every ${HEALTH_INTERVAL_MS} ms from a worker thread` });
  }
  if (batchSamples.length > 0) {
    rows.push({ metric: 'batch_prepare', unit: 'ms', summary: summarize(batchSamples), samples: batchSamples, warmup, note: 'batch preparation while /health is probed' });
  }
  return rows;
}

async function runScaling(point: Point, options: RunOptions): Promise<RowInput[]> {
  const op = point.op!;
  const batches = batchesFor(point, options);
  let tasks;
  if (op === 'tokenize') {
    const ref = await preprocessor({ template: point.template, engine: point.engine, tokenizer: 'js' });
    tasks = batches.map((b) => batchTasks('tokenize', b, b.map((m) => ref.render(m))));
  } else {
    tasks = batches.map((b) => batchTasks('render', b));
  }
  const strategy = await getStrategy(point.strategy as StrategyId, point.workers, { template: point.template, engine: point.engine, tokenizer: 'js' });
  const sampling = options.quick ? { warmup: 1, warmupTime: 200, batches: 3, time: 300 } : { warmup: 2, warmupTime: 1000, batches: 20, time: 2000 };
  const { samples, warmup } = await sampleBatches(strategy, tasks, sampling, (d, t) => options.progress(`scaling ${op} ${point.strategy}×${point.workers}: batch ${d}/${t}`), options.signal);
  return [{ metric: `batch_${op}`, unit: 'ms', summary: summarize(samples), samples, warmup, note: `64 requests, ${op} only, round trip included for pools` }];
}

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.kind}${p.op ? ` ${p.op}` : ''} ${p.strategy}×${p.workers} ${p.template} ${p.engine}`;
}

export const contention: Experiment<Point> = {
  id: 4,
  slug: 'contention',
  title: 'Event-loop contention',
  question: 'While the serving load runs, does the event loop stay free for other requests — and how does each stage scale with workers?',
  params: QUEUE_PARAMS,
  matrix(options) {
    const template = options.quick ? quickTemplate(options) : selectedTemplates(options)[0];
    const engine = engineList(options)[0];
    const ncores = cores();
    const contentionPoints: Point[] = [
      { kind: 'contention', template, engine, strategy: 'idle', workers: 0 },
      // cores − 1 workers leave the main thread a core of its own; `cores` workers compete with it for CPU.
      ...strategyPoints(options, [...new Set([Math.max(1, ncores - 1), ncores])]).map((s) => ({ kind: 'contention' as const, template, engine, ...s })),
    ];
    const scalingPoints: Point[] = (['render', 'tokenize'] as const).flatMap((op) =>
      strategyPoints(options)
        .filter((s) => s.strategy !== 'native' || op === 'tokenize')
        .map((s) => ({ kind: 'scaling' as const, template, engine, op, ...s })),
    );
    return [...contentionPoints, ...scalingPoints];
  },
  headline: ['loop_delay_p99', 'health_latency', 'speedup_render', 'speedup_tokenize'],
  charts: contentionCharts,
  label,
  coordinates: queueCoordinates,
  group: tokenizerGroup,
  sanity: speedupBound,
  run: (point, options) => (point.kind === 'contention' ? runContention(point, options) : runScaling(point, options)),
  answers(rows, context) {
    const findings: Finding[] = [];
    const delay = (strategy: string, workers?: number) => pick(rows, { metric: 'loop_delay_p99', strategy, ...(workers === undefined ? {} : { workers }) });
    const pools = rows.filter((r) => r.metric === 'loop_delay_p99' && r.strategy === 'pool' && typeof r.workers === 'number' && hasFigure(r.status));
    const fewest = pools.reduce<ResultRow | undefined>((b, r) => (!b || (r.workers as number) < (b.workers as number) ? r : b), undefined);
    const main = delay('main');
    const idle = delay('idle');
    if (main && fewest) {
      const w = fewest.workers as number;
      const same = overlap(main, fewest) ? ': the intervals overlap, no measurable difference at this many processes' : '';
      findings.push({ id: 'loop-delay', chart: 'loop-delay', row: fewest, caveats: caveatsOf([main, fewest, idle]), text: `Under the serving load the main thread's event-loop delay p99 is ${withCi(main)}; with a pool of ${w} worker${w === 1 ? '' : 's'} it is ${withCi(fewest)}${idle ? ` (idle: ${withCi(idle)})` : ''}${same}.` });
    }
    const healthMain = pick(rows, { metric: 'health_latency', strategy: 'main' });
    const healthPool = fewest ? pick(rows, { metric: 'health_latency', strategy: 'pool', workers: fewest.workers }) : undefined;
    if (healthMain && healthPool) {
      const same = overlap(healthMain, healthPool) ? ': the intervals overlap, no measurable difference' : '';
      findings.push({ id: 'health', chart: 'health', row: healthPool, caveats: caveatsOf([healthMain, healthPool]), text: `A concurrent /health request waits ${withCi(healthMain)} (median) while the main thread prepares batches, ${withCi(healthPool)} with a pool of ${healthPool.workers}${same}.` });
    }
    for (const op of ['tokenize', 'render'] as const) {
      const speedups = rows.filter((r) => r.metric === `speedup_${op}` && r.strategy === 'pool' && typeof r.workers === 'number' && hasFigure(r.status));
      const top = speedups.reduce<ResultRow | undefined>((b, r) => (!b || (r.workers as number) > (b.workers as number) ? r : b), undefined);
      if (!top) continue;
      const w = top.workers as number;
      const ideal = pick(rows, { metric: `speedup_${op}_ideal`, workers: w });
      const caveats = caveatsOf([top]);
      if (w > context.cores) caveats.push(`${w} workers on a machine with ${context.cores} logical CPUs`);
      const verb = op === 'tokenize' ? 'Tokenizing' : 'Templating';
      const text = crosses(top, 1) ? `${verb} shows no measurable speedup with ${w} pool workers (${withCi(top)})` : `${verb} scales to ${withCi(top)} with ${w} pool workers`;
      findings.push({ id: `scaling-${op}`, chart: 'scaling', row: top, caveats, text: `${text}${ideal ? ` (ideal ${fmt(ideal.median as number)}×)` : ''}.` });
    }
    return findings;
  },
  derive(rows) {
    // Ideal scaling is linear up to the physical cores: SMT threads share a core's execution units.
    const topology = readTopology();
    const logical = typeof topology.logicalCpus === 'number' ? topology.logicalCpus : cores();
    const physical = topology.physicalCores;
    const cap = typeof physical === 'number' ? physical : logical;
    const capNote = typeof physical === 'number' ? `${physical} physical cores` : `${logical} logical CPUs (physical cores unknown)`;
    const derived: RowInput[] = [];
    for (const op of ['render', 'tokenize'] as const) {
      const measured = rows.filter((r) => r.metric === `batch_${op}` && r.summary);
      const main = measured.find((r) => r.params?.strategy === 'main');
      if (!main) continue;
      for (const r of measured) {
        const { ratio, low, high } = ratioOfMedians(main.summary!, r.summary!);
        // The row's parameters (its point's) carry over to its speedup.
        const { summary, samples, note, metric, ...same } = r;
        derived.push({ ...same, metric: `speedup_${op}`, unit: 'x', value: ratio, low, high, note: `main batch_${op} median / this median` });
      }
      for (const w of new Set(measured.filter((r) => isParallel(r.params?.strategy as StrategyId)).map((r) => Number(r.params?.workers)))) {
        derived.push({ params: { template: main.params?.template, engine: main.params?.engine, workers: w }, metric: `speedup_${op}_ideal`, unit: 'x', value: Math.min(w, cap), note: `linear scaling capped at ${capNote}` });
      }
    }
    // Machine topology for the charts, which see only results.csv (constant over replicates).
    return [...derived, ...cpuCountRows({ ...topology, logicalCpus: logical })];
  },
};

export default contention;
