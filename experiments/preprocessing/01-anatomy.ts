/**
 * Experiment 1 — anatomy of one request (~1k content tokens, system + 9 turns): how long do template
 * rendering, tokenization and collation each take, per model template × engine × tokenizer? With
 * --chats, of each of the user's chats as it is (every variant takes them in turn). On real text, the
 * reference engine and tokenizer also run on a synthetic chat of the same size in the same rounds, so how
 * much the suite's old synthetic text moved the split comes from one run, paired.
 */
import { collate } from '../../common/measure/collate.ts';
import { getTemplateVariant } from '../../common/assets/models.ts';
import type { TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { thenIds } from '../../common/assets/tokenizers.ts';
import { caveatsOf, crosses, pick, withCi, type Finding } from '../../common/results/findings.ts';
import { pairedRow, perRound, roundsSeed, runPairedRounds, variantRow, withRounds, type Variant } from '../../common/measure/paired-rounds.ts';
import { hasFigure, type Params, type ResultRow, type RowInput } from '../../common/results/results.ts';
import { checkSupport } from '../../common/templates/support.ts';
import type { ChatMessage, EngineId } from '../../common/templates/engines.ts';
import type { Experiment, RunOptions } from '../../suites/types.ts';
import { anatomyCharts } from '../../suites/preprocessing/charts/anatomy.ts';
import { chatFor, preprocessor, referenceOf } from '../../common/measure/preprocessor-cache.ts';
import { sampleChats } from '../../common/text/chats-file.ts';
import { median } from '../../common/stats/stats.ts';
import { MAIN_THREAD_RUNS, chatsFile, engineList, inTurn, mainThreadGroup, measuredText, promptTokensRow, quickTemplate, selectedTemplates, textKind, timedTokenizers } from '../../suites/preprocessing/experiment-helpers.ts';
import { batchSize } from '../../suites/preprocessing/queue-points.ts';

interface Point {
  template: string;
  /** The kind of generated text, or the label of the user's chats file. */
  text: string;
  /** The user's chats (--chats) instead of one generated chat. */
  file: boolean;
}

const TURNS = 9;
const TOKENS = 1000;
/** Rounds of a process: every variant runs one slice per round (quick keeps the process short). */
const ROUNDS = { quick: { rounds: 12, sliceMs: 10 }, full: { rounds: 60, sliceMs: 20 } };

/** Short label of a point, for progress and error rows. */
function label(p: Point): string {
  return p.template;
}

/** A point's parameters, which every row of the point carries; each row adds its engine or tokenizer. The user's chats have no one turn count. */
function coordinates(p: Point): Params {
  return { template: p.template, model: getTemplateVariant(p.template).model, strategy: 'main', text: p.text, turns: p.file ? undefined : TURNS, tokens: p.file ? undefined : TOKENS };
}

/** The chats a point measures: one generated request, or the user's (as many as a batch of experiment 3 holds, the same ones). */
function chatsOf(point: Point, options: RunOptions): ChatMessage[][] {
  const file = chatsFile(options);
  if (point.file && file) return sampleChats(file, batchSize(options), options.seed);
  return [chatFor(point.template, { seed: options.seed, turns: TURNS, totalTokens: TOKENS, system: true, text: textKind(options) })];
}

const STAGES = ['template', 'tokenize', 'collate'] as const;

const renderOf = (engine: EngineId) => `render ${engine}`;
const encodeOf = (tokenizer: TokenizerChoice) => `tokenize ${tokenizer}`;
/** The variants of the synthetic chat beside a real one: the reference engine, the split's tokenizer, collation. */
const SYNTHETIC = { render: 'render jinja synthetic', tokenize: 'tokenize synthetic', collate: 'collate synthetic' };
const totalOf = (engine: EngineId, tokenizer: TokenizerChoice) => `total ${engine} ${tokenizer}`;

export const anatomy: Experiment<Point> = {
  id: 1,
  slug: 'anatomy',
  title: 'Anatomy of a request',
  question: 'For one ~1k-token request, how is the CPU time split between chat template, tokenization and collation?',
  params: ['model', 'template', 'engine', 'tokenizer', 'strategy', 'text', 'turns', 'tokens'],
  reads: ['--tokenizers', '--chats', { flag: '--text', unless: '--chats' }],
  // Quick: the first model's fullest template only (every extra template costs a process per replicate).
  matrix: (options) => (options.quick ? [quickTemplate(options)] : selectedTemplates(options)).map((template) => ({ template, text: measuredText(options), file: chatsFile(options) !== undefined })),
  headline: ['template', 'tokenize', 'collate', 'total', 'template_share', 'tokenize_share', 'template_speedup', 'tokenize_speedup', 'tokenize_vs_synthetic', 'template_vs_synthetic', 'template_share_synthetic'],
  charts: anatomyCharts,
  label,
  coordinates,
  group: mainThreadGroup,
  runs: MAIN_THREAD_RUNS,
  // Every engine and tokenizer of one template runs in one process, in paired rounds: their ratios and
  // shares are taken round by round.
  async run(point, options) {
    const engines = engineList(options);
    const ref = await referenceOf({ template: point.template, engine: 'jinja', tokenizer: 'js' });
    const chats = chatsOf(point, options);
    const prompts = chats.map((messages) => ref.render(messages));
    const idsOf = await Promise.all(prompts.map((prompt) => ref.tokenize(prompt)));
    // The prompt's actual token count (the user's chats: the median) replaces the point's nominal one.
    const tokens = Math.round(median(idsOf.map((ids) => ids.length)));
    const rows: RowInput[] = point.file ? [promptTokensRow(idsOf.map((ids) => ids.length))] : [];
    const supported: { engine: EngineId; render: (messages: ChatMessage[]) => string }[] = [];
    for (const engine of engines) {
      const pre = await preprocessor({ template: point.template, engine, tokenizer: 'js' });
      const failed = chats.map((messages) => checkSupport(pre, ref, messages)).find((support) => !support.ok);
      if (!failed) supported.push({ engine, render: (messages) => pre.render(messages) });
      else rows.push({ params: { engine, tokens }, metric: 'template', unit: 'ms', status: 'unsupported', error: failed.reason });
    }
    // Every selected tokenizer whose ids equal the Rust tokenizer's on these prompts is timed; another is a row saying where it differs.
    const { timed: encoders, rows: differing } = await timedTokenizers(options, getTemplateVariant(point.template).model, prompts, { tokens });
    rows.push(...differing);
    const variants: Variant[] = [
      ...supported.map((s) => ({ name: renderOf(s.engine), fn: inTurn(chats, s.render) })),
      ...encoders.map((e) => ({ name: encodeOf(e.tokenizer), fn: inTurn(prompts, e.encode) })),
      { name: 'collate', fn: inTurn(idsOf, (ids) => collate([ids])) },
      ...supported.flatMap((s) => encoders.map((e) => ({ name: totalOf(s.engine, e.tokenizer), fn: inTurn(chats, (messages) => thenIds(e.encode(s.render(messages)), (ids) => collate([ids]))) }))),
    ];
    // Against the JS tokenizer when it is measured, else the first selected.
    const base = encoders.find((e) => e.tokenizer === 'js') ?? encoders[0];
    // A generated real-text chat beside a synthetic one of the same turns and content tokens (the user's chats have no such twin).
    const jinja = supported.find((s) => s.engine === 'jinja');
    const twin = !point.file && point.text !== 'synthetic' && jinja && base ? chatFor(point.template, { seed: options.seed, turns: TURNS, totalTokens: TOKENS, system: true, text: 'synthetic' }) : undefined;
    if (twin && jinja && base) {
      const prompt = ref.render(twin);
      const ids = await ref.tokenize(prompt);
      variants.push({ name: SYNTHETIC.render, fn: () => jinja.render(twin) }, { name: SYNTHETIC.tokenize, fn: () => base.encode(prompt) }, { name: SYNTHETIC.collate, fn: () => collate([ids]) });
    }
    const mode = options.quick ? ROUNDS.quick : ROUNDS.full;
    const plan = { ...mode, minCalls: 1, warmupMs: options.plan.warmupTime, warmupCalls: options.plan.warmupIterations };
    const result = await runPairedRounds(variants, plan, roundsSeed(options, 1), { signal: options.signal, onRound: (d, t) => options.progress(`${label(point)}: round ${d}/${t}`) });

    for (const s of supported) rows.push(variantRow(result, renderOf(s.engine), 'template', `${s.engine} render of a parsed template; prompt tokens in 'tokens'`, { engine: s.engine, tokens }));
    for (const e of encoders) rows.push(variantRow(result, encodeOf(e.tokenizer), 'tokenize', e.note, { tokenizer: e.tokenizer, tokens }));
    rows.push(variantRow(result, 'collate', 'collate', 'pad to a multiple of 8 into Int32Array + attention mask', { tokens }));
    for (const s of supported) {
      for (const e of encoders) {
        const params = { engine: s.engine, tokenizer: e.tokenizer, tokens };
        rows.push(variantRow(result, totalOf(s.engine, e.tokenizer), 'total', 'render + tokenize + collate measured together', params));
        const stages = [renderOf(s.engine), encodeOf(e.tokenizer), 'collate'];
        STAGES.forEach((stage, i) => {
          const share = perRound(result, stages, (...t) => (100 * t[i]) / (t[0] + t[1] + t[2]));
          rows.push(pairedRow(`${stage}_share`, '%', share, 'share of the stage in the sum of the three stage medians of the round', params));
        });
      }
    }
    if (twin && base) {
      const params = { engine: 'jinja', tokenizer: base.tokenizer, tokens };
      const real = [renderOf('jinja'), encodeOf(base.tokenizer), 'collate'];
      const synthetic = [SYNTHETIC.render, SYNTHETIC.tokenize, SYNTHETIC.collate];
      rows.push(
        pairedRow('template_vs_synthetic', 'x', perRound(result, [real[0], synthetic[0]], (a, b) => a / b), `@huggingface/jinja render of this ${point.text} chat / of a synthetic chat of the same turns and content tokens, same round`, params),
        pairedRow('tokenize_vs_synthetic', 'x', perRound(result, [real[1], synthetic[1]], (a, b) => a / b), `${base.tokenizer} tokenizer encode of this ${point.text} prompt / of the synthetic chat's prompt, same round`, params),
        pairedRow('template_share_synthetic', '%', perRound(result, synthetic, (r, t, c) => (100 * r) / (r + t + c)), "the template's share on the synthetic chat (as template_share on this one)", params),
      );
    }
    // Paired speedups over the reference implementations (@huggingface/jinja, the JS tokenizer).
    for (const s of supported.filter((x) => x.engine !== 'jinja' && jinja)) {
      rows.push(pairedRow('template_speedup', 'x', perRound(result, [renderOf('jinja'), renderOf(s.engine)], (a, b) => a / b), `@huggingface/jinja render median / ${s.engine}'s in the same round`, { engine: s.engine, tokens }));
    }
    for (const e of encoders.filter((x) => x !== base)) {
      rows.push(pairedRow('tokenize_speedup', 'x', perRound(result, [encodeOf(base.tokenizer), encodeOf(e.tokenizer)], (a, b) => a / b), `${base.tokenizer} tokenizer encode median / ${e.tokenizer}'s in the same round`, { tokenizer: e.tokenizer, tokens }));
    }
    return withRounds(rows, result);
  },
  answers(rows) {
    const findings: Finding[] = [];
    // The first model's fullest template: the one quick mode measures, and the last listed in full mode.
    const template = rows.find((r) => r.metric === 'tokenize_share')?.template ?? rows[0]?.template;
    const at = (where: Partial<Record<keyof ResultRow, unknown>>) => pick(rows, { template, ...where });
    // The JS tokenizer's split, or the first measured tokenizer's when it was not selected.
    const splitTokenizer = at({ metric: 'tokenize_share', engine: 'jinja', tokenizer: 'js' }) ? 'js' : at({ metric: 'tokenize_share', engine: 'jinja' })?.tokenizer;
    const tokShare = at({ metric: 'tokenize_share', engine: 'jinja', tokenizer: splitTokenizer });
    const tplShare = at({ metric: 'template_share', engine: 'jinja', tokenizer: splitTokenizer });
    if (tokShare && tplShare) {
      const name = splitTokenizer === 'js' ? 'JS tokenizer' : `${splitTokenizer} tokenizer`;
      findings.push({ id: 'split', chart: 'anatomy', row: tokShare, caveats: caveatsOf([tokShare, tplShare]), text: `Tokenization is ${withCi(tokShare, '%')} of the preprocessing time of a ~1k-token request (${template}, @huggingface/jinja, ${name}); the template ${withCi(tplShare, '%')}.` });
    }
    // How much the suite's synthetic text moved the split: the same template, turns and content tokens, paired per round.
    const tokVs = at({ metric: 'tokenize_vs_synthetic' });
    const tplVs = at({ metric: 'template_vs_synthetic' });
    const synShare = at({ metric: 'template_share_synthetic' });
    const realShare = tokVs && at({ metric: 'template_share', engine: 'jinja', tokenizer: tokVs.tokenizer });
    if (tokVs && tplVs && synShare && realShare) {
      const kind = tokVs.text;
      findings.push({
        id: 'synthetic-text',
        chart: 'anatomy',
        row: tokVs,
        caveats: caveatsOf([tokVs, tplVs, synShare, realShare]),
        text: `On ${kind} text, against a synthetic chat of the same turns and content tokens in the same rounds (${template}, paired per round): tokenizing takes ${withCi(tokVs)} the time (${tokVs.tokenizer} tokenizer), rendering ${withCi(tplVs)} (@huggingface/jinja); the template's share is ${withCi(realShare, '%')} on ${kind} text against ${withCi(synShare, '%')} on synthetic. Each call encodes the same prompt, so a tokenizer's word cache holds all of it on either text; experiment 10 times never-seen text.`,
      });
    }
    const engines = at({ metric: 'template_speedup', engine: 'nunjucks' });
    if (engines) {
      const text = crosses(engines, 1)
        ? `nunjucks and @huggingface/jinja render ${template} with no measurable difference (jinja / nunjucks, paired per round: ${withCi(engines)})`
        : `nunjucks renders ${template} ${withCi(engines)} ${(engines.median as number) > 1 ? 'faster' : 'slower'} than @huggingface/jinja (jinja / nunjucks, paired per round)`;
      findings.push({ id: 'engines', chart: 'anatomy', row: engines, caveats: caveatsOf([engines]), text: `${text}.` });
    }
    // Speedups are over the JS tokenizer when it was measured, else over the measured one without a speedup row.
    const speedups = rows.filter((r) => r.template === template && r.metric === 'tokenize_speedup' && hasFigure(r.status));
    const others = rows.filter((r) => r.template === template && r.metric === 'tokenize' && hasFigure(r.status) && r.tokenizer !== 'js' && !speedups.some((x) => x.tokenizer === r.tokenizer));
    const base = pick(rows, { template, metric: 'tokenize', tokenizer: 'js' }) || others.length === 0 ? 'js' : others[0].tokenizer;
    const baseName = base === 'js' ? 'the JS tokenizer (@huggingface/tokenizers)' : base;
    for (const row of speedups) {
      const faster = (row.median as number) > 1 ? 'faster' : 'slower';
      const text =
        row.tokenizer === 'native' && base === 'js'
          ? crosses(row, 1)
            ? `The native (Rust) and JS tokenizers show no measurable difference on this prompt (JS / native, paired per round: ${withCi(row)})`
            : `The native (Rust) tokenizer encodes this prompt ${withCi(row)} ${faster} than the JS one (JS / native, paired per round), async round trip included`
          : crosses(row, 1)
            ? `${row.tokenizer} and ${baseName} show no measurable difference on this prompt (${base} / ${row.tokenizer}, paired per round: ${withCi(row)})`
            : `${row.tokenizer} encodes this prompt ${withCi(row)} ${faster} than ${baseName} (${base} / ${row.tokenizer}, paired per round)`;
      findings.push({ id: row.tokenizer === 'native' ? 'tokenizers' : `tokenizers-${row.tokenizer}`, chart: 'anatomy', row, caveats: caveatsOf([row]), text: `${text}.` });
    }
    const differing = rows.filter((r) => r.template === template && r.metric === 'tokenize' && r.status === 'unsupported');
    if (differing.length > 0) findings.push({ id: 'tokenizers-differ', chart: 'anatomy', caveats: [], text: `Not timed: ${differing.map((r) => r.error).join('; ')}.` });
    return findings;
  },
};

export default anatomy;
