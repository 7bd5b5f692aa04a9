/** common/ holds suite-agnostic pieces: it must never import from the layers above it. */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const ABOVE = ['suites', 'experiments', 'visualization', 'scripts'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts|mjs|js)$/.test(e.name) ? [path] : [];
  });
}

/** The layers above common/ that a module at `file` (source `text`) imports from, as repo paths. */
function upwardImports(file: string, text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)]
    .map((m) => relative(ROOT, resolve(file, '..', m[1])))
    .filter((target) => ABOVE.includes(target.split('/')[0]));
}

describe('layers', () => {
  it('nothing in common/ imports suites/, experiments/, visualization/ or scripts/', () => {
    const violations = sources(join(ROOT, 'common')).flatMap((file) => upwardImports(file, readFileSync(file, 'utf8')).map((target) => `${relative(ROOT, file)} → ${target}`));
    expect(violations).toEqual([]);
  });

  it('the check sees upward imports of every form, and not imports within common/', () => {
    const file = join(ROOT, 'common', 'inference', 'run.ts');
    const text = "import type { RunOptions } from '../../suites/types.ts';\nexport { x } from '../../visualization/load-run.ts';\nawait import('../results.ts');\nimport('../../scripts/cli.ts');";
    expect(upwardImports(file, text)).toEqual(['suites/types.ts', 'visualization/load-run.ts', 'scripts/cli.ts']);
  });
});
