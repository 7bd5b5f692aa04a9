/** The strategy × workers points shared by the queue (3) and contention (4) experiments. */
import os from 'node:os';
import { getStrategy } from '../../common/strategies/cache.ts';
import { isParallel, type Strategy, type StrategyId } from '../../common/strategies/index.ts';
import type { Task } from '../../common/strategies/tasks.ts';
import type { PipelineConfig } from '../../common/measure/pipeline.ts';
import { buildBatches, timeBatch } from '../../common/measure/workload.ts';
import { sampleChats } from '../../common/text/chats-file.ts';
import { getTemplateVariant } from '../../common/assets/models.ts';
import { readTopology, type Topology } from '../../common/measure/topology.ts';
import { identicalIds, type TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { preprocessor } from '../../common/measure/preprocessor-cache.ts';
import type { ChatMessage, EngineId } from '../../common/templates/engines.ts';
import type { Params, ResultRow, RowInput } from '../../common/results/results.ts';
import type { RunOptions } from '../types.ts';
import { preprocessingOptions } from './cli.ts';
import { chatsFile, measuredText, promptTokensRow } from './experiment-helpers.ts';

/**
 * Requests per batch: 64, a serving batch. Quick runs send 16 — a quarter of the work per round, so the
 * rounds that resolve the strategy speedups fit a quick run's time (on 2 cores each worker still gets 8
 * requests per batch). The `requests` column keeps the two apart.
 */
const BATCH_SIZE = { quick: 16, full: 64 } as const;

export function batchSize(options: Pick<RunOptions, 'quick'>): number {
  return options.quick ? BATCH_SIZE.quick : BATCH_SIZE.full;
}

/** The batch size of a run's rows (their `requests`); rows of runs before that column had 64, the only size then. */
export function requestsOf(rows: readonly ResultRow[]): number {
  const sizes = new Set(rows.map((r) => Number(r.requests)).filter((n) => n > 0));
  return sizes.size === 1 ? [...sizes][0] : BATCH_SIZE.full;
}
export const TURNS = 100;
export const TOKENS_PER_REQUEST = 1000;

/** What a batch-workload point (experiments 3 and 4) prepares: its template, engine, requests per batch and their text. */
export interface BatchPoint {
  template: string;
  engine: EngineId;
  requests: number;
  /** The kind of generated text, or the label of the user's chats file. */
  text: string;
  /** The user's chats (--chats) instead of generated ones. */
  file: boolean;
}

/** A batch point's requests and text: a batch of generated chats, or up to a batch of the user's (each chat one request). */
export function batchShape(options: RunOptions): Pick<BatchPoint, 'requests' | 'text' | 'file'> {
  const file = chatsFile(options);
  return { requests: file ? Math.min(file.chats, batchSize(options)) : batchSize(options), text: measuredText(options), file: file !== undefined };
}

/** The batch a point prepares: seeded chats of the selected text, or the user's chats as they are. */
export function batchOf(point: BatchPoint, options: RunOptions): ChatMessage[][] {
  const file = chatsFile(options);
  if (point.file && file) return sampleChats(file, point.requests, options.seed);
  const text = preprocessingOptions(options).text.kind;
  return buildBatches({ template: point.template, seed: options.seed, turns: TURNS, tokensPerRequest: TOKENS_PER_REQUEST, batchSize: point.requests, distinct: 1, text })[0];
}

/** With the user's chats, the token counts of the batch's rendered prompts (the reference engine and tokenizer). */
export async function batchTokenRows(point: BatchPoint, batch: readonly ChatMessage[][]): Promise<RowInput[]> {
  if (!point.file) return [];
  const reference = await preprocessor({ template: point.template, engine: 'jinja', tokenizer: 'js' });
  const counts = await Promise.all(batch.map(async (messages) => (await reference.tokenize(reference.render(messages))).length));
  return [promptTokensRow(counts)];
}

/**
 * Batches a strategy prepares at its first use in a process, before any point times it. Pool and process
 * workers see only their share of each batch: measured on 16-request batches, their batch time fell
 * ≈2× over the first three batches (main's ≈1.3×) and then held; with one warm-up pass per point the
 * first measured rounds of exp 3 were 1.0–2.8× slower than the rest. Each point still warms all its
 * variants together (paired rounds' warm-up) after this.
 */
const FIRST_USE_WARMUP_BATCHES = 3;
const warmed = new WeakSet<Strategy>();

/** The started strategy of `s` (shared by the points of a process), warmed with `prepare` batches at its first use. */
export async function warmStrategy(s: StrategyPoint, config: PipelineConfig, prepare: Task[]): Promise<Strategy> {
  const strategy = await getStrategy(s.strategy, s.workers, config);
  if (!warmed.has(strategy)) {
    warmed.add(strategy);
    for (let i = 0; i < FIRST_USE_WARMUP_BATCHES; i++) await timeBatch(strategy, prepare);
  }
  return strategy;
}

export function cores(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

/**
 * Full: 1, 2, 4, … up to 2× cores (the last oversubscribes on purpose). Quick: the core count only — the
 * count a gateway would choose; every extra pool costs seconds of start-up (each worker loads its own
 * tokenizer) and a batch per round.
 */
export function workerCounts(quick = false): number[] {
  if (quick) return [cores()];
  const counts: number[] = [];
  for (let w = 1; w <= 2 * cores(); w *= 2) counts.push(w);
  if (counts[counts.length - 1] !== 2 * cores()) counts.push(2 * cores());
  return counts;
}

/**
 * Processes of the batch workload (experiments 3 and 4) unless --runs says otherwise. Measured in a quick
 * run (16-request batches, 8 rounds): a speedup's figure moves 4–9% from process to process, mostly the
 * rounds' own noise (10–35% per round), and a process costs ≈11–20 s as the machine's speed goes (≈4.5 s starting
 * main, pool, process and native, the rest rounds). Five processes cut the 95% t-factor over processes (t/√n) from 2.48 at three to
 * 1.24, which narrows an interval more than three processes with twice the rounds would, for less time.
 */
export const BATCH_RUNS = { quick: 5 };

/** A strategy at a worker count (main and native: 1). */
export interface StrategyPoint {
  strategy: StrategyId;
  workers: number;
}

/** The selected strategies (--strategies), each parallel one at every worker count (--workers, or the defaults of the mode). */
export function strategyPoints(options: Pick<RunOptions, 'quick' | 'suites'>, counts?: number[]): StrategyPoint[] {
  const { strategies, workers } = preprocessingOptions(options);
  const parallelCounts = counts ?? workers ?? workerCounts(options.quick);
  return strategies.flatMap((strategy) => (isParallel(strategy) ? parallelCounts.map((workers) => ({ strategy, workers })) : [{ strategy, workers: 1 }]));
}

/** A strategy point's name in a round's order, e.g. "pool×2". */
export const strategyKey = (s: StrategyPoint): string => `${s.strategy}×${s.workers}`;

/** The row parameters of a strategy point: its strategy, workers and the tokenizer it runs (native tokenizes natively). */
export function strategyParams(s: StrategyPoint, tokenizer: TokenizerChoice): Params {
  return { strategy: s.strategy, workers: s.workers, tokenizer: s.strategy === 'native' ? 'native' : tokenizer };
}

const checked = new Map<string, Promise<string | undefined>>();

/**
 * The tokenizer of the main, pool and process strategies: the first selected that is not native (js when
 * only native is). Refuses (throws) one whose ids differ from the Rust tokenizer's on the batch's rendered
 * prompts; checked once per process for the points of experiments 3 and 4 that share the batch.
 */
export async function batchTokenizer(point: { template: string; engine: EngineId }, options: Pick<RunOptions, 'quick' | 'suites'>, batch: readonly ChatMessage[][]): Promise<TokenizerChoice> {
  const tokenizer = preprocessingOptions(options).tokenizers.find((t) => t !== 'native') ?? 'js';
  if (tokenizer === 'js') return tokenizer;
  const key = JSON.stringify([point.template, point.engine, tokenizer]);
  let differs = checked.get(key);
  if (!differs) {
    differs = (async () => {
      const reference = await preprocessor({ template: point.template, engine: point.engine, tokenizer: 'js' });
      return identicalIds(getTemplateVariant(point.template).model, tokenizer, batch.map((m) => reference.render(m)));
    })();
    checked.set(key, differs);
  }
  const reason = await differs;
  if (reason) throw new Error(`tokenizer ${tokenizer}: ${reason}; choose one that gives the reference ids (experiment 10, --exp 10)`);
  return tokenizer;
}

/**
 * Child-process group of the batch-workload points of experiments 3 and 4: one process per template and
 * engine holds every strategy (its tokenizers, chats and started pools), which the points compare in
 * paired rounds.
 */
export function batchGroup(p: { template: string; engine: string }): string {
  return `batch workload ${p.template} ${p.engine}`;
}

/**
 * `suspect` when a pool or process speedup over main — the same work on more threads — has its CI
 * lower bound above the core count: no history-free measurement can do that.
 */
export function speedupBound(row: ResultRow, options: Pick<RunOptions, 'topology'>): string | undefined {
  if (!row.metric.startsWith('speedup') || row.metric.endsWith('_ideal') || !isParallel(row.strategy as StrategyId)) return undefined;
  const low = row.ci_low;
  const cpus = logicalCpusOf(machineOf(options));
  if (typeof low !== 'number' || !(low > cpus)) return undefined;
  return `speedup CI lower bound ${low.toFixed(2)}× exceeds the ${cpus} cores doing the same work: one of the two figures is biased`;
}

/** A topology's logical CPUs, or this machine's count when the topology could not read them. */
export function logicalCpusOf(topology: Topology): number {
  return typeof topology.logicalCpus === 'number' ? topology.logicalCpus : cores();
}

/** The machine that measured a run's rows (options.topology; this one when a caller has none). */
export function machineOf(options: Pick<RunOptions, 'topology'>): Topology {
  return options.topology ?? readTopology();
}

/** The parameters of a batch-workload point's rows (experiments 3 and 4), in results.csv column order. */
export const QUEUE_PARAMS = ['model', 'template', 'engine', 'tokenizer', 'strategy', 'workers', 'text', 'turns', 'tokens', 'requests'] as const;

/** Row coordinates of a batch-workload point; each row adds its strategy's (strategyParams). The user's chats have no one turn or token count (see their prompt_tokens row). */
export function batchCoordinates(p: BatchPoint): Params {
  const shape = p.file ? {} : { turns: TURNS, tokens: TOKENS_PER_REQUEST };
  return { model: getTemplateVariant(p.template).model, template: p.template, engine: p.engine, text: p.text, ...shape, requests: p.requests };
}
