/**
 * The end-of-run hook: every run leaves its charts and report.html beside results.csv, and a chart
 * that throws neither loses a row nor stops the other charts. Uses a fake experiment (no benchmark).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Progress } from '../common/progress.ts';
import { summarize } from '../common/stats.ts';
import { QUICK_PLAN } from '../common/timing.ts';
import { runExperiments } from '../suites/orchestrator.ts';
import type { Experiment, Suite } from '../suites/types.ts';
import type { ResultRow } from '../common/results.ts';
import { noDataSpec } from '../visualization/no-data.ts';
import { readCsv, tempDir } from './helpers.ts';

const experiment: Experiment<number> = {
  id: 98,
  slug: 'fake-charts',
  title: 'fake with charts',
  question: 'does every run end with charts and a report?',
  matrix: () => [1, 2],
  label: (p) => `p${p}`,
  coordinates: (p) => ({ strategy: 'main', turns: p }),
  async run(p) {
    if (p === 2) throw new Error('point failed on purpose');
    return [{ strategy: 'main', turns: p, metric: 'latency', unit: 'ms', summary: summarize([1, 2, 3]) }];
  },
  charts: [
    { id: 'explodes', title: 'Does a throwing chart stop the run?', build: () => { throw new Error('chart exploded'); } },
    {
      id: 'latency',
      title: 'How long does the fake take?',
      build: (rows: ResultRow[]) => ({
        data: { values: rows.filter((r) => r.status === 'ok').map((r) => ({ turns: r.turns, median: r.median })) },
        mark: 'point',
        encoding: { x: { field: 'turns', type: 'quantitative' }, y: { field: 'median', type: 'quantitative' }, tooltip: { field: 'median', type: 'quantitative' } },
      }),
    },
    { id: 'empty', title: 'Is a missing chart visibly missing?', build: () => noDataSpec('Is a missing chart visibly missing?', 'nothing to show') },
  ],
};
const suite: Suite = { name: 'fake', description: 'fake', experiments: [experiment] };

describe('end-of-run charts and report', () => {
  it('writes every chart and report.html after the rows, isolating a failing chart', async () => {
    const outcome = await runExperiments({
      selection: [{ suite, experiment }],
      outBase: tempDir(),
      options: { quick: true, seed: 1, models: ['llama3.1'], engines: ['jinja'], strategies: ['main'], plan: QUICK_PLAN, signal: new AbortController().signal },
      args: {},
      progress: new Progress(process.stderr, false),
    });
    expect(readCsv(join(outcome.dir, 'results.csv')).map((r) => [r.metric, r.status])).toEqual([['latency', 'ok'], ['point', 'error']]);
    expect(outcome.report?.charts.map((c) => [c.name, !!c.error])).toEqual([['98-explodes', true], ['98-latency', false], ['98-empty', false]]);
    for (const name of ['98-explodes', '98-latency', '98-empty']) for (const ext of ['vl.json', 'svg', 'png']) expect(existsSync(join(outcome.dir, `${name}.${ext}`)), `${name}.${ext}`).toBe(true);
    const html = readFileSync(join(outcome.dir, 'report.html'), 'utf8');
    expect(html).toContain('does every run end with charts and a report?');
    expect(html).toContain('point failed on purpose');
    expect(html).toContain('chart exploded');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});
