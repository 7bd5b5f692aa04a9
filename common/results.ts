/**
 * The result record — one tidy long table — and its writers. Rows are appended to disk as soon as they
 * are measured (results.csv, samples.jsonl), so an interrupted run keeps everything measured so far.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Summary } from './stats.ts';

export type RowStatus = 'ok' | 'error' | 'unsupported';

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
}

/** The inference suite's coordinates: appended at the end of the CSV (existing columns keep their positions). */
export const INFERENCE_COLUMNS = ['concurrency', 'rate', 'target', 'dataset'] as const satisfies readonly (keyof ResultRow)[];

/** What identifies a measurement (up to its unit): the key of its samples.jsonl line. */
const SAMPLE_KEY_COLUMNS = [
  'run_id', 'suite', 'experiment', 'model', 'template', 'engine', 'tokenizer', 'strategy', 'workers', 'turns', 'tokens',
  'metric', 'unit',
] as const satisfies readonly (keyof ResultRow)[];

export const CSV_COLUMNS: readonly (keyof ResultRow)[] = [
  ...SAMPLE_KEY_COLUMNS,
  'n', 'median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'status', 'error', 'note',
  ...INFERENCE_COLUMNS,
];

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
}

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
  };
}

export class ResultWriter {
  readonly csvPath: string;
  readonly samplesPath: string;
  readonly rows: ResultRow[] = [];

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.csvPath = join(dir, 'results.csv');
    this.samplesPath = join(dir, 'samples.jsonl');
    if (!existsSync(this.csvPath)) writeFileSync(this.csvPath, stringify([CSV_COLUMNS as string[]]));
    if (!existsSync(this.samplesPath)) writeFileSync(this.samplesPath, '');
  }

  /** Appends synchronously: a row is on disk before the next measurement starts. */
  write(row: ResultRow, samples?: number[]): void {
    this.rows.push(row);
    appendFileSync(this.csvPath, stringify([CSV_COLUMNS.map((c) => row[c])]));
    if (samples && samples.length > 0) {
      const key: Record<string, unknown> = Object.fromEntries(SAMPLE_KEY_COLUMNS.map((c) => [c, row[c]]));
      // The appended coordinates identify inference rows; written only when set.
      for (const c of INFERENCE_COLUMNS) if (row[c] !== '') key[c] = row[c];
      appendFileSync(this.samplesPath, JSON.stringify({ ...key, samples: samples.map((x) => Number(x.toPrecision(6))) }) + '\n');
    }
  }
}
