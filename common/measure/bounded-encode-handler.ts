/**
 * The child process of common/measure/bounded-encode.ts: loads one tokenizer library for one model, warms it up,
 * then encodes each text it is sent and replies with the ids, the encode's wall and CPU time and its
 * peak resident memory. Whatever an encode does here — minutes of CPU, gigabytes, a crash — ends with this process.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { assertLibrary, loadLibrary } from '../assets/tokenizer-libraries.ts';
import { errorMessage } from '../cli/error-message.ts';

export type Reply = { ready: true } | { unsupported: string } | { ms: number; cpuMs: number; peakMb?: number; ids: Int32Array } | { error: string };

/** Ordinary text encoded a few times after loading, so the first timed encode does not pay for the JIT. */
const WARMUP = 'The quick brown fox jumps over 12 lazy dogs: "naïve" café, 日本語のテキスト 🙂\n'.repeat(16);
const WARMUP_CALLS = 5;

export async function serve(library: string, model: string): Promise<void> {
  const send = (reply: Reply) => process.send!(reply);
  const outcome = await loadLibrary(assertLibrary(library), model);
  if (!outcome.ok) {
    send({ unsupported: outcome.reason });
    process.disconnect();
    return;
  }
  const { encode } = outcome.tokenizer;
  for (let i = 0; i < WARMUP_CALLS; i++) await encode(WARMUP);
  process.on('message', async (text: string) => {
    try {
      send(await measured(() => encode(text)));
    } catch (err) {
      send({ error: errorMessage(err) });
    }
  });
  send({ ready: true });
}

/**
 * One encode's wall time; its CPU time (the process's: V8 runs single-threaded here, so that is the
 * encoding thread's, and libuv's for native), which other processes on a busy machine do not inflate; and
 * its peak resident memory above the resident memory before it: Linux keeps the peak (VmHWM) since it was
 * last reset through /proc/self/clear_refs. Elsewhere there is no peak figure.
 */
async function measured(encode: () => number[] | Promise<number[]>): Promise<Reply> {
  (globalThis as { gc?: () => void }).gc?.();
  const before = statusKb('VmRSS');
  const reset = resetPeak();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const ids = await encode();
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpuStart);
  const peak = statusKb('VmHWM');
  // At least 0: resetting sets the peak to the resident memory of that moment, which can be below `before`.
  return { ms, cpuMs: (user + system) / 1000, ...(reset && before !== undefined && peak !== undefined ? { peakMb: Math.max(0, peak - before) / 1024 } : {}), ids: Int32Array.from(ids) };
}

function statusKb(field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
