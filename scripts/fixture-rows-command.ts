/**
 * `npm run fixture-rows -- results/<run> N [M …]` (entry: fixture-rows.ts): copies experiment N's rows of a run folder into the
 * trimmed run the chart and report tests read (test/fixtures/run/results.csv), replacing its earlier rows
 * of N; a parameter column the fixture lacks is added (empty on the other rows). For a new experiment
 * with charts: run it with --quick, then this, and its charts are tested on real rows.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CliIO } from '../common/cli/cli-io.ts';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { isParamColumn } from '../common/results/results.ts';

export const FIXTURE_RESULTS = resolve(import.meta.dirname, '..', 'test', 'fixtures', 'run', 'results.csv');

/** The fixture's text with the rows of `experiments` taken from `runResults` (both results.csv texts). */
export function withRowsOf(fixture: string, runResults: string, experiments: readonly number[]): { text: string; added: Map<number, number> } {
  const [header, ...rows]: string[][] = parse(fixture);
  const [runHeader, ...runRows]: string[][] = parse(runResults);
  const expCol = runHeader.indexOf('experiment');
  const chosen = runRows.filter((r) => experiments.includes(Number(r[expCol])));
  const added = new Map(experiments.map((id) => [id, chosen.filter((r) => Number(r[expCol]) === id).length]));
  // New parameter columns go after the fixture's own, before `metric` (results.csv puts parameters there).
  const fresh = runHeader.filter((c) => isParamColumn(c) && !header.includes(c));
  const columns = [...header.slice(0, header.indexOf('metric')), ...fresh, ...header.slice(header.indexOf('metric'))];
  const missing = runHeader.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new Error(`the run's results.csv has columns the fixture cannot take: ${missing.join(', ')}`);
  const recordOf = (head: string[]) => (r: string[]) => columns.map((c) => (head.includes(c) ? r[head.indexOf(c)] : ''));
  const kept = rows.filter((r) => !experiments.includes(Number(r[header.indexOf('experiment')]))).map(recordOf(header));
  const all = [...kept, ...chosen.map(recordOf(runHeader))];
  // In experiment order, each experiment's rows as they were.
  const at = columns.indexOf('experiment');
  const byExperiment = all.map((r, i) => ({ r, i })).sort((a, b) => Number(a.r[at]) - Number(b.r[at]) || a.i - b.i).map((x) => x.r);
  return { text: stringify([columns, ...byExperiment]), added };
}

/** Runs the command on `argv`; returns the exit code (2: bad input). */
export function runFixtureRowsCli(argv: readonly string[], io: CliIO, fixture = FIXTURE_RESULTS): number {
  const [runDir, ...ids] = argv;
  const experiments = ids.map(Number);
  if (!runDir || experiments.length === 0 || experiments.some((id) => !Number.isInteger(id) || id < 1)) {
    io.stderr('usage: npm run fixture-rows -- results/<run> <experiment id> [<id> …]\n');
    return 2;
  }
  const source = join(runDir, 'results.csv');
  if (!existsSync(source)) {
    io.stderr(`error: no results.csv in ${runDir}\n`);
    return 2;
  }
  const { text, added } = withRowsOf(readFileSync(fixture, 'utf8'), readFileSync(source, 'utf8'), experiments);
  const none = [...added].filter(([, n]) => n === 0).map(([id]) => id);
  if (none.length > 0) {
    io.stderr(`error: ${runDir} has no rows of experiment ${none.join(', ')}\n`);
    return 2;
  }
  writeFileSync(fixture, text);
  for (const [id, n] of added) io.stdout(`experiment ${id}: ${n} rows → ${fixture}\n`);
  return 0;
}
