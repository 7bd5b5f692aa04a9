/** Findings of experiments 1–4 from hand-made rows: figures with intervals, and the honest-wording cases. */
import { describe, expect, it } from 'vitest';
import { caveatsOf, crosses, findingLine, unpairedRatio, withCi } from '../common/results/findings.ts';
import { unpairedLogRatio } from '../common/stats/replicate-stats.ts';
import type { ResultRow } from '../common/results/results.ts';
import { anatomy } from '../experiments/preprocessing/01-anatomy.ts';
import { history } from '../experiments/preprocessing/02-history.ts';
import { queue } from '../experiments/preprocessing/03-queue.ts';
import { contention } from '../experiments/preprocessing/04-contention.ts';

function row(fields: Partial<ResultRow>): ResultRow {
  return {
    run_id: 'r', suite: 'preprocessing', experiment: 1, model: 'llama3.1', template: 'llama3.1-full', engine: '', tokenizer: '', mode: '', strategy: 'main', workers: '', turns: '', tokens: '',
    metric: 'm', unit: 'ms', n: 30, median: 1, p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    runs: 3, between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '', ...fields,
  };
}
const ci = (median: number, low: number, high: number) => ({ median, ci_low: low, ci_high: high });

describe('wording helpers', () => {
  it('a figure with its interval; two unpaired rows\' ratio from their log standard errors, not their endpoints', () => {
    expect(withCi(row(ci(2.123, 1.97, 2.27)))).toBe('2.12 ms (95% CI 1.97–2.27)');
    // Intervals ×/÷ 1.2 and ×/÷ 1.5 over 3 processes each: log SEs ln(1.2)/t and ln(1.5)/t, t = t(0.975, 2).
    const t = 4.302652729749462;
    const [sa, sb] = [Math.log(1.2) / t, Math.log(1.5) / t];
    const df = (sa ** 2 + sb ** 2) ** 2 / (sa ** 4 / 2 + sb ** 4 / 2);
    const r = unpairedRatio(row({ ...ci(12, 10, 14.4), runs: 3 }), row({ ...ci(3, 2, 4.5), runs: 3 }));
    expect(r.ratio).toBe(4);
    expect(df).toBeCloseTo(2.777011, 5);
    // Welch's half-width on the log scale, t(0.975, df)·√(sa² + sb²); reference from SciPy 1.17:
    // 4 * exp(scipy.stats.t.ppf(0.975, 2.777011) * sqrt(sa**2 + sb**2)) = 5.643892049117259.
    expect(r.high).toBeCloseTo(5.643892049, 8);
    expect(r.low * r.high).toBeCloseTo(16, 10);
    // A row without an interval over processes gives no interval at all.
    expect(unpairedLogRatio({ center: 2, low: NaN, high: NaN, runs: 1 }, { center: 1, low: 0.9, high: 1.1, runs: 3 }).low).toBeNaN();
    expect(crosses(row(ci(1.1, 0.9, 1.3)), 1)).toBe(true);
    expect(crosses(row(ci(1.5, 1.2, 1.8)), 1)).toBe(false);
  });
});

describe('experiment 1', () => {
  const rows = [
    row({ engine: 'jinja', tokenizer: 'js', metric: 'tokenize_share', unit: '%', ...ci(93.4, 93, 93.7) }),
    row({ engine: 'jinja', tokenizer: 'js', metric: 'template_share', unit: '%', ...ci(6.48, 6.11, 6.85) }),
    row({ engine: 'nunjucks', metric: 'template_speedup', unit: 'x', ...ci(26.3, 25.1, 27.6) }),
    row({ tokenizer: 'native', metric: 'tokenize_speedup', unit: 'x', status: 'unstable', error: '95% CI half-width 43.6% of the figure (limit 10%)', ...ci(1.37, 0.883, 2.61) }),
  ];

  it('states the split and the paired engine ratio; a paired interval that includes 1 is no measurable difference, with the unstable caveat', () => {
    const found = anatomy.answers!(rows, { cores: 2 });
    expect(found.map((f) => [f.id, f.chart])).toEqual([['split', 'anatomy'], ['engines', 'anatomy'], ['tokenizers', 'anatomy']]);
    expect(found[0].text).toBe('Tokenization is 93.4% (95% CI 93–93.7) of the preprocessing time of a ~1k-token request (llama3.1-full, @huggingface/jinja, JS tokenizer); the template 6.48% (95% CI 6.11–6.85).');
    expect(found[1].text).toBe('nunjucks renders llama3.1-full 26.3× (95% CI 25.1–27.6) faster than @huggingface/jinja (jinja / nunjucks, paired per round).');
    expect(found[2].text).toBe('The native (Rust) and JS tokenizers show no measurable difference on this prompt (JS / native, paired per round: 1.37× (95% CI 0.883–2.61; ±64%, wide)).');
    // The mark follows the interval; the caveat, shown there already, is not repeated, nor is the point key.
    expect(found[2].caveats).toEqual(['tokenize_speedup ±64%, wide']);
    expect(findingLine(found[2])).toBe(found[2].text);
  });

  it('a paired interval that excludes 1 states the ratio and its direction', () => {
    const slower = anatomy.answers!([row({ engine: 'nunjucks', metric: 'template_speedup', unit: 'x', ...ci(0.5, 0.45, 0.56) })], { cores: 2 });
    expect(slower.map((f) => f.text)).toEqual(['nunjucks renders llama3.1-full 0.5× (95% CI 0.45–0.56) slower than @huggingface/jinja (jinja / nunjucks, paired per round).']);
    const crossing = anatomy.answers!([row({ engine: 'nunjucks', metric: 'template_speedup', unit: 'x', ...ci(1.02, 0.97, 1.07) })], { cores: 2 });
    expect(crossing[0].text).toBe('nunjucks and @huggingface/jinja render llama3.1-full with no measurable difference (jinja / nunjucks, paired per round: 1.02× (95% CI 0.97–1.07)).');
  });

  it('missing or failed rows give fewer findings, not an error', () => {
    const failed = rows.map((r) => (r.metric === 'template_speedup' ? { ...r, status: 'error' as const, median: '' as const } : r));
    expect(anatomy.answers!(failed, { cores: 2 }).map((f) => f.id)).toEqual(['split', 'tokenizers']);
    expect(anatomy.answers!([], { cores: 2 })).toEqual([]);
  });
});

describe('experiment 2', () => {
  it('growth at the most turns, "no measurable growth" when the interval includes 1', () => {
    const rows = [
      row({ experiment: 2, engine: 'jinja', turns: 100, tokens: 5000, metric: 'template_growth', unit: 'x', ...ci(17.2, 16.6, 17.9) }),
      row({ experiment: 2, tokenizer: 'js', turns: 100, tokens: 5000, metric: 'tokenize_growth', unit: 'x', ...ci(1.11, 0.77, 1.45) }),
      row({ experiment: 2, engine: 'jinja', turns: 10, tokens: 5000, metric: 'template_growth', unit: 'x', ...ci(3, 2.9, 3.1) }),
    ];
    const [growth] = history.answers!(rows, { cores: 2 });
    expect(growth.text).toBe('With the same 5000 content tokens spread over 100 turns instead of 1 (llama3.1-full), templating (@huggingface/jinja) costs 17.2× (95% CI 16.6–17.9) as much; tokenizing (JS) shows no measurable growth (1.11× (95% CI 0.77–1.45)).');
  });
});

describe('experiments 3 and 4', () => {
  const q = (fields: Partial<ResultRow>) => row({ experiment: 3, engine: 'jinja', tokenizer: 'js', requests: 64, ...fields });
  it('the best pool speedup with its dispatcher ceiling; worker counts above the cores are a caveat; crossing 1 is no speedup', () => {
    const rows = [
      q({ metric: 'batch_prepare', ...ci(290, 273, 307) }),
      q({ metric: 'requests_per_s', unit: 'req/s', ...ci(221, 208, 234) }),
      q({ strategy: 'pool', workers: 2, metric: 'speedup_vs_main', unit: 'x', ...ci(1.64, 1.56, 1.71) }),
      q({ strategy: 'pool', workers: 4, metric: 'speedup_vs_main', unit: 'x', ...ci(1.7, 1.5, 1.9) }),
      q({ strategy: 'pool', workers: 4, metric: 'dispatch_ceiling', unit: 'x', ...ci(26.6, 16.8, 36.4) }),
      q({ strategy: 'process', workers: 2, metric: 'speedup_vs_main', unit: 'x', ...ci(1.2, 0.8, 1.6) }),
    ];
    const found = queue.answers!(rows, { cores: 2 });
    expect(found.map((f) => f.id)).toEqual(['main-batch', 'pool-speedup', 'process-speedup']);
    expect(found[0].text).toBe('On the main thread a batch of 64 × 100-turn requests is ready for the GPU after 290 ms (95% CI 273–307): 221 req/s (95% CI 208–234).');
    // The batch size comes from the rows: a quick run's 16, and 64 for runs from before the requests column.
    const sized = (requests: number | '') => queue.answers!(rows.slice(0, 2).map((r) => ({ ...r, requests })), { cores: 2 })[0].text;
    expect(sized(16)).toMatch(/^On the main thread a batch of 16 × 100-turn requests/);
    expect(sized('')).toMatch(/^On the main thread a batch of 64 × 100-turn requests/);
    expect(found[1].text).toBe('A worker-thread pool of 4 workers (the fastest of the 2 counts measured) prepares the batch 1.7× (95% CI 1.5–1.9) faster than the main thread; handing the requests out and taking the results back costs the main thread 1/26.6 of preparing the batch itself, so no number of workers can make it more than 26.6× (95% CI 16.8–36.4) faster.');
    expect(found[1].caveats).toEqual(['4 workers on a machine with 2 logical CPUs']);
    // One count measured (a quick run): nothing to call it the fastest of.
    expect(found[2].text).toBe('A child-process pool of 2 workers prepares the batch with no measurable speedup over the main thread (1.2× (95% CI 0.8–1.6)).');
  });

  it('loop delay and /health: the paired difference and ratio decide, never overlapping intervals', () => {
    // Contention rows: each slice is idle (no strategy) or under load (a strategy prepares a batch).
    const c = (fields: Partial<ResultRow>) => row({ experiment: 4, mode: 'load', ...fields });
    const rows = [
      c({ metric: 'loop_delay_p99', ...ci(6.8, 5.4, 8.2) }),
      c({ metric: 'loop_delay_p99', strategy: 'pool', workers: 1, ...ci(3.3, 0.1, 6.7) }),
      c({ metric: 'loop_delay_p99', mode: 'idle', strategy: '', workers: 0, ...ci(1.2, 0.2, 2.2) }),
      // The two loop-delay intervals overlap, yet the paired difference excludes 0.
      c({ metric: 'loop_delay_p99_vs_main', strategy: 'pool', workers: 1, ...ci(3.1, 2.6, 3.6) }),
      c({ metric: 'health_latency', ...ci(95, 80, 110) }),
      c({ metric: 'health_latency', strategy: 'pool', workers: 1, ...ci(1, 0.9, 1.1) }),
      c({ metric: 'health_speedup_vs_main', strategy: 'pool', workers: 1, unit: 'x', ...ci(90, 70, 120) }),
    ];
    const [delay, health] = contention.answers!(rows, { cores: 2 });
    expect(delay.text).toBe("Under the serving load the main thread's event-loop delay p99 is 6.8 ms (95% CI 5.4–8.2); with a pool of 1 worker it is 3.3 ms (95% CI 0.1–6.7) (idle: 1.2 ms (95% CI 0.2–2.2)): 3.1 ms (95% CI 2.6–3.6) less than on the main thread (main − pool, paired per round).");
    expect(health.text).toBe('A concurrent /health request, sent on a fixed schedule, waits 95 ms (95% CI 80–110) (median) while the main thread prepares batches and 1 ms (95% CI 0.9–1.1) with a pool of 1: 90× (95% CI 70–120) faster with the pool (main / pool, paired per round).');
    const crossing = rows.map((r) => (r.metric === 'loop_delay_p99_vs_main' ? { ...r, ...ci(0.4, -0.3, 1.1) } : r));
    expect(contention.answers!(crossing, { cores: 2 })[0].text).toMatch(/: no measurable difference \(main − pool, paired per round: 0\.4 ms \(95% CI -0\.3–1\.1\)\)\.$/);
  });

  it('scaling: the pool at the core count, with the ideal; an interval that includes 1 is no speedup', () => {
    const s = (fields: Partial<ResultRow>) => row({ experiment: 4, strategy: 'pool', unit: 'x', ...fields });
    const found = contention.answers!([s({ metric: 'speedup_tokenize', workers: 2, ...ci(1.8, 1.7, 1.9) }), s({ metric: 'speedup_tokenize', workers: 4, ...ci(1.9, 1.8, 2) }), s({ metric: 'speedup_tokenize_ideal', workers: 2, ...ci(2, 2, 2) }), s({ metric: 'speedup_render', workers: 2, ...ci(1.1, 0.9, 1.3) })], { cores: 2 });
    expect(found.map((f) => f.text)).toEqual(['Tokenizing scales to 1.8× (95% CI 1.7–1.9) with 2 pool workers (main / pool, paired per round) (ideal 2×).', 'Templating shows no measurable speedup with 2 pool workers (1.1× (95% CI 0.9–1.3), paired per round).']);
  });
});

describe('cautions a reader can skim', () => {
  it('a flagged figure carries a short mark after its interval; a flagged row not in the text is a short caveat, never its point key', () => {
    const wide = row({ metric: 'speedup_vs_main', unit: 'x', workers: 2, status: 'unstable', error: '95% CI half-width 13.4% of the figure (limit 10%)', ...ci(1.8, 1.56, 2.04) });
    const odd = row({ metric: 'dispatch_ceiling', unit: 'x', status: 'suspect', error: 'above the physical bound', ...ci(3, 2.9, 3.1) });
    expect(withCi(wide)).toBe('1.8× (95% CI 1.56–2.04; ±14%, wide)');
    expect(withCi(odd)).toBe('3× (95% CI 2.9–3.1; suspect)');
    const finding = { id: 'f', text: `pool: ${withCi(wide)}.`, caveats: caveatsOf([wide, odd, wide]) };
    expect(finding.caveats).toEqual(['speedup_vs_main ±14%, wide', 'dispatch_ceiling suspect']);
    expect(findingLine(finding)).toBe('pool: 1.8× (95% CI 1.56–2.04; ±14%, wide). [caution: dispatch_ceiling suspect]');
    expect(findingLine(finding)).not.toContain('workers=2');
  });
});
