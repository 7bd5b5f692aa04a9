/**
 * Reads a finished run folder back: results.csv into ResultRow records (numbers as numbers, empty cells
 * as ''), and env.json: the records a run holds in memory at its end (common/results/results.ts, `storedRow`),
 * read from disk by `npm run report` and `npm run compare`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { paramColumns, storedRow, withKind, type ResultRow, type RowKind } from './results.ts';

/** A run folder that cannot be read (missing, not a folder, no results.csv): a usage error. */
export class RunFolderError extends Error {}

export interface RunData {
  dir: string;
  rows: ResultRow[];
  env: Record<string, unknown>;
}

/**
 * results.csv as rows. Fixed numeric columns become numbers; a parameter cell (any other column) becomes
 * a number when it reads as one — results.csv does not record parameter types, so a name made only of
 * digits would read as a number too. Empty cells, and fixed columns an older run lacks, read as ''.
 */
export function parseResultsCsv(text: string): ResultRow[] {
  return readRecords(text).map(({ row }) => row);
}

/** A CSV's lines, each as its row (by storedRow: the rule the writer keeps its rows by) beside its raw cells. */
function readRecords(text: string): { row: ResultRow; cells: Record<string, string> }[] {
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const params = records.length > 0 ? paramColumns(Object.keys(records[0])) : [];
  return records.map((cells) => ({ row: storedRow(cells as unknown as ResultRow, params), cells }));
}

/**
 * A row of replicates.csv: the measured row (with its `kind`, when it has one: replicates.csv's own
 * column), its process's replicate index, and its point (undefined for per-process ratios).
 */
export interface ReplicateRecord {
  row: ResultRow;
  replicate: number;
  point?: number;
}

export function parseReplicatesCsv(text: string): ReplicateRecord[] {
  return readRecords(text).map(({ row, cells }) => ({
    row: withKind(row, cells.kind as RowKind | undefined),
    replicate: Number(cells.replicate),
    point: cells.point === '' || cells.point === undefined ? undefined : Number(cells.point),
  }));
}

export function loadRun(dir: string): RunData {
  if (!existsSync(dir)) throw new RunFolderError(`run folder not found: ${dir}`);
  if (!statSync(dir).isDirectory()) throw new RunFolderError(`not a folder: ${dir}`);
  const csvPath = join(dir, 'results.csv');
  if (!existsSync(csvPath)) throw new RunFolderError(`no results.csv in ${dir} (is it a run folder, e.g. results/<timestamp>/?)`);
  let rows: ResultRow[];
  try {
    rows = parseResultsCsv(readFileSync(csvPath, 'utf8'));
  } catch (err) {
    throw new RunFolderError(`cannot parse ${csvPath}: ${(err as Error).message}`);
  }
  let env: Record<string, unknown> = {};
  const envPath = join(dir, 'env.json');
  if (existsSync(envPath)) {
    try {
      env = JSON.parse(readFileSync(envPath, 'utf8'));
    } catch {
      env = { note: 'env.json is not valid JSON' };
    }
  }
  return { dir, rows, env };
}
