/**
 * One record from measurement to answer (common/results/results.ts): every hook that reads rows — derive,
 * sanity, writeFiles, answers, charts, the report — reads ResultRows as their CSV reads back. At the end of
 * a run they come from memory; `npm run report` reads them from disk; both must be the same records, or a
 * rebuilt report would differ from the original and a hook would see what no file holds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultWriter, toRow, type RowInput } from '../common/results/results.ts';
import { parseReplicatesCsv, parseResultsCsv } from '../common/results/run-folder.ts';
import { summarize } from '../common/stats/stats.ts';
import { runReportCli } from '../scripts/report-command.ts';
import { loadExternalSuites } from '../suites/registry.ts';
import { runExperiments } from '../suites/orchestrator.ts';
import suite, { deriveInputs, precise, writtenRows } from './fixtures/precision-suite.ts';
import { fixtureRequest, tempDir } from './helpers.ts';

const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const base = { run_id: 'r', suite: 's', experiment: 1 };

/** Rows whose cells a CSV changes: digit-only and exponent names, text CSV must quote, unset parameters, 7+ digit figures, no figure. */
const TRICKY: RowInput[] = [
  { params: { template: '007', engine: 'a,"b"\nc' }, metric: 'm', unit: 'ms', summary: summarize([1.23456789, 2.3456789012, 3.4567890123]), samples: [1.23456789, 2.3456789012, 3.4567890123], signed: true },
  { params: { template: '1e3', workers: 4 }, metric: 'share', unit: '%', value: 66.66666666666667, proportion: true },
  { params: { engine: 'jinja' }, metric: 'ratio', unit: 'x', value: 1 / 3, low: 0.3, high: 0.4, exact: true },
  { metric: 'point', unit: '', status: 'error', error: 'it broke: "x", y' },
  { params: { template: 'Infinity' }, metric: 'nan', unit: 'ms', value: Number.NaN },
];
const PARAMS = ['template', 'engine', 'workers'];

describe('the record hooks read', () => {
  it('results.csv: the rows a writer keeps equal the rows its file reads back, cell for cell', () => {
    const dir = tempDir();
    const writer = new ResultWriter(dir, PARAMS);
    const returned = TRICKY.map((r) => writer.write(toRow(r, base)));
    const read = parseResultsCsv(readFileSync(writer.csvPath, 'utf8'));
    expect(writer.rows).toEqual(read);
    expect(returned).toEqual(read);
    // What the CSV makes of the cells: a digit-only name reads as a number; figures are rounded to 6 digits; no kind column.
    expect([read[0].template, read[1].template, read[4].template, read[2].workers, read[0].median, read[1].median]).toEqual([7, 1000, 'Infinity', '', 2.34568, 66.6667]);
    expect(read.every((r) => r.kind === undefined)).toBe(true);
  });

  it('replicates.csv: the same, at full precision and with the kind of each row', () => {
    const dir = tempDir();
    const writer = new ResultWriter(dir, PARAMS, 'replicates.csv', true);
    TRICKY.forEach((r, i) => writer.write(toRow(r, base), r.samples, i % 2, i));
    const read = parseReplicatesCsv(readFileSync(writer.csvPath, 'utf8')).map((r) => r.row);
    expect(writer.rows).toEqual(read);
    expect([read[0].median, read[1].median, read[2].median]).toEqual([2.3456789012, 66.66666666666667, 1 / 3]);
    expect(read.map((r) => r.kind)).toEqual(['signed', 'proportion', 'exact', undefined, undefined]);
  });

  it('a run: derive reads replicates.csv\'s records, writeFiles and the answers results.csv\'s, and npm run report rebuilds the same report', async () => {
    const outcome = await runExperiments(fixtureRequest({ suite, experiment: precise }, { seed: 5, runs: 2 }));
    const onDisk = parseResultsCsv(read(outcome.dir, 'results.csv'));
    // The end of the run answered from these rows in memory: the file's, exactly.
    expect(outcome.rows).toEqual(onDisk);
    expect(writtenRows.get(outcome.dir)).toEqual(onDisk.filter((r) => r.experiment === precise.id));
    // derive saw each replicate's measured rows as replicates.csv holds them (the derived rows come after).
    const measured = parseReplicatesCsv(read(outcome.dir, 'replicates.csv')).filter((r) => r.point !== undefined);
    const perProcess = [0, 1].map((replicate) => measured.filter((r) => r.replicate === replicate).map((r) => r.row));
    expect(deriveInputs.get(outcome.dir)).toEqual(perProcess);
    expect(perProcess[0].find((r) => r.metric === 'a_minus_ref')?.kind).toBe('signed');

    const summary = read(outcome.dir, 'summary.md');
    const html = read(outcome.dir, 'report.html');
    await loadExternalSuites('test/fixtures/precision-suite.ts');
    expect(await runReportCli([outcome.dir], { stdout: () => {}, stderr: () => {} })).toBe(0);
    expect(read(outcome.dir, 'summary.md')).toBe(summary);
    expect(read(outcome.dir, 'report.html')).toBe(html);
  }, 60_000);
});
