/**
 * `--resume DIR` (issue 29 part 2): a stopped run goes on in its own folder with its own arguments, only
 * the missing processes of each point are measured, and the finished folder has the same points and
 * process counts as an uninterrupted run. test/fixtures/halting-suite.ts: three points, one process each
 * per replicate; with seed 42 and 2 processes the plan runs beta first.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiments, type RunRequest } from '../suites/orchestrator.ts';
import { ResumeError } from '../suites/resume.ts';
import suite, { halting } from './fixtures/halting-suite.ts';
import { AbortingProgress, cli, fixtureRequest, onlyRun, readCsv, runFolders, tempDir, type FixtureRun } from './helpers.ts';

const envOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
/** Each results.csv row's point, metric and process count. */
const shape = (dir: string) => readCsv(join(dir, 'results.csv')).map((r) => [r.template, r.metric, r.runs, r.status]);
/** The (point, replicate) pairs of replicates.csv, sorted. */
const processes = (dir: string) => readCsv(join(dir, 'replicates.csv')).map((r) => `${r.template}#${r.replicate}`).sort();

const request = (outBase: string, extra: FixtureRun = {}): RunRequest => fixtureRequest({ suite, experiment: halting }, { seed: 42, runs: 2, outBase, ...extra });

describe('resuming a stopped run', () => {
  it('measures only the missing processes and ends with the points and process counts of an uninterrupted run', async () => {
    const controller = new AbortController();
    const signal = controller.signal;
    const stopped = await runExperiments(request(tempDir(), { signal, progress: new AbortingProgress(controller, 2) }));
    expect(envOf(stopped.dir).coverage.done).toBe(2);
    const before = processes(stopped.dir);

    const resumed = await runExperiments(request(tempDir('prepbench-unused-'), { resume: stopped.dir }));
    const complete = await runExperiments(request(tempDir()));
    expect(resumed.dir).toBe(stopped.dir);
    expect(shape(resumed.dir)).toEqual(shape(complete.dir));
    expect(shape(resumed.dir)).toEqual([['alpha', 'latency', '2', 'ok'], ['beta', 'latency', '2', 'ok'], ['gamma', 'latency', '2', 'ok']]);
    // Each process measured once: the two from before the stop kept, the four missing ones added.
    expect(processes(resumed.dir)).toEqual(['alpha#0', 'alpha#1', 'beta#0', 'beta#1', 'gamma#0', 'gamma#1']);
    expect(before.every((p) => processes(resumed.dir).includes(p))).toBe(true);
    const env = envOf(resumed.dir);
    expect(env.runId).toBe(stopped.runId);
    expect(env.interrupted).toBe(false);
    expect(env.coverage).toEqual({ planned: 6, done: 6, experiments: [{ experiment: 96, points: 3, planned: 6, done: 6, missing: [] }] });
    expect(env.resumed).toHaveLength(1);
    expect(env.resumed[0].processes).toBe(4);
    expect(env.replication.processes).toHaveLength(6);
    expect(readFileSync(join(resumed.dir, 'summary.md'), 'utf8')).not.toContain('Interrupted');
    expect(existsSync(join(resumed.dir, 'report.html'))).toBe(true);
  }, 120_000);
});

describe('resuming with another matrix', () => {
  it('is refused before anything in the folder changes, naming the experiment and the points added or removed', async () => {
    const controller = new AbortController();
    const stopped = await runExperiments(request(tempDir(), { signal: controller.signal, progress: new AbortingProgress(controller, 2) }));
    const env = envOf(stopped.dir);
    expect(env.matrix).toEqual({ 96: ['alpha', 'beta', 'gamma'] });
    // As if the stopped run had planned other points (another model installed then, other code).
    writeFileSync(join(stopped.dir, 'env.json'), JSON.stringify({ ...env, matrix: { 96: ['alpha', 'delta'] } }));
    const replicates = readFileSync(join(stopped.dir, 'replicates.csv'), 'utf8');
    const refused = runExperiments(request(tempDir('prepbench-unused-'), { resume: stopped.dir }));
    await expect(refused).rejects.toThrow(new ResumeError(`${stopped.dir} was planned with another matrix: exp 96 had 2 points, now 3 (added beta, gamma, removed delta). Its rows would land at the wrong points; resume with the code and installed models it ran with, or start a new run.`));
    expect(readFileSync(join(stopped.dir, 'replicates.csv'), 'utf8')).toBe(replicates);
    writeFileSync(join(stopped.dir, 'env.json'), JSON.stringify({ ...env, matrix: { 96: ['gamma', 'beta', 'alpha'] } }));
    await expect(runExperiments(request(tempDir('prepbench-unused-'), { resume: stopped.dir }))).rejects.toThrow('exp 96 had 3 points, now 3 (the same points in another order)');
  }, 120_000);
});

describe('--resume on the command line', () => {
  it('refuses flags that would change what is measured, and a folder that is not a run', async () => {
    const dir = tempDir();
    const extra = await cli('--resume', dir, '--quick');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toBe(`error: --resume takes the run's arguments from ${dir}/env.json; leave out '--quick' (only --no-progress, --table may be added)\n`);
    const none = await cli('--resume', dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`error: ${dir}: not a run folder (no env.json)\n`);
  });

  it('refuses a run started with credentials in a URL, which env.json keeps as ***: replayed, they would be sent as the credentials', async () => {
    const dir = tempDir();
    const target = 'http://***@127.0.0.1:9/v1';
    writeFileSync(join(dir, 'env.json'), JSON.stringify({ runId: 'x', argv: ['--suite', 'inference', '--target', target] }));
    const refused = await cli('--resume', dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`error: ${dir} was started with credentials in a URL ('${target}'), which env.json does not keep: it cannot be resumed with them. Give the target in a --config file next time (a resumed run reads the file again)\n`);
  });

  it('npm run bench -- --resume DIR after a Ctrl-C finishes the run with its own arguments', async () => {
    const out = tempDir('prepbench-resume-');
    const env = { ...process.env, PREPBENCH_SUITES: 'test/fixtures/halting-suite.ts' };
    const npm = (args: string[]) => spawn('npm', ['run', 'bench', '--', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const first = npm(['--quick', '--exp', '96', '--runs', '2', '--seed', '42', '--no-progress', '--out', out, '--halt-after', '1']);
    const exited = (p: ReturnType<typeof npm>) => new Promise<number | null>((resolve) => p.once('exit', resolve));
    const firstExit = exited(first);
    const held = () => runFolders(out).some((run) => existsSync(join(out, run, 'halting.started')));
    for (let i = 0; i < 1200 && !held(); i++) await new Promise((r) => setTimeout(r, 50));
    process.kill(-first.pid!, 'SIGINT');
    expect(await firstExit).toBe(130);
    const dir = onlyRun(out);
    expect(envOf(dir).coverage.done).toBe(1);

    let stderr = '';
    const second = npm(['--resume', dir]);
    second.stderr?.on('data', (d) => (stderr += d));
    expect(await exited(second)).toBe(0);
    expect(readdirSync(out)).toHaveLength(1);
    expect(shape(dir)).toEqual([['alpha', 'latency', '2', 'ok'], ['beta', 'latency', '2', 'ok'], ['gamma', 'latency', '2', 'ok']]);
    expect(envOf(dir).coverage).toMatchObject({ planned: 6, done: 6 });
    expect(stderr).not.toContain('these answers cover only');
  }, 120_000);
});
