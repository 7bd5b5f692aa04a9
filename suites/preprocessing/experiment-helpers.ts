/**
 * Pieces the preprocessing experiments share: the selected templates, engines and timed tokenizers, the
 * main-thread process group and its number of processes. The preprocessor cache, the reference engine and chat building live in
 * common/measure/preprocessor-cache.ts (the inference suite uses them too).
 */
import { templateVariantsFor } from '../../common/assets/models.ts';
import type { ChatsFileRecord } from '../../common/text/chats-file.ts';
import { identicalIds, prepareTokenizer, tokenizerNote, type TokenizerChoice } from '../../common/assets/tokenizer-choice.ts';
import { directEncode } from '../../common/assets/tokenizers.ts';
import type { Params, RowInput } from '../../common/results/results.ts';
import { median } from '../../common/stats/stats.ts';
import type { EngineId } from '../../common/templates/engines.ts';
import type { TextKind } from '../../common/text/kinds.ts';
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

/** The text of the generated chats (--text). */
export function textKind(options: RunOptions): TextKind {
  return preprocessingOptions(options).text.kind;
}

/** The user's chats (--chats), which experiments 1, 3 and 4 measure instead of generated ones. */
export function chatsFile(options: RunOptions): ChatsFileRecord | undefined {
  return preprocessingOptions(options).chats;
}

/**
 * The `text` parameter of the rows of an experiment that measures the user's chats when given: the
 * file's label, else the kind of generated text. Rows of different texts never match in a compare.
 */
export function measuredText(options: RunOptions): string {
  return chatsFile(options)?.label ?? textKind(options);
}

/**
 * A row of the token counts of the user's chats as measured (each chat one request): the median over
 * their rendered prompts, the same in every process.
 */
export function promptTokensRow(counts: readonly number[]): RowInput {
  const sorted = [...counts].sort((a, b) => a - b);
  return { metric: 'prompt_tokens', unit: 'tokens', value: median(sorted), exact: true, note: `median over ${counts.length} chats' rendered prompts (min ${sorted[0]}, max ${sorted.at(-1)}); each chat is one request` };
}

/** `f` of the items in turn, one per call: a variant timed on several chats takes the next one each time. */
export function inTurn<T, R>(items: readonly T[], f: (item: T) => R): () => R {
  let i = 0;
  return () => f(items[i++ % items.length]);
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
