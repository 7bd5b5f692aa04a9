/** Findings of experiments 1–4 from hand-made rows: figures with intervals, and the honest-wording cases. */
import { describe, expect, it } from 'vitest';
import { crosses, findingLine, ratioOf, withCi } from '../common/findings.ts';
import type { ResultRow } from '../common/results.ts';
import { anatomy } from '../experiments/preprocessing/01-anatomy.ts';
import { history } from '../experiments/preprocessing/02-history.ts';
import { queue } from '../experiments/preprocessing/03-queue.ts';
import { contention } from '../experiments/preprocessing/04-contention.ts';

function row(fields: Partial<ResultRow>): ResultRow {
  return {
    run_id: 'r', suite: 'preprocessing', experiment: 1, model: 'llama3.1', template: 'llama3.1-full', engine: '', tokenizer: '', strategy: 'main', workers: '', turns: '', tokens: '',
    metric: 'm', unit: 'ms', n: 30, median: 1, p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    runs: 3, between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '', ...fields,
  };
}
const ci = (median: number, low: number, high: number) => ({ median, ci_low: low, ci_high: high });

describe('wording helpers', () => {
  it('a figure with its interval, a ratio of two rows with a conservative interval', () => {
    expect(withCi(row(ci(2.123, 1.97, 2.27)))).toBe('2.12 ms (95% CI 1.97–2.27)');
    expect(ratioOf(row(ci(10, 8, 12)), row(ci(2, 1, 4)))).toEqual({ ratio: 5, low: 2, high: 12 });
    expect(crosses(row(ci(1.1, 0.9, 1.3)), 1)).toBe(true);
    expect(crosses(row(ci(1.5, 1.2, 1.8)), 1)).toBe(false);
  });
});

describe('experiment 1', () => {
  const base = { experiment: 1, engine: 'jinja', tokenizer: 'js' };
  const rows = [
    row({ ...base, metric: 'tokenize_share', unit: '%', ...ci(93.4, 93, 93.7) }),
    row({ ...base, metric: 'template_share', unit: '%', ...ci(6.48, 6.11, 6.85) }),
    row({ ...base, metric: 'template', ...ci(0.147, 0.138, 0.156) }),
    row({ ...base, engine: 'nunjucks', metric: 'template', ...ci(0.0056, 0.005, 0.006) }),
    row({ ...base, metric: 'tokenize', ...ci(2.12, 1.97, 2.27) }),
    row({ ...base, tokenizer: 'native', metric: 'tokenize', status: 'unstable', error: '95% CI half-width 43.6% of the figure (limit 10%)', ...ci(1.55, 0.87, 2.23) }),
  ];

  it('states the split, the engine ratio, and no measurable difference where the interval crosses 1, with the unstable caveat', () => {
    const found = anatomy.answers!(rows, { cores: 2 });
    expect(found.map((f) => [f.id, f.chart])).toEqual([['split', 'anatomy'], ['engines', 'anatomy'], ['tokenizers', 'anatomy']]);
    expect(found[0].text).toBe('Tokenization is 93.4% (95% CI 93–93.7) of the preprocessing time of a ~1k-token request (llama3.1-full, @huggingface/jinja, JS tokenizer); the template 6.48% (95% CI 6.11–6.85).');
    expect(found[1].text).toBe('nunjucks renders llama3.1-full 26.3× (95% CI 23–31.2) faster than @huggingface/jinja (0.0056 ms (95% CI 0.005–0.006) vs 0.147 ms (95% CI 0.138–0.156)).');
    expect(found[2].text).toBe('The native (Rust) and JS tokenizers show no measurable difference on this prompt (JS / native = 1.37× (95% CI 0.883–2.61)).');
    expect(found[2].caveats).toEqual(['tokenize (llama3.1 llama3.1-full jinja native main) is unstable: 95% CI half-width 43.6% of the figure (limit 10%)']);
    expect(findingLine(found[2])).toContain('[caution: tokenize (llama3.1 llama3.1-full jinja native main) is unstable');
  });

  it('missing or failed rows give fewer findings, not an error', () => {
    const failed = rows.map((r) => (r.metric === 'template' ? { ...r, status: 'error' as const, median: '' as const } : r));
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
  const q = (fields: Partial<ResultRow>) => row({ experiment: 3, engine: 'jinja', tokenizer: 'js', ...fields });
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
    expect(found[1].text).toBe('A worker-thread pool of 4 workers (its best count here) prepares the batch 1.7× (95% CI 1.5–1.9) faster than the main thread; its dispatcher would allow up to 26.6× (95% CI 16.8–36.4) whatever the worker count.');
    expect(found[1].caveats).toEqual(['4 workers on a machine with 2 logical CPUs']);
    expect(found[2].text).toBe('A child-process pool of 2 workers (its best count here) prepares the batch with no measurable speedup over the main thread (1.2× (95% CI 0.8–1.6)).');
  });

  it('loop delay: overlapping intervals are no measurable difference', () => {
    const c = (fields: Partial<ResultRow>) => row({ experiment: 4, metric: 'loop_delay_p99', ...fields });
    const [delay] = contention.answers!([c({ ...ci(6.8, 5.4, 8.2) }), c({ strategy: 'pool', workers: 1, ...ci(3.3, 0.1, 6.7) }), c({ strategy: 'idle', workers: 0, ...ci(1.2, 0.2, 2.2) })], { cores: 2 });
    expect(delay.text).toBe("Under the serving load the main thread's event-loop delay p99 is 6.8 ms (95% CI 5.4–8.2); with a pool of 1 worker it is 3.3 ms (95% CI 0.1–6.7) (idle: 1.2 ms (95% CI 0.2–2.2)): the intervals overlap, no measurable difference at this many processes.");
    const [clear] = contention.answers!([c({ ...ci(6.8, 5.4, 8.2) }), c({ strategy: 'pool', workers: 1, ...ci(1.3, 1.1, 1.5) })], { cores: 2 });
    expect(clear.text).toBe("Under the serving load the main thread's event-loop delay p99 is 6.8 ms (95% CI 5.4–8.2); with a pool of 1 worker it is 1.3 ms (95% CI 1.1–1.5).");
  });
});
