/**
 * The result record — one tidy long table — and its writers. Rows are appended to disk as soon as they
 * are measured (results.csv, samples.jsonl), so an interrupted run keeps everything measured so far.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Summary } from './stats.ts';

/**
 * ok; error (the point failed); unsupported (the engine cannot render the template); unstable (the 95%
 * interval's half-width exceeds 10% of the figure); suspect (the figure breaks a physical bound, e.g. a
 * same-work speedup above the core count). Unstable and suspect rows keep their figures.
 */
export type RowStatus = 'ok' | 'error' | 'unsupported' | 'unstable' | 'suspect';

/** Statuses whose row carries a measured figure. */
export function hasFigure(status: RowStatus | string): boolean {
  return status === 'ok' || status === 'unstable' || status === 'suspect';
}

export interface ResultRow {
  run_id: string;
  suite: string;
  experiment: number;
  model: string;
  template: string;
  engine: string;
  tokenizer: string;
  strategy: string;
  workers: number | '';
  turns: number | '';
  tokens: number | '';
  metric: string;
  unit: string;
  n: number | '';
  median: number | '';
  p90: number | '';
  p99: number | '';
  mean: number | '';
  sd: number | '';
  ci_low: number | '';
  ci_high: number | '';
  status: RowStatus;
  error: string;
  /** What the figure includes (e.g. "worker round trip included"). */
  note: string;
  /** Inference suite: closed-loop concurrency (or the in-flight cap of a rate run). */
  concurrency: number | '';
  /** Inference suite: Poisson request rate, requests/s. */
  rate: number | '';
  /** Inference suite: the serving endpoint measured (name or base URL). */
  target: string;
  /** Inference suite: the prompt set (synthetic shape or JSONL dataset name). */
  dataset: string;
  /** Fresh processes whose figures make up the row (its interval is over them when ≥ 2). */
  runs: number | '';
  /** Standard deviation of the per-process figures. */
  between_sd: number | '';
  /** Median over processes of the within-process 95% CI half-width, % of the median. */
  within_half_pct: number | '';
  /** Warm-up calls before sampling, and their time in ms (mean per process). */
  warmup_n: number | '';
  warmup_ms: number | '';
}

/** The inference suite's coordinates: appended at the end of the CSV (existing columns keep their positions). */
export const INFERENCE_COLUMNS = ['concurrency', 'rate', 'target', 'dataset'] as const satisfies readonly (keyof ResultRow)[];

/** What identifies a measurement (up to its unit): the key of its samples.jsonl line. */
const SAMPLE_KEY_COLUMNS = [
  'run_id', 'suite', 'experiment', 'model', 'template', 'engine', 'tokenizer', 'strategy', 'workers', 'turns', 'tokens',
  'metric', 'unit',
] as const satisfies readonly (keyof ResultRow)[];

/** How a row was obtained across processes and warm-up: appended after the inference coordinates. */
export const REPLICATION_COLUMNS = ['runs', 'between_sd', 'within_half_pct', 'warmup_n', 'warmup_ms'] as const satisfies readonly (keyof ResultRow)[];

export const CSV_COLUMNS: readonly (keyof ResultRow)[] = [
  ...SAMPLE_KEY_COLUMNS,
  'n', 'median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'status', 'error', 'note',
  ...INFERENCE_COLUMNS,
  ...REPLICATION_COLUMNS,
];

/**
 * replicates.csv: one row per measurement per process, with the process's replicate index and the
 * point's index in its experiment's matrix (empty for rows derived per replicate).
 */
export const REPLICATE_CSV_COLUMNS: readonly string[] = [...CSV_COLUMNS, 'replicate', 'point'];

/** What an experiment returns for one measurement: the point's coordinates, a metric and its data. */
export interface RowInput {
  model?: string;
  template?: string;
  engine?: string;
  tokenizer?: string;
  strategy?: string;
  workers?: number;
  turns?: number;
  tokens?: number;
  metric: string;
  unit: string;
  /** A summary of samples, or a single derived value (ratio, count) with optional interval. */
  summary?: Summary;
  value?: number;
  low?: number;
  high?: number;
  /** Raw samples, written to samples.jsonl. */
  samples?: number[];
  status?: RowStatus;
  error?: string;
  note?: string;
  concurrency?: number;
  rate?: number;
  target?: string;
  dataset?: string;
  /** Warm-up before sampling (time-based, see common/timing.ts). */
  warmup?: Warmup;
  /** A difference that may be negative: its interval is not truncated at 0 nor judged relative to the figure. */
  signed?: boolean;
  /** Set on rows combined over replicate processes (common/replicates.ts). */
  replication?: { runs: number; betweenSd: number; withinHalfPct: number };
}

export interface Warmup {
  n: number;
  ms: number;
}

/** A numeric cell of a ResultRow as a number (NaN when empty). */
export const cellNumber = (v: number | ''): number => (v === '' ? NaN : v);

const round = (x: number | undefined): number | '' => (x === undefined || !Number.isFinite(x) ? '' : Number(x.toPrecision(6)));

export function toRow(input: RowInput, base: { run_id: string; suite: string; experiment: number }): ResultRow {
  const s = input.summary;
  return {
    ...base,
    model: input.model ?? '',
    template: input.template ?? '',
    engine: input.engine ?? '',
    tokenizer: input.tokenizer ?? '',
    strategy: input.strategy ?? '',
    workers: input.workers ?? '',
    turns: input.turns ?? '',
    tokens: input.tokens ?? '',
    metric: input.metric,
    unit: input.unit,
    n: s ? s.n : input.value !== undefined ? 1 : '',
    median: round(s ? s.median : input.value),
    p90: round(s?.p90),
    p99: round(s?.p99),
    mean: round(s ? s.mean : input.value),
    sd: round(s?.sd),
    ci_low: round(s ? s.ciLow : input.low),
    ci_high: round(s ? s.ciHigh : input.high),
    status: input.status ?? 'ok',
    error: input.error ?? '',
    note: input.note ?? '',
    concurrency: input.concurrency ?? '',
    rate: input.rate ?? '',
    target: input.target ?? '',
    dataset: input.dataset ?? '',
    runs: input.replication?.runs ?? '',
    between_sd: round(input.replication?.betweenSd),
    within_half_pct: round(input.replication?.withinHalfPct),
    warmup_n: round(input.warmup?.n),
    warmup_ms: round(input.warmup?.ms),
  };
}

/**
 * Appends rows to a CSV (results.csv, or replicates.csv with a replicate column) and their samples to
 * samples.jsonl, synchronously: a row is on disk before the next measurement starts.
 */
export class ResultWriter {
  readonly csvPath: string;
  readonly samplesPath: string;
  readonly rows: ResultRow[] = [];

  constructor(readonly dir: string, readonly file = 'results.csv', private readonly withReplicate = false) {
    mkdirSync(dir, { recursive: true });
    this.csvPath = join(dir, file);
    this.samplesPath = join(dir, 'samples.jsonl');
    const columns = withReplicate ? REPLICATE_CSV_COLUMNS : CSV_COLUMNS;
    if (!existsSync(this.csvPath)) writeFileSync(this.csvPath, stringify([columns as string[]]));
    if (!existsSync(this.samplesPath)) writeFileSync(this.samplesPath, '');
  }

  write(row: ResultRow, samples?: number[], replicate?: number, point?: number): void {
    this.rows.push(row);
    const cells: unknown[] = CSV_COLUMNS.map((c) => row[c]);
    if (this.withReplicate) cells.push(replicate ?? '', point ?? '');
    appendFileSync(this.csvPath, stringify([cells]));
    if (samples && samples.length > 0) {
      const key: Record<string, unknown> = Object.fromEntries(SAMPLE_KEY_COLUMNS.map((c) => [c, row[c]]));
      // The appended coordinates identify inference rows; written only when set.
      for (const c of INFERENCE_COLUMNS) if (row[c] !== '') key[c] = row[c];
      if (replicate !== undefined) key.replicate = replicate;
      appendFileSync(this.samplesPath, JSON.stringify({ ...key, samples: samples.map((x) => Number(x.toPrecision(6))) }) + '\n');
    }
  }
}
