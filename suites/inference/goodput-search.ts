/**
 * The highest load (request rate or concurrency) at which at least `attainment` of requests meet the SLO:
 * double from `start` until a step misses it, then bisect between the last load that met it and the first
 * that missed, until (high − low) / low ≤ `precision`. Every step is one measurement.
 * A step where the client was saturated is no server result: the search stops there, the load that met the
 * SLO last is the answer, and the bracket's upper end is marked client-bound — the server may sustain more
 * than this load generator could drive. Pure: the measuring is the caller's.
 */

export interface GoodputMeasurement {
  /** Share of requests meeting every SLO, 0–1. */
  attainment: number;
  /** The load generator could not keep up (saturationVerdict). */
  saturated: boolean;
}

export interface GoodputStep extends GoodputMeasurement {
  load: number;
  /** Not saturated and attainment ≥ the target. */
  meets: boolean;
}

export interface GoodputSearchOptions {
  measure(load: number): Promise<GoodputMeasurement>;
  /** First load measured, > 0. */
  start: number;
  /** Relative width of the final bracket, (high − low) / low. */
  precision?: number;
  /** Target share of requests meeting the SLO, 0–1. */
  attainment?: number;
  /** Most measurements made. */
  maxSteps?: number;
  /** Loads are whole numbers (concurrency): midpoints round down, and a bracket of width 1 is final. */
  integer?: boolean;
}

export interface GoodputResult {
  /** The highest load that met the SLO (= low); undefined when none did. */
  value?: number;
  low?: number;
  /** The lowest load that missed the SLO or saturated the client; undefined when none was reached. */
  high?: number;
  steps: GoodputStep[];
  /** `high` is where the client saturated, not where the server missed the SLO. */
  clientBound: boolean;
  /** Why the search ended short of a bracket within the precision. */
  reason?: string;
}

export const GOODPUT_DEFAULTS = { precision: 0.1, attainment: 0.9, maxSteps: 12 } as const;

export function validateGoodputSearch(o: Omit<GoodputSearchOptions, 'measure'>): void {
  if (!(o.start > 0)) throw new Error(`goodput search: start load must be > 0, got ${o.start}`);
  if (o.precision !== undefined && !(o.precision > 0)) throw new Error(`goodput search: precision must be > 0, got ${o.precision}`);
  if (o.attainment !== undefined && !(o.attainment > 0 && o.attainment <= 1)) throw new Error(`goodput search: attainment must be in (0, 1], got ${o.attainment}`);
  if (o.maxSteps !== undefined && !(Number.isInteger(o.maxSteps) && o.maxSteps >= 1)) throw new Error(`goodput search: max steps must be an integer ≥ 1, got ${o.maxSteps}`);
  if (o.integer && !Number.isInteger(o.start)) throw new Error(`goodput search: a whole-number load needs a whole start, got ${o.start}`);
}

export async function searchMaxGoodput(options: GoodputSearchOptions): Promise<GoodputResult> {
  validateGoodputSearch(options);
  const { measure, start, integer = false } = options;
  const precision = options.precision ?? GOODPUT_DEFAULTS.precision;
  const target = options.attainment ?? GOODPUT_DEFAULTS.attainment;
  const maxSteps = options.maxSteps ?? GOODPUT_DEFAULTS.maxSteps;
  const steps: GoodputStep[] = [];
  const step = async (load: number): Promise<GoodputStep> => {
    const m = await measure(load);
    const s = { load, attainment: m.attainment, saturated: m.saturated, meets: !m.saturated && m.attainment >= target };
    steps.push(s);
    return s;
  };
  const result = (low: number | undefined, high: number | undefined, clientBound: boolean, reason?: string): GoodputResult => ({ value: low, low, high, steps, clientBound, reason });
  const saturatedAt = (low: number | undefined, s: GoodputStep) =>
    result(low, s.load, true, `the client saturated at ${s.load}, so that step says nothing about the server: ${low === undefined ? 'no load was measured cleanly' : `the SLO held up to ${low}; whether the server meets it at ${s.load} is unknown`}; spread the load generator over more threads (--load-workers)`);

  const first = await step(start);
  if (first.saturated) return saturatedAt(undefined, first);
  if (!first.meets) return result(undefined, start, false, `even the start load ${start} misses the SLO (attainment ${first.attainment} < ${target}): start lower`);

  let low = start;
  let high: number;
  for (;;) {
    if (steps.length >= maxSteps) return result(low, undefined, false, `the SLO still held at ${low} after ${maxSteps} steps: the limit is higher (raise the start or the step limit)`);
    const s = await step(low * 2);
    if (s.saturated) return saturatedAt(low, s);
    if (!s.meets) {
      high = s.load;
      break;
    }
    low = s.load;
  }
  const done = (lo: number, hi: number) => (hi - lo) / lo <= precision || (integer && hi - lo <= 1);
  while (!done(low, high)) {
    if (steps.length >= maxSteps) return result(low, high, false, `stopped after ${maxSteps} steps with the bracket [${low}, ${high}] wider than ${precision * 100}%`);
    const mid = integer ? Math.floor((low + high) / 2) : (low + high) / 2;
    const s = await step(mid);
    if (s.saturated) return saturatedAt(low, s);
    if (s.meets) low = mid;
    else high = mid;
  }
  return result(low, high, false);
}
