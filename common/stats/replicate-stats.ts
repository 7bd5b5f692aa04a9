/**
 * Statistics across replicate processes. Each fresh process yields one figure per row (its median, or a
 * derived value such as a speedup); the run's figure and its 95% interval come from those R figures with
 * Student's t. The interval therefore covers what changes from one process to the next (JIT tiering,
 * heap layout, the machine's drift), which an interval over one process's samples cannot see.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { mean, sampleSd } from './stats.ts';

export interface ReplicateInterval {
  /** Processes that contributed a figure. */
  runs: number;
  /** Mean of the per-process figures. */
  center: number;
  /** Standard deviation of the per-process figures (between-process spread). */
  sd: number;
  /** 95% interval of the center (NaN with fewer than two processes). */
  low: number;
  high: number;
}

/** Mean ± t(0.975, R−1)·sd/√R over the per-process figures. */
export function tInterval(values: readonly number[], confidence = 0.95): ReplicateInterval {
  const runs = values.length;
  if (runs === 0) return { runs, center: NaN, sd: NaN, low: NaN, high: NaN };
  const center = mean(values);
  const sd = sampleSd(values);
  if (runs < 2) return { runs, center, sd, low: NaN, high: NaN };
  const half = tQuantile(1 - (1 - confidence) / 2, runs - 1) * (sd / Math.sqrt(runs));
  return { runs, center, sd, low: center - half, high: center + half };
}

/**
 * For figures that are positive by nature (times, rates, ratios): a t-interval on the log scale, i.e.
 * the geometric mean over processes × or ÷ exp(t(0.975, R−1)·sd(log)/√R). It never goes below 0, it is
 * symmetric in × and ÷ (a ratio and its inverse get mirrored intervals), and a process that ran 2× slow
 * weighs as much as one that ran 2× fast. `sd` stays the standard deviation of the figures themselves.
 */
export function logTInterval(values: readonly number[], confidence = 0.95): ReplicateInterval {
  const runs = values.length;
  if (runs === 0 || values.some((v) => !(v > 0))) return { runs, center: NaN, sd: NaN, low: NaN, high: NaN };
  const logs = values.map(Math.log);
  const center = Math.exp(mean(logs));
  const sd = sampleSd(values);
  if (runs < 2) return { runs, center, sd, low: NaN, high: NaN };
  const half = tQuantile(1 - (1 - confidence) / 2, runs - 1) * (sampleSd(logs) / Math.sqrt(runs));
  return { runs, center, sd, low: center * Math.exp(-half), high: center * Math.exp(half) };
}

/** The scale an interval is taken on: log for positive figures, logit for shares, the figures themselves otherwise. */
export interface IntervalScale {
  to(x: number): number;
  from(y: number): number;
}

export const LOG_SCALE: IntervalScale = { to: Math.log, from: Math.exp };
export const IDENTITY_SCALE: IntervalScale = { to: (x) => x, from: (y) => y };
/** Shares in % (0–100), moved 1e-6 inside the bounds so that 0 and 100 have a finite logit. */
export const LOGIT_SCALE: IntervalScale = {
  to: (x) => {
    const p = Math.min(1 - 1e-6, Math.max(1e-6, x / 100));
    return Math.log(p / (1 - p));
  },
  from: (y) => 100 / (1 + Math.exp(-y)),
};

/**
 * For a part of a whole in % (a stage's share of the time): a t-interval on the logits of the
 * per-process shares, mapped back — inside 0–100 whatever the spread, narrower towards the bound it is near.
 */
export function logitTInterval(values: readonly number[], confidence = 0.95): ReplicateInterval {
  const runs = values.length;
  if (runs === 0) return { runs, center: NaN, sd: NaN, low: NaN, high: NaN };
  const logits = values.map(LOGIT_SCALE.to);
  const center = mean(logits);
  const sd = sampleSd(values);
  if (runs < 2) return { runs, center: LOGIT_SCALE.from(center), sd, low: NaN, high: NaN };
  const half = tQuantile(1 - (1 - confidence) / 2, runs - 1) * (sampleSd(logits) / Math.sqrt(runs));
  return { runs, center: LOGIT_SCALE.from(center), sd, low: LOGIT_SCALE.from(center - half), high: LOGIT_SCALE.from(center + half) };
}

/**
 * Stein's two-stage interval, for a figure measured in more processes than planned (--precision): the
 * center from all `values` (on `scale`), the half-width t(0.975, k−1)·sd/√n with the sd of the `planned`
 * first-stage figures (k of them). The processes added were chosen from the first stage's spread only, so
 * the added figures are independent of that choice and the interval keeps its 95% coverage; a t-interval
 * on all n figures would not (it stops adding when the spread happens to look small: 90–94% simulated).
 */
export function twoStageInterval(values: readonly number[], planned: readonly number[], scale: IntervalScale, confidence = 0.95): ReplicateInterval {
  const all = values.map(scale.to);
  const first = planned.map(scale.to);
  const center = mean(all);
  const half = tQuantile(1 - (1 - confidence) / 2, first.length - 1) * (sampleSd(first) / Math.sqrt(all.length));
  return { runs: values.length, center: scale.from(center), sd: sampleSd(values), low: scale.from(center - half), high: scale.from(center + half) };
}

/** Welch–Satterthwaite degrees of freedom from two squared standard errors and their sample sizes. */
function welchDf(va: number, na: number, vb: number, nb: number): number {
  return (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1));
}

/** A figure with the 95% log-t interval of `runs` processes (logTInterval), as a results row holds it. */
export interface LogFigure {
  center: number;
  low: number;
  high: number;
  runs: number;
}

/**
 * a / b for two figures measured in different processes (nothing to pair them by): the standard error of
 * each log figure is recovered from its log-t interval, and the two combine as in Welch's test. NaN
 * bounds when a figure has no such interval.
 */
export function unpairedLogRatio(a: LogFigure, b: LogFigure): { ratio: number; low: number; high: number } {
  const ratio = a.center / b.center;
  const se = (f: LogFigure) => (f.runs >= 2 && f.low > 0 && f.high > 0 ? Math.log(f.high / f.low) / (2 * tQuantile(0.975, f.runs - 1)) : NaN);
  const [sa, sb] = [se(a), se(b)];
  if (!Number.isFinite(sa) || !Number.isFinite(sb)) return { ratio, low: NaN, high: NaN };
  const [va, vb] = [sa ** 2, sb ** 2];
  const df = va + vb === 0 ? Infinity : welchDf(va, a.runs, vb, b.runs);
  const half = (Number.isFinite(df) ? tQuantile(0.975, df) : 1.959963984540054) * Math.sqrt(va + vb);
  return { ratio, low: ratio * Math.exp(-half), high: ratio * Math.exp(half) };
}

export interface WelchResult {
  /** exp(mean log B − mean log A): the ratio B/A of geometric means of per-process figures. */
  ratio: number;
  low: number;
  high: number;
  /** Two-sided p-value of Welch's t-test on the log figures. */
  p: number;
  /** Welch–Satterthwaite degrees of freedom (NaN below two figures a side or without spread). */
  df: number;
}

/**
 * Welch's two-sample t-test on log per-process figures (all > 0): a ratio B/A with its 95% interval and
 * a p-value. Logs make the test about relative change, which is what "2% slower" means.
 */
export function welchLogRatio(a: readonly number[], b: readonly number[]): WelchResult {
  const la = a.map(Math.log);
  const lb = b.map(Math.log);
  const diff = mean(lb) - mean(la);
  const va = sampleSd(la) ** 2 / la.length;
  const vb = sampleSd(lb) ** 2 / lb.length;
  const se = Math.sqrt(va + vb);
  if (la.length < 2 || lb.length < 2) return { ratio: Math.exp(diff), low: NaN, high: NaN, p: NaN, df: NaN };
  if (se === 0) return { ratio: Math.exp(diff), low: Math.exp(diff), high: Math.exp(diff), p: diff === 0 ? 1 : 0, df: NaN };
  const df = welchDf(va, la.length, vb, lb.length);
  const t = diff / se;
  const half = tQuantile(0.975, df) * se;
  return { ratio: Math.exp(diff), low: Math.exp(diff - half), high: Math.exp(diff + half), p: 2 * tCdf(-Math.abs(t), df), df };
}
