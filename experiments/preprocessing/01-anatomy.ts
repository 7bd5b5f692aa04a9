/**
 * Experiment 1 — anatomy of one request (~1k content tokens, system + 9 turns): how long do template
 * rendering, tokenization and collation each take, per model template × engine × tokenizer?
 */
import { collate } from '../../common/collate.ts';
import { TOKENIZERS, type TokenizerId } from '../../common/assets/tokenizers.ts';
import { caveatsOf, pick, ratioOf, ratioText, withCi, type Finding } from '../../common/findings.ts';
import type { Params, ResultRow, RowInput } from '../../common/results.ts';
import { summarize } from '../../common/stats.ts';
import { checkSupport } from '../../common/templates/support.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import { sampleLatency } from '../../common/timing.ts';
import type { Experiment } from '../../suites/types.ts';
import { anatomyCharts } from '../../suites/preprocessing/charts/anatomy.ts';
import { TOKENIZER_NOTES, chatFor, engineList, preprocessor, quickTemplate, referenceOf, selectedTemplates } from '../../suites/preprocessing/experiment-helpers.ts';
import { getTemplateVariant } from '../../common/assets/models.ts';

interface Point {
  template: string;
  engine: EngineId;
  tokenizer: TokenizerId;
}

const TURNS = 9;
const TOKENS = 1000;
const STAGES = ['template', 'tokenize', 'collate'] as const;

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return `${p.template} ${p.engine} ${p.tokenizer}`;
}

/** A point's parameters, which every row of the point carries. */
function coordinates(p: Point): Params {
  return { ...p, model: getTemplateVariant(p.template).model, strategy: 'main', turns: TURNS, tokens: TOKENS };
}

export const anatomy: Experiment<Point> = {
  id: 1,
  slug: 'anatomy',
  title: 'Anatomy of a request',
  question: 'For one ~1k-token request, how is the CPU time split between chat template, tokenization and collation?',
  params: ['model', 'template', 'engine', 'tokenizer', 'strategy', 'turns', 'tokens'],
  // Quick: the first model's fullest template only (every extra template costs a process per replicate).
  matrix: (options) =>
    (options.quick ? [quickTemplate(options)] : selectedTemplates(options)).flatMap((template) =>
      engineList(options).flatMap((engine) => TOKENIZERS.map((tokenizer) => ({ template, engine, tokenizer }))),
    ),
  headline: ['template', 'tokenize', 'collate', 'total'],
  charts: anatomyCharts,
  label,
  // The engines of one template share a process: they load the same tokenizer, and the template stage
  // of each engine is separate code.
  group: (p) => `anatomy ${p.template} ${p.tokenizer}`,
  coordinates,
  async run(point, options) {
    const config = { template: point.template, engine: point.engine, tokenizer: point.tokenizer };
    const pre = await preprocessor(config);
    const ref = await referenceOf(config);
    const messages = chatFor(point.template, { seed: options.seed, turns: TURNS, totalTokens: TOKENS, system: true });
    const support = checkSupport(pre, ref, messages);
    const prompt = support.ok ? support.prompt : ref.render(messages);
    const ids = await pre.tokenize(prompt);
    // The prompt's actual token count replaces the point's nominal one.
    const params = { tokens: ids.length };
    const rows: RowInput[] = [];
    const measure = async (metric: string, fn: () => unknown, note: string) => {
      options.progress(`${label(point)}: ${metric}`);
      const { samples, warmup } = await sampleLatency(metric, fn, options.plan);
      rows.push({ params, metric, unit: 'ms', summary: summarize(samples), samples, warmup, note });
    };

    if (support.ok) {
      await measure('template', () => pre.render(messages), `${point.engine} render of a parsed template; prompt tokens in 'tokens'`);
    } else {
      rows.push({ params, metric: 'template', unit: 'ms', status: 'unsupported', error: support.reason });
    }
    const tok = pre.tokenizer;
    const encode = tok.encodeSync ? () => tok.encodeSync!(prompt) : () => tok.encode(prompt);
    await measure('tokenize', encode, TOKENIZER_NOTES[point.tokenizer]);
    await measure('collate', () => collate([ids]), 'pad to a multiple of 8 into Int32Array + attention mask');
    if (support.ok) {
      const total = tok.encodeSync ? () => collate([tok.encodeSync!(pre.render(messages))]) : async () => collate([await pre.prepare(messages)]);
      await measure('total', total, 'render + tokenize + collate measured together');
    }
    return rows;
  },
  answers(rows) {
    const findings: Finding[] = [];
    // The first model's fullest template: the one quick mode measures, and the last listed in full mode.
    const template = rows.find((r) => r.metric === 'tokenize_share')?.template ?? rows[0]?.template;
    const at = (where: Partial<Record<keyof ResultRow, unknown>>) => pick(rows, { template, ...where });
    const tokShare = at({ metric: 'tokenize_share', engine: 'jinja', tokenizer: 'js' });
    const tplShare = at({ metric: 'template_share', engine: 'jinja', tokenizer: 'js' });
    if (tokShare && tplShare) {
      findings.push({ id: 'split', chart: 'anatomy', row: tokShare, caveats: caveatsOf([tokShare, tplShare]), text: `Tokenization is ${withCi(tokShare, '%')} of the preprocessing time of a ~1k-token request (${template}, @huggingface/jinja, JS tokenizer); the template ${withCi(tplShare, '%')}.` });
    }
    const jinja = at({ metric: 'template', engine: 'jinja', tokenizer: 'js' });
    const nunjucks = at({ metric: 'template', engine: 'nunjucks', tokenizer: 'js' });
    if (jinja && nunjucks) {
      const r = ratioOf(jinja, nunjucks);
      const text = r.low <= 1 && 1 <= r.high ? `nunjucks and @huggingface/jinja render ${template} with no measurable difference (jinja / nunjucks = ${ratioText(r)})` : `nunjucks renders ${template} ${ratioText(r)} ${r.ratio > 1 ? 'faster' : 'slower'} than @huggingface/jinja (${withCi(nunjucks)} vs ${withCi(jinja)})`;
      findings.push({ id: 'engines', chart: 'anatomy', row: nunjucks, caveats: caveatsOf([jinja, nunjucks]), text: `${text}.` });
    }
    const js = at({ metric: 'tokenize', engine: 'jinja', tokenizer: 'js' });
    const native = at({ metric: 'tokenize', engine: 'jinja', tokenizer: 'native' });
    if (js && native) {
      const r = ratioOf(js, native);
      const text = r.low <= 1 && 1 <= r.high ? `The native (Rust) and JS tokenizers show no measurable difference on this prompt (JS / native = ${ratioText(r)})` : `The native (Rust) tokenizer encodes this prompt in ${withCi(native)} against ${withCi(js)} for the JS one: ${ratioText(r)} ${r.ratio > 1 ? 'faster' : 'slower'}, async round trip included`;
      findings.push({ id: 'tokenizers', chart: 'anatomy', row: native, caveats: caveatsOf([js, native]), text: `${text}.` });
    }
    return findings;
  },
  derive(rows) {
    // Share of each stage in the sum of the three stage medians, per point.
    const byPoint = new Map<string, RowInput[]>();
    for (const r of rows) {
      if (r.status && r.status !== 'ok') continue;
      const key = `${r.params?.template}|${r.params?.engine}|${r.params?.tokenizer}`;
      byPoint.set(key, [...(byPoint.get(key) ?? []), r]);
    }
    const derived: RowInput[] = [];
    for (const group of byPoint.values()) {
      const stages = STAGES.map((s) => group.find((r) => r.metric === s));
      if (stages.some((s) => !s?.summary)) continue;
      const sum = stages.reduce((acc, s) => acc + s!.summary!.median, 0);
      for (const s of stages) {
        // The stage row's parameters (its point's) carry over to its share.
        const { summary, samples, metric, note, ...same } = s!;
        derived.push({ ...same, metric: `${metric}_share`, unit: '%', value: (100 * summary!.median) / sum, note: 'share of the sum of stage medians' });
      }
    }
    return derived;
  },
};

export default anatomy;
