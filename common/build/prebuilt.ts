/**
 * Prebuilt JavaScript for TypeScript entry points that start often (measuring children, pool workers):
 * through tsx every start transpiles or reads back the whole import graph (≈0.25–0.35 s here), an esbuild
 * bundle loads in ≈0.05 s. The bundle is rebuilt only when one of its sources changed since the last
 * build, into a folder named by its entries and the sources' content, so a run in progress keeps its own files.
 *
 * Each source keeps its own `import.meta.url` (replaced at load by its original URL), so paths relative
 * to it — worker files, package.json, caches — resolve as they do unbundled. Packages stay external and
 * resolve from the project's node_modules, which holds the cache folder.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, version as esbuildVersion, type Plugin } from 'esbuild';

export interface Prebuilt {
  /** Folder of this build (under the cache folder). */
  dir: string;
  /** Output file URL of each entry, by the entry's absolute source path. */
  outputs: Record<string, string>;
  /** How long the build took, ms; undefined when an up-to-date build was reused. */
  buildMs?: number;
}

/** What the cache folder remembers of its latest build: enough to tell whether it is still current. */
interface Manifest extends Prebuilt {
  key: string;
  /** Every source file bundled, with the size and modification time it had when built. */
  inputs: Record<string, [size: number, mtimeMs: number]>;
}

const MANIFEST = 'current.json';
/** Builds not used for this long are removed at the next build: no run lasts that long. */
const KEEP_MS = 7 * 24 * 3600 * 1000;

/** Loads every non-package TypeScript file with `import.meta.url` set to that file's own URL. */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.m?ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
      loader: 'ts',
    }));
  },
};

function stamp(path: string): [number, number] | undefined {
  try {
    const s = statSync(path);
    return [s.size, s.mtimeMs];
  } catch {
    return undefined;
  }
}

function readManifest(cacheDir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(cacheDir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function isCurrent(manifest: Manifest | undefined, key: string): manifest is Manifest {
  if (!manifest || manifest.key !== key || !existsSync(manifest.dir)) return false;
  return Object.entries(manifest.inputs).every(([path, [size, mtimeMs]]) => {
    const now = stamp(path);
    return now !== undefined && now[0] === size && now[1] === mtimeMs;
  });
}

/** Bumped when the build options or the plugin change: builds of another format are not reused. */
const FORMAT = 1;

/** What a reusable build must have been made from besides its sources: entries, options, tools. */
function buildKey(entries: readonly string[], root: string): string {
  const tsconfig = join(root, 'tsconfig.json');
  const config = existsSync(tsconfig) ? createHash('sha256').update(readFileSync(tsconfig)).digest('hex') : '';
  return JSON.stringify({ format: FORMAT, entries: [...entries].sort(), root, tsconfig: config, esbuild: esbuildVersion, node: process.versions.node });
}

/** Replaces the manifest atomically: a concurrent reader sees the old one or the new one, never half. */
function writeManifest(cacheDir: string, manifest: Manifest): void {
  const temporary = join(cacheDir, `${MANIFEST}.${randomUUID()}`);
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, join(cacheDir, MANIFEST));
}

/** Moves a finished build to `dir`, unless the same sources were built there already (by an earlier or a concurrent run). */
function moveIntoPlace(staging: string, dir: string): void {
  if (existsSync(dir)) return;
  try {
    renameSync(staging, dir);
  } catch (err) {
    if (!existsSync(dir)) throw err;
  }
}

/** Marks a build as used now, so that pruning (by age) never removes one in use. */
function markUsed(dir: string): void {
  const now = new Date();
  utimesSync(dir, now, now);
}

/** Removes the builds (and abandoned staging folders) of `cacheDir` last built or reused more than KEEP_MS ago. */
function pruneOld(cacheDir: string): void {
  const cutoff = Date.now() - KEEP_MS;
  for (const entry of readdirSync(cacheDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    // A concurrent run may rename or remove its own folder meanwhile.
    const changed = stamp(join(cacheDir, entry.name))?.[1];
    if (changed !== undefined && changed < cutoff) rmSync(join(cacheDir, entry.name), { recursive: true, force: true });
  }
}

/**
 * Bundles `entries` (absolute .ts paths under `root`) into `cacheDir`, or returns the build already there
 * when none of its sources changed. Concurrent runs are safe: each builds into a folder of its own and
 * moves it into place under the hash of its key and sources; the manifest is replaced atomically.
 */
export async function prebuild(entries: readonly string[], root: string, cacheDir: string): Promise<Prebuilt> {
  const key = buildKey(entries, root);
  const previous = readManifest(cacheDir);
  if (isCurrent(previous, key)) {
    markUsed(previous.dir);
    return { dir: previous.dir, outputs: previous.outputs };
  }

  const t0 = performance.now();
  const startedAt = Date.now();
  const staging = join(cacheDir, `staging-${randomUUID()}`);
  mkdirSync(staging, { recursive: true });
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [...entries],
      outbase: root,
      outdir: staging,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      metafile: true,
      logLevel: 'silent',
      plugins: [ownImportMetaUrl],
    });
    const sources = Object.keys(result.metafile.inputs).map((p) => resolve(root, p));
    // The key too: two entry sets over the same sources are different builds.
    const hash = createHash('sha256').update(key);
    const inputs: Manifest['inputs'] = {};
    for (const path of sources.sort()) {
      hash.update(path).update(readFileSync(path));
      inputs[path] = stamp(path)!;
    }
    const dir = join(cacheDir, hash.digest('hex').slice(0, 16));
    moveIntoPlace(staging, dir);
    markUsed(dir);
    pruneOld(cacheDir);
    const outputs: Record<string, string> = {};
    for (const [out, meta] of Object.entries(result.metafile.outputs)) {
      if (meta.entryPoint) outputs[resolve(root, meta.entryPoint)] = pathToFileURL(join(dir, relative(staging, resolve(root, out)))).href;
    }
    const buildMs = performance.now() - t0;
    // A source saved while esbuild read it may be newer than what was bundled: then the next run builds again.
    if (Object.values(inputs).every(([, mtimeMs]) => mtimeMs < startedAt)) writeManifest(cacheDir, { key, dir, outputs, inputs, buildMs });
    return { dir, outputs, buildMs };
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
}
