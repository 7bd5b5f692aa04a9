/**
 * Findings of experiments 5–9 (answers): exact sentences from hand-made rows — intervals crossing the
 * line change the wording, unstable rows become caveats, missing or failed rows give fewer findings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { latency } from '../experiments/inference/05-latency.ts';
import { gateway } from '../experiments/inference/06-gateway.ts';
import { prefix } from '../experiments/inference/07-prefix.ts';
import { goodput } from '../experiments/inference/09-goodput.ts';
import { corpus } from '../experiments/preprocessing/08-corpus.ts';
import type { Finding } from '../common/results/findings.ts';
import { recordOf, toRow, type ResultRow, type RowInput } from '../common/results/results.ts';
import { parseResultsCsv } from '../common/results/run-folder.ts';
import { summarize } from '../common/stats/stats.ts';
import type { RunOptions } from '../suites/types.ts';

const ctx = { cores: 2 };
const EXPERIMENTS = { 5: latency, 6: gateway, 7: prefix, 8: corpus, 9: goodput };
/** A row as results.csv holds it: the experiment's declared parameters ('' where unset), then the row's. */
const row = (experiment: keyof typeof EXPERIMENTS, input: RowInput): ResultRow => {
  const declared = EXPERIMENTS[experiment].params;
  return { ...Object.fromEntries(declared.map((p) => [p, ''])), ...toRow(input, { run_id: 'r', suite: experiment === 8 ? 'preprocessing' : 'inference', experiment }, declared) };
};
const texts = (fs: Finding[]) => fs.map((f) => [f.id, f.text]);

describe('experiment 5 (latency wall)', () => {
  const at = (concurrency: number, metric: string, unit: string, value: number, low?: number, high?: number, extra: Partial<RowInput> = {}) =>
    row(5, { params: { target: 'embedded', dataset: 'synth', concurrency }, metric, unit, value, low, high, replication: { runs: 3, betweenSd: NaN, withinHalfPct: NaN }, ...extra });
  const rows = [
    at(1, 'ttft', 'ms', 10, 9, 11),
    at(2, 'ttft', 'ms', 15, 14, 16),
    at(4, 'ttft', 'ms', 40, 36, 44),
    at(1, 'tpot', 'ms', 2, 1.8, 2.2),
    at(4, 'tpot', 'ms', 2.1, 1.9, 2.3),
    at(1, 'output_throughput', 'tok/s', 100),
    at(2, 'output_throughput', 'tok/s', 180),
    at(4, 'output_throughput', 'tok/s', 150),
    // Shares of processes on the front: concurrency 2 in 2 of 3.
    at(1, 'pareto_front_p50', '%', 100),
    at(2, 'pareto_front_p50', '%', 66.6667),
    at(4, 'pareto_front_p50', '%', 0),
    ...[100, 100, 40].map((v, i) => at(2 ** i, 'goodput_share', '%', v, undefined, undefined, { note: 'share of all requests meeting ttft ≤ 30 ms' })),
  ];

  // The growth intervals: Welch on the log scale from each row's interval over 3 processes; references
  // computed with SciPy 1.17 (t.ppf for the rows' t(0.975, 2) and for the Welch–Satterthwaite df).
  it('TTFT growth, TPOT without a measurable difference (the unpaired ratio includes 1), throughput peak and Pareto front, SLO share', () => {
    const found = latency.answers!(rows, ctx);
    expect(texts(found)).toEqual([
      ['ttft-growth', 'Median TTFT grows from 10 ms (95% CI 9–11) at concurrency 1 to 40 ms (95% CI 36–44) at concurrency 4: 4× (95% CI 3.65–4.38).'],
      ['tpot-growth', 'No measurable difference in median TPOT between concurrency 1 (2 ms (95% CI 1.8–2.2)) and concurrency 4 (2.1 ms (95% CI 1.9–2.3)): 1.05× (95% CI 0.96–1.15).'],
      ['throughput-peak', 'Output throughput rises from 100 tok/s at concurrency 1 to a peak of 180 tok/s at concurrency 2; Pareto-optimal (throughput vs median TTFT): concurrency 1, concurrency 2 (in 66.7% of processes).'],
      ['slo', 'Requests meeting ttft ≤ 30 ms: 100% at concurrency 1, 100% at concurrency 2, 40% at concurrency 4; every request meets it up to concurrency 2.'],
    ]);
    expect(found.every((f) => f.chart === 'throughput-ttft' && f.caveats.length === 0)).toBe(true);
  });

  it('an unstable row becomes a short caveat (metric and mark, no point key); a peak at the heaviest load says it may rise further', () => {
    const unstable = rows.map((r) => (r.metric === 'ttft' && r.concurrency === 4 ? { ...r, status: 'unstable' as const, error: 'wide' } : r));
    const noMid = unstable.filter((r) => !(r.metric === 'output_throughput' && r.concurrency === 2));
    const found = latency.answers!(noMid, ctx);
    expect(found.find((f) => f.id === 'ttft-growth')!.caveats).toEqual(['ttft ±10%, wide']);
    expect(found.find((f) => f.id === 'throughput-peak')!.text).toBe(
      'Output throughput rises from 100 tok/s at concurrency 1 to a peak of 150 tok/s at concurrency 4, the heaviest load measured (it may rise further); Pareto-optimal (throughput vs median TTFT): concurrency 1, concurrency 2 (in 66.7% of processes).',
    );
  });

  it("derive: a process's Pareto flags are 100 or 0 (%), so their mean over processes is the share on the front", () => {
    const level = (concurrency: number, throughput: number, ttft: number): RowInput[] => [
      { params: { target: 'embedded', dataset: 'synth', concurrency }, metric: 'output_throughput', unit: 'tok/s', value: throughput },
      { params: { target: 'embedded', dataset: 'synth', concurrency }, metric: 'ttft', unit: 'ms', summary: summarize([ttft]) },
    ];
    const measured = [...level(1, 100, 10), ...level(2, 90, 20)].map((r) => recordOf(r, { run_id: 'r', suite: 'inference', experiment: 5 }, latency.params));
    const derived = latency.derive!(measured, {} as RunOptions).filter((r) => r.metric === 'pareto_front_p50');
    expect(derived.map((r) => [r.params?.concurrency, r.unit, r.value, r.low])).toEqual([[1, '%', 100, undefined], [2, '%', 0, undefined]]);
  });

  it('missing or failed rows give fewer findings, never a throw', () => {
    const failed = row(5, { params: { target: 'embedded', concurrency: 1 }, metric: 'point', unit: '', status: 'error', error: 'unreachable' });
    expect(latency.answers!([failed], ctx)).toEqual([]);
    expect(latency.answers!([], ctx)).toEqual([]);
    const one = latency.answers!([at(1, 'ttft', 'ms', 10, 9, 11), at(1, 'output_throughput', 'tok/s', 100), failed], ctx);
    expect(texts(one)).toEqual([['throughput-peak', 'Output throughput peaks at 100 tok/s at concurrency 1.']]);
  });
});

describe('experiment 6 (gateway contention)', () => {
  // `how`: the baseline mode (no strategy), or the strategy a row of mode preprocess ran.
  const at = (concurrency: number, how: string, metric: string, unit: string, value: number, low?: number, high?: number, workers?: number) =>
    row(6, { params: { target: 'embedded', ...(how === 'baseline' ? { mode: how } : { mode: 'preprocess', strategy: how }), workers, concurrency }, metric, unit, value, low, high });
  const rows = [
    at(1, 'main', 'ttft_inflation', 'x', 1.5, 1.2, 1.8, 1),
    at(4, 'main', 'ttft_inflation', 'x', 3, 2, 4, 1),
    at(4, 'main', 'ttft_added', 'ms', 50, 30, 70, 1),
    at(4, 'pool', 'ttft_inflation', 'x', 1.05, 0.9, 1.2, 4),
    at(4, 'pool', 'ttft_added', 'ms', 2, -5, 9, 4),
    at(4, 'baseline', 'loop_delay_p99', 'ms', 5),
    at(4, 'main', 'loop_delay_p99', 'ms', 50, undefined, undefined, 1),
    at(4, 'pool', 'loop_delay_p99', 'ms', 10, undefined, undefined, 4),
    at(1, 'main', 'loop_delay_p99', 'ms', 20, undefined, undefined, 1),
  ];

  it('derive: each preprocess row\'s TTFT against the baseline\'s (mode baseline, no strategy) at the same target and concurrency', () => {
    const ttft = (concurrency: number, how: string, values: number[]): RowInput => ({
      params: { target: 'embedded', ...(how === 'baseline' ? { mode: how } : { mode: 'preprocess', strategy: how, workers: 1 }), concurrency },
      metric: 'ttft',
      unit: 'ms',
      summary: summarize(values),
    });
    const measured = [ttft(1, 'baseline', [5, 5, 5]), ttft(4, 'baseline', [10, 10, 10]), ttft(1, 'main', [20, 20, 20]), ttft(4, 'main', [20, 20, 20]), ttft(4, 'pool', [15, 15, 15])];
    const derived = gateway.derive!(measured.map((r) => recordOf(r, { run_id: 'r', suite: 'inference', experiment: 6 }, gateway.params)), {} as RunOptions);
    expect(derived.map((r) => [r.metric, r.params, r.value])).toEqual([
      ['ttft_inflation', { target: 'embedded', mode: 'preprocess', strategy: 'main', workers: 1, concurrency: 1 }, 4],
      ['ttft_added', { target: 'embedded', mode: 'preprocess', strategy: 'main', workers: 1, concurrency: 1 }, 15],
      ['ttft_inflation', { target: 'embedded', mode: 'preprocess', strategy: 'main', workers: 1, concurrency: 4 }, 2],
      ['ttft_added', { target: 'embedded', mode: 'preprocess', strategy: 'main', workers: 1, concurrency: 4 }, 10],
      ['ttft_inflation', { target: 'embedded', mode: 'preprocess', strategy: 'pool', workers: 1, concurrency: 4 }, 1.5],
      ['ttft_added', { target: 'embedded', mode: 'preprocess', strategy: 'pool', workers: 1, concurrency: 4 }, 5],
    ]);
    expect(derived[0].note).toMatch(/^median TTFT with main preprocessing \/ median TTFT of the baseline \(pre-computed ids\) at concurrency 1; /);
  });

  it('inflation per mode at the highest concurrency; an interval crossing 1 reads "no measurable inflation"; workers above the cores are a caveat', () => {
    const found = gateway.answers!(rows, ctx);
    expect(texts(found)).toEqual([
      ['ttft-inflation-main', "With preprocessing on the gateway's event loop, median TTFT at concurrency 4 is 3× (95% CI 2–4) the baseline's, 50 ms (95% CI 30–70) later."],
      ['ttft-inflation-pool', "No measurable TTFT inflation with preprocessing in a 4-thread worker pool at concurrency 4: median TTFT 1.05× (95% CI 0.9–1.2) the baseline's."],
      ['loop-delay', "Event-loop delay p99 of the gateway at concurrency 4: 5 ms without preprocessing (baseline), 50 ms with preprocessing on the gateway's event loop, 10 ms with preprocessing in a 4-thread worker pool."],
    ]);
    expect(found.map((f) => f.chart)).toEqual(['ttft-inflation', 'ttft-inflation', 'loop-delay']);
    expect(found[0].caveats).toEqual([]);
    expect(found[1].caveats).toEqual(['4 workers on 2 logical CPUs: they time-share the cores']);
  });

  it('an unstable inflation row becomes a caveat', () => {
    const unstable = rows.map((r) => (r.metric === 'ttft_inflation' && r.strategy === 'main' && r.concurrency === 4 ? { ...r, status: 'unstable' as const, error: 'wide' } : r));
    expect(gateway.answers!(unstable, ctx)[0].caveats).toEqual(['ttft_inflation ±34%, wide']);
  });

  it('missing or failed rows give fewer findings, never a throw', () => {
    const failed = at(4, 'main', 'ttft_inflation', 'x', 3, 2, 4, 1);
    expect(gateway.answers!([{ ...failed, status: 'error', error: 'boom' }], ctx)).toEqual([]);
    expect(gateway.answers!([], ctx)).toEqual([]);
    expect(gateway.answers!(rows.filter((r) => r.metric === 'loop_delay_p99'), ctx).map((f) => f.id)).toEqual(['loop-delay']);
    // Inflation without its ttft_added row: the sentence goes without the added milliseconds.
    expect(gateway.answers!([rows[1]], ctx)[0].text).toBe("With preprocessing on the gateway's event loop, median TTFT at concurrency 4 is 3× (95% CI 2–4) the baseline's.");
  });
});

describe('experiment 7 (prefix sharing)', () => {
  const at = (dataset: string, metric: string, unit: string, value: number, low?: number, high?: number) =>
    row(7, { params: { target: 'embedded', dataset, tokens: 481, concurrency: 1 }, metric, unit, value, low, high });
  const rows = [
    at('shared-prefix', 'ttft', 'ms', 13, 11, 15),
    at('unique', 'ttft', 'ms', 29, 25, 33),
    at('', 'ttft_unique_vs_shared', 'x', 2.2, 1.5, 3),
    at('shared-prefix', 'prompt_tokens_evaluated', 'tokens', 32, 32, 32),
    at('unique', 'prompt_tokens_evaluated', 'tokens', 480, 480, 480),
  ];

  it('a benefit when the ratio interval is above 1, and the prompt tokens the server evaluated', () => {
    const found = prefix.answers!(rows, ctx);
    expect(texts(found)).toEqual([
      ['prefix-benefit', 'Prompts sharing a prefix get their first token sooner: median TTFT 13 ms (95% CI 11–15) with the shared prefix vs 29 ms (95% CI 25–33) for unique prompts of the same length (481 tokens); unique/shared 2.2× (95% CI 1.5–3).'],
      ['prefix-evaluated', 'Of 481-token prompts, the server evaluated a median 32 tokens (95% CI 32–32) per shared-prefix prompt vs 480 tokens (95% CI 480–480) per unique one: it reuses the cached prefix.'],
    ]);
    expect(found[0].chart).toBe('prefix-ttft');
    expect(found.every((f) => f.caveats.length === 0)).toBe(true);
  });

  it('a ratio interval crossing 1 reads "no measurable benefit"; its unstable row is a caveat', () => {
    const crossing = rows.map((r) => (r.metric === 'ttft_unique_vs_shared' ? { ...r, median: 1.1, ci_low: 0.8, ci_high: 1.5, status: 'unstable' as const, error: 'wide' } : r));
    const [benefit] = prefix.answers!(crossing, ctx);
    expect(benefit.text).toBe(
      'No measurable benefit from the shared prefix: median TTFT 13 ms (95% CI 11–15) with the shared prefix vs 29 ms (95% CI 25–33) for unique prompts of the same length (481 tokens); unique/shared 1.1× (95% CI 0.8–1.5; ±32%, wide).',
    );
    expect(benefit.caveats).toEqual(['ttft_unique_vs_shared ±32%, wide']);
  });

  it('missing or failed rows give fewer findings, never a throw', () => {
    expect(prefix.answers!([], ctx)).toEqual([]);
    expect(prefix.answers!([rows[0], { ...rows[1], status: 'error', error: 'unreachable' }], ctx)).toEqual([]);
    expect(prefix.answers!(rows.filter((r) => r.metric !== 'ttft_unique_vs_shared'), ctx).map((f) => f.id)).toEqual(['prefix-evaluated']);
  });
});

describe('experiment 9 (goodput search)', () => {
  const at = (metric: string, value: number, extra: Partial<RowInput> = {}) =>
    row(9, { params: { target: 'embedded', dataset: 'synth' }, metric, unit: 'req/s', value, ...extra });

  it('the found load with its search bracket (rows of their own) and, apart, its interval over processes', () => {
    const three = { replication: { runs: 3, betweenSd: 2, withinHalfPct: NaN } };
    const rows = [at('max_goodput_rate', 16, { low: 12, high: 20, ...three }), at('goodput_bracket_low', 16, three), at('goodput_bracket_high', 18, three)];
    expect(texts(goodput.answers!(rows, ctx))).toEqual([
      ['max-goodput-embedded · synth', 'embedded · synth: the highest rate meeting the SLO for the target share of requests is 16 req/s; search bracket 16–18 req/s; 95% CI 12–20 over 3 processes.'],
    ]);
  });

  it('one process: the bracket and no interval; without a bracket row, the load alone', () => {
    expect(texts(goodput.answers!([at('max_goodput_rate', 10), at('goodput_bracket_low', 10), at('goodput_bracket_high', 12)], ctx))[0][1]).toBe(
      'embedded · synth: the highest rate meeting the SLO for the target share of requests is 10 req/s; search bracket 10–12 req/s.',
    );
    expect(texts(goodput.answers!([at('max_goodput_rate', 10)], ctx))[0][1]).toBe('embedded · synth: the highest rate meeting the SLO for the target share of requests is 10 req/s.');
  });
});

describe('experiment 8 (template corpus)', () => {
  const compat = (template: string, engine: string, status: 'ok' | 'unsupported' | 'error', error = '') => row(8, { params: { template, engine }, metric: 'compat', unit: 'status', status, error });
  const render = (template: string, engine: string, turns: number, value: number, low: number, high: number) => row(8, { params: { template, engine, turns }, metric: 'render', unit: 'ms', value, low, high });
  const rows = [
    compat('t1', 'jinja', 'ok'),
    compat('t1', 'nunjucks', 'ok'),
    compat('t2', 'jinja', 'ok'),
    compat('t2', 'nunjucks', 'unsupported', 'differs: 1 turns: whitespace'),
    compat('t3', 'jinja', 'error', 'the point failed'),
    render('t1', 'jinja', 1, 0.02, 0.019, 0.021),
    render('t1', 'jinja', 100, 0.8, 0.75, 0.85),
    render('t2', 'jinja', 1, 0.04, 0.038, 0.042),
    { ...render('t2', 'jinja', 100, 2, 1.5, 2.5), status: 'unstable' as const, error: 'wide' },
    render('t1', 'nunjucks', 1, 0.01, 0.009, 0.011),
    render('t1', 'nunjucks', 100, 0.5, 0.45, 0.55),
  ];

  it('identical renders per engine, render growth over templates, costliest and cheapest template; an unstable row is a caveat', () => {
    const found = corpus.answers!(rows, ctx);
    expect(texts(found)).toEqual([
      ['compat', 'Of the real chat templates measured, jinja (the reference) renders 2 of 2 without error; nunjucks renders 1 of 2 identically to it (1 differs, 0 fail).'],
      ['render-growth', 'From 1 to 100 turns, median render time grows 45× with jinja (median over 2 templates, range 40–50×) and 50× with nunjucks (1 template); ranges are over templates, not 95% intervals.'],
      ['costliest', 'At 100 turns the costliest template to render is t2 with jinja, 2 ms (95% CI 1.5–2.5; ±25%, wide); the cheapest is t1 with nunjucks, 0.5 ms (95% CI 0.45–0.55).'],
    ]);
    expect(found.map((f) => f.chart)).toEqual(['compat', 'render-cost', 'render-cost']);
    expect(found[1].caveats).toEqual(['render ±25%, wide']);
    expect(found[2].caveats).toEqual(['render ±25%, wide']);
  });

  it('missing rows give fewer findings, never a throw', () => {
    expect(corpus.answers!([], ctx)).toEqual([]);
    expect(corpus.answers!(rows.filter((r) => r.metric === 'compat'), ctx).map((f) => f.id)).toEqual(['compat']);
    expect(corpus.answers!(rows.filter((r) => r.metric === 'render' && r.turns === 100), ctx).map((f) => f.id)).toEqual(['costliest']);
  });

  it('the trimmed quick run in test/fixtures gives all three findings', () => {
    const fixture = parseResultsCsv(readFileSync(new URL('./fixtures/run/results.csv', import.meta.url), 'utf8')).filter((r) => r.experiment === 8);
    expect(corpus.answers!(fixture, ctx).map((f) => f.id)).toEqual(['compat', 'render-growth', 'costliest']);
  });
});
