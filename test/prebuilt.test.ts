/**
 * Prebuilt entries (common/build/prebuilt.ts, common/build/import-ts.mjs): a bundle behaves like its sources —
 * paths relative to each source's import.meta.url included — and is rebuilt exactly when a source changed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prebuild } from '../common/build/prebuilt.ts';
import { tempDir } from './helpers.ts';

const IMPORT_TS = fileURLToPath(new URL('../common/build/import-ts.mjs', import.meta.url));

/** A two-file project: a.ts re-exports lib/b.ts, which reads a file beside itself. */
function project(version: string) {
  const root = tempDir();
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'lib', 'data.txt'), 'beside b.ts');
  writeFileSync(join(root, 'a.ts'), "export { data, url, version } from './lib/b.ts';\n");
  writeLib(root, version);
  return { root, a: join(root, 'a.ts'), b: join(root, 'lib', 'b.ts'), cache: join(root, 'cache') };
}

function writeLib(root: string, version: string, mtime?: Date) {
  const path = join(root, 'lib', 'b.ts');
  writeFileSync(path, `import { readFileSync } from 'node:fs';\nexport const url: string = import.meta.url;\nexport const data = readFileSync(new URL('./data.txt', import.meta.url), 'utf8');\nexport const version = '${version}';\n`);
  if (mtime) utimesSync(path, mtime, mtime);
}

describe('prebuild', () => {
  it('bundles entries whose import.meta.url is still their own source URL', async () => {
    const p = project('one');
    const built = await prebuild([p.a, p.b], p.root, p.cache);
    expect(Object.keys(built.outputs).sort()).toEqual([p.a, p.b]);
    const mod = await import(built.outputs[p.a]);
    expect(mod).toMatchObject({ url: pathToFileURL(p.b).href, data: 'beside b.ts', version: 'one' });
    expect(built.outputs[p.a].startsWith(pathToFileURL(p.cache).href)).toBe(true);
  });

  it('reuses an unchanged build and rebuilds, into another folder, when a source changed', async () => {
    const p = project('one');
    const first = await prebuild([p.a], p.root, p.cache);
    expect(first.buildMs).toBeGreaterThan(0);
    const again = await prebuild([p.a], p.root, p.cache);
    expect(again).toEqual({ dir: first.dir, outputs: first.outputs });
    writeLib(p.root, 'two', new Date(Date.now() + 5000));
    const rebuilt = await prebuild([p.a], p.root, p.cache);
    expect(rebuilt.buildMs).toBeGreaterThan(0);
    expect(rebuilt.dir).not.toBe(first.dir);
    expect((await import(rebuilt.outputs[p.a])).version).toBe('two');
    // The first build stays in place for a run that still uses it.
    expect((await import(first.outputs[p.a])).version).toBe('one');
  });

  it('gives entries that import the same module one instance of it (shared chunks)', async () => {
    const p = project('one');
    writeFileSync(join(p.root, 'lib', 'state.ts'), 'export const state = { calls: 0 };\n');
    writeFileSync(p.a, "export { state } from './lib/state.ts';\n");
    writeFileSync(p.b, "export { state } from './state.ts';\n");
    const built = await prebuild([p.a, p.b], p.root, p.cache);
    const [a, b] = await Promise.all([import(built.outputs[p.a]), import(built.outputs[p.b])]);
    expect(a.state).toBe(b.state);
  });

  it('builds different entry sets over the same sources into different folders, also when run at once', async () => {
    const p = project('one');
    const [one, both] = await Promise.all([prebuild([p.a], p.root, p.cache), prebuild([p.a, p.b], p.root, p.cache)]);
    expect(one.dir).not.toBe(both.dir);
    for (const url of [...Object.values(one.outputs), ...Object.values(both.outputs)]) expect((await import(url)).version).toBe('one');
  });

  it('keeps a build it reused, however old, when it prunes', async () => {
    const p = project('one');
    const reused = await prebuild([p.a], p.root, p.cache);
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    utimesSync(reused.dir, monthAgo, monthAgo);
    await prebuild([p.a], p.root, p.cache);
    // Another entry set forces a build, which prunes: the folder reused a moment ago stays.
    await prebuild([p.a, p.b], p.root, p.cache);
    expect(readdirSync(p.cache)).toContain(basename(reused.dir));
  });

  it('removes builds older than a week when it builds, and keeps the newer ones', async () => {
    const p = project('one');
    const kept = await prebuild([p.a], p.root, p.cache);
    const old = join(p.cache, 'from-last-month');
    mkdirSync(old);
    const monthAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);
    utimesSync(old, monthAgo, monthAgo);
    writeLib(p.root, 'two', new Date(Date.now() + 5000));
    const rebuilt = await prebuild([p.a], p.root, p.cache);
    expect(readdirSync(p.cache).sort()).toEqual([basename(kept.dir), basename(rebuilt.dir), 'current.json'].sort());
  });

  it('fails with esbuild\'s message on a source that does not compile', async () => {
    const p = project('one');
    writeFileSync(p.a, 'export const = ;\n');
    await expect(prebuild([p.a], p.root, p.cache)).rejects.toThrow(/Expected identifier/);
  });
});

describe('importTs', () => {
  /** What `importTs('./lib/b.ts')` from a.ts gives in a fresh process with `env`. */
  const versionSeen = (p: ReturnType<typeof project>, prebuilt?: Record<string, string>) => {
    const { PREPBENCH_PREBUILT: _inherited, ...env } = process.env;
    return execFileSync(process.execPath, ['--input-type=module', '-e', `const { importTs } = await import(${JSON.stringify(pathToFileURL(IMPORT_TS).href)}); console.log((await importTs('./lib/b.ts', ${JSON.stringify(pathToFileURL(p.a).href)})).version);`], { env: prebuilt ? { ...env, PREPBENCH_PREBUILT: JSON.stringify(prebuilt) } : env, encoding: 'utf8' }).trim();
  };

  it('loads the prebuilt module named in PREPBENCH_PREBUILT, and the source through tsx otherwise', async () => {
    const p = project('built');
    const built = await prebuild([p.b], p.root, p.cache);
    writeLib(p.root, 'edited');
    expect(versionSeen(p, built.outputs)).toBe('built');
    expect(versionSeen(p)).toBe('edited');
  });
});
