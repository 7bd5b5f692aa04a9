/**
 * The end-of-run hook: every run leaves its charts and report.html beside results.csv, and a chart
 * that throws neither loses a row nor stops the other charts. Uses a fake experiment (no benchmark).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiments } from '../suites/orchestrator.ts';
import suite, { charted } from './fixtures/charts-suite.ts';
import { fixtureRequest, readCsv } from './helpers.ts';

const experiment = charted;

describe('end-of-run charts and report', () => {
  it('writes every chart and report.html after the rows, isolating a failing chart', async () => {
    const outcome = await runExperiments(fixtureRequest({ suite, experiment }));
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
