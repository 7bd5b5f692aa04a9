/**
 * env.json's package versions: every runtime dependency's installed version, read from its package.json —
 * also for a package without an entry point (the chart font) or one that only `import` can load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectEnvironment } from '../common/results/environment.ts';

const ROOT = join(import.meta.dirname, '..');
const dependencies = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies).sort();
const installed = (name: string) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string;

describe('env.json packages', () => {
  it('records the installed version of every dependency, dejavu-fonts-ttf and gpt-tokenizer included', () => {
    const { packages } = collectEnvironment({});
    expect(Object.keys(packages)).toEqual(dependencies);
    expect(packages).toEqual(Object.fromEntries(dependencies.map((name) => [name, installed(name)])));
    expect(dependencies).toEqual(expect.arrayContaining(['dejavu-fonts-ttf', 'gpt-tokenizer']));
  });
});
