/**
 * Pieces the preprocessing experiments share: the selected templates, engines and timed tokenizers, the
 * main-thread process group and its number of processes. The preprocessor cache, the reference engine and chat building live in
 * common/preprocessor-cache.ts (the inference suite uses them too).
 */
import { templateVariantsFor } from '../../common/assets/models.ts';
import { identicalIds, prepareTokenizer, tokenizerNote, type TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { directEncode } from '../../common/assets/tokenizers.ts';
import type { Params, RowInput } from '../../common/results.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import type { RunOptions } from '../types.ts';
import { preprocessingOptions } from './cli.ts';

/** Template variants of the selected models. */
export function selectedTemplates(options: RunOptions): string[] {
  return templateVariantsFor(preprocessingOptions(options).models).map((v) => v.id);
}

/** The single template the heavy experiments use in quick mode: the first selected model's fullest. */
export function quickTemplate(options: RunOptions): string {
  const first = preprocessingOptions(options).models[0];
  const variants = templateVariantsFor([first]);
  return variants[variants.length - 1].id;
}

/** The template engines selected with --engines. */
export function engineList(options: RunOptions): EngineId[] {
  return preprocessingOptions(options).engines;
}

/** A selected tokenizer to time: its direct encode (directEncode) and what its rows' notes say. */
export interface TimedTokenizer {
  tokenizer: TokenizerChoice;
  encode: (text: string) => number[] | Promise<number[]>;
  note: string;
}

/**
 * The selected tokenizers whose ids equal the Rust tokenizer's on every one of `prompts`, to be timed; each
 * other one is an `unsupported` tokenize row (with `params`) saying where it differs.
 */
export async function timedTokenizers(options: RunOptions, model: string, prompts: readonly string[], params: Params = {}): Promise<{ timed: TimedTokenizer[]; rows: RowInput[] }> {
  const timed: TimedTokenizer[] = [];
  const rows: RowInput[] = [];
  for (const tokenizer of preprocessingOptions(options).tokenizers) {
    const differs = await identicalIds(model, tokenizer, prompts);
    if (differs) {
      rows.push({ params: { tokenizer, ...params }, metric: 'tokenize', unit: 'ms', status: 'unsupported', error: `${tokenizer}: ${differs}` });
      continue;
    }
    const prepared = await prepareTokenizer(model, tokenizer);
    timed.push({ tokenizer, encode: directEncode(prepared), note: tokenizerNote(tokenizer, prepared) });
  }
  return { timed, rows };
}

/**
 * Child-process group of the main-thread experiments (1 and 2): both load one template's engines and
 * tokenizers, and each compares its variants in paired rounds, so they share a process per template.
 */
export function mainThreadGroup(p: { template: string }): string {
  return `main thread ${p.template}`;
}

/**
 * Processes of experiments 1 and 2 unless --runs says otherwise. Their paired ratios vary little within a
 * process but a process keeps a speed state of its own that moves templating more than tokenizing (in
 * one quick run: jinja 0.30 ms in one process, 0.46–0.48 ms in two others, the JS tokenizer 4.3 vs
 * 4.6–4.8 ms), so shares move from process to process and only processes narrow their interval. Their
 * processes are cheap (≈6 s), so quick runs 6 of them with 12 rounds each rather than 3 with 24.
 */
export const MAIN_THREAD_RUNS = { quick: 6 };
