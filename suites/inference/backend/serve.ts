/**
 * The embedded backend as its own process, so a test can kill it mid-run:
 *
 *   node --import tsx suites/inference/backend/serve.ts [--port 0] [--size tiny|small] [--seed 1] [--threads 1] [--parallel 4] [--context 4096]
 *
 * Prints one JSON line on stdout once listening: { baseURL, model, port, pid, startupMs, loadMs, modelInfo }.
 * SIGTERM / SIGINT close it cleanly; SIGKILL is the "server died" case.
 *
 * Spawn it as ONE process with `node --import tsx suites/inference/backend/serve.ts …`: the `tsx` CLI
 * runs the script in a second, child node process, so the wrapper's pid is not the server's (CPU
 * accounting would watch an idle wrapper, and SIGKILL to the wrapper does not reach the server). The
 * printed `pid` is always the server's own. If the parent dies anyway, the server notices that it was
 * re-parented and exits, so no orphan keeps a port and a core.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedBackend, type ModelSize } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    size: { type: 'string', default: 'tiny' },
    seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '4' },
    context: { type: 'string', default: '4096' },
  },
});

function int(name: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}\n`);
    process.exit(2);
  }
  return n;
}

if (values.size !== 'tiny' && values.size !== 'small') {
  process.stderr.write(`--size must be tiny or small\n`);
  process.exit(2);
}

const backend = await startEmbeddedBackend({
  port: int('port', values.port, 0),
  size: values.size as ModelSize,
  seed: int('seed', values.seed, 0),
  threads: int('threads', values.threads, 1),
  parallel: int('parallel', values.parallel, 1),
  contextSize: int('context', values.context, 64),
});
process.stdout.write(
  JSON.stringify({
    baseURL: backend.baseURL,
    model: backend.model,
    port: backend.options.port,
    pid: process.pid,
    startupMs: backend.startupMs,
    loadMs: backend.loadMs,
    modelInfo: backend.modelInfo,
  }) + '\n',
);

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    void backend.close().then(() => process.exit(0));
  });
}

// Orphan watchdog: a changed parent pid means whoever started us is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stopping) {
    stopping = true;
    void backend.close().then(() => process.exit(0));
  }
}, 1000).unref();
