import { describe, expect, it } from 'vitest';
import { planWork } from '../suites/work-plan.ts';

const experiments = [
  { experiment: 1, groups: ['t js', 't js', 't native', 't native'] },
  { experiment: 3, groups: ['point 0', 'point 1', 'point 2'] },
];

describe('work plan', () => {
  it('measures every group once per round, rounds in replicate order', () => {
    const plan = planWork(experiments, 3, 42);
    expect(plan).toHaveLength(5 * 3);
    for (let r = 0; r < 3; r++) {
      const round = plan.slice(5 * r, 5 * (r + 1));
      expect(round.every((u) => u.replicate === r)).toBe(true);
      expect(round.map((u) => `${u.experiment}/${u.group}`).sort()).toEqual(['1/t js', '1/t native', '3/point 0', '3/point 1', '3/point 2']);
    }
  });

  it('shuffles each round with the seed: the same seed gives the same order, rounds differ', () => {
    const order = (seed: number) => planWork(experiments, 4, seed).map((u) => `${u.experiment}/${u.group}/${u.replicate}`);
    expect(order(42)).toEqual(order(42));
    expect(order(42)).not.toEqual(order(43));
    const rounds = planWork(experiments, 4, 42).map((u) => `${u.experiment}/${u.group}`);
    const distinctRounds = new Set([0, 1, 2, 3].map((r) => rounds.slice(5 * r, 5 * r + 5).join(',')));
    expect(distinctRounds.size).toBeGreaterThan(1);
  });

  it('rotates the points of a shared process so none is always first', () => {
    const units = planWork([{ experiment: 2, groups: ['g', 'g', 'g'] }], 3, 1);
    expect(units.map((u) => u.points)).toEqual([[0, 1, 2], [1, 2, 0], [2, 0, 1]]);
  });
});
