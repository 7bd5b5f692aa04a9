/**
 * The layering rules (.dependency-cruiser.cjs, `npm run deps`): common/ never imports suites/, experiments/,
 * visualization/ or scripts/; visualization/ never imports suites/, experiments/ or scripts/; suites/<name>/
 * and experiments/<name>/ import nothing of another suite; only suites/registry.ts imports a suite's index;
 * nothing outside scripts/ imports scripts/; every import resolves; inside common/, each room keeps its rule
 * (stats/ pure, measure/ no writer, node:fs only in the I/O rooms…) and common/ keeps ≤ 8 top-level files. These tests run the `deps` script's own
 * command line, on this repository and on a throwaway tree with violating imports.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const CONFIG = '.dependency-cruiser.cjs';
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

/** The arguments of package.json's `deps` script, so the tests check what `npm test` runs. */
function depsArgs(): string[] {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.deps;
  const [bin, ...args] = script.split(/\s+/);
  if (bin !== 'depcruise' || !args.includes(CONFIG)) throw new Error(`unexpected deps script: ${script}`);
  return args;
}

function depcruise(cwd: string): { status: number | null; output: string } {
  const r = spawnSync(DEPCRUISE, depsArgs(), { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** The `error <rule>: <from> → <to>` lines of depcruise's text output. */
function violations(output: string): string[] {
  return output
    .split('\n')
    .map((l) => /^\s*error (\S+): (\S+) → (\S+)/.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}: ${m[2]} → ${m[3]}`)
    .sort();
}

const trees: string[] = [];
afterAll(() => trees.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A throwaway repository layout holding `files` (path → source), with this repository's config and tsconfig. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'prepbench-layers-'));
  trees.push(dir);
  for (const name of [CONFIG, 'tsconfig.json']) copyFileSync(join(ROOT, name), join(dir, name));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('layers (npm run deps)', () => {
  it('this repository keeps the rules', () => {
    const { status, output } = depcruise(ROOT);
    expect(violations(output)).toEqual([]);
    expect(status, output).toBe(0);
  });

  it('fails on each kind of violating import, names the rule and the edge, and passes the allowed ones', () => {
    const dir = tree({
      'common/util.ts': 'export const one = 1;\n',
      'common/typed.ts': "import type { Suite } from '../suites/types.ts';\nexport type S = Suite;\n",
      'common/reexport.ts': "export { chart } from '../visualization/chart.ts';\n",
      'common/lazy.ts': "export const load = () => import('../experiments/demo/01-x.ts');\n",
      'common/side-effect.mjs': "import '../scripts/cli.ts';\n",
      'common/missing.ts': "export { gone } from './no-such-file.ts';\n",
      'visualization/chart.ts': "import { one } from '../common/util.ts';\nexport const chart = one;\n",
      'visualization/page.ts': "import { suite } from '../suites/types.ts';\nimport { x } from '../experiments/demo/01-x.ts';\nexport const r = [suite, x];\n",
      'suites/types.ts': "import { chart } from '../visualization/chart.ts';\nexport interface Suite { name: string }\nexport const suite = chart;\n",
      'experiments/demo/01-x.ts': "import { suite } from '../../suites/types.ts';\nexport const x = suite;\n",
      'scripts/cli.ts': "import { x } from '../experiments/demo/01-x.ts';\nimport demo from '../suites/demo/index.ts';\nexport const cli = [x, demo];\n",
      'scripts/bench.ts': "import { cli } from './cli.ts';\nexport const bench = cli;\n",
      // Two suites, demo and other: each may use its own folders, suites/types.ts and common/, not the other's.
      'suites/registry.ts': "import demo from './demo/index.ts';\nimport other from './other/index.ts';\nexport const BUILT_IN = [demo, other];\n",
      'suites/orchestrator.ts': "import other from './other/index.ts';\nimport type { Suite } from './types.ts';\nexport const run = (s: Suite) => [s, other];\n",
      'suites/demo/index.ts': "import { help } from './helpers.ts';\nexport default { name: 'demo', help };\n",
      'suites/demo/helpers.ts':
        "import type { Flag } from '../other/cli.ts';\nimport type { Suite } from '../types.ts';\nimport { one } from '../../common/util.ts';\nimport { cli } from '../../scripts/cli.ts';\nexport const help = (f: Flag, s: Suite) => [f, s, one, cli];\n",
      'suites/other/index.ts': "import { flag } from './cli.ts';\nexport default { name: 'other', flag };\n",
      'suites/other/cli.ts': "export type Flag = number;\nexport const flag: Flag = 1;\n",
      'experiments/other/02-y.ts':
        "import { help } from '../../suites/demo/helpers.ts';\nimport { flag } from '../../suites/other/cli.ts';\nimport { x } from '../demo/01-x.ts';\nexport const y = [help, flag, x];\n",
      'experiments/demo/03-missing.ts': "export { gone } from '../../suites/demo/no-such-file.ts';\n",
    });
    const { status, output } = depcruise(dir);
    expect(status, output).not.toBe(0);
    expect(violations(output)).toEqual(
      [
        'common-imports-no-upper-layer: common/typed.ts → suites/types.ts',
        'common-imports-no-upper-layer: common/reexport.ts → visualization/chart.ts',
        'common-imports-no-upper-layer: common/lazy.ts → experiments/demo/01-x.ts',
        'common-imports-no-upper-layer: common/side-effect.mjs → scripts/cli.ts',
        'no-unresolvable-import: common/missing.ts → ./no-such-file.ts',
        'visualization-imports-no-suite: visualization/page.ts → suites/types.ts',
        'visualization-imports-no-suite: visualization/page.ts → experiments/demo/01-x.ts',
        'suite-imports-no-other-suite: suites/demo/helpers.ts → suites/other/cli.ts',
        'suite-imports-no-other-suite: experiments/other/02-y.ts → suites/demo/helpers.ts',
        'suite-imports-no-other-suite: experiments/other/02-y.ts → experiments/demo/01-x.ts',
        'only-registry-imports-suite-index: scripts/cli.ts → suites/demo/index.ts',
        'only-registry-imports-suite-index: suites/orchestrator.ts → suites/other/index.ts',
        'nothing-imports-scripts: suites/demo/helpers.ts → scripts/cli.ts',
        'nothing-imports-scripts: common/side-effect.mjs → scripts/cli.ts',
        'no-unresolvable-import: experiments/demo/03-missing.ts → ../../suites/demo/no-such-file.ts',
      ].sort(),
    );
  });
  it("keeps each room of common/ to its rule: a planted violation of every room's rule fails, naming the rule and the edge", () => {
    const dir = tree({
      // Allowed edges: none of these may be reported.
      'common/stats/stats.ts': 'export const median = 1;\n',
      'common/stats/rng.ts': "import { median } from './stats.ts';\nexport const rng = median;\n",
      'common/results/results.ts': "import { writeFileSync } from 'node:fs';\nimport { median } from '../stats/stats.ts';\nexport interface Row { n: number }\nexport const write = () => writeFileSync('x', String(median));\n",
      'common/cli/error-message.ts': 'export const errorMessage = (e: unknown) => String(e);\n',
      'common/cli/progress.ts': 'export const bar = 1;\n',
      'common/measure/timing.ts':
        "import type { Row } from '../results/results.ts';\nimport { errorMessage } from '../cli/error-message.ts';\nimport { rng } from '../stats/rng.ts';\nexport const t = (r: Row) => [r, errorMessage, rng];\n",
      'common/compare/compare-runs.ts': "import { readFileSync } from 'node:fs';\nimport { write } from '../results/results.ts';\nexport const c = [readFileSync, write];\n",
      'common/build/cache-dir.ts': "import { mkdirSync } from 'node:fs';\nexport const dir = mkdirSync;\n",
      'common/text/data.ts': "import { rng } from '../stats/rng.ts';\nexport const data = rng;\n",
      // One violation per rule.
      'common/stats/bad.ts': "import { readFileSync } from 'node:fs';\nimport { data } from '../text/data.ts';\nexport const bad = [readFileSync, data];\n",
      'common/measure/bad.ts': "import { write } from '../results/results.ts';\nimport { bar } from '../cli/progress.ts';\nexport const bad = [write, bar];\n",
      'common/results/bad.ts': "import { c } from '../compare/compare-runs.ts';\nexport const bad = c;\n",
      'common/compare/bad.ts': "import { t } from '../measure/timing.ts';\nexport const bad = t;\n",
      'common/cli/bad.ts': "import { write } from '../results/results.ts';\nexport const bad = write;\n",
      'common/text/bad.ts': "import { t } from '../measure/timing.ts';\nexport const bad = t;\n",
      'common/build/bad.ts': "import { median } from '../stats/stats.ts';\nexport const bad = median;\n",
      'common/monitor/bad.ts': "import { median } from '../stats/stats.ts';\nexport const bad = median;\n",
      'common/strategies/bad.ts': "import { writeFileSync } from 'node:fs';\nexport const bad = writeFileSync;\n",
      // The deps script cruises these folders too: each must exist.
      'visualization/chart.ts': 'export const chart = 1;\n',
      'suites/types.ts': 'export const suite = 1;\n',
      'experiments/demo/01-x.ts': 'export const x = 1;\n',
      'scripts/cli.ts': 'export const cli = 1;\n',
    });
    const { status, output } = depcruise(dir);
    expect(status, output).not.toBe(0);
    expect(violations(output)).toEqual(
      [
        'stats-is-pure: common/stats/bad.ts → fs',
        'stats-is-pure: common/stats/bad.ts → common/text/data.ts',
        'file-system-only-in-io-rooms: common/stats/bad.ts → fs',
        'measure-imports-no-writer: common/measure/bad.ts → common/results/results.ts',
        'measure-imports-no-writer: common/measure/bad.ts → common/cli/progress.ts',
        'results-imports-no-compare: common/results/bad.ts → common/compare/compare-runs.ts',
        'compare-reads-finished-runs: common/compare/bad.ts → common/measure/timing.ts',
        'cli-imports-no-measure-or-results: common/cli/bad.ts → common/results/results.ts',
        'text-imports-no-measure-or-results: common/text/bad.ts → common/measure/timing.ts',
        'build-imports-no-room: common/build/bad.ts → common/stats/stats.ts',
        'monitor-imports-no-room: common/monitor/bad.ts → common/stats/stats.ts',
        'file-system-only-in-io-rooms: common/strategies/bad.ts → fs',
      ].sort(),
    );
  });

  it('common/ keeps at most 8 files at its top level (the rest lives in its rooms)', () => {
    const top = readdirSync(join(ROOT, 'common'), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    expect(top.length, top.join(', ')).toBeLessThanOrEqual(8);
  });
});
