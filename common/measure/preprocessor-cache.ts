/**
 * Memoized pipeline pieces any suite's experiments use: a preprocessor per configuration, the reference
 * rendering, and seeded chats counted with a template's own tokenizer. Module-level caches of pure loads,
 * so every experiment in a process shares one tokenizer and one parsed template per configuration.
 */
import { getTemplateVariant } from '../assets/models.ts';
import { loadTokenizer } from '../assets/tokenizers.ts';
import { createPreprocessor, type PipelineConfig, type Preprocessor } from './pipeline.ts';
import type { ChatMessage } from '../templates/engines.ts';
import { chatOf, type TextChatSpec } from '../text/chat.ts';

const preprocessors = new Map<string, Promise<Preprocessor>>();

/** The preprocessor of `config`, created once per process. */
export function preprocessor(config: PipelineConfig): Promise<Preprocessor> {
  const key = JSON.stringify(config);
  if (!preprocessors.has(key)) preprocessors.set(key, createPreprocessor(config));
  return preprocessors.get(key)!;
}

/** The reference rendering (@huggingface/jinja) with the same tokenizer. */
export function referenceOf(config: PipelineConfig): Promise<Preprocessor> {
  return preprocessor({ ...config, engine: 'jinja' });
}

const chats = new Map<string, ChatMessage[]>();

/** A seeded chat (of `spec.text`, synthetic by default) whose content tokens are counted with the template's own model tokenizer. */
export function chatFor(template: string, spec: TextChatSpec): ChatMessage[] {
  const key = JSON.stringify([template, spec]);
  if (!chats.has(key)) {
    const tok = loadTokenizer(getTemplateVariant(template).model, 'js');
    chats.set(key, chatOf(spec, { encode: tok.encodeSync!, decode: tok.decode }));
  }
  return chats.get(key)!;
}
