/**
 * Bounds on what one render of an untrusted chat template may consume, applied by both engines (the
 * nunjucks layer in its generated code and runtime, @huggingface/jinja through bounded-jinja.ts). A
 * template that exceeds one fails with a RenderLimitError — a catchable error, so a gateway (or this
 * suite) records it and goes on, instead of V8 aborting the process ("invalid size error" on a huge
 * array, or heap exhaustion on a huge string), which no try/catch can stop.
 *
 * `maxRange` is Python Jinja2's sandbox cap (`MAX_RANGE`), which transformers' ImmutableSandboxedEnvironment
 * applies. The other two have no Jinja2 counterpart: its sandbox does not stop a loop that runs for hours.
 */
export interface RenderLimits {
  /** Items one `range()` may produce. */
  maxRange: number;
  /** Characters one string may hold, or items one list (repetition, padding, concatenation, output). */
  maxChars: number;
  /** Wall-clock time one render may take, ms (checked every few hundred loop iterations). */
  maxMs: number;
}

/**
 * 8 M characters is about 2 M tokens of English: beyond any context window, yet small enough that a template
 * appending one character at a time (a rope of 8 M pieces, ≈ 0.3 GB) cannot exhaust a 1 GB heap first.
 */
export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxRange: 100_000, maxChars: 8_000_000, maxMs: 5_000 };

export class RenderLimitError extends Error {
  override name = 'RenderLimitError';
}

/** Limits of the render in progress; rendering is synchronous, so one render runs at a time per thread. */
let active: RenderLimits = DEFAULT_RENDER_LIMITS;
let deadline = Number.POSITIVE_INFINITY;
let ticks = 0;

/** Runs one render under `limits`: its clock starts now. */
export function withinLimits<T>(limits: RenderLimits, render: () => T): T {
  const outer = [active, deadline, ticks] as const;
  active = limits;
  deadline = performance.now() + limits.maxMs;
  ticks = 0;
  try {
    return render();
  } finally {
    [active, deadline, ticks] = outer;
  }
}

/**
 * Called once per loop iteration, call or block evaluated, with the length of the output so far; reads
 * the clock every 256 calls to stay cheap.
 */
export function tick(outputLength = 0): void {
  if (outputLength > active.maxChars) checkLength(outputLength, 'the rendered output');
  if ((++ticks & 255) === 0 && performance.now() > deadline) {
    throw new RenderLimitError(`render took longer than ${active.maxMs} ms (the render time limit)`);
  }
}

/** A string (or list) about to be built with `length` items must fit the character limit. */
export function checkLength(length: number, what: string): void {
  if (length > active.maxChars) {
    throw new RenderLimitError(`${what} would hold ${length} characters; the limit is ${active.maxChars}`);
  }
}

/** Python's range(), refusing more than `maxRange` items before allocating any. */
export function boundedRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  for (const [name, v] of [['start', start], ['stop', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`range() ${name} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new Error('range() step must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > active.maxRange) {
    throw new RenderLimitError(`range too big: ${count} items; the sandbox allows ${active.maxRange} (as Jinja2's MAX_RANGE)`);
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}
