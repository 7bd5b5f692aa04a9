/**
 * The run's work list: which points run together in one fresh process, and in what order. Points whose
 * experiments give them the same group key (across the experiments of a suite) share a process; every
 * other point gets its own. Every group is measured in `runs` independent processes. Replicates are
 * interleaved in rounds — round r holds replicate r of every group, in a seeded shuffle of its own — so
 * a machine that slows down during the run spreads its drift over all points instead of biasing
 * whichever ran last.
 */
import { createHash } from 'node:crypto';
import { deriveSeed, shuffle } from '../common/stats/rng.ts';

export interface PlannedExperiment {
  experiment: number;
  suite: string;
  /** Processes each of its points is measured in. */
  runs: number;
  /** The group key of each point in matrix order, or undefined for a process of its own. */
  groups: (string | undefined)[];
  /** Processes of each point that takes fewer than `runs` (Experiment.pointRuns), in matrix order. */
  pointRuns?: (number | undefined)[];
}

export interface WorkItem {
  experiment: number;
  /** Matrix index of the point. */
  point: number;
}

export interface WorkUnit {
  group: string;
  /** The points this process measures, in order. */
  items: WorkItem[];
  replicate: number;
}

export const ORDER_DESCRIPTION = 'rounds: replicate r of every process group, groups in a seeded shuffle per round; points within a group in a seeded shuffle per replicate';

/**
 * A group is measured in as many processes as its experiments ask for (the most of them); an experiment's
 * points take part in its own number of replicates only, or in the fewer a point asks for (the first ones).
 */
export function planWork(experiments: readonly PlannedExperiment[], seed: number): WorkUnit[] {
  const members = new Map<string, (WorkItem & { runs: number })[]>();
  for (const { experiment, suite, groups, runs, pointRuns } of experiments) {
    groups.forEach((g, point) => {
      const key = g === undefined ? `exp ${experiment} point ${point}` : `${suite}/${g}`;
      members.set(key, [...(members.get(key) ?? []), { experiment, point, runs: Math.min(runs, pointRuns?.[point] ?? runs) }]);
    });
  }
  const groups = [...members.entries()].map(([group, items]) => ({ group, items }));
  const most = Math.max(0, ...experiments.map((e) => e.runs));
  const units: WorkUnit[] = [];
  for (let replicate = 0; replicate < most; replicate++) {
    for (const g of shuffle(groups, deriveSeed(seed, 7919, replicate))) {
      const items = g.items.filter((i) => replicate < i.runs).map(({ experiment, point }) => ({ experiment, point }));
      if (items.length > 0) units.push({ group: g.group, items: shuffle(items, deriveSeed(seed, 104729, replicate)), replicate });
    }
  }
  return units;
}

export interface Shard {
  /** 1-based shard number. */
  index: number;
  count: number;
}

/**
 * The units of shard K of N. Whole process groups (with all their replicates) go to one shard, so every
 * point's replicates are measured on one machine — machines differ, and an interval over processes of
 * different machines would mix machine speed into it. Group keys are sorted and dealt round-robin,
 * which is identical on every machine for the same arguments and commit.
 */
export function shardOf(plan: readonly WorkUnit[], shard: Shard): WorkUnit[] {
  const keys = [...new Set(plan.map((u) => u.group))].sort();
  const mine = new Set(keys.filter((_, i) => i % shard.count === shard.index - 1));
  return plan.filter((u) => mine.has(u.group));
}

/** A fingerprint of the whole work list (every shard of a run computes the same one). */
export function planHash(plan: readonly WorkUnit[], labelOf: (item: WorkItem) => string): string {
  const canonical = plan.map((u) => [u.group, u.replicate, u.items.map((i) => [i.experiment, i.point, labelOf(i)])]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}
