/**
 * Every stop writes the run (issue 29): the real CLI through `npm run bench`, held at a known point by
 * test/fixtures/halting-suite.ts (with seed 42 beta is measured, then alpha holds), then stopped the ways
 * users and machines stop it. Each leaves results.csv, summary.md opening with the notice, report.html,
 * no child process, and exits 128 + the signal's number.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BURST_MS, StopSignals } from '../common/cli/stop-signals.ts';
import { RunFiles } from '../suites/run-files.ts';
import { isAlive, runFolders, tempDir } from './helpers.ts';

const SUITE = 'test/fixtures/halting-suite.ts';

interface Started {
  npm: ChildProcess;
  out: string;
  dir: string;
  /** The measuring child held at alpha, and the runner (its parent). */
  held: number;
  runner: number;
  stderr: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(probe: () => T | undefined, what: string | (() => string), ms = 60_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const found = probe();
    if (found !== undefined) return found;
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/** `npm run bench` leading its own process group, as a terminal's job or a CI step runs it; resolves once alpha holds. */
async function start(extra: string[] = []): Promise<Started> {
  const out = tempDir('prepbench-stop-');
  const npm = spawn('npm', ['run', 'bench', '--', '--quick', '--exp', '96', '--runs', '1', '--seed', '42', '--no-progress', '--out', out, '--halt-after', '1', ...extra], {
    env: { ...process.env, PREPBENCH_SUITES: SUITE },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stderr = '';
  npm.stderr?.on('data', (d) => (stderr += d));
  npm.stdout?.resume();
  const dir = await waitFor(() => {
    const names = runFolders(out);
    return names.length === 1 ? join(out, names[0]) : undefined;
  }, 'the run folder');
  const marker = join(dir, 'halting.started');
  const held = await waitFor(() => (existsSync(marker) && readFileSync(marker, 'utf8') !== '' ? Number(readFileSync(marker, 'utf8')) : undefined), () => `the held point (stderr so far: ${stderr})`);
  const runner = Number(readFileSync(`/proc/${held}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  return { npm, out, dir, held, runner, stderr: () => stderr };
}

const exited = (p: ChildProcess) => new Promise<number | null>((resolve) => (p.exitCode !== null ? resolve(p.exitCode) : p.once('exit', (code) => resolve(code))));

/** Waits for the runner to end; its exit code as npm reports it. */
async function finished(run: Started): Promise<number | null> {
  const code = await exited(run.npm);
  await waitFor(() => (isAlive(run.runner) ? undefined : true), 'the runner to end');
  return code;
}

function expectWritten(run: Started): void {
  for (const file of ['results.csv', 'summary.md', 'report.html']) expect(existsSync(join(run.dir, file)), file).toBe(true);
  const summary = readFileSync(join(run.dir, 'summary.md'), 'utf8');
  expect(summary).toMatch(/^# prepbench run \S+\n\n> \*\*Interrupted after [\d.]+ s: 1 of 3 planned measurements done; these answers cover only what was measured\.\*\*\n/);
  expect(readFileSync(join(run.dir, 'results.csv'), 'utf8')).toContain(',latency,ms,');
  expect(isAlive(run.held)).toBe(false);
}

describe('a stopped run writes its folder', () => {
  it('SIGINT to the whole process group (Ctrl-C, a CI cancel, timeout -s INT): the runner gets it more than once and stops once, exit 130', async () => {
    const run = await start();
    process.kill(-run.npm.pid!, 'SIGINT');
    expect(await finished(run)).toBe(130);
    expectWritten(run);
    expect(run.stderr().match(/SIGINT: stopping the measuring process/g)).toHaveLength(1);
    expect(run.stderr()).not.toContain('quitting now');
  }, 90_000);

  it('SIGINT to npm alone: npm forwards it to the runner, exit 130', async () => {
    const run = await start();
    run.npm.kill('SIGINT');
    expect(await finished(run)).toBe(130);
    expectWritten(run);
  }, 90_000);

  it('SIGTERM to the runner (Kubernetes, docker stop, systemd): exit 143', async () => {
    const run = await start();
    process.kill(run.runner, 'SIGTERM');
    expect(await finished(run)).toBe(143);
    expectWritten(run);
    expect(run.stderr()).toContain('SIGTERM: stopping the measuring process');
  }, 90_000);

  it('SIGHUP to the runner with its stdout and stderr closed (a terminal gone): the folder is written all the same, exit 129', async () => {
    const run = await start();
    run.npm.stdout?.destroy();
    run.npm.stderr?.destroy();
    process.kill(run.runner, 'SIGHUP');
    expect(await finished(run)).toBe(129);
    expectWritten(run);
    const env = JSON.parse(readFileSync(join(run.dir, 'env.json'), 'utf8'));
    expect(env.interrupted).toBe(true);
  }, 90_000);

  it('a second Ctrl-C after the burst window quits at once and says which files are complete', async () => {
    const run = await start(['--halt-writing']);
    process.kill(-run.npm.pid!, 'SIGINT');
    await waitFor(() => (existsSync(join(run.dir, 'halting.writing')) ? true : undefined), 'the run to write its folder');
    await sleep(BURST_MS + 200);
    process.kill(-run.npm.pid!, 'SIGINT');
    expect(await finished(run)).toBe(130);
    expect(run.stderr()).toContain(`SIGINT again: quitting now. Complete in ${run.dir}: replicates.csv and samples.jsonl (every row measured so far); results.csv was being written, summary.md, the charts and report.html were not (npm run bench -- --resume ${run.dir} measures what is missing and writes them).`);
    expect(existsSync(join(run.dir, 'report.html'))).toBe(false);
    expect(isAlive(run.held)).toBe(false);
  }, 90_000);
});

describe('StopSignals', () => {
  function signals() {
    let now = 0;
    const said: string[] = [];
    const quits: number[] = [];
    const files = new RunFiles();
    files.dir = 'results/x';
    const stop = new StopSignals({ say: (s) => said.push(s), state: () => files.describe(), quit: (c) => quits.push(c), now: () => now });
    return { stop, said, quits, files, at: (ms: number) => (now = ms) };
  }

  it('stops on the first signal and takes repeats within the burst window as the same stop', () => {
    const s = signals();
    s.stop.receive('SIGTERM');
    s.at(BURST_MS - 1);
    s.stop.receive('SIGINT');
    expect(s.stop.controller.signal.aborted).toBe(true);
    expect(s.stop.exitCode).toBe(143);
    expect(s.said).toHaveLength(1);
    expect(s.quits).toEqual([]);
  });

  it('quits with the code of the second signal once the window has passed, naming the complete files', () => {
    const s = signals();
    s.stop.receive('SIGHUP');
    expect(s.stop.exitCode).toBe(129);
    s.files.stage = 'report';
    s.at(BURST_MS);
    s.stop.receive('SIGINT');
    expect(s.quits).toEqual([130]);
    expect(s.said[1]).toBe('\nSIGINT again: quitting now. Complete in results/x: replicates.csv and samples.jsonl (every row measured so far), results.csv and env.json; the charts, summary.md and report.html were being written (npm run report -- results/x rebuilds them).\n');
  });
});
