/**
 * A suite added without touching a shared file: test/fixtures/echo-suite/ is loaded through
 * PREPBENCH_SUITES and run end to end through the real command line (a separate `node` process) — its
 * own option, its parameter columns in results.csv, its output file, its report section and its chart.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlyRun, readCsv, readCsvHeader, tempDir } from './helpers.ts';

const SUITE = 'test/fixtures/echo-suite/index.ts';

function bench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { env: { ...process.env, PREPBENCH_SUITES: SUITE }, encoding: 'utf8' });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('a suite from outside the registry', () => {
  it('shows its option under its own name in --help and its experiment in --list', () => {
    const help = bench(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Options of suite echo:\n\s+--echo-word <word>/);
    expect(help.stdout).toMatch(/Options of suite preprocessing:\n\s+-m, --models <list>/);
    const list = bench(['--list']);
    expect(list.stdout).toMatch(/suite echo: How long does repeating a word take\?/);
    expect(list.stdout).toMatch(/\n\s+90\s+repeat\s+How long does repeating a word take\?/);
  });

  it('runs end to end: rows with its parameters, its file, its report section and its chart', () => {
    const out = tempDir('prepbench-echo-');
    const run = bench(['--quick', '--exp', '90', '--echo-word', 'hello', '--runs', '2', '--out', out, '--no-progress']);
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.status).toBe(0);
    const dir = onlyRun(out);
    const header = readCsvHeader(join(dir, 'results.csv'));
    expect(header.slice(0, 6)).toEqual(['run_id', 'suite', 'experiment', 'word', 'times', 'metric']);
    const rows = readCsv(join(dir, 'results.csv'));
    expect(rows.map((r) => [r.suite, r.experiment, r.word, r.times, r.metric, r.runs])).toEqual([
      ['echo', '90', 'hello', '1', 'repeat', '2'],
      ['echo', '90', 'hello', '1000', 'repeat', '2'],
    ]);
    expect(rows.every((r) => Number(r.median) > 0)).toBe(true);
    expect(readFileSync(join(dir, 'echo.txt'), 'utf8')).toBe('hello 1\nhello 1000\n');
    // The suite declares no answers: no empty Answers heading in the terminal or summary.md.
    expect(run.stderr).not.toMatch(/Answers/);
    expect(run.stderr).toContain(`No experiment of this run declares answers; the headline table in ${join(dir, 'summary.md')}; --table prints it here.`);
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).not.toContain('Answers');
    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(report).toContain('<pre id="echo-file">hello 1\nhello 1000\n</pre>');
    // The chart plots the suite's rows (a no-data panel would carry no `times`).
    const spec = JSON.parse(readFileSync(join(dir, '90-times.vl.json'), 'utf8'));
    expect(spec.data.values.map((v: { times: number }) => v.times)).toEqual([1, 1000]);
    expect(readFileSync(join(dir, '90-times.svg'), 'utf8')).toMatch(/<svg[\s\S]*<\/svg>/);
  });

  it('rejects a bad value of its option with exit 2, naming the value', () => {
    const run = bench(['--quick', '--exp', '90', '--echo-word', 'h3llo', '--out', tempDir('prepbench-echo-')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--echo-word: 'h3llo' is not a word; valid: letters a–z only");
  });

  it('rejects its option when the run does not include the suite', () => {
    const run = bench(['--exp', '1', '--echo-word', 'hello', '--out', tempDir('prepbench-echo-')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--echo-word is an option of suite 'echo', which this run does not include (it runs: preprocessing)");
  });

  it('is named by no shared source file: only its own folder and this test mention it (docs may cite it as the example)', () => {
    const out = spawnSync('git', ['grep', '-l', '-e', 'echo-suite', '-e', 'echo-word', '--', '*.ts', '*.mjs', '*.cjs', '*.json'], { encoding: 'utf8' });
    const files = out.stdout.trim().split('\n').filter(Boolean);
    expect(files.filter((f) => !f.startsWith('test/fixtures/echo-suite/') && f !== 'test/suite-fixture.test.ts')).toEqual([]);
  });
});
