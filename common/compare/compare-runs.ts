/**
 * Reading two run folders and matching their rows for `npm run compare`: results.csv (through
 * common/results/run-folder.ts), replicates.csv, samples.jsonl and env.json; rows are matched by their
 * suite, experiment, metric and parameters — every column except run_id, the unit and the statistics. Runs measured in several
 * processes are compared at the level of processes (Welch's t-test on the per-process figures), because
 * processes, not samples, are the independent units; older single-process runs fall back to the samples.
 */
import { cellNumber as num, hasFigure, isParamColumn, pointText } from '../results/results.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRun, parseReplicatesCsv, type ReplicateRecord } from '../results/run-folder.ts';
import type { ResultRow } from '../results/results.ts';
import { bootstrapRatioCi, mannWhitneyU, significanceStars } from '../stats/stats-compare.ts';
import { median } from '../stats/stats.ts';
import { welchLogRatio } from '../stats/replicate-stats.ts';

/** Bad input (missing folder, no results.csv, unreadable file): exit code 2. */
export class CompareInputError extends Error {}


/** Fewer samples than this in either run: medians are shown, but no test and no verdict. */
export const MIN_SAMPLES = 5;

export interface RunForCompare {
  dir: string;
  rows: ResultRow[];
  env: Record<string, unknown>;
  /** Whether env.json was present and valid. */
  hasEnv: boolean;
  /** Raw samples by row key (see keyedRows). */
  samples: Map<string, number[]>;
  /** samples.jsonl was missing: every row compares as "no samples". */
  samplesMissing: boolean;
  /** Per-process figures by row key, from replicates.csv (empty for single-process runs). */
  perProcess: Map<string, number[]>;
}

const cell = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/**
 * The key of a results.csv row or a samples.jsonl line: suite, experiment, metric and its set parameters
 * (every field that is not a fixed column; an empty one is left out, so a parameter column a run lacks
 * matches an empty one).
 */
export function rowKey(rec: object): string {
  const r = rec as Record<string, unknown>;
  const params = Object.keys(r)
    // A samples.jsonl line's own field `samples` is no parameter either.
    .filter((k) => isParamColumn(k) && k !== 'samples' && cell(r[k]) !== '')
    .sort()
    .map((k) => [k, cell(r[k])]);
  return JSON.stringify([cell(r.suite), cell(r.experiment), cell(r.metric), params]);
}

/** Keys made unique within one run: a repeated coordinate set gets `#2`, `#3`… in order of appearance. */
function uniqueKeys<T extends object>(records: readonly T[]): [string, T][] {
  const seen = new Map<string, number>();
  return records.map((rec) => {
    const k = rowKey(rec);
    const count = (seen.get(k) ?? 0) + 1;
    seen.set(k, count);
    return [count === 1 ? k : `${k}#${count}`, rec];
  });
}

/** samples.jsonl of a run folder: raw samples by row key. Throws CompareInputError on a malformed line. */
export function loadSamples(path: string): Map<string, number[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CompareInputError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const records: { samples: number[]; replicate?: number }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      throw new CompareInputError(`${path}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    const samples = (rec as { samples?: unknown })?.samples;
    if (!Array.isArray(samples) || !samples.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new CompareInputError(`${path}:${i + 1}: "samples" must be an array of numbers`);
    }
    records.push(rec as { samples: number[]; replicate?: number });
  });
  // Lines of replicate processes (a `replicate` field) pool under one key; older runs keep one line per key.
  const pooled = new Map<string, number[]>();
  for (const rec of records.filter((r) => r.replicate !== undefined)) pooled.set(rowKey(rec), [...(pooled.get(rowKey(rec)) ?? []), ...rec.samples]);
  return new Map([...uniqueKeys(records.filter((r) => r.replicate === undefined)).map(([k, rec]) => [k, rec.samples] as const), ...pooled]);
}

/** replicates.csv: each process's figure (median, or derived value) by row key. */
export function loadPerProcess(path: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!existsSync(path)) return out;
  let records: ReplicateRecord[];
  try {
    records = parseReplicatesCsv(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CompareInputError(`cannot read ${path}: ${(err as Error).message}`);
  }
  for (const { row } of records) {
    if (!hasFigure(row.status) || typeof row.median !== 'number') continue;
    const k = rowKey(row);
    out.set(k, [...(out.get(k) ?? []), row.median]);
  }
  return out;
}

/** Reads a run folder; every problem (missing folder, no results.csv, unreadable file) is a CompareInputError. */
export function loadRunForCompare(dir: string): RunForCompare {
  let rows: ResultRow[];
  let env: Record<string, unknown>;
  try {
    ({ rows, env } = loadRun(dir));
  } catch (err) {
    throw new CompareInputError((err as Error).message);
  }
  const hasEnv = existsSync(join(dir, 'env.json')) && !('note' in env && Object.keys(env).length === 1);
  const samplesPath = join(dir, 'samples.jsonl');
  const samplesMissing = !existsSync(samplesPath);
  const samples = samplesMissing ? new Map<string, number[]>() : loadSamples(samplesPath);
  return { dir, rows, env, hasEnv, samples, samplesMissing, perProcess: loadPerProcess(join(dir, 'replicates.csv')) };
}

/** Human label of a row's point: its non-empty coordinates except suite, experiment and metric. */
export function pointLabel(row: ResultRow): string {
  return pointText(row) || '-';
}

export type Verdict = 'tested' | 'too few samples' | 'no samples' | 'not ok';

export interface ComparedRow {
  experiment: number | '';
  suite: string;
  point: string;
  metric: string;
  unit: string;
  a: ResultRow;
  b: ResultRow;
  nA: number | '';
  nB: number | '';
  medianA: number;
  medianB: number;
  /** (B / A − 1) · 100, from the medians. */
  changePct: number;
  /** Bootstrap 95% CI of median(B)/median(A); NaN unless tested. */
  ciLow: number;
  ciHigh: number;
  /** Mann-Whitney U two-sided p; NaN unless tested. */
  p: number;
  /** 'welch' (per-process figures), 'exact' or 'normal' (Mann-Whitney on samples), '' unless tested. */
  test: '' | 'welch' | 'exact' | 'normal';
  stars: string;
  verdict: Verdict;
  /** Why a row is not compared ("A: error …"), or ''. */
  reason: string;
}

export interface CompareOptions {
  resamples?: number;
  seed?: number;
}

export interface RunComparison {
  rows: ComparedRow[];
  onlyA: ResultRow[];
  onlyB: ResultRow[];
}


/** One matched pair of rows → its comparison (test only when both have ≥ MIN_SAMPLES raw samples). */
export function compareRow(a: ResultRow, b: ResultRow, samplesA: number[] | undefined, samplesB: number[] | undefined, options: CompareOptions = {}, processesA?: number[], processesB?: number[]): ComparedRow {
  const base = { experiment: a.experiment, suite: a.suite, point: pointLabel(a), metric: a.metric, unit: a.unit || b.unit, a, b };
  const none = { ciLow: NaN, ciHigh: NaN, p: NaN, test: '' as const, stars: '' };
  if (!hasFigure(a.status) || !hasFigure(b.status)) {
    const reason = [!hasFigure(a.status) ? `A: ${a.status}` : '', !hasFigure(b.status) ? `B: ${b.status}` : ''].filter(Boolean).join(', ');
    return { ...base, ...none, nA: a.n, nB: b.n, medianA: num(a.median), medianB: num(b.median), changePct: NaN, verdict: 'not ok', reason };
  }
  if (processesA && processesB && processesA.length >= 2 && processesB.length >= 2 && [...processesA, ...processesB].every((x) => x > 0)) {
    const medianA = num(a.median);
    const medianB = num(b.median);
    const welch = welchLogRatio(processesA, processesB);
    // The change is the ratio the test is about (geometric means of the per-process figures), not the ratio of the two rows' figures.
    const counts = { nA: processesA.length, nB: processesB.length, medianA, medianB, changePct: (welch.ratio - 1) * 100 };
    return { ...base, ...counts, ciLow: welch.low, ciHigh: welch.high, p: welch.p, test: 'welch', stars: significanceStars(welch.p), verdict: 'tested', reason: '' };
  }
  if (!samplesA || !samplesB || samplesA.length === 0 || samplesB.length === 0) {
    const medianA = num(a.median);
    const medianB = num(b.median);
    return { ...base, ...none, nA: a.n, nB: b.n, medianA, medianB, changePct: (medianB / medianA - 1) * 100, verdict: 'no samples', reason: '' };
  }
  const medianA = median(samplesA);
  const medianB = median(samplesB);
  const counts = { nA: samplesA.length, nB: samplesB.length, medianA, medianB, changePct: (medianB / medianA - 1) * 100 };
  if (samplesA.length < MIN_SAMPLES || samplesB.length < MIN_SAMPLES) {
    return { ...base, ...none, ...counts, verdict: 'too few samples', reason: `n < ${MIN_SAMPLES}` };
  }
  const ci = bootstrapRatioCi(samplesA, samplesB, { resamples: options.resamples, seed: options.seed });
  const mw = mannWhitneyU(samplesA, samplesB);
  return { ...base, ...counts, ciLow: ci.low, ciHigh: ci.high, p: mw.p, test: mw.method, stars: significanceStars(mw.p), verdict: 'tested', reason: '' };
}

/**
 * Matches the rows of two runs by coordinates and compares every matched pair. Rows are sorted by
 * experiment, then point (numbers inside labels in numeric order); within a point they keep run A's order.
 */
export function compareRuns(runA: RunForCompare, runB: RunForCompare, options: CompareOptions = {}): RunComparison {
  const byKeyB = new Map(uniqueKeys(runB.rows));
  const keyedA = uniqueKeys(runA.rows);
  const keysA = new Set(keyedA.map(([k]) => k));
  const rows: ComparedRow[] = [];
  const onlyA: ResultRow[] = [];
  for (const [k, a] of keyedA) {
    const b = byKeyB.get(k);
    if (!b) onlyA.push(a);
    else rows.push(compareRow(a, b, runA.samples.get(k), runB.samples.get(k), options, runA.perProcess.get(k), runB.perProcess.get(k)));
  }
  const onlyB = [...byKeyB].filter(([k]) => !keysA.has(k)).map(([, row]) => row);
  const collator = new Intl.Collator('en', { numeric: true });
  rows.sort((x, y) => num(x.experiment) - num(y.experiment) || collator.compare(x.point, y.point));
  return { rows, onlyA, onlyB };
}

/**
 * What makes two runs apples-to-oranges: a different CPU model, core count, Node version, or version of a
 * measured package recorded in both env.json files. One "field: A → B" line per difference.
 */
export function envDifferences(envA: Record<string, unknown>, envB: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of ['cpu', 'cores', 'node'] as const) {
    const va = cell(envA[field]);
    const vb = cell(envB[field]);
    if (va !== vb) out.push(`${field}: ${va || '(not recorded)'} → ${vb || '(not recorded)'}`);
  }
  const pa = (envA.packages ?? {}) as Record<string, unknown>;
  const pb = (envB.packages ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(pa).sort()) {
    if (name in pb && cell(pa[name]) !== cell(pb[name])) out.push(`package ${name}: ${cell(pa[name])} → ${cell(pb[name])}`);
  }
  return out;
}
