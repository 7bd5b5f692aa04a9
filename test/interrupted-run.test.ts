/**
 * An interrupted or partial run says so where it is read (issue 21): a notice at the top of summary.md,
 * report.html and the terminal summary, and in each experiment's Answers the points it did not measure.
 * test/fixtures/halting-suite.ts holds a point until the test interrupts the run, so what was measured is
 * known exactly: with seed 42 the plan runs beta first, so an interruption after one point leaves alpha and gamma.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeCoverage, partialNote, runNotice } from '../common/results/coverage.ts';
import { Progress } from '../common/cli/progress.ts';
import { liveChildren } from '../suites/child-runner.ts';
import { runReportCli } from '../scripts/report-command.ts';
import { mergeShards } from '../suites/merge.ts';
import { loadExternalSuites } from '../suites/registry.ts';
import { runExperiments, type RunRequest } from '../suites/orchestrator.ts';
import suite, { halting } from './fixtures/halting-suite.ts';
import { AbortingProgress, fixtureRequest, isAlive, onlyRun, runFolders, tempDir } from './helpers.ts';

const SUITE = 'test/fixtures/halting-suite.ts';
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const envOf = (dir: string) => JSON.parse(read(dir, 'env.json'));
const quiet = () => new Progress(process.stderr, false);

const request = (outBase: string, extra: Partial<RunRequest> = {}, signal?: AbortSignal): RunRequest => fixtureRequest({ suite, experiment: halting }, { seed: 42, signal, outBase, ...extra });

const PARTIAL = 'partial: 1 of 3 points measured (missing: alpha, gamma)';
const notice = (wallSeconds: number) => `Interrupted after ${wallSeconds} s: 1 of 3 planned measurements done; these answers cover only what was measured.`;

describe('a run interrupted after one of its three points', () => {
  it('records planned against measured in env.json and says so at the top of summary.md and report.html, and in the Answers', async () => {
    const controller = new AbortController();
    const outcome = await runExperiments(request(tempDir(), { progress: new AbortingProgress(controller, 1) }, controller.signal));
    const env = envOf(outcome.dir);
    expect(env.interrupted).toBe(true);
    expect(env.coverage).toEqual({ planned: 3, done: 1, experiments: [{ experiment: 96, points: 3, planned: 3, done: 1, missing: ['alpha', 'gamma'] }] });
    expect(outcome.report?.notice).toBe(notice(env.wallSeconds));

    const summary = read(outcome.dir, 'summary.md');
    expect(summary).toBe(
      `# prepbench run ${outcome.runId}\n\n> **${notice(env.wallSeconds)}**\n\nwall time ${env.wallSeconds} s\n\n## Answers\n\n### 96. Halting fixture\n- **${PARTIAL}**\n- latency measured at beta\n\n${summary.slice(summary.indexOf('## Table'))}`,
    );
    const html = read(outcome.dir, 'report.html');
    expect(html).toContain(`<h1>prepbench run ${outcome.runId}</h1>\n<p class="warn notice" id="run-notice"><strong>${notice(env.wallSeconds)}</strong></p>\n<nav>`);
    expect(html).toContain(`<h3><a href="#exp-96">96. Halting fixture</a></h3><ul><li class="warn partial"><strong>${PARTIAL}</strong></li><li data-finding="measured">latency measured at beta</li></ul>`);
    expect(liveChildren()).toBe(0);

    // npm run report rebuilds the same summary from the folder (the suite known, as PREPBENCH_SUITES would), and prints the notice.
    await loadExternalSuites(SUITE);
    let stdout = '';
    expect(await runReportCli([outcome.dir], { stdout: (s) => (stdout += s), stderr: () => {} })).toBe(0);
    expect(stdout.endsWith(`${notice(env.wallSeconds)}\n`)).toBe(true);
    expect(read(outcome.dir, 'summary.md')).toBe(summary);
  }, 60_000);

  it('a complete run has no notice and no partial note, and records every point measured', async () => {
    const outcome = await runExperiments(request(tempDir()));
    const env = envOf(outcome.dir);
    expect(env.coverage).toEqual({ planned: 3, done: 3, experiments: [{ experiment: 96, points: 3, planned: 3, done: 3, missing: [] }] });
    expect(outcome.report?.notice).toBeUndefined();
    expect(read(outcome.dir, 'summary.md')).toMatch(new RegExp(`^# prepbench run ${outcome.runId}\\n\\nwall time [\\d.]+ s\\n\\n## Answers\\n\\n### 96\\. Halting fixture\\n- latency measured at alpha, beta, gamma\\n\\n## Table`));
    const html = read(outcome.dir, 'report.html');
    expect(html).toContain(`<h1>prepbench run ${outcome.runId}</h1>\n<nav>`);
    expect(html).toContain('<ul><li data-finding="measured">latency measured at alpha, beta, gamma</li></ul>');
    expect(html).not.toContain('class="warn partial"');
    expect(html).not.toContain('run-notice');
  }, 60_000);
});

describe('a shard and a partial merge', () => {
  it('say which part of the work list they cover, and name the points of the other shard as missing (with seed 42, shard 1 holds alpha and gamma)', async () => {
    const shard = await runExperiments(request(tempDir(), { shard: { index: 1, count: 2 } }));
    const shardNotice = 'Shard 1/2 of the work list (npm run merge joins the shards): 2 of 3 planned measurements done; these answers cover only what was measured.';
    expect(read(shard.dir, 'summary.md')).toContain(`\n\n> **${shardNotice}**\n\n`);
    expect(read(shard.dir, 'summary.md')).toContain('### 96. Halting fixture\n- **partial: 2 of 3 points measured (missing: beta)**\n- latency measured at alpha, gamma\n');
    expect(read(shard.dir, 'report.html')).toContain(`<p class="warn notice" id="run-notice"><strong>${shardNotice}</strong></p>`);

    const merged = await mergeShards({ dirs: [shard.dir], outBase: tempDir(), allowPartial: true, resolve: () => ({ suite, experiment: halting }), progress: quiet() });
    const mergedNotice = 'Merged without shard 2 of 2: 2 of 3 planned measurements done; these answers cover only what was measured.';
    expect(envOf(merged.dir).coverage).toEqual({ planned: 3, done: 2, experiments: [{ experiment: 96, points: 3, planned: 3, done: 2, missing: ['beta'] }] });
    expect(read(merged.dir, 'summary.md')).toContain(`\n\n> **${mergedNotice}**\n\n## Answers\n\n### 96. Halting fixture\n- **partial: 2 of 3 points measured (missing: beta)**\n`);
    expect(read(merged.dir, 'report.html')).toContain(`<p class="warn notice" id="run-notice"><strong>${mergedNotice}</strong></p>`);
  }, 60_000);
});

describe('the wording of coverage', () => {
  const experiment = (over: object) => ({ experiment: 1, points: 10, planned: 20, done: 20, missing: [], ...over });

  it('names at most eight missing points and counts the rest; says when every point has fewer processes than planned', () => {
    const labels = 'abcdefghij'.split('');
    expect(partialNote(experiment({ done: 0, missing: labels }))).toBe('partial: 0 of 10 points measured (missing: a, b, c, d, e, f, g, h, and 2 more)');
    expect(partialNote(experiment({ done: 12 }))).toBe('partial: 12 of 20 planned measurements done (every point in at least one process, fewer processes than planned)');
    expect(partialNote(experiment({}))).toBeUndefined();
    expect(partialNote({ experiment: 1, points: 1, planned: 1, done: 0, missing: ['only'] })).toBe('partial: 0 of 1 point measured (missing: only)');
  });

  it('a merge adds its shards measurements, misses a point only if every shard misses it, and says a shard was interrupted', () => {
    const a = { planned: 20, done: 6, experiments: [experiment({ done: 6, missing: ['x', 'y', 'z'] })] };
    const b = { planned: 20, done: 10, experiments: [experiment({ done: 10, missing: ['y', 'z'] })] };
    const coverage = mergeCoverage([a, undefined, b]);
    expect(coverage).toEqual({ planned: 20, done: 16, experiments: [experiment({ done: 16, missing: ['y', 'z'] })] });
    expect(runNotice({ interrupted: true, merged: { count: 3, missing: [2] }, coverage })).toBe(
      'A shard was interrupted; merged without shard 2 of 3: 16 of 20 planned measurements done; these answers cover only what was measured.',
    );
    expect(runNotice({ interrupted: false, merged: { count: 2, missing: [] }, coverage: { ...coverage, done: 20 } })).toBeUndefined();
    // A run folder written before env.json had coverage still says it was interrupted.
    expect(runNotice({ interrupted: true, wallSeconds: 25 })).toBe('Interrupted after 25 s: these answers cover only what was measured.');
  });
});


/** The real CLI in its own process; `interrupt` sends SIGINT once the halting point has started. */
function bench(out: string, args: string[], interrupt: boolean): Promise<{ code: number | null; stderr: string; haltedPid?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', '--quick', '--exp', '96', '--runs', '1', '--seed', '42', '--no-progress', '--out', out, ...args], {
      env: { ...process.env, PREPBENCH_SUITES: SUITE },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let haltedPid: number | undefined;
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (!interrupt || haltedPid !== undefined) return;
      const runs = runFolders(out);
      const marker = runs.length === 1 ? join(out, runs[0], 'halting.started') : '';
      if (marker && existsSync(marker) && readFileSync(marker, 'utf8') !== '') {
        haltedPid = Number(readFileSync(marker, 'utf8'));
        child.kill('SIGINT');
      }
    }, 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, stderr, haltedPid });
    });
  });
}

describe('Ctrl-C through the command line', () => {
  it('prints the notice before the Answers, the Answers name the missing points, exit 130, and the held point is killed', async () => {
    const out = tempDir('prepbench-halt-');
    const run = await bench(out, ['--halt-after', '1'], true);
    expect(run.code).toBe(130);
    const dir = onlyRun(out);
    const env = envOf(dir);
    expect(run.stderr).toContain(`\n${notice(env.wallSeconds)}\n\nAnswers (with the headline table in ${join(dir, 'summary.md')}; --table prints it here):\n96. Halting fixture\n   ${PARTIAL}\n   • latency measured at beta\n`);
    expect(read(dir, 'summary.md')).toContain(`> **${notice(env.wallSeconds)}**`);
    expect(read(dir, 'report.html')).toContain(`<p class="warn notice" id="run-notice"><strong>${notice(env.wallSeconds)}</strong></p>`);
    expect(run.haltedPid).toBeGreaterThan(0);
    expect(isAlive(run.haltedPid!)).toBe(false);
  }, 90_000);

  it('a complete run prints its Answers with no notice', async () => {
    const out = tempDir('prepbench-halt-');
    const run = await bench(out, [], false);
    expect(run.code).toBe(0);
    const dir = onlyRun(out);
    expect(envOf(dir).coverage.done).toBe(3);
    expect(run.stderr.startsWith(`\nAnswers (with the headline table in ${join(dir, 'summary.md')}; --table prints it here):\n96. Halting fixture\n   • latency measured at alpha, beta, gamma\n\n`)).toBe(true);
    expect(run.stderr).not.toContain('these answers cover only');
  }, 90_000);
});
