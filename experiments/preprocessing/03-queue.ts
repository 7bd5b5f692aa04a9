/**
 * Experiment 3 — the serving queue: a batch of 64 requests (100 turns, ~1k tokens each) arrives; how long
 * until its token ids are collated and the GPU could start, per strategy × workers?
 */
import { caveatsOf, crosses, pick, withCi, type Finding } from '../../common/findings.ts';
import { hasFigure, type ResultRow, type RowInput } from '../../common/results.ts';
import { ratioOfMedians, summarize } from '../../common/stats.ts';
import { getStrategy } from '../../common/strategies/cache.ts';
import { cpuCountRows, readTopology } from '../../common/topology.ts';
import type { TaskEncoding } from '../../common/strategies/tasks.ts';
import { isParallel, type StrategyId } from '../../common/strategies/index.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import { sampleLatency } from '../../common/timing.ts';
import { batchTasks, buildBatches, sampleBatches } from '../../common/workload.ts';
import type { Experiment } from '../../suites/types.ts';
import { queueCharts } from '../../suites/preprocessing/charts/queue.ts';
import { engineList, quickTemplate, selectedTemplates } from '../../suites/preprocessing/experiment-helpers.ts';
import { dispatchCeilings, dispatcherRows } from '../../suites/preprocessing/dispatcher.ts';
import { BATCH_SIZE, QUEUE_PARAMS, TOKENS_PER_REQUEST, TURNS, queueCoordinates, speedupBound, strategyPoints, tokenizerGroup } from '../../suites/preprocessing/queue-points.ts';

interface Point {
  template: string;
  engine: EngineId;
  strategy: StrategyId;
  workers: number;
}

/** Batches are long (≈0.3 s each on one thread): warm up and sample by count and time together. */
const QUICK_BATCHES = { warmup: 1, warmupTime: 200, batches: 3, time: 400 };
const FULL_BATCHES = { warmup: 3, warmupTime: 1000, batches: 20, time: 3000 };

export const ROUNDTRIP_NOTE = 'empty task round trip through the strategy (dispatch + reply), no work';

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.template} ${p.engine} ${p.strategy}×${p.workers}`;
}

export const queue: Experiment<Point> = {
  id: 3,
  slug: 'queue',
  title: 'Serving queue',
  question: 'How long does a GPU wait for a batch of 64 chat requests to be templated, tokenized and collated, per execution strategy?',
  params: QUEUE_PARAMS,
  matrix(options) {
    const templates = options.quick ? [quickTemplate(options)] : selectedTemplates(options);
    // One engine (the first selected; jinja by default): engines are compared in experiments 1 and 2,
    // and each extra engine would double the pools started here. `--engines nunjucks` swaps it.
    const engines = engineList(options).slice(0, 1);
    return templates.flatMap((template) => engines.flatMap((engine) => strategyPoints(options).map((s) => ({ template, engine, ...s }))));
  },
  headline: ['batch_prepare', 'requests_per_s', 'speedup_vs_main', 'template_share', 'roundtrip', 'startup', 'dispatch_per_request', 'dispatch_per_request_json', 'dispatch_ceiling', 'dispatch_ceiling_json'],
  charts: queueCharts,
  label,
  group: tokenizerGroup,
  sanity: speedupBound,
  coordinates: queueCoordinates,
  async run(point, options) {
    const batches = buildBatches({ template: point.template, seed: options.seed, turns: TURNS, tokensPerRequest: TOKENS_PER_REQUEST, batchSize: BATCH_SIZE, distinct: 1 });
    options.progress(`${label(point)}: starting`);
    const strategy = await getStrategy(point.strategy, point.workers, { template: point.template, engine: point.engine, tokenizer: 'js' });
    const rows: RowInput[] = [
      { metric: 'startup', unit: 'ms', value: strategy.startupMs, note: 'start until every worker loaded template + tokenizer (once per run; pools are shared with exp 4)' },
    ];
    const roundtrip = await sampleLatency('roundtrip', () => strategy.run({ op: 'noop' }), { warmupIterations: 20, warmupTime: 50, iterations: 100, time: 50 });
    rows.push({ metric: 'roundtrip', unit: 'ms', summary: summarize(roundtrip.samples), ...roundtrip, note: ROUNDTRIP_NOTE });

    const sampling = options.quick ? QUICK_BATCHES : FULL_BATCHES;
    const measure = async (metric: string, op: 'prepare' | 'render', note: string, encoding: TaskEncoding = 'clone') => {
      const tasks = batches.map((b) => batchTasks(op, b, undefined, encoding));
      const { samples, warmup, dispatch } = await sampleBatches(strategy, tasks, sampling, (d, t) => options.progress(`${label(point)}: ${metric} batch ${d}/${t}`), options.signal);
      const summary = summarize(samples);
      rows.push({ metric, unit: 'ms', summary, samples, warmup, note });
      return { summary, dispatch };
    };
    const { summary: prepare, dispatch } = await measure('batch_prepare', 'prepare', `64 requests: dispatch, render + tokenize, round trip, collate on main; ${point.strategy === 'main' ? 'no round trip' : 'round trip included'}`);
    if (isParallel(point.strategy)) {
      rows.push(...dispatcherRows(dispatch));
      // The same batches with the request body as JSON text in and ids transferred back: the dispatcher's cost per encoding.
      const json = await measure('batch_prepare_json', 'prepare', '64 requests as batch_prepare, task encoding json: JSON text in, packed (transferred for pool) ids out', 'json');
      rows.push(...dispatcherRows(json.dispatch, 'json'));
    }
    const { summary: render } = await measure('batch_render', 'render', '64 requests: template rendering only, round trip included for pools');
    const perSecond = (ms: number) => (BATCH_SIZE * 1000) / ms;
    rows.push({ metric: 'requests_per_s', unit: 'req/s', value: perSecond(prepare.median), low: perSecond(prepare.ciHigh), high: perSecond(prepare.ciLow), note: '64 / median batch_prepare' });
    const share = ratioOfMedians(render, prepare);
    rows.push({ metric: 'template_share', unit: '%', value: 100 * share.ratio, low: 100 * share.low, high: 100 * share.high, note: 'median batch_render / median batch_prepare' });
    return rows;
  },
  answers(rows, context) {
    const findings: Finding[] = [];
    const main = pick(rows, { metric: 'batch_prepare', strategy: 'main' });
    const perSecond = pick(rows, { metric: 'requests_per_s', strategy: 'main' });
    if (main && perSecond) {
      findings.push({ id: 'main-batch', chart: 'queue', row: main, caveats: caveatsOf([main, perSecond]), text: `On the main thread a batch of ${BATCH_SIZE} × ${TURNS}-turn requests is ready for the GPU after ${withCi(main)}: ${withCi(perSecond)}.` });
    }
    for (const strategy of ['pool', 'process'] as const) {
      const speedups = rows.filter((r) => r.metric === 'speedup_vs_main' && r.strategy === strategy && hasFigure(r.status) && typeof r.workers === 'number');
      const best = speedups.reduce<ResultRow | undefined>((b, r) => (!b || (r.median as number) > (b.median as number) ? r : b), undefined);
      if (!best) continue;
      const workers = best.workers as number;
      const caveats = caveatsOf([best]);
      if (workers > context.cores) caveats.push(`${workers} workers on a machine with ${context.cores} logical CPUs`);
      const what = `A ${strategy === 'pool' ? 'worker-thread' : 'child-process'} pool of ${workers} worker${workers === 1 ? '' : 's'}`;
      const text = crosses(best, 1) ? `${what} (its best count here) prepares the batch with no measurable speedup over the main thread (${withCi(best)})` : `${what} (its best count here) prepares the batch ${withCi(best)} ${(best.median as number) >= 1 ? 'faster' : 'slower'} than the main thread`;
      const ceiling = pick(rows, { metric: 'dispatch_ceiling', strategy, workers, template: best.template, engine: best.engine });
      const limit = ceiling ? `; its dispatcher would allow up to ${withCi(ceiling)} whatever the worker count` : '';
      findings.push({ id: `${strategy}-speedup`, chart: 'queue', row: best, caveats: ceiling ? [...caveats, ...caveatsOf([ceiling])] : caveats, text: `${text}${limit}.` });
    }
    const native = pick(rows, { metric: 'speedup_vs_main', strategy: 'native' });
    if (native) {
      const text = crosses(native, 1) ? `Tokenizing natively (Rust, off the event loop) shows no measurable speedup over the main thread (${withCi(native)})` : `Tokenizing natively (Rust, off the event loop) prepares the batch ${withCi(native)} ${(native.median as number) >= 1 ? 'faster' : 'slower'} than the JS tokenizer on the main thread`;
      findings.push({ id: 'native-speedup', chart: 'queue', row: native, caveats: caveatsOf([native]), text: `${text}.` });
    }
    return findings;
  },
  derive(rows) {
    // Speedup of each strategy over the main thread, on the same template and engine.
    const prepares = rows.filter((r) => r.metric === 'batch_prepare' && r.summary);
    const speedups = prepares.flatMap((r) => {
      const main = prepares.find((m) => m.params?.strategy === 'main' && m.params?.template === r.params?.template && m.params?.engine === r.params?.engine);
      if (!main) return [];
      const { ratio, low, high } = ratioOfMedians(main.summary!, r.summary!);
      // The row's parameters (its point's) carry over to its speedup.
      const { summary, samples, note, metric, ...same } = r;
      return [{ ...same, metric: 'speedup_vs_main', unit: 'x', value: ratio, low, high, note: 'main batch_prepare median / this median' }];
    });
    return [...speedups, ...dispatchCeilings(rows), ...cpuCountRows(readTopology())];
  },
};

export default queue;
