/**
 * How noisy the machine was during a run: load average, CPU steal (time a hypervisor gave this VM's
 * CPUs to someone else) and a fixed calibration workload timed at start and end. On shared machines the
 * same work can take 2–3× longer from one day to the next; the calibration figure lets a reader scale a
 * run's timings, and a change between start and end says the machine changed speed mid-run.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { quantileSorted } from '../stats/stats.ts';

/** Relative change of the calibration between start and end above which the run warns. */
export const CALIBRATION_DRIFT_LIMIT = 0.1;

/** A fixed single-thread workload: integer hashing and a sort of a seeded array. */
function calibrationWork(): number {
  const a = new Float64Array(20_000);
  let x = 12345;
  for (let i = 0; i < a.length; i++) {
    x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) >>> 0;
    a[i] = x;
  }
  a.sort();
  return a[a.length >> 1];
}

/** Median ms of the calibration workload over `reps` repetitions (after a short warm-up). */
export function calibrate(reps = 30): number {
  for (let i = 0; i < 5; i++) calibrationWork();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    calibrationWork();
    times.push(performance.now() - t0);
  }
  return quantileSorted(times.sort((p, q) => p - q), 0.5);
}

interface CpuTicks {
  total: number;
  steal: number;
}

/** Aggregate CPU ticks from /proc/stat (Linux); undefined elsewhere. */
export function readCpuTicks(stat = '/proc/stat'): CpuTicks | undefined {
  try {
    const line = readFileSync(stat, 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return undefined;
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
    return { total: fields.slice(0, 8).reduce((s, v) => s + v, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

export interface NoiseSnapshot {
  at: string;
  loadavg: number[];
  calibrationMs: number;
  ticks?: CpuTicks;
}

export function noiseSnapshot(): NoiseSnapshot {
  return { at: new Date().toISOString(), loadavg: os.loadavg().map((l) => Number(l.toFixed(2))), calibrationMs: Number(calibrate().toPrecision(4)), ticks: readCpuTicks() };
}

export interface NoiseRecord {
  start: Omit<NoiseSnapshot, 'ticks'>;
  end: Omit<NoiseSnapshot, 'ticks'>;
  /** CPU steal over the run, % of all CPU time (null where /proc/stat is missing). */
  stealPct: number | null;
  /** end / start calibration time − 1. */
  calibrationDrift: number;
  warning?: string;
}

export function noiseRecord(start: NoiseSnapshot, end: NoiseSnapshot): NoiseRecord {
  const stealPct = start.ticks && end.ticks && end.ticks.total > start.ticks.total ? (100 * (end.ticks.steal - start.ticks.steal)) / (end.ticks.total - start.ticks.total) : null;
  const drift = end.calibrationMs / start.calibrationMs - 1;
  const strip = ({ ticks: _t, ...rest }: NoiseSnapshot) => rest;
  const record: NoiseRecord = { start: strip(start), end: strip(end), stealPct: stealPct === null ? null : Number(stealPct.toFixed(2)), calibrationDrift: Number(drift.toFixed(3)) };
  if (Math.abs(drift) > CALIBRATION_DRIFT_LIMIT) {
    record.warning = `the calibration workload took ${start.calibrationMs} ms at the start and ${end.calibrationMs} ms at the end (${(100 * drift).toFixed(0)}%): the machine changed speed during the run`;
  }
  return record;
}
