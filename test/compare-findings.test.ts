/** The findings part of `npm run compare` (common/compare/compare-findings.ts), on hand-made findings and compared rows. */
import { describe, expect, it } from 'vitest';
import { compareFindings, findingVerdict, formatFindingsComparison } from '../common/compare/compare-findings.ts';
import type { ComparedRow } from '../common/compare/compare-runs.ts';
import type { ExperimentFindings, Finding } from '../common/results/findings.ts';
import { toRow, type ResultRow } from '../common/results/results.ts';

const row = (run: string, metric: string, median: number, workers?: number): ResultRow =>
  toRow({ params: { workers }, metric, unit: 'x', value: median }, { run_id: run, suite: 'preprocessing', experiment: 3 });

/** A compared row as compareRuns would give it (tested, with the given p). */
function compared(a: ResultRow, b: ResultRow, p: number, stars: string): ComparedRow {
  const medianA = Number(a.median);
  const medianB = Number(b.median);
  return {
    experiment: a.experiment, suite: a.suite, point: '', metric: a.metric, unit: a.unit, a, b, nA: 3, nB: 3, medianA, medianB,
    changePct: (medianB / medianA - 1) * 100, ciLow: NaN, ciHigh: NaN, p, test: 'welch', stars, verdict: 'tested', reason: '',
  };
}

const finding = (id: string, text: string, r?: ResultRow): Finding => ({ id, text, caveats: [], row: r });
const exp = (experiment: number, findings: Finding[]): ExperimentFindings => ({ experiment, title: `experiment ${experiment}`, findings });

describe('changed findings between two runs', () => {
  // Run A and B: pool-speedup grew significantly, queue-wait moved within noise, same-text unchanged,
  // "gone" only in A, "new" only in B.
  const speedA = row('A', 'speedup', 1.5, 2);
  const speedB = row('B', 'speedup', 1.8, 2);
  const waitA = row('A', 'queue_wait', 2.0, 2);
  const waitB = row('B', 'queue_wait', 2.1, 2);
  const sameA = row('A', 'dispatch', 0.1, 2);
  const sameB = row('B', 'dispatch', 0.1, 2);
  const rows = [compared(speedA, speedB, 0.004, '**'), compared(waitA, waitB, 0.41, ''), compared(sameA, sameB, 0.9, '')];
  const findingsA = [
    exp(3, [finding('pool-speedup', 'the pool is 1.5× faster', speedA), finding('queue-wait', 'queue wait 2 ms', waitA), finding('dispatch', 'dispatch 0.1 ms', sameA), finding('gone', 'only measured in A')]),
  ];
  const findingsB = [
    exp(3, [finding('pool-speedup', 'the pool is 1.8× faster', speedB), finding('queue-wait', 'queue wait 2.1 ms', waitB), finding('dispatch', 'dispatch 0.1 ms', sameB)]),
    exp(4, [finding('new', 'only measured in B')]),
  ];

  it('matches by (experiment, id) and pairs each changed finding with its row comparison', () => {
    const c = compareFindings(findingsA, findingsB, rows);
    expect(c.changed.map((f) => [f.experiment, f.id, f.row?.metric])).toEqual([
      [3, 'pool-speedup', 'speedup'],
      [3, 'queue-wait', 'queue_wait'],
    ]);
    expect(c.unchanged).toBe(1);
    expect(c.onlyA.map((f) => [f.experiment, f.finding.id])).toEqual([[3, 'gone']]);
    expect(c.onlyB.map((f) => [f.experiment, f.finding.id])).toEqual([[4, 'new']]);
    expect(c.notes).toEqual([]);
  });

  it('prints changed+significant with p and stars, changed+not significant as such, lone findings; not the unchanged one', () => {
    const text = formatFindingsComparison(compareFindings(findingsA, findingsB, rows));
    expect(text).toBe(
      [
        '',
        'findings that read differently (2 of 3 in both runs; 1 a significant change, p < 0.05):',
        '  exp 3 pool-speedup: "the pool is 1.5× faster" → "the pool is 1.8× faster" — +20.0 %, p=0.004 **',
        '  exp 3 queue-wait: "queue wait 2 ms" → "queue wait 2.1 ms" — +5.0 %, not significant (p=0.41)',
        'findings only in A (1):',
        '  exp 3 gone: "only measured in A"',
        'findings only in B (1):',
        '  exp 4 new: "only measured in B"',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('dispatch');
  });

  it('findings that read differently only by noise say none is a significant change', () => {
    const noise = (f: readonly ExperimentFindings[]) => f.map((e) => ({ ...e, findings: e.findings.filter((x) => x.id === 'queue-wait') }));
    const text = formatFindingsComparison(compareFindings(noise(findingsA), noise(findingsB), rows));
    expect(text.split('\n').slice(0, 3)).toEqual(['', 'findings that read differently (1 of 1 in both runs; none a significant change):', '  exp 3 queue-wait: "queue wait 2 ms" → "queue wait 2.1 ms" — +5.0 %, not significant (p=0.41)']);
  });

  it('matches a row by coordinates when the finding holds a copy, and says why a row has no test', () => {
    const c = compareFindings([exp(3, [finding('pool-speedup', 'a', { ...speedA })])], [exp(3, [finding('pool-speedup', 'b', { ...speedB })])], rows);
    expect(c.changed[0].row).toBe(rows[0]);
    expect(findingVerdict(undefined)).toBe('no matched row to test');
    expect(findingVerdict({ ...rows[0], verdict: 'no samples', p: NaN, stars: '' })).toBe('+20.0 %, not tested: no samples');
    expect(findingVerdict({ ...rows[0], verdict: 'not ok', reason: 'B: error', changePct: NaN })).toBe('not compared: B: error');
  });

  it('no findings at all, none changed, and an experiment whose answers threw', () => {
    expect(formatFindingsComparison(compareFindings([], [], rows))).toBe('\nfindings: none (no experiment of these runs declares answers)\n');
    const same = [exp(3, [finding('dispatch', 'dispatch 0.1 ms', sameA)])];
    const failed: ExperimentFindings = { experiment: 5, title: 'x', findings: [], error: 'boom' };
    expect(formatFindingsComparison(compareFindings(same, [...same, failed], rows))).toBe(
      '\nfindings: none changed (1 in both runs)\nexp 5: findings could not be computed in B: boom\n',
    );
  });
});
