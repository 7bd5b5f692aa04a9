/**
 * Experiment 2 — the chat-history tax: with the total number of content tokens fixed, how do template
 * rendering and tokenization costs grow as the same tokens are spread over more turns?
 */
import { getTemplateVariant } from '../../common/assets/models.ts';
import { TOKENIZERS } from '../../common/assets/tokenizers.ts';
import { caveatsOf, crosses, pick, withCi, type Finding } from '../../common/findings.ts';
import { hasFigure, type Params, type ResultRow, type RowInput } from '../../common/results.ts';
import { ratioOfMedians, summarize } from '../../common/stats.ts';
import { checkSupport } from '../../common/templates/support.ts';
import { sampleLatency } from '../../common/timing.ts';
import type { Experiment } from '../../suites/types.ts';
import { historyCharts } from '../../suites/preprocessing/charts/history.ts';
import { TOKENIZER_NOTES, chatFor, engineList, preprocessor, quickTemplate, referenceOf, selectedTemplates } from '../../suites/preprocessing/experiment-helpers.ts';

interface Point {
  template: string;
  turns: number;
  tokens: number;
}

const TURNS_FULL = [1, 2, 5, 10, 20, 50, 100];
const TURNS_QUICK = [1, 10, 100];

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.template} turns=${p.turns} tokens=${p.tokens}`;
}

/** A point's parameters, which every row of the point carries; template rows add the engine, tokenize rows the tokenizer. */
function coordinates(p: Point): Params {
  return { model: getTemplateVariant(p.template).model, template: p.template, turns: p.turns, tokens: p.tokens, strategy: 'main' };
}

export const history: Experiment<Point> = {
  id: 2,
  slug: 'history',
  title: 'Chat-history tax',
  question: 'With total tokens fixed, how much more do templating and tokenizing cost as the chat has more turns?',
  params: ['model', 'template', 'engine', 'tokenizer', 'strategy', 'turns', 'tokens'],
  matrix: (options) => {
    const tokens = options.quick ? 5_000 : 100_000;
    // Quick: the first model's fullest template only (every extra template costs a process per replicate).
    return (options.quick ? [quickTemplate(options)] : selectedTemplates(options)).flatMap((template) =>
      (options.quick ? TURNS_QUICK : TURNS_FULL).map((turns) => ({ template, turns, tokens })),
    );
  },
  headline: ['template_growth', 'tokenize_growth'],
  charts: historyCharts,
  label,
  // The chat lengths of one template share a process (same template and tokenizers).
  group: (p) => `history ${p.template}`,
  coordinates,
  async run(point, options) {
    // Large prompts (a 100k-token encode takes ~0.25 s): cap warm-up and sample counts so a point stays
    // within seconds; a few warm-up calls are enough for calls this long.
    const plan = { ...options.plan, warmupIterations: Math.min(options.plan.warmupIterations, 3), iterations: Math.min(options.plan.iterations, options.quick ? 10 : 12), time: Math.min(options.plan.time, 500) };
    const messages = chatFor(point.template, { seed: options.seed, turns: point.turns, totalTokens: point.tokens });
    const rows: RowInput[] = [];
    const ref = await referenceOf({ template: point.template, engine: 'jinja', tokenizer: 'js' });
    const prompt = ref.render(messages);
    for (const engine of engineList(options)) {
      const pre = await preprocessor({ template: point.template, engine, tokenizer: 'js' });
      const support = checkSupport(pre, ref, messages);
      if (!support.ok) {
        rows.push({ params: { engine }, metric: 'template', unit: 'ms', status: 'unsupported', error: support.reason });
        continue;
      }
      options.progress(`${label(point)}: template ${engine}`);
      const { samples, warmup } = await sampleLatency('template', () => pre.render(messages), plan);
      rows.push({ params: { engine }, metric: 'template', unit: 'ms', summary: summarize(samples), samples, warmup, note: 'render of a parsed template' });
    }
    for (const tokenizer of TOKENIZERS) {
      const tok = (await preprocessor({ template: point.template, engine: 'jinja', tokenizer })).tokenizer;
      options.progress(`${label(point)}: tokenize ${tokenizer}`);
      const fn = tok.encodeSync ? () => tok.encodeSync!(prompt) : () => tok.encode(prompt);
      const { samples, warmup } = await sampleLatency('tokenize', fn, plan);
      rows.push({ params: { tokenizer }, metric: 'tokenize', unit: 'ms', summary: summarize(samples), samples, warmup, note: TOKENIZER_NOTES[tokenizer] });
    }
    return rows;
  },
  answers(rows) {
    const findings: Finding[] = [];
    const growth = rows.filter((r) => r.metric.endsWith('_growth') && hasFigure(r.status) && typeof r.turns === 'number');
    const template = growth[0]?.template;
    const most = Math.max(...growth.filter((r) => r.template === template).map((r) => r.turns as number));
    const grew = (row: ResultRow) => (crosses(row, 1) ? `shows no measurable growth (${withCi(row)})` : `costs ${withCi(row)} as much`);
    const tpl = pick(rows, { template, metric: 'template_growth', engine: 'jinja', turns: most });
    const tok = pick(rows, { template, metric: 'tokenize_growth', tokenizer: 'js', turns: most });
    if (tpl && tok) {
      findings.push({ id: 'growth', chart: 'history', row: tpl, caveats: caveatsOf([tpl, tok]), text: `With the same ${tpl.tokens} content tokens spread over ${most} turns instead of 1 (${template}), templating (@huggingface/jinja) ${grew(tpl)}; tokenizing (JS) ${grew(tok)}.` });
    }
    const nj = pick(rows, { template, metric: 'template_growth', engine: 'nunjucks', turns: most });
    if (nj) findings.push({ id: 'growth-nunjucks', chart: 'history', row: nj, caveats: caveatsOf([nj]), text: `nunjucks: templating ${grew(nj)} at ${most} turns as at 1.` });
    return findings;
  },
  derive(rows) {
    // Growth relative to the one-turn chat of the same template, engine/tokenizer and metric.
    const ok = rows.filter((r) => r.summary);
    const key = (r: RowInput) => `${r.params?.template}|${r.params?.engine ?? ''}|${r.params?.tokenizer ?? ''}|${r.metric}`;
    const baseline = new Map(ok.filter((r) => r.params?.turns === 1).map((r) => [key(r), r]));
    return ok.flatMap((r) => {
      const base = baseline.get(key(r));
      if (!base) return [];
      const { ratio, low, high } = ratioOfMedians(r.summary!, base.summary!);
      // The row's parameters (its point's, with its engine or tokenizer) carry over to its growth.
      const { summary, samples, note, ...same } = r;
      return [{ ...same, metric: `${r.metric}_growth`, unit: 'x', value: ratio, low, high, note: 'median / median at 1 turn; interval from the two medians\' CIs' }];
    });
  },
};

export default history;
