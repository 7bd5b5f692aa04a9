/**
 * Experiment 3 — the serving queue: a batch of 64 requests (100 turns, ~1k tokens each; quick: 16) arrives; how long
 * until its token ids are collated and the GPU could start, per strategy × workers?
 */
import { caveatsOf, crosses, fmt, pick, withCi, type Finding } from '../../common/results/findings.ts';
import { pairedRow, perRound, roundFigures, roundsSeed, runPairedRounds, variantRow, withRounds, type Variant } from '../../common/measure/paired-rounds.ts';
import { hasFigure, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { summarize } from '../../common/stats/stats.ts';
import { cpuCountRows } from '../../common/measure/topology.ts';
import { isParallel, workerCodeLoad } from '../../common/strategies/index.ts';
import { sampleLatency } from '../../common/measure/timing.ts';
import { batchTasks, dispatchMeter, timeBatch, type DispatchLoad } from '../../common/measure/workload.ts';
import type { TaskEncoding } from '../../common/strategies/tasks.ts';
import type { Experiment } from '../../suites/types.ts';
import { queueCharts } from '../../suites/preprocessing/charts/queue.ts';
import { engineList, quickTemplate, selectedTemplates } from '../../suites/preprocessing/experiment-helpers.ts';
import { ceilingRows, dispatcherRows } from '../../suites/preprocessing/dispatcher.ts';
import { BATCH_RUNS, QUEUE_PARAMS, TURNS, batchCoordinates, batchGroup, batchOf, batchShape, batchTokenRows, requestsOf, batchTokenizer, machineOf, speedupBound, strategyKey, strategyParams, strategyPoints, warmStrategy, type BatchPoint, type StrategyPoint } from '../../suites/preprocessing/queue-points.ts';

type Point = BatchPoint;

/**
 * Batches are long (≈0.3–0.6 s on one thread; quick's 16 requests ≈0.1–0.15 s): a slice is one batch, and every strategy runs one batch
 * per round. Warm-up: every strategy at least this many batches, all of them together at least this long.
 */
const ROUNDS = { quick: { rounds: 8, warmupCalls: 1, warmupMs: 200 }, full: { rounds: 20, warmupCalls: 3, warmupMs: 1000 } };

export const ROUNDTRIP_NOTE = 'empty task round trip through the strategy (dispatch + reply), no work';

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.template} ${p.engine}`;
}

export const queue: Experiment<Point> = {
  id: 3,
  slug: 'queue',
  title: 'Serving queue',
  question: 'How long does a GPU wait for a batch of 64 chat requests (quick: 16) to be templated, tokenized and collated, per execution strategy?',
  params: QUEUE_PARAMS,
  reads: ['--strategies', '--workers', '--tokenizers', '--chats', { flag: '--text', unless: '--chats' }],
  matrix(options) {
    const templates = options.quick ? [quickTemplate(options)] : selectedTemplates(options);
    // One engine (the first selected; jinja by default): engines are compared in experiments 1 and 2,
    // and each extra engine would double the pools started here. `--engines nunjucks` swaps it.
    const engines = engineList(options).slice(0, 1);
    return templates.flatMap((template) => engines.map((engine) => ({ template, engine, ...batchShape(options) })));
  },
  headline: ['batch_prepare', 'requests_per_s', 'speedup_vs_main', 'template_share', 'roundtrip', 'startup', 'dispatch_per_request', 'dispatch_per_request_json', 'dispatch_ceiling', 'dispatch_ceiling_json'],
  charts: queueCharts,
  label,
  group: batchGroup,
  runs: BATCH_RUNS,
  sanity: speedupBound,
  coordinates: batchCoordinates,
  // Every strategy and worker count runs in one process, in paired rounds of one batch each: a speedup is
  // main's batch time over the strategy's in the same round.
  async run(point, options) {
    const batch = batchOf(point, options);
    const rows: RowInput[] = await batchTokenRows(point, batch);
    const prepare = batchTasks('prepare', batch);
    const render = batchTasks('render', batch);
    const json = batchTasks('prepare', batch, undefined, 'json');
    const tokenizer = await batchTokenizer(point, options, batch);
    const variants: Variant[] = [];
    const measured: { s: StrategyPoint; meter: ReturnType<typeof dispatchMeter>; jsonMeter?: ReturnType<typeof dispatchMeter> }[] = [];
    for (const s of strategyPoints(options)) {
      options.progress(`${label(point)}: starting ${s.strategy}×${s.workers}`);
      const strategy = await warmStrategy(s, { template: point.template, engine: point.engine, tokenizer }, prepare);
      const params = strategyParams(s, tokenizer);
      rows.push({ params, metric: 'startup', unit: 'ms', value: strategy.startupMs, note: `start until every worker loaded template + tokenizer (${isParallel(s.strategy) ? `${workerCodeLoad()}; ` : ''}once per process; pools are shared with exp 4)` });
      const roundtrip = await sampleLatency('roundtrip', () => strategy.run({ op: 'noop' }), { warmupIterations: 20, warmupTime: 50, iterations: 100, time: 50 });
      rows.push({ params, metric: 'roundtrip', unit: 'ms', summary: summarize(roundtrip.samples), ...roundtrip, note: ROUNDTRIP_NOTE });
      const meter = dispatchMeter(strategy);
      variants.push({ name: `prepare ${strategyKey(s)}`, fn: () => timeBatch(strategy, prepare), enter: meter.enter, leave: () => meter.leave(point.requests) });
      // Full runs add template-only batches (the template share of the batch) and the request body as JSON
      // text in, ids transferred back (the dispatcher's cost per encoding); quick runs leave them out for time.
      if (!options.quick) variants.push({ name: `render ${strategyKey(s)}`, fn: () => timeBatch(strategy, render) });
      const jsonMeter = isParallel(s.strategy) && !options.quick ? dispatchMeter(strategy) : undefined;
      if (jsonMeter) variants.push({ name: `prepare_json ${strategyKey(s)}`, fn: () => timeBatch(strategy, json), enter: jsonMeter.enter, leave: () => jsonMeter.leave(point.requests) });
      measured.push({ s, meter, jsonMeter });
    }
    const mode = options.quick ? ROUNDS.quick : ROUNDS.full;
    const result = await runPairedRounds(variants, { rounds: mode.rounds, sliceMs: 0, minCalls: 1, warmupMs: mode.warmupMs, warmupCalls: mode.warmupCalls }, roundsSeed(options, 3), { signal: options.signal, onRound: (d, t) => options.progress(`${label(point)}: round ${d}/${t}`) });

    const main = measured.find((m) => m.s.strategy === 'main');
    const mainBatches = main ? roundFigures(result, `prepare ${strategyKey(main.s)}`) : undefined;
    // The dispatcher's share of a strategy for one task encoding, and its ceiling when main ran too.
    const dispatch = (load: DispatchLoad, encoding: TaskEncoding, params: Params): RowInput[] => [
      ...dispatcherRows(load, encoding).map((r) => ({ ...r, params })),
      ...(mainBatches ? ceilingRows(mainBatches, load, encoding, params) : []),
    ];
    for (const { s, meter, jsonMeter } of measured) {
      const params = strategyParams(s, tokenizer);
      const key = strategyKey(s);
      const prepared = variantRow(result, `prepare ${key}`, 'batch_prepare', `${point.requests} requests: dispatch, render + tokenize, round trip, collate on main; ${s.strategy === 'main' ? 'no round trip' : 'round trip included'}`, params);
      rows.push(prepared, { params, metric: 'requests_per_s', unit: 'req/s', value: (point.requests * 1000) / prepared.summary!.median, note: `${point.requests} / median batch_prepare` });
      if (!options.quick) {
        rows.push(variantRow(result, `render ${key}`, 'batch_render', `${point.requests} requests: template rendering only, round trip included for pools`, params));
        rows.push(pairedRow('template_share', '%', perRound(result, [`render ${key}`, `prepare ${key}`], (r, p) => (100 * r) / p), 'batch_render / batch_prepare in the same round', params));
      }
      if (main && s.strategy !== 'main') rows.push(pairedRow('speedup_vs_main', 'x', perRound(result, [`prepare ${strategyKey(main.s)}`, `prepare ${key}`], (m, x) => m / x), "main's batch_prepare / this one's in the same round", params));
      if (isParallel(s.strategy)) rows.push(...dispatch(meter.load(), 'clone', params));
      if (jsonMeter) {
        rows.push(variantRow(result, `prepare_json ${key}`, 'batch_prepare_json', `${point.requests} requests as batch_prepare, task encoding json: JSON text in, packed (transferred for pool) ids out`, params));
        rows.push(...dispatch(jsonMeter.load(), 'json', params));
      }
    }
    return withRounds(rows, result);
  },
  answers(rows, context) {
    const findings: Finding[] = [];
    const main = pick(rows, { metric: 'batch_prepare', strategy: 'main' });
    const perSecond = pick(rows, { metric: 'requests_per_s', strategy: 'main' });
    if (main && perSecond) {
      findings.push({ id: 'main-batch', chart: 'queue', row: main, caveats: caveatsOf([main, perSecond]), text: `On the main thread a batch of ${requestsOf([main])} × ${TURNS}-turn requests is ready for the GPU after ${withCi(main)}: ${withCi(perSecond)}.` });
    }
    for (const strategy of ['pool', 'process'] as const) {
      const speedups = rows.filter((r) => r.metric === 'speedup_vs_main' && r.strategy === strategy && hasFigure(r.status) && typeof r.workers === 'number');
      const best = speedups.reduce<ResultRow | undefined>((b, r) => (!b || (r.median as number) > (b.median as number) ? r : b), undefined);
      if (!best) continue;
      const workers = best.workers as number;
      const caveats = caveatsOf([best]);
      if (workers > context.cores) caveats.push(`${workers} workers on a machine with ${context.cores} logical CPUs`);
      // "The fastest" only when the run measured more than one worker count to choose from.
      const counts = new Set(speedups.map((r) => r.workers)).size;
      const what = `A ${strategy === 'pool' ? 'worker-thread' : 'child-process'} pool of ${workers} worker${workers === 1 ? '' : 's'}${counts > 1 ? ` (the fastest of the ${counts} counts measured)` : ''}`;
      const text = crosses(best, 1) ? `${what} prepares the batch with no measurable speedup over the main thread (${withCi(best)})` : `${what} prepares the batch ${withCi(best)} ${(best.median as number) >= 1 ? 'faster' : 'slower'} than the main thread`;
      const ceiling = pick(rows, { metric: 'dispatch_ceiling', strategy, workers, template: best.template, engine: best.engine });
      const limit = ceiling ? `; handing the requests out and taking the results back costs the main thread 1/${fmt(ceiling.median as number)} of preparing the batch itself, so no number of workers can make it more than ${withCi(ceiling)} faster` : '';
      findings.push({ id: `${strategy}-speedup`, chart: 'queue', row: best, caveats: ceiling ? [...caveats, ...caveatsOf([ceiling])] : caveats, text: `${text}${limit}.` });
    }
    const native = pick(rows, { metric: 'speedup_vs_main', strategy: 'native' });
    if (native) {
      const text = crosses(native, 1) ? `Tokenizing natively (Rust, off the event loop) shows no measurable speedup over the main thread (${withCi(native)})` : `Tokenizing natively (Rust, off the event loop) prepares the batch ${withCi(native)} ${(native.median as number) >= 1 ? 'faster' : 'slower'} than ${!main || main.tokenizer === 'js' ? 'the JS tokenizer' : main.tokenizer} on the main thread`;
      findings.push({ id: 'native-speedup', chart: 'queue', row: native, caveats: caveatsOf([native]), text: `${text}.` });
    }
    return findings;
  },
  // The machine's topology for the charts, which see only results.csv (constant over replicates).
  derive: (_rows, options) => cpuCountRows(machineOf(options)),
};

export default queue;
