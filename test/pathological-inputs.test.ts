/**
 * Experiment 10's pathological inputs: each encode runs in a child process bounded in time and memory, so
 * an input over budget or a crash is a row and the run goes on; where an encode finishes, its ids are
 * checked against the reference's; a family whose time per character grows more than 4× is super-linear.
 */
import { describe, expect, it } from 'vitest';
import type { EncodeBudget } from '../common/measure/bounded-encode.ts';
import { pathologicalInputs, type PathologicalInput } from '../common/assets/tokenizer-parity.ts';
import { encodeBounded, notRun, pathologicalRows, type Encoded } from '../suites/preprocessing/pathological.ts';

const quiet = { signal: new AbortController().signal, progress: () => {} };
const input = (kind: string, chars: number, text = 'x'.repeat(chars)): PathologicalInput => ({ kind, chars, name: `${kind} ${chars}`, text });

describe('the bounded runner', () => {
  it('an input over the time budget is an "over budget" row; the runner goes on in a fresh child', async () => {
    // A 1M-letter run takes @huggingface/tokenizers about 20 s; the words around it, microseconds.
    const letters = pathologicalInputs(true).find((i) => i.name === 'letters 1M')!;
    const inputs = [input('before', 11, 'hello world'), letters, input('after', 7, 'goodbye')];
    const budget: EncodeBudget = { ms: 1_000, memoryMb: 4_096 };
    const encoded = await encodeBounded('hf', 'llama3.1', inputs, budget, quiet);
    expect(encoded.map((e) => [e.input.name, e.outcome.status])).toEqual([
      ['before 11', 'done'],
      ['letters 1M', 'over-time'],
      ['after 7', 'done'],
    ]);
    const rows = pathologicalRows('hf', encoded, undefined, budget);
    expect(rows.filter((r) => r.params?.text === 'letters 1M')).toEqual([
      { params: { library: 'hf', text: 'letters 1M', chars: 1_000_000 }, metric: 'pathological_encode', unit: 'ms', status: 'unsupported', error: expect.stringMatching(/^over budget \(> 1 s; \d+\.\d s of CPU, \d+ MB resident at the kill\)$/) },
    ]);
  }, 120_000);

  it('a child that dies is a "crashed" row naming its signal or exit code and its error line', async () => {
    // A V8 heap of 16 MB cannot hold the parsed tokenizer.json: the child runs out of heap while loading.
    const encoded = await encodeBounded('hf', 'llama3.1', [input('letters', 10)], { ms: 60_000, memoryMb: 16 }, quiet);
    expect(encoded).toHaveLength(1);
    expect(encoded[0].outcome).toMatchObject({ status: 'crashed', reason: expect.stringMatching(/^crashed \((signal SIGABRT|exit code \d+): .*heap out of memory/) });
  }, 120_000);

  it('a library that cannot load the model is one unsupported row', async () => {
    const budget: EncodeBudget = { ms: 60_000, memoryMb: 4_096 };
    const encoded = await encodeBounded('llama3-tokenizer-js', 'qwen3', pathologicalInputs(true), budget, quiet);
    expect(pathologicalRows('llama3-tokenizer-js', encoded, undefined, budget)).toEqual([
      { params: { library: 'llama3-tokenizer-js' }, metric: 'pathological_encode', unit: 'ms', status: 'unsupported', error: 'Llama 3 vocabulary only: the library ships its own and cannot load another' },
    ]);
  }, 60_000);
});

it('ids on the pathological inputs equal the reference for a library known to be identical (@huggingface/tokenizers, up to 100k characters)', async () => {
  const inputs = pathologicalInputs(true).filter((i) => i.chars <= 100_000);
  const budget: EncodeBudget = { ms: 120_000, memoryMb: 4_096 };
  const [reference, hf] = [await encodeBounded('native', 'llama3.1', inputs, budget, quiet), await encodeBounded('hf', 'llama3.1', inputs, budget, quiet)];
  const ids = pathologicalRows('hf', hf, reference, budget).filter((r) => r.metric === 'ids');
  expect(ids.map((r) => [r.params?.text, r.status])).toEqual(inputs.map((i) => [i.name, 'ok']));
}, 300_000);

describe('growth of the CPU time per character', () => {
  const budget: EncodeBudget = { ms: 2_000, memoryMb: 4_096 };
  // Wall and CPU time alike here: the rule reads the CPU time, the prediction of notRun the wall time.
  const done = (i: PathologicalInput, ms: number): Encoded => ({ input: i, outcome: { status: 'done', ms, cpuMs: ms, ids: new Int32Array() } });
  const growth = (encoded: Encoded[]) => pathologicalRows('lib', encoded, undefined, budget).filter((r) => r.metric === 'per_char_growth');
  const [small, large] = [input('letters', 1_000), input('letters', 100_000)];

  it('more than 4× from the smallest to the largest finished size is super-linear; up to 4× is not flagged', () => {
    expect(growth([done(small, 1), done(large, 500)])).toEqual([{ params: { library: 'lib', text: 'letters' }, metric: 'per_char_growth', unit: 'x', value: 5, note: 'super-linear (> 4×): CPU time per character at letters 100000 ÷ at letters 1000' }]);
    expect(growth([done(small, 1), done(large, 400)])[0]).toMatchObject({ value: 4, note: 'not flagged (≤ 4×): CPU time per character at letters 100000 ÷ at letters 1000' });
  });

  it('a larger size over the time budget bounds the growth from below by the CPU time it used until the kill', () => {
    const over = (cpuMs?: number): Encoded => ({ input: large, outcome: { status: 'over-time', reason: 'over budget (> 2 s)', ...(cpuMs === undefined ? {} : { cpuMs }) } });
    expect(growth([done(small, 1), over(2_000)])[0]).toMatchObject({ value: 20, note: 'super-linear (> 4×): at least: letters 100000 ran over the time budget after 20 µs of CPU per character, against 1 µs at letters 1000' });
    expect(growth([done(small, 10), over(2_000)])[0]).toMatchObject({ value: 2, note: expect.stringMatching(/^undecided \(a lower bound ≤ 4×\)/) });
    expect(growth([done(small, 1), over()])).toEqual([]);
  });

  it('an input is not run after a smaller one of its family did not finish, nor when its growth so far predicts it over the budget', () => {
    const huge = input('letters', 1_000_000);
    const over: Encoded = { input: large, outcome: { status: 'over-time', reason: 'over budget (> 2 s)' } };
    expect(notRun(huge, [done(small, 1), over], budget)).toEqual({ status: 'not-run', reason: 'not run: letters 100000 did not finish' });
    // 1 ms → 300 ms for 100× the size: time ∝ size^1.24, so 1M would take 300 ms × 10^1.24 ≈ 5.2 s.
    expect(notRun(huge, [done(small, 1), done(large, 300)], budget)).toEqual({ status: 'not-run', reason: 'not run: the growth from letters 1000 to letters 100000 (time ∝ size^1.24) predicts 5.2 s, over the 2 s budget' });
    expect(notRun(huge, [done(large, 300)], budget)).toEqual({ status: 'not-run', reason: 'not run: linear growth from letters 100000 (300 ms) predicts 3 s, over the 2 s budget' });
    // Growth below linear counts as linear: 150 ms → 1.5 s, within the budget.
    expect(notRun(huge, [done(small, 10), done(large, 150)], budget)).toBeUndefined();
    expect(notRun(huge, [done(input('spaces', 100_000), 1_000)], budget)).toBeUndefined();
    // The growth is the CPU time's: a wall time stretched by a busy machine (190 ms for 100 ms of CPU) predicts 1.9 s, not 2.6 s.
    const stretched: Encoded = { input: large, outcome: { status: 'done', ms: 190, cpuMs: 100, ids: new Int32Array() } };
    expect(notRun(huge, [done(small, 1), stretched], budget)).toBeUndefined();
  });
});
