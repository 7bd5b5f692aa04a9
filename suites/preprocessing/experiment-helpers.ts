/** Pieces the preprocessing experiments share: preprocessor cache, the reference engine, chat building. */
import { getTemplateVariant, templateVariantsFor } from '../../common/assets/models.ts';
import { loadTokenizer, type TokenizerId } from '../../common/assets/tokenizers.ts';
import { generateChat, type ChatSpec } from '../../common/data.ts';
import { createPreprocessor, type PipelineConfig, type Preprocessor } from '../../common/pipeline.ts';
import type { ChatMessage, EngineId } from '../../common/templates/engines.ts';
import type { RunOptions } from '../types.ts';
import { preprocessingOptions } from './cli.ts';

const preprocessors = new Map<string, Promise<Preprocessor>>();

export function preprocessor(config: PipelineConfig): Promise<Preprocessor> {
  const key = JSON.stringify(config);
  if (!preprocessors.has(key)) preprocessors.set(key, createPreprocessor(config));
  return preprocessors.get(key)!;
}

/** The reference rendering (@huggingface/jinja) with the same tokenizer. */
export function referenceOf(config: PipelineConfig): Promise<Preprocessor> {
  return preprocessor({ ...config, engine: 'jinja' });
}

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

const chats = new Map<string, ChatMessage[]>();

/** A seeded chat whose content tokens are counted with the template's own model tokenizer. */
export function chatFor(template: string, spec: ChatSpec): ChatMessage[] {
  const key = JSON.stringify([template, spec]);
  if (!chats.has(key)) {
    const tok = loadTokenizer(getTemplateVariant(template).model, 'js');
    chats.set(key, generateChat(spec, { encode: tok.encodeSync!, decode: tok.decode }));
  }
  return chats.get(key)!;
}

/** The template engines selected with --engines. */
export function engineList(options: RunOptions): EngineId[] {
  return preprocessingOptions(options).engines;
}

export const TOKENIZER_NOTES: Record<TokenizerId, string> = {
  js: '@huggingface/tokenizers, synchronous on the calling thread',
  native: 'tokenizers (Rust napi) encode on libuv threadpool; includes the async round trip',
};
