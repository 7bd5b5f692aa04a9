/**
 * Pieces the preprocessing experiments share: the selected templates and engines, tokenizer notes, the
 * main-thread process group. The preprocessor cache, the reference engine and chat building live in
 * common/preprocessor-cache.ts (the inference suite uses them too).
 */
import { templateVariantsFor } from '../../common/assets/models.ts';
import type { TokenizerId } from '../../common/assets/tokenizers.ts';
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

export const TOKENIZER_NOTES: Record<TokenizerId, string> = {
  js: '@huggingface/tokenizers, synchronous on the calling thread',
  native: 'tokenizers (Rust napi) encode on libuv threadpool; includes the async round trip',
};

/**
 * Child-process group of the main-thread experiments (1 and 2): both load one template's engines and
 * tokenizers, and each compares its variants in paired rounds, so they share a process per template.
 */
export function mainThreadGroup(p: { template: string }): string {
  return `main thread ${p.template}`;
}
