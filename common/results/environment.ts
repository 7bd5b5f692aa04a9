/** Environment metadata recorded with every run (env.json), so a result can be read in context. */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { readTopology, type Topology } from '../measure/topology.ts';
import { redactCredentialsDeep } from '../cli/url-credentials.ts';

const require = createRequire(import.meta.url);

/**
 * The project's runtime dependencies (package.json): every package a suite measures or measures with is
 * one of them, so recording all of their installed versions needs no list that knows the suites.
 */
function dependencies(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {}).sort();
}

/**
 * The installed version of `name`, from its package.json in the node_modules folders a require from here
 * searches — not through its entry point, which a font package (dejavu-fonts-ttf) lacks and an
 * import-only package (gpt-tokenizer) hides from require.
 */
function packageVersion(name: string): string {
  for (const dir of require.resolve.paths(name) ?? []) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {
      /* not in this folder */
    }
  }
  return 'not installed';
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${commit}+dirty` : commit;
  } catch {
    return 'unknown';
  }
}

export interface EnvironmentInfo {
  timestamp: string;
  cpu: string;
  cores: number;
  /** Logical CPUs, physical cores, SMT width and sockets, from /sys (or /proc/cpuinfo). */
  topology: Topology;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  uvThreadpoolSize: string;
  packages: Record<string, string>;
  gitCommit: string;
  argv: string[];
  options: Record<string, unknown>;
}

export function collectEnvironment(options: Record<string, unknown>, argv: readonly string[] = process.argv.slice(2)): EnvironmentInfo {
  const cpus = os.cpus();
  return {
    timestamp: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    topology: readTopology(),
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? '4 (default)',
    packages: Object.fromEntries(dependencies().map((p) => [p, packageVersion(p)])),
    gitCommit: gitCommit(),
    // A target URL may carry user:password; env.json and the report show it without.
    argv: redactCredentialsDeep([...argv]),
    options: redactCredentialsDeep(options),
  };
}
