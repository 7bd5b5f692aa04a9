/**
 * Serving endpoints the suite measures. An external target is just a base URL (+ model name). The
 * embedded target is the project's llama.cpp backend (suites/inference/backend/), run as a SEPARATE
 * process (`serve.ts --port 0`): a real deployment's engine never shares the gateway's event loop, so the
 * gateway experiment's blocking must not stall the server it measures. It is started once per process,
 * on first use (one point per target reports its start-up as rows of their own, never inside a timed
 * region), and stopped by the suite's teardown or when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { redactUrlCredentials } from '../../common/cli/url-credentials.ts';
import { checkReachable, listModels } from './client.ts';
import type { EmbeddedSpec, TargetSpec } from './config.ts';

export interface ResolvedTarget {
  spec: TargetSpec;
  name: string;
  baseURL: string;
  model: string;
  embedded: boolean;
  /** Embedded only: process start → serving, ms (includes generating the dummy GGUF on first use). */
  startupMs?: number;
  /** Embedded only: spawn of the server process → its URL printed (process + TypeScript loader start-up included), ms. */
  spawnMs?: number;
  modelInfo?: Record<string, unknown>;
  /** Embedded only: the server process (for CPU accounting and kill tests). */
  pid?: number;
}

export const SERVE_PATH = fileURLToPath(new URL('./backend/serve.ts', import.meta.url));

/** node-llama-cpp's CPU prebuilt-binary package for this platform, as node-llama-cpp names it. */
function prebuiltPackage(): string | undefined {
  const names: Record<string, Record<string, string>> = {
    darwin: { arm64: 'mac-arm64-metal', x64: 'mac-x64' },
    linux: { x64: 'linux-x64', arm64: 'linux-arm64', arm: 'linux-armv7l', riscv64: 'linux-riscv64' },
    win32: { x64: 'win-x64', arm64: 'win-arm64' },
  };
  const name = names[process.platform]?.[process.arch];
  return name && `@node-llama-cpp/${name}`;
}

/**
 * The native llama.cpp addon the embedded backend would load (the backend never builds one: `build:
 * 'never'`): the prebuilt package for this platform, installed at node-llama-cpp's own version, with its
 * `llama-addon.node`; or why there is none.
 */
export function nativeAddon(): { file: string } | { missing: string } {
  const pkg = prebuiltPackage();
  if (!pkg) return { missing: `node-llama-cpp has no prebuilt binary for ${process.platform}-${process.arch}` };
  const require = createRequire(import.meta.url);
  let dir: string;
  let version: string;
  let wanted: string;
  try {
    // Both packages export only their entry point (dist/index.js): package.json is one folder up.
    const packageDir = (name: string) => join(dirname(require.resolve(name)), '..');
    dir = packageDir(pkg);
    version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    wanted = JSON.parse(readFileSync(join(packageDir('node-llama-cpp'), 'package.json'), 'utf8')).version;
  } catch {
    return { missing: `${pkg} is not installed (node-llama-cpp's prebuilt binary for this platform)` };
  }
  if (version !== wanted) return { missing: `${pkg} is version ${version}, node-llama-cpp ${wanted} needs the same` };
  const bins = join(dir, 'bins');
  const file = existsSync(bins) ? readdirSync(bins).map((d) => join(bins, d, 'llama-addon.node')).find((f) => existsSync(f)) : undefined;
  return file ? { file } : { missing: `${pkg} has no llama-addon.node under ${bins}` };
}

/** Why the embedded backend cannot run here, or undefined when it can. */
export function embeddedUnavailable(): string | undefined {
  if (!existsSync(SERVE_PATH)) return `${SERVE_PATH} not found`;
  const addon = nativeAddon();
  return 'missing' in addon ? addon.missing : undefined;
}

export function embeddedAvailable(): boolean {
  return embeddedUnavailable() === undefined;
}

/** Node arguments that load TypeScript through tsx in the same process (`node --import tsx file.ts`). */
export function tsxImport(): string[] {
  const require = createRequire(import.meta.url);
  return ['--import', pathToFileURL(require.resolve('tsx')).href];
}

interface Running {
  target: ResolvedTarget;
  child: ChildProcess;
}

const embedded = new Map<string, Promise<Running>>();

/** Options of the embedded server: one thread per context (faster than two on 2 cores), `parallel` slots. */
export function embeddedArgs(e: EmbeddedSpec = {}, parallel: number, size: 'tiny' | 'small' = 'tiny'): string[] {
  const args = ['--port', '0'];
  args.push('--size', e.size ?? size);
  args.push('--threads', String(e.threads ?? 1));
  args.push('--parallel', String(e.parallel ?? parallel));
  return args;
}

function startEmbedded(spec: TargetSpec, parallel: number, size: 'tiny' | 'small', timeoutMs = 120_000): Promise<Running> {
  const unavailable = embeddedUnavailable();
  if (unavailable) {
    return Promise.reject(new Error(`embedded backend not available (${unavailable}); give --target http://host:port/v1 --model NAME`));
  }
  const t0 = performance.now();
  // One process (node with tsx's loader), not the tsx launcher: killing it must kill the server itself.
  const child = spawn(process.execPath, [...tsxImport(), SERVE_PATH, ...embeddedArgs(spec.embedded, parallel, size)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  return new Promise<Running>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded backend did not start within ${timeoutMs / 1000} s; stderr: ${stderr.trim().slice(-300)}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`embedded backend failed to start: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`embedded backend exited during start-up (${signal ?? `code ${code}`}): ${stderr.trim().slice(-300)}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      for (const line of stdout.split('\n')) {
        if (!line.trim().startsWith('{')) continue;
        let info: any;
        try {
          info = JSON.parse(line);
        } catch {
          continue;
        }
        const baseURL = info.baseURL ?? info.url;
        if (typeof baseURL !== 'string') continue;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => process.off('exit', killOnExit));
        resolve({
          child,
          target: {
            spec,
            name: spec.name,
            baseURL: baseURL.replace(/\/+$/, ''),
            model: String(info.model ?? 'embedded'),
            embedded: true,
            startupMs: typeof info.startupMs === 'number' ? info.startupMs : performance.now() - t0,
            spawnMs: performance.now() - t0,
            modelInfo: info.modelInfo,
            // serve.ts reports its own pid (the tsx launcher is a separate parent process).
            pid: typeof info.pid === 'number' ? info.pid : child.pid,
          },
        });
        return;
      }
    });
  });
}

/**
 * The target of `spec`, ready to serve. An embedded backend is started by the first call for its
 * settings and shared by the later ones (its start-up figures stay on the target). An unreachable
 * external target throws an error naming it and the cause.
 */
export async function acquireTarget(spec: TargetSpec, parallel = 4, size: 'tiny' | 'small' = 'tiny'): Promise<{ target: ResolvedTarget }> {
  if (!spec.url) {
    const key = JSON.stringify([spec.embedded ?? {}, size]);
    let running = embedded.get(key);
    if (!running) {
      running = startEmbedded(spec, parallel, size);
      embedded.set(key, running);
      // A failed start stays cached: every later point fails at once with the same cause instead of
      // paying another start-up attempt. A server that died after starting is dropped from the cache
      // (the call that finds it dead throws), so the next call starts a new one.
      running.catch(() => {});
    }
    const r = await running;
    if (r.child.exitCode !== null || r.child.signalCode !== null) {
      embedded.delete(key);
      throw new Error(`embedded backend (pid ${r.child.pid}) is no longer running`);
    }
    return { target: { ...r.target, spec } };
  }
  await checkReachable(spec.url);
  let model = spec.model;
  if (!model) {
    const shown = redactUrlCredentials(spec.url);
    const models = await listModels(spec.url).catch((err) => {
      throw new Error(`target ${shown}: no --model given and GET /models failed (${(err as Error).message})`);
    });
    if (models.length === 0) throw new Error(`target ${shown}: no --model given and GET /models lists none`);
    model = models[0];
  }
  return { target: { spec, name: spec.name, baseURL: spec.url, model, embedded: false } };
}

/** Stops every embedded backend this process started. */
export async function closeTargets(): Promise<void> {
  const all = [...embedded.values()];
  embedded.clear();
  await Promise.allSettled(
    all.map(async (p) => {
      const { child } = await p.catch(() => ({ child: undefined }));
      if (!child) return;
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }),
  );
}
