/**
 * The attack corpus run where a payload that defeats a bound cannot take the caller down: a child process
 * with a 1 GB heap checks the payloads one by one and reports each. If the child dies (V8's fatal "invalid
 * size error", heap exhaustion, a signal) or stops answering, the payload it was on is recorded as what
 * ended it and a fresh child goes on with the rest.
 */
import { fork } from 'node:child_process';
import type { AttackOutcome } from './attack-check.ts';
import type { AttackJob } from './attack-child.ts';
import { ATTACK_PAYLOADS } from './attack-corpus.ts';
import type { EngineId } from './engines.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits.ts';

const CHILD = new URL('./attack-child.ts', import.meta.url);
const HEAP_MB = 1024;
/** Beyond its render time limit, what a payload may take before its child is killed (start-up included). */
const GRACE_MS = 20_000;

function runChild(job: AttackJob, onOutcome: (o: AttackOutcome) => void): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [JSON.stringify(job)], {
      execArgv: ['--import', import.meta.resolve('tsx'), `--max-old-space-size=${HEAP_MB}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-400);
    });
    let timer: NodeJS.Timeout | undefined;
    let hung = false;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        child.kill('SIGKILL');
      }, job.limits.maxMs + GRACE_MS);
    };
    arm();
    child.on('message', (o: AttackOutcome) => {
      onOutcome(o);
      arm();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (hung) resolve(`did not finish within ${((job.limits.maxMs + GRACE_MS) / 1000).toFixed(0)} s (killed)`);
      else if (code === 0 && !signal) resolve(undefined);
      else resolve(`ended the process (${signal ? `signal ${signal}` : `exit code ${code}`}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''})`);
    });
  });
}

/**
 * The bounds the corpus is run with: the default ones, but 0.25 s of render time instead of 5 s — each
 * runaway payload runs until the clock stops it, and three of them per engine at 5 s would add half a
 * minute per process.
 */
export const ATTACK_LIMITS: RenderLimits = { ...DEFAULT_RENDER_LIMITS, maxMs: 250 };

/** Every payload against each engine; outcomes in corpus order. */
export async function runAttackCorpus(engines: readonly EngineId[], limits: RenderLimits, ids = ATTACK_PAYLOADS.map((p) => p.id)): Promise<AttackOutcome[]> {
  const outcomes: AttackOutcome[] = [];
  for (const engine of engines) {
    let left = [...ids];
    while (left.length > 0) {
      const start = performance.now();
      const death = await runChild({ engine, ids: left, limits }, (o) => {
        outcomes.push(o);
        left = left.filter((id) => id !== o.id);
      });
      if (death === undefined) break;
      // The payload in progress when the child died is the first one it did not report.
      const [id, ...rest] = left;
      const payload = ATTACK_PAYLOADS.find((p) => p.id === id)!;
      outcomes.push({ id, kind: payload.kind, bound: payload.bound, engine, blocked: false, how: death, detail: '', ms: performance.now() - start });
      left = rest;
    }
  }
  return outcomes;
}
