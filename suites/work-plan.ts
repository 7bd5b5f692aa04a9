/**
 * The run's work list: which points run together in one fresh process, and in what order. Every group
 * of points is measured in `runs` independent processes. Replicates are interleaved in rounds — round r
 * holds replicate r of every group, in a seeded shuffle of its own — so a machine that slows down during
 * the run spreads its drift over all points instead of biasing whichever ran last.
 */
import { createRng, deriveSeed } from '../common/rng.ts';

export interface PlannedExperiment {
  experiment: number;
  /** The child group of each point, in matrix order (points of one group share a process). */
  groups: string[];
}

export interface WorkUnit {
  experiment: number;
  group: string;
  /** Matrix indices of the points, in the order this process measures them. */
  points: number[];
  replicate: number;
}

export const ORDER_DESCRIPTION = 'rounds: replicate r of every process group, groups in a seeded shuffle per round; points within a group rotated by r';

export function planWork(experiments: readonly PlannedExperiment[], runs: number, seed: number): WorkUnit[] {
  const groups = experiments.flatMap(({ experiment, groups: byPoint }) => {
    const members = new Map<string, number[]>();
    byPoint.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
    return [...members.entries()].map(([group, points]) => ({ experiment, group, points }));
  });
  const units: WorkUnit[] = [];
  for (let replicate = 0; replicate < runs; replicate++) {
    const round = shuffle(groups, deriveSeed(seed, 7919, replicate));
    for (const g of round) units.push({ ...g, points: rotate(g.points, replicate), replicate });
  }
  return units;
}

/** Fisher–Yates with the project's seeded PRNG: the same seed gives the same order everywhere. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = createRng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** No point of a shared process is always measured first (the first point of a process runs colder). */
function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
