/**
 * Experiment 4 — event-loop contention: while the serving load of experiment 3 runs under each strategy,
 * how late do this process's timers fire, and how slow is a concurrent light request (/health) it serves?
 * And how does throughput scale with workers, separately for templating and for tokenizing?
 */
import { epochNow, startHealthProber, startHealthServer, type HealthProbes } from '../../common/monitor/health.ts';
import { startLoopDelayMonitor, type LoopDelay } from '../../common/monitor/event-loop.ts';
import { caveatsOf, crosses, fmt, pick, withCi, type Finding } from '../../common/results/findings.ts';
import { pairedRow, perRound, roundsSeed, runPairedRounds, variantRow, withRounds, type RoundsResult, type Variant } from '../../common/measure/paired-rounds.ts';
import { hasFigure, rowParams, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { median, summarize } from '../../common/stats/stats.ts';
import { cpuCountRows } from '../../common/measure/topology.ts';
import { isParallel, type StrategyId } from '../../common/strategies/index.ts';
import type { TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { batchTasks, timeBatch } from '../../common/measure/workload.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { contentionCharts } from '../../suites/preprocessing/charts/contention.ts';
import { preprocessor } from '../../common/measure/preprocessor-cache.ts';
import { engineList, quickTemplate, selectedTemplates } from '../../suites/preprocessing/experiment-helpers.ts';
import { BATCH_RUNS, QUEUE_PARAMS, batchCoordinates, batchGroup, batchOf, batchShape, batchTokenRows, batchTokenizer, cores, logicalCpusOf, machineOf, speedupBound, strategyKey, strategyParams, strategyPoints, warmStrategy, type BatchPoint, type StrategyPoint } from '../../suites/preprocessing/queue-points.ts';

type Kind = 'contention' | 'scaling';
type ScalingOp = 'render' | 'tokenize';

interface Point extends BatchPoint {
  kind: Kind;
  op?: ScalingOp;
}

const HEALTH_INTERVAL_MS = 5;
/** One batch per strategy per round (batches take ≈0.2–0.6 s; quick's 16 requests ≈0.1–0.15 s); warm-up of at least one batch and this long. */
const ROUNDS = {
  // /health's median per slice varies ≈30% from round to round: contention needs as many rounds as scaling.
  quick: { contention: 8, scaling: 8, warmupCalls: 1, warmupMs: 200 },
  full: { contention: 12, scaling: 20, warmupCalls: 2, warmupMs: 1000 },
};
const IDLE = 'idle';

/**
 * Experiment 4's parameters: experiment 3's and, before the strategy, the contention slice's `mode` —
 * `idle` (the main thread only waits: the floor of loop delay and /health latency; no strategy) or `load`
 * (a strategy prepares a batch). The scaling points have no idle slice: their rows leave `mode` empty.
 */
export const CONTENTION_PARAMS: readonly string[] = QUEUE_PARAMS.flatMap((p) => (p === 'strategy' ? ['mode', p] : [p]));

/** The parameters of a contention slice's rows: the idle wait (no strategy; 0 workers), or a strategy point's under load. */
export function sliceParams(s: StrategyPoint | undefined, tokenizer: TokenizerChoice): Params {
  return s ? { mode: 'load', ...strategyParams(s, tokenizer) } : { mode: 'idle', workers: 0 };
}

/**
 * The strategies experiment 4 compares. Quick runs leave `process` out when `pool` is selected too: both
 * take the work off the event loop, experiment 3 compares them, and each costs ≈0.5 s per round here.
 */
function strategiesOf(options: RunOptions, counts?: number[]): StrategyPoint[] {
  const all = strategyPoints(options, counts);
  return options.quick && all.some((s) => s.strategy === 'pool') ? all.filter((s) => s.strategy !== 'process') : all;
}

function roundsPlan(options: RunOptions, kind: Kind) {
  const mode = options.quick ? ROUNDS.quick : ROUNDS.full;
  return { rounds: mode[kind], sliceMs: 0, minCalls: 1, warmupMs: mode.warmupMs, warmupCalls: mode.warmupCalls };
}

/** What one variant's slices saw: loop delay per slice, and the windows in which its probes were scheduled. */
interface Watch {
  delays: LoopDelay[];
  windows: [number, number][];
}

/**
 * Contention: the idle machine and every strategy at cores − 1 and cores workers (quick: cores), in paired rounds of one
 * batch each. The event-loop delay is monitored per slice; /health is probed on a fixed schedule for the
 * whole point and each probe is counted in the slice it was scheduled in. The idle slice lasts as long
 * as main's last batch, so both windows have the same length.
 */
async function runContention(point: Point, options: RunOptions): Promise<RowInput[]> {
  const batch = batchOf(point, options);
  const prepare = batchTasks('prepare', batch);
  const tokenizer = await batchTokenizer(point, options, batch);
  const counts = options.quick ? [cores()] : [...new Set([Math.max(1, cores() - 1), cores()])];
  const strategies = strategiesOf(options, counts);
  const watches = new Map<string, Watch>();
  let monitor: { stop(): LoopDelay } | undefined;
  let opened = 0;
  const watched = (name: string, fn: () => unknown): Variant => {
    const watch: Watch = { delays: [], windows: [] };
    watches.set(name, watch);
    return {
      name,
      fn,
      enter() {
        opened = epochNow();
        monitor = startLoopDelayMonitor(1);
      },
      leave() {
        watch.delays.push(monitor!.stop());
        watch.windows.push([opened, epochNow()]);
      },
    };
  };
  let lastMainMs = 300;
  const variants: Variant[] = [watched(IDLE, () => new Promise((r) => setTimeout(r, lastMainMs)))];
  for (const s of strategies) {
    const strategy = await warmStrategy(s, { template: point.template, engine: point.engine, tokenizer }, prepare);
    const runBatch = () => timeBatch(strategy, prepare);
    variants.push(watched(strategyKey(s), s.strategy === 'main' ? async () => (lastMainMs = await runBatch()) : runBatch));
  }
  const server = await startHealthServer();
  const prober = await startHealthProber(server.url, HEALTH_INTERVAL_MS);
  let result: RoundsResult;
  let probes: HealthProbes;
  try {
    result = await runPairedRounds(variants, roundsPlan(options, 'contention'), roundsSeed(options, 4, 1), { signal: options.signal, onRound: (d, t) => options.progress(`contention: round ${d}/${t}`) });
  } finally {
    probes = await prober.stop();
    await server.close();
  }
  const probesIn = ([from, to]: [number, number]) => probes.samples.filter((_, i) => probes.at[i] >= from && probes.at[i] < to);
  const rows: RowInput[] = await batchTokenRows(point, batch);
  const named = [{ name: IDLE, params: sliceParams(undefined, tokenizer) }, ...strategies.map((s) => ({ name: strategyKey(s), params: sliceParams(s, tokenizer) }))];
  const main = strategies.find((s) => s.strategy === 'main');
  const roundP99 = (name: string) => watches.get(name)!.delays.map((d) => d.p99);
  const roundHealth = (name: string) => watches.get(name)!.windows.map((w) => median(probesIn(w)));
  for (const { name, params } of named) {
    const watch = watches.get(name)!;
    const over = `over ${watch.delays.length} slices of one ${name === IDLE ? 'idle wait as long as main\'s batch' : 'batch'} each`;
    const p99s = roundP99(name);
    rows.push(
      { params, metric: 'loop_delay_p99', unit: 'ms', summary: summarize(p99s), samples: p99s, note: `monitorEventLoopDelay p99 of each slice, median ${over}` },
      { params, metric: 'loop_delay_max', unit: 'ms', value: Math.max(...watch.delays.map((d) => d.max)), note: `monitorEventLoopDelay max ${over}` },
    );
    const health = watch.windows.flatMap(probesIn);
    if (health.length > 0) rows.push({ params, metric: 'health_latency', unit: 'ms', summary: summarize(health), samples: health, note: `GET /health served by this main thread, sent every ${HEALTH_INTERVAL_MS} ms on a fixed schedule from a worker thread; latency from the scheduled send (open loop), ${over}` });
    if (name !== IDLE) rows.push(variantRow(result, name, 'batch_prepare', 'batch preparation while /health is probed', params));
    if (main && name !== strategyKey(main)) {
      const mainName = strategyKey(main);
      rows.push({ ...pairedRow('loop_delay_p99_vs_main', 'ms', pairedValues(roundP99(mainName), p99s, (m, x) => m - x), "main's loop-delay p99 minus this one's in the same round (positive: this strategy leaves the loop freer)", params), signed: true });
      const healthRatio = pairedValues(roundHealth(mainName), roundHealth(name), (m, x) => m / x);
      if (healthRatio.length > 0) rows.push(pairedRow('health_speedup_vs_main', 'x', healthRatio, "main's median /health latency / this one's in the same round", params));
    }
  }
  rows.push({ metric: 'health_failures', unit: 'count', value: probes.failures, note: 'failed /health probes over the whole point' });
  return withRounds(rows, result);
}

/** f(a[r], b[r]) for the rounds where both figures exist (a slice with no probe has none). */
function pairedValues(a: number[], b: number[], f: (x: number, y: number) => number): number[] {
  return a.flatMap((x, r) => (Number.isFinite(x) && Number.isFinite(b[r]) ? [f(x, b[r])] : []));
}

/** Scaling: every strategy on one stage (render or tokenize only), in paired rounds of one batch each. */
async function runScaling(point: Point, options: RunOptions): Promise<RowInput[]> {
  const op = point.op!;
  const batch = batchOf(point, options);
  const ref = await preprocessor({ template: point.template, engine: point.engine, tokenizer: 'js' });
  const tasks = op === 'tokenize' ? batchTasks('tokenize', batch, batch.map((m) => ref.render(m))) : batchTasks('render', batch);
  const tokenizer = await batchTokenizer(point, options, batch);
  const strategies = strategiesOf(options).filter((s) => s.strategy !== 'native' || op === 'tokenize');
  // Nothing to compare (e.g. --strategies native on the render stage): the point has no rows.
  if (strategies.length === 0) return [];
  const variants: Variant[] = [];
  const prepare = batchTasks('prepare', batch);
  for (const s of strategies) {
    const strategy = await warmStrategy(s, { template: point.template, engine: point.engine, tokenizer }, prepare);
    variants.push({ name: strategyKey(s), fn: () => timeBatch(strategy, tasks) });
  }
  const result = await runPairedRounds(variants, roundsPlan(options, 'scaling'), roundsSeed(options, 4, op === 'render' ? 2 : 3), { signal: options.signal, onRound: (d, t) => options.progress(`scaling ${op}: round ${d}/${t}`) });
  const main = strategies.find((s) => s.strategy === 'main');
  const rows = strategies.flatMap((s: StrategyPoint): RowInput[] => {
    const params = strategyParams(s, tokenizer);
    const measured = variantRow(result, strategyKey(s), `batch_${op}`, `${point.requests} requests, ${op} only, round trip included for pools`, params);
    if (!main || s.strategy === 'main') return [measured];
    return [measured, pairedRow(`speedup_${op}`, 'x', perRound(result, [strategyKey(main), strategyKey(s)], (m, x) => m / x), `main's batch_${op} / this one's in the same round`, params)];
  });
  return withRounds(rows, result);
}

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.kind}${p.op ? ` ${p.op}` : ''} ${p.template} ${p.engine}`;
}

export const contention: Experiment<Point> = {
  id: 4,
  slug: 'contention',
  title: 'Event-loop contention',
  question: 'While the serving load runs, does the event loop stay free for other requests — and how does each stage scale with workers?',
  params: CONTENTION_PARAMS,
  reads: ['--strategies', '--workers', '--tokenizers', '--chats', { flag: '--text', unless: '--chats' }],
  matrix(options) {
    const template = options.quick ? quickTemplate(options) : selectedTemplates(options)[0];
    const engine = engineList(options)[0];
    const shape = batchShape(options);
    return [{ kind: 'contention', template, engine, ...shape }, ...(['render', 'tokenize'] as const).map((op) => ({ kind: 'scaling' as const, template, engine, ...shape, op }))];
  },
  headline: ['loop_delay_p99', 'loop_delay_p99_vs_main', 'health_latency', 'speedup_render', 'speedup_tokenize'],
  charts: contentionCharts,
  label,
  coordinates: batchCoordinates,
  group: batchGroup,
  runs: BATCH_RUNS,
  sanity: speedupBound,
  run: (point, options) => (point.kind === 'contention' ? runContention(point, options) : runScaling(point, options)),
  answers(rows, context) {
    const findings: Finding[] = [];
    const delay = (strategy: string, workers?: number) => pick(rows, { metric: 'loop_delay_p99', strategy, ...(workers === undefined ? {} : { workers }) });
    const pools = rows.filter((r) => r.metric === 'loop_delay_p99_vs_main' && r.strategy === 'pool' && typeof r.workers === 'number' && hasFigure(r.status));
    const fewest = pools.reduce<ResultRow | undefined>((b, r) => (!b || (r.workers as number) < (b.workers as number) ? r : b), undefined);
    const main = delay('main');
    const idle = pick(rows, { metric: 'loop_delay_p99', mode: 'idle' });
    if (main && fewest) {
      const w = fewest.workers as number;
      const pool = delay('pool', w);
      const by = crosses(fewest, 0) ? `no measurable difference (main − pool, paired per round: ${withCi(fewest)})` : `${withCi(fewest)} ${(fewest.median as number) > 0 ? 'less' : 'more'} than on the main thread (main − pool, paired per round)`;
      findings.push({ id: 'loop-delay', chart: 'loop-delay', row: fewest, caveats: caveatsOf([main, pool, fewest, idle]), text: `Under the serving load the main thread's event-loop delay p99 is ${withCi(main)}; with a pool of ${w} worker${w === 1 ? '' : 's'} it is ${pool ? withCi(pool) : 'not measured'}${idle ? ` (idle: ${withCi(idle)})` : ''}: ${by}.` });
    }
    const healthMain = pick(rows, { metric: 'health_latency', strategy: 'main' });
    const healthPool = fewest ? pick(rows, { metric: 'health_latency', strategy: 'pool', workers: fewest.workers }) : undefined;
    const healthRatio = fewest ? pick(rows, { metric: 'health_speedup_vs_main', strategy: 'pool', workers: fewest.workers }) : undefined;
    if (healthMain && healthPool && healthRatio) {
      const by = crosses(healthRatio, 1) ? `no measurable difference (main / pool, paired per round: ${withCi(healthRatio)})` : `${withCi(healthRatio)} ${(healthRatio.median as number) > 1 ? 'faster' : 'slower'} with the pool (main / pool, paired per round)`;
      findings.push({ id: 'health', chart: 'health', row: healthRatio, caveats: caveatsOf([healthMain, healthPool, healthRatio]), text: `A concurrent /health request, sent on a fixed schedule, waits ${withCi(healthMain)} (median) while the main thread prepares batches and ${withCi(healthPool)} with a pool of ${healthPool.workers}: ${by}.` });
    }
    for (const op of ['tokenize', 'render'] as const) {
      const speedups = rows.filter((r) => r.metric === `speedup_${op}` && r.strategy === 'pool' && typeof r.workers === 'number' && hasFigure(r.status));
      // The pool at the core count (else its largest): scaling beyond the cores is oversubscription.
      const top = speedups.find((r) => r.workers === context.cores) ?? speedups.reduce<ResultRow | undefined>((b, r) => (!b || (r.workers as number) > (b.workers as number) ? r : b), undefined);
      if (!top) continue;
      const w = top.workers as number;
      const ideal = pick(rows, { metric: `speedup_${op}_ideal`, workers: w });
      const caveats = caveatsOf([top]);
      if (w > context.cores) caveats.push(`${w} workers on a machine with ${context.cores} logical CPUs`);
      const verb = op === 'tokenize' ? 'Tokenizing' : 'Templating';
      const text = crosses(top, 1) ? `${verb} shows no measurable speedup with ${w} pool workers (${withCi(top)}, paired per round)` : `${verb} scales to ${withCi(top)} with ${w} pool workers (main / pool, paired per round)`;
      findings.push({ id: `scaling-${op}`, chart: 'scaling', row: top, caveats, text: `${text}${ideal ? ` (ideal ${fmt(ideal.median as number)}×)` : ''}.` });
    }
    return findings;
  },
  derive(rows, options) {
    // Ideal scaling is linear up to the physical cores of the machine that measured: SMT threads share a core's execution units.
    const topology = machineOf(options);
    const logical = logicalCpusOf(topology);
    const physical = topology.physicalCores;
    const cap = typeof physical === 'number' ? physical : logical;
    const capNote = typeof physical === 'number' ? `${physical} physical cores` : `${logical} logical CPUs (physical cores unknown)`;
    const derived: RowInput[] = [];
    for (const op of ['render', 'tokenize'] as const) {
      const measured = rows.filter((r) => r.metric === `batch_${op}` && hasFigure(r.status));
      const main = measured.find((r) => r.strategy === 'main');
      if (!main) continue;
      // The point's parameters of the speedup rows it accompanies (model, template, requests…) at each
      // worker count; no strategy or tokenizer: the ideal is the same for every one. A constant (`exact`).
      const { strategy: _strategy, tokenizer: _tokenizer, workers: _workers, ...point } = rowParams(main);
      for (const w of new Set(measured.filter((r) => isParallel(r.strategy as StrategyId)).map((r) => Number(r.workers)))) {
        derived.push({ params: { ...point, workers: w }, metric: `speedup_${op}_ideal`, unit: 'x', value: Math.min(w, cap), note: `linear scaling capped at ${capNote}`, exact: true });
      }
    }
    // Machine topology for the charts, which see only results.csv (constant over replicates).
    return [...derived, ...cpuCountRows({ ...topology, logicalCpus: logical })];
  },
};

export default contention;
