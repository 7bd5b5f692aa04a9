/** Test helpers: a captured CLI, temp folders, and reading a run folder back. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runCli } from '../scripts/cli.ts';
import { Progress } from '../common/cli/progress.ts';
import { QUICK_PLAN } from '../common/measure/timing.ts';
import type { RunRequest } from '../suites/orchestrator.ts';
import type { Selected } from '../suites/run-output.ts';

export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const created: string[] = [];
// Registered at import, i.e. at the root of each test file that uses these helpers.
afterAll(() => created.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix = 'prepbench-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * The run folders in `base` while a run may be starting: its writability probe (common/results/output-dir.ts,
 * `.prepbench-write-test-*`) comes and goes there, so hidden names are left out.
 */
export function runFolders(base: string): string[] {
  return existsSync(base) ? readdirSync(base).filter((name) => !name.startsWith('.')) : [];
}

/** The only run folder under `base`. */
export function onlyRun(base: string): string {
  const runs = readdirSync(base);
  if (runs.length !== 1) throw new Error(`expected one run folder in ${base}, found ${runs.length}`);
  return join(base, runs[0]);
}

export function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, 'utf8'), { columns: true, skip_empty_lines: true });
}

export function readCsvHeader(path: string): string[] {
  return (parse(readFileSync(path, 'utf8'), { to_line: 1 }) as string[][])[0];
}

/** What a fixture run varies: its seed, processes per point and stop signal; any other field of the request. */
export type FixtureRun = Partial<RunRequest> & { seed?: number; signal?: AbortSignal };

/** The run request of a fixture experiment: quick, quiet, 60 s per point, in a fresh folder unless `outBase` is given. */
export function fixtureRequest(selected: Selected, { seed = 1, signal = new AbortController().signal, ...extra }: FixtureRun = {}): RunRequest {
  return {
    selection: [selected],
    outBase: extra.outBase ?? tempDir(),
    options: { quick: true, seed, suites: {}, plan: QUICK_PLAN, signal },
    runs: 1,
    pointTimeout: 60,
    args: {},
    progress: new Progress(process.stderr, false),
    ...extra,
  };
}

/** Aborts the run once `after` point measurements have finished (as Ctrl-C would). */
export class AbortingProgress extends Progress {
  private done = 0;
  constructor(private readonly controller: AbortController, private readonly after: number) {
    super(process.stderr, false);
  }
  override advance(key: number): void {
    super.advance(key);
    if (++this.done === this.after) this.controller.abort();
  }
}

/** Whether a process with this pid still exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
