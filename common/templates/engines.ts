/**
 * Template engines behind one interface. `jinja` is @huggingface/jinja (the reference: it is what
 * transformers.js uses and follows Python Jinja2 semantics); `nunjucks` renders the same unmodified
 * Hugging Face template through a Jinja-compatibility layer local to its environment. Templates are
 * untrusted: both engines render within the same bounds (render-limits.ts).
 */
import { UnknownNameError } from '../assets/models.ts';
import { compileBoundedJinja } from './bounded-jinja.ts';
import { compileNunjucks } from './nunjucks-compat.ts';
import { DEFAULT_RENDER_LIMITS, type RenderLimits } from './render-limits.ts';

export const ENGINES = ['jinja', 'nunjucks'] as const;
export type EngineId = (typeof ENGINES)[number];

export interface ChatMessage {
  role: string;
  content: string;
  [key: string]: unknown;
}

/** What a chat template is rendered with (the variables transformers' apply_chat_template passes). */
export interface TemplateContext {
  messages: ChatMessage[];
  add_generation_prompt: boolean;
  bos_token: string;
  eos_token: string;
  tools?: unknown[];
  [key: string]: unknown;
}

export interface CompiledTemplate {
  engine: EngineId;
  render(ctx: TemplateContext): string;
}

export function assertEngine(name: string): EngineId {
  if (!(ENGINES as readonly string[]).includes(name)) throw new UnknownNameError('engine', name, ENGINES);
  return name as EngineId;
}

/** Parse once; rendering reuses the parsed template (as a server would). */
export function compileTemplate(engine: EngineId, source: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS): CompiledTemplate {
  switch (engine) {
    case 'jinja': {
      const render = compileBoundedJinja(source, limits);
      return { engine, render: (ctx) => render(ctx as Record<string, unknown>) };
    }
    case 'nunjucks':
      return { engine, render: compileNunjucks(source, limits) };
  }
}

/** Index of the first differing character, or -1 when equal. */
export function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** A short, printable excerpt around the first difference, for error rows and notes. */
export function describeDifference(reference: string, other: string): string {
  const at = firstDifference(reference, other);
  if (at < 0) return 'identical';
  const excerpt = (s: string) => JSON.stringify(s.slice(Math.max(0, at - 20), at + 40));
  return `differs at char ${at}: reference ${excerpt(reference)} vs ${excerpt(other)}`;
}
