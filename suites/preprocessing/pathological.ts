/**
 * Experiment 10's pathological inputs (common/assets/tokenizer-parity.ts): each library encodes each input
 * once, in a child process bounded in time and memory (common/measure/bounded-encode.ts), so a library that
 * needs minutes or gigabytes, or crashes, gives a row instead of a stalled or lost run. Rows: the encode's
 * time and peak memory where it finished, its ids against the reference's, what ended it where it did
 * not, and per family how the CPU time per character grows with the size.
 */
import { BoundedEncoder, type BoundedOutcome, type EncodeBudget } from '../../common/measure/bounded-encode.ts';
import { fmt, type Finding } from '../../common/results/findings.ts';
import type { ResultRow, RowInput } from '../../common/results/results.ts';
import { firstDifference, idsDifferenceText, type PathologicalInput } from '../../common/assets/tokenizer-parity.ts';

/** Per input: a few seconds in quick mode (the whole part stays well under a minute), more in full to see further. */
export const BUDGETS: Record<'quick' | 'full', EncodeBudget> = { quick: { ms: 2_000, memoryMb: 4_096 }, full: { ms: 10_000, memoryMb: 4_096 } };

/** A family whose CPU time per character at its largest size is more than this many times that at its smallest is super-linear. */
export const SUPER_LINEAR = 4;

export type Outcome = BoundedOutcome | { status: 'not-run'; reason: string };

export interface Encoded {
  input: PathologicalInput;
  outcome: Outcome;
}

/**
 * `inputs` in order with one library. An input is not run when a smaller one of its family did not
 * finish, or when the growth of its family so far predicts it would exceed the budget: either would
 * spend the budget to learn what is known. A library that cannot load the model gives one outcome, unsupported.
 */
export async function encodeBounded(library: string, model: string, inputs: readonly PathologicalInput[], budget: EncodeBudget, options: { signal: AbortSignal; progress(detail: string): void }): Promise<Encoded[]> {
  const encoder = new BoundedEncoder(library, model, budget);
  const out: Encoded[] = [];
  try {
    for (const input of inputs) {
      if (options.signal.aborted) break;
      const outcome = notRun(input, out, budget) ?? (await encoder.encode(input.text));
      out.push({ input, outcome });
      if (outcome.status === 'unsupported') break;
      options.progress(`${model} ${library}: ${input.name} ${outcome.status === 'done' ? `${fmt(outcome.ms)} ms` : outcome.reason}`);
    }
  } finally {
    await encoder.close();
  }
  return out;
}

/**
 * Why `input` is not run after `earlier` (encodeBounded's rule), or undefined to run it. The prediction
 * extends the family's last finished wall time by its growth between its last two finished sizes (CPU
 * time ∝ size^k: other processes do not bend it), never by less than linear growth (k ≥ 1): small sizes
 * carry fixed costs that understate k, so a prediction errs towards running an input, which the budget then bounds.
 */
export function notRun(input: PathologicalInput, earlier: readonly Encoded[], budget: EncodeBudget): Outcome | undefined {
  const family = earlier.filter((e) => e.input.kind === input.kind);
  const stopped = family.find((e) => e.outcome.status !== 'done');
  if (stopped) return { status: 'not-run', reason: `not run: ${stopped.input.name} did not finish` };
  const finished = family.flatMap((e) => (e.outcome.status === 'done' ? [{ name: e.input.name, chars: e.input.chars, ms: e.outcome.ms, cpuMs: e.outcome.cpuMs }] : []));
  const [prev, last] = [finished.at(-2), finished.at(-1)];
  if (!last) return undefined;
  const k = prev && prev.cpuMs > 0 ? Math.max(1, Math.log(last.cpuMs / prev.cpuMs) / Math.log(last.chars / prev.chars)) : 1;
  const predicted = last.ms * (input.chars / last.chars) ** k;
  if (predicted <= budget.ms) return undefined;
  const from = k > 1 ? `the growth from ${prev!.name} to ${last.name} (time ∝ size^${fmt(k)})` : `linear growth from ${last.name} (${fmt(last.ms)} ms)`;
  return { status: 'not-run', reason: `not run: ${from} predicts ${fmt(predicted / 1000)} s, over the ${budget.ms / 1000} s budget` };
}

/** The rows of one library's outcomes; ids are checked against `reference`'s where both finished (none for the reference itself). */
export function pathologicalRows(library: string, encoded: readonly Encoded[], reference: readonly Encoded[] | undefined, budget: EncodeBudget): RowInput[] {
  const first = encoded[0]?.outcome;
  if (first?.status === 'unsupported') return [{ params: { library }, metric: 'pathological_encode', unit: 'ms', status: 'unsupported', error: first.reason }];
  const rows: RowInput[] = [];
  const note = `one encode in a child process that loaded only this library, after a warm-up on ordinary text; budget ${budget.ms / 1000} s and ${budget.memoryMb} MB resident`;
  for (const { input, outcome } of encoded) {
    const params = { library, text: input.name, chars: input.chars };
    if (outcome.status !== 'done') {
      rows.push({ params, metric: 'pathological_encode', unit: 'ms', status: 'unsupported', error: outcome.reason });
      continue;
    }
    rows.push(
      { params, metric: 'pathological_encode', unit: 'ms', value: outcome.ms, note },
      { params, metric: 'pathological_cpu', unit: 'ms', value: outcome.cpuMs, note: "the child's CPU time during the encode (every thread): what the growth per character is judged on, as other processes do not inflate it" },
    );
    if (outcome.peakMb !== undefined) rows.push({ params, metric: 'pathological_peak_rss', unit: 'MB', value: outcome.peakMb, note: "the child's peak resident memory during the encode above its resident memory before it (Linux VmHWM, reset just before; library loaded, garbage collected)" });
    const expected = reference?.find((r) => r.input.name === input.name)?.outcome;
    if (expected?.status !== 'done') continue;
    const v = firstDifference(expected.ids, outcome.ids);
    rows.push(v.identical ? { params, metric: 'ids', unit: 'status', status: 'ok', note: 'identical to tokenizers (Rust)' } : { params, metric: 'ids', unit: 'status', status: 'unsupported', error: idsDifferenceText(v) });
  }
  return [...rows, ...growthRows(library, encoded)];
}

/**
 * Per family, CPU time per character at its largest finished size ÷ at its smallest; when a larger size
 * ran over the time budget, the CPU time it had used by the kill, per character, bounds the growth from below.
 */
function growthRows(library: string, encoded: readonly Encoded[]): RowInput[] {
  return [...new Set(encoded.map((e) => e.input.kind))].flatMap((kind) => {
    const family = encoded.filter((e) => e.input.kind === kind);
    const cpu = family.map((e) => (e.outcome.status === 'done' || e.outcome.status === 'over-time' ? e.outcome.cpuMs : undefined));
    if (family[0].outcome.status !== 'done') return [];
    const perChar = (i: number) => cpu[i]! / family[i].input.chars;
    const largest = family.reduce((last, e, i) => (e.outcome.status === 'done' ? i : last), 0);
    const over = family.findIndex((e, i) => e.outcome.status === 'over-time' && cpu[i] !== undefined);
    const measured = largest > 0 ? perChar(largest) / perChar(0) : undefined;
    const bound = over >= 0 ? perChar(over) / perChar(0) : undefined;
    if (measured === undefined && bound === undefined) return [];
    const atLeast = bound !== undefined && (measured === undefined || bound > measured);
    const value = atLeast ? bound : measured!;
    const how = atLeast
      ? `at least: ${family[over].input.name} ran over the time budget after ${fmt(perChar(over) * 1000)} µs of CPU per character, against ${fmt(perChar(0) * 1000)} µs at ${family[0].input.name}`
      : `CPU time per character at ${family[largest].input.name} ÷ at ${family[0].input.name}`;
    const verdict = value > SUPER_LINEAR ? `super-linear (> ${SUPER_LINEAR}×)` : atLeast ? `undecided (a lower bound ≤ ${SUPER_LINEAR}×)` : `not flagged (≤ ${SUPER_LINEAR}×)`;
    return [{ params: { library, text: kind }, metric: 'per_char_growth', unit: 'x', value, note: `${verdict}: ${how}` }];
  });
}

/** One finding per model: the libraries super-linear on a family, the inputs a library did not finish, and the largest peak memory. */
export function pathologicalFinding(rows: readonly ResultRow[], model: string): Finding | undefined {
  const mine = rows.filter((r) => r.model === model);
  const encodes = mine.filter((r) => r.metric === 'pathological_encode');
  if (encodes.length === 0) return undefined;
  const superRows = mine.filter((r) => r.metric === 'per_char_growth' && r.note.startsWith('super-linear'));
  const superLinear = superRows.map((r) => `${r.library} on ${r.text} (${r.note.includes('at least') ? '≥ ' : ''}${fmt(Number(r.median))}×)`);
  const unfinished = encodes.filter((r) => r.text !== '' && r.status !== 'ok' && !r.error.startsWith('not run')).map((r) => `${r.library} ${r.text}: ${r.error.replace(/; .*\)$/, ')')}`); // without the figures at the kill
  const flagged = new Set([...superRows, ...encodes.filter((r) => r.status !== 'ok' && r.text !== '')].map((r) => r.library));
  const clean = [...new Set(encodes.filter((r) => r.text !== '').map((r) => r.library))].filter((l) => !flagged.has(l));
  const peak = mine.filter((r) => r.metric === 'pathological_peak_rss' && r.median !== '').reduce<ResultRow | undefined>((m, r) => (!m || Number(r.median) > Number(m.median) ? r : m), undefined);
  const parts = [
    `super-linear (CPU time per character at the largest size > ${SUPER_LINEAR}× that at the smallest): ${superLinear.length > 0 ? superLinear.join(', ') : 'none'}`,
    ...(unfinished.length > 0 ? [`did not finish: ${unfinished.join('; ')}`] : []),
    ...(clean.length > 0 ? [`finished every input it ran, none super-linear: ${clean.join(', ')}`] : []),
    ...(peak ? [`largest peak memory ${fmt(Number(peak.median))} MB (${peak.library}, ${peak.text})`] : []),
  ];
  return { id: `pathological-${model}`, caveats: [], text: `${model}, pathological inputs (one bounded encode each, in a child process): ${parts.join('; ')}.` };
}
