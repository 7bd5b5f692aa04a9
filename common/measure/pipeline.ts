/**
 * One request's preprocessing, as a gateway does it: render the chat template, tokenize the prompt.
 * The same code runs on the main thread, in pool threads and in child processes, so every strategy
 * does identical work and must return identical results.
 */
import { getTemplateVariant, specialTokens } from '../assets/models.ts';
import { prepareTokenizer, type TokenizerChoice } from '../assets/tokenizer-choice.ts';
import type { PreparedTokenizer } from '../assets/tokenizers.ts';
import { compileTemplate, type ChatMessage, type CompiledTemplate, type EngineId, type TemplateContext } from '../templates/engines.ts';

export interface PipelineConfig {
  /** Template variant id (see TEMPLATE_VARIANTS), which also names the model whose tokenizer is used. */
  template: string;
  engine: EngineId;
  tokenizer: TokenizerChoice;
}

/** Fixed so templates that print today's date (Llama 3.1) render identically in every run. */
export const FIXED_DATE_STRING = '26 Jul 2024';

export interface Preprocessor {
  config: PipelineConfig;
  model: string;
  template: CompiledTemplate;
  tokenizer: PreparedTokenizer;
  context(messages: ChatMessage[], extra?: Record<string, unknown>): TemplateContext;
  render(messages: ChatMessage[], extra?: Record<string, unknown>): string;
  tokenize(text: string): Promise<number[]>;
  prepare(messages: ChatMessage[]): Promise<number[]>;
}

/** `templateSource` lets workers skip loading the template corpus: the main thread sends the source. */
export async function createPreprocessor(config: PipelineConfig, templateSource?: string): Promise<Preprocessor> {
  const variant = getTemplateVariant(config.template);
  const template = compileTemplate(config.engine, templateSource ?? (await variant.load()));
  const tokenizer = await prepareTokenizer(variant.model, config.tokenizer);
  const special = specialTokens(variant.model);
  const context = (messages: ChatMessage[], extra: Record<string, unknown> = {}): TemplateContext => ({
    messages,
    add_generation_prompt: true,
    ...special,
    date_string: FIXED_DATE_STRING,
    ...extra,
  });
  const render = (messages: ChatMessage[], extra?: Record<string, unknown>) => template.render(context(messages, extra));
  const tokenize = (text: string) => tokenizer.encode(text);
  return {
    config,
    model: variant.model,
    template,
    tokenizer,
    context,
    render,
    tokenize,
    prepare: (messages) => tokenize(render(messages)),
  };
}
