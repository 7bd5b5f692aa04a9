/**
 * Experiment 2 — the chat-history tax: with the total number of content tokens fixed, how do template
 * rendering and tokenization costs grow as the same tokens are spread over more turns?
 */
import { getTemplateVariant } from '../../common/assets/models.ts';
import type { TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { caveatsOf, crosses, pick, withCi, type Finding } from '../../common/results/findings.ts';
import { pairedRow, perRound, roundsSeed, runPairedRounds, variantRow, withRounds, type Variant } from '../../common/measure/paired-rounds.ts';
import { hasFigure, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { checkSupport } from '../../common/templates/support.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import type { Experiment } from '../../suites/types.ts';
import { historyCharts } from '../../suites/preprocessing/charts/history.ts';
import { chatFor, preprocessor, referenceOf } from '../../common/measure/preprocessor-cache.ts';
import { MAIN_THREAD_RUNS, engineList, mainThreadGroup, quickTemplate, selectedTemplates, textKind, timedTokenizers } from '../../suites/preprocessing/experiment-helpers.ts';
import type { TextKind } from '../../common/text/kinds.ts';

interface Point {
  template: string;
  tokens: number;
  text: TextKind;
}

const TURNS_FULL = [1, 2, 5, 10, 20, 50, 100];
const TURNS_QUICK = [1, 10, 100];
/** Rounds of a process: every chat length × engine or tokenizer runs one slice per round. */
const ROUNDS = { quick: { rounds: 12, sliceMs: 10 }, full: { rounds: 30, sliceMs: 20 } };

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.template} tokens=${p.tokens}`;
}

/** A point's parameters, which every row of the point carries; each row adds its turns and engine or tokenizer. */
function coordinates(p: Point): Params {
  return { model: getTemplateVariant(p.template).model, template: p.template, tokens: p.tokens, strategy: 'main', text: p.text };
}

const renderOf = (engine: EngineId, turns: number) => `render ${engine} ${turns}`;
const encodeOf = (tokenizer: TokenizerChoice, turns: number) => `tokenize ${tokenizer} ${turns}`;

export const history: Experiment<Point> = {
  id: 2,
  slug: 'history',
  title: 'Chat-history tax',
  question: 'With total tokens fixed, how much more do templating and tokenizing cost as the chat has more turns?',
  params: ['model', 'template', 'engine', 'tokenizer', 'strategy', 'text', 'turns', 'tokens'],
  reads: ['--tokenizers', '--text'],
  matrix: (options) => {
    const tokens = options.quick ? 5_000 : 100_000;
    // Quick: the first model's fullest template only (every extra template costs a process per replicate).
    return (options.quick ? [quickTemplate(options)] : selectedTemplates(options)).map((template) => ({ template, tokens, text: textKind(options) }));
  },
  headline: ['template_growth', 'tokenize_growth'],
  charts: historyCharts,
  label,
  coordinates,
  group: mainThreadGroup,
  runs: MAIN_THREAD_RUNS,
  // Every chat length, engine and tokenizer of one template runs in one process, in paired rounds: a
  // growth is the ratio to the one-turn chat in the same round.
  async run(point, options) {
    const turnsList = options.quick ? TURNS_QUICK : TURNS_FULL;
    const ref = await referenceOf({ template: point.template, engine: 'jinja', tokenizer: 'js' });
    const model = getTemplateVariant(point.template).model;
    const rows: RowInput[] = [];
    const variants: Variant[] = [];
    const rendered: { engine: EngineId; turns: number }[] = [];
    const prompts: string[] = [];
    for (const turns of turnsList) {
      const messages = chatFor(point.template, { seed: options.seed, turns, totalTokens: point.tokens, text: point.text });
      const prompt = ref.render(messages);
      for (const engine of engineList(options)) {
        const pre = await preprocessor({ template: point.template, engine, tokenizer: 'js' });
        const support = checkSupport(pre, ref, messages);
        if (!support.ok) {
          rows.push({ params: { engine, turns }, metric: 'template', unit: 'ms', status: 'unsupported', error: support.reason });
          continue;
        }
        rendered.push({ engine, turns });
        variants.push({ name: renderOf(engine, turns), fn: () => pre.render(messages) });
      }
      prompts.push(prompt);
    }
    // A selected tokenizer whose ids differ from the Rust tokenizer's on these prompts is not timed.
    const { timed: tokenizers, rows: differing } = await timedTokenizers(options, model, prompts);
    rows.push(...differing);
    for (const { tokenizer, encode } of tokenizers) turnsList.forEach((turns, i) => variants.push({ name: encodeOf(tokenizer, turns), fn: () => encode(prompts[i]) }));
    const mode = options.quick ? ROUNDS.quick : ROUNDS.full;
    const plan = { ...mode, minCalls: 1, warmupMs: options.plan.warmupTime, warmupCalls: options.plan.warmupIterations };
    const result = await runPairedRounds(variants, plan, roundsSeed(options, 2), { signal: options.signal, onRound: (d, t) => options.progress(`${label(point)}: round ${d}/${t}`) });

    const first = turnsList[0];
    for (const { engine, turns } of rendered) {
      rows.push(variantRow(result, renderOf(engine, turns), 'template', 'render of a parsed template', { engine, turns }));
      if (rendered.some((r) => r.engine === engine && r.turns === first)) {
        rows.push(pairedRow('template_growth', 'x', perRound(result, [renderOf(engine, turns), renderOf(engine, first)], (a, b) => a / b), `render median / the ${first}-turn chat's in the same round`, { engine, turns }));
      }
    }
    for (const { tokenizer, note } of tokenizers) {
      for (const turns of turnsList) {
        rows.push(variantRow(result, encodeOf(tokenizer, turns), 'tokenize', note, { tokenizer, turns }));
        rows.push(pairedRow('tokenize_growth', 'x', perRound(result, [encodeOf(tokenizer, turns), encodeOf(tokenizer, first)], (a, b) => a / b), `encode median / the ${first}-turn chat's in the same round`, { tokenizer, turns }));
      }
    }
    return withRounds(rows, result);
  },
  answers(rows) {
    const findings: Finding[] = [];
    const growth = rows.filter((r) => r.metric.endsWith('_growth') && hasFigure(r.status) && typeof r.turns === 'number');
    const template = growth[0]?.template;
    const most = Math.max(...growth.filter((r) => r.template === template).map((r) => r.turns as number));
    const grew = (row: ResultRow) => (crosses(row, 1) ? `shows no measurable growth (${withCi(row)})` : `costs ${withCi(row)} as much`);
    const tpl = pick(rows, { template, metric: 'template_growth', engine: 'jinja', turns: most });
    // The JS tokenizer's growth, or the first measured tokenizer's when it was not selected.
    const tok = pick(rows, { template, metric: 'tokenize_growth', tokenizer: 'js', turns: most }) ?? pick(rows, { template, metric: 'tokenize_growth', turns: most });
    if (tpl && tok) {
      findings.push({ id: 'growth', chart: 'history', row: tpl, caveats: caveatsOf([tpl, tok]), text: `With the same ${tpl.tokens} content tokens spread over ${most} turns instead of 1 (${template}), templating (@huggingface/jinja) ${grew(tpl)}; tokenizing (${tok.tokenizer === 'js' ? 'JS' : tok.tokenizer}) ${grew(tok)}.` });
    }
    const nj = pick(rows, { template, metric: 'template_growth', engine: 'nunjucks', turns: most });
    if (nj) findings.push({ id: 'growth-nunjucks', chart: 'history', row: nj, caveats: caveatsOf([nj]), text: `nunjucks: templating ${grew(nj)} at ${most} turns as at 1.` });
    return findings;
  },
};

export default history;
