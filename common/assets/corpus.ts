/**
 * The template corpus: ~97 real Hugging Face chat templates (Jinja source) shipped by
 * @huggingface/ollama-utils, each with a unique id, a family, its size and a simple complexity measure.
 */
import { loadTemplateCorpus, type CorpusEntry } from './models.ts';

export interface CorpusTemplate {
  /** Unique id: the Ollama model name without `library/`, with `#2`, `#3` for repeated names. */
  id: string;
  family: string;
  source: string;
  chars: number;
  /** Number of `{% … %}` control blocks: a rough measure of what the engine has to interpret. */
  controlBlocks: number;
  supportsTools: boolean;
  /** Placeholder special tokens the template is rendered with (the corpus does not carry them). */
  bos_token: string;
  eos_token: string;
}

export class CorpusError extends Error {}

/** Known special tokens by family; other templates get `<s>`/`</s>`. */
const SPECIAL: Record<string, [string, string]> = {
  llama: ['<|begin_of_text|>', '<|eot_id|>'],
  gemma: ['<bos>', '<eos>'],
  deepseek: ['<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>'],
  qwen: ['', '<|im_end|>'],
  qwq: ['', '<|im_end|>'],
};

export function familyOf(name: string): string {
  return (name.replace(/^library\//, '').match(/^[a-z]+/)?.[0] ?? 'other').toLowerCase();
}

export function validateEntry(entry: unknown, index: number): CorpusEntry {
  const e = entry as Partial<CorpusEntry> | null;
  const name = e && typeof e.model === 'string' && e.model ? e.model : `#${index}`;
  if (!e || typeof e !== 'object') throw new CorpusError(`corpus entry ${name}: not an object`);
  if (typeof e.model !== 'string' || e.model === '') throw new CorpusError(`corpus entry ${name}: missing "model" name`);
  if (typeof e.gguf !== 'string' || e.gguf.trim() === '') throw new CorpusError(`corpus entry ${name}: missing or empty "gguf" template source`);
  if (!/\{[{%]/.test(e.gguf)) throw new CorpusError(`corpus entry ${name}: "gguf" has no Jinja tags`);
  return e as CorpusEntry;
}

export function buildCorpus(entries: readonly unknown[]): CorpusTemplate[] {
  const seen = new Map<string, number>();
  return entries.map((raw, i) => {
    const entry = validateEntry(raw, i);
    const base = entry.model.replace(/^library\//, '');
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const family = familyOf(base);
    const [bos_token, eos_token] = SPECIAL[family] ?? ['<s>', '</s>'];
    return {
      id: count === 1 ? base : `${base}#${count}`,
      family,
      source: entry.gguf,
      chars: entry.gguf.length,
      controlBlocks: (entry.gguf.match(/\{%/g) ?? []).length,
      supportsTools: /\btools\b/.test(entry.gguf),
      bos_token,
      eos_token,
    };
  });
}

export async function loadCorpus(): Promise<CorpusTemplate[]> {
  return buildCorpus(await loadTemplateCorpus());
}

/** The named quick subset: at least one template of every major family. */
export const QUICK_CORPUS = [
  'llama2:7b', 'llama3:8b', 'llama3.1:8b', 'llama3.2:3b', 'llama4:latest',
  'qwen:0.5b', 'qwen2.5:0.5b', 'qwen3:0.6b', 'qwq:32b',
  'mistral:7b-instruct-fp16', 'mixtral:8x7b', 'mistral-small:24b',
  'gemma2:2b', 'gemma3:1b',
  'phi3:3.8b', 'phi4:14b',
  'deepseek-r1:8b', 'deepseek-v3:671b',
  'command-r:35b', 'granite3.2:8b', 'falcon2:11b', 'olmo2:7b', 'smollm2:135m',
];
