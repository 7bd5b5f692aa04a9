/** Experiment 1 on real text: the synthetic chat of the same turns and content tokens, measured in the same rounds, and the finding comparing them. */
import { expect, it } from 'vitest';
import type { ResultRow } from '../common/results/results.ts';
import { anatomy } from '../experiments/preprocessing/01-anatomy.ts';

function row(fields: Partial<ResultRow>): ResultRow {
  return {
    run_id: 'r', suite: 'preprocessing', experiment: 1, model: 'llama3.1', template: 'llama3.1-full', engine: 'jinja', tokenizer: 'js', strategy: 'main', text: 'mixed', turns: 9, tokens: 1000,
    metric: 'm', unit: 'x', n: 12, median: 1, p90: '', p99: '', mean: '', sd: '', ci_low: '', ci_high: '', status: 'ok', error: '', note: '',
    runs: 6, between_sd: '', within_half_pct: '', warmup_n: '', warmup_ms: '', ...fields,
  };
}
const ci = (median: number, low: number, high: number) => ({ median, ci_low: low, ci_high: high });

const rows = [
  row({ metric: 'tokenize_share', unit: '%', ...ci(93.4, 93, 93.7) }),
  row({ metric: 'template_share', unit: '%', ...ci(6.48, 6.11, 6.85) }),
  row({ metric: 'tokenize_vs_synthetic', ...ci(1.31, 1.25, 1.38) }),
  row({ metric: 'template_vs_synthetic', ...ci(1.05, 0.98, 1.12) }),
  row({ metric: 'template_share_synthetic', unit: '%', ...ci(8.1, 7.7, 8.5) }),
];

it('states how far tokenize, render and the template share move from synthetic to real text, paired per round', () => {
  const found = anatomy.answers!(rows, { cores: 2 });
  expect(found.map((f) => f.id)).toEqual(['split', 'synthetic-text']);
  expect(found[1].text).toBe(
    "On mixed text, against a synthetic chat of the same turns and content tokens in the same rounds (llama3.1-full, paired per round): tokenizing takes 1.31× (95% CI 1.25–1.38) the time (js tokenizer), rendering 1.05× (95% CI 0.98–1.12) (@huggingface/jinja); the template's share is 6.48% (95% CI 6.11–6.85) on mixed text against 8.1% (95% CI 7.7–8.5) on synthetic. Each call encodes the same prompt, so a tokenizer's word cache holds all of it on either text; experiment 10 times never-seen text.",
  );
});

it('a run on synthetic text (no twin rows) has no such finding', () => {
  const synthetic = rows.filter((r) => !String(r.metric).includes('synthetic')).map((r) => ({ ...r, text: 'synthetic' }));
  expect(anatomy.answers!(synthetic, { cores: 2 }).map((f) => f.id)).toEqual(['split']);
});
