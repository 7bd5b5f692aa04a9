/**
 * Experiment 9 — the highest load that meets the SLO (--search goodput): the request rate (or
 * concurrency) at which at least the target share of requests meets every SLO, found by doubling then
 * bisecting (suites/inference/goodput-search.ts). Every step is a measured load written as rows; a step
 * where the load generator fell behind its schedule is client_saturated and never counts as a server result.
 */
import { boundsOf, countOutputTokens, defaultPromptSet, openPoint, plannedPrompts } from '../../suites/inference/experiment-helpers.ts';
import { inferenceOf, type SearchOptions } from '../../suites/inference/cli.ts';
import { SPREAD_LOAD, judgeClient, withClientVerdict } from '../../suites/inference/client-rows.ts';
import { goodputCharts } from '../../suites/inference/charts/goodput.ts';
import { searchMaxGoodput } from '../../suites/inference/goodput-search.ts';
import { runLoad } from '../../suites/inference/load.ts';
import { startLoadWorkers } from '../../suites/inference/load-workers.ts';
import { aggregate } from '../../suites/inference/metrics.ts';
import type { PromptSet, TargetSpec } from '../../suites/inference/config.ts';
import type { RequestPlan } from '../../suites/inference/request-plan.ts';
import { caveatsOf, fmt, type Finding } from '../../common/results/findings.ts';
import type { Params, ResultRow, RowInput } from '../../common/results/results.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';

interface Point {
  target: TargetSpec;
  prompts: PromptSet;
  search: SearchOptions;
  loadWorkers: number;
  reportStartup: boolean;
}

const META = {
  id: 9,
  slug: 'goodput',
  title: 'Highest load meeting the SLO',
  question: 'What is the highest request rate (or concurrency) at which the target share of requests still meets every SLO? (runs with --search goodput)',
};

/** Where the search starts, per axis and mode: low enough that a small server meets the SLO there. */
const START = { rate: { quick: 8, full: 2 }, concurrency: { quick: 1, full: 1 } };
/** Requests and seconds per search step: a step is one load level's measurement. */
const STEP_BOUNDS = { quick: { requests: 16, durationS: 4 }, full: { requests: 64, durationS: 30 } };

function label(p: Point): string {
  return `${p.target.name} ${p.prompts.name} search ${p.search.axis}`;
}

function coordinates(p: Point): Params {
  return { target: p.target.name, model: p.target.model, dataset: p.prompts.name, tokens: p.prompts.inputTokens, load_workers: p.loadWorkers > 1 ? p.loadWorkers : undefined };
}

/** One point per target · prompt set, only when the run asked for the search. */
function matrix(options: RunOptions): Point[] {
  const inf = inferenceOf(options);
  const search = inf.search;
  if (!search) return [];
  return inf.targets.flatMap((target) => (inf.prompts ?? [defaultPromptSet(options.quick)]).map((prompts, i) => ({ target, prompts, search, loadWorkers: inf.loadWorkers, reportStartup: i === 0 })));
}

async function run(point: Point, options: RunOptions): Promise<RowInput[]> {
  const inf = inferenceOf(options);
  const opened = await openPoint(point.target, options, point.reportStartup);
  if ('failed' in opened) return opened.failed;
  const { target, params, rows: startup } = opened;
  const rows: RowInput[] = [];
  const bounds = boundsOf(options, STEP_BOUNDS.quick, STEP_BOUNDS.full);
  const { axis, attainment, precision } = point.search;
  const unit = axis === 'rate' ? 'req/s' : 'requests';
  const outputTokens = point.prompts.outputTokens ?? (options.quick ? 32 : 128);
  const plan: RequestPlan = {
    client: point.target.client,
    baseURL: target.baseURL,
    model: target.model,
    prompts: plannedPrompts(point.prompts, options.seed, bounds.requests + bounds.warmup),
    maxTokens: outputTokens,
    ignoreEos: true,
    timeoutMs: bounds.timeoutMs,
    idleTimeoutMs: bounds.idleTimeoutMs,
  };
  const slo = Object.entries(inf.slo).map(([k, v]) => `${k} ≤ ${v} ms`).join(', ');
  // One pool for every step: starting worker threads takes seconds, and a reused pool stays warm.
  const pool = point.loadWorkers > 1 ? await startLoadWorkers(point.loadWorkers) : undefined;
  try {
    const result = await searchMaxGoodput({
      start: point.search.start ?? START[axis][options.quick ? 'quick' : 'full'],
      precision,
      attainment,
      integer: axis === 'concurrency',
      measure: async (load) => {
        if (options.signal.aborted) throw new Error('interrupted');
        options.progress(`${label(point)}: ${axis} ${fmt(load)}`);
        const shape = axis === 'rate' ? { rate: load } : { concurrency: load };
        const measured = await runLoad(plan, { ...shape, seed: options.seed, requests: bounds.requests, durationMs: bounds.durationMs, warmup: bounds.warmup, loadWorkers: point.loadWorkers }, options.signal, pool);
        countOutputTokens(measured.records);
        const share = aggregate(measured.records, inf.slo).goodputShare ?? 0;
        const stepParams = { ...params, [axis]: load, attainment: 100 * attainment };
        const judgement = judgeClient(measured, shape, inf.saturation, stepParams, SPREAD_LOAD);
        rows.push(...withClientVerdict(judgement.rows, judgement), {
          params: stepParams,
          metric: 'slo_attainment',
          unit: '%',
          value: share,
          note: `requests meeting ${slo} at ${axis} ${fmt(load)} (${measured.records.length} requests, failures count as misses); ${judgement.reason}`,
          ...(judgement.saturated ? { status: 'client_saturated' as const, error: judgement.reason } : {}),
        });
        return { attainment: share / 100, saturated: judgement.saturated };
      },
    });
    const steps = result.steps.map((s) => `${fmt(s.load)}${s.saturated ? ' (client saturated)' : s.meets ? ' ✓' : ' ✗'}`).join(', ');
    const note = `highest ${axis} with ≥ ${fmt(100 * attainment)}% of requests meeting ${slo}; its bracket is in goodput_bracket_low/high; steps: ${steps}`;
    if (result.value === undefined) {
      rows.push({ params, metric: `max_goodput_${axis}`, unit, status: 'error', error: result.reason ?? 'no load met the SLO', note });
    } else {
      // The bracket is a search result, not a confidence interval: rows of its own, never ci_low/ci_high.
      const saturated = result.clientBound ? { status: 'client_saturated' as const, error: result.reason } : {};
      rows.push(
        { params, metric: `max_goodput_${axis}`, unit, value: result.value, note: result.reason ? `${note}; ${result.reason}` : note, ...saturated },
        { params, metric: 'goodput_bracket_low', unit, value: result.value, note: `search bracket: the highest ${axis} that met the target (= max_goodput_${axis})` },
      );
      if (result.high !== undefined) {
        rows.push({ params, metric: 'goodput_bracket_high', unit, value: result.high, note: `search bracket: the lowest ${axis} that ${result.clientBound ? 'saturated the client' : 'missed the target'}`, ...saturated });
      }
    }
    return [...startup, ...rows];
  } catch (err) {
    // An interrupted or failing step ends the search: the steps measured so far stay, beside the reason.
    const reason = options.signal.aborted ? 'interrupted' : err instanceof Error ? err.message : String(err);
    return [...startup, ...rows, { params, metric: `max_goodput_${axis}`, unit, status: 'error', error: `search ended after ${rows.filter((r) => r.metric === 'slo_attainment').length} steps: ${reason}` }];
  } finally {
    await pool?.close();
  }
}

/** The found load with its search bracket and, over ≥ 2 processes, its 95% interval; per target · prompt set. */
function answers(rows: ResultRow[]): Finding[] {
  const where = (r: ResultRow) => [r.target, r.dataset].filter((v) => v !== '').join(' · ');
  const bracketEnd = (metric: string, r: ResultRow) => rows.find((b) => b.metric === metric && where(b) === where(r) && b.median !== '')?.median;
  return rows
    .filter((r) => r.metric.startsWith('max_goodput_') && r.median !== '')
    .map((r) => {
      const axis = r.metric.replace('max_goodput_', '');
      const [low, high] = [bracketEnd('goodput_bracket_low', r), bracketEnd('goodput_bracket_high', r)];
      const bracket = low !== undefined && high !== undefined ? `; search bracket ${fmt(Number(low))}–${fmt(Number(high))} ${r.unit}` : '';
      const ci = r.ci_low !== '' && r.ci_high !== '' ? `; 95% CI ${fmt(Number(r.ci_low))}–${fmt(Number(r.ci_high))} over ${r.runs} processes` : '';
      return { id: `max-goodput-${where(r)}`, chart: 'goodput-search', row: r, caveats: caveatsOf([r]), text: `${where(r)}: the highest ${axis} meeting the SLO for the target share of requests is ${fmt(Number(r.median))} ${r.unit}${bracket}${ci}.` };
    });
}

export const goodput: Experiment<Point> = {
  ...META,
  params: ['target', 'model', 'dataset', 'tokens', 'rate', 'concurrency', 'attainment', 'load_workers'],
  reads: ['--search', '--load-workers'],
  matrix,
  // The search's steps share one started target: one process per replicate.
  group: () => `inference ${META.id}`,
  label,
  coordinates,
  run,
  headline: ['max_goodput_rate', 'max_goodput_concurrency', 'goodput_bracket_low', 'goodput_bracket_high', 'slo_attainment'],
  charts: goodputCharts,
  answers,
};

export default goodput;
