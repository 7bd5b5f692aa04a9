/**
 * Declarations checked before any run (suites/suite-checks.ts): a parameter named like one of
 * results.csv's own columns, or a `reads` entry that is no flag of the suite, is refused at registration
 * with exit 2 naming the experiment; the flags a run refuses come from the experiments' `reads`.
 */
import { readdirSync } from 'node:fs';
import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { InputError } from '../common/cli/input-error.ts';
import { allSuites, getSuite } from '../suites/registry.ts';
import { checkSuite, refuseUnreadFlags } from '../suites/suite-checks.ts';
import type { Experiment, Suite } from '../suites/types.ts';
import { cli, tempDir } from './helpers.ts';

const experiment = (id: number, extra: Partial<Experiment>): Experiment => ({
  id, slug: `e${id}`, title: 't', question: 'q?', params: ['word'], matrix: () => [], label: () => '', coordinates: () => ({}), run: async () => [], ...extra,
});
const suiteOf = (...experiments: Experiment[]): Suite => ({
  name: 'demo', entry: 'file:///demo.ts', description: 'd', experiments,
  cli: { options: () => [new Option('--colour <c>'), new Option('--size <n>'), new Option('--file <f>')], resolve: () => ({}) },
});
const refusal = (suite: Suite, selected: number[], given: string[]) => {
  try {
    refuseUnreadFlags(suite, suite.experiments.filter((e) => selected.includes(e.id)), new Set(given));
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
};

describe('suite declarations', () => {
  it('the built-in suites pass', () => {
    for (const suite of allSuites()) expect(() => checkSuite(suite)).not.toThrow();
  });

  it('refuses a parameter named like a results.csv column, naming the suite, the experiment and the name', () => {
    for (const name of ['run_id', 'metric', 'kind', 'replicate']) {
      expect(() => checkSuite(suiteOf(experiment(7, { params: ['word', name] })))).toThrow(
        new RegExp(`^suite 'demo', experiment 7 \\(e7\\): parameter '${name}' is a column results.csv has of its own; rename it \\(reserved: run_id, suite, experiment, metric,`),
      );
    }
  });

  it('refuses an experiment id declared twice in a suite', () => {
    expect(() => checkSuite(suiteOf(experiment(7, {}), experiment(8, {}), experiment(7, {})))).toThrow("suite 'demo': experiment id 7 is declared twice");
  });

  it('refuses a read flag the suite does not have, in `flag` or in `unless`', () => {
    expect(() => checkSuite(suiteOf(experiment(7, { reads: ['--color'] })))).toThrow("suite 'demo', experiment 7 (e7): reads '--color', which is no flag of the suite (its flags: --colour, --size, --file)");
    expect(() => checkSuite(suiteOf(experiment(7, { reads: [{ flag: '--size', unless: '--files' }] })))).toThrow("reads '--files', which is no flag");
    expect(() => checkSuite(suiteOf(experiment(7, { reads: ['--colour', { flag: '--size', unless: '--file' }] })))).not.toThrow();
  });

  it('a flag is refused when no experiment of the run reads it; a flag nobody declares is read by all', () => {
    const suite = suiteOf(experiment(1, { reads: ['--colour', { flag: '--size', unless: '--file' }] }), experiment(2, { reads: ['--size'] }), experiment(3, { reads: ['--colour'] }), experiment(4, {}));
    expect(refusal(suite, [4], ['--colour'])).toBe('--colour is used by experiments 1 and 3, which this run does not include (it runs: 4)');
    expect(refusal(suite, [1, 4], ['--colour', '--size'])).toBeUndefined();
    // With --file, experiment 1 ignores --size: only 2 reads it.
    expect(refusal(suite, [1, 3], ['--size', '--file'])).toBe('--size is used by experiment 2, which this run does not include (it runs: 1, 3)');
    expect(refusal(suite, [4], ['--file'])).toBeUndefined();
  });

  // Subsets, not exact lists: a contributor's new experiment that reads these flags joins them.
  it("the preprocessing suite's readers come from its experiments' declarations", () => {
    const pre = getSuite('preprocessing');
    const named = (message: string | undefined) => {
      const m = /^(--[a-z-]+) is used by experiments? ([\d, and]+), which this run does not include \(it runs: ([\d, ]+)\)$/.exec(message ?? '');
      return m ? { flag: m[1], users: m[2].split(/, | and /).map(Number), runs: m[3] } : undefined;
    };
    const strategies = named(refusal(pre, [8], ['--strategies']));
    expect(strategies?.users).toEqual(expect.arrayContaining([3, 4]));
    expect(strategies?.users).not.toContain(8);
    expect(strategies?.runs).toBe('8');
    // With --chats, experiment 1 measures the user's chats and ignores --text; 2, 8 and 11 still read it.
    const text = named(refusal(pre, [1], ['--text', '--chats']));
    expect(text?.users).toEqual(expect.arrayContaining([2, 8, 11]));
    expect(text?.users.filter((id) => [1, 3, 4].includes(id))).toEqual([]);
    expect(refusal(pre, [1], ['--text'])).toBeUndefined();
  });
});

describe('registration through the command line', () => {
  it('a suite with a reserved parameter name exits 2 before any run, naming the experiment and the name', async () => {
    const out = tempDir();
    const previous = process.env.PREPBENCH_SUITES;
    process.env.PREPBENCH_SUITES = 'test/fixtures/reserved-suite.ts';
    try {
      const run = await cli('--exp', '94', '--quick', '--out', out);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: suite 'reserved', experiment 94 \(kinds\): parameter 'kind' is a column results.csv has of its own; rename it/);
    } finally {
      if (previous === undefined) delete process.env.PREPBENCH_SUITES;
      else process.env.PREPBENCH_SUITES = previous;
    }
    expect(readdirSync(out)).toEqual([]);
  });
});
