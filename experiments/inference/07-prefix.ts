/**
 * Experiment 7 — prefix sharing: when prompts share a long prefix (a system prompt, a few-shot block), can
 * the server reuse the work, and what is it worth in TTFT? Shared-prefix prompts vs unique prompts of the
 * same length, one request at a time. Unique prompts begin with a hash naming the run and the process,
 * so a "miss" is a real miss even on a server whose cache outlives the run.
 */
import { createHash } from 'node:crypto';
import { loadTokenizer } from '../../common/assets/tokenizers.ts';
import { streamRequest } from '../../suites/inference/client.ts';
import { runLoad, type SendRequest } from '../../suites/inference/load.ts';
import { ONE_THREAD_LOAD, judgeClient, withClientVerdict } from '../../suites/inference/client-rows.ts';
import { startResourceMonitor } from '../../suites/inference/resource-monitor.ts';
import type { TargetSpec } from '../../suites/inference/config.ts';
import { COUNT_MODEL, boundsOf, countOutputTokens, openPoint, processTag, resourceRows, runRows, syntheticTexts } from '../../suites/inference/experiment-helpers.ts';
import { inferenceOf } from '../../suites/inference/cli.ts';
import { deriveSeed } from '../../common/stats/rng.ts';
import { caveatsOf, crosses, pick, withCi, type Finding } from '../../common/results/findings.ts';
import { figureOf, rowParams, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { ratioOfMedians, summarize } from '../../common/stats/stats.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { prefixCharts } from '../../suites/inference/charts/index.ts';

type Variant = 'shared-prefix' | 'unique';

interface Point {
  target: TargetSpec;
  variant: Variant;
  /** Prompt length in tokens (BOS + prefix + suffix), the same for both variants. */
  tokens: number;
  /** The target's first point reports the embedded server's start-up (any point of the process may have started it). */
  reportStartup: boolean;
}

const BOS = 128000; // <|begin_of_text|> of Llama 3.1
const OUTPUT_TOKENS = 8;

function lengths(quick: boolean): { prefix: number; suffix: number } {
  return quick ? { prefix: 448, suffix: 32 } : { prefix: 960, suffix: 48 };
}

/**
 * Token-id prompts of equal length: shared = BOS + one prefix + a distinct suffix; unique = BOS +
 * "<hash of seed, tag, i> run <tag> request <i>:" + a distinct body of the prefix's length + a distinct
 * suffix, where `tag` names the process (processTag).
 */
export function prefixPrompts(variant: Variant, count: number, seed: number, quick: boolean, tag: string): number[][] {
  const tok = loadTokenizer(COUNT_MODEL, 'js');
  const { prefix, suffix } = lengths(quick);
  const suffixes = syntheticTexts(deriveSeed(seed, 71), count, suffix).map((t) => tok.encodeSync!(t));
  let prompts: number[][];
  if (variant === 'shared-prefix') {
    const shared = tok.encodeSync!(syntheticTexts(deriveSeed(seed, 70), 1, prefix)[0]);
    prompts = suffixes.map((s) => [BOS, ...shared, ...s]);
  } else {
    const bodies = syntheticTexts(deriveSeed(seed, 72), count, prefix).map((t) => tok.encodeSync!(t));
    prompts = bodies.map((b, i) => {
      // A hash of the process's tag and the request first: unique prompts diverge right after BOS (within and across runs).
      const hash = createHash('sha256').update(`${seed} ${tag} ${i}`).digest('hex').slice(0, 32);
      const head = tok.encodeSync!(`${hash} run ${tag} request ${i}:`);
      return [BOS, ...head, ...b.slice(0, Math.max(0, b.length - head.length)), ...suffixes[i]];
    });
  }
  return prompts;
}

const META = {
  id: 7,
  slug: 'prefix',
  title: 'Prefix sharing',
  question: 'Do prompts sharing a long prefix get their first token sooner than prompts of the same length that share nothing?',
};

const HEADLINE = ['ttft', 'prompt_tokens_evaluated', 'ttft_unique_vs_shared', 'request_errors'];

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.target.name} ${p.variant}`;
}

/** A point's parameters, which every row of the point carries: the variant is the prompt set. */
function coordinates(p: Point): Params {
  return { target: p.target.name, model: p.target.model, dataset: p.variant, tokens: p.tokens, concurrency: 1 };
}

function matrix(options: RunOptions): Point[] {
  const { prefix: p, suffix: s } = lengths(options.quick);
  return inferenceOf(options).targets.flatMap((target) =>
    (['shared-prefix', 'unique'] as const).map((variant, i) => ({ target, variant, tokens: 1 + p + s, reportStartup: i === 0 })),
  );
}

async function run(point: Point, options: RunOptions): Promise<RowInput[]> {
  const inf = inferenceOf(options);
  const { prefix: p, suffix: s } = lengths(options.quick);
  const opened = await openPoint(point.target, options, point.reportStartup);
  if ('failed' in opened) return opened.failed;
  const { target, params, rows: startup } = opened;
  const rows: RowInput[] = [];
  const bounds = boundsOf(options, { requests: 16, durationS: 8 }, { requests: 48, durationS: 30 });
  const warmup = Math.max(1, bounds.warmup);
  const prompts = prefixPrompts(point.variant, bounds.requests + warmup, options.seed, options.quick, processTag(options));
  const send: SendRequest = (i, signal) =>
    streamRequest(point.target.client, { baseURL: target.baseURL, model: target.model, prompt: prompts[i + warmup], maxTokens: OUTPUT_TOKENS, ignoreEos: true, timeoutMs: bounds.timeoutMs, idleTimeoutMs: bounds.idleTimeoutMs, signal });
  options.progress(`${label(point)}: ${bounds.requests} requests, one at a time`);
  const monitor = startResourceMonitor(target.pid);
  const load = await runLoad(send, { concurrency: 1, seed: options.seed, requests: bounds.requests, durationMs: bounds.durationMs, warmup }, options.signal);
  const resources = monitor.stop();
  countOutputTokens(load.records);
  const what = point.variant === 'shared-prefix' ? `request sent (${p}-token shared prefix + ${s}-token distinct suffix; warm-up primes the prefix)` : `request sent (${p + s} tokens, starting with this run's id: no shared prefix)`;
  rows.push(...runRows(load.records, target.name, params, inf.slo, what).rows.filter((r) => ['ttft', 'e2e', 'request_errors'].includes(r.metric)));
  const evaluated = load.records.flatMap((r) => (!r.error && typeof r.timings?.prompt_n === 'number' ? [r.timings.prompt_n] : []));
  if (evaluated.length > 0) rows.push({ params, metric: 'prompt_tokens_evaluated', unit: 'tokens', summary: summarize(evaluated), samples: evaluated, note: `server-reported timings.prompt_n: prompt tokens actually evaluated (fewer than ${point.tokens} = a cache hit)` });
  const judgement = judgeClient(load, {}, inf.saturation, params, ONE_THREAD_LOAD);
  rows.push(...resourceRows(resources, params).filter((r) => r.metric === 'server_cpu' || r.metric === 'client_cpu'), ...judgement.rows);
  // Start-up rows do not depend on the client: only the measured rows take its verdict.
  return [...startup, ...withClientVerdict(rows, judgement)];
}

/** Unique over shared-prefix median TTFT per target (one ratio per replicate). */
function derive(rows: ResultRow[]): RowInput[] {
  const derived: RowInput[] = [];
  const ttfts = rows.filter((r) => r.metric === 'ttft' && typeof r.median === 'number');
  for (const u of ttfts.filter((r) => r.dataset === 'unique')) {
    const sh = ttfts.find((r) => r.dataset === 'shared-prefix' && r.target === u.target);
    if (!sh) continue;
    const { ratio, low, high } = ratioOfMedians(figureOf(u), figureOf(sh));
    // The ratio belongs to the target, not to a prompt set.
    const { dataset: _dataset, ...own } = rowParams(u);
    const params = { ...own, concurrency: 1 };
    derived.push({ params, metric: 'ttft_unique_vs_shared', unit: 'x', value: ratio, low, high, note: 'median TTFT of unique prompts / median TTFT of shared-prefix prompts (same length); > 1 = the shared prefix is reused; both load runs in the same process, one after the other (each is a load run of its own, so they are not interleaved in paired rounds)' });
  }
  return derived;
}

export const prefix: Experiment<Point> = {
  ...META,
  params: ['target', 'model', 'dataset', 'tokens', 'concurrency'],
  matrix,
  // All load points of the experiment share one process: they measure one started target, not the client's own code.
  group: () => `inference ${META.id}`,
  label,
  coordinates,
  headline: HEADLINE,
  run,
  derive,
  charts: prefixCharts,
  answers: prefixAnswers,
};

/** Experiment 7's answers (first target): the unique/shared TTFT ratio, and the prompt tokens the server evaluated. */
export function prefixAnswers(rows: ResultRow[]): Finding[] {
  const first = pick(rows, { metric: 'ttft_unique_vs_shared' }) ?? pick(rows, { metric: 'prompt_tokens_evaluated' });
  if (!first) return [];
  const { target } = first;
  const findings: Finding[] = [];
  const ratio = pick(rows, { metric: 'ttft_unique_vs_shared', target });
  if (ratio) {
    const shared = pick(rows, { metric: 'ttft', target, dataset: 'shared-prefix' });
    const unique = pick(rows, { metric: 'ttft', target, dataset: 'unique' });
    const length = ratio.tokens !== '' ? ` of the same length (${ratio.tokens} tokens)` : ' of the same length';
    const verdict = crosses(ratio, 1)
      ? 'No measurable benefit from the shared prefix'
      : Number(ratio.median) > 1
        ? 'Prompts sharing a prefix get their first token sooner'
        : 'Prompts sharing a prefix get their first token later, not sooner';
    const figures = shared && unique ? `median TTFT ${withCi(shared)} with the shared prefix vs ${withCi(unique)} for unique prompts${length}; unique/shared` : `unique/shared median TTFT for prompts${length}`;
    findings.push({ id: 'prefix-benefit', chart: 'prefix-ttft', caveats: caveatsOf([ratio, shared, unique]), row: ratio, text: `${verdict}: ${figures} ${withCi(ratio)}.` });
  }
  const evShared = pick(rows, { metric: 'prompt_tokens_evaluated', target, dataset: 'shared-prefix' });
  const evUnique = pick(rows, { metric: 'prompt_tokens_evaluated', target, dataset: 'unique' });
  if (evShared && evUnique) {
    const reused = Number(evShared.median) < Number(evUnique.median);
    findings.push({
      id: 'prefix-evaluated',
      caveats: caveatsOf([evShared, evUnique]),
      row: evShared,
      text: `${evShared.tokens !== '' ? `Of ${evShared.tokens}-token prompts, the` : 'The'} server evaluated a median ${withCi(evShared)} per shared-prefix prompt vs ${withCi(evUnique)} per unique one: ${reused ? 'it reuses the cached prefix' : 'no sign that it reuses the prefix'}.`,
    });
  }
  return findings;
}

export default prefix;
