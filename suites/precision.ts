/**
 * The adaptive precision rule (--precision P, --extend): after the planned processes, the process groups
 * whose headline or flagged rows are wider than ±P get more processes, widest first, until the budget
 * ends. It is Stein's two-stage rule: how many processes a group gets is fixed once, from the intervals
 * of its planned processes (n = k·(h/P)² for a row of half-width h over k processes), never from the
 * added ones, and a row measured in more processes than planned gets the two-stage interval
 * (common/stats/replicate-stats.ts), which keeps its 95% coverage. The planned processes stay the minimum.
 */
import { combineEntry, type Collected } from './run-output.ts';
import type { RunOptions } from './types.ts';
import type { WorkItem, WorkUnit } from './work-plan.ts';
import type { ResultRow, RowInput } from '../common/results/results.ts';
import { relativeHalfWidth } from '../common/results/replicates.ts';

/** The most processes a group reaches (the top of --runs' range). */
const MAX_PROCESSES = 1000;

const PRECISION_RULE = "two-stage (Stein): after the planned processes, each process group with a headline or flagged row wider than the target gets k·(h/P)² processes in all (h: the row's 95% half-width over its k planned processes, the widest row of the group decides), groups widest first until the budget ends; rows measured in more processes than planned get the two-stage interval (the spread of the planned processes over all of them), which keeps 95% coverage";

export interface Precision {
  /** Target half-width, % of the figure. */
  target: number;
  budgetSeconds: number;
}

/** A row the rule judged: where it stood after the planned processes. */
export interface JudgedRow {
  experiment: number;
  metric: string;
  params: Record<string, unknown>;
  /** 95% half-width, % of the figure, and the processes it was over. */
  before: number;
  processes: number;
}

/** A group the rule extends: its points, the processes it has and the total it should reach. */
export interface Extension {
  group: string;
  items: WorkItem[];
  has: number;
  wants: number;
  /** Half-width of its widest row, %. */
  widest: number;
}

/** Parameter values equal as results.csv writes them: a digit-only name measured as text reads back as a number. */
const sameCell = (a: unknown, b: unknown) => String(a) === String(b);

/** Whether `row` is one the rule answers for: a headline metric of its experiment, or flagged unstable. */
const judgedRow = (row: RowInput, headline: readonly string[] | undefined) => (row.status ?? 'ok') === 'unstable' || ((row.status ?? 'ok') === 'ok' && (headline?.includes(row.metric) ?? false));

/**
 * The points of `entry` whose coordinates `row` carries (a derived ratio names the points it comes from).
 * A coordinate the point leaves unset (an inference target's model before the server names it) constrains nothing.
 */
export function pointsOf(entry: Pick<Collected, 'selected' | 'points'>, row: RowInput): number[] {
  const params = row.params ?? {};
  return entry.points.flatMap((p, i) => (Object.entries(entry.selected.experiment.coordinates(p)).every(([k, v]) => v === undefined || params[k] === undefined || sameCell(params[k], v)) ? [i] : []));
}

/**
 * The rows the rule judges and the groups it extends, from the rows measured so far. `plan` is the run's
 * planned work (its units name each point's group).
 */
export function planExtensions(collected: readonly Collected[], plan: readonly WorkUnit[], options: RunOptions, runsOf: (experiment: number) => number, target: number, runId: string): { rows: JudgedRow[]; extensions: Extension[] } {
  const groupOf = new Map<string, string>();
  const itemsOf = new Map<string, WorkItem[]>();
  for (const unit of plan) {
    for (const item of unit.items) {
      const key = `${item.experiment}|${item.point}`;
      if (!groupOf.has(key)) itemsOf.set(unit.group, [...(itemsOf.get(unit.group) ?? []), item]);
      groupOf.set(key, unit.group);
    }
  }
  const rows: JudgedRow[] = [];
  const wants = new Map<string, { wants: number; widest: number }>();
  for (const entry of collected) {
    const { id, headline } = entry.selected.experiment;
    for (const row of combineEntry(entry, options, runsOf(id), runId).combined) {
      const half = relativeHalfWidth(row);
      const processes = row.replication?.runs ?? 1;
      if (half === undefined || !Number.isFinite(half) || processes < 2 || !judgedRow(row, headline)) continue;
      rows.push({ experiment: id, metric: row.metric, params: Object.fromEntries(Object.entries(row.params ?? {}).filter(([, v]) => v !== undefined)), before: half, processes });
      if (half <= target) continue;
      const n = Math.min(MAX_PROCESSES, Math.ceil(processes * (half / target) ** 2));
      for (const point of pointsOf(entry, row)) {
        const group = groupOf.get(`${id}|${point}`);
        if (group === undefined) continue;
        const had = wants.get(group);
        wants.set(group, { wants: Math.max(n, had?.wants ?? 0), widest: Math.max(half, had?.widest ?? 0) });
      }
    }
  }
  const extensions = [...wants.entries()].map(([group, w]) => {
    const items = itemsOf.get(group) ?? [];
    const measured = new Set(collected.flatMap((c) => c.rows.filter((r) => items.some((i) => i.experiment === c.selected.experiment.id && i.point === r.point)).map((r) => r.replicate)));
    return { group, items, has: measured.size === 0 ? 0 : Math.max(...measured) + 1, ...w };
  });
  return { rows, extensions: extensions.filter((e) => e.wants > e.has).sort((a, b) => b.widest - a.widest) };
}

/** What env.json records of the rule (`precision`), and what the notice of summary.md and report.html states. */
export interface PrecisionRecord extends Precision {
  rule: string;
  spentSeconds: number;
  /** Each extended group: its processes before and after, and what the rule wanted. */
  groups: { group: string; planned: number; processes: number; wanted: number }[];
  /** Every judged row, with its half-width before and (once written) after, % of the figure. */
  rows: (JudgedRow & { after?: number; processesAfter?: number })[];
}

/**
 * Runs the extensions of `planExtensions`, widest group first, one process at a time, while the budget
 * lasts: a process is started only if the time spent plus what a process of its group took so far fits.
 */
export async function reachPrecision(
  precision: Precision,
  planned: { rows: JudgedRow[]; extensions: Extension[] },
  measure: (unit: WorkUnit) => Promise<void>,
  estimate: (group: string) => number,
  signal: AbortSignal,
): Promise<PrecisionRecord> {
  const started = performance.now();
  const groups: PrecisionRecord['groups'] = [];
  let stopped = false;
  for (const e of planned.extensions) {
    let processes = e.has;
    while (!stopped && processes < e.wants) {
      const spent = (performance.now() - started) / 1000;
      if (signal.aborted || spent + estimate(e.group) > precision.budgetSeconds) stopped = true;
      else {
        await measure({ group: e.group, items: e.items, replicate: processes });
        processes++;
      }
    }
    groups.push({ group: e.group, planned: e.has, processes, wanted: e.wants });
  }
  return { ...precision, rule: PRECISION_RULE, spentSeconds: Number(((performance.now() - started) / 1000).toFixed(1)), groups, rows: planned.rows };
}

/** The record with each judged row's half-width after the extension, from the written results. */
export function withAfter(record: PrecisionRecord, written: readonly ResultRow[]): PrecisionRecord {
  const rows = record.rows.map((j) => {
    const row = written.find((r) => r.experiment === j.experiment && r.metric === j.metric && Object.entries(j.params).every(([k, v]) => sameCell(r[k], v)));
    if (!row || typeof row.median !== 'number' || typeof row.ci_low !== 'number' || typeof row.ci_high !== 'number') return j;
    const after = (100 * (row.ci_high - row.ci_low)) / 2 / Math.abs(row.median);
    return { ...j, after: Number(after.toFixed(2)), processesAfter: typeof row.runs === 'number' ? row.runs : undefined, before: Number(j.before.toFixed(2)) };
  });
  return { ...record, rows };
}
