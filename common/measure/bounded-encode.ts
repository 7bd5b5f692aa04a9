/**
 * Encodes of one tokenizer library, each bounded in time and memory: they run in a child process that
 * loaded only that library (common/measure/bounded-encode-handler.ts), killed when an encode outlasts the time
 * budget or its resident memory outgrows the memory budget (V8's heap limit is set to it too). A crash
 * is an outcome like any other, so the caller is never stalled nor taken down by what it encodes; the
 * next encode after a kill or crash starts a fresh child.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Reply } from './bounded-encode-handler.ts';
import { cpuMsFromStat } from '../monitor/thread-cpu.ts';

export interface EncodeBudget {
  /** Longest one encode may take, ms. */
  ms: number;
  /** Most the child may hold resident (loaded library included), MB. */
  memoryMb: number;
}

export type BoundedOutcome =
  | { status: 'done'; ms: number; cpuMs: number; peakMb?: number; ids: Int32Array }
  /** `cpuMs`: the child's CPU time from the encode's start to the kill, where /proc has it. */
  | { status: 'over-time'; reason: string; cpuMs?: number }
  | { status: 'unsupported' | 'over-memory' | 'crashed' | 'failed'; reason: string };

/** The module the child entry loads: the preprocessing suite lists it, so runs prebuild it. */
export const BOUNDED_ENCODE_MODULE = new URL('./bounded-encode-handler.ts', import.meta.url).href;
const ENTRY = fileURLToPath(new URL('./bounded-encode-child.mjs', import.meta.url));
/** Loading is outside the budget (it is what any use of the library pays once); this only catches a hang. */
const LOAD_TIMEOUT_MS = 120_000;
/** How often the child's resident memory is read during an encode. */
const WATCH_MS = 50;
/** The tail of the child's stderr kept for a crash: enough for V8's error line above its stack traces. */
const STDERR_KEPT = 64 * 1024;

interface Child {
  process: ChildProcess;
  stderr(): string;
}

export class BoundedEncoder {
  private child?: Child;
  /** Set when the library cannot load the model: every encode answers it. */
  private unsupported?: BoundedOutcome;

  constructor(
    readonly library: string,
    readonly model: string,
    readonly budget: EncodeBudget,
  ) {}

  async encode(text: string): Promise<BoundedOutcome> {
    if (this.unsupported) return this.unsupported;
    if (!this.child) {
      const started = await this.start();
      if ('status' in started) {
        if (started.status === 'unsupported') this.unsupported = started;
        return started;
      }
      this.child = started;
    }
    const child = this.child;
    const { ms, memoryMb } = this.budget;
    const outcome = await new Promise<BoundedOutcome>((resolve) => {
      const finish = (o: BoundedOutcome) => {
        clearTimeout(timer);
        clearInterval(watch);
        child.process.off('message', onReply);
        child.process.off('exit', onExit);
        resolve(o);
      };
      const cpuAtStart = cpuMsOf(child.process.pid);
      const timer = setTimeout(() => {
        const cpuNow = cpuMsOf(child.process.pid);
        const cpuMs = cpuAtStart === undefined || cpuNow === undefined ? undefined : cpuNow - cpuAtStart;
        const at = [...(cpuMs === undefined ? [] : [`${(cpuMs / 1000).toFixed(1)} s of CPU`]), `${Math.round(residentMb(child.process.pid))} MB resident`];
        finish({ status: 'over-time', reason: `over budget (> ${ms / 1000} s; ${at.join(', ')} at the kill)`, ...(cpuMs === undefined ? {} : { cpuMs }) });
      }, ms);
      const watch = setInterval(() => {
        if (residentMb(child.process.pid) > memoryMb) finish({ status: 'over-memory', reason: `over memory budget (> ${memoryMb} MB resident)` });
      }, WATCH_MS);
      const onReply = (reply: Reply) => finish('error' in reply ? { status: 'failed', reason: `failed: ${reply.error}` } : { status: 'done', ...(reply as Extract<Reply, { ms: number }>) });
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => finish({ status: 'crashed', reason: crashReason(code, signal, child.stderr()) });
      child.process.on('message', onReply);
      child.process.once('exit', onExit);
      child.process.send(text);
    });
    // An encode that threw leaves a usable child; any other failure leaves none.
    if (outcome.status !== 'done' && outcome.status !== 'failed') {
      this.child = undefined;
      await kill(child.process);
    }
    return outcome;
  }

  /** Ends the child, if one is running. */
  async close(): Promise<void> {
    if (this.child) await kill(this.child.process);
    this.child = undefined;
  }

  private start(): Promise<Child | BoundedOutcome> {
    const proc = fork(ENTRY, [this.library, this.model], {
      // --expose-gc: the handler collects garbage before each encode, so its memory baseline holds no leftovers.
      // --single-threaded: V8 compiles and collects on the encoding thread, so the process's CPU time is the
      // encode's; its helper threads added milliseconds of CPU to an encode of 100 characters.
      execArgv: [`--max-old-space-size=${this.budget.memoryMb}`, '--expose-gc', '--single-threaded'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEPT)));
    return new Promise((resolve) => {
      const done = (r: Child | BoundedOutcome) => {
        clearTimeout(timer);
        proc.off('exit', onExit);
        resolve(r);
      };
      const timer = setTimeout(() => {
        void kill(proc);
        done({ status: 'crashed', reason: `crashed (not loaded within ${LOAD_TIMEOUT_MS / 1000} s)` });
      }, LOAD_TIMEOUT_MS);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => done({ status: 'crashed', reason: crashReason(code, signal, stderr) });
      proc.once('exit', onExit);
      proc.once('message', (reply: Reply) => done('unsupported' in reply ? { status: 'unsupported', reason: reply.unsupported } : { process: proc, stderr: () => stderr }));
    });
  }
}

async function kill(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exited;
}

/** The child's CPU time so far (from /proc, in 10 ms ticks), or undefined where there is none. */
function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    return cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The child's resident memory, MB (from /proc; 0 where there is none, so only V8's heap limit applies). */
function residentMb(pid: number | undefined): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** "crashed (signal SIGABRT: FATAL ERROR: … JavaScript heap out of memory)": the signal or exit code, and the child's error line. */
function crashReason(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  // The error's own line ("FATAL ERROR: …", "RangeError: …"), not the native stack frames after it.
  const line = lines.find((l) => /^(FATAL ERROR|\w*Error\b)/.test(l)) ?? lines.at(-1);
  return `crashed (${signal ? `signal ${signal}` : `exit code ${code}`}${line ? `: ${line.slice(0, 200)}` : ''})`;
}
