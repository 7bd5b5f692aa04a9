/**
 * `--resume DIR`: what a stopped run already measured. Its per-process rows (replicates.csv with their
 * samples) go back into the run's collected rows, and the (experiment, point, replicate) triples they
 * cover are left out of the plan, so only the missing processes of each point are measured. The folder's
 * replicates.csv and samples.jsonl are rewritten with the measured rows only (per-process ratios are
 * derived again at the end), through a temporary folder and a rename, so a stop during the rewrite loses
 * nothing.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { rowKey } from '../common/compare/compare-runs.ts';
import { InputError } from '../common/cli/input-error.ts';
import { ResultWriter } from '../common/results/results.ts';
import { parseReplicatesCsv, parseResultsCsv } from '../common/results/run-folder.ts';
import { rowInputOf, samplesOf } from './merge.ts';
import type { Collected } from './run-output.ts';
import type { WorkUnit } from './work-plan.ts';

/** A stopped run that cannot be resumed: bad input, exit 2. */
export class ResumeError extends InputError {}

const doneKey = (experiment: number, point: number, replicate: number) => `${experiment}|${point}|${replicate}`;

/**
 * Loads the measured rows of `dir` into `collected` (by experiment id) and returns the keys of the
 * processes of each point that reported; results.csv is removed (it is written again at the end).
 */
export function loadMeasured(dir: string, collected: readonly Collected[], params: readonly string[]): Set<string> {
  const path = join(dir, 'replicates.csv');
  if (!existsSync(path)) throw new ResumeError(`${dir}: no replicates.csv — nothing to resume`);
  const samples = samplesOf(dir);
  const staging = join(dir, '.resume');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  const rewritten = new ResultWriter(staging, params, 'replicates.csv', true);
  const done = new Set<string>();
  for (const { row, replicate, point } of parseReplicatesCsv(readFileSync(path, 'utf8'))) {
    const entry = collected.find((c) => c.selected.experiment.id === Number(row.experiment));
    if (point === undefined || !entry) continue; // per-process ratios: derived again at the end
    const input = rowInputOf(row, samples.get(`${rowKey(row)}|${replicate}`));
    entry.rows.push({ point, replicate, row: input });
    rewritten.write(row, input.samples, replicate, point);
    done.add(doneKey(entry.selected.experiment.id, point, replicate));
  }
  // Failures outside any point (a child's teardown) are only in the stopped run's results.csv.
  const results = join(dir, 'results.csv');
  if (existsSync(results)) {
    for (const row of parseResultsCsv(readFileSync(results, 'utf8')).filter((r) => r.status === 'error' && r.metric === 'teardown')) {
      collected.find((c) => c.selected.experiment.id === Number(row.experiment))?.failures.push(rowInputOf(row));
    }
    rmSync(results);
  }
  renameSync(join(staging, 'samples.jsonl'), join(dir, 'samples.jsonl'));
  renameSync(join(staging, 'replicates.csv'), path);
  rmSync(staging, { recursive: true, force: true });
  return done;
}

/** The units of `plan` with only the points whose process has not reported yet; units left empty are dropped. */
export function remainingWork(plan: readonly WorkUnit[], done: ReadonlySet<string>): WorkUnit[] {
  return plan.map((u) => ({ ...u, items: u.items.filter((i) => !done.has(doneKey(i.experiment, i.point, u.replicate))) })).filter((u) => u.items.length > 0);
}

/** What a resumed run keeps of the stopped one's env.json. */
export interface PreviousRun {
  runId: string;
  argv?: string[];
  /** Each experiment's point labels in matrix order, as the stopped run planned them. */
  matrix?: MatrixRecord;
  wallSeconds?: number;
  replication?: { processes?: unknown[]; pairedRounds?: unknown[] };
  resumed?: unknown[];
}

/** Each experiment's point labels (by id) in matrix order: what the point indices of replicates.csv refer to. */
type MatrixRecord = Record<string, string[]>;

/**
 * Refuses to resume when the matrix differs from the stopped run's (another model installed, other code):
 * its rows would be put at the wrong points. Folders written before the record existed are not checked.
 */
export function checkMatrix(dir: string, previous: PreviousRun, current: MatrixRecord): void {
  if (!previous.matrix) return;
  const changed = Object.keys({ ...previous.matrix, ...current }).flatMap((id) => {
    const [was, now] = [previous.matrix?.[id] ?? [], current[id] ?? []];
    if (was.length === now.length && was.every((label, i) => label === now[i])) return [];
    const added = now.filter((l) => !was.includes(l));
    const removed = was.filter((l) => !now.includes(l));
    const what = added.length + removed.length === 0 ? 'the same points in another order' : [added.length ? `added ${list(added)}` : '', removed.length ? `removed ${list(removed)}` : ''].filter(Boolean).join(', ');
    return [`exp ${id} had ${was.length} point${was.length === 1 ? '' : 's'}, now ${now.length} (${what})`];
  });
  if (changed.length > 0) throw new ResumeError(`${dir} was planned with another matrix: ${changed.join('; ')}. Its rows would land at the wrong points; resume with the code and installed models it ran with, or start a new run.`);
}

/** Up to 4 labels, then how many more. */
const list = (labels: string[]) => labels.slice(0, 4).join(', ') + (labels.length > 4 ? ` and ${labels.length - 4} more` : '');

/** The env.json of the run folder `dir`, which must be a run folder this runner wrote. */
export function previousRun(dir: string): PreviousRun {
  const path = join(dir, 'env.json');
  if (!existsSync(path)) throw new ResumeError(`${dir}: not a run folder (no env.json)`);
  let env: PreviousRun;
  try {
    env = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ResumeError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof env.runId !== 'string') throw new ResumeError(`${path}: no runId — not a run folder`);
  return env;
}
