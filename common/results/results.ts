/**
 * The result record — one tidy long table — and its writers. Rows are appended to disk as soon as they
 * are measured (results.csv, samples.jsonl), so an interrupted run keeps everything measured so far.
 *
 * An experiment makes rows in one shape and reads them in another, the same everywhere:
 * - `RowInput`, a measurement as an experiment makes it: `params` (what the row adds to its point's
 *   coordinates), a `summary` of its raw `samples` or a single `value` with its interval, and flags that
 *   steer the statistics (`signed`, `proportion`, `exact`). `run` and `derive` return it;
 *   common/results/replicates.ts combines the RowInputs of R processes into one. The statistics need what a
 *   CSV line drops: every sample, at full precision.
 * - `ResultRow`, the record every hook reads: a line of results.csv (or replicates.csv) — fixed columns plus
 *   one flat column per parameter, no samples — as the CSV reads back (`storedRow`: numbers where the
 *   column holds them, '' where a row has no value). `derive` reads one replicate's rows so (full
 *   precision, with their `kind`, a column per parameter of the experiment); `sanity`, `writeFiles`, `answers`, charts, the report and the
 *   summary table read the combined rows as results.csv holds them — in memory at the end of a run, from
 *   disk in `npm run report` and `npm run compare`, the same records either way, so a rebuilt report equals
 *   the original and no hook re-parses a file the run just wrote. Flat columns let any tool read any
 *   suite's rows by header name. results.csv, for reading, holds figures rounded to 6 significant digits;
 *   replicates.csv, for recomputing, holds them at full precision (shortest round-trip, so a cell reads
 *   back as the same double).
 * `toRow` makes a ResultRow of a RowInput (at full precision; the results.csv writer rounds). `npm run
 * merge` goes back (suites/merge.ts, `rowInputOf`): a per-process row of replicates.csv plus its
 * samples.jsonl line give the RowInput the process measured — its figures, warm-up and, from
 * replicates.csv's `kind` column, its `signed`, `proportion` or `exact` flag — so a merge computes exactly the
 * figures the unsharded run computes. Each row's `interval` column names how its figure and interval were
 * obtained (`IntervalKind`).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { MedianCi, Summary } from '../stats/stats.ts';

/**
 * ok; error (the point failed); unsupported (the engine cannot render the template); unstable (the 95%
 * interval's half-width exceeds 10% of the figure); suspect (the figure breaks a physical bound, e.g. a
 * same-work speedup above the core count); client_saturated (the load generator fell behind its own
 * schedule, so the figure describes the measuring client as much as the system measured). Unstable,
 * suspect and client_saturated rows keep their figures; `error` says why they are flagged.
 */
export type RowStatus = 'ok' | 'error' | 'unsupported' | 'unstable' | 'suspect' | 'client_saturated';

/** Statuses whose row carries a measured figure. */
export function hasFigure(status: RowStatus | string): boolean {
  return status === 'ok' || status === 'unstable' || status === 'suspect' || status === 'client_saturated';
}

/** A point's parameter value: a name (template, target…) or a number (workers, concurrency…). */
export type ParamValue = string | number;

/** A point's parameters as an experiment declares them (undefined = not set for this row). */
export type Params = Readonly<Record<string, ParamValue | undefined>>;

/** The columns every row has, whatever its suite: identity, metric, statistics, status, replication. */
export interface ResultFields {
  run_id: string;
  suite: string;
  experiment: number;
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
  /**
   * How `median` and `ci_low`/`ci_high` were obtained (see IntervalKind). Optional only for rows made by
   * hand: toRow always sets it, and a results.csv without the column reads it as ''.
   */
  interval?: IntervalKind;
  /**
   * Set by toRow and read from replicates.csv (its `kind` column; results.csv has none): the row's
   * `signed`, `proportion` or `exact` flag, which a merge gives back to the per-process row.
   */
  kind?: RowKind;
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

/**
 * A row of results.csv: the fixed fields plus one column per declared parameter of the run's
 * experiments (template, workers, target…; '' where a row's experiment has no such parameter).
 */
export type ResultRow = ResultFields & { readonly [param: string]: ParamValue };

/**
 * How a row's figure (`median`) and 95% interval (`ci_low`/`ci_high`) were obtained — the `interval`
 * column of results.csv and replicates.csv:
 * - `log-t`: over ≥ 2 processes, positive figures: the geometric mean of the per-process figures, and
 *   Student's t-interval on their logarithms (never below 0, symmetric in × and ÷).
 * - `t`: over ≥ 2 processes, a signed difference or figures of which one is negative: the mean of the
 *   per-process figures, and Student's t-interval on them.
 * - `t>=0`: over ≥ 2 processes, figures ≥ 0 with a 0 among them (counts, idle delays): the mean and
 *   Student's t-interval, its low end raised to 0.
 * - `share`: a per-process 0/100 flag (`proportion`): the share of processes (%, the mean of the flags),
 *   no interval.
 * - `logit-t`: over ≥ 2 processes, a part of a whole in % (`percent`): Student's t-interval on the logits
 *   of the per-process shares, mapped back, so that it stays inside 0–100 (a log-t interval of a 94% share
 *   reached 102%); the figure is the inverse logit of their mean logit.
 * - `order-stat`: one process's samples: their median, and the distribution-free 95% interval of the
 *   median from binomial order statistics (within the process only).
 * - `given`: one process's single value with the interval the experiment computed for it (e.g. a ratio
 *   of two medians from their intervals' ends, a search bracket).
 * - '' : a single value without an interval — one process's value, or a constant by construction
 *   (`exact`: the same in every process, e.g. the machine's CPU counts or an ideal speedup), whatever the
 *   number of processes — or no figure (error rows).
 */
export type IntervalKind = 'log-t' | 't' | 't>=0' | 'share' | 'logit-t' | 'order-stat' | 'given' | '';

/** replicates.csv's `kind` of a row: its RowInput flag (`signed`, `proportion`, `percent` or `exact`), '' for none. */
export type RowKind = 'signed' | 'proportion' | 'percent' | 'exact' | '';

const LEADING_COLUMNS = ['run_id', 'suite', 'experiment'] as const satisfies readonly (keyof ResultFields)[];
const FIGURE_COLUMNS = ['metric', 'unit', 'n', 'median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'interval', 'status', 'error', 'note'] as const satisfies readonly (keyof ResultFields)[];
/** How a row was obtained across processes and warm-up. */
const REPLICATION_COLUMNS = ['runs', 'between_sd', 'within_half_pct', 'warmup_n', 'warmup_ms'] as const satisfies readonly (keyof ResultFields)[];

/** Every fixed column: a results.csv column that is not among these is a parameter. */
export const FIXED_COLUMNS: readonly string[] = [...LEADING_COLUMNS, ...FIGURE_COLUMNS, ...REPLICATION_COLUMNS];

/** Fixed columns holding numbers (or '' when empty). */
export const NUMERIC_FIXED_COLUMNS: ReadonlySet<string> = new Set(['experiment', 'n', 'median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'runs', 'between_sd', 'within_half_pct', 'warmup_n', 'warmup_ms']);

/**
 * results.csv's header: run_id, suite, experiment, then the parameters the run's experiments declare
 * (in order of first declaration), then metric, unit, the statistics, status, note and replication.
 * Tools read it by header name: a parameter is any column that is not fixed.
 */
function csvColumns(params: readonly string[]): string[] {
  return [...LEADING_COLUMNS, ...params, ...FIGURE_COLUMNS, ...REPLICATION_COLUMNS];
}

/**
 * replicates.csv's columns beyond results.csv's: the process's replicate index, the point's index in its
 * experiment's matrix (empty for rows derived per replicate) and the row's `kind` (RowKind).
 */
export const PROCESS_COLUMNS: readonly string[] = ['replicate', 'point', 'kind'];

/** results.csv's figures rounded to 6 significant digits (for reading); replicates.csv keeps every digit. */
const ROUNDED_COLUMNS = ['median', 'p90', 'p99', 'mean', 'sd', 'ci_low', 'ci_high', 'between_sd', 'within_half_pct', 'warmup_n', 'warmup_ms'] as const satisfies readonly (keyof ResultFields)[];

/** Whether a column (of results.csv, replicates.csv or a samples.jsonl line) holds a parameter: any name that is not one of their own. */
export function isParamColumn(column: string): boolean {
  return !FIXED_COLUMNS.includes(column) && !PROCESS_COLUMNS.includes(column);
}

/** The parameter columns of a results.csv or replicates.csv header. */
export function paramColumns(header: readonly string[]): string[] {
  return header.filter(isParamColumn);
}

/**
 * A cell of results.csv or replicates.csv as it reads back: a number in a numeric column — a fixed one or
 * a parameter, whose type the CSV does not record (so a name made only of digits reads as a number) — when
 * the text is one, else the text; empty stays ''.
 */
function readCell(column: string, text: string): ParamValue {
  const numeric = NUMERIC_FIXED_COLUMNS.has(column) || isParamColumn(column);
  return numeric && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** A cell's text as the CSV writer (csv-stringify) writes it: numbers as String(x), nothing as ''. */
const cellText = (v: ParamValue | undefined | null): string => (v === undefined || v === null ? '' : String(v));

/**
 * A row as results.csv (with `params` its parameter columns) reads back: exactly the file's columns, each
 * cell through `readCell` — the record the hooks read, the same in memory and from disk.
 */
export function storedRow(row: ResultRow, params: readonly string[]): ResultRow {
  return Object.fromEntries(csvColumns(params).map((c) => [c, readCell(c, cellText(row[c]))])) as ResultRow;
}

/** The parameters of a row, in column order, without the empty ones. */
export function paramsOf(row: ResultRow, params: readonly string[]): [string, ParamValue][] {
  return params.map((p) => [p, row[p]] as [string, ParamValue]).filter(([, v]) => v !== '' && v !== undefined);
}

/** A row's figure as numbers (NaN where a cell is empty): its median, 95% interval and p99, e.g. for a ratio of two rows' medians. */
export function figureOf(row: ResultRow): MedianCi & { p99: number } {
  return { median: cellNumber(row.median), ciLow: cellNumber(row.ci_low), ciHigh: cellNumber(row.ci_high), p99: cellNumber(row.p99) };
}

/** A row's set parameters (its non-empty parameter columns) as a RowInput's `params`: what a derived row carries over. */
export function rowParams(row: ResultRow): Record<string, ParamValue> {
  return Object.fromEntries(paramsOf(row, paramColumns(Object.keys(row))));
}

/**
 * A row's point in words: its set parameters (or only `shown`) in column order — names as they are,
 * numbers as name=value, e.g. "llama3.1-full jinja pool workers=2".
 */
export function pointText(row: ResultRow, shown?: readonly string[]): string {
  const params = paramColumns(Object.keys(row)).filter((p) => !shown || shown.includes(p));
  return paramsOf(row, params).map(([k, v]) => (typeof v === 'number' ? `${k}=${v}` : v)).join(' ');
}

/**
 * "N unstable (a of b ratios and shares, c of d absolute figures)": ratios and shares (× and %; most are
 * paired within each process) apart from absolute figures, which move with the machine's speed state
 * between processes. Counted over the rows with an interval.
 */
export function unstableSummary(rows: readonly ResultRow[]): string {
  const judged = rows.filter((r) => (r.status === 'ok' || r.status === 'unstable') && r.ci_low !== '');
  const count = (ratio: boolean) => {
    const of = judged.filter((r) => (r.unit === 'x' || r.unit === '%') === ratio);
    return `${of.filter((r) => r.status === 'unstable').length} of ${of.length}`;
  };
  const unstable = rows.filter((r) => r.status === 'unstable').length;
  return `${unstable} unstable (${count(true)} ratios and shares, ${count(false)} absolute figures)`;
}

/** The parameters whose value differs between rows: what tells their points apart. */
export function varyingParams(rows: readonly ResultRow[]): string[] {
  const params = [...new Set(rows.flatMap((r) => paramColumns(Object.keys(r))))];
  return params.filter((p) => new Set(rows.map((r) => r[p] ?? '')).size > 1);
}

function replicateCsvColumns(params: readonly string[]): string[] {
  return [...csvColumns(params), ...PROCESS_COLUMNS];
}

/** What an experiment returns for one measurement: the point's parameters, a metric and its data. */
export interface RowInput {
  /** Parameters beyond (or overriding) the point's coordinates, which the runner adds to every row of the point. */
  params?: Params;
  metric: string;
  unit: string;
  /** A summary of samples, or a single derived value (ratio, count) with optional interval. */
  summary?: Summary;
  value?: number;
  low?: number;
  high?: number;
  /**
   * Raw samples, written to samples.jsonl at full precision. With samples, `summary` is
   * `summarize(samples)`: `npm run merge` recomputes it from them.
   */
  samples?: number[];
  status?: RowStatus;
  error?: string;
  note?: string;
  /** Warm-up before sampling (time-based, see common/measure/timing.ts). */
  warmup?: Warmup;
  /** A difference that may be negative: its interval is not truncated at 0 nor judged relative to the figure. */
  signed?: boolean;
  /**
   * A per-process 0 or 100 (e.g. "on the Pareto front"): over processes the row is the share of them,
   * with no interval (a t-interval over flags means nothing) and no `unstable` judgement.
   */
  proportion?: boolean;
  /** A part of a whole in % (0–100, e.g. a stage's share of the time): its interval over processes stays inside 0–100 (logit-t). */
  percent?: boolean;
  /**
   * A constant by construction, the same in every process (the machine's CPU counts, an ideal speedup):
   * over processes the row is that value, with no interval (identical figures would give a zero-width
   * one, read as a perfectly precise measurement) and no `unstable` judgement. Processes that disagree on
   * it make the combined row an error that names their values (common/results/replicates.ts).
   */
  exact?: boolean;
  /**
   * Set on one row of a point measured in paired rounds (common/measure/paired-rounds.ts): the seed and order of
   * its rounds. The runner moves it to env.json; it is no column.
   */
  rounds?: RoundsRecord;
  /** Set on rows combined over replicate processes (common/results/replicates.ts). */
  replication?: { runs: number; betweenSd: number; withinHalfPct: number };
  /**
   * How the figure and interval were obtained, set by common/results/replicates.ts on combined rows; unset, toRow
   * names a single process's (`order-stat` with samples, `given` for a value with an interval, else '').
   */
  interval?: IntervalKind;
}

export interface RoundsRecord {
  seed: number;
  /** Variant names in the order each round ran them. */
  order: string[][];
  gcBetweenSlices: boolean;
}

export interface Warmup {
  n: number;
  ms: number;
}

/** A numeric cell of a ResultRow as a number (NaN when empty or not a number). */
export const cellNumber = (v: ParamValue): number => (v === '' ? NaN : Number(v));

/** A figure as a cell: every digit, '' when unset or not finite. */
const cellOf = (x: number | undefined): number | '' => (x === undefined || !Number.isFinite(x) ? '' : x);

/** A row as results.csv holds it: its figures rounded to 6 significant digits. */
export function roundedRow(row: ResultRow): ResultRow {
  const out: Record<string, ParamValue | undefined> = { ...row };
  for (const c of ROUNDED_COLUMNS) {
    const v = row[c];
    if (typeof v === 'number') out[c] = Number(v.toPrecision(6));
  }
  return out as ResultRow;
}

/** The interval of a row that common/results/replicates.ts did not name: one process's own. */
function ownInterval(input: RowInput): IntervalKind {
  const finite = (x: number | undefined) => x !== undefined && Number.isFinite(x);
  if (input.summary) return finite(input.summary.ciLow) || finite(input.summary.ciHigh) ? 'order-stat' : '';
  return input.value !== undefined && (finite(input.low) || finite(input.high)) ? 'given' : '';
}

/** A row's set parameters; throws on one its experiment does not declare (a bug in the experiment: it would miss its column). */
export function checkedParams(input: RowInput, declared: readonly string[] | undefined): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(input.params ?? {})) {
    if (v === undefined) continue;
    if (declared && !declared.includes(k)) throw new Error(`row '${input.metric}' has parameter '${k}', which its experiment does not declare (declared: ${declared.join(', ') || 'none'})`);
    out[k] = v;
  }
  return out;
}

/**
 * The row of a measurement, figures at full precision (the results.csv writer rounds them: roundedRow);
 * `declared` lists the experiment's parameters (unknown ones throw).
 */
export function toRow(input: RowInput, base: { run_id: string; suite: string; experiment: number }, declared?: readonly string[]): ResultRow {
  const s = input.summary;
  const kind: RowKind = input.proportion ? 'proportion' : input.percent ? 'percent' : input.signed ? 'signed' : input.exact ? 'exact' : '';
  return {
    ...checkedParams(input, declared),
    ...base,
    metric: input.metric,
    unit: input.unit,
    n: s ? s.n : input.value !== undefined ? 1 : '',
    median: cellOf(s ? s.median : input.value),
    p90: cellOf(s?.p90),
    p99: cellOf(s?.p99),
    mean: cellOf(s ? s.mean : input.value),
    sd: cellOf(s?.sd),
    ci_low: cellOf(s ? s.ciLow : input.low),
    ci_high: cellOf(s ? s.ciHigh : input.high),
    interval: input.interval ?? ownInterval(input),
    status: input.status ?? 'ok',
    error: input.error ?? '',
    note: input.note ?? '',
    runs: input.replication?.runs ?? '',
    between_sd: cellOf(input.replication?.betweenSd),
    within_half_pct: cellOf(input.replication?.withinHalfPct),
    warmup_n: cellOf(input.warmup?.n),
    warmup_ms: cellOf(input.warmup?.ms),
    ...(kind ? { kind } : {}),
  };
}

/**
 * The record of a measurement that the hooks read (`derive` reads one replicate's rows so, `sanity` a
 * combined one): its row at full precision (`toRow`) as a CSV whose parameter columns are `params` (the
 * experiment's) reads back (`storedRow`), with its `kind` as replicates.csv gives it.
 */
export function recordOf(input: RowInput, base: { run_id: string; suite: string; experiment: number }, params: readonly string[]): ResultRow {
  const row = toRow(input, base);
  return withKind(storedRow(row, params), row.kind);
}

/** A stored row with replicates.csv's `kind` column, when it has one (the writer keeps it so; parseReplicatesCsv reads it so). */
export const withKind = (stored: ResultRow, kind: RowKind | undefined): ResultRow => (kind ? { ...stored, kind } : stored);

/**
 * Appends rows to a CSV (results.csv, or replicates.csv with the process columns) and their samples to
 * samples.jsonl, synchronously: a row is on disk before the next measurement starts. `params` are the
 * run's parameter columns; a row lacking one gets '' there. results.csv gets figures rounded to 6
 * significant digits (and `rows` holds them so); replicates.csv and samples.jsonl get them unrounded (a
 * CSV cell written as the shortest round-trip String(x), like a JSON number, reads back as the same
 * double), so a merge recomputes every statistic from exactly what was measured.
 */
export class ResultWriter {
  readonly csvPath: string;
  readonly samplesPath: string;
  readonly rows: ResultRow[] = [];
  private readonly columns: string[];

  constructor(readonly dir: string, readonly params: readonly string[], readonly file = 'results.csv', private readonly withReplicate = false) {
    mkdirSync(dir, { recursive: true });
    this.csvPath = join(dir, file);
    this.samplesPath = join(dir, 'samples.jsonl');
    this.columns = csvColumns(params);
    if (!existsSync(this.csvPath)) writeFileSync(this.csvPath, stringify([withReplicate ? replicateCsvColumns(params) : this.columns]));
    if (!existsSync(this.samplesPath)) writeFileSync(this.samplesPath, '');
  }

  /** Appends a row; returns it as the file reads back (`storedRow`, with its `kind` in replicates.csv), which `rows` keeps. */
  write(row: ResultRow, samples?: number[], replicate?: number, point?: number): ResultRow {
    const full = this.withReplicate ? row : roundedRow(row);
    const stored = storedRow(full, this.params);
    const kept = this.withReplicate ? withKind(stored, full.kind) : stored;
    this.rows.push(kept);
    const cells: unknown[] = this.columns.map((c) => full[c] ?? '');
    if (this.withReplicate) cells.push(replicate ?? '', point ?? '', full.kind ?? '');
    appendFileSync(this.csvPath, stringify([cells]));
    if (samples && samples.length > 0) {
      // A samples line carries the row's identity: its set parameters, metric and unit.
      const key: Record<string, unknown> = { run_id: full.run_id, suite: full.suite, experiment: full.experiment, ...Object.fromEntries(paramsOf(full, this.params)), metric: full.metric, unit: full.unit };
      if (replicate !== undefined) key.replicate = replicate;
      appendFileSync(this.samplesPath, JSON.stringify({ ...key, samples }) + '\n');
    }
    return kept;
  }
}
