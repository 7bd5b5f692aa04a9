/**
 * Combines the rows that R replicate processes measured for the same coordinates into one row whose
 * figure and 95% interval come from the per-process figures (common/stats/replicate-stats.ts): the interval
 * covers between-process variation. Within-process spread stays in its own column. With one process the
 * row keeps its within-process interval and says so. A constant by construction (`exact`) keeps its value
 * and gets no interval. A combined row names its interval (`interval`: log-t, t, t>=0, share, or '' for a
 * constant; see IntervalKind in common/results/results.ts).
 */
import type { IntervalKind, RowInput } from './results.ts';
import { IDENTITY_SCALE, LOGIT_SCALE, LOG_SCALE, logTInterval, logitTInterval, tInterval, twoStageInterval, type ReplicateInterval } from '../stats/replicate-stats.ts';
import { equalWeightQuantile, mean, median, sampleSd, summarize, type Summary } from '../stats/stats.ts';

export interface ReplicateRow {
  replicate: number;
  row: RowInput;
}

/** Half-width of the 95% interval above which a row is flagged `unstable`, as a share of its figure. */
export const UNSTABLE_HALF_WIDTH = 0.1;

/** What identifies a measurement across processes: its parameters, metric and unit. */
function measurementKey(row: RowInput): string {
  const params = Object.entries(row.params ?? {}).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([params, row.metric, row.unit]);
}

const perProcessFigure = (row: RowInput): number | undefined => (row.summary ? row.summary.median : row.value);

/**
 * Combines replicate rows measurement by measurement, in the order each measurement first appears.
 * `planned`: the processes planned per point; a row measured in more (--precision) gets the two-stage
 * interval of its first `planned` processes (twoStageInterval).
 */
export function combineReplicates(rows: readonly ReplicateRow[], planned?: number): RowInput[] {
  const groups = new Map<string, ReplicateRow[]>();
  for (const r of rows) {
    const key = measurementKey(r.row);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => combineGroup(g, planned));
}

function combineGroup(group: ReplicateRow[], planned?: number): RowInput {
  const measured = group.filter((g) => MEASURED.has(g.row.status ?? 'ok') && perProcessFigure(g.row) !== undefined && Number.isFinite(perProcessFigure(g.row)!));
  const failed = group.filter((g) => !measured.includes(g));
  if (measured.length === 0) {
    const first = failed[0].row;
    const note = group.length > 1 ? `${first.note ? `${first.note}; ` : ''}in ${group.length} processes` : first.note;
    return { ...first, note };
  }
  const rows = measured.map((m) => m.row);
  const combined = withSaturation(rows[0].exact ? constant(rows) : rows.length === 1 ? single(rows[0]) : fromProcesses(rows, measured.map((m) => m.replicate), planned), measured);
  if (failed.length === 0) return combined;
  const failures = `failed in ${failed.length} of ${group.length} processes (${failed[0].row.status}: ${failed[0].row.error ?? ''})`;
  return { ...combined, note: combined.note ? `${combined.note}; ${failures}` : failures };
}

/** Per-process statuses whose figure is combined: a saturated client still measured something. */
const MEASURED = new Set(['ok', 'client_saturated']);

/** The combined row is client_saturated when any of its processes was, saying in how many. */
function withSaturation(combined: RowInput, measured: ReplicateRow[]): RowInput {
  const saturated = measured.filter((m) => m.row.status === 'client_saturated');
  if (saturated.length === 0) return combined;
  const where = measured.length > 1 ? `in ${saturated.length} of ${measured.length} processes: ` : '';
  return { ...combined, status: 'client_saturated', error: `${where}${saturated[0].row.error ?? ''}` };
}

/**
 * A row the same in every process by construction (`exact`: the machine's CPU counts, an ideal speedup):
 * its value, with no interval and no note about processes — an interval over identical figures would
 * have zero width and read as a perfectly precise measurement. Processes that disagree break the premise
 * (rows of two machines, a bug): the row is then an error naming each value and in how many processes
 * it was found, rather than one of them chosen or an average that no process saw.
 */
function constant(rows: RowInput[]): RowInput {
  const coords = withoutFigures(rows[0]);
  const figures = rows.map((r) => perProcessFigure(r)!);
  const values = [...new Set(figures)];
  if (values.length === 1) return { ...coords, value: values[0], interval: '', replication: { runs: rows.length, betweenSd: rows.length > 1 ? 0 : NaN, withinHalfPct: NaN } };
  const seen = values.map((v) => `${v} in ${figures.filter((f) => f === v).length}`).join(', ');
  const error = `constant by construction, yet its ${rows.length} processes disagree: ${seen}`;
  return { ...coords, status: 'error', error, interval: '', replication: { runs: rows.length, betweenSd: sampleSd(figures), withinHalfPct: NaN } };
}

/** A row without its per-process figures (samples, summary, value and interval ends): what a combined row keeps of it. */
function withoutFigures(row: RowInput): Omit<RowInput, 'samples' | 'summary' | 'value' | 'low' | 'high'> {
  const { samples: _samples, summary: _summary, value: _value, low: _low, high: _high, ...coords } = row;
  return coords;
}

function single(row: RowInput): RowInput {
  const withinHalfPct = row.summary ? halfWidthPct(row.summary.ciLow, row.summary.ciHigh, row.summary.median) : NaN;
  const note = `${row.note ? `${row.note}; ` : ''}one process: the interval is within-process only`;
  // A proportion is a share of processes however many there are (here 0 or 100); other rows keep their own interval, which toRow names.
  return { ...row, note, replication: { runs: 1, betweenSd: NaN, withinHalfPct }, ...(row.proportion ? { interval: 'share' as const } : {}) };
}

function fromProcesses(rows: RowInput[], replicates: readonly number[], planned?: number): RowInput {
  const first = rows[0];
  const figures = rows.map((r) => perProcessFigure(r)!);
  if (first.proportion) {
    const { low: _low, high: _high, ...rest } = first;
    return { ...rest, value: mean(figures), interval: 'share', replication: { runs: rows.length, betweenSd: sampleSd(figures), withinHalfPct: NaN } };
  }
  // Positive figures (times, rates, ratios) vary by factors: their interval is taken on the log scale.
  // Signed differences keep Student's t on the figures; so do figures that can be 0 (counts, idle
  // delays), truncated at 0 since they cannot be negative.
  // Parts of a whole stay inside 0–100 on the logit scale.
  const kind: IntervalKind = first.percent ? 'logit-t' : first.signed || figures.some((x) => x < 0) ? 't' : figures.every((x) => x > 0) ? 'log-t' : 't>=0';
  const firstStage = planned === undefined ? [] : figures.filter((_, i) => replicates[i] < planned);
  const twoStage = planned !== undefined && replicates.some((r) => r >= planned) && firstStage.length >= 2;
  const scale = kind === 'logit-t' ? LOGIT_SCALE : kind === 'log-t' ? LOG_SCALE : IDENTITY_SCALE;
  const interval = twoStage
    ? (kind === 't>=0' ? nonNegative : (i: ReplicateInterval) => i)(twoStageInterval(figures, firstStage, scale))
    : kind === 'logit-t' ? logitTInterval(figures) : kind === 't' ? tInterval(figures) : kind === 'log-t' ? logTInterval(figures) : nonNegative(tInterval(figures));
  const stages = twoStage ? `two-stage interval (--precision): the spread of the ${firstStage.length} planned processes, over ${figures.length}` : undefined;
  const warmup = rows.every((r) => r.warmup)
    ? { n: rows.reduce((s, r) => s + r.warmup!.n, 0) / rows.length, ms: rows.reduce((s, r) => s + r.warmup!.ms, 0) / rows.length }
    : undefined;
  const withinHalves = rows.filter((r) => r.summary).map((r) => halfWidthPct(r.summary!.ciLow, r.summary!.ciHigh, r.summary!.median));
  const replication = { runs: rows.length, betweenSd: interval.sd, withinHalfPct: withinHalves.length ? median(withinHalves) : NaN };
  const own = withoutFigures(first);
  const coords = stages ? { ...own, note: own.note ? `${own.note}; ${stages}` : stages } : own;
  if (rows.every((r) => r.summary)) {
    const sets = rows.map((r) => r.samples ?? []);
    const n = rows.reduce((s, r) => s + r.summary!.n, 0);
    if (sets.every((s) => s.length > 0)) {
      // Sampling is budgeted by time, so a faster process leaves more samples: every process weighs the same in the tails.
      const summary: Summary = { ...summarize(sets.flat()), n, p90: equalWeightQuantile(sets, 0.9), p99: equalWeightQuantile(sets, 0.99), median: interval.center, ciLow: interval.low, ciHigh: interval.high };
      return { ...coords, summary, warmup, replication, interval: kind };
    }
    // A process without its samples (a row that carries only a summary): no percentile of the pooled
    // samples can be taken, and the row says what its tails are instead.
    const meanOf = (own: 'p90' | 'p99') => mean(rows.map((r) => r.summary![own]));
    const summary: Summary = { ...pooledMoments(rows.map((r) => r.summary!)), n, p90: meanOf('p90'), p99: meanOf('p99'), median: interval.center, ciLow: interval.low, ciHigh: interval.high };
    return { ...coords, summary, warmup, replication, interval: kind, note: `${coords.note ? `${coords.note}; ` : ''}${TAILS_WITHOUT_SAMPLES}` };
  }
  return { ...coords, value: interval.center, low: interval.low, high: interval.high, warmup, replication, interval: kind };
}

/** The note of a row whose p90/p99 could not be taken over the pooled samples. */
const TAILS_WITHOUT_SAMPLES = 'p90/p99: mean of per-process percentiles (samples not available)';

/**
 * Mean, sd, min and max of all the processes' samples together, from their summaries alone: the same
 * figures as summarizing the pooled samples (up to rounding), since each summary has its samples' n,
 * mean and sd (n − 1) and the pooled sum of squares is the within-process ones plus n·(mean − pooled mean)².
 */
function pooledMoments(summaries: readonly Summary[]): Pick<Summary, 'mean' | 'sd' | 'min' | 'max'> {
  const total = summaries.reduce((s, x) => s + x.n, 0);
  const mean = summaries.reduce((s, x) => s + x.n * x.mean, 0) / total;
  const squares = summaries.reduce((s, x) => s + (x.n - 1) * x.sd ** 2 + x.n * (x.mean - mean) ** 2, 0);
  return { mean, sd: total < 2 ? 0 : Math.sqrt(squares / (total - 1)), min: Math.min(...summaries.map((x) => x.min)), max: Math.max(...summaries.map((x) => x.max)) };
}

function nonNegative(t: ReplicateInterval): ReplicateInterval {
  return { ...t, low: Math.max(0, t.low) };
}

function halfWidthPct(low: number, high: number, center: number): number {
  return (100 * (high - low)) / 2 / Math.abs(center);
}

/**
 * A combined row's 95% half-width as % of its figure (NaN for a NaN figure); undefined when it has no relative
 * interval (a signed difference, a share of flags, a constant, no interval). What `unstable` and --precision judge.
 */
export function relativeHalfWidth(row: RowInput): number | undefined {
  if (row.signed || row.proportion || row.exact) return undefined;
  const center = row.summary ? row.summary.median : row.value;
  const low = row.summary ? row.summary.ciLow : row.low;
  const high = row.summary ? row.summary.ciHigh : row.high;
  if (center === undefined || low === undefined || high === undefined || !Number.isFinite(low) || !Number.isFinite(high) || center === 0) return undefined;
  return halfWidthPct(low, high, center);
}

/** `unstable` when the interval's half-width exceeds 10% of the figure; other statuses, and constants, are kept. */
export function flagUnstable(row: RowInput): RowInput {
  if ((row.status ?? 'ok') !== 'ok') return row;
  const half = relativeHalfWidth(row);
  if (half === undefined || half <= 100 * UNSTABLE_HALF_WIDTH) return row;
  return { ...row, status: 'unstable', error: `95% CI half-width ${half.toFixed(1)}% of the figure (limit ${100 * UNSTABLE_HALF_WIDTH}%)` };
}
