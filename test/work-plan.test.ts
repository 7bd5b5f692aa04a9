import { describe, expect, it } from 'vitest';
import { planWork } from '../suites/work-plan.ts';

const withRuns = (runs: number) => [
  { experiment: 1, suite: 's', runs, groups: ['t js', 't js', 't native', 't native'] },
  { experiment: 3, suite: 's', runs, groups: [undefined, undefined, undefined] },
];
const names = (u: { group: string }) => u.group;

describe('work plan', () => {
  it('measures every group once per round, rounds in replicate order', () => {
    const plan = planWork(withRuns(3), 42);
    expect(plan).toHaveLength(5 * 3);
    for (let r = 0; r < 3; r++) {
      const round = plan.slice(5 * r, 5 * (r + 1));
      expect(round.every((u) => u.replicate === r)).toBe(true);
      expect(round.map(names).sort()).toEqual(['exp 3 point 0', 'exp 3 point 1', 'exp 3 point 2', 's/t js', 's/t native']);
    }
  });

  it('shuffles each round with the seed: the same seed gives the same order, rounds differ', () => {
    const order = (seed: number) => planWork(withRuns(4), seed).map((u) => `${u.group}/${u.replicate}`);
    expect(order(42)).toEqual(order(42));
    expect(order(42)).not.toEqual(order(43));
    const rounds = planWork(withRuns(4), 42).map(names);
    const distinctRounds = new Set([0, 1, 2, 3].map((r) => rounds.slice(5 * r, 5 * r + 5).join(',')));
    expect(distinctRounds.size).toBeGreaterThan(1);
  });

  it('orders the points of a shared process in a seeded shuffle per replicate, so neither the first point nor any predecessor is fixed', () => {
    const orders = (seed: number) => planWork([{ experiment: 2, suite: 's', runs: 12, groups: ['g', 'g', 'g', 'g'] }], seed).map((u) => u.items.map((i) => i.point));
    const units = orders(1);
    expect(orders(1)).toEqual(units);
    expect(orders(2)).not.toEqual(units);
    for (const order of units) expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(units.map((o) => o[0])).size).toBeGreaterThan(1);
    // A cyclic rotation would give point 1 the predecessor 0 every time.
    const predecessorsOf1 = new Set(units.map((o) => o[o.indexOf(1) - 1]));
    expect(predecessorsOf1.size).toBeGreaterThan(1);
  });

  it('points of different experiments with the same key share a process', () => {
    const units = planWork([{ experiment: 3, suite: 's', runs: 1, groups: ['pool', 'main'] }, { experiment: 4, suite: 's', runs: 1, groups: ['pool', undefined] }], 1);
    const pool = units.find((u) => u.group === 's/pool')!;
    expect(pool.items).toEqual([{ experiment: 3, point: 0 }, { experiment: 4, point: 0 }]);
    expect(units.map(names).sort()).toEqual(['exp 4 point 1', 's/main', 's/pool']);
  });

  it('an experiment with more processes than another: its groups get more replicates, and a shared group holds each experiment only in its own', () => {
    const plan = planWork([{ experiment: 1, suite: 's', runs: 5, groups: ['main', 'main'] }, { experiment: 2, suite: 's', runs: 2, groups: ['main', 'own'] }], 3);
    const count = (group: string) => plan.filter((u) => u.group === group).length;
    expect([count('s/main'), count('s/own')]).toEqual([5, 2]);
    const itemsAt = (replicate: number) => plan.find((u) => u.group === 's/main' && u.replicate === replicate)!.items.map((i) => `${i.experiment}.${i.point}`).sort();
    expect(itemsAt(1)).toEqual(['1.0', '1.1', '2.0']);
    expect(itemsAt(4)).toEqual(['1.0', '1.1']);
  });

  it('a point that asks for fewer processes (pointRuns) is in the first replicates only, alone or in a group', () => {
    const plan = planWork([{ experiment: 10, suite: 's', runs: 3, groups: ['g', 'g', undefined], pointRuns: [undefined, 1, 1] }], 5);
    const at = (replicate: number) => plan.filter((u) => u.replicate === replicate).flatMap((u) => u.items.map((i) => i.point)).sort();
    expect([at(0), at(1), at(2)]).toEqual([[0, 1, 2], [0], [0]]);
  });
});
