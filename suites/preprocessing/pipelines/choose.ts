/**
 * How experiment 11 picks the pipeline a gateway should run, from measured figures only (pure functions:
 * no rows, no I/O). The stated rule:
 *   1. eligible: the pipeline's loop-delay p99 (median over processes) is under the SLO;
 *   2. best: the highest requests/s per core among the eligible;
 *   3. ties: every eligible pipeline whose requests/s per core lies inside the best's 95% interval is as
 *      good as the best; among them the fewest threads wins (then the higher figure);
 *   4. runner-up: the eligible pipeline with the lowest loop-delay p99 below the winner's, with its cost
 *      in throughput — the choice for a gateway that values a free loop over throughput.
 * Beside it, the Pareto front (throughput up, loop delay down) and a TOPSIS ranking over requests/s per
 * core, loop-delay p99 and RSS with stated weights.
 */
import { paretoFront as frontOf } from '../../../common/stats/pareto.ts';

/** A figure with its 95% interval (low = high = median when it has none). */
export interface Figure {
  median: number;
  low: number;
  high: number;
}

export interface Candidate {
  /** e.g. "nunjucks + tiktoken on pool×2". */
  label: string;
  threads: number;
  perCore: Figure;
  loopP99: Figure;
  /** Resident memory the pipeline added, MB (TOPSIS only). */
  rssMb: number;
}

export interface Choice {
  winner?: Candidate;
  /** Pipelines inside the winner's interval that lost only on threads. */
  tiedWith: Candidate[];
  runnerUp?: Candidate;
  /** 1 − runner-up's requests/s per core ÷ the winner's. */
  runnerUpCost?: number;
  /** Candidates over the SLO. */
  overSlo: Candidate[];
}

export function choosePipeline(candidates: readonly Candidate[], loopSloMs: number): Choice {
  const eligible = candidates.filter((c) => c.loopP99.median < loopSloMs);
  const overSlo = candidates.filter((c) => !(c.loopP99.median < loopSloMs));
  if (eligible.length === 0) return { tiedWith: [], overSlo };
  const best = eligible.reduce((b, c) => (c.perCore.median > b.perCore.median ? c : b));
  const tied = eligible.filter((c) => c.perCore.median >= best.perCore.low);
  const winner = tied.reduce((w, c) => (c.threads < w.threads || (c.threads === w.threads && c.perCore.median > w.perCore.median) ? c : w));
  const freer = eligible.filter((c) => c !== winner && c.loopP99.median < winner.loopP99.median);
  const runnerUp = freer.length > 0 ? freer.reduce((r, c) => (c.loopP99.median < r.loopP99.median ? c : r)) : undefined;
  return {
    winner,
    tiedWith: tied.filter((c) => c !== winner),
    runnerUp,
    runnerUpCost: runnerUp ? 1 - runnerUp.perCore.median / winner.perCore.median : undefined,
    overSlo,
  };
}

/** The candidates no other beats on both throughput per core (higher) and loop-delay p99 (lower). */
export function paretoFront<T extends Pick<Candidate, 'perCore' | 'loopP99'>>(candidates: readonly T[]): T[] {
  const on = frontOf(candidates.map((c) => ({ throughput: c.perCore.median, latency: c.loopP99.median })));
  return candidates.filter((_, i) => on[i]);
}

export interface TopsisWeights {
  perCore: number;
  loopP99: number;
  rss: number;
}

/** Throughput first, then the loop's freedom, then memory. */
export const DEFAULT_TOPSIS_WEIGHTS: TopsisWeights = { perCore: 0.5, loopP99: 0.3, rss: 0.2 };

/**
 * TOPSIS (Hwang & Yoon): each criterion's column divided by its Euclidean norm and weighted; a
 * candidate's score is its distance to the worst point over the sum of its distances to the best and the
 * worst (1 = best on every criterion). Requests/s per core is a benefit, loop-delay p99 and RSS costs.
 * Sorted by score, best first.
 */
export function topsis(candidates: readonly Candidate[], weights: TopsisWeights = DEFAULT_TOPSIS_WEIGHTS): { candidate: Candidate; score: number }[] {
  const columns: { values: number[]; weight: number; benefit: boolean }[] = [
    { values: candidates.map((c) => c.perCore.median), weight: weights.perCore, benefit: true },
    { values: candidates.map((c) => c.loopP99.median), weight: weights.loopP99, benefit: false },
    { values: candidates.map((c) => c.rssMb), weight: weights.rss, benefit: false },
  ];
  const weighted = columns.map(({ values, weight, benefit }) => {
    const norm = Math.hypot(...values);
    const v = values.map((x) => (norm > 0 ? (weight * x) / norm : 0));
    return { v, best: benefit ? Math.max(...v) : Math.min(...v), worst: benefit ? Math.min(...v) : Math.max(...v) };
  });
  return candidates
    .map((candidate, i) => {
      const toBest = Math.hypot(...weighted.map((w) => w.v[i] - w.best));
      const toWorst = Math.hypot(...weighted.map((w) => w.v[i] - w.worst));
      return { candidate, score: toBest + toWorst > 0 ? toWorst / (toBest + toWorst) : 1 };
    })
    .sort((a, b) => b.score - a.score);
}

/** `--topsis-weights 0.5,0.3,0.2` (per core, loop p99, RSS): non-negative, not all zero. */
export function parseTopsisWeights(text: string): TopsisWeights | string {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x) || x < 0) || parts.every((x) => x === 0)) {
    return `--topsis-weights '${text}': expected three non-negative numbers, not all zero (requests/s per core, loop-delay p99, RSS), e.g. 0.5,0.3,0.2`;
  }
  const [perCore, loopP99, rss] = parts;
  return { perCore, loopP99, rss };
}
