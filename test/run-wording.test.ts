/**
 * The end-of-run lines say what happened: the processes an unstable interval was taken over are the
 * rows' own (after an interrupt, fewer than planned), counts agree in number, and an experiment with
 * nothing to measure gets no "0 point measurements" line after saying so.
 */
import { describe, expect, it } from 'vitest';
import { Progress } from '../common/cli/progress.ts';
import type { ResultRow } from '../common/results/results.ts';
import { intervalSpan } from '../scripts/cli.ts';
import { chartCount } from '../scripts/report-command.ts';

const unstable = (runs: number | '') => ({ runs }) as unknown as ResultRow;

describe('end-of-run wording', () => {
  it("an unstable interval is over the rows' processes, not the planned ones", () => {
    // A run planned for 6 processes, interrupted after 1: the rows say 1.
    expect(intervalSpan([unstable(1), unstable(1)])).toBe('within the one process');
    expect(intervalSpan([unstable('')])).toBe('within the one process');
    expect(intervalSpan([unstable(6)])).toBe('over 6 processes');
    expect(intervalSpan([unstable(6), unstable(2), unstable(6)])).toBe("over each row's processes (2, 6; results.csv's runs column)");
  });

  it('chart counts agree in number', () => {
    expect([0, 1, 2].map(chartCount)).toEqual(['0 charts', '1 chart', '2 charts']);
  });

  it('an experiment with no points gets no measurement line; one measurement is singular', () => {
    let out = '';
    const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    new Progress(stream).plan([
      { key: 1, label: 'exp 1 anatomy', total: 0 },
      { key: 2, label: 'exp 2 history', total: 1 },
      { key: 3, label: 'exp 3 queue', total: 6 },
    ]);
    expect(out.split('\n').filter(Boolean).map((l) => l.replace(/^\[\s*[\d.]+s\] /, ''))).toEqual(['exp 2 history: 1 point measurement', 'exp 3 queue: 6 point measurements']);
  });
});
